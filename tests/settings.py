"""The project's settings, plus the templates only the tests use
(``tests/templates``: the ``tests/test_ping`` e-mail), so that they do not
ship with the project."""

from config.settings import *  # noqa: F403
from config.settings import BASE_DIR, TEMPLATES

TEMPLATES = [{**TEMPLATES[0], "DIRS": [*TEMPLATES[0]["DIRS"], BASE_DIR / "tests" / "templates"]}, *TEMPLATES[1:]]
