"""Exchange a username and password for a new API token (for scripts that cannot use the UI)."""

from __future__ import annotations

from django.contrib.auth import authenticate
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from advisor.accounts import services as account_services
from advisor.api.serializers import StrictSerializer


class SignInLocked(Throttled):
    """A locked-out username asking for a token: the sign-in page's 429 and Retry-After, in JSON."""

    extra_detail_singular = extra_detail_plural = "Try again in {wait} seconds, or from your usual address."

    def __init__(self, wait: int | None):
        super().__init__(
            wait=wait,
            detail="Too many wrong passwords: signing in with this username "
            "from this address is locked for now.",
        )


def _locked_out(request) -> bool:
    # django-axes flags the request it was given, here DRF's; its middleware only looks at
    # Django's, so for the API nobody answered the lock and it read as a wrong password.
    return bool(getattr(request, "axes_locked_out", False))


def _cool_off_s(request) -> int | None:
    from axes.helpers import get_cool_off

    cool_off = get_cool_off(request)
    return int(cool_off.total_seconds()) if cool_off else None


class TokenObtainSerializer(StrictSerializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    name = serializers.CharField(
        required=False,
        max_length=100,
        default="auth/token",
        help_text="A label for the token, shown in the UI's token list.",
    )


class TokenIssuedSerializer(serializers.Serializer):
    token = serializers.CharField(
        help_text="Send as `Authorization: Bearer <token>`. Shown once: only its digest is stored."
    )
    prefix = serializers.CharField(help_text="Identifies the token in the UI's token list.")


class TokenObtainApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Issue a new API token for a username and password",
        description="Each call creates a new token; list and revoke them under Account → API tokens.",
        request=TokenObtainSerializer,
        auth=[],
        responses={
            200: TokenIssuedSerializer,
            400: OpenApiResponse(description="Wrong username or password."),
            429: OpenApiResponse(
                description="Too many wrong passwords for this "
                "username from this address: locked "
                "until Retry-After."
            ),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = TokenObtainSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = authenticate(request=request, username=data["username"], password=data["password"])
        if user is None and _locked_out(request):
            raise SignInLocked(wait=_cool_off_s(request))
        if user is None:
            raise ValidationError({"non_field_errors": ["Unable to log in with those credentials."]})
        api_token, plain = account_services.api_token_create(user=user, name=data["name"])
        return Response(TokenIssuedSerializer({"token": plain, "prefix": api_token.prefix}).data)
