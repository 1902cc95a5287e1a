// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libaioattr-posix: POSIX <aio.h> on /dev/aio_attr.
 *
 * One process-wide context, set up by the first call that needs it.  A
 * request lives in a slot of a table this file owns; the ring entry's
 * user_data is the slot's index and generation, never the aiocb pointer,
 * so an aiocb that was freed or reused can never be reached from a stale
 * completion.  The aiocb itself carries the state POSIX asks about, in the
 * fields glibc reserves for its own implementation:
 *
 *	__error_code	EINPROGRESS, 0 or the errno (aio_error)
 *	__return_value	bytes or -1 (aio_return)
 *	__abs_prio	slot index + 1 (0: none)
 *	__policy	slot generation
 *
 * so aio_error() and aio_return() are a load (and one compare-and-swap)
 * and take no lock: both are async-signal-safe, as POSIX requires.
 *
 * A reaper thread (every signal blocked) waits on the context, turns each
 * ring entry into aiocb state (result first, then __error_code with
 * release order), then notifies: SIGEV_SIGNAL with rt_sigqueueinfo() and
 * si_code SI_ASYNCIO, SIGEV_THREAD_ID with rt_tgsigqueueinfo(),
 * SIGEV_THREAD on a new detached thread.  aio_suspend() and the waits of
 * aio_cancel() and lio_listio(LIO_WAIT) sleep on a futex the reaper
 * bumps after each batch.
 *
 * aio_fsync() behind requests of its fd in flight waits in a deferred
 * list until they have finished (POSIX has it cover them; the kernel's
 * workers would not order it), then the reaper submits it.
 *
 * Slot states: FREE -> BUSY (submitted) -> DONE (completion seen) ->
 * RETURNED (aio_return, lock-free) -> FREE (reused under the lock).  A
 * DONE slot keeps the attribute records for aio_attr_get() until the
 * aiocb is returned or submitted again; when the table is full and at
 * its limit, DONE slots are reclaimed (their aiocbs keep their results).
 */
#define _GNU_SOURCE
#include <aio.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <aio_attr/aio_attr.h>
#include <aio_attr/posix.h>

#if !defined(__GLIBC__) || !defined(__LP64__)
#error "libaioattr-posix keeps its state in the internal fields of glibc's LP64 struct aiocb"
#endif
#ifdef __USE_FILE_OFFSET64
#error "build without _FILE_OFFSET_BITS=64: <aio.h> would rename the functions defined here"
#endif
#if AIO_ATTR_VERSION < 2
#error "libaioattr-posix needs the version 2 <linux/aio_attr.h>"
#endif

/* The *64 names are the same functions: the two layouts are one. */
_Static_assert(sizeof(struct aiocb) == sizeof(struct aiocb64), "aiocb64 layout");
_Static_assert(offsetof(struct aiocb, aio_offset) == offsetof(struct aiocb64, aio_offset),
	       "aiocb64 layout");
_Static_assert(offsetof(struct aiocb, __error_code) == offsetof(struct aiocb64, __error_code),
	       "aiocb64 layout");
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "aio_return must not take a lock");

#define PUBLIC __attribute__((visibility("default")))

/* glibc before 2.35 has no name for the SIGEV_THREAD_ID target. */
#ifdef sigev_notify_thread_id
#define SIGEV_TID(sev) ((sev)->sigev_notify_thread_id)
#else
#define SIGEV_TID(sev) ((sev)->_sigev_un._tid)
#endif

#ifndef AIO_PRIO_DELTA_MAX
#define AIO_PRIO_DELTA_MAX 20
#endif

enum { SLOT_FREE, SLOT_BUSY, SLOT_DONE, SLOT_RETURNED };

#define TAG(gen, st) (((uint64_t)(gen) << 8) | (uint64_t)(st))
#define TAG_STATE(t) ((unsigned int)((t)&0xff))
#define TAG_GEN(t)   ((uint32_t)((t) >> 8))

#define CHUNK_SHIFT 10
#define CHUNK_SLOTS (1u << CHUNK_SHIFT)
#define MAX_CHUNKS  256u /* 262144 requests in flight or unreturned */
#define SOFT_CHUNKS 8u	 /* beyond, unreturned records are reclaimed before growing */
#define MAX_RECS    16
/* user_data of a lio_listio() group-done entry: a struct lio_note pointer | bit 63. */
#define NOTE_BIT    (1ULL << 63)

struct slot {
	_Atomic uint64_t tag; /* generation << 8 | SLOT_* */
	/* Below: written under lk while FREE or BUSY, read under lk. */
	struct aiocb *cb;
	struct sigevent sev;
	int fd;
	int err;
	uint16_t nr_recs;
	struct aio_attr_rec recs[MAX_RECS];
};

struct lio_note {
	struct sigevent sev;
};

/* A slot as it was when taken: it has finished once its tag moved on. */
struct slot_ref {
	struct slot *s;
	uint32_t gen;
};

/*
 * An aio_fsync() waiting for the requests on its file that were queued
 * before it (POSIX: it covers them); submitted by run_deferred() once
 * every one of @refs has finished.  Its slot is BUSY meanwhile.
 */
struct deferred {
	struct deferred *next;
	struct slot *s;
	uint64_t ud;
	unsigned int op;
	unsigned int nr;
	struct slot_ref refs[];
};

