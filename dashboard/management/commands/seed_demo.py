"""Loads the demo: both programmes from their foundation documents, a current portfolio, staff and
municipality groups. Safe to run again: what exists is left as it is.

The data lies in dashboard/demo_data/ (see its README for the sources)."""

import json
import re
from base64 import b32decode
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.roles import ADVISER, PROGRAMME_LEADER
from applications import demo as applications_demo
from contracts.demo import seed_demo_contracts
from development_plans.demo import create_demo_plans
from development_plans.models import Measure
from meetings import demo as meetings_demo
from meetings.models import MeetingNote
from municipalities import demo as municipalities_demo
from municipalities.models import GroupDocument, Membership, Municipality, MunicipalityGroup, Role
from portfolios.models import FoundationSection, PlanItem, Portfolio, Programme
from portfolios.services import portfolio_copy, portfolio_copy_suggestions
from surveys import demo as surveys_demo

DATA = Path(__file__).resolve().parents[2] / "demo_data"
# Printed for anyone trying the demo; never used outside seed_demo.
DEMO_PASSWORD = "veiledning-demo"  # noqa: S105
# Staff log in with a one-time code after the password. The demo's staff share this published key, printed with
# the logins, so that anyone trying the demo adds it to an authenticator app once (or runs `manage.py demo_code`).
# It is as public as the demo password: only the demo users made here have it, and every real staff member's app
# gets a random key of its own at their first login (accounts.services.totp_setup_device).
DEMO_TOTP_SECRET = "VEILEDNINGDEMOKODEVEILEDNINGDEMO"  # noqa: S105 - base32, 20 bytes
DEMO_TOTP_DEVICE_NAME = "Demo"

STAFF: list[tuple[str, str, str, str]] = [
    ("programleder@example.org", "Siri Aasland Øvrebø", "900 10 001", PROGRAMME_LEADER),
    ("veileder.ingrid@example.org", "Ingrid Solbakken", "900 10 002", ADVISER),
    ("veileder.anne@example.org", "Ánne Márjá Eira", "900 10 003", ADVISER),
]

# (group name, municipality numbers, adviser e-mail, status, members as (e-mail, name, role, municipality number))
MemberSpec = tuple[str, str, Role, str]
GroupSpec = tuple[str, list[str], str, MunicipalityGroup.Status, list[MemberSpec]]

CURRENT_GROUPS: list[GroupSpec] = [
    (
        "Bodø",
        ["1804"],
        "veileder.ingrid@example.org",
        MunicipalityGroup.Status.ACTIVE,
        [
            ("eier.bodo@example.org", "Tor Arne Hansen", Role.OWNER_POLITICAL, "1804"),
            ("kommunalsjef.bodo@example.org", "Marit Kristiansen", Role.OWNER_ADMINISTRATIVE, "1804"),
            ("leder.bodo@example.org", "Lena Bakken Ødegård", Role.LEADER, "1804"),
            ("laerer.bodo@example.org", "Jørgen Å. Nilsen", Role.RESOURCE_TEACHER, "1804"),
        ],
    ),
    (
        "Fauske og Saltdal",
        ["1841", "1840"],
        "veileder.ingrid@example.org",
        MunicipalityGroup.Status.ACTIVE,
        [
            ("eier.fauske@example.org", "Hilde Strøm", Role.OWNER_ADMINISTRATIVE, "1841"),
            ("eier.saltdal@example.org", "Kåre Lyngmo", Role.OWNER_ADMINISTRATIVE, "1840"),
            ("leder.fauske@example.org", "Bjørn Æsøy", Role.LEADER, "1841"),
            ("leder.saltdal@example.org", "Sølvi Rønning", Role.LEADER, "1840"),
            ("laerer.fauske@example.org", "Eirin Skjærvø", Role.RESOURCE_TEACHER, "1841"),
        ],
    ),
    (
        "Guovdageaidnu",
        ["5612"],
        "veileder.anne@example.org",
        MunicipalityGroup.Status.ACTIVE,
        [
            ("eier.guovdageaidnu@example.org", "Ánte Mikkel Gaup", Role.OWNER_POLITICAL, "5612"),
            ("leder.guovdageaidnu@example.org", "Sárá Marja Hætta", Role.LEADER, "5612"),
            ("laerer.guovdageaidnu@example.org", "Niillas Somby Eira", Role.RESOURCE_TEACHER, "5612"),
        ],
    ),
    (
        "Tromsø",
        ["5501"],
        "veileder.anne@example.org",
        MunicipalityGroup.Status.ADMITTED,
        [
            ("leder.tromso@example.org", "Ørjan Kvalvik", Role.LEADER, "5501"),
        ],
    ),
]

