"""Sending e-mail from templates. Each message is a pair of templates, `<name>_subject.txt` and
`<name>.txt`, rendered with the same context; the subject is one line."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string


def render_mail(*, template, context):
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    body = render_to_string(f"{template}.txt", context)
    return subject, body


def send_templated_mail(*, to, template, context, attachments=()):
    """Render and send one e-mail. `attachments` are (filename, content, mimetype) tuples."""
    subject, body = render_mail(template=template, context=context)
    message = EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=to)
    for attachment in attachments:
        message.attach(*attachment)
    message.send()
    return message
