"""The self-service portal, included under /portal/ (namespace "portal")."""

from django.urls import path

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
    path("requests/<int:pk>/decide/", views.join_request_decide, name="join-request-decide"),
]
