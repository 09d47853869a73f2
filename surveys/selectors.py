"""Reads for the survey pages: access, the results computed in the database, the open answers, the report
and the comparison across portfolios.

The results come from one grouped query over the answers (GROUP BY question, item, value, level); Python
only turns those few counted rows into percentages, means and medians, so the number of queries and the
work in Python stay the same however many people answered."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Value
from django.utils import timezone

from accounts.access import AccessRefused
from accounts.models import User
from municipalities.models import Membership, MunicipalityGroup, Role

from .models import Answer, Category, Invitation, Level, Question, Response, Survey, hash_token

# An anonymous survey shows no split with fewer respondents than this.
ANONYMITY_THRESHOLD = 3
NOT_APPLICABLE_LABEL = "Ikke deltatt / vet ikke"
# Marks the multiple-choice respondent counts in the grouped answer query; no answer has a negative value.
RESPONDENTS_MARKER = -1

# (level, its label, submitted responses), as respondents_by_level gives them.
LevelCount = tuple[str, str, int]


def get_survey_for_user(user: User, pk: int) -> Survey:
    survey = Survey.objects.visible_to(user).select_related("portfolio__programme").filter(pk=pk).first()
    if survey is None:
        raise AccessRefused("surveys.survey", pk)
    return survey


def get_invitation_by_token(token: str) -> Invitation | None:
    """The invitation a personal link belongs to, or None. Looked up by the token's hash only."""
    return (
        Invitation.objects.select_related("survey__portfolio", "user", "response")
        .filter(token_hash=hash_token(token))
        .first()
    )


def invitation_still_current(invitation: Invitation) -> bool:
    """Whether the invitation's membership still gives access (municipalities.models.MembershipQuerySet)."""
    return Membership.objects.current().filter(user=invitation.user_id, group=invitation.group_id).exists()


