"""The demo's evaluation survey for Portefølje 4, 2023–24: the questionnaire from data/evaluation_survey.json,
closed after the portfolio ended, with generated answers from the members of its groups, a few open answers
coded into the report's categories with findings, and a copy of the survey for the current portfolio.

Portefølje 4 has only two demo groups; more groups are added here so that every level has enough
respondents to pass the anonymity threshold and every chart and split shows something. The answers are drawn
with a fixed seed, so the demo looks the same every time. Safe to run again: an existing survey is left alone."""

import random
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from municipalities.models import Membership, Municipality, MunicipalityGroup, Role
from portfolios.models import PlanItem, Portfolio, Programme

from .models import Answer, Invitation, Question, Response, Survey
from .services import (
    evaluation_spec,
    invitations_create,
    record_submission,
    submitted_response,
    survey_copy,
    survey_create_from_spec,
)

PORTFOLIO_NAME = "Portefølje 4, 2023–24"

# Portfolio 2, whose evaluation report is the source (seeds/001), so that its figures can be compared with
# Portfolio 4's. The figures the report gives as numbers are rebuilt, as answers that give its percentages:
# figure 6 (expectations, 43 groups), figure 7 (anchoring by level, 43 answers per level) and figure 8
# (organisation, three items, 43 groups; see P2_ORGANISATION).
P2_NAME = "Portefølje 2, 2019–20"
P2_GROUPS = 43
P2_EXPECTATIONS = {3: 6, 4: 14, 5: 14, 6: 9}  # 14, 33, 33 and 21 % in the report (which adds up to 101)
P2_ANCHORING = {
    "eier": {2: 2, 3: 10, 4: 9, 5: 12, 6: 10},
    "leder": {3: 1, 4: 2, 5: 16, 6: 24},
    "laerer": {2: 2, 3: 6, 4: 17, 5: 13, 6: 5},
}
P2_ROLES = {"eier": Role.OWNER_ADMINISTRATIVE, "leder": Role.LEADER, "laerer": Role.RESOURCE_TEACHER}

# (group, municipality number, members as (e-mail prefix, name, role))
EXTRA_GROUPS = [
    (
        "Gjøvik",
        "3407",
        [
            ("Ragnhild Sæther", Role.OWNER_ADMINISTRATIVE),
            ("Øystein Hov", Role.LEADER),
            ("Marte Lien", Role.RESOURCE_TEACHER),
            ("Per Åge Brenna", Role.RESOURCE_TEACHER),
            # The only coordinator: the results show «færre enn 3» for that level, and «skjult» for the
            # smallest other level, which would otherwise give the coordinator's answers away.
            ("Mari Kollerud", Role.COORDINATOR),
        ],
    ),
    (
        "Molde",
        "1506",
        [
            ("Ingrid Hjelle", Role.OWNER_POLITICAL),
            ("Arne Bjørnerem", Role.LEADER),
            ("Solveig Ødegård", Role.RESOURCE_TEACHER),
        ],
    ),
    (
        "Horten",
        "3901",
        [
            ("Kjersti Fjeld", Role.MUNICIPAL_DIRECTOR),
            ("Eirik Haugen", Role.LEADER),
            ("Nora Bø", Role.RESOURCE_TEACHER),
            ("Jonas Strand", Role.RESOURCE_TEACHER),
        ],
    ),
    (
        "Namsos",
        "5007",
        [
            ("Liv Anita Grøtte", Role.OWNER_ADMINISTRATIVE),
            ("Tore Kvam", Role.LEADER),
            ("Siv Åsheim", Role.RESOURCE_TEACHER),
        ],
    ),
    (
        "Hamar",
        "3403",
        [
            ("Bente Mæhlum", Role.OWNER_POLITICAL),
            ("Håvard Sveen", Role.LEADER),
            ("Ida Kristine Holm", Role.RESOURCE_TEACHER),
        ],
    ),
]

# How each level tends to answer (weights for 1–6): leaders see the work as best anchored, teachers least,
# as in figure 7 of the Portfolio 2 report.
WEIGHTS = {
    "eier": [0, 1, 3, 6, 6, 3],
    "leder": [0, 0, 1, 3, 7, 8],
    "laerer": [0, 2, 4, 7, 5, 2],
}

