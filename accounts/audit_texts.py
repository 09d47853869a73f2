"""The audit log in words: a Norwegian text for every action code the code writes (`audit_log(action=...)`),
and the kinds the programme leader filters the log by. A test reads every `audit_log` call in the code and
fails on a code without its text here, so a new event cannot reach the log page as a bare code."""

# Each kind of event: its key in the filter, and its name on the screen.
KINDS: dict[str, str] = {
    "auth": "Innlogging og passord",
    "access": "Tilgang og sikkerhet",
    "people": "Personer og invitasjoner",
    "portfolios": "Porteføljer",
    "meetings": "Møter",
    "contracts": "Kontrakter",
    "plans": "Utviklingsplaner",
    "surveys": "Spørreundersøkelser",
    "documents": "Gruppenes dokumenter",
    "applications": "Søknader",
    "log": "Loggen",
}

# An action code's kind follows from the part before its first dot.
PREFIX_KINDS: dict[str, str] = {
    "auth": "auth",
    "access": "access",
    "security": "access",
    "invitation": "people",
    "membership": "people",
    "group": "portfolios",
    "password_reset": "people",
    "user": "people",
    "portfolio": "portfolios",
    "report": "portfolios",
    "meeting": "meetings",
    "meetings": "meetings",
    "meeting_note": "meetings",
    "calendar_feed": "meetings",
    "contract": "contracts",
    "contracts": "contracts",
    "development_plan": "plans",
    "survey": "surveys",
    "application": "applications",
    "audit_log": "log",
    "group_document": "documents",
}

