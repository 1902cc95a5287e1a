// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the aio_attr ring (space arithmetic, entry encoding, skip
 * records, the overflow list) and for the iodesc lookup and attribute API.
 */
#include <kunit/test.h>
#include <linux/bio.h>
#include <linux/iodesc.h>
#include <linux/slab.h>

#include "aio_attr.h"

#define RING	4096u
#define EV(n)	((u32)AIO_ATTR_EVENT_BYTES(n))
/* Six attributes, so that entries are EV(6) = 120 bytes as counted below. */
#define SIX	AA_V1_ATTRS

static void ring_reserve_empty(struct kunit *test)
{
	u32 skip = 99;

	KUNIT_EXPECT_TRUE(test, aa_ring_reserve(0, 0, RING, EV(6), &skip));
	KUNIT_EXPECT_EQ(test, skip, 0u);
	KUNIT_EXPECT_EQ(test, aa_ring_used(0, 0, RING), 0u);
}

static void ring_reserve_exactly_full(struct kunit *test)
{
	u32 skip;

	/* 4096 - 24 bytes used, one 24-byte entry fits exactly */
	KUNIT_EXPECT_TRUE(test, aa_ring_reserve(24, RING, RING, 24, &skip));
	KUNIT_EXPECT_EQ(test, skip, 0u);
	/* full ring: nothing fits */
	KUNIT_EXPECT_FALSE(test, aa_ring_reserve(0, RING, RING, 8, &skip));
	KUNIT_EXPECT_EQ(test, aa_ring_used(0, RING, RING), RING);
}

static void ring_reserve_skip_at_end(struct kunit *test)
{
	u32 skip;

	/* tail 40 bytes before the end, entry of 56: skip 40, start at 0 */
	KUNIT_EXPECT_TRUE(test, aa_ring_reserve(RING - 40, RING - 40, RING,
						EV(2), &skip));
	KUNIT_EXPECT_EQ(test, skip, 40u);
	/* the skip counts against free space: 96 used, 40 + 56 > 4000 no */
	KUNIT_EXPECT_TRUE(test, aa_ring_reserve(RING - 136, RING - 40, RING,
						EV(2), &skip));
	/* 4000 used: 96 free, just enough for skip 40 + entry 56 */
	KUNIT_EXPECT_TRUE(test, aa_ring_reserve(RING - 40 - 4000, RING - 40,
						RING, EV(2), &skip));
	/* 4008 used: 88 free, not enough */
	KUNIT_EXPECT_FALSE(test, aa_ring_reserve(RING - 40 - 4008, RING - 40,
						 RING, EV(2), &skip));
}

static void ring_reserve_entry_ends_at_end(struct kunit *test)
{
	u32 skip;

	/* an entry that ends exactly at the end needs no skip */
	KUNIT_EXPECT_TRUE(test, aa_ring_reserve(RING - 56, RING - 56, RING,
						EV(2), &skip));
	KUNIT_EXPECT_EQ(test, skip, 0u);
}

static void ring_wrap_2_32(struct kunit *test)
{
	u32 head = 0xffffff00u, tail = 0x00000040u, skip;

	/* tail has wrapped past 2^32, head not yet: 0x140 bytes in use */
	KUNIT_EXPECT_EQ(test, aa_ring_used(head, tail, RING), 0x140u);
	KUNIT_EXPECT_TRUE(test, aa_ring_reserve(head, tail, RING, EV(6),
						&skip));
	KUNIT_EXPECT_EQ(test, skip, 0u);
	/* both wrapped, still consistent */
	KUNIT_EXPECT_EQ(test, aa_ring_used(0x10u, 0x30u, RING), 0x20u);
	/* a full ring straddling 2^32 */
	KUNIT_EXPECT_EQ(test, aa_ring_used(0xfffff800u, 0x800u, RING), RING);
	KUNIT_EXPECT_FALSE(test, aa_ring_reserve(0xfffff800u, 0x800u, RING, 8,
						 &skip));
	/* skip computed from the masked tail, not the raw counter */
	KUNIT_EXPECT_TRUE(test, aa_ring_reserve(0xffffffe0u, 0xffffffe0u, RING,
						EV(2), &skip));
	KUNIT_EXPECT_EQ(test, skip, 32u);
}

