from django.conf import settings
from django.utils import translation
from django_tasks import task


@task()
def import_job_run(job_id: str) -> None:
    """Run (or resume) an import in the worker."""
    from clientela.workspaces.scoping import use_workspace

    from .models import ImportJob
    from .services import import_count, import_fail, import_run

    job = ImportJob.unscoped.select_related("workspace", "created_by").get(pk=job_id)
    if job.status in (ImportJob.Status.DONE, ImportJob.Status.UNDONE):
        return
    # the problems and reasons the job stores are read by the person who started it, in their language
    with use_workspace(job.workspace), translation.override(job.created_by.language or settings.LANGUAGE_CODE):
        try:
            if not job.total:
                import_count(job)
            import_run(job)
        except Exception as exc:  # the job says why; committed batches stay and a retry resumes after them
            import_fail(job, str(exc) or exc.__class__.__name__)
            raise
