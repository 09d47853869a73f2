"""Reading and checking a spreadsheet of municipality groups and their members (issue 14, «Getting people in»).

`read_rows` turns an uploaded file's bytes (XLSX, or CSV as Norwegian Excel saves it) into rows of text;
`import_plan` checks every row against the portfolio's data and says exactly what an import would create,
without writing anything. The admin's preview shows the plan; `services.groups_import` makes it anew inside
its transaction and writes it only if it has no errors.

The file's columns (the template the upload page offers, `TEMPLATE_HEADERS`):

- «Gruppe»: rows with the same group name form one group of all their municipalities; a row without one is a
  group of its own municipality. A group whose municipalities are already a group of the portfolio gets the
  new members added to it.
- «Kommune»: the number («1804», «301» for 0301) or the name, Norwegian or Sami («Kautokeino» or
  «Guovdageaidnu»).
- «Rolle», «Navn», «E-post», «Telefon» (the last may be empty).
"""

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Prefetch
from django.db.models.functions import Lower
from openpyxl import Workbook, load_workbook

from accounts.models import User
from core.limits import NAME
from portfolios.models import Portfolio

from .models import (
    Membership,
    Municipality,
    MunicipalityGroup,
    Role,
    group_shortcomings,
    group_warnings,
    joined_names,
)

# Far above a portfolio's 160–400 people, far below what makes a preview slow.
IMPORT_MAX_BYTES = 2 * 1024 * 1024
IMPORT_MAX_ROWS = 2_000
# An XLSX is compressed; what it unpacks to is capped too, so that a small file cannot fill the memory.
IMPORT_MAX_UNPACKED_BYTES = 50 * 1024 * 1024

# Each column: its key in a row, and its header in the template and in error messages.
COLUMNS = {
    "group": "Gruppe",
    "municipality": "Kommune",
    "role": "Rolle",
    "full_name": "Navn",
    "email": "E-post",
    "phone": "Telefon",
}
TEMPLATE_HEADERS = list(COLUMNS.values())
REQUIRED = ["municipality", "role", "full_name", "email"]

# Headers people write instead of the template's, compared in lower case without spaces or hyphens.
HEADER_ALIASES = {
    "gruppe": "group",
    "kommunegruppe": "group",
    "gruppenavn": "group",
    "kommune": "municipality",
    "kommunenummer": "municipality",
    "kommunenr": "municipality",
    "kommunenavn": "municipality",
    "rolle": "role",
    "navn": "full_name",
    "fulltnavn": "full_name",
    "epost": "email",
    "epostadresse": "email",
    "email": "email",
    "telefon": "phone",
    "tlf": "phone",
    "mobil": "phone",
    "telefonnummer": "phone",
}

