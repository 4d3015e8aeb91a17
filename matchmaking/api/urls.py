from matchmaking.api import views


def register(router) -> None:
    router.register("matches", views.MatchViewSet, basename="match")
