"""The portal's trade fair pages, included under /portal/fairs/ (namespace "portal_fairs")."""

from django.urls import path

from fairs import views

app_name = "portal_fairs"

urlpatterns = [
    path("", views.fair_list, name="fair-list"),
    path("booths/<int:pk>/apply/", views.booth_apply, name="booth-apply"),
    path("registrations/", views.registration_list, name="registration-list"),
    path("registrations/<int:pk>/withdraw/", views.registration_withdraw, name="registration-withdraw"),
]
