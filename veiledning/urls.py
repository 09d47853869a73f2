from django.conf import settings
from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Veiledning – administrasjon"
admin.site.site_title = "Veiledning"
admin.site.index_title = settings.ORGANISATION["name"]

handler500 = "core.views.server_error"

urlpatterns = [
    # The overview pages first: «portefoljer/» is theirs, and portfolios' own pages live below it.
    path("", include("dashboard.urls")),
    path("portefoljer/", include("portfolios.urls")),
    path("kontrakter/", include("contracts.urls")),
    path("moter/", include("meetings.urls")),
    path("utviklingsplaner/", include("development_plans.urls")),
    path("sporreundersokelse/", include("surveys.urls")),
    path("konto/", include("accounts.urls")),
    path("admin/", admin.site.urls),
]
