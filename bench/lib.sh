# Sourced by bench/compare.sh: the variants, one timed run, statistics.
# Expects $memtrace, $bin (the built programs) and $tmp.

# two: memtrace with an exit stop for every call (--stops=2), as before
# the stub page, to show what one stop per call saves. nullr: the null
# interposer reading each call's registers and writing its ip back, the
# least a tool pays that reads a call and sends it elsewhere.
variants="native memtrace record strace null two nullr"

# have_variant VARIANT: whether it can run here.
have_variant() {
	case $1 in
	record)
		# --record is announced by --help once it exists.
		"$memtrace" --help 2>&1 | grep -q -- --record ;;
	two)
		"$memtrace" --help 2>&1 | grep -q -- --stops ;;
	strace)
		command -v strace >/dev/null 2>&1 &&
			strace -f --seccomp-bpf -e trace=%memory -o /dev/null true 2>/dev/null ;;
	*)
		true ;;
	esac
}

# run_variant VARIANT TIMES_FILE PROG [ARGS...]: runs PROG once under
# VARIANT, appending its time in ns to TIMES_FILE: wall time, or CPU time
# when $clock is "cpu". A failed run ends the benchmark: its times would
# measure an error path.
run_variant() {
	variant=$1
	times=$2
	shift 2
	case $variant in
	memtrace)
		set -- "$memtrace" -o /dev/null -- "$@" ;;
	record)
		rm -f "$tmp/recording"
		set -- "$memtrace" --record "$tmp/recording" -o /dev/null -- "$@" ;;
	strace)
		set -- strace -f --seccomp-bpf -e trace=%memory -o /dev/null "$@" ;;
	null)
		set -- "$bin/null-interposer" "$@" ;;
	two)
		set -- "$memtrace" --stops=2 -o /dev/null -- "$@" ;;
	nullr)
		set -- "$bin/null-interposer" -r "$@" ;;
	allow)
		set -- "$bin/null-interposer" -a "$@" ;;
	esac
	if [ "$clock" = cpu ]; then
		set -- -c "$times" "$@"
	else
		# the CPU time of the same run beside it (the table's CPU twin)
		set -- -C "$times.cpu" "$times" "$@"
	fi
	"$bin/timeit" "$@" >/dev/null 2>"$tmp/stderr" || {
		echo "bench: a $variant run failed: $*" >&2
		sed 's/^/    /' "$tmp/stderr" >&2
		exit 1
	}
}

# count_trapped PROG [ARGS...]: how many calls memtrace prints for one run.
count_trapped() {
	"$memtrace" -o "$tmp/trace" -- "$@" >/dev/null 2>&1 || {
		echo "bench: cannot trace $*" >&2
		exit 1
	}
	grep -Ec '^(\[pid +[0-9]+\] )?[a-z_0-9]+\(' "$tmp/trace" || true
}

# stats FILE [BASE]: "median q1 q3" of the numbers in FILE, one a line,
# less BASE. The quartiles (nearest rank) bound the middle half of the
# runs: unlike the extremes, one run hit by other work on the machine does
# not move them.
stats() {
	sort -n "$1" | awk -v base="${2:-0}" '{ v[NR] = $1 - base }
		END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		      q1 = int((NR + 3) / 4); q3 = NR + 1 - q1
		      print m, v[q1], v[q3] }'
}

# rotate WORD...: the words, the first moved to the end.
rotate() {
	first=$1
	shift
	echo "$@" "$first"
}
