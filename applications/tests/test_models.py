import pytest
from django.db import IntegrityError, transaction

from accounts.tests.factories import AdviserFactory, ProgrammeLeaderFactory
from municipalities.tests.factories import MembershipFactory, municipality

from ..models import Application, ApplicationShare
from .factories import ApplicationFactory, CallFactory, SubmittedApplicationFactory, complete_veiledning_contacts


@pytest.mark.django_db
def test_the_personal_link_is_stored_only_as_its_hash():
    application = ApplicationFactory()

    assert application.token
    assert application.token not in (application.token_hash, application.nonce)
    assert Application.objects.get(token_hash=application.token_hash) == application


@pytest.mark.django_db
def test_a_submitted_application_needs_its_time():
    application = ApplicationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.filter(pk=application.pk).update(status=Application.Status.SUBMITTED)


@pytest.mark.django_db
def test_a_call_closes_after_it_opens():
    call = CallFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        type(call).objects.filter(pk=call.pk).update(closes_at=call.opens_at)


@pytest.mark.django_db
def test_only_the_leader_and_advisers_it_is_shared_with_see_an_application():
    programme_leader = ProgrammeLeaderFactory()
    application = SubmittedApplicationFactory(municipalities=[municipality("1804"), municipality("1841")])
    complete_veiledning_contacts(application)
    shared_with, other = AdviserFactory(), AdviserFactory()
    ApplicationShare.objects.create(application=application, adviser=shared_with)

    assert list(Application.objects.visible_to(programme_leader)) == [application]
    assert list(Application.objects.visible_to(shared_with)) == [application]
    assert list(Application.objects.visible_to(other)) == []
    assert list(Application.objects.visible_to(MembershipFactory().user)) == []