static void ring_bad_head(struct kunit *test)
{
	u32 skip;

	/* head ahead of tail: not a state the ring can have */
	KUNIT_EXPECT_GT(test, aa_ring_used(100, 50, RING), RING);
	KUNIT_EXPECT_FALSE(test, aa_ring_reserve(100, 50, RING, 8, &skip));
	/* unaligned head */
	KUNIT_EXPECT_GT(test, aa_ring_used(4, 64, RING), RING);
	KUNIT_EXPECT_EQ(test, aa_ring_count(NULL, RING, 4, 64, U32_MAX), -EBADMSG);
}

static void encode_records(struct kunit *test)
{
	atomic64_t val[AIO_ATTR_NR];
	unsigned long handled = 0;
	u64 buf[32] = {};
	struct aio_attr_event *ev = (void *)buf;
	u64 want = AIO_ATTR_BIT(AIO_ATTR_SERVICE_NS) |
		   AIO_ATTR_BIT(AIO_ATTR_CACHE) |
		   AIO_ATTR_BIT(AIO_ATTR_CRYPT_NS);
	int i;

	for (i = 0; i < AIO_ATTR_NR; i++)
		atomic64_set(&val[i], 1000 + i);
	__set_bit(AIO_ATTR_SERVICE_NS, &handled);
	__set_bit(AIO_ATTR_CACHE, &handled);
	__set_bit(AIO_ATTR_DEVICE_NS, &handled);	/* not requested */

	KUNIT_EXPECT_EQ(test, aa_encode_event(ev, 0xabcdef, -5, 0, want,
					      handled, val), EV(3));
	KUNIT_EXPECT_EQ(test, ev->len, EV(3));
	KUNIT_EXPECT_EQ(test, ev->nr_attrs, 3);
	KUNIT_EXPECT_EQ(test, ev->result, -5LL);
	KUNIT_EXPECT_EQ(test, ev->user_data, 0xabcdefULL);
	KUNIT_EXPECT_EQ(test, ev->attrs[0].id, AIO_ATTR_SERVICE_NS);
	KUNIT_EXPECT_EQ(test, ev->attrs[0].status, AIO_ATTR_ST_HANDLED);
	KUNIT_EXPECT_EQ(test, ev->attrs[0].value, 1000ULL);
	KUNIT_EXPECT_EQ(test, ev->attrs[1].id, AIO_ATTR_CACHE);
	KUNIT_EXPECT_EQ(test, ev->attrs[1].value, 1003ULL);
	KUNIT_EXPECT_EQ(test, ev->attrs[2].id, AIO_ATTR_CRYPT_NS);
	KUNIT_EXPECT_EQ(test, ev->attrs[2].status, AIO_ATTR_ST_UNSUPPORTED);
	KUNIT_EXPECT_EQ(test, ev->attrs[2].value, 0ULL);
	KUNIT_EXPECT_EQ(test, aa_event_bytes(AIO_ATTR_ALL), EV(AIO_ATTR_NR));
	KUNIT_EXPECT_EQ(test, aa_event_bytes(0), 24u);
}

static void count_with_skip(struct kunit *test)
{
	const u32 size = 2048;
	void *data = kunit_kzalloc(test, size, GFP_KERNEL);
	atomic64_t val[AIO_ATTR_NR] = {};
	struct aio_attr_event *ev;
	u32 head = 0xfffff000u, tail = head, skip;
	int n = 0;

	KUNIT_ASSERT_NOT_NULL(test, data);
	/* fill with 120-byte entries until the end forces a skip */
	while (aa_ring_reserve(head, tail, size, EV(6), &skip) && !skip) {
		aa_encode_event(data + (tail & (size - 1)), n, 0, 0,
				SIX, 0, val);
		tail += EV(6);
		n++;
	}
	KUNIT_ASSERT_EQ(test, n, 17);
	/* consume a few so there is room after the wrap */
	head += 3 * EV(6);
	KUNIT_ASSERT_TRUE(test, aa_ring_reserve(head, tail, size, EV(6),
						&skip));
	KUNIT_ASSERT_EQ(test, skip, size - 17 * EV(6));
	ev = data + (tail & (size - 1));
	ev->len = skip;
	ev->flags = AIO_ATTR_EVF_SKIP;
	tail += skip;
	KUNIT_EXPECT_EQ(test, tail & (size - 1), 0u);
	aa_encode_event(data, 99, 0, 0, SIX, 0, val);
	tail += EV(6);
	KUNIT_EXPECT_EQ(test, aa_ring_count(data, size, head, tail, U32_MAX), 15);
	/* a limit stops the walk early */
	KUNIT_EXPECT_EQ(test, aa_ring_count(data, size, head, tail, 4), 4);
	KUNIT_EXPECT_EQ(test, aa_ring_count(data, size, head, tail, 0), 0);

	/* a damaged entry stops the walk */
	ev = data + (head & (size - 1));
	ev->len = 12;
	KUNIT_EXPECT_EQ(test, aa_ring_count(data, size, head, tail, U32_MAX), -EBADMSG);
	ev->len = 0;
	KUNIT_EXPECT_EQ(test, aa_ring_count(data, size, head, tail, U32_MAX), -EBADMSG);
	ev->len = 4096;
	KUNIT_EXPECT_EQ(test, aa_ring_count(data, size, head, tail, U32_MAX), -EBADMSG);
}