# The short forms people write for a role, beside its full label («Kulturskoleleder») and its code.
ROLE_SHORT_FORMS = {
    "politisk": Role.OWNER_POLITICAL,
    "politisk eier": Role.OWNER_POLITICAL,
    "eier politisk": Role.OWNER_POLITICAL,
    "kulturskoleeier politisk": Role.OWNER_POLITICAL,
    "administrativ": Role.OWNER_ADMINISTRATIVE,
    "administrativ eier": Role.OWNER_ADMINISTRATIVE,
    "eier administrativ": Role.OWNER_ADMINISTRATIVE,
    "kulturskoleeier administrativ": Role.OWNER_ADMINISTRATIVE,
    "kommunedirektør": Role.MUNICIPAL_DIRECTOR,
    "rådmann": Role.MUNICIPAL_DIRECTOR,
    "leder": Role.LEADER,
    "rektor": Role.LEADER,
    "ressurslærer": Role.RESOURCE_TEACHER,
    "koordinator": Role.COORDINATOR,
    "annen": Role.OTHER,
    "annet": Role.OTHER,
    "deltaker": Role.OTHER,
}


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message is Norwegian, for the screen."""


@dataclass
class Row:
    """One row of the file: its number as the spreadsheet shows it (the header is row 1) and its text per column."""

    number: int
    values: dict[str, str]


def _role_key(text: str) -> str:
    return re.sub(r"[\s()/,.-]+", " ", text.casefold()).strip()


ROLES_BY_TEXT: dict[str, str] = {
    **{_role_key(label): value for value, label in Role.choices},
    **{_role_key(value): value for value in Role.values},
    **{_role_key(text): role for text, role in ROLE_SHORT_FORMS.items()},
}


def _header_key(text: str) -> str:
    return re.sub(r"[\s_-]+", "", text.casefold())


def _cell_text(value: object) -> str:
    # Excel keeps a number typed in a cell (a municipality number, a phone number) as a float.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()


def read_rows(content: bytes) -> list[Row]:
    """The rows of an XLSX or CSV file, told apart by their content, not their name: an XLSX is a zip with a
    workbook in it, a CSV is text (UTF-8, with or without BOM, else Windows-1252) separated by `;` or `,`."""
    if content.startswith(b"PK\x03\x04"):
        table = _xlsx_table(content)
    else:
        table = _csv_table(content)
    return _rows(table)


def _xlsx_table(content: bytes) -> Iterable[Sequence[object]]:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > IMPORT_MAX_UNPACKED_BYTES:
            raise ImportFileError("Excel-filen er for stor når den pakkes ut. Lagre den som CSV og prøv igjen.")
        if not {"[Content_Types].xml", "xl/workbook.xml"} <= names:
            raise ImportFileError("Filen er en zip-fil, men ikke et Excel-regneark (XLSX).")
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        # Every row, blank ones between included, so that no person beyond a row limit is silently left out
        # (_rows counts the people); the unpacked size above bounds the work. In read-only mode the sheet's
        # XML is parsed only here, so a broken sheet fails here too: SyntaxError is the XML parser's error.
        return list(workbook.worksheets[0].iter_rows(values_only=True))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, SyntaxError) as error:
        raise ImportFileError("Excel-filen kunne ikke leses. Lagre den på nytt som XLSX eller CSV.") from error


def _csv_table(content: bytes) -> Iterable[Sequence[object]]:
    if b"\x00" in content:
        raise ImportFileError("Filen er verken et Excel-regneark (XLSX) eller en tekstfil (CSV).")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Norwegian Excel saves «CSV (semikolondelt)» in Windows-1252 unless told to use UTF-8.
        text = content.decode("cp1252", errors="replace")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    try:
        return list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as error:  # a field longer than the csv module allows, as a stray «"» makes one
        raise ImportFileError(
            'CSV-filen kunne ikke leses. Se etter et anførselstegn («"») som ikke er lukket.'
        ) from error


def _rows(table: Iterable[Sequence[object]]) -> list[Row]:
    lines = iter(table)
    header = next(lines, None)
    if header is None:
        raise ImportFileError("Filen er tom.")
    columns: dict[int, str] = {}
    for index, cell in enumerate(header):
        key = HEADER_ALIASES.get(_header_key(_cell_text(cell)))
        if key and key not in columns.values():
            columns[index] = key
    missing = [COLUMNS[key] for key in REQUIRED if key not in columns.values()]
    if missing:
        names = ", ".join(f"«{name}»" for name in missing)
        raise ImportFileError(f"Første rad må være overskriftene. Disse kolonnene mangler: {names}. Bruk gjerne malen.")
    rows = []
    for number, line in enumerate(lines, start=2):
        values = dict.fromkeys(COLUMNS, "")
        for index, key in columns.items():
            if index < len(line):
                values[key] = _cell_text(line[index])
        if any(values.values()):
            rows.append(Row(number=number, values=values))
    if not rows:
        raise ImportFileError("Filen har overskrifter, men ingen rader med deltakere.")
    if len(rows) > IMPORT_MAX_ROWS:
        raise ImportFileError(f"Filen har mer enn {IMPORT_MAX_ROWS} rader. Del den opp i flere filer.")
    return rows


def rows_to_data(rows: Iterable[Row]) -> list[list[object]]:
    """The rows as plain JSON values, for the preview's signed payload."""
    return [[row.number, row.values] for row in rows]


