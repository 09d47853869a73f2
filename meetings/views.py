import re
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Model, Q
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.access import AccessRefused, AuthenticatedRequest
from accounts.models import User
from accounts.services import audit_log
from core.concurrency import EditGuard, Shown, StaleEdit, form_values
from core.downloads import attachment, download_name
from core.xlsx import Sheet, workbook_bytes
from municipalities.models import Membership
from municipalities.selectors import get_group_for_user

from . import ics
from .forms import (
    GUEST_PREFIX,
    TASK_PREFIX,
    AttendanceForm,
    CancelForm,
    FollowUpForm,
    GuestFormSet,
    LocalMeetingForm,
    MeetingScheduleForm,
    NoteForm,
    RegistrationForm,
    RegistrationSettingsForm,
    TaskFormSet,
    task_rows,
)
from .models import CalendarFeed, Meeting, MeetingNote, Registration, Task
from .permissions import (
    can_add_local_meeting,
    can_manage_registration,
    can_plan_follow_up,
    can_plan_meetings,
    can_record_attendance,
    can_schedule,
    can_see_staff_note,
    can_tick_tasks,
    can_write_note,
)
from .selectors import (
    RECOMMENDED_ORDER,
    attendance_candidates,
    attendance_of,
    feed_still_wanted,
    following_several_groups,
    get_meeting_for_user,
    group_attendance,
    meeting_plan,
    meetings_for_user,
    open_tasks_before,
    registerable_memberships,
    registrations_of,
)
from .services import (
    Guest,
    MeetingError,
    attendance_record,
    calendar_feed_renew,
    calendar_token_hash,
    follow_up_add,
    local_meeting_add,
    meeting_cancel,
    meeting_schedule,
    meetings_create_from_plan,
    note_save,
    registration_add,
    registration_cancel,
    registration_settings_save,
    task_set_done,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _refuse_unless(allowed: bool, obj: Model) -> None:
    if not allowed:
        raise AccessRefused(obj._meta.label_lower, obj.pk)


@login_required
def group_meetings(request: AuthenticatedRequest, group_pk: int) -> HttpResponse:
    """The group's meeting plan: guidance meetings, gatherings and the group's own meetings in order."""
    group = get_group_for_user(request.user, group_pk)
    return render(
        request,
        "meetings/group_meetings.html",
        {
            "group": group,
            "plan": meeting_plan(group),
            "recommended_order": RECOMMENDED_ORDER,
            "can_plan": can_plan_meetings(request.user, group),
            "can_add_local": can_add_local_meeting(request.user, group),
            "can_plan_follow_up": can_plan_follow_up(request.user, group),
            "attendance": group_attendance(group),
        },
    )


@login_required
@require_POST
def meetings_create(request: AuthenticatedRequest, group_pk: int) -> HttpResponse:
    group = get_group_for_user(request.user, group_pk)
    _refuse_unless(can_plan_meetings(request.user, group), group)
    new = meetings_create_from_plan(group=group, user=request.user, request=request)
    if new:
        messages.success(request, f"{len(new)} møter er lagt inn etter planen. Bekreft dato og tid for hvert møte.")
    else:
        messages.info(request, "Alle møtene i planen er allerede lagt inn.")
    return redirect("meetings:group_meetings", group_pk=group.pk)


@login_required
def local_meeting_new(request: AuthenticatedRequest, group_pk: int) -> HttpResponse:
    group = get_group_for_user(request.user, group_pk)
    _refuse_unless(can_add_local_meeting(request.user, group), group)
    form = LocalMeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        meeting = local_meeting_add(
            group=group,
            kind=data["kind"],
            title=data["title"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            format=data["format"],
            place=data["place"],
            link=data["link"],
            agenda=data["agenda"],
            user=request.user,
        )
        messages.success(request, f"{meeting.title} er lagt inn, og deltakerne får påminnelse før møtet.")
        return redirect("meetings:group_meetings", group_pk=group.pk)
    return render(request, "meetings/local_meeting_form.html", {"group": group, "form": form})


@login_required
def meeting_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, pk)
    note: MeetingNote | None = getattr(meeting, "note", None)
    # Drafts are for the group's own adviser and the programme leader; the group sees published notes.
    is_own_adviser = meeting.group is not None and meeting.group.adviser_id == request.user.pk
    show_note = note is not None and (note.is_published or is_own_adviser or request.user.is_programme_leader)
    tasks = list(note.tasks.select_related("responsible_user")) if note is not None and show_note else []
    # The group's documents the note links to, as long as they are shared (one taken down is gone here too).
    documents = (
        list(note.documents.filter(hidden_at__isnull=True).select_related("latest").order_by("title", "pk"))
        if note is not None and show_note
        else []
    )
    return render(
        request,
        "meetings/meeting_detail.html",
        {
            "meeting": meeting,
            "note": note if show_note else None,
            "tasks": tasks,
            "documents": documents,
            "earlier_tasks": open_tasks_before(meeting),
            "show_staff_note": can_see_staff_note(request.user, meeting),
            "can_schedule": can_schedule(request.user, meeting),
            "can_write_note": can_write_note(request.user, meeting),
            "can_tick": can_tick_tasks(request.user, meeting),
            "attendance": attendance_of(meeting) if meeting.attendance_recorded else [],
            "can_record_attendance": can_record_attendance(request.user, meeting),
            **_registration_context(request.user, meeting),
        },
    )


def _registration_context(user: User, meeting: Meeting) -> dict[str, object]:
    """What a gathering's page shows of its registration: to the leader the whole list, to a member their
    own group's registrations and whether they may register more."""
    if not meeting.is_gathering:
        return {}
    manages = can_manage_registration(user, meeting)
    if not (meeting.registration_open or manages):
        return {"can_manage_registration": False}
    registrations = registrations_of(meeting)
    if not manages:
        own_groups = set(
            Membership.objects.current()
            .filter(user=user, group__portfolio=meeting.portfolio_id)
            .values_list("group_id", flat=True)
        )
        registrations = [r for r in registrations if r.membership.group_id in own_groups]
    deadline = meeting.registration_deadline
    return {
        "can_manage_registration": manages,
        "registrations": registrations,
        "registration_count": Registration.objects.filter(meeting=meeting).count(),
        "can_register": bool(_may_register(user, meeting)),
        "deadline_passed": deadline is not None and deadline < timezone.now(),
    }


@login_required
def meeting_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, pk)
    _refuse_unless(can_schedule(request.user, meeting), meeting)
    form = MeetingScheduleForm(request.POST or None, meeting=meeting)
    guard = EditGuard(request.POST or None, row=meeting, values=form_values(form))
    if request.method == "POST" and not guard.is_stale and form.is_valid():
        data = form.cleaned_data
        try:
            meeting_schedule(
                meeting=meeting,
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                format=data["format"],
                place=data["place"],
                link=data["link"],
                agenda=data["agenda"],
                user=request.user,
                revision=guard.revision,
                request=request,
            )
        except MeetingError as error:
            form.add_error(None, str(error))
        except StaleEdit:
            # Saved by someone else between this request's read and its lock.
            now = Meeting.objects.select_related("revised_by").get(pk=meeting.pk)
            guard.refuse(now, form_values(MeetingScheduleForm(meeting=now)))
        else:
            messages.success(request, "Møtet er lagret.")
            return redirect(meeting)
    return render(request, "meetings/meeting_form.html", {"meeting": meeting, "form": form, "guard": guard})


