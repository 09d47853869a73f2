"""The decision letters: the call's text per decision with its placeholders filled in (issue 15, part 2).

The programme leader writes the letters per call in the admin and may change each one before it is sent. A
placeholder is a word in braces, «{kommunene}»; only those of `PLACEHOLDERS` are filled in, by plain
replacement, so that nothing the leader types is ever run as a template."""

import re
from dataclasses import dataclass

from municipalities.models import joined_names

from . import texts
from .models import Application, Call

# The decisions a letter is sent for: the status it sets, and how the screen and the subject name it.
DECISIONS = {
    Application.Status.ADMITTED: "Tatt opp",
    Application.Status.WAITING_LIST: "Venteliste",
    Application.Status.DECLINED: "Avslag",
}

PLACEHOLDERS = {
    "søkeren": "søkerens navn",
    "kommunene": "kommunene som søker, «Fauske og Saltdal»",
    "programmet": "programmet, «Veiledningsordningen»",
    "porteføljen": "porteføljen, «Portefølje 7, 2026–27»",
    "utlysningen": "utlysningens tittel",
}
_PLACEHOLDER = re.compile(r"\{([^{}\s]{1,40})\}")

_DEFAULTS = {
    Application.Status.ADMITTED: texts.LETTER_ADMITTED,
    Application.Status.WAITING_LIST: texts.LETTER_WAITING_LIST,
    Application.Status.DECLINED: texts.LETTER_DECLINED,
}

_SUBJECTS = {
    Application.Status.ADMITTED: "{kommunene} er tatt opp i {programmet}",
    Application.Status.WAITING_LIST: "Søknaden fra {kommunene} til {programmet} står på venteliste",
    Application.Status.DECLINED: "Svar på søknaden fra {kommunene} til {programmet}",
}


@dataclass(frozen=True)
class Letter:
    subject: str
    text: str


def placeholder_values(application: Application) -> dict[str, str]:
    """The value of each placeholder for `application`. Reads the call, its portfolio and programme, and the
    municipalities: select or prefetch them for a list."""
    call = application.call
    municipalities = [link.municipality.name for link in application.application_municipalities.all()]
    return {
        "søkeren": application.applicant_name,
        "kommunene": joined_names(municipalities) if municipalities else application.applicant_name,
        "programmet": call.portfolio.programme.name,
        "porteføljen": call.portfolio.name,
        "utlysningen": call.title,
    }


def unknown_placeholders(text: str) -> list[str]:
    """The words in braces in `text` that are no placeholder, as typed: a misspelt one would reach the
    municipality as «{kommunen}»."""
    return sorted({name for name in _PLACEHOLDER.findall(text) if name not in PLACEHOLDERS})


def fill(text: str, values: dict[str, str]) -> str:
    """`text` with each known placeholder replaced by its value; anything else stays as it was typed."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def call_letter_text(call: Call, decision: str) -> str:
    """The call's own letter for `decision`, or the default one where the call has none."""
    own = {
        Application.Status.ADMITTED: call.letter_admitted,
        Application.Status.WAITING_LIST: call.letter_waiting_list,
        Application.Status.DECLINED: call.letter_declined,
    }[Application.Status(decision)]
    return own.strip() or _DEFAULTS[Application.Status(decision)]


def letter_draft(application: Application, decision: str) -> str:
    """The letter the decision page starts from: a greeting and the call's text, placeholders filled in."""
    return fill("Hei {søkeren},\n\n" + call_letter_text(application.call, decision), placeholder_values(application))


def letter_for(application: Application, decision: str, text: str) -> Letter:
    """The letter as it is sent: the leader's `text` (placeholders they left in filled in) and its subject."""
    values = placeholder_values(application)
    subject = fill(_SUBJECTS[Application.Status(decision)], values)
    return Letter(subject=subject, text=fill(text.strip(), values))
