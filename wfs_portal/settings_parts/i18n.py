"""Languages, translations and the time zone."""

from django.utils.translation import gettext_lazy as _

from wfs_portal.settings_parts.mode import BASE_DIR

LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("German")), ("en", _("English"))]
# locale_overrides/ holds our German for texts of third-party packages (allauth's pages and e-mails
# in formal German, the API-key library, the admin's JavaScript); listed first, its entries win
# over the packages' own catalogs. wfs_portal/third_party_messages.py explains why it is separate.
LOCALE_PATHS = [BASE_DIR / "locale_overrides", BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True
COUNTRIES_FIRST = ["DE"]
