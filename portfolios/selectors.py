"""Reads of portfolios that several views share."""

from accounts.access import AccessRefused
from accounts.models import User

from .models import Portfolio


def get_portfolio_for_user(user: User, pk: int) -> Portfolio:
    """The portfolio `pk` if `user` takes part in it; otherwise AccessRefused (a 404)."""
    portfolio = Portfolio.objects.visible_to(user).select_related("programme").filter(pk=pk).first()
    if portfolio is None:
        raise AccessRefused("portfolios.portfolio", pk)
    return portfolio
