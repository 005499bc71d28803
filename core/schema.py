"""The OpenAPI schema as a generated client needs it.

Every operation declares every status it can answer, each with the one
shared ``Error`` component (``{detail, code, errors?}``), and lists the codes
it can answer per status (``x-error-codes``, also in the description and in
``docs/api.md``). What a view can answer is worked out from its setup, so a
new endpoint inherits it:

- 400 ``invalid`` when it reads a body or query parameters (``parse_error``
  for malformed JSON, ``invalid_page``/``invalid_page_size`` when paginated);
- 401 when authentication runs; 403 when a permission beyond "signed in"
  applies, or for session CSRF on writes;
- 404 when the path has an id or the list is paginated (a page past the end);
- 406 always (an ``Accept`` the API cannot answer); 415 with a body;
- and what the view declares itself::

      class SignUpView(APIView):
          error_codes = {409: ["username_taken", "email_taken"], 429: ["rate_limited"]}
          # or per method: {"post": {409: [...]}, "get": {...}}

Anonymous operations (``AllowAny`` only) get ``security: []``; operation ids
lose ``@`` (``user_@me_retrieve`` is ``user_me_retrieve``).
"""

from __future__ import annotations

import re
from typing import Any

from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated

ERROR_REF = {"$ref": "#/components/schemas/Error"}

# What every view may answer for a status, whatever it declares.
GENERIC_CODES: dict[int, list[str]] = {
    400: ["invalid", "parse_error", "bad_content_length"],
    401: [
        "not_authenticated",
        "authentication_failed",
        "token_invalid",
        "token_expired",
        "token_revoked",
        "user_inactive",
        "invalid_service_token",
    ],
    403: ["permission_denied"],
    404: ["not_found"],
    405: ["method_not_allowed"],
    406: ["not_acceptable"],
    409: ["conflict"],
    413: ["payload_too_large", "file_too_large"],
    415: ["unsupported_media_type"],
    429: ["rate_limited", "throttled"],
    503: ["service_unavailable", "email_unavailable"],
}
DESCRIPTIONS = {
    400: "Invalid input (`errors` has the messages by field).",
    401: "Authentication is missing, wrong or expired.",
    403: "Not allowed.",
    404: "Not found.",
    405: "Method not allowed.",
    406: "The `Accept` header asks for something other than JSON.",
    409: "Conflicts with the current state.",
    410: "No longer valid.",
    413: "Too large.",
    415: "The body is not `application/json` (or `multipart/form-data` for uploads).",
    429: "Too many requests: see `Retry-After` and the `RateLimit` headers.",
    503: "Temporarily unavailable; try again in a minute.",
}
PAGE_CODES = {
    400: ["invalid_page", "invalid_page_size", "invalid_cursor", "cursor_with_page"],
    404: ["page_not_found"],
}

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Every error reply.",
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, for a person (in their language)."},
        "code": {
            "type": "string",
            "description": "A stable machine-readable code; the codes each operation answers are listed in "
            "its responses (`x-error-codes`) and all of them in `ErrorCode`.",
        },
        "tries_left": {
            "type": "integer",
            "description": "`code_invalid` for an e-mailed code: how many more tries it has.",
        },
        "server_time": {
            "type": "string",
            "format": "date-time",
            "description": "`updated_since_too_old`, `too_many_changes`: sync from this time after reading the "
            "whole list.",
        },
        "errors": {
            "type": "object",
            "description": "Validation only: the messages by field (nested objects for nested fields).",
            "additionalProperties": True,
        },
    },
    "required": ["detail", "code"],
}


# A character Python's str.strip() keeps (its whitespace spelled out: JSON Schema's
# \s is ECMA-262's, which differs), and not NUL, which no text may hold.
VISIBLE = (
    "[^\\u0000\\u0009-\\u000d\\u001c-\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"
)
# Text DRF accepts once trimmed: no NUL anywhere, at least one visible character.
VISIBLE_TEXT = f"^[^\\u0000]*{VISIBLE}[^\\u0000]*$"


