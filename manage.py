#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys

# Commands that store nothing and serve nothing, so they run with no environment at all
# (a CI job runs ``advise`` on a profile file): they get settings that need no secret.
STATELESS_COMMANDS = {"advise", "calibrate"}


def main() -> None:
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    settings = "advisor.config.settings_cli" if command in STATELESS_COMMANDS else "advisor.config.settings"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
