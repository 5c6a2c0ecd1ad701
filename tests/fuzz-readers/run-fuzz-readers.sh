#!/bin/sh
# make fuzz-readers: fuzz the readers' harness ($FUZZER, built with libFuzzer)
# for FUZZ_SECONDS twice: small inputs from the seed corpus, then huge ones
# (up to 8 MiB; with python3, make-huge-seeds.py adds seeds with large
# counts of mappings, forks, tasks, stacks and after-images).  An input that
# takes over 5 s or 512 MiB is a finding like a crash.
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

huge_seeds=
if command -v python3 >/dev/null 2>&1 && python3 "$src/make-huge-seeds.py" "$work/huge-seeds"; then
	huge_seeds=$work/huge-seeds
else
	echo "fuzz-readers: no python3: the huge run starts from the ordinary seeds"
fi
# ASan's quarantine of freed memory (256 MiB by default) would count against
# the 512 MiB limit; a smaller one still catches use after free.
ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=64}
export ASAN_OPTIONS

status=0
for run in small huge; do
	case $run in
	small) max_len=65536 extra= ;;
	huge) max_len=8388608 extra=$huge_seeds ;;
	esac
	echo "fuzz-readers: $run inputs (-max_len=$max_len) for $seconds s"
	# shellcheck disable=SC2086
	"$fuzzer" -max_total_time="$seconds" -max_len="$max_len" -timeout=5 \
		-rss_limit_mb=512 -malloc_limit_mb=512 -close_fd_mask=2 -print_final_stats=1 \
		-artifact_prefix="$work/findings/" "$work/corpus" $extra >"$work/$run.log" 2>&1 ||
		status=1
	grep -E '^(Done |stat::number_of_executed_units|stat::peak_rss_mb)' "$work/$run.log"
	grep -E '^(==[0-9]+==ERROR|SUMMARY|.*Test unit written)' "$work/$run.log"
done
if [ $status -ne 0 ]; then
	echo "fuzz-readers: FAIL: findings in $work/findings (logs: $work/*.log)."
	echo "Minimize one with: $fuzzer -minimize_crash=1 -runs=20000 FILE,"
	echo "fix the reader, and keep the reproducer in $src/regress/."
fi
exit $status
