"""Reads about fairs, booths and exhibitors that are more than a filter."""

import datetime
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
)
from django.utils import timezone

from companies.models.organisations import Organisation
from fairs.models import BoothRegistration, JointBooth, TradeFair
from wfs_portal.choices import EventState, RegistrationState


def booth_registrations_with_first_time(queryset: QuerySet[BoothRegistration]) -> QuerySet[BoothRegistration]:
    """Annotate ``is_first_time``: the organisation had no confirmed place on a joint booth at an
    earlier edition of the same fair (same name). Derived, never stored, so it cannot go stale."""
    earlier = BoothRegistration.objects.filter(
        organisation=OuterRef("organisation"),
        state=RegistrationState.CONFIRMED,
        booth__fair__name=OuterRef("booth__fair__name"),
        booth__fair__start_date__lt=OuterRef("booth__fair__start_date"),
    )
    return queryset.annotate(is_first_time=~Exists(earlier))


def joint_booths_with_occupancy(queryset: QuerySet[JointBooth]) -> QuerySet[JointBooth]:
    """Annotate ``confirmed_count``, ``applied_count`` (applications still undecided), and what the
    confirmed registrations leave of each booth: ``free_places`` and ``free_area_m2``; computed in
    SQL, so a page of booths costs the same few queries at any size."""
    confirmed = Q(registrations__state=RegistrationState.CONFIRMED)
    return queryset.annotate(
        confirmed_count=Count("registrations", filter=confirmed),
        applied_count=Count("registrations", filter=Q(registrations__state=RegistrationState.APPLIED)),
    ).annotate(
        free_places=ExpressionWrapper(F("capacity") - F("confirmed_count"), output_field=IntegerField()),
        free_area_m2=ExpressionWrapper(
            F("total_area_m2") - Sum("registrations__requested_area_m2", filter=confirmed, default=Decimal(0)),
            output_field=DecimalField(max_digits=8, decimal_places=2),
        ),
    )


def fairs_with_joint_booth(*, start: datetime.date, end: datetime.date) -> QuerySet[TradeFair]:
    """Fairs starting in [start, end] at which the agency had a joint booth (not cancelled)."""
    booths = JointBooth.objects.filter(fair=OuterRef("pk")).exclude(state=EventState.CANCELLED)
    return TradeFair.objects.filter(start_date__range=(start, end)).filter(Exists(booths))


def exhibitors(*, start: datetime.date, end: datetime.date) -> QuerySet[BoothRegistration]:
    """Confirmed places on joint booths at fairs starting in [start, end], with ``is_first_time``."""
    return booth_registrations_with_first_time(
        BoothRegistration.objects.filter(
            state=RegistrationState.CONFIRMED, booth__fair__start_date__range=(start, end)
        ).exclude(booth__state=EventState.CANCELLED)
    )


# --- what partners see (the partner API) ---------------------------------------------------------


def public_booths() -> QuerySet[JointBooth]:
    """Joint booths partners may see: every state but "planned", which is the agency's internal
    draft (capacity and deadline not final). Closed, completed and cancelled booths stay visible,
    so that a partner who synchronises with updated_since learns of a closure or a cancellation."""
    return JointBooth.objects.exclude(state=EventState.PLANNED)


def public_booths_with_free_places() -> QuerySet[JointBooth]:
    """Public booths with their occupancy, ``free_places`` and ``free_area_m2`` among it
    (joint_booths_with_occupancy)."""
    return joint_booths_with_occupancy(public_booths())


def public_trade_fairs() -> QuerySet[TradeFair]:
    """Fairs with at least one public joint booth, their public booths prefetched (``public_booths``)."""
    booths = public_booths_with_free_places().order_by("registration_deadline", "title", "pk")
    return (
        TradeFair.objects.filter(Exists(public_booths().filter(fair=OuterRef("pk"))))
        .prefetch_related("sectors", Prefetch("booths", queryset=booths, to_attr="public_booths"))
        .order_by("start_date", "name", "pk")
    )


# --- the self-service portal ---------------------------------------------------------------------


def portal_trade_fairs() -> QuerySet[TradeFair]:
    """The state fair programme as companies see it in the portal: fairs that have not ended yet,
    with their public booths (free places and area computed, see public_booths_with_free_places)."""
    return public_trade_fairs().filter(end_date__gte=timezone.localdate())


def portal_booths() -> QuerySet[JointBooth]:
    """The booths a company may look at and apply for (open ones; the rest say why not)."""
    return public_booths_with_free_places().select_related("fair")


def organisation_booth_registrations(organisation: Organisation) -> QuerySet[BoothRegistration]:
    """An organisation's registrations for joint booths, the coming fairs first."""
    return (
        BoothRegistration.objects.filter(organisation=organisation)
        .select_related("booth", "booth__fair", "contact")
        .order_by("-booth__fair__start_date", "booth__title", "pk")
    )
