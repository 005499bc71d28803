from django.contrib import admin

from .models import AccountSwitch, LinkSecret


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record to look at, not to edit: rows change only through the services."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LinkSecret)
class LinkSecretAdmin(ReadOnlyAdmin):
    # The secret's hash is never shown: it is useless to a person and is the
    # one field an attacker with the admin's screen would want.
    list_display = (
        "id",
        "source_user",
        "target_user",
        "target_email",
        "status",
        "created_at",
        "expires_at",
        "closed_at",
    )
    list_filter = ("status",)
    search_fields = ("source_user__email", "target_user__email", "target_email")
    list_select_related = ("source_user", "target_user")
    fields = (
        "source_user",
        "target_user",
        "target_email",
        "status",
        "created_at",
        "acked_at",
        "expires_at",
        "closed_at",
    )
    date_hierarchy = "created_at"


@admin.register(AccountSwitch)
class AccountSwitchAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "from_user", "to_user", "channel", "ip")
    list_filter = ("channel",)
    search_fields = ("from_user__email", "to_user__email", "=ip")
    list_select_related = ("from_user", "to_user")
    fields = ("created_at", "from_user", "to_user", "channel", "ip")
    date_hierarchy = "created_at"
