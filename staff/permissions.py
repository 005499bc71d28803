"""Who may call the staff API: the bot's service token (scope ``staff``) or
a signed-in staff user holding the model permissions the view names."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from accounts.models import ServiceToken

STAFF_SCOPE = "staff"


class StaffApiAccess(BasePermission):
    """Views declare ``required_perms = {"GET": [...], "POST": [...]}``."""

    message = _("Only the staff bot or staff members with the right permissions may do this.")

    def has_permission(self, request, view) -> bool:
        if isinstance(request.auth, ServiceToken):
            return request.auth.has_scope(STAFF_SCOPE)
        user = request.user
        if not (user and user.is_authenticated and user.is_active and user.is_staff):
            return False
        perms = getattr(view, "required_perms", {}).get(request.method)
        if perms is None:
            return False
        return user.has_perms(perms)
