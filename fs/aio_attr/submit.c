// SPDX-License-Identifier: GPL-2.0
/*
 * aio_attr submission: one struct aio_attr_sqe becomes
 *
 *  - one bio of our own on a block device opened with O_DIRECT: the user
 *    pages are pinned into the request's bvec table (registered buffers
 *    are pinned already), and the bio's end_io posts the event in
 *    whatever context the device completes it (hardirq included).  The
 *    table is inside the request slot, where iodesc_from_bio() finds it
 *    with no registration; a larger one is allocated and registered;
 *  - a kiocb handed to the file's ->read_iter/->write_iter for any other
 *    file, with IOCB_NOWAIT; its ->ki_complete posts the event.  What
 *    would wait (a page cache miss, a write the filesystem cannot start
 *    without blocking) is finished by a worker of the context (worker.c);
 *  - a job for a worker of the context for FSYNC and FDATASYNC.
 *
 * One bio per request: its bvec table can hold any number of pages, and the
 * block layer splits it to the device's limits with clones that share the
 * table, so every piece stays findable and the request completes exactly
 * once, when the parent bio ends, with the first error of its pieces.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/aio_attr_compat.h>
#include <linux/blkdev.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/ioprio.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/task_io_accounting_ops.h>
#include <linux/uio.h>

#include "aio_attr.h"

static bool aa_req_inline(struct aa_req *req)
{
	return in_task() && current == req->submitter &&
	       atomic_read(&req->in_submit);
}

/**
 * aa_complete() - the request's I/O is over
 * @req: request
 * @res: bytes or -errno
 *
 * Unhashes its keys, records the framework's attributes, releases what
 * the I/O held and posts; a group member's last completion then posts
 * the group's entry.
 *
 * Context: any.
 */
void aa_complete(struct aa_req *req, long res)
{
	struct aa_group *grp = req->group;

	if (res == -ERESTARTSYS || res == -ERESTARTNOINTR ||
	    res == -ERESTARTNOHAND || res == -ERESTART_RESTARTBLOCK)
		res = -EINTR;
	atomic64_set(&req->result, res);
	WRITE_ONCE(req->ended, true);
	if (res < 0) {
		if (grp)
			atomic_inc(&grp->failed);
		aa_stat_inc(errors);
	}
	aa_iod_unregister_all(&req->iod);
	aa_iod_finish(&req->iod, aa_req_inline(req));
	if (req->file) {
		/* fput() defers itself when called from interrupt context */
		fput(req->file);
		req->file = NULL;
	}
	aa_post(req);
	/*
	 * A member leaves its group only once its entry is posted, so that
	 * the GROUP_DONE entry and a LIO_WAIT submitter, which both wait for
	 * the last to leave, come after every member's entry, also when
	 * members end at the same time on several CPUs.  The members'
	 * reference keeps @grp alive until then.
	 */
	if (grp && aa_group_leave(grp))
		aa_group_done(grp);
}

/**
 * aa_group_reserve() - the request of a batch's AIO_ATTR_OP_GROUP_DONE sqe
 * @ctx: context, version 2
 * @sqe: the last sqe of an AIO_ATTR_SUBMIT_GROUP batch, GROUP_DONE
 * @grp: the batch's group
 *
 * Allocated before the members, so that the entry can be posted even
 * when the batch stops early.  The submitter keeps its reference until
 * the end of the batch.
 *
 * Context: process.
 * Return: 0, -EINVAL for a malformed sqe, or what aa_req_alloc() says.
 */
int aa_group_reserve(struct aa_ctx *ctx, const struct aio_attr_sqe *sqe,
		     struct aa_group *grp)
{
	struct aa_req *req;

	if (sqe->fd != -1 || sqe->flags || sqe->ioprio || sqe->addr ||
	    sqe->len || sqe->buf_index || sqe->offset || sqe->resv[0] ||
	    sqe->resv[1] || (sqe->attr_mask & ~AIO_ATTR_ALL))
		return -EINVAL;
	req = aa_req_alloc(ctx, AIO_ATTR_OP_GROUP_DONE, sqe->user_data,
			   sqe->attr_mask);
	if (IS_ERR(req))
		return PTR_ERR(req);
	grp->done = req;
	return 0;
}

/**
 * aa_refuse() - complete a refused sqe with its error
 * @ctx: context, set up
 * @sqe: the sqe, from the submission queue (AIO_ATTR_IOC_ENTER)
 * @err: negative errno it was refused with
 *
 * The queue consumes a refused sqe, so it completes like any other: its
 * event, with @err as the result and no attribute records, is posted
 * before this returns (or waits on the overflow list).
 *
 * Context: process.
 * Return: 0, or what aa_req_alloc() says; the sqe is then not consumed.
 */
int aa_refuse(struct aa_ctx *ctx, const struct aio_attr_sqe *sqe, int err)
{
	struct aa_req *req = aa_req_alloc(ctx, 0, sqe->user_data, 0);

	if (IS_ERR(req))
		return PTR_ERR(req);
	aa_complete(req, err);
	aa_req_submitted(req);
	return 0;
}

/* ---------------------------------------------------------------------
 * Block devices opened with O_DIRECT: our own bio.
 */

/*
 * Release the pages of @n bvecs that aa_pin_iter() took: unpin them, or
 * with !@pinned drop their references; with @dirty, first dirty what is
 * not dirty already (a read wrote into it behind the page tables' back).
 * Dirtying may sleep: only process context passes it.  Context: any
 * without @dirty.
 */
