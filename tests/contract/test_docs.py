from __future__ import annotations

import pytest

from core.management.commands.api_error_codes import DOC, render


@pytest.mark.django_db
def test_docs_api_md_lists_the_error_codes_as_served():
    assert DOC.read_text(encoding="utf-8") == render(), "run: python manage.py api_error_codes"
