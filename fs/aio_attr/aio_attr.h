/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aio_attr - private structures shared by the files of the core module.
 *
 * main.c	module parameters, the misc device, ioctls, sysfs statistics
 * req.c	the lifetime of contexts and requests, the request table
 * ring.c	ring arithmetic, entry encoding, posting and the overflow list
 * user.c	per-user limits and the RLIMIT_MEMLOCK charge of rings
 * iodesc.c	the iodesc driver API and the bio -> iodesc lookup
 * submit.c	turning a struct aio_attr_sqe into bios or a kiocb
 * buffers.c	registered buffers (AIO_ATTR_IOC_REGISTER_BUFFERS)
 * worker.c	the per-context worker pool and AIO_ATTR_IOC_CANCEL
 */
#ifndef _FS_AIO_ATTR_H
#define _FS_AIO_ATTR_H

#include <linux/aio_attr.h>
#include <linux/atomic.h>
#include <linux/bio.h>
#include <linux/fs.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/percpu_counter.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

/* Attribute ids a context set up with version 1 knows. */
#define AA_V1_ATTRS		(AIO_ATTR_BIT(AIO_ATTR_COMPLETION_CTX + 1) - 1)

/* Attributes measured from the submission time (iodesc::submit_ns). */
#define AA_SINCE_SUBMIT		(AIO_ATTR_BIT(AIO_ATTR_SERVICE_NS) | \
				 AIO_ATTR_BIT(AIO_ATTR_QUEUE_NS))
/* Biggest entry: the fixed part and one record for every known id. */
#define AA_MAX_EVENT_BYTES	AIO_ATTR_EVENT_BYTES(AIO_ATTR_NR)
/* bvec table inside a request slot: up to 64 KiB of 4 KiB pages, any offset */
#define AA_INLINE_VECS		17
/* Overflowed completions moved into the ring by one atomic-context post. */
#define AA_ATOMIC_DRAIN		16
/* ... and per lock hold in process context. */
#define AA_TASK_DRAIN		64

/*
 * struct aa_key - one entry of the hashed bio -> iodesc lookup, for bvec
 * tables that are not inside a request slot (large requests, bios a
 * stacking driver carries): the part of a table that lies in one page.
 * Lookups hash the page of a bio's bi_io_vec and match the range, so a bio
 * that points into the middle of a table (a split handed to loop) finds
 * it too.  A table that spans several pages has one key per page, in an
 * array; only the first key of an array is linked on iodesc::carried and
 * knows @nr.  Always allocated, and freed only after an RCU grace period,
 * because lookups walk buckets under rcu_read_lock() from any context.
 */
struct aa_key {
	struct hlist_node	node;
	unsigned long		start;
	unsigned long		end;	/* exclusive, within start's page */
	const void		*table;	/* the whole table's address */
	struct iodesc		*iod;
	struct list_head	link;	/* iodesc::carried, first key only */
	struct rcu_head		rcu;
	unsigned short		nr;	/* keys in this array, first key only */
	bool			hashed;
	bool			carried;
};

/* Bits in iodesc::flags */
enum {
	AA_IOD_HOP,		/* a layer deferred the completion */
	AA_IOD_WORKER,		/* posted by an aio_attr worker */
	AA_IOD_SOFTIRQ_HOP,	/* a layer deferred the completion to softirq */
};

/*
 * struct iodesc - the opaque descriptor drivers see.  The values are
 * updated lock-free from any context; @handled has one bit per id.
 * @keys holds the @nr_keys hashed keys of the request's own bvec table
 * when that table is not inside the request slot (NULL otherwise).
 */
struct iodesc {
	u64			want;
	u64			submit_ns;
	unsigned long		handled;
	unsigned long		flags;
	atomic64_t		val[AIO_ATTR_NR];
	struct aa_key		*keys;
	unsigned int		nr_keys;
	spinlock_t		carry_lock;	/* irq-safe, protects @carried */
	struct list_head	carried;
};

