#!/bin/sh
# sessionguard-server preinst. $1 is "install" or "upgrade" (deb), or
# 1 = install, 2 = upgrade (rpm). Creates the system user the server runs as.
set -e
case "$1" in
install | upgrade | 1 | 2) ;;
*) exit 0 ;;
esac
if ! getent group sessionguard-server >/dev/null; then
	groupadd --system sessionguard-server
fi
if ! getent passwd sessionguard-server >/dev/null; then
	nologin=/usr/sbin/nologin
	[ -x "$nologin" ] || nologin=/sbin/nologin
	useradd --system --gid sessionguard-server --home-dir /var/lib/sessionguard-server \
		--no-create-home --shell "$nologin" --comment "SessionGuard server" sessionguard-server
fi
exit 0
