"""Audit reasons: why a record was changed, as the audit history (django-simple-history's
``history_change_reason``) stores it and as staff read it.

A reason is a code ``<app>.<object>.<event>`` (``companies.organisation.verified``,
``fairs.registration.confirmed``) with a label in the reader's language (``pgettext_lazy("change
reason", …)``, short, past participle). The database keeps the code, one language whatever the
writer's; the admin's history page (wfs_portal.history) and the personal-data export show the
label (``label``).

Each app declares the reasons it writes in its own module ``<app>/audit.py``, as constants its
services, views and commands pass on::

    VERIFIED = declare("companies.organisation.verified", pgettext_lazy("change reason", "verified"))

    validated_save(organisation, user=user, reason=VERIFIED)

The same event is named the same way for every object (``…requested``, ``…approved``,
``…declined``, ``…withdrawn``; ``…_in_portal`` when the portal is where it happened). Writing a
code nobody declared is an error (``check``, called by wfs_portal.services.validated_save), so a
typo never reaches the history. This module imports no app: the registry is complete once every
app's ``audit`` module is imported, which the look-ups do on first use (found by name, as
wfs_portal.privacy finds its contributions).

A detail: a reason whose label has a placeholder (``"through API key %(key)s"``) takes a text of its
own, stored after the code and one space (``with_detail``) and put in the placeholder's place when
shown: ``wfs_portal.api.key_write Ab12Cd (Cluster Nord)`` reads "through API key Ab12Cd (Cluster
Nord)". The stored text is shortened to the history's column (``STORED_LENGTH``). Only such
reasons take a detail, and they always do; a code never contains a space.

Registrations (booth registrations, delegation participants): an app declares its life cycle with
``registration_reasons("<app>.<object>")``, a code per RegistrationState plus
``…applied_in_portal``; wfs_portal.registrations writes the code of the registration's own app
(``registration_state_reason``), at most one life cycle per app.

A stored text that is no declared code (a reason written before the codes and not rewritten by the
apps' ``audit_reason_codes`` migrations) is shown as stored."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from django.apps import apps
from django.db import models
from django.utils import translation
from django.utils.functional import Promise
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import pgettext_lazy

from wfs_portal.choices import RegistrationState

# django-simple-history's history_change_reason: CharField(max_length=100).
STORED_LENGTH = 100
CODE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){2}$")
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@dataclass(frozen=True)
class Reason:
    code: str
    label: Promise

    @cached_property
    def detail_name(self) -> str | None:
        """The label's placeholder for the detail ("key"), None when the reason takes none."""
        with translation.override(None):  # the English text as written, whatever the reader's language
            names = PLACEHOLDER.findall(str(self.label))
        if len(names) > 1:
            raise ValueError(f"The label of the audit reason {self.code!r} has more than one placeholder.")
        return names[0] if names else None

    @property
    def takes_detail(self) -> bool:
        return self.detail_name is not None


_declared: dict[str, Reason] = {}
_life_cycles: dict[str, RegistrationReasons] = {}
_discovered = False


def declare(code: str, label: Promise) -> str:
    """Declare a reason; returns its code, the constant services pass as ``reason``."""
    if not CODE.match(code):
        raise ValueError(f"An audit reason is named <app>.<object>.<event> in lower case: {code!r}")
    if code in _declared:
        raise ValueError(f"The audit reason {code!r} is declared twice.")
    _declared[code] = Reason(code, label)
    return code


def declared() -> dict[str, Reason]:
    """Every declared reason by its code, every app's included."""
    global _discovered
    if not _discovered:
        apps.check_apps_ready()
        autodiscover_modules("audit")
        _discovered = True
    return _declared


def _parse(stored: str) -> tuple[Reason | None, str]:
    code, _space, detail = stored.partition(" ")
    return declared().get(code), detail


