#!/usr/bin/env bash
# Installs the Debian packages the tests use when they are missing. Each is
# there for real-component tests, never mocks:
#   nftables         firewall verdicts on real rulesets inside `unshare -n`
#   iptables         the firewall check's iptables fallback
#   cryptsetup-bin   LUKS headers made with luksFormat on a loop file
#   util-linux       unshare, lsblk, findmnt, blkid
#   iproute2         lo up and multicast routes in the mDNS namespace test
#   avahi-daemon     a real mDNS responder (without D-Bus) announcing a speaker
#                    and saying goodbye to the agent's passive listener
#   clamav           clamscan/sigtool read a real ClamAV database header
#   clamav-daemon    a real clamd and clamonacc (fanotify) scanning a test file
#                    in a person's folder, for what on-access scanning watches
#   libglib2.0-bin gsettings-desktop-schemas dconf-service dconf-gsettings-backend dbus-daemon
#                    GNOME screen-lock settings through real gsettings on a private bus
#   mate-screensaver mate-power-manager-common
#                    MATE's settings and its real screensaver on Xvfb: the
#                    screen locks only while it runs, and on sleep as the
#                    power manager's schema says
#   xautolock        the real xautolock on Xvfb: it locks when idle but has no
#                    before-sleep event, so the lock on sleep comes from a hook
#   network-manager  nmcli's real answers when NetworkManager is not running
#   iw               wifi_security: iw scan dump's real answer without Wi-Fi
#   chromium firefox-esr  real browser profiles for cookie clearing
#   gcc              go test -race (cgo)
#   postgresql       the server store suite's PostgreSQL half (a real cluster,
#                    started and given a test role by scripts/pg-test-setup.sh)
#   xvfb haskell-gtk-sni-tray-utils xdotool x11-apps
#                    the tray's menu drawn by a real StatusNotifier host
#                    (gtk-sni-tray-standalone) on Xvfb, clicked and captured (xwd)
#   rpm wixl msitools  building the .rpm and the MSI, and inspecting them
#                    (rpm -qlp, msiinfo)
#   osslsigncode openssl  the Windows signing hook, tested with a throw-away
#                    certificate
#   systemd          systemd-analyze verify/security of the shipped units (no
#                    systemd runs: only the analyser is used)
#   wine wine64 gcc-mingw-w64-x86-64-win32
#                    the Windows build run for real under Wine (64-bit only;
#                    internal/winetest) and the test-only bcryptprimitives.dll
#                    that Wine 8 lacks, cross-compiled with MinGW
#   nodejs           runs the macOS installer's version check (JavaScript in
#                    distribution.xml) with Installer's API stood in
#   sqlite3          the peer of the cookie-clearing benchmark (browsers
#                    BenchmarkClear10000/sqlite3)
#   dpkg-dev apt lz4 os_updates: a real security archive made with
#                    dpkg-scanpackages, fetched by apt-get into a private state;
#                    lz4cat as the reference for apt's lz4 lists
#   flatpak          os_updates: a runtime and an app built with flatpak's own
#                    tools, served over HTTP and installed into private
#                    installations, read for pending updates
#   x11vnc (with xvfb) a real VNC server sharing a private Xvfb display inside
#                    `unshare -n`, for the remote_access check's live test
#   pamtester        unixlogin: the PAM stacks Passwordless judges run through
#                    the real Linux-PAM, authenticating a locked account
#   pulseaudio pulseaudio-utils pipewire pipewire-bin
#                    capture_in_use: a real PulseAudio and PipeWire daemon in a
#                    private runtime folder, recorded from with parecord and
#                    pw-record, read with pactl and pw-dump
set -euo pipefail

packages=(
	nftables iptables cryptsetup-bin util-linux iproute2 clamav clamav-daemon avahi-daemon
	libglib2.0-bin gsettings-desktop-schemas dconf-service dconf-gsettings-backend dbus-daemon
	mate-screensaver mate-power-manager-common xautolock network-manager iw chromium firefox-esr gcc git make postgresql
	xvfb haskell-gtk-sni-tray-utils xdotool x11-apps
	rpm wixl msitools osslsigncode openssl systemd
	wine wine64 gcc-mingw-w64-x86-64-win32 nodejs sqlite3 x11vnc
	dpkg-dev apt lz4 flatpak pamtester
	pulseaudio pulseaudio-utils pipewire pipewire-bin
)

need=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		need+=("$p")
	fi
done
if [ ${#need[@]} -eq 0 ]; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing Debian packages: ${need[*]} — install them as root: apt-get install ${need[*]}" >&2
	exit 1
fi
echo "deps: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
