"""The programme leader's audit log page («Logg») and its export. It lives here, not in accounts, because it
names the municipality groups the events concern (accounts imports no app)."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header

from accounts.access import AuthenticatedRequest, require_programme_leader
from accounts.audit_texts import action_text
from accounts.forms import AuditLogFilterForm
from accounts.selectors import AuditFilters, audit_csv, audit_events, event_time, event_who
from accounts.services import audit_log
from municipalities.models import MunicipalityGroup

PAGE_SIZE = 50


def _groups() -> list[MunicipalityGroup]:
    """Every group, newest portfolio first, for the filter and for naming each event's group (2 queries)."""
    return list(
        MunicipalityGroup.objects.select_related("portfolio__programme")
        .prefetch_related("municipalities")
        .order_by("-portfolio__agreement_start", "portfolio__name", "name", "pk")
    )


def _group_choices(groups: list[MunicipalityGroup]) -> list[Any]:
    """The groups as optgroups per portfolio, in the order `groups` has them."""
    choices: dict[str, list[tuple[int, str]]] = {}
    for group in groups:
        choices.setdefault(str(group.portfolio), []).append((group.pk, group.display_name))
    return list(choices.items())


def _filters(form: AuditLogFilterForm) -> AuditFilters:
    """The valid filters of the form; a filter with an error is left out (the form shows the error)."""
    if form.is_valid():
        data = form.cleaned_data
    else:
        data = {name: value for name, value in getattr(form, "cleaned_data", {}).items() if name not in form.errors}
    return {
        "person": data.get("person") or "",
        "group": data.get("group"),
        "kind": data.get("kind") or "",
        "date_from": data.get("date_from"),
        "date_to": data.get("date_to"),
    }


@login_required
def audit_log_page(request: AuthenticatedRequest) -> HttpResponse:
    """The log in words, Oslo time, filtered and paginated.

    Queries, whatever the number of events: session, user, staff roles, groups, the groups' municipalities,
    the count and the page's events with their actors (7)."""
    require_programme_leader(request.user)
    groups = _groups()
    names = {group.pk: group.display_name for group in groups}
    form = AuditLogFilterForm(request.GET or None, groups=_group_choices(groups))
    filters = _filters(form)
    page = Paginator(audit_events(filters), PAGE_SIZE).get_page(request.GET.get("side"))
    rows = [
        {
            "event": event,
            "time": event_time(event),
            "text": action_text(event.action),
            "who": event_who(event),
            "group": names.get(event.group_id, "") if event.group_id is not None else "",
        }
        for event in page.object_list
    ]
    query = request.GET.copy()
    query.pop("side", None)
    return render(
        request,
        "dashboard/audit_log.html",
        {"form": form, "page": page, "rows": rows, "query": query.urlencode(), "total": page.paginator.count},
    )


@login_required
def audit_log_export(request: AuthenticatedRequest) -> StreamingHttpResponse:
    """The filtered log as CSV, streamed; the export is itself an event in the log."""
    require_programme_leader(request.user)
    groups = _groups()
    form = AuditLogFilterForm(request.GET or None, groups=_group_choices(groups))
    filters = _filters(form)
    audit_log(
        action="audit_log.exported",
        request=request,
        payload={key: str(value) for key, value in filters.items() if value not in (None, "")},
    )
    names = {group.pk: group.display_name for group in groups}
    response = StreamingHttpResponse(audit_csv(audit_events(filters), names), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M")
    disposition = content_disposition_header(as_attachment=True, filename=f"logg-{stamp}.csv")
    assert disposition is not None, "Django gives None only for an inline file without a name"
    response["Content-Disposition"] = disposition
    return response