/* Pull every entry out of a kernel-side ring, oldest first. */
static int drain(struct kunit *test, struct aa_ctx *ctx, u64 *seen, int max,
		 int *overflowed)
{
	struct aio_attr_ring_hdr *hdr = ctx->hdr;
	u32 head = hdr->head;
	/* entries below tail are complete */
	u32 tail = smp_load_acquire(&hdr->tail);
	int n = 0;

	while (head != tail) {
		struct aio_attr_event *ev = ctx->data +
					    (head & (ctx->ring_bytes - 1));

		if (!(ev->flags & AIO_ATTR_EVF_SKIP)) {
			KUNIT_ASSERT_LT(test, n, max);
			seen[n++] = ev->user_data;
			if (ev->flags & AIO_ATTR_EVF_OVERFLOWED)
				(*overflowed)++;
		}
		head += ev->len;
	}
	/* done with the entries: the kernel may reuse their bytes */
	smp_store_release(&hdr->head, head);
	return n;
}

static void overflow_keeps_order(struct kunit *test)
{
	const int total = 60;
	struct aa_ctx *ctx = aa_ctx_alloc();
	u64 *seen = kunit_kcalloc(test, total, sizeof(*seen), GFP_KERNEL);
	int i, got = 0, overflowed = 0, first;
	u32 ring, over;

	KUNIT_ASSERT_FALSE(test, IS_ERR(ctx));
	KUNIT_ASSERT_NOT_NULL(test, seen);
	KUNIT_ASSERT_EQ(test, aa_ctx_setup_ring(ctx, 2048, 0), 0);
	ctx->ready = true;

	for (i = 0; i < total; i++) {
		struct aa_req *req = aa_req_alloc(ctx, AIO_ATTR_OP_READ, i,
						  SIX);

		KUNIT_ASSERT_FALSE(test, IS_ERR(req));
		atomic64_set(&req->result, 4096);
		aa_iod_finish(&req->iod, true);
		aa_post(req);
		aa_req_submitted(req);
	}
	/* 17 entries of 120 bytes fit in 2048; the rest wait in order */
	KUNIT_EXPECT_EQ(test, ctx->overflow_nr, (u32)total - 17);
	KUNIT_EXPECT_TRUE(test, ctx->hdr->flags & AIO_ATTR_RING_F_OVERFLOW);
	KUNIT_EXPECT_EQ(test, ctx->hdr->overflow_pending, (u32)total - 17);

	first = drain(test, ctx, seen, total, &overflowed);
	KUNIT_EXPECT_EQ(test, first, 17);
	KUNIT_EXPECT_EQ(test, overflowed, 0);
	got = first;
	while (got < total) {
		int n;

		aa_ctx_ready(ctx, 0, &ring, &over);
		n = drain(test, ctx, seen + got, total - got, &overflowed);
		KUNIT_ASSERT_GT(test, n, 0);
		got += n;
	}
	for (i = 0; i < total; i++)
		KUNIT_EXPECT_EQ(test, seen[i], (u64)i);
	KUNIT_EXPECT_EQ(test, overflowed, total - 17);
	KUNIT_EXPECT_EQ(test, ctx->overflow_nr, 0u);
	KUNIT_EXPECT_FALSE(test, ctx->hdr->flags & AIO_ATTR_RING_F_OVERFLOW);
	KUNIT_EXPECT_EQ(test, ctx->hdr->overflow_total, (u64)total - 17);
	KUNIT_EXPECT_EQ(test, ctx->hdr->posted_total, (u64)total);
	aa_ctx_kill(ctx);
}

