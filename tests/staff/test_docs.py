"""docs/staff-bot.md stays true: every request in it is replayed against
the API and every reply compared, and its Python client runs against a
live server.

Values that differ per run (ids, times, codes, tokens) are matched by
shape; the value the doc shows is then mapped to the real one, so that a
later request using the doc's id or code uses the real one, and the same
doc id must always map to the same real id.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from accounts.service_tokens import service_token_create
from staff.models import Position

DOC = Path(__file__).resolve().parents[2] / "docs" / "staff-bot.md"
SITE = "https://walks.example.com"

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
CODE = re.compile(r"^[A-HJKMNP-TV-Z2-9]{4}-[A-HJKMNP-TV-Z2-9]{4}-[A-HJKMNP-TV-Z2-9]{2}$")
JWT = re.compile(r"^[\w-]+\.[\w-]+\.[\w-]+$")
VOLATILE = {
    "id": lambda v: isinstance(v, int),
    "created_at": lambda v: isinstance(v, str) and ISO.match(v),
    "activation_expires_at": lambda v: v is None or (isinstance(v, str) and ISO.match(v)),
    "activation_code": lambda v: isinstance(v, str) and CODE.match(v),
    "access": lambda v: isinstance(v, str) and JWT.match(v),
    "refresh": lambda v: isinstance(v, str) and JWT.match(v),
    "access_expires_at": lambda v: isinstance(v, int) and v > 1_600_000_000,
}


def blocks(markdown: str, lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```", markdown, flags=re.S | re.M)


def exchanges(markdown: str):
    """(method, path, headers, body) and (status, body) pairs, in order."""
    http = blocks(markdown, "http")
    assert len(http) % 2 == 0, "every request block needs a reply block"
    pairs = []
    for request, reply in zip(http[::2], http[1::2], strict=True):
        head, _, body = request.partition("\n\n")
        first, *header_lines = head.strip().splitlines()
        method, path = first.split()
        headers = dict(line.split(": ", 1) for line in header_lines)
        status_line, _, reply_body = reply.partition("\n\n")
        assert status_line.startswith("HTTP/1.1 "), status_line
        status = int(status_line.split()[1])
        pairs.append(
            (
                (method, path, headers, json.loads(body) if body.strip() else None),
                (status, json.loads(reply_body) if reply_body.strip() else None),
            )
        )
    return pairs


class Replay:
    def __init__(self, secret: str):
        self.secret = secret
        self.real: dict = {}  # a value the doc shows -> the real value

    def substitute(self, value):
        if isinstance(value, dict):
            return {k: self.substitute(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.substitute(v) for v in value]
        if isinstance(value, (int, str)) and not isinstance(value, bool) and (type(value), value) in self.real:
            return self.real[(type(value), value)]
        return value

    def path(self, path: str) -> str:
        route, _, query = path.partition("?")
        parts = [str(self.real.get((int, int(p)), p)) if p.isdigit() else p for p in route.split("/")]
        return "/".join(parts) + (f"?{query}" if query else "")

    def compare(self, documented, actual, where="reply"):
        if isinstance(documented, dict):
            assert isinstance(actual, dict), f"{where}: expected an object, got {actual!r}"
            assert set(documented) == set(actual), (
                f"{where}: keys differ: doc {sorted(documented)}, real {sorted(actual)}"
            )
            for key, value in documented.items():
                if key in VOLATILE and not isinstance(value, (dict, list)):
                    self.volatile(key, value, actual[key], f"{where}.{key}")
                else:
                    self.compare(value, actual[key], f"{where}.{key}")
        elif isinstance(documented, list):
            assert isinstance(actual, list) and len(actual) == len(documented), f"{where}: {actual!r}"
            for i, (doc_item, real_item) in enumerate(zip(documented, actual, strict=True)):
                self.compare(doc_item, real_item, f"{where}[{i}]")
        else:
            assert documented == actual, f"{where}: doc says {documented!r}, the API says {actual!r}"

    def volatile(self, key, documented, actual, where):
        check = VOLATILE[key]
        assert check(documented), f"{where}: the doc's example {documented!r} has the wrong shape"
        assert check(actual), f"{where}: the API's {actual!r} has the wrong shape"
        assert (documented is None) == (actual is None), f"{where}: doc {documented!r}, API {actual!r}"
        if documented is None:
            return
        mapped = self.real.setdefault((type(documented), documented), actual)
        assert mapped == actual, f"{where}: the doc's {documented!r} stood for {mapped!r} before, now {actual!r}"


def test_the_doc_has_the_whole_flow():
    calls = [(m, p) for (m, p, _h, _b), _r in exchanges(DOC.read_text())]
    assert ("GET", "/api/v1/positions") in calls
    assert ("POST", "/api/v1/staff") in calls
    assert ("POST", "/api/v1/staff/42/user") in calls
    assert ("POST", "/api/v1/auth/activate") in calls
    assert ("POST", "/api/v1/staff/42/deactivate") in calls


def test_every_example_in_the_doc_is_what_the_api_answers(db, settings):
    settings.SITE_URL = SITE
    pairs = exchanges(DOC.read_text())
    # The positions the doc's first reply lists exist on the server.
    (_req, (_status, positions)) = pairs[0]
    for position in positions:
        Position.objects.create(name=position["name"], has_erp_access=position["has_erp_access"])
    _token, secret = service_token_create(name="staff-bot", scopes=["staff"])
    replay = Replay(secret)

    for n, ((method, path, headers, body), (status, reply)) in enumerate(pairs, start=1):
        client = APIClient()
        auth = headers.get("Authorization")
        if auth:
            assert auth.startswith("Bearer wlk_"), auth
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        data = json.dumps(replay.substitute(body)) if body is not None else None
        response = getattr(client, method.lower())(replay.path(path), data=data, content_type="application/json")
        where = f"example {n} ({method} {path})"
        assert response.status_code == status, f"{where}: {response.status_code} {response.content[:500]!r}"
        replay.compare(reply, response.json(), where)


@pytest.mark.django_db(transaction=True)
def test_the_python_client_in_the_doc_works(live_server, settings):
    settings.SITE_URL = live_server.url
    courier = Position.objects.create(name="Courier", has_erp_access=False)
    manager = Position.objects.create(name="Store manager", has_erp_access=True)
    _token, secret = service_token_create(name="staff-bot", scopes=["staff"])
    namespace: dict = {}
    for source in blocks(DOC.read_text(), "python"):
        exec(compile(source, str(DOC), "exec"), namespace)
    client = namespace["WalksStaffClient"](live_server.url, secret)
    onboard = namespace["onboard"]

    assert {p["name"] for p in client.positions()} == {"Courier", "Store manager"}
    message = onboard(client, "Anna Petrova", "anna@example.com", "+7 999 123-45-67", manager.pk)
    assert "/activate/" in message and CODE.search(message.split("code ")[1].split(",")[0])
    again = onboard(client, "Anna Petrova", "anna@example.com", "+7 999 123-45-67", manager.pk)
    assert CODE.search(again.split("code ")[1].split(",")[0]) and again != message  # a new code
    assert "no web access" in onboard(client, "Boris", "boris@example.com", "+74951112233", courier.pk)

    with pytest.raises(namespace["WalksError"]) as exc:
        client.register(
            full_name="Boris", email="b2@example.com", phone="+74951112233", position_id=courier.pk, create_user=True
        )
    assert exc.value.status == 403 and exc.value.code == "no_erp_access"
    anna = client.find("ANNA@example.com")
    assert anna["state"] == "pending"
    assert client.deactivate(anna["id"])["state"] == "deactivated"
    assert "already registered (deactivated)" in onboard(
        client, "Anna Petrova", "anna@example.com", "+79991234567", manager.pk
    )
