"""The OpenAPI 3.1 document for the ChatGPT action.

Written by hand rather than generated: the action editor wants one small,
self-contained document whose descriptions are instructions to the model, with
only the call the model may make (load and save belong to the page, not to
ChatGPT). Keep each operation description under 300 characters, the limit the
GPT editor enforces.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse

from accounts.models import PIN_MAX, PIN_MIN

from .models import TOKEN_LIFETIME

OPERATION_ID = "requestProfileEditLink"


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def chatgpt_action_document() -> dict[str, Any]:
    minutes = int(TOKEN_LIFETIME.total_seconds() // 60)
    init_path = reverse("gptprofile-api:init")
    privacy_url = f"{settings.SITE_URL}{reverse('gptprofile:privacy')}"
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Walks profile editing",
            "description": (
                "Lets a Walks user change their language or password: the action e-mails the user a "
                "single-use link to a page where they make the change themselves. "
                f"Privacy policy: {privacy_url}"
            ),
            "version": "1.0.0",
        },
        "servers": [{"url": settings.SITE_URL, "description": "Walks"}],
        "security": [{"bearerAuth": []}],
        "paths": {
            init_path: {
                "post": {
                    "operationId": OPERATION_ID,
                    "summary": "E-mail the user a link to edit their Walks profile",
                    "description": (
                        "Call when the user wants to change their Walks language or password. Ask for the "
                        "e-mail they registered with (preferred) or their 6-digit PIN. The user then edits the "
                        "profile on the linked page; never ask for the password in chat."
                    ),
                    "x-openai-isConsequential": True,
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/InitRequest"}}},
                    },
                    "responses": {
                        "200": {
                            "description": (
                                f"The link was e-mailed. Tell the user to open it within {minutes} minutes."
                            ),
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/LinkSent"}}},
                        },
                        "400": _error(
                            "Neither identifier was given, or one is malformed (code identifier_required or "
                            "invalid). Ask the user again and retry."
                        ),
                        "401": _error(
                            "The action's service token is missing or wrong: tell the user the action is misconfigured."
                        ),
                        "403": _error(
                            "The service token lacks the gpt scope: tell the user the action is misconfigured."
                        ),
                        "404": _error(
                            "code user_not_found: no active account has this e-mail or PIN. Ask the user to "
                            "check it (the PIN is on their Walks settings page) and retry."
                        ),
                        "429": _error(
                            "Too many links were asked for. Tell the user to use the last e-mail or to try "
                            "again later (Retry-After header, in seconds)."
                        ),
                    },
                }
            }
        },
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A Walks service token with the gpt scope (starts with wlk_).",
                }
            },
            "schemas": {
                "InitRequest": {
                    "type": "object",
                    "description": "Give email, pin or both; when both are given the e-mail is used.",
                    "properties": {
                        "email": {
                            "type": "string",
                            "format": "email",
                            "maxLength": 254,
                            "description": "The e-mail address the user registered with Walks. Preferred.",
                        },
                        "pin": {
                            "type": "integer",
                            "minimum": PIN_MIN,
                            "maximum": PIN_MAX,
                            "description": (
                                "The user's public 6-digit Walks PIN, as a number (not a string). Use it when "
                                "the user would rather not give an e-mail address."
                            ),
                        },
                    },
                    "additionalProperties": False,
                },
                "LinkSent": {
                    "type": "object",
                    "required": ["status", "message", "expires_in_minutes"],
                    "properties": {
                        "status": {"type": "string", "enum": ["sent"]},
                        "message": {"type": "string", "description": "A sentence to relay to the user."},
                        "expires_in_minutes": {"type": "integer", "description": "How long the link works."},
                    },
                },
                "Error": {
                    "type": "object",
                    "required": ["detail", "code"],
                    "properties": {
                        "detail": {"type": "string", "description": "What went wrong and what to do next."},
                        "code": {"type": "string", "description": "A stable machine-readable code."},
                    },
                },
            },
        },
    }