static void overflow_released_on_kill(struct kunit *test)
{
	struct aa_ctx *ctx = aa_ctx_alloc();
	s64 before = percpu_counter_sum(&aa_stats.inflight);
	int i;

	KUNIT_ASSERT_FALSE(test, IS_ERR(ctx));
	KUNIT_ASSERT_EQ(test, aa_ctx_setup_ring(ctx, 2048, 0), 0);
	ctx->ready = true;
	for (i = 0; i < 40; i++) {
		struct aa_req *req = aa_req_alloc(ctx, AIO_ATTR_OP_READ, i,
						  SIX);

		KUNIT_ASSERT_FALSE(test, IS_ERR(req));
		aa_post(req);
		aa_req_submitted(req);
	}
	KUNIT_EXPECT_EQ(test, percpu_counter_sum(&aa_stats.inflight),
			before + 23);
	aa_ctx_kill(ctx);
	KUNIT_EXPECT_EQ(test, percpu_counter_sum(&aa_stats.inflight), before);
}

/*
 * A completion posted with interrupts off moves at most AA_ATOMIC_DRAIN
 * older completions from the overflow list, however many would fit;
 * process context moves the rest.
 */
static void overflow_drain_bounded_in_atomic(struct kunit *test)
{
	const int parked = 100;
	struct aa_ctx *ctx = aa_ctx_alloc();
	u64 *seen = kunit_kcalloc(test, 17 + parked + 1, sizeof(*seen),
				  GFP_KERNEL);
	int i, n, overflowed = 0;
	u32 ring, over;

	KUNIT_ASSERT_FALSE(test, IS_ERR(ctx));
	KUNIT_ASSERT_NOT_NULL(test, seen);
	KUNIT_ASSERT_EQ(test, aa_ctx_setup_ring(ctx, 2048, 0), 0);
	ctx->ready = true;
	for (i = 0; i <= 17 + parked; i++) {
		struct aa_req *req = aa_req_alloc(ctx, AIO_ATTR_OP_READ, i,
						  SIX);
		unsigned long flags;

		KUNIT_ASSERT_FALSE(test, IS_ERR(req));
		aa_iod_finish(&req->iod, false);
		if (i == 17 + parked) {
			/* room for 17 again, and this one arrives in "irq" */
			n = drain(test, ctx, seen, 17, &overflowed);
			KUNIT_EXPECT_EQ(test, n, 17);
			local_irq_save(flags);
			aa_post(req);
			local_irq_restore(flags);
		} else {
			aa_post(req);
		}
		aa_req_submitted(req);
	}
	KUNIT_EXPECT_EQ(test, ctx->overflow_nr,
			(u32)(parked - AA_ATOMIC_DRAIN + 1));
	/* process context finishes the job, in order */
	n = drain(test, ctx, seen, 17 + parked + 1, &overflowed);
	KUNIT_EXPECT_EQ(test, n, AA_ATOMIC_DRAIN);
	KUNIT_EXPECT_EQ(test, seen[0], 17ULL);
	aa_ctx_ready(ctx, U32_MAX, &ring, &over);
	KUNIT_EXPECT_EQ(test, ring, 17U);
	KUNIT_EXPECT_EQ(test, over, (u32)(parked + 1 - AA_ATOMIC_DRAIN - 17));
	aa_ctx_kill(ctx);
}

static struct kunit_case aa_ring_cases[] = {
	KUNIT_CASE(ring_reserve_empty),
	KUNIT_CASE(ring_reserve_exactly_full),
	KUNIT_CASE(ring_reserve_skip_at_end),
	KUNIT_CASE(ring_reserve_entry_ends_at_end),
	KUNIT_CASE(ring_wrap_2_32),
	KUNIT_CASE(ring_bad_head),
	KUNIT_CASE(encode_records),
	KUNIT_CASE(count_with_skip),
	KUNIT_CASE(overflow_keeps_order),
	KUNIT_CASE(overflow_released_on_kill),
	KUNIT_CASE(overflow_drain_bounded_in_atomic),
	{}
};

