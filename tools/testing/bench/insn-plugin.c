// SPDX-License-Identifier: GPL-2.0
/*
 * insn-plugin - a qemu TCG plugin for `make bench` with BENCH_INSN=1: it
 * counts the guest instructions qemu executes, in user and in kernel mode
 * apart, and writes the running totals whenever a guest program calls into
 * the marker page (tools/testing/guest/aa_mark.cpp).  The bench marks the
 * start and the end of each fio run's I/O phase, so that analyze.py can
 * give every run its instructions per I/O: a cost that does not depend on
 * how fast the host happens to run the guest, which under TCG varies by
 * up to 2x between identical runs.
 *
 * Arguments (-plugin PATH,out=FILE[,mark=ADDR][,profile=FILE]):
 *   out      file the marks are appended to, one line each:
 *            "mark K USER KERNEL UBLOCKS KBLOCKS" (K the byte offset into
 *            the marker page the guest called, USER and KERNEL the
 *            instructions over every vCPU so far, UBLOCKS and KBLOCKS the
 *            translation blocks: each one run is an entry into translated
 *            code, through a chained jump or a lookup after an indirect
 *            branch, a helper or an exception, so blocks per I/O weigh
 *            what instructions per I/O do not)
 *   mark     guest virtual address of the marker page (default
 *            0x5a5a5a000000, which aa_mark maps)
 *   mem      1: also count the guest's memory accesses, user and kernel
 *            apart, and the misses of a model of qemu's software TLB in
 *            front of them (direct-mapped, MEM_TLB_ENTRIES entries of 4 KiB
 *            per vCPU and mode, the size qemu starts its TLB at); the
 *            marks then carry four more fields, UMEM KMEM UMISS KMISS
 *   profile  also count the kernel's instructions by block address inside
 *            the marked windows (from an even mark to the next odd one),
 *            written at exit to FILE as "ADDRESS INSTRUCTIONS" lines, for
 *            analyze.py to add up by the guest's kallsyms
 *
 * A translation block counts as kernel code when its address is in the
 * upper half of the address space (the x86-64 kernel's).  Each vCPU adds
 * to counters of its own (qemu's inline counters are not atomic, and the
 * two vCPU threads of a guest run at once), summed when a mark is written.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu-plugin-api.h"

#define EXPORT __attribute__((visibility("default")))

/* The API version this is written against (qemu checks it at load). */
EXPORT int qemu_plugin_version = 1;

#define MAX_VCPUS 64
#define MARK_SIZE 4096
/* userdata of a counting callback: instructions << 1 | kernel */
#define KERNEL_BIT 1u

struct vcpu_count {
	uint64_t user;
	uint64_t kernel;
	/* translation blocks run: where TCG leaves translated code or chains */
	uint64_t user_blocks;
	uint64_t kernel_blocks;
	/* mem=1: accesses, and misses of the TLB model */
	uint64_t user_mem;
	uint64_t kernel_mem;
	uint64_t user_miss;
	uint64_t kernel_miss;
} __attribute__((aligned(64)));

#define MEM_TLB_ENTRIES 256

/* mem=1: the TLB model, page numbers + 1 (0: empty), per vCPU and mode */
static uint64_t (*tlb)[2][MEM_TLB_ENTRIES];
static int count_mem;

static struct vcpu_count counts[MAX_VCPUS];
static uint64_t mark_addr = 0x5a5a5a000000ull;
static FILE *out;
static const char *profile_path;
static uint64_t bad_vcpu;
/* the mark written last, + 1 (0: none yet) */
static uintptr_t last_mark;
/* profile: inside a marked window */
static int armed;

/* profile: one kernel block as translated (a block translated again gets another) */
struct tb_rec {
	uint64_t vaddr;
	uint64_t insns;
	uint64_t execs; /* inside marked windows */
	struct tb_rec *next;
};

static struct tb_rec *recs;

/* Add @n to a counter of the calling vCPU's (its only writer; marks read it). */
static void add(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, *c + n, __ATOMIC_RELAXED);
}

