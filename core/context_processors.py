from django.conf import settings
from django.db import DatabaseError

THEMES = ("system", "light", "dark")
THEME_COOKIE = "theme"


def site(request):
    return {"SITE_URL": settings.SITE_URL, "SITE_NAME": "Walks", "THEME": theme_of(request)}


def theme_of(request) -> str:
    """The colour theme a page is drawn in: the person's choice (their
    profile), a visitor's (a cookie), else the system's."""
    theme = request.COOKIES.get(THEME_COOKIE, "")
    try:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            theme = getattr(getattr(user, "profile", None), "theme", "")
    except DatabaseError:
        # The error page of a database outage: draw it, in the visitor's theme.
        pass
    return theme if theme in THEMES else "system"
