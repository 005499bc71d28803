from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.utils.translation import gettext_lazy as _

from core.errors import ServiceError
from core.forms import add_service_error

from .models import Profile, ServiceToken, User
from .service_tokens import service_token_create, service_token_revoke
from .services import password_check, password_set, user_deactivate, user_revoke_refresh_tokens

admin.site.site_header = _("Walks administration")
admin.site.site_title = _("Walks admin")


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    fields = ("username", "avatar", "bio", "links")


class PasswordSetForm(AdminPasswordChangeForm):
    """An admin setting someone's password does what every other door does
    (accounts.services.password_set): the same rules, refresh tokens
    revoked, other sessions ended, the owner notified."""

    def clean(self):
        data = super().clean()
        password = data.get("password1")
        if password:
            try:
                password_check(password=password, user=self.user, field="password1")
            except ServiceError as exc:
                add_service_error(self, exc)
        return data

    def save(self, commit=True):
        if not self.cleaned_data.get("set_usable_password", True):
            # "Password-based authentication: Disabled": no password to set,
            # but whatever the old one signed in must end as well.
            user = super().save(commit=commit)
            user_revoke_refresh_tokens(user=user)
            return user
        password_set(user=self.user, password=self.cleaned_data["password1"], field="password1")
        return self.user


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    change_password_form = PasswordSetForm
    inlines = [ProfileInline]
    list_display = ("email", "username_display", "pin", "locale", "is_active", "is_staff", "joined_at", "last_auth_at")
    list_filter = ("is_active", "is_staff", "is_superuser", "locale", "groups")
    search_fields = ("email", "profile__username", "=pin")
    ordering = ("-joined_at",)
    readonly_fields = ("uuid", "pin", "joined_at", "last_auth_at", "group_uuid")
    list_select_related = ("profile",)
    fieldsets = (
        (None, {"fields": ("email", "password", "uuid", "pin")}),
        (_("Preferences"), {"fields": ("locale", "group_uuid")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Dates"), {"fields": ("joined_at", "last_auth_at")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    @admin.display(description=_("username"), ordering="profile__username")
    def username_display(self, obj):
        return obj.profile.username

    def save_model(self, request, obj, form, change):
        if change:
            was_active = User.objects.filter(pk=obj.pk).values_list("is_active", flat=True).first()
            super().save_model(request, obj, form, change)
            if was_active and not obj.is_active:
                # Unticking "active" must also end sessions and refresh tokens.
                user_deactivate(user=obj)
            return None
        # New users go through the manager so they get a PIN and a profile.
        created = User.objects.create_user(obj.email, form.cleaned_data.get("password1"))
        obj.pk = created.pk
        obj.refresh_from_db()

    def get_inlines(self, request, obj):
        return self.inlines if obj else []


class ServiceTokenForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("scopes"), choices=ServiceToken.Scope.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = ServiceToken
        fields = ("name", "scopes", "revoked_at")


@admin.register(ServiceToken)
class ServiceTokenAdmin(admin.ModelAdmin):
    form = ServiceTokenForm
    list_display = ("name", "scopes", "hint", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name",)
    readonly_fields = ("hint", "created_at", "last_used_at")
    fields = ("name", "scopes", "hint", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        try:
            token, secret = service_token_create(name=obj.name, scopes=list(obj.scopes or []))
        except ValueError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        obj.pk = token.pk
        obj.refresh_from_db()
        self.message_user(
            request,
            _("Service token created. Copy the secret now, it will not be shown again: %(secret)s")
            % {"secret": secret},
            messages.WARNING,
        )

    @admin.action(description=_("Revoke selected tokens"))
    def revoke(self, request, queryset):
        for token in queryset:
            service_token_revoke(token=token)