static void aa_put_bvec_pages(const struct bio_vec *bv, unsigned int n,
			      bool dirty, bool pinned)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct page *page = bv[i].bv_page;

		if (dirty && !PageCompound(page) && !PageDirty(page))
			set_page_dirty_lock(page);
		if (pinned)
			unpin_user_page(page);
		else
			put_page(page);
	}
}

static void aa_bvecs_free(struct aa_req *req)
{
	if (req->bvecs != req->inline_vecs)
		kfree(req->bvecs);
	req->bvecs = NULL;
}

/* Process context: dirty what writeback cleaned during a read, unpin. */
static void aa_release_pages_work(struct work_struct *work)
{
	struct aa_req *req = container_of(work, struct aa_req, work);

	aa_put_bvec_pages(req->bvecs, req->nr_vecs, true, true);
	aa_bvecs_free(req);
	aa_req_put(req);
}

/*
 * Unpin the pages of a finished bio.  Pages of a read were dirtied before
 * submission; if writeback cleaned one meanwhile it has to be dirtied
 * again, which can sleep, so that rare case goes to a worker.  The event
 * does not wait for it.  Context: any.
 */
static void aa_release_pages(struct aa_req *req)
{
	unsigned short i;

	if (req->dirty) {
		for (i = 0; i < req->nr_vecs; i++) {
			struct page *page = req->bvecs[i].bv_page;

			if (!PageCompound(page) && !PageDirty(page)) {
				refcount_inc(&req->refs);
				INIT_WORK(&req->work, aa_release_pages_work);
				queue_work(aa_wq, &req->work);
				return;
			}
		}
	}
	aa_put_bvec_pages(req->bvecs, req->nr_vecs, false, true);
	aa_bvecs_free(req);
}

/*
 * Process context: after a direct write, drop the page cache pages of the
 * range that a buffered reader may have brought in while the write was
 * in flight (as block/fops.c does), then post.
 */
static void aa_invalidate_work(struct work_struct *work)
{
	struct aa_req *req = container_of(work, struct aa_req, work);
	struct address_space *mapping = aa_bdev_mapping(req->bio.bi_bdev);
	long res = atomic64_read(&req->result);

	invalidate_inode_pages2_range(mapping, req->pos >> PAGE_SHIFT,
				      (req->pos + req->bytes - 1) >> PAGE_SHIFT);
	set_bit(AA_IOD_WORKER, &req->iod.flags);
	bio_uninit(&req->bio);
	aa_complete(req, res);
}

/*
 * bi_end_io of the request's bio.
 * Context: whatever the device completes in: task, softirq or hardirq.
 */
static void aa_bio_end_io(struct bio *bio)
{
	struct aa_req *req = bio->bi_private;
	int err = blk_status_to_errno(bio->bi_status);
	long res = err ? err : req->bytes;

	/*
	 * Unhash first: the bvec table is the lookup key, and a table that
	 * is not inline is kfree'd by aa_release_pages() - a request being
	 * submitted on another CPU may get the same address at once, and
	 * must neither find this descriptor nor fail with -EEXIST.
	 */
	aa_iod_unregister_all(&req->iod);
	aa_release_pages(req);
	/*
	 * A write leaves the page cache of the device stale if a buffered
	 * reader cached the range meanwhile.  Invalidation sleeps: only then
	 * is the completion posted from a worker.
	 */
	if (op_is_write(bio_op(bio)) &&
	    READ_ONCE(aa_bdev_mapping(bio->bi_bdev)->nrpages)) {
		atomic64_set(&req->result, res);
		INIT_WORK(&req->work, aa_invalidate_work);
		queue_work(aa_wq, &req->work);
		return;
	}
	bio_uninit(bio);
	aa_complete(req, res);
}

/*
 * Pages the caller keeps alive until the request ends (registered
 * buffers, in-kernel callers): no reference is taken, nr_vecs stays 0.
 * Context: process.
 */
static int aa_bio_add_bvecs(struct aa_req *req, struct iov_iter *iter)
{
	struct bio *bio = &req->bio;

	while (iov_iter_count(iter)) {
		const struct bio_vec *bv = iter->bvec;
		size_t off = bv->bv_offset + iter->iov_offset;
		size_t len = min(iov_iter_count(iter),
				 (size_t)bv->bv_len - iter->iov_offset);
		struct page *page = bv->bv_page + off / PAGE_SIZE;

		off %= PAGE_SIZE;
		len = min_t(size_t, len, PAGE_SIZE - off);
		if (WARN_ON_ONCE(bio->bi_vcnt >= bio->bi_max_vecs))
			return -EFAULT;
		__bio_add_page(bio, page, len, off);
		iov_iter_advance(iter, len);
	}
	return 0;
}

/*
 * Pin the user pages under the first segment of @iter, at most @max, into
 * @pages.  FOLL_PIN rather than a reference, as the block layer's own
 * direct I/O does on 6.12: fork() copies a pinned anonymous page for the
 * child instead of sharing it copy-on-write, so the submitter writing to
 * the page while the I/O is in flight keeps the page the I/O fills (with
 * a reference, the write would move it to a copy and the data would land
 * in the child's page).  Advances @iter.  Context: process.
 * Return: bytes pinned, starting at *@off in the first page, or a
 * negative errno.
 */