# Open answers in the report's words (seeds/001, chapter 2.3), each with the category it was coded into.
OPEN_ANSWERS = {
    "forventninger_apent": [
        (
            "Hvis vi hadde greid å få en felles forståelse tidlig i prosessen for hva som skulle gjøres i dette "
            "arbeidet, ville nok også ansatte vært mer fornøyde.",
            "Forventninger",
        ),
        (
            "Forventet å kunne jobbe mer med kulturskolens rolle i kommunen/samfunnsmandatet vårt – et mer "
            "overordnet perspektiv som det er viktig at skoleeier er med på!",
            "Forventninger",
        ),
        ("Vi visste ikke helt hva vi gikk til, men det ble tydeligere etter den første dialogkonferansen.", None),
    ],
    "mest_nyttig": [
        ("Har gitt inspirasjon. Har vist veg framover. Har gitt oss mange gode metodar.", "Innhold og arbeidsmåter"),
        (
            "Rolleavklaring. Det handler om å få ulike posisjoner til å se hva og hvor man kan bidra til "
            "kulturskolens utvikling. Jobben sitter ikke hos bare leder, men også utover hos ledelse og kollegium.",
            "Forankring",
        ),
        (
            "Den tette oppfølgingen av kulturskolen har virket bra for å holde flyt og engasjementet oppe i "
            "prosjektet.",
            "Erfaringer",
        ),
        ("Arbeidet med utviklingsplanen og delmålene for hvert nivå.", None),
    ],
    "erfaringer_apent": [
        (
            "Veldig positivt å møte andre på samme nivå i de forskjellige kommunene. Erfaringsutveksling og møte "
            "flinke folk.",
            "Erfaringer",
        ),
        (
            "Kommunegruppa kunne møttes mer for å holde fremdrift i utviklingsarbeidet. Tid til å møtes. Drift tar "
            "opp tiden framfor utvikling.",
            "Organisering",
        ),
        ("Det var krevende å holde trykket oppe mellom samlingene.", None),
    ],
    "forbedringer": [
        (
            "Savnet mer tid med veileder til å jobbe med relevante problemstillinger i kommunegruppa. Mer lokal "
            "problematikk.",
            "Innhold og arbeidsmåter",
        ),
        (
            "Alle de tre nivåene er tilnærmet like viktig, men større deltakelse fra politisk/administrativt nivå "
            "vil kunne bidra til større utviklingskraft utenfor kulturskolen.",
            "Forankring",
        ),
        ("Mer tilpasning til små kommuner.", None),
        (
            "Godt med en veileder som holder i prosjektet. Interessant som skoleeier og få mer innsikt i "
            "kulturskolen og dens virksomhet. Flere perspektiver på kulturskolen. Fokus på utvikling.",
            "Resultat",
        ),
    ],
}

# The findings of the Portfolio 2 report, one per category, as its summary gives them (seeds/001, section 2.4,
# «Tabell 2 Samlet oversikt over kategorier og funn»; the chapters' own wording differs in small ways).
FINDINGS = {
    "Forventninger": "Avklaring av roller og hva arbeid med utviklingsprosess innebærer, er en faktor som bør "
    "ligge til grunn for forventningsavklaring.",
    "Forankring": "Kommunegruppens sammensetning, forutsatt at alle roller ivaretas, er en styrke for kommunalt "
    "utviklingsarbeid (eksempelvis kulturskoleutviklingsarbeid).",
    "Organisering": "Total mengde av samlinger og møtepunkter i regi av Kulturskolerådet er passe, så fremt "
    "kommunegruppene selv er i stand til å holde kontinuitet i utviklingsarbeidet.",
    "Innhold og arbeidsmåter": "Bevisst trening med ulike verktøy og arbeidsmetoder skaper grunnlag for "
    "kontinuerlig arbeid med utvikling.",
    "Erfaringer": "Veiledning over en lengre periode, 1-2 år, bidrar til økt bevissthet, eierskap og forankring "
    "rundt utviklingsarbeid.",
    "Resultat": "Kontinuerlig arbeid med utvikling krever forankring i alle ledd.",
}

