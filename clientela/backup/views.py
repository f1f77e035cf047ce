"""An administrator downloads the whole workspace as a backup zip (the `workspace_backup` command's file)."""

import tempfile
import zipfile

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.security import access
from clientela.security.audit import audit_log

from .dump import workspace_backup


@login_required
def backup_page(request):
    if not access.is_admin(request.user):
        raise PermissionDenied(_("Only administrators can download a backup of the workspace."))
    if request.method != "POST":
        return render(request, "backup/backup.html", {})
    spool = tempfile.TemporaryFile()  # FileResponse closes it once sent
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        manifest = workspace_backup(request.workspace, archive)
    spool.seek(0)
    audit_log(action="workspace.backed_up", actor=request.user, target_type="workspace",
              target_label=request.workspace.name, request=request,
              details={"rows": sum(p["count"] for p in manifest["models"].values()), "files": len(manifest["files"])})
    name = f"{request.workspace.slug}-backup-{timezone.localtime().strftime('%Y%m%d-%H%M')}.zip"
    return FileResponse(spool, as_attachment=True, filename=name, content_type="application/zip")
