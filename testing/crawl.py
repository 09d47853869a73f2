"""The crawler (issue 12): every URL of the portal and of the admin, visited as the person who uses it, with
the number of queries each visit costs. `benchmarks/crawl.py` runs it on the demo and on a data set of ten
years' size; `dashboard/tests/test_crawl.py` on the demo and on the demo with a little more of everything.
A page whose count differs between the two runs has work that grows with the data (a query per row).

Every URL pattern the portal has is either visited or named in `NOT_VISITED` with the reason, and every
admin action either has its intermediate page visited or is named in `IMMEDIATE_ACTIONS`: a new page or
action makes `uncovered()` name it, and the test fail, until it is crawled too.

The ids come from the data (`find_targets`): the demo's kulturskoleleder of Bodø («member»), the group's
adviser, the programme leader, and what their pages are about. `prepare` adds the few things the demo lacks
and whose secrets the database does not keep (a calendar address, an account invitation, an open survey
link); so the crawler writes to the database it is pointed at, which must be a throwaway one."""

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast

from axes.models import AccessFailureLog
from django.contrib import admin
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.db.models import Count
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlencode, urlsafe_base64_encode

from accounts.models import AuditEvent, User
from accounts.models import Invitation as AccountInvitation
from accounts.models import hash_token as account_token_hash
from accounts.services import backup_codes_renew
from applications.models import Application, ApplicationPdf, Call
from contracts.models import Contract, ContractTemplate
from core.testing.otp import pass_second_factor
from dashboard.management.commands.seed_demo import DEMO_PASSWORD
from dashboard.services import report_pdf_request as programme_report_pdf_request
from dashboard.services import report_pdfs_render_due
from development_plans.models import Comment, DevelopmentPlan, Goal, Measure
from meetings.models import Meeting, MeetingNote, Reminder
from meetings.services import calendar_feed_renew
from municipalities.models import GroupDocument, Membership, Municipality, MunicipalityGroup
from portfolios.models import Portfolio
from surveys.models import Answer, Delivery, Invitation, Question, Survey
from surveys.services import deliveries_hand_over, invitations_create, report_pdf_request, reports_render_due

LEADER_EMAIL = "programleder@example.org"
MEMBER_EMAIL = "leder.bodo@example.org"  # the kulturskoleleder of Bodø: edits the plan, adds local meetings

# URL names that are not pages: posts that act and redirect, and Django's redirects. Each with its reason.
NOT_VISITED = {
    "accounts:logout": "logs out (POST only)",
    "admin:logout": "logs out (POST only)",
    "contracts:sign": "signs (POST only)",
    "meetings:meetings_create": "creates the meetings from the plan (POST only)",
    "meetings:task_toggle": "ticks a task (POST only)",
    "meetings:registration_cancel": "takes a registration off a gathering's list (POST only)",
    "development_plans:plan_create": "starts a plan (POST only)",
    "development_plans:plan_share": "shares the plan (POST only)",
    "development_plans:plan_approve": "approves the plan (POST only)",
    "development_plans:comment_add": "adds a comment (POST only)",
    "development_plans:goal_delete": "deletes a goal (POST only)",
    "development_plans:goal_move": "moves a goal (POST only)",
    "development_plans:measure_delete": "deletes a measure (POST only)",
    "development_plans:measure_move": "moves a measure (POST only)",
    "surveys:code_answer": "codes an answer (POST only)",
    "surveys:write_finding": "saves a finding (POST only)",
    "surveys:report_pdf_make": "queues the report's PDF (POST only; `prepare` makes it, so the download is visited)",
    "dashboard:report_portfolio_pdf_make": "queues the report's PDF (POST only; `prepare` makes it)",
    "dashboard:report_programme_pdf_make": "queues the report's PDF (POST only; `prepare` makes it)",
    "admin:None": "Django's redirects of old admin addresses and unknown ones",
    "accounts:backup_codes_renew": "makes new backup codes (POST only; the crawl posts it, see portal_visits)",
    "application_review:criteria": "saves the criteria of an application (POST only)",
    "application_review:note_add": "adds a note to an application (POST only)",
    "application_review:comment_add": "adds an adviser's comment to an application (POST only)",
    "application_review:share_add": "shares an application with an adviser (POST only)",
    "application_review:share_remove": "stops sharing an application (POST only)",
    "None": "the admin's login and password pages, sent to the portal's (veiledning/urls.py)",
}

