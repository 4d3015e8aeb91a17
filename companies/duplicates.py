"""Possible duplicates in the directory, for staff to compare and merge (admin "Possible duplicates").

Organisations are pairs with the same VAT ID, the same register entry (court and number as
people write them: "Amtsgericht Leipzig, HRB 12345" = "AG Leipzig, HRB12345"), the same website
domain (companies.selectors.website_domain), a similar name (rapidfuzz's token sort ratio of the
normalised names, companies.selectors.normalised_name) or the same address (postal code and a
similar street). A similar name alone (neither a key nor the postal code in common) counts only
for a distinctive name: one whose words, as often as they occur in the directory's names, fewer
than ``NAMESAKES_BY_CHANCE`` other organisations would carry all at once ("Müller GmbH" and
"Müller AG" in two towns are two companies; "Universitätsklinikum Carl Gustav Carus" twice is one).
Contact persons are pairs with the same e-mail address, or the same name at the
same organisation.

The work is bounded: records are compared only within blocks (the same key; the same first letters
of the name, or of its longest word; the same postal code), never all pairs, and a block larger than
``BLOCK_LIMIT`` is left out (a key that many records share identifies none of them: a hosting
provider's domain, a name prefix such as "sachsen"). bench/duplicates.py measures 50,000
organisations.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from django.utils.translation import gettext, pgettext
from rapidfuzz import fuzz, process

from companies.models.contacts import Contact
from companies.models.organisations import Organisation
from companies.selectors import normalised_name, register_key, website_domain

SIMILAR_NAME = 90  # per cent: a name this similar is a reason on its own
SIMILAR_NAME_NEARBY = 80  # per cent: enough together with the same postal code
SIMILAR_STREET = 90
EXACT_GROUP_LIMIT = 20
BLOCK_LIMIT = 3000
# A name alone makes a pair only when fewer other organisations than this would carry all its words by
# chance (bench/duplicates.py: 231,814 candidates at 50,000 organisations without this rule, most of
# them a common surname or place alone, with the same recall of planted pairs).
NAMESAKES_BY_CHANCE = 1.0

VAT, REGISTER, DOMAIN, NAME, ADDRESS, EMAIL, PERSON = "vat", "register", "domain", "name", "address", "email", "person"
# How sure each reason makes a pair (a similar name counts its similarity).
WEIGHTS = {VAT: 100, REGISTER: 100, EMAIL: 95, DOMAIN: 90, ADDRESS: 85, PERSON: 90}


@dataclass(frozen=True)
class Reason:
    kind: str
    percent: int | None = None

    def __str__(self) -> str:
        texts = {
            VAT: lambda: gettext("same VAT ID"),
            REGISTER: lambda: gettext("same register court and number"),
            DOMAIN: lambda: gettext("same website domain"),
            ADDRESS: lambda: pgettext("duplicate reason", "same address"),
            EMAIL: lambda: pgettext("duplicate reason", "same e-mail address"),
            PERSON: lambda: pgettext("duplicate reason", "same name at the same organisation"),
            NAME: lambda: pgettext("duplicate reason", "similar name %(percent)d %%") % {"percent": self.percent},
        }
        return texts[self.kind]()

    @property
    def weight(self) -> int:
        return self.percent if self.kind == NAME else WEIGHTS[self.kind]


@dataclass
class DuplicatePair:
    first_id: int
    second_id: int
    reasons: list[Reason] = field(default_factory=list)

    @property
    def score(self) -> int:
        """The strongest reason's weight, five more for each further one, at most 100."""
        weights = sorted((reason.weight for reason in self.reasons), reverse=True)
        return min(100, weights[0] + 5 * (len(weights) - 1)) if weights else 0

    @property
    def reason_text(self) -> str:
        return ", ".join(str(reason) for reason in self.reasons)


def stored_reason_text(reasons: list) -> str:
    """The reasons of a stored pair (companies.PossibleDuplicate.reasons) in the reader's language."""
    return ", ".join(str(Reason(kind, percent)) for kind, percent in reasons)


@dataclass(frozen=True)
class OrganisationKeys:
    """What the finder compares of an organisation (the bench builds these without a database)."""

    id: int
    name: str
    vat_id: str = ""
    register_court: str = ""
    register_number: str = ""
    website: str = ""
    street: str = ""
    postal_code: str = ""


KEY_FIELDS = ["id", "name", "vat_id", "register_court", "register_number", "website", "street", "postal_code"]


def _add(pairs: dict, a: int, b: int, reason: Reason) -> None:
    key = (a, b) if a < b else (b, a)
    pair = pairs.setdefault(key, DuplicatePair(*key))
    if reason not in pair.reasons and not (reason.kind == NAME and any(r.kind == NAME for r in pair.reasons)):
        pair.reasons.append(reason)


def _exact(pairs: dict, groups: dict[object, list[int]], kind: str) -> None:
    for ids in groups.values():
        if 1 < len(ids) <= EXACT_GROUP_LIMIT:
            for a, b in itertools.combinations(ids, 2):
                _add(pairs, a, b, Reason(kind))


