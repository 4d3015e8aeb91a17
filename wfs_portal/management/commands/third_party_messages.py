import subprocess

from django.core.management.base import BaseCommand, CommandError

from wfs_portal import third_party_messages


class Command(BaseCommand):
    help = (
        "Bring locale_overrides/ (our German for the texts of allauth, djangorestframework-api-key and the "
        "admin's JavaScript) in step with the installed packages: add their new msgids untranslated, drop "
        "the ones they no longer use, compile the catalogs. Run it after upgrading one of them, then "
        "translate the new entries in formal German (wfs_portal/third_party_messages.py explains why)."
    )

    def handle(self, *args, **options):
        untranslated = 0
        for domain in third_party_messages.DOMAINS:
            try:
                missing, path = third_party_messages.update(domain)
            except (FileNotFoundError, subprocess.CalledProcessError) as exc:
                raise CommandError(str(exc)) from exc
            untranslated += missing
            self.stdout.write(f"{path}: {missing} to translate" if missing else f"{path}: complete")
        if untranslated:
            raise CommandError(f"{untranslated} entries need a translation: write them, then run this command again.")
