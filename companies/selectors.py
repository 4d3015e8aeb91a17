"""Reads of the companies app that are more than a filter."""

import datetime
import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from companies.choices import (
    ConsentPurpose,
    DuplicateKind,
    ProfileState,
    RepresentationState,
    RepresentativeRole,
    VerificationState,
)
from companies.models.classifications import Sector, TechnologyField
from companies.models.clusters import ClusterMembership
from companies.models.contacts import Contact
from companies.models.duplicates import DuplicateSearch, PossibleDuplicate
from companies.models.organisations import Organisation
from companies.models.profiles import PartneringProfile
from companies.models.representatives import Representative

# --- the public directory (partner API, portal) ------------------------------------------------------


def _active_memberships(today):
    active = (
        ClusterMembership.objects.filter(ClusterMembership.current_q(on=today))
        .select_related("cluster")
        .only("id", "organisation_id", "role", "since", "cluster__id", "cluster__name")
    )
    return Prefetch("cluster_memberships", queryset=active, to_attr="active_memberships")


def public_organisations() -> QuerySet[Organisation]:
    """Organisations the public directory shows: verified ones, with their classification and
    current cluster memberships prefetched (a page costs the same few queries at any size)."""
    return (
        Organisation.objects.filter(verification_state=VerificationState.VERIFIED)
        .prefetch_related(
            # Only what the directory shows of them: a page builds fewer, lighter model instances.
            Prefetch("sectors", queryset=Sector.objects.only("id", "code", "name_de", "name_en")),
            Prefetch("technology_fields", queryset=TechnologyField.objects.only("id", "slug", "name_de", "name_en")),
            _active_memberships(timezone.localdate()),
        )
        .order_by("name", "pk")
    )


def public_profiles():
    """Published partnering profiles that are still valid, of verified organisations."""
    return (
        PartneringProfile.objects.filter(
            state=ProfileState.PUBLISHED,
            valid_until__gte=timezone.localdate(),
            organisation__verification_state=VerificationState.VERIFIED,
        )
        .prefetch_related("sectors", "technology_fields")
        .order_by("-published_at", "pk")
    )


def shareable_contacts():
    """Contact persons of verified organisations whose consent to sharing with partner
    organisations is given and not withdrawn."""
    return (
        Contact.objects.filter(
            organisation__verification_state=VerificationState.VERIFIED,
            consents__purpose=ConsentPurpose.PARTNER_SHARING,
            consents__withdrawn_at__isnull=True,
        )
        .distinct()
        .order_by("organisation_id", "last_name", "first_name", "pk")
    )


def partner_members(partner: Organisation) -> QuerySet[Organisation]:
    """The member organisations of a partner (a cluster or network): current members of the
    clusters it manages. What a partner API key may act for (matches, registrations)."""
    return Organisation.objects.filter(
        ClusterMembership.current_q("cluster_memberships__"),
        cluster_memberships__cluster__managing_organisation=partner,
    ).distinct()


def representative_users(organisation, *, administrators_only: bool = False) -> QuerySet:
    """The users of the organisation's approved representations (only its administrators, where
    they decide), by id: who is told about the organisation. The notification door finds this
    function through the setting NOTIFICATION_REPRESENTATIVES, so the shell imports nothing of the
    directory."""
    condition = Q(
        representations__organisation=organisation,
        representations__state=RepresentationState.APPROVED,
    )
    if administrators_only:
        condition &= Q(representations__role=RepresentativeRole.ADMINISTRATOR)
    return get_user_model().objects.filter(condition).distinct().order_by("pk")


# --- the portal: whom a user acts for ---------------------------------------------------------------


def represented_organisations(user) -> QuerySet[Organisation]:
    """The organisations a user acts for in the portal: those of their approved representations.
    Every portal view fetches organisations through this, so another organisation's id gives 404."""
    if not getattr(user, "is_authenticated", False):
        return Organisation.objects.none()
    return Organisation.objects.filter(
        representatives__user=user, representatives__state=RepresentationState.APPROVED
    ).order_by("name", "pk")


def administered_organisations(user) -> QuerySet[Organisation]:
    """The organisations whose join requests the user decides (approved administrator). One
    filter() for all three conditions: chained, each would join the representatives anew, and an
    editor would pass through somebody else's administrator role."""
    if not getattr(user, "is_authenticated", False):
        return Organisation.objects.none()
    return Organisation.objects.filter(
        representatives__user=user,
        representatives__state=RepresentationState.APPROVED,
        representatives__role=RepresentativeRole.ADMINISTRATOR,
    ).order_by("name", "pk")


