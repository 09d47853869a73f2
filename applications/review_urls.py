"""The programme leader's review of applications and the decision, under /soknader/ (issue 15, part 2). The
public side (calls, the application form) is `applications.urls`."""

from django.urls import path

from . import review_views as views

app_name = "application_review"

urlpatterns = [
    path("", views.application_list, name="list"),
    path("<int:pk>/", views.application_detail, name="detail"),
    path("<int:pk>/kriterier/", views.criteria_save, name="criteria"),
    path("<int:pk>/notater/", views.note_add, name="note_add"),
    path("<int:pk>/kommentarer/", views.comment_add, name="comment_add"),
    path("<int:pk>/deling/", views.share_add, name="share_add"),
    path("<int:pk>/deling/<int:share_pk>/stopp/", views.share_remove, name="share_remove"),
    path("<int:pk>/vedtak/", views.decision, name="decision"),
]
