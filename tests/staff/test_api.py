from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import PASSWORD_MAX_LENGTH, User
from accounts.service_tokens import service_token_create, service_token_revoke
from accounts.services import token_pair_issue
from staff.models import ActivationCode, Position, Staff
from staff.services import staff_create, staff_user_issue
from tests.conftest import jwt_client_for, session_client_for
from tests.factories import UserFactory

from .conftest import bearer_client
from .factories import PositionFactory, StaffFactory

CODE_RE = re.compile(r"^[A-HJKMNP-TV-Z2-9]{4}-[A-HJKMNP-TV-Z2-9]{4}-[A-HJKMNP-TV-Z2-9]{2}$")
PASSWORD = "river-stone-lantern-42"


def new_staff(position_obj, **overrides):
    body = {
        "full_name": "Anna Petrova",
        "email": "anna.petrova@example.com",
        "phone": "+7 999 123-45-67",
        "position": position_obj.pk,
        "create_user": True,
    }
    body.update(overrides)
    return body


def post(client, path, body):
    return client.post(path, data=json.dumps(body), content_type="application/json")


def nothing_created():
    return Staff.objects.count() == 0 and User.objects.filter(staff__isnull=False).count() == 0


ENDPOINTS = [
    ("get", "/api/v1/positions"),
    ("get", "/api/v1/staff"),
    ("post", "/api/v1/staff"),
    ("get", "/api/v1/staff/1"),
    ("post", "/api/v1/staff/1/user"),
    ("post", "/api/v1/staff/1/deactivate"),
]


# --- Who may call ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_no_credentials_is_401(db, method, path):
    response = getattr(APIClient(), method)(path)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_a_gpt_token_is_403(db, method, path):
    _token, secret = service_token_create(name="chatgpt", scopes=["gpt"])
    response = getattr(bearer_client(secret), method)(path)
    assert response.status_code == 403


def test_a_revoked_or_unknown_bot_token_is_401(bot_client, bot_token):
    service_token_revoke(token=bot_token[0])
    response = bot_client.get("/api/v1/positions")
    assert response.status_code == 401 and response.json()["code"] == "invalid_service_token"
    response = bearer_client("wlk_not-a-real-token").get("/api/v1/positions")
    assert response.status_code == 401


@pytest.mark.parametrize("door", ["jwt", "session"])
@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_a_signed_in_non_staff_user_is_403(db, door, method, path):
    person = UserFactory()
    client = jwt_client_for(person) if door == "jwt" else session_client_for(person)
    response = getattr(client, method)(path)
    assert response.status_code == 403


def test_is_staff_without_permissions_is_403_and_each_permission_opens_its_door(erp_position):
    person = UserFactory(is_staff=True)
    client = jwt_client_for(person)
    assert client.get("/api/v1/staff").status_code == 403
    person.user_permissions.add(Permission.objects.get(codename="view_staff"))
    client = jwt_client_for(User.objects.get(pk=person.pk))
    assert client.get("/api/v1/staff").status_code == 200
    assert client.get("/api/v1/positions").status_code == 403  # view_position is separate
    assert post(client, "/api/v1/staff", new_staff(erp_position)).status_code == 403
    assert nothing_created()


# --- Positions ---------------------------------------------------------------------------------------


def test_positions_list_with_erp_access(caller, erp_position, plain_position):
    response = caller.get("/api/v1/positions")
    assert response.status_code == 200
    assert response.json() == [
        {"id": plain_position.pk, "name": "Courier", "has_erp_access": False},
        {"id": erp_position.pk, "name": "Store manager", "has_erp_access": True},
    ]
    only = caller.get("/api/v1/positions/?has_erp_access=true").json()
    assert [p["name"] for p in only] == ["Store manager"]


# --- Creating staff ------------------------------------------------------------------------------------


