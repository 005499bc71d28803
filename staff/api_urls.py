from django.urls import path

from . import api_views

urlpatterns = [
    path("positions", api_views.PositionList.as_view(), name="staff-positions"),
    path("staff", api_views.StaffListCreate.as_view(), name="staff-list"),
    path("staff/<id:pk>", api_views.StaffDetail.as_view(), name="staff-detail"),
    path("staff/<id:pk>/user", api_views.StaffUser.as_view(), name="staff-user"),
    path("staff/<id:pk>/deactivate", api_views.StaffDeactivate.as_view(), name="staff-deactivate"),
    path("auth/activate", api_views.Activate.as_view(), name="auth-activate"),
]
