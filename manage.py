#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django
    from django.core.management import execute_from_command_line

    django.setup()
    from clientela.common.startup import require_database

    require_database(sys.argv)
    execute_from_command_line(sys.argv)
