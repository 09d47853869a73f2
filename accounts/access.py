from django.http import Http404, HttpRequest

from .models import User


class AuthenticatedRequest(HttpRequest):
    """The request of a view behind @login_required, for type checking: its user is logged in, so it is a
    `User`, never the AnonymousUser django-stubs allows for `HttpRequest.user`. Annotate such views'
    `request` with it instead of narrowing `request.user` in each one."""

    user: User  # narrower than HttpRequest's `User | AnonymousUser`, which @login_required guarantees


def request_user(request: HttpRequest) -> User:
    """The logged-in user of a request typed `HttpRequest` that only logged-in users reach: the admin's
    actions and views (the admin site lets in active staff alone, and their signatures are fixed by
    ModelAdmin). Views behind @login_required take an `AuthenticatedRequest` instead."""
    user = request.user
    assert isinstance(user, User), "request_user is only for requests that the admin site has let in"
    return user


class AccessRefused(Http404):
    """Raised by the access helpers when an object is missing or outside the user's reach.

    It is a 404 for the user, so nothing leaks about whether the object exists; the middleware
    records it in the audit log (as `action`, «access.refused» unless a view names a more telling one,
    with `path`, the request's path unless it holds something that must not be kept, such as a token).
    """

    def __init__(
        self, obj_type: str = "", obj_id: int | str = "", *, action: str = "access.refused", path: str | None = None
    ) -> None:
        """`obj_type` and `obj_id` name the refused object; both stay empty for a page refused as a whole."""
        super().__init__("Ikke funnet.")
        self.obj_type = obj_type
        self.obj_id = str(obj_id)
        self.action = action
        self.path = path


def require_programme_leader(user: User, obj_type: str = "", obj_id: int | str = "") -> None:
    """Pages and actions for the programme leader alone are a 404 to everyone else, like any object out
    of reach; `obj_type` and `obj_id` name the object for the audit log, if there is one."""
    if not user.is_programme_leader:
        raise AccessRefused(obj_type, obj_id)
