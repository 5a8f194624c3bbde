#!/bin/sh
# sessionguard prerm. $1 is "remove", "upgrade", "deconfigure" or
# "failed-upgrade" (deb), or the number of versions left: 0 = erase, 1 = upgrade (rpm).
# Stops the agent; on removal also disables it. Never touches its state.
set -e
# rpm runs the old package's preun (1) after the new package's post, which
# has already restarted the service with the new files: leave it running.
if [ "$1" = 1 ]; then
	exit 0
fi
if [ -d /run/systemd/system ]; then
	systemctl stop sessionguard-agent.service 2>/dev/null || true
fi
case "$1" in
remove | 0)
	if command -v systemctl >/dev/null 2>&1; then
		systemctl disable sessionguard-agent.service 2>/dev/null || true
	fi
	;;
esac
exit 0
