from contextlib import suppress

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
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


class SecondFactorMiddleware:
    """Where the second factor is enforced (``accounts.mfa``):

    - a session logged in without the code its user needs (the admin's login
      form, activation, an account switch) gets the code page before any other
      page, and a 401 ``mfa_required`` on the API;
    - staff and superusers use ``/admin/`` only in a session that passed the
      second factor: without a device they are sent to set one up, with one
      to enter a code.

    The first is one session read; the second, on admin paths only, one cache
    read (the user's confirmed devices, ``mfa.confirmed_device_ids``).
    """

    OPEN = ("accounts:mfa_code", "accounts:signout")

    def __init__(self, get_response):
        self.get_response = get_response

    @classmethod
    def _paths(cls) -> dict:
        """Read per request: a test or an embedding may serve another URLconf (without the admin)."""
        paths: dict = {"admin": None, "admin_logout": None, "open": set()}
        for name in cls.OPEN:
            with suppress(NoReverseMatch):
                paths["open"].add(reverse(name))
        with suppress(NoReverseMatch):
            paths["admin"], paths["admin_logout"] = reverse("admin:index"), reverse("admin:logout")
        return paths

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        paths = self._paths()
        if not paths["open"] or request.path in paths["open"]:  # no sign-in pages here, or on one
            return self.get_response(request)
        if mfa.session_awaits_code(request):
            if request.path.startswith("/api/"):
                detail = _("Enter the code from your authenticator app.")
                return JsonResponse({"detail": detail, "code": "mfa_required"}, status=401)
            return redirect(reverse("accounts:mfa_code") + "?" + urlencode({"next": request.get_full_path()}))
        if (
            paths["admin"]
            and request.path.startswith(paths["admin"])
            and (user.is_staff or user.is_superuser)
            and request.path != paths["admin_logout"]
            and not mfa.session_verified(request)
        ):
            query = "?" + urlencode({"next": request.get_full_path()})
            if mfa.mfa_enabled(user):
                return redirect(reverse("accounts:mfa_code") + query)
            messages.info(request, _("The admin needs two-factor authentication: set it up first."))
            return redirect(reverse("accounts:mfa") + query)
        return self.get_response(request)