# Admin actions that act on the selected rows at once and redirect back to the list: no page of their own.
IMMEDIATE_ACTIONS = {
    "send_invitation",
    "send_again",
    "retry_render",
    "retry",  # an application's PDF made again (applications.admin)
    "generate_and_send",
    "send_invitations",
    "start_reminder_round",
    "send_password_reset",
    "reset_second_factor",
    # A membership ended from today; a completed group's continuation (municipalities.admin).
    "end_today",
    "continuation_own",
    "continuation_network",
    "continuation_sharing_arena",
    "continuation_stopped",
}


@dataclass(frozen=True)
class Visit:
    """One request of the crawl: `url_name` is the pattern's name, `label` tells visits of one pattern apart."""

    url_name: str
    persona: str
    path: str
    label: str = ""
    method: str = "get"
    data: Mapping[str, Any] = field(default_factory=dict)
    status: int = 200
    follow: bool = False

    @property
    def key(self) -> str:
        label = f" [{self.label}]" if self.label else ""
        return f"{self.url_name}{label} ({self.persona})"


@dataclass
class Targets:
    """The people the crawl logs in as and the objects whose pages it visits."""

    leader: User
    adviser: User
    member: User
    group: MunicipalityGroup
    portfolio: Portfolio
    fee_portfolio: Portfolio
    held_meeting: Meeting
    next_meeting: Meeting
    contract: Contract
    plan: DevelopmentPlan
    survey: Survey
    question_key: str
    # Personal links whose secrets the database keeps only as hashes; made by `prepare`.
    calendar_token: str = ""
    account_invitation_token: str = ""
    open_survey_token: str = ""
    open_survey_pages: int = 0
    submitted_survey_token: str = ""
    # A staff member who has not yet set up an authenticator app; made by `prepare`.
    new_staff_email: str = ""
    # Issue 16: a held gathering, the gathering open for registration, a completed group (the demo's).
    held_gathering: Meeting | None = None
    open_gathering: Meeting | None = None
    completed_group: MunicipalityGroup | None = None
    # An open call with a draft and a submitted application (its PDF made); made by `prepare`.
    call_pk: int = 0
    draft_application_token: str = ""
    submitted_application_token: str = ""


def _pk(obj: Meeting | MunicipalityGroup | None) -> int:
    assert obj is not None, "find_targets found it"
    return obj.pk


def find_targets() -> Targets:
    """The demo's people and the objects of their pages (see the module's docstring)."""
    member = User.objects.get(email=MEMBER_EMAIL)
    group = MunicipalityGroup.objects.select_related("portfolio", "adviser").get(
        memberships__user=member, portfolio__status=Portfolio.Status.ACTIVE
    )
    assert group.adviser is not None
    meetings = Meeting.objects.filter(group=group, kind=Meeting.Kind.GUIDANCE)
    held = meetings.filter(note__isnull=False).order_by("-starts_at").first()
    upcoming = meetings.filter(status=Meeting.Status.CONFIRMED).order_by("starts_at").first()
    assert held is not None and upcoming is not None, "the member's group has a held and a confirmed meeting"
    contract = Contract.objects.filter(group=group, final_document__isnull=False).first()
    assert contract is not None, "the member's group has a signed contract"
    # The survey the programme leader works on: the one with coded answers (its report has findings).
    survey = Survey.objects.annotate(coded=Count("categories__answers")).order_by("-coded", "pk").first()
    assert survey is not None
    question = survey.questions.order_by("pk").first()
    assert question is not None
    fee_portfolio = Portfolio.objects.filter(programme__participation_fee__gt=0).order_by("pk").first()
    assert fee_portfolio is not None
    targets = Targets(
        leader=User.objects.get(email=LEADER_EMAIL),
        adviser=group.adviser,
        member=member,
        group=group,
        portfolio=group.portfolio,
        fee_portfolio=fee_portfolio,
        held_meeting=held,
        next_meeting=upcoming,
        contract=contract,
        plan=DevelopmentPlan.objects.get(group=group),
        survey=survey,
        question_key=question.key,
    )
    gatherings = Meeting.objects.filter(portfolio=group.portfolio, group=None)
    targets.held_gathering = gatherings.filter(status=Meeting.Status.HELD).first()
    targets.open_gathering = gatherings.filter(registration_open=True).first()
    targets.completed_group = MunicipalityGroup.objects.filter(
        status=MunicipalityGroup.Status.COMPLETED, meetings__kind=Meeting.Kind.FOLLOW_UP
    ).first()
    assert targets.held_gathering and targets.open_gathering and targets.completed_group, "the demo's (issue 16)"
    return targets


