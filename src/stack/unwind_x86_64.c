/*
 * x86_64 stacks through libunwind's remote interface, with memtrace's own
 * accessors in place of libunwind-ptrace's (which fetch every register and
 * every word with its own ptrace call and re-read /proc/PID/maps to find
 * modules):
 *
 *   access_reg       from the registers the caller fetched already
 *   access_mem       capture_read: ELF file bytes or cached stack pages
 *   find_proc_info   the module from the model, its .eh_frame_hdr from the
 *                    mapped file, then libunwind's own table search
 *
 * Each frame is stepped with the rule for its ip from the rule cache
 * (unw_apply_reg_state); a rule is learnt once from libunwind
 * (unw_reg_states_iterate). unw_step, with libunwind's global cache, only
 * serves code without a rule (no CFI, or no file). One libunwind address
 * space serves all tasks.
 */
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <libunwind.h>

#include "diag.h"
#include "stack/elf_image.h"
#include "stack/stack_internal.h"

/* Exported by libunwind but not declared in its headers (perf declares it the same way). */
extern int UNW_OBJ(dwarf_search_unwind_table)(unw_addr_space_t as, unw_word_t ip,
					     unw_dyn_info_t *di, unw_proc_info_t *pi,
					     int need_unwind_info, void *arg);

/*
 * libunwind is loaded at the first x86_64 stack: a run that records none
 * (no --record, an i386 program) does not pay for mapping it and liblzma
 * (0.5 ms of every start on the benchmark VM). Its ABI has been .so.8
 * since libunwind 1.0.
 */
#define LIBUNWIND_FILE "libunwind-x86_64.so.8"

static struct {
	void *handle;
	__typeof__(unw_create_addr_space) *create_addr_space;
	__typeof__(unw_destroy_addr_space) *destroy_addr_space;
	__typeof__(unw_set_caching_policy) *set_caching_policy;
	__typeof__(unw_reg_states_iterate) *reg_states_iterate;
	__typeof__(unw_apply_reg_state) *apply_reg_state;
	__typeof__(unw_flush_cache) *flush_cache;
	__typeof__(unw_step) *step;
	__typeof__(unw_init_remote) *init_remote;
	__typeof__(unw_get_reg) *get_reg;
	__typeof__(UNW_OBJ(dwarf_search_unwind_table)) *search_table;
} lib;

/* Returns 0 or -ENOENT (said once). */
static int load_libunwind(void)
{
	static const struct {
		const char *name;
		size_t at;
	} symbols[] = {
		{ "create_addr_space", offsetof(__typeof__(lib), create_addr_space) },
		{ "destroy_addr_space", offsetof(__typeof__(lib), destroy_addr_space) },
		{ "set_caching_policy", offsetof(__typeof__(lib), set_caching_policy) },
		{ "reg_states_iterate", offsetof(__typeof__(lib), reg_states_iterate) },
		{ "apply_reg_state", offsetof(__typeof__(lib), apply_reg_state) },
		{ "flush_cache", offsetof(__typeof__(lib), flush_cache) },
		{ "step", offsetof(__typeof__(lib), step) },
		{ "init_remote", offsetof(__typeof__(lib), init_remote) },
		{ "get_reg", offsetof(__typeof__(lib), get_reg) },
		{ "dwarf_search_unwind_table", offsetof(__typeof__(lib), search_table) },
	};
	static bool failed;
	char name[64];

	if (lib.handle)
		return 0;
	if (failed)
		return -ENOENT;
	lib.handle = dlopen(LIBUNWIND_FILE, RTLD_NOW | RTLD_LOCAL);
	for (size_t i = 0; lib.handle && i < sizeof(symbols) / sizeof(symbols[0]); i++) {
		void *fn;

		snprintf(name, sizeof(name), "_Ux86_64_%s", symbols[i].name);
		fn = dlsym(lib.handle, name);
		if (!fn) {
			dlclose(lib.handle);
			lib.handle = NULL;
			break;
		}
		memcpy((char *)&lib + symbols[i].at, &fn, sizeof(fn));
	}
	if (!lib.handle) {
		failed = true;
		error_msg("cannot load %s (%s): x86_64 call stacks hold their first frame only",
			  LIBUNWIND_FILE, dlerror());
		return -ENOENT;
	}
	return 0;
}

