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
 * Everything here runs in process context; pool_lock is never taken from
 * a completion.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/sched.h>
#include <linux/uaccess.h>

#include "aio_attr.h"

/**
 * aa_pool_prepare() - make sure the context has its workqueue
 * @ctx: context
 *
 * Called before a request that may need a worker is accepted, so that
 * handing it to a worker cannot fail later.  The workqueue is made on
 * first use: contexts that only do direct block I/O never have one.
 *
 * Context: process; may sleep.
 * Return: 0 or -ENOMEM.
 */
int aa_pool_prepare(struct aa_ctx *ctx)
{
	struct workqueue_struct *wq;

	/* pairs with the cmpxchg below: the workqueue is initialised */
	if (smp_load_acquire(&ctx->pool_wq))
		return 0;
	wq = alloc_workqueue("aio_attr_worker", WQ_UNBOUND, 0);
	if (!wq)
		return -ENOMEM;
	/* a racing submitter of the same context may have made one too */
	if (cmpxchg_release(&ctx->pool_wq, NULL, wq))
		destroy_workqueue(wq);
	return 0;
}

/**
 * aa_pool_exit() - the context is freed: no job runs any more
 * @ctx: context
 *
 * Context: process, not on the context's own workqueue.
 */
void aa_pool_exit(struct aa_ctx *ctx)
{
	if (ctx->pool_wq)
		destroy_workqueue(ctx->pool_wq);
	ctx->pool_wq = NULL;
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
	ctx->pool_running = 0;
	ctx->pool_wq = NULL;
}

/*
 * One worker of a context: the job it was started for, then the queued
 * ones until the queue is empty.  The worker holds a context reference:
 * the job may end the last request, and with it the context's own.
 */
static void aa_worker(struct work_struct *work)
{
	struct aa_req *req = container_of(work, struct aa_req, work);
	struct aa_ctx *ctx = req->ctx;

	for (;;) {
		/* may end the request and recycle its slot */
		req->job(req, false);

		spin_lock(&ctx->pool_lock);
		req = list_first_entry_or_null(&ctx->pool_queue,
					       struct aa_req, ov_link);
		if (req)
			list_del_init(&req->ov_link);
		else
			ctx->pool_running--;
		spin_unlock(&ctx->pool_lock);
		if (!req)
			break;
		cond_resched();
	}
	aa_ctx_put(ctx);
}

/**
 * aa_pool_queue() - have a worker of the request's context run @job
 * @req: request, counted in flight; its event is posted by @job
 * @job: the work, which ends the request
 *
 * Starts a worker when the context has fewer than max_workers running,
 * else queues @req behind the others, where it can be cancelled.
 * aa_pool_prepare() succeeded for the context before @req was accepted.
 *
 * Context: process.
 */
void aa_pool_queue(struct aa_req *req, aa_job_fn job)
{
	struct aa_ctx *ctx = req->ctx;
	bool start;

	req->job = job;
	spin_lock(&ctx->pool_lock);
	start = ctx->pool_running < READ_ONCE(aa_max_workers);
	if (start)
		ctx->pool_running++;
	else
		list_add_tail(&req->ov_link, &ctx->pool_queue);
	spin_unlock(&ctx->pool_lock);
	if (start) {
		aa_ctx_get(ctx);
		INIT_WORK(&req->work, aa_worker);
		queue_work(ctx->pool_wq, &req->work);
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
 * Every match that has not started completes with -ECANCELED.
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
		req->job(req, true);
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
	if (!c.flags || (c.flags & ~AIO_ATTR_CANCEL_FLAGS) ||
	    c.resv[0] || c.resv[1] || c.cancelled || c.running)
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
