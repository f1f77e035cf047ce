"""Building messy files and running imports the way the worker does."""

from clientela.customers.models import Contact
from clientela.customers.tests import factories
from clientela.registry import entities
from clientela.registry.services import record_save
from clientela.transfer import fastpath
from clientela.transfer.services import import_count, import_create, import_run


def csv_bytes(rows, delimiter=",", encoding="utf-8", newline="\r\n") -> bytes:
    def cell(value):
        value = str(value)
        if any(c in value for c in (delimiter, '"', "\n", "\r")):
            return '"' + value.replace('"', '""') + '"'
        return value

    return (newline.join(delimiter.join(cell(c) for c in row) for row in rows) + newline).encode(encoding)


def run_import(user, data, name="file.csv", mapping=None, dry_run=False, **options):
    job = import_create(user=user, entity_key=options.pop("entity", "contacts"), data=data, file_name=name,
                        mapping=mapping, options=options, dry_run=dry_run)
    import_count(job)
    return import_run(job)


def person(user, first, email, **data):
    return factories.contact(user, first=first, emails=[{"email": email, "label": "work"}], **data)


def edit(user, record, **changes):
    """Change a record the way its page does: every shown value sent back, some changed."""
    entity = entities.get("contacts")
    shown = {bound.html_name: bound.value() for bound in entity.form_class(instance=record, user=user)}
    form = entity.form_class({**shown, **changes}, instance=record, user=user)
    assert form.is_valid(), form.errors
    record_save(entity=entity, form=form, by=user)


def worker_dies_after(monkeypatch, batches: int, message: str = "killed"):
    """From now on an import run dies (RuntimeError) when it starts batch `batches` + 1, after committing the
    ones before, as a killed worker does; call the result to let runs finish again."""
    from clientela.transfer import services

    run_batch, done = services._run_batch, []

    def dying(*args, **kwargs):
        if len(done) == batches:
            raise RuntimeError(message)
        run_batch(*args, **kwargs)
        done.append(1)

    monkeypatch.setattr(services, "_run_batch", dying)
    return lambda: monkeypatch.setattr(services, "_run_batch", run_batch)


def run_killed_after(monkeypatch, job, batches: int):
    """Run the import until its worker dies after `batches` committed batches; the job as that run left it."""
    revive = worker_dies_after(monkeypatch, batches)
    try:
        import_run(job)
    except RuntimeError:
        pass
    else:
        raise AssertionError("the run was expected to die")
    finally:
        revive()
    job.refresh_from_db()
    return job


def contacts_named(first):
    return list(Contact.objects.filter(first_name=first))


def count_fast_accepted(monkeypatch) -> list[bool]:
    """From now on, one entry per `FastForm.check`: whether it accepted the row itself (not the full form)."""
    accepted, check = [], fastpath.FastForm.check

    def counting(self, data, instance):
        result = check(self, data, instance)
        accepted.append(result is not None)
        return result

    monkeypatch.setattr(fastpath.FastForm, "check", counting)
    return accepted
