"""Every text a person types has a limit in its form and in the database (issue 13, core.limits)."""

from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.forms import modelform_factory
from django.urls import reverse

from core.limits import LONG_TEXT, TOO_LONG
from development_plans.models import Comment
from development_plans.tests.factories import DevelopmentPlanFactory
from municipalities.tests.factories import MembershipFactory
from portfolios.models import Programme

# The project's own apps: those whose code lives in the checkout (not in .venv).
OUR_APPS = {
    config.label
    for config in apps.get_app_configs()
    if Path(config.path).is_relative_to(settings.BASE_DIR) and ".venv" not in Path(config.path).parts
}

# TextFields nobody types: the portal writes them, from texts that are limited where they come from.
WRITTEN_BY_THE_PORTAL = {
    ("contracts", "contract", "render_error"),  # an exception's message
    ("surveys", "reportpdf", "error"),  # the same, for the survey report's PDF
    ("dashboard", "reportpdf", "error"),  # and for the programme report's
    ("applications", "applicationpdf", "error"),  # and for an application's
    ("contracts", "signature", "confirmed_text"),  # the contract's own (limited) wording at signing
    ("core", "email", "body"),  # rendered e-mails
    ("core", "email", "html"),
    ("core", "email", "last_error"),  # the mail server's answer
}


def _text_fields():
    for model in apps.get_models():
        if model._meta.app_label not in OUR_APPS or model._meta.proxy:
            continue
        for field in model._meta.get_fields():
            if isinstance(field, models.CharField | models.TextField) and field.concrete:
                yield model, field


def test_every_text_field_has_a_limit_and_every_long_text_a_constraint():
    missing = []
    for model, field in _text_fields():
        key = (model._meta.app_label, model._meta.model_name, field.name)
        if key in WRITTEN_BY_THE_PORTAL:
            continue
        if not field.max_length:
            missing.append(f"{key}: no max_length")
        elif isinstance(field, models.TextField):
            name = f"{model._meta.model_name}_{field.name}_max_length"
            constraint = next((c for c in model._meta.constraints if c.name == name), None)
            if constraint is None:
                missing.append(f"{key}: no constraint {name}")
            elif constraint.condition.rhs != field.max_length:
                missing.append(f"{key}: the constraint says {constraint.condition.rhs}, the field {field.max_length}")
    assert missing == []


@pytest.mark.django_db
def test_the_database_refuses_a_text_over_its_limit():
    plan = DevelopmentPlanFactory()
    comment = Comment.objects.create(plan=plan, author=MembershipFactory(group=plan.group).user, text="Hei")
    with pytest.raises(IntegrityError), transaction.atomic():
        Comment.objects.filter(pk=comment.pk).update(text="x" * (LONG_TEXT + 1))


@pytest.mark.django_db
def test_a_two_megabyte_comment_is_refused_in_norwegian_and_kept_in_the_form(client):
    plan = DevelopmentPlanFactory()
    member = MembershipFactory(group=plan.group).user
    client.force_login(member)
    text = "Lang kommentar. " * 1000  # 16 000 characters

    response = client.post(reverse("development_plans:comment_add", args=[plan.pk]), {"text": text})

    assert response.status_code == 200
    html = response.content.decode()
    assert f"Teksten er for lang: høyst {LONG_TEXT} tegn (du skrev {len(text.strip())})." in html
    assert text.strip() in html
    assert not Comment.objects.exists()


def test_the_admins_forms_take_the_limits_too():
    form = modelform_factory(Programme, fields=["fee_note"])(data={"fee_note": "x" * 2001})
    assert not form.is_valid()
    assert form.errors["fee_note"] == [TOO_LONG % {"limit_value": 2000, "show_value": 2001}]
    assert form.fields["fee_note"].widget.attrs["maxlength"] == "2000"
