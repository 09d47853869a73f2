"""More of everything, fast (issue 12): `grow` adds portfolios, groups with members, meetings with notes, tasks
and reminders, contracts, development plans, survey responses with answers, e-mails and log events, with bulk
inserts, to the data the crawler (`testing/crawl.py`) has chosen its pages from. Part of it lands under the
crawled objects themselves (the crawled portfolio gets more groups, the crawled group more meetings and
members, the crawled survey more responses), so that a page that asks once per row of anything shows it.

Half of the new groups have no name of their own, as the admin allows, so that they are called after their
municipalities, which a page must then fetch with them. Used by the crawl test at a small size and by
`benchmarks/crawl.py` at ten years' size; never on real data."""

import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from accounts.models import AuditEvent, User
from accounts.models import Invitation as AccountInvitation
from applications.models import (
    Application,
    ApplicationMunicipality,
    ApplicationShare,
    Contact,
    CriterionCheck,
    ReviewNote,
)
from contracts.models import Contract
from core.models import Email, ScheduledEmail
from development_plans.models import Comment, DevelopmentPlan, Goal, Level, Measure
from meetings.models import Meeting, MeetingNote, Reminder, Task
from municipalities.models import GroupDocument, GroupDocumentVersion, Membership, Municipality, MunicipalityGroup, Role
from portfolios.models import FoundationSection, PlanItem, Portfolio, Programme
from surveys.models import Answer, Delivery, Invitation, Mailing, Question, Response, level_for_role
from surveys.services import submitted_response, survey_copy

from .crawl import Targets

ROLES = {
    Programme.GroupRule.VEILEDNING: [Role.OWNER_POLITICAL, Role.LEADER, Role.RESOURCE_TEACHER, Role.OTHER],
    Programme.GroupRule.FREMTIDENS_KULTURSKOLE: [Role.MUNICIPAL_DIRECTOR, Role.LEADER, Role.COORDINATOR, Role.OTHER],
}
SURVEY_GROUP_SIZE = 20  # members per group made for the survey's new responses


@dataclass(frozen=True)
class Growth:
    """How much to add. Counts of new rows, except where it says «per»."""

    portfolios: int  # new portfolios, alternately of the two programmes
    groups: int  # new groups in the new portfolios
    target_groups: int  # new groups in the crawled portfolio, and as many in the fee portfolio
    members: int  # per new group (the survey's groups have SURVEY_GROUP_SIZE)
    target_members: int  # new members of the crawled group
    meetings: int  # per new group
    target_meetings: int  # new meetings of the crawled group
    reminders: int  # per new confirmed meeting, to the group's members in turn (at most 2 per member)
    plans: int  # new groups that get a plan with goals, measures and a comment
    target_plan_rows: int  # new goals (with two measures each), comments and log events of the crawled plan
    responses: int  # new submitted responses to the crawled survey
    surveys: int  # copies of the crawled survey in new portfolios, for «Sammenlign»
    records: int  # e-mails, log events and account invitations, each, and documents in the crawled group


