"""The rewrite of stored change reasons from the English free texts written before
wfs_portal.audit to its codes, and back: the apps' ``NNNN_audit_reason_codes`` migrations.

Frozen as of that change (a migration must keep doing what it did): the texts and codes are
written out here and in the migrations, never read from the registry. A text not listed stays as
it is (the history page shows it as stored)."""

from collections.abc import Callable

from django.db.models import Value
from django.db.models.functions import Concat, Left, Substr

# django-simple-history's history_change_reason: CharField(max_length=100).
STORED_LENGTH = 100

# What the history of every app may hold: staff's writes through the API, the demo data, and the
# admin's saves of registrations, booths and trips.
COMMON = {
    "API": "wfs_portal.api.write",
    "demo data": "wfs_portal.demo.created",
    "changed in the admin": "wfs_portal.admin.changed",
}
# A partner key's writes: "API key <prefix> (<partner>)", now the code and the same detail.
OLD_KEY = "API key "
NEW_KEY = "wfs_portal.api.key_write "

# The step into a state wrote the state itself.
REGISTRATION_STATES = ("applied", "confirmed", "waitlisted", "rejected", "withdrawn")

Rewrite = Callable[[object, object], None]


def registration_codes(prefix: str, *, applied_in_portal: str) -> dict[str, str]:
    """The texts of a registration's life cycle (wfs_portal.registrations and the portal's
    application, whose text was ``applied_in_portal``) and their codes under ``prefix``."""
    return {
        **{state: f"{prefix}.{state}" for state in REGISTRATION_STATES},
        applied_in_portal: f"{prefix}.applied_in_portal",
    }


def _replace_start(model, old: str, new: str) -> None:
    rest = Substr("history_change_reason", len(old) + 1)
    model.objects.filter(history_change_reason__startswith=old).update(
        history_change_reason=Left(Concat(Value(new), rest), STORED_LENGTH)
    )


def _rewrite(apps, app_label: str, codes: dict[str, dict[str, str]], *, backwards: bool) -> None:
    for model in apps.get_app_config(app_label).get_models():
        if not any(field.name == "history_change_reason" for field in model._meta.fields):
            continue  # not a history table (or the history of a many-to-many relation)
        texts = {**COMMON, **codes.get(model._meta.model_name, {})}
        if backwards:
            texts = {code: text for text, code in texts.items()}
        # The exact texts first: SQLite's LIKE ignores case, and "api key created" must not be
        # taken for a key's write.
        for old, new in texts.items():
            model.objects.filter(history_change_reason=old).update(history_change_reason=new)
        _replace_start(model, *((NEW_KEY, OLD_KEY) if backwards else (OLD_KEY, NEW_KEY)))


def reason_rewrite(app_label: str, codes: dict[str, dict[str, str]]) -> tuple[Rewrite, Rewrite]:
    """The forward and backward functions of a RunPython that rewrites the reasons in every history
    table of ``app_label``: ``codes`` ({historical model name: {old text: code}}) and COMMON."""

    def forward(apps, schema_editor):
        _rewrite(apps, app_label, codes, backwards=False)

    def backward(apps, schema_editor):
        _rewrite(apps, app_label, codes, backwards=True)

    return forward, backward
