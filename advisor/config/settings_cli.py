"""Settings for the commands that store nothing and serve nothing (``manage.py advise``).

A CI job runs ``advise`` on a profile file with nothing else set, so these settings
read no environment at all. They can afford to: the command signs nothing, keeps no
session and opens no database. The web app, the workers and every other command keep
``advisor.config.settings``, which still refuses to start without ``SECRET_KEY`` when
``DEBUG`` is off. ``manage.py`` picks this module only for the commands in its
``STATELESS_COMMANDS``, and only when ``DJANGO_SETTINGS_MODULE`` is not set.
"""

from django.core.management.utils import get_random_secret_key

DEBUG = False
# A new key every run: nothing signed with it outlives the process, and there is no
# default key to leak.
SECRET_KEY = get_random_secret_key()
ALLOWED_HOSTS: list[str] = []

# What the advisor app's models need to load (the command imports the services module).
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes", "advisor"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# No database: Django's dummy backend raises on the first query, so a command that
# started storing something fails loudly instead of writing to a stray SQLite file.
DATABASES: dict = {}

# Nothing is queued: a task called by mistake runs in-process, with no broker to reach.
CELERY_BROKER_URL = "memory://"
CELERY_TASK_ALWAYS_EAGER = True
BACKGROUND_IN_PROCESS = "eager"  # a command waits for what it started

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
