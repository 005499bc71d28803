from django.contrib import admin

from .models import Walk


@admin.register(Walk)
class WalkAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "title", "state", "updated_at"]
    list_filter = ["state", "title__type"]
    list_select_related = ["user", "title"]
    search_fields = ["title__name", "user__email", "user__profile__username"]
    raw_id_fields = ["user", "title"]
    readonly_fields = ["created_at", "updated_at"]
    ordering = ["-updated_at"]
    show_full_result_count = False
