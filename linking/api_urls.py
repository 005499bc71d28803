from django.urls import path

from . import api

urlpatterns = [
    path("user/linked-accounts", api.MyLinkedAccountsView.as_view(), name="linked-accounts-mine"),
    path("user/linked-accounts/@me", api.LeaveGroupView.as_view(), name="linked-accounts-leave"),
    path("user/linked-accounts/offers/<id:pk>", api.OfferCancelView.as_view(), name="linked-accounts-offer"),
    path("user/linked-accounts/<id:pk>", api.GroupMemberView.as_view(), name="linked-accounts-member"),
    path("user/linked-accounts/<id:pk>/switch", api.SwitchView.as_view(), name="linked-accounts-switch"),
    path("linked-accounts", api.LinkedAccountsView.as_view(), name="linked-accounts"),
    path("linked-accounts/decline", api.DeclineView.as_view(), name="linked-accounts-decline"),
]