/* DWARF pointer encodings (LSB, "Exception Frames") used by .eh_frame_hdr. */
#define DW_EH_PE_absptr 0x00
#define DW_EH_PE_udata2 0x02
#define DW_EH_PE_udata4 0x03
#define DW_EH_PE_udata8 0x04
#define DW_EH_PE_sdata2 0x0a
#define DW_EH_PE_sdata4 0x0b
#define DW_EH_PE_sdata8 0x0c
#define DW_EH_PE_datarel 0x30
#define DW_EH_PE_omit 0xff

static const size_t reg_offsets[] = {
	[UNW_X86_64_RAX] = offsetof(struct user_regs_struct, rax),
	[UNW_X86_64_RDX] = offsetof(struct user_regs_struct, rdx),
	[UNW_X86_64_RCX] = offsetof(struct user_regs_struct, rcx),
	[UNW_X86_64_RBX] = offsetof(struct user_regs_struct, rbx),
	[UNW_X86_64_RSI] = offsetof(struct user_regs_struct, rsi),
	[UNW_X86_64_RDI] = offsetof(struct user_regs_struct, rdi),
	[UNW_X86_64_RBP] = offsetof(struct user_regs_struct, rbp),
	[UNW_X86_64_RSP] = offsetof(struct user_regs_struct, rsp),
	[UNW_X86_64_R8] = offsetof(struct user_regs_struct, r8),
	[UNW_X86_64_R9] = offsetof(struct user_regs_struct, r9),
	[UNW_X86_64_R10] = offsetof(struct user_regs_struct, r10),
	[UNW_X86_64_R11] = offsetof(struct user_regs_struct, r11),
	[UNW_X86_64_R12] = offsetof(struct user_regs_struct, r12),
	[UNW_X86_64_R13] = offsetof(struct user_regs_struct, r13),
	[UNW_X86_64_R14] = offsetof(struct user_regs_struct, r14),
	[UNW_X86_64_R15] = offsetof(struct user_regs_struct, r15),
	[UNW_X86_64_RIP] = offsetof(struct user_regs_struct, rip),
};

/* Size of a value in encoding enc, or 0 for encodings .eh_frame_hdr does not use. */
static size_t encoded_size(uint8_t enc)
{
	switch (enc & 0x0f) {
	case DW_EH_PE_absptr:
	case DW_EH_PE_udata8:
	case DW_EH_PE_sdata8:
		return 8;
	case DW_EH_PE_udata4:
	case DW_EH_PE_sdata4:
		return 4;
	case DW_EH_PE_udata2:
	case DW_EH_PE_sdata2:
		return 2;
	}
	return 0;
}

/*
 * Describes the binary-search table of .eh_frame_hdr for libunwind:
 *   u8 version (1), u8 eh_frame_ptr_enc, u8 fde_count_enc, u8 table_enc,
 *   eh_frame_ptr, fde_count, then fde_count pairs (initial location, FDE
 *   address) as sdata4 relative to the start of .eh_frame_hdr.
 */
static int describe_table(const struct elf_image *elf, uint64_t bias, uint64_t ip,
			  unw_dyn_info_t *di)
{
	uint64_t hdr, lo, hi, fde_count = 0;
	const uint8_t *p;
	size_t ptr_size, count_size;

	if (elf_image_eh_frame_hdr(elf, &hdr) < 0 ||
	    elf_image_text_segment(elf, ip - bias, &lo, &hi) < 0)
		return -UNW_ENOINFO;
	p = elf_image_vaddr_bytes(elf, hdr, 4);
	if (!p || p[0] != 1 || p[1] == DW_EH_PE_omit || p[2] == DW_EH_PE_omit ||
	    p[3] != (DW_EH_PE_datarel | DW_EH_PE_sdata4))
		return -UNW_ENOINFO;
	ptr_size = encoded_size(p[1]);
	count_size = encoded_size(p[2]);
	if (!ptr_size || !count_size)
		return -UNW_ENOINFO;
	p = elf_image_vaddr_bytes(elf, hdr + 4 + ptr_size, count_size);
	if (!p)
		return -UNW_ENOINFO;
	memcpy(&fde_count, p, count_size);
	/* The table must lie in the file: a damaged count would send libunwind astray. */
	if (fde_count > SIZE_MAX / 8 ||
	    !elf_image_vaddr_bytes(elf, hdr + 4 + ptr_size + count_size, fde_count * 8))
		return -UNW_ENOINFO;
	memset(di, 0, sizeof(*di));
	di->format = UNW_INFO_FORMAT_REMOTE_TABLE;
	di->start_ip = lo + bias;
	di->end_ip = hi + bias;
	di->u.rti.segbase = hdr + bias;
	di->u.rti.table_data = hdr + bias + 4 + ptr_size + count_size;
	/* In words, as libunwind counts it. */
	di->u.rti.table_len = fde_count * 8 / sizeof(unw_word_t);
	return 0;
}

