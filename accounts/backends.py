from django.contrib.auth.backends import ModelBackend

from .models import User, normalize_email
from .user_cache import cached_user


def credentials_check(*, email: str, password: str) -> User | None:
    """The user whose e-mail and password these are, if active; no limits
    here (``accounts.services.user_authenticate`` applies them)."""
    try:
        user = User.objects.get(email=normalize_email(email))
    except User.DoesNotExist:
        # Run the hasher anyway so timing does not tell known e-mails apart.
        User().set_password(password)
        return None
    if user.check_password(password) and ModelBackend().user_can_authenticate(user):
        return user
    return None


class EmailBackend(ModelBackend):
    """Sign in by e-mail, case-insensitively.

    Django's own sign-in doors (the admin's login form, any
    ``AuthenticationForm``, ``Client.login``) call ``authenticate()``, which
    lands here; they go through :func:`accounts.services.user_authenticate`
    so its failure limits (per account, per IP) hold for them too: a failure
    at ``/admin/login/`` counts toward the same account as one on the API.
    Over a limit, :class:`core.errors.RateLimited` propagates (a 429 page).
    """

    def authenticate(self, request, username=None, password=None, email=None, **kwargs):
        from core.errors import NotAuthenticated
        from core.ratelimit import client_ip

        from .services import user_authenticate

        email = email or username
        if not email or password is None:
            return None
        try:
            return user_authenticate(
                email=email, password=password, ip=client_ip(request) if request is not None else None
            )
        except NotAuthenticated:
            return None

    def get_user(self, user_id):
        """The session's user with the profile the menu shows, from the cache."""
        user = cached_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
