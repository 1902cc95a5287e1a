// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the worker pool of a context - at most max_workers jobs run at a
 * time, queued jobs run in submission order, a queued job that is
 * cancelled runs exactly once with @cancel set and never for real,
 * killing the context cancels what is still queued, and a request on a
 * recycled slot does not wait for the worker its slot's last job ran on.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>

#include "aio_attr.h"

#define NR_JOBS 6

static struct {
	struct completion	release;	/* lets the first job finish */
	struct completion	started;	/* the first job is running */
	struct completion	all_done;
	atomic_t		running;
	atomic_t		max_running;
	atomic_t		ended;
	int			order[NR_JOBS];
	atomic_t		next;
	atomic_t		ran[NR_JOBS];
	atomic_t		cancelled[NR_JOBS];
} w;

static bool test_job(struct aa_req *req, bool cancel)
{
	unsigned int id = req->user_data;

	if (cancel) {
		atomic_inc(&w.cancelled[id]);
	} else {
		int now = atomic_inc_return(&w.running);

		if (now > atomic_read(&w.max_running))
			atomic_set(&w.max_running, now);
		atomic_inc(&w.ran[id]);
		w.order[atomic_inc_return(&w.next) - 1] = id;
		if (id == 0) {
			complete(&w.started);
			wait_for_completion(&w.release);
		}
		atomic_dec(&w.running);
	}
	/* the event's reference: nothing is posted in this test */
	aa_req_put(req);
	if (atomic_inc_return(&w.ended) == NR_JOBS)
		complete(&w.all_done);
	return cancel;
}

static struct aa_ctx *new_ctx(struct kunit *test)
{
	struct aa_ctx *ctx = aa_ctx_alloc();

	KUNIT_ASSERT_FALSE(test, IS_ERR(ctx));
	KUNIT_ASSERT_EQ(test, aa_ctx_setup_ring(ctx, 4096, 0), 0);
	KUNIT_ASSERT_EQ(test, aa_ctx_setup_slots(ctx, NR_JOBS), 0);
	KUNIT_ASSERT_EQ(test, aa_pool_prepare(ctx), 0);
	ctx->version = AIO_ATTR_VERSION;
	ctx->ready = true;
	return ctx;
}

static void reset(void)
{
	unsigned int i;

	memset(&w, 0, sizeof(w));
	init_completion(&w.release);
	init_completion(&w.started);
	init_completion(&w.all_done);
	for (i = 0; i < NR_JOBS; i++)
		w.order[i] = -1;
}

/* Queue NR_JOBS jobs, user_data 0..NR_JOBS-1; job 0 blocks. */
static void queue_all(struct kunit *test, struct aa_ctx *ctx)
{
	unsigned int i;

	for (i = 0; i < NR_JOBS; i++) {
		struct aa_req *req = aa_req_alloc(ctx, AIO_ATTR_OP_READ, i, 0);

		KUNIT_ASSERT_FALSE(test, IS_ERR(req));
		aa_pool_queue(req, test_job);
		aa_req_submitted(req);
		if (!i)
			KUNIT_ASSERT_NE(test, wait_for_completion_timeout(&w.started,
									  10 * HZ), 0UL);
	}
}

/* One worker: the rest queue in order; cancelled ones never run. */
static void pool_order_bound_cancel(struct kunit *test)
{
	unsigned int old = aa_max_workers, i;
	struct aa_ctx *ctx;
	u64 ud = 3;

	reset();
	aa_max_workers = 1;
	ctx = new_ctx(test);
	queue_all(test, ctx);

	/* 0 runs, 1..5 wait: cancel 3, then everything on no file (none) */
	KUNIT_EXPECT_EQ(test, aa_pool_cancel(ctx, NULL, &ud), 1U);
	KUNIT_EXPECT_EQ(test, aa_pool_cancel(ctx, NULL, &ud), 0U);
	ud = 0;
	KUNIT_EXPECT_EQ(test, aa_pool_cancel(ctx, NULL, &ud), 0U);
	KUNIT_EXPECT_EQ(test, aa_ctx_count_started(ctx, NULL, &ud), 1U);

	complete(&w.release);
	KUNIT_ASSERT_NE(test, wait_for_completion_timeout(&w.all_done, 10 * HZ),
			0UL);
	KUNIT_EXPECT_EQ(test, atomic_read(&w.max_running), 1);
	for (i = 0; i < NR_JOBS; i++) {
		KUNIT_EXPECT_EQ(test, atomic_read(&w.ran[i]), i == 3 ? 0 : 1);
		KUNIT_EXPECT_EQ(test, atomic_read(&w.cancelled[i]), i == 3 ? 1 : 0);
	}
	/* submission order, 3 left out */
	KUNIT_EXPECT_EQ(test, w.order[0], 0);
	KUNIT_EXPECT_EQ(test, w.order[1], 1);
	KUNIT_EXPECT_EQ(test, w.order[2], 2);
	KUNIT_EXPECT_EQ(test, w.order[3], 4);
	KUNIT_EXPECT_EQ(test, w.order[4], 5);
	aa_max_workers = old;
	aa_ctx_kill(ctx);
}

/* Killing the context cancels the queue; the running job finishes. */
static void pool_kill_cancels_queue(struct kunit *test)
{
	unsigned int old = aa_max_workers, i;
	struct aa_ctx *ctx;

	reset();
	aa_max_workers = 1;
	ctx = new_ctx(test);
	queue_all(test, ctx);
	aa_ctx_kill(ctx);
	for (i = 1; i < NR_JOBS; i++)
		KUNIT_EXPECT_EQ(test, atomic_read(&w.cancelled[i]), 1);
	complete(&w.release);
	KUNIT_ASSERT_NE(test, wait_for_completion_timeout(&w.all_done, 10 * HZ),
			0UL);
	KUNIT_EXPECT_EQ(test, atomic_read(&w.ran[0]), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&w.cancelled[0]), 0);
	for (i = 1; i < NR_JOBS; i++)
		KUNIT_EXPECT_EQ(test, atomic_read(&w.ran[i]), 0);
	aa_max_workers = old;
}

