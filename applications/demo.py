"""The demo's call and applications (issue 15): an open call for the current Veiledningsordningen portfolio,
with the criteria and letters of the foundation document (texts.py), and applications in every state the
review knows: a draft being written, one just sent in, one under review with notes, ticked criteria, a share
with an adviser and their comment, one on the waiting list and one declined, each with its letter.

The municipalities are none of the current portfolio's groups, so that each could still be admitted in the
demo; one of them (Rødøy) is not a member of the organisation, to show the flag. Safe to run again: a
portfolio that has a call already is left alone."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

from accounts.models import User
from municipalities.models import Municipality, Role
from portfolios.models import Portfolio

from .letters import letter_draft, letter_for
from .models import (
    Application,
    ApplicationAnswer,
    ApplicationMunicipality,
    ApplicationPdf,
    ApplicationShare,
    Call,
    CallQuestion,
    Contact,
    Criterion,
    CriterionCheck,
    ReviewNote,
)
from .texts import LETTER_ADMITTED, LETTER_DECLINED, LETTER_WAITING_LIST, default_criteria

ADVISER_EMAIL = "veileder.ingrid@example.org"

# (e-mail, name, role, municipality number or None for the whole group, phone)
ContactSpec = tuple[str, str, Role, str | None, str]


@dataclass(frozen=True)
class Spec:
    status: str
    applicant: tuple[str, str]  # name, e-mail
    municipalities: list[str]
    needs: str
    motivation: str
    rammeplan: str
    contacts: list[ContactSpec]
    days_ago: int  # since it was sent in (a draft: since it was last saved)
    criteria_met: list[int] | None = None  # the indexes of the criteria ticked as met; None: not judged
    notes: list[tuple[str, str]] = field(default_factory=list)
    shared_with_adviser: str = ""  # the adviser's comment
    decision: str = ""


APPLICATIONS: list[Spec] = [
    Spec(
        status=Application.Status.DRAFT,
        applicant=("Gunn Heidi Lurøy", "kulturskolen@luroy.example.org"),
        municipalities=["1834"],
        needs="Kulturskolen har to lærere i små stillinger og elever på fire øyer. Vi trenger",
        motivation="",
        rammeplan=Application.Rammeplan.IN_PROGRESS,
        contacts=[
            ("kulturskolen@luroy.example.org", "Gunn Heidi Lurøy", Role.LEADER, "1834", "+47 917 20 101"),
        ],
        days_ago=1,
    ),
    Spec(
        status=Application.Status.SUBMITTED,
        applicant=("Trond Mo", "trond.mo@rana.example.org"),
        municipalities=["1833"],
        needs=(
            "Kulturskolen i Rana har 640 elever og venteliste i flere fag. Vi mangler en plan for hvordan "
            "kulturskolen skal samarbeide med grunnskolen og SFO, og kulturskolen er ikke nevnt i kommunens "
            "planstrategi."
        ),
        motivation=(
            "Vi ønsker å utvikle kulturskolen som skoleslag og kommunal ressurs gjennom skolebasert "
            "kompetanseutvikling. Lærerne vil jobbe mer med vurdering og med et breddetilbud i samarbeid med "
            "skolene, slik rammeplanen beskriver."
        ),
        rammeplan=Application.Rammeplan.YES,
        contacts=[
            ("kommunalsjef@rana.example.org", "Elin Strand", Role.OWNER_ADMINISTRATIVE, "1833", "+47 917 20 201"),
            ("trond.mo@rana.example.org", "Trond Mo", Role.LEADER, "1833", "+47 917 20 202"),
            ("laerer.rana@example.org", "Sigrid Å. Hansen", Role.RESOURCE_TEACHER, "1833", ""),
        ],
        days_ago=3,
    ),
    Spec(
        status=Application.Status.IN_REVIEW,
        applicant=("Håvard Sørli", "havard.sorli@meloy.example.org"),
        municipalities=["1837", "1836"],
        needs=(
            "Meløy og Rødøy deler kulturskolerektor og flere lærere. Vi trenger et felles utviklingsarbeid som "
            "forankrer kulturskolen i begge kommunenes planverk, og bedre rutiner for samarbeid med skolene."
        ),
        motivation=(
            "Begge kommunestyrene har vedtatt at kulturskolen skal være et tilbud for alle barn. Vi vil bruke "
            "veiledningen til å lage en felles plan etter rammeplanen og til å styrke lærernes kompetanse."
        ),
        rammeplan=Application.Rammeplan.YES,
        contacts=[
            ("ordforer@meloy.example.org", "Tove Reppen", Role.OWNER_POLITICAL, "1837", "+47 917 20 301"),
            ("kommunedirektor@rodoy.example.org", "Bjørnar Næss", Role.OWNER_ADMINISTRATIVE, "1836", ""),
            ("havard.sorli@meloy.example.org", "Håvard Sørli", Role.LEADER, None, "+47 917 20 303"),
            ("laerer.meloy@example.org", "Marte Øien", Role.RESOURCE_TEACHER, "1837", ""),
        ],
        days_ago=9,
        criteria_met=[0, 1],
        notes=[
            (
                ReviewNote.Kind.NOTE,
                "Sterk forankring i begge kommunestyrene. Sjekk at Rødøy vil bli medlem: veiledningen er gratis "
                "bare for medlemmer.",
            ),
            (ReviewNote.Kind.NOTE, "Ringte Håvard Sørli 12.: ressurslærer fra Rødøy kommer med etter jul."),
        ],
        shared_with_adviser=(
            "Jeg kjenner kulturskolen i Meløy fra fylkessamlingen. De har god oversikt over behovene, og "
            "samarbeidet med Rødøy er allerede i gang. Jeg anbefaler opptak."
        ),
    ),
    Spec(
        status=Application.Status.WAITING_LIST,
        applicant=("Randi Eira", "randi.eira@alta.example.org"),
        municipalities=["5601"],
        needs="Kulturskolen skal flytte inn i nytt kulturhus, og vi trenger en plan for tilbudet og organiseringen.",
        motivation="Vi vil bruke flyttingen til å utvikle kulturskolen etter rammeplanen, sammen med skolene.",
        rammeplan=Application.Rammeplan.NO,
        contacts=[
            ("oppvekst@alta.example.org", "Nils Ole Sara", Role.OWNER_ADMINISTRATIVE, "5601", ""),
            ("randi.eira@alta.example.org", "Randi Eira", Role.LEADER, "5601", "+47 917 20 401"),
            ("laerer.alta@example.org", "Ingrid Bæhr", Role.RESOURCE_TEACHER, "5601", ""),
        ],
        days_ago=14,
        criteria_met=[1, 2],
        decision=Application.Status.WAITING_LIST,
    ),
    Spec(
        status=Application.Status.DECLINED,
        applicant=("Kjell Åge Vefsn", "kulturskolen@vefsn.example.org"),
        municipalities=["1824"],
        needs="Vi trenger flere lærere.",
        motivation="Kulturskolen har lang venteliste.",
        rammeplan=Application.Rammeplan.NO,
        contacts=[
            ("kulturskolen@vefsn.example.org", "Kjell Åge Vefsn", Role.LEADER, "1824", ""),
        ],
        days_ago=20,
        criteria_met=[],
        notes=[
            (
                ReviewNote.Kind.NOTE,
                "Søknaden mangler kulturskoleeier og ressurslærer, og beskriver ikke et utviklingsarbeid. "
                "Oppfordres til å søke igjen med hele gruppen.",
            )
        ],
        decision=Application.Status.DECLINED,
    ),
]

QUESTION = "Hvor mange elever har kulturskolen, og hvor mange står på venteliste?"
ANSWERS = {
    "1833": "640 elever, 85 på venteliste.",
    "1837": "Meløy: 210 elever, 30 på venteliste. Rødøy: 45 elever, ingen venteliste.",
    "5601": "520 elever, 140 på venteliste.",
    "1824": "300 elever.",
}


def seed(*, portfolio: Portfolio, leader: User) -> Call | None:
    """The demo's call for `portfolio` with its applications; None if the portfolio has a call already."""
    if Call.objects.filter(portfolio=portfolio).exists():
        return None
    now = timezone.now()
    call = Call.objects.create(
        portfolio=portfolio,
        title=f"Søk om plass i {portfolio.programme.name}, {portfolio.name}",
        opens_at=now - timedelta(days=30),
        closes_at=now + timedelta(days=21),
        intro=(
            "Rammeplan for kulturskolen ligger til grunn for veiledningen. Også kommuner som ikke har vedtatt "
            "rammeplanen lokalt, kan søke. Veiledningen er gratis for kommuner som er medlemmer av Norsk "
            "kulturskoleråd; reise til samlingene dekker kommunen selv."
        ),
        letter_admitted=LETTER_ADMITTED,
        letter_waiting_list=LETTER_WAITING_LIST,
        letter_declined=LETTER_DECLINED,
    )
    criteria = Criterion.objects.bulk_create(
        Criterion(call=call, order=i, text=text)
        for i, text in enumerate(default_criteria(portfolio.programme.group_rule))
    )
    question = CallQuestion.objects.create(call=call, order=0, text=QUESTION)
    municipalities = Municipality.objects.in_bulk(field_name="number")
    # Rødøy shows the flag for a municipality that is not a member; the others are members.
    Municipality.objects.filter(number__in=["1834", "1833", "1837", "5601", "1824"]).update(is_member=True)
    Municipality.objects.filter(number="1836").update(is_member=False)
    adviser = User.objects.filter(email=ADVISER_EMAIL).first()
    applications = [
        _application(call, spec, municipalities, criteria, question, leader, adviser, now) for spec in APPLICATIONS
    ]
    # The demo has no worker run: one PDF that could not be made shows the failure and «Prøv igjen» in the admin.
    sent_in = next(a for a in applications if a.submitted_at is not None)
    ApplicationPdf.objects.create(
        application=sent_in, failed_at=now, error="PDF-en kunne ikke lages. Feil: skriften mangler på tjeneren"
    )
    return call


