"""Requests that may arrive twice: a client that did not get the answer (a timeout, a dropped
connection) sends the same request again. The first answer is kept (wfs_portal.models.IdempotencyRecord)
and given again, so the thing is not done twice and the client learns what happened the first time.

- The partner API: a POST with an ``Idempotency-Key`` header (any unique string of the client's, e.g.
  a UUID). The same key with the same request gets the first answer again (with
  ``Idempotent-Replayed: true``); with another request 422; while the first is still being
  processed 409. Keys are per API key (or staff member) and kept for a day.
- The portal: every form that creates something carries a hidden submission token
  (``{% submission_token %}``); a view decorated with ``once_per_submission`` redirects a repeated
  submission to where the first one led, with a note that it was saved already."""

from __future__ import annotations

import contextlib
import datetime
import functools
import hashlib
import json
import uuid

from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.http.request import RawPostDataException
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response

from wfs_portal.models import IdempotencyRecord

API_HEADER = "Idempotency-Key"
SUBMISSION_FIELD = "submission"
KEEP = datetime.timedelta(hours=24)
KEY_MAX_LENGTH = IdempotencyRecord._meta.get_field("key").max_length


class IdempotencyInProgress(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "A request with this Idempotency-Key is still being processed; try again in a moment."
    default_code = "idempotency_in_progress"


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This Idempotency-Key was sent before with a different request."
    default_code = "idempotency_key_reused"


class _Replay(Exception):
    def __init__(self, record: IdempotencyRecord):
        self.record = record


def _fingerprint(request) -> str:
    digest = hashlib.sha256()
    for part in (request.method, request.get_full_path(), request.headers.get("Content-Type", "")):
        digest.update(part.encode() + b"\0")
    # A multipart body was streamed already (the API takes JSON only): the path and type must do.
    with contextlib.suppress(RawPostDataException):
        digest.update(request.body)
    return digest.hexdigest()


class IdempotentPostMixin:
    """For viewsets: honours ``Idempotency-Key`` on POST (after authentication, so that keys are per
    caller and nobody reads another caller's answers)."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self._idempotency_record = None
        key = request.headers.get(API_HEADER, "").strip()
        if request.method != "POST" or not key:
            return
        if len(key) > KEY_MAX_LENGTH:
            raise exceptions.ValidationError({API_HEADER: [f"At most {KEY_MAX_LENGTH} characters."]})
        from wfs_portal.api import partner_key

        api_key = partner_key(request)
        # The prefix names a key (unique); the primary key of a key is a long hash.
        scope = f"api-key:{api_key.prefix}" if api_key is not None else f"user:{request.user.pk}"
        fingerprint = _fingerprint(request._request)
        try:
            with transaction.atomic():
                self._idempotency_record = IdempotencyRecord.objects.create(
                    scope=scope, key=key, fingerprint=fingerprint
                )
        except IntegrityError:
            record = IdempotencyRecord.objects.get(scope=scope, key=key)
            if record.fingerprint != fingerprint:
                raise IdempotencyKeyReused() from None
            if record.status_code is None:
                if timezone.now() - record.created < datetime.timedelta(minutes=1):
                    raise IdempotencyInProgress() from None
                # The first request's process died before it answered: let this one try.
                record.delete()
                return self.initial(request, *args, **kwargs)
            raise _Replay(record) from None

    def handle_exception(self, exc):
        if isinstance(exc, _Replay):
            response = Response(exc.record.body, status=exc.record.status_code)
            response["Idempotent-Replayed"] = "true"
            if exc.record.location:
                response["Location"] = exc.record.location
            return response
        try:
            return super().handle_exception(exc)
        except Exception:
            # No answer to keep: a retry with the same key may try again.
            self._forget_record()
            raise

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        record = getattr(self, "_idempotency_record", None)
        if record is not None:
            if response.status_code >= 500:
                self._forget_record()
            else:
                IdempotencyRecord.objects.filter(pk=record.pk).update(
                    status_code=response.status_code,
                    # As the client got it: lazy translations, decimals and dates as their JSON text.
                    body=json.loads(DjangoJSONEncoder().encode(response.data)),
                    location=response.get("Location", ""),
                )
            self._idempotency_record = None
        return response

    def _forget_record(self) -> None:
        record = getattr(self, "_idempotency_record", None)
        if record is not None:
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
            self._idempotency_record = None


def new_submission_token() -> str:
    return uuid.uuid4().hex


def once_per_submission(view):
    """A portal form view: a submission whose token already led somewhere (the first submission
    was saved, but its answer never reached the browser) is sent there again instead of being
    processed a second time."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        token = request.POST.get(SUBMISSION_FIELD, "").strip()[:KEY_MAX_LENGTH] if request.method == "POST" else ""
        scope = f"portal:{request.user.pk}"
        if token:
            done = IdempotencyRecord.objects.filter(scope=scope, key=token, location__gt="").first()
            if done is not None:
                messages.info(request, _("This was saved already; here is the result."))
                return redirect(done.location)
        response = view(request, *args, **kwargs)
        if token and response.status_code in (301, 302, 303):
            IdempotencyRecord.objects.get_or_create(
                scope=scope, key=token, defaults={"status_code": response.status_code, "location": response["Location"]}
            )
        return response

    return wrapper


def idempotency_records_purge() -> int:
    """Records older than KEEP: a client retries within minutes, not days."""
    deleted, _ = IdempotencyRecord.objects.filter(created__lt=timezone.now() - KEEP).delete()
    return deleted
