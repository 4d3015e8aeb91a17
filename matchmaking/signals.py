"""After an organisation or one of its partnering profiles changed, its matches are brought up to
date in the background. A signal, because every path that saves them (admin, portal, API, demo
loader, tasks) must trigger it and none of them holds a business rule about it."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from companies.models.clusters import ClusterMembership
from companies.models.organisations import Organisation
from companies.models.profiles import PartneringProfile
from matchmaking.choices import GenerationState
from matchmaking.models.generations import MatchGeneration
from matchmaking.services.incremental import matching_update_schedule


def _schedule(organisation_id: int) -> None:
    """Hand the update to the outbox in the same transaction as the change: it is lost neither when
    the broker is down nor when the process dies after the commit. Several saves of one organisation
    (in one transaction or within the debounce delay) make one update (the outbox coalesces them)."""
    # Nothing to update before the first full run.
    if not MatchGeneration.objects.filter(state=GenerationState.ACTIVE).exists():
        return
    matching_update_schedule(organisation_id=organisation_id)


@receiver(post_save, sender=Organisation, dispatch_uid="matching.organisation_saved")
def organisation_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        _schedule(instance.pk)


@receiver(post_save, sender=PartneringProfile, dispatch_uid="matching.profile_saved")
@receiver(post_delete, sender=PartneringProfile, dispatch_uid="matching.profile_deleted")
@receiver(post_save, sender=ClusterMembership, dispatch_uid="matching.membership_saved")
@receiver(post_delete, sender=ClusterMembership, dispatch_uid="matching.membership_deleted")
def part_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        _schedule(instance.organisation_id)


@receiver(m2m_changed, sender=Organisation.sectors.through, dispatch_uid="matching.sectors_changed")
@receiver(m2m_changed, sender=Organisation.technology_fields.through, dispatch_uid="matching.fields_changed")
def classification_changed(sender, instance, action, reverse, **kwargs):
    if action.startswith("post_") and not reverse and isinstance(instance, Organisation):
        _schedule(instance.pk)
