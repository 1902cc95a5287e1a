// SPDX-License-Identifier: GPL-2.0
/*
 * aio_attr: asynchronous block I/O whose completions carry per-I/O
 * attributes filled by the drivers on the path (see
 * Documentation/aio_attr/ and include/uapi/linux/aio_attr.h).
 *
 * This file: module parameters, the /dev/aio_attr misc device, its ioctls,
 * mmap and poll, and the statistics in /sys/class/misc/aio_attr/.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/aio_attr_compat.h>
#include <linux/blkdev.h>
#include <linux/eventfd.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "aio_attr.h"

struct aa_stats aa_stats;
DEFINE_PER_CPU(struct aa_pcpu_stats, aa_pcpu_stats);
/* Context teardown and deferred page work: never waits on user I/O. */
struct workqueue_struct *aa_wq;

/* ---------------------------------------------------------------------
 * Module parameters.  All are checked when set; all may change at run
 * time except that the lookup table is sized from max_inflight_total at
 * load.
 */

unsigned int aa_max_inflight = 1024;
unsigned int aa_max_inflight_total = 65536;
unsigned int aa_max_io_bytes = 4 << 20;
unsigned int aa_max_ring_bytes = 16 << 20;
unsigned int aa_max_contexts_per_user = 128;
unsigned int aa_max_inflight_per_user = 8192;
unsigned int aa_max_syncs_per_user = 16;
unsigned int aa_max_workers = 4;

static int aa_param_inflight(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, 1U << 20);
}

static int aa_param_contexts(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, 1U << 16);
}

static int aa_param_syncs(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, 1024);
}

static int aa_param_workers(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, 64);
}

static int aa_param_io_bytes(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, PAGE_SIZE, 64U << 20);
}

static int aa_param_ring_bytes(const char *val, const struct kernel_param *kp)
{
	unsigned int v;
	int ret;

	ret = kstrtouint(val, 0, &v);
	if (ret)
		return ret;
	if (!is_power_of_2(v) || v < AIO_ATTR_RING_MIN_BYTES ||
	    v > AIO_ATTR_RING_MAX_BYTES) {
		pr_err("max_ring_bytes must be a power of two in [%u, %u]\n",
		       AIO_ATTR_RING_MIN_BYTES, AIO_ATTR_RING_MAX_BYTES);
		return -EINVAL;
	}
	*(unsigned int *)kp->arg = v;
	return 0;
}

static const struct kernel_param_ops aa_inflight_ops = {
	.set = aa_param_inflight,
	.get = param_get_uint,
};

static const struct kernel_param_ops aa_contexts_ops = {
	.set = aa_param_contexts,
	.get = param_get_uint,
};

static const struct kernel_param_ops aa_syncs_ops = {
	.set = aa_param_syncs,
	.get = param_get_uint,
};

static const struct kernel_param_ops aa_workers_ops = {
	.set = aa_param_workers,
	.get = param_get_uint,
};

static const struct kernel_param_ops aa_io_bytes_ops = {
	.set = aa_param_io_bytes,
	.get = param_get_uint,
};

static const struct kernel_param_ops aa_ring_bytes_ops = {
	.set = aa_param_ring_bytes,
	.get = param_get_uint,
};

module_param_cb(max_inflight, &aa_inflight_ops, &aa_max_inflight, 0644);
MODULE_PARM_DESC(max_inflight,
		 "Requests one context may have outstanding, completions not yet in its ring included; past it submission fails with EAGAIN (1..1048576, default 1024)");
module_param_cb(max_inflight_total, &aa_inflight_ops, &aa_max_inflight_total,
		0644);
MODULE_PARM_DESC(max_inflight_total,
		 "Requests outstanding over all contexts; past it submission fails with EAGAIN (1..1048576, default 65536)");
module_param_cb(max_contexts_per_user, &aa_contexts_ops,
		&aa_max_contexts_per_user, 0644);
MODULE_PARM_DESC(max_contexts_per_user,
		 "Contexts one user may have, closed ones with I/O in flight included; past it open() fails with EMFILE (0..65536, default 128)");
module_param_cb(max_inflight_per_user, &aa_inflight_ops,
		&aa_max_inflight_per_user, 0644);
MODULE_PARM_DESC(max_inflight_per_user,
		 "Requests one user may have outstanding over all its contexts; past it submission fails with EAGAIN (1..1048576, default 8192)");