PAST_VEILEDNING_GROUPS: list[GroupSpec] = [
    (
        "Lillehammer",
        ["3405"],
        "veileder.ingrid@example.org",
        MunicipalityGroup.Status.COMPLETED,
        [
            ("eier.lillehammer@example.org", "Gunnhild Bråten", Role.OWNER_ADMINISTRATIVE, "3405"),
            ("leder.lillehammer@example.org", "Håkon Løkken", Role.LEADER, "3405"),
            ("laerer.lillehammer@example.org", "Åse Rudstad", Role.RESOURCE_TEACHER, "3405"),
        ],
    ),
    (
        "Kárášjohka",
        ["5610"],
        "veileder.anne@example.org",
        MunicipalityGroup.Status.COMPLETED,
        [
            ("eier.karasjohka@example.org", "Máret Inga Utsi", Role.OWNER_POLITICAL, "5610"),
            ("leder.karasjohka@example.org", "Jovnna Ánte Balto", Role.LEADER, "5610"),
            ("laerer.karasjohka@example.org", "Elle Sofie Turi", Role.RESOURCE_TEACHER, "5610"),
        ],
    ),
]

FREMTIDENS_GROUPS: list[GroupSpec] = [
    (
        "Snåase",
        ["5041"],
        "veileder.anne@example.org",
        MunicipalityGroup.Status.COMPLETED,
        [
            ("direktor.snaase@example.org", "Per Gunnar Åsli", Role.MUNICIPAL_DIRECTOR, "5041"),
            ("leder.snaase@example.org", "Kristin Jåma", Role.LEADER, "5041"),
            ("koordinator.snaase@example.org", "Ellen Bientie", Role.COORDINATOR, "5041"),
            ("oppvekst.snaase@example.org", "Ola Græsli", Role.OTHER, "5041"),
        ],
    ),
    (
        "Steinkjer",
        ["5006"],
        "veileder.ingrid@example.org",
        MunicipalityGroup.Status.COMPLETED,
        [
            ("direktor.steinkjer@example.org", "Anne Berit Østgård", Role.MUNICIPAL_DIRECTOR, "5006"),
            ("leder.steinkjer@example.org", "Frode Ølstad", Role.LEADER, "5006"),
            ("koordinator.steinkjer@example.org", "Tone Sæther", Role.COORDINATOR, "5006"),
            ("helse.steinkjer@example.org", "Marius Brøndbo", Role.OTHER, "5006"),
            ("kultur.steinkjer@example.org", "Ingvild Hårstad", Role.OTHER, "5006"),
        ],
    ),
]


def _link_demo_documents(portfolio: Portfolio) -> None:
    """The knowledge base each group shared is named in its latest published meeting note and in the first
    measure of its plan, so that the demo shows the links (meetings and development_plans link to
    municipalities' documents; this page of the demo is the one that knows all three)."""
    for document in GroupDocument.objects.filter(
        group__portfolio=portfolio, title="Kunnskapsgrunnlag for kulturskolen"
    ).order_by("pk"):
        note = (
            MeetingNote.objects.filter(meeting__group=document.group_id, status=MeetingNote.Status.PUBLISHED)
            .order_by("-meeting__starts_at")
            .first()
        )
        if note is not None:
            note.documents.add(document)
        measure = (
            Measure.objects.filter(goal__plan__group=document.group_id).order_by("goal__order", "order", "pk").first()
        )
        if measure is not None:
            measure.documents.add(document)


def _row_year(row: Mapping[str, Any], previous_year: int) -> int:
    """The year a plan row's ISO weeks belong to, read from its dates or its «Når» wording."""
    if row.get("dates"):
        return int(row["dates"][0][:4])
    when = row.get("when") or ""
    if match := re.search(r"\b(20\d\d)\b", when):
        return int(match.group(1))
    # «Oktober 24», «Juni eller august 25»: a month word followed by a two-digit year.
    if match := re.search(r"^[^\d]+\s(\d\d)\b", when):
        return 2000 + int(match.group(1))
    return previous_year


