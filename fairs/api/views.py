"""The fairs app's partner API: the public fair calendar (read) and registrations of a partner's
member organisations for joint booths (read back and create, through the service)."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers
from rest_framework.settings import api_settings

from companies import selectors as companies_selectors
from companies.choices import ApiScope
from fairs import selectors, services
from fairs.api import serializers as s
from fairs.filtersets import BoothRegistrationFilterSet, TradeFairFilterSet
from fairs.models import BoothRegistration
from wfs_portal.api import actor, partner_key
from wfs_portal.api_views import ERRORS, IDEMPOTENCY_ERRORS, IDEMPOTENCY_KEY, ReadOnlyViewSet, document
from wfs_portal.services import constraint_message

EVENTS = {"read": ApiScope.EVENTS_READ}
# Reading back what a partner registered needs no second scope.
REGISTRATIONS = {"read": ApiScope.REGISTRATIONS_WRITE, "write": ApiScope.REGISTRATIONS_WRITE}


@contextmanager
def service_errors() -> Iterator[None]:
    """A service's refusal becomes a 400 with field messages; a constraint that a concurrent write
    violated (the last guard) too, never a 500. The service's transaction has rolled back."""
    try:
        yield
    except DjangoValidationError as exc:
        detail = serializers.as_serializer_error(exc)
        # full_clean() files constraint and clean() errors without a field under "__all__".
        if NON_FIELD_ERRORS in detail:
            detail.setdefault(api_settings.NON_FIELD_ERRORS_KEY, []).extend(detail.pop(NON_FIELD_ERRORS))
        raise serializers.ValidationError(detail) from exc
    except IntegrityError as exc:
        raise serializers.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [constraint_message(exc)]}) from exc


def document_create(*, summary: str, scope: str, description: str, serializer):
    """Summary, description, request and answers of a resource's create operation; the 400 answer
    lists the writable fields, each with its messages."""
    writable = [name for name, field in serializer().fields.items() if not field.read_only]
    error = inline_serializer(
        f"{serializer.__name__.removesuffix('Serializer')}Error",
        fields={
            name: serializers.ListField(child=serializers.CharField(), required=False)
            for name in [*writable, api_settings.NON_FIELD_ERRORS_KEY]
        },
    )
    return extend_schema_view(
        create=extend_schema(
            summary=summary,
            description=f"{description}\n\nScope: `{scope}`.",
            request=serializer,
            parameters=[IDEMPOTENCY_KEY],
            responses={
                201: serializer,
                400: OpenApiResponse(error, description="Refused; the messages name the field concerned."),
                **ERRORS,
                **IDEMPOTENCY_ERRORS,
            },
        )
    )


@document(
    plural="trade fairs",
    singular="trade fair",
    scope=ApiScope.EVENTS_READ,
    description="Trade fairs of the state fair programme at which the agency organises a joint company booth, with "
    "the booths' state, places, area, registration deadline and what is still free. Booths still being planned "
    "do not appear, nor do fairs without any other booth.",
    serializer=s.TradeFairSerializer,
)
class TradeFairViewSet(ReadOnlyViewSet):
    serializer_class = s.TradeFairSerializer
    filterset_class = TradeFairFilterSet
    ordering_fields = ["start_date", "name", "updated"]
    scopes = EVENTS

    def get_queryset(self):
        return selectors.public_trade_fairs()


class MemberRegistrationViewSet(mixins.CreateModelMixin, ReadOnlyViewSet):
    """Registrations of the partner's member organisations (staff: all); creating one calls
    ``apply`` with the validated fields and who writes, for the audit history."""

    scopes = REGISTRATIONS

    def scope_to_caller(self, queryset):
        key = None if getattr(self, "swagger_fake_view", False) else partner_key(self.request)
        if key is None:
            return queryset
        return queryset.filter(organisation__in=companies_selectors.partner_members(key.organisation))

    def apply(self, **fields):
        raise NotImplementedError

    def perform_create(self, serializer):
        with service_errors():
            serializer.instance = self.apply(**serializer.validated_data, **actor(self.request))


@document(
    plural="booth registrations",
    singular="booth registration",
    scope=ApiScope.REGISTRATIONS_WRITE,
    description="Applications of the partner's member organisations for a place on a joint booth, whoever made "
    "them, with the agency's decision (`state`).",
    serializer=s.BoothRegistrationSerializer,
)
@document_create(
    summary="Register a member organisation for a joint booth",
    scope=ApiScope.REGISTRATIONS_WRITE,
    description="Applies for a place on a joint booth on behalf of one of the partner's member organisations; the "
    "agency confirms, waitlists or rejects it later. Refused (400) when the organisation is not a member, the "
    "booth is not open or its registration deadline has passed, the organisation has registered already, or no "
    "place or not enough area is left.",
    serializer=s.BoothRegistrationSerializer,
)
class BoothRegistrationViewSet(MemberRegistrationViewSet):
    serializer_class = s.BoothRegistrationSerializer
    filterset_class = BoothRegistrationFilterSet
    ordering_fields = ["applied_at", "updated"]

    def get_queryset(self):
        registrations = BoothRegistration.objects.select_related("organisation").order_by("-applied_at", "-pk")
        return self.scope_to_caller(registrations)

    def apply(self, **fields):
        return services.booth_registration_apply(**fields)
