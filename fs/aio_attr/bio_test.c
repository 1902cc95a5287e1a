// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: real bios through aio_attr to brd and null_blk.
 *
 * Needs both drivers built in (the UML kunitconfig has them); each case is
 * skipped otherwise.  The framework's own submission path is used with a
 * kernel context and kernel pages: the bio is built, registered for
 * iodesc lookup, submitted, completed by the driver, and its event is read
 * back from the ring.
 */
#include <kunit/test.h>
#include <linux/aio_attr_compat.h>
#include <linux/blkdev.h>
#include <linux/device.h>
#include <linux/highmem.h>
#include <linux/iodesc.h>
#include <linux/uio.h>

#include "aio_attr.h"

#define NR_PAGES	3

struct bio_fixture {
	struct aa_ctx		*ctx;
	struct aa_bdev_handle	disk;
	struct block_device	*bdev;
	struct page		*pages[NR_PAGES];
	struct bio_vec		vecs[NR_PAGES];
};

/* Open disk @name into @h; false if there is none. */
static bool open_disk(const char *name, struct aa_bdev_handle *h)
{
	struct device *dev;
	dev_t devt;

	/* block_class is not exported: only a built-in test can look */
	if (!IS_BUILTIN(CONFIG_AIO_ATTR))
		return false;
	dev = class_find_device_by_name(&block_class, name);
	if (!dev)
		return false;
	devt = dev->devt;
	put_device(dev);
	return !aa_bdev_open_rw(devt, h);
}

static int bio_fixture_init(struct kunit *test, const char *disk)
{
	struct bio_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	int i;

	if (!f)
		return -ENOMEM;
	test->priv = f;
	if (!open_disk(disk, &f->disk))
		return 0;	/* the case skips */
	f->bdev = f->disk.bdev;
	/*
	 * Start with nothing cached.  The partition scan of add_disk() reads
	 * the first page through the page cache, and the scanner's close
	 * drops it - on 6.12 a bdev file's close is deferred and may not
	 * have run yet.  A write over cached pages completes through the
	 * invalidation worker, which is not what these cases look at.
	 */
	invalidate_bdev(f->bdev);
	f->ctx = aa_ctx_alloc();
	if (IS_ERR(f->ctx)) {
		int ret = PTR_ERR(f->ctx);

		f->ctx = NULL;
		return ret;
	}
	if (aa_ctx_setup_ring(f->ctx, 4096, 0))
		return -ENOMEM;
	f->ctx->ready = true;
	for (i = 0; i < NR_PAGES; i++) {
		f->pages[i] = alloc_page(GFP_KERNEL);
		if (!f->pages[i])
			return -ENOMEM;
	}
	return 0;
}

static int brd_init(struct kunit *test)
{
	return bio_fixture_init(test, "ram0");
}

static int nullb_init(struct kunit *test)
{
	return bio_fixture_init(test, "nullb0");
}

static void bio_fixture_exit(struct kunit *test)
{
	struct bio_fixture *f = test->priv;
	int i;

	if (!f)
		return;
	for (i = 0; i < NR_PAGES; i++)
		if (f->pages[i])
			__free_page(f->pages[i]);
	if (f->ctx)
		aa_ctx_kill(f->ctx);
	if (f->bdev)
		aa_bdev_close(&f->disk);
}

static void fill(struct bio_fixture *f, u8 seed)
{
	int i;

	for (i = 0; i < NR_PAGES; i++) {
		u8 *p = kmap_local_page(f->pages[i]);
		int j;

		for (j = 0; j < PAGE_SIZE; j++)
			p[j] = seed + i * 7 + j % 251;
		kunmap_local(p);
	}
}

static bool check(struct bio_fixture *f, u8 seed)
{
	bool ok = true;
	int i;

	for (i = 0; i < NR_PAGES && ok; i++) {
		u8 *p = kmap_local_page(f->pages[i]);
		int j;

		for (j = 0; j < PAGE_SIZE; j++) {
			if (p[j] != (u8)(seed + i * 7 + j % 251)) {
				ok = false;
				break;
			}
		}
		kunmap_local(p);
	}
	return ok;
}

