// SPDX-License-Identifier: GPL-2.0
/*
 * aio_attr workers: what a submission may not wait for.
 *
 * A submission never waits for the I/O of a file: what would (a buffered
 * read that misses the page cache, a write the filesystem cannot start
 * without blocking, FSYNC and FDATASYNC) becomes a job for a worker of the
 * request's context.  Each context keeps at most max_workers jobs running
 * on a workqueue of its own; the others wait in the context's queue, in
 * submission order.  So a job that never returns (a FUSE server that does
 * not answer) holds one worker of its own context and nothing of another
 * context's - not even a share of a workqueue's max_active, which one
 * workqueue for all contexts would let a single user use up.
 *
 * A request waiting in the queue has not started: AIO_ATTR_IOC_CANCEL and
 * close() take it out and complete it with -ECANCELED, exactly once.  Once
 * a worker took it, it runs to its end.
 *
 * A worker is an object of its context (struct aa_pool_worker), made on
 * demand up to max_workers and freed with the context, and its work item
 * is its own.  It must not be the work item of a request's slot: a
 * worker runs on after its first job ended the request and recycled the
 * slot, and the workqueue runs a work item that another worker is still
 * executing only after that one returns - a request started on the slot
 * again would wait for everything the old worker goes on to run, even a
 * job that never returns.
 *
 * Everything here runs in process context; pool_lock is never taken from
 * a completion.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cgroup.h>
#include <linux/file.h>
#include <linux/kthread.h>
#include <linux/memcontrol.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/uaccess.h>

#include "aio_attr.h"

/* A worker of a context; on &aa_ctx.pool_idle while it runs nothing. */
struct aa_pool_worker {
	struct work_struct	work;
	struct aa_ctx		*ctx;
	struct aa_req		*first;		/* the job it was started for */
	struct list_head	idle_link;
};

static void aa_worker(struct work_struct *work);

/*
 * A new idle worker for @ctx, unless it has max_workers already or the
 * allocation fails - then requests wait in the queue for the workers the
 * context has.
 * Context: process; may sleep.
 */
static void aa_pool_grow(struct aa_ctx *ctx)
{
	struct aa_pool_worker *w = kzalloc(sizeof(*w), GFP_KERNEL_ACCOUNT);

	if (!w)
		return;
	INIT_WORK(&w->work, aa_worker);
	w->ctx = ctx;
	spin_lock(&ctx->pool_lock);
	if (ctx->pool_workers < READ_ONCE(aa_max_workers)) {
		list_add(&w->idle_link, &ctx->pool_idle);
		WRITE_ONCE(ctx->pool_workers, ctx->pool_workers + 1);
		w = NULL;
	}
	spin_unlock(&ctx->pool_lock);
	kfree(w);
}

/**
 * aa_pool_prepare() - make sure the context has its workqueue and a worker
 * @ctx: context
 *
 * Called before a request that may need a worker is accepted, so that
 * handing it to a worker cannot fail later: with one worker made, a
 * request always has one to run it, if not at once then after the jobs
 * queued before it.  The workqueue and the first worker are made on
 * first use (contexts that only do direct block I/O never have them),
 * more workers by aa_pool_queue() as it needs them.
 *
 * Context: process; may sleep.
 * Return: 0 or -ENOMEM.
 */
int aa_pool_prepare(struct aa_ctx *ctx)
{
	struct workqueue_struct *wq;

	/* pairs with the cmpxchg below: the workqueue is initialised */
	if (!smp_load_acquire(&ctx->pool_wq)) {
		wq = alloc_workqueue("aio_attr_worker", WQ_UNBOUND, 0);
		if (!wq)
			return -ENOMEM;
		/* a racing submitter of the same context may have made one too */
		if (cmpxchg_release(&ctx->pool_wq, NULL, wq))
			destroy_workqueue(wq);
	}
	if (!READ_ONCE(ctx->pool_workers))
		aa_pool_grow(ctx);
	return READ_ONCE(ctx->pool_workers) ? 0 : -ENOMEM;
}

/**
 * aa_pool_exit() - the context is freed: no job runs any more
 * @ctx: context
 *
 * Context: process, not on the context's own workqueue.
 */
