"""The admin's spreadsheet import of groups and members (issue 14, «Getting people in»): reading XLSX and
CSV, checking every row against the portfolio, the preview that writes nothing, and the import that writes
everything or nothing and queues the e-mails."""

import io
import re
import zipfile
from datetime import date

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from accounts.models import AuditEvent, Invitation, User
from accounts.services import invitation_get_usable, invitation_send
from accounts.tests.factories import AdviserFactory, ProgrammeLeaderFactory, UserFactory
from core.models import Email
from municipalities.admin import IMPORT_SALT
from municipalities.imports import (
    TEMPLATE_HEADERS,
    ImportFileError,
    Row,
    import_plan,
    read_rows,
)
from municipalities.models import Membership, Municipality, MunicipalityGroup, Role
from municipalities.services import GroupsImportRefused, groups_import
from municipalities.tests.factories import MembershipFactory, MunicipalityGroupFactory, municipality
from portfolios.tests.factories import PortfolioFactory

pytestmark = pytest.mark.django_db

HEADER = ["Gruppe", "Kommune", "Rolle", "Navn", "E-post", "Telefon"]


def xlsx(*rows, header=HEADER):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(*rows, delimiter=";", encoding="utf-8-sig", header=HEADER):
    lines = [delimiter.join(header), *(delimiter.join(str(v) for v in row) for row in rows)]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def rows(*values):
    """Rows as `read_rows` returns them, numbered from 2 as under a header."""
    keys = ["group", "municipality", "role", "full_name", "email", "phone"]
    return [Row(number=n, values=dict(zip(keys, v, strict=True))) for n, v in enumerate(values, start=2)]


def errors_of(portfolio, *values):
    return import_plan(portfolio=portfolio, rows=rows(*values)).errors


# --- Reading the file ----------------------------------------------------------------------------------


def test_it_reads_an_xlsx_with_numbers_typed_as_numbers():
    content = xlsx(["", 301, "Kulturskoleleder", "Ola Nordmann", "ola@example.org", 91234567])
    [row] = read_rows(content)
    assert row.number == 2
    assert row.values == {
        "group": "",
        "municipality": "301",
        "role": "Kulturskoleleder",
        "full_name": "Ola Nordmann",
        "email": "ola@example.org",
        "phone": "91234567",
    }


def test_it_reads_a_semicolon_csv_with_a_bom_as_norwegian_excel_saves_it():
    content = csv_bytes(["Salten", "Bodø", "leder", "Åse Ærø", "ase@example.org", ""])
    assert content.startswith(b"\xef\xbb\xbf")
    [row] = read_rows(content)
    assert row.values["municipality"] == "Bodø"
    assert row.values["full_name"] == "Åse Ærø"


def test_it_falls_back_to_windows_1252_and_accepts_commas():
    content = csv_bytes(
        ["", "Bodø", "leder", "Øystein Ås", "oystein@example.org", ""], delimiter=",", encoding="cp1252"
    )
    [row] = read_rows(content)
    assert row.values["full_name"] == "Øystein Ås"


