from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import views
from .forms import ChoosePasswordForm

app_name = "accounts"

urlpatterns = [
    path("", views.account_view, name="account"),
    path("logg-inn/", views.LoginView.as_view(), name="login"),
    path("logg-inn/engangskode/", views.second_factor_view, name="second_factor"),
    path("logg-inn/engangskode/oppsett/", views.second_factor_setup_view, name="second_factor_setup"),
    path("reservekoder/", views.backup_codes_view, name="backup_codes"),
    path("reservekoder/nye/", views.backup_codes_renew_view, name="backup_codes_renew"),
    path("passord/endre/", views.password_change_view, name="password_change"),
    path("logg-ut/", auth_views.LogoutView.as_view(), name="logout"),
    path("passord/glemt/", views.password_reset_view, name="password_reset"),
    path(
        "passord/glemt/sendt/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "passord/nytt/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(
            template_name="accounts/password_reset_confirm.html",
            form_class=ChoosePasswordForm,
            success_url=reverse_lazy("accounts:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "passord/nytt/ferdig/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
        name="password_reset_complete",
    ),
    path("invitasjon/<str:token>/", views.invitation_accept_view, name="invitation_accept"),
]
