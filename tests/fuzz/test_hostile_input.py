"""Hostile input, aimed on purpose at every operation of the OpenAPI schema.

- huge bodies get 413 before anything reads them;
- bodies in a content type the API does not speak get 415;
- NUL bytes, lone surrogates and other unusual Unicode in every free-text
  field of every writing operation (and every text query parameter) get a 4xx
  or are accepted, never a 500 (PostgreSQL refuses NUL in text and jsonb);
- absurd pagination parameters get a 4xx or a bounded page, never a 500.

The operations come from the schema when the tests run, so every endpoint
the project has is covered without being listed here. Each operation is
called as the caller most likely to get past its permission checks (the
owner of the rows, an admin, or a machine token), so that the body is read.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from django.urls import NoReverseMatch, reverse

from .openapi import (
    body_schema,
    fill_path,
    json_operations,
    multipart_operations,
    op_id,
    operations,
    query_parameters,
    sample_body,
    string_fields,
)

REFUSED = (401, 403, 404, 405)

HOSTILE_TEXT = {
    "nul inside": "Fuzz\x00text",
    "only nul": "\x00",
    "lone surrogate": "\ud800",
    "unicode": "Ünïcødé ✓ 🚶‍♀️ 漢字 עברית ﷽ e\u0301",
    "bidi override": "\u202eevil\u202c",
    "zero width": "a\u200b\u200db\ufeff",
    "control chars": "a\x01\x1b[31mb\x7f",
}


def _call(client, method: str, path: str, headers: dict[str, str], *, body: bytes | str = b"", content_type: str = ""):
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    return client.generic(method, path, data=body, content_type=content_type, **extra)


def _callers(world) -> list[dict[str, str]]:
    return [world.headers, world.admin_headers, world.machine_headers]


def _first_reaching(client, world, method, path, *, body, content_type):
    """Call as each caller in turn; return the first answer that is not a refusal."""
    response = None
    for headers in _callers(world):
        response = _call(client, method, path, headers, body=body, content_type=content_type)
        if response.status_code not in REFUSED:
            return response, headers
    return response, world.headers


def _query(params: dict[str, str]) -> str:
    """A query string as a client would send it: UTF-8, percent-encoded; a lone
    surrogate goes out as the (invalid) bytes ED A0 80."""
    return "&".join(f"{quote(k)}={quote(v.encode('utf-8', 'surrogatepass'))}" for k, v in params.items())


def _json(value) -> str:
    # ensure_ascii keeps a lone surrogate as the escape "\ud800": valid JSON
    # that decodes to a string PostgreSQL cannot store.
    return json.dumps(value, ensure_ascii=True)


def _summary(response) -> str:
    content = response.content[:300].decode(errors="replace")
    return f"{response.status_code} {content}"


# --- 413 --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"), [(m, p) for m, p, _ in json_operations()], ids=[op_id(m, p) for m, p, _ in json_operations()]
)
def test_huge_json_body_is_413(client, world, method, path):
    body = _json({"text": "x" * (1024 * 1024 + 10)})
    response = _call(
        client, method, fill_path(path, world), world.admin_headers, body=body, content_type="application/json"
    )
    assert response.status_code == 413, _summary(response)
    assert response.json()["code"] == "payload_too_large"


@pytest.mark.parametrize(
    ("method", "path"),
    [(m, p) for m, p, _ in multipart_operations()],
    ids=[op_id(m, p) for m, p, _ in multipart_operations()],
)
def test_huge_upload_is_413(client, world, method, path, settings):
    boundary = "fuzzboundary"
    # A few doors take larger files (settings.LARGE_UPLOAD_PATHS): past their own cap.
    size = max(6 * 1024 * 1024, settings.LARGE_UPLOAD_PATHS.get(path, 0) + 1024 * 1024)
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\n'
        f"Content-Type: image/png\r\n\r\n".encode()
        + b"\x89PNG"
        + b"\x00" * size
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = _call(
        client,
        method,
        fill_path(path, world),
        world.admin_headers,
        body=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 413, _summary(response)
    assert response.json()["code"] == "payload_too_large"


# --- 415 --------------------------------------------------------------------------------------------

ALL_WRITES = json_operations() + [op for op in multipart_operations() if op not in json_operations()]


@pytest.mark.parametrize(
    ("method", "path"), [(m, p) for m, p, _ in ALL_WRITES], ids=[op_id(m, p) for m, p, _ in ALL_WRITES]
)
@pytest.mark.parametrize("content_type", ["application/xml", "text/plain; charset=utf-8"])
def test_body_in_an_unknown_content_type_is_415(client, world, method, path, content_type):
    response, _ = _first_reaching(
        client, world, method, fill_path(path, world), body="<title>Fuzz</title>", content_type=content_type
    )
    assert response.status_code < 500, _summary(response)
    if response.status_code in REFUSED + (429,):
        pytest.skip(f"every caller was refused before the body was read: {response.status_code}")
    assert response.status_code == 415, _summary(response)
    assert response.json()["code"] == "unsupported_media_type"


# --- NUL and Unicode ----------------------------------------------------------------------------------------


def _text_targets():
    targets = []
    for method, path, operation in json_operations():
        for field in string_fields(body_schema(operation)):
            targets.append((method, path, field))
    return targets


TEXT_TARGETS = _text_targets()


@pytest.mark.parametrize(
    ("method", "path", "field"), TEXT_TARGETS, ids=[f"{op_id(m, p)} {f}" for m, p, f in TEXT_TARGETS]
)
def test_hostile_text_in_a_body_field_is_never_a_server_error(client, world, method, path, field):
    operation = next(op for m, p, op in json_operations() if (m, p) == (method, path))
    target = fill_path(path, world)
    base = sample_body(operation, world.ids)
    # Find the caller who gets furthest with a plausible body, then vary one field.
    _, headers = _first_reaching(client, world, method, target, body=_json(base), content_type="application/json")
    failures = []
    for label, value in HOSTILE_TEXT.items():
        body = {**base, field: value}
        response = _call(client, method, target, headers, body=_json(body), content_type="application/json")
        if response.status_code >= 500:
            failures.append(f"{label}: {_summary(response)}")
        elif response.status_code >= 400:
            payload = response.json()
            if not {"detail", "code"} <= set(payload):
                failures.append(f"{label}: error without detail/code: {_summary(response)}")
    assert not failures, f"{method} {path} field {field!r}:\n" + "\n".join(failures)


def _query_targets():
    targets = []
    for method, path, operation in operations():
        if method != "GET":
            continue
        for param in query_parameters(operation):
            schema = param.get("schema", {})
            if schema.get("type", "string") == "string" and "enum" not in schema:
                targets.append((path, param["name"], operation))
    return targets


QUERY_TARGETS = _query_targets()


def _required_query(operation) -> dict[str, str]:
    out = {}
    for param in query_parameters(operation):
        if param.get("required"):
            schema = param.get("schema", {})
            out[param["name"]] = (schema.get("enum") or ["game"])[0] if "enum" in schema else "1"
    return out


@pytest.mark.parametrize(
    ("path", "name", "operation"), QUERY_TARGETS, ids=[f"GET {p} ?{n}" for p, n, _ in QUERY_TARGETS]
)
def test_hostile_text_in_a_query_parameter_is_never_a_server_error(client, world, path, name, operation):
    target = fill_path(path, world)
    failures = []
    for label, value in HOSTILE_TEXT.items():
        params = {**_required_query(operation), name: value}
        for headers in _callers(world)[:2]:
            extra = {f"HTTP_{k.upper()}": v for k, v in headers.items()}
            response = client.get(f"{target}?{_query(params)}", **extra)
            if response.status_code >= 500:
                failures.append(f"{label}: {_summary(response)}")
    assert not failures, f"GET {path} ?{name}:\n" + "\n".join(failures)


# --- pagination -------------------------------------------------------------------------------------------------

PAGED = [
    (path, operation)
    for method, path, operation in operations()
    if method == "GET" and {p["name"] for p in query_parameters(operation)} & {"page", "page_size"}
]
ABSURD = [
    ("page", str(10**30)),
    ("page", "-1"),
    ("page", "0"),
    ("page", "last"),
    ("page", "1e3"),
    ("page", "\x00"),
    ("page_size", str(10**9)),
    ("page_size", "-1"),
    ("page_size", "0"),
    ("page_size", "9" * 40),
]


@pytest.mark.parametrize(("path", "operation"), PAGED, ids=[f"GET {p}" for p, _ in PAGED])
def test_absurd_pagination_is_a_4xx_or_a_bounded_page(client, world, path, operation):
    target = fill_path(path, world)
    failures = []
    for name, value in ABSURD:
        response = client.get(
            target, {**_required_query(operation), name: value}, HTTP_AUTHORIZATION=world.admin_headers["Authorization"]
        )
        if response.status_code >= 500:
            failures.append(f"{name}={value[:20]}: {_summary(response)}")
        elif response.status_code == 200:
            results = response.json().get("results", [])
            if len(results) > 100:
                failures.append(f"{name}={value[:20]}: {len(results)} results on one page")
        elif response.status_code >= 400 and "code" not in response.json():
            failures.append(f"{name}={value[:20]}: error without code: {_summary(response)}")
    assert not failures, f"GET {path}:\n" + "\n".join(failures)


HTML_LISTS = [("catalog:titles", {}, {"type": "game"}), ("walks:profile", {"username": "username"}, {})]


@pytest.mark.parametrize(("name", "kwargs", "query"), HTML_LISTS, ids=[n for n, _, _ in HTML_LISTS])
def test_absurd_pages_and_text_on_html_lists_are_never_a_server_error(client, world, name, kwargs, query):
    try:
        path = reverse(name, kwargs={k: world.ids.get(v, 1) for k, v in kwargs.items()})
    except NoReverseMatch:
        pytest.skip(f"{name} does not exist")
    client.force_login(world.user)
    failures = []
    cases = [*ABSURD, *(("search", v) for v in HOSTILE_TEXT.values()), ("type", "\x00"), ("state", "\x00")]
    for param, value in cases:
        response = client.get(f"{path}?{_query({**query, param: value})}")
        if response.status_code >= 500:
            failures.append(f"{param}={value[:20]!r}: {response.status_code}")
    assert not failures, f"{path}:\n" + "\n".join(failures)
