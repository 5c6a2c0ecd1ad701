#!/bin/sh
# Real i386 programs for the tests and the i386 benchmarks: Debian's i386
# python3 (with its standard library), busybox-static and gcc's compiler
# proper (cc1, from cpp-N), unpacked into DIR
# with the packages they depend on, fetched with apt-get download under a
# package list of their own (the system's apt configuration and its
# architectures are left alone; no root needed). Done once: a root is made
# beside DIR and renamed to DIR whole, so runs side by side never see half
# of one.
#
# Usage: i386-root.sh [DIR]  prints DIR once it holds the programs (default:
#   i386-root in the VM lane's cache, found as tests/vm/run-in-vm.sh does):
#   DIR/bin/busybox                       static
#   DIR/lib/ld-linux.so.2 --library-path DIR/lib/i386-linux-gnu:DIR/usr/lib/i386-linux-gnu
#       DIR/usr/bin/python3               with PYTHONHOME=DIR/usr
#       DIR/cc1                           (a link to usr/lib/gcc/i686-linux-gnu/N/cc1)
# Exit: 0 ready, 77 it cannot be had here (no apt-get, no network: said why).
set -u
if [ $# -gt 0 ]; then dir=$1
elif [ -n "${MEMTRACE_VM_CACHE:-}" ]; then dir=$MEMTRACE_VM_CACHE/i386-root
elif [ -n "${HOME:-}" ]; then dir=$HOME/.cache/memtrace-vm/i386-root
else dir=/tmp/memtrace-vm-cache-$(id -u)/i386-root; fi
# what a finished root holds: a root of an older kind is made again
kind="i386-root 2: python3, busybox, cc1"

[ "$(cat "$dir/.complete" 2>/dev/null)" = "$kind" ] && { echo "$dir"; exit 0; }
command -v apt-get >/dev/null 2>&1 && command -v dpkg-deb >/dev/null 2>&1 ||
	{ echo "i386-root: needs apt-get and dpkg-deb (Debian)" >&2; exit 77; }
parent=$(dirname "$dir")
mkdir -p "$parent" && work=$(mktemp -d "$parent/.i386-root.XXXXXX") ||
	{ echo "i386-root: cannot write to $parent" >&2; exit 77; }
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
fail() {
	echo "i386-root: $1:" >&2
	tail -n 3 "$work/log" >&2
	exit 77
}
apt-get update -qq >"$work/log" 2>&1 || fail "apt-get update failed (offline?)"

# python3.N of this release (3.11 in Debian 12, 3.13 in 13), and what each
# package needs one level down (libssl3 or libssl3t64, ...)
py=$(apt-cache depends python3-minimal 2>"$work/log" |
	sed -n 's/^ *[A-Za-z]*Depends: \(python3\.[0-9]*\)-minimal.*/\1/p' | head -n 1)
[ -n "$py" ] || fail "no python3-minimal for i386"
cpp=$(apt-cache depends cpp 2>>"$work/log" | sed -n 's/^ *[A-Za-z]*Depends: \(cpp-[0-9]*\)$/\1/p' | head -n 1)
[ -n "$cpp" ] || fail "no cpp for i386"
wanted="$py-minimal lib$py-minimal lib$py-stdlib busybox-static $cpp"
# shellcheck disable=SC2086
packages=$(apt-cache depends --no-recommends --no-suggests $wanted 2>>"$work/log" |
	sed -n 's/^ *[A-Za-z]*Depends: \([^<][^ ]*\).*/\1/p' | sed 's/:i386$//' |
	sort -u | tr '\n' ' ')
# shellcheck disable=SC2086
(cd "$work/debs" && apt-get download -qq $wanted $packages) >"$work/log" 2>&1 ||
	fail "apt-get download failed"
for deb in "$work"/debs/*.deb; do
	dpkg-deb -x "$deb" "$work/root" || fail "cannot unpack $deb"
done
[ -e "$work/root/usr/bin/python3" ] || ln -s "$py" "$work/root/usr/bin/python3"
cc1=$(cd "$work/root" && ls usr/lib/gcc/i686-linux-gnu/*/cc1 2>/dev/null | head -n 1)
[ -n "$cc1" ] || fail "no cc1 in $cpp"
ln -s "$cc1" "$work/root/cc1"
echo "$kind" >"$work/root/.complete"
# an older kind of root goes (with the work directory)
[ ! -e "$dir" ] || [ "$(cat "$dir/.complete" 2>/dev/null)" = "$kind" ] ||
	mv -T "$dir" "$work/stale" 2>/dev/null
# whole, or not at all: where another run got there first, its root stands
mv -T "$work/root" "$dir" 2>/dev/null || [ "$(cat "$dir/.complete" 2>/dev/null)" = "$kind" ] ||
	{ echo "i386-root: cannot make $dir" >&2; exit 77; }
echo "$dir"
