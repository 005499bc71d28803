# Placeholder route so the layout can link to it; the profile pages replace it.
from django.urls import path
from django.views.generic import TemplateView

app_name = "walks"
urlpatterns = [
    path("u/<int:pk>/", TemplateView.as_view(template_name="error.html", extra_context={"status": 501, "detail": "Not built yet"}), name="profile"),
]
