from datetime import date
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from core.file_types import ACCEPT
from core.limits import NAME

from .documents import CheckedUpload, group_document_check_upload
from .imports import IMPORT_MAX_BYTES, IMPORT_MAX_ROWS, ImportFileError, read_rows
from .models import Membership, Municipality, MunicipalityGroup, Role

# The roles the group's adviser may invite to the groups they follow: the group may be widened a little,
# after talking it over with the adviser (000 «Roller i utviklingsprosessen»); the roles that sign and approve
# stay with the programme leader.
ADVISER_INVITE_ROLES = (Role.OTHER,)


class InviteMemberForm(forms.Form):
    full_name = forms.CharField(label="Fullt navn", max_length=200)
    email = forms.EmailField(label="E-post")
    phone = forms.CharField(label="Telefon", max_length=40, required=False)
    role = forms.ChoiceField(
        label="Rolle",
        choices=Role.choices,
        error_messages={"invalid_choice": "Du kan ikke invitere i denne rollen. Velg en av rollene i listen."},
    )
    municipality = forms.ModelChoiceField(label="Kommune", queryset=Municipality.objects.none(), required=False)

    def __init__(
        self, *args: Any, group: MunicipalityGroup, roles: tuple[str, ...] | None = None, **kwargs: Any
    ) -> None:
        """`roles` limits the roles that may be chosen (ADVISER_INVITE_ROLES for the adviser); all by default."""
        super().__init__(*args, **kwargs)
        self.group = group
        municipality = self.fields["municipality"]
        assert isinstance(municipality, forms.ModelChoiceField)
        municipality.queryset = group.municipalities.all()
        if roles is not None:
            role = self.fields["role"]
            assert isinstance(role, forms.ChoiceField)
            role.choices = [(value, label) for value, label in Role.choices if value in roles]
            role.initial = roles[0]

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].lower()
        existing = Membership.objects.filter(group=self.group, user__email__iexact=email).first()
        # An end date still ahead is a current member (Membership.gives_access), not a former one.
        if existing is not None and existing.ended_on is not None and existing.ended_on <= timezone.localdate():
            raise forms.ValidationError(
                "Denne personen har vært med i gruppen før. Programlederen kan ta hen med igjen."
            )
        if existing is not None:
            raise forms.ValidationError("Denne personen er allerede med i gruppen.")
        return email


class MembershipAdminForm(forms.ModelForm[Membership]):
    """A membership in the admin (its own page and the group's inline): a start left empty is today, the
    day it is added."""

    class Meta:
        model = Membership
        fields = ["user", "group", "role", "municipality", "started_on", "ended_on"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "started_on" in self.fields:
            self.fields["started_on"].required = False
            self.fields["started_on"].help_text = "Tomt: i dag."

    def clean_started_on(self) -> date:
        started_on = self.cleaned_data.get("started_on") or timezone.localdate()
        # A start ahead would give access today (MembershipQuerySet.current reads only the end), so none is
        # taken in; a row that already has one may still be saved unchanged (the instance keeps its stored
        # value until the form's _post_clean).
        if started_on > timezone.localdate() and started_on != self.instance.started_on:
            raise forms.ValidationError(
                "En deltakelse kan ikke begynne fram i tid. Legg deltakeren til den dagen hen begynner."
            )
        return started_on


class MunicipalityGroupAdminForm(forms.ModelForm[MunicipalityGroup]):
    class Meta:
        model = MunicipalityGroup
        fields = [
            "portfolio",
            "name",
            "municipalities",
            "adviser",
            "status",
            "ended_reason",
            "focus_area",
            "continuation",
            "continuation_note",
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        portfolio = cleaned.get("portfolio")
        municipalities = cleaned.get("municipalities")
        if portfolio and municipalities:
            taken = (
                Municipality.objects.filter(pk__in=[m.pk for m in municipalities], groups__portfolio=portfolio)
                .exclude(groups__pk=self.instance.pk)
                .distinct()
            )
            if taken:
                names = ", ".join(m.name for m in taken)
                self.add_error("municipalities", f"Allerede med i en annen gruppe i denne porteføljen: {names}.")
        if cleaned.get("continuation") and cleaned.get("status") != MunicipalityGroup.Status.COMPLETED:
            self.add_error("continuation", "Videre arbeid registreres for grupper som har fullført.")
        return cleaned


class GroupsImportForm(forms.Form):
    """The spreadsheet upload of the admin's import: the file is read and its rows kept in `cleaned_data["rows"]`;
    a file that cannot be read at all is the field's error."""

    file = forms.FileField(
        label="Regneark (XLSX eller CSV)",
        error_messages={
            "required": "Velg en fil å laste opp.",
            "empty": "Filen er tom.",
            "invalid": "Det kom ingen fil. Velg filen på nytt.",
        },
        help_text=f"Høyst {IMPORT_MAX_BYTES // (1024 * 1024)} MB og {IMPORT_MAX_ROWS} rader.",
    )

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        if upload.size is not None and upload.size > IMPORT_MAX_BYTES:
            raise forms.ValidationError(f"Filen er for stor: høyst {IMPORT_MAX_BYTES // (1024 * 1024)} MB.")
        try:
            self.cleaned_data["rows"] = read_rows(upload.read())
        except ImportFileError as error:
            raise forms.ValidationError(str(error)) from error
        return upload


class DocumentVersionForm(forms.Form):
    """A file for the group's documents; `cleaned_data["file"]` is a CheckedUpload (municipalities.documents)."""

    file = forms.FileField(label="Fil")

    def __init__(self, *args: Any, submit_label: str = "Last opp ny versjon", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = settings.GROUP_DOCUMENT_MAX_BYTES // (1024 * 1024)
        field = self.fields["file"]
        field.help_text = f"PDF, Office-dokument (Word, Excel, PowerPoint, OpenDocument) eller bilde, høyst {limit} MB."
        field.error_messages["required"] = "Velg en fil."
        field.error_messages["empty"] = "Filen er tom."
        field.widget.attrs["accept"] = ACCEPT
        self.helper = FormHelper()
        self.helper.add_input(Submit("upload", submit_label))

    def clean_file(self) -> CheckedUpload:
        return group_document_check_upload(self.cleaned_data["file"])


class DocumentForm(DocumentVersionForm):
    title = forms.CharField(
        label="Tittel", max_length=NAME, help_text="For eksempel «Referat fra kommunegruppemøtet i mars»."
    )
    field_order = ["title", "file"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, submit_label="Last opp dokumentet", **kwargs)
        self.fields["title"].error_messages["required"] = "Skriv en tittel."

    def clean_title(self) -> str:
        return " ".join(self.cleaned_data["title"].split())
