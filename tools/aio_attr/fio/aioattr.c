// SPDX-License-Identifier: GPL-2.0
/*
 * aioattr - fio external ioengine for /dev/aio_attr.
 *
 *	fio --ioengine=external:/path/aioattr.so --direct=1 --attrs=all \
 *	    --attr_log=io.log --filename=/dev/ram0 ...
 *
 * Every I/O goes through one aio_attr context (include/uapi/linux/aio_attr.h)
 * per job: ->queue() fills a request in a preallocated batch, ->commit()
 * hands the batch to AIO_ATTR_IOC_SUBMIT, ->getevents() reaps the mapped
 * completion ring with libaioattr's consumer (aa_peek(): validated
 * entries, skip entries, the overflow list refilled as the ABI asks) and
 * sleeps in AIO_ATTR_IOC_WAIT for the rest of min events, ->event() hands
 * the io_us back.
 *
 * One system call per I/O at full queue depth (every I/O at iodepth=1):
 * when a commit fills the queue, fio's next step is ->getevents() with
 * min >= 1, so the submission asks the kernel to wait for one completion
 * as well (AIO_ATTR_SUBMIT_WAIT, when the kernel has it) and ->getevents()
 * finds it in the ring without a call.  fixedbufs=1 registers fio's I/O
 * buffers once (AIO_ATTR_IOC_REGISTER_BUFFERS) so that requests pin
 * nothing.  The attribute records of each completion are accumulated into
 * an attribute report (common/attrstat.h) printed when the job ends, and
 * optionally written to a per-I/O log (common/attrlog.h) and a JSON file.
 *
 * Hook contracts (fio 3.33, ioengines.h):
 *  ->init	  once per job, before any io_u exists: open and map the context.
 *  ->io_u_init	  once per io_u: remember it by io_u->index (the user_data).
 *  ->post_init	  once per job, after fio allocated the I/O buffers: register
 *		  them (fixedbufs).
 *  ->queue	  may not block; returns QUEUED, BUSY (batch full, or a sync
 *		  request behind outstanding I/O) or COMPLETED with io_u->error.
 *  ->commit	  submits everything queued; requests the kernel refuses
 *		  complete through ->getevents() with their errno.  May wait
 *		  for one completion when the queue is then full.
 *  ->getevents	  returns between min and max completions (fewer only when
 *		  @t expires), ->event(n) the io_u of the n-th.
 *  ->cleanup	  once per job after the last I/O: report, log, JSON, unmap.
 *
 * The per-I/O path does not allocate: batch, io_u table, events, statistics
 * and the log buffer are sized at ->init.  The log buffer is written out
 * with write(2) when it fills up and at the end.
 *
 * Built against fio's own headers (the same configured source tree the
 * fio binary comes from), see Makefile.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "fio.h"
#include "optgroup.h"
#include "smalloc.h"

#include <aio_attr/aio_attr.h>

#include "attrlog.h"
#include "attrstat.h"

#define AIOATTR_DEV	 "/dev/aio_attr"
#define LOG_BUF_BYTES	 (1u << 20)
#define STALL_TIMEOUT_MS 30000

struct aioattr_options {
	void *pad; /* an option at offset 0 would not be found by fio's parser */
	char *attrs;
	char *attr_log;
	char *attr_json;
	char *device;
	unsigned int ring_kb;
	unsigned int fixedbufs;
	unsigned int submit_wait;
	unsigned int sqring;
};

struct aioattr_data {
	struct aa_ctx ctx; /* libaioattr: the context and its ring */
	uint64_t mask;
	bool submit_wait; /* the kernel can wait inside AIO_ATTR_IOC_SUBMIT */
	bool no_submit_wait; /* ... but submit_wait=0 says not to */
	bool fixed_bufs;  /* fio's buffers are registered buffer 0 */
	bool sq;	  /* requests go through the submission queue (AIO_ATTR_IOC_ENTER) */

	unsigned int depth;	   /* io_u count: sizes every table below */
	struct aio_attr_sqe *sqes; /* queued, not yet submitted (without ad->sq) */
	/* queued requests: in ad->sqes, or the last ones aa_get_sqe() handed out */
	unsigned int queued;
	unsigned int inflight;	    /* submitted (or refused) and not yet reaped */
	struct io_u **by_index;	    /* io_u of each user_data */
	unsigned char *busy;	    /* by index: submitted and not completed */
	struct timespec *submit_ts; /* by index: when the I/O started (submit_time()) */
	struct io_u **failed;	    /* refused at submission, delivered by getevents */
	unsigned int nr_failed;
	struct io_u **events;
	unsigned int nr_events;
	uint64_t bad_entries;
	uint64_t nr_completed;	  /* io_us handed back to fio */
	uint64_t nr_submit_calls; /* AIO_ATTR_IOC_SUBMIT or AIO_ATTR_IOC_ENTER */
	uint64_t nr_submit_waits; /* ... of them waiting for a completion */
	uint64_t nr_wait_calls;	  /* AIO_ATTR_IOC_WAIT */

	struct aa_dirstats *stats; /* per direction, what fio itself accounts */
	struct group_slot *group;  /* group_reporting: the group's shared slot */
	int log_fd;
	char *log_path;
	char *log_buf;
	size_t log_len;
	int log_error;
};

static int str_attrs_cb(void *data, const char *str)
{
	uint64_t mask;
	char err[256];

	(void)data;
	/* The syntax only: ->init() resolves the list against the kernel's ids. */
	if (aa_attr_parse_list(str, aa_attr_all(), &mask, err, sizeof(err))) {
		log_err("fio: aioattr: attrs=%s: %s\n", str, err);
		return 1;
	}
	return 0;
}