static pthread_mutex_t lk = PTHREAD_MUTEX_INITIALIZER; /* context setup, the table, cancel */
static atomic_bool ready;			       /* ctx is set up and the reaper runs */
static bool atfork_done;
static struct aa_ctx ctx = { .fd = -1 };
static uint64_t kernel_attrs;
static uint32_t max_len;
static uint32_t max_list;
static _Atomic uint64_t attr_mask;

static struct slot *_Atomic chunks[MAX_CHUNKS];
static unsigned int nr_chunks;
static uint32_t *freelist; /* indices of FREE slots; capacity nr_chunks * CHUNK_SLOTS */
static unsigned int nr_free;
static uint32_t next_gen = 1;
static struct deferred *deferred_head; /* under lk */

static uint32_t seq; /* futex word: bumped after the reaper published completions */
static int waiters;  /* threads that may sleep on seq */

/* ---- small helpers ---- */

static int fail(int err)
{
	errno = err;
	return -1;
}

static long futex(uint32_t *uaddr, int op, uint32_t val, const struct timespec *ts)
{
	return syscall(SYS_futex, uaddr, op, val, ts, NULL, FUTEX_BITSET_MATCH_ANY);
}

static void publish(void)
{
	__atomic_fetch_add(&seq, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&waiters, __ATOMIC_SEQ_CST))
		futex(&seq, FUTEX_WAKE_PRIVATE, INT_MAX, NULL);
}

static int cb_error(const struct aiocb *cb)
{
	return __atomic_load_n(&cb->__error_code, __ATOMIC_ACQUIRE);
}

static void cb_finish(struct aiocb *cb, int err, ssize_t res)
{
	cb->__return_value = res;
	__atomic_store_n(&cb->__error_code, err, __ATOMIC_RELEASE);
}

static struct slot *slot_at(uint32_t idx)
{
	struct slot *c;

	if (idx >> CHUNK_SHIFT >= MAX_CHUNKS)
		return NULL;
	c = atomic_load_explicit(&chunks[idx >> CHUNK_SHIFT], memory_order_acquire);
	return c ? &c[idx & (CHUNK_SLOTS - 1)] : NULL;
}

/* The slot @cb was last submitted with, NULL when none; under lk. */
static struct slot *slot_of(const struct aiocb *cb, uint32_t *gen)
{
	struct slot *s;
	uint64_t tag;

	if (cb->__abs_prio <= 0)
		return NULL;
	s = slot_at((uint32_t)cb->__abs_prio - 1);
	if (!s || s->cb != cb)
		return NULL;
	tag = atomic_load(&s->tag);
	if (TAG_GEN(tag) != (uint32_t)cb->__policy || TAG_STATE(tag) == SLOT_FREE ||
	    TAG_STATE(tag) == SLOT_RETURNED)
		return NULL;
	*gen = TAG_GEN(tag);
	return s;
}

/*
 * Wait until @done(@arg) is true; it is checked again after every batch the
 * reaper publishes.  A signal does not end the wait.
 */
static void wait_for(bool (*done)(void *), void *arg)
{
	__atomic_fetch_add(&waiters, 1, __ATOMIC_SEQ_CST);
	for (;;) {
		uint32_t s = __atomic_load_n(&seq, __ATOMIC_SEQ_CST);

		if (done(arg))
			break;
		futex(&seq, FUTEX_WAIT_BITSET_PRIVATE, s, NULL);
	}
	__atomic_fetch_sub(&waiters, 1, __ATOMIC_SEQ_CST);
}

/* ---- notification ---- */

struct thread_note {
	void (*fn)(union sigval);
	union sigval value;
};

static void *note_thread(void *arg)
{
	struct thread_note n = *(struct thread_note *)arg;
	sigset_t none;

	free(arg);
	/* Created by the reaper, which blocks everything. */
	sigemptyset(&none);
	pthread_sigmask(SIG_SETMASK, &none, NULL);
	n.fn(n.value);
	return NULL;
}

static void notify(const struct sigevent *sev)
{
	siginfo_t si;

	switch (sev->sigev_notify) {
	case SIGEV_SIGNAL:
	case SIGEV_THREAD_ID:
		if (!sev->sigev_signo)
			break;
		memset(&si, 0, sizeof(si));
		si.si_signo = sev->sigev_signo;
		si.si_code = SI_ASYNCIO;
		si.si_pid = getpid();
		si.si_uid = getuid();
		si.si_value = sev->sigev_value;
		if (sev->sigev_notify == SIGEV_SIGNAL)
			syscall(SYS_rt_sigqueueinfo, si.si_pid, si.si_signo, &si);
		else
			syscall(SYS_rt_tgsigqueueinfo, si.si_pid, SIGEV_TID(sev), si.si_signo, &si);
		break;
	case SIGEV_THREAD: {
		struct thread_note *n = malloc(sizeof(*n));
		const pthread_attr_t *user = sev->sigev_notify_attributes;
		pthread_attr_t def;
		pthread_t t;
		int detach = PTHREAD_CREATE_DETACHED;

		if (!n)
			break;
		n->fn = sev->sigev_notify_function;
		n->value = sev->sigev_value;
		if (user) {
			pthread_attr_getdetachstate(user, &detach);
		} else {
			pthread_attr_init(&def);
			pthread_attr_setdetachstate(&def, PTHREAD_CREATE_DETACHED);
		}
		if (pthread_create(&t, user ? user : &def, note_thread, n) != 0)
			free(n);
		else if (detach != PTHREAD_CREATE_DETACHED)
			pthread_detach(t);
		if (!user)
			pthread_attr_destroy(&def);
		break;
	}
	default:
		break;
	}
}