def prepare(targets: Targets) -> Targets:
    """Adds what the demo lacks and the crawl needs, and keeps the secrets of the links it makes: the member's
    calendar address, an account invitation, the member's link to an open survey (the current portfolio's,
    opened now) with e-mails queued for it, a submitted link to the crawled survey, and a failed and a
    successful login (the admin's login records), backup codes for the leader and a staff member without an
    authenticator app yet."""
    now = timezone.now()
    targets.calendar_token = calendar_feed_renew(user=targets.member)
    token = AccountInvitation.new_token()
    invited = User.objects.create(email="inviteres@example.org", full_name="Ikke Registrert Ennå")
    AccountInvitation.objects.create(
        user=invited, token_hash=account_token_hash(token), invited_by=targets.leader, expires_at=now + timedelta(7)
    )
    targets.account_invitation_token = token
    current = Survey.objects.filter(portfolio=targets.portfolio).order_by("pk").first()
    assert current is not None, "the demo copies the survey to the current portfolio"
    Survey.objects.filter(pk=current.pk).update(opens_at=now - timedelta(days=1))
    invitations_create(survey=current, user=targets.leader)
    deliveries_hand_over()  # the invitations' e-mails into the outbox, as the worker would
    open_invitation = Invitation.objects.get(survey=current, user=targets.member, group=targets.group)
    targets.open_survey_token = open_invitation.token
    targets.open_survey_pages = current.pages.count()
    # The report's PDF, made as the worker would, so that its download serves the stored file.
    report_pdf_request(survey=targets.survey, user=targets.leader)
    reports_render_due()
    # The programme reports' PDFs likewise.
    for subject in (targets.portfolio, targets.portfolio.programme):
        programme_report_pdf_request(subject=subject, user=targets.leader)
    report_pdfs_render_due()
    submitted = Invitation.objects.filter(survey=targets.survey, used_at__isnull=False).first()
    assert submitted is not None
    targets.submitted_survey_token = submitted.token
    _prepare_applications(targets)
    # The leader has backup codes already, as staff do after their first login: the crawl renews them.
    backup_codes_renew(user=targets.leader)
    targets.new_staff_email = "ny.i.staben@example.org"
    User.objects.create_user(
        email=targets.new_staff_email, full_name="Ny i Staben", password=DEMO_PASSWORD, is_staff=True
    )
    client = Client()
    client.post(reverse("accounts:login"), {"username": "ukjent@example.org", "password": "feil"})
    client.post(reverse("accounts:login"), {"username": LEADER_EMAIL, "password": DEMO_PASSWORD})
    # django-axes keeps this log only when told to (AXES_ENABLE_ACCESS_FAILURE_LOG), and its admin lists it.
    AccessFailureLog.objects.create(username="ukjent@example.org", ip_address="10.1.2.3", path_info="/konto/logg-inn/")
    return targets


def _prepare_applications(targets: Targets) -> None:
    """An open call for the current portfolio with its criteria and a question, a draft application and a
    submitted one whose PDF the worker has made (applications, issue 15)."""
    from applications.services import application_pdfs_render_due
    from applications.tests.factories import (
        ApplicationFactory,
        CallFactory,
        CriterionFactory,
        QuestionFactory,
        SubmittedApplicationFactory,
        complete_veiledning_contacts,
    )
    from applications.texts import default_criteria

    # The factories are untyped: what they make is cast to the model it is.
    call = cast(Call, CallFactory(portfolio=targets.portfolio, title="Søk om plass (crawl)"))
    for order, text in enumerate(default_criteria(targets.portfolio.programme.group_rule)):
        CriterionFactory(call=call, order=order, text=text)
    QuestionFactory(call=call)
    draft = cast(Application, ApplicationFactory(call=call, municipalities=[Municipality.objects.get(number="5001")]))
    complete_veiledning_contacts(draft)
    submitted = cast(
        Application, SubmittedApplicationFactory(call=call, municipalities=[Municipality.objects.get(number="3201")])
    )
    complete_veiledning_contacts(submitted)
    ApplicationPdf.objects.create(application=submitted, requested_at=timezone.now())
    application_pdfs_render_due()
    targets.call_pk = call.pk
    targets.draft_application_token = draft.token
    targets.submitted_application_token = submitted.token