def _application(
    call: Call,
    spec: Spec,
    municipalities: dict[str, Municipality],
    criteria: list[Criterion],
    question: CallQuestion,
    leader: User,
    adviser: User | None,
    now: datetime,
) -> Application:
    status = Application.Status(spec.status)
    applicant_name, applicant_email = spec.applicant
    started = now - timedelta(days=spec.days_ago + 2)
    submitted = now - timedelta(days=spec.days_ago) if status != Application.Status.DRAFT else None
    application = Application(
        call=call,
        status=status,
        applicant_name=applicant_name,
        applicant_email=applicant_email,
        confirmed_at=started,
        needs=spec.needs,
        motivation=spec.motivation,
        rammeplan=spec.rammeplan,
        saved_at=submitted or now - timedelta(hours=3),
        submitted_at=submitted,
        decided_at=now - timedelta(days=2) if spec.decision else None,
        decided_by=leader if spec.decision else None,
    )
    application.set_token()
    application.save()
    ApplicationMunicipality.objects.bulk_create(
        ApplicationMunicipality(application=application, municipality=municipalities[n], order=i)
        for i, n in enumerate(spec.municipalities)
    )
    Contact.objects.bulk_create(
        Contact(
            application=application,
            order=i,
            email=email,
            name=name,
            role=role,
            municipality=municipalities[number] if number else None,
            phone=phone,
        )
        for i, (email, name, role, number, phone) in enumerate(spec.contacts)
    )
    first = spec.municipalities[0]
    if first in ANSWERS and status != Application.Status.DRAFT:
        ApplicationAnswer.objects.create(application=application, question=question, text=ANSWERS[first])
    if spec.criteria_met is not None:
        CriterionCheck.objects.bulk_create(
            CriterionCheck(
                application=application, criterion=c, met=i in spec.criteria_met, checked_by=leader, checked_at=now
            )
            for i, c in enumerate(criteria)
        )
    ReviewNote.objects.bulk_create(
        ReviewNote(application=application, kind=kind, author=leader, text=text, created_at=now - timedelta(days=2))
        for kind, text in spec.notes
    )
    if spec.shared_with_adviser and adviser is not None:
        ApplicationShare.objects.create(
            application=application, adviser=adviser, shared_by=leader, shared_at=now - timedelta(days=2)
        )
        ReviewNote.objects.create(
            application=application,
            kind=ReviewNote.Kind.ADVISER_COMMENT,
            author=adviser,
            text=spec.shared_with_adviser,
            created_at=now - timedelta(days=1),
        )
    if spec.decision:
        # Decided as the review does, without the e-mails: the demo's letters were «sent» days ago.
        letter = letter_for(application, spec.decision, letter_draft(application, spec.decision))
        application.letter_text = letter.text
        application.letter_sent_at = application.decided_at
        application.save(update_fields=["letter_text", "letter_sent_at"])
    return application