def join_requests_to_decide(user) -> QuerySet[Representative]:
    """Open join requests of the organisations the user administers."""
    return (
        Representative.objects.filter(
            state=RepresentationState.REQUESTED, organisation__in=administered_organisations(user)
        )
        .exclude(user=user)
        .select_related("user", "organisation")
        .order_by("created", "pk")
    )


# --- duplicate detection (self-registration) ------------------------------------------------------

# Words that say nothing about which organisation is meant: legal forms and their parts.
_LEGAL_WORDS = {
    "gmbh", "mbh", "ag", "se", "kg", "kgaa", "ohg", "gbr", "ug", "eg", "ev", "e", "v", "k", "co", "und", "&",
    "haftungsbeschrankt", "ltd", "inc", "llc", "sa", "sarl", "bv", "nv", "plc", "corp", "gesellschaft",
}  # fmt: skip
# Names at least this similar (difflib ratio of the normalised names) are offered as duplicates.
SIMILAR_NAME_RATIO = 0.85


def normalised_name(name: str) -> str:
    """Lower case, umlauts and accents folded, punctuation and legal forms dropped:
    "Müller Sensorik GmbH & Co. KG" → "muller sensorik"."""
    folded = unicodedata.normalize("NFKD", name.lower().replace("ß", "ss"))
    folded = "".join(char for char in folded if not unicodedata.combining(char))
    words = re.findall(r"[a-z0-9]+", folded)
    return " ".join(word for word in words if word not in _LEGAL_WORDS)


def website_domain(url: str) -> str:
    """The host of a website, lower case, without "www." and a trailing dot ("" when there is none):
    the key by which partners' member lists and the portal's duplicate check recognise an
    organisation. It takes a website as people type it: with or without a scheme, with a path,
    as "//host", surrounded by spaces."""
    url = (url or "").strip()
    if not url:
        return ""
    if "//" not in url:
        url = f"//{url}"
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:  # not a URL at all (e.g. an unclosed "[" of an IPv6 address)
        return ""
    return host.lower().rstrip(".").removeprefix("www.")


def register_key(court: str, number: str) -> tuple[str, str]:
    court_words = [w for w in re.findall(r"[a-z0-9äöü]+", court.lower()) if w not in ("amtsgericht", "ag")]
    return " ".join(court_words), re.sub(r"[^0-9A-Z]", "", number.upper())


@dataclass
class DuplicateCandidate:
    organisation: Organisation
    reasons: list[str] = field(default_factory=list)
    # Same VAT ID or register entry: the same legal entity, so a new record is refused outright.
    certain: bool = False


def organisation_duplicates(
    *, name: str = "", register_court: str = "", register_number: str = "", vat_id: str = "", website: str = ""
) -> list[DuplicateCandidate]:
    """Existing organisations that a new registration probably duplicates: the same register court
    and number, the same VAT ID, the same website domain, or a similar name. Rejected
    self-registrations are left out (they are nobody to join)."""
    found: dict[int, DuplicateCandidate] = {}
    existing = Organisation.objects.exclude(verification_state=VerificationState.REJECTED)

    def add(organisation: Organisation, reason, certain: bool = False) -> None:
        candidate = found.setdefault(organisation.pk, DuplicateCandidate(organisation))
        candidate.reasons.append(str(reason))
        candidate.certain = candidate.certain or certain

    vat = re.sub(r"\s", "", vat_id).upper()
    if vat:
        for organisation in existing.filter(vat_id__iexact=vat):
            add(organisation, _("same VAT ID"), certain=True)
    court_key, number_key = register_key(register_court, register_number)
    digits = re.sub(r"\D", "", register_number)
    if number_key and digits:
        for organisation in existing.filter(register_number__contains=digits):
            if register_key(organisation.register_court, organisation.register_number) == (court_key, number_key):
                add(organisation, _("same register court and number"), certain=True)
    domain = website_domain(website)
    if domain:
        for organisation in existing.filter(website__icontains=domain):
            if website_domain(organisation.website) == domain:
                add(organisation, _("same website domain"))
    wanted = normalised_name(name)
    if wanted:
        # Narrow down in the database by the name's longest words, then compare whole names.
        words = sorted((w for w in re.findall(r"\w+", name.lower()) if len(w) >= 3), key=len, reverse=True)[:2]
        query = Q()
        for word in words:
            query |= Q(name__icontains=word)
        for organisation in existing.filter(query) if words else []:
            ratio = difflib.SequenceMatcher(None, wanted, normalised_name(organisation.name)).ratio()
            if ratio >= SIMILAR_NAME_RATIO:
                add(organisation, _("similar name"))
    return sorted(found.values(), key=lambda c: (not c.certain, c.organisation.name, c.organisation.pk))


