"""The duplicate finder: likely duplicates among the records a user may see, with a score and the rules.

The rules are the import's (`transfer.duplicates`): the same email, the same phone (E.164), or alike
names (accents and case ignored, `difflib` similarity at or above the workspace's threshold) at the
same company or in the same city; companies also pair on alike names alone. Records are blocked by
key first and only records sharing a block are compared: inside a block, names are compared with
their neighbours in sorted order (a window), so the work grows with the number of records, never
with its square.
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from itertools import combinations

from django.db.models import CharField
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from clientela.security import access
from clientela.transfer.text import comparable_name, fold

EXACT_SCORES = {"email": 95, "phone": 90}
WINDOW = 4  # neighbours each name is compared with in a big bucket, in each of the two sort orders
MAX_BLOCK = 25  # a key shared by more records is a switchboard or an info@ address, not one person
MAX_GROUPS = 5000
PREFILTER = 0.6  # shared-bigram (Dice) share below which two names are not compared further


def rule_label(rule: str) -> str:
    return {"email": _("same email"), "phone": _("same phone"), "name_company": _("similar name, same company"),
            "name_city": _("similar name, same city"), "name": _("similar name")}[rule]


@dataclass
class Group:
    ids: list[str]
    score: int
    rules: set[str] = field(default_factory=set)

    def as_json(self) -> list:
        return [self.ids, self.score, sorted(self.rules)]

    @classmethod
    def from_json(cls, data) -> "Group":
        return cls(ids=list(data[0]), score=int(data[1]), rules=set(data[2]))


def name_fields(entity) -> tuple[str, ...]:
    names = {f.name for f in entity.model._meta.concrete_fields}
    fields = ("first_name", "last_name") if "first_name" in names else ("name",) if "name" in names else ()
    return () if any(f in entity.hidden for f in fields) else fields


def _inline(entity, name):
    """The per-user entity's inline, or None when the entity has none or the user's role hides it."""
    return next((inline for inline in entity.inlines if inline.name == name), None)


class _Pairs:
    def __init__(self, threshold: int):
        self.threshold = threshold / 100
        self.found: dict[tuple[str, str], dict] = {}
        self._matcher = SequenceMatcher(autojunk=False)

    def add(self, a: str, b: str, rule: str, score: int) -> None:
        key = (a, b) if a < b else (b, a)
        entry = self.found.setdefault(key, {"rules": set(), "score": 0})
        entry["rules"].add(rule)
        entry["score"] = max(entry["score"], score)

    def exact_blocks(self, blocks: dict, rule: str) -> None:
        for ids in blocks.values():
            if 2 <= len(ids) <= MAX_BLOCK:
                for a, b in combinations(sorted(ids), 2):
                    self.add(a, b, rule, EXACT_SCORES[rule])

    def name_block(self, members: list[tuple[str, str]], rule: str) -> None:
        """(record id, comparable name) pairs sharing a block: identical names, then alike ones — every pair
        in a small block, sorted neighbours in a big one. Two cheap checks (length, then shared bigrams)
        rule out most pairs before difflib's ratio."""
        by_name: dict[str, list[str]] = defaultdict(list)
        for pk, name in members:
            if name:
                by_name[name].append(pk)
        for ids in by_name.values():
            if 2 <= len(ids) <= MAX_BLOCK:
                for a, b in combinations(sorted(set(ids)), 2):
                    self.add(a, b, rule, 100)
        if len(by_name) < 2:
            return
        threshold, matcher, grams = self.threshold, self._matcher, {}
        for (a, la), (b, lb) in _candidates(list(by_name)):
            if 2 * min(la, lb) < threshold * (la + lb):
                continue
            ga = grams.get(a) or grams.setdefault(a, _bigrams(a))
            gb = grams.get(b) or grams.setdefault(b, _bigrams(b))
            if 2 * len(ga & gb) < PREFILTER * (len(ga) + len(gb)):
                continue
            matcher.set_seqs(a, b)
            if matcher.quick_ratio() < threshold:  # an upper bound of ratio(), much cheaper
                continue
            ratio = matcher.ratio()
            if ratio >= threshold:
                for x in by_name[a][:MAX_BLOCK]:
                    for y in by_name[b][:MAX_BLOCK]:
                        if x != y:
                            self.add(x, y, rule, round(ratio * 100))


