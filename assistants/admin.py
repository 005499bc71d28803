from django.contrib import admin

from .models import McpWrite


@admin.register(McpWrite)
class McpWriteAdmin(admin.ModelAdmin):
    """What assistants wrote through MCP, and through which OAuth client."""

    list_display = ("at", "user", "client_name", "tool", "title", "detail")
    list_filter = ("tool", "client_name")
    search_fields = ("user__email", "client_name", "title__name")
    list_select_related = ("user", "title")
    raw_id_fields = ("user", "title", "application")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