static void count_tb(unsigned int vcpu, void *userdata)
{
	uintptr_t v = (uintptr_t)userdata;

	if (vcpu >= MAX_VCPUS) {
		bad_vcpu++;
		return;
	}
	if (v & KERNEL_BIT) {
		add(&counts[vcpu].kernel, v >> 1);
		add(&counts[vcpu].kernel_blocks, 1);
	} else {
		add(&counts[vcpu].user, v >> 1);
		add(&counts[vcpu].user_blocks, 1);
	}
}

static void count_profiled(unsigned int vcpu, void *userdata)
{
	struct tb_rec *r = userdata;

	if (vcpu >= MAX_VCPUS) {
		bad_vcpu++;
		return;
	}
	add(&counts[vcpu].kernel, r->insns);
	add(&counts[vcpu].kernel_blocks, 1);
	if (__atomic_load_n(&armed, __ATOMIC_RELAXED))
		__atomic_fetch_add(&r->execs, 1, __ATOMIC_RELAXED);
}

/*
 * mem=1: one memory access of an instruction; @userdata says whether the
 * instruction is the kernel's (its mode, as qemu's TLB index would).
 */
static void count_access(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr,
			 void *userdata)
{
	const unsigned int k = (uintptr_t)userdata & KERNEL_BIT;
	const uint64_t page = (vaddr >> 12) + 1;
	uint64_t *slot;

	(void)info;
	if (vcpu >= MAX_VCPUS) {
		bad_vcpu++;
		return;
	}
	add(k ? &counts[vcpu].kernel_mem : &counts[vcpu].user_mem, 1);
	slot = &tlb[vcpu][k][page % MEM_TLB_ENTRIES];
	if (*slot != page) {
		*slot = page;
		add(k ? &counts[vcpu].kernel_miss : &counts[vcpu].user_miss, 1);
	}
}

/* Sums over the vCPUs: instructions and blocks, user and kernel. */
struct totals {
	uint64_t user, kernel, user_blocks, kernel_blocks;
	uint64_t user_mem, kernel_mem, user_miss, kernel_miss;
};

static void totals(struct totals *t)
{
	unsigned int i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < MAX_VCPUS; i++) {
		t->user += __atomic_load_n(&counts[i].user, __ATOMIC_RELAXED);
		t->kernel += __atomic_load_n(&counts[i].kernel, __ATOMIC_RELAXED);
		t->user_blocks += __atomic_load_n(&counts[i].user_blocks, __ATOMIC_RELAXED);
		t->kernel_blocks += __atomic_load_n(&counts[i].kernel_blocks, __ATOMIC_RELAXED);
		t->user_mem += __atomic_load_n(&counts[i].user_mem, __ATOMIC_RELAXED);
		t->kernel_mem += __atomic_load_n(&counts[i].kernel_mem, __ATOMIC_RELAXED);
		t->user_miss += __atomic_load_n(&counts[i].user_miss, __ATOMIC_RELAXED);
		t->kernel_miss += __atomic_load_n(&counts[i].kernel_miss, __ATOMIC_RELAXED);
	}
}

/*
 * A block's callbacks run before its instructions, and a block that is
 * left before its end (an interrupt) runs them again when it restarts:
 * about one mark in ten came twice.  The same mark twice in a row is one
 * mark (the guest never sets one twice in a row).
 */
static void mark(unsigned int vcpu, void *userdata)
{
	struct totals t;

	(void)vcpu;
	if (__atomic_exchange_n(&last_mark, (uintptr_t)userdata + 1, __ATOMIC_RELAXED) ==
	    (uintptr_t)userdata + 1)
		return;
	totals(&t);
	__atomic_store_n(&armed, !((uintptr_t)userdata & 1), __ATOMIC_RELAXED);
	fprintf(out, "mark %" PRIuPTR " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64,
		(uintptr_t)userdata, t.user, t.kernel, t.user_blocks, t.kernel_blocks);
	if (count_mem)
		fprintf(out, " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64, t.user_mem,
			t.kernel_mem, t.user_miss, t.kernel_miss);
	fputc('\n', out);
	fflush(out);
}

