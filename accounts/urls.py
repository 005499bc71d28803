# Placeholder routes so the layout can link to them; the accounts pages replace these.
from django.urls import path
from django.views.generic import TemplateView

app_name = "accounts"
_todo = TemplateView.as_view(template_name="error.html", extra_context={"status": 501, "detail": "Not built yet"})
urlpatterns = [
    path("signin/", _todo, name="signin"),
    path("signup/", _todo, name="signup"),
    path("signout/", _todo, name="signout"),
    path("settings/", _todo, name="settings"),
]
