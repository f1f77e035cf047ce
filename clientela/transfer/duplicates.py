"""Duplicate keys: exact email, normalised phone, and name with company or city.

One index holds the keys of the workspace's records and of the rows already taken from the file;
`find` returns what a row matches and by which rule. Names are compared as the duplicate finder compares
them (`text.comparable_name`: accents, case, punctuation, word order and a company's legal form ignored).
A row that matches no key exactly is then compared with the records at the same company or in the same
city (companies: with every company) whose names share a word with its own: a `difflib` similarity at or
above the workspace's threshold is a duplicate too ("similar name"); names with other numbers in them are
never alike ("Company 1", "Company 2"). Then the same with the earlier rows of the file (created, updated or
merged): a record always wins over a row, and an exact key over a similar name; a row's name with numbers is
matched with other rows exactly only (a code such as "Cliente 1012": keeping such names would fill the
neighbourhoods with names that can never be alike). At threshold 100 names are only compared exactly.

Every row's exact keys are kept (as hashes, `RowNumbers`). Names are kept for the first SIMILAR_ROWS rows taken
from the file only: each row's name once, a string in `row_names` whose position its neighbourhoods hold
(arrays of 4-byte ints, at most NEAR_ROWS each). For Spanish names with a company and a city that costs about
135 bytes a row (tracemalloc, 200,000 rows: 26 MB), as much again as their exact keys. Past the cap, rows are
still compared with the names kept, with the records and by exact keys, but their own names are not kept: a
row further down alike only to one of them is not found (`rows_unnamed` counts the rows past the cap). A
resumed import replays the rows it took in file order (`transfer.services._replay_duplicates`), so it keeps
the same names.

A row's name is compared with at most CANDIDATES names. For records, from its least crowded neighbourhoods
first; for rows, at a company its first people, in a city (or among companies) the names sharing the most of
its words' first three letters first, and for a name of three words or more only those sharing two of them
(a typo changes one word): counting whole neighbourhoods, capped, in one pass costs less than comparing.
"""

import re
from array import array
from collections import Counter
from difflib import SequenceMatcher
from itertools import chain

from django.utils.translation import gettext as _

from .text import comparable_name, fold

CANDIDATES = 60  # names a row's name is compared with, at most
SIMILAR_ROWS = 200_000  # rows of a file whose names are kept for similar names: about 135 bytes each
NEAR_ROWS = 2 * CANDIDATES  # rows' names kept in one neighbourhood, at most
NAME_RULES = ("name", "name_company", "name_city")
_numbers = re.compile(r"\d+").findall


def _near(rule: str, block: str, name: str) -> list[int]:
    """Where alike names are looked for: at a company, all its people (few); in a city or among companies,
    the names sharing a word's first three letters (a typo rarely hits every word)."""
    if rule == "name_company":
        return [hash((rule, block))]
    return list(dict.fromkeys(hash((rule, block, word[:3])) for word in name.split()))  # once, in word order


def _letters(name: str) -> dict[str, int]:
    letters: dict[str, int] = {}
    for letter in name:
        letters[letter] = letters.get(letter, 0) + 1
    return letters


