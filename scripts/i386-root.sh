#!/bin/sh
# Real i386 programs for the tests and the i386 benchmarks: Debian's i386
# python3.11 (its standard library) and busybox-static, unpacked into DIR
# with the libraries they need, fetched with apt-get download under a
# package list of their own in DIR (the system's apt configuration and its
# architectures are left alone; no root needed). Done once: DIR/.complete
# marks a finished root.
#
# Usage: i386-root.sh DIR    prints DIR once it holds the programs:
#   DIR/bin/busybox                       static
#   DIR/lib/ld-linux.so.2 --library-path DIR/lib/i386-linux-gnu:DIR/usr/lib/i386-linux-gnu
#       DIR/usr/bin/python3.11            with PYTHONHOME=DIR/usr
# Exit: 0 ready, 77 it cannot be had here (no apt-get, no network: said why).
set -u
dir=${1:?usage: i386-root.sh DIR}
packages="libc6 python3.11-minimal libpython3.11-minimal libpython3.11-stdlib zlib1g
	libexpat1 libssl3 busybox-static"

[ -f "$dir/.complete" ] && { echo "$dir"; exit 0; }
command -v apt-get >/dev/null 2>&1 && command -v dpkg-deb >/dev/null 2>&1 ||
	{ echo "i386-root: needs apt-get and dpkg-deb (Debian)" >&2; exit 77; }
mkdir -p "$dir" && work=$(mktemp -d "$dir/.fetch.XXXXXX") ||
	{ echo "i386-root: cannot write to $dir" >&2; exit 77; }
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs" "$work/root"
: >"$work/status"
# the system's sources, read for i386 only
cat >"$work/apt.conf" <<EOF
APT::Architecture "i386";
APT::Architectures { "i386"; };
Dir::State::Lists "$work/lists";
Dir::State::status "$work/status";
Dir::Cache "$work/cache";
EOF
export APT_CONFIG="$work/apt.conf"
apt-get update -qq >"$work/log" 2>&1 ||
	{ echo "i386-root: apt-get update failed (offline?):" >&2; tail -n 3 "$work/log" >&2; exit 77; }
# shellcheck disable=SC2086
(cd "$work/debs" && apt-get download -qq $packages) >"$work/log" 2>&1 ||
	{ echo "i386-root: apt-get download failed:" >&2; tail -n 3 "$work/log" >&2; exit 77; }
for deb in "$work"/debs/*.deb; do
	dpkg-deb -x "$deb" "$work/root" || { echo "i386-root: cannot unpack $deb" >&2; exit 77; }
done
# into place whole, then marked: a half-made root is never used
cp -a "$work/root/." "$dir/" && : >"$dir/.complete" ||
	{ echo "i386-root: cannot fill $dir" >&2; exit 77; }
echo "$dir"
