from django.urls import path

from . import views

app_name = "portfolios"

urlpatterns = [
    path("<int:pk>/grunnlagsdokument/", views.foundation_document, name="foundation_document"),
]
