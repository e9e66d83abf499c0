#!/bin/bash
# The app run as in production for benchmarks/hardening_probe.py (issue 14's probe): DEBUG off,
# gunicorn with 2 workers, a Celery worker (1 process) and beat, PostgreSQL (database pa_probe,
# dropped and created again) and Redis (databases 7 and 8, flushed). Files go to $PROBE_DIR.
# usage: benchmarks/hardening_stack.sh start CODE_DIR | stop
set -u
PROBE_DIR=${PROBE_DIR:-/tmp/probe}; mkdir -p "$PROBE_DIR"
HERE=$(cd "$(dirname "$0")" && pwd)
PORT=8095
export DJANGO_SETTINGS_MODULE=advisor.config.settings DEBUG=0 SECRET_KEY=probe-secret-key-not-for-production-0123456789-abcdefghijklmnop \
  ALLOWED_HOSTS=127.0.0.1,localhost DATABASE_URL=postgres://postgres@127.0.0.1:5432/pa_probe \
  CELERY_BROKER_URL=redis://127.0.0.1:6379/7 CACHE_URL=redis://127.0.0.1:6379/8 SECURE_SSL_REDIRECT=0
case $1 in
start)
  cd "$2"
  dropdb -h 127.0.0.1 -U postgres --if-exists pa_probe; createdb -h 127.0.0.1 -U postgres pa_probe
  redis-cli -n 7 flushdb >/dev/null; redis-cli -n 8 flushdb >/dev/null
  .venv/bin/python manage.py migrate --noinput >$PROBE_DIR/migrate.log 2>&1 || { tail $PROBE_DIR/migrate.log; exit 1; }
  .venv/bin/python manage.py collectstatic --noinput >/dev/null 2>&1
  .venv/bin/python manage.py shell < "$HERE/hardening_seed.py"
  setsid .venv/bin/gunicorn advisor.config.wsgi:application -b 127.0.0.1:$PORT -w 2 --access-logfile $PROBE_DIR/access.log --error-logfile $PROBE_DIR/gunicorn.log --pid $PROBE_DIR/gunicorn.pid >/dev/null 2>&1 &
  setsid .venv/bin/celery -A advisor worker -l info -c 1 --pidfile $PROBE_DIR/worker.pid >$PROBE_DIR/worker.log 2>&1 &
  setsid .venv/bin/celery -A advisor beat -l info --schedule $PROBE_DIR/celerybeat-schedule --pidfile $PROBE_DIR/beat.pid >$PROBE_DIR/beat.log 2>&1 &
  for i in $(seq 60); do curl -s -o /dev/null http://127.0.0.1:$PORT/accounts/login/ && break; sleep 0.5; done
  echo "stack up on $PORT";;
stop)
  for f in gunicorn worker beat; do [ -f $PROBE_DIR/$f.pid ] && kill $(cat $PROBE_DIR/$f.pid) 2>/dev/null; done
  sleep 2; pkill -f "celery -A advisor worker -l info -c 1 --pidfile $PROBE_DIR" ; pkill -f "$PROBE_DIR/gunicorn.log"; rm -f $PROBE_DIR/*.pid; echo stopped;;
esac
