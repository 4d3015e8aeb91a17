"""The self-service portal, included under /portal/ (namespace "portal")."""

from django.urls import path

from companies.views import contacts, preview, privacy, profiles
from companies.views import organisations as views

app_name = "portal"

urlpatterns = [
    path("", views.start, name="start"),
    path("switch/", views.switch_organisation, name="switch"),
    path("organisations/register/", views.organisation_register, name="organisation-register"),
    path("organisations/join/", views.join_search, name="join-search"),
    path("organisations/<int:pk>/join/", views.join_request, name="join-request"),
    path("organisations/<int:pk>/edit/", views.organisation_edit, name="organisation-edit"),
    path("organisations/<int:pk>/logo/", views.organisation_logo, name="organisation-logo"),
    path("organisations/<int:pk>/preview/", preview.organisation_preview, name="organisation-preview"),
    path("requests/<int:pk>/decide/", views.join_request_decide, name="join-request-decide"),
    path("privacy/", privacy.privacy, name="privacy"),
    path("privacy/export/", privacy.privacy_export, name="privacy-export"),
    path("privacy/erase/", privacy.account_erase, name="account-erase"),
    path("profiles/", profiles.profile_list, name="profile-list"),
    path("profiles/new/", profiles.profile_create, name="profile-create"),
    path("profiles/<int:pk>/edit/", profiles.profile_edit, name="profile-edit"),
    path("profiles/<int:pk>/publish/", profiles.profile_publish, name="profile-publish"),
    path("profiles/<int:pk>/renew/", profiles.profile_renew, name="profile-renew"),
    path("profiles/<int:pk>/withdraw/", profiles.profile_withdraw, name="profile-withdraw"),
    path("profiles/<int:pk>/delete/", profiles.profile_delete, name="profile-delete"),
    path("contacts/", contacts.contact_list, name="contact-list"),
    path("contacts/new/", contacts.contact_create, name="contact-create"),
    path("contacts/me/", contacts.contact_add_self, name="contact-add-self"),
    path("contacts/<int:pk>/edit/", contacts.contact_edit, name="contact-edit"),
    path("contacts/<int:pk>/remove/", contacts.contact_remove, name="contact-remove"),
    path("contacts/<int:pk>/consents/", contacts.contact_consents, name="contact-consents"),
    path("contacts/<int:pk>/consents/give/", contacts.consent_give, name="consent-give"),
    path("contacts/<int:pk>/consents/withdraw/", contacts.consent_withdraw, name="consent-withdraw"),
]