# Figure 8 («Organiseringsform»): the three items of «I hvilken grad er dere fornøyd med:», answered by the
# 43 groups' leaders, as counts that give the report's percentages (16/49/5/30, 12/47/5/37 and 21/40/40 %;
# the last two add up to 101 in the report, by largest remainder they add up to 100). The report does not
# name the three items; they take the questionnaire's in order. Nobody answered «Ikke deltatt».
P2_ORGANISATION = [
    {3: 2, 4: 7, 5: 21, 6: 13},
    {3: 2, 4: 5, 5: 20, 6: 16},
    {4: 9, 5: 17, 6: 17},
]
# Figure 9 («Dialogkonferansene Høst 2019 – Vår 2020»): the items are the report's two gatherings. The
# report prints no numbers for it, so Portfolio 2 has no answers to it.
P2_CONFERENCES = ["Høst 2019 – Regionale samlinger", "Vår 2020 – Nasjonale samlinger"]

ASCII = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "á": "a", "š": "s", "Æ": "Ae", "Ø": "O", "Å": "A"})


def _email(group: str, name: str) -> str:
    first = name.split()[0].lower().translate(ASCII)
    return f"{first}.{group.lower().translate(ASCII)}@example.org"


def _extra_groups(portfolio: Portfolio) -> None:
    municipalities = Municipality.objects.in_bulk([n for _, n, _ in EXTRA_GROUPS], field_name="number")
    advisers = list(portfolio.advisers.order_by("pk"))
    User = get_user_model()
    for index, (name, number, members) in enumerate(EXTRA_GROUPS):
        group, created = MunicipalityGroup.objects.get_or_create(
            portfolio=portfolio,
            name=name,
            defaults={
                "adviser": advisers[index % len(advisers)] if advisers else None,
                "status": MunicipalityGroup.Status.COMPLETED,
            },
        )
        if created:
            group.municipalities.set([municipalities[number]])
        for full_name, role in members:
            user, made = User.objects.get_or_create(email=_email(name, full_name), defaults={"full_name": full_name})
            if made:
                user.set_unusable_password()  # they only answer through their personal link
                user.save(update_fields=["password"])
            Membership.objects.get_or_create(
                user=user, group=group, defaults={"role": role, "municipality": municipalities[number]}
            )


def _value(rng: random.Random, level: str, question: Question) -> int:
    weights = WEIGHTS.get(level, WEIGHTS["eier"])
    if question.allow_not_applicable and rng.random() < 0.08:
        return Question.NOT_APPLICABLE
    return rng.choices(range(1, 7), weights=weights)[0]


# Open answers not yet used, per question key: (text, the category it is coded into, if any).
OpenAnswers = dict[str, list[tuple[str, str | None]]]


def _answers(
    rng: random.Random, response: Response, questions: Iterable[Question], texts: OpenAnswers
) -> tuple[list[Answer], list[tuple[Answer, str | None]]]:
    rows: list[Answer] = []
    coded: list[tuple[Answer, str | None]] = []
    for q in questions:
        items = list(q.items.all())
        if q.kind == Question.Kind.SCALE:
            rows.append(Answer(response=response, question=q, value=_value(rng, response.level, q)))
        elif q.kind == Question.Kind.MATRIX:
            rows.extend(
                Answer(response=response, question=q, item=i, value=_value(rng, response.level, q)) for i in items
            )
        elif q.kind == Question.Kind.SINGLE:
            rows.append(
                Answer(response=response, question=q, item=rng.choices(items, weights=range(len(items), 0, -1))[0])
            )
        elif q.kind == Question.Kind.MULTIPLE:
            rows.extend(Answer(response=response, question=q, item=i) for i in items if rng.random() < 0.5)
        elif q.kind == Question.Kind.TEXT and texts.get(q.key) and rng.random() < 0.6:
            text, category = texts[q.key].pop(0)
            rows.append(answer := Answer(response=response, question=q, text=text))
            coded.append((answer, category))
    return rows, coded


