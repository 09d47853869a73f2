from base64 import b32encode
from typing import Any

import segno
from axes.helpers import get_lockout_response
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from .access import AccessRefused, AuthenticatedRequest
from .forms import ChoosePasswordForm, LoginForm, OneTimeCodeForm, OwnPasswordForm, ResetRequestForm
from .models import User
from .services import (
    CodeCheck,
    PendingLogin,
    audit_log,
    backup_codes_left,
    backup_codes_renew,
    backup_codes_stash,
    backup_codes_take,
    invitation_accept,
    invitation_get_usable,
    password_change,
    password_reset_request,
    second_factor_complete,
    second_factor_pending,
    second_factor_pending_end,
    second_factor_pending_start,
    second_factor_set_up,
    second_factor_verify,
    totp_setup_device,
    user_has_authenticator,
)

CODE_REFUSALS = {
    "wrong": "Koden stemmer ikke. Bruk den som vises nå i appen (den skifter hvert 30. sekund), eller en reservekode.",
    "throttled": "For mange feil koder på kort tid. Vent noen sekunder og prøv igjen.",
}


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
        if user.needs_second_factor:
            # Staff log in with a one-time code as well: the password step is done, the app comes next.
            user.backend = "django.contrib.auth.backends.ModelBackend"  # type: ignore[attr-defined]
            second_factor_pending_start(request=request, user=user, next_url=reverse("dashboard:home"))
            messages.success(request, "Velkommen! Passordet er lagret. Sett opp en autentiseringsapp for å logge inn.")
            return redirect("accounts:second_factor_setup")
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


class LoginView(auth_views.LoginView):
    """The password step. Participants are logged in by it; staff go on to the one-time code, and are logged
    in only when it is right (accounts.services)."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: LoginForm) -> HttpResponse:  # type: ignore[override]  # the stubs name the base form
        user = form.get_user()
        assert isinstance(user, User)
        if not user.needs_second_factor:
            return super().form_valid(form)
        second_factor_pending_start(request=self.request, user=user, next_url=self.get_success_url())
        if user_has_authenticator(user):
            return redirect("accounts:second_factor")
        return redirect("accounts:second_factor_setup")


def _start_again(request: HttpRequest) -> HttpResponse:
    messages.info(request, "Innloggingen tok for lang tid eller ble avbrutt. Logg inn på nytt.")
    return redirect("accounts:login")


def _refused(
    request: HttpRequest, form: OneTimeCodeForm, pending: PendingLogin, check: CodeCheck
) -> HttpResponse | None:
    """The lockout page when the code made (or found) the address locked out; else the form's error."""
    if check.refusal == "locked":
        second_factor_pending_end(request)
        return get_lockout_response(request, None, {"username": pending.user.email})
    form.add_error("otp_token", CODE_REFUSALS[check.refusal])
    return None


@never_cache
@sensitive_post_parameters("otp_token")
def second_factor_view(request: HttpRequest) -> HttpResponse:
    """The second step of a staff login: the code from the app, or a backup code."""
    pending = second_factor_pending(request)
    if pending is None:
        return _start_again(request)
    if not user_has_authenticator(pending.user):
        return redirect("accounts:second_factor_setup")
    form = OneTimeCodeForm(
        request.POST or None, help_text="Sekssifret kode fra autentiseringsappen, eller en av reservekodene dine."
    )
    if request.method == "POST" and form.is_valid():
        check = second_factor_verify(request=request, user=pending.user, code=form.cleaned_data["otp_token"])
        if check.device is not None:
            second_factor_complete(request=request, pending=pending, device=check.device)
            if isinstance(check.device, StaticDevice):
                left = backup_codes_left(pending.user)
                messages.warning(
                    request,
                    f"Du logget inn med en reservekode; du har {left} igjen. Lag nye under «Min konto» "
                    "før de tar slutt.",
                )
            return redirect(pending.next_url)
        if (lockout := _refused(request, form, pending, check)) is not None:
            return lockout
    return render(request, "accounts/second_factor.html", {"form": form, "pending_user": pending.user})


def _qr_svg(device: TOTPDevice) -> SafeString:
    # Drawn here, as inline SVG: the key never leaves the server for a QR service, and an inline SVG needs no
    # image source that a Content-Security-Policy would have to allow. segno writes only the code's paths.
    svg = segno.make(device.config_url, error="m").svg_inline(scale=5, border=2, dark="#000", light="#fff")
    return mark_safe(svg)  # noqa: S308 - segno's output, no text of ours or the user's in it


def _grouped_secret(device: TOTPDevice) -> str:
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@never_cache
@sensitive_post_parameters("otp_token")
def second_factor_setup_view(request: HttpRequest) -> HttpResponse:
    """The first login of a staff member: set up an authenticator app with the QR code or the key as text,
    prove it with a code, and get the backup codes."""
    pending = second_factor_pending(request)
    if pending is None:
        return _start_again(request)
    if user_has_authenticator(pending.user):
        return redirect("accounts:second_factor")
    device = totp_setup_device(user=pending.user)
    form = OneTimeCodeForm(
        request.POST or None,
        submit_label="Bekreft og logg inn",
        help_text="Sekssifret kode som appen viser etter at du har lagt til kontoen.",
    )
    if request.method == "POST" and form.is_valid():
        check = second_factor_verify(
            request=request, user=pending.user, code=form.cleaned_data["otp_token"], device=device
        )
        if check.device is not None:
            second_factor_set_up(request=request, pending=pending, device=device)
            return redirect("accounts:backup_codes")
        if (lockout := _refused(request, form, pending, check)) is not None:
            return lockout
    context = {
        "form": form,
        "pending_user": pending.user,
        "qr_svg": _qr_svg(device),
        "secret": _grouped_secret(device),
    }
    return render(request, "accounts/second_factor_setup.html", context)


@login_required
@never_cache
def backup_codes_view(request: AuthenticatedRequest) -> HttpResponse:
    """New backup codes, shown this once; a reload shows them no more."""
    codes, after = backup_codes_take(request)
    if not codes:
        messages.info(request, "Reservekodene vises bare én gang. Har du mistet dem, kan du lage nye her.")
        return redirect("accounts:account")
    return render(request, "accounts/backup_codes.html", {"codes": codes, "after": after or reverse("dashboard:home")})


@login_required
@require_POST
def backup_codes_renew_view(request: AuthenticatedRequest) -> HttpResponse:
    if not request.user.needs_second_factor:
        raise AccessRefused()
    codes = backup_codes_renew(user=request.user, request=request)
    backup_codes_stash(request, codes, reverse("accounts:account"))
    return redirect("accounts:backup_codes")


@login_required
def account_view(request: AuthenticatedRequest) -> HttpResponse:
    """«Min konto»: the person's own login, their password and, for staff, their second factor."""
    user = request.user
    context: dict[str, object] = {"account": user}
    if user.needs_second_factor:
        context["authenticator"] = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        context["backup_codes_left"] = backup_codes_left(user)
    return render(request, "accounts/account.html", context)


@login_required
@sensitive_post_parameters("old_password", "new_password1", "new_password2")
def password_change_view(request: AuthenticatedRequest) -> HttpResponse:
    """A person changes their own password, giving the old one; nobody else can (the admin has no such page)."""
    form = OwnPasswordForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        password_change(user=request.user, password=form.cleaned_data["new_password1"], request=request)
        # This session stays logged in (and verified); every other session of theirs ends.
        update_session_auth_hash(request, request.user)
        messages.success(request, "Passordet er endret.")
        return redirect("accounts:account")
    return render(request, "accounts/password_change.html", {"form": form})