module_param_cb(max_syncs_per_user, &aa_syncs_ops, &aa_max_syncs_per_user,
		0644);
MODULE_PARM_DESC(max_syncs_per_user,
		 "FSYNC/FDATASYNC requests one user may have queued or running; past it submission fails with EAGAIN (0..1024, default 16)");
module_param_cb(max_workers, &aa_workers_ops, &aa_max_workers, 0644);
MODULE_PARM_DESC(max_workers,
		 "Workers one context may keep busy with requests that would wait (buffered I/O that misses the page cache, FSYNC, ...); more wait in the context's queue, where they can be cancelled (1..64, default 4)");
module_param_cb(max_io_bytes, &aa_io_bytes_ops, &aa_max_io_bytes, 0644);
MODULE_PARM_DESC(max_io_bytes,
		 "Largest length of one request in bytes; longer ones fail with E2BIG (PAGE_SIZE..64 MiB, default 4 MiB)");
module_param_cb(max_ring_bytes, &aa_ring_bytes_ops, &aa_max_ring_bytes, 0644);
MODULE_PARM_DESC(max_ring_bytes,
		 "Largest ring data area a context may set up, a power of two (2048..64 MiB, default 16 MiB)");

/* ---------------------------------------------------------------------
 * ioctls
 */

static bool aa_zero(const u64 *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

static u64 aa_features(void)
{
	return AIO_ATTR_FEAT_EVENTFD | AIO_ATTR_FEAT_OVERFLOW |
	       AIO_ATTR_FEAT_BDEV_DIRECT | AIO_ATTR_FEAT_VECTORED |
	       AIO_ATTR_FEAT_SYNC | AIO_ATTR_FEAT_POLL |
	       AIO_ATTR_FEAT_SUBMIT_WAIT | AIO_ATTR_FEAT_REQ_TABLE |
	       AIO_ATTR_FEAT_FIXED_BUFS | AIO_ATTR_FEAT_WORKERS |
	       AIO_ATTR_FEAT_CANCEL | AIO_ATTR_FEAT_GROUPS |
	       AIO_ATTR_FEAT_SQ_RING;
}

static long aa_ioctl_probe(void __user *arg)
{
	struct aio_attr_probe p;

	if (copy_from_user(&p, arg, sizeof(p)))
		return -EFAULT;
	if (!aa_zero(p.resv, ARRAY_SIZE(p.resv)))
		return -EINVAL;
	p.version = AIO_ATTR_VERSION;
	p.entry_version = AIO_ATTR_ENTRY_VERSION;
	p.features = aa_features();
	p.attrs = AIO_ATTR_ALL;
	p.ring_min = AIO_ATTR_RING_MIN_BYTES;
	p.ring_max = READ_ONCE(aa_max_ring_bytes);
	p.max_inflight = READ_ONCE(aa_max_inflight);
	p.max_io_bytes = READ_ONCE(aa_max_io_bytes);
	return copy_to_user(arg, &p, sizeof(p)) ? -EFAULT : 0;
}

/* The fields of struct aio_attr_setup that versions give meaning to. */
static bool aa_setup_valid(const struct aio_attr_setup *s)
{
	if (!s->version || s->version > AIO_ATTR_VERSION ||
	    (s->flags & ~AIO_ATTR_SETUP_FLAGS) || (s->version < 2 && s->resv0))
		return false;
	if (s->version < 3)
		return aa_zero(s->resv, ARRAY_SIZE(s->resv));
	/* @sq_offset is an output */
	return aa_zero(s->resv3, ARRAY_SIZE(s->resv3)) &&
	       (!s->sq_entries || (is_power_of_2(s->sq_entries) &&
				   s->sq_entries <= AIO_ATTR_SQ_MAX_ENTRIES));
}

static long aa_ioctl_setup(struct aa_ctx *ctx, void __user *arg)
{
	struct eventfd_ctx *evfd = NULL;
	struct aio_attr_setup s;
	int ret;

	if (copy_from_user(&s, arg, sizeof(s)))
		return -EFAULT;
	if (!aa_setup_valid(&s))
		return -EINVAL;
	if (!is_power_of_2(s.ring_bytes) ||
	    s.ring_bytes < AIO_ATTR_RING_MIN_BYTES ||
	    s.ring_bytes > READ_ONCE(aa_max_ring_bytes))
		return -EINVAL;

	mutex_lock(&ctx->setup_lock);
	ret = -EBUSY;
	if (ctx->ready)
		goto unlock;
	if (s.flags & AIO_ATTR_SETUP_EVENTFD) {
		evfd = eventfd_ctx_fdget(s.eventfd);
		if (IS_ERR(evfd)) {
			ret = PTR_ERR(evfd);
			goto unlock;
		}
	}
	ret = aa_ctx_setup_ring(ctx, s.ring_bytes,
				s.version < 3 ? 0 : s.sq_entries);
	if (!ret)
		ret = aa_ctx_setup_slots(ctx, s.version < 2 ? 0 : s.reqs);
	if (ret) {
		/* the request table stays with the context until it is freed */
		aa_ctx_free_ring(ctx);
		if (evfd)
			eventfd_ctx_put(evfd);
		goto unlock;
	}
	ctx->evfd = evfd;
	ctx->version = s.version;
	/* everything above is visible before anyone sees ready */
	smp_store_release(&ctx->ready, true);

	s.features = aa_features();
	s.attrs = s.version < 2 ? AA_V1_ATTRS : AIO_ATTR_ALL;
	s.mmap_bytes = ctx->mmap_bytes;
	s.data_offset = ctx->hdr->data_offset;
	s.entry_version = AIO_ATTR_ENTRY_VERSION;
	if (s.version >= 2)
		s.reqs = ctx->nr_slots;
	if (s.version >= 3)
		s.sq_offset = ctx->sqes ? (void *)ctx->sqes - (void *)ctx->hdr : 0;
	mutex_unlock(&ctx->setup_lock);
	/*
	 * Not under setup_lock: the copy may fault and take mmap_lock, which
	 * aa_mmap() holds while it waits for setup_lock.
	 */
	return copy_to_user(arg, &s, sizeof(s)) ? -EFAULT : 0;
unlock:
	mutex_unlock(&ctx->setup_lock);
	return ret;
}

static bool aa_ctx_is_ready(struct aa_ctx *ctx)
{
	/* pairs with the release in aa_ioctl_setup(): the ring is visible */
	return smp_load_acquire(&ctx->ready);
}

/* Flush overflowed completions if there are any.  Context: process. */
static void aa_flush(struct aa_ctx *ctx)
{
	u32 ring, overflow;

	if (READ_ONCE(ctx->overflow_nr))
		aa_ctx_ready(ctx, 0, &ring, &overflow);
}

/*
 * Wait on @ctx's waitqueue until @cond, with AIO_ATTR_IOC_WAIT's timeout
 * rules: negative forever, 0 not at all.  A timed wait must not restart
 * with its full timeout, so a signal gives -EINTR.
 * Evaluates to 0, -ETIME or -EINTR.  Context: process.
 */
#define aa_wait_until(ctx, cond, timeout_ns) ({				\
	s64 aa_tmo = (timeout_ns);					\
	int aa_err = 0;							\
									\
	if (aa_tmo < 0)							\
		aa_err = wait_event_interruptible((ctx)->wait, cond);	\
	else if (aa_tmo > 0)						\
		aa_err = wait_event_interruptible_hrtimeout((ctx)->wait, \
					cond, ns_to_ktime(aa_tmo));	\
	else if (!(cond))						\
		aa_err = -ETIME;					\
	aa_err == -ERESTARTSYS ? -EINTR : aa_err;			\
})

