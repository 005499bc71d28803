"""The project's own OpenAPI schema, read once per test process, and small
helpers to walk it: operations, request bodies, plausible example values."""

from __future__ import annotations

import copy
from typing import Any

import schemathesis

from config.wsgi import application

# Served by the project (drf-spectacular) at /api/v1/schema, read through WSGI.
SCHEMA = schemathesis.openapi.from_wsgi("/api/v1/schema?format=json", application)
RAW: dict[str, Any] = SCHEMA.raw_schema
WRITE_METHODS = ("post", "put", "patch")


def resolve(node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = RAW
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def operations() -> list[tuple[str, str, dict]]:
    out = []
    for path, item in sorted(RAW.get("paths", {}).items()):
        for method, operation in sorted(item.items()):
            if method in ("get", "post", "put", "patch", "delete"):
                out.append((method.upper(), path, operation))
    return out


def op_id(method: str, path: str) -> str:
    return f"{method} {path}"


def body_schema(operation: dict, media: str = "application/json") -> dict | None:
    content = operation.get("requestBody", {}).get("content", {})
    if media not in content:
        return None
    return resolve(content[media].get("schema", {}))


def writing_operations() -> list[tuple[str, str, dict]]:
    return [op for op in operations() if op[0].lower() in WRITE_METHODS and op[2].get("requestBody")]


def json_operations() -> list[tuple[str, str, dict]]:
    return [op for op in writing_operations() if body_schema(op[2]) is not None]


def multipart_operations() -> list[tuple[str, str, dict]]:
    return [op for op in writing_operations() if body_schema(op[2], "multipart/form-data") is not None]


def query_parameters(operation: dict) -> list[dict]:
    return [resolve(p) for p in operation.get("parameters", []) if resolve(p).get("in") == "query"]


def _merge(schema: dict) -> dict:
    schema = resolve(schema)
    if "allOf" in schema:
        merged: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
        for part in schema["allOf"]:
            part = _merge(part)
            merged["properties"].update(part.get("properties", {}))
            merged["required"] += part.get("required", [])
            for key in ("type", "enum", "format", "minimum", "maximum", "maxLength", "minLength"):
                if key in part:
                    merged[key] = part[key]
        return merged
    for key in ("oneOf", "anyOf"):
        if key in schema:
            options = [resolve(o) for o in schema[key] if resolve(o).get("type") != "null"]
            if options:
                return _merge(options[0])
    return schema


def string_fields(schema: dict | None) -> list[str]:
    """Top-level properties that take free text (not enums, files or formats like e-mail)."""
    if not schema:
        return []
    schema = _merge(schema)
    out = []
    for name, prop in schema.get("properties", {}).items():
        prop = _merge(prop)
        if prop.get("readOnly"):
            continue
        if prop.get("type") == "string" and "enum" not in prop and prop.get("format") not in ("binary", "uri"):
            out.append(name)
    return out


def example(schema: dict, name: str, ids: dict[str, int]) -> Any:
    """A plausible value, so that one hostile field is all that is wrong with a body."""
    schema = _merge(schema)
    if "enum" in schema:
        values = [v for v in schema["enum"] if v not in (None, "")]
        return values[0] if values else None
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {
            key: example(prop, key, ids)
            for key, prop in schema.get("properties", {}).items()
            if not _merge(prop).get("readOnly")
        }
    if kind == "array":
        item = example(schema.get("items", {}), name, ids)
        return [item] if schema.get("minItems") else []
    if kind == "integer":
        if name.endswith("_id") or name in ("position", "title"):
            resource = {"title_id": "titles", "title": "titles", "position": "positions"}.get(name, name[:-3] + "s")
            return ids.get(resource, 1)
        if name == "rating":
            return 50
        if name == "release_year":
            return 2001
        return max(1, int(schema.get("minimum", 1)))
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return False
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "email" or "email" in name:
            return "someone.else@example.com"
        if fmt == "date-time":
            return "2030-01-01T00:00:00Z"
        if fmt == "date":
            return "2030-01-01"
        if fmt == "uuid":
            return "00000000-0000-4000-8000-000000000000"
        if fmt == "uri" or name in ("url", "link"):
            return "https://example.com/"
        if "password" in name or "passphrase" in name:
            return "a-Sturdy-passphrase-41"
        if name == "phone":
            return "+79991234567"
        if "code" in name:
            return "123456"
        text = "Fuzz text"
        return text[: schema.get("maxLength", len(text))] or "x"
    return None


def sample_body(operation: dict, ids: dict[str, int]) -> dict:
    schema = body_schema(operation)
    body = example(schema, "", ids) if schema else {}
    return copy.deepcopy(body) if isinstance(body, dict) else {}


def fill_path(path: str, world) -> str:
    real = world.id_for(path)
    out = path
    while "{" in out:
        start, end = out.index("{"), out.index("}")
        out = out[:start] + str(real if real is not None else 1) + out[end + 1 :]
    return out
