// SPDX-License-Identifier: GPL-2.0
/*
 * aio_attr registered buffers (version 2 contexts).
 *
 * AIO_ATTR_IOC_REGISTER_BUFFERS pins the pages behind up to
 * AIO_ATTR_MAX_BUFFERS user buffers once, for the life of the context or
 * until AIO_ATTR_IOC_UNREGISTER_BUFFERS.  Each buffer keeps one bio_vec
 * per page, every one but the first starting at offset 0, so a request
 * with AIO_ATTR_SQE_FIXED_BUF becomes an ITER_BVEC iterator over a slice
 * of that table by arithmetic alone: no page-table walk and no pinning per
 * request, O(1) whatever the size of the buffer.
 *
 * Lifetime: a table may go away only when no request uses it.  A
 * submitter holds ctx->bufs_sem for reading from aa_bufs_import() until
 * aa_bufs_import_done(), by which time its request counts as in flight;
 * unregistering takes the semaphore for writing without waiting and
 * refuses while any request is in flight.  The context's final teardown
 * releases what is left, after its last request is gone.
 *
 * Accounting: the pinned pages are charged to the user's RLIMIT_MEMLOCK
 * like the ring (not with CAP_IPC_LOCK) and to the mm's pinned_vm, which
 * /proc/PID/status shows as VmPin, as io_uring does.  A page that lies in
 * two registered buffers is charged twice.  The bio_vec tables are
 * charged to the memory cgroup.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/aio_attr_compat.h>
#include <linux/bvec.h>
#include <linux/compat.h>
#include <linux/hugetlb_inline.h>
#include <linux/magic.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/rwsem.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

#include "aio_attr.h"

/* Pages pinned per mmap_lock hold: one page of page pointers. */
#define AA_PIN_BATCH	(PAGE_SIZE / sizeof(struct page *))

/**
 * struct aa_buf - one registered buffer
 * @addr:	user address of its first byte
 * @len:	length in bytes
 * @bvec:	one bio_vec per page; only the first may start inside its page
 * @nr_bvecs:	pages pinned into @bvec
 */
struct aa_buf {
	u64		addr;
	u64		len;
	struct bio_vec	*bvec;
	unsigned long	nr_bvecs;
};

/**
 * struct aa_bufs - the buffers registered on a context
 * @mm:		the registering process's mm, whose pinned_vm is charged
 *		(holds an mmgrab() reference)
 * @pinned:	pages charged to @mm's pinned_vm
 * @locked:	pages charged to the user's RLIMIT_MEMLOCK (0 with
 *		CAP_IPC_LOCK)
 * @nr:		buffers in @buf whose @bvec table exists
 * @buf:	the buffers, in registration order
 */
struct aa_bufs {
	struct mm_struct	*mm;
	unsigned long		pinned;
	unsigned long		locked;
	unsigned int		nr;
	struct aa_buf		buf[];
};

/* Pages that [addr, addr + len) touches; @len is not 0. */
static unsigned long aa_buf_pages(u64 addr, u64 len)
{
	return ((addr + len - 1) >> PAGE_SHIFT) - (addr >> PAGE_SHIFT) + 1;
}

/*
 * Unpin everything and give back the charges.  The device may have
 * written any page (reads), so each page is dirtied as it is unpinned.
 * Context: process; may sleep (page lock).
 */
static void aa_bufs_free(struct aa_ctx *ctx, struct aa_bufs *bufs)
{
	unsigned int i;

	for (i = 0; i < bufs->nr; i++) {
		struct aa_buf *buf = &bufs->buf[i];
		unsigned long j;

		for (j = 0; j < buf->nr_bvecs; j++) {
			unpin_user_pages_dirty_lock(&buf->bvec[j].bv_page, 1,
						    true);
			cond_resched();
		}
		kvfree(buf->bvec);
	}
	aa_user_unlock_pages(ctx->user, bufs->locked);
	if (bufs->mm) {
		atomic64_sub(bufs->pinned, &bufs->mm->pinned_vm);
		mmdrop(bufs->mm);
	}
	kvfree(bufs);
}

