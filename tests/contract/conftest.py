"""A client generated from the schema as served, and a strict check of every
answer against that schema."""

from __future__ import annotations

import copy
import importlib
import json
import pkgutil
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from openapi_schema_validator import OAS31Validator

GENERATOR = Path(sys.executable).parent / "openapi-python-client"
PACKAGE = "walks_client"


@pytest.fixture(autouse=True)
def _wsgi_keeps_the_connection():
    # Django's handler closes "old" connections around each request; the test
    # client switches that off the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def served_schema() -> dict:
    from django.test import Client

    response = Client().get("/api/v1/schema", {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


def generate(schema: dict, where: Path):
    """The client openapi-python-client makes of ``schema``, every module imported."""
    (where / "schema.json").write_text(json.dumps(schema))
    (where / "config.yaml").write_text("post_hooks: []\n")
    subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(where / "schema.json"),
            "--meta",
            "none",
            "--output-path",
            str(where / PACKAGE),
            "--config",
            str(where / "config.yaml"),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    sys.path.insert(0, str(where))
    try:
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]
        package = importlib.import_module(PACKAGE)
        modules = [importlib.import_module(m.name) for m in pkgutil.walk_packages(package.__path__, PACKAGE + ".")]
    finally:
        sys.path.remove(str(where))
    return package, modules


def _closed(node: Any) -> Any:
    """Objects with declared properties admit no others: an answer carries
    exactly what the schema says, not more."""
    if isinstance(node, dict):
        node = {k: _closed(v) for k, v in node.items()}
        if node.get("type") == "object" and "properties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        return node
    if isinstance(node, list):
        return [_closed(v) for v in node]
    return node


class StrictChecker:
    """Validates each answer against the operation's response schema (OpenAPI
    3.1, formats checked, no undeclared properties); records what it saw."""

    def __init__(self, schema: dict) -> None:
        self.schema = schema
        self.components = _closed(copy.deepcopy(schema.get("components", {})))
        self.routes = []
        for path, item in schema["paths"].items():
            regex = "^" + re.sub(r"\{[^}]+\}", r"[0-9]+", re.escape(path).replace(r"\{", "{").replace(r"\}", "}")) + "$"
            self.routes.append((re.compile(regex), path, item))
        self.seen: list[tuple[str, str, int]] = []

    def operation(self, method: str, path: str) -> tuple[str, dict]:
        for regex, template, item in self.routes:
            if regex.match(path) and method.lower() in item:
                return template, item[method.lower()]
        raise AssertionError(f"{method} {path} is not in the schema")

    def __call__(self, response: httpx.Response) -> None:
        response.read()
        method, path = response.request.method, response.request.url.path
        template, operation = self.operation(method, path)
        status = str(response.status_code)
        assert status in operation["responses"], f"{method} {template}: undocumented {status}"
        self.seen.append((method, template, response.status_code))
        content = operation["responses"][status].get("content")
        if not content:
            assert not response.content, f"{method} {template} {status}: a body the schema does not declare"
            return
        assert response.headers["content-type"].startswith("application/json")
        body = response.json()
        schema = {**_closed(copy.deepcopy(content["application/json"]["schema"])), "components": self.components}
        OAS31Validator(schema, format_checker=OAS31Validator.FORMAT_CHECKER).validate(body)
        if response.status_code >= 400:
            codes = operation["responses"][status].get("x-error-codes", [])
            assert body["code"] in codes, f"{method} {template} {status}: code {body['code']} is not listed"