class _Builder:
    def __init__(self, t: Targets, growth: Growth) -> None:
        self.t = t
        self.growth = growth
        self.now = timezone.now()
        self.rng = random.Random(len(MunicipalityGroup.objects.all()))  # noqa: S311 - test data
        # Unique in every run of `grow`, so that it can be run more than once on the same data.
        self.tag = f"v{User.objects.order_by('-pk').values_list('pk', flat=True).first() or 0}"
        self.municipalities = list(Municipality.objects.order_by("number"))
        self.advisers = [t.adviser, *User.objects.filter(advised_groups__isnull=False).exclude(pk=t.adviser.pk)]
        self.advisers = list(dict.fromkeys(self.advisers))
        self.sequence = itertools.count()

    def _n(self) -> int:
        return next(self.sequence)

    def users(self, count: int, kind: str = "deltaker") -> list[User]:
        # No password to log in with, and none to hash: these people exist to be counted.
        unusable = make_password(None)
        return User.objects.bulk_create(
            User(email=f"{kind}.{self.tag}.{n}@example.org", full_name=f"Deltaker {self.tag} {n}", password=unusable)
            for n in (self._n() for _ in range(count))
        )

    def portfolios(self, count: int) -> list[Portfolio]:
        programmes = list(Programme.objects.order_by("pk"))
        start = self.t.portfolio.agreement_start
        made = Portfolio.objects.bulk_create(
            Portfolio(
                programme=programmes[i % len(programmes)],
                number=1000 + self._n(),
                name=f"Portefølje {self.tag}-{i}",
                document_title="Grunnlagsdokument",
                plan_title="Plan for gjennomføring",
                agreement_start=start.replace(year=start.year - 1 - i // 2),
                agreement_end=start.replace(year=start.year - i // 2),
                status=Portfolio.Status.COMPLETED if i else Portfolio.Status.ACTIVE,
            )
            for i in range(count)
        )
        Portfolio.advisers.through.objects.bulk_create(
            Portfolio.advisers.through(portfolio=p, user=a) for p in made for a in self.advisers
        )
        FoundationSection.objects.bulk_create(
            FoundationSection(portfolio=p, order=i, heading=f"Avsnitt {i}", text="Tekst.")
            for p in made
            for i in range(3)
        )
        PlanItem.objects.bulk_create(
            PlanItem(portfolio=p, order=i, number=str(i), title=f"Veiledningsmøte {i}", kind=PlanItem.Kind.MEETING)
            for p in made
            for i in range(1, 4)
        )
        return made

    def groups(
        self, portfolio: Portfolio, count: int, members: int, adviser: User | None = None
    ) -> list[MunicipalityGroup]:
        """`count` groups of one municipality each, every second one without a name, with `members` members."""
        if not count:
            return []
        numbers = [self._n() for _ in range(count)]
        places = [self.municipalities[n % len(self.municipalities)] for n in numbers]
        made = MunicipalityGroup.objects.bulk_create(
            MunicipalityGroup(
                portfolio=portfolio,
                name="" if n % 2 else f"Gruppe {self.tag}-{n}",
                adviser=adviser or self.advisers[n % len(self.advisers)],
                status=MunicipalityGroup.Status.ACTIVE,
            )
            for n in numbers
        )
        MunicipalityGroup.municipalities.through.objects.bulk_create(
            MunicipalityGroup.municipalities.through(municipalitygroup=g, municipality=m)
            for g, m in zip(made, places, strict=True)
        )
        Portfolio.advisers.through.objects.bulk_create(
            (Portfolio.advisers.through(portfolio=portfolio, user_id=g.adviser_id) for g in made), ignore_conflicts=True
        )
        for group, place in zip(made, places, strict=True):
            self.members(group, members, place)
        Contract.objects.bulk_create(Contract(group=g, municipality=m) for g, m in zip(made, places, strict=True))
        return made

    def members(self, group: MunicipalityGroup, count: int, place: Municipality | None = None) -> list[Membership]:
        roles = ROLES[Programme.GroupRule(group.portfolio.programme.group_rule)]
        if place is None:
            place = group.municipalities.first()
        return Membership.objects.bulk_create(
            Membership(user=u, group=group, role=roles[i % len(roles)], municipality=place)
            for i, u in enumerate(self.users(count))
        )

    def meetings(self, group: MunicipalityGroup, count: int, before: datetime | None = None) -> None:
        """`count` guidance meetings of `group`, every second one held (with a published note and two tasks,
        before `before`) and the others confirmed ahead, with their reminders."""
        if not count:
            return
        members = list(group.memberships.values_list("user_id", flat=True))
        past = (before or self.now) - timedelta(days=1)
        meetings = []
        for i in range(count):
            was_held = i % 2 == 0
            weeks = timedelta(weeks=4 * (i // 2 + 1))
            starts = past - weeks if was_held else self.now + weeks
            meetings.append(
                Meeting(
                    portfolio_id=group.portfolio_id,
                    group=group,
                    title=f"Veiledningsmøte {i + 1}",
                    kind=Meeting.Kind.GUIDANCE,
                    status=Meeting.Status.HELD if was_held else Meeting.Status.CONFIRMED,
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=2),
                    format=Meeting.Format.DIGITAL,
                    link="https://meet.example.org/veiledning",
                )
            )
        made = Meeting.objects.bulk_create(meetings)
        held = [m for m in made if m.status == Meeting.Status.HELD]
        notes = MeetingNote.objects.bulk_create(
            MeetingNote(
                meeting=m,
                summary="Vi gikk gjennom utviklingsplanen.",
                agreements="Lederen lager et utkast.",
                status=MeetingNote.Status.PUBLISHED,
                author_id=group.adviser_id or self.t.adviser.pk,
                published_at=m.ends_at,
            )
            for m in held
        )
        Task.objects.bulk_create(
            Task(
                note=note,
                order=k,
                text=f"Oppgave {k + 1}",
                responsible_role=Role.LEADER if k else "",
                responsible_user_id=members[k % len(members)] if members and not k else None,
                due_on=(note.meeting.starts_at or self.now).date() + timedelta(days=21),
            )
            for note in notes
            for k in range(2)
        )
        self.reminders([m for m in made if m.status == Meeting.Status.CONFIRMED], members, self.growth.reminders)

    def reminders(self, meetings: Sequence[Meeting], members: Sequence[int], count: int) -> None:
        slots = [(user, offset) for offset in (timedelta(days=7), timedelta(days=1)) for user in members]
        Reminder.objects.bulk_create(
            Reminder(
                meeting=m,
                recipient_id=user,
                kind=Reminder.Kind.BEFORE_MEETING,
                offset=offset,
                due_at=(m.starts_at or self.now) - offset,
                status=ScheduledEmail.Status.PENDING,
            )
            for m in meetings
            for user, offset in slots[:count]
        )

    def plans(self, groups: Sequence[MunicipalityGroup]) -> None:
        plans = DevelopmentPlan.objects.bulk_create(
            DevelopmentPlan(group=g, needs="Behov.", overall_goal="Et tilbud for alle.") for g in groups
        )
        self.goals(plans, 3)
        Comment.objects.bulk_create(
            Comment(plan=p, author_id=p.group.adviser_id or self.t.adviser.pk, text="Fint!") for p in plans
        )

    def goals(self, plans: Sequence[DevelopmentPlan], count: int) -> None:
        levels = list(Level)
        goals = Goal.objects.bulk_create(
            Goal(plan=p, order=100 + i, level=levels[i % len(levels)], title=f"Mål {i + 1}")
            for p in plans
            for i in range(count)
        )
        today = self.now.date()
        Measure.objects.bulk_create(
            Measure(
                goal=g,
                order=k,
                title=f"Tiltak {k + 1}",
                responsible_role=Role.LEADER,
                starts_on=today - timedelta(days=30),
                ends_on=today + timedelta(days=60 * k - 30),
            )
            for g in goals
            for k in range(2)
        )

    def target_plan(self, count: int) -> None:
        plan = self.t.plan
        self.goals([plan], count)
        Comment.objects.bulk_create(
            Comment(plan=plan, author=user, text=f"Kommentar {i}")
            for i, user in zip(range(count), itertools.cycle([self.t.member, self.t.adviser]), strict=False)
        )
        AuditEvent.objects.bulk_create(
            AuditEvent(
                actor=self.t.member,
                action="plan.updated",
                object_type="development_plans.developmentplan",
                object_id=str(plan.pk),
                object_repr=str(plan)[:200],
                payload={"changes": {"needs": ["", f"Behov {i}"]}},
            )
            for i in range(count)
        )

    def responses(self, count: int) -> None:
        """`count` more submitted responses to the crawled survey, from the members of new groups in its
        portfolio: every question answered, the open ones in words, a few of them coded and quoted."""
        survey = self.t.survey
        if not count:
            return
        size = SURVEY_GROUP_SIZE
        groups = self.groups(survey.portfolio, -(-count // size), 0)
        roles = [Role(r) for r in survey.roles] or [Role.LEADER]
        memberships = Membership.objects.bulk_create(
            Membership(user=u, group=groups[i // size], role=roles[i % len(roles)])
            for i, u in enumerate(self.users(count, "respondent"))
        )
        submitted = survey.closes_at - timedelta(days=3)
        invitations = []
        for m in memberships:
            invitation = Invitation(
                survey=survey,
                user=m.user,
                group=m.group,
                role=m.role,
                level=level_for_role(m.role),
                used_at=submitted,
            )
            invitation.set_token()
            invitations.append(invitation)
        Invitation.objects.bulk_create(invitations)
        responses = Response.objects.bulk_create(
            submitted_response(survey=survey, invitation=i, submitted_at=submitted) for i in invitations
        )
        questions = list(survey.questions.prefetch_related("items"))
        rows: list[Answer] = []
        for response in responses:
            for q in questions:
                rows.extend(self._answers(response, q))
        Answer.objects.bulk_create(rows, batch_size=5000)
        categories = list(survey.categories.all())
        texts = [a for a in rows if a.text]
        coded = texts[:: max(1, len(texts) // max(1, count // 4))] if categories else []
        Answer.categories.through.objects.bulk_create(
            Answer.categories.through(answer=a, category=categories[i % len(categories)]) for i, a in enumerate(coded)
        )
        Answer.objects.filter(pk__in=[a.pk for a in coded[::2]]).update(is_quote=True)
        mailing = Mailing.objects.create(survey=survey, kind=Mailing.Kind.INVITATION, created_by=self.t.leader)
        Delivery.objects.bulk_create(
            Delivery(mailing=mailing, invitation=i, status=ScheduledEmail.Status.QUEUED, due_at=survey.opens_at)
            for i in invitations
        )

    def _answers(self, response: Response, q: Question) -> list[Answer]:
        rng, items = self.rng, list(q.items.all())
        if q.kind == Question.Kind.SCALE:
            rows = [Answer(response=response, question=q, value=rng.randint(0 if q.allow_not_applicable else 1, 6))]
        elif q.kind == Question.Kind.MATRIX:
            rows = [Answer(response=response, question=q, item=i, value=rng.randint(1, 6)) for i in items]
        elif q.kind == Question.Kind.SINGLE:
            rows = [Answer(response=response, question=q, item=rng.choice(items))] if items else []
        elif q.kind == Question.Kind.MULTIPLE:
            rows = [Answer(response=response, question=q, item=i) for i in items if rng.random() < 0.5]
        else:
            rows = [Answer(response=response, question=q, text=f"Et åpent svar {response.pk}.")]
        if q.elaborate and rng.random() < 0.3:
            rows.append(Answer(response=response, question=q, text=f"En utdyping {response.pk}."))
        return rows

    def documents(self, group: MunicipalityGroup, count: int, people: Sequence[User]) -> None:
        """More documents in `group`, each in two versions by its people in turn. Their bytes are not stored:
        the list reads only the rows, and the crawl downloads the demo's own document."""
        documents = GroupDocument.objects.bulk_create(
            GroupDocument(group=group, title=f"Dokument {self.tag}-{k}", created_by=people[k % len(people)])
            for k in range(count)
        )
        versions = GroupDocumentVersion.objects.bulk_create(
            GroupDocumentVersion(
                document=document,
                number=number,
                file_type="pdf",
                original_name="dokument.pdf",
                path=f"group_documents/{group.pk}/{document.pk}/{self.tag}-{number}.pdf",
                sha256="0" * 64,
                size=1000 * number,
                uploaded_by=people[(k + number) % len(people)],
            )
            for k, document in enumerate(documents)
            for number in (1, 2)
        )
        for document, latest in zip(documents, versions[1::2], strict=True):
            document.latest = latest
        GroupDocument.objects.bulk_update(documents, ["latest"])

    def records(self, count: int) -> None:
        people = self.users(count, "invitert")
        Email.objects.bulk_create(
            Email(
                to=u.email,
                user=u,
                template="accounts/email/invitation",
                subject="Invitasjon",
                message_id=Email.new_message_id(),
                status=Email.Status.SENT,
                sent_at=self.now,
            )
            for u in people
        )
        AccountInvitation.objects.bulk_create(
            AccountInvitation(
                user=u,
                token_hash=f"{self.tag}-{u.pk}".ljust(64, "0"),
                invited_by=self.t.leader,
                expires_at=self.now + timedelta(days=7),
            )
            for u in people
        )
        AuditEvent.objects.bulk_create(
            AuditEvent(actor=u, action="login", object_type="accounts.user", object_id=str(u.pk), object_repr=str(u))
            for u in people
        )

    def applications(self, count: int) -> None:
        """`count` more applications to the call of the crawled application under review (applications, issue
        15), each with municipalities, contacts, judged criteria and a note; and under that application
        itself more contacts, notes, comments and shares."""
        reviewed = (
            Application.objects.filter(status=Application.Status.IN_REVIEW, shares__adviser=self.t.adviser)
            .order_by("pk")
            .first()
        )
        if reviewed is None:
            return
        call = reviewed.call
        criteria = list(call.criteria.all())
        made = []
        for _ in range(count):
            application = Application(
                call=call,
                status=Application.Status.SUBMITTED,
                applicant_name=f"Søker {self.tag}",
                applicant_email=f"soker.{self.tag}.{self._n()}@example.org",
                confirmed_at=self.now,
                submitted_at=self.now,
            )
            application.set_token()
            made.append(application)
        made = Application.objects.bulk_create(made)
        ApplicationMunicipality.objects.bulk_create(
            ApplicationMunicipality(application=a, municipality=m, order=k)
            for a in made
            for k, m in enumerate(self.rng.sample(self.municipalities, 2))
        )
        with_reviewed = [*made, reviewed]
        Contact.objects.bulk_create(
            Contact(
                application=a,
                order=k,
                name=f"Kontakt {self.tag} {k}",
                role=role,
                email=f"kontakt.{self.tag}.{a.pk}.{k}@example.org",
            )
            for a in with_reviewed
            for k, role in enumerate([Role.OWNER_ADMINISTRATIVE, Role.LEADER, Role.RESOURCE_TEACHER])
        )
        CriterionCheck.objects.bulk_create(
            CriterionCheck(application=a, criterion=c, met=True, checked_by=self.t.leader)
            for a in made
            for c in criteria
        )
        ReviewNote.objects.bulk_create(
            ReviewNote(application=a, kind=kind, author=self.t.leader, text=f"Notat {self.tag}")
            for a in with_reviewed
            for kind in (ReviewNote.Kind.NOTE, ReviewNote.Kind.ADVISER_COMMENT)
        )
        advisers = User.objects.bulk_create(
            User(email=f"veileder.{self.tag}.{self._n()}@example.org", full_name=f"Veileder {self.tag}")
            for _ in range(2)
        )
        ApplicationShare.objects.bulk_create(
            ApplicationShare(application=reviewed, adviser=adviser, shared_by=self.t.leader) for adviser in advisers
        )


def grow(t: Targets, growth: Growth) -> None:
    """Adds `growth` to the data under `t` (see the module's docstring)."""
    b = _Builder(t, growth)
    portfolios = b.portfolios(growth.portfolios)
    groups: list[MunicipalityGroup] = []
    for i, portfolio in enumerate(portfolios):
        # The new groups spread evenly over the new portfolios.
        share = growth.groups // len(portfolios) + (1 if i < growth.groups % len(portfolios) else 0)
        groups += b.groups(portfolio, share, growth.members)
    groups += b.groups(t.portfolio, growth.target_groups, growth.members, adviser=t.adviser)
    groups += b.groups(t.fee_portfolio, growth.target_groups, growth.members)
    for group in groups:
        b.meetings(group, growth.meetings)
    for portfolio in portfolios:
        Meeting.objects.bulk_create(
            Meeting(
                portfolio=portfolio,
                title=f"Fellessamling {k + 1}",
                kind=Meeting.Kind.GATHERING,
                status=Meeting.Status.HELD,
                starts_at=b.now - timedelta(days=400 + 30 * k),
                ends_at=b.now - timedelta(days=400 + 30 * k) + timedelta(hours=5),
            )
            for k in range(2)
        )
    new_members = b.members(t.group, growth.target_members)
    # The crawled group's new meetings: held ones before the crawled held meeting (their open tasks are
    # «earlier tasks» on its page), confirmed ones ahead, with reminders to the old and new members alike.
    b.meetings(t.group, growth.target_meetings, before=t.held_meeting.starts_at)
    b.reminders([t.next_meeting], [m.user_id for m in new_members], min(growth.reminders, 2 * len(new_members)))
    b.plans(groups[: growth.plans])
    b.target_plan(growth.target_plan_rows)
    b.responses(growth.responses)
    for portfolio in portfolios[: growth.surveys]:
        survey_copy(survey=t.survey, portfolio=portfolio, copied_by=t.leader)
    b.records(growth.records)
    b.documents(t.group, growth.records, [t.member, *(m.user for m in new_members)])
    b.applications(growth.records)
