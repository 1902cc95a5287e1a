/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aio_attr_compat.h - the kernel interfaces that changed between the two
 * LTS kernels aio_attr supports, 6.1 (Debian 12) and 6.12 (Debian 13).
 *
 * This is the only file of the tree that tests LINUX_VERSION_CODE
 * (scripts/check-compat.sh fails otherwise).  The modules call the helpers
 * below, whose names and arguments follow the 6.12 interface where one
 * exists; each maps to what the kernel being built against offers.  The
 * helpers change no semantics: where 6.12 did not rename but changed a
 * default (disk features) or a type (the crypto completion argument), the
 * comment says what both kernels get.
 *
 * Releases between 6.2 and 6.11 are refused rather than half supported:
 * several of the interfaces below changed at different points in between.
 */
#ifndef _LINUX_AIO_ATTR_COMPAT_H
#define _LINUX_AIO_ATTR_COMPAT_H

#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/crypto.h>
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/uio.h>
#include <linux/version.h>

/* checkpatch warns about the two lines below: they are this file's job. */
#if KERNEL_VERSION(6, 12, 0) <= LINUX_VERSION_CODE
#define AA_COMPAT_6_12 1
#elif KERNEL_VERSION(6, 2, 0) <= LINUX_VERSION_CODE
#error "aio_attr builds against 6.1.y or 6.12 and later"
#else
#define AA_COMPAT_6_12 0
#endif

#if AA_COMPAT_6_12

/* ---- block layer ---- */

/**
 * aa_blk_mq_alloc_disk() - allocate a blk-mq disk with its limits
 * @set: the tag set
 * @lim: limits and features the queue starts with
 * @queuedata: the queue's ->queuedata
 *
 * On both kernels the disk starts non-rotational and does not feed the
 * entropy pool, which is 6.12's default for @lim->features == 0; 6.1 gets
 * the same through its queue flags.  Context: process, may sleep.
 * Return: the disk, or an ERR_PTR().
 */
#define aa_blk_mq_alloc_disk(set, lim, queuedata) \
	blk_mq_alloc_disk(set, lim, queuedata)

/* The page cache of the block device itself. */
static inline struct address_space *aa_bdev_mapping(struct block_device *bdev)
{
	return bdev->bd_mapping;
}

/* Read-write, as the open mode dm_table_create() and bdev opens take. */
#define AA_BLK_OPEN_RW	(BLK_OPEN_READ | BLK_OPEN_WRITE)

/**
 * struct aa_bdev_handle - a block device opened by aa_bdev_open_rw()
 * @bdev: the device
 * @file: on 6.12, the open file that holds it (6.1 holds the bdev itself)
 */
struct aa_bdev_handle {
	struct block_device	*bdev;
	struct file		*file;
};

/**
 * aa_bdev_open_rw() - open a block device by number, read-write, shared
 * @dev: device number
 * @h: out: the handle; @h->bdev is the device
 *
 * Context: process, may sleep.  Return: 0 or a negative errno.
 */
static inline int aa_bdev_open_rw(dev_t dev, struct aa_bdev_handle *h)
{
	h->file = bdev_file_open_by_dev(dev, AA_BLK_OPEN_RW, NULL, NULL);
	if (IS_ERR(h->file))
		return PTR_ERR(h->file);
	h->bdev = file_bdev(h->file);
	return 0;
}

/* Close what aa_bdev_open_rw() opened.  Context: process, may sleep. */
static inline void aa_bdev_close(struct aa_bdev_handle *h)
{
	bdev_fput(h->file);
}

/**
 * aa_bio_set_write_hint() - give a direct I/O bio its file's write hint
 * @bio: the bio, not yet submitted
 * @file: the block device file it was made for
 *
 * The lifetime hint fcntl(F_SET_RW_HINT) set on the file's inode, which
 * 6.12's block/fops.c puts in every direct I/O bio it makes (a SCSI disk
 * with I/O advice hints sends it as the GROUP NUMBER).  6.1 has no write
 * hint in struct bio, and its own direct I/O passes none: a no-op there.
 */
static inline void aa_bio_set_write_hint(struct bio *bio, struct file *file)
{
	bio->bi_write_hint = file_inode(file)->i_write_hint;
}

/*
 * The write hint of @src for @dst, a bio a stacking driver allocated
 * itself to carry @src's data down (6.1: no-op, as above).
 */
static inline void aa_bio_copy_write_hint(struct bio *dst, const struct bio *src)
{
	dst->bi_write_hint = src->bi_write_hint;
}

/* ---- files, memory, iterators ---- */

/* The file of a struct fd from fdget(); NULL if the fd was not open. */
#define aa_fd_file(f)	fd_file(f)