void aa_pool_exit(struct aa_ctx *ctx)
{
	struct aa_pool_worker *w, *next;

	if (ctx->pool_wq)
		destroy_workqueue(ctx->pool_wq);
	ctx->pool_wq = NULL;
	/* every worker returned and went idle before its context reference */
	list_for_each_entry_safe(w, next, &ctx->pool_idle, idle_link)
		kfree(w);
	INIT_LIST_HEAD(&ctx->pool_idle);
	WRITE_ONCE(ctx->pool_workers, 0);
}

/**
 * aa_pool_init() - an empty pool for a new context
 * @ctx: context
 *
 * Context: process.
 */
void aa_pool_init(struct aa_ctx *ctx)
{
	spin_lock_init(&ctx->pool_lock);
	INIT_LIST_HEAD(&ctx->pool_queue);
	INIT_LIST_HEAD(&ctx->pool_idle);
	ctx->pool_running = 0;
	ctx->pool_workers = 0;
	ctx->pool_wq = NULL;
}

/*
 * A job runs in a kworker, which belongs to the root cgroups.  Charge what
 * it does to the submitter's instead, as for the submitter's own I/O:
 * page cache it reads in or dirties (and any accounted allocation) to its
 * memory cgroup, the bios it issues to its io cgroup (io.max, io.stat).
 * Taken when the job is queued.  Context: process, the submitter.
 */
static void aa_job_take_cgroups(struct aa_req *req)
{
	req->blkcg_css = NULL;
	req->memcg_css = NULL;
#ifdef CONFIG_BLK_CGROUP
	req->blkcg_css = task_get_css(current, io_cgrp_id);
#endif
#ifdef CONFIG_MEMCG
	req->memcg_css = task_get_css(current, memory_cgrp_id);
#endif
}

/*
 * Run @req's job; unless @cancel, in the worker charging its submitter's
 * cgroups.  The job may end the request and recycle its slot: nothing of
 * @req is used after it.
 * Return: what the job returns.
 */
static bool aa_job_run(struct aa_req *req, bool cancel)
{
	struct cgroup_subsys_state *blkcg = req->blkcg_css;
	struct cgroup_subsys_state *memcg = req->memcg_css;
	struct mem_cgroup *old_memcg = NULL;
	bool ret;

	if (!cancel) {
		kthread_associate_blkcg(blkcg);
		old_memcg = set_active_memcg(mem_cgroup_from_css(memcg));
	}
	ret = req->job(req, cancel);
	if (!cancel) {
		set_active_memcg(old_memcg);
		kthread_associate_blkcg(NULL);
	}
	if (blkcg)
		css_put(blkcg);
	if (memcg)
		css_put(memcg);
	return ret;
}

/*
 * One worker of a context: the job it was started for, then the queued
 * ones until the queue is empty; then it goes idle.  The worker holds a
 * context reference while it runs: a job may end the last request, and
 * with it the context's own.
 */
static void aa_worker(struct work_struct *work)
{
	struct aa_pool_worker *w = container_of(work, struct aa_pool_worker,
						work);
	struct aa_ctx *ctx = w->ctx;
	struct aa_req *req = w->first;

	for (;;) {
		/* may end the request and recycle its slot */
		aa_job_run(req, false);

		spin_lock(&ctx->pool_lock);
		req = list_first_entry_or_null(&ctx->pool_queue,
					       struct aa_req, ov_link);
		if (req) {
			list_del_init(&req->ov_link);
		} else {
			ctx->pool_running--;
			list_add(&w->idle_link, &ctx->pool_idle);
		}
		spin_unlock(&ctx->pool_lock);
		if (!req)
			break;
		cond_resched();
	}
	/*
	 * @w may be started again already, and this may be the context's
	 * last reference: neither is used after it.
	 */
	aa_ctx_put(ctx);
}

/* An idle worker to start, if fewer than max_workers run.  pool_lock held. */
static struct aa_pool_worker *aa_pool_take_idle(struct aa_ctx *ctx)
{
	struct aa_pool_worker *w = NULL;

	if (ctx->pool_running < READ_ONCE(aa_max_workers)) {
		w = list_first_entry_or_null(&ctx->pool_idle,
					     struct aa_pool_worker, idle_link);
		if (w) {
			list_del(&w->idle_link);
			ctx->pool_running++;
		}
	}
	return w;
}

