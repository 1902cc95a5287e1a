// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the request table - slots are recycled, not allocated per request,
 * the table grows only when every slot is in use, and a bio pointing at a
 * slot's bvec table finds the request's descriptor.
 */
#include <kunit/test.h>
#include <linux/bio.h>
#include <linux/iodesc.h>

#include "aio_attr.h"

static struct aa_ctx *new_ctx(struct kunit *test, unsigned int slots)
{
	struct aa_ctx *ctx = aa_ctx_alloc();

	KUNIT_ASSERT_FALSE(test, IS_ERR(ctx));
	KUNIT_ASSERT_EQ(test, aa_ctx_setup_ring(ctx, 4096, 0), 0);
	KUNIT_ASSERT_EQ(test, aa_ctx_setup_slots(ctx, slots), 0);
	ctx->ready = true;
	return ctx;
}

/* Take @n requests into @reqs. */
static void take(struct kunit *test, struct aa_ctx *ctx, struct aa_req **reqs,
		 unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		reqs[i] = aa_req_alloc(ctx, AIO_ATTR_OP_READ, i, AIO_ATTR_ALL);
		KUNIT_ASSERT_FALSE(test, IS_ERR(reqs[i]));
	}
}

static void give_back(struct aa_req **reqs, unsigned int n)
{
	while (n--)
		aa_req_abort(reqs[n]);
}

/* Steady state: the same slots, again and again; the table never grows. */
static void req_slots_recycled(struct kunit *test)
{
	struct aa_ctx *ctx = new_ctx(test, 1);
	unsigned int slots = ctx->nr_slots, round, i;
	struct aa_req **reqs, **first;

	KUNIT_ASSERT_GT(test, slots, 0U);
	reqs = kunit_kcalloc(test, slots, sizeof(*reqs), GFP_KERNEL);
	first = kunit_kcalloc(test, slots, sizeof(*first), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, reqs);
	KUNIT_ASSERT_NOT_NULL(test, first);
	take(test, ctx, first, slots);
	give_back(first, slots);
	for (round = 0; round < 200; round++) {
		take(test, ctx, reqs, slots);
		/* every request is one of the first round's slots */
		for (i = 0; i < slots; i++) {
			unsigned int j;

			for (j = 0; j < slots && reqs[i] != first[j]; j++)
				;
			KUNIT_EXPECT_LT(test, j, slots);
		}
		give_back(reqs, slots);
	}
	KUNIT_EXPECT_EQ(test, ctx->nr_slots, slots);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->inflight), 0);
	aa_ctx_kill(ctx);
}

/* One more request than slots adds one chunk; max_inflight still rules. */
static void req_table_grows_to_max_inflight(struct kunit *test)
{
	struct aa_ctx *ctx = new_ctx(test, 1);
	unsigned int slots = ctx->nr_slots, old_max = aa_max_inflight;
	struct aa_req **reqs, *extra;

	reqs = kunit_kcalloc(test, 2 * slots + 1, sizeof(*reqs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, reqs);
	take(test, ctx, reqs, slots + 1);
	KUNIT_EXPECT_EQ(test, ctx->nr_slots, 2 * slots);
	WRITE_ONCE(aa_max_inflight, slots + 1);
	extra = aa_req_alloc(ctx, AIO_ATTR_OP_READ, 0, 0);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(extra), -EAGAIN);
	WRITE_ONCE(aa_max_inflight, old_max);
	KUNIT_EXPECT_EQ(test, ctx->nr_slots, 2 * slots);
	give_back(reqs, slots + 1);
	aa_ctx_kill(ctx);
}

/* The setup hint sizes the table; it is capped by max_inflight. */
static void req_setup_hint(struct kunit *test)
{
	unsigned int old_max = aa_max_inflight;
	struct aa_ctx *ctx = new_ctx(test, 1), *big;
	unsigned int chunk = ctx->nr_slots;

	big = new_ctx(test, 3 * chunk + 1);
	KUNIT_EXPECT_EQ(test, big->nr_slots, 4 * chunk);
	aa_ctx_kill(big);
	WRITE_ONCE(aa_max_inflight, chunk);
	big = new_ctx(test, 100 * chunk);
	WRITE_ONCE(aa_max_inflight, old_max);
	KUNIT_EXPECT_EQ(test, big->nr_slots, chunk);
	aa_ctx_kill(big);
	aa_ctx_kill(ctx);
}

