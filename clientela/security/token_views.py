"""API tokens in the web UI: everyone manages their own; administrators also see and revoke everyone's.

A new token's secret is put in the response that creates it and nowhere else (not the session, not a
redirect), and that response is never cached: once the page is left, the secret is gone for good.
"""

from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from clientela.common.forms import name_fields_in_messages

from . import access
from .models import ApiToken
from .tokens import token_create, token_revoke, tokens_of, tokens_of_others

READ_ONLY, READ_WRITE = "read", "write"


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=80,
                           help_text=gettext_lazy("What the token is for, e.g. “Accounting sync”."))
    scope = forms.ChoiceField(label=gettext_lazy("Access"), initial=READ_ONLY, widget=forms.RadioSelect,
                              choices=[(READ_ONLY, gettext_lazy("Read only")),
                                       (READ_WRITE, gettext_lazy("Read and write"))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        name_fields_in_messages(self)


def workspace_page(view):
    """Logged in, with a workspace, and never stored by a browser or proxy cache."""

    @never_cache
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.workspace is None:
            return render(request, "workspaces/no_workspace.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _revocable(request, pk) -> ApiToken:
    """One of the user's tokens — any of the workspace's for an administrator; 404 otherwise."""
    tokens = ApiToken.objects.all() if access.is_admin(request.user) else tokens_of(request.user)
    token = tokens.select_related("user").filter(pk=pk).first()
    if token is None:
        raise Http404
    return token


@workspace_page
def token_list(request):
    """The user's tokens and a form for a new one; after creating, the secret is shown this once."""
    form = TokenForm(request.POST or None)
    created = secret = None
    if request.method == "POST" and form.is_valid():
        created, secret = token_create(user=request.user, workspace=request.workspace,
                                       name=form.cleaned_data["name"],
                                       read_only=form.cleaned_data["scope"] == READ_ONLY, request=request)
        form = TokenForm()
    is_admin = access.is_admin(request.user)
    context = {
        "form": form,
        "created": created,
        "secret": secret,
        "tokens": tokens_of(request.user),
        "others": tokens_of_others(request.user) if is_admin else None,
    }
    status = 422 if form.errors else 201 if created else 200
    return render(request, "security/tokens/list.html", context, status=status)


@workspace_page
def token_revoke_page(request, pk):
    """A confirmation page; the POST revokes."""
    token = _revocable(request, pk)
    if request.method == "POST":
        token_revoke(token=token, by=request.user, request=request)
        messages.success(request, _("Token “%(name)s” revoked. Programs using it can no longer connect.")
                         % {"name": token.name})
        return redirect("token_list")
    return render(request, "security/tokens/confirm_revoke.html", {"token": token})
