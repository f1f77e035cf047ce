from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("clientela.workspaces.urls")),
    path("", include("clientela.common.urls")),
    path("api/v1/", include("clientela.api.urls")),
    path("notes/", include("clientela.notes.urls")),
    path("", include("clientela.customers.urls")),
    path("", include("clientela.security.urls")),
    path("", include("clientela.registry.urls")),
]
