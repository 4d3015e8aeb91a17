from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompaniesConfig(AppConfig):
    name = "companies"
    verbose_name = _("Organisations and matchmaking")

    def ready(self):
        from companies import signals  # noqa: F401 - connects the receivers
