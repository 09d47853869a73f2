"""The group's documents (dokumenter i kommunegruppen): the list with its upload form, a new version, the
download of any version and taking a document down. Out of reach is always a 404 (AccessRefused)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render

from accounts.access import AccessRefused, AuthenticatedRequest
from accounts.services import audit_log
from core import storage
from core.downloads import attachment, download_name
from core.file_types import FILE_TYPES

from .forms import DocumentForm, DocumentVersionForm
from .selectors import (
    can_hide_document,
    get_document_for_user,
    get_group_for_user,
    get_version_for_user,
    group_documents,
)
from .services import group_document_add_version, group_document_hide, group_document_upload


@login_required
def documents(request: AuthenticatedRequest, group_pk: int) -> HttpResponse:
    """The group's documents, newest first, with their older versions, and the form that shares a new one."""
    group = get_group_for_user(request.user, group_pk)
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        document = group_document_upload(
            group=group,
            title=form.cleaned_data["title"],
            upload=form.cleaned_data["file"],
            user=request.user,
            request=request,
        )
        messages.success(request, f"«{document.title}» er lastet opp.")
        return redirect("municipalities:documents", group_pk=group.pk)
    rows = [(document, can_hide_document(request.user, document)) for document in group_documents(group)]
    return render(request, "municipalities/documents.html", {"group": group, "rows": rows, "form": form})


@login_required
def document_version_new(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A new version of a document, uploaded by anyone who shares the group's documents."""
    document = get_document_for_user(request.user, pk)
    form = DocumentVersionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        version = group_document_add_version(
            document=document, upload=form.cleaned_data["file"], user=request.user, request=request
        )
        messages.success(request, f"Versjon {version.number} av «{document.title}» er lastet opp.")
        return redirect(document)
    return render(request, "municipalities/document_version_form.html", {"document": document, "form": form})


@login_required
def document_download(request: AuthenticatedRequest, pk: int, number: int) -> HttpResponseBase:
    """One version's stored bytes, checked against their SHA-256, always as an attachment with the content
    type its content was found to have: nothing a member uploads is ever shown by the browser as a page of
    the portal."""
    version = get_version_for_user(request.user, pk, number)
    document = version.document
    try:
        content = storage.read_verified(version.path, version.sha256)
    except storage.DocumentTampered:
        audit_log(
            action="group_document.tampered",
            obj=document,
            request=request,
            group_id=document.group_id,
            payload={"number": version.number},
        )
        return render(request, "municipalities/document_refused.html", {"document": document}, status=409)
    file_type = FILE_TYPES[version.file_type]
    name = download_name(document.title, f"v{version.number}", extension=file_type.extension)
    return attachment(content, content_type=file_type.content_type, filename=name)


@login_required
def document_hide(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Asks, then takes the document down (its uploader, the group's adviser or the programme leader)."""
    document = get_document_for_user(request.user, pk)
    if not can_hide_document(request.user, document):
        raise AccessRefused("municipalities.groupdocument", pk)
    if request.method == "POST":
        group_document_hide(document=document, user=request.user, request=request)
        messages.success(request, f"«{document.title}» er tatt bort.")
        return redirect("municipalities:documents", group_pk=document.group_id)
    return render(request, "municipalities/document_hide.html", {"document": document})
