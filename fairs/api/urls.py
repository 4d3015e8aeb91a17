from fairs.api import views


def register(router) -> None:
    router.register("trade-fairs", views.TradeFairViewSet, basename="trade-fair")
    router.register("booth-registrations", views.BoothRegistrationViewSet, basename="booth-registration")