class AutoSchema(openapi.AutoSchema):
    def _map_basic_serializer(self, serializer, direction):
        """Honours, on the serializer class: ``schema_required`` (required even
        in a PATCH: the view parses it whole), ``schema_optional`` (read-only
        fields that only some replies carry), ``schema_fields`` (``{field:
        {"maximum": 100}}``: a rule the service checks with its own code, stated
        in the schema too so that a client can check it first) and
        ``schema_extra`` (added to the object, e.g. an ``anyOf``)."""
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "request":
            for field in serializer.fields.values():
                prop = schema.get("properties", {}).get(field.field_name)
                if prop is None or "pattern" in prop or getattr(field, "read_only", False):
                    continue
                if not isinstance(field, serializers.CharField) or prop.get("type") not in (
                    "string",
                    ["string", "null"],
                ):
                    continue
                # DRF refuses NUL in any text; blank once trimmed is refused too:
                # then it needs a visible character.
                trimmed = field.trim_whitespace and not field.allow_blank
                prop["pattern"] = VISIBLE_TEXT if trimmed else "^[^\\u0000]*$"
            for field in serializer.fields.values():
                # A list of texts (a profile's links): each item, likewise.
                prop = schema.get("properties", {}).get(field.field_name)
                child = getattr(field, "child", None)
                if prop is None or not isinstance(child, serializers.CharField) or "items" not in prop:
                    continue
                if prop["items"].get("type") == "string" and "pattern" not in prop["items"]:
                    trimmed = child.trim_whitespace and not child.allow_blank
                    prop["items"]["pattern"] = VISIBLE_TEXT if trimmed else "^[^\\u0000]*$"
        for name, extra in (getattr(serializer, "schema_fields", None) or {}).items():
            prop = schema.get("properties", {}).get(name)
            if prop is not None:
                prop.update(extra)
        required = [r for r in schema.get("required", []) if r not in getattr(serializer, "schema_optional", ())]
        if direction == "request":
            required += [r for r in getattr(serializer, "schema_required", ()) if r not in required]
        if required:
            schema["required"] = sorted(required)
        else:
            schema.pop("required", None)
        schema.update(getattr(serializer, "schema_extra", None) or {})
        return schema

    def _get_request_body(self, direction="request"):
        """A DELETE that reads a body (``DELETE /user/@me`` with the password)
        declares it: ``delete_reads_body = True`` on the view."""
        if self.method == "DELETE" and getattr(self.view, "delete_reads_body", False):
            self.method = "POST"
            try:
                return super()._get_request_body(direction)
            finally:
                self.method = "DELETE"
        return super()._get_request_body(direction)

    def get_operation_id(self) -> str:
        return re.sub(r"_+", "_", re.sub(r"[^A-Za-z0-9_]", "_", super().get_operation_id())).strip("_")

    def _anonymous(self) -> bool:
        permissions = self.view.get_permissions()
        return all(isinstance(p, AllowAny) for p in permissions)

    def get_auth(self):
        if self._anonymous():
            return []
        return [a for a in super().get_auth() if a]

    def _declared(self) -> dict[int, list[str]]:
        declared = getattr(self.view, "error_codes", None) or {}
        out: dict[int, list[str]] = {}
        for key, value in declared.items():
            if isinstance(key, str):
                if key.upper() == self.method:
                    for status, codes in value.items():
                        out.setdefault(int(status), []).extend(codes)
            else:
                out.setdefault(int(key), []).extend(value)
        return out

    def error_statuses(self, operation: dict) -> dict[int, list[str]]:
        statuses: dict[int, list[str]] = {}

        def add(status: int, codes: list[str]) -> None:
            bucket = statuses.setdefault(status, [])
            bucket.extend(c for c in codes if c not in bucket)

        has_body = "requestBody" in operation
        params = operation.get("parameters", [])
        if has_body or any(p.get("in") == "query" for p in params):
            add(400, GENERIC_CODES[400])
        if any(p.get("in") == "query" for p in params):
            add(400, ["repeated_parameter"])  # core.conditional
        auth_runs = bool(self.view.get_authenticators()) and not getattr(self.view, "lazy_authentication", False)
        if not self._anonymous() or auth_runs:
            add(401, GENERIC_CODES[401])
        permissions = self.view.get_permissions()
        if any(not isinstance(p, (AllowAny, IsAuthenticated)) for p in permissions):
            add(403, GENERIC_CODES[403])
        # Session authentication checks CSRF on writes.
        session = any(type(a).__name__ == "SessionAuthentication" for a in self.view.get_authenticators())
        if self.method not in ("GET", "HEAD", "OPTIONS") and auth_runs and session:
            add(403, ["permission_denied", "csrf_failed"])
        if any(p.get("in") == "path" for p in params):
            add(404, GENERIC_CODES[404])
        if self.method == "GET" and self._is_list_view() and getattr(self.view, "pagination_class", None):
            for status, codes in PAGE_CODES.items():
                add(status, codes)
        add(406, GENERIC_CODES[406])
        if has_body:
            add(415, GENERIC_CODES[415])
        for status, codes in self._declared().items():
            add(status, GENERIC_CODES.get(status, []) if status in (429, 503) else [])
            add(status, codes)
        for status, response in operation.get("responses", {}).items():
            if str(status).isdigit() and int(status) >= 400:
                add(int(status), GENERIC_CODES.get(int(status), []))
                # Codes an older declaration names in its description: "`no_user`", "email_taken".
                description = response.get("description", "")
                named = re.findall(r"`([a-z][a-z0-9_]+)`", description)
                add(int(status), named or ([description] if re.fullmatch(r"[a-z][a-z0-9_]+", description) else []))
        return statuses

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        if self._anonymous():
            operation["security"] = []
        responses = operation["responses"]
        for status, codes in sorted(self.error_statuses(operation).items()):
            old = responses.get(str(status), {})
            description = old.get("description") or DESCRIPTIONS.get(status, "Error.")
            if description in ("", "No response body"):
                description = DESCRIPTIONS.get(status, "Error.")
            listed = ", ".join(f"`{c}`" for c in codes)
            # A view's own error shape (the token endpoint's mfa_required with
            # its ticket) comes first: a generated client tries it, then Error.
            own = old.get("content", {}).get("application/json", {}).get("schema")
            schema = {"anyOf": [own, ERROR_REF]} if own and own != ERROR_REF else ERROR_REF
            responses[str(status)] = {
                "description": f"{description} Codes: {listed}." if codes else description,
                "content": {"application/json": {"schema": schema}},
                "x-error-codes": codes,
            }
            if status == 429:
                responses[str(status)]["headers"] = RATE_LIMIT_HEADERS
        sync_serializer = getattr(self.view, "sync_serializer", None)
        if self.method == "GET" and sync_serializer is not None and "200" in responses:
            # core.sync: ?updated_since= answers the changes instead of a page.
            # anyOf, the changes first: a page's count is not required (the
            # cursor mode has none), so the changes also fit the page's shape;
            # clients try the changes (which need deleted and server_time) first.
            changes = self.resolve_serializer(sync_serializer, "response").ref
            media = responses["200"]["content"]["application/json"]
            media["schema"] = {"anyOf": [changes, media["schema"]]}
        if self.method == "GET":
            # core.conditional: every read has an ETag and answers If-None-Match.
            for status, response in responses.items():
                if status == "200":
                    response.setdefault("headers", {}).update(READ_HEADERS)
            responses["304"] = {
                "description": "Not modified: `If-None-Match` matched the `ETag`.",
                "headers": {"ETag": READ_HEADERS["ETag"]},
            }
            for param in operation.get("parameters", []):
                if param.get("in") == "query" and param.get("name") in PAGE_PARAMS:
                    param["schema"] = PAGE_PARAMS[param["name"]]
        filters = getattr(getattr(self.view, "filterset_class", None), "base_filters", {})
        for param in operation.get("parameters", []):
            schema = param.get("schema", {})
            length = getattr(filters.get(param.get("name")), "extra", {}).get("max_length")
            if param.get("in") == "query" and schema.get("type") == "string" and length:
                schema["maxLength"] = length  # a django-filter CharFilter(max_length=...) refuses more
            if param.get("in") == "query" and schema.get("type") == "string" and not schema.keys() & FIXED:
                # Django's form fields and the services refuse NUL in any text.
                schema["pattern"] = "^[^\\u0000]*$"
            if param.get("in") == "query" and schema.get("type") == "number" and param.get("name") == "position":
                param["schema"] = {"type": "integer", "minimum": 1, "maximum": 10**18 - 1}
        responses.update({k: responses.pop(k) for k in sorted(responses)})
        return operation