static struct fio_option options[] = {
	{
		.name = "attrs",
		.lname = "aio_attr attributes",
		.type = FIO_OPT_STR_STORE,
		.off1 = offsetof(struct aioattr_options, attrs),
		.cb = str_attrs_cb,
		.def = "all",
		.help = "Attributes to request per I/O: a comma list of attribute names "
			"(aioattr probe lists them), all (what the kernel knows) or none",
		.category = FIO_OPT_C_ENGINE,
		.group = FIO_OPT_G_INVALID,
	},
	{
		.name = "attr_log",
		.lname = "aio_attr per-I/O log",
		.type = FIO_OPT_STR_STORE,
		.off1 = offsetof(struct aioattr_options, attr_log),
		.help = "Write every I/O's attributes to this file (.N appended when the run "
			"has several jobs)",
		.category = FIO_OPT_C_ENGINE,
		.group = FIO_OPT_G_INVALID,
	},
	{
		.name = "attr_json",
		.lname = "aio_attr JSON report",
		.type = FIO_OPT_STR_STORE,
		.off1 = offsetof(struct aioattr_options, attr_json),
		.help = "Write the attribute report as JSON to this file (default with "
			"--output-format=json: <job>.aioattr.json)",
		.category = FIO_OPT_C_ENGINE,
		.group = FIO_OPT_G_INVALID,
	},
	{
		.name = "aio_attr_dev",
		.lname = "aio_attr device",
		.type = FIO_OPT_STR_STORE,
		.off1 = offsetof(struct aioattr_options, device),
		.def = AIOATTR_DEV,
		.help = "The aio_attr character device",
		.category = FIO_OPT_C_ENGINE,
		.group = FIO_OPT_G_INVALID,
	},
	{
		.name = "ring_kb",
		.lname = "aio_attr ring size",
		.type = FIO_OPT_INT,
		.off1 = offsetof(struct aioattr_options, ring_kb),
		.def = "0",
		/* the ABI's largest ring: ring_kb * 1024 cannot wrap */
		.maxval = AIO_ATTR_RING_MAX_BYTES / 1024,
		.help = "Completion ring data area in KiB, a power of two (0: sized from iodepth)",
		.category = FIO_OPT_C_ENGINE,
		.group = FIO_OPT_G_INVALID,
	},
	{
		.name = "fixedbufs",
		.lname = "aio_attr registered buffers",
		.type = FIO_OPT_STR_SET,
		.off1 = offsetof(struct aioattr_options, fixedbufs),
		.help = "Register the I/O buffers once per job (pinned, charged to "
			"RLIMIT_MEMLOCK) so requests pin nothing; needs memory the kernel "
			"can pin for long (not mem=mmap with a file outside tmpfs or "
			"hugetlbfs, not cudamalloc) and AIO_ATTR_FEAT_FIXED_BUFS",
		.category = FIO_OPT_C_ENGINE,
		.group = FIO_OPT_G_INVALID,
	},
	{
		.name = "submit_wait",
		.lname = "aio_attr wait in submit",
		.type = FIO_OPT_BOOL,
		.off1 = offsetof(struct aioattr_options, submit_wait),
		.def = "1",
		.help = "With a full queue, wait for a completion in the submitting call "
			"(AIO_ATTR_SUBMIT_WAIT); 0: submit only, so that fio's slat is "
			"the time of the submission alone",
		.category = FIO_OPT_C_ENGINE,
		.group = FIO_OPT_G_INVALID,
	},
	{
		.name = "sqring",
		.lname = "aio_attr submission queue",
		.type = FIO_OPT_BOOL,
		.off1 = offsetof(struct aioattr_options, sqring),
		.def = "1",
		.help = "Write requests into the context's mapped submission queue and "
			"submit them with AIO_ATTR_IOC_ENTER, which copies nothing (ABI "
			"version 3, AIO_ATTR_FEAT_SQ_RING; else, or with 0, AIO_ATTR_IOC_SUBMIT)",
		.category = FIO_OPT_C_ENGINE,
		.group = FIO_OPT_G_INVALID,
	},
	{
		.name = NULL,
	},
};

/* ---- the per-I/O log ---- */

static void log_flush(struct aioattr_data *ad)
{
	size_t off = 0;

	while (off < ad->log_len && !ad->log_error) {
		ssize_t r = write(ad->log_fd, ad->log_buf + off, ad->log_len - off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			ad->log_error = r < 0 ? errno : EIO;
			log_err("fio: aioattr: writing %s: %s\n", ad->log_path,
				strerror(ad->log_error));
			break;
		}
		off += (size_t)r;
	}
	ad->log_len = 0;
}

static void log_sample(struct aioattr_data *ad, const struct aa_sample *s)
{
	if (LOG_BUF_BYTES - ad->log_len < AA_LOG_LINE_MAX)
		log_flush(ad);
	ad->log_len += aa_log_format_line(ad->log_buf + ad->log_len, LOG_BUF_BYTES - ad->log_len, s,
					  ad->mask);
}

/* @path, or @path.N when this fio run has more than one job. */
static char *job_path(struct thread_data *td, const char *path)
{
	char *p;

	if (thread_number <= 1)
		return strdup(path);
	if (asprintf(&p, "%s.%u", path, td->thread_number) < 0)
		return NULL;
	return p;
}

/* ---- what fio accounts ---- */

/*
 * True when fio itself accounts a completion now, so that the engine's
 * counts are fio's: not while ramp_time runs, not in the runstates fio
 * leaves out (the final fsync, laying out files), and never with
 * stats=0.  This is fio's should_account() and account_io_completion()
 * (io_u.c), which this version of fio does not export; ramp_time_over()
 * is fio's own and ends the ramp for fio too, exactly as fio's first
 * completion after it would.  Called in ->getevents, just before fio runs
 * io_completed() on the same io_us, with nothing in between that changes
 * the runstate.
 */
static bool fio_accounts(struct thread_data *td)
{
	const struct thread_data *st = td->parent ? td->parent : td;

	if (!st->o.stats)
		return false;
	/* once over, the ramp stays over: no call into fio per I/O after it */
	if (td->o.ramp_time && !td->ramp_time_over && !ramp_time_over(td))
		return false;
	return td->runstate == TD_RUNNING || td->runstate == TD_VERIFYING;
}

/*
 * fio's ntime_since() (0 when @e is before @s), here so that the per-I/O
 * path does not call into fio for it.
 */
