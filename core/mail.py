"""Composing e-mail from templates and putting it in the outbox. The one way the portal sends e-mail:
`queue_mail` (or `build_mail` for rows saved in bulk); `core.outbox` sends what is queued.

Each message is a pair of templates, `<name>_subject.txt` and `<name>.txt`, rendered with the same
context; the subject is one line."""

import base64
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.template import Context
from django.template.backends.django import Template
from django.template.loader import get_template

from .background import send_soon
from .models import Email
from .organisation import with_organisation

if TYPE_CHECKING:
    # django-stubs' name for the AUTH_USER_MODEL, which its plugin resolves to the project's user model: core
    # imports no app, so it cannot name accounts.models.User.
    from django.contrib.auth.models import _User

# (filename, content, mimetype), as Django's EmailMessage.attach takes them.
Attachment = tuple[str, bytes, str]


def _render_plain(name: str, context: Mapping[str, Any]) -> str:
    # Mails are plain text: HTML escaping would turn «Kåre & Co» into «Kåre &amp; Co».
    template = get_template(name)
    assert isinstance(template, Template), "mail templates are Django templates"
    return template.template.render(Context(dict(context), autoescape=False))


def render_mail(*, template: str, context: Mapping[str, Any]) -> tuple[str, str]:
    """The subject (one line) and the body of mail template `template`."""
    context = with_organisation(context)
    subject = " ".join(_render_plain(f"{template}_subject.txt", context).split())
    body = _render_plain(f"{template}.txt", context)
    return subject, body


def build_mail(
    *,
    to: str,
    template: str,
    context: Mapping[str, Any],
    user: "_User | None" = None,
    attachments: Iterable[Attachment] = (),
    due_at: datetime | None = None,
) -> Email:
    """An unsaved outbox row with the rendered message, for callers that save many at once."""
    subject, body = render_mail(template=template, context=context)
    email = Email(
        to=to,
        user=user,
        template=template,
        subject=subject[:300],
        body=body,
        attachments=[
            {"filename": name, "mimetype": mimetype, "content": base64.b64encode(content).decode()}
            for name, content, mimetype in attachments
        ],
        message_id=Email.new_message_id(),
    )
    if due_at is not None:
        email.due_at = due_at
    return email


def queue_mail(
    *,
    to: str,
    template: str,
    context: Mapping[str, Any],
    user: "_User | None" = None,
    attachments: Iterable[Attachment] = (),
) -> Email:
    """Renders one e-mail into the outbox and has it sent soon after the transaction commits. Nothing
    is sent here: a mail server that is down or slow never fails or delays the caller."""
    email = build_mail(to=to, template=template, context=context, user=user, attachments=attachments)
    email.save()
    send_soon("core.send_outbox")  # core.tasks.send_outbox
    return email


def queue_mails(emails: Sequence[Email]) -> list[Email]:
    """Saves many rows of `build_mail` into the outbox with one query and has them sent soon after the
    transaction commits, like `queue_mail` for one."""
    if not emails:
        return []
    saved = Email.objects.bulk_create(emails)
    send_soon("core.send_outbox")  # core.tasks.send_outbox
    return saved


def site_url(path: str) -> str:
    """An absolute address of `path` for e-mails, which are read outside the portal."""
    return settings.SITE_URL.rstrip("/") + path
