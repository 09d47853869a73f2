from django.urls import path

from . import views

app_name = "contracts"

urlpatterns = [
    path("<int:pk>/", views.contract_detail, name="detail"),
    path("<int:pk>/signer/", views.contract_sign_view, name="sign"),
    path("<int:pk>/til-signering.pdf", views.signing_pdf, name="signing_pdf"),
    path("<int:pk>/signert.pdf", views.signed_pdf, name="signed_pdf"),
    path("<int:pk>/last-opp/", views.contract_upload, name="upload"),
    path("<int:pk>/avslutt/", views.contract_terminate_view, name="terminate"),
    path("kontroller/", views.verify, name="verify"),
    path("portefolje/<int:pk>/grunnlagsdokument.pdf", views.foundation_pdf, name="foundation_pdf"),
    path("portefolje/<int:pk>/deltakeravgift.csv", views.fee_export, name="fee_export"),
]