def url_names() -> set[str]:
    """Every named URL pattern of the portal and the admin, as `namespace:name`."""

    def walk(patterns: Sequence[URLPattern | URLResolver], namespace: str) -> Iterator[str]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = ":".join(n for n in (namespace, pattern.namespace) if n)
                yield from walk(pattern.url_patterns, inner)
            else:
                yield f"{namespace}:{pattern.name}" if namespace else str(pattern.name)

    return set(walk(get_resolver().url_patterns, ""))


def _url(name: str, **kwargs: object) -> str:
    return reverse(name, kwargs=kwargs)


def portal_visits(t: Targets) -> list[Visit]:
    """The portal's pages and downloads, each as the people who use it."""
    group, portfolio, plan, survey = t.group, t.portfolio, t.plan, t.survey
    goal = plan.goals.order_by("order", "pk").first()
    measure = Measure.objects.filter(goal__plan=plan).order_by("pk").first()
    version = plan.versions.order_by("number").first()
    assert goal is not None and measure is not None and version is not None
    # A document the member shared (the demo's, in versions), so that they may also take it down.
    document = (
        GroupDocument.objects.filter(group=group, created_by=t.member, hidden_at__isnull=True).order_by("pk").first()
    )
    assert document is not None and document.latest is not None, "the demo shares documents in the member's group"
    uid = urlsafe_base64_encode(force_bytes(t.member.pk))
    reset_token = default_token_generator.make_token(t.member)
    pages: list[tuple[str, Mapping[str, object], Sequence[str]]] = [
        ("dashboard:home", {}, ["member"]),
        ("dashboard:portfolio_list", {}, ["leader"]),
        ("dashboard:portfolio_detail", {"pk": portfolio.pk}, ["member", "adviser", "leader"]),
        ("dashboard:my_groups", {}, ["adviser"]),
        ("dashboard:group_detail", {"pk": group.pk}, ["member", "adviser", "leader"]),
        ("dashboard:group_invite", {"pk": group.pk}, ["adviser", "leader"]),
        ("dashboard:audit_log", {}, ["leader"]),
        ("dashboard:report_index", {}, ["leader"]),
        ("dashboard:report_portfolio", {"pk": portfolio.pk}, ["leader"]),
        ("dashboard:report_portfolio_xlsx", {"pk": portfolio.pk}, ["leader"]),
        ("dashboard:report_portfolio_pdf", {"pk": portfolio.pk}, ["leader"]),
        ("dashboard:report_programme", {"pk": portfolio.programme_id}, ["leader"]),
        ("dashboard:report_programme_xlsx", {"pk": portfolio.programme_id}, ["leader"]),
        ("dashboard:report_programme_pdf", {"pk": portfolio.programme_id}, ["leader"]),
        ("dashboard:year_wheel", {"pk": portfolio.pk}, ["member", "adviser", "leader"]),
        ("dashboard:audit_log_export", {}, ["leader"]),
        ("dashboard:portfolio_matrix", {"pk": portfolio.pk}, ["leader"]),
        ("dashboard:portfolio_matrix_export", {"pk": portfolio.pk}, ["leader"]),
        ("dashboard:portfolio_contacts_export", {"pk": portfolio.pk}, ["leader"]),
        ("portfolios:foundation_document", {"pk": portfolio.pk}, ["member"]),
        ("contracts:detail", {"pk": t.contract.pk}, ["member", "leader"]),
        ("contracts:signing_pdf", {"pk": t.contract.pk}, ["member"]),
        ("contracts:signed_pdf", {"pk": t.contract.pk}, ["member"]),
        ("contracts:upload", {"pk": t.contract.pk}, ["leader"]),
        ("contracts:terminate", {"pk": t.contract.pk}, ["leader"]),
        ("contracts:verify", {}, ["member"]),
        ("contracts:foundation_pdf", {"pk": portfolio.pk}, ["member"]),
        ("contracts:fee_export", {"pk": t.fee_portfolio.pk}, ["leader"]),
        ("meetings:group_meetings", {"group_pk": group.pk}, ["member", "adviser"]),
        ("municipalities:documents", {"group_pk": group.pk}, ["member", "adviser", "leader"]),
        ("municipalities:document_version_new", {"pk": document.pk}, ["member"]),
        ("municipalities:document_download", {"pk": document.pk, "number": document.latest.number}, ["member"]),
        ("municipalities:document_hide", {"pk": document.pk}, ["member"]),
        ("meetings:local_meeting_new", {"group_pk": group.pk}, ["member"]),
        ("meetings:meeting_detail", {"pk": t.held_meeting.pk}, ["member", "adviser"]),
        ("meetings:meeting_edit", {"pk": t.next_meeting.pk}, ["adviser"]),
        ("meetings:meeting_cancel", {"pk": t.next_meeting.pk}, ["adviser"]),
        ("meetings:note_edit", {"pk": t.held_meeting.pk}, ["adviser"]),
        ("meetings:attendance_edit", {"pk": t.held_meeting.pk}, ["adviser"]),
        ("meetings:attendance_edit", {"pk": _pk(t.held_gathering)}, ["leader"]),
        ("meetings:meeting_detail", {"pk": _pk(t.open_gathering)}, ["member", "leader"]),
        ("meetings:registration_new", {"pk": _pk(t.open_gathering)}, ["member"]),
        ("meetings:registration_settings", {"pk": _pk(t.open_gathering)}, ["leader"]),
        ("meetings:registration_export", {"pk": _pk(t.open_gathering)}, ["leader"]),
        ("meetings:follow_up_new", {"group_pk": _pk(t.completed_group)}, ["leader"]),
        ("meetings:calendar", {}, ["member"]),
        ("meetings:calendar_feed", {"token": t.calendar_token}, ["anonymous"]),
        ("development_plans:portfolio_overview", {"portfolio_pk": portfolio.pk}, ["leader"]),
        ("development_plans:plan_detail", {"pk": plan.pk}, ["member", "adviser"]),
        ("development_plans:plan_edit", {"pk": plan.pk}, ["member"]),
        ("development_plans:progress", {"pk": plan.pk}, ["member"]),
        ("development_plans:plan_pdf", {"pk": plan.pk}, ["member"]),
        ("development_plans:change_log", {"pk": plan.pk}, ["member"]),
        ("development_plans:version_detail", {"pk": plan.pk, "number": version.number}, ["member"]),
        ("development_plans:goal_add", {"pk": plan.pk}, ["member"]),
        ("development_plans:goal_edit", {"pk": plan.pk, "goal_pk": goal.pk}, ["member"]),
        ("development_plans:measure_add", {"pk": plan.pk, "goal_pk": goal.pk}, ["member"]),
        ("development_plans:measure_edit", {"pk": plan.pk, "measure_pk": measure.pk}, ["member"]),
        ("surveys:survey_list", {}, ["leader"]),
        ("surveys:results", {"pk": survey.pk}, ["leader"]),
        ("surveys:coding", {"pk": survey.pk}, ["leader"]),
        ("surveys:report", {"pk": survey.pk}, ["leader"]),
        ("surveys:report_pdf", {"pk": survey.pk}, ["leader"]),
        ("surveys:export_csv", {"pk": survey.pk}, ["leader"]),
        ("surveys:export_xlsx", {"pk": survey.pk}, ["leader"]),
        ("surveys:compare", {"key": t.question_key}, ["leader"]),
        ("surveys:answer", {"token": t.open_survey_token}, ["anonymous"]),
        ("surveys:answer_thanks", {"token": t.submitted_survey_token}, ["anonymous"]),
        ("accounts:login", {}, ["anonymous"]),
        ("accounts:second_factor", {}, ["leader_password_only"]),
        ("accounts:second_factor_setup", {}, ["new_staff_password_only"]),
        ("accounts:account", {}, ["member", "adviser", "leader"]),
        ("accounts:password_change", {}, ["member", "leader"]),
        ("accounts:password_reset", {}, ["anonymous"]),
        ("accounts:password_reset_done", {}, ["anonymous"]),
        ("accounts:password_reset_complete", {}, ["anonymous"]),
        ("accounts:invitation_accept", {"token": t.account_invitation_token}, ["anonymous"]),
        ("core:accessibility", {}, ["anonymous", "member"]),
        ("core:privacy", {}, ["anonymous", "member"]),
        ("core:contact", {}, ["anonymous", "member"]),
        ("core:favicon", {}, ["anonymous"]),
        ("applications:call_list", {}, ["anonymous"]),
        ("applications:call_detail", {"pk": t.call_pk}, ["anonymous"]),
        ("applications:start_sent", {"pk": t.call_pk}, ["anonymous"]),
        ("applications:edit", {"token": t.draft_application_token}, ["anonymous"]),
        ("applications:withdraw", {"token": t.submitted_application_token}, ["anonymous"]),
        ("applications:pdf", {"token": t.submitted_application_token}, ["anonymous"]),
    ]
    redirects = {"dashboard:home", "core:favicon"}
    visits = [
        Visit(name, persona, _url(name, **kwargs), status=302 if name in redirects else 200)
        for name, kwargs, personas in pages
        for persona in personas
    ]
    visits += [
        # The group's plan page sends to the plan; the reset link to the form for the new password.
        Visit(
            "development_plans:group_plan",
            "member",
            _url("development_plans:group_plan", group_pk=group.pk),
            status=302,
        ),
        Visit(
            "accounts:password_reset_confirm",
            "anonymous",
            _url("accounts:password_reset_confirm", uidb64=uid, token=reset_token),
            follow=True,
        ),
    ]
    # New backup codes are shown once, on the page the renewal sends to.
    visits.append(
        Visit("accounts:backup_codes", "leader", _url("accounts:backup_codes_renew"), method="post", follow=True)
    )
    # The coding page as it is worked through: the uncoded answers of one open question.
    text_question = survey.questions.filter(kind=Question.Kind.TEXT).order_by("pk").first()
    assert text_question is not None
    filtered = _url("surveys:coding", pk=survey.pk) + f"?sporsmal={text_question.pk}&kategori=ukodet"
    visits.append(Visit("surveys:coding", "leader", filtered, label="filtrert"))
    # The review (issue 15): the demo's application under review, which the crawled adviser was given to
    # comment on; its decision's first step, and the letter of an admission with the group it would make.
    reviewed = (
        Application.objects.filter(status=Application.Status.IN_REVIEW, shares__adviser=t.adviser)
        .order_by("pk")
        .first()
    )
    assert reviewed is not None, "the demo has an application under review, shared with the adviser"
    for persona in ("leader", "adviser"):
        visits.append(Visit("application_review:list", persona, _url("application_review:list")))
        visits.append(Visit("application_review:detail", persona, _url("application_review:detail", pk=reviewed.pk)))
    decision = _url("application_review:decision", pk=reviewed.pk)
    visits.append(Visit("application_review:decision", "leader", decision))
    visits.append(Visit("application_review:decision", "leader", f"{decision}?vedtak=admitted", label="opptak"))
    filtered_list = _url("application_review:list") + f"?call={reviewed.call_id}&status=in_review&sort=-sendt"
    visits.append(Visit("application_review:list", "leader", filtered_list, label="filtrert"))
    # The applicant's page once the application is sent in: what was sent, read-only.
    submitted_path = _url("applications:edit", token=t.submitted_application_token)
    visits.append(Visit("applications:edit", "anonymous", submitted_path, label="sendt inn"))
    for number in sorted({1, t.open_survey_pages}):
        path = _url("surveys:answer_page", token=t.open_survey_token, number=number)
        visits.append(Visit("surveys:answer_page", "anonymous", path, label=f"side {number}"))
    return visits


