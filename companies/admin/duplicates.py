"""The admin's "Possible duplicates" of organisations and contact persons: the pairs the background
search stored (companies.services.duplicates; the page never searches itself), "Search again", "Not
a duplicate", a side-by-side comparison where staff choose per field which value survives, and the
merge (companies.services.merge), for staff with the model's merge permission."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from companies.duplicates import stored_reason_text
from companies.models.duplicates import PossibleDuplicate
from companies.selectors import duplicate_candidates, duplicate_search_state
from companies.services.duplicates import duplicate_dismiss, duplicate_dismissal_withdraw, duplicate_search_request
from wfs_portal.services import constraint_message

PAGE_SIZE = 100


def _display(obj, name: str) -> str:
    field = obj._meta.get_field(name)
    value = getattr(obj, name)
    if field.choices:
        return str(getattr(obj, f"get_{name}_display")())
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if name == "country":
        return str(value.name) if value else ""
    return "" if value in (None, "") else str(value)


class MergeForm(forms.Form):
    """Which record survives, and per field whose value it keeps ("first" or "second")."""

    confirm = forms.BooleanField(label=_("Yes, merge these two records. This cannot be undone."))

    def __init__(self, *args, field_names: list[str], survivor_label, **kwargs):
        super().__init__(*args, **kwargs)
        sides = [("first", "1"), ("second", "2")]
        self.fields["survivor"] = forms.ChoiceField(
            label=survivor_label, choices=sides, widget=forms.RadioSelect, initial="first"
        )
        self.field_names = field_names
        for name in field_names:
            self.fields[f"keep_{name}"] = forms.ChoiceField(
                choices=sides, widget=forms.RadioSelect, initial="first", required=False
            )

    def service_choices(self) -> dict[str, str]:
        """The choices as the merge service takes them: "other" where the value of the record that
        does not survive is kept."""
        survivor = self.cleaned_data["survivor"]
        return {
            name: ("survivor" if self.cleaned_data[f"keep_{name}"] in ("", survivor) else "other")
            for name in self.field_names
        }


class DuplicatesAdmin:
    """Adds "Possible duplicates" and the merge page to a model admin. A subclass names the kind of
    pair (companies.choices.DuplicateKind), the merge service, the fields staff choose between and
    the permission."""

    change_list_template = "admin/companies/change_list_duplicates.html"
    merge_permission: str = ""
    merge_fields: list[str] = []
    duplicate_kind: str = ""

    def merge(self, *, survivor, other, choices, user):
        raise NotImplementedError

    def has_merge_permission(self, request) -> bool:
        return request.user.has_perm(self.merge_permission)

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path(
                "duplicates/", self.admin_site.admin_view(self.duplicates_view), name="{}_{}_duplicates".format(*info)
            ),
            path(
                "merge/<int:first>/<int:second>/",
                self.admin_site.admin_view(self.merge_view),
                name="{}_{}_merge".format(*info),
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "has_merge_permission": self.has_merge_permission(request)}
        return super().changelist_view(request, extra_context)

    def _context(self, request, title, **kwargs):
        return {**self.admin_site.each_context(request), "title": title, "opts": self.model._meta, **kwargs}

    @staticmethod
    def _pair_names(candidate: PossibleDuplicate) -> dict[str, str]:
        return {"first": str(candidate.first), "second": str(candidate.second)}

    def duplicates_view(self, request):
        if not self.has_merge_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            return self._duplicates_post(request)
        dismissed = request.GET.get("dismissed") == "1"
        page = Paginator(duplicate_candidates(self.duplicate_kind, dismissed=dismissed), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        waiting, last = duplicate_search_state(self.duplicate_kind)
        title = (
            gettext("Marked as not a duplicate: %(models)s")
            if dismissed
            else gettext("Possible duplicates: %(models)s")
        )
        context = self._context(
            request,
            title % {"models": self.model._meta.verbose_name_plural},
            page=page,
            rows=[(candidate, stored_reason_text(candidate.reasons)) for candidate in page],
            dismissed=dismissed,
            waiting=waiting,
            last=last,
        )
        return TemplateResponse(request, "admin/companies/duplicates.html", context)

    def _duplicates_post(self, request):
        if "search" in request.POST:
            duplicate_search_request(kind=self.duplicate_kind, user=request.user)
            self.message_user(
                request,
                gettext(
                    "A new search for possible duplicates was started. Until it is done, the last result is shown."
                ),
                messages.SUCCESS,
            )
        elif "dismiss" in request.POST or "restore" in request.POST:
            pk = request.POST.get("dismiss") or request.POST.get("restore") or ""
            if not pk.isdigit():
                raise Http404
            candidate = get_object_or_404(PossibleDuplicate.objects.filter(kind=self.duplicate_kind), pk=pk)
            if "dismiss" in request.POST:
                duplicate_dismiss(candidate=candidate, user=request.user)
                text = gettext(
                    "“%(first)s” and “%(second)s” are marked as not a duplicate and will not be proposed again."
                )
            else:
                duplicate_dismissal_withdraw(candidate=candidate)
                text = gettext("“%(first)s” and “%(second)s” are proposed as possible duplicates again.")
            self.message_user(request, text % self._pair_names(candidate), messages.SUCCESS)
        return HttpResponseRedirect(request.get_full_path())

    def merge_view(self, request, first, second):
        if not self.has_merge_permission(request):
            raise PermissionDenied
        records = [get_object_or_404(self.model, pk=first), get_object_or_404(self.model, pk=second)]
        form = MergeForm(
            request.POST or None,
            field_names=self.merge_fields,
            survivor_label=gettext("Record that remains"),
        )
        if request.method == "POST" and form.is_valid():
            survivor, other = records if form.cleaned_data["survivor"] == "first" else records[::-1]
            try:
                self.merge(survivor=survivor, other=other, choices=form.service_choices(), user=request.user)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
            except IntegrityError as exc:
                self.message_user(request, constraint_message(exc), messages.ERROR)
            else:
                self.message_user(
                    request,
                    gettext("“%(other)s” was merged into “%(survivor)s”.") % {"other": other, "survivor": survivor},
                    messages.SUCCESS,
                )
                info = self.model._meta.app_label, self.model._meta.model_name
                return HttpResponseRedirect(reverse("admin:{}_{}_change".format(*info), args=[survivor.pk]))
        rows = [
            (
                self.model._meta.get_field(name).verbose_name,
                form[f"keep_{name}"],
                _display(records[0], name),
                _display(records[1], name),
            )
            for name in self.merge_fields
        ]
        context = self._context(
            request, gettext("Compare and merge"), form=form, rows=rows, first=records[0], second=records[1]
        )
        return TemplateResponse(request, "admin/companies/merge.html", context)
