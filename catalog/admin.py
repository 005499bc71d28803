from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.errors import ServiceError
from core.forms import add_service_error
from core.images import reencode_image

from . import services
from .covers import cover_url
from .models import Title
from .services import clean_title_fields


class DecadeFilter(admin.SimpleListFilter):
    """Years by decade: fixed choices, no DISTINCT over a million rows."""

    title = _("release year")
    parameter_name = "decade"

    def lookups(self, request, model_admin):
        return [(str(d), f"{d}s") for d in range(2020, 1950, -10)] + [("old", _("Before 1960"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "old":
            return queryset.filter(release_year__lt=1960)
        if value and value.isdigit():
            start = int(value)
            return queryset.filter(release_year__gte=start, release_year__lt=start + 10)
        return queryset


class TitleAdminForm(forms.ModelForm):
    """Checks the input with the services' own rules; the admin then saves
    through the services (see TitleAdmin.save_model), never the form."""

    class Meta:
        model = Title
        fields = ["name", "type", "release_year", "description", "cover"]

    def clean(self):
        data = super().clean()
        try:
            clean_title_fields({k: data[k] for k in services.FIELDS if k in data}, partial=True)
        except ServiceError as exc:
            add_service_error(self, exc)
        return data

    def clean_cover(self):
        upload = self.cleaned_data.get("cover")
        if upload and hasattr(upload, "content_type"):  # a new upload, not the stored file
            try:
                reencode_image(upload, field="cover", max_side=services.COVER_MAX_SIDE)  # refuse it now
            except ServiceError as exc:
                raise forms.ValidationError(str(exc.detail)) from exc
            upload.seek(0)
        return upload


@admin.register(Title)
class TitleAdmin(admin.ModelAdmin):
    class Media:
        css = {"all": ["catalog/admin.css"]}  # the CSP allows no style= attribute

    form = TitleAdminForm
    list_display = ["thumb", "name", "type", "release_year", "rating_display", "rating_count", "updated_at"]
    list_display_links = ["thumb", "name"]
    list_filter = ["type", DecadeFilter]
    search_fields = ["name"]
    readonly_fields = ["cover_preview", "rating", "rating_count", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "type", "release_year", "description"]}),
        (_("Cover"), {"fields": ["cover_preview", "cover"]}),
        (_("Rating (computed from reviews)"), {"fields": ["rating", "rating_count"]}),
        (None, {"fields": ["created_at", "updated_at"]}),
    ]
    ordering = ["-id"]
    list_per_page = 50
    # A million titles: no exact "x of y" count, which would COUNT(*) everything.
    show_full_result_count = False

    @admin.display(description="")
    def thumb(self, obj):
        return format_html('<img src="{}" alt="" class="title-thumb">', cover_url(obj))

    @admin.display(description=_("cover"))
    def cover_preview(self, obj):
        if obj is None or not obj.pk:
            return "—"
        return format_html(
            '<img src="{}" alt="" class="title-cover-preview">',
            cover_url(obj),
        )

    @admin.display(description=_("rating"), ordering="rating")
    def rating_display(self, obj):
        return "—" if obj.rating is None else f"{obj.rating:.1f}"

    def save_model(self, request, obj, form, change):
        """Through the services, like the curator pages and the API: they
        check permissions, bump the cache scopes and delete replaced covers."""
        values = {k: form.cleaned_data[k] for k in services.FIELDS if k in form.cleaned_data}
        if change:
            title = services.title_update(actor=request.user, title=Title.objects.get(pk=obj.pk), **values)
        else:
            title = services.title_create(actor=request.user, **values)
        cover = form.cleaned_data.get("cover")
        if "cover" in form.changed_data:
            if cover:
                title = services.title_set_cover(actor=request.user, title=title, upload=cover)
            else:  # "Clear" ticked
                title = services.title_remove_cover(actor=request.user, title=title)
        obj.pk = title.pk
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        services.title_delete(actor=request.user, title=obj)

    def delete_queryset(self, request, queryset):
        for title in queryset:
            services.title_delete(actor=request.user, title=title)