def test_it_skips_empty_rows_but_keeps_the_spreadsheets_row_numbers():
    content = csv_bytes(["", "", "", "", "", ""], ["", "Bodø", "leder", "Ola", "ola@example.org", ""])
    assert [row.number for row in read_rows(content)] == [3]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "Filen er tom."),
        (b"\xd0\xcf\x11\xe0\x00\x00binary", "verken et Excel-regneark (XLSX) eller en tekstfil (CSV)"),
        (b"PK\x03\x04 not really a zip", "Excel-filen kunne ikke leses"),
        (csv_bytes(header=["Navn", "E-post"]), "Disse kolonnene mangler: «Kommune», «Rolle»."),
        (csv_bytes(), "ingen rader med deltakere"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_in_norwegian(content, message):
    with pytest.raises(ImportFileError, match=re.escape(message)):
        read_rows(content)


def test_a_zip_that_is_not_a_workbook_is_refused_by_its_content():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hei.txt", "hei")
    with pytest.raises(ImportFileError, match="ikke et Excel-regneark"):
        read_rows(out.getvalue())


def test_an_xlsx_that_unpacks_to_too_much_is_refused(monkeypatch):
    monkeypatch.setattr("municipalities.imports.IMPORT_MAX_UNPACKED_BYTES", 1000)
    with pytest.raises(ImportFileError, match="for stor når den pakkes ut"):
        read_rows(xlsx(["", "Bodø", "leder", "Ola", "ola@example.org", ""]))


def test_the_template_download_has_the_columns_the_import_reads(client):
    client.force_login(ProgrammeLeaderFactory())
    response = client.get(reverse("admin:municipalities_municipalitygroup_import_template"))
    assert response.status_code == 200
    assert 'filename="mal-import-kommunegrupper.xlsx"' in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in workbook["Deltakere"][1]] == TEMPLATE_HEADERS
    assert workbook.sheetnames == ["Deltakere", "Forklaring"]
    with pytest.raises(ImportFileError, match="ingen rader"):
        read_rows(response.content)


# --- Checking the rows ---------------------------------------------------------------------------------


def test_it_finds_municipalities_by_number_and_by_norwegian_or_sami_name_and_roles_by_short_forms():
    portfolio = PortfolioFactory()
    plan = import_plan(
        portfolio=portfolio,
        rows=rows(
            ["", "301", "kulturskoleleder", "Ola", "ola@example.org", ""],
            ["", "Kautokeino", "Politisk eier", "Máret Sara", "maret@example.org", ""],
            ["", "guovdageaidnu", "RESSURSLÆRER", "Ánte", "ante@example.org", ""],
            ["", "Aarborte (Hattfjelldal)", "koordinator", "Per", "per@example.org", ""],
        ),
    )
    assert plan.errors == []
    assert [(g.display_name, [m.role for m in g.members]) for g in plan.groups] == [
        ("Oslo", [Role.LEADER]),
        ("Guovdageaidnu", [Role.OWNER_POLITICAL, Role.RESOURCE_TEACHER]),
        ("Aarborte", [Role.COORDINATOR]),
    ]


def test_every_faulty_cell_is_named_by_row_and_column():
    portfolio = PortfolioFactory()
    assert errors_of(
        portfolio,
        ["", "", "", "", "", ""],
        ["", "Atlantis", "leder", "Ola", "ola@example.org", ""],
        ["", "9999", "leder", "Ola", "ola2@example.org", ""],
        ["", "Herøy", "leder", "Ola", "ola3@example.org", ""],
        ["", "Bodø", "sjef", "Ola", "ola4@example.org", ""],
        ["", "Bodø", "leder", "Ola", "ola@", ""],
        ["", "Bodø", "leder", "x" * 201, "ola5@example.org", ""],
    ) == [
        "Rad 2, kolonne «Kommune»: Feltet er tomt.",
        "Rad 2, kolonne «Rolle»: Feltet er tomt.",
        "Rad 2, kolonne «Navn»: Feltet er tomt.",
        "Rad 2, kolonne «E-post»: Feltet er tomt.",
        "Rad 3, kolonne «Kommune»: Finner ingen kommune som heter «Atlantis». Skriv navnet slik det står i "
        "kommunelisten, eller nummeret.",
        "Rad 4, kolonne «Kommune»: Finner ingen kommune med nummer «9999».",
        "Rad 5, kolonne «Kommune»: Flere kommuner heter «Herøy». Skriv kommunenummeret (1515 eller 1818).",
        "Rad 6, kolonne «Rolle»: Ukjent rolle «sjef». Bruk en av «Kulturskoleeier (politisk nivå)», "
        "«Kulturskoleeier (administrativt nivå)», «Kommunedirektør», «Kulturskoleleder», «Ressurslærer», "
        "«Koordinator», «Annen deltaker».",
        "Rad 7, kolonne «E-post»: «ola@» er ikke en gyldig e-postadresse.",
        "Rad 8, kolonne «Navn»: Teksten er for lang: høyst 200 tegn.",
    ]


