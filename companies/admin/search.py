"""The admin's search box on the profile and organisation lists: the directory's search
(companies/search.py: both languages, typos, meaning, reference numbers) beside the admin's own
word search of ``search_fields`` (register numbers, VAT IDs, the organisation's name as typed)."""

from django.db.models import Q


class DirectorySearchMixin:
    """``directory_search(queryset, text) -> ids`` widens the change list's search; the
    autocomplete of other pages keeps the plain search (it runs on every keystroke)."""

    directory_search = None

    def get_search_results(self, request, queryset, search_term):
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        match = getattr(request, "resolver_match", None)
        if not search_term.strip() or not (match and match.url_name and match.url_name.endswith("_changelist")):
            return found, may_have_duplicates
        searched = type(self).directory_search(queryset, search_term)
        return queryset.filter(Q(pk__in=found.values("pk")) | Q(pk__in=searched)), False