def _admin_object(model: type[models.Model], t: Targets) -> models.Model | None:
    """The row whose change and delete pages the crawl visits: one the data grows under, where it matters."""
    chosen: dict[type[models.Model], Callable[[], models.Model | None]] = {
        User: lambda: t.member,
        Portfolio: lambda: t.portfolio,
        MunicipalityGroup: lambda: t.group,
        Membership: lambda: Membership.objects.filter(user=t.member, group=t.group).first(),
        Meeting: lambda: t.next_meeting,
        MeetingNote: lambda: MeetingNote.objects.filter(meeting=t.held_meeting).first(),
        Reminder: lambda: Reminder.objects.filter(meeting=t.next_meeting).order_by("pk").first(),
        Contract: lambda: t.contract,
        ContractTemplate: lambda: ContractTemplate.objects.filter(programme=t.portfolio.programme_id).first(),
        DevelopmentPlan: lambda: t.plan,
        Measure: lambda: Measure.objects.filter(goal__plan=t.plan).order_by("pk").first(),
        Comment: lambda: Comment.objects.filter(plan=t.plan).order_by("pk").first(),
        Survey: lambda: t.survey,
        Question: lambda: t.survey.questions.order_by("pk").first(),
        Invitation: lambda: Invitation.objects.filter(survey=t.survey).order_by("pk").first(),
        Delivery: lambda: Delivery.objects.order_by("pk").first(),
    }
    if model in chosen:
        return chosen[model]()
    concrete = model._meta.concrete_model
    if concrete is Portfolio:  # a proxy, such as contracts' «Kontrakter per portefølje»
        return model._default_manager.get(pk=t.portfolio.pk)
    if concrete in chosen:
        found = chosen[concrete]()
        return model._default_manager.get(pk=found.pk) if found is not None else None
    return model._default_manager.order_by("pk").first()


