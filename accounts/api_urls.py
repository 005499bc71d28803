from django.urls import path

from . import api_views as v

urlpatterns = [
    path("auth/email/validate", v.EmailValidateView.as_view(), name="api-auth-email-validate"),
    path("auth/signin", v.SignUpView.as_view(), name="api-auth-signin"),
    path("auth/signup", v.SignUpView.as_view(), name="api-auth-signup"),
    path("auth/token", v.TokenObtainView.as_view(), name="api-auth-token"),
    path("auth/token/mfa", v.TokenMfaView.as_view(), name="api-auth-token-mfa"),
    path("auth/token/update", v.TokenUpdateView.as_view(), name="api-auth-token-update"),
    path("auth/logout", v.LogoutView.as_view(), name="api-auth-logout"),
    path("auth/password/restore", v.PasswordRestoreView.as_view(), name="api-auth-password-restore"),
    path(
        "auth/password/restore/confirm",
        v.PasswordRestoreConfirmView.as_view(),
        name="api-auth-password-restore-confirm",
    ),
    path("auth/password/change", v.PasswordChangeView.as_view(), name="api-auth-password-change"),
    path("auth/email/change", v.EmailChangeView.as_view(), name="api-auth-email-change"),
    path("user/@me", v.MeView.as_view(), name="api-user-me"),
    path("user/@me/avatar", v.AvatarView.as_view(), name="api-user-me-avatar"),
    path("user/<id:pk>", v.PublicProfileView.as_view(), name="api-user"),
]
