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
 *    file; its ->ki_complete posts the event;
 *  - a work item on aa_sync_wq for FSYNC and FDATASYNC.
 *
 * One bio per request: its bvec table can hold any number of pages, and the
 * block layer splits it to the device's limits with clones that share the
 * table, so every piece stays findable and the request completes exactly
 * once, when the parent bio ends, with the first error of its pieces.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/ioprio.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uio.h>

#include "aio_attr.h"

static bool aa_req_inline(struct aa_req *req)
{
	return in_task() && current == req->submitter &&
	       atomic_read(&req->in_submit);
}

/*
 * The request's I/O is over: unhash its keys, record the framework's
 * attributes, release what the I/O held, post.  Context: any.
 */
static void aa_complete(struct aa_req *req, long res)
{
	if (res == -ERESTARTSYS || res == -ERESTARTNOINTR ||
	    res == -ERESTARTNOHAND || res == -ERESTART_RESTARTBLOCK)
		res = -EINTR;
	atomic64_set(&req->result, res);
	if (res < 0)
		aa_stat_inc(errors);
	aa_iod_unregister_all(&req->iod);
	aa_iod_finish(&req->iod, aa_req_inline(req));
	if (req->file) {
		/* fput() defers itself when called from interrupt context */
		fput(req->file);
		req->file = NULL;
	}
	aa_post(req);
}