static inline uint64_t ns_since(const struct timespec *s, const struct timespec *e)
{
	int64_t ns = (int64_t)(e->tv_sec - s->tv_sec) * 1000000000LL + (e->tv_nsec - s->tv_nsec);

	return ns > 0 ? (uint64_t)ns : 0;
}

/* ---- group_reporting ---- */

/*
 * With group_reporting fio prints one report per group, and so does the
 * engine.  The jobs of a group are processes (or threads) of their own, so
 * their statistics meet in fio's shared memory pool (smalloc(), mapped
 * before fio forks the jobs): a table with one slot per reporting group,
 * allocated when fio loads the engine, before any job starts.  The first
 * job of a group to start claims the slot and counts the group's jobs that
 * use this engine; every job adds its statistics at ->cleanup (or leaves
 * at a failed ->init), and the last one prints the group's report.
 */
#define MAX_GROUPS 64

struct group_slot {
	int groupid;
	unsigned int members; /* jobs of the group with this engine and stats=1 */
	unsigned int left;    /* of them, done: their statistics are in */
	uint64_t ring_posted, ring_overflowed;
	uint32_t ring_bytes;
	uint64_t bad_entries;
	char name[128]; /* the group's first job */
	struct aa_dirstats *stats;
};

struct group_table {
	struct fio_sem *lock;
	unsigned int nr;
	struct group_slot slot[MAX_GROUPS];
};

static struct group_table *groups;

/* When fio loads the engine (in its main process, before forking jobs). */
static void __attribute__((constructor)) aioattr_load(void)
{
	groups = scalloc(1, sizeof(*groups));
	if (!groups)
		return;
	groups->lock = fio_sem_init(FIO_SEM_UNLOCKED);
	if (!groups->lock) {
		sfree(groups);
		groups = NULL;
	}
}

static bool same_report_group(const struct thread_data *a, const struct thread_data *b)
{
	return a->groupid == b->groupid && b->o.group_reporting && b->o.stats && b->io_ops &&
	       !strcmp(b->io_ops->name, a->io_ops->name);
}

/* The group slot of @td, claimed if it is the group's first job; NULL: report alone. */
static struct group_slot *group_join(struct thread_data *td, uint64_t mask)
{
	struct group_slot *g = NULL;
	struct thread_data *td2;
	unsigned int i;
	int j;

	if (!td->o.group_reporting || !td->o.stats || !groups)
		return NULL;
	fio_sem_down(groups->lock);
	for (i = 0; i < groups->nr; i++)
		if (groups->slot[i].groupid == td->groupid) {
			g = &groups->slot[i];
			break;
		}
	if (!g && groups->nr < MAX_GROUPS) {
		struct aa_dirstats *st = smalloc(sizeof(*st));

		if (st) {
			g = &groups->slot[groups->nr++];
			memset(g, 0, sizeof(*g));
			g->groupid = td->groupid;
			g->stats = st;
			aa_dirstats_init(st, mask);
			for_each_td(td2, j) {
				if (!same_report_group(td, td2))
					continue;
				if (!g->members++)
					snprintf(g->name, sizeof(g->name), "%s", td2->o.name);
			}
		}
	}
	fio_sem_up(groups->lock);
	if (!g)
		log_err("fio: aioattr: group_reporting: no shared memory for the group's "
			"statistics; job \"%s\" reports on its own\n",
			td->o.name);
	return g;
}

/* ---- completions ---- */

/* The entry's records as a sample, for the per-I/O log. */
static void log_event(struct thread_data *td, struct aioattr_data *ad, const struct io_u *io_u,
		      const struct aio_attr_event *ev, const struct timespec *now, uint64_t lat_ns)
{
	struct aa_sample s;
	unsigned int i;

	memset(&s, 0, sizeof(s));
	s.time_ms = ntime_since(&td->epoch, now) / 1000000ULL;
	s.lat_ns = lat_ns;
	s.ddir = io_u->ddir;
	s.bs = (uint64_t)ev->result;
	s.offset = io_u->offset;
	for (i = 0; i < ev->nr_attrs; i++) {
		const struct aio_attr_rec *r = &ev->attrs[i];

		if (r->id < AIO_ATTR_NR) {
			s.status[r->id] = r->status;
			s.value[r->id] = r->value;
		}
	}
	log_sample(ad, &s);
}

static void complete_io(struct thread_data *td, struct aioattr_data *ad, struct io_u *io_u,
			const struct aio_attr_event *ev, const struct timespec *now)
{
	uint64_t lat_ns;

	ad->events[ad->nr_events++] = io_u;
	ad->busy[io_u->index] = 0;
	ad->inflight--;
	ad->nr_completed++;
	if (ev->result < 0)
		io_u->error = (unsigned int)-ev->result;
	else if (ddir_rw(io_u->ddir) && (unsigned long long)ev->result < io_u->xfer_buflen)
		io_u->resid = io_u->xfer_buflen - (unsigned long long)ev->result;
	if (!fio_accounts(td))
		return;
	lat_ns = ns_since(&ad->submit_ts[io_u->index], now);
	/* straight from the entry's records: no sample to fill per I/O */
	aa_dirstats_add_event(ad->stats, io_u->ddir, lat_ns, ev);
	if (ad->log_fd >= 0 && ev->result >= 0)
		log_event(td, ad, io_u, ev, now, lat_ns);
}

/*
 * Reap up to @max completions from the ring into ad->events (aa_peek()
 * moves overflowed completions into the ring when it runs dry).  Returns
 * the number reaped or a negative errno for a ring the kernel cannot have
 * written, or an event for an io_u that is not in flight (the job stops
 * rather than trusting it).
 */