static ssize_t aa_pin_user_seg(struct iov_iter *iter, struct page **pages,
			       unsigned int max, size_t *off)
{
	unsigned int gup = iov_iter_rw(iter) == ITER_DEST ? FOLL_WRITE : 0;
	unsigned long addr = 0, i, segs = iter->nr_segs;
	size_t len = 0, got;
	int n;

	if (iter_is_ubuf(iter)) {
		addr = (unsigned long)iter->ubuf + iter->iov_offset;
		len = iov_iter_count(iter);
	} else {
		/* empty segments: advancing by 0 steps over one */
		for (i = 0; i < segs; i++) {
			const struct iovec *iov = aa_iter_iov(iter);

			addr = (unsigned long)iov->iov_base + iter->iov_offset;
			len = min(iov->iov_len - iter->iov_offset,
				  iov_iter_count(iter));
			if (len)
				break;
			iov_iter_advance(iter, 0);
		}
	}
	if (!len)
		return -EFAULT;
	*off = offset_in_page(addr);
	n = min_t(size_t, DIV_ROUND_UP(*off + len, PAGE_SIZE), max);
	n = pin_user_pages_fast(addr - *off, n, gup, pages);
	if (n <= 0)
		return n ? n : -EFAULT;
	got = min_t(size_t, len, (size_t)n * PAGE_SIZE - *off);
	iov_iter_advance(iter, got);
	return got;
}

/*
 * Take the pages behind @iter, at most @max segments, into @bv from
 * index *@nr on, advancing @iter and *@nr.  Stops when @bv is full.  User
 * memory is pinned; the pages of an ITER_BVEC get a reference.  Release
 * them with aa_put_bvec_pages(), pinned = user_backed_iter(@iter).
 * Context: process.
 * Return: 0, or the error that stopped it early (what was taken before
 * stays in @bv).
 */
static int aa_pin_iter(struct iov_iter *iter, struct bio_vec *bv,
			unsigned int max, unsigned int *nr)
{
	while (iov_iter_count(iter) && *nr < max) {
		/* only the entries the pinning filled are read: no zeroing */
		struct page *pages[16] __uninitialized;
		unsigned int n = min_t(unsigned int, max - *nr,
				       ARRAY_SIZE(pages));
		ssize_t got;
		size_t off;
		int i = 0;

		if (user_backed_iter(iter))
			got = aa_pin_user_seg(iter, pages, n, &off);
		else
			got = iov_iter_get_pages2(iter, pages,
						  iov_iter_count(iter), n,
						  &off);
		if (got <= 0)
			return got ? got : -EFAULT;
		while (got > 0) {
			size_t len = min_t(size_t, PAGE_SIZE - off, got);

			bvec_set_page(&bv[(*nr)++], pages[i++], len, off);
			got -= len;
			off = 0;
		}
	}
	return 0;
}

/* Pin the pages behind @iter into the bio.  Context: process. */
static int aa_bio_pin(struct aa_req *req, struct iov_iter *iter)
{
	struct bio *bio = &req->bio;
	unsigned int i, nr = bio->bi_vcnt;
	int ret;

	if (iov_iter_is_bvec(iter))
		return aa_bio_add_bvecs(req, iter);
	/* the rest is user memory, which aa_bio_unpin() unpins */
	if (WARN_ON_ONCE(!user_backed_iter(iter)))
		return -EFAULT;

	ret = aa_pin_iter(iter, bio->bi_io_vec, bio->bi_max_vecs, &nr);
	/* the pages are in the table already: let the bio account them */
	for (i = bio->bi_vcnt; i < nr; i++) {
		struct bio_vec bv = bio->bi_io_vec[i];

		__bio_add_page(bio, bv.bv_page, bv.bv_len, bv.bv_offset);
	}
	req->nr_vecs = nr;
	if (ret)
		return ret;
	/* iov_iter_npages() miscounted the bvec table */
	if (WARN_ON_ONCE(iov_iter_count(iter)))
		return -EFAULT;
	return 0;
}

static void aa_bio_unpin(struct aa_req *req)
{
	aa_put_bvec_pages(req->bvecs, req->nr_vecs, false, true);
	req->nr_vecs = 0;
}

/*
 * Should a lone request to @bdev be plugged?  Without a plug, a blk-mq
 * queue with an I/O scheduler inserts the request and runs its dispatch
 * from kblockd: a worker wakeup and two context switches per I/O.  With
 * one, the submitter dispatches it when the plug ends.  A blk-mq queue
 * without a scheduler issues an unplugged request directly, so there the
 * plug would be ~140 instructions of list handling for nothing.  A
 * bio-based device (brd, device mapper) is plugged: what it stacks on may
 * have a scheduler.  The elevator is read unlocked: across a switch one
 * request may go either way, and both are correct.  Context: process.
 */
static bool aa_bdev_wants_plug(struct block_device *bdev)
{
	struct request_queue *q = bdev_get_queue(bdev);

	return !queue_is_mq(q) || READ_ONCE(q->elevator);
}

