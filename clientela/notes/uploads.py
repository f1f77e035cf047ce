"""What may be attached: known document and image types, checked by content, within a size limit."""

from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

ZIP = b"PK\x03\x04"
OLE = b"\xd0\xcf\x11\xe0"
# extension -> (content type, accepted leading bytes; None = text that must decode as UTF-8/Latin-1)
ALLOWED = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    ".webp": ("image/webp", (b"RIFF",)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (ZIP,)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (ZIP,)),
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", (ZIP,)),
    ".odt": ("application/vnd.oasis.opendocument.text", (ZIP,)),
    ".ods": ("application/vnd.oasis.opendocument.spreadsheet", (ZIP,)),
    ".doc": ("application/msword", (OLE,)),
    ".xls": ("application/vnd.ms-excel", (OLE,)),
    ".zip": ("application/zip", (ZIP,)),
    ".txt": ("text/plain", None),
    ".csv": ("text/csv", None),
    ".eml": ("message/rfc822", None),
}


def checked_content_type(upload) -> str:
    """The content type we will serve the file with, or a ValidationError naming the rule broken."""
    limit = settings.CLIENTELA["ATTACHMENT_MAX_BYTES"]
    if upload.size > limit:
        raise ValidationError(_("“%(name)s” is %(size)s; attachments can be at most %(limit)s.")
                              % {"name": upload.name, "size": filesizeformat(upload.size),
                                 "limit": filesizeformat(limit)}, code="too_large")
    extension = PurePath(upload.name).suffix.lower()
    if extension not in ALLOWED:
        raise ValidationError(_("“%(name)s”: files of this type cannot be attached. Allowed: %(allowed)s.")
                              % {"name": upload.name, "allowed": ", ".join(sorted(ALLOWED))}, code="bad_type")
    content_type, signatures = ALLOWED[extension]
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    if signatures is None:
        looks_right = b"\x00" not in head and not head.lstrip().lower().startswith((b"<!doctype", b"<html", b"<svg"))
    else:
        looks_right = head.startswith(signatures)
    if not looks_right:
        raise ValidationError(_("“%(name)s” does not contain what its name says (%(ext)s)."),
                              params={"name": upload.name, "ext": extension}, code="content_mismatch")
    return content_type