static int reap_ring(struct thread_data *td, struct aioattr_data *ad, unsigned int max)
{
	const struct aio_attr_event *ev;
	struct timespec now;
	bool have_now = false;
	unsigned int n = 0;
	int r;

	while (n < max) {
		r = aa_peek(&ad->ctx, &ev);
		if (r == -EAGAIN)
			break;
		if (r < 0) {
			if (r == -EBADMSG && !ad->bad_entries++)
				log_err("fio: aioattr: malformed completion ring entry at %u: %s\n",
					ad->ctx.ring.error_pos,
					aa_ring_strerror(ad->ctx.ring.error));
			else if (r != -EBADMSG)
				log_err("fio: aioattr: AIO_ATTR_IOC_WAIT: %s\n", strerror(-r));
			return r;
		}
		if (ev->user_data >= ad->depth || !ad->busy[ev->user_data]) {
			if (!ad->bad_entries++)
				log_err("fio: aioattr: completion for user_data %llu, which is not "
					"in flight\n",
					(unsigned long long)ev->user_data);
			return -EBADMSG;
		}
		if (!have_now) {
			fio_gettime(&now, NULL);
			have_now = true;
		}
		complete_io(td, ad, ad->by_index[ev->user_data], ev, &now);
		aa_seen(&ad->ctx, ev);
		n++;
	}
	return (int)n;
}

static int ctx_wait(struct aioattr_data *ad, unsigned int min, int64_t timeout_ns)
{
	int r;

	ad->nr_wait_calls++;
	r = aa_wait(&ad->ctx, min, timeout_ns, NULL);
	return r == -ETIME || r == -EINTR ? 0 : r;
}

/* Refused requests first, then the ring. */
static int reap_all(struct thread_data *td, struct aioattr_data *ad, unsigned int max)
{
	const uint64_t refills = ad->ctx.refills;
	int got = 0, r;

	while (ad->nr_failed && ad->nr_events < max) {
		ad->events[ad->nr_events++] = ad->failed[--ad->nr_failed];
		ad->inflight--;
		ad->nr_completed++;
		got++;
	}
	r = reap_ring(td, ad, max - ad->nr_events);
	/* aa_peek()'s overflow refills are wait calls too. */
	ad->nr_wait_calls += ad->ctx.refills - refills;
	return r < 0 ? r : got + r;
}

static int fio_aioattr_commit(struct thread_data *td);

static int fio_aioattr_getevents(struct thread_data *td, unsigned int min, unsigned int max,
				 const struct timespec *t)
{
	struct aioattr_data *ad = td->io_ops_data;
	int64_t timeout = t ? (int64_t)t->tv_sec * 1000000000LL + t->tv_nsec : -1;
	bool waited = false;
	unsigned int want;
	int r;

	ad->nr_events = 0;
	if (max > ad->depth)
		max = ad->depth;
	for (;;) {
		r = reap_all(td, ad, max);
		if (r < 0)
			return r;
		if (ad->nr_events >= min || (waited && timeout >= 0))
			break;
		if (!ad->inflight) {
			if (!ad->queued)
				break;
			/*
			 * Requests an in-flight limit held back at the last
			 * commit, and nothing out that would end: submit them
			 * now, or min could not be reached.
			 */
			r = fio_aioattr_commit(td);
			if (r < 0)
				return r;
			continue;
		}
		want = min - ad->nr_events;
		if (want > ad->inflight)
			want = ad->inflight;
		r = ctx_wait(ad, want, timeout);
		if (r < 0) {
			log_err("fio: aioattr: AIO_ATTR_IOC_WAIT: %s\n", strerror(-r));
			return r;
		}
		waited = true;
	}
	return (int)ad->nr_events;
}

static struct io_u *fio_aioattr_event(struct thread_data *td, int event)
{
	struct aioattr_data *ad = td->io_ops_data;

	return ad->events[event];
}

/* ---- submission ---- */

static enum fio_q_status fio_aioattr_queue(struct thread_data *td, struct io_u *io_u)
{
	struct aioattr_data *ad = td->io_ops_data;
	struct aio_attr_sqe *sqe;
	uint8_t op;

	fio_ro_check(td, io_u);

	if (ad->queued == ad->depth)
		return FIO_Q_BUSY;
	switch (io_u->ddir) {
	case DDIR_READ:
		op = AIO_ATTR_OP_READ;
		break;
	case DDIR_WRITE:
		op = AIO_ATTR_OP_WRITE;
		break;
	case DDIR_SYNC:
	case DDIR_DATASYNC:
		/* Like libaio: a sync covers the I/O before it, so issue it alone. */
		if (ad->queued || ad->inflight)
			return FIO_Q_BUSY;
		op = io_u->ddir == DDIR_SYNC ? AIO_ATTR_OP_FSYNC : AIO_ATTR_OP_FDATASYNC;
		break;
	default:
		io_u->error = EOPNOTSUPP;
		return FIO_Q_COMPLETED;
	}
	if (ddir_rw(io_u->ddir) && io_u->xfer_buflen > UINT32_MAX) {
		io_u->error = E2BIG;
		return FIO_Q_COMPLETED;
	}

	sqe = ad->sq ? aa_get_sqe(&ad->ctx) : &ad->sqes[ad->queued];
	if (!sqe)
		return FIO_Q_BUSY;
	ad->queued++;
	if (op == AIO_ATTR_OP_READ || op == AIO_ATTR_OP_WRITE)
		aa_prep_rw(sqe, op, io_u->file->fd, (uintptr_t)io_u->xfer_buf,
			   (uint32_t)io_u->xfer_buflen, io_u->offset);
	else
		aa_prep_rw(sqe, op, io_u->file->fd, 0, 0, 0);
	aa_sqe_set_data(sqe, io_u->index);
	aa_sqe_set_attrs(sqe, ad->mask);
	aa_sqe_set_ioprio(sqe, io_u->ioprio);
	/* buf_index 0: the whole I/O buffer area */
	if (ad->fixed_bufs && (op == AIO_ATTR_OP_READ || op == AIO_ATTR_OP_WRITE))
		sqe->flags = AIO_ATTR_SQE_FIXED_BUF;
	return FIO_Q_QUEUED;
}

/*
 * When @io_u started, for the engine's latency (submit_ts) and, when the
 * submitting call also waited, for fio's issue time: fio's own start time
 * of the I/O (get_io_u() takes it unless disable_lat=1, and it starts
 * fio's total latency too), else @before, read just before the call.
 * One clock reading per I/O fewer than reading it here every time.
 */
static const struct timespec *submit_time(const struct thread_data *td, const struct io_u *io_u,
					  const struct timespec *before)
{
	return td->o.disable_lat ? before : &io_u->start_time;
}

