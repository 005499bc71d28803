from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("imports/", views.import_start, name="start"),
    path("imports/<id:pk>/", views.import_job, name="job"),
    path("imports/<id:pk>/confirm/", views.import_confirm, name="confirm"),
    path("imports/<id:pk>/cancel/", views.import_cancel, name="cancel"),
    path("imports/<id:pk>/report.csv", views.import_report, name="report"),
    path("settings/data/export/", views.export, name="export"),
    path("settings/delete/", views.account_delete, name="account_delete"),
]
