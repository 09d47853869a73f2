from django.urls import path

from . import audit_log, matrix_views, membership_views, report_views, views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("portefoljer/", views.portfolio_list, name="portfolio_list"),
    path("portefoljer/<int:pk>/", views.portfolio_detail, name="portfolio_detail"),
    path("portefoljer/<int:pk>/status/", matrix_views.portfolio_matrix, name="portfolio_matrix"),
    path("portefoljer/<int:pk>/status.xlsx", matrix_views.portfolio_matrix_export, name="portfolio_matrix_export"),
    path(
        "portefoljer/<int:pk>/kontaktliste.xlsx",
        matrix_views.portfolio_contacts_export,
        name="portfolio_contacts_export",
    ),
    path("mine-kommunegrupper/", views.my_groups, name="my_groups"),
    path("kommunegrupper/<int:pk>/", views.group_detail, name="group_detail"),
    path("kommunegrupper/<int:pk>/inviter/", membership_views.group_invite, name="group_invite"),
    path("logg/", audit_log.audit_log_page, name="audit_log"),
    path("logg/logg.csv", audit_log.audit_log_export, name="audit_log_export"),
    # The programme reports and the year wheel (report_views.py).
    path("rapporter/", report_views.report_index, name="report_index"),
    path("rapporter/portefoljer/<int:pk>/", report_views.portfolio_report_page, name="report_portfolio"),
    path(
        "rapporter/portefoljer/<int:pk>/rapport.xlsx", report_views.portfolio_report_xlsx, name="report_portfolio_xlsx"
    ),
    path("rapporter/portefoljer/<int:pk>/rapport.pdf", report_views.portfolio_report_pdf, name="report_portfolio_pdf"),
    path(
        "rapporter/portefoljer/<int:pk>/lag-pdf/",
        report_views.portfolio_report_pdf_make,
        name="report_portfolio_pdf_make",
    ),
    path("rapporter/program/<int:pk>/", report_views.programme_report_page, name="report_programme"),
    path("rapporter/program/<int:pk>/rapport.xlsx", report_views.programme_report_xlsx, name="report_programme_xlsx"),
    path("rapporter/program/<int:pk>/rapport.pdf", report_views.programme_report_pdf, name="report_programme_pdf"),
    path(
        "rapporter/program/<int:pk>/lag-pdf/",
        report_views.programme_report_pdf_make,
        name="report_programme_pdf_make",
    ),
    path("portefoljer/<int:pk>/arshjul/", report_views.year_wheel, name="year_wheel"),
]
