#!/bin/sh
# Installs what memtrace needs to build and to run its whole test suite on
# Debian (12 or newer) or Ubuntu. Run as root, or with sudo available.
set -eu
packages="build-essential autoconf automake pkg-config libseccomp-dev libunwind-dev
	gcc-multilib qemu-system-x86 busybox-static cpio xz-utils valgrind"
as_root=
[ "$(id -u)" = 0 ] || as_root=sudo
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
if ! dpkg-query -W $packages >/dev/null 2>&1; then
	$as_root apt-get update -q
	$as_root apt-get install -y -q --no-install-recommends $packages
fi