static int find_proc_info(unw_addr_space_t as, unw_word_t ip, unw_proc_info_t *pi,
			  int need_unwind_info, void *arg)
{
	struct capture *c = arg;
	struct stack_region r;
	struct stack_module *m;
	unw_dyn_info_t di;
	uint64_t bias;
	int err;

	if (region_at(c, ip, &r) < 0 || !(r.prot & PROT_EXEC))
		return -UNW_ENOINFO;
	m = region_module(c, &r);
	if (!m || elf_image_load_bias(m->elf, ip, region_file_offset(&r, ip), &bias) < 0)
		return -UNW_ENOINFO;
	err = describe_table(m->elf, bias, ip, &di);
	if (err < 0)
		return err;
	return lib.search_table(as, ip, &di, pi, need_unwind_info, arg);
}

/* libunwind frees table lookups itself; this is for dynamic (JIT) info, which is off. */
static void put_unwind_info(unw_addr_space_t as, unw_proc_info_t *pi, void *arg)
{
}

/* Unwind info registered at run time (_U_dyn_register) is not looked for. */
static int get_dyn_info_list_addr(unw_addr_space_t as, unw_word_t *addr, void *arg)
{
	return -UNW_ENOINFO;
}

static int access_mem(unw_addr_space_t as, unw_word_t addr, unw_word_t *val, int write,
		      void *arg)
{
	if (write)
		return -UNW_EINVAL;
	return capture_read(arg, addr, val, sizeof(*val)) < 0 ? -UNW_EINVAL : 0;
}

static int access_reg(unw_addr_space_t as, unw_regnum_t reg, unw_word_t *val, int write,
		      void *arg)
{
	const struct capture *c = arg;

	if (write)
		return -UNW_EREADONLYREG;
	if (reg < 0 || reg > UNW_X86_64_RIP)
		return -UNW_EBADREG;
	memcpy(val, (const char *)c->regs + reg_offsets[reg], sizeof(*val));
	return 0;
}

static int access_fpreg(unw_addr_space_t as, unw_regnum_t reg, unw_fpreg_t *val, int write,
			void *arg)
{
	return -UNW_EBADREG;
}

static int resume(unw_addr_space_t as, unw_cursor_t *cursor, void *arg)
{
	return -UNW_EINVAL;
}

/* Names come from stack_locate, later and only when asked. */
static int get_proc_name(unw_addr_space_t as, unw_word_t ip, char *buf, size_t len,
			 unw_word_t *offset, void *arg)
{
	return -UNW_ENOINFO;
}

static int unwind_x86_64_init(struct stack_unwinder *u)
{
	/* libunwind copies the table into the address space. */
	unw_accessors_t accessors = {
		.find_proc_info = find_proc_info,
		.put_unwind_info = put_unwind_info,
		.get_dyn_info_list_addr = get_dyn_info_list_addr,
		.access_mem = access_mem,
		.access_reg = access_reg,
		.access_fpreg = access_fpreg,
		.resume = resume,
		.get_proc_name = get_proc_name,
	};
	unw_addr_space_t as;

	if (load_libunwind() < 0)
		return -ENOENT;
	as = lib.create_addr_space(&accessors, 0);
	if (!as)
		return -ENOMEM;
	lib.set_caching_policy(as, UNW_CACHE_GLOBAL);
	u->unw_as = as;
	return 0;
}

void unwind_x86_64_destroy(struct stack_unwinder *u)
{
	if (u->unw_as)
		lib.destroy_addr_space(u->unw_as);
	u->unw_as = NULL;
}

struct row_search {
	uint64_t ip;
	void *state;	/* a copy of the row holding ip */
};

static int keep_row(void *token, void *state, size_t size, unw_word_t start, unw_word_t end)
{
	struct row_search *s = token;

	if (!s->state && s->ip >= start && s->ip < end) {
		s->state = malloc(size);
		if (s->state)
			memcpy(s->state, state, size);
	}
	return 0;
}

/* __restore_rt, where a signal handler returns: mov $15,%rax; syscall (rt_sigreturn). */
static bool is_sigreturn(struct capture *c, uint64_t ip)
{
	static const uint8_t code[] = { 0x48, 0xc7, 0xc0, 0x0f, 0x00, 0x00, 0x00, 0x0f, 0x05 };
	uint8_t here[sizeof(code)];

	return capture_read(c, ip, here, sizeof(here)) == 0 && memcmp(here, code, sizeof(code)) == 0;
}