def test_create_with_user_returns_the_code_once(caller, erp_position):
    response = post(caller, "/api/v1/staff/", new_staff(erp_position))  # the seed's trailing slash
    assert response.status_code == 201, response.json()
    body = response.json()
    assert CODE_RE.match(body["activation_code"])
    assert body["activation_url"].endswith("/activate/")
    assert body["full_name"] == "Anna Petrova" and body["phone"] == "+79991234567"
    assert body["position"] == {"id": erp_position.pk, "name": "Store manager", "has_erp_access": True}
    assert body["state"] == "pending" and body["activation_expires_at"]
    staff = Staff.objects.get(pk=body["id"])
    assert body["user"] == {"id": staff.user_id, "username": staff.user.profile.username, "avatar": None}
    assert not staff.user.is_active and not staff.user.has_usable_password()
    expected_creator = (
        {"type": "service_token", "name": "staff-bot"}
        if caller.kind == "bot"
        else {"type": "user", "name": caller.user.email}
    )
    assert body["created_by"] == expected_creator

    for path in ("/api/v1/staff", f"/api/v1/staff/{staff.pk}"):
        text = caller.get(path).content.decode()
        assert body["activation_code"] not in text and "activation_code" not in text


def test_create_without_user(caller, plain_position):
    response = post(caller, "/api/v1/staff", new_staff(plain_position, create_user=False))
    assert response.status_code == 201
    body = response.json()
    assert body["user"] is None and body["state"] == "no_user" and "activation_code" not in body
    assert (
        post(
            caller, "/api/v1/staff", new_staff(plain_position, email="b@example.com") | {"create_user": False}
        ).status_code
        == 201
    )
    # create_user may be left out: it defaults to false
    payload = new_staff(plain_position, email="c@example.com")
    del payload["create_user"]
    assert post(caller, "/api/v1/staff", payload).status_code == 201


def test_create_user_for_a_position_without_access_is_403_and_creates_nothing(caller, plain_position):
    response = post(caller, "/api/v1/staff", new_staff(plain_position))
    assert response.status_code == 403
    assert response.json()["code"] == "no_erp_access"
    assert nothing_created()


@pytest.mark.parametrize(
    ("change", "status", "code", "field"),
    [
        ({"position": 999_999}, 400, "unknown_position", "position"),
        ({"position": "manager"}, 400, "invalid", "position"),
        ({"position": None}, 400, "invalid", "position"),
        ({"full_name": ""}, 400, "invalid", "full_name"),
        ({"full_name": "   "}, 400, "invalid", "full_name"),
        ({"full_name": None}, 400, "invalid", "full_name"),
        ({"email": "anna@"}, 400, "invalid", "email"),
        ({"email": "anna petrova@example.com"}, 400, "invalid", "email"),
        ({"phone": "8 999 123 45 67"}, 400, "invalid", "phone"),
        ({"phone": "+7 999 12"}, 400, "invalid", "phone"),
        ({"phone": "call me"}, 400, "invalid", "phone"),
        ({"create_user": "true"}, 400, "invalid", "create_user"),
        ({"create_user": 1}, 400, "invalid", "create_user"),
        ({"create_user": "yes"}, 400, "invalid", "create_user"),
        ({"create_user": None}, 400, "invalid", "create_user"),
    ],
)
def test_bad_input_is_a_clear_4xx_and_creates_nothing(bot_client, erp_position, change, status, code, field):
    response = post(bot_client, "/api/v1/staff", new_staff(erp_position, **change))
    assert response.status_code == status, response.json()
    body = response.json()
    assert body["code"] == code and body["detail"]
    assert field in body.get("errors", {field: None})
    assert nothing_created()


@pytest.mark.parametrize("missing", ["full_name", "email", "position"])
def test_missing_fields_are_named(bot_client, erp_position, missing):
    payload = new_staff(erp_position)
    del payload[missing]
    response = post(bot_client, "/api/v1/staff", payload)
    assert response.status_code == 400
    assert missing in response.json()["errors"]
    assert nothing_created()


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", '"text"', "null"])
def test_a_body_that_is_not_an_object_is_400(bot_client, db, raw):
    response = bot_client.post("/api/v1/staff", data=raw, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] in {"parse_error", "invalid"}
    assert nothing_created()