/*
 * Mark @nr requests from @first on (sqe positions of the queue, or
 * indexes of ad->sqes) as issued: after a call that waited, "now" is a
 * completion time, so the issue time is when the I/O started.
 */
static void mark_issued(struct thread_data *td, struct aioattr_data *ad, uint32_t first,
			unsigned int nr, bool waited, const struct timespec *before)
{
	struct timespec now;
	unsigned int i;

	if (!waited)
		fio_gettime(&now, NULL);
	for (i = 0; i < nr; i++) {
		const struct aio_attr_sqe *sqe =
			ad->sq ? &ad->ctx.sqes[(first + i) & ad->ctx.sq_mask]
			       : &ad->sqes[first + i];
		struct io_u *io_u = ad->by_index[sqe->user_data];
		const struct timespec *start = submit_time(td, io_u, before);

		io_u->issue_time = waited ? *start : now;
		io_u_queued(td, io_u);
		ad->busy[io_u->index] = 1;
		ad->submit_ts[io_u->index] = *start;
	}
	io_u_mark_submit(td, nr);
	ad->inflight += nr;
	ad->queued -= nr;
}

/*
 * At the in-flight limit (EAGAIN, ENOMEM): 0 to let fio reap when I/O is
 * out, else 1 after a short sleep to try again, or -errno once the limit
 * has refused everything for STALL_TIMEOUT_MS.
 */
static int stall(struct aioattr_data *ad, int err, bool *stalling, struct timespec *since)
{
	if (ad->inflight)
		return 0;
	if (!*stalling) {
		fio_gettime(since, NULL);
		*stalling = true;
	} else if (mtime_since_now(since) > STALL_TIMEOUT_MS) {
		log_err("fio: aioattr: submissions refused with %s for %ds, giving up\n",
			strerror(err), STALL_TIMEOUT_MS / 1000);
		return -err;
	}
	usleep(100);
	return 1;
}

/*
 * Through the submission queue: the sqes are in the mapping already, and
 * one AIO_ATTR_IOC_ENTER takes them (and waits).  A refused sqe is
 * consumed and completes through the ring with its errno, so the only
 * thing that stops a call is the in-flight limit.
 */
static int commit_sq(struct thread_data *td, struct aioattr_data *ad)
{
	struct timespec stall_ts, before = { 0 };
	bool stalling = false;

	while (ad->queued) {
		const bool wait = ad->submit_wait && ad->inflight + ad->queued >= ad->depth;
		const unsigned int queued = ad->queued;
		int ret;

		if (wait)
			ad->nr_submit_waits++;
		ad->nr_submit_calls++;
		if (td->o.disable_lat)
			fio_gettime(&before, NULL);
		ret = aa_enter(&ad->ctx, wait ? 1 : 0);
		if (ret > 0) {
			/* the oldest queued sqe is the first the kernel took */
			mark_issued(td, ad, ad->ctx.sq_tail - queued, (unsigned int)ret,
				    wait && (unsigned int)ret == queued, &before);
			stalling = false;
			if ((unsigned int)ret == queued)
				continue;
			ret = -EAGAIN; /* a limit stopped the call */
		}
		if (ret == -EINTR)
			continue;
		if (ret == -EAGAIN || ret == -ENOMEM) {
			ret = stall(ad, -ret, &stalling, &stall_ts);
			if (ret <= 0)
				return ret;
			continue;
		}
		log_err("fio: aioattr: AIO_ATTR_IOC_ENTER: %s\n", strerror(-ret));
		return ret;
	}
	return 0;
}

static int fio_aioattr_commit(struct thread_data *td)
{
	struct aioattr_data *ad = td->io_ops_data;
	struct timespec now, stall_ts, before = { 0 };
	bool stalling = false;

	if (ad->sq)
		return commit_sq(td, ad);
	while (ad->queued) {
		unsigned int accepted;
		bool wait;
		int ret, err = 0;

		/*
		 * A full queue: fio's next call is ->getevents() with min >= 1,
		 * so wait for that one completion in this call already.  Not
		 * while refused requests are pending: they are events already.
		 */
		wait = ad->submit_wait && ad->inflight + ad->queued >= ad->depth && !ad->nr_failed;
		if (wait)
			ad->nr_submit_waits++;
		ad->nr_submit_calls++;
		/* Before the call: a request may complete inside it (brd). */
		if (td->o.disable_lat)
			fio_gettime(&before, NULL);
		if (wait)
			ret = aa_submit_and_wait(&ad->ctx, ad->sqes, ad->queued, 1, -1, &err, NULL);
		else
			ret = aa_submit(&ad->ctx, ad->sqes, ad->queued, &err);
		/* A failing call refuses the first request with its errno. */
		if (ret < 0) {
			err = -ret;
			accepted = 0;
		} else {
			accepted = (unsigned int)ret;
		}
		if (accepted) {
			mark_issued(td, ad, 0, accepted, wait && !err, &before);
			memmove(ad->sqes, ad->sqes + accepted, ad->queued * sizeof(*ad->sqes));
			stalling = false;
		}
		if (!err)
			continue;
		if (err == EINTR)
			continue;
		if (err == EAGAIN || err == ENOMEM) {
			int r = stall(ad, err, &stalling, &stall_ts);

			if (r <= 0)
				return r;
			continue;
		}
		/* This request is refused: it completes with the error through getevents. */
		{
			struct io_u *io_u = ad->by_index[ad->sqes[0].user_data];

			fio_gettime(&now, NULL);
			io_u->issue_time = now;
			ad->submit_ts[io_u->index] = *submit_time(td, io_u, &before);
			io_u->error = (unsigned int)err;
			io_u_mark_submit(td, 1);
			if (fio_accounts(td))
				aa_dirstats_of(ad->stats, io_u->ddir)->errors++;
			ad->failed[ad->nr_failed++] = io_u;
			ad->inflight++;
			ad->queued--;
			memmove(ad->sqes, ad->sqes + 1, ad->queued * sizeof(*ad->sqes));
		}
	}
	return 0;
}

