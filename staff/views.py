"""The activation page: the same service as POST /api/v1/auth/activate."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from accounts.services import user_sign_in_session
from core.errors import ServiceError
from core.ratelimit import client_ip

from .forms import ActivateForm
from .services import staff_activate

# Which form field a service error belongs to.
_FIELD_OF_ERROR = {
    "code_malformed": "activation_code",
    "invalid_code": "activation_code",
    "password_invalid": "password",
}


@never_cache
@sensitive_post_parameters("activation_code", "password", "password_again")
def activate(request):
    if request.user.is_authenticated:
        # Activating would sign this browser in as someone else: say who is
        # signed in and offer to sign out first (back to this page), never the bare form.
        return render(request, "staff/activate_signed_in.html", status=200 if request.method == "GET" else 409)
    status = 200
    if request.method == "POST":
        form = ActivateForm(request.POST)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = staff_activate(
                    email=data["email"],
                    activation_code=data["activation_code"],
                    password=data["password"],
                    ip=client_ip(request),
                    locale=get_language(),
                )
            except ServiceError as exc:
                field = _FIELD_OF_ERROR.get(exc.code)
                if field == "password" and exc.errors:
                    form.add_error("password", exc.errors["password"])
                else:
                    form.add_error(field, str(exc.detail))
                status = exc.status
            else:
                user_sign_in_session(request=request, user=user)
                messages.success(request, _("Your account is active. Welcome to Walks!"))
                return redirect("home")
    else:
        form = ActivateForm(initial={"email": request.GET.get("email", "")[:254]})
    return render(request, "staff/activate.html", {"form": form}, status=status)
