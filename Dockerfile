# Placement Advisor: one image for web (gunicorn), worker and beat (Celery).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=advisor.config.settings \
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
    CHROMIUM_PATH=/usr/bin/chromium

# Debian's chromium and fonts render the charts for the PDF report (no browser download at run time);
# Pango is what WeasyPrint lays the PDF out with.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        chromium fonts-dejavu-core fonts-liberation fonts-noto-core \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system app && useradd --system --gid app --create-home --home-dir /home/app app

WORKDIR /app
COPY requirements.txt .
RUN pip install --require-hashes -r requirements.txt

COPY --chown=app:app . .
USER app

# plotly.js (strict bundle) from the npm registry, pinned and checksummed, served as a static file.
RUN python scripts/fetch_static.py

# Static files are baked into the image (served by WhiteNoise). The settings refuse to load without a
# 50+ character SECRET_KEY and ALLOWED_HOSTS when DEBUG is off; these dummies exist only for this step.
RUN SECRET_KEY=build-time-dummy-used-only-by-collectstatic-never-at-run-time \
    ALLOWED_HOSTS=localhost DEBUG=0 python manage.py collectstatic --noinput

EXPOSE 8000
CMD ["gunicorn", "advisor.config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