def _similar_names(names: list[str], cutoff: int) -> Iterable[tuple[int, int, int]]:
    """Index pairs (i < j) of ``names`` at least ``cutoff`` per cent similar, with the similarity."""
    if len(names) < 2:
        return []
    scores = process.cdist(names, names, scorer=fuzz.token_sort_ratio, score_cutoff=cutoff, dtype=np.uint8)
    first, second = np.nonzero(np.triu(scores, k=1))
    return zip(first.tolist(), second.tolist(), scores[first, second].tolist(), strict=True)


def _street(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower().replace("straße", "str").replace("strasse", "str")))


def _namesakes(name: str, word_counts: Counter, total: int) -> float:
    """How many other organisations would carry every word of ``name``, were words spread at random
    (each as often as in the directory's names, not counting this one)."""
    expected = float(total - 1)
    for word in set(name.split()):
        expected *= max(word_counts[word] - 1, 0) / total
    return expected


def find_organisation_duplicates(records: Iterable[OrganisationKeys]) -> list[DuplicatePair]:
    """Candidate pairs among ``records``, the most certain first."""
    records = list(records)
    pairs: dict[tuple[int, int], DuplicatePair] = {}
    vat, register, domain = defaultdict(list), defaultdict(list), defaultdict(list)
    by_prefix, by_word, by_postcode = defaultdict(list), defaultdict(list), defaultdict(list)
    names: dict[int, str] = {}
    for record in records:
        if compact := "".join(record.vat_id.split()).upper():
            vat[compact].append(record.id)
        court, number = register_key(record.register_court, record.register_number)
        if number:
            register[(court, number)].append(record.id)
        if host := website_domain(record.website):
            domain[host].append(record.id)
        name = names[record.id] = normalised_name(record.name)
        if name:
            by_prefix[name.replace(" ", "")[:4]].append(record.id)
            by_word[max(name.split(), key=len)[:5]].append(record.id)
        if record.postal_code.strip():
            by_postcode[record.postal_code.strip()].append(record.id)
    _exact(pairs, vat, VAT)
    _exact(pairs, register, REGISTER)
    _exact(pairs, domain, DOMAIN)
    for blocks in (by_prefix, by_word):
        for ids in blocks.values():
            if len(ids) <= BLOCK_LIMIT:
                for i, j, percent in _similar_names([names[k] for k in ids], SIMILAR_NAME):
                    _add(pairs, ids[i], ids[j], Reason(NAME, int(percent)))
    streets = {record.id: _street(record.street) for record in records}
    for ids in by_postcode.values():
        if len(ids) > BLOCK_LIMIT:
            continue
        for i, j, percent in _similar_names([names[k] for k in ids], SIMILAR_NAME_NEARBY):
            _add(pairs, ids[i], ids[j], Reason(NAME, int(percent)))
        for a, b in itertools.combinations([k for k in ids if streets[k]], 2):
            if fuzz.ratio(streets[a], streets[b]) >= SIMILAR_STREET:
                _add(pairs, a, b, Reason(ADDRESS))
    # A pair found by a key also shows how similar the names are; an address alone is no duplicate
    # (several organisations share a technology park's address), a common name alone neither.
    word_counts = Counter(word for name in names.values() for word in set(name.split()))
    postcodes = {record.id: record.postal_code.strip() for record in records}
    found = []
    for pair in pairs.values():
        if not any(reason.kind == NAME for reason in pair.reasons):
            percent = int(fuzz.token_sort_ratio(names[pair.first_id], names[pair.second_id]))
            if percent >= SIMILAR_NAME_NEARBY:
                pair.reasons.append(Reason(NAME, percent))
        kinds = [reason.kind for reason in pair.reasons]
        if kinds == [ADDRESS]:
            continue
        if (
            kinds == [NAME]
            and not (postcodes[pair.first_id] and postcodes[pair.first_id] == postcodes[pair.second_id])
            and max(_namesakes(names[k], word_counts, len(records)) for k in (pair.first_id, pair.second_id))
            >= NAMESAKES_BY_CHANCE
        ):
            continue
        found.append(pair)
    return sorted(found, key=lambda pair: (-pair.score, pair.first_id, pair.second_id))


def organisation_duplicates_all() -> list[DuplicatePair]:
    """Candidate pairs among all organisations of the directory."""
    rows = Organisation.objects.values_list(*KEY_FIELDS).order_by()
    return find_organisation_duplicates(OrganisationKeys(*row) for row in rows.iterator(chunk_size=5000))


def contact_duplicates_all() -> list[DuplicatePair]:
    """Pairs of contact persons (not removed) with the same e-mail address, or the same name at the
    same organisation."""
    pairs: dict[tuple[int, int], DuplicatePair] = {}
    by_email, by_name = defaultdict(list), defaultdict(list)
    rows = Contact.objects.filter(removed_at__isnull=True).values_list(
        "id", "organisation_id", "first_name", "last_name", "email"
    )
    for pk, organisation_id, first_name, last_name, email in rows.order_by().iterator(chunk_size=5000):
        if email.strip():
            by_email[email.strip().lower()].append(pk)
        person = normalised_name(f"{first_name} {last_name}")
        if person:
            by_name[(organisation_id, person)].append(pk)
    _exact(pairs, by_email, EMAIL)
    _exact(pairs, by_name, PERSON)
    return sorted(pairs.values(), key=lambda pair: (-pair.score, pair.first_id, pair.second_id))
