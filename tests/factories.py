"""Factories shared by every app's tests; app-specific ones live in tests/<app>/factories.py."""

from __future__ import annotations

import factory

from accounts.models import User

DEFAULT_PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    locale = "en"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        username = kwargs.pop("username", None)
        password = kwargs.pop("password", DEFAULT_PASSWORD)
        email = kwargs.pop("email")
        return model_class.objects.create_user(email, password, username=username, **kwargs)
