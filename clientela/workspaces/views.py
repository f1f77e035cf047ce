from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services
from .forms import ProfileForm
from .selectors import workspaces_of


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile was saved."))
        response = redirect("profile")
        if form.cleaned_data["language"]:
            from django.conf import settings

            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, form.cleaned_data["language"], samesite="Lax")
        return response
    return render(request, "workspaces/profile.html", {"form": form}, status=422 if form.errors else 200)


@require_POST
@login_required
def workspace_switch(request):
    workspace = workspaces_of(request.user).filter(pk=request.POST.get("workspace") or 0).first()
    if workspace is None:
        raise Http404
    services.workspace_switch(request=request, workspace=workspace)
    messages.success(request, _("You are now working in “%(name)s”.") % {"name": workspace.name})
    return redirect("home")


@login_required
def home(request):
    if request.workspace is None:
        return render(request, "workspaces/no_workspace.html", status=403)
    return redirect("record_list", entity="contacts")
