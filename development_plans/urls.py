from django.urls import path

from . import views

app_name = "development_plans"

urlpatterns = [
    path("kommunegruppe/<int:group_pk>/", views.group_plan, name="group_plan"),
    path("kommunegruppe/<int:group_pk>/start/", views.plan_create, name="plan_create"),
    path("portefolje/<int:portfolio_pk>/", views.portfolio_overview, name="portfolio_overview"),
    path("<int:pk>/", views.plan_detail, name="plan_detail"),
    path("<int:pk>/rediger/", views.plan_edit, name="plan_edit"),
    path("<int:pk>/del/", views.plan_share, name="plan_share"),
    path("<int:pk>/godkjenn/", views.plan_approve, name="plan_approve"),
    path("<int:pk>/kommentarer/", views.comment_add, name="comment_add"),
    path("<int:pk>/fremdrift/", views.progress, name="progress"),
    path("<int:pk>/pdf/", views.plan_pdf, name="plan_pdf"),
    path("<int:pk>/logg/", views.change_log, name="change_log"),
    path("<int:pk>/versjoner/<int:number>/", views.version_detail, name="version_detail"),
    path("<int:pk>/mal/ny/", views.goal_add, name="goal_add"),
    path("<int:pk>/mal/<int:goal_pk>/", views.goal_edit, name="goal_edit"),
    path("<int:pk>/mal/<int:goal_pk>/slett/", views.goal_delete, name="goal_delete"),
    path("<int:pk>/mal/<int:goal_pk>/flytt/", views.goal_move, name="goal_move"),
    path("<int:pk>/mal/<int:goal_pk>/tiltak/ny/", views.measure_add, name="measure_add"),
    path("<int:pk>/tiltak/<int:measure_pk>/", views.measure_edit, name="measure_edit"),
    path("<int:pk>/tiltak/<int:measure_pk>/slett/", views.measure_delete, name="measure_delete"),
    path("<int:pk>/tiltak/<int:measure_pk>/flytt/", views.measure_move, name="measure_move"),
]
