from collections.abc import Callable

from django.http import HttpRequest
from django.http.response import HttpResponseBase

from .access import AccessRefused
from .services import audit_log


class AuditAccessRefusedMiddleware:
    """Writes an audit event whenever an access helper refused an object; the response stays a 404."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, AccessRefused):
            audit_log(
                action="access.refused",
                request=request,
                payload={"path": request.path, "object_type": exception.obj_type, "object_id": exception.obj_id},
            )
        return None
