"""`python -m clientela.registry.tests.export_worker JOB_ID`: run an export job as the worker does, and say
how many processes wrote it."""

import sys

import django


def main() -> None:
    django.setup()
    from clientela.registry import export_jobs
    from clientela.registry.tasks import export_job_task

    in_parts = export_jobs._csv_in_parts

    def announced(*args):
        print(f"processes {args[-1]}", flush=True)
        return in_parts(*args)

    export_jobs._csv_in_parts = announced
    export_job_task.call(sys.argv[1])
    print("finished", flush=True)


if __name__ == "__main__":
    main()
