"""Privacy requests about a contact (GDPR / LOPDGDD): access (export), anonymisation and erasure.

Every service runs in one transaction and writes its audit entry inside it, so either everything
happens and is recorded, or nothing does. Audit entries hold counts and the reason, never the
personal data that was exported or removed.

Other apps that keep personal data about a contact (activities, emails, cases…) register an
anonymiser with `register_anonymiser`; it runs inside the same transaction and returns counts.
"""

import html
import logging
import re
from collections.abc import Callable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clientela.common.events import DomainEvent, emit
from clientela.history.models import FieldChange
from clientela.history.services import changes_record
from clientela.notes.models import Attachment, Note
from clientela.registry import entities
from clientela.registry.display import field_display
from clientela.registry.services import record_purge, record_trash
from clientela.security import access
from clientela.security.audit import audit_log
from clientela.security.models import AuditEntry

from .models import ConsentSource, ConsentStatus, Contact

logger = logging.getLogger(__name__)

ENTITY = "contacts"
EXPORT_FORMAT = "clientela.contact-export"
EXPORT_VERSION = 1
REASON_MAX_LENGTH = 500
ANONYMISED_NAME = gettext_lazy("Anonymised contact")
NEUTRAL_NOTE = gettext_lazy("<p>This note was removed at the contact's request.</p>")
CONSENT_FIELDS = {"email": ("email_consent", "email_consent_date", "email_consent_source"),
                  "phone": ("phone_consent", "phone_consent_date", "phone_consent_source")}
_NOT_EXPORTED = {"id", "workspace", *(name for names in CONSENT_FIELDS.values() for name in names)}

Anonymiser = Callable[[Contact, object], dict[str, int]]
_anonymisers: list[Anonymiser] = []


def register_anonymiser(anonymiser: Anonymiser) -> Anonymiser:
    """Add `(contact, by) -> {what: count}`, run whenever a contact is anonymised or erased."""
    if anonymiser not in _anonymisers:
        _anonymisers.append(anonymiser)
    return anonymiser


# --- export -------------------------------------------------------------------------------------

