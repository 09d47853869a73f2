from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm

from core.mail import queue_mail


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label="E-post", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )
    error_messages = {
        "invalid_login": "Feil e-post eller passord. Husk at passordet skiller mellom store og små bokstaver.",
        "inactive": "Denne brukeren er deaktivert.",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password"].label = "Passord"
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Logg inn"))


class ResetRequestForm(PasswordResetForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = "E-post"
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Send lenke"))

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        """Through the outbox like every e-mail (core.mail), never from inside the request: a mail server
        that is down must not fail the request. The portal's e-mails are plain text, so there is no HTML part
        (`html_email_template_name`)."""
        template = email_template_name.removesuffix(".txt")
        queue_mail(to=to_email, user=context["user"], template=template, context=context)


class ChoosePasswordForm(SetPasswordForm):
    """Used both for a password reset and for accepting an invitation."""

    def __init__(self, *args: Any, submit_label: str = "Lagre passord", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "Nytt passord"
        self.fields["new_password2"].label = "Gjenta nytt passord"
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", submit_label))