def _autocomplete_visits() -> Iterator[Visit]:
    """The admin's autocomplete lookups, one per autocomplete field of every admin and inline."""
    request = RequestFactory().get("/admin/")
    seen = set()
    for model, model_admin in admin.site._registry.items():
        owners: list[Any] = [model_admin]
        owners += [inline(model, admin.site) for inline in model_admin.inlines]
        for owner in owners:
            for field_name in owner.get_autocomplete_fields(request):
                opts = owner.model._meta
                key = (opts.app_label, opts.model_name, field_name)
                if key in seen:
                    continue
                seen.add(key)
                query = urlencode({"app_label": key[0], "model_name": key[1], "field_name": field_name, "term": ""})
                label = ".".join(key)
                yield Visit("admin:autocomplete", "leader", f"{reverse('admin:autocomplete')}?{query}", label=label)


def admin_pages(t: Targets) -> tuple[list[Visit], dict[str, str]]:
    """Every admin page the programme leader can open: the index and each app's, and for every model its
    list, add, change, history and delete pages and each action's intermediate page, on `_admin_object`;
    and, apart, the pages of models the leader may not add or delete, with that as the reason."""
    request = RequestFactory().get("/admin/")
    request.user = t.leader
    refused: dict[str, str] = {}
    visits = [
        Visit("admin:index", "leader", reverse("admin:index")),
        # The admin's login and password pages send to the portal's (the login with two factors).
        Visit("admin:login", "anonymous", reverse("admin:login"), status=302),
        Visit("admin:password_change", "leader", reverse("admin:password_change"), status=302),
        Visit("admin:password_change_done", "leader", reverse("admin:password_change_done")),
        Visit("admin:jsi18n", "leader", reverse("admin:jsi18n")),
        Visit(
            "admin:view_on_site",
            "leader",
            reverse("admin:view_on_site", args=[ContentType.objects.get_for_model(MunicipalityGroup).pk, t.group.pk]),
            status=302,
        ),
        Visit(
            "admin:municipalities_municipalitygroup_invite",
            "leader",
            reverse("admin:municipalities_municipalitygroup_invite", kwargs={"pk": t.group.pk}),
        ),
        # The spreadsheet import's upload page and its template; the preview and the import are POSTs of a
        # file, which municipalities/tests/test_import.py makes.
        Visit(
            "admin:municipalities_municipalitygroup_import",
            "leader",
            reverse("admin:municipalities_municipalitygroup_import", kwargs={"portfolio_pk": t.portfolio.pk}),
        ),
        Visit(
            "admin:municipalities_municipalitygroup_import_template",
            "leader",
            reverse("admin:municipalities_municipalitygroup_import_template"),
        ),
        # Django's UserAdmin names its page for setting a password after the auth app's own user model. Staff
        # set nobody's password (accounts/admin.py): the page answers 404.
        Visit(
            "admin:auth_user_password_change",
            "leader",
            reverse("admin:auth_user_password_change", args=[t.member.pk]),
            status=404,
        ),
    ]
    # The apps the leader sees something of (the others answer 404).
    labels = [app["app_label"] for app in admin.site.get_app_list(request)]
    visits += [
        Visit("admin:app_list", "leader", reverse("admin:app_list", args=[label]), label=label) for label in labels
    ]
    visits += list(_autocomplete_visits())
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        name = f"admin:{opts.app_label}_{opts.model_name}"
        if not model_admin.has_view_or_change_permission(request):
            for page in ("changelist", "add", "change", "history", "delete"):
                refused[f"{name}_{page}"] = "the programme leader may not see these (403)"
            continue
        visits.append(Visit(f"{name}_changelist", "leader", reverse(f"{name}_changelist")))
        if model_admin.has_add_permission(request):
            visits.append(Visit(f"{name}_add", "leader", reverse(f"{name}_add")))
        else:
            refused[f"{name}_add"] = "the programme leader may not add these (403)"
        obj = _admin_object(model, t)
        if obj is None:
            raise LookupError(f"No {opts.verbose_name} in the data: the crawl cannot visit its pages.")
        visits.append(Visit(f"{name}_change", "leader", reverse(f"{name}_change", args=[obj.pk])))
        visits.append(Visit(f"{name}_history", "leader", reverse(f"{name}_history", args=[obj.pk])))
        if model_admin.has_delete_permission(request, obj):
            visits.append(Visit(f"{name}_delete", "leader", reverse(f"{name}_delete", args=[obj.pk])))
        else:
            refused[f"{name}_delete"] = "the programme leader may not delete these (403)"
        for action in model_admin.get_actions(request):
            if action in IMMEDIATE_ACTIONS:
                continue
            # The action's first step: what the list posts when the action is chosen for the row.
            data = {"action": action, "_selected_action": [str(obj.pk)], "index": "0"}
            path = reverse(f"{name}_changelist")
            visits.append(Visit(f"{name}_changelist", "leader", path, label=action, method="post", data=data))
    return visits, refused


