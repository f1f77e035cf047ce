"""Deterministic bench datasets written with bulk inserts (executemany on SQLite, COPY on PostgreSQL).

The same size and seed give the same rows. Records skip the services (no events), like the demo data, but
are otherwise complete: owners, emails, phones, a primary company, notes, and a history of two entries per
contact (created, then a change of lifecycle stage), as a CRM in use has: writes that add history (bulk
changes, imports) are measured against an index that already holds millions of entries, not an empty one.
One contact, "Ximena Bench-Timeline", carries the notes the 360° scenario shows.
"""

# ruff: noqa: S608 - the SQL here is assembled from constants and model metadata, values are parameters

import random
import time
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction

from clientela.customers.demo import ascii_fold
from clientela.customers.demo_lists import FIRST_NAMES, LAST_NAMES, PERSONAL_DOMAINS, WORDS
from clientela.customers.management.commands.demo_data import demo_teams_create, demo_users_create
from clientela.customers.models import Affiliation, Company, Contact, EmailAddress, Lifecycle, PhoneNumber
from clientela.history.models import FieldChange
from clientela.notes.models import Note
from clientela.workspaces.models import User, Workspace
from clientela.workspaces.scoping import use_workspace

from .sizes import TIMELINE_ITEMS, Size

WORKSPACE = "bench"
TARGET = ("Ximena", "Bench-Timeline")
CHUNK = 50_000
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
LIFECYCLES = [c for c, _label in Lifecycle.choices]


