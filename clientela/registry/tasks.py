from django_tasks import task


@task()
def export_job_task(job_id: str) -> None:
    """Write a big list export in the worker."""
    from .export_jobs import export_job_fail, export_job_run
    from .models import ExportJob

    job = ExportJob.unscoped.select_related("workspace", "created_by").get(pk=job_id)
    if job.status == ExportJob.Status.DONE:
        return
    try:
        export_job_run(job)
    except Exception as exc:  # the job says why; exporting again starts a new one
        export_job_fail(job, str(exc) or exc.__class__.__name__)
        raise
