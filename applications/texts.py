"""The default texts of a call, from the foundation documents' «Utvelgelse» sections (../shared/seeds/:
000_70f452b7c0dcaadb.txt for Veiledningsordningen, 002_9f8cec277fb594e3.txt for Fremtidens kulturskole), and
the default decision letters. The programme leader edits them per call in the admin."""

from portfolios.models import Programme

CRITERIA: dict[str, list[str]] = {
    Programme.GroupRule.VEILEDNING: [
        "Rammeplan for kulturskolen ligger til grunn for veiledningen. Også kommuner som ikke har vedtatt "
        "rammeplanen lokalt, kan søke.",
        "Søkeren har et ønske om utvikling av kulturskolen som skoleslag og kommunal ressurs gjennom "
        "skolebasert kompetanseutvikling.",
        "Kommunegruppen har kulturskoleeier, kulturskoleleder og ressurslærer med.",
    ],
    Programme.GroupRule.FREMTIDENS_KULTURSKOLE: [
        "Kommunen har et ønske om å videreutvikle kulturskolen som del av kommunens samlede tjenestetilbud, i "
        "tett samhandling med andre kommunale tjenester og mulige samhandlingspartnere i kommunen.",
        "Kommunen knytter utviklingsarbeidet tett opp til et utviklingsområde vedtatt av sin fylkesavdeling.",
        "Kommunen går i dialog med sin fylkesavdeling om aktuelle former og arenaer for erfaringsdeling.",
        "Kommunen har kartlagt hvilke roller og ansvar ulike aktører i kommunen har for barn og unges helhetlige "
        "oppvekst, og satt sammen en kommunegruppe med minst fire deltakere og én koordinator.",
    ],
}

LETTER_ADMITTED = (
    "Vi har gleden av å fortelle at søknaden er innvilget, og at kommunen er tatt opp i programmet.\n\n"
    "Deltakerne dere oppga, får en egen e-post med lenke for å logge inn i portalen. Der finner dere planen "
    "for gjennomføring og kontrakten som skal signeres."
)
LETTER_WAITING_LIST = (
    "Takk for søknaden. Det var flere søkere enn plasser, og søknaden er satt på venteliste. Vi tar kontakt "
    "dersom det blir en plass ledig."
)
LETTER_DECLINED = (
    "Takk for søknaden. Det var flere søkere enn plasser, og vi har dessverre ikke funnet rom for kommunen "
    "denne gangen. Vi oppfordrer dere til å søke igjen ved neste utlysning."
)


def default_criteria(group_rule: str) -> list[str]:
    """The criteria a new call for a programme with `group_rule` starts from."""
    return list(CRITERIA.get(group_rule, []))
