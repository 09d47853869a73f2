"""The error reports mailed to ADMINS (settings.LOGGING's `mail_admins`), without the secrets of personal links.

Django's report holds the request's URL and its META (PATH_INFO, REQUEST_URI …) beside the log message, so the
log's filter (core.logs.RedactTokensFilter) alone would leave the token in the mail's body.
"""

from typing import Any

from django.utils.log import AdminEmailHandler

from core.logs import redact


class RedactingAdminEmailHandler(AdminEmailHandler):
    def send_mail(self, subject: Any, message: Any, *args: Any, **kwargs: Any) -> None:
        # str(): a lazy translation would be one as well.
        if kwargs.get("html_message"):
            kwargs["html_message"] = redact(str(kwargs["html_message"]))
        super().send_mail(redact(str(subject)), redact(str(message)), *args, **kwargs)
