"""Possible duplicates as the background search found them (companies.duplicates), so that the
admin's page reads stored rows instead of searching on every request, and the runs of that search."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from companies.choices import DuplicateKind
from companies.models.contacts import Contact
from companies.models.organisations import Organisation
from wfs_portal.constraints import constraint_name, not_self, one_per
from wfs_portal.l10n import format_date


class PossibleDuplicate(models.Model):
    """A pair of organisations or of contact persons that may be one, with the finder's score and
    reasons. The pair goes with either record (a merge deletes one); a pair staff marked "not a
    duplicate" (``dismissed_at``) stays, so that later searches do not propose it again."""

    kind = models.CharField(_("kind"), max_length=20, choices=DuplicateKind.choices)
    # The other kind's two references stay empty; the pair is always stored with the lower id first.
    first_organisation = models.ForeignKey(
        Organisation, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("organisation 1")
    )
    second_organisation = models.ForeignKey(
        Organisation, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("organisation 2")
    )
    first_contact = models.ForeignKey(
        Contact, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("contact person 1")
    )
    second_contact = models.ForeignKey(
        Contact, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("contact person 2")
    )
    score = models.PositiveSmallIntegerField(_("score"))
    # [[reason code, per cent or null], ...] (companies.duplicates.Reason): shown in the reader's language.
    reasons = models.JSONField(_("reasons"), default=list)
    computed_at = models.DateTimeField(_("computed at"))
    dismissed_at = models.DateTimeField(_("marked as not a duplicate at"), null=True, blank=True)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("marked as not a duplicate by"),
    )

    class Meta:
        ordering = ["-score", "pk"]
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")
        indexes = [models.Index(fields=["kind", "dismissed_at", "-score"], name="companies_duplicate_listing")]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind=DuplicateKind.ORGANISATION,
                    first_organisation__isnull=False,
                    second_organisation__isnull=False,
                    first_contact__isnull=True,
                    second_contact__isnull=True,
                )
                | Q(
                    kind=DuplicateKind.CONTACT,
                    first_organisation__isnull=True,
                    second_organisation__isnull=True,
                    first_contact__isnull=False,
                    second_contact__isnull=False,
                ),
                name=constraint_name("records_of_its_kind"),
                violation_error_message=_("A possible duplicate names two records of its kind."),
            ),
            not_self(
                "first_organisation",
                "second_organisation",
                _("An organisation is no duplicate of itself."),
                name="not_self_organisation",
                other_optional=True,
            ),
            not_self(
                "first_contact",
                "second_contact",
                _("A contact person is no duplicate of themselves."),
                name="not_self_contact",
                other_optional=True,
            ),
            one_per(
                ["first_organisation", "second_organisation"],
                _("This pair of organisations is stored already."),
                name="one_per_organisation_pair",
                condition=Q(kind=DuplicateKind.ORGANISATION),
            ),
            one_per(
                ["first_contact", "second_contact"],
                _("This pair of contact persons is stored already."),
                name="one_per_contact_pair",
                condition=Q(kind=DuplicateKind.CONTACT),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first} / {self.second}"

    @property
    def first(self):
        return self.first_organisation if self.kind == DuplicateKind.ORGANISATION else self.first_contact

    @property
    def second(self):
        return self.second_organisation if self.kind == DuplicateKind.ORGANISATION else self.second_contact


class DuplicateSearch(models.Model):
    """One run of the duplicate search of a kind: requested by staff ("Search again") or by the
    nightly job (no user), finished when its pairs are stored. At most one per kind waits."""

    kind = models.CharField(_("kind"), max_length=20, choices=DuplicateKind.choices)
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    pair_count = models.PositiveIntegerField(_("pairs found"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("duplicate search")
        verbose_name_plural = _("duplicate searches")
        constraints = [
            one_per(
                ["kind"],
                _("A search of this kind is waiting already."),
                name="one_waiting_per_kind",
                condition=Q(finished_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {format_date(timezone.localtime(self.requested_at))}"
