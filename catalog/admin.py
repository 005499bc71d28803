from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.errors import ServiceError
from core.forms import add_service_error
from core.images import reencode_image

from . import provider_services, services
from .covers import cover_url
from .models import ExternalId, Title
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


class ExternalIdInline(admin.TabularInline):
    """The ids a title is known by; saved through catalog.provider_services (TitleAdmin.save_formset)."""

    model = ExternalId
    extra = 1
    fields = ["provider", "external_id", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(Title)
class TitleAdmin(admin.ModelAdmin):
    class Media:
        css = {"all": ["catalog/admin.css"]}  # the CSP allows no style= attribute

    form = TitleAdminForm
    inlines = [ExternalIdInline]
    actions = ["refresh_from_provider", "merge_titles"]
    list_display = ["thumb", "name", "type", "release_year", "rating_display", "rating_count", "origin", "updated_at"]
    list_display_links = ["thumb", "name"]
    list_filter = ["type", DecadeFilter, "origin"]
    search_fields = ["name"]
    readonly_fields = ["cover_preview", "rating", "rating_count", "origin", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "type", "release_year", "description"]}),
        (_("Cover"), {"fields": ["cover_preview", "cover"]}),
        (_("Rating (computed from reviews)"), {"fields": ["rating", "rating_count"]}),
        (None, {"fields": ["origin", "created_at", "updated_at"]}),
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
            from walks.tally import title_update_tallied  # the walk counts follow a change of type

            title = title_update_tallied(actor=request.user, title=Title.objects.get(pk=obj.pk), **values)
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

    # Through imports.services.title_remove: the tombstones of the title's walks and reviews too.
    def delete_model(self, request, obj):
        from imports.services import title_remove

        title_remove(actor=request.user, title=obj)

    def delete_queryset(self, request, queryset):
        from imports.services import title_remove

        for title in queryset:
            title_remove(actor=request.user, title=title)

    def save_formset(self, request, form, formset, change):
        """External ids through the services: the same checks (an id held by
        another title is refused) and cache bumps as the curator page."""
        if formset.model is not ExternalId:
            return super().save_formset(request, form, formset, change)
        title = form.instance
        for inline_form in formset.forms:
            data = getattr(inline_form, "cleaned_data", None) or {}
            old = inline_form.instance if inline_form.instance.pk else None
            if not data or not inline_form.has_changed() and not data.get("DELETE"):
                continue
            try:
                if old is not None and (data.get("DELETE") or old.provider != data.get("provider")):
                    provider_services.title_unlink_provider(actor=request.user, title=title, provider=old.provider)
                if not data.get("DELETE"):
                    provider_services.title_link_provider(
                        actor=request.user, title=title, provider=data["provider"], external_id=data["external_id"]
                    )
            except ServiceError as exc:
                messages.error(request, f"{data.get('provider')}:{data.get('external_id')}: {exc.detail}")
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    @admin.action(description=_("Refresh metadata from the provider"))
    def refresh_from_provider(self, request, queryset):
        done = 0
        for title in queryset[:50]:
            try:
                provider_services.title_refresh_from_provider(actor=request.user, title=title)
            except ServiceError as exc:
                self.message_user(request, f"{title}: {exc.detail}", messages.WARNING)
            else:
                done += 1
        self.message_user(request, _("%(n)d titles refreshed.") % {"n": done}, messages.SUCCESS)

    # --- Merging duplicates (an import creates a title for a row that matched
    # nothing; a curator merges it into the title it duplicates) -----------------
    @admin.action(description=_("Merge the selected titles into one"), permissions=["delete"])
    def merge_titles(self, request, queryset):
        """An intermediate page: pick the title to keep; the others are merged
        into it (walks, reviews and watchlist entries move, ratings are
        recomputed, external ids move, the duplicates are deleted)."""
        from django.contrib import messages
        from django.template.response import TemplateResponse

        from imports.services import title_merge

        titles = list(queryset.order_by("pk"))
        if len(titles) < 2:
            self.message_user(request, _("Select at least two titles to merge."), messages.WARNING)
            return None
        if len({t.type for t in titles}) > 1:
            self.message_user(request, _("Only titles of the same type can be merged."), messages.ERROR)
            return None
        keep_id = request.POST.get("keep")
        if request.POST.get("confirm") and keep_id:
            target = next((t for t in titles if str(t.pk) == keep_id), None)
            if target is not None:
                try:
                    for source in titles:
                        if source.pk != target.pk:
                            title_merge(actor=request.user, source=source, target=target)
                except ServiceError as exc:
                    self.message_user(request, str(exc.detail), messages.ERROR)
                    return None
                self.message_user(
                    request, _("Merged %(n)d titles into “%(t)s”.") % {"n": len(titles) - 1, "t": target.name}
                )
                return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Merge titles"),
            "titles": titles,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/catalog/title/merge.html", context)
