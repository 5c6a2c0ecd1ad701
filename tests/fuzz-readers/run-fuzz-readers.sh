#!/bin/sh
# make fuzz-readers: fuzz the readers' harness ($FUZZER, built with libFuzzer)
# for FUZZ_SECONDS twice: small inputs from the seed corpus, then huge ones
# (up to 8 MiB, so counts and lengths near RECORD_MAX_PAYLOAD are tried).
# An input that takes over 5 s or 512 MiB is a finding like a crash.
#
# usage: run-fuzz-readers.sh SRCDIR   (SRCDIR: tests/fuzz-readers)
# Findings land in tests/fuzz-readers/work/findings; exit 1 if any.
set -u
src=$1
fuzzer=${FUZZER:-tests/fuzz-readers/fuzz-readers}
seconds=${FUZZ_SECONDS:-60}
work=${FUZZ_WORKDIR:-tests/fuzz-readers/work}
mkdir -p "$work/corpus" "$work/findings" || exit 99
# The seeds and the reproducers start the corpus; what the fuzzer adds stays
# in $work/corpus for the next run.
cp "$src"/corpus/* "$work/corpus/" || exit 99
[ -d "$src/regress" ] && cp "$src"/regress/* "$work/corpus/" 2>/dev/null

status=0
for run in small huge; do
	case $run in
	small) max_len=65536 ;;
	huge) max_len=8388608 ;;
	esac
	echo "fuzz-readers: $run inputs (-max_len=$max_len) for $seconds s"
	"$fuzzer" -max_total_time="$seconds" -max_len="$max_len" -timeout=5 \
		-rss_limit_mb=512 -malloc_limit_mb=512 -close_fd_mask=2 -print_final_stats=1 \
		-artifact_prefix="$work/findings/" "$work/corpus" >"$work/$run.log" 2>&1 ||
		status=1
	grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb)' "$work/$run.log"
	grep -E '^(==[0-9]+==ERROR|SUMMARY|.*Test unit written)' "$work/$run.log"
done
if [ $status -ne 0 ]; then
	echo "fuzz-readers: FAIL: findings in $work/findings (logs: $work/*.log)."
	echo "Minimize one with: $fuzzer -minimize_crash=1 -runs=20000 FILE,"
	echo "fix the reader, and keep the reproducer in $src/regress/."
fi
exit $status
