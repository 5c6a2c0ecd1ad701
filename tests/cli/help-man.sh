#!/bin/sh
# Every option --help lists is documented in memtrace(1), and --version works.
. "$(dirname "$0")/lib.sh"
man_page=${MAN_PAGE:?MAN_PAGE must name man/memtrace.1}

"$MEMTRACE" --help >"$tmp/help"
check_eq "--help exits 0" 0 $?
grep -Eo -- '--[a-z][a-z-]+' "$tmp/help" | sort -u >"$tmp/long"
grep -Eo -- '^ +-[a-zA-Z],' "$tmp/help" | tr -d ' ,' | sort -u >"$tmp/short"
[ -s "$tmp/long" ] || { echo "FAIL: no options found in --help"; exit 1; }
# In man syntax a dash is written \-.
sed 's/\\-/-/g' "$man_page" >"$tmp/man"
for opt in $(cat "$tmp/long" "$tmp/short"); do
	check_grep "$opt is in the man page" "(^|[^a-z-])$opt([^a-z-]|$)" "$tmp/man"
done

"$MEMTRACE" --version >"$tmp/ver"
check_grep "--version prints the version" "^memtrace [0-9]+\.[0-9]+" "$tmp/ver"

"$MEMTRACE" --no-such-option 2>"$tmp/err"
check_eq "an unknown option exits 2" 2 $?
finish