/**
 * struct aa_user - what one user (uid) holds over all its contexts
 * @node:	in the table of users
 * @uid:	the user
 * @refs:	contexts alive, closed ones with I/O in flight included
 * @inflight:	requests not yet freed, over all its contexts; per CPU,
 *		summed exactly only near max_inflight_per_user
 * @syncs:	FSYNC/FDATASYNC requests not yet finished
 * @cred:	the creds of the task that made the user's first context;
 *		they pin its user_struct, whose locked_vm rings are charged to
 */
struct aa_user {
	struct hlist_node	node;
	kuid_t			uid;
	unsigned int		refs;	/* under the users' mutex */
	struct percpu_counter	inflight;
	atomic_t		syncs;
	const struct cred	*cred;
};

/**
 * struct aa_ctx - one open /dev/aio_attr
 * @lock:	irq-safe; protects @tail, @overflow, @overflow_nr, @dead and
 *		the kernel-written header fields (@tail and @overflow_nr are
 *		also read without it, see aa_ctx_ready())
 * @setup_lock:	serialises setup against mmap
 * @hdr:	vmap() of @pages: header page followed by the data area
 * @data:	start of the data area
 * @ring_bytes:	size of the data area (power of two)
 * @mmap_bytes:	size of the whole area
 * @pages:	the pages of the area, charged to the memory cgroup
 * @nr_pages:	number of @pages
 * @locked_pages: pages charged to @user's RLIMIT_MEMLOCK (0 with
 *		CAP_IPC_LOCK)
 * @user:	the opener, whose per-user limits apply
 * @tail:	producer position; the copy in @hdr is for userspace only
 * @overflow:	completed requests waiting for room, oldest first
 * @overflow_nr: length of @overflow
 * @version:	ABI version the context was set up with
 * @ready:	set once setup finished (read without @setup_lock)
 * @dead:	the file is released; completions are dropped
 * @wait:	AIO_ATTR_IOC_WAIT and poll() sleep here
 * @evfd:	eventfd to signal per completion, or NULL
 * @refs:	one for the file, one while @inflight is not 0 (a completion
 *		parked on @overflow is still in flight), and short-lived
 *		ones: aa_post() across its wakeups, a worker while it runs
 * @inflight:	requests submitted and not yet freed
 * @free_work:	final teardown, in process context
 * @slot_lock:	protects @free_slots; process context only
 * @free_slots:	free request slots the submitters take from
 * @freed_slots: slots given back by completions in any context
 * @chunks:	pages of request slots (page->lru), see req.c
 * @nr_slots:	request slots in @chunks
 * @bufs_sem:	held for reading by fixed-buffer submissions, for writing
 *		to install or remove @bufs
 * @bufs:	registered buffers, or NULL
 */
struct aa_ctx {
	spinlock_t		lock;
	struct mutex		setup_lock;
	struct aio_attr_ring_hdr *hdr;
	void			*data;
	u32			ring_bytes;
	u32			mmap_bytes;
	struct page		**pages;
	unsigned int		nr_pages;
	unsigned long		locked_pages;
	struct aa_user		*user;
	u32			tail;
	struct list_head	overflow;
	u32			overflow_nr;
	u32			version;
	/* submission queue (version 3), inside the mapping; or NULL */
	struct aio_attr_sqe	*sqes;
	u32			sq_mask;
	u32			sq_head;	/* under sq_lock */
	struct mutex		sq_lock;
	bool			ready;
	bool			dead;
	wait_queue_head_t	wait;
	struct eventfd_ctx	*evfd;
	refcount_t		refs;
	atomic_t		inflight;
	struct work_struct	free_work;

	spinlock_t		slot_lock ____cacheline_aligned_in_smp;
	struct llist_node	*free_slots;
	struct list_head	chunks;
	unsigned int		nr_slots;
	struct llist_head	freed_slots ____cacheline_aligned_in_smp;

	struct rw_semaphore	bufs_sem;
	struct aa_bufs		*bufs;

	/* worker pool (worker.c); process context only */
	struct workqueue_struct	*pool_wq;
	spinlock_t		pool_lock;
	struct list_head	pool_queue;
	struct list_head	pool_idle;
	unsigned int		pool_running;
	unsigned int		pool_workers;
};

