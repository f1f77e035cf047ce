"""Duplicate keys: exact email, normalised phone, and name with company or city.

One index holds the keys of the workspace's records and of the rows already taken from the file;
`find` returns what a row matches and by which rule. Names are compared as the duplicate finder compares
them (`text.comparable_name`: accents, case, punctuation, word order and a company's legal form ignored).
A row that matches no key exactly is then compared with the records at the same company or in the same
city (companies: with every company) whose names share a word with its own: a `difflib` similarity at or
above the workspace's threshold is a duplicate too ("similar name"). Rows of the file are matched with
one another by exact keys only: keeping every row's words for that would cost more memory than a
million-row file is allowed.
"""

from array import array
from difflib import SequenceMatcher

from django.utils.translation import gettext as _

from .text import comparable_name, fold

CANDIDATES = 60  # names a row's name is compared with, at most, from its least crowded neighbourhoods first
NAME_RULES = ("name", "name_company", "name_city")


def _near(rule: str, block: str, name: str) -> list[int]:
    """Where alike names are looked for: at a company, all its people (few); in a city or among companies,
    the names sharing a word's first three letters (a typo rarely hits every word)."""
    if rule == "name_company":
        return [hash((rule, block))]
    return [hash((rule, block, word[:3])) for word in set(name.split())]


def _inline(entity, name):
    return next((inline for inline in entity.inlines if inline.name == name), None)


def _name_fields(entity) -> tuple[str, ...]:
    return ("first_name", "last_name") if "first_name" in entity.form_class.base_fields else ("name",)


def name_of(values: dict, entity) -> str:
    return comparable_name(" ".join(str(values.get(f) or "") for f in _name_fields(entity)),
                           company=entity.key == "companies")


def row_keys(entity, values: dict) -> list[tuple[str, str]]:
    """(rule, key) pairs of a row, from its normalised values keyed by target."""
    keys = []
    if values.get("emails.email"):
        keys.append(("email", fold(values["emails.email"])))
    if str(values.get("phones.number", "")).startswith("+"):
        keys.append(("phone", values["phones.number"]))
    name = name_of(values, entity)
    if name:
        if values.get("affiliations.company_name"):
            company = comparable_name(str(values["affiliations.company_name"]), company=True)
            keys.append(("name_company", f"{name}|{company}"))
        if values.get("addresses.city"):
            keys.append(("name_city", f"{name}|{fold(str(values['addresses.city']))}"))
        if entity.key == "companies":
            keys.append(("name", name))
    return keys


def rule_label(rule: str) -> str:
    return {"email": _("same email"), "phone": _("same phone"), "name_company": _("same name and company"),
            "name_city": _("same name and city"), "name": _("same name"),
            "similar_name_company": _("similar name, same company"),
            "similar_name_city": _("similar name, same city"), "similar_name": _("similar name")}[rule]


class RowNumbers:
    """{key hash: row number} in two flat arrays (open addressing, linear probing), for the rows of a file.

    A dict holds an int object for each key and for each value besides its own entry, about 90 bytes a key:
    importing a million contacts (3.6 million keys) peaked above 585 MB with one, and at 405 MB with this, where a
    key takes 12 bytes in a table kept at most 60 % full. The hash 0 marks a free slot, so a key hashing to 0 is kept as 1 (a
    collision as rare as any other of 64 bits).
    """

    def __init__(self, capacity: int = 1 << 16):
        self._allocate(capacity)

    def _allocate(self, capacity: int) -> None:
        self.keys, self.numbers = array("q", bytes(8 * capacity)), array("i", bytes(4 * capacity))
        self.mask, self.count = capacity - 1, 0

    def _slot(self, hashed: int) -> int:
        keys, mask = self.keys, self.mask
        slot = hashed & mask
        while keys[slot] not in (0, hashed):
            slot = (slot + 1) & mask
        return slot

    def get(self, hashed: int) -> int | None:
        hashed = hashed or 1
        slot = self._slot(hashed)
        return self.numbers[slot] if self.keys[slot] else None

    def setdefault(self, hashed: int, number: int) -> int:
        hashed = hashed or 1
        slot = self._slot(hashed)
        if self.keys[slot]:
            return self.numbers[slot]
        self.keys[slot], self.numbers[slot] = hashed, number
        self.count += 1
        if self.count * 5 > len(self.keys) * 3:
            self._grow()
        return number

    def _grow(self) -> None:
        keys, numbers = self.keys, self.numbers
        self._allocate(2 * len(keys))
        for hashed, number in zip(keys, numbers, strict=True):
            if hashed:
                slot = self._slot(hashed)
                self.keys[slot], self.numbers[slot] = hashed, number
                self.count += 1

    def __len__(self) -> int:
        return self.count