/* Set flags on a vma being mapped (->mmap, mmap_lock held for writing). */
static inline void aa_vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vm_flags_set(vma, flags);
}

/* pin_user_pages() without the vmas array 6.1 still had (always NULL). */
static inline long aa_pin_user_pages(unsigned long start, unsigned long nr,
				     unsigned int gup_flags,
				     struct page **pages)
{
	return pin_user_pages(start, nr, gup_flags, pages);
}

/*
 * An iterator over one user buffer: ITER_UBUF on 6.12, a one-segment
 * ITER_IOVEC in @fast on 6.1 (whose import_ubuf() is not exported).
 * Users must not assume either type: user_backed_iter() is true for both.
 */
static inline int aa_import_ubuf(int rw, void __user *buf, size_t len,
				 struct iovec *fast, struct iov_iter *iter)
{
	return import_ubuf(rw, buf, len, iter);
}

/* The current segment of an ITER_IOVEC (the field became __iov in 6.4). */
static inline const struct iovec *aa_iter_iov(const struct iov_iter *iter)
{
	return iter_iov(iter);
}

/* Add one to an eventfd's counter and wake its readers.  Any context. */
static inline void aa_eventfd_signal(struct eventfd_ctx *ctx)
{
	eventfd_signal(ctx);
}

/* ---- crypto ---- */

/*
 * The first parameter of a crypto_completion_t: the data given to
 * skcipher_request_set_callback() on 6.12, the request on 6.1.  Declare a
 * callback as void fn(AA_CRYPTO_DONE_ARG arg, int err) and get the data
 * with aa_crypto_done_data(arg).
 */
#define AA_CRYPTO_DONE_ARG	void *

static inline void *aa_crypto_done_data(void *arg)
{
	return arg;
}

#else /* 6.1 */

static inline struct gendisk *aa_blk_mq_alloc_disk(struct blk_mq_tag_set *set,
						   const struct queue_limits *lim,
						   void *queuedata)
{
	struct gendisk *disk = blk_mq_alloc_disk(set, queuedata);
	struct request_queue *q;

	if (IS_ERR(disk))
		return disk;
	q = disk->queue;
	if (lim->logical_block_size)
		blk_queue_logical_block_size(q, lim->logical_block_size);
	if (lim->physical_block_size)
		blk_queue_physical_block_size(q, lim->physical_block_size);
	if (lim->max_hw_sectors)
		blk_queue_max_hw_sectors(q, lim->max_hw_sectors);
	if (lim->max_segments)
		blk_queue_max_segments(q, lim->max_segments);
	blk_queue_flag_set(QUEUE_FLAG_NONROT, q);
	blk_queue_flag_clear(QUEUE_FLAG_ADD_RANDOM, q);
	return disk;
}

static inline struct address_space *aa_bdev_mapping(struct block_device *bdev)
{
	return bdev->bd_inode->i_mapping;
}

#define AA_BLK_OPEN_RW	(FMODE_READ | FMODE_WRITE)

struct aa_bdev_handle {
	struct block_device	*bdev;
};

static inline int aa_bdev_open_rw(dev_t dev, struct aa_bdev_handle *h)
{
	h->bdev = blkdev_get_by_dev(dev, AA_BLK_OPEN_RW, NULL);
	return PTR_ERR_OR_ZERO(h->bdev);
}

static inline void aa_bdev_close(struct aa_bdev_handle *h)
{
	blkdev_put(h->bdev, AA_BLK_OPEN_RW);
}

static inline void aa_bio_set_write_hint(struct bio *bio, struct file *file)
{
}

static inline void aa_bio_copy_write_hint(struct bio *dst, const struct bio *src)
{
}

#define aa_fd_file(f)	((f).file)

static inline void aa_vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}

static inline long aa_pin_user_pages(unsigned long start, unsigned long nr,
				     unsigned int gup_flags,
				     struct page **pages)
{
	return pin_user_pages(start, nr, gup_flags, pages, NULL);
}

static inline int aa_import_ubuf(int rw, void __user *buf, size_t len,
				 struct iovec *fast, struct iov_iter *iter)
{
	return import_single_range(rw, buf, len, fast, iter);
}

static inline const struct iovec *aa_iter_iov(const struct iov_iter *iter)
{
	return iter->iov;
}

static inline void aa_eventfd_signal(struct eventfd_ctx *ctx)
{
	eventfd_signal(ctx, 1);
}

#define AA_CRYPTO_DONE_ARG	struct crypto_async_request *

static inline void *aa_crypto_done_data(struct crypto_async_request *arg)
{
	return arg->data;
}

#endif /* AA_COMPAT_6_12 */

#endif /* _LINUX_AIO_ATTR_COMPAT_H */
