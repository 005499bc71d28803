from django.urls import path

from . import avatars, mfa_views, views

app_name = "accounts"
urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("signup/confirm/", views.signup_confirm, name="signup_confirm"),
    path("signin/", views.signin, name="signin"),
    path("signout/", views.signout, name="signout"),
    path("password/restore/", views.password_restore, name="password_restore"),
    path("password/restore/confirm/", views.password_restore_confirm, name="password_restore_confirm"),
    path("settings/", views.settings_view, name="settings"),
    path("settings/avatar/", views.avatar, name="avatar"),
    path("settings/password/", views.password_change, name="password_change"),
    path("settings/email/", views.email_change, name="email_change"),
    path("settings/email/confirm/", views.email_change_confirm, name="email_change_confirm"),
    path("settings/theme/", views.theme, name="theme"),
    path("avatars/<str:size>.png", avatars.avatar_placeholder, name="avatar_placeholder"),
]

# The second factor (accounts.mfa_views).
urlpatterns += [
    path("signin/code/", mfa_views.code, name="mfa_code"),
    path("settings/two-factor/", mfa_views.settings_page, name="mfa"),
    path("settings/two-factor/enrol/", mfa_views.enrol, name="mfa_enrol"),
    path("settings/two-factor/qr.svg", mfa_views.qr, name="mfa_qr"),
    path("settings/two-factor/recovery-codes/", mfa_views.recovery_codes, name="mfa_recovery_codes"),
    path("settings/two-factor/disable/", mfa_views.disable, name="mfa_disable"),
]
