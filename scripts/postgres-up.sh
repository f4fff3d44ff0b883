#!/usr/bin/env bash
# Bring up a local PostgreSQL server for the test suite and print its URL.
#
# Contract (used by `make test`):
#   * the LAST line on stdout is the SQLAlchemy database URL;
#   * everything else goes to stderr;
#   * exit 3 means "PostgreSQL is not available and I cannot install it"
#     (not root); the caller decides whether that is fatal.
#
# Idempotent: safe to run many times, fast when everything is already up.
# If TIPLINE_TEST_POSTGRES_URL is set, it is printed as-is and nothing else
# happens (bring your own server).
set -euo pipefail

# Keep the real stdout on fd 3 for the URL; send everything else to stderr.
exec 3>&1 1>&2

DB_USER=tipline
DB_PASSWORD=tipline
DB_NAME=tipline_test
CLUSTER=main
WAIT_SECONDS=30

log() { printf 'postgres-up: %s\n' "$*" >&2; }
die() { local code=$1; shift; log "ERROR: $*"; exit "$code"; }
emit_url() { printf 'postgresql+asyncpg://%s:%s@127.0.0.1:%s/%s\n' \
    "$DB_USER" "$DB_PASSWORD" "$1" "$DB_NAME" >&3; }

# 1. Bring-your-own server.
if [[ -n "${TIPLINE_TEST_POSTGRES_URL:-}" ]]; then
    printf '%s\n' "$TIPLINE_TEST_POSTGRES_URL" >&3
    exit 0
fi

is_root() { [[ "$(id -u)" -eq 0 ]]; }

# Run a command that may leave a daemon (the postmaster) behind with every
# file descriptor above 2 closed. Otherwise the daemon inherits fd 3 (our real
# stdout) and any pipe the caller leaked, and `url=$(postgres-up.sh)` would
# block forever waiting for EOF.
detached() {
    (
        for fd_path in /proc/$BASHPID/fd/*; do
            fd=${fd_path##*/}
            if [[ "$fd" =~ ^[0-9]+$ ]] && ((fd > 2)); then
                eval "exec $fd>&-"
            fi
        done
        "$@"   # not exec: may be a shell function (as_owner)
    )
}

