from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.template import loader

from .forms import ChoosePasswordForm, ResetRequestForm
from .services import audit_log, invitation_accept, invitation_get_usable, password_reset_request


def invitation_accept_view(request: HttpRequest, token: str) -> HttpResponse:
    """Lets an invited person choose their password, once, while the link is valid."""
    invitation = invitation_get_usable(token)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=410)
    form = ChoosePasswordForm(invitation.user, request.POST or None, submit_label="Lagre passord og logg inn")
    if request.method == "POST" and form.is_valid():
        user = invitation_accept(invitation=invitation, password=form.cleaned_data["new_password1"], request=request)
        if user is None:
            return render(request, "accounts/invitation_invalid.html", status=410)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Velkommen! Passordet er lagret, og du er logget inn.")
        return redirect("dashboard:home")
    return render(request, "accounts/invitation_accept.html", {"form": form, "invited_user": invitation.user})


def password_reset_view(request: HttpRequest) -> HttpResponse:
    """«Glemt passord»: the same answer, in the same time, whether or not the address is registered; the
    link is e-mailed in the background (accounts.services.password_reset_request)."""
    form = ResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not password_reset_request(email=form.cleaned_data["email"], request=request):
            return render(request, "accounts/password_reset_throttled.html", status=429)
        return redirect("accounts:password_reset_done")
    return render(request, "accounts/password_reset_form.html", {"form": form})


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's view, with an audit event for a password chosen through a reset link and for a link that
    does not work (used, expired, or made up)."""

    def dispatch(self, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = super().dispatch(*args, **kwargs)
        if not self.validlink:
            # Not the path: it holds the token, which may be one that worked once.
            audit_log(action="auth.password_reset_link_invalid", request=self.request)
        return response

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:
        response = super().form_valid(form)
        audit_log(action="auth.password_reset_completed", actor=form.user, obj=form.user, request=self.request)
        return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """settings.CSRF_FAILURE_VIEW: a form sent without a valid CSRF token (a page left open past a
    logout, cookies blocked, or a forged request from another site) is refused in Norwegian and logged."""
    audit_log(
        action="security.csrf_failed",
        request=request,
        payload={"path": request.path, "method": request.method or "", "reason": reason},
    )
    template = loader.get_template("403_csrf.html")
    return HttpResponseForbidden(template.render({}, request))
