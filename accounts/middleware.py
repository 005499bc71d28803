from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from . import mfa


class UserLocaleMiddleware:
    """A signed-in person sees the site in their own ``locale``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.locale:
            translation.activate(user.locale)
            request.LANGUAGE_CODE = user.locale
        return self.get_response(request)


class AdminSecondFactorMiddleware:
    """Staff and superusers use ``/admin/`` only in a session that passed the
    second factor (``accounts.mfa``): without a device they are sent to set one
    up, with one to enter a code. Other paths are untouched, and the check is
    one cache read (the user's confirmed devices, see ``mfa.confirmed_device_ids``)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._prefix = None

    def __call__(self, request):
        if self._prefix is None:
            self._prefix = reverse("admin:index")
        user = getattr(request, "user", None)
        if (
            request.path.startswith(self._prefix)
            and user is not None
            and user.is_authenticated
            and (user.is_staff or user.is_superuser)
            and request.path != reverse("admin:logout")
            and not mfa.session_verified(request)
        ):
            query = "?" + urlencode({"next": request.get_full_path()})
            if mfa.mfa_enabled(user):
                return redirect(reverse("accounts:mfa_code") + query)
            messages.info(request, _("The admin needs two-factor authentication: set it up first."))
            return redirect(reverse("accounts:mfa") + query)
        return self.get_response(request)