/* Submit one request over all pages and return its event (copied). */
static void do_io(struct kunit *test, u8 op, loff_t pos, u64 user_data,
		  u64 want, struct aio_attr_event *out, size_t out_len)
{
	struct bio_fixture *f = test->priv;
	struct aa_ctx *ctx = f->ctx;
	struct aio_attr_event *ev;
	struct iov_iter iter;
	u32 ring, over, head;
	long left;
	int i;

	for (i = 0; i < NR_PAGES; i++) {
		f->vecs[i].bv_page = f->pages[i];
		f->vecs[i].bv_len = PAGE_SIZE;
		f->vecs[i].bv_offset = 0;
	}
	iov_iter_bvec(&iter, op == AIO_ATTR_OP_WRITE ? ITER_SOURCE : ITER_DEST,
		      f->vecs, NR_PAGES, NR_PAGES * PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, aa_submit_bdev_iter(ctx, NULL, f->bdev, op,
						  &iter, pos, 0, user_data,
						  want, NULL), 0);
	left = wait_event_timeout(ctx->wait,
				  aa_ctx_ready(ctx, 1, &ring, &over) >= 1,
				  10 * HZ);
	KUNIT_ASSERT_GT_MSG(test, left, 0L, "no completion within 10 s");
	KUNIT_ASSERT_EQ(test, ring, 1u);

	head = ctx->hdr->head;
	ev = ctx->data + (head & (ctx->ring_bytes - 1));
	KUNIT_ASSERT_LE(test, (size_t)ev->len, out_len);
	memcpy(out, ev, ev->len);
	/* done with the entry: the kernel may reuse its bytes */
	smp_store_release(&ctx->hdr->head, head + ev->len);
}

static const struct aio_attr_rec *rec(const struct aio_attr_event *ev, u16 id)
{
	int i;

	for (i = 0; i < ev->nr_attrs; i++)
		if (ev->attrs[i].id == id)
			return &ev->attrs[i];
	return NULL;
}

static void expect_framework_attrs(struct kunit *test,
				   const struct aio_attr_event *ev)
{
	const struct aio_attr_rec *svc = rec(ev, AIO_ATTR_SERVICE_NS);
	const struct aio_attr_rec *cctx = rec(ev, AIO_ATTR_COMPLETION_CTX);
	const struct aio_attr_rec *cache = rec(ev, AIO_ATTR_CACHE);

	KUNIT_ASSERT_NOT_NULL(test, svc);
	KUNIT_ASSERT_NOT_NULL(test, cctx);
	KUNIT_ASSERT_NOT_NULL(test, cache);
	KUNIT_EXPECT_EQ(test, svc->status, AIO_ATTR_ST_HANDLED);
	KUNIT_EXPECT_GT(test, svc->value, 0ULL);
	KUNIT_EXPECT_LT(test, svc->value, 10ULL * NSEC_PER_SEC);
	KUNIT_EXPECT_EQ(test, cctx->status, AIO_ATTR_ST_HANDLED);
	KUNIT_EXPECT_FALSE(test, cctx->value & AIO_ATTR_CTX_HOP);
	KUNIT_EXPECT_NE(test, cctx->value & AIO_ATTR_CTX_MASK, 0ULL);
	/* neither brd nor null_blk knows about a cache */
	KUNIT_EXPECT_EQ(test, cache->status, AIO_ATTR_ST_UNSUPPORTED);
	KUNIT_EXPECT_EQ(test, cache->value, 0ULL);
}

