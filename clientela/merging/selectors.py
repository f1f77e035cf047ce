"""Reads: the workspace's threshold, the finder's groups (cached a few minutes per user), merges."""

import hashlib

from django.core.cache import cache
from django.utils import timezone

from clientela.security import access
from clientela.workspaces.scoping import current_workspace

from .finder import Group, find_duplicates
from .models import DEFAULT_NAME_THRESHOLD, DuplicateSettings, Merge

CACHE_SECONDS = 600


def name_threshold() -> int:
    row = DuplicateSettings.objects.first()
    return row.name_threshold if row else DEFAULT_NAME_THRESHOLD


def _cache_key(user, entity) -> str:
    hidden = hashlib.sha1(",".join(sorted(entity.hidden)).encode(), usedforsecurity=False).hexdigest()[:12]
    return f"merging:dups:{current_workspace().pk}:{entity.key}:{user.pk}:{name_threshold()}:{hidden}"


def duplicate_groups(user, entity, *, refresh: bool = False) -> tuple[list[Group], str]:
    """The finder's groups and when they were computed. Cached per user, entity, threshold and the
    fields the user may see, so paging does not search again; pages re-check each record's visibility."""
    key = _cache_key(user, entity)
    cached = None if refresh else cache.get(key)
    if cached is None:
        groups = find_duplicates(user, entity, name_threshold())
        cached = {"at": timezone.now().isoformat(), "groups": [g.as_json() for g in groups]}
        cache.set(key, cached, CACHE_SECONDS)
    return [Group.from_json(g) for g in cached["groups"]], cached["at"]


def forget_duplicate_groups(user, entity) -> None:
    """After a merge the user's next look at the finder searches again."""
    cache.delete(_cache_key(user, entity))


def merges_for(user):
    """Merges the user made; administrators see everyone's."""
    merges = Merge.objects.select_related("by", "undone_by")
    if not access.is_admin(user):
        merges = merges.filter(by=user)
    keys = merges.order_by().values_list("entity", flat=True).distinct()
    return merges.filter(entity__in=[key for key in keys if access.can(user, "view", key)])
