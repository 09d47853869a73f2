from django.urls import path

from . import views

app_name = "applications"

urlpatterns = [
    path("", views.call_list, name="call_list"),
    path("<int:pk>/", views.call_detail, name="call_detail"),
    path("<int:pk>/sjekk-e-posten/", views.start_sent, name="start_sent"),
    path("soknad/<str:token>/", views.application_edit, name="edit"),
    path("soknad/<str:token>/trekk/", views.application_withdraw_view, name="withdraw"),
    path("soknad/<str:token>/soknad.pdf", views.application_pdf, name="pdf"),
]
