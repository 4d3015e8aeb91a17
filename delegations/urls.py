"""The portal's delegation trip pages, included under /portal/delegations/ (namespace "portal_delegations")."""

from django.urls import path

from delegations import views

app_name = "portal_delegations"

urlpatterns = [
    path("", views.delegation_list, name="delegation-list"),
    path("<int:pk>/register/", views.participant_register, name="participant-register"),
    path("participants/", views.participant_list, name="participant-list"),
    path("participants/<int:pk>/withdraw/", views.participant_withdraw, name="participant-withdraw"),
]
