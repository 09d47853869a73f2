from django.contrib import admin
from django.urls import include, path

from . import views

admin.site.site_header = "Veiledning – administrasjon"
admin.site.site_title = "Veiledning"
admin.site.index_title = "Norsk kulturskoleråd"

urlpatterns = [
    path("", views.home, name="home"),
    path("portefoljer/", views.portfolio_list, name="portfolio_list"),
    path("portefoljer/<int:pk>/", views.portfolio_detail, name="portfolio_detail"),
    path("portefoljer/", include("portfolios.urls")),
    path("mine-kommunegrupper/", views.my_groups, name="my_groups"),
    path("kommunegrupper/<int:pk>/", views.group_detail, name="group_detail"),
    path("kontrakter/", include("contracts.urls")),
    path("moter/", include("meetings.urls")),
    path("utviklingsplaner/", include("development_plans.urls")),
    path("sporreundersokelse/", include("surveys.urls")),
    path("konto/", include("accounts.urls")),
    path("admin/", admin.site.urls),
]