def _plain(value):
    """A field value as JSON: dates in ISO 8601, people by name, choices by their stored key."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "get_full_name"):
        return value.get_full_name() or str(value)
    return value


def _note_text(body: str) -> str:
    text = re.sub(r"(?i)<br\s*/?>|</(p|li|div|h[1-6])>", "\n", body)
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _fields(contact: Contact, hidden) -> dict:
    data = {"id": str(contact.pk)}
    for field in contact._meta.concrete_fields:
        if field.name not in _NOT_EXPORTED and field.name not in hidden:
            data[field.name] = _plain(getattr(contact, field.name))
    return data


def _consent(contact: Contact, hidden) -> dict:
    return {channel: {key: _plain(getattr(contact, name))
                      for key, name in zip(("status", "date", "source"), names, strict=True) if name not in hidden}
            for channel, names in CONSENT_FIELDS.items()}


def _affiliations(contact: Contact, user) -> list[dict]:
    company_hidden = access.hidden_fields(user, "companies")
    visible = set(access.visible(user, contact.companies.all(), "companies").values_list("pk", flat=True))
    rows = []
    for affiliation in contact.affiliations.select_related("company"):
        row = {"company_id": str(affiliation.company_id), "role": affiliation.role,
               "is_primary": affiliation.is_primary}
        if affiliation.company_id in visible:
            company = affiliation.company
            row.update({f"company_{name}": getattr(company, name) for name in ("name", "website")
                        if name not in company_hidden})
        rows.append(row)
    return rows


def _notes(contact: Contact) -> list[dict]:
    notes = (Note.objects.filter(entity=ENTITY, record_id=contact.pk).select_related("author")
             .prefetch_related("attachments").order_by("created_at"))
    return [{"id": str(note.pk), "created_at": note.created_at.isoformat(), "author": _plain(note.author),
             "text": _note_text(note.body),
             "attachments": [{"name": a.filename, "type": a.content_type, "size": a.size,
                              "created_at": a.created_at.isoformat()} for a in note.attachments.all()]}
            for note in notes]


def _history(contact: Contact, hidden) -> list[dict]:
    rows = (FieldChange.objects.filter(entity=ENTITY, record_id=contact.pk).exclude(field__in=hidden)
            .select_related("actor").order_by("created_at"))
    return [{"at": row.created_at.isoformat(), "action": row.action, "field": row.field,
             "label": row.field_label, "old": row.old_value, "new": row.new_value, "by": _plain(row.actor)}
            for row in rows]


@transaction.atomic
def contact_export_data(*, contact: Contact, by, request=None) -> dict:
    """Everything held about the contact that `by` may see, as JSON-ready data; audited.

    Fields (and whole sections: emails, phones, addresses, affiliations, tags) that the user's
    role hides are left out, and so is their history.
    """
    access.require_record(by, "view", ENTITY, contact)
    access.require_record(by, "export", ENTITY, contact)
    hidden = access.hidden_fields(by, ENTITY)
    data = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": timezone.now().isoformat(),
        "workspace": contact.workspace.name,
        "contact": _fields(contact, hidden),
        "consent": _consent(contact, hidden),
    }
    sections = {
        "emails": lambda: [{"email": e.email, "label": e.label, "is_primary": e.is_primary}
                           for e in contact.emails.all()],
        "phones": lambda: [{"number": p.number, "label": p.label, "is_primary": p.is_primary}
                           for p in contact.phones.all()],
        "addresses": lambda: [{"label": a.label, "street": a.street, "postal_code": a.postal_code, "city": a.city,
                               "region": a.region, "country": a.country.code or ""}
                              for a in contact.addresses.all()],
        "affiliations": lambda: _affiliations(contact, by),
        "tags": lambda: [tag.name for tag in contact.tags.all()],
    }
    for name, build in sections.items():
        if name not in hidden:
            data[name] = build()
    data["notes"] = _notes(contact)
    data["history"] = _history(contact, hidden)
    counts = {name: len(data[name]) for name in (*sections, "notes", "history") if name in data}
    counts["attachments"] = sum(len(note["attachments"]) for note in data["notes"])
    audit_log(action="privacy.exported", actor=by, target=contact, request=request,
              details={"format": "json", "counts": counts, "fields_withheld": len(hidden)})
    return data


# --- anonymise / erase --------------------------------------------------------------------------

def _checked_reason(by, reason: str) -> str:
    if not access.is_admin(by):
        raise PermissionDenied(_("Only administrators can anonymise or erase a contact."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("“Reason”: say why, e.g. the request's reference and date.")},
                              code="required")
    return reason[:REASON_MAX_LENGTH]


def _delete_files_after_commit(attachments) -> None:
    """Files go only once the rows are gone for good: a rolled-back request keeps them."""

    def delete(file: FieldFile) -> None:
        try:
            file.delete(save=False)
        except OSError:
            logger.exception("could not delete attachment file %s", file.name)

    for attachment in attachments:
        transaction.on_commit(lambda f=attachment.file: delete(f), robust=True)


def _anonymise(contact: Contact, by) -> dict[str, int]:
    """Remove the contact's personal data in place; the row, its owner, status, tags and companies stay."""
    counts = {
        "emails": contact.emails.all().delete()[0],
        "phones": contact.phones.all().delete()[0],
        "addresses": contact.addresses.all().delete()[0],
        "affiliations_kept": contact.affiliations.update(role=""),
    }
    notes = Note.objects.filter(entity=ENTITY, record_id=contact.pk)
    attachments = list(Attachment.objects.filter(note__in=notes))
    _delete_files_after_commit(attachments)
    counts["attachments"] = Attachment.objects.filter(pk__in=[a.pk for a in attachments]).delete()[0]
    counts["notes"] = notes.update(body=str(NEUTRAL_NOTE))
    counts["history_entries"] = (FieldChange.objects.filter(entity=ENTITY, record_id=contact.pk)
                                 .update(old_value="", new_value=""))
    now = timezone.now()
    contact.first_name, contact.last_name = str(ANONYMISED_NAME), ""
    contact.job_title = contact.description = contact.preferred_language = ""
    contact.birthday = None
    for status, date, source in CONSENT_FIELDS.values():  # nobody left to ask: no marketing, ever
        setattr(contact, status, ConsentStatus.REFUSED)
        setattr(contact, date, timezone.localdate())
        setattr(contact, source, ConsentSource.PRIVACY_REQUEST)
    contact.anonymised_at, contact.updated_by = now, by
    contact.save()
    # Earlier audit entries named the contact; keep the entries, drop the name.
    counts["audit_labels"] = (AuditEntry.objects.filter(target_type=Contact._meta.model_name,
                                                        target_id=str(contact.pk))
                              .update(target_label=str(contact)))
    for anonymiser in _anonymisers:
        counts.update(anonymiser(contact, by))
    changes_record(workspace=contact.workspace, entity=ENTITY, record_id=contact.pk,
                   action=FieldChange.Action.UPDATED, actor=by,
                   changes={"anonymised_at": (Contact._meta.get_field("anonymised_at").verbose_name, "",
                                              field_display(contact, "anonymised_at"))})
    emit(DomainEvent(name="record.anonymised", workspace_id=contact.workspace_id, entity=ENTITY,
                     record_id=str(contact.pk), actor_id=by.pk))
    return counts


@transaction.atomic
def contact_anonymise(*, contact: Contact, by, reason: str, request=None) -> dict[str, int]:
    """Anonymise on request: personal data goes, the record stays.

    Names become “Anonymised contact”; emails, phones, addresses and attachments (with their
    files) are deleted; birthday, job title, description and roles at companies are cleared;
    note bodies are replaced with a neutral text; old and new values in the record's history are
    blanked; consent is set to refused. The row keeps its id, owner, lifecycle status, tags and
    company links, so counts, companies' figures and records linked to it (opportunities, cases)
    still add up. `anonymised_at` records when it happened.
    """
    reason = _checked_reason(by, reason)
    counts = _anonymise(contact, by)
    audit_log(action="privacy.anonymised", actor=by, target=contact, request=request,
              details={"reason": reason, "counts": counts})
    return counts


@transaction.atomic
def contact_erase(*, contact: Contact, by, reason: str, request=None) -> dict[str, int]:
    """Erase on request: anonymise, then delete the record, its notes and its history for good.

    It runs the whole anonymisation first, so every app's registered anonymiser also clears what
    it keeps about the contact (data a plain delete would leave behind, as notes are not linked
    by a foreign key). Then the record goes to the trash and is purged at once, taking its history
    and its links to companies with it; only the audit entry remains. Use it when the person must
    disappear; prefer anonymising when the record is still counted in reports.
    """
    reason = _checked_reason(by, reason)
    entity = entities.get(ENTITY)
    record_id = contact.pk
    counts = _anonymise(contact, by)
    counts["notes"] = Note.objects.filter(entity=ENTITY, record_id=record_id).delete()[1].get(Note._meta.label, 0)
    audit_log(action="privacy.erased", actor=by, target=contact, request=request,
              details={"reason": reason, "counts": counts})
    if contact.deleted_at is None:
        record_trash(entity=entity, record=contact, by=by)
    record_purge(entity=entity, record=contact, by=by)
    return counts
