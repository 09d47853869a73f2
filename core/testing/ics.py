"""A small, strict iCalendar (RFC 5545) reader for tests, independent of the `icalendar` package the portal
writes with, so that a test of a calendar entry does not read it back with the code that wrote it.

It refuses what a strict client may refuse: lines not ended by CRLF, physical lines over 75 octets,
content lines it cannot split into name, parameters and value, BEGIN/END that do not nest, a calendar
without VERSION:2.0, PRODID or METHOD, and a VEVENT without UID, DTSTAMP or DTSTART."""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import Message

from django.core.mail import EmailMessage

NAME = re.compile(r"[A-Za-z0-9-]+")
# A parameter value: quoted (anything but a DQUOTE and controls) or plain (no ; : , or DQUOTE).
PARAM_VALUE = re.compile(r'"[^"\x00-\x08\x0a-\x1f\x7f]*"|[^";:,\x00-\x08\x0a-\x1f\x7f]*')
MAX_OCTETS = 75
REQUIRED = {"VCALENDAR": ("VERSION", "PRODID", "METHOD"), "VEVENT": ("UID", "DTSTAMP", "DTSTART")}


class ICSError(ValueError):
    pass


@dataclass
class Property:
    name: str
    params: dict[str, list[str]]
    value: str

    def param(self, name: str) -> str:
        [value] = self.params[name.upper()]
        return value


@dataclass
class Component:
    name: str
    properties: list[Property] = field(default_factory=list)
    components: list["Component"] = field(default_factory=list)

    def all(self, name: str) -> list[Property]:
        return [prop for prop in self.properties if prop.name == name.upper()]

    def one(self, name: str) -> Property:
        found = self.all(name)
        if len(found) != 1:
            raise ICSError(f"{self.name} has {len(found)} {name.upper()}, expected one")
        return found[0]

    def value(self, name: str) -> str:
        return self.one(name).value

    def text(self, name: str) -> str:
        """A TEXT value unescaped (RFC 5545 3.3.11)."""
        return unescape(self.value(name))

    def utc(self, name: str) -> datetime:
        """A DATE-TIME value in UTC form, the only form the portal writes."""
        return datetime.strptime(self.value(name), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)

    def walk(self, name: str) -> list["Component"]:
        found = [self] if self.name == name.upper() else []
        for component in self.components:
            found += component.walk(name)
        return found


def unescape(value: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def _physical_lines(data: bytes) -> list[bytes]:
    if not data.endswith(b"\r\n"):
        raise ICSError("the calendar does not end with CRLF")
    lines = data[:-2].split(b"\r\n")
    for number, line in enumerate(lines, 1):
        if b"\r" in line or b"\n" in line:
            raise ICSError(f"line {number} has a bare CR or LF")
        if len(line) > MAX_OCTETS:
            raise ICSError(f"line {number} has {len(line)} octets, more than {MAX_OCTETS}")
    return lines


def _unfold(lines: list[bytes]) -> list[str]:
    logical: list[bytes] = []
    for number, line in enumerate(lines, 1):
        if line[:1] in (b" ", b"\t"):
            if not logical:
                raise ICSError(f"line {number} continues nothing")
            logical[-1] += line[1:]
        else:
            logical.append(line)
    try:
        # Decoded only after unfolding: a fold may fall inside a UTF-8 sequence's octets.
        return [line.decode("utf-8") for line in logical]
    except UnicodeDecodeError as error:
        raise ICSError(f"not UTF-8: {error}") from error


def _content_line(line: str) -> Property:
    name = NAME.match(line)
    if name is None:
        raise ICSError(f"no property name in {line!r}")
    params: dict[str, list[str]] = {}
    position = name.end()
    while position < len(line) and line[position] == ";":
        param = NAME.match(line, position + 1)
        if param is None or line[param.end() : param.end() + 1] != "=":
            raise ICSError(f"bad parameter in {line!r}")
        values, position = [], param.end()
        while True:
            value = PARAM_VALUE.match(line, position + 1)
            assert value is not None  # the pattern matches the empty string
            values.append(value.group().strip('"'))
            position = value.end()
            if line[position : position + 1] != ",":
                break
        params[param.group().upper()] = values
    if line[position : position + 1] != ":":
        raise ICSError(f"no ':' before the value in {line!r}")
    return Property(name.group().upper(), params, line[position + 1 :])


def _check(component: Component) -> None:
    for name in REQUIRED.get(component.name, ()):
        component.one(name)
    for child in component.components:
        _check(child)


def parse(data: bytes) -> Component:
    """The VCALENDAR in `data`, checked; ICSError if anything is malformed."""
    stack: list[Component] = []
    calendars: list[Component] = []
    for line in _unfold(_physical_lines(data)):
        prop = _content_line(line)
        if prop.name == "BEGIN":
            if not NAME.fullmatch(prop.value) or (not stack and prop.value.upper() != "VCALENDAR"):
                raise ICSError(f"unexpected BEGIN:{prop.value}")
            component = Component(prop.value.upper())
            (stack[-1].components if stack else calendars).append(component)
            stack.append(component)
        elif prop.name == "END":
            if not stack or stack[-1].name != prop.value.upper():
                raise ICSError(f"END:{prop.value} does not close {stack[-1].name if stack else 'anything'}")
            stack.pop()
        elif not stack:
            raise ICSError(f"{prop.name} outside VCALENDAR")
        else:
            stack[-1].properties.append(prop)
    if stack:
        raise ICSError(f"{stack[-1].name} is never closed")
    if len(calendars) != 1:
        raise ICSError(f"{len(calendars)} VCALENDARs, expected one")
    [calendar] = calendars
    if calendar.value("VERSION") != "2.0":
        raise ICSError("VERSION is not 2.0")
    _check(calendar)
    return calendar


@dataclass
class CalendarPart:
    """A calendar attachment as the recipient's mail client sees it."""

    content_type: str
    method: str | None
    filename: str | None
    calendar: Component


def calendar_parts(message: EmailMessage) -> list[CalendarPart]:
    """Every text/calendar part of `message` as it goes over the wire (its MIME bytes parsed again), each
    read by `parse`."""
    # As the SMTP backend sends it: CRLF line ends (django.core.mail.backends.smtp).
    wire: Message = message_from_bytes(message.message().as_bytes(linesep="\r\n"))
    parts = []
    for part in wire.walk():
        if part.get_content_type() != "text/calendar":
            continue
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        method = part.get_param("method")
        parts.append(
            CalendarPart(
                content_type=part["Content-Type"],
                method=method if isinstance(method, str) else None,
                filename=part.get_filename(),
                calendar=parse(payload),
            )
        )
    return parts
