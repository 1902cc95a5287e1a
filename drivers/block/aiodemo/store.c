// SPDX-License-Identifier: GPL-2.0
/*
 * aiodemo backing store: one page of RAM per PAGE_SIZE of the device,
 * allocated by the first write that touches it.  Reads of pages never
 * written return zeroes.  Pages are freed only when the device goes away,
 * after its queue has drained, so a page found may be used without a
 * reference.
 *
 * Context: aiodemo_store_prepare() and aiodemo_store_copy() run in
 * queue_rq (task context, atomic unless the queue is blocking: the caller
 * passes the right gfp); init and free in process context.
 */
#include <linux/highmem.h>

#include "aiodemo.h"

/**
 * aiodemo_store_init() - an empty store
 * @s: the store
 */
void aiodemo_store_init(struct aiodemo_store *s)
{
	xa_init(&s->pages);
	atomic_long_set(&s->nr_pages, 0);
}

/**
 * aiodemo_store_prepare() - make sure the pages of a write exist
 * @s:		the store
 * @sector:	first sector written
 * @nr_sectors:	sectors written
 * @gfp:	allocation flags allowed in the caller's context
 *
 * Pages allocated here stay even when a later one fails: they read as
 * zeroes, as before, and the retried request finds them.
 *
 * Return: 0 or -ENOMEM.
 */
int aiodemo_store_prepare(struct aiodemo_store *s, sector_t sector,
			  unsigned int nr_sectors, gfp_t gfp)
{
	pgoff_t idx = sector >> PAGE_SECTORS_SHIFT;
	pgoff_t last = (sector + nr_sectors - 1) >> PAGE_SECTORS_SHIFT;
	struct page *page;
	void *old;

	for (; nr_sectors && idx <= last; idx++) {
		if (xa_load(&s->pages, idx))
			continue;
		page = alloc_page(gfp | __GFP_ZERO);
		if (!page)
			return -ENOMEM;
		old = xa_cmpxchg(&s->pages, idx, NULL, page, gfp);
		if (old) {
			__free_page(page);
			if (xa_is_err(old))
				return xa_err(old);
		} else {
			atomic_long_inc(&s->nr_pages);
		}
	}
	return 0;
}

/**
 * aiodemo_store_copy() - move the data of a request
 * @s:	the store
 * @rq:	a read or write request; for a write aiodemo_store_prepare() has
 *	succeeded for its range
 */
void aiodemo_store_copy(struct aiodemo_store *s, struct request *rq)
{
	bool write = req_op(rq) == REQ_OP_WRITE;
	sector_t sector = blk_rq_pos(rq);
	struct req_iterator iter;
	struct bio_vec bv;

	rq_for_each_segment(bv, rq, iter) {
		unsigned int done = 0;

		while (done < bv.bv_len) {
			unsigned int off = (sector & SECTOR_MASK) << SECTOR_SHIFT;
			unsigned int n = min_t(unsigned int, bv.bv_len - done,
					       PAGE_SIZE - off);
			struct page *page = xa_load(&s->pages,
						    sector >> PAGE_SECTORS_SHIFT);
			void *buf = kmap_local_page(bv.bv_page);
			void *mem;

			if (write) {
				mem = kmap_local_page(page);
				memcpy(mem + off, buf + bv.bv_offset + done, n);
				kunmap_local(mem);
			} else if (page) {
				mem = kmap_local_page(page);
				memcpy(buf + bv.bv_offset + done, mem + off, n);
				kunmap_local(mem);
			} else {
				memset(buf + bv.bv_offset + done, 0, n);
			}
			kunmap_local(buf);
			if (!write)
				flush_dcache_page(bv.bv_page);
			done += n;
			sector += n >> SECTOR_SHIFT;
		}
	}
}

/**
 * aiodemo_store_free() - free every page
 * @s: the store; nobody may use it any more
 */
void aiodemo_store_free(struct aiodemo_store *s)
{
	struct page *page;
	unsigned long idx;

	xa_for_each(&s->pages, idx, page)
		__free_page(page);
	xa_destroy(&s->pages);
	atomic_long_set(&s->nr_pages, 0);
}
