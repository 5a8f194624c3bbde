#!/bin/sh
# sessionguard-server prerm. $1 is "remove", "upgrade", … (deb), or 0 = erase,
# 1 = upgrade (rpm).
set -e
# rpm runs the old package's preun (1) after the new package's post, which
# has already restarted the service with the new files: leave it running.
if [ "$1" = 1 ]; then
	exit 0
fi
if [ -d /run/systemd/system ]; then
	systemctl stop sessionguard-server.service 2>/dev/null || true
fi
case "$1" in
remove | 0)
	if command -v systemctl >/dev/null 2>&1; then
		systemctl disable sessionguard-server.service 2>/dev/null || true
	fi
	;;
esac
exit 0