@login_required
def meeting_cancel_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, pk)
    _refuse_unless(can_schedule(request.user, meeting), meeting)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            meeting_cancel(meeting=meeting, reason=form.cleaned_data["reason"], user=request.user, request=request)
        except MeetingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Møtet er avlyst, og deltakerne får beskjed.")
            return redirect(meeting)
    return render(request, "meetings/meeting_cancel.html", {"meeting": meeting, "form": form})


def _task_values(tasks: list[Task]) -> Shown:
    """A note's tasks as the note form shows them, for its EditGuard: what note_save compares, in order."""
    return Shown(
        label="Oppgaver til neste møte",
        value=tuple((t.text, t.responsible_role, t.responsible_user_id, t.due_on) for t in tasks),
        text=lambda: "\n".join(_task_line(task) for task in tasks) or "(ingen oppgaver)",
    )


def _task_line(task: Task) -> str:
    parts = [task.text]
    if responsible := task.responsible_display:
        parts.append(f"ansvarlig: {responsible}")
    if task.due_on:
        parts.append(f"frist {task.due_on:%d.%m.%Y}")
    return " – ".join(parts)


def _note_values(form: NoteForm, tasks: list[Task]) -> dict[str, Shown]:
    return {**form_values(form), "tasks": _task_values(tasks)}


