"""The portal's Site (django.contrib.sites): allauth names it in its e-mails ("Hello from WFS Portal!",
"Thank you for using WFS Portal!") and, without a Site, would name the host of the request instead
("127.0.0.1:8611"). The domain is taken from PORTAL_BASE_URL, else the first allowed host, as the
e-mails of background jobs do; staff can correct both under "Websites" in the admin."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.color import no_style
from django.db import migrations

SITE_NAME = "WFS Portal"


def portal_domain() -> str:
    if settings.PORTAL_BASE_URL:
        return urlsplit(settings.PORTAL_BASE_URL).netloc
    # ".example.org" allows the subdomains of example.org; "*" any host: neither is an address.
    hosts = [host.lstrip(".") for host in settings.ALLOWED_HOSTS if host.strip(".*")]
    return hosts[0] if hosts else "localhost"


def portal_site(apps, schema_editor):
    Site = apps.get_model("sites", "Site")
    connection = schema_editor.connection
    Site.objects.using(connection.alias).update_or_create(
        pk=settings.SITE_ID, defaults={"name": SITE_NAME, "domain": portal_domain()}
    )
    # A row written with its id leaves PostgreSQL's sequence behind: the next Site would get the
    # same id (as django.contrib.sites does for its example.com, move the sequence on).
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [Site]):
            cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("wfs_portal", "0001_initial"),
        ("sites", "0002_alter_domain_unique"),
    ]

    # Going back leaves the Site as it is: django.contrib.sites would only create example.com again.
    operations = [migrations.RunPython(portal_site, migrations.RunPython.noop)]