/*
 * Long-term pins are allowed on memory no filesystem writes back:
 * anonymous memory, hugetlbfs, and regular tmpfs/shmem files (shared
 * anonymous mappings, memfd, SysV shm), whose pages go to swap rather
 * than to a file, as 6.1's io_uring allows (vma_is_shmem() is not
 * exported, the superblock says the same).  Pinning the page cache of
 * any other file for long would fight its writeback, and a device
 * mapping (a device node on devtmpfs, this context's own ring) is not
 * memory the process owns.
 */
static bool aa_vma_pinnable(struct vm_area_struct *vma)
{
	struct inode *inode;

	if (!vma->vm_file || is_vm_hugetlb_page(vma))
		return true;
	inode = file_inode(vma->vm_file);
	return S_ISREG(inode->i_mode) && inode->i_sb->s_magic == TMPFS_MAGIC;
}

/* Every byte of [start, end) is mapped and pinnable.  mmap_lock held. */
static int aa_check_vmas(struct mm_struct *mm, unsigned long start,
			 unsigned long end)
{
	while (start < end) {
		struct vm_area_struct *vma = find_vma(mm, start);

		if (!vma || vma->vm_start > start)
			return -EFAULT;
		if (!aa_vma_pinnable(vma))
			return -EOPNOTSUPP;
		start = vma->vm_end;
	}
	return 0;
}

/*
 * Pin the pages of one buffer into its bio_vec table, AA_PIN_BATCH pages
 * per mmap_lock hold.  On error the pages pinned so far stay recorded in
 * @buf for aa_bufs_free().  Context: process; sleeps.
 */
static int aa_buf_pin(struct aa_buf *buf, const struct iovec *iov,
		      struct page **batch)
{
	struct mm_struct *mm = current->mm;
	unsigned long start = (unsigned long)iov->iov_base;
	unsigned long nr = aa_buf_pages(start, iov->iov_len);
	unsigned int off = offset_in_page(start);
	size_t left = iov->iov_len;

	buf->addr = start;
	buf->len = iov->iov_len;
	buf->bvec = kvmalloc_array(nr, sizeof(*buf->bvec), GFP_KERNEL_ACCOUNT);
	if (!buf->bvec)
		return -ENOMEM;

	while (buf->nr_bvecs < nr) {
		unsigned long addr = (start & PAGE_MASK) +
				     (buf->nr_bvecs << PAGE_SHIFT);
		unsigned long want = min(nr - buf->nr_bvecs, AA_PIN_BATCH);
		long got, i;

		if (fatal_signal_pending(current))
			return -EINTR;
		mmap_read_lock(mm);
		got = aa_check_vmas(mm, addr, addr + (want << PAGE_SHIFT));
		if (!got)
			got = aa_pin_user_pages(addr, want,
						FOLL_WRITE | FOLL_LONGTERM,
						batch);
		mmap_read_unlock(mm);
		if (got <= 0)
			return got ? got : -EFAULT;
		for (i = 0; i < got; i++) {
			unsigned int len = min_t(size_t, left, PAGE_SIZE - off);

			bvec_set_page(&buf->bvec[buf->nr_bvecs++], batch[i],
				      len, off);
			left -= len;
			off = 0;
		}
		cond_resched();
	}
	return 0;
}

/* Copy the iovec array in, native or compat.  Context: process. */
static int aa_copy_iovecs(struct iovec *iov, u64 uptr, unsigned int nr)
{
#ifdef CONFIG_COMPAT
	if (in_compat_syscall()) {
		const struct compat_iovec __user *uv = compat_ptr(uptr);
		unsigned int i;

		for (i = 0; i < nr; i++) {
			struct compat_iovec c;

			if (copy_from_user(&c, &uv[i], sizeof(c)))
				return -EFAULT;
			iov[i].iov_base = compat_ptr(c.iov_base);
			iov[i].iov_len = c.iov_len;
		}
		return 0;
	}
#endif
	if (copy_from_user(iov, u64_to_user_ptr(uptr), nr * sizeof(*iov)))
		return -EFAULT;
	return 0;
}

