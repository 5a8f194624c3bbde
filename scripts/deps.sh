#!/usr/bin/env bash
# Installs the Debian packages the tests use when they are missing:
# nftables (firewall tests in a network namespace), cryptsetup-bin (LUKS
# header tests), util-linux (unshare, lsblk, findmnt), gcc (go test -race).
set -euo pipefail

need=()
have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/sbin/$1" ]; }
have nft        || need+=(nftables)
have cryptsetup || need+=(cryptsetup-bin)
have unshare    || need+=(util-linux)
have lsblk      || need+=(util-linux)
have blkid      || need+=(util-linux)
have gcc        || need+=(gcc)
have git        || need+=(git)

if [ ${#need[@]} -eq 0 ]; then
	exit 0
fi
mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages: ${need[*]} — install them as root (apt-get install ${need[*]})" >&2
	exit 1
fi
echo "deps: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