/*
 * struct aa_group - the requests of one AIO_ATTR_SUBMIT_GROUP batch
 * @pending:	members not yet completed, plus one while the batch is
 *		being submitted
 * @failed:	members that completed with a negative result
 * @refs:	the submitter's and, until @pending reaches 0, the members'
 * @done:	the AIO_ATTR_OP_GROUP_DONE request, posted after the members
 * @ctx:	the context (a reference is held)
 * @finished:	every member's entry and the GROUP_DONE entry are posted
 */
struct aa_group {
	atomic_t		pending;
	atomic_t		failed;
	refcount_t		refs;
	struct aa_req		*done;
	struct aa_ctx		*ctx;
	bool			finished;
};

struct aa_req;
/*
 * Work a request does in a worker of its context; with @cancel it must
 * release what it holds and complete the request instead: with
 * -ECANCELED, or, when part of its data moved already (at submission),
 * with that part, as an interrupted read or write does.
 * Context: process.
 * Return: with @cancel, true when the request completed with -ECANCELED;
 * else ignored.
 */
typedef bool (*aa_job_fn)(struct aa_req *req, bool cancel);

/**
 * struct aa_req - one request from submission until its event is posted
 *
 * Requests live in slots of their context's request table (req.c) and
 * are recycled; nothing here is zeroed between uses, so aa_req_alloc()
 * sets every field a path reads.
 *
 * @iod:	the descriptor drivers fill
 * @ctx:	owning context (holds a reference while in use; fixed for the
 *		slot's life)
 * @file:	target file (holds a reference until the I/O has finished)
 * @user_data:	from the sqe
 * @result:	bytes or -errno; the first error wins
 * @refs:	one for the event, one more while pages await a deferred release
 * @op:		enum aio_attr_op
 * @dirty:	pages were dirtied for a read and must stay dirty
 * @in_submit:	the submitting task has not finished with the request
 * @submitter:	the submitting task, compared only (no reference held)
 * @bytes:	length of the transfer, the result on success
 * @pos:	O_DIRECT block device: byte offset, for the page cache
 * @cred:	FSYNC/FDATASYNC: credentials of the submitter
 * @ov_link:	&aa_ctx.overflow, a private list of requests to free, or,
 *		before the request started, &aa_ctx.pool_queue
 * @free_node:	&aa_ctx.free_slots or &aa_ctx.freed_slots while free
 * @work:	deferred page release or page cache invalidation after a
 *		direct write
 * @bio:	O_DIRECT block device: the bio, embedded
 * @bvecs:	O_DIRECT block device: bvec table, @inline_vecs or allocated
 * @nr_vecs:	O_DIRECT block device: pinned pages in @bvecs (0 for pages
 *		the caller keeps, such as registered buffers)
 * @inline_vecs: O_DIRECT block device: table for small requests
 * @kiocb:	kiocb path: the kiocb
 * @wvecs:	kiocb path, in a worker: the pages of the rest
 * @nr_wvecs:	kiocb path, in a worker: pages in @wvecs
 * @wpinned:	kiocb path, in a worker: @wvecs holds pins of user memory
 *		(FOLL_PIN), not page references (registered buffers)
 * @done:	kiocb path: bytes the attempt that may not wait moved
 * @rest:	kiocb path, in a worker: bytes left in @wvecs
 * @job:	what a worker does for the request (worker.c)
 * @blkcg_css:	worker jobs: the submitter's io cgroup, referenced, or NULL
 * @memcg_css:	worker jobs: the submitter's memory cgroup, referenced, or
 *		NULL
 * @ended:	the I/O is over (aa_complete() ran); for AIO_ATTR_IOC_CANCEL
 * @group:	the group the request is a member of, or NULL
 */
