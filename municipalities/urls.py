from django.urls import path

from . import views

app_name = "municipalities"

urlpatterns = [
    path("<int:pk>/", views.group_detail, name="group_detail"),
]
