from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from .forms import ChoosePasswordForm
from .services import invitation_accept, invitation_get_usable


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