static struct kunit_suite aa_ring_suite = {
	.name = "aio_attr_ring",
	.test_cases = aa_ring_cases,
};

/* ---------------------------------------------------------------------
 * iodesc lookup and attribute combination
 */

static void iodesc_lookup_clone_and_split(struct kunit *test)
{
	struct bio_vec vecs[2], other[1];
	struct bio parent = {}, clone = {}, foreign = {};
	struct iodesc *iod = kunit_kzalloc(test, sizeof(*iod), GFP_KERNEL);
	struct iodesc *iod2 = kunit_kzalloc(test, sizeof(*iod2), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, iod);
	KUNIT_ASSERT_NOT_NULL(test, iod2);
	aa_iod_init(iod, AIO_ATTR_ALL);
	parent.bi_io_vec = vecs;
	clone.bi_io_vec = vecs;		/* clones share the bvec table */
	foreign.bi_io_vec = other;
	KUNIT_ASSERT_EQ(test,
			aa_iod_register(iod, vecs, sizeof(vecs), GFP_KERNEL), 0);
	KUNIT_EXPECT_PTR_EQ(test, iodesc_from_bio(&parent), iod);
	KUNIT_EXPECT_PTR_EQ(test, iodesc_from_bio(&clone), iod);
	KUNIT_EXPECT_NULL(test, iodesc_from_bio(&foreign));
	/* the same table for another request is a bug */
	aa_iod_init(iod2, AIO_ATTR_ALL);
	KUNIT_EXPECT_EQ(test, aa_iod_register(iod2, vecs, sizeof(vecs),
					      GFP_KERNEL), -EEXIST);
	aa_iod_unregister_all(iod);
	/* nothing stale after completion */
	KUNIT_EXPECT_NULL(test, iodesc_from_bio(&clone));
	KUNIT_EXPECT_NULL(test, iodesc_from_bio(NULL));
	synchronize_rcu();
}

