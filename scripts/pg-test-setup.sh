#!/usr/bin/env bash
# Prepares a local PostgreSQL cluster for the server/store test suite:
# starts the Debian cluster (pg_ctlcluster) when it is down and creates the
# login role the tests use. The tests connect over TCP with a password
# (pg_hba's scram-sha-256 rule for 127.0.0.1), so they work when the test
# process runs as root, where peer authentication would map to the wrong
# user. Each test then creates and drops its own database.
#
# Idempotent. Run as root (it switches to the postgres user for psql).
# The DSN it prepares is the suite's default:
#   postgres://sgtest:sgtest@127.0.0.1:5432/postgres?sslmode=disable
# (override with SG_TEST_POSTGRES_DSN).
set -euo pipefail

if ! command -v pg_lsclusters >/dev/null 2>&1; then
	echo "pg-test-setup: PostgreSQL is not installed (apt-get install postgresql)" >&2
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "pg-test-setup: run as root" >&2
	exit 1
fi

# The first cluster Debian created (15/main on Debian 12).
read -r version cluster port status _ < <(pg_lsclusters --no-header | head -n1)
if [ -z "${version:-}" ]; then
	echo "pg-test-setup: no PostgreSQL cluster; create one with pg_createcluster" >&2
	exit 1
fi
if [ "$status" != "online" ]; then
	pg_ctlcluster "$version" "$cluster" start
fi
if [ "$port" != "5432" ]; then
	echo "pg-test-setup: cluster $version/$cluster listens on port $port; set SG_TEST_POSTGRES_DSN accordingly" >&2
fi

# Wait for it to accept connections.
for _ in $(seq 1 50); do
	if runuser -u postgres -- psql -p "$port" -qAtc 'SELECT 1' >/dev/null 2>&1; then
		break
	fi
	sleep 0.2
done

runuser -u postgres -- psql -p "$port" -v ON_ERROR_STOP=1 -q <<'SQL'
DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sgtest') THEN
		CREATE ROLE sgtest LOGIN CREATEDB PASSWORD 'sgtest';
	ELSE
		ALTER ROLE sgtest LOGIN CREATEDB PASSWORD 'sgtest';
	END IF;
END
$$;
SQL
echo "pg-test-setup: cluster $version/$cluster on port $port ready, role sgtest"
