import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.access import AccessRefused, AuthenticatedRequest
from accounts.models import hash_token
from accounts.services import audit_log
from core.downloads import attachment, download_name
from core.storage import DocumentTampered, read_verified

from . import charts, exports
from .forms import CodingFilterForm, CodingForm, FindingForm, PageForm
from .models import Answer, Category, Invitation, ReportPdf, Response, Survey
from .permissions import can_manage_surveys
from .reports import report_context, results_context
from .selectors import (
    UNCODED,
    coded_questions,
    get_invitation_by_token,
    get_survey_for_user,
    invitation_still_current,
    open_answers,
    question_comparison,
    response_rates,
)
from .services import (
    SurveyError,
    answer_code,
    category_set_finding,
    missing_required,
    report_pdf_request,
    response_for,
    response_save_page,
    response_submit,
)

logger = logging.getLogger(__name__)

# Answering through the personal link (no login)


def _without_token(request: HttpRequest, token: str) -> str:
    """The request's path with the personal link's token left out, for the audit log."""
    return request.path.replace(token, "…")


def _invitation_or_404(request: HttpRequest, token: str) -> Invitation:
    invitation = get_invitation_by_token(token)
    if invitation is None:
        # Someone guessing links, or an old or mistyped one: logged with a prefix of the token's hash, never
        # the token (nor the path, which holds it), so that the log hands out no link that might work.
        raise AccessRefused(
            "surveys.invitation",
            hash_token(token)[:12],
            action="survey.link_unknown",
            path=_without_token(request, token),
        )
    return invitation


def _refusal(request: HttpRequest, invitation: Invitation) -> HttpResponse | None:
    """The page for a link that can no longer be used, or None if it can."""
    survey = invitation.survey
    if not invitation_still_current(invitation):
        # The person has left the group, been deactivated, or the group ended early: the link stops.
        return render(request, "surveys/answer_refused.html", {"survey": survey, "reason": "ended"}, status=410)
    # The invitation, not a response, says whether the link was used: a submitted anonymous response is
    # no longer linked to it.
    if invitation.used_at is not None:
        return render(
            request,
            "surveys/answer_refused.html",
            {"survey": survey, "reason": "submitted", "invitation": invitation},
            status=410,
        )
    if survey.has_closed():
        return render(request, "surveys/answer_refused.html", {"survey": survey, "reason": "closed"}, status=410)
    if not survey.is_open():
        return render(request, "surveys/answer_refused.html", {"survey": survey, "reason": "not_open"})
    return None


def answer_start(request: HttpRequest, token: str) -> HttpResponse:
    invitation = _invitation_or_404(request, token)
    if refusal := _refusal(request, invitation):
        return refusal
    survey = invitation.survey
    pages = list(survey.pages.all())
    return render(
        request,
        "surveys/answer_start.html",
        {
            "survey": survey,
            "invitation": invitation,
            "pages": pages,
            "started": hasattr(invitation, "response"),
            # Where the person stopped, within the survey's pages as they are now.
            "resume_page": min(max(1, invitation.response.resume_page), len(pages) or 1)
            if hasattr(invitation, "response")
            else 1,
            "token": token,
        },
    )


def answer_page(request: HttpRequest, token: str, number: int) -> HttpResponseBase:
    invitation = _invitation_or_404(request, token)
    if refusal := _refusal(request, invitation):
        return refusal
    survey = invitation.survey
    pages = list(survey.pages.all())
    if not 1 <= number <= len(pages):
        raise AccessRefused("surveys.page", number, path=_without_token(request, token))
    page = pages[number - 1]
    is_last = number == len(pages)
    response: Response | None = getattr(invitation, "response", None)
    if request.method == "POST":
        action = request.POST.get("action", "next")
        lenient = action in ("save", "previous")
        form = PageForm(request.POST, page=page, enforce_required=not lenient)
        if form.is_valid():
            try:
                response = response or response_for(invitation)
                goes_to = {"save": number, "previous": max(1, number - 1)}.get(action, min(len(pages), number + 1))
                response_save_page(response=response, page=page, data=form.cleaned_data, resume_page=goes_to)
                if action == "save":
                    messages.success(
                        request, "Svarene dine er lagret. Du kan lukke siden og fortsette senere med den samme lenken."
                    )
                    return redirect("surveys:answer_page", token=token, number=number)
                if action == "previous":
                    return redirect("surveys:answer_page", token=token, number=max(1, number - 1))
                if action == "submit" and is_last:
                    missing = missing_required(response)
                    if missing:
                        first = missing[0]
                        messages.error(
                            request,
                            f"Du må svare på «{first.text}» før du kan sende inn.",
                        )
                        return redirect("surveys:answer_page", token=token, number=pages.index(first.page) + 1)
                    response_submit(response=response, request=request)
                    return redirect("surveys:answer_thanks", token=token)
            except SurveyError as error:
                messages.error(request, str(error))
                return redirect("surveys:answer", token=token)
            return redirect("surveys:answer_page", token=token, number=goes_to)
    else:
        answers = list(response.answers.filter(question__page=page).select_related("question")) if response else []
        form = PageForm(page=page, answers=answers)
    return render(
        request,
        "surveys/answer_page.html",
        {
            "survey": survey,
            "form": form,
            "blocks": form.blocks(),
            "page": page,
            "number": number,
            "count": len(pages),
            "is_last": is_last,
            "token": token,
        },
    )


