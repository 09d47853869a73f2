"""The public pages every visitor may read, logged in or not: the statements the footer links to, and
the favicon's old address."""

from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("tilgjengelighet/", views.accessibility, name="accessibility"),
    path("personvern/", views.privacy, name="privacy"),
    path("kontakt/", views.contact, name="contact"),
    path("favicon.ico", views.favicon, name="favicon"),
]