/**
 * aa_submit_bdev_iter() - submit one request as a bio of our own
 * @ctx: context
 * @file: the block device file (a reference is taken), or NULL for an
 *	  in-kernel caller that keeps @bdev open itself
 * @bdev: the block device
 * @op: AIO_ATTR_OP_READ or AIO_ATTR_OP_WRITE (vectored forms map here)
 * @iter: data, aligned to the logical block size: user memory (pinned
 *	  here), or an ITER_BVEC over pages the caller keeps until the
 *	  event is posted (registered buffers)
 * @pos: byte offset, aligned to the logical block size
 * @ioprio: I/O priority, already checked
 * @user_data: returned in the event
 * @want: requested attributes
 * @grp: the group the request joins, or NULL
 *
 * Context: process; may sleep (pinning, page cache writeback).
 * Return: 0 when the request was queued (its event will be posted), or a
 * negative errno and nothing was queued.
 */
int aa_submit_bdev_iter(struct aa_ctx *ctx, struct file *file,
			struct block_device *bdev, u8 op, struct iov_iter *iter,
			loff_t pos, u16 ioprio, u64 user_data, u64 want,
			struct aa_group *grp)
{
	bool write = op == AIO_ATTR_OP_WRITE;
	unsigned int lbs = bdev_logical_block_size(bdev);
	loff_t size = bdev_nr_bytes(bdev);
	struct address_space *mapping;
	blk_opf_t opf = REQ_OP_READ;
	struct aa_req *req;
	size_t count;
	int nr, ret;

	if ((pos & (lbs - 1)) || (iov_iter_count(iter) & (lbs - 1)) ||
	    !bdev_iter_is_aligned(bdev, iter))
		return -EINVAL;
	if (write && bdev_read_only(bdev))
		return -EPERM;
	/* as blkdev_write_iter(): swap owns an active swap device's blocks */
	if (write && IS_SWAPFILE(aa_bdev_mapping(bdev)->host))
		return -ETXTBSY;

	req = aa_req_alloc(ctx, op, user_data, want);
	if (IS_ERR(req))
		return PTR_ERR(req);
	aa_group_join(grp, req);
	if (file)
		req->file = get_file(file);

	/* like pread/pwrite: reads stop at the end, writes past it fail */
	if (pos >= size) {
		aa_complete(req, write ? -ENOSPC : 0);
		aa_req_submitted(req);
		return 0;
	}
	iov_iter_truncate(iter, size - pos);
	count = iov_iter_count(iter);
	req->bytes = count;
	req->pos = pos;

	/*
	 * The device node's times, as block/fops.c keeps them for direct
	 * I/O: a write updates mtime and ctime, a read atime (both only
	 * when the clock or the mount's atime rule asks for it).
	 */
	if (file && write) {
		ret = file_update_time(file);
		if (ret)
			goto abort;
	} else if (file) {
		file_accessed(file);
	}

	mapping = aa_bdev_mapping(bdev);
	if (mapping->nrpages) {
		ret = filemap_write_and_wait_range(mapping, pos,
						   pos + count - 1);
		if (ret)
			goto abort;
		if (write)
			invalidate_inode_pages2_range(mapping,
					pos >> PAGE_SHIFT,
					(pos + count - 1) >> PAGE_SHIFT);
	}

	if (write) {
		opf = REQ_OP_WRITE | REQ_SYNC | REQ_IDLE;
		if (file && ((file->f_flags & O_DSYNC) ||
			     IS_SYNC(file->f_mapping->host)))
			opf |= REQ_FUA;
	}

	nr = iov_iter_npages(iter, INT_MAX);
	if (nr > USHRT_MAX) {
		ret = -E2BIG;
		goto abort;
	}
	if (nr <= AA_INLINE_VECS) {
		/* the slot's own table: iodesc_from_bio() finds it as it is */
		req->bvecs = req->inline_vecs;
		nr = AA_INLINE_VECS;
	} else {
		req->bvecs = kmalloc_array(nr, sizeof(*req->bvecs),
					   GFP_KERNEL);
		if (!req->bvecs) {
			ret = -ENOMEM;
			goto abort;
		}
	}
	bio_init(&req->bio, bdev, req->bvecs, nr, opf);
	req->bio.bi_iter.bi_sector = pos >> SECTOR_SHIFT;
	req->bio.bi_ioprio = ioprio;
	if (file)
		aa_bio_set_write_hint(&req->bio, file);
	req->bio.bi_end_io = aa_bio_end_io;
	req->bio.bi_private = req;

	req->dirty = !write && user_backed_iter(iter);
	ret = aa_bio_pin(req, iter);
	if (ret)
		goto unpin;
	if (req->dirty) {
		unsigned short i;

		for (i = 0; i < req->nr_vecs; i++) {
			struct page *page = req->bvecs[i].bv_page;

			/* a buffer used again is dirty already: no page lock */
			if (!PageCompound(page) && !PageDirty(page))
				set_page_dirty_lock(page);
		}
	}

	if (req->bvecs != req->inline_vecs) {
		ret = aa_iod_register(&req->iod, req->bio.bi_io_vec,
				      nr * sizeof(*req->bvecs), GFP_KERNEL);
		if (ret)
			goto unpin;
	}
	/*
	 * The submitter's I/O accounting (/proc/PID/io): submit_bio() counts
	 * reads; writes are counted where they are made, as block/fops.c
	 * does for direct writes (writeback's bios are not the writer's).
	 */
	if (write)
		task_io_account_write(count);
	if (!current->plug && aa_bdev_wants_plug(bdev)) {
		struct blk_plug plug;

		blk_start_plug(&plug);
		submit_bio(&req->bio);
		blk_finish_plug(&plug);
	} else {
		submit_bio(&req->bio);
	}
	aa_req_submitted(req);
	return 0;

unpin:
	aa_bio_unpin(req);
	bio_uninit(&req->bio);
	aa_bvecs_free(req);
abort:
	aa_req_abort(req);
	return ret;
}