/*
 * Wait until @min events are in the ring or on the overflow list, as
 * AIO_ATTR_IOC_WAIT and AIO_ATTR_SUBMIT_WAIT specify.  Context: process.
 * Return: 0, -ETIME or -EINTR.
 */
static int aa_wait_events(struct aa_ctx *ctx, u32 min, s64 timeout_ns)
{
	u32 ring, overflow;

	return aa_wait_until(ctx, aa_ctx_ready(ctx, min, &ring, &overflow) >= min,
			     timeout_ns);
}

/*
 * Wait until every entry of @grp, the members' and GROUP_DONE's, is
 * posted (AIO_ATTR_SUBMIT_GROUP with AIO_ATTR_SUBMIT_WAIT).
 * Context: process.
 * Return: 0, -ETIME or -EINTR.
 */
static int aa_wait_group(struct aa_ctx *ctx, struct aa_group *grp,
			 s64 timeout_ns)
{
	/* pairs with aa_group_done(): the entries are posted before it */
	return aa_wait_until(ctx, smp_load_acquire(&grp->finished), timeout_ns);
}

/* The fields a version 1 context reserves; version 2 gives them meaning. */
static int aa_check_submit(struct aa_ctx *ctx, const struct aio_attr_submit *sub)
{
	if (ctx->version < 2)
		return sub->flags || !aa_zero(sub->resv, ARRAY_SIZE(sub->resv)) ?
		       -EINVAL : 0;
	if (sub->flags & ~AIO_ATTR_SUBMIT_FLAGS)
		return -EINVAL;
	if (!(sub->flags & AIO_ATTR_SUBMIT_WAIT) &&
	    (sub->min_complete || sub->timeout_ns))
		return -EINVAL;
	/* a group's wait is for all of it */
	if ((sub->flags & AIO_ATTR_SUBMIT_GROUP) && sub->min_complete)
		return -EINVAL;
	return 0;
}