def test_one_person_one_address_and_one_group_per_municipality():
    portfolio = PortfolioFactory()
    assert errors_of(
        portfolio,
        ["", "Bodø", "leder", "Ola", "ola@example.org", ""],
        ["", "Bodø", "ressurslærer", "Ola", "OLA@example.org", ""],
        ["", "Bodø", "koordinator", "Kari", "ola@example.org", ""],
        ["Salten", "Bodø", "annen", "Per", "per@example.org", ""],
    ) == [
        "Rad 3, kolonne «E-post»: ola@example.org står allerede i rad 2 for samme gruppe.",
        "Rad 4, kolonne «E-post»: Samme adresse som i rad 2, men et annet navn («Ola»). Hver person trenger sin "
        "egen e-postadresse.",
        "Rad 5, kolonne «Gruppe»: Bodø står i en annen gruppe i rad 2.",
    ]


def test_a_municipality_in_another_group_of_the_portfolio_is_an_error():
    group = MunicipalityGroupFactory(municipalities=[municipality("1804")])
    assert errors_of(
        group.portfolio,
        ["Salten", "Bodø", "leder", "Ola", "ola@example.org", ""],
        ["Salten", "Saltdal", "leder", "Kari", "kari@example.org", ""],
    ) == ["Rad 2, kolonne «Kommune»: Bodø er allerede med i en annen kommunegruppe i porteføljen («Bodø»)."]


def test_rows_for_an_existing_group_add_to_it_skip_present_members_and_warn_of_the_group_rule():
    group = MunicipalityGroupFactory(municipalities=[municipality("1804")])
    present = MembershipFactory(group=group, role=Role.LEADER, municipality=municipality("1804"))
    plan = import_plan(
        portfolio=group.portfolio,
        rows=rows(
            ["", "Bodø", "leder", present.user.full_name, present.user.email.upper(), ""],
            ["", "1804", "ressurslærer", "Kari", "kari@example.org", ""],
        ),
    )
    assert plan.errors == []
    assert [g.existing for g in plan.groups] == [group]
    assert [m.email for m in plan.members] == ["kari@example.org"]
    assert plan.skipped == [f"Rad 2: {present.user} er allerede med i Bodø."]
    assert plan.warnings == [
        "Bodø: Mangler kulturskoleeier.",
        "Bodø: Kulturskoleeier på politisk nivå er ikke med i gruppen.",
    ]


# --- The admin's pages ---------------------------------------------------------------------------------


def _url(portfolio):
    return reverse("admin:municipalities_municipalitygroup_import", kwargs={"portfolio_pk": portfolio.pk})


def _upload(client, portfolio, content, name="deltakere.xlsx"):
    return client.post(_url(portfolio), {"file": SimpleUploadedFile(name, content)})


def _counts():
    return (MunicipalityGroup.objects.count(), Membership.objects.count(), User.objects.count(), Email.objects.count())


SALTEN = [
    ["Salten", "Bodø", "Kulturskoleeier (administrativt nivå)", "Ola Nordmann", "ola@example.org", "91234567"],
    ["Salten", "Bodø", "leder", "Sárá Hætta", "sara@example.org", ""],
    ["Salten", "Saltdal", "administrativ", "Kari Nordmann", "kari@example.org", ""],
    ["Salten", "Saltdal", "ressurslærer", "Kjent Person", "kjent@example.org", ""],
    ["", "Kautokeino", "Politisk", "Ola Nordmann", "ola@example.org", ""],
]


