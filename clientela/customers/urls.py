from django.urls import path

from . import privacy_views, views

urlpatterns = [path("companies/names/", views.company_names, name="company_names")]

urlpatterns += [
    path("contacts/<uuid:pk>/privacy/", privacy_views.contact_privacy, name="contact_privacy"),
    path("contacts/<uuid:pk>/privacy/export.json", privacy_views.contact_privacy_export,
         name="contact_privacy_export"),
    path("contacts/<uuid:pk>/privacy/anonymise/", privacy_views.contact_privacy_anonymise,
         name="contact_privacy_anonymise"),
    path("contacts/<uuid:pk>/privacy/erase/", privacy_views.contact_privacy_erase, name="contact_privacy_erase"),
]
