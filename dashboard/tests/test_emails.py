"""Every kind of e-mail the portal sends, rendered with what its service passes: text and HTML with the
same words, one sign-off, and times as «kl. 10.00». A kind without a context here fails the first test, so
a new e-mail cannot skip these checks."""

import re
from datetime import datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import AdviserFactory, ProgrammeLeaderFactory, UserFactory
from applications.selectors import get_application_by_token
from applications.services import receipt_context
from applications.tests.factories import CallFactory, SubmittedApplicationFactory, complete_veiledning_contacts
from contracts.tests.factories import ContractFactory
from core.mail import build_mail, sign_off, site_url
from development_plans.tests.factories import DevelopmentPlanFactory
from meetings.models import Meeting, Registration
from meetings.tests.factories import MeetingFactory
from municipalities.models import Role
from municipalities.tests.factories import MembershipFactory
from surveys.tests.factories import SurveyFactory

pytestmark = pytest.mark.django_db

OSLO = ZoneInfo("Europe/Oslo")
TEN_O_CLOCK = datetime(2027, 3, 4, 10, 0, tzinfo=OSLO)  # a Thursday, in winter time
COLON_TIME = re.compile(r"(?<![\d:])\d{1,2}:\d{2}(?![\d:])")
TEMPLATES = Path(settings.BASE_DIR) / "templates"


def _kinds_on_disk() -> set[str]:
    return {
        str(path.relative_to(TEMPLATES).with_suffix(""))
        for path in TEMPLATES.glob("*/email/*.txt")
        if not path.name.endswith("_subject.txt") and path.parent.parent.name != "core"
    }


def _contexts() -> dict[str, dict[str, object]]:
    """Each kind's context, as its service builds it (see the services' mail calls)."""
    user = UserFactory(full_name="Ánne Máret Sara & Co", email="anne@example.org")
    staff = ProgrammeLeaderFactory(full_name="Kåre Ødegård")
    link = site_url("/lenke/1/?a=1&b=2")
    membership = MembershipFactory(user=user, role=Role.LEADER)
    group, portfolio = membership.group, membership.group.portfolio
    contract = ContractFactory(group=group)
    plan = DevelopmentPlanFactory(group=group)
    meeting = MeetingFactory(group=group, starts_at=TEN_O_CLOCK, ends_at=TEN_O_CLOCK + timedelta(hours=2))
    meeting.place, meeting.agenda, meeting.cancelled_reason = "Rådhuset", "1. Status\n2. Veien videre", "Sykdom"
    gathering = MeetingFactory(
        group=None, portfolio=portfolio, kind=Meeting.Kind.GATHERING, title="Dialogkonferanse", starts_at=TEN_O_CLOCK
    )
    survey = SurveyFactory(portfolio=portfolio, opens_at=TEN_O_CLOCK, closes_at=TEN_O_CLOCK + timedelta(days=14))
    call = CallFactory(portfolio=portfolio, closes_at=TEN_O_CLOCK + timedelta(days=30))
    application = SubmittedApplicationFactory(call=call, applicant_name=user.full_name, submitted_at=TEN_O_CLOCK)
    complete_veiledning_contacts(application)
    application = get_application_by_token(application.token)
    meeting_context = {
        "meeting": meeting,
        "recipient": user,
        "days": 2,
        "url": link,
        "note_url": link,
        "plan_url": site_url(reverse("meetings:group_meetings", kwargs={"group_pk": group.pk})),
    }
    contract_context = {
        "contract": contract,
        "user": user,
        "link": link,
        "pdf_link": link,
        "portfolio": portfolio,
        "days_ago": 14,
    }
    plan_context = {"plan": plan, "group": group, "user": user, "actor": staff, "link": link}
    survey_context = {"survey": survey, "recipient": user, "url": link, "started": True, "now": timezone.now()}
    return {
        "accounts/email/email_changed": {"user": user, "changed_by": staff, "old_email": "gammel@example.org"},
        "accounts/email/invitation": {"user": user, "invited_by": staff, "link": link, "expires_at": TEN_O_CLOCK},
        "accounts/email/password_changed": {"user": user},
        "accounts/email/password_reset": {
            "user": user,
            "protocol": "https",
            "domain": "veiledning.example.org",
            "uid": "MQ",
            "token": "abc-123",
        },
        "accounts/email/password_reset_by_staff": {"user": user, "sent_by": staff, "link": link},
        "accounts/email/second_factor_reset": {"user": user, "reset_by": staff},
        "accounts/email/second_factor_set_up": {"user": user},
        "contracts/email/completed": contract_context,
        "contracts/email/countersign": contract_context,
        "contracts/email/reminder": contract_context,
        "contracts/email/sent": contract_context,
        "development_plans/email/approved": plan_context,
        "development_plans/email/awaiting_approval": plan_context,
        "development_plans/email/shared": plan_context,
        "meetings/email/before_meeting": meeting_context,
        "meetings/email/cancelled": meeting_context,
        "meetings/email/changed": meeting_context,
        "meetings/email/note_missing": meeting_context,
        "meetings/email/note_published": meeting_context,
        "meetings/email/registration_confirmed": {
            **meeting_context,
            "meeting": gathering,
            "registration": Registration(meeting=gathering, membership=membership, needs="Glutenfri & laktosefri"),
            "registered_by": staff,
        },
        "municipalities/email/member_added": {
            "user": user,
            "group": group,
            "portfolio": portfolio,
            "role": membership.get_role_display(),
            "invited_by": AdviserFactory(),
            "link": link,
        },
        # The review of applications (issue 15): a decision's letter, as the leader wrote it, and a share.
        "applications/email/decision": {
            "subject": "Bodø er tatt opp i Veiledningsordningen",
            "letter": f"Hei {user.full_name},\n\nVi har gleden av å fortelle at søknaden er innvilget.\n\nLes mer: "
            + link,
            "application": None,
        },
        "applications/email/shared": {
            "adviser": user,
            "shared_by": staff,
            "application": "Søknad fra Bodø",
            "call": {"title": "Søk om plass i Portefølje 7"},
            "link": link,
        },
        "surveys/email/invitation": survey_context,
        "surveys/email/reminder": survey_context,
        "applications/email/link": {"call": call, "application": application, "again": False, "link": link},
        "applications/email/link#again": {"call": call, "application": application, "again": True, "link": link},
        "applications/email/receipt": {**receipt_context(application), "with_pdf": True},
        # Not a kind of its own: the cancellation of a common gathering, which has no group's meeting plan.
        "meetings/email/cancelled#gathering": {**meeting_context, "meeting": gathering, "plan_url": ""},
    }


