#!/usr/bin/env bash
# make run: the whole product on one machine, on embedded defaults.
#
#   1. starts sessionguard-server on SQLite under ./var (plain HTTP on loopback);
#   2. creates a first admin and an enrol secret, and prints them;
#   3. onboards a local agent against it in the foreground (enrols, runs every
#      check once and prints what to fix);
#   4. prints the dashboard URL and runs the agent, which reports to the server,
#      until Ctrl-C (which stops both).
#
# State lives in ./var (server database, agent state, logs); running again
# reuses it. SG_RUN_ONCE=1 stops as soon as the server holds the agent's first
# report (used by the test of this script). SG_RUN_LISTEN changes the address.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${SG_RUN_BIN:-bin}
var=${SG_RUN_VAR:-var}
listen=${SG_RUN_LISTEN:-127.0.0.1:8080}
url="http://$listen"
mkdir -p "$var"
chmod 0700 "$var"
umask 077

server=("$bin/sessionguard-server" --db "sqlite:$var/sessionguard-server.db")
agent_state="$var/agent"
agent_socket="$var/agent.sock"
device="$(hostname)-make-run"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Server database ($var/sessionguard-server.db)"
"${server[@]}" migrate

# The first admin's password is printed once by the server; this demo keeps it
# in var/ (0600) so a second `make run` can show it again.
if [ ! -s "$var/admin-password" ]; then
	"${server[@]}" admin create --name admin >"$var/admin-password"
fi
if [ ! -s "$var/enroll-secret" ]; then
	"${server[@]}" enroll-secret create >"$var/enroll-secret"
fi

step "Starting the server on $url (log: $var/server.log)"
"${server[@]}" serve --listen "$listen" >"$var/server.log" 2>&1 &
server_pid=$!
agent_pid=
cleanup() {
	[ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
	kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
	true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
host=${listen%:*}
port=${listen##*:}
for _ in $(seq 1 100); do
	if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
		break
	fi
	if ! kill -0 "$server_pid" 2>/dev/null; then
		echo "run: the server did not start; its log:" >&2
		cat "$var/server.log" >&2
		exit 1
	fi
	sleep 0.1
done

step "Onboarding this computer (enrol, check, what to fix)"
"$bin/sessionguard" onboard --server "$url" --secret-file "$var/enroll-secret" \
	--name "$device" --state-dir "$agent_state" --socket "$agent_socket" --config /nonexistent

step "SessionGuard is running"
cat <<EOF
  Dashboard:   $url/
  Admin:       admin / $(cat "$var/admin-password")
  Enrol other computers with:
               sessionguard enroll --server $url --secret-file $var/enroll-secret
  The agent runs below and reports to the server; Ctrl-C stops both.
EOF

"$bin/sessionguard" agent run --state-dir "$agent_state" --socket "$agent_socket" &
agent_pid=$!

if [ "${SG_RUN_ONCE:-}" = 1 ]; then
	# Stop once the server holds a check run from this agent.
	for _ in $(seq 1 300); do
		if "${server[@]}" export results --format csv 2>/dev/null | grep -qF -- "$device"; then
			echo "run: the server holds this computer's first report; stopping (SG_RUN_ONCE=1)."
			exit 0
		fi
		if ! kill -0 "$agent_pid" 2>/dev/null; then
			echo "run: the agent stopped" >&2
			exit 1
		fi
		sleep 0.2
	done
	echo "run: no report reached the server in 60 s" >&2
	exit 1
fi
wait "$agent_pid"