def test_an_email_of_an_existing_account_is_409(bot_client, erp_position):
    UserFactory(email="anna.petrova@example.com")
    response = post(bot_client, "/api/v1/staff", new_staff(erp_position, email="Anna.Petrova@EXAMPLE.com"))
    assert response.status_code == 409 and response.json()["code"] == "email_taken"
    assert Staff.objects.count() == 0


def test_the_same_staff_twice_is_409(bot_client, erp_position):
    assert post(bot_client, "/api/v1/staff", new_staff(erp_position)).status_code == 201
    response = post(bot_client, "/api/v1/staff", new_staff(erp_position))
    assert response.status_code == 409 and response.json()["code"] == "staff_exists"
    assert Staff.objects.count() == 1 and ActivationCode.objects.count() == 1


# --- Reading staff ---------------------------------------------------------------------------------------


def test_list_is_paginated_newest_first_and_filters(caller, erp_position, plain_position):
    a = StaffFactory(full_name="Anna Petrova", position=erp_position)
    b = StaffFactory(full_name="Boris Ivanov", position=plain_position, phone="+74951112233")
    c, _ = staff_create(
        full_name="Clara Smirnova",
        email="clara@example.com",
        phone="+79990001122",
        position=erp_position,
        create_user=True,
    )
    body = caller.get("/api/v1/staff").json()
    assert body["count"] == 3 and body["next"] is None
    assert [s["id"] for s in body["results"]] == [c.pk, b.pk, a.pk]

    def ids(query):
        response = caller.get(f"/api/v1/staff?{query}")
        assert response.status_code == 200, response.json()
        return {s["id"] for s in response.json()["results"]}

    assert ids(f"position={plain_position.pk}") == {b.pk}
    assert ids("has_erp_access=true") == {a.pk, c.pk}
    assert ids("has_erp_access=false") == {b.pk}
    assert ids("state=pending") == {c.pk}
    assert ids("state=no_user") == {a.pk, b.pk}
    assert ids("state=active") == set()
    assert ids("search=petrov") == {a.pk}
    assert ids("search=74951") == {b.pk}
    assert ids("email=CLARA@example.com") == {c.pk}
    page = caller.get("/api/v1/staff?page_size=2").json()
    assert len(page["results"]) == 2 and page["next"]


@pytest.mark.parametrize("query", ["state=sleeping", "position=abc", "page=99"])
def test_bad_filters_are_4xx(bot_client, db, query):
    response = bot_client.get(f"/api/v1/staff?{query}")
    assert response.status_code in {400, 404}
    assert response.json()["code"]


@pytest.mark.parametrize("size", [3, 15])
def test_list_runs_a_constant_number_of_queries(bot_client, erp_position, django_assert_max_num_queries, size):
    for i in range(size):
        staff_create(
            full_name=f"Person {i}",
            email=f"p{i}@example.com",
            phone=f"+7999000{i:04d}",
            position=PositionFactory(),
            create_user=i % 2 == 0,
        )
    bot_client.get("/api/v1/positions")  # the token's last_used_at is written once a minute: not in the count
    # token lookup, count, one page with position, user, profile, creators and the live code's expiry
    with django_assert_max_num_queries(3):
        response = bot_client.get("/api/v1/staff")
    assert response.status_code == 200 and len(response.json()["results"]) == size


def test_detail_and_404(caller, erp_position):
    staff = StaffFactory(position=erp_position)
    response = caller.get(f"/api/v1/staff/{staff.pk}")
    assert response.status_code == 200
    assert response.json()["email"] == staff.email and response.json()["user"] is None
    response = caller.get("/api/v1/staff/999999")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


# --- Creating the user later, new codes ----------------------------------------------------------------------


def activate_api(email, code, password=PASSWORD, client=None):
    body = {"email": email, "activation_code": code, "password": password}
    return post(client or APIClient(), "/api/v1/auth/activate", body)


