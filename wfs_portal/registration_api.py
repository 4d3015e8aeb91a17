"""The partner API's registrations of member organisations (booth registrations, delegation
participants): the base viewset that reads them back and creates them through the app's apply
service, the base serializer with the fields that only accept the partner's members, and the
documentation of the create operation.

A partner key acts for its member organisations; which those are is the companies app's business,
so the viewsets name the lookup (``members_of``) and pass its answer to the serializer's fields."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers
from rest_framework.settings import api_settings

from wfs_portal.api import actor, partner_key
from wfs_portal.api_choices import choice_field
from wfs_portal.api_views import ERRORS, IDEMPOTENCY_ERRORS, IDEMPOTENCY_KEY, ReadOnlyViewSet
from wfs_portal.choices import RegistrationState
from wfs_portal.services import constraint_message

RegistrationStateField = choice_field(RegistrationState, "RegistrationState")


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


def document_create(*, summary: str, description: str):
    """Summary, description, request and answers of a resource's create operation, from the
    viewset's ``serializer_class`` and the scope it needs to write (``scopes["write"]``); the 400
    answer lists the writable fields, each with its messages."""

    def decorate(viewset):
        serializer = viewset.serializer_class
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
                description=f"{description}\n\nScope: `{viewset.scopes['write']}`.",
                request=serializer,
                parameters=[IDEMPOTENCY_KEY],
                responses={
                    201: serializer,
                    400: OpenApiResponse(error, description="Refused; the messages name the field concerned."),
                    **ERRORS,
                    **IDEMPOTENCY_ERRORS,
                },
            )
        )(viewset)

    return decorate


class MemberRegistrationViewSet(mixins.CreateModelMixin, ReadOnlyViewSet):
    """Registrations of the partner's member organisations (staff: all), the newest first; creating
    one calls ``apply`` with the validated fields and who writes, for the audit history. A subclass
    names ``queryset`` (every registration), ``members_of`` (a partner organisation's member
    organisations, as a staticmethod), ``apply`` (the app's apply service) and ``scopes`` (reading
    back what a partner registered needs no second scope: the one for registering serves for both)."""

    members_of: Callable[[object], QuerySet]
    ordering_fields = ["applied_at", "updated"]

    def get_queryset(self):
        registrations = super().get_queryset().select_related("organisation").order_by("-applied_at", "-pk")
        return self.scope_to_caller(registrations)

    def member_organisations(self) -> QuerySet | None:
        """The organisations the caller may register and read back; None for staff (all)."""
        key = None if getattr(self, "swagger_fake_view", False) else partner_key(self.request)
        return None if key is None else self.members_of(key.organisation)

    def scope_to_caller(self, queryset: QuerySet) -> QuerySet:
        members = self.member_organisations()
        return queryset if members is None else queryset.filter(organisation__in=members)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "member_organisations": self.member_organisations()}

    def apply(self, **fields):
        raise NotImplementedError

    def perform_create(self, serializer):
        with service_errors():
            serializer.instance = self.apply(**serializer.validated_data, **actor(self.request))


class MemberScopedField(serializers.PrimaryKeyRelatedField):
    """A record a partner key may name only when it is, or belongs to, one of the partner's member
    organisations (``member_field``: "pk" for an organisation, else the path to one); staff may
    name any. Unknown and foreign ids get the same answer, so a key cannot probe for them. The
    members come from the viewset (MemberRegistrationViewSet.get_serializer_context)."""

    def __init__(self, *, member_field: str, **kwargs):
        self.member_field = member_field
        super().__init__(**kwargs)

    def get_queryset(self):
        queryset = super().get_queryset()
        members = self.context["member_organisations"]
        if members is None:
            return queryset
        return queryset.filter(**{f"{self.member_field}__in": members})


# What the registrations of member organisations share: ``organisation`` and ``contact`` name only
# the partner's members and their people, the organisation's name and the state are read back. A
# subclass's Meta extends this Meta with its model and fields. (A comment, not a docstring: the
# schema would show an inherited docstring as the description of every subclass.)
class MemberRegistrationSerializer(serializers.ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    state = RegistrationStateField(choices=RegistrationState.choices, read_only=True)

    # The foreign keys a partner fills in: the path from the record named to its organisation, the
    # help text, and the answer to an id the key may not name.
    member_fields = {
        "organisation": (
            "pk",
            "One of the partner's member organisations (staff: any organisation).",
            _("No such organisation among those this API key may register."),
        ),
        "contact": (
            "organisation",
            "A contact person of the registered organisation (optional).",
            _("No such contact person among those this API key may register."),
        ),
    }

    class Meta:
        read_only_fields = ["applied_at", "decided_at", "updated"]
        # The apply service answers a duplicate with its own message, under the booth's or trip's lock.
        validators = []

    def build_relational_field(self, field_name, relation_info):
        field_class, kwargs = super().build_relational_field(field_name, relation_info)
        if field_name not in self.member_fields:
            return field_class, kwargs
        member_field, help_text, refusal = self.member_fields[field_name]
        # Described by the help text alone: a label would add the model's verbose name as the title.
        kwargs.pop("label", None)
        kwargs.update(member_field=member_field, help_text=help_text, error_messages={"does_not_exist": refusal})
        return MemberScopedField, kwargs
