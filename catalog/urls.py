# Placeholder route so the layout can link to it; the catalog pages replace it.
from django.urls import path
from django.views.generic import TemplateView

app_name = "catalog"
urlpatterns = [
    path(
        "titles/",
        TemplateView.as_view(template_name="error.html", extra_context={"status": 501, "detail": "Not built yet"}),
        name="titles",
    ),
]
