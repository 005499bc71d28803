from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from linking.models import AccountSwitch, LinkSecret, LinkStatus
from tests.conftest import jwt_client_for, session_client_for
from tests.factories import UserFactory

from .helpers import age, link, offer

pytestmark = pytest.mark.django_db

MINE = "/api/v1/user/linked-accounts"
PUBLIC = "/api/v1/linked-accounts"


@pytest.fixture(params=["jwt", "session"])
def client_for(request):
    """Each person's client, as the mobile app (JWT) or as the browser (session)."""
    make = jwt_client_for if request.param == "jwt" else session_client_for
    return make


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code and body["detail"], body


# --- the whole flow ------------------------------------------------------------------------


def test_two_accounts_through_every_transition(a, b, client_for, settings):
    settings.SITE_URL = "https://walks.example"
    ca, cb = client_for(a), client_for(b)

    created = ca.post(MINE, {"email": "BOB@example.com"}, format="json")
    assert created.status_code == 201
    body = created.json()
    assert set(body) == {"id", "email", "secret", "linkStatus", "link", "expires_at"}
    assert body["email"] == "bob@example.com" and body["linkStatus"] == "syn"
    assert body["link"] == f"https://walks.example/link/?secret={body['secret']}"
    assert created["Cache-Control"] == "no-store" and created["Referrer-Policy"] == "no-referrer"
    secret = body["secret"]

    out = ca.get(MINE).json()
    assert out["accounts"] == [] and out["incoming"] == []
    assert [(o["id"], o["linkStatus"], o["account"]["email"]) for o in out["outgoing"]] == [
        (body["id"], "syn", "bob@example.com")
    ]
    assert cb.get(MINE).json()["incoming"][0]["account"]["username"] == "alice"

    seen = cb.get(PUBLIC, {"secret": secret})
    assert seen.status_code == 200
    assert seen.json()["email"] == "alice@example.com" and seen.json()["linkStatus"] == "ack"
    assert seen["Cache-Control"] == "no-store"
    assert cb.get(PUBLIC, {"secret": secret}).json()["linkStatus"] == "ack"  # safe to repeat
    assert ca.get(MINE).json()["outgoing"][0]["linkStatus"] == "ack"

    done = cb.post(PUBLIC, {"secret": secret}, format="json")
    assert done.status_code == 201
    assert done.json()["email"] == "alice@example.com" and done.json()["linkStatus"] == "fin"
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.group_uuid == b.group_uuid is not None

    assert [x["email"] for x in ca.get(MINE).json()["accounts"]] == ["bob@example.com"]
    assert [x["email"] for x in cb.get(MINE).json()["accounts"]] == ["alice@example.com"]
    assert ca.get(MINE).json()["outgoing"] == []

    assert_error(cb.post(PUBLIC, {"secret": secret}, format="json"), 410, "link_used")
    assert_error(cb.get(PUBLIC, {"secret": secret}), 410, "link_used")

    left = ca.delete(f"{MINE}/@me")
    assert left.status_code == 204
    assert ca.get(MINE).json()["accounts"] == [] and cb.get(MINE).json()["accounts"] == []
    assert set(User.objects.filter(pk__in=[a.pk, b.pk]).values_list("group_uuid", flat=True)) == {None}
    assert_error(cb.delete(f"{MINE}/@me"), 409, "not_linked")


def test_three_accounts_share_one_group(a, b, c, client_for):
    ca, cb, cc = client_for(a), client_for(b), client_for(c)
    s1 = ca.post(MINE, {"email": b.email}, format="json").json()["secret"]
    assert cb.post(PUBLIC, {"secret": s1}, format="json").status_code == 201
    s2 = cc.post(MINE, {"email": a.email}, format="json").json()["secret"]  # c joins through a
    assert ca.post(PUBLIC, {"secret": s2}, format="json").status_code == 201
    assert sorted(x["username"] for x in cb.get(MINE).json()["accounts"]) == ["alice", "carol"]

    # nobody in the group can join another one
    d = UserFactory(email="dave@example.com")
    for member in (ca, cb, cc):
        assert_error(member.post(MINE, {"email": d.email}, format="json"), 409, "already_linked")
    assert_error(cc.post(MINE, {"email": b.email}, format="json"), 409, "already_linked_together")

    # b takes c out; a and b stay linked
    assert cb.delete(f"{MINE}/{c.pk}").status_code == 204
    assert [x["username"] for x in ca.get(MINE).json()["accounts"]] == ["bob"]
    assert cc.get(MINE).json()["accounts"] == []
    assert_error(cb.delete(f"{MINE}/{c.pk}"), 404, "not_in_group")


