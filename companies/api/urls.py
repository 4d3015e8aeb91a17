from companies.api import views


def register(router) -> None:
    router.register("sectors", views.SectorViewSet, basename="sector")
    router.register("technology-fields", views.TechnologyFieldViewSet, basename="technology-field")
    router.register("organisations", views.OrganisationViewSet, basename="organisation")
    router.register("clusters", views.ClusterViewSet, basename="cluster")
    router.register("cluster-memberships", views.ClusterMembershipViewSet, basename="cluster-membership")
    router.register("partnering-profiles", views.PartneringProfileViewSet, basename="partnering-profile")
    router.register("contacts", views.ContactViewSet, basename="contact")
    router.register("member-lists", views.MemberListViewSet, basename="member-list")