@transaction.atomic
def seed(*, leader: User) -> Survey | None:
    portfolio = Portfolio.objects.filter(name=PORTFOLIO_NAME).first()
    if portfolio is None or Survey.objects.filter(portfolio=portfolio).exists():
        return None
    _extra_groups(portfolio)
    # Portfolio 4's survey is Portfolio 2's, copied: the same question keys make them comparable.
    survey = survey_copy(survey=_portfolio_2_survey(portfolio.programme), portfolio=portfolio, copied_by=leader)
    survey.closes_at = timezone.make_aware(datetime.combine(portfolio.agreement_end, time(23, 59)))
    survey.opens_at = survey.closes_at - timedelta(days=28)
    survey.save(update_fields=["opens_at", "closes_at"])
    _name_conferences(survey)
    invitations_create(survey=survey, user=leader, notify=False)
    rng = random.Random(4)  # noqa: S311 - demo data, not security
    questions = list(survey.questions.prefetch_related("items"))
    texts: OpenAnswers = {key: list(values) for key, values in OPEN_ANSWERS.items()}
    categories = {c.name: c for c in survey.categories.all()}
    invitations = list(Invitation.objects.filter(survey=survey).order_by("pk"))
    coded = []
    for index, invitation in enumerate(invitations):
        # Most answered; one in eight started without submitting, and a few never opened the link.
        roll = rng.random()
        if invitation.level == "koordinator":
            roll = 1.0  # the lone coordinator answers, to show a split below the threshold
        if roll < 0.1:
            continue
        response = Response.objects.create(survey=survey, invitation=invitation, level=invitation.level)
        rows, new_coded = _answers(rng, response, questions, texts)
        Answer.objects.bulk_create(rows)
        coded.extend(new_coded)
        if roll >= 0.25 or index == 0:
            # As a submit through the link leaves it: the invitation used, an anonymous response unlinked.
            submitted = survey.opens_at + timedelta(days=rng.randint(1, 25), hours=rng.randint(8, 20))
            record_submission(response=response, invitation=invitation, now=submitted)
    for answer, category in coded:
        if category:
            answer.categories.add(categories[category])
            answer.is_quote = True
            answer.save(update_fields=["is_quote"])
    for name, finding in FINDINGS.items():
        categories[name].finding = finding
        categories[name].save(update_fields=["finding"])
    _copy_to_current(survey, leader)
    return survey


def _copy_to_current(survey: Survey, leader: User) -> None:
    """The next cohort's survey, copied with the same question keys so the two can be compared; it opens in
    the last month of the current portfolio."""
    current = (
        Portfolio.objects.filter(programme=survey.portfolio.programme, status=Portfolio.Status.ACTIVE)
        .exclude(pk=survey.portfolio_id)
        .first()
    )
    if current is None or Survey.objects.filter(portfolio=current).exists():
        return
    copy = survey_copy(survey=survey, portfolio=current, copied_by=leader)
    copy.closes_at = timezone.make_aware(datetime.combine(current.agreement_end, time(23, 59)))
    copy.opens_at = copy.closes_at - timedelta(days=28)
    copy.save(update_fields=["opens_at", "closes_at"])
    _name_conferences(copy)


def _name_conferences(survey: Survey) -> None:
    """The items of «I hvilken grad er dere fornøyd med dialogkonferansene?» of a survey copied from
    Portfolio 2's, named after its own portfolio's dialogue conferences («Dialogkonferanse 1 – juni 2023»)
    rather than Portfolio 2's gatherings of 2019–20; the questionnaire's own names if the plan has not one
    conference per item. Compared with Portfolio 2's by order, as every matrix item is."""
    question = survey.questions.filter(key="dialogkonferanser").first()
    if question is None:
        return
    items = list(question.items.order_by("order", "pk"))
    gatherings = list(
        PlanItem.objects.filter(portfolio=survey.portfolio_id, title__startswith="Dialogkonferanse").order_by(
            "order", "pk"
        )
    )
    if len(gatherings) == len(items):
        labels = [f"{g.title} – {g.when_text.lower()}" if g.when_text else g.title for g in gatherings]
    else:
        spec = next(q for page in evaluation_spec()["pages"] for q in page["questions"] if q["key"] == question.key)
        labels = list(spec["items"])
    for item, label in zip(items, labels, strict=True):
        item.label = label
        item.save(update_fields=["label"])


