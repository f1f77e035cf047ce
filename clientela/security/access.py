"""The access decision: which entities a user may act on, and which records.

Every path — pages, API, search, export, bulk actions, timeline, attachments — asks here.
Record scope is a queryset filter on `owner`: own, team (own + the user's teams and sub-teams),
or all records of the workspace.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404

from clientela.workspaces.config_cache import remembered
from clientela.workspaces.models import Membership, Team, User, Workspace
from clientela.workspaces.scoping import current_workspace, current_workspace_or_none
from clientela.workspaces.selectors import membership_role_noted

from .roles import ALL, DEFAULT_ROLES, HIDDEN, OWN, READ, SUBORDINATES, TEAM, RoleSpec


def role_for(user: User, workspace: Workspace | None = None) -> RoleSpec | None:
    """The user's role in the workspace (cached on the user object for the request)."""
    if not user or not user.is_authenticated:
        return None
    workspace = workspace or current_workspace()
    cache = user.__dict__.setdefault("_clientela_roles", {})
    key = (workspace.pk, workspace.config_stamp)  # a change made earlier in the request is seen
    if key not in cache:
        cache[key] = _load_role(user, workspace)
    return cache[key]


def _load_role(user: User, workspace: Workspace) -> RoleSpec | None:
    from .models import Role

    key = membership_role_noted(user, workspace.pk)
    if key is None:
        key = (Membership.objects.filter(user=user, workspace=workspace, is_active=True)
               .values_list("role", flat=True).first())
    if key is None:
        return None

    def spec():
        row = Role.unscoped.filter(workspace=workspace, key=key).first()
        return RoleSpec.from_row(row) if row is not None else DEFAULT_ROLES.get(key)

    return remembered(("role", key), spec) if workspace is current_workspace_or_none() else spec()


def can(user: User, verb: str, entity: str) -> bool:
    role = role_for(user)
    return bool(role and role.allows(verb, entity))


def is_admin(user: User) -> bool:
    role = role_for(user)
    return bool(role and role.is_admin)


def require(user: User, verb: str, entity: str) -> None:
    if not can(user, verb, entity):
        raise PermissionDenied


def _teams() -> dict:
    """The workspace's teams: each one's parent, sub-teams and members (two queries per configuration)."""
    parent_of = dict(Team.objects.values_list("id", "parent_id"))
    children: dict = {}
    for team_id, parent_id in parent_of.items():
        children.setdefault(parent_id, []).append(team_id)
    members: dict = {}
    for team_id, user_id in Team.members.through.objects.filter(team_id__in=Team.objects.values("id")).values_list(
            "team_id", "user_id"):
        members.setdefault(team_id, set()).add(user_id)
    return {"parent_of": parent_of, "children": children, "members": members}


def _team_tree(user: User) -> dict[str, set]:
    """The user's teams with their sub-teams ("down") and with their parent teams ("up"), per request."""
    cache = user.__dict__.setdefault("_clientela_teams", {})
    ws = current_workspace()
    key = (ws.pk, ws.config_stamp)
    if key not in cache:
        teams = remembered(("teams",), _teams)
        parent_of, children = teams["parent_of"], teams["children"]
        mine = {team for team, members in teams["members"].items() if user.pk in members}
        down, up = _walk(mine, lambda t: children.get(t, [])), _walk(mine, lambda t: [parent_of.get(t)])
        people = set().union(*(teams["members"].get(t, ()) for t in down))
        cache[key] = {"mine": mine, "down": down, "up": up - {None}, "people_down": people,
                      "people_mine": set().union(*(teams["members"].get(t, ()) for t in mine))}
    return cache[key]


def _walk(start: set, step) -> set:
    seen: set = set()
    frontier = list(start)
    while frontier:
        node = frontier.pop()
        if node is not None and node not in seen:
            seen.add(node)
            frontier.extend(step(node))
    return seen


def teams_of(user: User) -> set:
    """Ids of the teams the user is a member of (not their sub-teams)."""
    return _team_tree(user)["mine"]


