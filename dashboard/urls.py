from django.urls import path

from . import audit_log, matrix_views, views

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
    path("logg/", audit_log.audit_log_page, name="audit_log"),
    path("logg/logg.csv", audit_log.audit_log_export, name="audit_log_export"),
]