class Table:
    """Rows of one model as tuples in column order, converted for the current database."""

    def __init__(self, model):
        self.model = model
        self.sqlite = connection.vendor == "sqlite"
        fields = model._meta.concrete_fields
        self.columns = [f.column for f in fields]
        self.position = {f.attname: i for i, f in enumerate(fields)}
        self.template = [None if (d := f.get_default()) is None else f.get_db_prep_save(d, connection)
                         for f in fields]
        self.convert = [self._converter(f) for f in fields]

    def _converter(self, field):
        kind = (field.target_field if field.is_relation else field).get_internal_type()
        if self.sqlite and kind == "UUIDField":
            return lambda v: None if v is None else v.hex
        if self.sqlite and kind == "DateTimeField":
            return lambda v: None if v is None else v.replace(tzinfo=None).isoformat(" ")
        if self.sqlite and kind == "DateField":
            return lambda v: None if v is None else v.isoformat()
        return None

    def row(self, **values) -> tuple:
        row = list(self.template)
        for name, value in values.items():
            i = self.position[name]
            convert = self.convert[i]
            row[i] = convert(value) if convert and value is not None else value
        return tuple(row)

    def write(self, rows: Iterable[tuple]) -> None:
        table, columns = self.model._meta.db_table, ", ".join(self.columns)
        rows = list(rows)
        if not rows:
            return
        if self.sqlite:
            marks = ", ".join("?" * len(self.columns))
            connection.connection.executemany(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', rows)
        else:
            with connection.cursor() as cursor, cursor.cursor.copy(
                    f'COPY "{table}" ({columns}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)


def _new_id(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _moment(rng: random.Random) -> tuple[datetime, datetime]:
    """A creation time in the three years before EPOCH, and a later time of change."""
    created = EPOCH - timedelta(seconds=rng.randrange(3 * 365 * 86400))
    return created, created + timedelta(seconds=rng.randrange(max(1, int((EPOCH - created).total_seconds()))))


class Generator:
    def __init__(self, size: Size, seed: int, workspace, users: dict):
        self.size, self.rng = size, random.Random(seed)
        self.ws = workspace.id
        self.admin = users["admin"].id
        self.owners = [users["manager"].id, users["rep"].id, users["rep2"].id, None]
        self.owner_weights = [20, 35, 35, 10]
        self.company_ids: list[uuid.UUID] = []
        self.company_domains: list[str] = []
        self.contact_ids: list[uuid.UUID] = []
        self.tables = {m: Table(m) for m in (Company, Contact, Affiliation, EmailAddress, PhoneNumber, Note)}

    def new_id(self) -> uuid.UUID:
        return _new_id(self.rng)

    def moment(self) -> tuple[datetime, datetime]:
        return _moment(self.rng)

    def record(self, table: Table, **fields) -> tuple:
        owner = self.rng.choices(self.owners, weights=self.owner_weights)[0]
        created, updated = self.moment()
        return table.row(workspace_id=self.ws, owner_id=owner, created_by_id=owner or self.admin,
                         updated_by_id=owner or self.admin, created_at=created, updated_at=updated, **fields)

    def child(self, table: Table, **fields) -> tuple:
        return table.row(id=self.new_id(), workspace_id=self.ws, created_at=EPOCH, updated_at=EPOCH, **fields)

    def companies(self, start: int, stop: int) -> dict:
        rng, t = self.rng, self.tables
        rows = {Company: [], PhoneNumber: [], EmailAddress: []}
        for i in range(start, stop):
            language = "es" if rng.random() < .7 else "en"
            word, surname = rng.choice(WORDS[language]), rng.choice(LAST_NAMES[language])
            domain = f"{ascii_fold(word)}{ascii_fold(surname)}{i}.{'es' if language == 'es' else 'com'}"
            pk = self.new_id()
            self.company_ids.append(pk)
            self.company_domains.append(domain)
            rows[Company].append(self.record(t[Company], id=pk, name=f"{word} {surname} {i}",
                                             website=f"https://www.{domain}", domain=domain,
                                             lifecycle_status=rng.choice(LIFECYCLES)))
            rows[PhoneNumber].append(self.child(t[PhoneNumber], company_id=pk, label="work", is_primary=True,
                                                number=f"+349{(i * 7919 + 54321) % 10 ** 8:08d}"))
            rows[EmailAddress].append(self.child(t[EmailAddress], company_id=pk, label="work", is_primary=True,
                                                 email=f"info@{domain}"))
        return rows

    def contacts(self, start: int, stop: int) -> dict:
        rng, t = self.rng, self.tables
        rows = {Contact: [], Affiliation: [], EmailAddress: [], PhoneNumber: []}
        target = self.size.contacts // 2
        for i in range(start, stop):
            language = "es" if rng.random() < .7 else "en"
            first = rng.choice(FIRST_NAMES[language, rng.choice("fm")])
            last = rng.choice(LAST_NAMES[language])
            if language == "es" and rng.random() < .7:
                last = f"{last} {rng.choice(LAST_NAMES['es'])}"
            if i == target:
                first, last = TARGET
            pk = self.new_id()
            self.contact_ids.append(pk)
            rows[Contact].append(self.record(t[Contact], id=pk, first_name=first, last_name=last,
                                             lifecycle_status=rng.choice(LIFECYCLES), preferred_language=language))
            if self.company_ids and (rng.random() < .88 or i == target):
                c = rng.randrange(len(self.company_ids))
                rows[Affiliation].append(self.child(t[Affiliation], contact_id=pk, company_id=self.company_ids[c],
                                                    role="", is_primary=True))
                domain = self.company_domains[c]
            else:
                domain = rng.choice(PERSONAL_DOMAINS)
            email = f"{ascii_fold(first)}.{ascii_fold(last.split(' ')[0])}{i}@{domain}"
            rows[EmailAddress].append(self.child(t[EmailAddress], contact_id=pk, email=email, label="work",
                                                 is_primary=True))
            if rng.random() < .85 or i == target:
                rows[PhoneNumber].append(self.child(t[PhoneNumber], contact_id=pk, label="mobile", is_primary=True,
                                                    number=f"+346{(i * 7919 + 12345) % 10 ** 8:08d}"))
        return rows

    def notes(self, start: int, stop: int) -> dict:
        rng, t = self.rng, self.tables
        target = self.contact_ids[self.size.contacts // 2]
        rows = []
        for i in range(start, stop):
            if i < TIMELINE_ITEMS:
                entity, record = "contacts", target
            elif self.company_ids and rng.random() < .2:
                entity, record = "companies", rng.choice(self.company_ids)
            else:
                entity, record = "contacts", rng.choice(self.contact_ids)
            created, _updated = self.moment()
            rows.append(t[Note].row(id=self.new_id(), workspace_id=self.ws, created_at=created, updated_at=created,
                                    entity=entity, record_id=record, body=f"<p>Call #{i}: follow-up agreed.</p>",
                                    author_id=self.admin))
        return {Note: rows}


def history_rows(table: Table, seed: int, workspace_id: int, actor_id: int, contact_ids: list, start: int) -> list:
    """Two history entries for each contact of the chunk of `contact_ids` (in key order) from `start`: created,
    then a lifecycle change. Their own random stream, so adding them changed no other row of a dataset."""
    rng, labels = random.Random(seed * 7919 + start), dict(Lifecycle.choices)
    rows = []
    for record in contact_ids[start:start + CHUNK]:
        created, changed = _moment(rng)
        old, new = rng.sample(LIFECYCLES, 2)
        common = {"workspace_id": workspace_id, "entity": "contacts", "record_id": record, "actor_id": actor_id}
        rows += [table.row(id=_new_id(rng), action=FieldChange.Action.CREATED, batch=_new_id(rng),
                           created_at=created, updated_at=created, **common),
                 table.row(id=_new_id(rng), action=FieldChange.Action.UPDATED, batch=_new_id(rng),
                           created_at=changed, updated_at=changed, field="lifecycle_status",
                           field_label="Lifecycle status", old_value=str(labels[old]), new_value=str(labels[new]),
                           **common)]
    return rows


def bench_workspace():
    return Workspace.objects.filter(slug=WORKSPACE).first()


def dataset_ready() -> bool:
    """The records and their history are each one transaction: a bench workspace with history is complete."""
    workspace = bench_workspace()
    if workspace is None:
        return False
    with use_workspace(workspace):  # the first contact's own "created" entry: bench runs add history of their own
        first = Contact.objects.order_by("pk").values_list("pk", flat=True).first()
        return FieldChange.objects.filter(entity="contacts", record_id=first, action="created").exists()


def dataset_build(size: Size, seed: int, log=print) -> float:
    """Write the dataset into an empty database (migrated), or the history into one built before datasets had
    any (the same rows a new build writes); returns the seconds it took."""
    started = time.perf_counter()
    workspace = bench_workspace()
    if workspace is None:
        with transaction.atomic():
            workspace = Workspace.objects.create(name="Bench", slug=WORKSPACE)
            users = demo_users_create(workspace, "demo")
            demo_teams_create(workspace, users)
            _rows_write(Generator(size, seed, workspace, users), size, started, log)
    with transaction.atomic(), use_workspace(workspace):
        admin, table = User.objects.get(email=f"admin@{WORKSPACE}.example"), Table(FieldChange)
        contact_ids = sorted(Contact.objects.values_list("pk", flat=True))
        for start in range(0, len(contact_ids), CHUNK):
            table.write(history_rows(table, seed, workspace.pk, admin.pk, contact_ids, start))
        log(f"  history: {2 * len(contact_ids):,} ({time.perf_counter() - started:.0f} s)")
    dataset_analyze()
    return time.perf_counter() - started


def _rows_write(generator: Generator, size: Size, started: float, log) -> None:
    with use_workspace(Workspace.objects.get(pk=generator.ws)):
        for make, total in ((generator.companies, size.companies), (generator.contacts, size.contacts),
                            (generator.notes, size.notes)):
            for start in range(0, total, CHUNK):
                for model, rows in make(start, min(total, start + CHUNK)).items():
                    generator.tables[model].write(rows)
            log(f"  {make.__name__}: {total:,} ({time.perf_counter() - started:.0f} s)")


def dataset_analyze() -> None:
    """Fresh planner statistics, as a production database would have after autovacuum."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
        elif connection.in_atomic_block:
            cursor.execute("ANALYZE")
        else:
            cursor.execute("VACUUM ANALYZE")
