from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from accounts.access import AuthenticatedRequest

from .selectors import get_portfolio_for_user


@login_required
def foundation_document(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    portfolio = get_portfolio_for_user(request.user, pk)
    return render(
        request,
        "portfolios/foundation_document.html",
        {
            "portfolio": portfolio,
            "programme": portfolio.programme,
            "sections": portfolio.sections.all(),
            "plan_items": portfolio.plan_items.all(),
        },
    )
