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
# The settings file is root's to edit and readable by the service's group, so
# `sudo -u sessionguard-server sessionguard-server admin …` reads the same
# settings (the database above all) as the service. Only a file still
# root:root is changed: an admin's own choice of owner stays.
env=/etc/sessionguard-server/server.env
if [ -f "$env" ] && [ "$(stat -c %G "$env")" = root ]; then
	chgrp sessionguard-server "$env"
	chmod 0640 "$env"
fi
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
