"""The strict iCalendar reader the tests read calendar entries with (core.testing.ics): it must refuse
what is malformed, or the tests that use it prove nothing."""

from datetime import UTC, datetime

import pytest

from core.testing.ics import ICSError, parse

EVENT = [
    "BEGIN:VEVENT",
    "UID:1@example.org",
    "DTSTAMP:20260101T120000Z",
    "DTSTART:20260102T090000Z",
    "SUMMARY:Veiledningsmøte – Bodø\\, Saltdal",
    # Folded: 80 octets in one line would be too long.
    'ATTENDEE;CN="Kåre, Ås";ROLE=REQ-PARTICIPANT;RSVP=FALSE:mailto:kare@exa',
    " mple.org",
    "END:VEVENT",
]
GOOD = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Test//NO", "METHOD:REQUEST", *EVENT, "END:VCALENDAR"]


def _ics(lines, end="\r\n"):
    return "".join(line + end for line in lines).encode()


def test_it_reads_a_wellformed_calendar():
    calendar = parse(_ics(GOOD))
    assert calendar.value("METHOD") == "REQUEST"
    [event] = calendar.walk("VEVENT")
    assert event.text("SUMMARY") == "Veiledningsmøte – Bodø, Saltdal"
    assert event.utc("DTSTART") == datetime(2026, 1, 2, 9, tzinfo=UTC)
    attendee = event.one("ATTENDEE")
    assert (attendee.param("cn"), attendee.param("rsvp"), attendee.value) == (
        "Kåre, Ås",
        "FALSE",
        "mailto:kare@example.org",
    )


def test_it_unfolds_a_line_folded_inside_a_multibyte_letter():
    summary = "SUMMARY:" + "æ" * 40  # 88 octets
    raw = summary.encode()
    folded = raw[:75] + b"\r\n " + raw[75:]  # 75 octets split a two-octet «æ»
    data = _ics(GOOD).replace(b"SUMMARY:Veiledningsm\xc3\xb8te \xe2\x80\x93 Bod\xc3\xb8\\, Saltdal", folded)
    assert parse(data).walk("VEVENT")[0].text("SUMMARY") == "æ" * 40


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (_ics(GOOD, end="\n"), "CRLF"),
        (_ics(GOOD).replace(b"METHOD:REQUEST\r\n", b"METHOD:REQUEST\nX-A:1\r\n"), "bare CR or LF"),
        (_ics([*GOOD[:4], "SUMMARY:" + "x" * 70, *GOOD[4:]]), "more than 75"),
        (_ics([line for line in GOOD if line != "END:VEVENT"]), "does not close"),
        (_ics(GOOD[:-1]), "never closed"),
        (_ics([line for line in GOOD if not line.startswith("UID")]), "0 UID"),
        (_ics([line for line in GOOD if not line.startswith("DTSTAMP")]), "0 DTSTAMP"),
        (_ics([line for line in GOOD if not line.startswith("METHOD")]), "0 METHOD"),
        (_ics([line for line in GOOD if not line.startswith("PRODID")]), "0 PRODID"),
        (_ics([line.replace("2.0", "1.0") for line in GOOD]), "VERSION"),
        (_ics([*GOOD[:4], "SUMMARY Veiledningsmøte", *GOOD[4:]]), "no ':'"),
        (_ics([*GOOD[:4], 'X-A;CN="Åse:x', *GOOD[4:]]), "no ':'"),
        (_ics([*GOOD[:4], "X-A;=1:x", *GOOD[4:]]), "bad parameter"),
        (_ics([" continued", *GOOD]), "continues nothing"),
        (_ics([*GOOD, *GOOD]), "2 VCALENDARs"),
        (_ics(GOOD).replace("ø".encode(), b"\xf8"), "not UTF-8"),
    ],
)
def test_it_refuses_a_malformed_calendar(data, error):
    with pytest.raises(ICSError, match=error):
        parse(data)
