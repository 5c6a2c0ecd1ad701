#!/bin/sh
# The x86_64 lane: every scenario built -m64 (tests/cases/*.m64) runs through
# run-case.sh on this machine's kernel.
# Environment: MEMTRACE, CASES_BUILDDIR, CASES_SRCDIR. Exit: 0 pass, 1 fail.
here=$(cd "$(dirname "$0")" && pwd)
: "${MEMTRACE:?}" "${CASES_BUILDDIR:?}" "${CASES_SRCDIR:?}"
set -- "$CASES_BUILDDIR"/*.m64
[ -x "$1" ] || { echo "ERROR: no scenario programs in $CASES_BUILDDIR"; exit 99; }
export MEMTRACE CASES_SRCDIR
sh "$here/run-cases.sh" "$@"
