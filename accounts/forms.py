from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, PasswordResetForm, SetPasswordForm
from django.core.exceptions import ValidationError

from core.mail import queue_mail

from .audit_texts import ACTION_TEXTS, KINDS, actions_of_kind


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


class RulesUnderNewPassword:
    """Django checks the password rules on the repeated field, so «too short» appeared under «Gjenta nytt
    passord». The rules are about the new password: their errors go under it, where the person types it."""

    def validate_password_for_user(self, user: Any, password_field_name: str = "new_password2") -> None:  # noqa: S107 (a field name)
        form: Any = self
        password = form.cleaned_data.get(password_field_name)
        if password:
            try:
                password_validation.validate_password(password, user)
            except ValidationError as error:
                form.add_error("new_password1", error)


class ChoosePasswordForm(RulesUnderNewPassword, SetPasswordForm):
    """Used both for a password reset and for accepting an invitation."""

    def __init__(self, *args: Any, submit_label: str = "Lagre passord", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "Nytt passord"
        self.fields["new_password2"].label = "Gjenta nytt passord"
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", submit_label))


class AuditLogFilterForm(forms.Form):
    """The log page's filters (GET). The municipality groups come from the page, since accounts knows no
    groups: `groups` is a list of (id, name) pairs, or (portfolio name, [(id, name), …]) for optgroups."""

    person = forms.CharField(
        label="Person", required=False, max_length=200, help_text="Navn eller e-postadresse, eller en del av dem."
    )
    group = forms.TypedChoiceField(label="Kommunegruppe", required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(label="Type hendelse", required=False)
    date_from = forms.DateField(
        label="Fra og med dato",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Skriv datoen som dd.mm.åååå."},
    )
    date_to = forms.DateField(
        label="Til og med dato",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Skriv datoen som dd.mm.åååå."},
    )

    def __init__(self, *args: Any, groups: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        group_field = self.fields["group"]
        assert isinstance(group_field, forms.TypedChoiceField)
        group_field.choices = [("", "Alle kommunegrupper"), *groups]
        group_field.error_messages["invalid_choice"] = "Velg en kommunegruppe fra listen."
        kind_field = self.fields["kind"]
        assert isinstance(kind_field, forms.ChoiceField)
        kind_field.choices = [
            ("", "Alle hendelser"),
            ("Områder", [(key, label) for key, label in KINDS.items()]),
            *[
                (label, [(action, ACTION_TEXTS[action]) for action in actions_of_kind(key)])
                for key, label in KINDS.items()
            ],
        ]
        kind_field.error_messages["invalid_choice"] = "Velg en type hendelse fra listen."
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        self.helper.add_input(Submit("submit", "Vis"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "Til-datoen kan ikke være før fra-datoen.")
        return cleaned


class OneTimeCodeForm(forms.Form):
    """The second step of a staff login: a code from the authenticator app, or one of the backup codes."""

    otp_token = forms.CharField(
        label="Engangskode",
        max_length=32,
        # No `inputmode="numeric"`: backup codes have letters, and the same field takes them.
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "one-time-code", "spellcheck": "false"}),
        error_messages={"required": "Skriv inn koden."},
    )

    def __init__(self, *args: Any, submit_label: str = "Logg inn", help_text: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["otp_token"].help_text = help_text
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", submit_label))


class OwnPasswordForm(RulesUnderNewPassword, PasswordChangeForm):
    """A person changes their own password; the old one proves it is them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "Nåværende passord"
        self.fields["new_password1"].label = "Nytt passord"
        self.fields["new_password2"].label = "Gjenta nytt passord"
        self.error_messages = {
            **self.error_messages,
            "password_incorrect": "Det nåværende passordet er feil. Prøv igjen.",
        }
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Endre passord"))
