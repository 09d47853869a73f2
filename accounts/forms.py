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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].label = "Passord"
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Logg inn"))


class ResetRequestForm(PasswordResetForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = "E-post"
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Send lenke"))

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email, **kwargs):
        """Through the outbox like every e-mail (core.mail), never from inside the request: a mail server
        that is down must not fail the request."""
        template = email_template_name.removesuffix(".txt")
        queue_mail(to=to_email, user=context["user"], template=template, context=context)


class ChoosePasswordForm(SetPasswordForm):
    """Used both for a password reset and for accepting an invitation."""

    def __init__(self, *args, submit_label="Lagre passord", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "Nytt passord"
        self.fields["new_password2"].label = "Gjenta nytt passord"
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", submit_label))
