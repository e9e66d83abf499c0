"""Exchange a username and password for a new API token (for scripts that cannot use the UI)."""
from __future__ import annotations

from django.contrib.auth import authenticate
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from advisor import services


class TokenObtainSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    name = serializers.CharField(required=False, max_length=100, default="auth/token",
                                 help_text="A label for the token, shown in the UI's token list.")


class TokenIssuedSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Bearer <token>`. Shown once: "
                                            "only its digest is stored.")
    prefix = serializers.CharField(help_text="Identifies the token in the UI's token list.")


class TokenObtainApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(summary="Issue a new API token for a username and password",
                   description="Each call creates a new token; list and revoke them under "
                               "Account → API tokens.",
                   request=TokenObtainSerializer, auth=[],
                   responses={200: TokenIssuedSerializer,
                              400: OpenApiResponse(description="Wrong username or password.")})
    def post(self, request: Request) -> Response:
        serializer = TokenObtainSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = authenticate(request=request, username=data["username"], password=data["password"])
        if user is None:
            raise ValidationError({"non_field_errors": ["Unable to log in with those credentials."]})
        api_token, plain = services.api_token_create(user=user, name=data["name"])
        return Response(TokenIssuedSerializer({"token": plain, "prefix": api_token.prefix}).data)
