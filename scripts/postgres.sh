#!/usr/bin/env bash
# Starts the machine's PostgreSQL server for rollproof's tests and services, and prints the URL to
# connect with (stdout, one line; progress goes to stderr):
#
#   export ROLLPROOF_TEST_PG_URL=$(scripts/postgres.sh)
#
# What it does (idempotent; a second run only checks and prints the URL):
#   1. installs Debian's `postgresql` package when `pg_ctlcluster` is missing (root only);
#   2. picks the newest installed server version and its `main` cluster (created when missing),
#      and starts it when it is down;
#   3. waits until the server accepts connections on 127.0.0.1;
#   4. creates the login role `rollproof` (password `rollproof`, CREATEDB: every test creates and
#      drops its own database) when missing, or resets those attributes when it exists.
#
# Environment: ROLLPROOF_PG_ROLE / ROLLPROOF_PG_PASSWORD override the role's name and password.
set -euo pipefail

role=${ROLLPROOF_PG_ROLE:-rollproof}
password=${ROLLPROOF_PG_PASSWORD:-rollproof}

log() { echo "postgres: $*" >&2; }
die() {
    echo "postgres: error: $*" >&2
    exit 1
}

is_root() { [ "$(id -u)" = 0 ]; }

if ! command -v pg_ctlcluster >/dev/null; then
    is_root || die "PostgreSQL is not installed and this is not root; run 'apt-get install -y postgresql' as root"
    log "installing PostgreSQL (apt-get install -y postgresql)"
    apt-get update -qq || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null ||
        die "apt-get install postgresql failed"
fi

# Runs a command as the `postgres` OS user (the cluster owner, who may connect over the socket).
as_postgres() {
    if [ "$(id -un)" = postgres ]; then
        "$@"
    elif is_root; then
        runuser -u postgres -- "$@"
    else
        sudo -n -u postgres -- "$@" || die "cannot run '$*' as the postgres user (need root or sudo)"
    fi
}

version=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -type d -printf '%f\n' 2>/dev/null | sort -V | tail -n 1)
[ -n "$version" ] || die "no PostgreSQL server under /usr/lib/postgresql; is the 'postgresql' package installed?"
cluster=main

if ! pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c { found = 1 } END { exit !found }'; then
    is_root || die "cluster $version/$cluster does not exist and this is not root"
    log "creating cluster $version/$cluster"
    pg_createcluster "$version" "$cluster" >&2 || die "pg_createcluster $version $cluster failed"
fi

status=$(pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c { print $4 }')
port=$(pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c { print $3 }')
if [ "$status" != online ]; then
    log "starting cluster $version/$cluster (port $port)"
    if is_root || [ "$(id -un)" = postgres ]; then
        pg_ctlcluster "$version" "$cluster" start >&2 || die "pg_ctlcluster $version $cluster start failed; see /var/log/postgresql/postgresql-$version-$cluster.log"
    else
        sudo -n pg_ctlcluster "$version" "$cluster" start >&2 || die "cannot start the cluster (need root or sudo)"
    fi
fi

for _ in $(seq 1 60); do
    pg_isready -q -h 127.0.0.1 -p "$port" && break
    sleep 0.5
done
pg_isready -q -h 127.0.0.1 -p "$port" || die "the server on 127.0.0.1:$port does not accept connections after 30 s"

psql_admin() { as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$port" -d postgres "$@"; }
attributes="LOGIN CREATEDB PASSWORD '$password'"
if [ "$(psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$role'")" = 1 ]; then
    psql_admin -c "ALTER ROLE \"$role\" WITH $attributes" >/dev/null
else
    log "creating role $role"
    psql_admin -c "CREATE ROLE \"$role\" WITH $attributes" >/dev/null
fi

log "ready: PostgreSQL $version/$cluster on 127.0.0.1:$port, role $role"
echo "postgres://$role:$password@127.0.0.1:$port/postgres"