/* The key of the rule for lookup: the file and the place it is mapped. */
static bool rule_key(struct capture *c, uint64_t lookup, struct unwind_rule *key)
{
	struct stack_region r;

	if (region_at(c, lookup, &r) < 0)
		return false;
	*key = (struct unwind_rule){
		.module = region_module(c, &r),
		.base = r.start - region_file_offset(&r, r.start),
		.ip = lookup,
	};
	/* Code without a file (JIT) may change in place: no rule is kept for it. */
	return key->module != NULL;
}

/* Learns the rule of the cursor's frame (at ip, looked up at lookup) from its CFI. */
static const struct unwind_rule *learn_rule(struct capture *c, unw_cursor_t *cursor,
					    uint64_t ip, struct unwind_rule *key)
{
	struct row_search s = { .ip = key->ip };

	/* Rows of the whole procedure come back; keep the one holding lookup. */
	lib.reg_states_iterate(cursor, keep_row, &s);
	key->signal = is_sigreturn(c, ip);
	return rule_cache_add(&c->u->rules, key, s.state);
}

/* Steps the cursor to the caller. Returns > 0, 0 at the outermost frame, or < 0. */
static int step(struct capture *c, unw_cursor_t *cursor, uint64_t ip, uint64_t lookup,
		bool *signal)
{
	const struct unwind_rule *rule = NULL;
	struct unwind_rule key;

	if (rule_key(c, lookup, &key)) {
		rule = rule_cache_find(&c->u->rules, &key);
		if (!rule)
			rule = learn_rule(c, cursor, ip, &key);
	}
	*signal = rule ? rule->signal : is_sigreturn(c, ip);
	if (rule && rule->state)
		return lib.apply_reg_state(cursor, rule->state);
	/*
	 * No rule: libunwind's own step, which may still follow the frame
	 * pointer. Its cache holds rules by ip alone, which other code at the
	 * same address (another process) would reuse wrongly: empty it first.
	 */
	lib.flush_cache(c->u->unw_as, 0, 0);
	return lib.step(cursor);
}

/*
 * libunwind blocks every signal around each of its internal locks (memory
 * pools, caches): a pair of sigprocmask calls a lock, about ten for each
 * rule learnt, which on this VM was half the cost of learning it. The masks
 * keep a signal handler that unwinds from finding a lock held; memtrace has
 * one thread, and its one handler (the idle tick) sets a flag. So while
 * libunwind works for memtrace, sigprocmask leaves the mask alone: this
 * definition comes before the C library's for libunwind, which calls it
 * through its PLT. memtrace itself calls no sigprocmask; any other caller
 * gets pthread_sigmask, which is what the C library's does.
 */
static bool in_libunwind;

int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	if (!in_libunwind) {
		int err = pthread_sigmask(how, set, old);

		errno = err ? err : errno;
		return err ? -1 : 0;
	}
	if (old)
		sigemptyset(old);
	return 0;
}

static int walk(struct capture *c, uint64_t *ips, int max)
{
	unw_word_t ip = c->regs->rip, sp, prev_sp = c->regs->rsp;
	/* The stop's ip is exact; a return address is looked up one byte back, inside its call. */
	uint64_t lookup = ip;
	unw_cursor_t cursor;
	bool signal = false;
	int n = 1;

	ips[0] = ip;
	if (lib.init_remote(&cursor, c->u->unw_as, c) < 0)
		return n;
	while (n < max && step(c, &cursor, ip, lookup, &signal) > 0) {
		if (lib.get_reg(&cursor, UNW_REG_IP, &ip) < 0 ||
		    lib.get_reg(&cursor, UNW_REG_SP, &sp) < 0)
			break;
		/* Stop at garbage: code outside any executable mapping, or a stack going down. */
		if (!region_is_exec(c, ip) || sp < prev_sp)
			break;
		ips[n++] = ip;
		prev_sp = sp;
		lookup = signal ? ip : ip - 1;
	}
	return n;
}

int unwind_x86_64(struct capture *c, uint64_t *ips, int max)
{
	int n;

	if (!c->u->unw_as && unwind_x86_64_init(c->u) < 0) {
		ips[0] = c->regs->rip;
		return 1;
	}
	in_libunwind = true;
	n = walk(c, ips, max);
	in_libunwind = false;
	return n;
}
