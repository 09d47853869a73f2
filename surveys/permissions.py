"""Who may do what with surveys. Answering needs no login: the personal link is the key. Every staff page
(results, coding, report, exports, comparison) is the programme leader's alone; everyone else gets a 404,
as for anything out of reach. Advisers are left out on purpose: the answers are about their own work."""

from django.contrib.auth.models import AnonymousUser

from accounts.models import User


def can_manage_surveys(user: User | AnonymousUser) -> bool:
    return user.is_authenticated and user.is_programme_leader
