from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .selectors import get_group_for_user, members_in_role_order


@login_required
def group_detail(request, pk):
    group = get_group_for_user(request.user, pk)
    portfolio = group.portfolio
    return render(
        request,
        "municipalities/group_detail.html",
        {
            "group": group,
            "portfolio": portfolio,
            "members": members_in_role_order(group),
            "plan_items": portfolio.plan_items.all(),
            "shortcomings": group.shortcomings(),
        },
    )
