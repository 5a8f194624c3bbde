#!/bin/sh
# sessionguard postrm. $1 is "remove", "purge", "upgrade", … (deb), or the
# number of versions left: 0 = erase, 1 = upgrade (rpm).
# Remove and upgrade keep the session log, the spool, the results and the
# enrolment in /var/lib/sessionguard: the session log is an audit trail.
# Only purge (deb) deletes them, with the enrol file.
set -e
case "$1" in
purge)
	rm -rf /var/lib/sessionguard /run/sessionguard
	rm -f /etc/sessionguard/enroll.env
	rmdir /etc/sessionguard 2>/dev/null || true
	rm -f /etc/systemd/system/multi-user.target.wants/sessionguard-agent.service
	;;
esac
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload || true
fi
exit 0
