# Helpers for the scenario scripts (NAME.sh beside NAME.c, see run-case.sh),
# sourced with: . "$(dirname "$0")/script-lib.sh" BINARY
# POSIX sh: they run under busybox in the i386 VM too.
# Sets prog (the scenario binary), mt (memtrace), tmp (removed at exit) and
# fails; each check prints "ok: ..." or "FAIL: ..." and counts failures.
prog=$1
mt=${MEMTRACE:?}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/memtrace-rec.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
fails=0

ok() { echo "ok: $1"; }
fail() { echo "FAIL: $1"; fails=$((fails + 1)); }
expect_rc() { if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: exit status $3, expected $2"; fi; }
expect_grep() { if grep -Eq -- "$2" "$3"; then ok "$1"; else fail "$1: nothing matches '$2'"; sed 's/^/    /' "$3" | head -n 30; fi; }