/* ---- the reaper ---- */

static void complete_event(const struct aio_attr_event *ev)
{
	uint64_t ud = ev->user_data;
	struct sigevent sev;
	struct aiocb *cb;
	struct slot *s;
	uint32_t gen = (uint32_t)(ud >> 32);
	int err;

	if (ud & NOTE_BIT) {
		struct lio_note *n = (struct lio_note *)(uintptr_t)(ud & ~NOTE_BIT);

		notify(&n->sev);
		free(n);
		return;
	}
	s = slot_at((uint32_t)ud);
	if (!s)
		return;
	pthread_mutex_lock(&lk);
	if (atomic_load(&s->tag) != TAG(gen, SLOT_BUSY)) {
		pthread_mutex_unlock(&lk);
		return;
	}
	cb = s->cb;
	err = ev->result < 0 ? (int)-ev->result : 0;
	s->err = err;
	s->nr_recs = ev->nr_attrs < MAX_RECS ? ev->nr_attrs : MAX_RECS;
	memcpy(s->recs, ev->attrs, s->nr_recs * sizeof(s->recs[0]));
	sev = s->sev;
	/* DONE before the aiocb says so, or aio_return() could not release it. */
	atomic_store(&s->tag, TAG(gen, SLOT_DONE));
	cb_finish(cb, err, err ? -1 : (ssize_t)ev->result);
	pthread_mutex_unlock(&lk);
	notify(&sev);
}

static void run_deferred(void);

static void *reaper_main(void *arg)
{
	const struct aio_attr_event *ev;
	int r;

	(void)arg;
	for (;;) {
		r = aa_wait(&ctx, 1, -1, NULL);
		if (r < 0 && r != -EINTR && r != -ETIME) {
			fprintf(stderr, "libaioattr-posix: AIO_ATTR_IOC_WAIT: %s\n", strerror(-r));
			return NULL;
		}
		while ((r = aa_peek(&ctx, &ev)) == 0) {
			complete_event(ev);
			aa_seen(&ctx, ev);
		}
		publish();
		run_deferred();
		if (r == -EBADMSG) {
			fprintf(stderr, "libaioattr-posix: bad ring entry: %s\n",
				aa_ring_strerror(ctx.ring.error));
			return NULL;
		}
	}
}

/* ---- the context ---- */

static void free_all_slots(void)
{
	unsigned int i;

	nr_free = 0;
	for (i = nr_chunks * CHUNK_SLOTS; i-- > 0;) {
		struct slot *s = slot_at(i);

		atomic_store(&s->tag, TAG(TAG_GEN(atomic_load(&s->tag)), SLOT_FREE));
		freelist[nr_free++] = i;
	}
}

static void atfork_prepare(void)
{
	pthread_mutex_lock(&lk);
}

static void atfork_parent(void)
{
	pthread_mutex_unlock(&lk);
}

/*
 * The child has the parent's context descriptor and mapping but no reaper:
 * drop them; the next call sets up a context of its own.  Requests the
 * parent had in flight are not the child's: their aiocbs stay EINPROGRESS.
 */
static void atfork_child(void)
{
	if (atomic_load(&ready)) {
		aa_ctx_close(&ctx);
		atomic_store(&ready, false);
	}
	free_all_slots();
	while (deferred_head) {
		struct deferred *d = deferred_head;

		deferred_head = d->next;
		free(d);
	}
	waiters = 0;
	pthread_mutex_unlock(&lk);
}

static int open_errno(int err)
{
	switch (err) {
	case EMFILE:
	case ENFILE:
	case ENOMEM:
		return EAGAIN;
	default:
		return ENOSYS;
	}
}

/* Set up the context and start the reaper; under lk.  0 or a positive errno. */
static int ctx_start(void)
{
	const char *path = secure_getenv("AIOATTR_DEV");
	const char *list = secure_getenv("AIOATTR_ATTRS");
	struct aio_attr_setup s;
	struct aio_attr_probe p;
	sigset_t all, old;
	pthread_t t;
	uint64_t mask = 0;
	uint32_t bytes;
	char msg[256];
	int r;

	r = aa_ctx_open(&ctx, path && *path ? path : NULL);
	if (r < 0)
		return open_errno(-r);
	r = aa_ctx_probe(&ctx, &p);
	if (r < 0 || p.version < 2 || !(p.features & AIO_ATTR_FEAT_GROUPS) ||
	    !(p.features & AIO_ATTR_FEAT_CANCEL)) {
		aa_ctx_close(&ctx);
		return r == -ENOMEM ? EAGAIN : ENOSYS;
	}
	bytes = 256u << 10;
	if (bytes > p.ring_max)
		bytes = p.ring_max;
	for (;;) {
		memset(&s, 0, sizeof(s));
		s.version = AIO_ATTR_VERSION;
		s.ring_bytes = bytes;
		r = aa_ctx_setup(&ctx, &s);
		if (r != -ENOMEM || bytes / 2 < p.ring_min)
			break;
		aa_ctx_close(&ctx);
		r = aa_ctx_open(&ctx, path && *path ? path : NULL);
		if (r < 0)
			return open_errno(-r);
		bytes /= 2;
	}
	if (r < 0) {
		aa_ctx_close(&ctx);
		return r == -ENOMEM ? EAGAIN : ENOSYS;
	}
	kernel_attrs = s.attrs;
	max_len = p.max_io_bytes;
	max_list = p.max_inflight;
	if (list && aa_attr_parse_list(list, kernel_attrs, &mask, msg, sizeof(msg)) < 0) {
		fprintf(stderr, "libaioattr-posix: AIOATTR_ATTRS ignored: %s\n", msg);
		mask = 0;
	}
	atomic_store(&attr_mask, mask);

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&t, NULL, reaper_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r) {
		aa_ctx_close(&ctx);
		return EAGAIN;
	}
	pthread_detach(t);
	if (!atfork_done) {
		pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
		atfork_done = true;
	}
	atomic_store(&ready, true);
	return 0;
}