def test_answer_by_id_from_the_incoming_list(a, b, c, client_for):
    first = offer(a, b)
    second = offer(c, b)
    cb = client_for(b)
    ids = [o["id"] for o in cb.get(MINE).json()["incoming"]]
    assert ids == [second.offer.pk, first.offer.pk]
    declined = cb.post(f"{PUBLIC}/decline", {"id": second.offer.pk}, format="json")
    assert declined.status_code == 200 and declined.json()["linkStatus"] == "declined"
    assert cb.post(PUBLIC, {"id": first.offer.pk}, format="json").status_code == 201
    assert_error(client_for(c).post(PUBLIC, {"secret": second.secret}, format="json"), 404, "link_own_offer")
    assert_error(client_for(UserFactory()).post(PUBLIC, {"id": first.offer.pk}, format="json"), 404, "link_not_found")


# --- refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({}, 400, "invalid"),
        ({"email": ""}, 400, "invalid"),
        ({"email": "not-an-email"}, 400, "invalid"),
        ({"email": ["x@example.com"]}, 400, "invalid"),
        ({"email": "alice@example.com"}, 400, "link_self"),
        ({"email": "ALICE@EXAMPLE.COM"}, 400, "link_self"),
    ],
)
def test_create_refuses_bad_input_and_writes_nothing(a, client_for, payload, status, code, mailoutbox):
    response = client_for(a).post(MINE, payload, format="json")
    assert_error(response, status, code)
    if status == 400 and code == "invalid":
        assert "email" in response.json()["errors"]
    assert not LinkSecret.objects.exists() and mailoutbox == []


