"""OpenAPI descriptions of the project's authenticators (drf-spectacular extensions)."""

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object


class JWTScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.JWTAuthentication"
    name = "jwt"

    def get_security_definition(self, auto_schema):
        scheme = build_bearer_security_scheme_object(
            header_name="AUTHORIZATION", token_prefix="Bearer", bearer_format="JWT"
        )
        scheme["description"] = "Access token from POST /api/v1/auth/token (15 minutes; refresh at /auth/token/update)."
        return scheme


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.SessionAuthentication"
    name = "session"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": "The browser session; unsafe methods also need the X-CSRFToken header.",
        }


class ServiceTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ServiceTokenAuthentication"
    name = "serviceToken"

    def get_security_definition(self, auto_schema):
        scheme = build_bearer_security_scheme_object(header_name="AUTHORIZATION", token_prefix="Bearer")
        scheme["description"] = (
            "A service token (wlk_...) for machine clients, created with manage.py create_service_token."
        )
        return scheme