/*
 * Start a group for the batch; reserve its GROUP_DONE request when the
 * batch ends with one, and leave it out of the members (*@nr).
 * Context: process.
 */
static int aa_group_start(struct aa_ctx *ctx, const struct aio_attr_submit *sub,
			  u32 *nr, struct aa_group **grpp)
{
	struct aio_attr_sqe __user *usqe = u64_to_user_ptr(sub->sqes);
	struct aio_attr_sqe last;
	struct aa_group *grp;
	int ret;

	*grpp = NULL;
	if (!sub->nr)
		return 0;
	if (copy_from_user(&last, &usqe[sub->nr - 1], sizeof(last)))
		return -EFAULT;
	grp = aa_group_new(ctx);
	if (!grp)
		return -ENOMEM;
	if (last.opcode == AIO_ATTR_OP_GROUP_DONE) {
		ret = aa_group_reserve(ctx, &last, grp);
		if (ret) {
			aa_group_discard(grp);
			return ret;
		}
		(*nr)--;
	}
	*grpp = grp;
	return 0;
}

/*
 * The batch is over: a group without members posts nothing; else the
 * group may be complete already.  Waits for it when asked.
 * Context: process.  Return: the wait's outcome, 0, -ETIME or -EINTR.
 */
static int aa_group_end(struct aa_ctx *ctx, struct aa_group *grp,
			u32 members, bool wait, s64 timeout_ns)
{
	struct aa_req *done = grp->done;
	int ret = 0;

	if (!members && done) {
		grp->done = NULL;
		aa_req_abort(done);
		done = NULL;
	}
	if (atomic_dec_and_test(&grp->pending))
		aa_group_done(grp);
	/* the submitter's reference on the GROUP_DONE request */
	if (done)
		aa_req_submitted(done);
	if (wait)
		ret = aa_wait_group(ctx, grp, timeout_ns);
	aa_group_put(grp);
	return ret;
}

/*
 * Copy a small structure in from userspace as 64-bit loads in one user
 * access window: the per-I/O copies of AIO_ATTR_IOC_SUBMIT (its argument
 * and each sqe).  copy_from_user() is a `rep movsb` on CPUs with ERMS,
 * whose start-up cost dominates at 40-64 bytes - and which qemu's TCG
 * runs a byte at a time (1.4% of all CPU time, two jobs on brd at QD1,
 * in the bench guest).  An unaligned source takes copy_from_user().
 * Context: process.
 * Return: 0 or -EFAULT.
 */
static int aa_copy_in(void *dst, const void __user *src, size_t bytes)
{
	const u64 __user *from = src;
	u64 *to = dst;
	size_t i;

	if (!IS_ALIGNED((unsigned long)src, sizeof(u64)) ||
	    !IS_ALIGNED(bytes, sizeof(u64)))
		return copy_from_user(dst, src, bytes) ? -EFAULT : 0;
	if (!user_read_access_begin(src, bytes))
		return -EFAULT;
	for (i = 0; i < bytes / sizeof(u64); i++)
		unsafe_get_user(to[i], &from[i], efault);
	user_read_access_end();
	return 0;
efault:
	user_read_access_end();
	return -EFAULT;
}