def test_the_preview_shows_what_would_be_created_and_writes_nothing(client):
    portfolio = PortfolioFactory()
    UserFactory(email="kjent@example.org", full_name="Kjent Person")
    client.force_login(ProgrammeLeaderFactory())
    before = _counts()
    response = _upload(client, portfolio, xlsx(*SALTEN), name="deltakere.csv")  # judged by content, not name
    assert response.status_code == 200
    assert _counts() == before
    plan = response.context["plan"]
    assert plan.errors == []
    assert [g.display_name for g in plan.new_groups] == ["Salten", "Guovdageaidnu"]
    assert sorted(m.email for m in plan.invited_people) == ["kari@example.org", "ola@example.org", "sara@example.org"]
    assert [m.email for m in plan.told_people] == ["kjent@example.org"]
    text = response.content.decode()
    assert "2 nye kommunegrupper" in text
    assert "Guovdageaidnu: Mangler kulturskoleleder." in text
    assert 'role="region" aria-label="Deltakere i Salten"' in text


def test_the_import_creates_groups_members_and_queues_invitations_and_notices(
    client, django_capture_on_commit_callbacks
):
    portfolio = PortfolioFactory()
    known = UserFactory(email="kjent@example.org", full_name="Kjent Person")
    leader = ProgrammeLeaderFactory()
    client.force_login(leader)
    payload = _upload(client, portfolio, xlsx(*SALTEN)).context["payload"]
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(_url(portfolio), {"payload": payload})
    assert response.status_code == 302
    assert response["Location"].endswith(f"?portfolio={portfolio.pk}")

    salten = MunicipalityGroup.objects.get(portfolio=portfolio, name="Salten")
    assert salten.status == MunicipalityGroup.Status.ADMITTED
    assert sorted(m.number for m in salten.municipalities.all()) == ["1804", "1840"]
    assert sorted((m.user.email, m.role, m.municipality.number) for m in salten.memberships.all()) == [
        ("kari@example.org", Role.OWNER_ADMINISTRATIVE, "1840"),
        ("kjent@example.org", Role.RESOURCE_TEACHER, "1840"),
        ("ola@example.org", Role.OWNER_ADMINISTRATIVE, "1804"),
        ("sara@example.org", Role.LEADER, "1804"),
    ]
    kautokeino = MunicipalityGroup.objects.get(portfolio=portfolio, municipalities=municipality("5612"))
    assert kautokeino.name == ""
    assert [m.user.email for m in kautokeino.memberships.all()] == ["ola@example.org"]
    assert User.objects.get(email="ola@example.org").phone == "91234567"

    # Ola is new and in two groups: one invitation, since a second would end the first one's link.
    mails = sorted((e.to, e.template) for e in Email.objects.all())
    assert mails == [
        ("kari@example.org", "accounts/email/invitation"),
        ("kjent@example.org", "municipalities/email/member_added"),
        ("ola@example.org", "accounts/email/invitation"),
        ("sara@example.org", "accounts/email/invitation"),
    ]
    assert "Salten" in Email.objects.get(to=known.email).subject
    event = AuditEvent.objects.get(action="membership.imported")
    assert (event.actor, event.object_id) == (leader, str(portfolio.pk))
    assert event.payload == {
        "rows": 5,
        "new_groups": 2,
        "memberships": 5,
        "new_users": 3,
        "invited": 3,
        "told": 1,
        "skipped": 0,
    }


def test_the_preview_and_the_result_count_one_in_the_singular(client):
    portfolio = PortfolioFactory()
    client.force_login(ProgrammeLeaderFactory())
    response = _upload(client, portfolio, xlsx(["", "Bodø", "leder", "Åse Ærø", "ase@example.org", ""]))
    text = " ".join(response.content.decode().split())
    assert "1 ny kommunegruppe (status «Tatt opp»)" in text
    assert "1 ny deltakelse i 1 gruppe</li>" in text
    assert "1 person får invitasjon på e-post (1 ny bruker)" in text
    response = client.post(_url(portfolio), {"payload": response.context["payload"]}, follow=True)
    [message] = [str(m) for m in response.context["messages"]]
    assert message.startswith("Importert: 1 ny kommunegruppe og 1 deltakelse. 1 har fått invitasjon")


