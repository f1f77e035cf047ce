"""Building messy files and running imports the way the worker does."""

from clientela.customers.models import Contact
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