struct aa_req {
	struct iodesc		iod;
	struct aa_ctx		*ctx;
	struct file		*file;
	u64			user_data;
	atomic64_t		result;
	refcount_t		refs;
	u8			op;
	bool			dirty;
	bool			ended;
	atomic_t		in_submit;
	struct task_struct	*submitter;
	size_t			bytes;
	loff_t			pos;
	const struct cred	*cred;
	union {
		struct list_head	ov_link;
		struct llist_node	free_node;
	};
	struct work_struct	work;
	aa_job_fn		job;
	struct cgroup_subsys_state *blkcg_css;
	struct cgroup_subsys_state *memcg_css;
	struct aa_group		*group;
	union {
		struct {
			struct bio	bio;
			struct bio_vec	*bvecs;
			unsigned short	nr_vecs;
			struct bio_vec	inline_vecs[AA_INLINE_VECS];
		};
		struct {
			struct kiocb	kiocb;
			struct bio_vec	*wvecs;
			unsigned int	nr_wvecs;
			bool		wpinned;
			size_t		done;
			size_t		rest;
		};
	};
};

/*
 * Global state, shown in /sys/class/misc/aio_attr/.  The counters every
 * I/O bumps are per CPU, the in-flight count too: it is summed exactly
 * only when it comes near max_inflight_total.
 */
struct aa_stats {
	atomic_t		contexts;
	atomic_t		slots;		/* request slots allocated now */
	atomic64_t		slots_total;	/* ... and ever */
	struct percpu_counter	inflight;
};

struct aa_pcpu_stats {
	u64			submitted;
	u64			completed;
	u64			overflowed;
	u64			errors;
};

extern struct aa_stats aa_stats;
DECLARE_PER_CPU(struct aa_pcpu_stats, aa_pcpu_stats);
/* Context: any; this_cpu ops are irq-safe. */
#define aa_stat_inc(field)	this_cpu_inc(aa_pcpu_stats.field)
#define aa_stat_dec(field)	this_cpu_dec(aa_pcpu_stats.field)
u64 aa_stat_sum(size_t offset);

extern struct workqueue_struct *aa_wq;
extern unsigned int aa_max_inflight;
extern unsigned int aa_max_inflight_total;
extern unsigned int aa_max_io_bytes;
extern unsigned int aa_max_ring_bytes;
extern unsigned int aa_max_contexts_per_user;
extern unsigned int aa_max_inflight_per_user;
extern unsigned int aa_max_syncs_per_user;
extern unsigned int aa_max_workers;

/* ring.c: pure arithmetic, exposed for KUnit */
bool aa_ring_reserve(u32 head, u32 tail, u32 size, u32 len, u32 *skip);
u32 aa_ring_used(u32 head, u32 tail, u32 size);
int aa_ring_count(const void *data, u32 size, u32 head, u32 tail, u32 limit);
u32 aa_event_bytes(u64 want);
u32 aa_encode_event(void *dst, u64 user_data, s64 result, u16 flags,
		    u64 want, unsigned long handled, const atomic64_t *val);

/* ring.c: ring memory and posting */
void aa_ctx_free_ring(struct aa_ctx *ctx);
int aa_ctx_setup_ring(struct aa_ctx *ctx, u32 ring_bytes, u32 sq_entries);
void aa_post(struct aa_req *req);
void aa_release_list(struct list_head *done);
unsigned int aa_ctx_ready(struct aa_ctx *ctx, u32 limit, u32 *ring,
			  u32 *overflow);

/* req.c: contexts, requests and the request table */
struct aa_ctx *aa_ctx_alloc(void);
int aa_ctx_setup_slots(struct aa_ctx *ctx, unsigned int nr);
static inline void aa_ctx_get(struct aa_ctx *ctx)
{
	refcount_inc(&ctx->refs);
}

