# Reads perf script -F comm,tid,ip,sym (a header line per sample, then its
# call chain) and splits the samples of process `comm` by the system call
# they fall in, from the kernel's frames and the libc wrapper's name.
function classify(stack) {
	if (stack ~ / (ptrace|__ptrace) /) {
		if (stack ~ / ptrace_get_syscall_info /)
			return "ptrace: GET_SYSCALL_INFO"
		if (stack ~ / (copy_regset_to_user|copy_regset_from_user|genregs_get|genregs_set|putreg|getreg) /)
			return "ptrace: GETREGS/SETREGS"
		if (stack ~ / (ptrace_resume|ptrace_request) /)
			return "ptrace: SYSCALL/CONT (waking the tracee)"
		return "ptrace: entering and leaving the kernel"
	}
	if (stack ~ / (__GI___wait4|__wait4|wait4) /) {
		if (stack ~ / (schedule|__schedule|finish_task_switch) /)
			return "wait4: switching to and from the tracee"
		return "wait4: the rest"
	}
	if (stack ~ / (__GI___libc_write|__libc_write|write) /)
		return "write: the trace line"
	if (stack ~ / (prlimit|prlimit64|__GI_prlimit) /)
		return "prlimit64"
	if (stack ~ / (do_syscall_64|asm_exc_page_fault) /)
		return "other system calls, page faults"
	return "user code: model, printer, loop"
}

function flush() {
	if (!in_sample)
		return
	count[classify(stack)]++
	total++
}

/^ *[^ \t]+ +[0-9]+ *$/ {
	flush()
	in_sample = $1 == comm
	stack = " "
	next
}
in_sample && NF >= 2 {
	stack = stack $2 " "
}
END {
	flush()
	for (k in count)
		printf("  %5.1f%%  %s\n", 100 * count[k] / total, k)
}