/* ---------------------------------------------------------------------
 * Everything else: the file's own ->read_iter / ->write_iter, first with
 * IOCB_NOWAIT in the submitter; what would wait goes to a worker.
 */

/* A kiocb for @req at @pos; synchronous until ->ki_complete is set. */
static void aa_kiocb_init(struct aa_req *req, loff_t pos, u16 ioprio)
{
	struct file *file = req->file;

	memset(&req->kiocb, 0, sizeof(req->kiocb));
	req->kiocb.ki_filp = file;
	req->kiocb.ki_flags = iocb_flags(file);
	if (req->op == AIO_ATTR_OP_WRITE)
		req->kiocb.ki_flags |= IOCB_WRITE;
	req->kiocb.ki_ioprio = ioprio;
	req->kiocb.ki_pos = pos;
}

/* The file's own buffered I/O, where the page cache has a say. */
static bool aa_kiocb_buffered(const struct aa_req *req)
{
	return !(req->kiocb.ki_flags & IOCB_DIRECT);
}

/* End the freeze protection a write took in the submitter.  Context: any. */
static void aa_kiocb_end_write(struct kiocb *kiocb)
{
	struct inode *inode = file_inode(kiocb->ki_filp);

	/* handed over by the submitter */
	if (S_ISREG(inode->i_mode))
		__sb_writers_acquired(inode->i_sb, SB_FREEZE_WRITE);
	file_end_write(kiocb->ki_filp);
}

/*
 * ->ki_complete.  Context: any; filesystems call it from bio end_io
 * (softirq or hardirq) or from their own workers.
 */
static void aa_kiocb_complete(struct kiocb *kiocb, long res)
{
	struct aa_req *req = container_of(kiocb, struct aa_req, kiocb);

	if (kiocb->ki_flags & IOCB_WRITE)
		aa_kiocb_end_write(kiocb);
	aa_complete(req, res);
}

/* Drop the pages a worker was given; a read dirtied them.  Context: process. */
static void aa_wvecs_release(struct aa_req *req, bool dirty)
{
	aa_put_bvec_pages(req->wvecs, req->nr_wvecs, dirty, req->wpinned);
	kvfree(req->wvecs);
	req->wvecs = NULL;
	req->nr_wvecs = 0;
}

/*
 * The rest of a read or write, in a worker of the context, as the
 * submitter: with its credentials, into the pages pinned at submission.
 * Context: process (the context's workqueue), may block as long as the
 * file does.
 */
static bool aa_rw_job(struct aa_req *req, bool cancel)
{
	bool write = req->op == AIO_ATTR_OP_WRITE;
	struct file *file = req->file;
	const struct cred *old;
	struct iov_iter iter;
	ssize_t ret;

	if (cancel) {
		/* the pages of the rest: nothing moved into them */
		aa_wvecs_release(req, false);
		put_cred(req->cred);
		req->cred = NULL;
		/* a part moved at submission: the request started, it ends there */
		aa_complete(req, req->done ? (ssize_t)req->done : -ECANCELED);
		return !req->done;
	}
	aa_kiocb_init(req, req->pos + req->done, req->kiocb.ki_ioprio);
	iov_iter_bvec(&iter, write ? ITER_SOURCE : ITER_DEST, req->wvecs,
		      req->nr_wvecs, req->rest);
	old = override_creds(req->cred);
	if (write) {
		file_start_write(file);
		ret = file->f_op->write_iter(&req->kiocb, &iter);
		file_end_write(file);
	} else {
		ret = file->f_op->read_iter(&req->kiocb, &iter);
	}
	revert_creds(old);
	/* a kiocb without ->ki_complete is synchronous */
	if (WARN_ON_ONCE(ret == -EIOCBQUEUED))
		ret = -EIO;
	/* like preadv(2): what moved counts, an error after it is dropped */
	if (req->done)
		ret = ret < 0 ? req->done : req->done + ret;
	aa_wvecs_release(req, !write && ret > 0);
	put_cred(req->cred);
	req->cred = NULL;
	set_bit(AA_IOD_WORKER, &req->iod.flags);
	aa_complete(req, ret);
	return false;
}

/*
 * A worker runs with the submitter's credentials but checks a write
 * against its own RLIMIT_FSIZE (a kworker's: none).  Apply the
 * submitter's here, as generic_write_checks() does in write(2): a write
 * to a regular file that starts at or past the limit fails with EFBIG and
 * SIGXFSZ, one that crosses it is cut at the limit.  The rest of a write
 * of which @moved bytes were written at submission is checked at @pos
 * after them: at the limit it ends with those bytes and no signal, as
 * write(2) does when it is cut short there.  An O_APPEND write is
 * checked at the end of the file as it is now.
 * Context: process, the submitter.  Return: 0 or -EFBIG.
 */
static int aa_write_fsize_limit(struct aa_req *req, struct iov_iter *iter,
				loff_t pos, size_t moved)
{
	struct inode *inode = file_inode(req->file);
	unsigned long limit = rlimit(RLIMIT_FSIZE);

	if (limit == RLIM_INFINITY || !S_ISREG(inode->i_mode))
		return 0;
	if (req->kiocb.ki_flags & IOCB_APPEND)
		pos = i_size_read(inode);
	if (pos >= limit) {
		if (!moved)
			send_sig(SIGXFSZ, current, 0);
		return -EFBIG;
	}
	iov_iter_truncate(iter, limit - pos);
	return 0;
}

