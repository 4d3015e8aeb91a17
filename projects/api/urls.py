from projects.api import views


def register(router) -> None:
    router.register("workshops", views.WorkshopViewSet, basename="workshop")
    router.register("investment-projects", views.InvestmentProjectViewSet, basename="investment-project")