static long aa_ioctl_submit(struct aa_ctx *ctx, void __user *arg)
{
	struct aio_attr_submit __user *usub = arg;
	struct aa_group *grp = NULL;
	struct aio_attr_sqe __user *usqe;
	/* written whole before they are read: not zeroed per call */
	struct aio_attr_submit sub __uninitialized;
	struct blk_plug plug __uninitialized;
	int err = 0, werr = 0;
	u32 i, nr;

	if (!aa_ctx_is_ready(ctx))
		return -EBADFD;
	if (aa_copy_in(&sub, arg, sizeof(sub)))
		return -EFAULT;
	if (aa_check_submit(ctx, &sub))
		return -EINVAL;
	aa_flush(ctx);
	nr = sub.nr;
	if (sub.flags & AIO_ATTR_SUBMIT_GROUP) {
		err = aa_group_start(ctx, &sub, &nr, &grp);
		if (err)
			return err;
	}

	/*
	 * A batch is plugged, so that it goes down in one go.  A single
	 * request is plugged in aa_submit_bdev_iter() unless its disk is
	 * blk-mq without an I/O scheduler (aa_bdev_wants_plug()).
	 */
	if (nr > 1)
		blk_start_plug(&plug);
	usqe = u64_to_user_ptr(sub.sqes);
	for (i = 0; i < nr; i++) {
		struct aio_attr_sqe sqe __uninitialized;

		if (aa_copy_in(&sqe, &usqe[i], sizeof(sqe))) {
			err = -EFAULT;
			break;
		}
		err = aa_submit_one(ctx, &sqe, grp);
		if (err)
			break;
		cond_resched();
	}
	if (nr > 1)
		blk_finish_plug(&plug);
	/* one call submits and waits; a batch that stopped early returns */
	if (grp)
		werr = aa_group_end(ctx, grp, i,
				    (sub.flags & AIO_ATTR_SUBMIT_WAIT) && !err,
				    sub.timeout_ns);
	else if ((sub.flags & AIO_ATTR_SUBMIT_WAIT) && !err)
		werr = aa_wait_events(ctx, sub.min_complete, sub.timeout_ns);
	/* the outputs in one user access window: this runs once per batch */
	if (!user_write_access_begin(usub, sizeof(*usub)))
		return -EFAULT;
	unsafe_put_user(i, &usub->accepted, efault);
	unsafe_put_user(-err, &usub->error, efault);
	if (ctx->version >= 2)
		unsafe_put_user(-werr, &usub->wait_error, efault);
	user_write_access_end();
	if (!i && err)
		return err;
	return i;
efault:
	user_write_access_end();
	return -EFAULT;
}

/*
 * Copy the sqe at queue position @pos: userspace may be writing it, so
 * it is read once, into @sqe, and everything after looks at the copy
 * only: a fixed-size memcpy(), eight loads and stores.  The compiler
 * cannot read the shared slot in the copy's place, as aa_submit_one(),
 * which reads it, is out of line.
 */
static void aa_sq_read(const struct aa_ctx *ctx, u32 pos,
		       struct aio_attr_sqe *sqe)
{
	memcpy(sqe, &ctx->sqes[pos & ctx->sq_mask], sizeof(*sqe));
}

/*
 * AIO_ATTR_IOC_ENTER: queue the sqes userspace wrote into the submission
 * queue, then wait for @min_complete events.  A refused sqe is consumed
 * and completes with its error; only the in-flight limits (EAGAIN) and
 * memory (ENOMEM) stop the call, leaving the sqe for a later one.
 * Context: process.
 */
static long aa_ioctl_enter(struct aa_ctx *ctx, unsigned long min_complete)
{
	/*
	 * Not zeroed first (CONFIG_INIT_STACK_ALL_ZERO would, per request):
	 * blk_start_plug() sets up the plug before it is used, aa_sq_read()
	 * writes all of the sqe before it is read.
	 */
	struct blk_plug plug __uninitialized;
	u32 head, nr, done;
	int err = 0;

	if (!aa_ctx_is_ready(ctx) || !ctx->sqes)
		return -EBADFD;
	if (min_complete > U32_MAX)
		return -EINVAL;
	aa_flush(ctx);

	/*
	 * Another thread's ENTER may sleep while it submits (pinning pages,
	 * waiting for a tag of the disk): a signal ends the wait for it.
	 */
	if (mutex_lock_interruptible(&ctx->sq_lock))
		return -EINTR;
	head = ctx->sq_head;
	/* pairs with userspace's release store after it wrote the sqes */
	nr = smp_load_acquire(&ctx->hdr->sq_tail) - head;
	if (nr > ctx->sq_mask + 1) {
		mutex_unlock(&ctx->sq_lock);
		return -EINVAL;
	}
	/* as AIO_ATTR_IOC_SUBMIT: a batch goes down in one go */
	if (nr > 1)
		blk_start_plug(&plug);
	for (done = 0; done < nr; done++) {
		struct aio_attr_sqe sqe __uninitialized;

		aa_sq_read(ctx, head + done, &sqe);
		err = aa_submit_one(ctx, &sqe, NULL);
		if (err && err != -EAGAIN && err != -ENOMEM)
			err = aa_refuse(ctx, &sqe, err);
		if (err)
			break;
		cond_resched();
	}
	if (nr > 1)
		blk_finish_plug(&plug);
	ctx->sq_head = head + done;
	/* the kernel is done with the slots: userspace may write them again */
	smp_store_release(&ctx->hdr->sq_head, head + done);
	mutex_unlock(&ctx->sq_lock);

	if (done < nr)
		return done ? done : err;
	if (min_complete) {
		err = aa_wait_events(ctx, min_complete, -1);
		if (err && !done)
			return err;
	}
	return done;
}

