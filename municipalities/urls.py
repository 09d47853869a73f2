from django.urls import path

from . import views

app_name = "municipalities"

urlpatterns = [
    path("<int:group_pk>/dokumenter/", views.documents, name="documents"),
    path("dokumenter/<int:pk>/ny-versjon/", views.document_version_new, name="document_version_new"),
    path("dokumenter/<int:pk>/versjon/<int:number>/", views.document_download, name="document_download"),
    path("dokumenter/<int:pk>/ta-bort/", views.document_hide, name="document_hide"),
]
