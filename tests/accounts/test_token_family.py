"""Refresh-token families: reuse of a rotated refresh token revokes its whole
family, and signing out ends the access token too (issue 12, "Also")."""

from __future__ import annotations

from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.services import token_pair_issue
from tests.factories import DEFAULT_PASSWORD

API = "/api/v1"


def post(path, data):
    return APIClient().post(API + path, data, format="json")


def me(access):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client.get(API + "/user/@me")


def sign_in(user):
    response = post("/auth/token", {"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 200
    return response.json()


def rotate(refresh):
    return post("/auth/token/update", {"refresh_token": refresh})


def test_reusing_a_rotated_refresh_token_revokes_the_family(user):
    stolen = sign_in(user)
    legit = rotate(stolen["refresh"]).json()  # the app rotates; the thief kept the old one
    assert rotate(stolen["refresh"]).status_code == 401  # reuse detected
    # Every token of that family is dead: the latest refresh token and its access token.
    response = rotate(legit["refresh"])
    assert response.status_code == 401 and response.json()["code"] == "token_invalid"
    response = me(legit["access"])
    assert response.status_code == 401 and response.json()["code"] == "token_revoked"


def test_reuse_spares_the_other_families_of_the_user(user):
    phone = sign_in(user)
    laptop = sign_in(user)
    rotate(phone["refresh"])
    rotate(phone["refresh"])  # reuse in the phone's family
    assert me(laptop["access"]).status_code == 200
    assert rotate(laptop["refresh"]).status_code == 200


def test_the_family_survives_rotation(user):
    pair = sign_in(user)
    family = RefreshToken(pair["refresh"])["fam"]
    for _ in range(3):
        pair = rotate(pair["refresh"]).json()
        assert RefreshToken(pair["refresh"])["fam"] == family
    assert me(pair["access"]).status_code == 200


def test_logout_ends_the_access_token_at_once(user):
    pair = sign_in(user)
    assert me(pair["access"]).status_code == 200
    assert post("/auth/logout", {"refresh_token": pair["refresh"]}).status_code == 204
    response = me(pair["access"])
    assert response.status_code == 401 and response.json()["code"] == "token_revoked"
    other = sign_in(user)  # signing out one device leaves the others
    assert me(other["access"]).status_code == 200


def test_a_token_without_a_family_reused_revokes_every_refresh_token_of_the_user(user):
    legacy = RefreshToken.for_user(user)  # minted before families existed
    other = token_pair_issue(user=user)
    assert rotate(str(legacy)).status_code == 200
    assert rotate(str(legacy)).status_code == 401
    assert rotate(other["refresh"]).status_code == 401
