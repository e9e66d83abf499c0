#!/usr/bin/env bash
# Makes sure the local PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) are up,
# starting them when a quick check fails, and that the database named in
# DATABASE_URL exists. Fails loudly: the database tests must never be skipped.
set -euo pipefail

: "${DATABASE_URL:=postgres://postgres@127.0.0.1:5432/placement_advisor}"

wait_for() {  # wait_for DESCRIPTION COMMAND...
    local what=$1; shift
    for _ in $(seq 1 30); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 1
    done
    echo "error: $what is not reachable after 30 s" >&2
    return 1
}

if ! pg_isready -q -h 127.0.0.1 -p 5432 >/dev/null 2>&1; then
    echo ">> starting PostgreSQL"
    if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
        pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
    fi
    wait_for "PostgreSQL at 127.0.0.1:5432" pg_isready -q -h 127.0.0.1 -p 5432
fi

if ! redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; then
    echo ">> starting Redis"
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
        --dir /var/lib/redis --logfile /var/log/redis/ci.log
    wait_for "Redis at 127.0.0.1:6379" sh -c 'redis-cli -h 127.0.0.1 -p 6379 ping | grep -q PONG'
fi

# Create the database of DATABASE_URL when it is missing (the test runner then
# creates test_<name> next to it).
case "$DATABASE_URL" in
    postgres://*|postgresql://*)
        db=${DATABASE_URL##*/}; db=${db%%\?*}
        server=${DATABASE_URL%/*}/postgres
        if ! psql "$server" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
            echo ">> creating database $db"
            psql "$server" -q -c "CREATE DATABASE \"$db\""
        fi
        psql "$DATABASE_URL" -tAc "SELECT 1" >/dev/null
        ;;
esac
echo ">> PostgreSQL and Redis are up"