def check(stored: str) -> None:
    """Refuse a reason to be written that is not a declared code (with a detail exactly when its
    label takes one)."""
    reason, detail = _parse(stored)
    if reason is None:
        raise ValueError(
            f"{stored!r} is not a declared audit reason: pass a constant of an app's audit module "
            "(wfs_portal.audit.declare)."
        )
    if reason.takes_detail != bool(detail):
        needs = "needs a detail (with_detail)" if reason.takes_detail else "takes no detail"
        raise ValueError(f"The audit reason {reason.code!r} {needs}: {stored!r}")


def with_detail(code: str, detail: str) -> str:
    """The stored text of a reason that takes a detail: the code, a space, the detail (on one
    line, shortened with "…" to fit the history's column)."""
    detail = " ".join(detail.split())
    text = f"{code} {detail}"
    if len(text) > STORED_LENGTH:
        text = text[: STORED_LENGTH - 1].rstrip() + "…"
    check(text)
    return text


def label(stored: str | None) -> str:
    """A stored reason in the reader's language: the label of its code (with its detail), or the
    text as stored when it is no declared code; "" for none."""
    if not stored:
        return ""
    reason, detail = _parse(stored)
    if reason is None or reason.takes_detail != bool(detail):
        return stored
    text = str(reason.label)
    return text % {reason.detail_name: detail} if detail else text


# --- registrations -------------------------------------------------------------------------------

_STATE_LABELS = {
    RegistrationState.APPLIED: pgettext_lazy("change reason", "applied"),
    RegistrationState.CONFIRMED: pgettext_lazy("change reason", "confirmed"),
    RegistrationState.WAITLISTED: pgettext_lazy("change reason", "put on the waiting list"),
    RegistrationState.REJECTED: pgettext_lazy("change reason", "rejected"),
    RegistrationState.WITHDRAWN: pgettext_lazy("change reason", "withdrawn"),
}


@dataclass(frozen=True)
class RegistrationReasons:
    """The reasons of one app's registrations: ``state(s)`` the step into state ``s`` (written by
    wfs_portal.registrations), ``applied_in_portal`` the application made in the portal."""

    prefix: str

    def state(self, state: str) -> str:
        return f"{self.prefix}.{RegistrationState(state).value}"

    @property
    def applied_in_portal(self) -> str:
        return f"{self.prefix}.applied_in_portal"


def registration_reasons(prefix: str) -> RegistrationReasons:
    """Declare the life cycle of the registrations of ``prefix``'s app ("fairs.registration")."""
    app_label = prefix.split(".")[0]
    if app_label in _life_cycles:
        raise ValueError(f"The app {app_label} declares its registration reasons twice.")
    reasons = RegistrationReasons(prefix)
    for state, state_label in _STATE_LABELS.items():
        declare(reasons.state(state), state_label)
    declare(reasons.applied_in_portal, pgettext_lazy("change reason", "applied in the portal"))
    _life_cycles[app_label] = reasons
    return reasons


def registration_state_reason(registration: models.Model, state: str) -> str:
    """The reason of ``registration``'s step into ``state``, from the life cycle its app declared."""
    declared()
    app_label = registration._meta.app_label
    if app_label not in _life_cycles:
        raise ValueError(f"{app_label}/audit.py declares no registration reasons (registration_reasons).")
    return _life_cycles[app_label].state(state)


# --- the shell's own ---------------------------------------------------------------------------------

# wfs_portal.api.actor: a staff member's write through the API, a partner key's (detail: the key's
# prefix and its organisation).
API_WRITE = declare("wfs_portal.api.write", pgettext_lazy("change reason", "through the API"))
API_KEY_WRITE = declare("wfs_portal.api.key_write", pgettext_lazy("change reason", "through API key %(key)s"))
# wfs_portal.registrations: a registration, booth or trip saved as staff edited it.
ADMIN_CHANGED = declare("wfs_portal.admin.changed", pgettext_lazy("change reason", "changed in the admin"))
# Records made by manage.py load_demo (and the load test's, on top of them).
DEMO_DATA = declare("wfs_portal.demo.created", pgettext_lazy("change reason", "demo data"))
