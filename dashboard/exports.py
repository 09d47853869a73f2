"""The programme leader's XLSX exports of a portfolio: the status matrix (as filtered on the page) and the
contact list of every current member. Written through `core.xlsx`, so dates are dates and no text runs."""

from django.utils import timezone

from core.xlsx import Sheet
from municipalities.models import Membership

from .matrix import MatrixRow

MATRIX_HEADER = [
    "Kommunegruppe",
    "Fylke",
    "Veileder",
    "Status",
    "Mangler i sammensetningen",
    "Kontrakter",
    "Kontrakter som ikke er i kraft",
    "Bekreftede møter",
    "Holdte møter",
    "Holdt uten publisert referat",
    "Åpne oppgaver",
    "Forsinkede oppgaver",
    "Utviklingsplan",
    "Planversjon",
    "Plan godkjent",
    "Svar på undersøkelsen",
    "Svarprosent",
    "Siste aktivitet",
]
MATRIX_WIDTHS = [32, 16, 22, 14, 40, 50, 12, 10, 10, 12, 10, 10, 26, 8, 12, 30, 10, 16]

CONTACTS_HEADER = ["Navn", "Rolle", "Kommunegruppe", "Kommune", "E-post", "Telefon"]
CONTACTS_WIDTHS = [28, 34, 32, 24, 34, 16]


def matrix_sheet(rows: list[MatrixRow]) -> Sheet:
    return Sheet(
        title="Statusoversikt",
        header=MATRIX_HEADER,
        widths=MATRIX_WIDTHS,
        rows=[
            [
                row.group.display_name,
                ", ".join(row.counties),
                row.group.adviser.full_name if row.group.adviser else "",
                row.group.get_status_display(),
                " ".join(row.shortcomings),
                "\n".join(cell.text for cell in row.contracts),
                row.contracts_open,
                row.count("confirmed_meetings"),
                row.count("held_meetings"),
                row.count("notes_missing"),
                row.count("open_tasks"),
                row.count("overdue_tasks"),
                row.plan_status,
                row.plan.version if row.plan else None,
                timezone.localtime(row.plan.approved_at).date() if row.plan and row.plan.approved_at else None,
                row.survey_text,
                row.survey_percent,
                row.last_activity,
            ]
            for row in rows
        ],
    )


def contacts_sheet(memberships: list[Membership]) -> Sheet:
    def municipality_of(m: Membership) -> str:
        if m.municipality is not None:
            return m.municipality.name
        # A member of a group of one municipality need not name it (contracts.selectors.slot_candidates).
        municipalities = list(m.group.municipalities.all())
        return municipalities[0].name if len(municipalities) == 1 else ""

    return Sheet(
        title="Kontaktliste",
        header=CONTACTS_HEADER,
        widths=CONTACTS_WIDTHS,
        rows=[
            [
                m.user.full_name,
                m.get_role_display(),
                m.group.display_name,
                municipality_of(m),
                m.user.email,
                m.user.phone,
            ]
            for m in memberships
        ],
    )
