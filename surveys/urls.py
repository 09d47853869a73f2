from django.urls import path

from . import views

app_name = "surveys"

urlpatterns = [
    path("", views.survey_list, name="survey_list"),
    path("<int:pk>/", views.results, name="results"),
    path("<int:pk>/koding/", views.coding, name="coding"),
    path("<int:pk>/koding/svar/<int:answer_pk>/", views.code_answer, name="code_answer"),
    path("<int:pk>/koding/funn/<int:category_pk>/", views.write_finding, name="write_finding"),
    path("<int:pk>/rapport/", views.report, name="report"),
    path("<int:pk>/rapport.pdf", views.report_pdf, name="report_pdf"),
    path("<int:pk>/rapport/lag-pdf/", views.report_pdf_make, name="report_pdf_make"),
    path("<int:pk>/svar.csv", views.export_csv, name="export_csv"),
    path("<int:pk>/svar.xlsx", views.export_xlsx, name="export_xlsx"),
    path("sammenlign/<slug:key>/", views.compare, name="compare"),
    path("svar/<str:token>/", views.answer_start, name="answer"),
    path("svar/<str:token>/side/<int:number>/", views.answer_page, name="answer_page"),
    path("svar/<str:token>/takk/", views.answer_thanks, name="answer_thanks"),
]
