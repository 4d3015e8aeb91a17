from brokerage.api import views


def register(router) -> None:
    router.register("brokerage-events", views.BrokerageEventViewSet, basename="brokerage-event")
    router.register("brokerage-meetings", views.BrokerageMeetingViewSet, basename="brokerage-meeting")