def _common(letters: dict[str, int], other: str) -> int:
    """How many of `other`'s letters the name counted in `letters` has too, as difflib's `quick_ratio` counts
    them (without building a matcher for `other`)."""
    left, common = dict(letters), 0
    for letter in other:
        if count := left.get(letter):
            left[letter] = count - 1
            common += 1
    return common


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
        # the names of rows taken from the file (the first SIMILAR_ROWS), each once, and per neighbourhood their
        # positions in that list; a name found alike gives its row through `rows`
        self.row_names: list[str] = []
        self.row_similar: dict[int, array] = {}
        self.rows_unnamed = 0  # rows taken past the cap: their names were not kept
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

    def _ratio(self, name: str, letters: dict, numbers: list[str], other: str, floor: float) -> float:
        """difflib's ratio of two names, or 0.0 when it cannot reach `floor`: their lengths, then the letters they
        have in common (difflib's `quick_ratio`, counted without building a matcher), rule out most names. Names
        with other numbers are not alike however close ("Company 1", "Company 2"; "Ana1 Ruiz", "Ana2 Ruiz")."""
        total = len(name) + len(other)
        if 2 * min(len(name), len(other)) < floor * total or _numbers(other) != numbers \
                or 2.0 * _common(letters, other) / total < floor:
            return 0.0
        self._matcher.set_seqs(name, other)
        return self._matcher.ratio()

    def _similar(self, keys) -> tuple[str | None, str]:
        """(record id, rule) of the most alike record near the row's name, if any is alike enough."""
        best, found, threshold, ratios = 0.0, (None, ""), self.threshold, {}
        for rule, key in keys:
            if rule not in NAME_RULES:
                continue
            name, bar, block = key.partition("|")
            lists = sorted((names for near in _near(rule, block, name) if (names := self.similar.get(near))),
                           key=len)
            letters, numbers, seen = _letters(name), _numbers(name), set()
            for names in lists:
                for other in names:
                    if len(seen) >= CANDIDATES:
                        break
                    if other in seen:
                        continue
                    seen.add(other)
                    if (ratio := ratios.get(other)) is None:  # 0.0: not alike enough, or less than the best
                        ratio = ratios[other] = self._ratio(name, letters, numbers, other, max(threshold, best))
                    if ratio < threshold or ratio <= best:
                        continue
                    record_id = self.records.get(hash((rule, f"{other}{bar}{block}")))
                    if record_id is not None and record_id not in self.claimed:
                        best, found = ratio, (record_id, f"similar_{rule}")
        return found

    def _row_candidates(self, rule: str, block: str, name: str) -> list[int]:
        """Positions in `row_names` of the names a row's name is compared with, at most CANDIDATES: at a
        company, its first people; in a city or among companies, the names sharing the most of its words' first
        three letters first, and for a name of three words or more only those sharing two (a typo changes one
        word). The neighbourhoods' lists are counted in one pass, which is why they are capped (NEAR_ROWS)."""
        nears = _near(rule, block, name)
        lists = [positions for near in nears if (positions := self.row_similar.get(near))]
        if not lists:
            return []
        if len(nears) == 1:
            return list(lists[0])[:CANDIDATES]
        shared = Counter(chain.from_iterable(lists))
        need = 2 if len(nears) >= 3 else 1
        positions = [position for position, count in shared.items() if count >= need]
        positions.sort(key=shared.__getitem__, reverse=True)  # stable: ties stay in the lists' order
        return positions[:CANDIDATES]

    def _similar_row(self, keys) -> tuple[int | None, str]:
        """(earlier row number, rule) of the most alike earlier row near the row's name, if one is alike enough."""
        best, found, threshold, ratios, names = 0.0, (None, ""), self.threshold, {}, self.row_names
        for rule, key in keys:
            if rule not in NAME_RULES:
                continue
            name, bar, block = key.partition("|")
            if _numbers(name):  # rows' names with numbers are not kept (`add`), and no other name is alike to it
                continue
            letters = _letters(name)
            for position in self._row_candidates(rule, block, name):
                other = names[position]
                if (ratio := ratios.get(other)) is None:
                    ratio = ratios[other] = self._ratio(name, letters, [], other, max(threshold, best))
                if ratio < threshold or ratio <= best:
                    continue
                number = self.rows.get(hash((rule, f"{other}{bar}{block}")))
                if number is not None:
                    best, found = ratio, (number, f"similar_{rule}")
        return found

    def find(self, keys) -> tuple[str | None, int | None, str]:
        """(record id, earlier row number, rule) of the first match: a record by an exact key, an earlier row by
        one, a record by a similar name, then an earlier row by one."""
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
        if self.threshold < 1 and self.row_names:
            number, rule = self._similar_row(keys)
            if number is not None:
                return None, number, rule
        return None, None, ""

    def add(self, keys, number: int) -> None:
        """Keep a row taken from the file (created, updated or merged): its keys, and its name in its
        neighbourhoods while fewer than SIMILAR_ROWS rows' names are kept (and a neighbourhood holds fewer
        than NEAR_ROWS). A key an earlier row has already stays that row's, and the name is not kept for it."""
        rows, position, similar = self.rows, None, self.threshold < 1
        for key in keys:
            if rows.setdefault(hash(key), number) != number or not similar or key[0] not in NAME_RULES:
                continue
            name, _bar, block = key[1].partition("|")
            if position is None:  # the row's name, the same under each of its rules: kept once
                if _numbers(name):  # a name with numbers is alike to none with others: a code, matched exactly
                    similar = False
                    continue
                if len(self.row_names) >= SIMILAR_ROWS:
                    self.rows_unnamed += 1
                    similar = False
                    continue
                position = len(self.row_names)
                self.row_names.append(name)
            for near in _near(key[0], block, name):
                if (positions := self.row_similar.get(near)) is None:
                    self.row_similar[near] = array("i", (position,))
                elif len(positions) < NEAR_ROWS:
                    positions.append(position)

    def claim(self, created: dict[str, int]) -> None:
        """Keys of records an earlier run of this import created count as rows of the file, as before."""
        self.claimed.update(created)
        for hashed, record_id in list(self.records.items()):
            if record_id in created:
                del self.records[hashed]
                self.rows.setdefault(hashed, created[record_id])
