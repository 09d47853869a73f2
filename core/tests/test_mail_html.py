"""E-mails go out as text with an HTML alternative made from the same words (core.mail.text_to_html), with
one sign-off and contact line, and marked as automatic (RFC 3834)."""

from html.parser import HTMLParser

import pytest
from django.utils import timezone

from core import outbox
from core.mail import build_mail, queue_mail, queue_mails, sign_off, text_to_html
from core.models import Email
from core.testing.mail import deliver_outbox

CONTEXT = {"user": {"full_name": "Kåre & Co <b>"}, "link": "https://portal.example/x?a=1&b=2", "expires_at": None}


class _Tags(HTMLParser):
    """The start tags and the text of an HTML document, as a mail reader's parser sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text += data


def _parse(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser


def test_the_html_escapes_everything_so_no_text_becomes_markup():
    html = text_to_html('Hei <script>alert("x")</script> & «Kåre & Co» <a href="https://evil.example">her</a>')
    assert "<script>" not in html and "&lt;script&gt;alert(&quot;x&quot;)" in html
    assert "«Kåre &amp; Co»" in html
    # The markup typed stays text; only the bare address in it becomes a link of its own.
    assert _parse(html).tags == [("p", {}), ("a", {"href": "https://evil.example"})]
    assert "&lt;a href=&quot;<a href=" in html


def test_blank_lines_make_paragraphs_and_single_newlines_line_breaks():
    html = text_to_html("Første avsnitt,\nandre linje.\n\n\nAndre avsnitt.\n")
    assert html == "<p>Første avsnitt,<br>\nandre linje.</p>\n<p>Andre avsnitt.</p>"


def test_bare_addresses_become_links_without_the_punctuation_after_them():
    html = text_to_html("Les planen (https://portal.example/plan/3/?a=1&b=2). Eller http://x.example/møte/")
    links = [attrs["href"] for tag, attrs in _parse(html).tags if tag == "a"]
    assert links == ["https://portal.example/plan/3/?a=1&b=2", "http://x.example/møte/"]
    assert '?a=1&amp;b=2">https://portal.example/plan/3/?a=1&amp;b=2</a>).' in html
    # Anything that is not a web address stays text.
    assert "<a" not in text_to_html("Skriv til veiledning@kulturskoleradet.no eller www.kulturskoleradet.no")


def test_the_sign_off_and_contact_line_come_from_the_organisations_settings(settings):
    settings.ORGANISATION = {**settings.ORGANISATION, "name": "Sámi & Co", "email": "post@example.org", "phone": ""}
    assert sign_off() == "Vennlig hilsen\nSámi & Co\n\nSpørsmål? Skriv til post@example.org"
    settings.ORGANISATION = {**settings.ORGANISATION, "phone": "+47 22 00 00 00"}
    assert sign_off().endswith("Skriv til post@example.org eller ring +47 22 00 00 00")


def test_a_mail_has_the_same_words_in_its_text_and_its_html_with_one_sign_off(settings):
    settings.ORGANISATION = {**settings.ORGANISATION, "name": "Norsk kulturskoleråd"}
    email = build_mail(to="a@example.org", template="accounts/email/invitation", context=CONTEXT)
    # The text keeps what was typed: no HTML escaping in the plain part.
    assert "Hei Kåre & Co <b>," in email.body
    assert email.body.endswith(f"\n\n{sign_off()}\n")
    assert email.body.count("Vennlig hilsen") == 1
    parsed = _parse(email.html)
    assert ("html", {"lang": "nb"}) in parsed.tags
    assert "b" not in [tag for tag, _ in parsed.tags]
    assert "Kåre &amp; Co &lt;b&gt;" in email.html
    assert [attrs["href"] for tag, attrs in parsed.tags if tag == "a"] == ["https://portal.example/x?a=1&b=2"]
    # The words of the HTML are the words of the text.
    assert " ".join(parsed.text.replace(email.subject, "", 1).split()) == " ".join(email.body.split())


@pytest.mark.django_db
def test_the_outbox_sends_text_and_html_marked_as_automatic_with_its_message_id():
    email = queue_mail(to="a@example.org", template="accounts/email/invitation", context=CONTEXT)
    [message] = deliver_outbox()
    assert message.body == email.body
    assert message.alternatives == [(email.html, "text/html")]
    raw = message.message()
    assert raw["Auto-Submitted"] == "auto-generated"
    assert raw["Message-ID"] == email.message_id
    assert [part.get_content_type() for part in raw.walk()] == ["multipart/alternative", "text/plain", "text/html"]
    email.refresh_from_db()
    assert (email.status, email.html) == ("sent", "")  # the HTML may hold the personal link too


@pytest.mark.django_db
def test_rows_saved_in_bulk_keep_their_html():
    queue_mails(
        [build_mail(to=f"{n}@example.org", template="accounts/email/invitation", context=CONTEXT) for n in "ab"]
    )
    assert all(e.html.startswith("<!DOCTYPE html>") for e in Email.objects.all())
    assert Email.objects.count() == 2
    assert outbox.send_due(now=timezone.now()) == 2