/* 0 when the context is up, else ENOSYS (no usable device) or EAGAIN. */
static int ensure_ctx(void)
{
	int err = 0;

	if (atomic_load_explicit(&ready, memory_order_acquire))
		return 0;
	pthread_mutex_lock(&lk);
	if (!atomic_load(&ready))
		err = ctx_start();
	pthread_mutex_unlock(&lk);
	return err;
}

/* ---- slots ---- */

static bool grow_table(void)
{
	struct slot *c;
	uint32_t *fl;
	unsigned int i, base = nr_chunks * CHUNK_SLOTS;

	if (nr_chunks == MAX_CHUNKS)
		return false;
	c = calloc(CHUNK_SLOTS, sizeof(*c));
	fl = realloc(freelist, (size_t)(base + CHUNK_SLOTS) * sizeof(*fl));
	if (!c || !fl) {
		free(c);
		if (fl)
			freelist = fl;
		return false;
	}
	freelist = fl;
	for (i = 0; i < CHUNK_SLOTS; i++)
		atomic_init(&c[i].tag, TAG(0, SLOT_FREE));
	atomic_store_explicit(&chunks[nr_chunks], c, memory_order_release);
	nr_chunks++;
	for (i = CHUNK_SLOTS; i-- > 0;)
		freelist[nr_free++] = base + i;
	return true;
}

/* Put slots in state @from back on the free list; under lk. */
static void sweep(unsigned int from)
{
	unsigned int i;

	for (i = 0; i < nr_chunks * CHUNK_SLOTS; i++) {
		struct slot *s = slot_at(i);
		uint64_t t = atomic_load(&s->tag);

		if (TAG_STATE(t) == from &&
		    atomic_compare_exchange_strong(&s->tag, &t, TAG(TAG_GEN(t), SLOT_FREE)))
			freelist[nr_free++] = i;
	}
}

/*
 * @cb is used again: the record of its previous request, if that was never
 * given to aio_return(), goes; under lk.
 */
static void forget_previous(struct aiocb *cb)
{
	uint32_t gen;
	struct slot *s = slot_of(cb, &gen);

	if (s) {
		uint64_t t = TAG(gen, SLOT_DONE);

		atomic_compare_exchange_strong(&s->tag, &t, TAG(gen, SLOT_RETURNED));
	}
	cb->__abs_prio = 0;
}

/*
 * A BUSY slot for @cb, the aiocb marked in progress; under lk.  NULL: EAGAIN.
 * Returned slots are reused first; up to SOFT_CHUNKS chunks the table then
 * grows, beyond it the records of requests nobody gave to aio_return() are
 * reclaimed first, so a program that never calls it costs a bounded table.
 */
static struct slot *slot_get(struct aiocb *cb, const struct sigevent *sev, uint64_t *ud)
{
	struct slot *s;
	uint32_t idx, gen;

	forget_previous(cb);
	if (!nr_free)
		sweep(SLOT_RETURNED);
	if (!nr_free && nr_chunks >= SOFT_CHUNKS)
		sweep(SLOT_DONE);
	if (!nr_free && !grow_table())
		sweep(SLOT_DONE);
	if (!nr_free)
		return NULL;
	idx = freelist[--nr_free];
	s = slot_at(idx);
	gen = next_gen;
	next_gen = next_gen == 0x7fffffff ? 1 : next_gen + 1;
	s->cb = cb;
	s->sev = *sev;
	s->fd = cb->aio_fildes;
	s->err = 0;
	s->nr_recs = 0;
	atomic_store(&s->tag, TAG(gen, SLOT_BUSY));
	cb->__abs_prio = (int)idx + 1;
	cb->__policy = (int)gen;
	cb->__return_value = 0;
	__atomic_store_n(&cb->__error_code, EINPROGRESS, __ATOMIC_RELEASE);
	*ud = (uint64_t)gen << 32 | idx;
	return s;
}

/* A BUSY slot whose request the kernel never took; under lk. */
static void slot_drop(struct slot *s)
{
	uint64_t t = atomic_load(&s->tag);
	uint32_t idx = (uint32_t)(s->cb->__abs_prio - 1);

	s->cb->__abs_prio = 0;
	atomic_store(&s->tag, TAG(TAG_GEN(t), SLOT_FREE));
	freelist[nr_free++] = idx;
}

/* ---- argument checks ---- */