static void iodesc_carry_and_uncarry(struct kunit *test)
{
	struct bio_vec vecs[1], bounce1[1], bounce2[1], bounce3[1];
	struct bio b1 = {}, b2 = {}, b3 = {}, none = {};
	struct iodesc *iod = kunit_kzalloc(test, sizeof(*iod), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, iod);
	aa_iod_init(iod, AIO_ATTR_ALL);
	KUNIT_ASSERT_EQ(test,
			aa_iod_register(iod, vecs, sizeof(vecs), GFP_KERNEL), 0);
	b1.bi_io_vec = bounce1;
	b2.bi_io_vec = bounce2;
	b3.bi_io_vec = bounce3;
	/* several carried tables at once */
	KUNIT_EXPECT_EQ(test, iodesc_carry(iod, &b1, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, iodesc_carry(iod, &b2, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, iodesc_carry(iod, &b3, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, iodesc_carry(iod, &b3, GFP_KERNEL), -EEXIST);
	KUNIT_EXPECT_EQ(test, iodesc_carry(iod, &none, GFP_KERNEL), -EINVAL);
	KUNIT_EXPECT_EQ(test, iodesc_carry(NULL, &b1, GFP_KERNEL), 0);
	KUNIT_EXPECT_PTR_EQ(test, iodesc_from_bio(&b1), iod);
	KUNIT_EXPECT_PTR_EQ(test, iodesc_from_bio(&b3), iod);
	iodesc_uncarry(&b1);
	KUNIT_EXPECT_NULL(test, iodesc_from_bio(&b1));
	KUNIT_EXPECT_PTR_EQ(test, iodesc_from_bio(&b2), iod);
	/* what the driver left carried goes with the request */
	aa_iod_unregister_all(iod);
	KUNIT_EXPECT_NULL(test, iodesc_from_bio(&b2));
	KUNIT_EXPECT_NULL(test, iodesc_from_bio(&b3));
	synchronize_rcu();
}

/* loop builds its backing file's bios over &table[idx] for a split */
static void iodesc_lookup_inside_table(struct kunit *test)
{
	struct bio_vec vecs[8];
	struct bio inside = {}, past = {};
	struct iodesc *iod = kunit_kzalloc(test, sizeof(*iod), GFP_KERNEL);
	struct iodesc *other = kunit_kzalloc(test, sizeof(*other), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, iod);
	KUNIT_ASSERT_NOT_NULL(test, other);
	aa_iod_init(iod, AIO_ATTR_ALL);
	aa_iod_init(other, AIO_ATTR_ALL);
	KUNIT_ASSERT_EQ(test,
			aa_iod_register(iod, vecs, sizeof(vecs), GFP_KERNEL), 0);
	inside.bi_io_vec = &vecs[5];
	past.bi_io_vec = &vecs[8];
	KUNIT_EXPECT_PTR_EQ(test, iodesc_from_bio(&inside), iod);
	KUNIT_EXPECT_NULL(test, iodesc_from_bio(&past));
	/* a table overlapping a registered one is a bug */
	KUNIT_EXPECT_EQ(test, aa_iod_register(other, &vecs[6],
					      2 * sizeof(*vecs), GFP_KERNEL),
			-EEXIST);
	KUNIT_EXPECT_PTR_EQ(test, iodesc_from_bio(&inside), iod);
	aa_iod_unregister_all(iod);
	KUNIT_EXPECT_NULL(test, iodesc_from_bio(&inside));
	synchronize_rcu();
}

/* Tables across page boundaries: one key per page, every entry found. */
static void iodesc_lookup_multi_page(struct kunit *test)
{
	const unsigned int nr = 3 * PAGE_SIZE / sizeof(struct bio_vec);
	struct bio_vec *big = kunit_kcalloc(test, nr, sizeof(*big), GFP_KERNEL);
	void *two = kunit_kzalloc(test, 2 * PAGE_SIZE, GFP_KERNEL);
	struct bio_vec *straddle;
	struct iodesc *iod = kunit_kzalloc(test, sizeof(*iod), GFP_KERNEL);
	struct iodesc *iod2 = kunit_kzalloc(test, sizeof(*iod2), GFP_KERNEL);
	struct bio b = {}, carried = {};
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, big);
	KUNIT_ASSERT_NOT_NULL(test, two);
	KUNIT_ASSERT_NOT_NULL(test, iod);
	KUNIT_ASSERT_NOT_NULL(test, iod2);
	/* 4 entries, 2 on each side of a page boundary */
	straddle = (struct bio_vec *)(PTR_ALIGN(two, PAGE_SIZE) + PAGE_SIZE -
				      2 * sizeof(*straddle));
	aa_iod_init(iod, AIO_ATTR_ALL);
	aa_iod_init(iod2, AIO_ATTR_ALL);
	KUNIT_ASSERT_EQ(test, aa_iod_register(iod, big, nr * sizeof(*big),
					      GFP_KERNEL), 0);
	KUNIT_EXPECT_GE(test, iod->nr_keys, 3U);
	for (i = 0; i < nr; i += 37) {
		b.bi_io_vec = &big[i];
		KUNIT_EXPECT_PTR_EQ(test, iodesc_from_bio(&b), iod);
	}
	b.bi_io_vec = &big[nr - 1];
	KUNIT_EXPECT_PTR_EQ(test, iodesc_from_bio(&b), iod);

	/* a driver's own bio whose table straddles a page boundary */
	carried.bi_io_vec = straddle;
	carried.bi_max_vecs = 4;
	KUNIT_ASSERT_EQ(test, aa_iod_register(iod2, two, sizeof(*straddle),
					      GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, iodesc_carry(iod2, &carried, GFP_KERNEL), 0);
	b.bi_io_vec = &straddle[3];
	KUNIT_EXPECT_PTR_EQ(test, iodesc_from_bio(&b), iod2);
	iodesc_uncarry(&carried);
	KUNIT_EXPECT_NULL(test, iodesc_from_bio(&b));
	KUNIT_EXPECT_NULL(test, iodesc_from_bio(&carried));

	aa_iod_unregister_all(iod);
	aa_iod_unregister_all(iod2);
	b.bi_io_vec = &big[nr / 2];
	KUNIT_EXPECT_NULL(test, iodesc_from_bio(&b));
	synchronize_rcu();
}

static void iodesc_combine_rules(struct kunit *test)
{
	struct iodesc *iod = kunit_kzalloc(test, sizeof(*iod), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, iod);
	aa_iod_init(iod, AIO_ATTR_ALL & ~AIO_ATTR_BIT(AIO_ATTR_QUEUE_NS));

	iodesc_set_attr(iod, AIO_ATTR_CACHE, AIO_ATTR_CACHE_HIT);
	KUNIT_EXPECT_EQ(test, atomic64_read(&iod->val[AIO_ATTR_CACHE]),
			(s64)AIO_ATTR_CACHE_HIT);
	iodesc_set_attr(iod, AIO_ATTR_CACHE, AIO_ATTR_CACHE_MISS);
	KUNIT_EXPECT_EQ(test, atomic64_read(&iod->val[AIO_ATTR_CACHE]),
			(s64)AIO_ATTR_CACHE_PARTIAL);

	iodesc_set_attr(iod, AIO_ATTR_DEVICE_NS, 500);
	iodesc_set_attr(iod, AIO_ATTR_DEVICE_NS, 300);
	KUNIT_EXPECT_EQ(test, atomic64_read(&iod->val[AIO_ATTR_DEVICE_NS]),
			500LL);
	iodesc_set_attr(iod, AIO_ATTR_CRYPT_NS, 10);
	iodesc_add_attr(iod, AIO_ATTR_CRYPT_NS, 5);
	iodesc_set_attr(iod, AIO_ATTR_CRYPT_NS, 7);
	KUNIT_EXPECT_EQ(test, atomic64_read(&iod->val[AIO_ATTR_CRYPT_NS]),
			22LL);

	/* framework-owned and unrequested ids are left alone */
	iodesc_set_attr(iod, AIO_ATTR_SERVICE_NS, 1);
	iodesc_set_attr(iod, AIO_ATTR_QUEUE_NS, 1);
	iodesc_note_dispatch(iod);
	iodesc_set_attr(iod, AIO_ATTR_NR + 3, 1);
	KUNIT_EXPECT_FALSE(test, test_bit(AIO_ATTR_SERVICE_NS, &iod->handled));
	KUNIT_EXPECT_FALSE(test, test_bit(AIO_ATTR_QUEUE_NS, &iod->handled));
	KUNIT_EXPECT_TRUE(test, test_bit(AIO_ATTR_CACHE, &iod->handled));
	KUNIT_EXPECT_FALSE(test, iodesc_wants(iod, AIO_ATTR_QUEUE_NS));
	KUNIT_EXPECT_FALSE(test, iodesc_wants(NULL, AIO_ATTR_CACHE));

	/* NULL is accepted everywhere */
	iodesc_set_attr(NULL, AIO_ATTR_CACHE, 1);
	iodesc_add_attr(NULL, AIO_ATTR_CACHE, 1);
	iodesc_note_hop(NULL);
	iodesc_note_dispatch(NULL);
	KUNIT_EXPECT_EQ(test, iodesc_submit_time_ns(NULL), 0ULL);
}

/*
 * A driver's own dispatch reading: QUEUE_NS is measured to it exactly, a
 * reading older than the submission gives 0, later parts keep the maximum,
 * and nothing is set when QUEUE_NS was not requested.
 */
static void iodesc_dispatch_at(struct kunit *test)
{
	struct iodesc *iod = kunit_kzalloc(test, sizeof(*iod), GFP_KERNEL);
	u64 t0;

	KUNIT_ASSERT_NOT_NULL(test, iod);
	aa_iod_init(iod, AIO_ATTR_BIT(AIO_ATTR_QUEUE_NS));
	t0 = iodesc_submit_time_ns(iod);
	KUNIT_ASSERT_NE(test, t0, 0ULL);

	iodesc_note_dispatch_at(iod, t0 + 1234);
	KUNIT_EXPECT_TRUE(test, test_bit(AIO_ATTR_QUEUE_NS, &iod->handled));
	KUNIT_EXPECT_EQ(test, atomic64_read(&iod->val[AIO_ATTR_QUEUE_NS]),
			1234LL);
	iodesc_note_dispatch_at(iod, t0 - 1);
	iodesc_note_dispatch_at(iod, t0 + 1000);
	KUNIT_EXPECT_EQ(test, atomic64_read(&iod->val[AIO_ATTR_QUEUE_NS]),
			1234LL);

	aa_iod_init(iod, AIO_ATTR_BIT(AIO_ATTR_QUEUE_NS));
	iodesc_note_dispatch_at(iod, iodesc_submit_time_ns(iod) - 1);
	KUNIT_EXPECT_TRUE(test, test_bit(AIO_ATTR_QUEUE_NS, &iod->handled));
	KUNIT_EXPECT_EQ(test, atomic64_read(&iod->val[AIO_ATTR_QUEUE_NS]),
			0LL);

	aa_iod_init(iod, AIO_ATTR_BIT(AIO_ATTR_DEVICE_NS));
	iodesc_note_dispatch_at(iod, ktime_get_ns());
	KUNIT_EXPECT_FALSE(test, test_bit(AIO_ATTR_QUEUE_NS, &iod->handled));
	iodesc_note_dispatch_at(NULL, 1);
}

static void iodesc_completion_ctx(struct kunit *test)
{
	struct iodesc *iod = kunit_kzalloc(test, sizeof(*iod), GFP_KERNEL);
	u64 v;

	KUNIT_ASSERT_NOT_NULL(test, iod);
	aa_iod_init(iod, AIO_ATTR_ALL);
	aa_iod_finish(iod, true);
	v = atomic64_read(&iod->val[AIO_ATTR_COMPLETION_CTX]);
	KUNIT_EXPECT_EQ(test, v & AIO_ATTR_CTX_MASK, AIO_ATTR_CTX_TASK);
	KUNIT_EXPECT_TRUE(test, v & AIO_ATTR_CTX_INLINE);
	KUNIT_EXPECT_FALSE(test, v & AIO_ATTR_CTX_HOP);
	KUNIT_EXPECT_TRUE(test, test_bit(AIO_ATTR_SERVICE_NS, &iod->handled));

	iodesc_note_hop(iod);
	local_bh_disable();
	aa_iod_finish(iod, false);
	local_bh_enable();
	v = atomic64_read(&iod->val[AIO_ATTR_COMPLETION_CTX]);
	/* bh disabled in a task is still task context */
	KUNIT_EXPECT_EQ(test, v & AIO_ATTR_CTX_MASK, AIO_ATTR_CTX_TASK);
	KUNIT_EXPECT_TRUE(test, v & AIO_ATTR_CTX_HOP);
	KUNIT_EXPECT_FALSE(test, v & AIO_ATTR_CTX_INLINE);
	KUNIT_EXPECT_FALSE(test, v & AIO_ATTR_CTX_IRQS_OFF);
}

/* A task that completes with interrupts off says so; hardirq never does. */
static void iodesc_completion_ctx_irqs_off(struct kunit *test)
{
	struct iodesc *iod = kunit_kzalloc(test, sizeof(*iod), GFP_KERNEL);
	unsigned long flags;
	u64 v;

	KUNIT_ASSERT_NOT_NULL(test, iod);
	aa_iod_init(iod, AIO_ATTR_ALL);
	local_irq_save(flags);
	aa_iod_finish(iod, false);
	local_irq_restore(flags);
	v = atomic64_read(&iod->val[AIO_ATTR_COMPLETION_CTX]);
	KUNIT_EXPECT_EQ(test, v & AIO_ATTR_CTX_MASK, AIO_ATTR_CTX_TASK);
	KUNIT_EXPECT_TRUE(test, v & AIO_ATTR_CTX_IRQS_OFF);
	KUNIT_EXPECT_FALSE(test, v & AIO_ATTR_CTX_INLINE);
}

static struct kunit_case aa_iodesc_cases[] = {
	KUNIT_CASE(iodesc_lookup_clone_and_split),
	KUNIT_CASE(iodesc_carry_and_uncarry),
	KUNIT_CASE(iodesc_lookup_inside_table),
	KUNIT_CASE(iodesc_lookup_multi_page),
	KUNIT_CASE(iodesc_combine_rules),
	KUNIT_CASE(iodesc_dispatch_at),
	KUNIT_CASE(iodesc_completion_ctx),
	KUNIT_CASE(iodesc_completion_ctx_irqs_off),
	{}
};

/* Lookups answer only while somebody may have registered keys. */
static int aa_iodesc_init(struct kunit *test)
{
	aa_lookup_get();
	return 0;
}

static void aa_iodesc_exit(struct kunit *test)
{
	aa_lookup_put();
}

static struct kunit_suite aa_iodesc_suite = {
	.name = "aio_attr_iodesc",
	.init = aa_iodesc_init,
	.exit = aa_iodesc_exit,
	.test_cases = aa_iodesc_cases,
};

kunit_test_suites(&aa_ring_suite, &aa_iodesc_suite);