/* ---- setup and teardown ---- */

static void group_abandon(struct thread_data *td, struct aioattr_data *ad);

static void free_data(struct thread_data *td, struct aioattr_data *ad)
{
	aa_ctx_close(&ad->ctx);
	if (ad->log_fd >= 0)
		close(ad->log_fd);
	free(ad->log_path);
	free(ad->log_buf);
	free(ad->stats);
	/* a failed ->init: the group's report must not wait for this job */
	if (ad->group)
		group_abandon(td, ad);
	free(ad->sqes);
	free(ad->by_index);
	free(ad->busy);
	free(ad->submit_ts);
	free(ad->failed);
	free(ad->events);
	free(ad);
}

/*
 * Register fio's I/O buffer area (td->orig_buffer, allocated after ->init
 * as one region holding every io_u's buffer) as registered buffer 0.  The
 * region is widened to whole pages, which are mapped since part of each
 * is ours: the kernel pins pages anyway.
 */
static int register_io_buffers(struct thread_data *td, struct aioattr_data *ad)
{
	uintptr_t start = (uintptr_t)td->orig_buffer & ~page_mask;
	uintptr_t end =
		((uintptr_t)td->orig_buffer + td->orig_buffer_size + page_mask) & ~page_mask;
	struct iovec iov;
	int err;

	if (!td->orig_buffer || !td->orig_buffer_size) {
		log_err("fio: aioattr: fixedbufs=1: this job has no I/O buffers\n");
		td_verror(td, EINVAL, "fixedbufs");
		return 1;
	}
	if (end - start > AIO_ATTR_MAX_BUFFER_BYTES) {
		log_err("fio: aioattr: fixedbufs=1: %llu bytes of I/O buffers (iodepth x bs) are "
			"more than one registered buffer may hold (%u)\n",
			(unsigned long long)(end - start), AIO_ATTR_MAX_BUFFER_BYTES);
		td_verror(td, E2BIG, "fixedbufs");
		return 1;
	}
	iov.iov_base = (void *)start;
	iov.iov_len = end - start;
	err = -aa_register_buffers(&ad->ctx, &iov, 1);
	if (err) {
		log_err("fio: aioattr: fixedbufs=1: AIO_ATTR_IOC_REGISTER_BUFFERS of %zu bytes: "
			"%s%s\n",
			iov.iov_len, strerror(err),
			err == ENOMEM	    ? " (pinned memory counts against ulimit -l)"
			: err == EOPNOTSUPP ? " (the kernel pins anonymous, shmem and hugetlbfs "
					      "memory, not other file mappings: use mem=malloc)"
					    : "");
		td_verror(td, err, "AIO_ATTR_IOC_REGISTER_BUFFERS");
		return 1;
	}
	ad->fixed_bufs = true;
	return 0;
}

static uint32_t ring_size(struct thread_data *td, const struct aioattr_options *o,
			  const struct aio_attr_probe *p, unsigned int nattrs)
{
	uint64_t want, bytes = AIO_ATTR_RING_MIN_BYTES;

	if (o->ring_kb)
		return o->ring_kb * 1024u;
	/* Room for two full depths of events; overflow covers the rest. */
	want = 2ULL * td->o.iodepth * AIO_ATTR_EVENT_BYTES(nattrs);
	while (bytes < want && bytes < p->ring_max)
		bytes <<= 1;
	if (p->ring_min > bytes)
		bytes = p->ring_min;
	return (uint32_t)bytes;
}