static long aa_ioctl_wait(struct aa_ctx *ctx, void __user *arg)
{
	struct aio_attr_wait w;
	struct aio_attr_wait __user *uw = arg;
	u32 ring = 0, overflow = 0;
	long ret = 0;

	if (!aa_ctx_is_ready(ctx))
		return -EBADFD;
	if (aa_copy_in(&w, arg, sizeof(w)))
		return -EFAULT;
	if (w.flags || !aa_zero(w.resv, ARRAY_SIZE(w.resv)))
		return -EINVAL;

	ret = aa_wait_events(ctx, w.min_events, w.timeout_ns);
	aa_ctx_ready(ctx, U32_MAX, &ring, &overflow);
	/* the two outputs; the rest of the structure is the caller's input */
	if (!user_write_access_begin(uw, sizeof(*uw)))
		return -EFAULT;
	unsafe_put_user(ring, &uw->ready, efault);
	unsafe_put_user(overflow, &uw->overflow, efault);
	user_write_access_end();
	return ret;
efault:
	user_write_access_end();
	return -EFAULT;
}

/* Registered buffers and cancel exist on version 2 contexts only. */
static bool aa_ctx_is_v2(struct aa_ctx *ctx)
{
	return aa_ctx_is_ready(ctx) && ctx->version >= 2;
}

static long aa_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct aa_ctx *ctx = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case AIO_ATTR_IOC_PROBE:
		return aa_ioctl_probe(uarg);
	case AIO_ATTR_IOC_SETUP:
		return aa_ioctl_setup(ctx, uarg);
	case AIO_ATTR_IOC_SUBMIT:
		return aa_ioctl_submit(ctx, uarg);
	case AIO_ATTR_IOC_WAIT:
		return aa_ioctl_wait(ctx, uarg);
	case AIO_ATTR_IOC_ENTER:
		return aa_ioctl_enter(ctx, arg);
	case AIO_ATTR_IOC_REGISTER_BUFFERS:
		if (!aa_ctx_is_v2(ctx))
			return -EBADFD;
		return aa_bufs_register(ctx, uarg);
	case AIO_ATTR_IOC_UNREGISTER_BUFFERS:
		if (!aa_ctx_is_v2(ctx))
			return -EBADFD;
		return aa_bufs_unregister(ctx);
	case AIO_ATTR_IOC_CANCEL:
		if (!aa_ctx_is_v2(ctx))
			return -EBADFD;
		return aa_ioctl_cancel(ctx, uarg);
	default:
		return -ENOTTY;
	}
}

/* ---------------------------------------------------------------------
 * file operations
 */

static int aa_open(struct inode *inode, struct file *file)
{
	struct aa_ctx *ctx = aa_ctx_alloc();

	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	file->private_data = ctx;
	return nonseekable_open(inode, file);
}

static int aa_release(struct inode *inode, struct file *file)
{
	aa_ctx_kill(file->private_data);
	return 0;
}

static int aa_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct aa_ctx *ctx = file->private_data;
	unsigned long nr;
	int ret;

	mutex_lock(&ctx->setup_lock);
	ret = -EBADFD;
	if (!ctx->ready)
		goto unlock;
	ret = -EINVAL;
	if (!(vma->vm_flags & VM_SHARED) || vma->vm_pgoff ||
	    vma->vm_end - vma->vm_start > ctx->mmap_bytes)
		goto unlock;
	aa_vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	nr = vma_pages(vma);
	ret = vm_insert_pages(vma, vma->vm_start, ctx->pages, &nr);