/* Checks each buffer; adds up the pages they span in *@pages. */
static int aa_check_iovecs(const struct iovec *iov, unsigned int nr,
			   unsigned long *pages)
{
	unsigned int i;

	*pages = 0;
	for (i = 0; i < nr; i++) {
		if (!iov[i].iov_len ||
		    iov[i].iov_len > AIO_ATTR_MAX_BUFFER_BYTES)
			return -EINVAL;
		if (!iov[i].iov_base ||
		    !access_ok(iov[i].iov_base, iov[i].iov_len))
			return -EFAULT;
		*pages += aa_buf_pages((unsigned long)iov[i].iov_base,
				       iov[i].iov_len);
	}
	return 0;
}

/**
 * aa_bufs_register() - AIO_ATTR_IOC_REGISTER_BUFFERS
 * @ctx: context, set up with version 2 or later
 * @arg: the struct aio_attr_buffers
 *
 * The whole registration is charged before anything is pinned, so a
 * request over RLIMIT_MEMLOCK fails before doing any work.  Pinning
 * happens without ctx->bufs_sem; a concurrent registration that wins the
 * race makes this one undo its work and fail with -EBUSY.
 *
 * Context: process; sleeps.
 * Return: 0 or the negative errno documented for struct aio_attr_buffers.
 */
int aa_bufs_register(struct aa_ctx *ctx, const void __user *arg)
{
	struct aio_attr_buffers b;
	struct aa_bufs *bufs;
	struct page **batch;
	struct iovec *iov;
	unsigned long pages;
	long locked;
	int ret;

	if (copy_from_user(&b, arg, sizeof(b)))
		return -EFAULT;
	if (!b.nr || b.nr > AIO_ATTR_MAX_BUFFERS || b.flags ||
	    b.resv[0] || b.resv[1])
		return -EINVAL;
	if (READ_ONCE(ctx->bufs))
		return -EBUSY;

	iov = kvmalloc_array(b.nr, sizeof(*iov), GFP_KERNEL);
	if (!iov)
		return -ENOMEM;
	ret = aa_copy_iovecs(iov, b.iovecs, b.nr);
	if (!ret)
		ret = aa_check_iovecs(iov, b.nr, &pages);
	if (ret)
		goto free_iov;

	ret = -ENOMEM;
	batch = (struct page **)__get_free_page(GFP_KERNEL);
	if (!batch)
		goto free_iov;
	bufs = kvzalloc(struct_size(bufs, buf, b.nr), GFP_KERNEL_ACCOUNT);
	if (!bufs)
		goto free_batch;
	locked = aa_user_lock_pages(ctx->user, pages);
	if (locked < 0) {
		kvfree(bufs);
		ret = locked;
		goto free_batch;
	}
	bufs->locked = locked;
	bufs->mm = current->mm;
	mmgrab(bufs->mm);
	bufs->pinned = pages;
	atomic64_add(pages, &bufs->mm->pinned_vm);

	for (ret = 0; !ret && bufs->nr < b.nr; bufs->nr++)
		ret = aa_buf_pin(&bufs->buf[bufs->nr], &iov[bufs->nr], batch);
	if (ret)
		goto release;

	ret = down_write_killable(&ctx->bufs_sem);
	if (ret)
		goto release;
	ret = -EBUSY;
	if (!ctx->bufs) {
		WRITE_ONCE(ctx->bufs, bufs);
		bufs = NULL;
		ret = 0;
	}
	up_write(&ctx->bufs_sem);
release:
	if (bufs)
		aa_bufs_free(ctx, bufs);
free_batch:
	free_page((unsigned long)batch);
free_iov:
	kvfree(iov);
	return ret;
}

/*
 * Whether any request of @ctx is in flight; with bufs_sem held for
 * writing no new fixed-buffer request can start.
 */
static bool aa_bufs_ctx_busy(struct aa_ctx *ctx)
{
	return atomic_read(&ctx->inflight) != 0;
}

/**
 * aa_bufs_unregister() - AIO_ATTR_IOC_UNREGISTER_BUFFERS
 * @ctx: context, set up with version 2 or later
 *
 * Never waits: a fixed-buffer submission under way counts as a request
 * in flight.
 *
 * Context: process; sleeps while unpinning.
 * Return: 0, -EBUSY while a request of the context is in flight, -ENXIO
 * when no buffers are registered.
 */
