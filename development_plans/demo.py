"""Demo development plans for `seed_demo`: Bodø's plan, approved by the owner, with goals on all three levels
and measures in every status; Guovdageaidnu's plan as a draft. Written through the services, so the change log
reads like real work. The wording follows the seeds (the foundation documents and the evaluation report)."""

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from accounts.models import User
from meetings.models import Task
from municipalities.models import MunicipalityGroup, Role
from portfolios.models import Portfolio

from . import services
from .models import DevelopmentPlan, Goal, Level, Measure


def _dates(start: date, months_from: int, months_to: int) -> tuple[date, date]:
    # Months of 30 days are precise enough for a demo; it keeps the arithmetic free of calendars.
    return start + timedelta(days=30 * months_from), start + timedelta(days=30 * months_to)


def _goal(
    plan: DevelopmentPlan,
    user: User,
    level: Level,
    title: str,
    success: str,
    measures: Iterable[Mapping[str, Any]],
    **tags: list[str],
) -> Goal:
    goal = services.goal_create(
        plan=plan,
        user=user,
        data={"level": level, "title": title, "success_criteria": success, **tags},
    )
    for measure in measures:
        services.measure_create(goal=goal, user=user, data=measure)
    return goal


def _bodo(group: MunicipalityGroup, users: Mapping[str, User], today: date) -> None:
    leader = users["leder.bodo@example.org"]
    owner = users["kommunalsjef.bodo@example.org"]
    teacher = users["laerer.bodo@example.org"]
    start = group.portfolio.agreement_start
    plan = services.plan_create(group=group, user=leader)
    services.plan_update(
        plan=plan,
        user=leader,
        data={
            "needs": (
                "Kulturskolen når få elever fra ungdomstrinnet, og ventelistene er lange i noen fag mens andre står "
                "ledige. Lærerne arbeider mye alene og har få faste møteplasser for å drøfte undervisningen. "
                "Kulturskolen er lite omtalt i kommunens planverk."
            ),
            "knowledge_base": (
                "Elevtall fra GSI de siste fem årene, kulturskolens elevundersøkelse høsten 2025, personalmøte om "
                "Rammeplan for kulturskolen og kommuneplanens samfunnsdel."
            ),
            "opportunities": (
                "Kommunen reviderer samfunnsdelen av kommuneplanen i perioden. Grunnskolene ønsker samarbeid om "
                "kulturtilbud i skoletiden, og det nye kulturhuset gir rom for fordypningsprogram."
            ),
            "focus_area": group.focus_area or "Kulturskolen som en del av kommunens helhetlige oppveksttilbud.",
            "overall_goal": (
                "Bodø kulturskole er en tydelig del av kommunens tjenestetilbud, med et tilbud som når flere barn "
                "og unge, og med lærere som utvikler praksis sammen."
            ),
        },
    )
    policy_from, policy_to = _dates(start, 1, 4)
    forum_from = start + timedelta(days=90)
    _goal(
        plan,
        leader,
        Level.OWNER,
        "Kulturskolen er forankret i kommuneplanens samfunnsdel og i budsjettprosessen.",
        "Kulturskolen har egne mål i samfunnsdelen, og kulturskolelederen deltar i budsjettdialogen.",
        [
            {
                "title": "Sak om kulturskolens rolle i oppvekstsektoren til oppvekstutvalget",
                "responsible_role": Role.OWNER_ADMINISTRATIVE,
                "responsible_person": owner,
                "starts_on": policy_from,
                "ends_on": policy_to,
                "status": Measure.Status.DONE,
                "evaluation": "Saken ble behandlet i utvalget, som ba om en årlig rapport fra kulturskolen.",
            },
            {
                "title": "Kulturskolelederen deltar i kommunens planforum",
                "responsible_role": Role.LEADER,
                "responsible_person": leader,
                "starts_on": forum_from,
                "ends_on": group.portfolio.agreement_end,
                "status": Measure.Status.IN_PROGRESS,
            },
        ],
        pillars=["sustainability"],
        qualities=["structure"],
    )
    meetings_from = start + timedelta(days=30)
    talks_from = max(today + timedelta(days=30), start)
    _goal(
        plan,
        leader,
        Level.LEADER,
        "Kulturskolelederen har faste møteplasser med lærerne for refleksjon og erfaringsdeling.",
        "Alle lærere deltar i minst fem fagmøter i året, og refleksjonsnotatene brukes i planleggingen.",
        [
            {
                "title": "Fagmøte hver sjette uke med skriftlig refleksjonsnotat",
                "responsible_role": Role.LEADER,
                "responsible_person": leader,
                "starts_on": meetings_from,
                "ends_on": group.portfolio.agreement_end,
                "status": Measure.Status.IN_PROGRESS,
            },
            {
                "title": "Medarbeidersamtaler med utviklingsarbeidet som tema",
                "responsible_role": Role.LEADER,
                "starts_on": talks_from,
                "ends_on": talks_from + timedelta(days=45),
                "status": Measure.Status.PLANNED,
            },
            {
                "title": "Felles planleggingsdag med grunnskolene",
                "responsible_role": Role.LEADER,
                "status": Measure.Status.DROPPED,
                "dropped_reason": (
                    "Grunnskolene hadde ikke rom for en felles dag dette skoleåret; tas opp igjen neste år."
                ),
            },
        ],
        pillars=["learning"],
        qualities=["process"],
    )
    # Still running after its end date: the progress view shows it as overdue.
    team_to = today - timedelta(days=14)
    team_from = min(start + timedelta(days=60), team_to - timedelta(days=30))
    _goal(
        plan,
        leader,
        Level.TEACHERS,
        "Lærerne prøver ut og evaluerer nye arbeidsmåter i breddetilbudet.",
        "To nye gruppetilbud er prøvd ut og evaluert, og elevtallet fra ungdomstrinnet har økt.",
        [
            {
                "title": "Ressurslæreren leder et lærerteam som prøver ut gruppeundervisning i gitar",
                "responsible_role": Role.RESOURCE_TEACHER,
                "responsible_person": teacher,
                "starts_on": team_from,
                "ends_on": team_to,
                "status": Measure.Status.IN_PROGRESS,
            },
            {
                "title": "Elevkonsert der gruppene viser fram det de har laget",
                "responsible_role": Role.RESOURCE_TEACHER,
                "starts_on": talks_from,
                "ends_on": talks_from,
                "status": Measure.Status.PLANNED,
            },
        ],
        pillars=["expression"],
        programme_areas=["broad"],
        qualities=["result"],
    )
    services.plan_share(plan=plan, user=leader, notify=False)
    # seed_demo assigns Bodø its adviser before the plans are made.
    assert group.adviser is not None
    services.comment_add(
        plan=plan,
        user=group.adviser,
        text=(
            "Godt at alle tre nivåene har egne mål. Vurder å beskrive hvordan lærerteamet skal dele erfaringene "
            "med resten av kollegiet."
        ),
    )
    services.comment_add(plan=plan, user=teacher, text="Vi tar erfaringsdelingen inn i fagmøtene.")
    services.plan_approve(plan=plan, user=owner, notify=False)