static int fio_aioattr_init(struct thread_data *td)
{
	struct aioattr_options *o = td->eo;
	struct aioattr_data *ad;
	struct aio_attr_probe probe;
	struct aio_attr_setup setup;
	char err[256];
	unsigned int nattrs;
	uint64_t mask;
	int r;

	ad = calloc(1, sizeof(*ad));
	if (!ad)
		return 1;
	aa_ctx_from_fd(&ad->ctx, -1);
	ad->log_fd = -1;
	ad->depth = td->o.iodepth;
	/* first: a job that fails from here on leaves its group (free_data()) */
	ad->group = group_join(td, 0);
	if (aa_attr_parse_list(o->attrs ? o->attrs : "all", aa_attr_all(), &mask, err,
			       sizeof(err))) {
		log_err("fio: aioattr: attrs=%s: %s\n", o->attrs, err);
		goto fail;
	}

	r = aa_ctx_open(&ad->ctx, o->device ? o->device : AIOATTR_DEV);
	if (r) {
		log_err("fio: aioattr: cannot open %s: %s%s\n", o->device ? o->device : AIOATTR_DEV,
			strerror(-r), r == -ENOENT ? " (is the aio_attr module loaded?)" : "");
		goto fail;
	}
	r = aa_ctx_probe(&ad->ctx, &probe);
	if (r) {
		log_err("fio: aioattr: AIO_ATTR_IOC_PROBE: %s\n", strerror(-r));
		goto fail;
	}
	if (!probe.version) {
		log_err("fio: aioattr: kernel ABI version 0\n");
		goto fail;
	}
	/* fixedbufs cannot do without the kernel's support; submit-and-wait can. */
	if (o->fixedbufs && !(probe.features & AIO_ATTR_FEAT_FIXED_BUFS)) {
		log_err("fio: aioattr: fixedbufs=1: this kernel has no registered buffers "
			"(AIO_ATTR_FEAT_FIXED_BUFS; ABI version %u)\n",
			probe.version);
		goto fail;
	}
	if (o->fixedbufs && td->o.mem_type == MEM_CUDA_MALLOC) {
		log_err("fio: aioattr: fixedbufs=1: GPU memory (mem=cudamalloc) cannot be "
			"registered\n");
		goto fail;
	}
	/* "all" means what this kernel knows; named ones it does not know are an error. */
	if (aa_attr_parse_list(o->attrs ? o->attrs : "all", probe.attrs, &mask, err, sizeof(err))) {
		log_err("fio: aioattr: attrs=%s: %s\n", o->attrs, err);
		goto fail;
	}
	ad->mask = mask;
	nattrs = (unsigned int)__builtin_popcountll(mask);
	if (td->o.iodepth > probe.max_inflight)
		log_err("fio: aioattr: iodepth=%u is above the module's max_inflight=%u; "
			 "submissions will wait for completions\n",
			 td->o.iodepth, probe.max_inflight);

	memset(&setup, 0, sizeof(setup));
	/* The newest version both know: a version 1 kernel gets a version 1 context. */
	setup.version = probe.version < AIO_ATTR_VERSION ? probe.version : AIO_ATTR_VERSION;
	setup.ring_bytes = ring_size(td, o, &probe, nattrs);
#if AIO_ATTR_VERSION >= 3
	/* A slot for every io_u: the queue never fills before fio's depth. */
	if (o->sqring && setup.version >= 3 && (probe.features & AIO_ATTR_FEAT_SQ_RING) &&
	    ad->depth <= AIO_ATTR_SQ_MAX_ENTRIES) {
		setup.sq_entries = 1;
		while (setup.sq_entries < ad->depth)
			setup.sq_entries <<= 1;
	}
#endif
	/* SETUP, mmap, and the ring header checked against both. */
	r = aa_ctx_setup(&ad->ctx, &setup);
	if (r) {
		log_err("fio: aioattr: setting up the context (ring %u bytes): %s\n",
			setup.ring_bytes, strerror(-r));
		goto fail;
	}
	ad->submit_wait = setup.version >= 2 && (setup.features & AIO_ATTR_FEAT_SUBMIT_WAIT);
	ad->no_submit_wait = ad->submit_wait && !o->submit_wait;
	ad->submit_wait = ad->submit_wait && o->submit_wait;
	ad->sq = ad->ctx.sqes != NULL;

	/* with the submission queue the sqes are written into the mapping */
	if (!ad->sq)
		ad->sqes = calloc(ad->depth, sizeof(*ad->sqes));
	ad->by_index = calloc(ad->depth, sizeof(*ad->by_index));
	ad->busy = calloc(ad->depth, 1);
	ad->submit_ts = calloc(ad->depth, sizeof(*ad->submit_ts));
	ad->failed = calloc(ad->depth, sizeof(*ad->failed));
	ad->events = calloc(ad->depth, sizeof(*ad->events));
	ad->stats = aa_dirstats_new(mask);
	if ((!ad->sq && !ad->sqes) || !ad->by_index || !ad->busy || !ad->submit_ts || !ad->failed ||
	    !ad->events || !ad->stats)
		goto nomem;

	if (o->attr_log) {
		size_t n;

		ad->log_path = job_path(td, o->attr_log);
		ad->log_buf = malloc(LOG_BUF_BYTES);
		if (!ad->log_path || !ad->log_buf)
			goto nomem;
		ad->log_fd = open(ad->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (ad->log_fd < 0) {
			log_err("fio: aioattr: attr_log: cannot create %s: %s\n", ad->log_path,
				strerror(errno));
			goto fail;
		}
		n = aa_log_format_header(ad->log_buf, LOG_BUF_BYTES, mask);
		ad->log_len = n;
	}
	td->io_ops_data = ad;
	return 0;
nomem:
	log_err("fio: aioattr: out of memory\n");
fail:
	free_data(td, ad);
	return 1;
}

static int fio_aioattr_io_u_init(struct thread_data *td, struct io_u *io_u)
{
	struct aioattr_data *ad = td->io_ops_data;

	if (io_u->index >= ad->depth) {
		log_err("fio: aioattr: io_u index %u beyond iodepth %u\n", io_u->index, ad->depth);
		return 1;
	}
	ad->by_index[io_u->index] = io_u;
	return 0;
}

static int fio_aioattr_post_init(struct thread_data *td)
{
	struct aioattr_options *o = td->eo;

	return o->fixedbufs ? register_io_buffers(td, td->io_ops_data) : 0;
}

static int fio_aioattr_open_file(struct thread_data *td, struct fio_file *f)
{
	int ret = generic_open_file(td, f);

	if (!ret && f->filetype == FIO_TYPE_BLOCK && !td->o.odirect)
		log_err(
			"fio: aioattr: %s is a block device opened without direct=1: its I/O takes "
			"the page cache path and driver attributes come back UNSUPPORTED\n",
			f->file_name);
	return ret;
}

/*
 * The JSON report's file: attr_json=, or <job>.aioattr.json with a JSON
 * output format; .N appended for job N of a run with several jobs, or .gN
 * for the report of group N when the run has several groups.
 */
static char *json_path(struct thread_data *td, const struct group_slot *g)
{
	struct aioattr_options *o = td->eo;
	char *path = NULL, *dflt = NULL;
	const char *base = o->attr_json;

	if (!base) {
		if (asprintf(&dflt, "%s.aioattr.json", g ? g->name : td->o.name) < 0)
			return NULL;
		base = dflt;
	}
	if (!g)
		path = job_path(td, base);
	else if (groupid > 0) {
		if (asprintf(&path, "%s.g%d", base, g->groupid) < 0)
			path = NULL;
	} else
		path = strdup(base);
	free(dflt);
	return path;
}

static void write_json(struct thread_data *td, const struct group_slot *g,
		       const struct aa_dirstats *st, const struct aa_report_info *ri)
{
	char *path = json_path(td, g);
	FILE *f;

	if (!path)
		return;
	f = fopen(path, "w");
	if (!f) {
		log_err("fio: aioattr: attr_json: cannot create %s: %s\n", path, strerror(errno));
	} else {
		aa_report_json(f, st, ri);
		if (fclose(f))
			log_err("fio: aioattr: attr_json: writing %s: %s\n", path, strerror(errno));
	}
	free(path);
}

/* The system calls the I/O path made, e.g. to show one per I/O at iodepth=1. */
static void report_calls(FILE *m, const struct aioattr_data *ad)
{
	fprintf(m,
		"  system calls: %llu submit (%llu of them waiting), %llu wait for %llu I/Os: "
		"%.2f per I/O%s%s%s\n",
		(unsigned long long)ad->nr_submit_calls, (unsigned long long)ad->nr_submit_waits,
		(unsigned long long)ad->nr_wait_calls, (unsigned long long)ad->nr_completed,
		ad->nr_completed
			? (double)(ad->nr_submit_calls + ad->nr_wait_calls) / ad->nr_completed
			: 0.0,
		ad->submit_wait	     ? ""
		: ad->no_submit_wait ? "; submit_wait=0"
				     : "; the kernel cannot wait in submit",
		ad->sq ? "; submission queue" : "", ad->fixed_bufs ? "; registered buffers" : "");
}

/*
 * Print the report of @st (one job's, or with @g its group's) and write
 * its JSON.  The text goes with fio's own output, in one write so that
 * reports of parallel jobs do not interleave; @ad's system call counts
 * only for a job's own report.
 */
static void report(struct thread_data *td, const struct aioattr_data *ad,
		   const struct group_slot *g, const struct aa_dirstats *st,
		   const struct aa_report_info *ri, uint64_t bad_entries)
{
	struct aioattr_options *o = td->eo;

	if (output_format & FIO_OUTPUT_NORMAL) {
		char *buf = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&buf, &len);

		if (m) {
			aa_report_text(m, st, ri);
			if (bad_entries)
				fprintf(m, "  malformed ring entries: %llu\n",
					(unsigned long long)bad_entries);
			if (ad)
				report_calls(m, ad);
			fclose(m);
			log_info("%s", buf);
			log_info_flush();
			free(buf);
		}
	}
	if (o->attr_json || (output_format & (FIO_OUTPUT_JSON | FIO_OUTPUT_JSON_PLUS)))
		write_json(td, g, st, ri);
}

