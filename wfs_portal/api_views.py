"""The partner API's base viewset and documentation helpers: every operation gets a summary, a
description, its scope and its error answers in the OpenAPI schema."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers, viewsets

from wfs_portal.idempotency import IdempotentPostMixin


class PartnerKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "wfs_portal.api.PartnerKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization", "description": "`Api-Key <key>`"}


class StaffSessionScheme(OpenApiAuthenticationExtension):
    target_class = "wfs_portal.api.StaffSessionAuthentication"
    name = "StaffSession"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": "sessionid",
            "description": "An agency staff member's admin session (writes also need the CSRF token).",
        }


ErrorSerializer = inline_serializer("Error", fields={"detail": serializers.CharField()})

ERRORS = {
    401: OpenApiResponse(ErrorSerializer, description="No API key, or an invalid, revoked or expired one."),
    403: OpenApiResponse(ErrorSerializer, description="The key lacks the scope this operation needs."),
    429: OpenApiResponse(ErrorSerializer, description="Too many requests; retry after `Retry-After` seconds."),
}
NOT_FOUND = {404: OpenApiResponse(ErrorSerializer, description="No such record, or not visible to this key.")}
PAGE_NOT_FOUND = {404: OpenApiResponse(ErrorSerializer, description="A page beyond the last one.")}
# A bad parameter is answered with its name and what is wrong with it: {"updated_since": ["…"]}.
VALIDATION_ERRORS = {
    "type": "object",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
    "example": {"updated_since": ["Enter a valid date/time."]},
}
BAD_REQUEST = {400: OpenApiResponse(VALIDATION_ERRORS, description="A parameter has an invalid value.")}


def document(*, plural: str, singular: str, description: str):
    """Summaries, descriptions and error answers of a resource's list and detail, from the viewset's
    own ``serializer_class`` and the scope it needs to read (``scopes["read"]``): what a key needs is
    stated once, where it is enforced."""

    def decorate(viewset):
        serializer = viewset.serializer_class
        needs = f"\n\nScope: `{viewset.scopes['read']}`."
        return extend_schema_view(
            list=extend_schema(
                summary=f"List {plural}",
                description=description + needs,
                responses={200: serializer(many=True), **BAD_REQUEST, **ERRORS, **PAGE_NOT_FOUND},
            ),
            retrieve=extend_schema(
                summary=f"Get one {singular}",
                description=description + needs,
                responses={200: serializer, **ERRORS, **NOT_FOUND},
            ),
        )(viewset)

    return decorate


# Every POST of the API takes an Idempotency-Key (wfs_portal/idempotency.py): documented once here.
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="A unique string of yours (e.g. a UUID) that makes a retried POST safe: sending it again with the "
    "same request returns the first answer (with the header `Idempotent-Replayed: true`) instead of doing it "
    "twice. Kept for 24 hours per API key.",
)
IDEMPOTENCY_ERRORS = {
    409: OpenApiResponse(ErrorSerializer, description="A request with this Idempotency-Key is still being processed."),
    422: OpenApiResponse(ErrorSerializer, description="This Idempotency-Key was used with a different request."),
}


class ReadOnlyViewSet(IdempotentPostMixin, viewsets.ReadOnlyModelViewSet):
    """A resource; ``scopes`` names what a key needs. Read-only unless a subclass adds writes, whose
    POSTs honour ``Idempotency-Key``."""

    scopes: dict[str, str] = {}
