"""Sending e-mail from templates. Each message is a pair of templates, `<name>_subject.txt` and
`<name>.txt`, rendered with the same context; the subject is one line."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template import Context
from django.template.loader import get_template


def _render_plain(name, context):
    # Mails are plain text: HTML escaping would turn «Kåre & Co» into «Kåre &amp; Co».
    return get_template(name).template.render(Context(context, autoescape=False))


def render_mail(*, template, context):
    subject = " ".join(_render_plain(f"{template}_subject.txt", context).split())
    body = _render_plain(f"{template}.txt", context)
    return subject, body


def send_templated_mail(*, to, template, context, attachments=()):
    """Render and send one e-mail. `attachments` are (filename, content, mimetype) tuples."""
    subject, body = render_mail(template=template, context=context)
    message = EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=to)
    for attachment in attachments:
        message.attach(*attachment)
    message.send()
    return message
