"""Data the benchmarks build alike. Call after django.setup()."""


def groups_of_one_municipality(portfolio, adviser, count, roles, name="Deltaker"):
    """`count` active groups in `portfolio`, one municipality each (by number), with one member per role."""
    from accounts.models import User
    from municipalities.models import Membership, Municipality, MunicipalityGroup

    municipalities = list(Municipality.objects.order_by("number")[:count])
    groups = MunicipalityGroup.objects.bulk_create(
        MunicipalityGroup(portfolio=portfolio, adviser=adviser, status="active", name=m.name) for m in municipalities
    )
    for group, municipality in zip(groups, municipalities, strict=True):
        group.municipalities.add(municipality)
    users = User.objects.bulk_create(
        User(email=f"m{g.pk}-{i}@example.org", full_name=f"{name} {g.pk} {i}")
        for g in groups
        for i in range(len(roles))
    )
    Membership.objects.bulk_create(
        Membership(user=u, group=groups[n // len(roles)], role=roles[n % len(roles)]) for n, u in enumerate(users)
    )
    return groups


def portfolio_with_signatories(count):
    """A portfolio with `count` one-municipality groups, each with a kulturskoleeier and a kulturskoleleder,
    and the plan and foundation sections a real contract's PDF carries (contracts.py, contracts_send.py)."""
    from accounts.tests.factories import AdviserFactory
    from contracts.tests.factories import ContractTemplateFactory
    from municipalities.models import Role
    from portfolios.tests.factories import FoundationSectionFactory, PlanItemFactory, PortfolioFactory

    adviser = AdviserFactory()
    template = ContractTemplateFactory()
    portfolio = PortfolioFactory(programme=template.programme, advisers=[adviser])
    PlanItemFactory.create_batch(22, portfolio=portfolio)
    FoundationSectionFactory.create_batch(13, portfolio=portfolio)
    groups = groups_of_one_municipality(portfolio, adviser, count, [Role.OWNER_POLITICAL, Role.LEADER], "Signatar")
    return portfolio, groups