/*
 * Hand the rest of @iter, after @done bytes moved already, to a worker:
 * pin its pages (a worker has no access to the submitter's memory) and
 * queue the request.  Pages that cannot be pinned end the request short,
 * as a fault in pread(2) does.  Context: process.
 */
static void aa_rw_defer(struct aa_req *req, struct iov_iter *iter,
			size_t done)
{
	unsigned int nr, n = 0, i;
	size_t pinned = 0;

	req->done = done;
	if (req->op == AIO_ATTR_OP_WRITE) {
		int ret = aa_write_fsize_limit(req, iter, req->pos + done, done);

		if (ret) {
			aa_complete(req, done ? done : ret);
			return;
		}
	}
	nr = iov_iter_npages(iter, INT_MAX);
	req->wvecs = kvmalloc_array(nr, sizeof(*req->wvecs),
				    GFP_KERNEL_ACCOUNT);
	if (!req->wvecs) {
		aa_complete(req, done ? done : -ENOMEM);
		return;
	}
	req->wpinned = user_backed_iter(iter);
	aa_pin_iter(iter, req->wvecs, nr, &n);
	for (i = 0; i < n; i++)
		pinned += req->wvecs[i].bv_len;
	req->nr_wvecs = n;
	if (!pinned) {
		aa_wvecs_release(req, false);
		aa_complete(req, done ? done : -EFAULT);
		return;
	}
	req->rest = pinned;
	req->cred = get_current_cred();
	aa_pool_queue(req, aa_rw_job);
}

/*
 * Whether the page cache holds the data at @pos, up to date: a buffered
 * read that started no I/O (IOCB_NOIO) came back EAGAIN, either because
 * it missed or because the folio it found marks where readahead should
 * start next, which only a read that may start I/O will do.
 * Context: process or atomic; takes and drops a folio reference.
 */
static bool aa_pagecache_holds(struct file *file, loff_t pos)
{
	struct folio *folio = filemap_get_folio(file->f_mapping,
						pos >> PAGE_SHIFT);
	bool uptodate;

	/* NULL in 6.1, ERR_PTR(-ENOENT) since 6.3: both mean a miss */
	if (IS_ERR_OR_NULL(folio))
		return false;
	uptodate = folio_test_uptodate(folio);
	folio_put(folio);
	return uptodate;
}

/* A short read that stopped at the end of the file is complete. */
static bool aa_at_eof(struct file *file, loff_t pos)
{
	return pos >= i_size_read(file->f_mapping->host);
}

/* Context: process; never waits for the file's I/O. */
static int aa_submit_kiocb(struct aa_ctx *ctx, struct file *file, u8 op,
			   struct iov_iter *iter, loff_t pos, u16 ioprio,
			   u64 user_data, u64 want, struct aa_group *grp)
{
	bool write = op == AIO_ATTR_OP_WRITE;
	size_t count = iov_iter_count(iter);
	struct inode *inode = file_inode(file);
	struct iov_iter saved;
	struct aa_req *req;
	ssize_t ret;

	/* whatever the attempt says, a worker must be there to take the rest */
	ret = aa_pool_prepare(ctx);
	if (ret)
		return ret;
	req = aa_req_alloc(ctx, op, user_data, want);
	if (IS_ERR(req))
		return PTR_ERR(req);
	aa_group_join(grp, req);
	req->file = get_file(file);
	req->pos = pos;
	req->wvecs = NULL;
	req->nr_wvecs = 0;
	aa_kiocb_init(req, pos, ioprio);

	/*
	 * A file that cannot promise not to wait, or a write to a frozen
	 * filesystem: the worker does it all.  The page cache was not asked.
	 */
	if (!(file->f_mode & FMODE_NOWAIT) ||
	    (write && S_ISREG(inode->i_mode) &&
	     !sb_start_write_trylock(inode->i_sb))) {
		aa_rw_defer(req, iter, 0);
		goto out;
	}
	if (write && S_ISREG(inode->i_mode))
		/* hand freeze protection over to the completion */
		__sb_writers_release(inode->i_sb, SB_FREEZE_WRITE);

	req->kiocb.ki_flags |= IOCB_NOWAIT;
	/*
	 * A buffered read starts no I/O here: readahead for a miss would
	 * map blocks (ext4 may read an extent block and wait for it) and
	 * submit bios that wait for a free tag.  The worker starts it.
	 */
	if (!write && aa_kiocb_buffered(req))
		req->kiocb.ki_flags |= IOCB_NOIO;
	req->kiocb.ki_complete = aa_kiocb_complete;
	/*
	 * iov_iter_restore() is not exported: a copy of the iterator is the
	 * same snapshot, the segment array it points to does not change.
	 */
	saved = *iter;
	if (write)
		ret = file->f_op->write_iter(&req->kiocb, iter);
	else
		ret = file->f_op->read_iter(&req->kiocb, iter);
	if (ret == -EIOCBQUEUED)
		goto out;
	if (write)
		aa_kiocb_end_write(&req->kiocb);

	if (ret == -EAGAIN || ret == -EOPNOTSUPP) {
		/*
		 * It would have waited or started I/O (EAGAIN), or the file
		 * does not do this without waiting (EOPNOTSUPP: ext4's
		 * buffered writes in 6.1) and the page cache was not asked.
		 * A real EOPNOTSUPP comes back from the worker as the
		 * result.  A read that found its data but would have started
		 * readahead is a hit that the worker completes.
		 */
		if (ret == -EAGAIN && aa_kiocb_buffered(req)) {
			u64 pc = AIO_ATTR_PAGECACHE_MISS;

			if (!write && aa_pagecache_holds(file, pos))
				pc = AIO_ATTR_PAGECACHE_HIT;
			aa_iod_set_pagecache(&req->iod, pc);
		}
		*iter = saved;
		aa_rw_defer(req, iter, 0);
	} else if (ret > 0 && ret < count &&
		   (write || !aa_at_eof(file, pos + ret))) {
		/* a part without waiting, the rest would wait */
		if (aa_kiocb_buffered(req))
			aa_iod_set_pagecache(&req->iod,
					     AIO_ATTR_PAGECACHE_PARTIAL);
		*iter = saved;
		iov_iter_advance(iter, ret);
		aa_rw_defer(req, iter, ret);
	} else {
		if (ret >= 0 && aa_kiocb_buffered(req))
			aa_iod_set_pagecache(&req->iod, AIO_ATTR_PAGECACHE_HIT);
		aa_complete(req, ret);
	}
out:
	aa_req_submitted(req);
	return 0;
}

