from django.urls import path

from . import views

urlpatterns = [
    path("settings/teams/", views.team_list, name="team_list"),
    path("settings/teams/new/", views.team_edit, name="team_create"),
    path("settings/teams/<uuid:pk>/", views.team_edit, name="team_edit"),
]