/* A bio over the slot's own bvec table - anywhere in it - finds it. */
static void req_slot_lookup(struct kunit *test)
{
	struct aa_ctx *ctx = new_ctx(test, 1);
	struct bio bio = {};
	struct aa_req *req, *again;

	req = aa_req_alloc(ctx, AIO_ATTR_OP_READ, 1, AIO_ATTR_ALL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(req));
	bio.bi_io_vec = req->inline_vecs;
	KUNIT_EXPECT_PTR_EQ(test, iodesc_from_bio(&bio), &req->iod);
	bio.bi_io_vec = &req->inline_vecs[AA_INLINE_VECS - 1];
	KUNIT_EXPECT_PTR_EQ(test, iodesc_from_bio(&bio), &req->iod);
	/* other parts of the slot are not a bvec table */
	bio.bi_io_vec = (struct bio_vec *)req;
	KUNIT_EXPECT_NULL(test, iodesc_from_bio(&bio));
	bio.bi_io_vec = &req->inline_vecs[AA_INLINE_VECS];
	KUNIT_EXPECT_TRUE(test, iodesc_from_bio(&bio) != &req->iod);
	aa_req_abort(req);
	/* a recycled slot's descriptor is the new request's */
	again = aa_req_alloc(ctx, AIO_ATTR_OP_READ, 2, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(again));
	bio.bi_io_vec = again->inline_vecs;
	KUNIT_EXPECT_PTR_EQ(test, iodesc_from_bio(&bio), &again->iod);
	KUNIT_EXPECT_FALSE(test, iodesc_wants(&again->iod, AIO_ATTR_CACHE));
	aa_req_abort(again);
	aa_ctx_kill(ctx);
}

/*
 * Lookups alternating between two contexts' tables find the right request
 * each time (each lookup replaces the CPU's hint), and once a table is
 * freed an address inside it finds nothing, though it was the last hit.
 */
static void req_slot_lookup_hint(struct kunit *test)
{
	struct aa_ctx *a = new_ctx(test, 1), *b = new_ctx(test, 1);
	struct aa_req *ra, *rb;
	struct bio_vec *gone;
	struct bio bio = {};
	int i;

	ra = aa_req_alloc(a, AIO_ATTR_OP_READ, 1, AIO_ATTR_ALL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ra));
	rb = aa_req_alloc(b, AIO_ATTR_OP_READ, 2, AIO_ATTR_ALL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(rb));
	for (i = 0; i < 4; i++) {
		bio.bi_io_vec = &ra->inline_vecs[i];
		KUNIT_EXPECT_PTR_EQ(test, iodesc_from_bio(&bio), &ra->iod);
		KUNIT_EXPECT_PTR_EQ(test, iodesc_from_bio(&bio), &ra->iod);
		bio.bi_io_vec = &rb->inline_vecs[i];
		KUNIT_EXPECT_PTR_EQ(test, iodesc_from_bio(&bio), &rb->iod);
	}
	/* b's table goes while it is this CPU's last hit */
	gone = rb->inline_vecs;
	aa_req_abort(rb);
	aa_ctx_kill(b);
	flush_workqueue(aa_wq);
	bio.bi_io_vec = gone;
	KUNIT_EXPECT_NULL(test, iodesc_from_bio(&bio));
	bio.bi_io_vec = ra->inline_vecs;
	KUNIT_EXPECT_PTR_EQ(test, iodesc_from_bio(&bio), &ra->iod);
	aa_req_abort(ra);
	aa_ctx_kill(a);
}

static struct kunit_case aa_req_cases[] = {
	KUNIT_CASE(req_slots_recycled),
	KUNIT_CASE(req_table_grows_to_max_inflight),
	KUNIT_CASE(req_setup_hint),
	KUNIT_CASE(req_slot_lookup),
	KUNIT_CASE(req_slot_lookup_hint),
	{}
};

static struct kunit_suite aa_req_suite = {
	.name = "aio_attr_req",
	.test_cases = aa_req_cases,
};

kunit_test_suites(&aa_req_suite);
