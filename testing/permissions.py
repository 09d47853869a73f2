"""The permission matrix (pretix's `test_permissions.py`): every URL × every persona, with the status each
must get. Each app keeps its own matrix in `<app>/tests/test_permissions.py` and checks it with
`check_access`; the `world` fixture (root conftest) holds two groups in two portfolios and one person of
each persona. An app adds its own objects by overriding `world` in its test module:

    @pytest.fixture
    def world(world):
        world["meeting_a"] = MeetingFactory(group=world["group_a"])
        return world

Out of reach is always 404, never 403, so that nothing leaks about what exists."""

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.test import Client
from django.urls import reverse

from accounts.tests.factories import ProgrammeLeaderFactory
from municipalities.tests.factories import MembershipFactory, MunicipalityGroupFactory, municipality
from portfolios.tests.factories import FoundationSectionFactory, PlanItemFactory

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

PERSONAS = ["anonymous", "member_a", "member_b", "adviser_a", "adviser_b", "leader"]

# The objects of the world by name: groups, a user per persona (None for "anonymous") and whatever an app's
# tests add, read by attribute.
World = dict[str, Any]
# A row of a matrix: the URL name, its kwargs (literals or "name.attr" paths into the world, see `resolve`) and
# the status each persona must get, in PERSONAS order.
MatrixRow = tuple[str, Mapping[str, object], Sequence[int]]


def build_world() -> World:
    group_a = MunicipalityGroupFactory(municipalities=[municipality("1804")])
    group_b = MunicipalityGroupFactory(municipalities=[municipality("5612")])
    for group in (group_a, group_b):
        PlanItemFactory(portfolio=group.portfolio)
        FoundationSectionFactory(portfolio=group.portfolio)
    return {
        "group_a": group_a,
        "group_b": group_b,
        "anonymous": None,
        "member_a": MembershipFactory(group=group_a).user,
        "member_b": MembershipFactory(group=group_b).user,
        "adviser_a": group_a.adviser,
        "adviser_b": group_b.adviser,
        "leader": ProgrammeLeaderFactory(),
    }


def resolve(world: World, expr: object) -> Any:
    """ "group_a.portfolio.pk" → that attribute of the world's object; anything without a dot is literal."""
    if not isinstance(expr, str) or "." not in expr:
        return expr
    name, attr_path = expr.split(".", 1)
    value = world[name]
    for attr in attr_path.split("."):
        value = getattr(value, attr)
    return value


def matrix_ids(matrix: Iterable[MatrixRow]) -> list[str]:
    return [f"{row[0]}{row[1]}" for row in matrix]


def check_access(
    client: Client,
    world: World,
    url_name: str,
    kwargs: Mapping[str, object],
    expected: Sequence[int],
    persona: str,
    *,
    method: str = "get",
    data: Mapping[str, Any] | None = None,
) -> "_MonkeyPatchedWSGIResponse":
    """Requests the URL as `persona` and asserts the status at the persona's place in `expected`
    (PERSONAS order). An anonymous 302 must be the redirect to a login page."""
    url = reverse(url_name, kwargs={k: resolve(world, v) for k, v in kwargs.items()})
    if world[persona] is not None:
        client.force_login(world[persona])
    response = getattr(client, method)(url, data or {})
    assert response.status_code == expected[PERSONAS.index(persona)], f"{persona} {method.upper()} {url}"
    if response.status_code == 302 and persona == "anonymous":
        assert "logg-inn" in response["Location"] or "/admin/login/" in response["Location"]
    return response
