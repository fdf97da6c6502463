"""`python -m datapolis.jobs.child JOB_ID`: the process that runs one job (see datapolis.jobs.supervision)."""

from __future__ import annotations

import os
import sys


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "datapolis.settings")
    import django

    django.setup()
    from datapolis.jobs.supervision import child_main

    return child_main(int(argv[1]))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
