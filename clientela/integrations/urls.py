from django.urls import path

from . import views

urlpatterns: list = [
    path("settings/webhooks/", views.webhook_list, name="webhook_list"),
    path("settings/webhooks/new/", views.webhook_edit, name="webhook_create"),
    path("settings/webhooks/<uuid:pk>/", views.webhook_detail, name="webhook_detail"),
    path("settings/webhooks/<uuid:pk>/edit/", views.webhook_edit, name="webhook_edit"),
    path("settings/webhooks/<uuid:pk>/toggle/", views.webhook_toggle, name="webhook_toggle"),
    path("settings/webhooks/<uuid:pk>/test/", views.webhook_test, name="webhook_test"),
    path("settings/webhooks/<uuid:pk>/secret/", views.webhook_secret_roll, name="webhook_secret_roll"),
    path("settings/webhooks/deliveries/<uuid:pk>/redeliver/", views.delivery_redeliver, name="webhook_redeliver"),
]
