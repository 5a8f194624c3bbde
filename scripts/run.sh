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
# report (used by the test of this script). SG_RUN_LISTEN changes the address
# (default 127.0.0.1:8080; e.g. SG_RUN_LISTEN=127.0.0.1:8090 make run when that
# port is taken).
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

# Is something already listening there? Then this run would only talk to
# it: say so before anything else.
host=${listen%:*}
port=${listen##*:}
port_taken() { (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; }
port_advice="choose another address, e.g.  SG_RUN_LISTEN=127.0.0.1:8090 make run"
if port_taken; then
	echo "run: $listen is already in use by another program, so the SessionGuard server cannot listen there." >&2
	echo "     Stop that program, or $port_advice" >&2
	exit 1
fi

step "Server database ($var/sessionguard-server.db)"
"${server[@]}" migrate

# The first admin, set up once. Its password is generated (standard input is
# never a terminal here, so nothing is asked) and kept in var/admin-password
# (0600) so every later `make run` shows it again. An admin left without its
# kept password by an interrupted run gets a new one.
set_password() { # create|set-password
	local tmp="$var/admin-password.tmp" args=(admin create --name admin)
	[ "$1" = set-password ] && args=(admin set-password admin)
	"${server[@]}" "${args[@]}" </dev/null >"$tmp" 2>"$var/admin.log" && [ -s "$tmp" ] && mv "$tmp" "$var/admin-password"
}
if [ ! -s "$var/admin-password" ]; then
	action=create
	if "${server[@]}" admin list </dev/null 2>/dev/null | grep -qE '^admin\b'; then
		action=set-password
	fi
	set_password "$action" || { echo "run: could not set up the admin account:" >&2; cat "$var/admin.log" >&2; exit 1; }
	admin_note="created now"
	[ "$action" = set-password ] && admin_note="a new password, as the kept one was missing"
else
	admin_note="set up by an earlier make run"
fi
if [ ! -s "$var/enroll-secret" ]; then
	"${server[@]}" enroll-secret create </dev/null >"$var/enroll-secret.tmp"
	mv "$var/enroll-secret.tmp" "$var/enroll-secret"
fi

step "Starting the server on $url (log: $var/server.log)"
"${server[@]}" serve --listen "$listen" >"$var/server.log" 2>&1 &
server_pid=$!
agent_pid=
# Each step may fail (the process is gone, or ends by the signal: wait then
# returns 143), and under set -e a failing last command of a && list in
# this trap would replace the run's own exit status with its own.
cleanup() {
	if [ -n "$agent_pid" ]; then
		kill "$agent_pid" 2>/dev/null || true
		wait "$agent_pid" 2>/dev/null || true
	fi
	kill "$server_pid" 2>/dev/null || true
	wait "$server_pid" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Ready means the server answers /readyz with 200 (its database is open), not
# merely that something accepts connections on the port.
readyz() {
	exec 3<>"/dev/tcp/$host/$port" || return 1
	printf 'GET /readyz HTTP/1.0\r\nHost: %s\r\n\r\n' "$listen" >&3
	local status=
	IFS= read -r -t 2 status <&3 || true
	exec 3<&-
	case $status in "HTTP/1."?" 200"*) return 0 ;; esac
	return 1
}
ready=
for _ in $(seq 1 150); do
	if ! kill -0 "$server_pid" 2>/dev/null; then
		if grep -qi "address already in use" "$var/server.log"; then
			echo "run: $listen is already in use by another program; $port_advice" >&2
		else
			echo "run: the server did not start; its log ($var/server.log):" >&2
			cat "$var/server.log" >&2
		fi
		exit 1
	fi
	if readyz 2>/dev/null; then
		ready=1
		break
	fi
	sleep 0.1
done
if [ -z "$ready" ]; then
	echo "run: the server did not answer $url/readyz within 15 s; its log ($var/server.log):" >&2
	cat "$var/server.log" >&2
	exit 1
fi

step "Onboarding this computer (enrol, check, what to fix)"
"$bin/sessionguard" onboard --server "$url" --secret-file "$var/enroll-secret" \
	--name "$device" --state-dir "$agent_state" --socket "$agent_socket" --config ""

step "SessionGuard is running"
cat <<EOF
  Dashboard:   $url/
  Sign in as:  admin
  Password:    $(cat "$var/admin-password")   ($admin_note; kept in $var/admin-password)
  Enrol other computers with:
               sessionguard enroll --server $url --secret-file $var/enroll-secret
  This computer's checks, from another terminal:
               bin/sessionguard status --socket $agent_socket
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