static int check_sigevent(const struct sigevent *sev)
{
	switch (sev->sigev_notify) {
	case SIGEV_NONE:
		return 0;
	case SIGEV_SIGNAL:
		/* 0: no signal (a zeroed aiocb asks for SIGEV_SIGNAL 0; glibc takes it). */
		return sev->sigev_signo >= 0 && sev->sigev_signo < NSIG ? 0 : EINVAL;
	case SIGEV_THREAD_ID:
		return sev->sigev_signo > 0 && sev->sigev_signo < NSIG ? 0 : EINVAL;
	case SIGEV_THREAD:
		return sev->sigev_notify_function ? 0 : EINVAL;
	default:
		return EINVAL;
	}
}

static int check_rw(const struct aiocb *cb)
{
	if (cb->aio_fildes < 0)
		return EBADF;
	if (cb->aio_reqprio < 0 || cb->aio_reqprio > AIO_PRIO_DELTA_MAX || cb->aio_offset < 0 ||
	    cb->aio_nbytes > SSIZE_MAX || !cb->aio_buf)
		return EINVAL;
	return check_sigevent(&cb->aio_sigevent);
}

/* Refusals that POSIX lets aio_read() & co. report at once; others go to aio_error(). */
static bool sync_error(int err)
{
	return err == EAGAIN || err == EBADF || err == EINVAL || err == ENOSYS;
}

/* A request that ends without the kernel: its aiocb finished and notified. */
static void finish_inline(struct aiocb *cb, int err, ssize_t res, bool note)
{
	cb->__abs_prio = 0;
	cb_finish(cb, err, res);
	publish();
	if (note)
		notify(&cb->aio_sigevent);
}

static void prep(struct aio_attr_sqe *sqe, struct aiocb *cb, unsigned int op, uint64_t ud)
{
	size_t n = cb->aio_nbytes < max_len ? cb->aio_nbytes : max_len;

	if (op == AIO_ATTR_OP_FSYNC || op == AIO_ATTR_OP_FDATASYNC)
		aa_prep_rw(sqe, op, cb->aio_fildes, 0, 0, 0);
	else
		aa_prep_rw(sqe, op, cb->aio_fildes, (uintptr_t)cb->aio_buf, (uint32_t)n,
			   (uint64_t)cb->aio_offset);
	aa_sqe_set_data(sqe, ud);
	aa_sqe_set_attrs(sqe, atomic_load_explicit(&attr_mask, memory_order_relaxed));
}

/* ---- submission ---- */

/*
 * Submit the request of BUSY slot @s.  On refusal the slot is dropped and
 * the positive errno returned; with @async_only every error goes to the
 * aiocb (and its notification), else those POSIX lets the call return
 * are left to the caller.
 */
static int submit_slot(struct slot *s, struct aiocb *cb, unsigned int op, uint64_t ud,
		       bool async_only)
{
	struct aio_attr_sqe sqe;
	int r, err = 0;

	prep(&sqe, cb, op, ud);
	r = aa_submit(&ctx, &sqe, 1, &err);
	if (r == 1)
		return 0;
	if (r < 0)
		err = -r;
	if (err == ENOMEM)
		err = EAGAIN;
	pthread_mutex_lock(&lk);
	slot_drop(s);
	pthread_mutex_unlock(&lk);
	if (!async_only && sync_error(err)) {
		cb_finish(cb, err, -1);
		return err;
	}
	finish_inline(cb, err, -1, true);
	return 0;
}

static int submit_one(struct aiocb *cb, unsigned int op)
{
	struct slot *s;
	uint64_t ud;
	int err;

	pthread_mutex_lock(&lk);
	s = slot_get(cb, &cb->aio_sigevent, &ud);
	pthread_mutex_unlock(&lk);
	if (!s)
		return fail(EAGAIN);
	err = submit_slot(s, cb, op, ud, false);
	return err ? fail(err) : 0;
}

static bool refs_done(const struct slot_ref *refs, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (atomic_load(&refs[i].s->tag) == TAG(refs[i].gen, SLOT_BUSY))
			return false;
	return true;
}

/* Submit the deferred fsyncs whose predecessors have all finished. */
static void run_deferred(void)
{
	struct deferred *ready = NULL, **pp, *d;

	pthread_mutex_lock(&lk);
	for (pp = &deferred_head; (d = *pp);) {
		if (refs_done(d->refs, d->nr)) {
			*pp = d->next;
			d->next = ready;
			ready = d;
		} else {
			pp = &d->next;
		}
	}
	pthread_mutex_unlock(&lk);
	while ((d = ready)) {
		ready = d->next;
		submit_slot(d->s, d->s->cb, d->op, d->ud, true);
		free(d);
	}
}

/*
 * aio_fsync(): when requests on the file are in flight, the sync waits for
 * them in the deferred list (the kernel's workers could otherwise run it
 * first); else it goes to the kernel at once.
 */
static int fsync_submit(struct aiocb *cb, unsigned int op)
{
	unsigned int i, n = 0, total;
	struct deferred *d;
	uint64_t ud;

	pthread_mutex_lock(&lk);
	total = nr_chunks * CHUNK_SLOTS;
	for (i = 0; i < total; i++) {
		const struct slot *s = slot_at(i);

		if (TAG_STATE(atomic_load(&s->tag)) == SLOT_BUSY && s->fd == cb->aio_fildes)
			n++;
	}
	if (!n) {
		pthread_mutex_unlock(&lk);
		return submit_one(cb, op);
	}
	d = malloc(sizeof(*d) + n * sizeof(d->refs[0]));
	if (!d) {
		pthread_mutex_unlock(&lk);
		return fail(EAGAIN);
	}
	d->nr = 0;
	for (i = 0; i < total && d->nr < n; i++) {
		struct slot *s = slot_at(i);
		uint64_t t = atomic_load(&s->tag);

		if (TAG_STATE(t) == SLOT_BUSY && s->fd == cb->aio_fildes)
			d->refs[d->nr++] = (struct slot_ref){ s, TAG_GEN(t) };
	}
	d->s = slot_get(cb, &cb->aio_sigevent, &ud);
	if (!d->s) {
		pthread_mutex_unlock(&lk);
		free(d);
		return fail(EAGAIN);
	}
	d->ud = ud;
	d->op = op;
	d->next = deferred_head;
	deferred_head = d;
	pthread_mutex_unlock(&lk);
	/* The predecessors may have finished before it was listed. */
	run_deferred();
	return 0;
}

