from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import User
from core.limits import SHORT_TEXT
from core.pdf_safety import pdf_refuse_unsafe


class SignForm(forms.Form):
    """Name, place and confirmation. The hidden hash is the stored PDF's the page showed; the service
    compares it with the stored document, so a signature is never taken on a document the signer did not see."""

    full_name = forms.CharField(
        label="Fullt navn", max_length=200, help_text="Skriv navnet ditt slik det står i profilen din."
    )
    place = forms.CharField(label="Sted", max_length=100, help_text="Der du signerer, f.eks. «Bodø».")
    confirm = forms.BooleanField(label="Jeg har lest kontrakten og signerer den", required=True)
    document_sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["confirm"].error_messages["required"] = "Kryss av for at du har lest kontrakten og signerer den."
        self.fields["full_name"].error_messages["required"] = "Skriv fullt navn."
        self.fields["place"].error_messages["required"] = "Skriv stedet du signerer."
        self.helper = FormHelper()
        self.helper.add_input(Submit("sign", "Signer kontrakten"))

    def clean_full_name(self) -> str:
        name = " ".join(self.cleaned_data["full_name"].split())
        if name.casefold() != " ".join(self.user.full_name.split()).casefold():
            raise ValidationError(f"Skriv navnet ditt slik det står i profilen din: {self.user.full_name}.")
        return name

    def clean_place(self) -> str:
        return " ".join(self.cleaned_data["place"].split())


class PdfUploadForm(forms.Form):
    file = forms.FileField(label="Signert kontrakt (PDF)", help_text="Kun PDF.")

    def __init__(self, *args: Any, submit_label: str = "Last opp", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = settings.CONTRACT_UPLOAD_MAX_BYTES // (1024 * 1024)
        self.fields["file"].help_text = f"Kun PDF, høyst {limit} MB."
        self.fields["file"].error_messages["required"] = "Velg en PDF-fil."
        self.helper = FormHelper()
        self.helper.add_input(Submit("upload", submit_label))

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        # The size is checked before the bytes are read, so an oversized file is never held in memory.
        if upload.size > settings.CONTRACT_UPLOAD_MAX_BYTES:
            limit = settings.CONTRACT_UPLOAD_MAX_BYTES // (1024 * 1024)
            raise ValidationError(f"Filen er for stor. Den kan være på høyst {limit} MB.")
        from .services import pdf_check_upload

        content = upload.read()
        pdf_check_upload(content)
        return content


class VerifyForm(PdfUploadForm):
    file = forms.FileField(label="PDF-fil å kontrollere")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, submit_label="Kontroller", **kwargs)

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > settings.CONTRACT_UPLOAD_MAX_BYTES:
            limit = settings.CONTRACT_UPLOAD_MAX_BYTES // (1024 * 1024)
            raise ValidationError(f"Filen er for stor. Den kan være på høyst {limit} MB.")
        # Any file may be checked: a file that is not a PDF simply matches nothing on record. A PDF that
        # could act when opened, or a bomb, is refused as on upload: the page must not pass it on as checked.
        content = upload.read()
        if content.startswith(b"%PDF-"):
            pdf_refuse_unsafe(content)
        return content


class TerminateForm(forms.Form):
    terminated_on = forms.DateField(
        label="Avsluttet fra og med", widget=forms.DateInput(attrs={"type": "date"}), initial=timezone.localdate
    )
    reason = forms.CharField(label="Årsak", widget=forms.Textarea(attrs={"rows": 3}), max_length=SHORT_TEXT)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = "Oppgi hvorfor kontrakten avsluttes."
        self.fields["terminated_on"].error_messages["invalid"] = "Skriv en gyldig dato."
        self.helper = FormHelper()
        self.helper.add_input(Submit("terminate", "Avslutt kontrakten", css_class="btn-danger"))