def test_user_later_then_a_new_code_retires_the_old_one(caller, erp_position):
    staff = StaffFactory(position=erp_position)
    first = caller.post(f"/api/v1/staff/{staff.pk}/user")
    assert first.status_code == 201
    assert first.json()["state"] == "pending" and CODE_RE.match(first.json()["activation_code"])
    second = caller.post(f"/api/v1/staff/{staff.pk}/user/")
    assert second.status_code == 200
    old, new = first.json()["activation_code"], second.json()["activation_code"]
    assert old != new and second.json()["user"]["id"] == first.json()["user"]["id"]

    response = activate_api(staff.email, old)
    assert response.status_code == 410 and response.json()["code"] == "code_replaced"
    assert activate_api(staff.email, new).status_code == 200

    response = caller.post(f"/api/v1/staff/{staff.pk}/user")
    assert response.status_code == 409 and response.json()["code"] == "already_active"


def test_user_later_for_a_position_without_access_is_403(caller, plain_position):
    staff = StaffFactory(position=plain_position)
    response = caller.post(f"/api/v1/staff/{staff.pk}/user")
    assert response.status_code == 403 and response.json()["code"] == "no_erp_access"
    assert User.objects.filter(email=staff.email).count() == 0


def test_user_later_when_the_email_was_taken_meanwhile_is_409(bot_client, erp_position):
    staff = StaffFactory(position=erp_position)
    UserFactory(email=staff.email)
    response = bot_client.post(f"/api/v1/staff/{staff.pk}/user")
    assert response.status_code == 409 and response.json()["code"] == "email_taken"
    staff.refresh_from_db()
    assert staff.user is None


def test_user_later_for_unknown_staff_is_404(bot_client, db):
    assert bot_client.post("/api/v1/staff/999999/user").status_code == 404


# --- Activation ---------------------------------------------------------------------------------------------


@pytest.fixture
def pending(erp_position):
    staff, issued = staff_create(
        full_name="Anna Petrova",
        email="anna.petrova@example.com",
        phone="+79991234567",
        position=erp_position,
        create_user=True,
    )
    return staff, issued.code


def test_activate_returns_a_working_token_pair(pending):
    staff, code = pending
    response = activate_api("anna.petrova@example.com", code.lower().replace("-", " "))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert set(body) == {"access", "refresh", "access_expires_at"}
    assert body["access_expires_at"] > timezone.now().timestamp()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    # Authenticated (403: not a staff manager), not anonymous (401).
    assert client.get("/api/v1/positions").status_code == 403
    staff.user.refresh_from_db()
    assert staff.user.is_active and staff.user.check_password(PASSWORD) and staff.user.last_auth_at


def test_activate_ignores_a_stale_authorization_header(pending):
    _staff, code = pending
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer expired.or.garbage")
    assert activate_api("anna.petrova@example.com", code, client=client).status_code == 200


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"activation_code": "12-34"}, 400, "code_malformed", "activation_code"),
        ({"activation_code": "ABCD-EFGH-JK"}, 400, "invalid_code", "activation_code"),
        ({"email": "someone@example.com"}, 400, "invalid_code", "activation_code"),
        ({"password": "12345678"}, 400, "password_invalid", "password"),
        ({"password": "short"}, 400, "password_invalid", "password"),
        ({"password": "x" * (PASSWORD_MAX_LENGTH + 1)}, 400, "invalid", "password"),  # the one maximum (accounts)
        ({"email": None}, 400, "invalid", "email"),
        ({"password": ""}, 400, "invalid", "password"),
        ({"activation_code": 1234567890}, 400, "code_malformed", "activation_code"),
    ],
)
def test_activate_bad_input(pending, body, status, code, field):
    staff, good_code = pending
    if body.get("activation_code") == "ABCD-EFGH-JK" and good_code == "ABCD-EFGH-JK":
        body = {"activation_code": "ABCD-EFGH-JM"}
    payload = {"email": "anna.petrova@example.com", "activation_code": good_code, "password": PASSWORD} | body
    response = post(APIClient(), "/api/v1/auth/activate", payload)
    assert response.status_code == status, response.json()
    assert response.json()["code"] == code and field in response.json()["errors"]
    staff.user.refresh_from_db()
    assert not staff.user.is_active


