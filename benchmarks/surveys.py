"""Survey results for a portfolio with 200 and with 2 000 submitted responses to 20 questions: the query count
and time of the results computed in the database (GROUP BY question, item, value, level), and of the whole
results page (with the SVG charts and tables), the raw-answers CSV and the response-rate table.

Runs against a throwaway test database, like query_counts.py. Usage: `make bench` or
`.venv/bin/python benchmarks/surveys.py`.
"""

import os
import random
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "veiledning.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from timing import queries_and_median_ms  # noqa: E402

RUNS = 5
ROLES = ["owner_political", "leader", "resource_teacher", "resource_teacher", "coordinator"]


def build(responses):
    """A portfolio with `responses` members (20 per group), each invited and submitted, to a survey of 20
    questions: 14 scales (half with «Ikke deltatt»), 3 matrices of 3 items, one single and one multiple
    choice, one open question."""
    from accounts.models import User
    from accounts.tests.factories import ProgrammeLeaderFactory
    from municipalities.models import Membership, MunicipalityGroup
    from portfolios.tests.factories import PortfolioFactory
    from surveys.models import Answer, Invitation, Item, Page, Question, Response, Survey, level_for_role
    from surveys.services import submitted_response

    rng = random.Random(responses)  # noqa: S311 - test data
    portfolio = PortfolioFactory()
    now = timezone.now()
    survey = Survey.objects.create(
        portfolio=portfolio,
        title="Benchmark",
        opens_at=now - timedelta(days=10),
        closes_at=now + timedelta(days=10),
        roles=ROLES,
    )
    page = Page.objects.create(survey=survey, order=1, title="Side")
    kinds = ["scale"] * 14 + ["matrix"] * 3 + ["single", "multiple", "text"]
    questions = []
    for n, kind in enumerate(kinds):
        questions.append(
            Question.objects.create(
                survey=survey,
                page=page,
                order=n,
                key=f"q{n}",
                kind=kind,
                text=f"Spørsmål {n}",
                allow_not_applicable=n % 2 == 0,
            )
        )
    for q in questions:
        if q.kind != "scale" and q.kind != "text":
            Item.objects.bulk_create(Item(question=q, order=i, label=f"Alternativ {i}") for i in range(3))
    items = {q.pk: list(q.items.all()) for q in questions}

    groups = MunicipalityGroup.objects.bulk_create(
        MunicipalityGroup(portfolio=portfolio, name=f"Gruppe {i}", status="active") for i in range(responses // 20)
    )
    users = User.objects.bulk_create(
        User(email=f"r{responses}-{i}@example.org", full_name=f"Deltaker {i}") for i in range(responses)
    )
    memberships = Membership.objects.bulk_create(
        Membership(user=u, group=groups[i // 20], role=ROLES[i % len(ROLES)]) for i, u in enumerate(users)
    )
    invitations = []
    for m in memberships:
        invitation = Invitation(
            survey=survey, user=m.user, group=m.group, role=m.role, level=level_for_role(m.role), used_at=now
        )
        invitation.set_token()
        invitations.append(invitation)
    Invitation.objects.bulk_create(invitations)
    saved = Response.objects.bulk_create(
        submitted_response(survey=survey, invitation=i, submitted_at=now) for i in invitations
    )
    answers = []
    for response in saved:
        for q in questions:
            if q.kind == "scale":
                answers.append(
                    Answer(response=response, question=q, value=rng.randint(0 if q.allow_not_applicable else 1, 6))
                )
            elif q.kind == "matrix":
                answers.extend(
                    Answer(response=response, question=q, item=i, value=rng.randint(1, 6)) for i in items[q.pk]
                )
            elif q.kind == "single":
                answers.append(Answer(response=response, question=q, item=rng.choice(items[q.pk])))
            elif q.kind == "multiple":
                answers.extend(Answer(response=response, question=q, item=i) for i in items[q.pk] if rng.random() < 0.5)
            else:
                answers.append(Answer(response=response, question=q, text="Et åpent svar."))
    Answer.objects.bulk_create(answers, batch_size=5000)
    return ProgrammeLeaderFactory(), survey, len(answers)


def main():
    from django.test.runner import DiscoverRunner

    from core.testing.otp import pass_second_factor

    setup_test_environment()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    runner = DiscoverRunner(verbosity=0)
    old_config = runner.setup_databases()
    try:
        from surveys.selectors import response_rates, survey_results

        print(f"database: {connection.vendor}; median of {RUNS} runs\n")
        print("| responses | answer rows | what | queries | median ms |")
        print("| ---: | ---: | --- | ---: | ---: |")
        for responses in (200, 2000):
            leader, survey, answer_rows = build(responses)
            client = Client()
            client.force_login(leader)
            pass_second_factor(client, leader)

            def get(url, client=client):
                return lambda: _ok(client.get(url))

            cases = [
                ("survey_results() (selector)", lambda survey=survey: survey_results(survey)),
                ("response_rates() (selector)", lambda survey=survey: response_rates(survey)),
                ("results page (HTML with SVG)", get(reverse("surveys:results", kwargs={"pk": survey.pk}))),
                ("raw answers CSV", get(reverse("surveys:export_csv", kwargs={"pk": survey.pk}))),
                ("coding page (first page of open answers)", get(reverse("surveys:coding", kwargs={"pk": survey.pk}))),
            ]
            for label, call in cases:
                queries, ms = queries_and_median_ms(call, RUNS)
                print(f"| {responses} | {answer_rows} | {label} | {queries} | {ms:.1f} |")
    finally:
        runner.teardown_databases(old_config)


def _ok(response):
    assert response.status_code == 200, response.status_code
    return response


if __name__ == "__main__":
    main()