def rows_from_data(data: object) -> list[Row]:
    """The rows of a payload made by `rows_to_data` (and checked by its signature)."""
    assert isinstance(data, list)
    return [
        Row(number=int(number), values={key: str(values.get(key, "")) for key in COLUMNS}) for number, values in data
    ]


# --- Checking the rows against the portfolio -------------------------------------------------------------


@dataclass
class PlannedMember:
    row: int
    email: str
    full_name: str
    phone: str
    role: str
    municipality: Municipality
    # The person's account if the address has one; None for someone new.
    user: User | None

    @property
    def role_label(self) -> str:
        return Role(self.role).label

    @property
    def invited(self) -> bool:
        """Whether the person gets an invitation (no password yet) rather than the notice that they were added."""
        return self.user is None or not self.user.has_usable_password()


@dataclass
class PlannedGroup:
    name: str
    municipalities: list[Municipality]
    # The portfolio's group these municipalities already are, or None for a new group.
    existing: MunicipalityGroup | None
    members: list[PlannedMember] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def display_name(self) -> str:
        if self.existing is not None:
            return self.existing.display_name
        return self.name or joined_names([m.name for m in self.municipalities])


@dataclass
class ImportPlan:
    groups: list[PlannedGroup] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # Rows of people already in their group, which the import leaves as they are.
    skipped: list[str] = field(default_factory=list)

    @property
    def new_groups(self) -> list[PlannedGroup]:
        return [g for g in self.groups if g.existing is None]

    @property
    def members(self) -> list[PlannedMember]:
        return [m for g in self.groups for m in g.members]

    @property
    def new_people(self) -> list[PlannedMember]:
        """One per address of someone without an account."""
        return list({m.email: m for m in self.members if m.user is None}.values())

    @property
    def invited_people(self) -> list[PlannedMember]:
        return list({m.email: m for m in self.members if m.invited}.values())

    @property
    def told_people(self) -> list[PlannedMember]:
        return [m for m in self.members if not m.invited]

    @property
    def warnings(self) -> list[str]:
        return [w for g in self.groups for w in g.warnings]


def _error(row: Row, column: str, message: str) -> str:
    return f"Rad {row.number}, kolonne «{COLUMNS[column]}»: {message}"


class _MunicipalityIndex:
    """Every municipality by number and by each of its names (lower case), loaded in one query."""

    def __init__(self) -> None:
        self.by_number: dict[str, Municipality] = {}
        self.by_name: dict[str, list[Municipality]] = {}
        for m in Municipality.objects.all():
            self.by_number[m.number] = m
            for name in {m.name, m.norwegian_name, m.display_name} - {""}:
                self.by_name.setdefault(name.casefold(), []).append(m)

    def find(self, text: str) -> tuple[Municipality | None, str]:
        """(the municipality, "") or (None, why not)."""
        if text.isdigit():
            found = self.by_number.get(text.zfill(4))
            return (found, "") if found else (None, f"Finner ingen kommune med nummer «{text}».")
        matches = self.by_name.get(" ".join(text.split()).casefold(), [])
        if len(matches) == 1:
            return matches[0], ""
        if matches:
            # Herøy and Våler are two municipalities each.
            numbers = " eller ".join(m.number for m in sorted(matches, key=lambda m: m.number))
            return None, f"Flere kommuner heter «{text}». Skriv kommunenummeret ({numbers})."
        return (
            None,
            f"Finner ingen kommune som heter «{text}». Skriv navnet slik det står i kommunelisten, eller nummeret.",
        )