@pytest.mark.parametrize("missing", ["email", "activation_code", "password"])
def test_activate_missing_fields(pending, missing):
    payload = {"email": "anna.petrova@example.com", "activation_code": pending[1], "password": PASSWORD}
    del payload[missing]
    response = post(APIClient(), "/api/v1/auth/activate", payload)
    assert response.status_code == 400 and missing in response.json()["errors"]


def test_activate_used_expired_and_too_many_tries(pending, erp_position):
    staff, code = pending
    assert activate_api(staff.email, code).status_code == 200
    response = activate_api(staff.email, code)
    assert response.status_code == 410 and response.json()["code"] == "code_used"

    other, issued = staff_create(
        full_name="Boris", email="boris@example.com", phone="+79990000001", position=erp_position, create_user=True
    )
    ActivationCode.objects.filter(user=other.user).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = activate_api("boris@example.com", issued.code)
    assert response.status_code == 410 and response.json()["code"] == "code_expired"

    _, fresh, _ = staff_user_issue(staff=other)
    wrong = "ABCD-EFGH-JK" if fresh.code != "ABCD-EFGH-JK" else "ABCD-EFGH-JM"
    codes = [activate_api("boris@example.com", wrong).json()["code"] for _ in range(6)]
    assert codes == ["invalid_code"] * 5 + ["rate_limited"]  # staff-activate-pair; the code lives on


def test_activate_is_limited_per_address(pending):
    _staff, code = pending
    for i in range(30):
        activate_api(f"nobody{i}@example.com", "ABCD-EFGH-JK")
    response = activate_api("anna.petrova@example.com", code)
    assert response.status_code == 429 and response.json()["code"] == "rate_limited"
    assert int(response["Retry-After"]) > 0


# --- Deactivation ---------------------------------------------------------------------------------------------


def test_deactivate_ends_the_users_jwt_and_browser_session(caller, pending):
    staff, code = pending
    pair = activate_api(staff.email, code).json()
    person_api = APIClient()
    person_api.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
    browser = Client()
    browser.force_login(User.objects.get(pk=staff.user_id))
    assert person_api.get("/api/v1/positions").status_code == 403  # signed in, just not a manager
    assert browser.get("/activate/").wsgi_request.user.is_authenticated

    response = caller.post(f"/api/v1/staff/{staff.pk}/deactivate")
    assert response.status_code == 200 and response.json()["state"] == "deactivated"

    response = person_api.get("/api/v1/positions")
    assert response.status_code == 401 and response.json()["code"] == "user_inactive"
    assert not browser.get("/activate/").wsgi_request.user.is_authenticated
    refreshed = APIClient()
    new_pair_attempt = post(refreshed, "/api/v1/auth/token/update", {"refresh_token": pair["refresh"]})
    assert new_pair_attempt.status_code in {401, 404}  # 404 until the accounts API exists
    # and the user cannot get back in with a stale refresh token issued before
    from rest_framework_simplejwt.exceptions import TokenError
    from rest_framework_simplejwt.tokens import RefreshToken

    with pytest.raises(TokenError):
        RefreshToken(pair["refresh"]).check_blacklist()


def test_deactivate_without_user_is_409(bot_client, erp_position):
    staff = StaffFactory(position=erp_position)
    response = bot_client.post(f"/api/v1/staff/{staff.pk}/deactivate")
    assert response.status_code == 409 and response.json()["code"] == "no_user"


def test_token_pair_issue_is_reused_for_activation(pending):
    # The pair from activation is the same kind the rest of the API issues.
    staff, code = pending
    body = activate_api(staff.email, code).json()
    reference = token_pair_issue(user=User.objects.get(pk=staff.user_id))
    assert set(body) == set(reference)


def test_positions_are_read_only(bot_client, erp_position):
    response = post(bot_client, "/api/v1/positions", {"name": "Boss", "has_erp_access": True})
    assert response.status_code == 405
    assert Position.objects.count() == 1


def test_phone_is_optional_and_the_reply_has_no_code_without_create_user(bot_client, erp_position):
    payload = new_staff(erp_position)
    del payload["phone"]
    payload["create_user"] = False
    response = post(bot_client, "/api/v1/staff", payload)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["phone"] == "" and "activation_code" not in body
