"""Duplicate keys: exact email, normalised phone, and folded name with company or city.

One index holds the keys of the workspace's records and of the rows already taken from the file;
`find` returns what a row matches and by which rule.
"""

from array import array

from django.utils.translation import gettext as _

from .text import fold


def _inline(entity, name):
    return next((inline for inline in entity.inlines if inline.name == name), None)


def name_of(values: dict, entity) -> str:
    fields = ("first_name", "last_name") if "first_name" in entity.form_class.base_fields else ("name",)
    return fold(" ".join(str(values.get(f) or "") for f in fields))


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
            keys.append(("name_company", f"{name}|{fold(values['affiliations.company_name'])}"))
        if values.get("addresses.city"):
            keys.append(("name_city", f"{name}|{fold(values['addresses.city'])}"))
        if entity.key == "companies":
            keys.append(("name", name))
    return keys


def rule_label(rule: str) -> str:
    return {"email": _("same email"), "phone": _("same phone"), "name_company": _("same name and company"),
            "name_city": _("same name and city"), "name": _("same name")}[rule]


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

    def __init__(self):
        self.records: dict[int, str] = {}  # hash((rule, key)) -> record id in the database
        self.rows = RowNumbers()  # hash((rule, key)) -> earlier row number in the file

    def load(self, entity) -> "DuplicateIndex":
        """Keys of the workspace's (not trashed) records of the entity."""
        model = entity.model
        names: dict[str, str] = {}
        fields = ("first_name", "last_name") if "first_name" in entity.form_class.base_fields else ("name",)
        for pk, *parts in model.objects.values_list("pk", *fields).iterator(chunk_size=5000):
            names[str(pk)] = fold(" ".join(p or "" for p in parts))
            if entity.key == "companies":
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
                    self._record((rule, f"{name}|{fold(value)}"), str(owner_id))
        return self

    def _record(self, key: tuple[str, str], record_id: str) -> None:
        self.records.setdefault(hash(key), record_id)

    def find(self, keys) -> tuple[str | None, int | None, str]:
        """(record id, earlier row number, rule) of the first match; record first, then the file."""
        hashes = [hash(key) for key in keys]
        for key, hashed in zip(keys, hashes, strict=True):
            if hashed in self.records:
                return self.records[hashed], None, key[0]
        for key, hashed in zip(keys, hashes, strict=True):
            if (number := self.rows.get(hashed)) is not None:
                return None, number, key[0]
        return None, None, ""

    def add(self, keys, number: int) -> None:
        for key in keys:
            self.rows.setdefault(hash(key), number)

    def claim(self, created: dict[str, int]) -> None:
        """Keys of records an earlier run of this import created count as rows of the file, as before."""
        for hashed, record_id in list(self.records.items()):
            if record_id in created:
                del self.records[hashed]
                self.rows.setdefault(hashed, created[record_id])
