from django.urls import path

from . import views

urlpatterns = [path("companies/names/", views.company_names, name="company_names")]
