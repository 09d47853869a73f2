from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("gruppe/<int:group_pk>/", views.group_meetings, name="group_meetings"),
    path("gruppe/<int:group_pk>/lag-moteplan/", views.meetings_create, name="meetings_create"),
    path("gruppe/<int:group_pk>/nytt-mote/", views.local_meeting_new, name="local_meeting_new"),
    path("<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("<int:pk>/endre/", views.meeting_edit, name="meeting_edit"),
    path("<int:pk>/avlys/", views.meeting_cancel_view, name="meeting_cancel"),
    path("<int:pk>/referat/", views.note_edit, name="note_edit"),
    path("<int:pk>/oppmote/", views.attendance_edit, name="attendance_edit"),
    path("<int:pk>/pamelding/", views.registration_new, name="registration_new"),
    path("<int:pk>/pamelding/oppsett/", views.registration_settings, name="registration_settings"),
    path("<int:pk>/pamelding/liste.xlsx", views.registration_export, name="registration_export"),
    path("pamelding/<int:pk>/avmeld/", views.registration_cancel_view, name="registration_cancel"),
    path("gruppe/<int:group_pk>/oppfolgingsmote/", views.follow_up_new, name="follow_up_new"),
    path("oppgaver/<int:pk>/", views.task_toggle, name="task_toggle"),
    path("kalender/", views.calendar, name="calendar"),
    path("kalender/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]