/**
 * aa_pool_queue() - have a worker of the request's context run @job
 * @req: request, counted in flight; its event is posted by @job
 * @job: the work, which ends the request
 *
 * Starts a worker for @req when the context has fewer than max_workers
 * running - an idle one, or a new one - else queues @req behind the
 * others, where it can be cancelled.  When no worker can be made, @req
 * waits in the queue for the running ones; aa_pool_prepare() made sure
 * there is one.
 *
 * Context: process; may sleep (allocates a worker).
 */
void aa_pool_queue(struct aa_req *req, aa_job_fn job)
{
	struct aa_ctx *ctx = req->ctx;
	struct aa_pool_worker *w;
	bool grow;

	req->job = job;
	aa_job_take_cgroups(req);
	spin_lock(&ctx->pool_lock);
	w = aa_pool_take_idle(ctx);
	/* running ones are among pool_workers: below the limit, one more may run */
	grow = !w && ctx->pool_workers < READ_ONCE(aa_max_workers);
	if (!w && !grow)
		list_add_tail(&req->ov_link, &ctx->pool_queue);
	spin_unlock(&ctx->pool_lock);
	if (grow) {
		aa_pool_grow(ctx);
		spin_lock(&ctx->pool_lock);
		w = aa_pool_take_idle(ctx);
		if (!w)
			list_add_tail(&req->ov_link, &ctx->pool_queue);
		spin_unlock(&ctx->pool_lock);
	}
	if (w) {
		w->first = req;
		aa_ctx_get(ctx);
		queue_work(ctx->pool_wq, &w->work);
	}
}

static bool aa_cancel_match(const struct aa_req *req, const struct file *file,
			    const u64 *user_data)
{
	return (!file || req->file == file) &&
	       (!user_data || req->user_data == *user_data);
}

/**
 * aa_pool_cancel() - cancel queued requests
 * @ctx: context
 * @file: match requests on this file, or NULL for any file
 * @user_data: match requests with this user_data, or NULL for any
 *
 * Every match that waits in the queue completes at once: with
 * -ECANCELED, or, when part of its data moved at submission, with that
 * part (it had started; it is not counted).
 *
 * Context: process.
 * Return: the number of requests cancelled.
 */
unsigned int aa_pool_cancel(struct aa_ctx *ctx, struct file *file,
			    const u64 *user_data)
{
	struct aa_req *req, *next;
	unsigned int n = 0;
	LIST_HEAD(victims);

	spin_lock(&ctx->pool_lock);
	list_for_each_entry_safe(req, next, &ctx->pool_queue, ov_link) {
		if (aa_cancel_match(req, file, user_data))
			list_move_tail(&req->ov_link, &victims);
	}
	spin_unlock(&ctx->pool_lock);

	list_for_each_entry_safe(req, next, &victims, ov_link) {
		list_del_init(&req->ov_link);
		/* one that had moved part of its data ends with it instead */
		if (aa_job_run(req, true))
			n++;
	}
	return n;
}

/**
 * aa_ioctl_cancel() - AIO_ATTR_IOC_CANCEL
 * @ctx: context, set up with version 2 or later
 * @arg: struct aio_attr_cancel
 *
 * Context: process.
 * Return: 0 or a negative errno; see include/uapi/linux/aio_attr.h.
 */
int aa_ioctl_cancel(struct aa_ctx *ctx, void __user *arg)
{
	struct aio_attr_cancel c;
	struct file *file = NULL;
	const u64 *ud = NULL;

	if (copy_from_user(&c, arg, sizeof(c)))
		return -EFAULT;
	/* @cancelled and @running are outputs: what they hold is ignored */
	if (!c.flags || (c.flags & ~AIO_ATTR_CANCEL_FLAGS) ||
	    c.resv[0] || c.resv[1])
		return -EINVAL;
	if (!(c.flags & AIO_ATTR_CANCEL_USER_DATA) && c.user_data)
		return -EINVAL;
	if (c.flags & AIO_ATTR_CANCEL_FD) {
		if (c.fd < 0)
			return -EBADF;
		file = fget(c.fd);
		if (!file)
			return -EBADF;
	} else if (c.fd != -1) {
		return -EINVAL;
	}
	if (c.flags & AIO_ATTR_CANCEL_USER_DATA)
		ud = &c.user_data;

	c.cancelled = aa_pool_cancel(ctx, file, ud);
	c.running = aa_ctx_count_started(ctx, file, ud);
	if (file)
		fput(file);
	return copy_to_user(arg, &c, sizeof(c)) ? -EFAULT : 0;
}