/*
 * Take the deferred fsyncs that match @cb (or every one on @fd when @cb is
 * NULL) off the list, under lk; the caller finishes them with ECANCELED.
 */
static struct deferred *take_deferred(int fd, const struct aiocb *cb)
{
	struct deferred *taken = NULL, **pp, *d;

	for (pp = &deferred_head; (d = *pp);) {
		if (d->s->fd == fd && (!cb || d->s->cb == cb)) {
			*pp = d->next;
			d->next = taken;
			taken = d;
		} else {
			pp = &d->next;
		}
	}
	return taken;
}

/* Finish taken deferred fsyncs with ECANCELED; how many.  Not under lk. */
static unsigned int cancel_deferred(struct deferred *d)
{
	unsigned int n = 0;

	while (d) {
		struct deferred *next = d->next;
		struct aiocb *cb = d->s->cb;

		pthread_mutex_lock(&lk);
		slot_drop(d->s);
		pthread_mutex_unlock(&lk);
		finish_inline(cb, ECANCELED, -1, true);
		free(d);
		d = next;
		n++;
	}
	return n;
}

static int rw(struct aiocb *cb, unsigned int op)
{
	int err;

	if (!cb)
		return fail(EINVAL);
	err = check_rw(cb);
	if (!err)
		err = ensure_ctx();
	if (err)
		return fail(err);
	if (cb->aio_nbytes == 0) {
		pthread_mutex_lock(&lk);
		forget_previous(cb);
		pthread_mutex_unlock(&lk);
		finish_inline(cb, 0, 0, true);
		return 0;
	}
	return submit_one(cb, op);
}

PUBLIC int aio_read(struct aiocb *cb)
{
	return rw(cb, AIO_ATTR_OP_READ);
}

PUBLIC int aio_write(struct aiocb *cb)
{
	return rw(cb, AIO_ATTR_OP_WRITE);
}

PUBLIC int aio_fsync(int op, struct aiocb *cb)
{
	int err, fl;

	if (op != O_SYNC && op != O_DSYNC)
		return fail(EINVAL);
	fl = fcntl(cb->aio_fildes, F_GETFL);
	if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY)
		return fail(EBADF);
	err = check_sigevent(&cb->aio_sigevent);
	if (!err)
		err = ensure_ctx();
	if (err)
		return fail(err);
	return fsync_submit(cb, op == O_SYNC ? AIO_ATTR_OP_FSYNC : AIO_ATTR_OP_FDATASYNC);
}

PUBLIC int aio_error(const struct aiocb *cb)
{
	return cb_error(cb);
}

PUBLIC ssize_t aio_return(struct aiocb *cb)
{
	struct slot *s;
	uint64_t t;

	if (cb_error(cb) == EINPROGRESS)
		return fail(EINVAL);
	/* Lock-free, for signal handlers: the compare-and-swap checks the generation. */
	if (cb->__abs_prio > 0) {
		s = slot_at((uint32_t)cb->__abs_prio - 1);
		t = TAG((uint32_t)cb->__policy, SLOT_DONE);
		if (s)
			atomic_compare_exchange_strong(&s->tag, &t,
						       TAG((uint32_t)cb->__policy, SLOT_RETURNED));
		cb->__abs_prio = 0;
	}
	return cb->__return_value;
}

/* ---- aio_suspend ---- */

static bool any_done(const struct aiocb *const list[], int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (list[i] && cb_error(list[i]) != EINPROGRESS)
			return true;
	return false;
}

PUBLIC int aio_suspend(const struct aiocb *const list[], int n, const struct timespec *timeout)
{
	struct timespec end;
	int ret = 0;

	if (n < 0)
		return fail(EINVAL);
	if (timeout) {
		if (timeout->tv_sec < 0 || timeout->tv_nsec < 0 || timeout->tv_nsec >= 1000000000L)
			return fail(EINVAL);
		clock_gettime(CLOCK_MONOTONIC, &end);
		if (timeout->tv_sec > INT64_MAX / 2 - end.tv_sec)
			timeout = NULL; /* never */
		end.tv_sec += timeout ? timeout->tv_sec : 0;
		end.tv_nsec += timeout ? timeout->tv_nsec : 0;
		if (end.tv_nsec >= 1000000000L) {
			end.tv_sec++;
			end.tv_nsec -= 1000000000L;
		}
	}
	__atomic_fetch_add(&waiters, 1, __ATOMIC_SEQ_CST);
	for (;;) {
		uint32_t s = __atomic_load_n(&seq, __ATOMIC_SEQ_CST);

		if (any_done(list, n))
			break;
		if (futex(&seq, FUTEX_WAIT_BITSET_PRIVATE, s, timeout ? &end : NULL) < 0) {
			if (errno == EINTR || errno == ETIMEDOUT) {
				ret = fail(errno == EINTR ? EINTR : EAGAIN);
				break;
			}
		}
	}
	__atomic_fetch_sub(&waiters, 1, __ATOMIC_SEQ_CST);
	return ret;
}

