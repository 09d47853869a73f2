"""Every security event is in the audit log, with the address it came from, and every event has its text."""

import ast
import re
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.audit_texts import ACTION_TEXTS, action_kind
from accounts.models import AuditEvent
from accounts.services import password_resets_send
from accounts.tests.factories import AdviserFactory, ProgrammeLeaderFactory, UserFactory
from core.testing.mail import deliver_outbox
from surveys.tests.factories import SurveyFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
APPS = ["core", "accounts", "portfolios", "municipalities", "meetings", "contracts", "development_plans", "surveys"]
APPS += ["applications", "dashboard", "veiledning"]


def _code_files():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "tests" not in path.parts and "migrations" not in path.parts:
                yield path


def _name(func: ast.expr) -> str:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _action_codes():
    """Every action code the code writes, read from the source: the `action=` literal of each audit_log call;
    where a function passes its own parameter on as the action (development_plans' `_log`), the literals its
    callers give it; and the refusals' codes, given to AccessRefused (whose default is «access.refused»)
    and written by the middleware as `exception.action`. Any other action fails the test, since its text
    could not be checked."""
    codes, unknown = {"access.refused"}, []
    for path in _code_files():
        tree = ast.parse(path.read_text())
        wrappers = {}  # function name -> (index, name) of the parameter it passes on as the action
        for func in ast.walk(tree):
            if isinstance(func, ast.FunctionDef):
                params = [a.arg for a in func.args.args]
                for call in ast.walk(func):
                    if isinstance(call, ast.Call) and _name(call.func) == "audit_log":
                        action = next((k.value for k in call.keywords if k.arg == "action"), None)
                        if isinstance(action, ast.Name) and action.id in params:
                            wrappers[func.name] = (params.index(action.id), action.id)
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call) or _name(call.func) not in {"audit_log", "AccessRefused", *wrappers}:
                continue
            name = _name(call.func)
            action = next((k.value for k in call.keywords if k.arg == "action"), None)
            if name in wrappers and action is None and len(call.args) > wrappers[name][0]:
                action = call.args[wrappers[name][0]]
            if isinstance(action, ast.Constant) and isinstance(action.value, str):
                codes.add(action.value)
            elif name == "AccessRefused" and action is None:
                continue  # the default, «access.refused»
            elif (
                name == "audit_log" and isinstance(action, ast.Name) and action.id in {n for _, n in wrappers.values()}
            ):
                continue  # inside a wrapper: its callers' literals count
            elif name == "audit_log" and ast.unparse(action) == "exception.action" and path.name == "middleware.py":
                continue  # AccessRefused's action: its literals count
            else:
                unknown.append(f"{path.relative_to(ROOT)}:{call.lineno}")
    return codes, unknown


def test_every_action_code_the_code_writes_has_a_norwegian_text_and_a_kind():
    codes, unknown = _action_codes()
    assert unknown == []
    assert {"auth.login", "contract.signed", "development_plan.goal_added", "survey.link_unknown"} <= codes
    assert sorted(codes - ACTION_TEXTS.keys()) == []
    assert sorted(code for code in ACTION_TEXTS if action_kind(code) is None) == []


def test_a_password_reset_request_the_mail_and_the_new_password_are_logged_with_the_address(client):
    user = UserFactory(email="glemsk@example.org")
    client.post(reverse("accounts:password_reset"), {"email": "Glemsk@example.org"}, REMOTE_ADDR="10.9.8.7")
    requested = AuditEvent.objects.get(action="auth.password_reset_requested")
    assert (requested.ip_address, requested.payload) == ("10.9.8.7", {"email": "glemsk@example.org"})
    password_resets_send()
    assert AuditEvent.objects.get(action="auth.password_reset_mail_queued").object_id == str(user.pk)
    path = re.search(r"/konto/passord/nytt/\S+/", deliver_outbox()[0].body).group(0)
    form = client.get(path, follow=True, REMOTE_ADDR="10.9.8.7")
    client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Nordlys-og-fjell", "new_password2": "Nordlys-og-fjell"},
        REMOTE_ADDR="10.9.8.7",
    )
    completed = AuditEvent.objects.get(action="auth.password_reset_completed")
    assert (completed.actor, completed.ip_address) == (user, "10.9.8.7")


