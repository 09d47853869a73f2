import factory

from contracts.models import Contract, ContractTemplate
from contracts.services import contract_sign
from municipalities.models import Role
from municipalities.tests.factories import MembershipFactory, MunicipalityGroupFactory, municipality
from portfolios.tests.factories import FremtidensProgrammeFactory, ProgrammeFactory

# The seeds' wording (seeds/000_70f452b7c0dcaadb.txt), with the placeholders seed_demo writes.
VEILEDNING_BODY = (
    "Med utgangspunkt i Grunnlagsdokumentet\n"
    "Veiledning i kulturskoleutvikling {startår}-{sluttår}\n"
    "har partene inngått avtale om veiledning i kulturskoleutvikling i\n"
    "{kommune} kommune\n"
    "for perioden {avtalestart} - {avtaleslutt}"
)


class ContractTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContractTemplate
        django_get_or_create = ["programme"]

    programme = factory.SubFactory(ProgrammeFactory)
    header = "KONTRAKT VEILEDNINGSORDNINGEN {startår} - {sluttår}"
    title = "KONTRAKT"
    subtitle = "Veiledning i kulturskoleutvikling {startår}-{sluttår}"
    body = VEILEDNING_BODY
    signatory_name = "Morten Christiansen"
    signatory_title = "Direktør Norsk kulturskoleråd"
    signatories = ContractTemplate.Signatories.OWNER_AND_LEADER


class FremtidensTemplateFactory(ContractTemplateFactory):
    programme = factory.SubFactory(FremtidensProgrammeFactory)
    header = "Kontrakt – Regionale program {startår}–{sluttår}"
    title = "Kontrakt"
    subtitle = "Utviklingsprogram for Fremtidens kulturskole\nKulturskolen som utviklingsaktør i fremtidens kommune"
    body = (
        "Med utgangspunkt i Grunnlagsdokumentet\n"
        "Fremtidens kulturskole Regionale program {startår}–{sluttår}\n"
        "har partene inngått avtale om deltakelse for\n"
        "{kommune} kommune\n"
        "for perioden {avtalestart} – {avtaleslutt}"
    )
    signatory_title = "direktør, Norsk kulturskoleråd"
    signatory_place = "Trondheim {avtalestart}"
    signatories = ContractTemplate.Signatories.DIRECTOR_AND_LEADER
    municipal_labels = "kommunedirektør, kulturskoleleder"


class ContractFactory(factory.django.DjangoModelFactory):
    """A draft contract for the group's first municipality; the programme gets its template."""

    class Meta:
        model = Contract
        skip_postgeneration_save = True

    group = factory.SubFactory(MunicipalityGroupFactory)
    municipality = factory.LazyAttribute(lambda o: o.group.municipalities.first())

    @factory.post_generation
    def template(obj, create, extracted, **kwargs):
        if create:
            ContractTemplateFactory(programme=obj.group.portfolio.programme)


def signatories(group, number="1804"):
    """A kulturskoleeier and a kulturskoleleder of municipality `number` in `group`: (owner, leader) users."""
    place = municipality(number)
    owner = MembershipFactory(group=group, role=Role.OWNER_ADMINISTRATIVE, municipality=place).user
    leader = MembershipFactory(group=group, role=Role.LEADER, municipality=place).user
    return owner, leader


def sign(contract, user, place="Bodø", **kwargs):
    """`user` signs `contract` as the signing page would, on the document stored for signing."""
    contract.refresh_from_db()
    return contract_sign(
        contract=contract,
        user=user,
        full_name=user.full_name,
        place=place,
        document_sha256=kwargs.pop("document_sha256", contract.signing_document.sha256),
        ip="10.1.2.3",
        user_agent="pytest-browser/1.0",
        **kwargs,
    )