void aa_ctx_put(struct aa_ctx *ctx);
void aa_ctx_kill(struct aa_ctx *ctx);
struct aa_req *aa_req_alloc(struct aa_ctx *ctx, u8 op, u64 user_data, u64 want);
void aa_req_submitted(struct aa_req *req);
void aa_req_abort(struct aa_req *req);
void aa_req_put(struct aa_req *req);
struct aa_group *aa_group_new(struct aa_ctx *ctx);
void aa_group_join(struct aa_group *grp, struct aa_req *req);
bool aa_group_leave(struct aa_group *grp);
void aa_group_done(struct aa_group *grp);
void aa_group_put(struct aa_group *grp);
void aa_group_discard(struct aa_group *grp);
struct iodesc *aa_slot_iod(const void *addr);
unsigned int aa_ctx_count_started(struct aa_ctx *ctx, struct file *file,
				  const u64 *user_data);
void aa_slots_exit(void);

/* iodesc.c */
int aa_lookup_init(unsigned int entries);
void aa_lookup_exit(void);
void aa_lookup_get(void);
void aa_lookup_put(void);
void aa_iod_init(struct iodesc *iod, u64 want);
int aa_iod_register(struct iodesc *iod, const void *bvec_table, size_t bytes,
		    gfp_t gfp);
void __aa_iod_unregister_all(struct iodesc *iod);

/**
 * aa_iod_unregister_all() - forget every key of a finished request
 * @iod: descriptor
 *
 * Called when the last bio of the request has ended, before the event is
 * posted, so no later lookup can find this descriptor.  A request whose
 * table is inside its slot and that carried nothing - the common case -
 * has nothing to do, which this checks inline: it runs twice per request
 * (bio end_io and aa_complete()).
 *
 * Context: any.
 */
static inline void aa_iod_unregister_all(struct iodesc *iod)
{
	if (iod->keys || !list_empty_careful(&iod->carried))
		__aa_iod_unregister_all(iod);
}
void aa_iod_finish(struct iodesc *iod, bool inline_done);
void aa_iod_set_pagecache(struct iodesc *iod, u64 value);

/* user.c */
struct aa_user *aa_user_get(void);
void aa_user_put(struct aa_user *u);
long aa_user_lock_pages(struct aa_user *u, unsigned long pages);
void aa_user_unlock_pages(struct aa_user *u, unsigned long pages);
int aa_user_charge_ring(struct aa_ctx *ctx, unsigned long pages);
void aa_user_uncharge_ring(struct aa_ctx *ctx);

/* submit.c */
int aa_submit_one(struct aa_ctx *ctx, const struct aio_attr_sqe *sqe,
		  struct aa_group *grp);
int aa_submit_bdev_iter(struct aa_ctx *ctx, struct file *file,
			struct block_device *bdev, u8 op, struct iov_iter *iter,
			loff_t pos, u16 ioprio, u64 user_data, u64 want,
			struct aa_group *grp);
int aa_refuse(struct aa_ctx *ctx, const struct aio_attr_sqe *sqe, int err);
int aa_group_reserve(struct aa_ctx *ctx, const struct aio_attr_sqe *sqe,
		     struct aa_group *grp);
void aa_complete(struct aa_req *req, long res);

/* worker.c */
void aa_pool_init(struct aa_ctx *ctx);
int aa_pool_prepare(struct aa_ctx *ctx);
void aa_pool_exit(struct aa_ctx *ctx);
void aa_pool_queue(struct aa_req *req, aa_job_fn job);
unsigned int aa_pool_cancel(struct aa_ctx *ctx, struct file *file,
			    const u64 *user_data);
int aa_ioctl_cancel(struct aa_ctx *ctx, void __user *arg);

/* buffers.c: registered buffers, version 2 contexts */
int aa_bufs_register(struct aa_ctx *ctx, const void __user *arg);
int aa_bufs_unregister(struct aa_ctx *ctx);
void aa_bufs_release(struct aa_ctx *ctx);
int aa_bufs_import(struct aa_ctx *ctx, const struct aio_attr_sqe *sqe,
		   bool write, struct iov_iter *iter);
void aa_bufs_import_done(struct aa_ctx *ctx);
/* buffers.c: pure arithmetic, exposed for KUnit */
void aa_buf_iter(const struct bio_vec *bvec, u64 buf_addr, u64 addr, u32 len,
		 unsigned int dir, struct iov_iter *iter);

#endif /* _FS_AIO_ATTR_H */
