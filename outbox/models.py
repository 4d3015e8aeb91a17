"""The transactional outbox: every e-mail and background task that a request, a service or a task
starts is a row here, written in the same transaction as the change that causes it. The relay
(outbox.relay) delivers the rows once they are committed, retries what fails and sets aside what
keeps failing, so a broker or mail outage delays work but never loses it or fails the request."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from outbox.choices import MessageKind, MessageState
from wfs_portal.constraints import filled_when, one_per


class OutboxMessage(models.Model):
    """One e-mail to one recipient, or one Celery task by name with JSON arguments."""

    kind = models.CharField(_("kind"), max_length=10, choices=MessageKind.choices)
    state = models.CharField(_("state"), max_length=10, choices=MessageState.choices, default=MessageState.PENDING)
    topic = models.CharField(
        _("topic"), max_length=100, blank=True, help_text=_("What the message is about, e.g. fairs.registration.")
    )
    key = models.CharField(
        _("key"),
        max_length=255,
        unique=True,
        help_text=_("Identifies the message: a second message with the same key is not created."),
    )
    coalesce = models.CharField(
        _("combined with"),
        max_length=255,
        blank=True,
        help_text=_("Waiting messages with the same value are delivered once (later changes join the waiting one)."),
    )
    # a task
    task_name = models.CharField(_("task"), max_length=200, blank=True)
    task_args = models.JSONField(_("arguments"), default=list, blank=True)
    task_kwargs = models.JSONField(_("keyword arguments"), default=dict, blank=True)
    # an e-mail, rendered when it was written (it says what was true then, in the reader's language)
    recipient = models.EmailField(_("recipient"), max_length=254, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    subject = models.CharField(_("subject"), max_length=400, blank=True)
    body = models.TextField(_("text"), blank=True)
    html_body = models.TextField(_("HTML text"), blank=True)
    sensitive = models.BooleanField(
        _("confidential"),
        default=False,
        help_text=_(
            "Holds a sign-in or confirmation link: the text is not shown in the admin and is deleted once delivered."
        ),
    )
    # delivery
    created = models.DateTimeField(_("created"), auto_now_add=True)
    available_at = models.DateTimeField(_("due at"), default=timezone.now)
    locked_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    attempts = models.PositiveIntegerField(
        _("failed attempts"), default=0, help_text=_("Failures of this message itself, not outages of the service.")
    )
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        indexes = [
            # The relay's question, asked every few seconds: what is due? Only open rows are indexed,
            # so the index stays small however many delivered rows are kept.
            models.Index(
                fields=["kind", "available_at"],
                name="outbox_due_idx",
                condition=Q(state__in=[MessageState.PENDING, MessageState.SENDING]),
            ),
            models.Index(fields=["state", "created"], name="outbox_state_created_idx"),
            models.Index(fields=["recipient"], name="outbox_recipient_idx"),
        ]
        constraints = [
            # At most one waiting message per coalesce value: a burst of changes makes one delivery.
            # A message being delivered no longer counts, so a change during its delivery makes a new one.
            one_per(
                ["coalesce"],
                _("A waiting message with this value exists already."),
                name="one_waiting_per_coalesce",
                condition=Q(state=MessageState.PENDING) & ~Q(coalesce=""),
            ),
            models.CheckConstraint(
                condition=(Q(kind=MessageKind.TASK) & ~Q(task_name=""))
                | (Q(kind=MessageKind.EMAIL) & ~Q(recipient="")),
                name="%(app_label)s_%(class)s_task_or_email",
                violation_error_message=_("A task needs its name, an e-mail its recipient."),
            ),
            filled_when(
                Q(state=MessageState.SENT),
                ["sent_at"],
                _("A delivered message needs its delivery date."),
                name="sent_has_date",
            ),
        ]

    def __str__(self) -> str:
        if self.kind == MessageKind.TASK:
            return f"{self.task_name}({', '.join(map(str, self.task_args))})"
        return f"{self.recipient}: {self.subject}"