ACTION_TEXTS: dict[str, str] = {
    # Logging in and passwords
    "auth.login": "Logget inn",
    "auth.logout": "Logget ut",
    "auth.login_failed": "Mislykket innlogging",
    "auth.locked_out": "Innlogging stengt etter for mange mislykkede forsøk",
    "auth.session_timed_out": "Logget ut etter inaktivitet",
    "auth.password_reset_requested": "Bedt om nytt passord",
    "auth.password_reset_throttled": "Forespørsel om nytt passord avvist: for mange forespørsler",
    "auth.password_reset_mail_queued": "Lenke for nytt passord lagt i utboksen",
    "auth.password_reset_link_invalid": "Ugyldig eller brukt lenke for nytt passord",
    "auth.password_reset_completed": "Nytt passord valgt med lenke",
    "auth.password_changed": "Endret sitt eget passord",
    "auth.second_factor_passed": "Engangskode godtatt ved innlogging",
    "auth.second_factor_failed": "Feil engangskode ved innlogging",
    "auth.second_factor_missing": "Økt uten engangskode avsluttet",
    "auth.second_factor_set_up": "Autentiseringsapp satt opp",
    "auth.backup_codes_renewed": "Nye reservekoder laget",
    # Access and security
    "access.refused": "Ingen tilgang (side eller objekt utenfor rekkevidde)",
    "access.forbidden": "Ingen tilgang i administrasjonen",
    "security.csrf_failed": "Skjema avvist (manglende eller ugyldig sikkerhetsnøkkel)",
    # People
    "invitation.queued": "Invitasjon lagt i utboksen",
    "invitation.accepted": "Invitasjon tatt i bruk (passord valgt)",
    "membership.added": "Deltaker lagt til i kommunegruppe",
    "membership.changed": "Deltakelse i kommunegruppe endret",
    "membership.removed": "Deltaker fjernet fra kommunegruppe",
    "membership.ended": "Deltaker sluttet i kommunegruppe (tidligere deltaker)",
    "group.continuation_set": "Videre arbeid etter programperioden registrert for kommunegruppe",
    "membership.imported": "Kommunegrupper og deltakere importert fra regneark",
    "user.created": "Person lagt til",
    "user.deactivated": "Person deaktivert",
    "user.reactivated": "Person aktivert igjen",
    "user.deleted": "Person slettet",
    "user.email_changed": "E-postadresse endret",
    "user.groups_changed": "Stabsroller endret",
    "user.staff_changed": "Tilgang til administrasjonen endret",
    "user.superuser_changed": "Superbrukerstatus endret",
    "user.second_factor_reset": "Tofaktorpålogging nullstilt",
    "password_reset.sent_by_staff": "Lenke for nytt passord sendt av stab",
    # Portfolios
    "portfolio.copied": "Portefølje kopiert",
    "portfolio.matrix_exported": "Statusoversikten for en portefølje eksportert",
    "portfolio.contacts_exported": "Kontaktlisten for en portefølje eksportert",
    # Meetings
    "meetings.created_from_plan": "Møter lagt inn etter planen",
    "meeting.scheduled": "Møtetidspunkt bekreftet",
    "meeting.cancelled": "Møte avlyst",
    "meeting.attendance_recorded": "Oppmøte registrert",
    "meeting.registration_opened": "Påmelding til fellessamling åpnet eller endret",
    "meeting.registration_closed": "Påmelding til fellessamling lukket",
    "meeting.registration_added": "Påmeldt til fellessamling",
    "meeting.registration_cancelled": "Påmelding til fellessamling trukket",
    "meeting.registrations_exported": "Påmeldingslisten for en fellessamling eksportert",
    "meeting.follow_up_added": "Oppfølgingsmøte lagt inn",
    "meeting_note.published": "Møtereferat publisert",
    "calendar_feed.renewed": "Ny kalenderadresse laget",
    # Contracts
    "contracts.generated": "Kontrakter laget for porteføljen",
    "contracts.send_queued": "Kontrakter satt i kø for utsending",
    "contracts.fee_export": "Deltakeravgift eksportert",
    "contract.mail_queued": "E-post om kontrakt lagt i utboksen",
    "contract.sent": "Kontrakt sendt til signering",
    "contract.signed": "Kontrakt signert",
    "contract.signed_by_municipality": "Kontrakt signert av kommunen",
    "contract.countersigned": "Kontrakt kontrasignert",
    "contract.in_force": "Kontrakt trådt i kraft",
    "contract.uploaded": "Signert kontrakt lastet opp",
    "contract.terminated": "Kontrakt avsluttet",
    "contract.downloaded": "Kontrakt lastet ned",
    "contract.verified": "Kontrakt kontrollert",
    "contract.document_tampered": "Kontraktdokument endret etter lagring",
    "contract.render_failed": "Kontraktdokument kunne ikke lages",
    "contract.render_retried": "Kontraktdokument forsøkt laget på nytt",
    # Development plans
    "development_plan.created": "Utviklingsplan startet",
    "development_plan.updated": "Utviklingsplan endret (behov, muligheter eller hovedmål)",
    "development_plan.version_started": "Ny versjon av utviklingsplan startet",
    "development_plan.goal_added": "Mål lagt til i utviklingsplan",
    "development_plan.goal_changed": "Mål i utviklingsplan endret",
    "development_plan.goal_deleted": "Mål i utviklingsplan slettet",
    "development_plan.goal_moved": "Mål i utviklingsplan flyttet",
    "development_plan.measure_added": "Tiltak lagt til i utviklingsplan",
    "development_plan.measure_changed": "Tiltak i utviklingsplan endret",
    "development_plan.measure_deleted": "Tiltak i utviklingsplan slettet",
    "development_plan.measure_moved": "Tiltak i utviklingsplan flyttet",
    "development_plan.shared": "Utviklingsplan delt med veilederen",
    "development_plan.approved": "Utviklingsplan godkjent",
    "development_plan.commented": "Kommentar til utviklingsplan",
    "development_plan.exported": "Utviklingsplan lastet ned som PDF",
    # Surveys
    "survey.copied": "Spørreundersøkelse kopiert",
    "survey.invited": "Invitasjoner til spørreundersøkelse sendt",
    "survey.reminder_round": "Påminnelsesrunde for spørreundersøkelse startet",
    "survey.response_submitted": "Svar på spørreundersøkelse sendt inn",
    "survey.answer_coded": "Åpent svar kodet",
    "survey.finding_written": "Funn skrevet for kategori",
    "survey.exported": "Svar på spørreundersøkelse eksportert",
    "survey.report_requested": "PDF av rapporten fra spørreundersøkelse bestilt",
    "survey.report_made": "PDF av rapporten fra spørreundersøkelse laget",
    "survey.report_failed": "PDF av rapporten fra spørreundersøkelse kunne ikke lages",
    "survey.link_unknown": "Ukjent lenke til spørreundersøkelse",
    # Programme reports (dashboard)
    "report.exported": "Programrapport lastet ned",
    "report.pdf_requested": "PDF av programrapport bestilt",
    "report.pdf_made": "PDF av programrapport laget",
    "report.pdf_failed": "PDF av programrapport kunne ikke lages",
    # The groups' documents
    "group_document.uploaded": "Dokument lastet opp i kommunegruppen",
    "group_document.version_uploaded": "Ny versjon av dokument i kommunegruppen lastet opp",
    "group_document.hidden": "Dokument i kommunegruppen tatt bort",
    "group_document.tampered": "Dokument i kommunegruppen endret etter lagring",
    # Applications: the public side (issue 15)
    "application.started": "Søknad påbegynt, lenke sendt",
    "application.link_sent_again": "Lenke til påbegynt søknad sendt på nytt",
    "application.start_throttled": "Søknad avvist: for mange forsøk fra samme adresse",
    "application.honeypot": "Søknad avvist: skjult felt fylt ut (trolig automatisk)",
    "application.confirmed": "E-postadressen til søkeren bekreftet",
    "application.submitted": "Søknad sendt inn",
    "application.withdrawn": "Søknad trukket av søkeren",
    "application.link_unknown": "Ukjent lenke til søknad",
    "application.deleted_expired": "Søknader slettet etter lagringstiden",
    "application.pdf_retried": "PDF av søknad forsøkt laget på nytt",
    # The review of applications and the decisions (issue 15)
    "application.criteria_checked": "Kriterier vurdert for søknad",
    "application.note_added": "Notat skrevet om søknad",
    "application.commented": "Veileder kommenterte søknad",
    "application.shared": "Søknad delt med veileder",
    "application.unshared": "Søknad ikke lenger delt med veileder",
    "application.admitted": "Søknad innvilget: kommunegruppe opprettet",
    "application.waiting_listed": "Søknad satt på venteliste",
    "application.declined": "Søknad avslått",
    # The log itself
    "audit_log.exported": "Loggen eksportert",
}


def action_text(action: str) -> str:
    """The Norwegian text of an action code; an unknown code (from an older version) as it is."""
    return ACTION_TEXTS.get(action, action)


def action_kind(action: str) -> str | None:
    """The key in KINDS of an action code's kind, or None for a prefix no kind claims."""
    return PREFIX_KINDS.get(action.split(".", 1)[0])


def actions_of_kind(kind: str) -> list[str]:
    """Every known action code of the kind `kind`."""
    return [action for action in ACTION_TEXTS if action_kind(action) == kind]