static void brd_write_read_roundtrip(struct kunit *test)
{
	struct bio_fixture *f = test->priv;
	u64 buf[AA_MAX_EVENT_BYTES / 8];
	struct aio_attr_event *ev = (void *)buf;
	const struct aio_attr_rec *cctx;

	if (!f->bdev)
		kunit_skip(test, "brd (ram0) is not built in");
	fill(f, 0x5a);
	do_io(test, AIO_ATTR_OP_WRITE, 8 * PAGE_SIZE, 11, AIO_ATTR_ALL, ev,
	      sizeof(buf));
	KUNIT_EXPECT_EQ(test, ev->user_data, 11ULL);
	KUNIT_EXPECT_EQ(test, ev->result, (s64)(NR_PAGES * PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, ev->nr_attrs, AIO_ATTR_NR);
	expect_framework_attrs(test, ev);
	/* brd completes inside submit_bio: task context, inline */
	cctx = rec(ev, AIO_ATTR_COMPLETION_CTX);
	KUNIT_EXPECT_EQ(test, cctx->value & AIO_ATTR_CTX_MASK,
			AIO_ATTR_CTX_TASK);
	KUNIT_EXPECT_TRUE(test, cctx->value & AIO_ATTR_CTX_INLINE);

	fill(f, 0);
	do_io(test, AIO_ATTR_OP_READ, 8 * PAGE_SIZE, 12,
	      AIO_ATTR_BIT(AIO_ATTR_SERVICE_NS), ev, sizeof(buf));
	KUNIT_EXPECT_EQ(test, ev->user_data, 12ULL);
	KUNIT_EXPECT_EQ(test, ev->result, (s64)(NR_PAGES * PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, ev->nr_attrs, 1);
	KUNIT_EXPECT_TRUE(test, check(f, 0x5a));
}

static void brd_past_end(struct kunit *test)
{
	struct bio_fixture *f = test->priv;
	u64 buf[AA_MAX_EVENT_BYTES / 8];
	struct aio_attr_event *ev = (void *)buf;

	if (!f->bdev)
		kunit_skip(test, "brd (ram0) is not built in");
	do_io(test, AIO_ATTR_OP_READ, bdev_nr_bytes(f->bdev), 1, 0, ev,
	      sizeof(buf));
	KUNIT_EXPECT_EQ(test, ev->result, 0LL);
	do_io(test, AIO_ATTR_OP_WRITE, bdev_nr_bytes(f->bdev), 2, 0, ev,
	      sizeof(buf));
	KUNIT_EXPECT_EQ(test, ev->result, (s64)-ENOSPC);
	/* crossing the end: reads are cut at the end */
	do_io(test, AIO_ATTR_OP_READ, bdev_nr_bytes(f->bdev) - PAGE_SIZE, 3, 0,
	      ev, sizeof(buf));
	KUNIT_EXPECT_EQ(test, ev->result, (s64)PAGE_SIZE);
}

static void brd_rejects_unaligned(struct kunit *test)
{
	struct bio_fixture *f = test->priv;
	struct iov_iter iter;

	if (!f->bdev)
		kunit_skip(test, "brd (ram0) is not built in");
	f->vecs[0].bv_page = f->pages[0];
	f->vecs[0].bv_len = 512;
	f->vecs[0].bv_offset = 0;
	iov_iter_bvec(&iter, ITER_DEST, f->vecs, 1, 512);
	KUNIT_EXPECT_EQ(test, aa_submit_bdev_iter(f->ctx, NULL, f->bdev,
						  AIO_ATTR_OP_READ, &iter, 100,
						  0, 0, 0, NULL), -EINVAL);
	f->vecs[0].bv_len = 100;
	iov_iter_bvec(&iter, ITER_DEST, f->vecs, 1, 100);
	KUNIT_EXPECT_EQ(test, aa_submit_bdev_iter(f->ctx, NULL, f->bdev,
						  AIO_ATTR_OP_READ, &iter, 0,
						  0, 0, 0, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->ctx->inflight), 0);
}

static void nullb_attrs(struct kunit *test)
{
	struct bio_fixture *f = test->priv;
	u64 buf[AA_MAX_EVENT_BYTES / 8];
	struct aio_attr_event *ev = (void *)buf;

	if (!f->bdev)
		kunit_skip(test, "null_blk (nullb0) is not built in");
	do_io(test, AIO_ATTR_OP_WRITE, 0, 21, AIO_ATTR_ALL, ev, sizeof(buf));
	KUNIT_EXPECT_EQ(test, ev->result, (s64)(NR_PAGES * PAGE_SIZE));
	expect_framework_attrs(test, ev);
	do_io(test, AIO_ATTR_OP_READ, 0, 22, AIO_ATTR_ALL, ev, sizeof(buf));
	KUNIT_EXPECT_EQ(test, ev->user_data, 22ULL);
	KUNIT_EXPECT_EQ(test, ev->result, (s64)(NR_PAGES * PAGE_SIZE));
	expect_framework_attrs(test, ev);
}

static struct kunit_case aa_brd_cases[] = {
	KUNIT_CASE(brd_write_read_roundtrip),
	KUNIT_CASE(brd_past_end),
	KUNIT_CASE(brd_rejects_unaligned),
	{}
};

static struct kunit_suite aa_brd_suite = {
	.name = "aio_attr_bio_brd",
	.init = brd_init,
	.exit = bio_fixture_exit,
	.test_cases = aa_brd_cases,
};

static struct kunit_case aa_nullb_cases[] = {
	KUNIT_CASE(nullb_attrs),
	{}
};

static struct kunit_suite aa_nullb_suite = {
	.name = "aio_attr_bio_null_blk",
	.init = nullb_init,
	.exit = bio_fixture_exit,
	.test_cases = aa_nullb_cases,
};

kunit_test_suites(&aa_brd_suite, &aa_nullb_suite);
