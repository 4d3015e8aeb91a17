"""The portal's contact persons of the organisation the user acts for, and their consents per
purpose: list, add (or add oneself, from one's account, with one's own consents), edit, remove;
give a consent in the wording shown, withdraw it with one button. Withdrawals and removals are
recorded, never by deleting the consent history.

Persons are fetched through the user's approved representations (removed persons are gone), so
another organisation's person gives 404 and changes nothing. Writes go through companies.services."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from companies.choices import ConsentPurpose
from companies.forms.contacts import ConsentGiveForm, ConsentWithdrawForm, ContactForm, ContactSelfForm
from companies.models.contacts import ConsentRecord, Contact
from companies.portal import active_organisation, render_portal, with_active_organisation
from companies.selectors import own_contact, represented_organisations
from companies.services import contacts as contact_services
from companies.services import contacts as contacts_services
from wfs_portal.idempotency import once_per_submission
from wfs_portal.portal import add_errors, portal_view


def _contacts(user):
    return Contact.objects.filter(
        organisation__in=represented_organisations(user), removed_at__isnull=True
    ).select_related("organisation")


def _consent_rows(records: list[ConsentRecord]) -> list[dict]:
    """One row per purpose: its current text and version, and the active consent if there is one."""
    active = {r.purpose: r for r in records if r.withdrawn_at is None}
    return [
        {
            "purpose": purpose,
            "label": label,
            "text": contacts_services.CONSENT_TEXTS[purpose].text,
            "version": contacts_services.CONSENT_TEXTS[purpose].version,
            "active": active.get(purpose),
        }
        for purpose, label in ConsentPurpose.choices
    ]


@require_GET
@portal_view
def contact_list(request):
    organisation = active_organisation(request)
    contacts = []
    if organisation is not None:
        contacts = list(
            Contact.objects.filter(organisation=organisation, removed_at__isnull=True).order_by(
                "-is_primary", "last_name", "first_name", "pk"
            )
        )
        active = {}
        for record in ConsentRecord.objects.filter(contact__in=contacts, withdrawn_at__isnull=True):
            active.setdefault(record.contact_id, []).append(record.get_purpose_display())
        for contact in contacts:
            contact.active_consents = active.get(contact.pk, [])
    return render_portal(
        request,
        "portal/contacts/list.html",
        {
            "organisation": organisation,
            "contacts": contacts,
            # Offered to add themselves while the user is no contact person of the organisation.
            "own_contact": own_contact(organisation, request.user) if organisation is not None else None,
        },
    )


@require_http_methods(["GET", "POST"])
@portal_view
@once_per_submission
@with_active_organisation
def contact_create(request, organisation):
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contact = contacts_services.contact_create(
                organisation=organisation, user=request.user, data=form.contact_data()
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s was added. Record the consents the person gave.") % {"name": contact.full_name},
            )
            return redirect("portal:contact-consents", pk=contact.pk)
    return render_portal(request, "portal/contacts/form.html", {"form": form, "organisation": organisation})


@require_http_methods(["GET", "POST"])
@portal_view
@once_per_submission
@with_active_organisation
def contact_add_self(request, organisation):
    """The user adds themselves as a contact person, from their account's data, and gives their own
    consents on the same page (nothing is ticked for them)."""
    existing = own_contact(organisation, request.user)
    if existing is not None and request.method == "GET":
        messages.info(
            request,
            _("You are a contact person of %(organisation)s already: %(name)s.")
            % {"organisation": organisation.name, "name": existing.full_name},
        )
        return redirect("portal:contact-consents", pk=existing.pk)
    form = ContactSelfForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            contact = contact_services.contact_create_self(
                organisation=organisation, user=request.user, data=form.contact_data(), consents=form.consents()
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("You are now a contact person of %(organisation)s.") % {"organisation": organisation.name},
            )
            return redirect("portal:contact-consents", pk=contact.pk)
    return render_portal(request, "portal/contacts/add_self.html", {"form": form, "organisation": organisation})


@require_http_methods(["GET", "POST"])
@portal_view
def contact_edit(request, pk: int):
    contact = get_object_or_404(_contacts(request.user), pk=pk)
    form = ContactForm(request.POST or None, contact=contact)
    if request.method == "POST" and form.is_valid():
        try:
            contacts_services.contact_update(contact=contact, user=request.user, data=form.contact_data())
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The contact person was saved."))
            return redirect("portal:contact-list")
    return render_portal(
        request,
        "portal/contacts/form.html",
        {"form": form, "organisation": contact.organisation, "contact": contact},
    )


@require_http_methods(["GET", "POST"])
@portal_view
def contact_remove(request, pk: int):
    contact = get_object_or_404(_contacts(request.user), pk=pk)
    if request.method == "POST":
        name = contact.full_name
        contacts_services.contact_remove(contact=contact, user=request.user)
        messages.success(request, _("%(name)s was removed.") % {"name": name})
        return redirect("portal:contact-list")
    return render_portal(
        request, "portal/contacts/remove.html", {"contact": contact, "organisation": contact.organisation}
    )


@require_GET
@portal_view
def contact_consents(request, pk: int):
    contact = get_object_or_404(_contacts(request.user), pk=pk)
    history = list(ConsentRecord.objects.filter(contact=contact).select_related("recorded_by").order_by("-given_at"))
    return render_portal(
        request,
        "portal/contacts/consents.html",
        {
            "contact": contact,
            "organisation": contact.organisation,
            "rows": _consent_rows(history),
            "history": history,
        },
    )


@require_POST
@portal_view
def consent_give(request, pk: int):
    contact = get_object_or_404(_contacts(request.user), pk=pk)
    form = ConsentGiveForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest()
    purpose = ConsentPurpose(form.cleaned_data["purpose"])
    try:
        record = contacts_services.consent_give(
            contact=contact, user=request.user, purpose=purpose, text_version=form.cleaned_data["text_version"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if record is not None:
            messages.success(request, _("Consent recorded: %(purpose)s.") % {"purpose": purpose.label})
    return redirect("portal:contact-consents", pk=contact.pk)


@require_POST
@portal_view
def consent_withdraw(request, pk: int):
    contact = get_object_or_404(_contacts(request.user), pk=pk)
    form = ConsentWithdrawForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest()
    purpose = ConsentPurpose(form.cleaned_data["purpose"])
    if contacts_services.consent_withdraw(contact=contact, user=request.user, purpose=purpose):
        messages.success(request, _("Consent withdrawn: %(purpose)s.") % {"purpose": purpose.label})
    return redirect("portal:contact-consents", pk=contact.pk)
