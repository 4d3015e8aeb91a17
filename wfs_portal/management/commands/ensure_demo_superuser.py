import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Create the demo superuser (DEMO_SUPERUSER_NAME, default demo-admin) or give it a new password, "
        "and print both. Development only: refuses to run with DEBUG off."
    )

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/admin/", help="Where the admin will be served.")

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Refusing to create a demo superuser with DJANGO_DEBUG=false: use createsuperuser.")
        username = settings.DEMO_SUPERUSER_NAME
        # A password is stored only as a hash, so the one printed last time cannot be shown again:
        # each run sets a new one.
        password = secrets.token_urlsafe(12)
        User = get_user_model()
        user, created = User.objects.get_or_create(username=username, defaults={"email": f"{username}@wfs.example"})
        user.is_staff = user.is_superuser = user.is_active = True
        user.set_password(password)
        user.save()
        self.stdout.write(
            f"{'Created' if created else 'Updated'} the demo superuser.\n"
            f"  Log in at {options['url']}\n"
            f"  user name: {username}\n"
            f"  password:  {password}"
        )
