from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path

from companies.views.welcome import welcome
from notifications.views import set_language
from reports.views import dashboard
from wfs_portal import views
from wfs_portal.staff_login import StaffLoginForm

admin.site.site_header = admin.site.site_title = "WFS Portal"
# An empty value reads "—" in every list, as on the history page and in the columns we compute
# (Django's default is "-").
admin.site.empty_value_display = "—"
# User name, password and (once set up) the authenticator's code; failed attempts are limited.
admin.site.login_form = StaffLoginForm

# The dashboard's charts are matplotlib SVG inline: every one carries the same <style> element with
# matplotlib's default line joins, allowed by its hash (tests/test_csp.py checks it against the charts).
DASHBOARD_CSP = {"style-src": ["'sha256-2Iqu4MW0P4n79bqVmTDfLWhO8TS7MxwRJn7HVNDr7EQ='"]}

urlpatterns = [
    # The bare address is the portal's public start page, for companies first; staff find the admin from it.
    path("", welcome, name="welcome"),
    path("admin/dashboard/", csp_update(DASHBOARD_CSP)(dashboard), name="dashboard"),
    path("admin/", admin.site.urls),
    # Django's language switcher, which also remembers a logged-in user's choice for their e-mails.
    path("i18n/setlang/", set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    # Company users: accounts (allauth) and the self-service portal.
    path("accounts/", include("allauth.urls")),
    path("portal/fairs/", include("fairs.urls")),
    path("portal/delegations/", include("delegations.urls")),
    path("portal/workshops/", include("projects.urls")),
    path("portal/interests/", include("interests.urls")),
    path("portal/marketplace/", include("marketplace.urls")),
    path("portal/brokerage/", include("brokerage.urls")),
    path("portal/", include("matchmaking.urls")),
    path("portal/", include("companies.urls")),
    path("health/", views.health, name="health"),
    path("api/", include("wfs_portal.api_urls")),
]

handler404 = "wfs_portal.views.not_found"
handler500 = "wfs_portal.views.server_error"
