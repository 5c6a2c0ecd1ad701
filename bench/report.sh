# Sourced by bench/compare.sh: the table and the targets, from the
# results file (one tab-separated line per workload: name, kind, label,
# trapped calls, recording bytes, then "median q1 q3" in ns of each
# variant in $variants order, or "-" where a variant did not run).

# print_table RESULTS CLOCK: the table; the lines of its targets go to
# $tmp/targets. CLOCK: wall, or cpu for the CPU twin of the trapped rows,
# whose per-call targets are added, marked "(CPU)".
print_table() {
	awk -F '\t' -v targets="$tmp/targets" -v clock="$2" -v floors="$tmp/filter-floor" '
	function med(s,  a) { split(s, a, " "); return a[1] + 0 }
	function iqr(s,  a) { split(s, a, " "); return a[3] - a[2] }
	function spread(s) { return s == "-" ? 0 : iqr(s) / med(s) }
	function ms(s) { return s == "-" ? "n/a" : sprintf("%.1f", med(s) / 1e6) }
	function us(x) {
		return untrapped || x == "-" || calls <= 0 ? "-" : sprintf("%.1f", (med(x) - n) / calls / 1e3)
	}
	# Keeps the worst and best value of a target over the rows.
	function note(key, r) {
		if (!(key in worst) || r > worst[key]) {
			worst[key] = r
			worst_at[key] = name
		}
		if (!(key in best) || r < best[key]) {
			best[key] = r
			best_at[key] = name
		}
	}
	# Overhead of variant x over native per overhead of variant d, marked
	# against limit. Judged only where the overhead of d stands out of the
	# noise of the two variants: else a few ms of jitter decide the ratio.
	function per_call(x, d, limit, key,  r) {
		if (untrapped || x == "-" || d == "-" || calls <= 0 || med(d) <= n)
			return "n/a"
		r = (med(x) - n) / (med(d) - n)
		if (med(d) - n <= iqr(native) + iqr(d))
			return sprintf("%.2f?", r)
		note(key, r)
		return sprintf("%.2f%s", r, r > limit ? "*" : " ")
	}
	function target(what, measured, goal, verdict) {
		if (clock == "cpu")
			what = what " (CPU)"
		printf("  %-40s %-38s %-21s %s\n", what, measured, goal, verdict) >> targets
	}
	# One line for a per-call target: its worst and best row.
	function per_call_target(what, key, limit, goal, stretch,  verdict) {
		if (!(key in worst)) {
			target(what, "n/a (no row judged)", goal, "n/a")
			return
		}
		verdict = worst[key] <= limit ? "PASS" : "MISS"
		if (stretch)
			verdict = verdict (worst[key] <= stretch ? ", stretch PASS" : ", stretch MISS")
		target(what, sprintf("worst %.2f (%s), best %.2f (%s)", worst[key],
			worst_at[key], best[key], best_at[key]), goal, verdict)
	}
	BEGIN {
		# name, then the median ns of an allow-all filter (untrapped rows)
		while ((getline line < floors) > 0) {
			split(line, f, " ")
			floor[f[1]] = f[2]
		}
		printf("%-30s %6s %8s %8s %8s %8s %8s %8s %8s %7s %6s %6s %6s %6s %6s %6s %6s %6s %5s\n",
			"workload", "calls", "native", "memtrace", "record", "strace", "null", "2stops",
			"null-r", "mt/nat", "mt:st", "mt:nul", "rec:st", "mt:2s", "mt:nr", "us/mt",
			"us/st", "us/nul", "noise")
	}
	{
		name = $1; untrapped = $2 == "untrapped"; calls = $4 + 0
		native = $6; mt = $7; rec = $8; st = $9; nul = $10; two = NF >= 11 ? $11 : "-"
		nullr = NF >= 12 ? $12 : "-"
		n = med(native)
		noise = 0
		for (i = 6; i <= NF; i++)
			if (spread($i) > noise)
				noise = spread($i)
		ratio = mt == "-" ? "n/a" : sprintf("%.3f", med(mt) / n)
		if (untrapped && mt != "-") {
			note("untrapped", med(mt) / n)
			if (name in floor)
				note("floor", floor[name] / n)
			ratio = ratio (med(mt) / n <= 1.05 ? " " : "*")
		}
		if ($5 != "-" && calls > 0 && !untrapped)
			note("bytes", $5 / calls)
		printf("%-30s %6s %8s %8s %8s %8s %8s %8s %8s %7s %6s %6s %6s %6s %6s %6s %6s %6s %4.0f%%\n",
			$3, calls, ms(native), ms(mt), ms(rec), ms(st), ms(nul), ms(two), ms(nullr),
			ratio, per_call(mt, st, 1.0, "st"), per_call(mt, nul, 1.3, "null"),
			per_call(rec, st, 1.5, "rec"), per_call(mt, two, 1e9, "two"),
			per_call(mt, nullr, 1e9, "nullr"), us(mt), us(st), us(nul), noise * 100)
	}
	END {
		if (clock == "wall")
			printf("") > targets
		else
			close(targets)
		if ("untrapped" in worst)
			target("untrapped calls, memtrace/native", sprintf("%.3f (%s)",
				worst["untrapped"], worst_at["untrapped"]), "<= 1.05",
				worst["untrapped"] <= 1.05 ? "PASS" : "MISS")
		if ("floor" in worst)
			target("  any filter: allow-all/native", sprintf("%.3f (%s)", worst["floor"],
				worst_at["floor"]), "(the floor on this kernel)", "-")
		per_call_target("per trapped call, memtrace:strace", "st", 1.0,
			"<= 1.0 (stretch 0.6)", 0.6)
		per_call_target("per trapped call, memtrace:null", "null", 1.3, "<= 1.3")
		per_call_target("per trapped call, record:strace", "rec", 1.5, "<= 1.5")
		if (clock == "cpu")
			exit
		if ("bytes" in worst)
			target("recording size, B/event", sprintf("worst %.1f (%s), best %.1f (%s)",
				worst["bytes"], worst_at["bytes"], best["bytes"], best_at["bytes"]),
				"<= 64 B/event", worst["bytes"] <= 64 ? "PASS" : "MISS")
		else
			target("recording size", "n/a (memtrace has no --record)", "<= 64 B/event", "n/a")
	}' "$1"
	[ "$2" = wall ] || return 0
	cat <<'LEGEND'
  Times: median ms of wall time; on the untrapped row, of CPU time (user +
  system of the process tree) less a run with a count of 0 (cpu-base).
  calls: trapped calls memtrace printed (one run).
  record: memtrace --record FILE; strace: strace -f --seccomp-bpf
  -e trace=%memory; null: bench/null-interposer (same filter, every stop
  resumed at once); 2stops: memtrace --stops=2 (an exit stop for every
  call, no stub page); null-r: null-interposer -r (GETREGS and POKEUSER
  of the ip at every stop: the floor of an interposer that reads a call
  and redirects it). mt/nat: memtrace / native. Per trapped call, one
  variant's overhead over native divided by another's: mt:st = (memtrace -
  native) / (strace - native), mt:nul = (memtrace - native) / (null -
  native), rec:st = (record - native) / (strace - native), mt:2s =
  (memtrace - native) / (2stops - native), mt:nr = (memtrace - native) /
  (null-r - native). us/X: (X -
  native) / calls, in microseconds. The untrapped row is also timed under a
  filter that allows every call, untraced (null-interposer -a): its ratio
  in the targets is what any seccomp filter costs there on this kernel.
  * misses its target; ? not judged: the divisor's overhead is inside the
  runs' noise (the two interquartile ranges). noise: the widest interquartile range / median of the row.
  The CPU table below: the same runs of the trapped rows, each timed by
  the CPU time of its whole process tree as well; it judges the per-call
  targets where other load on the machine leaves wall time too noisy.
LEGEND
}

# print_targets: every target, met or missed (informational).
print_targets() {
	echo
	echo "targets (informational; make bench does not fail on them):"
	cat "$tmp/targets"
	[ ! -f "$tmp/scale-targets" ] || cat "$tmp/scale-targets"
}
