#!/bin/sh
# sessionguard-server postinst. $1 is "configure" (deb) or 1 = install,
# 2 = upgrade (rpm). Creates the state directory and starts the server when
# systemd runs.
set -e
case "$1" in
configure | 1 | 2) ;;
*) exit 0 ;;
esac
install -d -m 0750 -o sessionguard-server -g sessionguard-server /var/lib/sessionguard-server
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload || true
	systemctl enable sessionguard-server.service || true
	if ! systemctl restart sessionguard-server.service; then
		echo "SessionGuard server: did not start; check /etc/sessionguard-server/server.env and 'journalctl -u sessionguard-server'." >&2
	fi
else
	echo "SessionGuard server: systemd is not running here, so the service was not started."
fi
echo "SessionGuard server: settings are in /etc/sessionguard-server/server.env."
exit 0
