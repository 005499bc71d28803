from django.urls import path

from . import api_views

urlpatterns = [
    path("imports", api_views.ImportCreate.as_view(), name="api-imports"),
    path("imports/<id:pk>", api_views.ImportDetail.as_view(), name="api-import"),
    path("imports/<id:pk>/confirm", api_views.ImportConfirm.as_view(), name="api-import-confirm"),
    path("imports/<id:pk>/report", api_views.ImportReport.as_view(), name="api-import-report"),
    path("user/@me/export", api_views.Export.as_view(), name="api-user-me-export"),
    path("user/@me/delete-code", api_views.AccountDeleteCode.as_view(), name="api-user-me-delete-code"),
]