def visits(t: Targets) -> list[Visit]:
    return portal_visits(t) + admin_pages(t)[0]


def uncovered(t: Targets, crawl: Iterable[Visit]) -> list[str]:
    """URL names and admin actions the crawl neither visits nor names as not a page: each needs a visit."""
    visited = {v.url_name for v in crawl}
    missing = sorted(url_names() - visited - set(NOT_VISITED) - set(admin_pages(t)[1]))
    known = {v.label for v in crawl if v.method == "post"} | IMMEDIATE_ACTIONS
    request = RequestFactory().get("/admin/")
    request.user = t.leader
    for model, model_admin in admin.site._registry.items():
        if model_admin.has_view_or_change_permission(request):
            actions = model_admin.get_actions(request)
            missing += [f"action {model._meta.label}.{a}" for a in actions if a not in known]
    return missing


def measure(clients: Mapping[str, Client], visit: Visit) -> tuple[int, float]:
    """The queries of one visit and its time in milliseconds. Raises AssertionError if the page does not
    answer as it should: a page that fails would show a count that says nothing."""
    # The content types are cached per process; each visit starts without them, so that no visit's count
    # depends on which visit came first.
    ContentType.objects.clear_cache()
    client = clients[visit.persona]
    queries = QueryCounter()
    with connection.execute_wrapper(queries):
        start = time.perf_counter()
        response = getattr(client, visit.method)(visit.path, visit.data, follow=visit.follow)
        # Reading a streamed download to its end closes it, inside the test client's guard; closing a
        # response outside that guard would also close the database connection inside a test's transaction.
        content = b"".join(response) if response.streaming else response.content
        elapsed = (time.perf_counter() - start) * 1000
    status = response.status_code
    assert status == visit.status, f"{visit.key}: {visit.path} answered {status}, not {visit.status}"
    assert content or status == 302, f"{visit.key}: {visit.path} answered nothing"
    return queries.count, elapsed