int aa_bufs_unregister(struct aa_ctx *ctx)
{
	struct aa_bufs *bufs;
	int ret = 0;

	if (!down_write_trylock(&ctx->bufs_sem))
		return READ_ONCE(ctx->bufs) ? -EBUSY : -ENXIO;
	bufs = ctx->bufs;
	if (!bufs)
		ret = -ENXIO;
	else if (aa_bufs_ctx_busy(ctx))
		ret = -EBUSY;
	else
		WRITE_ONCE(ctx->bufs, NULL);
	up_write(&ctx->bufs_sem);
	if (!ret)
		aa_bufs_free(ctx, bufs);
	return ret;
}

/**
 * aa_bufs_release() - free the buffers of a context being torn down
 * @ctx: context with no request left
 *
 * Context: process (the context's final teardown).
 */
void aa_bufs_release(struct aa_ctx *ctx)
{
	if (ctx->bufs)
		aa_bufs_free(ctx, ctx->bufs);
	ctx->bufs = NULL;
}

/**
 * aa_buf_iter() - an ITER_BVEC over part of a registered buffer
 * @bvec: the buffer's table: one bio_vec per page, the first starting at
 *	  offset_in_page(@buf_addr), every other one at offset 0
 * @buf_addr: user address of the buffer's first byte
 * @addr: user address of the range's first byte, inside the buffer
 * @len: bytes in the range, not 0; the range lies inside the buffer
 * @dir: ITER_SOURCE or ITER_DEST
 * @iter: out: the iterator
 *
 * The layout of the table gives the first bio_vec of the range and the
 * offset in it by arithmetic, whatever the buffer's size.
 *
 * Context: any.
 */
void aa_buf_iter(const struct bio_vec *bvec, u64 buf_addr, u64 addr, u32 len,
		 unsigned int dir, struct iov_iter *iter)
{
	/* offsets from the start of the buffer's first page */
	u64 off = addr - (buf_addr & PAGE_MASK);
	unsigned long first = off >> PAGE_SHIFT;
	unsigned long last = (off + len - 1) >> PAGE_SHIFT;

	iov_iter_bvec(iter, dir, bvec + first, last - first + 1, len);
	iter->iov_offset = first ? offset_in_page(off) : addr - buf_addr;
}

/**
 * aa_bufs_import() - the iterator of an AIO_ATTR_SQE_FIXED_BUF request
 * @ctx: context
 * @sqe: READ or WRITE request with AIO_ATTR_SQE_FIXED_BUF
 * @write: direction
 * @iter: out: ITER_BVEC over the registered pages of [addr, addr + len)
 *
 * On success ctx->bufs_sem is held for reading, so the pages stay
 * registered; the caller calls aa_bufs_import_done() once the request is
 * counted in flight or was refused.
 *
 * Context: process.
 * Return: 0; -EINVAL for a zero length, no buffers or a bad index;
 * -E2BIG for a length above max_io_bytes; -EFAULT when the range is not
 * inside the buffer.
 */
int aa_bufs_import(struct aa_ctx *ctx, const struct aio_attr_sqe *sqe,
		   bool write, struct iov_iter *iter)
{
	const struct aa_buf *buf;
	struct aa_bufs *bufs;
	u64 end;
	int ret;

	if (!sqe->len)
		return -EINVAL;
	if (sqe->len > READ_ONCE(aa_max_io_bytes))
		return -E2BIG;
	down_read(&ctx->bufs_sem);
	bufs = ctx->bufs;
	ret = -EINVAL;
	if (!bufs || sqe->buf_index >= bufs->nr)
		goto unlock;
	buf = &bufs->buf[sqe->buf_index];
	ret = -EFAULT;
	if (sqe->addr < buf->addr ||
	    check_add_overflow(sqe->addr, (u64)sqe->len, &end) ||
	    end > buf->addr + buf->len)
		goto unlock;

	aa_buf_iter(buf->bvec, buf->addr, sqe->addr, sqe->len,
		    write ? ITER_SOURCE : ITER_DEST, iter);
	return 0;
unlock:
	up_read(&ctx->bufs_sem);
	return ret;
}

/**
 * aa_bufs_import_done() - end of a fixed-buffer submission
 * @ctx: context
 *
 * Pairs with a successful aa_bufs_import().
 *
 * Context: process.
 */
void aa_bufs_import_done(struct aa_ctx *ctx)
{
	up_read(&ctx->bufs_sem);
}