def test_create_answers_alike_for_known_and_unknown_addresses(
    a, b, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    """No oracle for registered addresses: same status, same shape, same list;
    only the real account is told (the other offer simply never arrives)."""
    ca = client_for(a)
    with django_capture_on_commit_callbacks(execute=True):
        known = ca.post(MINE, {"email": b.email}, format="json")
        unknown = ca.post(MINE, {"email": "Nobody@example.com"}, format="json")
    assert known.status_code == unknown.status_code == 201
    kb, ub = known.json(), unknown.json()
    assert set(kb) == set(ub) == {"id", "email", "secret", "linkStatus", "link", "expires_at"}
    assert (kb["email"], ub["email"]) == ("bob@example.com", "nobody@example.com")
    assert kb["linkStatus"] == ub["linkStatus"] == "syn" and len(kb["secret"]) == len(ub["secret"])
    assert unknown["Cache-Control"] == known["Cache-Control"] == "no-store"
    outgoing = ca.get(MINE).json()["outgoing"]
    assert [(o["id"], o["account"]) for o in outgoing] == [
        (ub["id"], {"id": None, "email": "nobody@example.com", "username": None, "avatar": None}),
        (kb["id"], {"id": None, "email": "bob@example.com", "username": None, "avatar": None}),
    ]
    assert [m.to for m in mailoutbox] == [["bob@example.com"]]
    assert_error(client_for(b).get(PUBLIC, {"secret": ub["secret"]}), 404, "link_not_found")


def test_create_refuses_malformed_bodies(a, client_for):
    ca = client_for(a)
    assert_error(ca.post(MINE, "{nope", content_type="application/json"), 400, "parse_error")
    assert_error(ca.post(MINE, "<x/>", content_type="application/xml"), 415, "unsupported_media_type")
    assert not LinkSecret.objects.exists()


def test_create_is_409_when_a_is_linked_already(a, b, c, client_for):
    link(a, b)
    assert_error(client_for(a).post(MINE, {"email": c.email}, format="json"), 409, "already_linked")
    assert not LinkSecret.objects.filter(target_user=c).exists()


def test_a_second_offer_replaces_the_first(a, b, client_for):
    ca, cb = client_for(a), client_for(b)
    first = ca.post(MINE, {"email": b.email}, format="json").json()
    second = ca.post(MINE, {"email": b.email}, format="json").json()
    assert first["secret"] != second["secret"] and first["id"] != second["id"]
    assert [o["id"] for o in ca.get(MINE).json()["outgoing"]] == [second["id"]]
    assert_error(cb.get(PUBLIC, {"secret": first["secret"]}), 410, "link_withdrawn")
    assert cb.get(PUBLIC, {"secret": second["secret"]}).status_code == 200


def test_offers_are_rate_limited(a, client_for):
    ca = client_for(a)
    targets = [UserFactory() for _ in range(11)]
    for target in targets[:10]:
        assert ca.post(MINE, {"email": target.email}, format="json").status_code == 201
    response = ca.post(MINE, {"email": targets[10].email}, format="json")
    assert_error(response, 429, "rate_limited")
    assert int(response["Retry-After"]) > 0


def test_someone_else_presenting_the_secret_gets_404(a, b, c, client_for):
    secret = offer(a, b).secret
    cc = client_for(c)
    assert_error(cc.get(PUBLIC, {"secret": secret}), 404, "link_not_found")
    assert_error(cc.post(PUBLIC, {"secret": secret}, format="json"), 404, "link_not_found")
    assert_error(cc.post(f"{PUBLIC}/decline", {"secret": secret}, format="json"), 404, "link_not_found")
    assert_error(client_for(a).post(PUBLIC, {"secret": secret}, format="json"), 404, "link_own_offer")
    response = cc.get(PUBLIC, {"secret": secret})
    assert "alice" not in response.content.decode() and "bob" not in response.content.decode()
    assert LinkSecret.objects.get().status == LinkStatus.SYN
    assert not User.objects.exclude(group_uuid=None).exists()


@pytest.mark.parametrize(
    ("method", "payload", "code"),
    [
        ("get", {}, "invalid"),
        ("get", {"secret": ""}, "invalid"),
        ("get", {"secret": "x" * 500}, "invalid"),
        ("get", {"secret": "unknown"}, "link_not_found"),
        ("post", {}, "invalid"),
        ("post", {"secret": "unknown"}, "link_not_found"),
        ("post", {"id": "abc"}, "invalid"),
        ("post", {"id": 0}, "invalid"),
        ("post", {"id": 99999}, "link_not_found"),
    ],
)
def test_bad_secrets_are_4xx(b, client_for, method, payload, code):
    cb = client_for(b)
    response = cb.get(PUBLIC, payload) if method == "get" else cb.post(PUBLIC, payload, format="json")
    assert_error(response, 404 if code == "link_not_found" else 400, code)


def test_expired_and_declined_secrets_are_410(a, b, c, client_for):
    cb = client_for(b)
    old = offer(a, b)
    age(old)
    assert_error(cb.get(PUBLIC, {"secret": old.secret}), 410, "link_expired")
    assert_error(cb.post(PUBLIC, {"secret": old.secret}, format="json"), 410, "link_expired")
    assert LinkSecret.objects.get(pk=old.offer.pk).status == LinkStatus.EXPIRED
    no = offer(c, b)
    assert cb.post(f"{PUBLIC}/decline", {"secret": no.secret}, format="json").status_code == 200
    assert_error(cb.post(PUBLIC, {"secret": no.secret}, format="json"), 410, "link_declined")
    assert_error(cb.post(f"{PUBLIC}/decline", {"secret": no.secret}, format="json"), 410, "link_declined")
    assert not User.objects.exclude(group_uuid=None).exists()


def test_withdrawing_an_offer(a, b, c, client_for):
    created = offer(a, b)
    assert_error(client_for(c).delete(f"{MINE}/offers/{created.offer.pk}"), 404, "offer_not_found")
    assert_error(client_for(b).delete(f"{MINE}/offers/{created.offer.pk}"), 404, "offer_not_found")
    assert client_for(a).delete(f"{MINE}/offers/{created.offer.pk}").status_code == 204
    assert_error(client_for(b).post(PUBLIC, {"secret": created.secret}, format="json"), 410, "link_withdrawn")


def test_every_endpoint_needs_a_person(a, b):
    anon = APIClient()
    created = offer(a, b)
    calls = [
        ("get", MINE),
        ("post", MINE),
        ("delete", f"{MINE}/@me"),
        ("delete", f"{MINE}/{a.pk}"),
        ("post", f"{MINE}/{a.pk}/switch"),
        ("delete", f"{MINE}/offers/{created.offer.pk}"),
        ("get", f"{PUBLIC}?secret={created.secret}"),
        ("post", PUBLIC),
        ("post", f"{PUBLIC}/decline"),
    ]
    for method, url in calls:
        response = getattr(anon, method)(url, {"secret": created.secret} if method == "post" else None, format="json")
        assert response.status_code == 401, url
        assert response.json()["code"] == "not_authenticated"
    assert LinkSecret.objects.get().status == LinkStatus.SYN


def test_paths_work_with_a_trailing_slash(a, b, client_for):
    response = client_for(a).post(MINE + "/", {"email": b.email}, format="json")
    assert response.status_code == 201
    assert client_for(b).get(PUBLIC + "/", {"secret": response.json()["secret"]}).status_code == 200


# --- switching over the API ----------------------------------------------------------------


def test_switch_gives_a_token_pair_for_the_other_account(a, b, client_for):
    link(a, b)
    response = client_for(b).post(f"{MINE}/{a.pk}/switch")
    assert response.status_code == 200
    body = response.json()
    assert body["user"]["email"] == "alice@example.com" and body["access"] and body["refresh"]
    as_a = APIClient()
    as_a.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert [x["email"] for x in as_a.get(MINE).json()["accounts"]] == ["bob@example.com"]
    assert AccountSwitch.objects.get().channel == "api"


def test_switch_outside_the_group_is_403(a, b, c, client_for):
    link(a, b)
    assert_error(client_for(a).post(f"{MINE}/{c.pk}/switch"), 403, "not_linked_account")
    assert_error(client_for(c).post(f"{MINE}/{a.pk}/switch"), 403, "not_linked_account")
    assert_error(client_for(a).post(f"{MINE}/{a.pk}/switch"), 400, "switch_self")
    client_for(a).delete(f"{MINE}/@me")
    assert_error(client_for(b).post(f"{MINE}/{a.pk}/switch"), 403, "not_linked_account")
    assert not AccountSwitch.objects.exists()


# --- query counts --------------------------------------------------------------------------


def _grow(me, n):
    """``me`` hosts a group of n other accounts and has n offers waiting for it."""
    for _ in range(n):
        link(UserFactory(), me)
    me.refresh_from_db()
    for _ in range(n):
        offer(UserFactory(), me)
    return me


@pytest.mark.parametrize("n", [1, 6])
def test_overview_runs_a_constant_number_of_queries(client_for, django_assert_max_num_queries, n):
    host = _grow(UserFactory(), n)
    loner = UserFactory()
    for _ in range(n):
        offer(loner, UserFactory())
    host_client, loner_client = client_for(host), client_for(loner)
    # session: session + user (2) or JWT: user (1); then members, incoming, outgoing (3)
    with django_assert_max_num_queries(5):
        body = host_client.get(MINE).json()
    assert len(body["accounts"]) == n and len(body["incoming"]) == n
    with django_assert_max_num_queries(5):
        body = loner_client.get(MINE).json()
    assert body["accounts"] == [] and len(body["outgoing"]) == n
