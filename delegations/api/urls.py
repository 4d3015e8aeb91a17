from delegations.api import views


def register(router) -> None:
    router.register("delegations", views.DelegationViewSet, basename="delegation")
    router.register("delegation-participants", views.DelegationParticipantViewSet, basename="delegation-participant")