/* ---- aio_cancel ---- */

struct cancel_wait {
	struct slot_ref *refs;
	unsigned int nr;
	unsigned int need; /* refs that must have left BUSY */
};

static bool cancel_done(void *arg)
{
	struct cancel_wait *w = arg;
	unsigned int i, left = 0;

	for (i = 0; i < w->nr; i++)
		if (atomic_load(&w->refs[i].s->tag) != TAG(w->refs[i].gen, SLOT_BUSY))
			left++;
	return left >= w->need;
}

PUBLIC int aio_cancel(int fd, struct aiocb *cb)
{
	struct cancel_wait w = { 0 };
	struct deferred *taken;
	struct slot_ref one;
	unsigned int i, total, local, cancelled, running;
	uint64_t ud = 0;
	int r;

	if (fcntl(fd, F_GETFD) < 0)
		return fail(EBADF);
	if (cb && cb->aio_fildes != fd)
		return fail(EINVAL);
	/* No context: nothing of ours is in flight. */
	if (!atomic_load_explicit(&ready, memory_order_acquire))
		return AIO_ALLDONE;

	pthread_mutex_lock(&lk);
	taken = take_deferred(fd, cb);
	if (cb && taken) {
		pthread_mutex_unlock(&lk);
		cancel_deferred(taken);
		return AIO_CANCELED;
	}
	if (cb) {
		one.s = slot_of(cb, &one.gen);
		if (!one.s || atomic_load(&one.s->tag) != TAG(one.gen, SLOT_BUSY)) {
			pthread_mutex_unlock(&lk);
			return AIO_ALLDONE;
		}
		ud = (uint64_t)one.gen << 32 | (uint32_t)(cb->__abs_prio - 1);
		w.refs = &one;
		w.nr = 1;
	} else {
		total = nr_chunks * CHUNK_SLOTS;
		w.refs = malloc((total ? total : 1) * sizeof(*w.refs));
		for (i = 0; w.refs && i < total; i++) {
			struct slot *s = slot_at(i);
			uint64_t t = atomic_load(&s->tag);

			if (TAG_STATE(t) == SLOT_BUSY && s->fd == fd)
				w.refs[w.nr++] = (struct slot_ref){ s, TAG_GEN(t) };
		}
	}
	/* Under lk: no submission slips between the snapshot and the cancel. */
	r = -aa_cancel(&ctx, AIO_ATTR_CANCEL_FD | (cb ? AIO_ATTR_CANCEL_USER_DATA : 0), fd, ud,
		       &cancelled, &running);
	pthread_mutex_unlock(&lk);
	/* Deferred fsyncs never reached the kernel: cancelled here. */
	local = cancel_deferred(taken);
	if (r) {
		if (w.refs != &one)
			free(w.refs);
		return r == EBADF ? fail(EBADF) : AIO_NOTCANCELED;
	}
	cancelled += local;
	/*
	 * Every cancelled request, and every one that finished before the
	 * cancel, is posted; wait until the reaper has put it in its aiocb so
	 * aio_error() says ECANCELED on return.  Running ones may take long.
	 */
	if (w.refs) {
		w.need = w.nr > running ? w.nr - running : 0;
		wait_for(cancel_done, &w);
		if (w.refs != &one)
			free(w.refs);
	}
	if (running)
		return AIO_NOTCANCELED;
	return cancelled ? AIO_CANCELED : AIO_ALLDONE;
}

/* ---- lio_listio ---- */

struct list_wait {
	struct aiocb *const *list;
	int n;
};

static bool list_done(void *arg)
{
	struct list_wait *w = arg;
	int i;

	for (i = 0; i < w->n; i++)
		if (w->list[i] && w->list[i]->aio_lio_opcode != LIO_NOP &&
		    cb_error(w->list[i]) == EINPROGRESS)
			return false;
	return true;
}

static int lio_opcode(const struct aiocb *cb)
{
	switch (cb->aio_lio_opcode) {
	case LIO_READ:
		return AIO_ATTR_OP_READ;
	case LIO_WRITE:
		return AIO_ATTR_OP_WRITE;
	default:
		return -1;
	}
}