def _expand(counts: Mapping[int, int]) -> list[int]:
    return [value for value, n in sorted(counts.items()) for _ in range(n)]


def _portfolio_2_survey(programme: Programme) -> Survey:
    """Portfolio 2 with one group of an owner, a leader and a teacher per municipality, and their submitted
    answers to the questions the report gives figures for (figures 6, 7 and 8), and figure 9's items."""
    portfolio, _ = Portfolio.objects.get_or_create(
        programme=programme,
        name=P2_NAME,
        defaults={
            "number": 2,
            "agreement_start": date(2019, 1, 1),
            "agreement_end": date(2020, 6, 30),
            "status": Portfolio.Status.COMPLETED,
        },
    )
    if survey := Survey.objects.filter(portfolio=portfolio).first():
        return survey
    closes = timezone.make_aware(datetime.combine(portfolio.agreement_end, time(23, 59)))
    survey = survey_create_from_spec(
        portfolio=portfolio, opens_at=closes - timedelta(days=28), closes_at=closes, spec=evaluation_spec()
    )
    # The report's own findings: a copy starts without them (services.survey_copy), as a new cohort's coding does.
    for name, finding in FINDINGS.items():
        survey.categories.filter(name=name).update(finding=finding)
    conferences = survey.questions.get(key="dialogkonferanser")
    for item, label in zip(conferences.items.order_by("order"), P2_CONFERENCES, strict=True):
        item.label = label
        item.save(update_fields=["label"])
    taken = MunicipalityGroup.objects.exclude(municipalities=None).values("municipalities__number")
    municipalities = list(Municipality.objects.exclude(number__in=taken).order_by("number")[:P2_GROUPS])
    groups = MunicipalityGroup.objects.bulk_create(
        MunicipalityGroup(portfolio=portfolio, name=m.name, status=MunicipalityGroup.Status.COMPLETED)
        for m in municipalities
    )
    MunicipalityGroup.municipalities.through.objects.bulk_create(
        MunicipalityGroup.municipalities.through(municipalitygroup_id=g.pk, municipality_id=m.pk)
        for g, m in zip(groups, municipalities, strict=True)
    )
    User = get_user_model()
    unusable = make_password(None)  # they only ever answered through their personal link
    people = [(level, g, m) for level in P2_ROLES for g, m in zip(groups, municipalities, strict=True)]
    users = User.objects.bulk_create(
        User(
            email=f"{level}.p2.{m.number}@example.org",
            full_name=f"{P2_ROLES[level].label.split(' (')[0]}, {m.name}",
            password=unusable,
        )
        for level, _, m in people
    )
    Membership.objects.bulk_create(
        Membership(user=u, group=g, role=P2_ROLES[level], municipality=m)
        for u, (level, g, m) in zip(users, people, strict=True)
    )
    invitations = []
    submitted = closes - timedelta(days=7)
    for u, (level, g, _) in zip(users, people, strict=True):
        invitation = Invitation(survey=survey, user=u, group=g, role=P2_ROLES[level], level=level, used_at=submitted)
        invitation.set_token()
        invitations.append(invitation)
    Invitation.objects.bulk_create(invitations)
    responses = Response.objects.bulk_create(
        submitted_response(survey=survey, invitation=i, submitted_at=submitted) for i in invitations
    )
    anchoring = survey.questions.get(key="forankring")
    expectations = survey.questions.get(key="forventning_samsvar")
    organisation = survey.questions.get(key="organisering")
    values = {level: _expand(counts) for level, counts in P2_ANCHORING.items()}
    leaders = iter(_expand(P2_EXPECTATIONS))
    organised = [
        (item, iter(_expand(counts)))
        for item, counts in zip(organisation.items.order_by("order"), P2_ORGANISATION, strict=True)
    ]
    rows = []
    for index, response in enumerate(responses):
        rows.append(Answer(response=response, question=anchoring, value=values[response.level][index % P2_GROUPS]))
        if response.level == "leder":
            rows.append(Answer(response=response, question=expectations, value=next(leaders)))
            rows.extend(
                Answer(response=response, question=organisation, item=item, value=next(counts))
                for item, counts in organised
            )
    Answer.objects.bulk_create(rows)
    return survey
