from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import ProfileEditToken


@admin.register(ProfileEditToken)
class ProfileEditTokenAdmin(admin.ModelAdmin):
    """Read-only: links are issued by the ChatGPT action, never by hand, and
    the secret is not stored, so there is nothing to show of it. Deleting a
    row kills its link."""

    list_display = ("user", "created_at", "expires_at", "used_at", "state")
    list_filter = (("used_at", admin.EmptyFieldListFilter), "created_at")
    search_fields = ("user__email", "=user__pin")
    list_select_related = ("user",)
    date_hierarchy = "created_at"
    fields = ("user", "created_at", "expires_at", "used_at", "state")
    readonly_fields = fields

    @admin.display(description=_("state"))
    def state(self, obj: ProfileEditToken) -> str:
        if obj.used_at:
            return _("used")
        if obj.expires_at <= timezone.now():
            return _("expired")
        return _("waiting")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
