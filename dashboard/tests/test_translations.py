"""The project's catalogue (locale/nb) fills what Django's nb catalogue lacks, so the admin and the password
rules speak Norwegian. Django's own English catalogues list every string of the installed version: a string
there that neither nb catalogue has is English on screen, and this test names it after a Django upgrade."""

import re
from pathlib import Path

import django
import pytest
from django.conf import settings
from django.contrib.auth.password_validation import MinimumLengthValidator
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.translation.trans_real import DjangoTranslation

from accounts.tests.factories import ProgrammeLeaderFactory

DJANGO = Path(django.__file__).parent
PROJECT = Path(settings.BASE_DIR) / "locale" / "nb" / "LC_MESSAGES"

# (context, msgid, msgid_plural) -> the msgstr forms
Catalogue = dict[tuple[str | None, str, str | None], list[str]]


def _unquote(lines: list[str]) -> str:
    return "".join(line[1:-1] for line in lines).replace('\\"', '"').replace("\\n", "\n")


def read_po(path: Path) -> Catalogue:
    """A minimal reader of the .po files here and in Django: entries of msgctxt, msgid, msgid_plural and
    msgstr or msgstr[n], each possibly continued on quoted lines; the header (empty msgid) is left out."""
    catalogue: Catalogue = {}
    entry: dict[str, list[str]] = {}
    key = ""

    def flush() -> None:
        if entry.get("msgid") and _unquote(entry["msgid"]):
            plural = entry.get("msgid_plural")
            forms = [_unquote(v) for k, v in sorted(entry.items()) if k.startswith("msgstr")]
            catalogue[
                (
                    _unquote(entry["msgctxt"]) if "msgctxt" in entry else None,
                    _unquote(entry["msgid"]),
                    _unquote(plural) if plural else None,
                )
            ] = forms
        entry.clear()

    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) (\".*\")$", line)
        if match:
            if match[1] in ("msgctxt", "msgid") and "msgstr" in "".join(entry):
                flush()
            if match[1] == "msgid" and "msgid" in entry:
                flush()
            key = match[1]
            entry[key] = [match[2]]
        else:
            entry[key].append(line)
    flush()
    return catalogue


def _untranslated_by_django(domain: str) -> set[tuple[str | None, str, str | None]]:
    missing: set[tuple[str | None, str, str | None]] = set()
    for english in DJANGO.glob(f"**/locale/en/LC_MESSAGES/{domain}.po"):
        norwegian = Path(str(english).replace("/en/", "/nb/"))
        have = read_po(norwegian) if norwegian.exists() else {}
        missing |= {key for key in read_po(english) if key not in have or not all(have[key])}
    return missing


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_every_string_django_nb_lacks_is_translated_by_the_project(domain):
    ours = read_po(PROJECT / f"{domain}.po")
    missing = _untranslated_by_django(domain)
    assert missing, "the check must see Django's catalogues"
    assert sorted(k[1] for k in missing if k not in ours or not all(ours[k])) == []


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_the_compiled_catalogue_says_what_the_po_file_says(domain):
    """The .mo files are committed; one not compiled again after an edit would show the old text."""
    compiled = DjangoTranslation("nb", domain=domain)
    for (context, msgid, plural), forms in read_po(PROJECT / f"{domain}.po").items():
        if plural:
            assert [compiled.ngettext(msgid, plural, n) for n in (1, 2)] == forms[:2], msgid
        elif context:
            assert compiled.pgettext(context, msgid) == forms[0], msgid
        else:
            assert compiled.gettext(msgid) == forms[0], msgid


def test_the_password_rule_speaks_norwegian():
    with translation.override("nb"), pytest.raises(ValidationError) as error:
        MinimumLengthValidator(10).validate("kort")
    assert error.value.messages == ["Passordet er for kort. Det må ha minst 10 tegn."]


@pytest.mark.django_db
def test_the_admin_has_no_english_chrome(client):
    client.force_login(ProgrammeLeaderFactory())
    html = client.get(reverse("admin:index")).content.decode()
    for english in ("Skip to main content", "Toggle theme", "Start typing to filter", "Sidebar"):
        assert english not in html
    assert "Gå til hovedinnholdet" in html
    script = client.get(reverse("admin:jsi18n")).content.decode()
    assert '"Choose all %s": "Velg alle %s"' in script