def _guovdageaidnu(group: MunicipalityGroup, users: Mapping[str, User], today: date) -> None:
    leader = users["leder.guovdageaidnu@example.org"]
    plan = services.plan_create(group=group, user=leader)
    services.plan_update(
        plan=plan,
        user=leader,
        data={
            "needs": (
                "Joik og duodji etterspørres mer enn kulturskolen kan tilby i dag, og lange avstander gjør at "
                "barn i bygdene får et svakere tilbud enn barn i sentrum."
            ),
            "knowledge_base": "Samtaler med foreldre, elevtall fra GSI og en kartlegging av lærernes kompetanse.",
            "opportunities": "Samarbeid med Sámi allaskuvla og med skolene i bygdene om undervisning der elevene bor.",
            "overall_goal": "Kulturskolen gir alle barn i kommunen et tilbud i samisk kunst og kultur.",
        },
    )
    _goal(
        plan,
        leader,
        Level.OWNER,
        "Tilbudet i samisk kunst og kultur er beskrevet i kommunens planer.",
        "Kommunestyret har vedtatt en plan for kulturskolen der tilbudet er med.",
        [
            {
                "title": "Utkast til plan for kulturskolen legges fram for oppvekstutvalget",
                "responsible_role": Role.OWNER_POLITICAL,
                "starts_on": today + timedelta(days=20),
                "ends_on": today + timedelta(days=120),
                "status": Measure.Status.PLANNED,
            }
        ],
        pillars=["sustainability"],
    )
    _goal(
        plan,
        leader,
        Level.TEACHERS,
        "Lærerne bruker joik og duodji i undervisningen i kjerneprogrammet.",
        "Alle elever i kjerneprogrammet har møtt joik eller duodji i løpet av skoleåret.",
        [
            {
                "title": "Kurs i joik for lærerne",
                "responsible_role": Role.RESOURCE_TEACHER,
                "responsible_person": users["laerer.guovdageaidnu@example.org"],
                "starts_on": today + timedelta(days=40),
                "ends_on": today + timedelta(days=70),
                "status": Measure.Status.PLANNED,
            }
        ],
        pillars=["learning", "expression"],
        programme_areas=["core"],
    )


def create_demo_plans(*, portfolio: Portfolio, users: Mapping[str, User]) -> None:
    """Creates the demo plans in `portfolio` (the current one) if they do not exist yet.

    `users` maps the demo's e-mail addresses to users; the groups «Bodø» and «Guovdageaidnu» must exist."""
    today = timezone.localdate()
    for name, build in (("Bodø", _bodo), ("Guovdageaidnu", _guovdageaidnu)):
        group = MunicipalityGroup.objects.filter(portfolio=portfolio, name=name).first()
        if group is not None and not DevelopmentPlan.objects.filter(group=group).exists():
            build(group, users, today)
            _link_tasks(group)


def _link_tasks(group: MunicipalityGroup) -> None:
    """Links each of the group's first measures to a task from its meeting notes (if the meetings were seeded)."""
    tasks = list(Task.objects.published().filter(note__meeting__group=group).order_by("note__meeting__starts_at"))
    measures = Measure.objects.filter(goal__plan__group=group).order_by("goal__order", "order")
    for measure, task in zip(measures, tasks[::2], strict=False):
        measure.tasks.add(task)