@dataclass
class _Checked:
    row: Row
    group_key: str
    group_name: str
    municipality: Municipality
    role: str
    email: str
    full_name: str
    phone: str


def _check_row(row: Row, municipalities: _MunicipalityIndex, errors: list[str]) -> _Checked | None:
    """The row's values cleaned, or None after adding an error per faulty column to `errors`."""
    values = row.values
    before = len(errors)
    for key in REQUIRED:
        if not values[key]:
            errors.append(_error(row, key, "Feltet er tomt."))
    municipality = None
    if values["municipality"]:
        municipality, why = municipalities.find(values["municipality"])
        if municipality is None:
            errors.append(_error(row, "municipality", why))
    role = ROLES_BY_TEXT.get(_role_key(values["role"])) if values["role"] else None
    if values["role"] and role is None:
        labels = ", ".join(f"«{label}»" for label in Role.labels)
        errors.append(_error(row, "role", f"Ukjent rolle «{values['role']}». Bruk en av {labels}."))
    email = values["email"].lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.append(_error(row, "email", f"«{values['email']}» er ikke en gyldig e-postadresse."))
    for key, limit in (("full_name", NAME), ("group", NAME), ("phone", 40)):
        if len(values[key]) > limit:
            errors.append(_error(row, key, f"Teksten er for lang: høyst {limit} tegn."))
    if len(errors) > before or municipality is None or role is None:
        return None
    group_name = " ".join(values["group"].split())
    return _Checked(
        row=row,
        group_key=f"navn:{group_name.casefold()}" if group_name else f"kommune:{municipality.number}",
        group_name=group_name,
        municipality=municipality,
        role=role,
        email=email,
        full_name=values["full_name"],
        phone=values["phone"],
    )