class _Document(HTMLParser):
    """What a mail reader's parser sees: the start tags, the text, and whether every tag was closed."""

    VOID = {"meta", "br"}

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.open: list[str] = []
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open.pop() == tag, f"</{tag}> closes nothing open"

    def handle_data(self, data: str) -> None:
        self.text += data


def _mails() -> dict[str, object]:
    return {
        kind: build_mail(to="anne@example.org", template=kind.split("#")[0], context=context)
        for kind, context in _contexts().items()
    }


def test_every_kind_of_email_is_checked_here():
    assert {kind.split("#")[0] for kind in _contexts()} == _kinds_on_disk()


def test_every_email_has_an_html_part_with_the_same_words_and_one_sign_off():
    ending = sign_off()
    assert ending == "Vennlig hilsen\nNorsk kulturskoleråd\n\nSpørsmål? Skriv til veiledning@kulturskoleradet.no"
    for kind, email in _mails().items():
        assert email.body.endswith(f"\n\n{ending}\n"), kind
        assert email.body.count("Vennlig hilsen") == 1 and "Hilsen" not in email.body, kind
        assert email.body.count("Norsk kulturskoleråd\n\nSpørsmål?") == 1, kind
        assert "&amp;" not in email.body and "Sara & Co" in email.body, kind
        document = _Document()
        document.feed(email.html)
        document.close()
        assert document.open == [], kind
        assert ("html", {"lang": "nb"}) in document.tags, kind
        assert "<title>" in email.html and email.subject in document.text, kind
        assert {tag for tag, _ in document.tags} <= {
            "html",
            "head",
            "meta",
            "title",
            "body",
            "div",
            "main",
            "footer",
            "p",
            "br",
            "a",
        }, kind
        # The same words as the text, after the title.
        words = document.text.split(maxsplit=len(email.subject.split()))[-1]
        assert " ".join(words.split()) == " ".join(email.body.split()), kind
        links = [attrs["href"] for tag, attrs in document.tags if tag == "a"]
        assert all(href.startswith("http") and href in email.body for href in links), kind


def test_no_email_shows_a_time_with_a_colon():
    for kind, email in _mails().items():
        assert not COLON_TIME.search(email.subject + "\n" + email.body), (kind, COLON_TIME.findall(email.body))


def test_a_meeting_at_ten_oslo_time_reads_kl_10_00_everywhere_it_is_shown():
    mails = _mails()
    assert "torsdag 04.03.2027 kl. 10.00–12.00" in mails["meetings/email/before_meeting"].body
    assert mails["meetings/email/before_meeting"].subject.endswith("04.03.2027 kl. 10.00")
    assert mails["meetings/email/changed"].subject.endswith("er nå 04.03.2027 kl. 10.00")
    assert "torsdag 04.03.2027 kl. 10.00 er avlyst" in mails["meetings/email/cancelled"].body
    assert "virker til 04.03.2027 kl. 10.00." in mails["accounts/email/invitation"].body
    assert "Undersøkelsen åpner 04.03.2027 kl. 10.00;" in mails["surveys/email/invitation"].body


def test_a_cancellation_links_to_the_meeting_plan_and_a_gatherings_to_the_gathering():
    mails = _mails()
    group_mail, gathering_mail = mails["meetings/email/cancelled"], mails["meetings/email/cancelled#gathering"]
    assert re.search(r"Se møteplanen: https?://\S+/moter/gruppe/\d+/\n", group_mail.body)
    assert "Se møtet: " in gathering_mail.body and "møteplanen" not in gathering_mail.body
