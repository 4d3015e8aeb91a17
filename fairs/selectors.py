"""Reads about fairs, booths and exhibitors that are more than a filter."""

import datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from fairs.choices import BoothState
from fairs.models import BoothRegistration, JointBooth, TradeFair
from wfs_portal.choices import RegistrationState


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
    """Annotate ``confirmed_count`` and ``applied_count`` (applications still undecided)."""
    return queryset.annotate(
        confirmed_count=Count("registrations", filter=Q(registrations__state=RegistrationState.CONFIRMED)),
        applied_count=Count("registrations", filter=Q(registrations__state=RegistrationState.APPLIED)),
    )


def fairs_with_joint_booth(*, start: datetime.date, end: datetime.date) -> QuerySet[TradeFair]:
    """Fairs starting in [start, end] at which the agency had a joint booth (not cancelled)."""
    booths = JointBooth.objects.filter(fair=OuterRef("pk")).exclude(state=BoothState.CANCELLED)
    return TradeFair.objects.filter(start_date__range=(start, end)).filter(Exists(booths))


def exhibitors(*, start: datetime.date, end: datetime.date) -> QuerySet[BoothRegistration]:
    """Confirmed places on joint booths at fairs starting in [start, end], with ``is_first_time``."""
    return booth_registrations_with_first_time(
        BoothRegistration.objects.filter(
            state=RegistrationState.CONFIRMED, booth__fair__start_date__range=(start, end)
        ).exclude(booth__state=BoothState.CANCELLED)
    )
