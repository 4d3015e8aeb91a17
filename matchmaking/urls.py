"""The portal's matchmaking pages, included under /portal/ (namespace "portal_matches")."""

from django.urls import path

from matchmaking import views

app_name = "portal_matches"

urlpatterns = [
    path("matches/", views.match_list, name="matches"),
    path("matches/<int:partner>/", views.match_detail, name="match-detail"),
    path("matches/<int:partner>/feedback/", views.match_feedback, name="match-feedback"),
    path("introductions/", views.introduction_list, name="introductions"),
    path("introductions/<int:pk>/", views.introduction_detail, name="introduction-detail"),
    path("introductions/<int:pk>/decide/", views.introduction_decide, name="introduction-decide"),
    path("introductions/<int:pk>/withdraw/", views.introduction_withdraw, name="introduction-withdraw"),
]
