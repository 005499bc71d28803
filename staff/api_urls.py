from django.urls import path

from . import api

urlpatterns = [
    path("positions", api.PositionList.as_view(), name="staff-positions"),
    path("staff", api.StaffListCreate.as_view(), name="staff-list"),
    path("staff/<id:pk>", api.StaffDetail.as_view(), name="staff-detail"),
    path("staff/<id:pk>/user", api.StaffUser.as_view(), name="staff-user"),
    path("staff/<id:pk>/deactivate", api.StaffDeactivate.as_view(), name="staff-deactivate"),
    path("auth/activate", api.Activate.as_view(), name="auth-activate"),
]