PUBLIC int lio_listio(int mode, struct aiocb *const list[], int n, struct sigevent *sig)
{
	struct lio_note *note = NULL;
	struct aio_attr_sqe *sqes;
	struct slot **slots;
	struct aiocb **cbs;
	struct list_wait lw = { list, n };
	unsigned int nr = 0, accepted, i;
	int err, failed = 0, stop_err = 0, k, ret, sub_err = 0, wait_err = 0;
	bool want_note;

	if ((mode != LIO_WAIT && mode != LIO_NOWAIT) || n < 0)
		return fail(EINVAL);
	want_note = mode == LIO_NOWAIT && sig && sig->sigev_notify != SIGEV_NONE;
	if (want_note && check_sigevent(sig))
		return fail(EINVAL);
	err = ensure_ctx();
	if (err)
		return fail(err);
	if ((unsigned int)n > max_list)
		return fail(EINVAL);

	sqes = calloc((size_t)n + 1, sizeof(*sqes));
	slots = calloc((size_t)n + 1, sizeof(*slots));
	cbs = calloc((size_t)n + 1, sizeof(*cbs));
	if (want_note)
		note = malloc(sizeof(*note));
	if (!sqes || !slots || !cbs || (want_note && !note)) {
		err = EAGAIN;
		goto out;
	}
	/* Refusals of single entries go to their aiocbs. */
	pthread_mutex_lock(&lk);
	for (k = 0; k < n; k++) {
		struct aiocb *cb = list[k];
		uint64_t ud;
		int op;

		if (!cb || cb->aio_lio_opcode == LIO_NOP)
			continue;
		forget_previous(cb);
		op = lio_opcode(cb);
		err = op < 0 ? EINVAL : check_rw(cb);
		if (err) {
			cb_finish(cb, err, -1);
			failed++;
			continue;
		}
		if (cb->aio_nbytes == 0) {
			finish_inline(cb, 0, 0, true);
			continue;
		}
		slots[nr] = slot_get(cb, &cb->aio_sigevent, &ud);
		if (!slots[nr]) {
			cb_finish(cb, EAGAIN, -1);
			failed++;
			stop_err = EAGAIN;
			continue;
		}
		cbs[nr] = cb;
		prep(&sqes[nr], cb, (unsigned int)op, ud);
		nr++;
	}
	pthread_mutex_unlock(&lk);
	err = 0;

	if (nr == 0) {
		publish();
		if (want_note && !failed)
			notify(sig);
		goto out;
	}
	if (note) {
		note->sev = *sig;
		aa_prep_group_done(&sqes[nr]);
		aa_sqe_set_data(&sqes[nr], (uintptr_t)note | NOTE_BIT);
	}
	ret = aa_submit_group(&ctx, sqes, note ? nr + 1 : nr,
			      mode == LIO_WAIT ? AIO_ATTR_SUBMIT_WAIT : 0, -1, &sub_err, &wait_err);
	accepted = ret < 0 ? 0 : (unsigned int)ret;
	if (ret < 0)
		sub_err = -ret;
	if (accepted < nr) {
		/* The batch stopped: the refused entry and those after it never ran. */
		stop_err = sub_err == ENOMEM ? EAGAIN : sub_err;
		pthread_mutex_lock(&lk);
		for (i = accepted; i < nr; i++) {
			slot_drop(slots[i]);
			cb_finish(cbs[i], i == accepted ? stop_err : EAGAIN, -1);
			failed++;
		}
		pthread_mutex_unlock(&lk);
		publish();
		if (accepted == 0 && note) {
			/* No group-done entry comes for an empty group. */
			free(note);
		}
	}
	note = NULL; /* the reaper frees it */
	if (mode == LIO_WAIT) {
		if (wait_err == EINTR) {
			err = EINTR;
			goto out;
		}
		/* The kernel saw them complete; wait until the reaper has published them. */
		wait_for(list_done, &lw);
		for (k = 0; k < n && !failed; k++)
			if (list[k] && list[k]->aio_lio_opcode != LIO_NOP && cb_error(list[k]))
				failed++;
	}
	if (stop_err == EAGAIN)
		err = EAGAIN;
	else if (failed)
		err = EIO;
out:
	free(note);
	free(cbs);
	free(slots);
	free(sqes);
	return err ? fail(err) : 0;
}

/* ---- the extension ---- */

PUBLIC int aio_attr_get(const struct aiocb *cb, unsigned int id, uint64_t *value)
{
	struct slot *s;
	uint32_t gen;
	int err = ENOENT;
	unsigned int i;

	if (!cb || !value)
		return fail(EINVAL);
	if (cb_error(cb) == EINPROGRESS)
		return fail(EINPROGRESS);
	pthread_mutex_lock(&lk);
	s = slot_of(cb, &gen);
	if (!s || atomic_load(&s->tag) != TAG(gen, SLOT_DONE)) {
		err = EINVAL;
	} else {
		for (i = 0; i < s->nr_recs; i++) {
			if (s->recs[i].id == id && s->recs[i].status == AIO_ATTR_ST_HANDLED) {
				*value = s->recs[i].value;
				err = 0;
				break;
			}
		}
	}
	pthread_mutex_unlock(&lk);
	return err ? fail(err) : 0;
}

PUBLIC int aio_attr_set_mask(uint64_t mask)
{
	int err = ensure_ctx();

	if (err)
		return fail(err);
	if (mask & ~kernel_attrs)
		return fail(EINVAL);
	atomic_store(&attr_mask, mask);
	return 0;
}

PUBLIC uint64_t aio_attr_get_mask(void)
{
	return atomic_load_explicit(&ready, memory_order_acquire) ? atomic_load(&attr_mask) : 0;
}

/*
 * The *64 names (what <aio.h> calls with _FILE_OFFSET_BITS=64): the same
 * code, as in glibc on LP64, where struct aiocb64 is struct aiocb.
 */
#define ALIAS64(name)                            \
	__asm__(".globl " #name "64\n"           \
		".type " #name "64, @function\n" \
		".set " #name "64, " #name "\n")
ALIAS64(aio_read);
ALIAS64(aio_write);
ALIAS64(aio_fsync);
ALIAS64(aio_error);
ALIAS64(aio_return);
ALIAS64(aio_suspend);
ALIAS64(aio_cancel);
ALIAS64(lio_listio);
ALIAS64(aio_attr_get);