def _plan_items(portfolio: Portfolio, rows: Iterable[Mapping[str, Any]], first_year: int) -> None:
    items, year = [], first_year
    for order, row in enumerate(rows, start=1):
        year = _row_year(row, year)
        weeks = row.get("weeks") or []
        row_dates = [date.fromisoformat(d) for d in row.get("dates") or []]
        items.append(
            PlanItem(
                portfolio=portfolio,
                order=order,
                number=row.get("number") or "",
                title=row["title"],
                kind=row["kind"],
                audience=PlanItem.Audience.COORDINATORS
                if row.get("audience") == "coordinators"
                else PlanItem.Audience.ALL,
                format=row.get("format") or "",
                when_text=row.get("when") or "",
                starts_on=row_dates[0] if row_dates else None,
                ends_on=row_dates[-1] if row_dates else None,
                week_from=date.fromisocalendar(year, weeks[0], 1) if weeks else None,
                week_to=date.fromisocalendar(year, weeks[-1], 1) if weeks else None,
                weeks_text=row.get("weeks_text") or "",
                notes="\n".join(row.get("notes") or []),
            )
        )
    PlanItem.objects.bulk_create(items)


class Command(BaseCommand):
    help = "Laster demodata: begge programmene, en pågående portefølje, ansatte og kommunegrupper."

    def handle(self, *args: Any, **options: Any) -> None:
        self._hash: str | None = None
        data = json.loads((DATA / "programmes.json").read_text(encoding="utf-8"))
        sections = json.loads((DATA / "foundation_sections.json").read_text(encoding="utf-8"))
        with transaction.atomic():
            users = self._staff()
            advisers = [u for u in users.values() if u.is_adviser]
            portfolios = {}
            for entry in data["programmes"]:
                portfolios[entry["key"]] = self._programme_portfolio(entry, sections[entry["key"]], advisers)
            current = self._current_portfolio(portfolios["veiledning"], users["programleder@example.org"])
            self._groups(current, CURRENT_GROUPS, users)
            self._groups(portfolios["veiledning"], PAST_VEILEDNING_GROUPS, users)
            self._groups(portfolios["fremtidens_kulturskole"], FREMTIDENS_GROUPS, users)
            municipalities_demo.seed_history(
                current=MunicipalityGroup.objects.filter(portfolio=current, name="Bodø").first(),
                leader=users["programleder@example.org"],
            )
            meetings_demo.seed(portfolio=current, leader=users["programleder@example.org"])
            seed_demo_contracts(data, current, users["programleder@example.org"])
            create_demo_plans(portfolio=current, users=users)
            surveys_demo.seed(leader=users["programleder@example.org"])
            municipalities_demo.seed_documents(portfolio=current)
            _link_demo_documents(current)
            applications_demo.seed(portfolio=current, leader=users["programleder@example.org"])
        self._print_logins(users)

    def _user(self, email: str, full_name: str, phone: str = "") -> User:
        # get_or_create calls a callable default only when it creates the row.
        user, _ = User.objects.get_or_create(
            email=email, defaults={"full_name": full_name, "phone": phone, "password": self._password_hash}
        )
        return user

    def _password_hash(self) -> str:
        """The demo password hashed once per run, and only if a user is created: with the production hasher
        a hash takes a good part of a second (on purpose), and every demo user has the same password, so
        31 hashes spent most of the command's time on the same work. Sharing one salt is acceptable for
        demo users whose password is printed anyway."""
        if self._hash is None:
            self._hash = make_password(DEMO_PASSWORD)
        return self._hash

    def _staff(self) -> dict[str, User]:
        users = {}
        for email, name, phone, role in STAFF:
            user = self._user(email, name, phone)
            if not user.is_staff:
                user.is_staff = True
                user.save(update_fields=["is_staff"])
            user.groups.add(Group.objects.get(name=role))
            # The demo app, unless they have set up one of their own since.
            if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
                TOTPDevice.objects.create(
                    user=user, name=DEMO_TOTP_DEVICE_NAME, key=b32decode(DEMO_TOTP_SECRET).hex(), confirmed=True
                )
            users[email] = User.objects.get(pk=user.pk)  # fresh, so the role cache is empty
        return users

    def _programme_portfolio(
        self, entry: Mapping[str, Any], sections: Sequence[Mapping[str, Any]], advisers: Sequence[User]
    ) -> Portfolio:
        p = entry["portfolio"]
        contract = p["contract"]
        is_veiledning = entry["key"] == "veiledning"
        programme, _ = Programme.objects.get_or_create(
            key=entry["key"],
            defaults={
                "name": entry["name"],
                "long_name": entry["long_name"],
                "group_rule": Programme.GroupRule.VEILEDNING
                if is_veiledning
                else Programme.GroupRule.FREMTIDENS_KULTURSKOLE,
                "participation_fee": p["fee_nok"],
                "fee_instalments": 1 if is_veiledning else 3,
                "fee_note": p["fee_note"],
                "contact_name": p["contact"]["name"],
                "contact_title": p["contact"]["title"],
                "contact_email": p["contact"]["email"],
                "contact_phone": p["contact"]["phone"],
                "signatory_name": contract["organisation_signatory"]["name"],
                "signatory_title": contract["organisation_signatory"]["title"],
            },
        )
        portfolio, created = Portfolio.objects.get_or_create(
            programme=programme,
            name=p["name"],
            defaults={
                "number": p["number"],
                "document_title": p["document_title"],
                "plan_title": p["plan_title"],
                "agreement_start": date.fromisoformat(p["agreement_period"]["start"]),
                "agreement_end": date.fromisoformat(p["agreement_period"]["end"]),
                "status": Portfolio.Status.COMPLETED,
            },
        )
        if created:
            portfolio.advisers.set(advisers)
            FoundationSection.objects.bulk_create(
                FoundationSection(portfolio=portfolio, order=i, heading=s["heading"], text=s["text"])
                for i, s in enumerate(sections, start=1)
            )
            _plan_items(portfolio, p["plan"], portfolio.agreement_start.year)
        return portfolio

    def _current_portfolio(self, source: Portfolio, leader: User) -> Portfolio:
        """A copy of `source` moved forward by whole years until it runs through today, as a programme leader
        would set up this year's cohort: the plan keeps its ISO weeks and weekdays, the agreement period its
        days and months, and the name and titles get the new years and number."""
        today = timezone.localdate()
        years = max(1, (today - timedelta(days=60)).year - source.agreement_start.year)
        assert source.number is not None  # the source is Veiledningsordningen's portfolio 4 (programmes.json)
        number = source.number + years
        existing = Portfolio.objects.filter(programme=source.programme, number=number).first()
        if existing:
            return existing
        details = portfolio_copy_suggestions(portfolio=source, years=years, number=number)
        portfolio = portfolio_copy(portfolio=source, **details, copied_by=leader).portfolio
        portfolio.status = Portfolio.Status.ACTIVE
        portfolio.save(update_fields=["status"])
        return portfolio

    def _groups(self, portfolio: Portfolio, specs: Iterable[GroupSpec], users: dict[str, User]) -> None:
        municipalities = Municipality.objects.in_bulk(field_name="number")
        for name, numbers, adviser_email, status, members in specs:
            group, created = MunicipalityGroup.objects.get_or_create(
                portfolio=portfolio, name=name, defaults={"adviser": users[adviser_email], "status": status}
            )
            if created:
                group.municipalities.set(municipalities[n] for n in numbers)
                Municipality.objects.filter(number__in=numbers).update(is_member=True)
            for email, full_name, role, number in members:
                user = users.get(email) or self._user(email, full_name, "")
                users[email] = user
                Membership.objects.get_or_create(
                    user=user, group=group, defaults={"role": role, "municipality": municipalities[number]}
                )

    def _print_logins(self, users: Mapping[str, User]) -> None:
        self.stdout.write(self.style.SUCCESS(f"Demodata er lastet. Innlogging (passord for alle: {DEMO_PASSWORD}):"))
        for email, user in users.items():
            if user.is_staff:
                role = "programleder" if user.is_programme_leader else "veileder"
            else:
                membership = user.memberships.select_related("group").first()
                role = f"{membership.get_role_display().lower()}, {membership.group}" if membership else "deltaker"
            self.stdout.write(f"  {email:<40} {user.full_name} ({role})")
        secret = " ".join(DEMO_TOTP_SECRET[i : i + 4] for i in range(0, len(DEMO_TOTP_SECRET), 4))
        self.stdout.write(
            "Programlederen og veilederne logger inn med passord og deretter en engangskode. Legg demonøkkelen\n"
            f"  {secret}\n"
            "inn i en autentiseringsapp (tidsbasert, 6 siffer, 30 sekunder), eller få gjeldende kode med\n"
            "  python manage.py demo_code\n"
            "Deltakerne logger inn med passordet alene."
        )