/* ---------------------------------------------------------------------
 * Block devices opened with O_DIRECT: our own bio.
 */

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
	unsigned short i;

	for (i = 0; i < req->nr_vecs; i++) {
		struct page *page = req->bvecs[i].bv_page;

		if (!PageCompound(page) && !PageDirty(page))
			set_page_dirty_lock(page);
		put_page(page);
	}
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
	for (i = 0; i < req->nr_vecs; i++)
		put_page(req->bvecs[i].bv_page);
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
	struct address_space *mapping = req->bio.bi_bdev->bd_inode->i_mapping;
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
	    READ_ONCE(bio->bi_bdev->bd_inode->i_mapping->nrpages)) {
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

/* Pin the pages behind @iter into the bio.  Context: process. */
static int aa_bio_pin(struct aa_req *req, struct iov_iter *iter)
{
	struct bio *bio = &req->bio;

	if (iov_iter_is_bvec(iter))
		return aa_bio_add_bvecs(req, iter);

	while (iov_iter_count(iter)) {
		struct page *pages[16];
		size_t off;
		ssize_t got;
		int i = 0;

		got = iov_iter_get_pages2(iter, pages, iov_iter_count(iter),
					  ARRAY_SIZE(pages), &off);
		if (got <= 0)
			return got ? got : -EFAULT;
		while (got > 0) {
			unsigned int len = min_t(size_t, PAGE_SIZE - off, got);

			if (WARN_ON_ONCE(bio->bi_vcnt >= bio->bi_max_vecs)) {
				/* iov_iter_npages() miscounted: give back the rest */
				while (got > 0) {
					put_page(pages[i++]);
					got -= min_t(size_t, PAGE_SIZE - off, got);
					off = 0;
				}
				return -EFAULT;
			}
			__bio_add_page(bio, pages[i++], len, off);
			req->nr_vecs = bio->bi_vcnt;
			got -= len;
			off = 0;
		}
	}
	return 0;
}

static void aa_bio_unpin(struct aa_req *req)
{
	unsigned short i;

	for (i = 0; i < req->nr_vecs; i++)
		put_page(req->bvecs[i].bv_page);
	req->nr_vecs = 0;
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
 *
 * Context: process; may sleep (pinning, page cache writeback).
 * Return: 0 when the request was queued (its event will be posted), or a
 * negative errno and nothing was queued.
 */
int aa_submit_bdev_iter(struct aa_ctx *ctx, struct file *file,
			struct block_device *bdev, u8 op, struct iov_iter *iter,
			loff_t pos, u16 ioprio, u64 user_data, u64 want)
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
	if (write && IS_SWAPFILE(bdev->bd_inode))
		return -ETXTBSY;

	req = aa_req_alloc(ctx, op, user_data, want);
	if (IS_ERR(req))
		return PTR_ERR(req);
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

	mapping = bdev->bd_inode->i_mapping;
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
	submit_bio(&req->bio);
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
 * Everything else: the file's own ->read_iter / ->write_iter.
 */

/*
 * ->ki_complete.  Context: any; filesystems call it from bio end_io
 * (softirq or hardirq) or from their own workers.
 */
static void aa_kiocb_complete(struct kiocb *kiocb, long res)
{
	struct aa_req *req = container_of(kiocb, struct aa_req, kiocb);

	if (kiocb->ki_flags & IOCB_WRITE) {
		struct inode *inode = file_inode(kiocb->ki_filp);

		/* freeze protection was handed over by the submitter */
		if (S_ISREG(inode->i_mode))
			__sb_writers_acquired(inode->i_sb, SB_FREEZE_WRITE);
		file_end_write(kiocb->ki_filp);
	}
	aa_complete(req, res);
}

/* Context: process; may block in the filesystem. */
static int aa_submit_kiocb(struct aa_ctx *ctx, struct file *file, u8 op,
			   struct iov_iter *iter, loff_t pos, u16 ioprio,
			   u64 user_data, u64 want)
{
	bool write = op == AIO_ATTR_OP_WRITE;
	struct aa_req *req;
	ssize_t ret;

	req = aa_req_alloc(ctx, op, user_data, want);
	if (IS_ERR(req))
		return PTR_ERR(req);
	req->file = get_file(file);
	/* a recycled slot: nothing of the last request's kiocb may remain */
	memset(&req->kiocb, 0, sizeof(req->kiocb));
	req->kiocb.ki_filp = file;
	req->kiocb.ki_flags = iocb_flags(file);
	req->kiocb.ki_ioprio = ioprio;
	req->kiocb.ki_pos = pos;
	req->kiocb.ki_complete = aa_kiocb_complete;

	if (write) {
		struct inode *inode = file_inode(file);

		/* hand freeze protection over to the completion */
		if (S_ISREG(inode->i_mode)) {
			sb_start_write(inode->i_sb);
			__sb_writers_release(inode->i_sb, SB_FREEZE_WRITE);
		}
		req->kiocb.ki_flags |= IOCB_WRITE;
		ret = call_write_iter(file, &req->kiocb, iter);
	} else {
		ret = call_read_iter(file, &req->kiocb, iter);
	}
	if (ret != -EIOCBQUEUED)
		aa_kiocb_complete(&req->kiocb, ret);
	aa_req_submitted(req);
	return 0;
}

/* ---------------------------------------------------------------------
 * FSYNC and FDATASYNC: vfs_fsync_range() sleeps, so a worker runs it, on
 * aa_sync_wq, which nothing else uses: a sync that never returns (a FUSE
 * server that does not answer) holds one worker and its own request, not
 * context teardown or anybody's page release.  max_syncs_per_user bounds
 * the workers one user can hold that way.
 */

static void aa_sync_work(struct work_struct *work)
{
	struct aa_req *req = container_of(work, struct aa_req, work);
	const struct cred *old = override_creds(req->cred);
	int ret;

	ret = vfs_fsync_range(req->file, 0, LLONG_MAX,
			      req->op == AIO_ATTR_OP_FDATASYNC);
	revert_creds(old);
	put_cred(req->cred);
	req->cred = NULL;
	atomic_dec(&req->ctx->user->syncs);
	set_bit(AA_IOD_WORKER, &req->iod.flags);
	aa_complete(req, ret);
}

static int aa_submit_sync(struct aa_ctx *ctx, struct file *file,
			  const struct aio_attr_sqe *sqe)
{
	struct aa_req *req;

	if (sqe->addr || sqe->len || sqe->offset || sqe->ioprio)
		return -EINVAL;
	if (!file->f_op->fsync)
		return -EINVAL;
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
	req->file = get_file(file);
	req->cred = get_current_cred();
	INIT_WORK(&req->work, aa_sync_work);
	queue_work(aa_sync_wq, &req->work);
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
		return import_single_range(dir, addr, sqe->len, fast, iter);
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
 *
 * Context: process; may sleep.
 * Return: 0 when queued, or the negative errno documented in
 * include/uapi/linux/aio_attr.h for the first problem found.
 */
int aa_submit_one(struct aa_ctx *ctx, const struct aio_attr_sqe *sqe)
{
	bool fixed = sqe->flags & AIO_ATTR_SQE_FIXED_BUF;
	struct iovec fast[UIO_FASTIOV], *iovp = NULL;
	struct iov_iter iter;
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
	if (sqe->attr_mask & ~AIO_ATTR_ALL)
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
	ret = aa_check_ioprio(sqe->ioprio);
	if (ret)
		return ret;
	ioprio = sqe->ioprio ? sqe->ioprio : get_current_ioprio();

	f = fdget(sqe->fd);
	if (!f.file)
		return -EBADF;

	if (sqe->opcode == AIO_ATTR_OP_FSYNC ||
	    sqe->opcode == AIO_ATTR_OP_FDATASYNC) {
		ret = aa_submit_sync(ctx, f.file, sqe);
		goto out;
	}

	ret = -EBADF;
	if (!(f.file->f_mode & (write ? FMODE_WRITE : FMODE_READ)))
		goto out;
	ret = -EINVAL;
	if (!(f.file->f_mode & (write ? FMODE_CAN_WRITE : FMODE_CAN_READ)) ||
	    !(write ? f.file->f_op->write_iter : f.file->f_op->read_iter))
		goto out;
	ret = -ESPIPE;
	if (!(f.file->f_mode & (write ? FMODE_PWRITE : FMODE_PREAD)))
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
	ret = rw_verify_area(write ? WRITE : READ, f.file, &pos,
			     iov_iter_count(&iter));
	if (ret)
		goto free;
	if (aa_is_direct_bdev(f.file)) {
		ret = aa_submit_bdev_iter(ctx, f.file,
					  I_BDEV(f.file->f_mapping->host),
					  write ? AIO_ATTR_OP_WRITE :
						  AIO_ATTR_OP_READ,
					  &iter, sqe->offset, ioprio,
					  sqe->user_data, sqe->attr_mask);
	} else {
		ret = aa_submit_kiocb(ctx, f.file,
				      write ? AIO_ATTR_OP_WRITE :
					      AIO_ATTR_OP_READ,
				      &iter, sqe->offset, ioprio,
				      sqe->user_data, sqe->attr_mask);
	}
free:
	if (fixed)
		aa_bufs_import_done(ctx);
	kfree(iovp);
out:
	fdput(f);
	return ret;
}
