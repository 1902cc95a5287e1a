// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for registered buffers: aa_buf_iter() over a bio_vec table
 * laid out as registration builds it (one bio_vec per page, the first one
 * starting inside its page), backed by real pages.  Each byte of the
 * buffer holds a function of its offset in the buffer, so data copied
 * through the iterator shows where every byte came from.
 */
#include <kunit/test.h>
#include <linux/bvec.h>
#include <linux/highmem.h>
#include <linux/slab.h>
#include <linux/uio.h>

#include "aio_attr.h"

#define BUF_PAGES	8

/* A made-up user address; only its offset in the page matters. */
#define BUF_BASE	0x7f0000000000ULL

static u8 buf_byte(size_t off)
{
	return off ^ (off >> 8) ^ 0x5a;
}

struct buf_fixture {
	struct page		*pages[BUF_PAGES];
	struct bio_vec		bvec[BUF_PAGES];
	u64			addr;
	size_t			len;
};

/*
 * A buffer of @len bytes at BUF_BASE + @first_off, filled with buf_byte()
 * of each offset, its table laid out as aa_buf_pin() lays it out.
 */
static void buf_build(struct kunit *test, struct buf_fixture *f,
		      unsigned int first_off, size_t len)
{
	size_t done = 0;
	unsigned int i, off = first_off;

	f->addr = BUF_BASE + first_off;
	f->len = len;
	for (i = 0; done < len; i++) {
		unsigned int n = min_t(size_t, len - done, PAGE_SIZE - off);
		unsigned int j;
		u8 *p;

		KUNIT_ASSERT_LT(test, i, (unsigned int)BUF_PAGES);
		f->pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		KUNIT_ASSERT_NOT_NULL(test, f->pages[i]);
		bvec_set_page(&f->bvec[i], f->pages[i], n, off);
		p = kmap_local_page(f->pages[i]);
		for (j = 0; j < n; j++)
			p[off + j] = buf_byte(done + j);
		kunmap_local(p);
		done += n;
		off = 0;
	}
}

static void buf_free(struct buf_fixture *f)
{
	unsigned int i;

	for (i = 0; i < BUF_PAGES; i++)
		if (f->pages[i])
			__free_page(f->pages[i]);
}

/* Copy [start, start + len) of the buffer out through aa_buf_iter(). */
static void check_range(struct kunit *test, struct buf_fixture *f,
			size_t start, u32 len)
{
	struct iov_iter iter;
	size_t i, pages;
	u8 *out;

	out = kunit_kzalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, out);
	aa_buf_iter(f->bvec, f->addr, f->addr + start, len, ITER_SOURCE,
		    &iter);
	KUNIT_EXPECT_EQ(test, iov_iter_count(&iter), (size_t)len);
	pages = ((f->addr + start + len - 1) >> PAGE_SHIFT) -
		((f->addr + start) >> PAGE_SHIFT) + 1;
	KUNIT_EXPECT_EQ(test, iter.nr_segs, pages);
	KUNIT_ASSERT_EQ(test, copy_from_iter(out, len, &iter), (size_t)len);
	for (i = 0; i < len; i++)
		if (out[i] != buf_byte(start + i)) {
			KUNIT_FAIL(test, "range %zu+%u: byte %zu is %#x, not %#x",
				   start, len, i, out[i], buf_byte(start + i));
			return;
		}
}

static void buf_iter_page_aligned(struct kunit *test)
{
	struct buf_fixture f = {};

	buf_build(test, &f, 0, 4 * PAGE_SIZE);
	check_range(test, &f, 0, 512);
	check_range(test, &f, 0, 4 * PAGE_SIZE);
	check_range(test, &f, PAGE_SIZE, PAGE_SIZE);
	check_range(test, &f, 2 * PAGE_SIZE + 100, 3000);
	check_range(test, &f, 4 * PAGE_SIZE - 1, 1);
	buf_free(&f);
}

/* The first bio_vec starts inside its page: offsets into it and past it. */
static void buf_iter_unaligned_start(struct kunit *test)
{
	struct buf_fixture f = {};

	buf_build(test, &f, 512, 5 * PAGE_SIZE - 1000);
	check_range(test, &f, 0, 100);
	check_range(test, &f, 100, PAGE_SIZE - 512 - 100);
	check_range(test, &f, 3000, 2 * PAGE_SIZE);
	check_range(test, &f, PAGE_SIZE - 512, PAGE_SIZE);
	check_range(test, &f, PAGE_SIZE - 512 + 7, 2 * PAGE_SIZE + 9);
	check_range(test, &f, 0, 5 * PAGE_SIZE - 1000);
	check_range(test, &f, 5 * PAGE_SIZE - 1001, 1);
	buf_free(&f);
}

/* A buffer inside one page, not at its start. */
static void buf_iter_one_page(struct kunit *test)
{
	struct buf_fixture f = {};

	buf_build(test, &f, 1024, 2048);
	check_range(test, &f, 0, 2048);
	check_range(test, &f, 2047, 1);
	buf_free(&f);
}

/* Reads land where they belong: copy_to_iter() into the pages. */
static void buf_iter_dest(struct kunit *test)
{
	struct buf_fixture f = {};
	const size_t start = PAGE_SIZE + 10;
	const u32 len = PAGE_SIZE + 20;
	struct iov_iter iter;
	u8 *src, *p;
	size_t i;

	buf_build(test, &f, 256, 3 * PAGE_SIZE);
	src = kunit_kzalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, src);
	memset(src, 0xee, len);
	aa_buf_iter(f.bvec, f.addr, f.addr + start, len, ITER_DEST, &iter);
	KUNIT_ASSERT_EQ(test, copy_to_iter(src, len, &iter), (size_t)len);
	/* buffer offset start lies at page 1 offset start + 256 - PAGE_SIZE */
	for (i = 0; i < 3; i++) {
		size_t off0 = i ? i * PAGE_SIZE - 256 : 0;
		unsigned int j, first = i ? 0 : 256;

		p = kmap_local_page(f.pages[i]);
		for (j = first; j < f.bvec[i].bv_offset + f.bvec[i].bv_len; j++) {
			size_t off = off0 + j - first;
			u8 want = off >= start && off < start + len ?
				  0xee : buf_byte(off);

			if (p[j] != want) {
				KUNIT_FAIL(test, "buffer byte %zu is %#x, not %#x",
					   off, p[j], want);
				break;
			}
		}
		kunmap_local(p);
	}
	buf_free(&f);
}

static struct kunit_case aa_buffers_cases[] = {
	KUNIT_CASE(buf_iter_page_aligned),
	KUNIT_CASE(buf_iter_unaligned_start),
	KUNIT_CASE(buf_iter_one_page),
	KUNIT_CASE(buf_iter_dest),
	{}
};

static struct kunit_suite aa_buffers_suite = {
	.name = "aio_attr_buffers",
	.test_cases = aa_buffers_cases,
};

kunit_test_suite(aa_buffers_suite);