class DuplicateIndex:
    """Keys are kept as their hash: a million rows' keys then fit in a fraction of the memory. Within one
    process the hash is stable, and a 64-bit collision between two different keys is vanishingly rare."""

    def __init__(self, threshold: int = 100):
        self.records: dict[int, str] = {}  # hash((rule, key)) -> record id in the database
        self.rows = RowNumbers()  # hash((rule, key)) -> earlier row number in the file
        self.threshold = threshold / 100  # similarity of names; 1: identical names only
        # hash of a name's neighbourhood (`_near`) -> the names of the database's records in it; a name found
        # alike gives its record through `records`, so each name is held once, without its id
        self.similar: dict[int, list[str]] = {}
        self.claimed: set[str] = set()
        self._matcher = SequenceMatcher(autojunk=False)

    def load(self, entity) -> "DuplicateIndex":
        """Keys of the workspace's (not trashed) records of the entity, with the workspace's name threshold."""
        from clientela.merging.selectors import name_threshold

        self.threshold = name_threshold() / 100
        model = entity.model
        names: dict[str, str] = {}
        company = entity.key == "companies"
        for pk, *parts in model.objects.values_list("pk", *_name_fields(entity)).iterator(chunk_size=5000):
            names[str(pk)] = comparable_name(" ".join(p or "" for p in parts), company=company)
            if company:
                self._record(("name", names[str(pk)]), str(pk))
        for rule, inline_name, column in (("email", "emails", "email"), ("phone", "phones", "number")):
            inline = _inline(entity, inline_name)
            if inline is None:
                continue
            fk = inline.formset.fk.name
            rows = inline.formset.model.objects.filter(**{f"{fk}__deleted_at__isnull": True})
            for owner_id, value in rows.values_list(f"{fk}_id", column).iterator(chunk_size=5000):
                self._record((rule, fold(value) if rule == "email" else value), str(owner_id))
        pairs = (("name_company", "affiliations", "company__name"), ("name_city", "addresses", "city"))
        for rule, inline_name, column in pairs:
            inline = _inline(entity, inline_name)
            if inline is None:
                continue
            fk = inline.formset.fk.name
            for owner_id, value in inline.formset.model.objects.values_list(f"{fk}_id", column).iterator(
                    chunk_size=5000):
                name = names.get(str(owner_id))
                if name and value:
                    block = comparable_name(value, company=True) if rule == "name_company" else fold(value)
                    self._record((rule, f"{name}|{block}"), str(owner_id))
        return self

    def _record(self, key: tuple[str, str], record_id: str) -> None:
        hashed = hash(key)
        if hashed in self.records:
            return
        self.records[hashed] = record_id
        if self.threshold < 1 and key[0] in NAME_RULES:
            name, _bar, block = key[1].partition("|")
            for near in _near(key[0], block, name):
                self.similar.setdefault(near, []).append(name)

    def _similar(self, keys) -> tuple[str | None, str]:
        """(record id, rule) of the most alike record near the row's name, if any is alike enough. Length, then
        `quick_ratio` (an upper bound of the ratio) rule out most names cheaply."""
        best, found, matcher, threshold = 0.0, (None, ""), self._matcher, self.threshold
        for rule, key in keys:
            if rule not in NAME_RULES:
                continue
            name, bar, block = key.partition("|")
            lists = sorted((names for near in _near(rule, block, name) if (names := self.similar.get(near))),
                           key=len)
            seen: set[str] = set()
            for names in lists:
                for other in names:
                    if len(seen) >= CANDIDATES:
                        break
                    if other in seen:
                        continue
                    seen.add(other)
                    if 2 * min(len(name), len(other)) < threshold * (len(name) + len(other)):
                        continue
                    matcher.set_seqs(name, other)
                    if matcher.quick_ratio() < max(threshold, best) or (ratio := matcher.ratio()) < threshold \
                            or ratio <= best:
                        continue
                    record_id = self.records.get(hash((rule, f"{other}{bar}{block}")))
                    if record_id is not None and record_id not in self.claimed:
                        best, found = ratio, (record_id, f"similar_{rule}")
        return found

    def find(self, keys) -> tuple[str | None, int | None, str]:
        """(record id, earlier row number, rule) of the first match; record first, then the file."""
        hashes = [hash(key) for key in keys]
        for key, hashed in zip(keys, hashes, strict=True):
            if hashed in self.records:
                return self.records[hashed], None, key[0]
        for key, hashed in zip(keys, hashes, strict=True):
            if (number := self.rows.get(hashed)) is not None:
                return None, number, key[0]
        if self.threshold < 1 and self.similar:
            record_id, rule = self._similar(keys)
            if record_id is not None:
                return record_id, None, rule
        return None, None, ""

    def add(self, keys, number: int) -> None:
        for key in keys:
            self.rows.setdefault(hash(key), number)

    def claim(self, created: dict[str, int]) -> None:
        """Keys of records an earlier run of this import created count as rows of the file, as before."""
        self.claimed.update(created)
        for hashed, record_id in list(self.records.items()):
            if record_id in created:
                del self.records[hashed]
                self.rows.setdefault(hashed, created[record_id])
