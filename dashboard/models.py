"""The one table of `dashboard`: the programme reports' PDFs, made in the background."""

from typing import Any

from django.db import models
from django.db.models import Q

from core.pdf_jobs import PdfJob
from portfolios.models import Portfolio, Programme


class ReportPdf(PdfJob):
    """A programme report (of one portfolio, or of a programme's portfolios year by year) as a PDF, made in
    the background and kept in the private storage, as the survey report's is (surveys.ReportPdf): a report
    with charts for a whole portfolio takes too long for a request.

    A request for it (`requested_at`) is a row the background job claims (services.report_pdfs_render_due),
    so that a lost Celery message loses nothing: beat or cron finds the row. The PDF made before stays
    downloadable until the next one is made."""

    portfolio = models.OneToOneField(
        Portfolio, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name="portefølje"
    )
    programme = models.OneToOneField(
        Programme, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name="program"
    )

    class Meta:
        verbose_name = "programrapport som PDF"
        verbose_name_plural = "programrapporter som PDF"
        constraints = [
            models.CheckConstraint(
                condition=Q(portfolio__isnull=False, programme__isnull=True)
                | Q(portfolio__isnull=True, programme__isnull=False),
                name="report_pdf_of_portfolio_or_programme",
            )
        ]
        indexes = [
            models.Index(fields=["requested_at"], condition=Q(requested_at__isnull=False), name="report_pdf_queued")
        ]

    def __str__(self) -> str:
        return f"Programrapport (PDF) for {self.portfolio or self.programme}"

    @staticmethod
    def of(subject: Portfolio | Programme) -> dict[str, Any]:
        """The lookup of the row for the report of `subject`: `ReportPdf.objects.filter(**ReportPdf.of(x))`."""
        return {"portfolio": subject} if isinstance(subject, Portfolio) else {"programme": subject}
