from django.urls import path

from . import api_views

urlpatterns = [
    path("user/linked-accounts", api_views.MyLinkedAccountsView.as_view(), name="linked-accounts-mine"),
    path("user/linked-accounts/@me", api_views.LeaveGroupView.as_view(), name="linked-accounts-leave"),
    path("user/linked-accounts/offers/<id:pk>", api_views.OfferCancelView.as_view(), name="linked-accounts-offer"),
    path("user/linked-accounts/<id:pk>", api_views.GroupMemberView.as_view(), name="linked-accounts-member"),
    path("user/linked-accounts/<id:pk>/switch", api_views.SwitchView.as_view(), name="linked-accounts-switch"),
    path("linked-accounts", api_views.LinkedAccountsView.as_view(), name="linked-accounts"),
    path("linked-accounts/decline", api_views.DeclineView.as_view(), name="linked-accounts-decline"),
]