def test_a_file_with_one_bad_row_shows_the_error_and_offers_no_import(client):
    portfolio = PortfolioFactory()
    client.force_login(ProgrammeLeaderFactory())
    bad = [*SALTEN[:2], ["Salten", "Saltdal", "sjef", "Kari", "kari@example.org", ""]]
    response = _upload(client, portfolio, csv_bytes(*bad))
    assert response.context["payload"] == ""
    assert "Rad 4, kolonne «Rolle»: Ukjent rolle «sjef»." in response.content.decode()
    assert 'name="payload"' not in response.content.decode()


def test_a_row_that_fails_at_import_time_means_nothing_is_written():
    # The portfolio changed after the preview: Saltdal joined another group meanwhile.
    portfolio = PortfolioFactory()
    parsed = read_rows(xlsx(*SALTEN))
    MunicipalityGroupFactory(portfolio=portfolio, municipalities=[municipality("1840")])
    before = _counts()
    with pytest.raises(GroupsImportRefused) as refused:
        groups_import(portfolio=portfolio, rows=parsed, imported_by=ProgrammeLeaderFactory(), request=None)
    assert refused.value.plan.errors == [
        "Rad 4, kolonne «Kommune»: Saltdal er allerede med i en annen kommunegruppe i porteføljen («Saltdal»)."
    ]
    assert _counts()[:2] == before[:2]
    assert User.objects.filter(email__in=["ola@example.org", "sara@example.org"]).count() == 0
    assert Email.objects.count() == before[3]


def test_a_confirm_that_fails_shows_the_errors_and_writes_nothing(client):
    portfolio = PortfolioFactory()
    client.force_login(ProgrammeLeaderFactory())
    payload = _upload(client, portfolio, xlsx(*SALTEN)).context["payload"]
    MunicipalityGroupFactory(portfolio=portfolio, municipalities=[municipality("1804")])
    before = _counts()
    response = client.post(_url(portfolio), {"payload": payload})
    assert response.status_code == 200
    assert "Bodø er allerede med i en annen kommunegruppe" in response.content.decode()
    assert _counts() == before


def test_a_tampered_or_foreign_payload_is_refused(client):
    portfolio, other = PortfolioFactory(), PortfolioFactory()
    leader = ProgrammeLeaderFactory()
    client.force_login(leader)
    payload = _upload(client, portfolio, xlsx(*SALTEN)).context["payload"]
    forged = signing.dumps({"portfolio": portfolio.pk, "user": leader.pk, "rows": []}, salt="noe annet")
    before = _counts()
    for url, data in [
        (_url(portfolio), payload[:-2] + ("AA" if not payload.endswith("AA") else "BB")),
        (_url(portfolio), forged),
        (_url(other), payload),
    ]:
        response = client.post(url, {"payload": data})
        assert response.status_code == 400
        assert "Forhåndsvisningen kunne ikke brukes" in response.content.decode()
    assert _counts() == before
    assert signing.loads(payload, salt=IMPORT_SALT)["portfolio"] == portfolio.pk


def test_a_preview_is_only_good_for_the_person_who_made_it_and_for_an_hour(client, monkeypatch):
    portfolio = PortfolioFactory()
    author, colleague = ProgrammeLeaderFactory(), ProgrammeLeaderFactory()
    client.force_login(author)
    payload = _upload(client, portfolio, xlsx(*SALTEN)).context["payload"]
    before = _counts()
    client.force_login(colleague)  # another programme leader, with the first one's page
    assert client.post(_url(portfolio), {"payload": payload}).status_code == 400
    assert _counts() == before
    # Once the hour is past, the preview has expired for its own author too.
    client.force_login(author)
    monkeypatch.setattr("municipalities.admin.IMPORT_MAX_AGE", -1)
    assert client.post(_url(portfolio), {"payload": payload}).status_code == 400
    assert _counts() == before


