"""The marketplace's portal pages, under /portal/marketplace/ (namespace "portal_marketplace")."""

from django.urls import path

from marketplace import views

app_name = "portal_marketplace"

urlpatterns = [
    path("", views.profile_list, name="profiles"),
    path("profiles/<int:pk>/", views.profile_detail, name="profile-detail"),
    path("organisations/", views.organisation_list, name="organisations"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation-detail"),
]