# A string parameter with one of these already says what it takes.
FIXED = {"enum", "format", "pattern", "$ref"}

READ_HEADERS = {
    "ETag": {"schema": {"type": "string"}, "description": "Send it back as `If-None-Match` to get a 304."},
    "Cache-Control": {"schema": {"type": "string"}, "description": "`private, no-cache`: keep it, but ask again."},
}
PAGE_PARAMS = {
    "page": {"type": "integer", "minimum": 1, "description": "From 1 (also `last`)."},
    "page_size": {"type": "integer", "minimum": 1, "description": "From 1; more than 100 gives 100."},
    "cursor": {"type": "string", "maxLength": 512, "pattern": "^[A-Za-z0-9_-]*$"},
}

RATE_LIMIT_HEADERS = {
    "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds until the window resets."},
    "RateLimit-Policy": {"schema": {"type": "string"}, "description": 'IETF draft: `"name";q=10;w=60`.'},
    "RateLimit": {"schema": {"type": "string"}, "description": 'IETF draft: `"name";r=0;t=42`.'},
}


def operation_error_codes(schema: dict) -> dict[str, dict[str, list[str]]]:
    """``{"POST /api/v1/auth/signup": {"400": [...], ...}}`` from a generated schema."""
    out: dict[str, dict[str, list[str]]] = {}
    for path, item in sorted(schema.get("paths", {}).items()):
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            codes = {
                status: response["x-error-codes"]
                for status, response in operation["responses"].items()
                if "x-error-codes" in response
            }
            out[f"{method.upper()} {path}"] = codes
    return out