def test_an_upload_over_the_limit_is_refused_and_the_form_says_so(client, monkeypatch):
    monkeypatch.setattr("municipalities.forms.IMPORT_MAX_BYTES", 100)
    portfolio = PortfolioFactory()
    client.force_login(ProgrammeLeaderFactory())
    response = _upload(client, portfolio, xlsx(*SALTEN))
    assert response.context["form"].errors == {"file": ["Filen er for stor: høyst 0 MB."]}


def test_the_portfolio_page_links_to_the_import(client):
    portfolio = PortfolioFactory()
    client.force_login(ProgrammeLeaderFactory())
    response = client.get(reverse("admin:portfolios_portfolio_change", args=[portfolio.pk]))
    assert _url(portfolio) in response.content.decode()


@pytest.mark.parametrize("size", [5, 100])
def test_the_preview_asks_a_fixed_number_of_queries_whatever_the_rows(client, django_assert_num_queries, size):
    portfolio = PortfolioFactory()
    MunicipalityGroupFactory(portfolio=portfolio, municipalities=[municipality("1804")])
    numbers = [m.number for m in municipalities_except("1804")[:size]]
    for n in numbers[: size // 2]:
        UserFactory(email=f"p{n}@example.org")
    content = xlsx(*[["", n, "leder", f"Person {n}", f"p{n}@example.org", ""] for n in numbers])
    client.force_login(ProgrammeLeaderFactory())
    # The session, the user, their authenticator app (the admin's second factor), their own and their
    # staff role's permissions, the portfolio with its programme, every municipality, the people by address,
    # the portfolio's groups, their municipalities and their memberships.
    with django_assert_num_queries(11):
        response = _upload(client, portfolio, content)
    assert response.context["plan"].errors == []
    assert len(response.context["plan"].members) == size


def municipalities_except(number):
    return list(Municipality.objects.exclude(number=number).order_by("number"))


# --- The import's writes, in bulk ------------------------------------------------------------------------


def _member_rows(numbers):
    """Two rows per municipality, each municipality a group of its own: a leader and a resource teacher."""
    values = []
    for n in numbers:
        values.append(["", n, "leder", f"Leder {n}", f"leder{n}@example.org", ""])
        values.append(["", n, "ressurslærer", f"Lærer {n}", f"laerer{n}@example.org", ""])
    return rows(*values)


@pytest.mark.parametrize("size", [5, 100])
@pytest.mark.parametrize("with_known_people", [False, True], ids=["all-new", "half-known"])
def test_the_import_writes_in_a_fixed_number_of_queries_whatever_the_rows(
    django_assert_num_queries, size, with_known_people
):
    portfolio = PortfolioFactory()
    # A group of the portfolio already, so that the plan reads the groups' municipalities and memberships.
    MunicipalityGroupFactory(portfolio=portfolio, municipalities=[municipality("1804")])
    numbers = [m.number for m in municipalities_except("1804")[: size // 2 + 1]]
    if with_known_people:
        # Every second leader has an account with a password: told that they were added, not invited.
        for n in numbers[::2]:
            UserFactory(email=f"leder{n}@example.org", full_name=f"Leder {n}")
    parsed = _member_rows(numbers)[:size]
    leader = ProgrammeLeaderFactory()
    # The import's savepoint; the portfolio locked; the plan's reads: every municipality, the people by
    # address, the portfolio's groups, their municipalities and their memberships; the new users; the new
    # groups, their municipalities, and both read back; the memberships; their audit events; the
    # invitations' savepoint, the older invitations ended, the invitations, their e-mails, their audit
    # events, the savepoint released; the e-mails to those told (only when someone has an account); the
    # import's audit event; the savepoint released.
    with django_assert_num_queries(23 if with_known_people else 22):
        plan = groups_import(portfolio=portfolio, rows=parsed, imported_by=leader, request=None)
    assert len(plan.members) == size
    assert bool(plan.told_people) == with_known_people
    assert Membership.objects.filter(group__portfolio=portfolio).count() == size
    assert Email.objects.count() == size


def test_the_bulk_import_invites_and_tells_exactly_the_right_people():
    portfolio = PortfolioFactory()
    leader = ProgrammeLeaderFactory()
    bodo = MunicipalityGroupFactory(portfolio=portfolio, municipalities=[municipality("1804")])
    present = MembershipFactory(group=bodo, role=Role.LEADER).user
    known = UserFactory(email="kjent@example.org", full_name="Kjent Person")
    # Invited once before and never answered: the import's invitation replaces the old link.
    waiting = User.objects.create_user(email="venter@example.org", full_name="Venter Lenge")
    invitation_send(user=waiting, invited_by=leader)
    old_link = Invitation.objects.get(user=waiting)
    Email.objects.all().delete()
    parsed = rows(
        ["", "Bodø", "ressurslærer", "Kjent Person", "kjent@example.org", ""],
        ["", "Bodø", "leder", present.full_name, present.email, ""],
        ["Salten", "Saltdal", "leder", "Ny Person", "ny@example.org", "91234567"],
        ["Salten", "Fauske", "administrativ", "Kjent Person", "kjent@example.org", ""],
        ["Salten", "Fauske", "ressurslærer", "Venter Lenge", "venter@example.org", ""],
        ["", "Kautokeino", "Politisk", "Ny Person", "ny@example.org", "00000000"],
    )
    last_event = AuditEvent.objects.order_by("pk").last().pk

    plan = groups_import(portfolio=portfolio, rows=parsed, imported_by=leader, request=None)

    assert plan.skipped == [f"Rad 3: {present} er allerede med i Bodø."]
    new = User.objects.get(email="ny@example.org")
    assert (new.full_name, new.phone, new.has_usable_password()) == ("Ny Person", "91234567", False)
    salten = MunicipalityGroup.objects.get(portfolio=portfolio, name="Salten")
    kautokeino = MunicipalityGroup.objects.get(portfolio=portfolio, municipalities=municipality("5612"))
    assert sorted(m.number for m in salten.municipalities.all()) == ["1840", "1841"]
    assert sorted((ms.group.display_name, ms.user.email, ms.role) for ms in Membership.objects.all()) == sorted(
        [
            ("Bodø", present.email, Role.LEADER),
            ("Bodø", "kjent@example.org", Role.RESOURCE_TEACHER),
            ("Salten", "ny@example.org", Role.LEADER),
            ("Salten", "kjent@example.org", Role.OWNER_ADMINISTRATIVE),
            ("Salten", "venter@example.org", Role.RESOURCE_TEACHER),
            ("Guovdageaidnu", "ny@example.org", Role.OWNER_POLITICAL),
        ]
    )
    # One invitation each for the new person (in two groups) and the one still waiting; the known person is
    # told once per group they were added to; the one already present is told nothing.
    programme = portfolio.programme.name
    assert sorted((e.to, e.template, e.subject.startswith("Invitasjon")) for e in Email.objects.all()) == [
        ("kjent@example.org", "municipalities/email/member_added", False),
        ("kjent@example.org", "municipalities/email/member_added", False),
        ("ny@example.org", "accounts/email/invitation", True),
        ("venter@example.org", "accounts/email/invitation", True),
    ]
    assert sorted(Email.objects.filter(to=known.email).values_list("subject", flat=True)) == [
        f"Du er lagt til i Bodø ({programme})",
        f"Du er lagt til i Salten ({programme})",
    ]
    told_bodo = Email.objects.get(to="kjent@example.org", subject__contains="Bodø")
    assert bodo.get_absolute_url() in told_bodo.body
    assert "ressurslærer" in told_bodo.body
    # Each invitation's link works, for its own person, and the older link no longer does.
    for person in (new, waiting):
        body = Email.objects.get(to=person.email).body
        token = re.search(r"/invitasjon/([^/\s]+)/", body).group(1)
        assert invitation_get_usable(token).user == person
    assert not Invitation.objects.usable().filter(pk=old_link.pk).exists()
    actions = sorted(AuditEvent.objects.filter(pk__gt=last_event).values_list("action", flat=True))
    assert actions == ["invitation.queued"] * 2 + ["membership.added"] * 5 + ["membership.imported"]
    added = AuditEvent.objects.filter(action="membership.added", group_id=kautokeino.pk).get()
    assert (added.actor, added.object_repr, added.payload) == (
        leader,
        "Guovdageaidnu",
        {"user_id": new.pk, "role": Role.OWNER_POLITICAL},
    )


def test_an_unknown_portfolio_is_a_404_and_an_adviser_gets_the_same(client):
    portfolio = PortfolioFactory()
    client.force_login(ProgrammeLeaderFactory())
    unknown = reverse("admin:municipalities_municipalitygroup_import", kwargs={"portfolio_pk": portfolio.pk + 1000})
    assert client.get(unknown).status_code == 404
    client.force_login(AdviserFactory())
    assert client.get(_url(portfolio)).status_code == 404
    assert client.post(_url(portfolio), {"file": SimpleUploadedFile("a.csv", csv_bytes(*SALTEN))}).status_code == 404
    assert MunicipalityGroup.objects.count() == 0


def _truncated_sheet(content):
    """The workbook `content` with its first sheet's XML cut off half-way, as a broken download leaves it."""
    source, out = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for info in source.infolist():
            data = source.read(info)
            archive.writestr(info, data[: len(data) // 2] if info.filename == "xl/worksheets/sheet1.xml" else data)
    return out.getvalue()


def test_a_broken_sheet_or_an_unclosed_quote_is_refused_in_norwegian_not_with_a_server_error():
    with pytest.raises(ImportFileError, match="Excel-filen kunne ikke leses"):
        read_rows(_truncated_sheet(xlsx(["", "Bodø", "leder", "Ola", "ola@example.org", ""])))
    unclosed = csv_bytes(["", "Bodø", "leder", '"Ola', "ola@example.org", ""]) + b"x" * 140_000
    with pytest.raises(ImportFileError, match="anførselstegn"):
        read_rows(unclosed)


def test_people_below_blank_rows_are_counted_not_left_out(monkeypatch):
    monkeypatch.setattr("municipalities.imports.IMPORT_MAX_ROWS", 3)
    person = ["", "Bodø", "leder", "Ola", "ola@example.org", ""]
    blank = [""] * 6
    # Two people with ten blank rows between them: both read, whatever the row limit.
    assert [r.number for r in read_rows(xlsx(person, *[blank] * 10, person))] == [2, 13]
    with pytest.raises(ImportFileError, match="mer enn 3 rader"):
        read_rows(xlsx(*[person] * 2, *[blank] * 10, *[person] * 2))


def test_the_preview_judges_an_existing_group_by_its_current_members_only():
    group = MunicipalityGroupFactory(municipalities=[municipality("1804")])
    for role in (Role.OWNER_POLITICAL, Role.RESOURCE_TEACHER):
        MembershipFactory(group=group, role=role, municipality=municipality("1804"))
    MembershipFactory(
        group=group,
        role=Role.LEADER,
        municipality=municipality("1804"),
        started_on=date(2020, 1, 1),
        ended_on=date(2021, 1, 1),
    )
    plan = import_plan(portfolio=group.portfolio, rows=rows(["", "Bodø", "annen", "Kari", "kari@example.org", ""]))
    assert plan.warnings == ["Bodø: Mangler kulturskoleleder."]
