"""The user's API tokens: list, create (the plain token shown once), revoke."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from advisor import selectors, services
from advisor.forms import ApiTokenForm


@never_cache  # the POST response carries the plain token: no cache may keep it
@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    new_token = plain = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            # Rendered into this response only: not in the session, the URL or a
            # message, so a reload or a later visit cannot show it again.
            new_token, plain = services.api_token_create(user=request.user,
                                                         name=form.cleaned_data["name"])
            form = ApiTokenForm()
        else:
            status = 400
    return render(request, "advisor/api_tokens.html", {
        "form": form, "new_token": new_token, "plain_token": plain,
        "tokens": selectors.api_token_list_for_user(user=request.user),
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def api_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    if request.method == "POST":
        api_token = services.api_token_revoke(user=request.user, token_id=token_id)
        messages.success(request, f"Token “{api_token.name}” (pa_{api_token.prefix}…) revoked.")
        return redirect("api-tokens")
    api_token = selectors.api_token_get_for_user(user=request.user, token_id=token_id)
    return render(request, "advisor/api_token_revoke.html", {"api_token": api_token})
