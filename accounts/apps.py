from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from .models import Profile
        from .user_cache import memberships_changed, profile_saved, user_saved

        # Only to drop cached copies (accounts.user_cache); no logic hides here.
        for signal in (post_save, post_delete):
            signal.connect(user_saved, sender=get_user_model(), dispatch_uid=f"accounts.user.{signal}")
            signal.connect(profile_saved, sender=Profile, dispatch_uid=f"accounts.profile.{signal}")
        user_model = get_user_model()
        for through in (user_model.groups.through, user_model.user_permissions.through):
            m2m_changed.connect(memberships_changed, sender=through, dispatch_uid=f"accounts.m2m.{through.__name__}")

        # A login by any door of a user with a second factor waits for the code (accounts.mfa).
        from django.contrib.auth.signals import user_logged_in

        from .mfa import demand_second_factor

        user_logged_in.connect(demand_second_factor, dispatch_uid="accounts.mfa.demand_second_factor")
