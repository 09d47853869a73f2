"""Composing e-mail from templates and putting it in the outbox. The one way the portal sends e-mail:
`queue_mail` (or `build_mail` for rows saved in bulk); `core.outbox` sends what is queued.

Each message is a pair of templates, `<name>_subject.txt` and `<name>.txt`, rendered with the same
context; the subject is one line. The text template is the one source of the words: the sign-off and the
contact line (`core/email/_sign_off.txt`) are added here, once for every kind, and the HTML part is made
from that text by `text_to_html` inside one layout (`core/email/base.html`)."""

import base64
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from django.conf import settings
from django.db import models
from django.template import Context
from django.template.backends.django import Template
from django.template.loader import get_template, render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

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


# A bare web address in a mail's text. What may end a sentence after it («…/plan/.», «(…/plan/)») is not
# part of it; see _link.
_URL = re.compile(r"https?://[^\s<>«»\"']+")
_URL_TRAILING = ".,;:!?)"


def _link(match: re.Match[str]) -> str:
    url = match.group(0)
    trailing = ""
    while url and url[-1] in _URL_TRAILING:
        url, trailing = url[:-1], url[-1] + trailing
    return f'<a href="{escape(url)}">{escape(url)}</a>{escape(trailing)}'


def _linked(line: str) -> str:
    """One line of text as HTML: everything escaped, bare addresses made links."""
    parts, end = [], 0
    for match in _URL.finditer(line):
        parts += [escape(line[end : match.start()]), _link(match)]
        end = match.end()
    parts.append(escape(line[end:]))
    return "".join(parts)


def text_to_html(text: str) -> SafeString:
    """The HTML of a mail's plain text, with the same words: every character escaped, paragraphs from
    blank lines, line breaks kept, bare web addresses as links, and nothing else, so a template's text
    can never become markup."""
    paragraphs = [p.strip("\n") for p in re.split(r"\n[ \t]*\n", text.strip()) if p.strip()]
    html = "\n".join("<p>" + "<br>\n".join(_linked(line) for line in p.split("\n")) + "</p>" for p in paragraphs)
    return mark_safe(html)  # noqa: S308 - every piece of text above went through escape()


def sign_off() -> str:
    """The end of every mail: one sign-off from the organisation and how to reach it."""
    return _render_plain("core/email/_sign_off.txt", with_organisation({})).strip()


class RenderedMail(NamedTuple):
    subject: str  # one line
    body: str  # the text part
    html: str  # the HTML part, the same words


def render_mail(*, template: str, context: Mapping[str, Any]) -> RenderedMail:
    """The subject, the text and the HTML of mail template `template`."""
    context = with_organisation(context)
    subject = " ".join(_render_plain(f"{template}_subject.txt", context).split())
    content = _render_plain(f"{template}.txt", context).strip()
    ending = sign_off()
    body = f"{content}\n\n{ending}\n"
    html = render_to_string(
        "core/email/base.html",
        {"subject": subject, "content": text_to_html(content), "sign_off": text_to_html(ending)},
    )
    return RenderedMail(subject, body, html)


def build_mail(
    *,
    to: str,
    template: str,
    context: Mapping[str, Any],
    user: "_User | None" = None,
    attachments: Iterable[Attachment] = (),
    due_at: datetime | None = None,
    about: str = "",
) -> Email:
    """An unsaved outbox row with the rendered message, for callers that save many at once. `about`
    (`about_key`) names what the mail is about, for a caller that will delete it (`delete_mails_about`)."""
    subject, body, html = render_mail(template=template, context=context)
    email = Email(
        to=to,
        user=user,
        template=template,
        subject=subject[:300],
        body=body,
        html=html,
        attachments=[
            {"filename": name, "mimetype": mimetype, "content": base64.b64encode(content).decode()}
            for name, content, mimetype in attachments
        ],
        message_id=Email.new_message_id(),
        about=about,
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
    about: str = "",
) -> Email:
    """Renders one e-mail into the outbox and has it sent soon after the transaction commits. Nothing
    is sent here: a mail server that is down or slow never fails or delays the caller."""
    email = build_mail(to=to, template=template, context=context, user=user, attachments=attachments, about=about)
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


def about_key(obj: models.Model) -> str:
    """The `about` of the mails about `obj`: "<app_label>.<model>:<pk>"."""
    return f"{obj._meta.label_lower}:{obj.pk}"


def delete_mails_about(keys: Iterable[str]) -> int:
    """Deletes the outbox rows about the things `keys` name (about_key), sent or not, for an app deleting
    those things: their text may copy them (a personal link, answers, a PDF). Returns how many were deleted."""
    keys = list(keys)
    if not keys:
        return 0
    return Email.objects.filter(about__in=keys).delete()[0]


def site_url(path: str) -> str:
    """An absolute address of `path` for e-mails, which are read outside the portal."""
    return settings.SITE_URL.rstrip("/") + path