/* ---------------------------------------------------------------------
 * FSYNC and FDATASYNC: vfs_fsync_range() sleeps, so a worker of the
 * context runs it.  A sync that never returns (a FUSE server that does
 * not answer) holds one worker of its own context; max_syncs_per_user
 * bounds the syncs one user can have queued or running.
 */

static bool aa_sync_job(struct aa_req *req, bool cancel)
{
	const struct cred *old;
	int ret = -ECANCELED;

	if (!cancel) {
		old = override_creds(req->cred);
		ret = vfs_fsync_range(req->file, 0, LLONG_MAX,
				      req->op == AIO_ATTR_OP_FDATASYNC);
		revert_creds(old);
		set_bit(AA_IOD_WORKER, &req->iod.flags);
	}
	put_cred(req->cred);
	req->cred = NULL;
	atomic_dec(&req->ctx->user->syncs);
	aa_complete(req, ret);
	return cancel;
}

static int aa_submit_sync(struct aa_ctx *ctx, struct file *file,
			  const struct aio_attr_sqe *sqe, struct aa_group *grp)
{
	struct aa_req *req;

	/* (an ioprio was refused by aa_submit_one() already) */
	if (sqe->addr || sqe->len || sqe->offset)
		return -EINVAL;
	if (!file->f_op->fsync)
		return -EINVAL;
	if (aa_pool_prepare(ctx))
		return -ENOMEM;
	if (atomic_inc_return(&ctx->user->syncs) >
	    READ_ONCE(aa_max_syncs_per_user)) {
		atomic_dec(&ctx->user->syncs);
		return -EAGAIN;
	}
	req = aa_req_alloc(ctx, sqe->opcode, sqe->user_data, sqe->attr_mask);
	if (IS_ERR(req)) {
		atomic_dec(&ctx->user->syncs);
		return PTR_ERR(req);
	}
	aa_group_join(grp, req);
	req->file = get_file(file);
	req->cred = get_current_cred();
	aa_pool_queue(req, aa_sync_job);
	aa_req_submitted(req);
	return 0;
}

/* ---------------------------------------------------------------------
 * Validation and dispatch of one sqe.
 */

/* What ioprio_check_cap() does; it is not exported to modules. */
static int aa_check_ioprio(u16 ioprio)
{
	unsigned int class = IOPRIO_PRIO_CLASS(ioprio);
	unsigned int level = IOPRIO_PRIO_DATA(ioprio);

	switch (class) {
	case IOPRIO_CLASS_RT:
		if (!capable(CAP_SYS_NICE) && !capable(CAP_SYS_ADMIN))
			return -EPERM;
		fallthrough;
	case IOPRIO_CLASS_BE:
		return level >= IOPRIO_NR_LEVELS ? -EINVAL : 0;
	case IOPRIO_CLASS_IDLE:
		return 0;
	case IOPRIO_CLASS_NONE:
		return level ? -EINVAL : 0;
	default:
		return -EINVAL;
	}
}

static bool aa_is_direct_bdev(struct file *file)
{
	return S_ISBLK(file_inode(file)->i_mode) &&
	       (file->f_flags & O_DIRECT);
}

/* Checks and imports the buffer; fills @iter, may set *@iovp to free. */
static int aa_import(const struct aio_attr_sqe *sqe, bool write,
		     struct iovec *fast, struct iovec **iovp,
		     struct iov_iter *iter)
{
	int dir = write ? ITER_SOURCE : ITER_DEST;
	void __user *addr = u64_to_user_ptr(sqe->addr);
	bool vec = sqe->opcode == AIO_ATTR_OP_READV ||
		   sqe->opcode == AIO_ATTR_OP_WRITEV;
	ssize_t ret;

