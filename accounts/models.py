from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import IntegrityError, models, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PIN_MIN, PIN_MAX = 100_000, 999_999
USERNAME_MAX_LENGTH = 30
# RFC 5321 caps a forward path at 256 octets, so an address at 254. Every
# e-mail field in the project (forms, serializers, other apps' models) uses this.
EMAIL_MAX_LENGTH = 254
BIO_MAX_LENGTH = 1000
# A profile's links: at most LINKS_MAX web addresses of LINK_MAX_LENGTH each.
LINKS_MAX = 5
LINK_MAX_LENGTH = 200
# The one maximum for a password (or passphrase) everywhere it is set or
# typed: forms, serializers and accounts.services.password_check. Hashing a
# megabyte of "password" with Argon2 is a denial of service, not a password.
PASSWORD_MAX_LENGTH = 128


def username_matches(queryset, handle: str, *, field: str = "username"):
    """The rows of ``queryset`` whose ``field`` is ``handle`` in any case.

    Compared as ``LOWER(field) = LOWER(handle)``, which the ``Lower`` indexes
    on usernames serve; ``iexact`` compiles to ``UPPER(...)`` on PostgreSQL,
    which no index here matches (a scan of every profile)."""
    return queryset.alias(_username_key=Lower(field)).filter(
        _username_key=Lower(models.Value(handle, output_field=models.CharField()))
    )


def new_pin() -> int:
    return PIN_MIN + secrets.randbelow(PIN_MAX - PIN_MIN + 1)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, email: str) -> User:
        return self.get(email=normalize_email(email))

    def create_user(self, email: str, password: str | None = None, *, username: str | None = None, **extra) -> User:
        """Create the user and its profile, with a fresh public PIN.

        ``username`` defaults to a free one derived from the e-mail.
        ``password=None`` leaves the password unusable (staff awaiting activation).
        """
        if not email:
            raise ValueError("The e-mail is required.")
        email = normalize_email(email)
        for _attempt in range(20):
            user = self.model(email=email, pin=new_pin(), **extra)
            user.set_password(password) if password else user.set_unusable_password()
            try:
                with transaction.atomic():
                    user.save(using=self._db)
            except IntegrityError:
                if self.filter(email=email).exists():
                    raise
                continue  # the PIN was taken: draw another
            Profile.objects.create(user=user, username=username or Profile.free_username_from(email))
            return user
        raise RuntimeError("Could not find a free PIN.")

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


def normalize_email(email: str) -> str:
    """E-mail addresses are stored lower-cased: the login is case-insensitive."""
    return email.strip().lower()


class User(AbstractBaseUser, PermissionsMixin):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(_("e-mail"), max_length=EMAIL_MAX_LENGTH, unique=True)
    joined_at = models.DateTimeField(_("joined"), default=timezone.now)
    last_auth_at = models.DateTimeField(_("last signed in"), null=True, blank=True)
    locale = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="en")
    pin = models.PositiveIntegerField(_("public PIN"), unique=True, editable=False)
    group_uuid = models.UUIDField(_("linked accounts group"), null=True, blank=True, db_index=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff status"), default=False)

    # Django's own last_login is replaced by last_auth_at, set by our sign-in
    # services for both the browser and the API.
    last_login = None

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pin__gte=PIN_MIN, pin__lte=PIN_MAX), name="accounts_user_pin_six_digits"
            ),
        ]

    def __str__(self) -> str:
        return self.email

    def save(self, *args, **kwargs):
        self.email = normalize_email(self.email)
        super().save(*args, **kwargs)

    @property
    def username(self) -> str:
        return self.profile.username


class Theme(models.TextChoices):
    SYSTEM = "system", _("As the system")
    LIGHT = "light", _("Light")
    DARK = "dark", _("Dark")


class Profile(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile", primary_key=True)
    username = models.CharField(_("username"), max_length=USERNAME_MAX_LENGTH)
    avatar = models.ImageField(_("avatar"), upload_to="avatars/", blank=True)
    bio = models.TextField(_("about"), max_length=BIO_MAX_LENGTH, blank=True)
    links = models.JSONField(_("links"), default=list, blank=True)
    theme = models.CharField(_("theme"), max_length=8, choices=Theme.choices, default=Theme.SYSTEM)
    # Walks, reviews, statistics and feed entries only for the person and the
    # followers they approve (enforced by the doors, see social.selectors.can_see).
    is_private = models.BooleanField(_("private profile"), default=False)

    class Meta:
        verbose_name = _("profile")
        constraints = [models.UniqueConstraint(Lower("username"), name="accounts_profile_username_ci_unique")]

    def __str__(self) -> str:
        return self.username

    @classmethod
    def free_username_from(cls, email: str) -> str:
        base = "".join(ch for ch in email.split("@")[0] if ch.isalnum() or ch in "._-")[:20] or "user"
        candidate = base
        while username_matches(cls.objects, candidate).exists():
            candidate = f"{base}{secrets.randbelow(10_000)}"
        return candidate


class UsernameHistory(models.Model):
    """A username someone had: its old profile URLs keep redirecting to them
    (until someone else takes the name)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="old_usernames")
    username = models.CharField(_("username"), max_length=USERNAME_MAX_LENGTH)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("former username")
        indexes = [models.Index(Lower("username"), name="accounts_old_username_ci")]

    def __str__(self) -> str:
        return self.username


class ServiceTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ServiceToken(models.Model):
    """A credential for a machine (the staff bot, the ChatGPT action).

    Only the SHA-256 of the secret is stored; the secret is shown once.
    """

    class Scope(models.TextChoices):
        STAFF = "staff", _("Staff bot")
        GPT = "gpt", _("ChatGPT action")

    PREFIX = "wlk_"

    name = models.CharField(_("name"), max_length=100)
    scopes = models.JSONField(_("scopes"), default=list)
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(_("starts with"), max_length=12, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ServiceTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("service token")

    def __str__(self) -> str:
        return f"{self.name} ({', '.join(self.scopes)})"

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes and self.revoked_at is None
