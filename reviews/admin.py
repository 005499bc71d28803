from django.contrib import admin

from .models import Review
from .services import review_changed_elsewhere


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    """Moderation: edits and deletions here recompute the title's rating like any other."""

    list_display = ["id", "user", "title", "rating", "updated_at"]
    list_filter = ["title__type"]
    list_select_related = ["user", "title"]
    search_fields = ["title__name", "user__email", "user__profile__username", "text"]
    raw_id_fields = ["user", "title"]
    readonly_fields = ["created_at", "updated_at"]
    ordering = ["-updated_at"]
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        old_title = form.initial.get("title")
        super().save_model(request, obj, form, change)
        review_changed_elsewhere(title_ids=[obj.title_id, *([old_title] if old_title else [])])

    def delete_model(self, request, obj):
        title_id = obj.title_id
        super().delete_model(request, obj)
        review_changed_elsewhere(title_ids=[title_id])

    def delete_queryset(self, request, queryset):
        title_ids = list(queryset.values_list("title_id", flat=True).distinct())
        super().delete_queryset(request, queryset)
        review_changed_elsewhere(title_ids=title_ids)
