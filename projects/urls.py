"""The portal's project workshop pages, included under /portal/workshops/ (namespace "portal_workshops")."""

from django.urls import path

from projects import views

app_name = "portal_workshops"

urlpatterns = [
    path("", views.workshop_list, name="workshop-list"),
    path("<int:pk>/join/", views.join_request_create, name="join-request"),
    path("requests/", views.join_request_list, name="join-request-list"),
]
