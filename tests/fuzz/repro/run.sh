#!/bin/sh
# Runs each reproducer (or those named) natively and under memtrace --verify
# and prints what differs: the output, or memtrace's complaints.
# Usage: MEMTRACE=.../memtrace run.sh [NAME...]    (int80 needs IA32 emulation)
: "${MEMTRACE:?MEMTRACE must name the memtrace binary}"
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mmfuzz-repro.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
[ $# -gt 0 ] || set -- $(cd "$here" && ls *.c | sed 's/\.c$//')
for name in "$@"; do
	${CC:-cc} -O1 -o "$tmp/$name" "$here/$name.c" || continue
	mkdir "$tmp/$name.n" "$tmp/$name.t"
	(cd "$tmp/$name.n" && "$tmp/$name") >"$tmp/native" 2>&1
	(cd "$tmp/$name.t" && "$MEMTRACE" --verify -o /dev/null -- "$tmp/$name") >"$tmp/traced" 2>&1
	echo "== $name"
	grep -v '^memtrace: ' "$tmp/traced" | grep -v '^  ' | diff "$tmp/native" - >/dev/null ||
		{ echo "output differs (- native, + traced):"; grep -v '^memtrace: \|^  ' "$tmp/traced" | diff "$tmp/native" -; }
	grep -E '^memtrace: (internal error|--verify)' "$tmp/traced"
done
