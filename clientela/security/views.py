from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from clientela.workspaces.models import Membership, Team

from . import access, role_services
from .audit import audit_log
from .forms import TeamForm


@login_required
def team_list(request):
    """Teams and who is in them; everyone may look, administrators may change them."""
    teams = Team.objects.select_related("parent").prefetch_related("members").order_by("name")
    members = (Membership.objects.filter(workspace=request.workspace, is_active=True)
               .select_related("user").order_by("user__full_name"))
    return render(request, "security/teams.html", {
        "teams": teams, "members": members, "roles": role_services.roles_of_workspace(),
        "can_manage": access.is_admin(request.user)})


@login_required
def team_edit(request, pk=None):
    if not access.is_admin(request.user):
        raise PermissionDenied(_("Only administrators can change teams."))
    team = get_object_or_404(Team, pk=pk) if pk else Team(workspace=request.workspace)
    form = TeamForm(request.POST or None, instance=team)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            creating = form.instance._state.adding
            form.save()
            audit_log(action="team.created" if creating else "team.updated", actor=request.user, target=form.instance,
                      request=request, details={"members": sorted(str(m) for m in form.instance.members.all()),
                                                "parent": str(form.instance.parent or "")})
        messages.success(request, _("Team “%(name)s” saved.") % {"name": form.instance.name})
        return redirect("team_list")
    return render(request, "security/team_form.html", {"form": form, "team": team},
                  status=422 if form.errors else 200)
