"""A partner (cluster or network) keeps its member list in the portal in step with its own: a
batch of rows is matched to organisations by register entry, VAT ID or website domain, and the
cluster's memberships are created, updated or (on request) ended to match. All or nothing: a batch
with one bad row changes nothing; a dry run shows what would change; repeating a batch changes
nothing."""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from companies import audit
from companies.choices import ClusterRole, VerificationState
from companies.models.clusters import Cluster, ClusterMembership
from companies.models.organisations import Organisation
from companies.selectors import website_domain
from companies.services.organisations import organisation_changed
from wfs_portal.services import validated_save

# Fields of a row that describe a new organisation (only used when none is found).
NEW_ORGANISATION_FIELDS = (
    "name",
    "kind",
    "city",
    "postal_code",
    "country",
    "website",
    "register_court",
    "register_number",
    "vat_id",
)


@dataclass
class RowResult:
    row: int
    action: str  # created, added, updated, unchanged, ended, error
    organisation: int | None = None
    matched_by: str = ""
    errors: dict = field(default_factory=dict)


@dataclass
class SyncReport:
    dry_run: bool
    applied: bool
    rows: list[RowResult]
    ended: list[int]  # organisations whose membership was (or would be) ended

    @property
    def counts(self) -> dict:
        counts: dict[str, int] = {}
        for row in self.rows:
            counts[row.action] = counts.get(row.action, 0) + 1
        if self.ended:
            counts["ended"] = len(self.ended)
        return counts

    @property
    def has_errors(self) -> bool:
        return any(row.action == "error" for row in self.rows)


def member_list(cluster: Cluster) -> list[dict]:
    """The cluster's current members, in the sync's row format, in a stable order."""
    today = timezone.localdate()
    memberships = (
        ClusterMembership.objects.filter(cluster=cluster)
        .filter(ClusterMembership.current_q(on=today))
        .select_related("organisation")
        .order_by("organisation__name", "organisation_id")
    )
    return [
        {
            "organisation": m.organisation_id,
            "name": m.organisation.name,
            "register_court": m.organisation.register_court,
            "register_number": m.organisation.register_number,
            "vat_id": m.organisation.vat_id,
            "website": m.organisation.website,
            "role": m.role,
            "since": m.since.isoformat() if m.since else None,
        }
        for m in memberships
    ]


def member_list_version(cluster: Cluster) -> str:
    """A fingerprint of the member list (the ETag a client sends back as If-Match)."""
    data = json.dumps(member_list(cluster), sort_keys=True, default=str).encode()
    return hashlib.sha256(data).hexdigest()[:32]


def _find(row: dict) -> tuple[Organisation | None, str]:
    """The organisation a row means: by register entry, then VAT ID, then website domain."""
    if row.get("register_number"):
        query = Organisation.objects.filter(register_number__iexact=row["register_number"].strip())
        if row.get("register_court"):
            query = query.filter(register_court__iexact=row["register_court"].strip())
        found = list(query[:2])
        if len(found) == 1:
            return found[0], "register_number"
    if row.get("vat_id"):
        found = Organisation.objects.filter(vat_id__iexact=row["vat_id"].replace(" ", "")).first()
        if found:
            return found, "vat_id"
    domain = website_domain(row.get("website", ""))
    if domain:
        candidates = Organisation.objects.filter(website__icontains=domain)
        found = [o for o in candidates[:20] if website_domain(o.website) == domain]
        if len(found) == 1:
            return found[0], "website"
    return None, ""


@transaction.atomic
def cluster_members_sync(
    *,
    cluster: Cluster,
    rows: list[dict],
    dry_run: bool = False,
    end_missing: bool = False,
    expected_version: str | None = None,
    user=None,
    reason: str = "",
) -> SyncReport:
    """Bring the cluster's memberships in step with ``rows`` (dicts with the organisation's keys
    and the membership's ``role`` and ``since``). ``expected_version``: the member list version
    the caller read (If-Match); a different current version raises ``StaleMemberList``. Nothing is
    written when ``dry_run`` is set or any row has an error."""
    Cluster.objects.select_for_update().filter(pk=cluster.pk).first()  # one sync of a cluster at a time
    if expected_version is not None and expected_version != member_list_version(cluster):
        raise StaleMemberList
    today = timezone.localdate()
    current = {
        m.organisation_id: m
        for m in ClusterMembership.objects.filter(cluster=cluster).filter(ClusterMembership.current_q(on=today))
    }
    results: list[RowResult] = []
    plan: list[tuple[str, RowResult, dict, Organisation | None]] = []
    seen: dict[int, int] = {}
    for number, row in enumerate(rows):
        organisation, matched_by = _find(row)
        result = RowResult(
            row=number, action="", organisation=organisation.pk if organisation else None, matched_by=matched_by
        )
        results.append(result)
        if organisation is None:
            new = Organisation(
                **{k: row[k] for k in NEW_ORGANISATION_FIELDS if row.get(k) not in (None, "")},
                verification_state=VerificationState.SELF_REGISTERED,
            )
            try:
                new.full_clean()
            except ValidationError as exc:
                result.action, result.errors = "error", exc.message_dict
                continue
            result.action = "created"
            plan.append(("create", result, row, new))
            continue
        if organisation.pk in seen:
            result.action = "error"
            result.errors = {"organisation": [f"The same organisation as row {seen[organisation.pk]}."]}
            continue
        seen[organisation.pk] = number
        membership = current.get(organisation.pk)
        role = row.get("role") or ClusterRole.MEMBER
        since = row.get("since")
        if membership is None:
            result.action = "added"
        elif membership.role != role or (since is not None and membership.since != since):
            result.action = "updated"
        else:
            result.action = "unchanged"
        plan.append((result.action, result, row, organisation))
    ended = sorted(set(current) - set(seen)) if end_missing else []
    report = SyncReport(dry_run=dry_run, applied=False, rows=results, ended=ended)
    if dry_run or report.has_errors:
        return report
    for action, result, row, organisation in plan:
        if action == "unchanged":
            continue
        if action == "create":
            validated_save(organisation, user=user, reason=reason or audit.CLUSTER_MEMBERS_SYNCED)
            result.organisation = organisation.pk
        membership = current.get(organisation.pk) or ClusterMembership(cluster=cluster, organisation=organisation)
        membership.role = row.get("role") or ClusterRole.MEMBER
        if row.get("since") is not None:
            membership.since = row["since"]
        validated_save(membership, user=user, reason=reason or audit.CLUSTER_MEMBERS_SYNCED)
        organisation_changed(organisation=organisation)
    for organisation_id in ended:
        membership = current[organisation_id]
        membership.until = max(today - datetime.timedelta(days=1), membership.since or datetime.date.min)
        validated_save(membership, user=user, reason=reason or audit.CLUSTER_MEMBERS_SYNCED)
        organisation_changed(organisation=membership.organisation)
    report.applied = True
    return report


class StaleMemberList(Exception):
    """The member list changed since the caller read it."""
