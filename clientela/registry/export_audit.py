"""Big exports are security-relevant: past a threshold, who exported what (and with which filters) is audited.

Called by every export view (CSV, XLSX…) with the same queryset it is about to write.
"""

from django.conf import settings
from django.db.models import QuerySet

from clientela.security.audit import audit_log
from clientela.security.models import AuditEntry

from .entities import Entity
from .selectors import ListQuery


def records_export_audit(*, request, entity: Entity, queryset: QuerySet, query: ListQuery,
                         export_format: str = "csv") -> AuditEntry | None:
    """An audit entry "records.exported" when the export has more rows than AUDIT_EXPORT_THRESHOLD, else None."""
    threshold = settings.CLIENTELA["AUDIT_EXPORT_THRESHOLD"]
    unordered = queryset.order_by()
    if unordered[: threshold + 1].count() <= threshold:  # small exports stay cheap: no full count
        return None
    details = {"entity": entity.key, "rows": unordered.count(), "format": export_format,
               "filters": query.filters or {}, "q": query.text, "sort": query.sort}
    return audit_log(action="records.exported", actor=request.user, target_type=entity.key,
                     target_label=str(entity.label_plural), details=details, request=request)
