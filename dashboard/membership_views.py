"""The group page's membership pages: the adviser widens the group they follow («Inviter deltaker»)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render

from accounts.access import AccessRefused, AuthenticatedRequest
from municipalities.forms import ADVISER_INVITE_ROLES, InviteMemberForm
from municipalities.selectors import get_group_for_user
from municipalities.services import membership_invite


@login_required
def group_invite(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """«Inviter deltaker» in the portal: the group's own adviser invites an «annen deltaker» (the group may be
    widened after talking it over with the adviser, 000); the programme leader any role, as in the admin.
    Everyone else, members of the group included, gets a 404."""
    group = get_group_for_user(request.user, pk)
    if request.user.is_programme_leader:
        roles = None
    elif group.adviser_id == request.user.pk:
        roles = ADVISER_INVITE_ROLES
    else:
        raise AccessRefused("municipalities.municipalitygroup", pk)
    form = InviteMemberForm(request.POST or None, group=group, roles=roles)
    if request.method == "POST" and form.is_valid():
        membership, invited = membership_invite(
            group=group, invited_by=request.user, request=request, **form.cleaned_data
        )
        if invited:
            messages.success(request, f"{membership.user} er lagt til og har fått invitasjon på e-post.")
        else:
            messages.success(
                request, f"{membership.user} er lagt til. Hen har allerede en bruker og har fått beskjed på e-post."
            )
        return redirect(group)
    return render(request, "dashboard/group_invite.html", {"group": group, "form": form, "limited": roles})
