"""Issue 12: no page of the portal or the admin runs more queries when there is more data.

The crawler (testing/crawl.py) visits every URL of the portal and the admin as the person who uses it, on the
demo and again after `grow` has added a little more of everything (testing/bulk.py): more portfolios, groups,
members, meetings, reminders, plans and survey responses, some of it under the very objects whose pages are
visited. A page that asks once per row shows a higher count the second time. `benchmarks/crawl.py` does the
same at ten years' size and prints the figures."""

import io

import pytest
from django.core.management import call_command

from testing.bulk import Growth, grow
from testing.crawl import crawl, find_targets, grown, prepare, uncovered, visits

pytestmark = pytest.mark.django_db

# Pages known to grow, left to a fix of their own. Each entry names its issue; remove it when that is merged
# (the test fails once the page stops growing, so that the list never keeps a page that no longer grows).
KNOWN_GROWING: set[str] = set()

# Small, but at least two of everything per parent, so that a query per row shows as a higher count.
SMALL = Growth(
    portfolios=2,
    groups=4,
    target_groups=2,
    members=4,
    target_members=2,
    meetings=2,
    target_meetings=2,
    reminders=3,
    plans=2,
    target_plan_rows=2,
    responses=6,
    surveys=1,
    records=3,
)


@pytest.fixture
def demo(monkeypatch):
    call_command("seed_demo", stdout=io.StringIO())
    # WeasyPrint asks the database nothing, and laying out the PDFs three times over would take most of the
    # test's time: the PDF views run everything up to the HTML, which is where their queries are.
    monkeypatch.setattr("core.pdf.html_to_pdf", lambda html, **options: b"%PDF-1.7\n%%EOF\n")
    return prepare(find_targets())


def test_the_crawl_visits_every_page_and_every_admin_action(demo):
    missing = uncovered(demo, visits(demo))
    assert missing == [], "\n".join(missing)


def test_no_page_runs_more_queries_with_more_data(demo):
    pages = visits(demo)
    before = crawl(demo, pages)
    grow(demo, SMALL)
    after = crawl(demo, pages)
    growing = grown(before, after)
    unexpected = {key: counts for key, counts in growing.items() if key not in KNOWN_GROWING}
    assert unexpected == {}, "\n".join(f"{key}: {a} → {b} queries" for key, (a, b) in unexpected.items())
    assert set(growing) >= KNOWN_GROWING, "a page in KNOWN_GROWING no longer grows: take it off the list"