def test_a_reset_link_that_does_not_work_is_logged_without_its_token(client):
    user = UserFactory()
    response = client.get(f"/konto/passord/nytt/{user.pk}/feil-token/", REMOTE_ADDR="10.9.8.7")
    assert "feil-token" not in str(AuditEvent.objects.get(action="auth.password_reset_link_invalid").payload)
    assert response.status_code == 200


def test_an_unknown_address_asking_for_a_reset_gets_no_mail_but_is_logged(client):
    client.post(reverse("accounts:password_reset"), {"email": "ingen@example.org"})
    assert password_resets_send() == 0
    assert deliver_outbox() == []
    assert AuditEvent.objects.filter(action="auth.password_reset_requested", payload__email="ingen@example.org")


def test_an_admin_403_is_logged_with_who_and_from_where(client):
    adviser = AdviserFactory()
    client.force_login(adviser)
    response = client.get(reverse("admin:accounts_user_changelist"), REMOTE_ADDR="10.4.4.4")
    assert response.status_code == 403
    assert "Ingen tilgang" in response.content.decode()
    event = AuditEvent.objects.get(action="access.forbidden")
    assert (event.actor, event.ip_address, event.payload["path"]) == (adviser, "10.4.4.4", "/admin/accounts/user/")


def test_a_form_without_a_valid_csrf_token_is_refused_in_norwegian_and_logged():
    user = UserFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post(reverse("accounts:logout"), REMOTE_ADDR="10.5.5.5")
    assert response.status_code == 403
    assert "Skjemaet ble ikke sendt" in response.content.decode()
    event = AuditEvent.objects.get(action="security.csrf_failed")
    assert (event.actor, event.ip_address, event.payload["path"]) == (user, "10.5.5.5", "/konto/logg-ut/")


def test_an_unknown_survey_link_is_logged_without_the_token(client):
    response = client.get("/sporreundersokelse/svar/gjettet-lenke-123/", REMOTE_ADDR="10.6.6.6")
    assert response.status_code == 404
    event = AuditEvent.objects.get(action="survey.link_unknown")
    assert event.ip_address == "10.6.6.6"
    assert "gjettet-lenke-123" not in str(event.payload)
    assert event.payload["path"] == "/sporreundersokelse/svar/…/"


@pytest.mark.parametrize(
    ("url", "object_type"),
    [
        ("/moter/oppgaver/987654/", "meetings.task"),
        ("/sporreundersokelse/{survey}/koding/svar/987654/", "surveys.answer"),
        ("/sporreundersokelse/{survey}/koding/funn/987654/", "surveys.category"),
    ],
)
def test_a_missing_task_answer_or_category_id_is_a_logged_refusal(client, url, object_type):
    leader = ProgrammeLeaderFactory()
    client.force_login(leader)
    response = client.post(url.format(survey=SurveyFactory().pk), REMOTE_ADDR="10.7.7.7")
    assert response.status_code == 404
    event = AuditEvent.objects.get(action="access.refused")
    assert (event.payload["object_type"], event.payload["object_id"], event.ip_address) == (
        object_type,
        "987654",
        "10.7.7.7",
    )


def test_no_view_refuses_with_a_plain_404_that_the_log_would_miss():
    """Refusals go through accounts.access.AccessRefused, which the middleware logs; Django's own
    get_object_or_404 or a bare Http404 would answer the same 404 without a trace."""
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _code_files()
        if path != ROOT / "accounts/access.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"get_object_or_404|get_list_or_404|raise Http404", line)
    ]
    assert offenders == []


def test_no_reset_mail_is_sent_inside_the_request(client):
    UserFactory(email="glemsk@example.org")
    client.post(reverse("accounts:password_reset"), {"email": "glemsk@example.org"})
    assert mail.outbox == []