def _without_gone_tasks(data: QueryDict, tasks: list[Task]) -> QueryDict:
    """The posted note form with its task rows matched to the note's tasks as they are now (`tasks`): a row
    whose task the other save deleted would be refused by the formset, with no way for the adviser to put it
    right, so it becomes a new task with what the adviser typed. A formset wants its rows of existing tasks
    first, so such rows move after them, before the empty rows."""
    prefix = re.compile(rf"^{TASK_PREFIX}-(\d+)-(.+)$")
    try:
        initial = int(data.get(f"{TASK_PREFIX}-INITIAL_FORMS", ""))
    except ValueError:
        return data  # not the note form's data; the formset says so itself
    rows: dict[int, dict[str, list[str]]] = {}
    for key in data:
        if match := prefix.match(key):
            rows.setdefault(int(match[1]), {})[match[2]] = data.getlist(key)
    ids = {str(task.pk) for task in tasks}
    ordered = [rows.get(index, {}) for index in range(max(rows, default=-1) + 1)]
    existing = [row for row in ordered[:initial] if row.get("id", [""])[0] in ids]
    gone = [row | {"id": [""]} for row in ordered[:initial] if row.get("id", [""])[0] not in ids]
    fixed = data.copy()
    for key in [key for key in fixed if prefix.match(key)]:
        del fixed[key]
    for index, row in enumerate(existing + gone + ordered[initial:]):
        for name, values in row.items():
            fixed.setlist(f"{TASK_PREFIX}-{index}-{name}", values)
    fixed[f"{TASK_PREFIX}-INITIAL_FORMS"] = str(len(existing))
    return fixed


@login_required
def note_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, pk)
    _refuse_unless(can_write_note(request.user, meeting), meeting)
    note: MeetingNote = getattr(meeting, "note", None) or MeetingNote(meeting=meeting, author=request.user)
    # The group's current members, and whoever a task of this note already names (who may have left since).
    chosen = Q(pk__in=Membership.objects.current().filter(group=meeting.group_id).values("user"))
    if note.pk:
        chosen |= Q(pk__in=note.tasks.values("responsible_user"))
    members = get_user_model().objects.filter(chosen).order_by("full_name")
    tasks_query = Task.objects.select_related("responsible_user")
    form = NoteForm(request.POST or None, instance=note)
    formset = TaskFormSet(
        request.POST or None, instance=note, queryset=tasks_query, prefix=TASK_PREFIX, form_kwargs={"members": members}
    )
    tasks = list(formset.get_queryset())
    guard = EditGuard(request.POST or None, row=note if note.pk else None, values=_note_values(form, tasks))
    if request.method == "POST" and not guard.is_stale and form.is_valid() and formset.is_valid():
        publish = "publish" in request.POST
        try:
            note = note_save(
                meeting=meeting,
                author=request.user,
                summary=form.cleaned_data["summary"],
                agreements=form.cleaned_data["agreements"],
                staff_note=form.cleaned_data["staff_note"],
                tasks=task_rows(formset),
                publish=publish,
                revision=guard.revision,
                request=request,
                # Absent when the group has no documents: the links stay as they are.
                documents=list(docs) if (docs := form.cleaned_data.get("documents")) is not None else None,
            )
        except ValidationError as error:
            form.add_error(None, error)
        except StaleEdit:
            # Saved by someone else between this request's read and its lock: read the note again.
            note = MeetingNote.objects.select_related("revised_by").get(meeting=meeting)
            tasks = list(tasks_query.filter(note=note))
            guard.refuse(note, _note_values(NoteForm(instance=note), tasks))
        else:
            if publish or note.is_published:
                messages.success(request, "Referatet er publisert, og kommunegruppen har fått e-post.")
            else:
                messages.success(request, "Utkastet er lagret. Kommunegruppen ser det først når du publiserer.")
            return redirect(meeting)
    if guard.is_stale:
        # What the adviser typed stays; the rows are bound to the note as it is now.
        formset = TaskFormSet(
            _without_gone_tasks(request.POST, tasks),
            instance=note,
            queryset=tasks_query,
            prefix=TASK_PREFIX,
            form_kwargs={"members": members},
        )
    return render(
        request,
        "meetings/note_form.html",
        {"meeting": meeting, "form": form, "formset": formset, "guard": guard},
    )


