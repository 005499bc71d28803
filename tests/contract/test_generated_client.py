"""The mobile journey through a client that openapi-python-client generates
from ``/api/v1/schema`` exactly as served: every module imports, every answer
parses into its typed model and validates strictly against the schema, and
the expected errors parse into ``Error``.

Generating the client takes a few seconds: marked ``integration``.
"""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken

from catalog.models import Title, TitleType
from config.wsgi import application
from tests.catalog.factories import TitleFactory

from .conftest import StrictChecker, generate, served_schema

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-Sturdy-passphrase-41"
EMAIL = "mobile@example.com"


def code_from(mailoutbox, address: str) -> str:
    message = next(m for m in reversed(mailoutbox) if address in m.to)
    return re.search(r"\b(\d{6})\b", message.body).group(1)


@pytest.fixture
def client_kit(tmp_path):
    schema = served_schema()
    package, modules = generate(schema, tmp_path)
    assert len(modules) > 50
    checker = StrictChecker(schema)
    transport = httpx.WSGITransport(app=application)
    httpx_args = {"transport": transport, "event_hooks": {"response": [checker]}}
    return package, checker, httpx_args


def test_mobile_journey_through_the_generated_client(client_kit, mailoutbox, django_user_model):
    wc, checker, httpx_args = client_kit
    from walks_client.api.auth import (
        auth_email_validate_create,
        auth_logout_create,
        auth_password_change_create,
        auth_signup_create,
        auth_token_create,
        auth_token_update_create,
    )
    from walks_client.api.profile import user_me_partial_update, user_me_retrieve
    from walks_client.api.reviews import reviews_create, reviews_destroy, reviews_partial_update
    from walks_client.api.titles import titles_list, titles_retrieve
    from walks_client.api.user import user_me_walks_list, user_reviews_list, user_walks_list
    from walks_client.api.walks import walks_create, walks_destroy, walks_partial_update
    from walks_client.models import (
        EmailValidateInRequest,
        Error,
        PaginatedReviewWithTitleList,
        PaginatedTitleList,
        PaginatedWalkWithTitleList,
        PasswordChangeInRequest,
        PatchedProfileUpdateInRequest,
        PatchedReviewPatchRequest,
        PatchedWalkPatchRequest,
        RefreshInRequest,
        ReviewInRequest,
        SignUpInRequest,
        TitleDetail,
        TokenObtainInRequest,
        WalkChanges,
        WalkInRequest,
        WalkState,
    )
    from walks_client.models import (
        TitleType as ClientTitleType,
    )

    for kind in TitleType.values:
        for n in range(3):
            TitleFactory(type=kind, name=f"Journey {kind} {n}", release_year=2000 + n)
    anonymous = wc.Client(base_url="http://testserver", httpx_args=httpx_args, raise_on_unexpected_status=True)

    # Sign up with the e-mailed code.
    response = auth_email_validate_create.sync_detailed(client=anonymous, body=EmailValidateInRequest(email=EMAIL))
    assert response.status_code == 202
    code = code_from(mailoutbox, EMAIL)
    response = auth_signup_create.sync_detailed(
        client=anonymous, body=SignUpInRequest(email=EMAIL, username="mobile", password=PASSWORD, code=code)
    )
    assert response.status_code == 201, response.content
    assert response.parsed.user.email == EMAIL

    # Token, refresh.
    pair = auth_token_create.sync(client=anonymous, body=TokenObtainInRequest(email=EMAIL, password=PASSWORD))
    pair = auth_token_update_create.sync(client=anonymous, body=RefreshInRequest(refresh_token=pair.refresh))
    me = wc.AuthenticatedClient(
        base_url="http://testserver", token=pair.access, httpx_args=httpx_args, raise_on_unexpected_status=True
    )

    # @me read and patch.
    profile = user_me_retrieve.sync(client=me)
    assert profile.username == "mobile"
    profile = user_me_partial_update.sync(client=me, body=PatchedProfileUpdateInRequest(bio="On the go"))
    assert profile.bio == "On the go"
    assert user_me_retrieve.sync(client=me).bio == "On the go"

    # Titles of each type, with search, order and pages.
    for kind in ClientTitleType:
        page = titles_list.sync(
            client=me, type_=kind, page_size=2, ordering=wc.models.TitlesListOrdering("-release_year")
        )
        assert isinstance(page, PaginatedTitleList)
        assert page.count == 3 and len(page.results) == 2
        assert page.results[0].release_year == 2002
        second = titles_list.sync(client=me, type_=kind, page_size=2, page=2)
        assert len(second.results) == 1
        found = titles_list.sync(client=me, type_=kind, search=f"{kind.value} 1")
        assert [t.name for t in found.results] == [f"Journey {kind.value} 1"]
    title = Title.objects.filter(type="game").order_by("id").first()

    synced_at = timezone.now() - timedelta(minutes=1)

    # Title detail, without and then with the caller's walk and review.
    detail = titles_retrieve.sync(client=me, id=title.pk)
    assert isinstance(detail, TitleDetail) and detail.walk is None and detail.review is None

    walk = walks_create.sync_detailed(client=me, body=WalkInRequest(title_id=title.pk, state=WalkState.IN_PROGRESS))
    assert walk.status_code == 201
    walk = walks_partial_update.sync(
        client=me, id=walk.parsed.id, body=PatchedWalkPatchRequest(state=WalkState.COMPLETED)
    )
    assert walk.state == WalkState.COMPLETED
    review = reviews_create.sync_detailed(client=me, body=ReviewInRequest(title_id=title.pk, rating=80, text="Good"))
    assert review.status_code == 201
    assert titles_retrieve.sync(client=me, id=title.pk).rating == 80
    review = reviews_partial_update.sync(client=me, id=review.parsed.id, body=PatchedReviewPatchRequest(rating=60))
    assert review.rating == 60
    detail = titles_retrieve.sync(client=me, id=title.pk)
    assert detail.rating == 60 and detail.review.rating == 60 and detail.walk.state == WalkState.COMPLETED

    # The user's lists, and the sync read of what changed.
    changes = user_me_walks_list.sync(client=me, updated_since=synced_at)
    assert isinstance(changes, WalkChanges) and [w.id for w in changes.results] == [walk.id]
    user_id = profile.id
    walks = user_walks_list.sync(client=me, id=user_id)
    assert isinstance(walks, PaginatedWalkWithTitleList) and [w.title.id for w in walks.results] == [title.pk]
    reviews = user_reviews_list.sync(client=me, id=user_id)
    assert isinstance(reviews, PaginatedReviewWithTitleList) and reviews.results[0].rating == 60

    # The expected errors parse into Error.
    bad = reviews_partial_update.sync_detailed(client=me, id=review.id, body=PatchedReviewPatchRequest(rating=101))
    assert bad.status_code == 400 and isinstance(bad.parsed, Error) and bad.parsed.code == "invalid_rating"
    missing = titles_retrieve.sync_detailed(client=me, id=title.pk + 10_000)
    assert missing.status_code == 404 and isinstance(missing.parsed, Error)
    user = django_user_model.objects.get(email=EMAIL)
    expired = AccessToken.for_user(user)
    expired.set_exp(lifetime=-timedelta(minutes=1))
    stale = wc.AuthenticatedClient(base_url="http://testserver", token=str(expired), httpx_args=httpx_args)
    refused = user_me_retrieve.sync_detailed(client=stale)
    assert refused.status_code == 401 and isinstance(refused.parsed, Error)

    # Delete the walk and the review; the rating goes with the review.
    assert reviews_destroy.sync_detailed(client=me, id=review.id).status_code == 204
    assert walks_destroy.sync_detailed(client=me, id=walk.id).status_code == 204
    detail = titles_retrieve.sync(client=me, id=title.pk)
    assert detail.rating is None and detail.walk is None and detail.review is None
    assert user_walks_list.sync(client=me, id=user_id).count == 0
    changes = user_me_walks_list.sync(client=me, updated_since=synced_at)
    assert changes.results == [] and [d.id for d in changes.deleted] == [walk.id]

    # Password change (a fresh pair comes back), then logout.
    changed = auth_password_change_create.sync(
        client=me, body=PasswordChangeInRequest(current_password=PASSWORD, new_password=PASSWORD + "x")
    )
    me = wc.AuthenticatedClient(base_url="http://testserver", token=changed.access, httpx_args=httpx_args)
    assert user_me_retrieve.sync(client=me).id == user_id
    assert (
        auth_logout_create.sync_detailed(
            client=anonymous, body=RefreshInRequest(refresh_token=changed.refresh)
        ).status_code
        == 204
    )
    again = auth_token_update_create.sync_detailed(
        client=anonymous, body=RefreshInRequest(refresh_token=changed.refresh)
    )
    assert again.status_code == 401 and isinstance(again.parsed, Error)

    assert len(checker.seen) > 30
