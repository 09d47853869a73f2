from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "Veiledning – administrasjon"
admin.site.site_title = "Veiledning"
admin.site.index_title = settings.ORGANISATION["name"]

handler500 = "core.views.server_error"

urlpatterns = [
    # The overview pages first: «portefoljer/» is theirs, and portfolios' own pages live below it.
    path("", include("dashboard.urls")),
    path("portefoljer/", include("portfolios.urls")),
    path("kommunegrupper/", include("municipalities.urls")),
    path("kontrakter/", include("contracts.urls")),
    path("moter/", include("meetings.urls")),
    path("utviklingsplaner/", include("development_plans.urls")),
    path("sporreundersokelse/", include("surveys.urls")),
    path("sok/", include("applications.urls")),
    # The programme leader's review of applications; the public side is applications.urls.
    path("soknader/", include("applications.review_urls")),
    path("konto/", include("accounts.urls")),
    path("", include("core.urls")),
    # The admin's own login form would log staff in with the password alone, and its password page is the
    # portal's «Endre passord»: both lead to the portal's pages (accounts), which ask for the one-time code.
    path("admin/login/", RedirectView.as_view(pattern_name="accounts:login", query_string=True)),
    path("admin/password_change/", RedirectView.as_view(pattern_name="accounts:password_change")),
    path("admin/", admin.site.urls),
]
