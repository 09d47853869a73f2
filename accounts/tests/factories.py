from typing import Any

import factory
from django.contrib.auth.models import Group

from accounts.models import User
from accounts.roles import ADVISER, PROGRAMME_LEADER

PASSWORD = "korrekt-hest-batteri"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name", locale="no_NO")
    phone = factory.Sequence(lambda n: f"900 {n:05d}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj: User, create: bool, extracted: object, **kwargs: Any) -> None:
        if create:
            obj.save(update_fields=["password"])


def _staff_role(name: str) -> factory.PostGeneration:
    """Adds the created user to the staff role `name` (an auth group made by a data migration)."""

    def add(obj: User, create: bool, extracted: object, **kwargs: Any) -> None:
        if create:
            obj.groups.add(Group.objects.get(name=name))

    return factory.PostGeneration(add)


class ProgrammeLeaderFactory(UserFactory):
    is_staff = True
    role = _staff_role(PROGRAMME_LEADER)


class AdviserFactory(UserFactory):
    is_staff = True
    role = _staff_role(ADVISER)
