# Sourced by bench/compare.sh: how memtrace scales with the number of
# mappings. Its results go to files under $tmp (printed by print_scale),
# its target to $tmp/scale-targets. Each check runs $scale_runs times and
# keeps medians: a single run on a loaded machine says little.

# model_slowest FILE: "NS OP" of the slowest operation at the largest size
# in an mm-scale output ("N mappings: insert NS  lookup NS ... ns/op; ...").
model_slowest() {
	awk '$2 == "mappings:" && $1 + 0 >= size {
		size = $1 + 0; worst = 0
		for (i = 3; i < NF && $i != "ns/op;"; i += 2)
			if ($(i + 1) + 0 > worst) {
				worst = $(i + 1) + 0
				op = $i
			}
	}
	END { print worst, op, size }' "$1"
}

# scale_model: the model alone, outside ptrace (the unit test mm-scale);
# keeps the run whose slowest operation is the median one.
scale_model() {
	echo "bench: model scale (mm-scale)" >&2
	: >"$tmp/mm-scale.runs"
	r=0
	while [ "$r" -lt "$scale_runs" ]; do
		"$mm_scale" >"$tmp/mm-scale.$r" 2>&1 || {
			echo "bench: $mm_scale failed:" >&2
			sed 's/^/    /' "$tmp/mm-scale.$r" >&2
			exit 1
		}
		echo "$(model_slowest "$tmp/mm-scale.$r") $r" >>"$tmp/mm-scale.runs"
		r=$((r + 1))
	done
	sort -n "$tmp/mm-scale.runs" | awk '{ line[NR] = $0 } END { print line[int((NR + 1) / 2)] }' |
		while read -r worst op size run; do
			cp "$tmp/mm-scale.$run" "$tmp/mm-scale"
			awk -v w="$worst" -v op="$op" -v size="$size" 'BEGIN {
				printf("  %-34s %-38s %-21s %s\n", "model, slowest op at " size " maps",
					sprintf("%s %.2f us/op", op, w / 1e3), "<= 1 us/op",
					w <= 1000 ? "PASS" : "MISS") }' >"$tmp/scale-targets"
		done
}

# many_maps_run VARIANT OUT COUNT: many-maps under VARIANT, its output in OUT.
many_maps_run() {
	case $1 in
	native)
		set -- "$2" "$bin/many-maps$w" "$3" "$many_maps_block" ;;
	null)
		set -- "$2" "$bin/null-interposer" "$bin/many-maps$w" "$3" "$many_maps_block" ;;
	memtrace)
		set -- "$2" "$memtrace" -o /dev/null -- "$bin/many-maps$w" "$3" "$many_maps_block" ;;
	esac
	out=$1
	shift
	"$@" >"$out" 2>"$tmp/stderr" || {
		echo "bench: many-maps failed: $*" >&2
		sed 's/^/    /' "$tmp/stderr" >&2
		exit 1
	}
}

# scale_many_maps: a program building $many_maps mappings, per-call time by
# block natively, under the null interposer and under memtrace (runs
# interleaved), and memtrace's peak RSS against an empty run.
scale_many_maps() {
	echo "bench: many-maps x$many_maps" >&2
	r=0
	while [ "$r" -lt "$scale_runs" ]; do
		for v in native null memtrace; do
			many_maps_run "$v" "$tmp/maps.$v.$r" "$many_maps"
		done
		r=$((r + 1))
	done
	many_maps_run memtrace "$tmp/maps.empty" 0
	for v in native null memtrace; do
		# block NUMBER MAPPINGS US_PER_CALL, from every run: the median per block
		cat "$tmp/maps.$v".* | awk '$1 == "block" { print $2, $4 }' | sort -k1,1n -k2,2n |
			awk '{ n[$1]++; v[$1, n[$1]] = $2; if ($1 > last) last = $1 }
			END { for (b = 1; b <= last; b++) print "block", b, v[b, int((n[b] + 1) / 2)] }' \
			>"$tmp/maps.$v"
	done
	# The peak RSS of the run in the middle, as for the times.
	cat "$tmp/maps.memtrace".* | awk '$1 == "parent_vmhwm_kib" { print $2 }' | sort -n |
		awk '{ v[NR] = $1 } END { print "parent_vmhwm_kib", v[int((NR + 1) / 2)] }' \
		>>"$tmp/maps.memtrace"
}

# print_scale: the two scale sections.
print_scale() {
	echo
	echo "scale 1: the model alone ($mm_scale, median of $scale_runs runs; ns per operation)"
	grep ' mappings:' "$tmp/mm-scale" | sed 's/^/  /'
	echo
	echo "scale 2: many-maps, $many_maps distinct mappings made by one mprotect each: us per"
	echo "  call in blocks of $many_maps_block calls as the model grows (median of $scale_runs runs)"
	for v in native null memtrace; do
		awk -v v="$v" '$1 == "block" { s = s sprintf(" %6.1f", $3) }
			END { printf("  %-9s%s\n", v, s) }' "$tmp/maps.$v"
	done
	awk -v n="$many_maps" '
		FILENAME ~ /native$/ && $1 == "block" { if (!nf) nf = $3; nl = $3 }
		FILENAME ~ /memtrace$/ && $1 == "block" { if (!mf) mf = $3; ml = $3 }
		FILENAME ~ /memtrace$/ && $1 == "parent_vmhwm_kib" { peak = $2 }
		FILENAME ~ /empty$/ && $1 == "parent_vmhwm_kib" { empty = $2 }
		END {
			printf("  memtrace: first block %.1f us/call, last %.1f (last/first %.2f);" \
				" over native %.1f and %.1f\n", mf, ml, mf ? ml / mf : 0, mf - nf, ml - nl)
			if (peak > 0 && empty > 0)
				printf("  memtrace peak RSS (VmHWM) %d KiB, %d KiB on an empty run:" \
					" %.0f bytes per mapping\n", peak, empty,
					(peak - empty) * 1024 / n)
			else
				printf("  memtrace peak RSS: n/a (/proc/PID/status has no VmHWM)\n")
		}' "$tmp/maps.native" "$tmp/maps.memtrace" "$tmp/maps.empty"
}
