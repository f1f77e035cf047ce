"""`python -m clientela.transfer.tests.import_worker JOB_ID [PAUSE]`: run an import job as the worker does.

With PAUSE (seconds), each batch prints "written N" once its records are written, then waits PAUSE before
its transaction commits, so a test can kill the process inside a batch.
"""

import sys
import time

import django


def main() -> None:
    django.setup()
    from clientela.transfer.engine import Importer
    from clientela.transfer.tasks import import_job_run

    if len(sys.argv) > 2:
        pause, write, written = float(sys.argv[2]), Importer.write, []

        def slow_write(self, outcomes):
            write(self, outcomes)
            written.append(len(outcomes))
            print(f"written {len(written)}", flush=True)
            time.sleep(pause)

        Importer.write = slow_write
    import_job_run.call(sys.argv[1])
    print("finished", flush=True)


if __name__ == "__main__":
    main()