/* A kernel block to profile: its record, or NULL (counted without one). */
static struct tb_rec *new_rec(uint64_t va, uint64_t n)
{
	struct tb_rec *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->vaddr = va;
	r->insns = n;
	r->next = __atomic_load_n(&recs, __ATOMIC_RELAXED);
	while (!__atomic_compare_exchange_n(&recs, &r->next, r, false, __ATOMIC_RELEASE,
					    __ATOMIC_RELAXED))
		;
	return r;
}

static void translated(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	const uint64_t va = qemu_plugin_tb_vaddr(tb);
	const uintptr_t n = qemu_plugin_tb_n_insns(tb);

	(void)id;
	if (count_mem) {
		size_t i;

		for (i = 0; i < n; i++)
			qemu_plugin_register_vcpu_mem_cb(
				qemu_plugin_tb_get_insn(tb, i), count_access,
				QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_MEM_RW,
				(void *)(uintptr_t)((int64_t)va < 0 ? KERNEL_BIT : 0));
	}
	if (va - mark_addr < MARK_SIZE)
		qemu_plugin_register_vcpu_tb_exec_cb(tb, mark, QEMU_PLUGIN_CB_NO_REGS,
						     (void *)(uintptr_t)(va - mark_addr));
	if (profile_path && (int64_t)va < 0) {
		struct tb_rec *r = new_rec(va, n);

		if (r) {
			qemu_plugin_register_vcpu_tb_exec_cb(tb, count_profiled,
							     QEMU_PLUGIN_CB_NO_REGS, r);
			return;
		}
	}
	qemu_plugin_register_vcpu_tb_exec_cb(tb, count_tb, QEMU_PLUGIN_CB_NO_REGS,
					     (void *)(n << 1 | ((int64_t)va < 0 ? KERNEL_BIT : 0)));
}

/* The profile: instructions run inside the windows, by block address. */
static void write_profile(void)
{
	FILE *f = fopen(profile_path, "w");
	const struct tb_rec *r;

	if (!f) {
		fprintf(stderr, "insn-plugin: %s: %s\n", profile_path, strerror(errno));
		return;
	}
	for (r = __atomic_load_n(&recs, __ATOMIC_ACQUIRE); r; r = r->next)
		if (r->execs)
			fprintf(f, "%" PRIx64 " %" PRIu64 "\n", r->vaddr, r->execs * r->insns);
	fclose(f);
}

static void at_exit(qemu_plugin_id_t id, void *userdata)
{
	struct totals t;

	(void)id;
	(void)userdata;
	totals(&t);
	fprintf(out, "exit %" PRIu64 " %" PRIu64 " bad_vcpu %" PRIu64 "\n", t.user, t.kernel,
		bad_vcpu);
	fclose(out);
	if (profile_path)
		write_profile();
}

EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const struct qemu_info_t *info, int argc,
			       char **argv);

int qemu_plugin_install(qemu_plugin_id_t id, const struct qemu_info_t *info, int argc,
			char **argv)
{
	const char *path = NULL;
	char *end;
	int i;

	(void)info;
	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "out=", 4)) {
			path = argv[i] + 4;
		} else if (!strncmp(argv[i], "profile=", 8)) {
			profile_path = argv[i] + 8;
		} else if (!strcmp(argv[i], "mem=1")) {
			count_mem = 1;
		} else if (!strncmp(argv[i], "mark=", 5)) {
			errno = 0;
			mark_addr = strtoull(argv[i] + 5, &end, 0);
			if (errno || *end || !argv[i][5] || mark_addr % MARK_SIZE) {
				fprintf(stderr, "insn-plugin: mark=%s: not a page address\n",
					argv[i] + 5);
				return -1;
			}
		} else {
			fprintf(stderr,
				"insn-plugin: unknown argument '%s' (out=FILE, mark=ADDR, "
				"mem=1, profile=FILE)\n",
				argv[i]);
			return -1;
		}
	}
	if (!path) {
		fprintf(stderr, "insn-plugin: no out=FILE\n");
		return -1;
	}
	if (count_mem) {
		tlb = calloc(MAX_VCPUS, sizeof(*tlb));
		if (!tlb) {
			fprintf(stderr, "insn-plugin: out of memory\n");
			return -1;
		}
	}
	out = fopen(path, "a");
	if (!out) {
		fprintf(stderr, "insn-plugin: %s: %s\n", path, strerror(errno));
		return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, translated);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
