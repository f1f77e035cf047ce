from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("clientela.workspaces.urls")),
    path("", include("clientela.common.urls")),
    path("api/v1/", include("clientela.api.urls")),
    path("notes/", include("clientela.notes.urls")),
    path("", include("clientela.customers.urls")),
    path("", include("clientela.security.urls")),
    path("", include("clientela.administration.urls")),
    path("", include("clientela.integrations.urls")),
    path("", include("clientela.transfer.urls")),
    path("", include("clientela.merging.urls")),
    path("", include("clientela.backup.urls")),
    path("", include("clientela.security.authentication.urls")),
    path("", include("clientela.security.account_urls")),
    path("", include("clientela.registry.urls")),
]
