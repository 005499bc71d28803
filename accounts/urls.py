from django.urls import path

from . import views

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
]
