import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from companies.selectors import represented_organisations
from wfs_portal.demo.representatives import demo_users


class Command(BaseCommand):
    help = (
        "Create the demo superuser (DEMO_SUPERUSER_NAME, default demo-admin) or give it a new password, give "
        "the demo's company users (made by load_demo) new passwords too, and print them all. Development "
        "only: refuses to run with DEBUG off."
    )

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/admin/", help="Where the admin will be served.")
        parser.add_argument(
            "--portal-url",
            default="http://127.0.0.1:8000/accounts/login/",
            help="Where company users log in to the portal.",
        )

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
        self.company_users(options["portal_url"])

    def company_users(self, url: str) -> None:
        users = demo_users()
        if not users:
            self.stdout.write("No demo company users (python manage.py load_demo makes them).")
            return
        self.stdout.write(f"Demo company users, new passwords; log in to the portal at {url}")
        for user in users:
            password = secrets.token_urlsafe(12)
            user.set_password(password)
            user.save(update_fields=["password"])
            organisations = ", ".join(organisation.name for organisation in represented_organisations(user))
            self.stdout.write(f"  {user.email}  password: {password}  ({organisations or 'no organisation'})")
