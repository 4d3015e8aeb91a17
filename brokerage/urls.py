"""The portal's brokerage events, included under /portal/brokerage/ (namespace "portal_brokerage")."""

from django.urls import path

from brokerage import views

app_name = "portal_brokerage"

urlpatterns = [
    path("", views.event_list, name="event-list"),
    path("<int:pk>/", views.event_detail, name="event"),
    path("<int:pk>/register/", views.register, name="register"),
    path("<int:pk>/participants/", views.participant_list, name="participants"),
    path("<int:pk>/participants/<int:participant>/request/", views.request_new, name="request-new"),
    path("<int:pk>/requests/", views.request_list, name="requests"),
    path("<int:pk>/agenda/", views.agenda, name="agenda"),
    path("<int:pk>/agenda.ics", views.agenda_ics, name="agenda-ics"),
    path("<int:pk>/agenda.pdf", views.agenda_pdf_download, name="agenda-pdf"),
    path("<int:pk>/calendar/", views.calendar_subscribe, name="calendar-subscribe"),
    path("requests/<int:pk>/accept/", views.request_accept, name="request-accept"),
    path("requests/<int:pk>/decline/", views.request_decline, name="request-decline"),
    path("requests/<int:pk>/withdraw/", views.request_withdraw, name="request-withdraw"),
    path("requests/<int:pk>/book/", views.request_book, name="request-book"),
    path("meetings/<int:pk>/outcome/", views.outcome, name="outcome"),
    path("outcomes/<int:pk>/follow-up/", views.follow_up, name="follow-up"),
    path("calendar/<str:token>.ics", views.feed, name="feed"),
]
