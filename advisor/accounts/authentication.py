"""Bearer-token authentication for the API, with the scheme documented in OpenAPI.

Listed first in ``DEFAULT_AUTHENTICATION_CLASSES``, so DRF takes its
``WWW-Authenticate`` header from here and answers an unauthenticated call with
401 rather than 403. A request with no token falls through to the session
(the browser's own calls); a request with a bad one is refused outright.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from advisor.accounts import selectors as account_selectors
from advisor.accounts import services as account_services

# "Token" is what clients of DRF's authtoken sent before; still understood.
_KEYWORDS = (b"bearer", b"token")


class ApiTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in _KEYWORDS:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed("Malformed Authorization header: send 'Bearer <token>'.")
        try:
            plain = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed("Malformed token: it should contain only ASCII characters.")
        api_token = account_selectors.api_token_get_by_plain(token=plain)
        if api_token is None:
            raise AuthenticationFailed("Invalid token.")
        if api_token.revoked_at is not None:
            raise AuthenticationFailed("This token was revoked. Create a new one under API tokens.")
        if not api_token.user.is_active:
            raise AuthenticationFailed("The token's user is inactive.")
        account_services.api_token_mark_used(api_token=api_token)
        return api_token.user, api_token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "advisor.accounts.authentication.ApiTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token from Account → API tokens, or from POST /api/v1/auth/token/: "
            "`Authorization: Bearer pa_…` (`Token pa_…` is accepted too).",
        }