/* Several workers: never more than max_workers at once. */
static void pool_parallel_bound(struct kunit *test)
{
	unsigned int old = aa_max_workers, i;
	struct aa_ctx *ctx;

	reset();
	aa_max_workers = 2;
	ctx = new_ctx(test);
	queue_all(test, ctx);
	/* job 0 blocks one worker; the other one runs 1..5 meanwhile */
	for (i = 0; i < 10000 && atomic_read(&w.ended) < NR_JOBS - 1; i++)
		usleep_range(1000, 2000);
	KUNIT_EXPECT_EQ(test, atomic_read(&w.ended), NR_JOBS - 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&w.running), 1);
	complete(&w.release);
	KUNIT_ASSERT_NE(test, wait_for_completion_timeout(&w.all_done, 10 * HZ),
			0UL);
	KUNIT_EXPECT_LE(test, atomic_read(&w.max_running), 2);
	aa_max_workers = old;
	aa_ctx_kill(ctx);
}

/* gates of the jobs of pool_slot_reused(), by user_data */
#define GATED 4
static struct {
	struct completion	open[GATED];
	struct completion	started[GATED];
	struct completion	ended[GATED];
} g;

static bool gated_job(struct aa_req *req, bool cancel)
{
	unsigned int id = req->user_data;

	if (!cancel) {
		complete(&g.started[id]);
		wait_for_completion(&g.open[id]);
	}
	aa_req_put(req);
	complete(&g.ended[id]);
	return cancel;
}

static struct aa_req *queue_gated(struct kunit *test, struct aa_ctx *ctx,
				  unsigned int id)
{
	struct aa_req *req = aa_req_alloc(ctx, AIO_ATTR_OP_READ, id, 0);

	KUNIT_ASSERT_FALSE(test, IS_ERR(req));
	aa_pool_queue(req, gated_job);
	aa_req_submitted(req);
	return req;
}

/*
 * A worker runs on after its first job ended the request and the slot
 * went back to the table.  A request that gets that slot again starts
 * on a free worker at once - not after whatever the first worker went
 * on to run, here a job that waits until the test lets it go.
 */
static void pool_slot_reused(struct kunit *test)
{
	unsigned int old = aa_max_workers, i, tries, nr_held = 0;
	struct aa_req *first, *req = NULL, **held;
	struct aa_ctx *ctx;

	for (i = 0; i < GATED; i++) {
		init_completion(&g.open[i]);
		init_completion(&g.started[i]);
		init_completion(&g.ended[i]);
	}
	aa_max_workers = 2;
	ctx = new_ctx(test);
	/* 0 and 1 take both workers, 2 waits in the queue */
	first = queue_gated(test, ctx, 0);
	KUNIT_ASSERT_NE(test, wait_for_completion_timeout(&g.started[0], 10 * HZ), 0UL);
	queue_gated(test, ctx, 1);
	KUNIT_ASSERT_NE(test, wait_for_completion_timeout(&g.started[1], 10 * HZ), 0UL);
	queue_gated(test, ctx, 2);
	/* 0 ends, its slot is free, its worker goes on with 2 */
	complete(&g.open[0]);
	KUNIT_ASSERT_NE(test, wait_for_completion_timeout(&g.started[2], 10 * HZ), 0UL);
	/* 1 ends and its worker finds the queue empty: one worker runs */
	complete(&g.open[1]);
	KUNIT_ASSERT_NE(test, wait_for_completion_timeout(&g.ended[1], 10 * HZ), 0UL);
	for (tries = 0; tries < 10000; tries++) {
		bool one;

		spin_lock(&ctx->pool_lock);
		one = ctx->pool_running == 1;
		spin_unlock(&ctx->pool_lock);
		if (one)
			break;
		usleep_range(1000, 2000);
	}
	/* a request on 0's slot: the free slots before it are held, then given back */
	held = kunit_kcalloc(test, ctx->nr_slots, sizeof(*held), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, held);
	while (nr_held < ctx->nr_slots) {
		req = aa_req_alloc(ctx, AIO_ATTR_OP_READ, 3, 0);
		KUNIT_ASSERT_FALSE(test, IS_ERR(req));
		if (req == first)
			break;
		held[nr_held++] = req;
	}
	for (i = 0; i < nr_held; i++)
		aa_req_abort(held[i]);
	KUNIT_ASSERT_PTR_EQ(test, req, first);
	aa_pool_queue(req, gated_job);
	aa_req_submitted(req);
	KUNIT_EXPECT_NE(test, wait_for_completion_timeout(&g.started[3], 5 * HZ), 0UL);

	complete(&g.open[2]);
	complete(&g.open[3]);
	for (i = 2; i < GATED; i++)
		KUNIT_EXPECT_NE(test, wait_for_completion_timeout(&g.ended[i], 10 * HZ),
				0UL);
	aa_max_workers = old;
	aa_ctx_kill(ctx);
}

static struct kunit_case worker_cases[] = {
	KUNIT_CASE(pool_order_bound_cancel),
	KUNIT_CASE(pool_kill_cancels_queue),
	KUNIT_CASE(pool_parallel_bound),
	KUNIT_CASE(pool_slot_reused),
	{}
};

static struct kunit_suite worker_suite = {
	.name = "aio_attr_worker",
	.test_cases = worker_cases,
};
kunit_test_suite(worker_suite);