/* Where the engine's reports say their numbers come from. */
#define REPORT_ORIGIN "fio engine aioattr"

/* The group's report, by the last of its jobs to leave. */
static void group_print(struct thread_data *td, struct group_slot *g)
{
	struct aa_report_info ri;
	char title[192];

	/* The others are done with the slot: no lock needed from here. */
	snprintf(title, sizeof(title), "fio group %d \"%s\" (%u jobs)", g->groupid, g->name,
		 g->members);
	memset(&ri, 0, sizeof(ri));
	ri.title = title;
	ri.origin = REPORT_ORIGIN;
	ri.ring_bytes = g->ring_bytes;
	ri.ring_posted = g->ring_posted;
	ri.ring_overflowed = g->ring_overflowed;
	report(td, NULL, g, g->stats, &ri, g->bad_entries);
}

/*
 * Add this job to its group's statistics; the last job of the group
 * prints the group's report.
 */
static void group_leave(struct thread_data *td, struct aioattr_data *ad,
			const struct aa_report_info *job)
{
	struct group_slot *g = ad->group;
	bool last;

	fio_sem_down(groups->lock);
	aa_dirstats_merge(g->stats, ad->stats);
	g->ring_bytes = job->ring_bytes > g->ring_bytes ? job->ring_bytes : g->ring_bytes;
	g->ring_posted += job->ring_posted;
	g->ring_overflowed += job->ring_overflowed;
	g->bad_entries += ad->bad_entries;
	last = ++g->left == g->members;
	fio_sem_up(groups->lock);
	ad->group = NULL;
	if (last)
		group_print(td, g);
}

/*
 * A job of the group whose ->init failed: no longer one of its members.
 * When the others have all left already, this job prints their report.
 */
static void group_abandon(struct thread_data *td, struct aioattr_data *ad)
{
	struct group_slot *g = ad->group;
	bool last;

	fio_sem_down(groups->lock);
	g->members--;
	last = g->left && g->left == g->members;
	fio_sem_up(groups->lock);
	ad->group = NULL;
	if (last)
		group_print(td, g);
}

static void fio_aioattr_cleanup(struct thread_data *td)
{
	struct aioattr_data *ad = td->io_ops_data;
	struct aa_report_info ri;
	char title[256];

	if (!ad)
		return;
	snprintf(title, sizeof(title), "fio job \"%s\" (job %u)", td->o.name, td->thread_number);
	memset(&ri, 0, sizeof(ri));
	ri.title = title;
	ri.origin = REPORT_ORIGIN;
	ri.ring_bytes = ad->ctx.ring.ring_bytes;
	ri.ring_posted = __atomic_load_n(&ad->ctx.ring.hdr->posted_total, __ATOMIC_RELAXED);
	ri.ring_overflowed = __atomic_load_n(&ad->ctx.ring.hdr->overflow_total, __ATOMIC_RELAXED);
	/* stats=0: fio reports nothing of this job, and neither does the engine. */
	if (ad->group)
		group_leave(td, ad, &ri);
	else if (td->o.stats)
		report(td, ad, NULL, ad->stats, &ri, ad->bad_entries);
	if (ad->log_fd >= 0) {
		log_flush(ad);
		if (close(ad->log_fd) && !ad->log_error)
			log_err("fio: aioattr: closing %s: %s\n", ad->log_path, strerror(errno));
		ad->log_fd = -1;
	}
	free_data(td, ad);
	td->io_ops_data = NULL;
}

/*
 * fio finds an external engine by this symbol (dlsym "ioengine"), the one
 * the engine exports: it is built with hidden visibility, so its calls into
 * the statistics and libaioattr code linked into it are direct calls the
 * compiler may inline, not calls through the PLT.
 */
__attribute__((visibility("default"))) struct ioengine_ops ioengine = {
	.name = "aioattr",
	.version = FIO_IOOPS_VERSION,
	.flags = FIO_ASYNCIO_SETS_ISSUE_TIME,
	.init = fio_aioattr_init,
	.io_u_init = fio_aioattr_io_u_init,
	.post_init = fio_aioattr_post_init,
	.queue = fio_aioattr_queue,
	.commit = fio_aioattr_commit,
	.getevents = fio_aioattr_getevents,
	.event = fio_aioattr_event,
	.cleanup = fio_aioattr_cleanup,
	.open_file = fio_aioattr_open_file,
	.close_file = generic_close_file,
	.get_file_size = generic_get_file_size,
	.option_struct_size = sizeof(struct aioattr_options),
	.options = options,
};
