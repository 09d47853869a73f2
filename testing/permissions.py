"""The permission matrix (pretix's `test_permissions.py`): every URL × every persona, with the status each
must get. Each app keeps its own matrix in `<app>/tests/test_permissions.py` and checks it with
`check_access`; the `world` fixture (root conftest) holds two groups in two portfolios and one person of
each persona. An app adds its own objects by overriding `world` in its test module:

    @pytest.fixture
    def world(world):
        world["meeting_a"] = MeetingFactory(group=world["group_a"])
        return world

Out of reach is always 404, never 403, so that nothing leaks about what exists.

The last three personas are member_a after their part in group A is over (issue 13): their membership
ended yesterday, they were deactivated, or group A ended early. Each keeps reading group A's contracts and
the approved versions of its plan and nothing else; the deactivated member cannot log in at all, so they
get what an anonymous visitor gets, and their survey link and calendar feed stop like the others'."""

from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import ProgrammeLeaderFactory
from municipalities.models import Membership, MunicipalityGroup
from municipalities.tests.factories import MembershipFactory, MunicipalityGroupFactory, municipality
from portfolios.tests.factories import FoundationSectionFactory, PlanItemFactory

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

PERSONAS = [
    "anonymous",
    "member_a",
    "member_b",
    "adviser_a",
    "adviser_b",
    "leader",
    "ended_member_a",
    "deactivated_member_a",
    "member_of_ended_group_a",
]


def _end_membership(world: "World") -> None:
    Membership.objects.filter(user=world["member_a"], group=world["group_a"]).update(
        ended_on=timezone.localdate() - timedelta(days=1)
    )


def _deactivate(world: "World") -> None:
    world["member_a"].is_active = False
    world["member_a"].save(update_fields=["is_active"])


def _end_group_early(world: "World") -> None:
    MunicipalityGroup.objects.filter(pk=world["group_a"].pk).update(
        status=MunicipalityGroup.Status.ENDED_EARLY, ended_reason="Kommunen trakk seg."
    )


# The personas that are member_a in another state: how to put them in it, before the request.
FORMER_MEMBERS = {
    "ended_member_a": _end_membership,
    "deactivated_member_a": _deactivate,
    "member_of_ended_group_a": _end_group_early,
}

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
        # member_a themselves, put in their state by `check_access`.
        **dict.fromkeys(FORMER_MEMBERS),
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
    if persona in FORMER_MEMBERS:
        FORMER_MEMBERS[persona](world)
        user = world["member_a"]
    else:
        user = world[persona]
    url = reverse(url_name, kwargs={k: resolve(world, v) for k, v in kwargs.items()})
    if user is not None:
        client.force_login(user)
    response = getattr(client, method)(url, data or {})
    assert response.status_code == expected[PERSONAS.index(persona)], f"{persona} {method.upper()} {url}"
    if response.status_code == 302 and persona in ("anonymous", "deactivated_member_a"):
        assert "logg-inn" in response["Location"] or "/admin/login/" in response["Location"]
    return response