def import_plan(*, portfolio: Portfolio, rows: Sequence[Row]) -> ImportPlan:
    """What importing `rows` into `portfolio` would create, with an error per faulty row and column and the
    programme's group rule as warnings. Writes nothing, and reads in a fixed number of queries whatever the
    number of rows: the municipalities, the people by address, and the portfolio's groups with their
    municipalities and memberships."""
    plan = ImportPlan()
    index = _MunicipalityIndex()
    checked = [c for row in rows if (c := _check_row(row, index, plan.errors)) is not None]

    users = {
        u.email.lower(): u
        for u in User.objects.annotate(address=Lower("email")).filter(address__in={c.email for c in checked})
    }
    existing_groups = list(
        MunicipalityGroup.objects.filter(portfolio=portfolio).prefetch_related(
            "municipalities",
            # With what decides whether each is current (Membership.gives_access, the user's is_active): the
            # group rule looks at current members only.
            Prefetch(
                "memberships",
                Membership.objects.select_related("user").only(
                    "user_id", "role", "municipality_id", "group_id", "ended_on", "user__is_active"
                ),
            ),
        )
    )
    group_of_municipality = {m.pk: g for g in existing_groups for m in g.municipalities.all()}

    # The file's groups in the order they first appear, each with its rows.
    by_key: dict[str, list[_Checked]] = {}
    key_of_municipality: dict[int, tuple[str, int]] = {}
    names_by_email: dict[str, tuple[str, int]] = {}
    for c in checked:
        earlier = key_of_municipality.setdefault(c.municipality.pk, (c.group_key, c.row.number))
        if earlier[0] != c.group_key:
            plan.errors.append(
                _error(c.row, "group", f"{c.municipality.name} står i en annen gruppe i rad {earlier[1]}.")
            )
            continue
        first_name, first_row = names_by_email.setdefault(c.email, (c.full_name, c.row.number))
        if first_name.casefold() != c.full_name.casefold():
            plan.errors.append(
                _error(
                    c.row,
                    "email",
                    f"Samme adresse som i rad {first_row}, men et annet navn («{first_name}»). "
                    "Hver person trenger sin egen e-postadresse.",
                )
            )
            continue
        by_key.setdefault(c.group_key, []).append(c)

    rule = portfolio.programme.group_rule
    for group_rows in by_key.values():
        municipalities = list({c.municipality.pk: c.municipality for c in group_rows}.values())
        touched = {group_of_municipality.get(m.pk) for m in municipalities}
        existing = next(iter(touched)) if len(touched) == 1 else None
        if touched != {None} and existing is None:
            # Some of the file's municipalities are in a group of the portfolio and some are not, or they are
            # in different groups: a group is not merged or split by an import.
            for m in municipalities:
                other = group_of_municipality.get(m.pk)
                if other is not None:
                    first = next(c for c in group_rows if c.municipality == m)
                    plan.errors.append(
                        _error(
                            first.row,
                            "municipality",
                            f"{m.name} er allerede med i en annen kommunegruppe i porteføljen («{other}»).",
                        )
                    )
            continue
        if existing is not None:
            # Rows for some of an existing group's municipalities add members to that group, judged as a whole.
            municipalities = list(existing.municipalities.all())
        group = PlannedGroup(name=group_rows[0].group_name, municipalities=municipalities, existing=existing)
        present = {ms.user_id for ms in existing.memberships.all()} if existing else set()
        rows_of_email: dict[str, int] = {}
        for c in group_rows:
            user = users.get(c.email)
            if c.email in rows_of_email:
                plan.errors.append(
                    _error(c.row, "email", f"{c.email} står allerede i rad {rows_of_email[c.email]} for samme gruppe.")
                )
                continue
            rows_of_email[c.email] = c.row.number
            if user is not None and user.pk in present:
                plan.skipped.append(f"Rad {c.row.number}: {user} er allerede med i {group.display_name}.")
                continue
            group.members.append(
                PlannedMember(
                    row=c.row.number,
                    email=c.email,
                    full_name=c.full_name,
                    phone=c.phone,
                    role=c.role,
                    municipality=c.municipality,
                    user=user,
                )
            )
        existing_members = [(ms.role, ms.municipality_id) for ms in existing.present_memberships()] if existing else []
        members = existing_members + [(m.role, m.municipality.pk) for m in group.members]
        lacks = group_shortcomings(rule=rule, municipalities=municipalities, members=members)
        lacks += group_warnings(rule=rule, members=members)
        group.warnings = [f"{group.display_name}: {sentence}" for sentence in lacks]
        plan.groups.append(group)
    plan.errors.sort(key=_row_number)
    return plan


def _row_number(message: str) -> int:
    found = re.match(r"Rad (\d+)", message)
    return int(found.group(1)) if found else 0


TEMPLATE_EXPLANATION = [
    (
        "Gruppe",
        "Rader med samme gruppenavn blir én kommunegruppe med alle kommunene sine. "
        "Tomt: kommunen blir en gruppe alene.",
    ),
    ("Kommune", "Kommunenummer (1804) eller navn, norsk eller samisk (Kautokeino eller Guovdageaidnu)."),
    ("Rolle", "En av: " + ", ".join(Role.labels) + ". Korte former som «leder» og «politisk» går også."),
    ("Navn", "Fullt navn."),
    ("E-post", "Én adresse per person. Nye personer får invitasjon; de som har bruker, får beskjed."),
    ("Telefon", "Kan stå tomt."),
]


def template_workbook() -> bytes:
    """The XLSX to fill in: the columns on the first sheet, what each holds on the second."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Deltakere"
    sheet.append(TEMPLATE_HEADERS)
    for letter in "ABCDEF":
        sheet.column_dimensions[letter].width = 28
    help_sheet = workbook.create_sheet("Forklaring")
    help_sheet.append(["Kolonne", "Hva den skal inneholde"])
    for line in TEMPLATE_EXPLANATION:
        help_sheet.append(list(line))
    help_sheet.column_dimensions["B"].width = 100
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