def team_user_ids(user: User, with_sub_teams: bool = True) -> set[int]:
    """Ids of the user and everyone in the user's teams (and, by default, their sub-teams)."""
    tree = _team_tree(user)
    return (tree["people_down"] if with_sub_teams else tree["people_mine"]) | {user.pk}


def _scope_filter(user: User, scope: str) -> Q | None:
    if scope == ALL:
        return None
    if scope == OWN:
        return Q(owner_id=user.pk)
    people = team_user_ids(user, with_sub_teams=scope == SUBORDINATES)
    return Q(owner_id__in=people) | Q(owner__isnull=True)


def _shared_filter(user: User, model, entity: str, verb: str) -> Q | None:
    """Records shared with the user, or with a team they are in (directly or through a sub-team)."""
    if verb not in ("view", "export", "edit"):
        return None  # sharing never grants delete, create or import
    from .models import RecordShare, SharingRule

    teams = _team_tree(user)["up"]
    shares = RecordShare.objects.filter(Q(user=user) | Q(team_id__in=teams), entity=entity)
    if verb == "edit":
        shares = shares.filter(can_edit=True)
    condition = Q(pk__in=shares.values("record_id"))
    for team_id, field, value, can_edit in remembered(("sharing rules", entity), lambda: list(
            SharingRule.objects.filter(entity=entity, is_active=True).order_by("created_at")
            .values_list("team_id", "field", "value", "can_edit"))):
        if team_id in teams and (can_edit or verb != "edit"):
            # a subquery, so a rule on a related field never repeats a record
            condition |= Q(pk__in=model._default_manager.filter(**{field: value}).values("pk"))
    return condition


def visible(user: User, queryset: QuerySet, entity: str, verb: str = "view") -> QuerySet:
    """Restrict a queryset to the records the user may `verb`: the role's scope plus what is shared."""
    role = role_for(user)
    if not role or not role.allows(verb, entity):
        return queryset.none()
    rule = role.rule(entity)
    condition = _scope_filter(user, rule.view_scope if verb in ("view", "export") else rule.edit_scope)
    if condition is None:
        return queryset
    shared = _shared_filter(user, queryset.model, entity, verb)
    return queryset.filter(condition if shared is None else condition | shared)


def can_record(user: User, verb: str, entity: str, record) -> bool:
    if owner_in_scope(user, verb, entity, record.owner_id):
        return True
    if not (role := role_for(user)) or not role.allows(verb, entity):
        return False
    shared = _shared_filter(user, type(record), entity, verb)
    return shared is not None and type(record)._default_manager.filter(shared, pk=record.pk).exists()


def owner_in_scope(user: User, verb: str, entity: str, owner_id) -> bool:
    """Whether the role's scope alone lets the user `verb` a record of that owner (sharing aside)."""
    role = role_for(user)
    if not role or not role.allows(verb, entity):
        return False
    rule = role.rule(entity)
    scope = rule.view_scope if verb in ("view", "export") else rule.edit_scope
    if scope == ALL:
        return True
    if scope == OWN:
        return owner_id == user.pk
    if scope in (TEAM, SUBORDINATES):
        return owner_id is None or owner_id in team_user_ids(user, with_sub_teams=scope == SUBORDINATES)
    return False


def get_visible_or_404(user: User, queryset: QuerySet, entity: str, pk):
    """A record the user may see; 404 — not 403 — so its existence is not revealed."""
    try:
        return visible(user, queryset, entity).get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc


def require_record(user: User, verb: str, entity: str, record) -> None:
    if not can_record(user, verb, entity, record):
        raise PermissionDenied


def hidden_fields(user: User, entity: str) -> frozenset[str]:
    """Fields this user's role must never see on the entity — on any page, export, API or history."""
    role = role_for(user)
    if not role:
        return frozenset()
    return frozenset(name for name, access in role.rule(entity).fields.items() if access == HIDDEN)


def read_only_fields(user: User, entity: str) -> frozenset[str]:
    role = role_for(user)
    if not role:
        return frozenset()
    return frozenset(name for name, access in role.rule(entity).fields.items() if access == READ)