def _candidates(names: list[str]):
    """Pairs of names worth comparing: those sharing a word or their first three letters (a typo rarely
    hits every word). A small bucket gives every pair; a big one (a common first name in a big city)
    its sorted neighbours."""
    buckets: dict[str, list] = defaultdict(list)
    for name in names:
        item = (name, len(name))
        for key in {*name.split(), "\0" + name[:3]}:
            buckets[key].append(item)
    seen: set[tuple[str, str]] = set()
    for bucket in buckets.values():
        if len(bucket) < 2:
            continue
        if len(bucket) <= 2 * WINDOW + 1:
            pairs = combinations(bucket, 2)
        else:
            pairs = ((a, b) for order in (sorted(bucket), sorted(bucket, key=lambda n: n[0][::-1]))
                     for i, a in enumerate(order) for b in order[i + 1: i + 1 + WINDOW])
        for a, b in pairs:
            key = (a[0], b[0]) if a[0] < b[0] else (b[0], a[0])
            if key not in seen:
                seen.add(key)
                yield a, b


def _bigrams(text: str) -> frozenset:
    return frozenset(text[i:i + 2] for i in range(len(text) - 1))


def _fold(value: str) -> str:
    """`transfer.text.fold`, with a fast path for plain ASCII (most emails, many names)."""
    return " ".join(value.casefold().split()) if value.isascii() else fold(value)


def _as_text(column: str):
    """An id column read as text: no UUID object per row (the finder reads every row of a workspace)."""
    return Cast(column, output_field=CharField())


def find_duplicates(user, entity, threshold: int) -> list[Group]:
    """Groups of likely duplicates among the (live) records `user` may see, most likely first.

    `entity` is the per-user entity (`registry.visibility.entity_for`): a rule whose field the user's
    role hides is not used, so the finder reveals nothing the user could not see.
    """
    visible = access.visible(user, entity.model.objects.all(), entity.key).annotate(_key=_as_text("pk"))
    fields = name_fields(entity)
    is_company_like = fields == ("name",)
    names: dict[str, str] = {}
    for key, *parts in visible.values_list("_key", *fields).iterator(chunk_size=5000):
        names[key] = comparable_name(" ".join(p or "" for p in parts), is_company_like) if fields else ""
    pairs = _Pairs(threshold)
    for rule, inline_name, column in (("email", "emails", "email"), ("phone", "phones", "number")):
        blocks: dict[str, set] = defaultdict(set)
        for owner, value in _children(entity, inline_name, column):
            if owner in names and value:
                blocks[_fold(value) if rule == "email" else value].add(owner)
        pairs.exact_blocks(blocks, rule)
    if fields:
        for rule, inline_name, column in (("name_company", "affiliations", "company_id"),
                                          ("name_city", "addresses", "city")):
            members: dict[str, set] = defaultdict(set)
            for owner, value in _children(entity, inline_name, column, text=rule == "name_company"):
                if value and owner in names:
                    members[value if rule == "name_company" else _fold(value)].add(owner)
            for ids in members.values():
                if len(ids) >= 2:
                    pairs.name_block([(pk, names[pk]) for pk in ids], rule)
        if is_company_like:
            pairs.name_block(list(names.items()), "name")
    return _groups(pairs.found)


def _children(entity, inline_name: str, column: str, text: bool = False):
    """(owner id as text, value) of an inline's rows; nothing when the user's role hides the inline."""
    inline = _inline(entity, inline_name)
    if inline is None:
        return
    fk = inline.formset.fk.attname
    rows = inline.formset.model.objects.filter(**{f"{fk}__isnull": False}).order_by()
    rows = rows.annotate(_owner=_as_text(fk), **({"_value": _as_text(column)} if text else {}))
    yield from rows.values_list("_owner", "_value" if text else column).iterator(chunk_size=5000)


def _score(rules: set[str], best: int) -> int:
    """The best rule's score, +5 for each further rule that agrees, at most 100."""
    return min(100, best + 5 * (len(rules) - 1))


def _groups(found: dict) -> list[Group]:
    """Pairs joined into groups (a record matching two others is one group of three)."""
    parent: dict[str, str] = {}

    def root(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in found:
        parent[root(a)] = root(b)
    groups: dict[str, Group] = {}
    for (a, b), entry in found.items():
        group = groups.setdefault(root(a), Group(ids=[], score=0))
        group.rules |= entry["rules"]
        group.score = max(group.score, _score(entry["rules"], entry["score"]))
        group.ids.extend((a, b))
    for group in groups.values():
        group.ids = sorted({str(uuid.UUID(pk)) for pk in group.ids})  # SQLite reads ids without dashes
    ordered = sorted(groups.values(), key=lambda g: (-g.score, -len(g.rules), g.ids))
    return ordered[:MAX_GROUPS]
