"""Requests as the views see them, for the type checker.

django-stubs and djangorestframework-stubs type ``request.user`` as ``User | AnonymousUser``;
behind ``login_required`` (pages) or DRF's default ``IsAuthenticated`` (the API) it is always
a signed-in ``User``, which is what services and selectors want. These subclasses say so, as
django-stubs' README and django-htmx's docs suggest: they exist only in annotations, nothing
builds them, so they change nothing at run time. Annotate only views behind those guards.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails
from rest_framework.request import Request


class AuthenticatedHttpRequest(HttpRequest):
    """A page's request behind ``login_required``; django-htmx's middleware has set ``htmx``."""

    user: User
    htmx: HtmxDetails


class AuthenticatedRequest(Request):
    """An API view's request behind ``IsAuthenticated``."""

    user: User