installed_versions() {
    local f
    for f in /usr/lib/postgresql/*/bin/postgres; do
        [[ -x "$f" ]] || continue
        f=${f#/usr/lib/postgresql/}
        printf '%s\n' "${f%%/*}"
    done | sort -V
}

# 2. Install the server if needed.
if [[ -z "$(installed_versions)" ]] || ! command -v pg_lsclusters >/dev/null; then
    if ! is_root; then
        log "PostgreSQL is not installed and I am not root: run as root or set TIPLINE_TEST_POSTGRES_URL"
        exit 3
    fi
    log "installing PostgreSQL from the Debian archive..."
    export DEBIAN_FRONTEND=noninteractive
    apt_install() {
        # The package's postinst may start the server: detach it from our fds.
        detached apt-get install -y -qq --no-install-recommends \
            -o DPkg::Lock::Timeout=300 postgresql postgresql-contrib
    }
    # Only refresh the package lists when apt does not know the package
    # (fresh machine) or when the install fails (stale lists).
    if ! apt-cache policy postgresql 2>/dev/null | grep -q 'Candidate: [0-9]'; then
        apt-get update -qq
    fi
    if ! apt_install; then
        log "install failed; refreshing package lists and retrying"
        apt-get update -qq
        apt_install
    fi
    [[ -n "$(installed_versions)" ]] || die 1 "PostgreSQL still not installed after apt-get install"
fi

VER=$(installed_versions | tail -n 1)
CONF_DIR=/etc/postgresql/$VER/$CLUSTER

# Prints: port status owner datadir logfile  (empty if the cluster does not exist)
cluster_info() {
    pg_lsclusters -h 2>/dev/null | awk -v v="$VER" -v c="$CLUSTER" \
        '$1 == v && $2 == c { print $3, $4, $5, $6, $7; exit }'
}

read_cluster() {
    local info
    info=$(cluster_info)
    [[ -n "$info" ]] || return 1
    read -r PORT STATUS OWNER DATA_DIR LOG_FILE <<<"$info"
}

# Run a command as the cluster owner (root in CI; or we already are the owner).
as_owner() {
    if is_root; then
        runuser -u "${OWNER:-postgres}" -- "$@"
    elif [[ "$(id -un)" == "${OWNER:-postgres}" ]]; then
        "$@"
    else
        return 99
    fi
}

can_login() {
    PGPASSWORD=$DB_PASSWORD PGCONNECT_TIMEOUT=5 psql -X -q -w -h 127.0.0.1 -p "$PORT" \
        -U "$DB_USER" -d "$DB_NAME" -tAc 'select 1' >/dev/null 2>&1
}

# Non-root fast path / limitation: without root (or being the cluster owner)
# we cannot start or configure anything; accept an already-working setup.
if ! is_root && [[ "$(id -un)" != "postgres" ]]; then
    if read_cluster && [[ "$STATUS" == online* ]] && can_login; then
        emit_url "$PORT"
        exit 0
    fi
    log "PostgreSQL $VER is installed but not up/configured for the tests, and I am not root: run as root or set TIPLINE_TEST_POSTGRES_URL"
    exit 3
fi

# 3. Make sure the cluster exists.
if ! read_cluster; then
    is_root || die 3 "cluster $VER/$CLUSTER does not exist and I am not root"
    log "creating cluster $VER/$CLUSTER"
    pg_createcluster "$VER" "$CLUSTER"
    read_cluster || die 1 "pg_createcluster did not produce cluster $VER/$CLUSTER"
fi

# Make sure it listens on 127.0.0.1 (Debian default 'localhost' normally does).
# Ask the server binary for the effective value (postgresql.conf, conf.d,
# postgresql.auto.conf all taken into account).
effective_listen() {
    as_owner "/usr/lib/postgresql/$VER/bin/postgres" -C listen_addresses \
        -D "$DATA_DIR" -c "config_file=$CONF_DIR/postgresql.conf" 2>/dev/null
}
listen_ok() {
    local la
    la=$(effective_listen) || return 0   # cannot tell: let pg_isready decide
    case ",${la// /}," in
        *,\*,* | *,0.0.0.0,* | *,127.0.0.1,*) return 0 ;;
        *,localhost,*) getent ahostsv4 localhost 2>/dev/null | grep -q '^127\.0\.0\.1' ;;
        *) return 1 ;;
    esac
}
NEED_RESTART=0
if ! listen_ok; then
    la=$(effective_listen || true)
    la=${la// /}
    la=${la:+$la,}127.0.0.1
    log "appending listen_addresses = '$la' to $CONF_DIR/postgresql.conf"
    printf "\n# added by tipline scripts/postgres-up.sh\nlisten_addresses = '%s'\n" "$la" \
        >>"$CONF_DIR/postgresql.conf"
    listen_ok || log "WARNING: listen_addresses still does not cover 127.0.0.1 (overridden in postgresql.auto.conf?)"
    NEED_RESTART=1
fi

print_log_tail() {
    if [[ -n "${LOG_FILE:-}" && -r "$LOG_FILE" ]]; then
        log "last lines of $LOG_FILE:"
        tail -n 30 "$LOG_FILE" >&2 || true
    fi
}

start_cluster() {
    # A stale postmaster.pid (e.g. container snapshot taken while running)
    # whose PID is not a live postgres process blocks startup: drop it.
    local pidfile="$DATA_DIR/postmaster.pid" pid
    if [[ -f "$pidfile" ]]; then
        pid=$(head -n 1 "$pidfile" 2>/dev/null || true)
        if [[ ! "$pid" =~ ^[0-9]+$ ]] || ! grep -qs postgres "/proc/$pid/comm"; then
            log "removing stale $pidfile"
            rm -f "$pidfile"
        fi
    fi
    # Socket directory lives on tmpfs and may be missing.
    if is_root && [[ ! -d /var/run/postgresql ]]; then
        install -d -m 2775 -o "$OWNER" -g "$OWNER" /var/run/postgresql
    fi
    log "starting cluster $VER/$CLUSTER (port $PORT)"
    if detached pg_ctlcluster "$VER" "$CLUSTER" start; then
        return 0
    fi
    log "pg_ctlcluster failed; falling back to pg_ctl as $OWNER"
    detached as_owner "/usr/lib/postgresql/$VER/bin/pg_ctl" -D "$DATA_DIR" -l "$LOG_FILE" -w -t "$WAIT_SECONDS" \
        -o "-c config_file=$CONF_DIR/postgresql.conf" start
}

if [[ "$STATUS" == online* && "$NEED_RESTART" -eq 1 ]]; then
    log "restarting cluster $VER/$CLUSTER to apply listen_addresses"
    detached pg_ctlcluster "$VER" "$CLUSTER" restart || { print_log_tail; die 1 "restart failed"; }
elif [[ "$STATUS" != online* ]]; then
    start_cluster || { print_log_tail; die 1 "could not start cluster $VER/$CLUSTER"; }
fi
read_cluster || true

# Wait (bounded) until it accepts TCP connections on 127.0.0.1.
deadline=$((SECONDS + WAIT_SECONDS))
until pg_isready -q -h 127.0.0.1 -p "$PORT"; do
    if ((SECONDS >= deadline)); then
        print_log_tail
        die 1 "PostgreSQL $VER/$CLUSTER not accepting connections on 127.0.0.1:$PORT after ${WAIT_SECONDS}s"
    fi
    sleep 0.5
done

# 4. Role, database, extension (idempotent; run as the superuser over the socket).
su_psql() { as_owner psql -X -q -v ON_ERROR_STOP=1 -p "$PORT" "$@"; }

su_psql -d postgres <<SQL
DO \$\$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN
        CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD';
    ELSE
        ALTER ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD';
    END IF;
END
\$\$;
SELECT 'CREATE DATABASE $DB_NAME OWNER $DB_USER'
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$DB_NAME')
\gexec
ALTER DATABASE $DB_NAME OWNER TO $DB_USER;
SQL

if ! su_psql -d "$DB_NAME" -c 'CREATE EXTENSION IF NOT EXISTS pg_trgm' 2>/dev/null; then
    log "WARNING: could not enable the pg_trgm extension in $DB_NAME (is postgresql-contrib installed?)"
fi

# Check the URL really works with password auth over TCP; if pg_hba.conf does
# not allow it, add a narrow rule on top and reload.
if ! can_login; then
    HBA=$(as_owner psql -X -tA -p "$PORT" -d postgres -c 'SHOW hba_file')
    RULE="host    all    $DB_USER    127.0.0.1/32    scram-sha-256"
    if ! grep -qF "$RULE" "$HBA"; then
        log "adding '$RULE' to $HBA"
        { printf '# added by tipline scripts/postgres-up.sh\n%s\n' "$RULE"; cat "$HBA"; } >"$HBA.tmp"
        cat "$HBA.tmp" >"$HBA" && rm -f "$HBA.tmp"
    fi
    pg_ctlcluster "$VER" "$CLUSTER" reload
    for _ in 1 2 3 4 5 6 7 8 9 10; do can_login && break; sleep 0.3; done
    can_login || {
        PGPASSWORD=$DB_PASSWORD psql -X -w -h 127.0.0.1 -p "$PORT" -U "$DB_USER" -d "$DB_NAME" -c 'select 1' || true
        die 1 "cannot log in as $DB_USER to $DB_NAME on 127.0.0.1:$PORT"
    }
fi

# 5. The URL, last line on stdout.
emit_url "$PORT"
