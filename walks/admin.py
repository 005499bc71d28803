from django.contrib import admin

from . import services
from .models import Walk, WatchlistEntry


@admin.register(Walk)
class WalkAdmin(admin.ModelAdmin):
    """Edits through the walk services, like every other door, so the cached
    lists and counts of the person and the title are dropped."""

    list_display = ["id", "user", "title", "state", "updated_at"]
    list_filter = ["state", "title__type"]
    list_select_related = ["user", "title"]
    search_fields = ["title__name", "user__email", "user__profile__username"]
    raw_id_fields = ["user", "title"]
    readonly_fields = ["created_at", "updated_at"]
    ordering = ["-updated_at"]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        # A walk stays its person's, of its title.
        return [*self.readonly_fields, "user", "title"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        state = form.cleaned_data["state"]
        if change:
            walk = services.walk_update(user=obj.user, walk_id=obj.pk, state=state)
        else:
            walk, _created = services.walk_upsert(
                user=form.cleaned_data["user"], title_id=form.cleaned_data["title"].pk, state=state
            )
        obj.pk = walk.pk
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        services.walk_delete(user=obj.user, walk_id=obj.pk)

    def delete_queryset(self, request, queryset):
        for walk in queryset.select_related("user"):
            services.walk_delete(user=walk.user, walk_id=walk.pk)


@admin.register(WatchlistEntry)
class WatchlistEntryAdmin(admin.ModelAdmin):
    """Read and delete only: entries are added by their people."""

    list_display = ["id", "user", "title", "added_at"]
    list_select_related = ["user", "title"]
    raw_id_fields = ["user", "title"]
    search_fields = ["title__name", "user__email"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        services.watchlist_remove(user=obj.user, title_id=obj.title_id)

    def delete_queryset(self, request, queryset):
        for entry in queryset.select_related("user"):
            services.watchlist_remove(user=entry.user, title_id=entry.title_id)