@login_required
@require_POST
def task_toggle(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    task = Task.objects.select_related("note").filter(pk=pk).first()
    if task is None:
        raise AccessRefused("meetings.task", pk)
    meeting = get_meeting_for_user(request.user, task.note.meeting_id)
    _refuse_unless(task.note.is_published and can_tick_tasks(request.user, meeting), task)
    task_set_done(task=task, user=request.user, done=request.POST.get("done") == "1")
    next_url = request.POST.get("next")
    if next_url is None or not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = meeting.get_absolute_url()
    return redirect(next_url)


@login_required
def calendar(request: AuthenticatedRequest) -> HttpResponse:
    """The person's calendar address: shown once when made, renewed on request."""
    token: str | None = None
    if request.method == "POST":
        token = calendar_feed_renew(user=request.user, request=request)
    feed_url = request.build_absolute_uri(reverse("meetings:calendar_feed", kwargs={"token": token})) if token else ""
    return render(
        request,
        "meetings/calendar.html",
        {"feed_url": feed_url, "has_feed": CalendarFeed.objects.filter(user=request.user).exists()},
    )


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The calendar file Outlook and Google Calendar subscribe to. The secret in the address is the key."""
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=calendar_token_hash(token), user__is_active=True)
        .first()
    )
    if feed is not None and not feed_still_wanted(feed.user):
        # Everyone the feed was for has left (or their groups ended early): the address stops working,
        # rather than answering an empty calendar for ever.
        feed = None
    if feed is None:
        # Logged without the path, which holds the token.
        raise AccessRefused("meetings.calendarfeed", path=request.path.replace(token, "…"))
    body = ics.feed_bytes(
        meetings_for_user(feed.user),
        name="Veiledning – møter",
        several_groups=feed.user.pk in following_several_groups([feed.user.pk]),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=900"
    return response


# Attendance (issue 16)


@login_required
def attendance_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Who took part: a checkbox per member (per member of the portfolio's groups at a gathering, those
    registered first) and rows for guests, made to be ticked off on a phone at the meeting."""
    meeting = get_meeting_for_user(request.user, pk)
    _refuse_unless(can_record_attendance(request.user, meeting), meeting)
    candidates = attendance_candidates(meeting)
    recorded = attendance_of(meeting)
    initial_members = [row.membership_id for row in recorded if row.membership_id]
    initial_guests = [{"name": row.guest_name, "role": row.guest_role} for row in recorded if not row.membership_id]
    form = AttendanceForm(
        request.POST or None,
        candidates=candidates,
        with_group=meeting.is_gathering,
        initial={"members": initial_members},
    )
    guests = GuestFormSet(request.POST or None, prefix=GUEST_PREFIX, initial=initial_guests)
    if request.method == "POST" and form.is_valid() and guests.is_valid():
        try:
            attendance_record(
                meeting=meeting,
                memberships=form.cleaned_data["members"].select_related("group"),
                guests=[
                    Guest(name=g.cleaned_data.get("name", ""), role=g.cleaned_data.get("role", ""))
                    for g in guests.forms
                    if g.cleaned_data
                ],
                user=request.user,
                request=request,
            )
        except MeetingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Oppmøtet er lagret.")
            return redirect(meeting)
    registered = {r.membership_id for r in registrations_of(meeting)} if meeting.is_gathering else set()
    return render(
        request,
        "meetings/attendance_form.html",
        {"meeting": meeting, "form": form, "guests": guests, "registered": registered},
    )


# Registration for common gatherings (issue 16)


@login_required
def registration_settings(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The programme leader opens a gathering's registration (deadline, places, what the participants pay
    themselves), changes it, or closes it."""
    meeting = get_meeting_for_user(request.user, pk)
    _refuse_unless(can_manage_registration(request.user, meeting), meeting)
    form = RegistrationSettingsForm(request.POST or None, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            registration_settings_save(
                meeting=meeting,
                is_open=data["is_open"],
                deadline=data["deadline"],
                capacity=data["capacity"],
                participant_cost=data["participant_cost"],
                user=request.user,
                request=request,
            )
        except MeetingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Påmeldingen er åpen." if data["is_open"] else "Påmeldingen er lukket.")
            return redirect(meeting)
    return render(request, "meetings/registration_settings.html", {"meeting": meeting, "form": form})


def _may_register(user: User, meeting: Meeting) -> list[Membership]:
    """Whom `user` may register for `meeting` now: nobody unless it is a gathering with open registration."""
    if not meeting.is_gathering or not meeting.registration_open:
        return []
    return registerable_memberships(user, meeting)


@login_required
def registration_new(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A member registers themselves or someone of their own group for a gathering."""
    meeting = get_meeting_for_user(request.user, pk)
    people = _may_register(request.user, meeting)
    _refuse_unless(bool(people), meeting)
    form = RegistrationForm(request.POST or None, people=people, user=request.user)
    if request.method == "POST" and form.is_valid():
        membership = form.cleaned_data["membership"]
        try:
            registration_add(
                meeting=meeting,
                membership=membership,
                needs=form.cleaned_data["needs"],
                user=request.user,
                request=request,
            )
        except MeetingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{membership.user.full_name} er påmeldt og får en bekreftelse på e-post.")
            return redirect(meeting)
    return render(request, "meetings/registration_form.html", {"meeting": meeting, "form": form})


@login_required
@require_POST
def registration_cancel_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    registration = Registration.objects.select_related("membership__group").filter(pk=pk).first()
    if registration is None:
        raise AccessRefused("meetings.registration", pk)
    meeting = get_meeting_for_user(request.user, registration.meeting_id)
    allowed = request.user.is_programme_leader or (
        Membership.objects.current().filter(user=request.user, group=registration.membership.group_id).exists()
    )
    _refuse_unless(allowed, registration)
    try:
        registration_cancel(registration=registration, user=request.user, request=request)
    except MeetingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Påmeldingen er trukket.")
    return redirect(meeting)


REGISTRATION_HEADER = ["Navn", "Rolle", "Kommunegruppe", "E-post", "Telefon", "Behov", "Meldt på", "Meldt på av"]


@login_required
def registration_export(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The gathering's registrations as XLSX, for the programme leader; the export is an event in the log."""
    meeting = get_meeting_for_user(request.user, pk)
    _refuse_unless(can_manage_registration(request.user, meeting), meeting)
    registrations = registrations_of(meeting)
    audit_log(
        action="meeting.registrations_exported",
        actor=request.user,
        obj=meeting,
        request=request,
        payload={"format": "xlsx", "rows": len(registrations)},
    )
    sheet = Sheet(
        title="Påmeldte",
        header=REGISTRATION_HEADER,
        rows=[
            [
                r.membership.user.full_name,
                r.membership.get_role_display(),
                r.membership.group.display_name,
                r.membership.user.email,
                r.membership.user.phone,
                r.needs,
                r.created_at,
                r.registered_by.full_name if r.registered_by else "",
            ]
            for r in registrations
        ],
    )
    return attachment(
        workbook_bytes([sheet]),
        content_type=XLSX,
        filename=download_name("pameldte", meeting.title, timezone.localdate().isoformat(), extension="xlsx"),
    )


# Follow-up after the period (issue 16)


@login_required
def follow_up_new(request: AuthenticatedRequest, group_pk: int) -> HttpResponse:
    """The adviser (or the programme leader) plans a follow-up meeting with a completed group."""
    group = get_group_for_user(request.user, group_pk)
    _refuse_unless(can_plan_follow_up(request.user, group), group)
    # A year after the agreement period, as the seeds suggest (001 §3.2.2), unless that has already passed.
    suggested = max(group.portfolio.agreement_end + timedelta(days=365), timezone.localdate() + timedelta(days=7))
    form = FollowUpForm(request.POST or None, initial={"day": suggested, "title": "Oppfølgingsmøte"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = follow_up_add(
                group=group,
                title=data["title"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                format=data["format"],
                place=data["place"],
                link=data["link"],
                agenda=data["agenda"],
                user=request.user,
                request=request,
            )
        except MeetingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{meeting.title} er lagt inn, og deltakerne får påminnelse før møtet.")
            return redirect(meeting)
    return render(request, "meetings/follow_up_form.html", {"group": group, "form": form})
