#!/bin/sh
# install-deps.sh: install with apt-get the Debian packages jolt builds and tests with.
# Idempotent and quiet when everything is there; runs `apt-get update` once, only when
# something must be installed. Works as root, or through sudo when available.
# Why each package is needed: docs/dependencies.md.
set -eu

PKGS="build-essential gcc make clang llvm lua5.4 luajit liburing-dev libbpf-dev bpftool
      libnuma-dev libelf-dev zlib1g-dev systemtap-sdt-dev libclang-rt-14-dev time binutils"

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
else
	echo "install-deps: missing packages:$missing (not root and no sudo)" >&2
	exit 1
fi

echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086 # one word per package
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
