"""Create customers the way the app does: through the registry services."""

from clientela.registry import entities
from clientela.registry.services import record_save


def _save(key, user, data, inlines=None):
    from django.http import QueryDict

    entity = entities.get(key)
    post = QueryDict(mutable=True)
    post.update({k: v for k, v in data.items() if not isinstance(v, list)})
    for inline in entity.inlines:
        rows = (inlines or {}).get(inline.name, [])
        post[f"{inline.name}-TOTAL_FORMS"] = str(len(rows))
        post[f"{inline.name}-INITIAL_FORMS"] = "0"
        for i, row in enumerate(rows):
            for k, v in row.items():
                post[f"{inline.name}-{i}-{k}"] = v
    form = entity.form_class(post, instance=entity.model(), user=user)
    formsets = [inline.formset(post, instance=form.instance, prefix=inline.name) for inline in entity.inlines]
    assert form.is_valid(), form.errors
    assert all(fs.is_valid() for fs in formsets), [fs.errors for fs in formsets]
    return record_save(entity=entity, form=form, formsets=formsets, by=user)


def company(user, name="Acme Ibérica S.L.", owner=None, **data):
    data = {"name": name, "lifecycle_status": "customer", "currency": "EUR", "owner": str((owner or user).pk), **data}
    inlines = {k: data.pop(k) for k in ("phones", "emails", "addresses") if k in data}
    return _save("companies", user, data, inlines)


def contact(user, first="Lucía", last="Martínez", owner=None, **data):
    data = {"first_name": first, "last_name": last, "lifecycle_status": "lead", "owner": str((owner or user).pk), **data}
    inlines = {k: data.pop(k) for k in ("phones", "emails", "addresses", "affiliations") if k in data}
    return _save("contacts", user, data, inlines)
