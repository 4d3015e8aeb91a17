"""The portal's expressions of interest and follows, included under /portal/interests/
(namespace "portal_interests")."""

from django.urls import path

from interests.views import expressions, follows

app_name = "portal_interests"

urlpatterns = [
    path("received/", expressions.received, name="received"),
    path("sent/", expressions.sent, name="sent"),
    path("profiles/<int:profile>/", expressions.express, name="express"),
    path("<int:pk>/", expressions.detail, name="detail"),
    path("<int:pk>/accept/", expressions.accept, name="accept"),
    path("<int:pk>/decline/", expressions.decline, name="decline"),
    path("<int:pk>/withdraw/", expressions.withdraw, name="withdraw"),
    path("follows/", follows.follows, name="follows"),
    path("profiles/<int:profile>/follow/", follows.follow, name="follow-profile"),
    path("follows/<int:pk>/stop/", follows.stop, name="follow-stop"),
    path("follows/stop/<str:token>/", follows.stop_link, name="follow-stop-link"),
]