	*iovp = NULL;
	if (!sqe->len)
		return -EINVAL;
	if (!vec) {
		if (sqe->len > READ_ONCE(aa_max_io_bytes))
			return -E2BIG;
		if (!addr)
			return -EFAULT;
		return aa_import_ubuf(dir, addr, sqe->len, fast, iter);
	}
	if (sqe->len > UIO_MAXIOV)
		return -EINVAL;
	*iovp = fast;
	ret = import_iovec(dir, addr, sqe->len, UIO_FASTIOV, iovp, iter);
	if (ret < 0)
		return ret;
	if (!ret) {
		ret = -EINVAL;
		goto free;
	}
	if (ret > READ_ONCE(aa_max_io_bytes)) {
		ret = -E2BIG;
		goto free;
	}
	return 0;
free:
	kfree(*iovp);
	*iovp = NULL;
	return ret;
}

/**
 * aa_submit_one() - validate and queue one request
 * @ctx: context, set up
 * @sqe: the request, copied from userspace
 * @grp: the group of an AIO_ATTR_SUBMIT_GROUP batch, or NULL
 *
 * Context: process; may sleep.
 * Return: 0 when queued, or the negative errno documented in
 * include/uapi/linux/aio_attr.h for the first problem found.
 */
int aa_submit_one(struct aa_ctx *ctx, const struct aio_attr_sqe *sqe,
		  struct aa_group *grp)
{
	bool fixed = sqe->flags & AIO_ATTR_SQE_FIXED_BUF;
	/*
	 * Filled by the import before anything reads it: not zeroed per
	 * request (CONFIG_INIT_STACK_ALL_ZERO), 128 bytes.
	 */
	struct iovec fast[UIO_FASTIOV] __uninitialized, *iovp = NULL;
	struct iov_iter iter;
	struct file *file;
	struct fd f;
	bool write;
	loff_t pos;
	u16 ioprio;
	int ret;

	if (sqe->resv[0] || sqe->resv[1])
		return -EINVAL;
	if (ctx->version < 2 ? sqe->flags || sqe->resv0 :
	    (sqe->flags & ~AIO_ATTR_SQE_FLAGS) ||
	    (!(sqe->flags & AIO_ATTR_SQE_FIXED_BUF) && sqe->buf_index))
		return -EINVAL;
	if (fixed && sqe->opcode != AIO_ATTR_OP_READ &&
	    sqe->opcode != AIO_ATTR_OP_WRITE)
		return -EINVAL;
	if (sqe->attr_mask & ~(ctx->version < 2 ? AA_V1_ATTRS : AIO_ATTR_ALL))
		return -EINVAL;
	switch (sqe->opcode) {
	case AIO_ATTR_OP_READ:
	case AIO_ATTR_OP_READV:
		write = false;
		break;
	case AIO_ATTR_OP_WRITE:
	case AIO_ATTR_OP_WRITEV:
	case AIO_ATTR_OP_FSYNC:
	case AIO_ATTR_OP_FDATASYNC:
		write = true;
		break;
	default:
		return -EINVAL;
	}
	/* FSYNC and FDATASYNC take none: EINVAL, whatever class it names */
	if (sqe->ioprio && (sqe->opcode == AIO_ATTR_OP_FSYNC ||
			    sqe->opcode == AIO_ATTR_OP_FDATASYNC))
		return -EINVAL;
	ret = aa_check_ioprio(sqe->ioprio);
	if (ret)
		return ret;
	ioprio = sqe->ioprio ? sqe->ioprio : get_current_ioprio();

	f = fdget(sqe->fd);
	file = aa_fd_file(f);
	if (!file)
		return -EBADF;

	if (sqe->opcode == AIO_ATTR_OP_FSYNC ||
	    sqe->opcode == AIO_ATTR_OP_FDATASYNC) {
		ret = aa_submit_sync(ctx, file, sqe, grp);
		goto out;
	}

	ret = -EBADF;
	if (!(file->f_mode & (write ? FMODE_WRITE : FMODE_READ)))
		goto out;
	ret = -EINVAL;
	if (!(file->f_mode & (write ? FMODE_CAN_WRITE : FMODE_CAN_READ)) ||
	    !(write ? file->f_op->write_iter : file->f_op->read_iter))
		goto out;
	ret = -ESPIPE;
	if (!(file->f_mode & (write ? FMODE_PWRITE : FMODE_PREAD)))
		goto out;
	ret = -EINVAL;
	if (sqe->offset > LLONG_MAX)
		goto out;

	if (fixed)
		ret = aa_bufs_import(ctx, sqe, write, &iter);
	else
		ret = aa_import(sqe, write, fast, &iovp, &iter);
	if (ret)
		goto out;
	/* offset + length overflow, and the LSM's say on this file */
	pos = sqe->offset;
	ret = rw_verify_area(write ? WRITE : READ, file, &pos,
			     iov_iter_count(&iter));
	if (ret)
		goto free;
	if (aa_is_direct_bdev(file)) {
		ret = aa_submit_bdev_iter(ctx, file,
					  I_BDEV(file->f_mapping->host),
					  write ? AIO_ATTR_OP_WRITE :
						  AIO_ATTR_OP_READ,
					  &iter, sqe->offset, ioprio,
					  sqe->user_data, sqe->attr_mask, grp);
	} else {
		ret = aa_submit_kiocb(ctx, file,
				      write ? AIO_ATTR_OP_WRITE :
					      AIO_ATTR_OP_READ,
				      &iter, sqe->offset, ioprio,
				      sqe->user_data, sqe->attr_mask, grp);
	}
free:
	if (fixed)
		aa_bufs_import_done(ctx);
	kfree(iovp);
out:
	fdput(f);
	return ret;
}
