"""allauth's two-factor app under names staff read in the admin.

allauth calls the app "MFA" and gives its model and fields no verbose names, so the admin said
"MFA › Authenticators", "By type", "By created at" in every language. INSTALLED_APPS lists this
config instead of "allauth.mfa"; the app keeps its name and label, so its tables, migrations and
URLs stay allauth's.

The model's names are set on its options at start-up rather than in a Meta, and the fields are
labelled in the admin rather than on the model: migrations record the Meta a model was declared
with (``Options.original_attrs``) and every field's verbose name, so changing those would call for
a migration of allauth's app.
"""

from allauth.mfa.apps import MFAConfig
from django.utils.translation import gettext_lazy as _


class MfaConfig(MFAConfig):
    verbose_name = _("Two-factor authentication")

    def ready(self) -> None:
        super().ready()
        # Imported here: the admin module imports allauth's models, which exist only once the app
        # registry is ready.
        from django.contrib import admin

        from wfs_portal.allauth_admin import LabelledAuthenticatorAdmin

        authenticator = self.get_model("Authenticator")
        authenticator._meta.verbose_name = _("authenticator")
        authenticator._meta.verbose_name_plural = _("authenticators")
        # django.contrib.admin comes first in INSTALLED_APPS, so its ready() has registered
        # allauth's admin by now; ours takes its place.
        if admin.site.is_registered(authenticator):
            admin.site.unregister(authenticator)
        admin.site.register(authenticator, LabelledAuthenticatorAdmin)