unlock:
	mutex_unlock(&ctx->setup_lock);
	return ret;
}

static __poll_t aa_poll(struct file *file, struct poll_table_struct *pt)
{
	struct aa_ctx *ctx = file->private_data;
	u32 ring, overflow;

	if (!aa_ctx_is_ready(ctx))
		return 0;
	poll_wait(file, &ctx->wait, pt);
	if (aa_ctx_ready(ctx, 1, &ring, &overflow))
		return EPOLLIN | EPOLLRDNORM;
	return 0;
}

static const struct file_operations aa_fops = {
	.owner		= THIS_MODULE,
	.open		= aa_open,
	.release	= aa_release,
	.unlocked_ioctl	= aa_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= aa_mmap,
	.poll		= aa_poll,
};

/* ---------------------------------------------------------------------
 * /sys/class/misc/aio_attr/: one decimal number per file
 */

#define AA_STAT_ATTR(name, expr)					\
static ssize_t name##_show(struct device *dev,				\
			   struct device_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, "%lld\n", (long long)(expr));		\
}									\
static DEVICE_ATTR_RO(name)

/**
 * aa_stat_sum() - sum of one per-CPU counter
 * @offset: offsetof() the field in struct aa_pcpu_stats
 *
 * Context: any; the sum is a snapshot.
 * Return: the sum over all possible CPUs.
 */
u64 aa_stat_sum(size_t offset)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += *(u64 *)((void *)per_cpu_ptr(&aa_pcpu_stats, cpu) +
				offset);
	return sum;
}

#define AA_PCPU(field)	aa_stat_sum(offsetof(struct aa_pcpu_stats, field))

AA_STAT_ATTR(contexts, atomic_read(&aa_stats.contexts));
AA_STAT_ATTR(inflight, percpu_counter_sum(&aa_stats.inflight));
AA_STAT_ATTR(slots, atomic_read(&aa_stats.slots));
AA_STAT_ATTR(slots_total, atomic64_read(&aa_stats.slots_total));
AA_STAT_ATTR(submitted, AA_PCPU(submitted));
AA_STAT_ATTR(completed, AA_PCPU(completed));
AA_STAT_ATTR(overflowed, AA_PCPU(overflowed));
AA_STAT_ATTR(errors, AA_PCPU(errors));

static struct attribute *aa_attrs[] = {
	&dev_attr_contexts.attr,
	&dev_attr_inflight.attr,
	&dev_attr_slots.attr,
	&dev_attr_slots_total.attr,
	&dev_attr_submitted.attr,
	&dev_attr_completed.attr,
	&dev_attr_overflowed.attr,
	&dev_attr_errors.attr,
	NULL,
};
ATTRIBUTE_GROUPS(aa);

static struct miscdevice aa_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "aio_attr",
	.fops	= &aa_fops,
	.groups	= aa_groups,
	.mode	= 0666,
};

static int __init aa_init(void)
{
	int ret;

	aa_wq = alloc_workqueue("aio_attr", WQ_UNBOUND, 0);
	if (!aa_wq)
		return -ENOMEM;
	ret = percpu_counter_init(&aa_stats.inflight, 0, GFP_KERNEL);
	if (ret)
		goto destroy_wq;
	ret = aa_lookup_init(aa_max_inflight_total);
	if (ret)
		goto destroy_inflight;
	ret = misc_register(&aa_misc);
	if (ret)
		goto destroy_lookup;
	pr_info("ready: ring %u..%u bytes, %u requests per context\n",
		AIO_ATTR_RING_MIN_BYTES, aa_max_ring_bytes, aa_max_inflight);
	return 0;

destroy_lookup:
	aa_lookup_exit();
destroy_inflight:
	percpu_counter_destroy(&aa_stats.inflight);
destroy_wq:
	destroy_workqueue(aa_wq);
	return ret;
}

static void __exit aa_exit(void)
{
	misc_deregister(&aa_misc);
	/* contexts hold module references, so all are gone; drain workers */
	destroy_workqueue(aa_wq);
	/* lookup keys are freed after a grace period */
	rcu_barrier();
	aa_slots_exit();
	aa_lookup_exit();
	percpu_counter_destroy(&aa_stats.inflight);
}

module_init(aa_init);
module_exit(aa_exit);

MODULE_DESCRIPTION("Asynchronous block I/O with per-I/O attribute returns");
MODULE_LICENSE("GPL");
