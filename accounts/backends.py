from django.contrib.auth.backends import ModelBackend

from .models import User, normalize_email
from .user_cache import cached_user


class EmailBackend(ModelBackend):
    """Sign in by e-mail, case-insensitively."""

    def authenticate(self, request, username=None, password=None, email=None, **kwargs):
        email = email or username
        if not email or password is None:
            return None
        try:
            user = User.objects.get(email=normalize_email(email))
        except User.DoesNotExist:
            # Run the hasher anyway so timing does not tell known e-mails apart.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id):
        """The session's user with the profile the menu shows, from the cache."""
        user = cached_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