# --- the portal: partner matches and introductions ------------------------------------------------


def public_profile_lookups(prefix: str = "") -> list[Prefetch]:
    """What a portal user sees of another organisation: its public profile (name, city, kind,
    description, sectors, technology fields, published and still valid partnering profiles as
    ``published_profiles``). The templates show nothing else, in particular no address, e-mail,
    phone or contact person. ``prefix`` reaches the organisation through a relation ("partner__")."""
    profiles = PartneringProfile.objects.filter(
        state=ProfileState.PUBLISHED, valid_until__gte=timezone.localdate()
    ).order_by("-published_at", "pk")
    return [
        Prefetch(f"{prefix}sectors", queryset=Sector.objects.only("id", "code", "name_de", "name_en")),
        Prefetch(
            f"{prefix}technology_fields", queryset=TechnologyField.objects.only("id", "slug", "name_de", "name_en")
        ),
        Prefetch(f"{prefix}partnering_profiles", queryset=profiles, to_attr="published_profiles"),
    ]


# --- the portal: the home and the match list -----------------------------------------------------


def profiles_expiring(
    organisation: Organisation, *, today: datetime.date | None = None, within_days: int = 30
) -> QuerySet[PartneringProfile]:
    """The organisation's published profiles whose 'valid until' date lies within the next days."""
    today = today or timezone.localdate()
    return PartneringProfile.objects.filter(
        organisation=organisation,
        state=ProfileState.PUBLISHED,
        valid_until__gte=today,
        valid_until__lte=today + datetime.timedelta(days=within_days),
    ).order_by("valid_until", "pk")


def own_contact(organisation: Organisation, user) -> Contact | None:
    """The organisation's contact person with one of the user's e-mail addresses, if there is one:
    whether the user is a contact person already."""
    from allauth.account.models import EmailAddress

    addresses = {user.email, *EmailAddress.objects.filter(user=user).values_list("email", flat=True)} - {""}
    if not addresses:
        return None
    same_address = Q()
    for address in addresses:
        same_address |= Q(email__iexact=address)
    return Contact.objects.filter(same_address, organisation=organisation, removed_at__isnull=True).first()


def organisation_public_profile(user, pk: int) -> Organisation:
    """One of the user's organisations with what others see of it (the public profile of the match
    and introduction pages, public_profile_lookups); DoesNotExist for any other organisation."""
    return represented_organisations(user).prefetch_related(*public_profile_lookups()).get(pk=pk)


# --- possible duplicates (admin) ----------------------------------------------------------------------


def duplicate_candidates(kind: str, *, dismissed: bool = False) -> QuerySet[PossibleDuplicate]:
    """The stored possible duplicates of ``kind`` for staff to look at, the most certain first; with
    ``dismissed`` those marked "not a duplicate". A pair went with a deleted (or merged) record; a
    pair with a contact person removed since the search is left out."""
    rows = PossibleDuplicate.objects.filter(kind=kind, dismissed_at__isnull=not dismissed)
    if kind == DuplicateKind.CONTACT:
        return rows.filter(
            first_contact__removed_at__isnull=True, second_contact__removed_at__isnull=True
        ).select_related("first_contact", "second_contact", "dismissed_by")
    return rows.select_related("first_organisation", "second_organisation", "dismissed_by")


def duplicate_search_state(kind: str) -> tuple[DuplicateSearch | None, DuplicateSearch | None]:
    """The search of ``kind`` that waits or runs (or None), and the last finished one (or None)."""
    searches = DuplicateSearch.objects.filter(kind=kind)
    waiting = searches.filter(finished_at__isnull=True).first()
    last = searches.filter(finished_at__isnull=False).order_by("-finished_at", "-pk").first()
    return waiting, last