class QueryCounter:
    """Counts the queries that reach the database. Unlike Django's query log (CaptureQueriesContext) it
    has no limit (the log keeps the last 9 000) and needs no DEBUG."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def clients_for(t: Targets) -> dict[str, Client]:
    clients = {"anonymous": Client()}
    for persona in ("member", "adviser", "leader"):
        clients[persona] = Client()
        clients[persona].force_login(getattr(t, persona))
        # The benchmarks have no root conftest.py to finish the login of staff for them.
        pass_second_factor(clients[persona], getattr(t, persona))
    # Staff between the password and the one-time code: the second step's pages.
    for persona, email in (("leader_password_only", LEADER_EMAIL), ("new_staff_password_only", t.new_staff_email)):
        clients[persona] = Client()
        response = clients[persona].post(reverse("accounts:login"), {"username": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, f"{email} could not log in with the password"
    return clients


def crawl(t: Targets, crawl_visits: Iterable[Visit]) -> dict[str, int]:
    """{visit key: queries} for every visit, in order."""
    clients = clients_for(t)
    return {visit.key: measure(clients, visit)[0] for visit in crawl_visits}


def grown(before: Mapping[str, int], after: Mapping[str, int]) -> dict[str, tuple[int, int]]:
    """The visits whose query count changed between two crawls: {key: (before, after)}."""
    return {key: (before[key], after[key]) for key in before if key in after and after[key] != before[key]}


def data_counts(t: Targets) -> dict[str, int]:
    """How much data there is, for the benchmark's printout."""
    return {
        "portfolios": Portfolio.objects.count(),
        "groups": MunicipalityGroup.objects.count(),
        "members": Membership.objects.count(),
        "meetings": Meeting.objects.count(),
        "reminders": Reminder.objects.count(),
        "plans": DevelopmentPlan.objects.count(),
        "goals": Goal.objects.count(),
        "contracts": Contract.objects.count(),
        "surveys": Survey.objects.count(),
        "responses to the crawled survey": t.survey.responses.count(),
        "answers to it": Answer.objects.filter(response__survey=t.survey).count(),
        "audit events": AuditEvent.objects.count(),
    }