def largest_remainder_percentages(counts: Sequence[int]) -> list[int]:
    """Whole percentages for `counts` that add up to exactly 100 (0 for no counts at all): each gets its
    rounded-down share, and the points left go to the largest remainders (ties to the earlier one)."""
    total = sum(counts)
    if not total:
        return [0] * len(counts)
    exact = [c * 100 / total for c in counts]
    floors = [int(c * 100 // total) for c in counts]
    left = 100 - sum(floors)
    by_remainder = sorted(range(len(counts)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in by_remainder[:left]:
        floors[i] += 1
    return floors


def _median(pairs: Sequence[tuple[int, int]]) -> float | None:
    """The median of values given as (value, count) pairs sorted by value."""
    n = sum(c for _, c in pairs)
    if not n:
        return None
    lower_pos, upper_pos = (n - 1) // 2, n // 2
    seen = 0
    lower: int | None = None
    upper: int | None = None
    for value, count in pairs:
        if lower is None and lower_pos < seen + count:
            lower = value
        if upper_pos < seen + count:
            upper = value
            break
        seen += count
    # Both positions are below n, the sum of the counts, so the loop has found both.
    assert lower is not None and upper is not None
    return (lower + upper) / 2


@dataclass
class Bucket:
    label: str
    count: int
    percent: int


@dataclass
class Distribution:
    buckets: list[Bucket]
    # None in a suppressed distribution, which carries no numbers.
    n: int | None
    mean: float | None = None
    median: float | None = None
    suppressed: bool = False
    # What a suppressed cell says instead of its numbers: «færre enn 3», or «skjult» for a level that has
    # enough respondents but is hidden so that a small one cannot be worked out by subtraction.
    note: str = ""


@dataclass
class Split:
    level: str
    label: str
    distribution: Distribution


@dataclass
class ResultRow:
    """One chart: a scale question, one item of a matrix, or a choice question's options."""

    label: str
    overall: Distribution
    splits: list[Split] = field(default_factory=list)
    chart_id: str = ""
    # The charts, drawn by the views (charts.py) for the page; none for a suppressed row.
    svg: str = ""
    splits_svg: str = ""


@dataclass
class QuestionResult:
    question: Question
    rows: list[ResultRow]


SMALL_NOTE = "færre enn 3"
COMPLEMENTARY_NOTE = "skjult"


def hidden_levels(respondents: Mapping[str, int]) -> set[str]:
    """The levels an anonymous survey must hide, given {level: respondents} in display order.

    Every level with fewer than ANONYMITY_THRESHOLD respondents is hidden. Since the total is shown, one
    hidden level alone could be worked out as the total minus the levels shown; so, while the hidden
    levels together have 1 or 2 respondents, the smallest level still shown is hidden as well
    (complementary suppression). Ties go to the earlier level."""
    hidden = {level for level, n in respondents.items() if n < ANONYMITY_THRESHOLD}
    while 0 < sum(respondents[level] for level in hidden) < ANONYMITY_THRESHOLD:
        shown = [(n, i, level) for i, (level, n) in enumerate(respondents.items()) if level not in hidden]
        if not shown:
            break
        hidden.add(min(shown)[2])
    return hidden


def _distribution(
    question: Question, counts: Mapping[int, int], *, suppress: bool = False, note: str = SMALL_NOTE
) -> Distribution:
    """`counts` maps a value (scale) or item id (choices) to a count. A suppressed distribution carries
    no numbers at all, so that no template or chart can show them by mistake."""
    if question.is_scale:
        keys = list(Question.SCALE_VALUES) + ([Question.NOT_APPLICABLE] if question.allow_not_applicable else [])
        labels = [str(v) for v in Question.SCALE_VALUES] + (
            [NOT_APPLICABLE_LABEL] if question.allow_not_applicable else []
        )
    else:
        items = list(question.items.all())
        keys, labels = [i.pk for i in items], [i.label for i in items]
    values = [counts.get(k, 0) for k in keys]
    # For multiple choice a respondent may tick several options, so the shares are of the ticks.
    n = sum(values)
    if suppress:
        return Distribution(buckets=[], n=None, suppressed=True, note=note)
    percents = largest_remainder_percentages(values)
    distribution = Distribution(
        buckets=[Bucket(lb, c, p) for lb, c, p in zip(labels, values, percents, strict=True)], n=n
    )
    if question.is_scale:
        rated = [(v, counts.get(v, 0)) for v in Question.SCALE_VALUES]
        rated_n = sum(c for _, c in rated)
        if rated_n:
            distribution.mean = sum(v * c for v, c in rated) / rated_n
            distribution.median = _median(rated)
    return distribution


def survey_results(survey: Survey, *, levels: Sequence[LevelCount] | None = None) -> list[QuestionResult]:
    """Per closed question the distribution overall and by level, from submitted responses only.
    `levels` is `respondents_by_level(survey)` if the caller has it already.

    In an anonymous survey each row hides the levels `hidden_levels` names, and the total as well when
    fewer than 3 answered (none at all is shown as none).

    Queries, whatever the number of responses: questions, their items, the grouped answer counts
    (with the multiple-choice respondents in the same query), and the respondents per level (4, or 3
    with `levels`)."""
    questions = list(
        survey.questions.filter(kind__in=Question.CLOSED_KINDS)
        .select_related("category", "page")
        .prefetch_related("items")
    )
    answers = Answer.objects.filter(
        response__survey=survey, response__submitted_at__isnull=False, question__survey=survey
    ).filter(Q(value__isnull=False) | Q(item__isnull=False))
    counted = answers.values("question_id", "item_id", "value", "response__level").annotate(n=Count("pk")).order_by()
    # A multiple-choice answer is one row per tick, so the people who answered per level are counted
    # apart (distinct responses) and joined to the same query, marked by a value no answer can have.
    ticked_by = (
        answers.filter(question__kind=Question.Kind.MULTIPLE, item__isnull=False)
        .values("question_id", "response__level")
        .annotate(
            n=Count("response", distinct=True),
            no_item=Value(None, output_field=IntegerField()),
            marker=Value(RESPONDENTS_MARKER, output_field=IntegerField()),
        )
        .values_list("question_id", "no_item", "marker", "response__level", "n")
        .order_by()
    )
    # (question, row key) → level → value-or-item → count. A row key is the item for a matrix, else None.
    table: dict[tuple[int, int | None], dict[str, dict[int, int]]] = {}
    # (question, level) → respondents, for multiple choice.
    ticked: dict[tuple[int, str], int] = {}
    for row in counted.union(ticked_by, all=True):
        if row["value"] == RESPONDENTS_MARKER:
            ticked[(row["question_id"], row["response__level"])] = row["n"]
            continue
        question_id, item_id, value, level, n = (
            row["question_id"],
            row["item_id"],
            row["value"],
            row["response__level"],
            row["n"],
        )
        if value is not None:
            key, bucket = (question_id, item_id), value
        else:
            key, bucket = (question_id, None), item_id
        by_level = table.setdefault(key, {})
        by_level.setdefault(level, {})
        by_level[level][bucket] = by_level[level].get(bucket, 0) + n
    if levels is None:
        levels = respondents_by_level(survey)
    results = []
    for question in questions:
        row_keys: list[tuple[int | None, str]] = (
            [(i.pk, i.label) for i in question.items.all()] if question.kind == Question.Kind.MATRIX else [(None, "")]
        )
        rows = []
        for item_id, label in row_keys:
            by_level = table.get((question.pk, item_id), {})
            overall: dict[int, int] = {}
            for counts in by_level.values():
                for bucket, n in counts.items():
                    overall[bucket] = overall.get(bucket, 0) + n
            answered = {
                level: _respondents(question, by_level.get(level, {}), ticked.get((question.pk, level), 0))
                for level, _, _ in levels
            }
            hidden = hidden_levels(answered) if survey.anonymous else set()
            splits = []
            for level, level_label, _ in levels:
                counts = by_level.get(level, {})
                note = SMALL_NOTE if answered[level] < ANONYMITY_THRESHOLD else COMPLEMENTARY_NOTE
                split = Split(level, level_label, _distribution(question, counts, suppress=level in hidden, note=note))
                if level not in hidden:
                    split.distribution.n = answered[level]
                splits.append(split)
            total = sum(answered.values())
            rows.append(
                ResultRow(
                    label=label,
                    overall=_distribution(
                        question, overall, suppress=survey.anonymous and 0 < total < ANONYMITY_THRESHOLD
                    ),
                    splits=splits,
                    chart_id=f"q{question.pk}" + (f"-i{item_id}" if item_id else ""),
                )
            )
        results.append(QuestionResult(question=question, rows=rows))
    return results


def _respondents(question: Question, counts: Mapping[int, int], ticked: int) -> int:
    # For multiple choice the counts are ticks, not people: there it is the distinct responses, counted
    # in the database (`ticked`).
    if question.kind == Question.Kind.MULTIPLE:
        return ticked
    return sum(counts.values())


def respondents_by_level(survey: Survey) -> list[LevelCount]:
    """[(level, label, submitted responses)] for the levels that answered, in Level's order (1 query)."""
    counts = dict(
        Response.objects.filter(survey=survey, submitted_at__isnull=False)
        .values_list("level")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [(level.value, level.label, counts[level.value]) for level in Level if counts.get(level.value)]


@dataclass
class RateRow:
    label: str
    invited: int
    started: int
    answered: int

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.invited) if self.invited else 0


class ResponseRates(TypedDict):
    """Who was invited, started and answered: per group (by name), per role (in Role's order) and in all."""

    by_group: list[RateRow]
    by_role: list[RateRow]
    total: RateRow


def response_rates(survey: Survey) -> ResponseRates:
    """Response rate per group and per role, and the total (2 queries). Counted from the invitations: a
    used one has answered (its anonymous response no longer points back to it), a draft has started."""
    rows = list(
        Invitation.objects.filter(survey=survey)
        .values("group_id", "role")
        .annotate(
            invited=Count("pk"),
            started=Count("pk", filter=Q(response__isnull=False) | Q(used_at__isnull=False)),
            answered=Count("pk", filter=Q(used_at__isnull=False)),
        )
        .order_by()
    )
    groups = MunicipalityGroup.objects.filter(pk__in={r["group_id"] for r in rows}).prefetch_related("municipalities")
    names = {g.pk: g.display_name for g in groups}

    # `key` is a column of the rows: the group's id or the role.
    def summed(key: str, label_of: Callable[[Any], str]) -> dict[Any, RateRow]:
        out: dict[Any, RateRow] = {}
        for r in rows:
            rate = out.setdefault(r[key], RateRow(label_of(r[key]), 0, 0, 0))
            rate.invited += r["invited"]
            rate.started += r["started"]
            rate.answered += r["answered"]
        return out

    by_group = sorted(summed("group_id", lambda pk: names.get(pk, "")).values(), key=lambda r: r.label)
    role_rows = summed("role", lambda role: Role(role).label)
    by_role = [role_rows[role] for role in Role.values if role in role_rows]
    total = RateRow("Totalt", *(sum(getattr(r, a) for r in by_group) for a in ("invited", "started", "answered")))
    return {"by_group": by_group, "by_role": by_role, "total": total}


@dataclass
class RunningSurvey:
    """The survey of a portfolio that is open now, and its response rate per group and level."""

    survey: Survey
    # Group id → one RateRow per level invited in that group, in Level's order.
    by_group: dict[int, list[RateRow]]


def running_survey_rates(portfolio_id: int) -> RunningSurvey | None:
    """The portfolio's survey that is open now (the latest opened, if several), with each group's response
    rate by level (in an anonymous survey, levels too small to hide who answered are folded into the group's
    total); None when none is open (2 queries, 1 without an open survey). Counted from the invitations as
    `response_rates` counts them: who answered, never what."""
    now = timezone.now()
    survey = (
        Survey.objects.filter(portfolio_id=portfolio_id, opens_at__lte=now, closes_at__gt=now)
        .order_by("-opens_at", "pk")
        .first()
    )
    if survey is None:
        return None
    rows = (
        Invitation.objects.filter(survey=survey)
        .values("group_id", "level")
        .annotate(
            invited=Count("pk"),
            started=Count("pk", filter=Q(response__isnull=False) | Q(used_at__isnull=False)),
            answered=Count("pk", filter=Q(used_at__isnull=False)),
        )
        .order_by()
    )
    order = {level: n for n, level in enumerate(Level.values)}
    by_group: dict[int, list[RateRow]] = {}
    for r in sorted(rows, key=lambda r: order.get(r["level"], len(order))):
        label = Level(r["level"]).label if r["level"] in order else r["level"]
        by_group.setdefault(r["group_id"], []).append(RateRow(label, r["invited"], r["started"], r["answered"]))
    if survey.anonymous:
        # A level with fewer than ANONYMITY_THRESHOLD invited in a group is one or two known people: whether
        # they have answered, beside results that change when they do, would point to their answers. Such
        # a group shows its total alone, as the survey's own response-rate page shows groups.
        for group_id, levels in by_group.items():
            if len(levels) > 1 and any(level.invited < ANONYMITY_THRESHOLD for level in levels):
                by_group[group_id] = [
                    RateRow(
                        "Alle nivåer", *(sum(getattr(r, a) for r in levels) for a in ("invited", "started", "answered"))
                    )
                ]
            elif levels[0].invited < ANONYMITY_THRESHOLD:
                by_group[group_id] = [RateRow("Alle nivåer", levels[0].invited, levels[0].started, levels[0].answered)]
    return RunningSurvey(survey=survey, by_group=by_group)


# What the coding page's category filter takes besides a category's id: the answers with no category yet.
UNCODED = "ukodet"


def open_answers(survey: Survey, *, question: int | None = None, category: int | str | None = None) -> QuerySet[Answer]:
    """The text answers of the submitted responses, the uncoded first (then in the questionnaire's order),
    optionally of one question and of one category (or UNCODED), for the coding page to show a page of.
    Each has `coded` (whether it has a category), its question and categories, and, for a survey that is
    not anonymous, who wrote it. A page of them takes the same few queries however many there are: the
    page, its categories and (not anonymous) its groups' municipalities."""
    coded = Answer.categories.through.objects.filter(answer_id=OuterRef("pk"))
    answers = (
        Answer.objects.filter(response__survey=survey, response__submitted_at__isnull=False)
        .exclude(text="")
        .annotate(coded=Exists(coded))
        .select_related("question")
        .prefetch_related("categories")
        .order_by("coded", "question__page__order", "question__order", "pk")
    )
    if not survey.anonymous:
        answers = answers.select_related("response__invitation__user", "response__invitation__group").prefetch_related(
            "response__invitation__group__municipalities"
        )
    if question is not None:
        answers = answers.filter(question=question)
    if category == UNCODED:
        answers = answers.filter(coded=False)
    elif isinstance(category, int):
        answers = answers.filter(categories=category)
    return answers


def coded_questions(survey: Survey) -> list[Question]:
    """The questions that take text answers (open ones, and closed ones with «Utdyp gjerne»), in order."""
    return list(survey.questions.filter(Q(kind=Question.Kind.TEXT) | Q(elaborate=True)).select_related("page"))


def report_categories(survey: Survey) -> list[Category]:
    """The categories in order, each with its finding and its quotes (2 queries)."""
    quotes = Answer.objects.filter(is_quote=True, response__submitted_at__isnull=False).select_related("question")
    return list(survey.categories.prefetch_related(Prefetch("answers", quotes, to_attr="quotes")))


@dataclass
class Comparison:
    survey: Survey
    question: Question
    rows: list[ResultRow]


def question_comparison(key: str, user: User) -> list[Comparison]:
    """The question with `key` in every survey the user may see, each with its overall distribution per
    row (matrix items are matched by their order). In an anonymous survey a question that fewer than
    ANONYMITY_THRESHOLD people answered shows no numbers, as on the results page. Queries: surveys with
    the question, items, counts, respondents per question (4)."""
    questions = list(
        Question.objects.filter(key=key, survey__in=Survey.objects.visible_to(user))
        .select_related("survey__portfolio__programme")
        .prefetch_related("items")
        .order_by("survey__opens_at", "survey__pk")
    )
    counted = (
        Answer.objects.filter(question__in=[q.pk for q in questions], response__submitted_at__isnull=False)
        .filter(Q(value__isnull=False) | Q(item__isnull=False))
        .values("question_id", "item_id", "value")
        .annotate(n=Count("pk"))
        .order_by()
    )
    # People, not ticks: one respondent may tick several options of a multiple-choice question.
    respondents = dict(
        Answer.objects.filter(question__in=[q.pk for q in questions], response__submitted_at__isnull=False)
        .filter(Q(value__isnull=False) | Q(item__isnull=False))
        .values("question_id")
        .annotate(n=Count("response_id", distinct=True))
        .order_by()
        .values_list("question_id", "n")
    )
    table: dict[tuple[int, int | None], dict[int, int]] = {}
    for row in counted:
        if row["value"] is not None:
            key_, bucket = (row["question_id"], row["item_id"]), row["value"]
        else:
            key_, bucket = (row["question_id"], None), row["item_id"]
        table.setdefault(key_, {})[bucket] = row["n"]
    comparisons = []
    for question in questions:
        if not question.is_closed:
            continue
        row_keys: list[tuple[int | None, str]] = (
            [(i.pk, i.label) for i in question.items.all()] if question.kind == Question.Kind.MATRIX else [(None, "")]
        )
        rows = [
            ResultRow(
                label=label,
                overall=_distribution(
                    question,
                    table.get((question.pk, item_id), {}),
                    suppress=question.survey.anonymous and 0 < respondents.get(question.pk, 0) < ANONYMITY_THRESHOLD,
                ),
                chart_id=f"c{question.pk}" + (f"-i{item_id}" if item_id else ""),
            )
            for item_id, label in row_keys
        ]
        comparisons.append(Comparison(survey=question.survey, question=question, rows=rows))
    return comparisons


def comparable_keys(survey: Survey) -> set[str]:
    """The survey's closed questions that also exist (by key) in another survey."""
    keys = (
        Question.objects.filter(key__in=survey.questions.filter(kind__in=Question.CLOSED_KINDS).values("key"))
        .values("key")
        .annotate(surveys=Count("survey", distinct=True))
        .filter(surveys__gt=1)
        .values_list("key", flat=True)
    )
    return set(keys)


def categories_of(survey: Survey) -> list[Category]:
    return list(Category.objects.filter(survey=survey))


def invitations_to_answer(user: User, *, group: MunicipalityGroup | None = None) -> list[Invitation]:
    """`user`'s invitations to surveys open now that they have not submitted, for groups whose membership
    is still current (invitation_still_current), of all their groups or of `group` alone. One query."""
    now = timezone.now()
    current = Membership.objects.current().filter(user=user, group=OuterRef("group"))
    invitations = (
        Invitation.objects.filter(user=user, used_at=None, survey__opens_at__lte=now, survey__closes_at__gt=now)
        .filter(Exists(current))
        .select_related("survey")
        .order_by("survey__closes_at", "pk")
    )
    if group is not None:
        invitations = invitations.filter(group=group)
    return list(invitations)