def answer_thanks(request: HttpRequest, token: str) -> HttpResponseBase:
    invitation = _invitation_or_404(request, token)
    if invitation.used_at is None:
        return redirect("surveys:answer", token=token)
    return render(request, "surveys/answer_thanks.html", {"survey": invitation.survey})


# Staff pages: the programme leader's alone


def _leader_only(request: AuthenticatedRequest) -> None:
    if not can_manage_surveys(request.user):
        raise AccessRefused()


@login_required
def survey_list(request: AuthenticatedRequest) -> HttpResponse:
    _leader_only(request)
    surveys = Survey.objects.visible_to(request.user).select_related("portfolio__programme")
    return render(request, "surveys/survey_list.html", {"surveys": surveys, "now": timezone.now()})


@login_required
def results(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    survey = get_survey_for_user(request.user, pk)
    context = results_context(survey)
    context["rates"] = response_rates(survey)
    return render(request, "surveys/results.html", context)


# Open answers per page of the coding page: enough to work through, few enough to load quickly.
CODING_PAGE_SIZE = 25
# The query-string keys of the coding page's filter and page, kept when an answer is coded.
CODING_QUERY_KEYS = ("sporsmal", "kategori", "side")


def _coding_query(query: QueryDict) -> str:
    """The coding page's own keys of `query`, urlencoded; anything else (or not a plain value) is left out,
    so that the redirect after coding goes only to the coding page."""
    kept = QueryDict(mutable=True)
    for key in CODING_QUERY_KEYS:
        value = query.get(key, "")
        if value.isdigit() or (key == "kategori" and value == UNCODED):
            kept[key] = value
    return kept.urlencode()


@login_required
def coding(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A page of open answers, the uncoded first, filtered by question and by category. Queries, however
    many answers: session, user, survey, categories, questions, the count, the page, its categories (and
    for a survey that is not anonymous the groups' municipalities)."""
    survey = get_survey_for_user(request.user, pk)
    categories = list(survey.categories.all())
    filters = CodingFilterForm(request.GET, questions=coded_questions(survey), categories=categories, uncoded=UNCODED)
    if filters.is_valid():
        answers = open_answers(survey, question=filters.cleaned_data["sporsmal"], category=filters.category())
    else:
        # The errors show by the filter, with what was chosen; meanwhile every answer is shown.
        answers = open_answers(survey)
    page = Paginator(answers, CODING_PAGE_SIZE).get_page(request.GET.get("side"))
    for answer in page:
        answer.coded_ids = {c.pk for c in answer.categories.all()}
    for category in categories:
        category.form = FindingForm(initial={"finding": category.finding}, prefix=f"c{category.pk}")
    query = request.GET.copy()
    query.pop("side", None)
    return render(
        request,
        "surveys/coding.html",
        {
            "survey": survey,
            "page": page,
            "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
            "categories": categories,
            "filters": filters,
            "query": _coding_query(query),
            "back": _coding_query(request.GET),
        },
    )


@login_required
@require_POST
def code_answer(request: AuthenticatedRequest, pk: int, answer_pk: int) -> HttpResponseBase:
    survey = get_survey_for_user(request.user, pk)
    answer = (
        Answer.objects.select_related("question")
        .filter(pk=answer_pk, question__survey=survey, response__submitted_at__isnull=False)
        .first()
    )
    if answer is None:
        raise AccessRefused("surveys.answer", answer_pk)
    form = CodingForm(request.POST, survey=survey, prefix=f"a{answer.pk}")
    if form.is_valid():
        answer_code(
            answer=answer,
            categories=list(form.cleaned_data["categories"]),
            is_quote=form.cleaned_data["is_quote"],
            user=request.user,
            request=request,
        )
        messages.success(request, "Kodingen er lagret.")
    else:
        messages.error(request, "Kodingen ble ikke lagret: velg blant kategoriene i listen.")
    # Back to the same filter and page; the answer may have moved on, as the uncoded come first.
    back = _coding_query(QueryDict(request.POST.get("tilbake", "")))
    url = reverse("surveys:coding", kwargs={"pk": survey.pk}) + (f"?{back}" if back else "")
    return redirect(url + f"#svar-{answer.pk}")


@login_required
@require_POST
def write_finding(request: AuthenticatedRequest, pk: int, category_pk: int) -> HttpResponseBase:
    survey = get_survey_for_user(request.user, pk)
    category = Category.objects.filter(pk=category_pk, survey=survey).first()
    if category is None:
        raise AccessRefused("surveys.category", category_pk)
    form = FindingForm(request.POST, prefix=f"c{category.pk}")
    if form.is_valid():
        category_set_finding(
            category=category, finding=form.cleaned_data["finding"], user=request.user, request=request
        )
        messages.success(request, f"Funnet for «{category.name}» er lagret.")
    else:
        messages.error(request, "Funnet ble ikke lagret: teksten er for lang.")
    return redirect(reverse("surveys:coding", kwargs={"pk": survey.pk}) + f"#kategori-{category.pk}")


@login_required
def report(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    survey = get_survey_for_user(request.user, pk)
    context = report_context(survey)
    pdf = ReportPdf.objects.filter(survey=survey).first()
    context["pdf"] = pdf
    # A PDF made from fewer (or other) responses than the report now has: say so, and offer a new one.
    context["pdf_outdated"] = pdf is not None and pdf.is_made and pdf.responses != context["respondents"]
    return render(request, "surveys/report.html", context)


@login_required
@require_POST
def report_pdf_make(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    survey = get_survey_for_user(request.user, pk)
    report_pdf_request(survey=survey, user=request.user, request=request)
    messages.success(request, "PDF-en lages i bakgrunnen. Last siden på nytt om litt for å laste den ned.")
    return redirect(reverse("surveys:report", kwargs={"pk": survey.pk}) + "#rapport-pdf")


def _filename(survey: Survey, extension: str) -> str:
    return f"sporreundersokelse-{survey.pk}.{extension}"


@login_required
def report_pdf(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    """The stored PDF of the report, as the background job made it: nothing is rendered here. Without one
    yet, the report page, where «Lag PDF» is."""
    survey = get_survey_for_user(request.user, pk)
    pdf = ReportPdf.objects.filter(survey=survey).exclude(path="").first()
    if pdf is None:
        messages.info(request, "PDF-en av rapporten er ikke laget ennå. Velg «Lag PDF».")
        return redirect(reverse("surveys:report", kwargs={"pk": survey.pk}) + "#rapport-pdf")
    try:
        content = read_verified(pdf.path, pdf.sha256)
    except DocumentTampered:
        # Missing or changed since it was made: never hand out other bytes than those made. A new one can
        # be made at once.
        logger.exception("Survey %s: the stored report PDF %s is missing or changed.", survey.pk, pdf.path)
        messages.error(request, "Den lagrede PDF-en kunne ikke leses. Velg «Lag PDF på nytt».")
        return redirect(reverse("surveys:report", kwargs={"pk": survey.pk}) + "#rapport-pdf")
    audit_log(action="survey.exported", actor=request.user, obj=survey, request=request, payload={"format": "pdf"})
    return attachment(
        content,
        content_type="application/pdf",
        # The same survey runs in every portfolio under the same title, so the portfolio names the file.
        filename=download_name("rapport", survey.title, survey.portfolio.name, extension="pdf"),
    )


@login_required
def export_csv(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    survey = get_survey_for_user(request.user, pk)
    header, rows = exports.answer_table(survey)
    audit_log(action="survey.exported", actor=request.user, obj=survey, request=request, payload={"format": "csv"})
    return attachment(
        exports.to_csv(header, rows), content_type="text/csv; charset=utf-8", filename=_filename(survey, "csv")
    )


@login_required
def export_xlsx(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    survey = get_survey_for_user(request.user, pk)
    header, rows = exports.answer_table(survey)
    audit_log(action="survey.exported", actor=request.user, obj=survey, request=request, payload={"format": "xlsx"})
    content = exports.to_xlsx(header, rows, title="Svar")
    return attachment(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename=_filename(survey, "xlsx"),
    )


@login_required
def compare(request: AuthenticatedRequest, key: str) -> HttpResponse:
    _leader_only(request)
    comparisons = question_comparison(key, request.user)
    if not comparisons:
        raise AccessRefused("surveys.question", key)
    for comparison in comparisons:
        for row in comparison.rows:
            title = f"{comparison.survey.portfolio}: {comparison.question.text}" + (
                f" – {row.label}" if row.label else ""
            )
            if not row.overall.suppressed:
                row.svg = charts.distribution_svg(row.chart_id, title, row.overall)
    return render(
        request,
        "surveys/compare.html",
        {"key": key, "question": comparisons[-1].question, "comparisons": comparisons},
    )