def _nullable_to_31(node: Any) -> None:
    """``nullable: true`` (3.0, which DRF's paginators still write) as a 3.1 type."""
    if isinstance(node, dict):
        if node.pop("nullable", False) is True and isinstance(node.get("type"), str):
            node["type"] = [node["type"], "null"]
        for value in node.values():
            _nullable_to_31(value)
    elif isinstance(node, list):
        for value in node:
            _nullable_to_31(value)


def _enum_refs(result: dict) -> None:
    """A query parameter whose values are a component's enum refers to it, so
    that a client has one ``TitleType``, not one per parameter."""
    enums = {
        tuple(sorted(map(str, schema["enum"]))): name
        for name, schema in result.get("components", {}).get("schemas", {}).items()
        if "enum" in schema and "properties" not in schema
    }
    for item in result.get("paths", {}).values():
        for operation in item.values():
            for param in operation.get("parameters", []) if isinstance(operation, dict) else []:
                schema = param.get("schema", {})
                name = enums.get(tuple(sorted(map(str, schema.get("enum", []))))) if "enum" in schema else None
                if name:
                    param["schema"] = {"$ref": f"#/components/schemas/{name}"}


def _same_enums_once(result: dict) -> None:
    """Two enum components with the same values (``Locale`` and the hashed name
    drf-spectacular gives a field whose labels differ) become the one with a
    chosen name: a client has one ``Locale`` type."""
    schemas = result.get("components", {}).get("schemas", {})
    groups: dict[tuple, list[str]] = {}
    for name, schema in schemas.items():
        if "enum" in schema and "properties" not in schema:
            groups.setdefault(tuple(sorted(map(str, schema["enum"]))), []).append(name)
    renamed: dict[str, str] = {}
    for names in groups.values():
        if len(names) > 1:
            keep = min(names, key=lambda n: (n.endswith("Enum"), len(n), n))
            renamed.update({f"#/components/schemas/{n}": f"#/components/schemas/{keep}" for n in names if n != keep})

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("$ref") in renamed:
                node["$ref"] = renamed[node["$ref"]]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    if renamed:
        for ref in renamed:
            schemas.pop(ref.rsplit("/", 1)[-1])
        walk(result)


def _bodies_required(result: dict) -> None:
    """A body with required fields (or one of several) must be sent."""
    schemas = result.get("components", {}).get("schemas", {})
    for item in result.get("paths", {}).values():
        for operation in item.values():
            body = operation.get("requestBody") if isinstance(operation, dict) else None
            if not body:
                continue
            for media in body.get("content", {}).values():
                ref = media.get("schema", {}).get("$ref", "")
                component = schemas.get(ref.rsplit("/", 1)[-1], {})
                if component.get("required") or component.get("anyOf"):
                    body["required"] = True


def postprocess(result: dict, generator, request, public) -> dict:
    """The shared ``Error`` component and ``ErrorCode``, the list of every code."""
    _nullable_to_31(result.get("paths"))
    _nullable_to_31(result.get("components"))
    _same_enums_once(result)
    _enum_refs(result)
    _bodies_required(result)
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    every = sorted({c for op in operation_error_codes(result).values() for codes in op.values() for c in codes})
    schemas["ErrorCode"] = {
        "type": "string",
        "enum": every,
        "description": "Every error code the API answers (each operation lists its own).",
    }
    result["components"]["schemas"] = dict(sorted(schemas.items()))
    return result


# --- The project's authentication classes -----------------------------------------------


class JWTScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.JWTAuthentication"
    name = "jwt"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.SessionAuthentication"
    name = "session"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}


class ServiceTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ServiceTokenAuthentication"
    name = "serviceToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A service token (wlk_...) for the staff bot or the ChatGPT action.",
        }
