#!/bin/sh
# sessionguard-server postrm. Remove and upgrade keep the database in
# /var/lib/sessionguard-server; purge (deb) deletes it and the settings. The
# system user stays (Debian policy: files it owned may remain elsewhere).
set -e
case "$1" in
purge)
	rm -rf /var/lib/sessionguard-server
	rm -f /etc/sessionguard-server/server.env
	rmdir /etc/sessionguard-server 2>/dev/null || true
	rm -f /etc/systemd/system/multi-user.target.wants/sessionguard-server.service
	;;
esac
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload || true
fi
exit 0
