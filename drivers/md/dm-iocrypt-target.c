// SPDX-License-Identifier: GPL-2.0
/*
 * dm-iocrypt: a dm-crypt compatible target whose reads complete in one
 * context and whose I/O carries aio_attr attributes (see
 * Documentation/admin-guide/device-mapper/iocrypt.rst).
 *
 * The on-disk format is dm-crypt's, bit for bit, for the modes supported.
 * What differs is where the work runs:
 *
 *  - Reads.  The bio is cloned to the lower device (the clone shares the
 *    bvec table, so the lower driver finds the aio_attr descriptor by
 *    itself).  The clone's end_io decrypts in place, right there, when the
 *    context allows it: not hardirq, interrupts enabled.  From hardirq
 *    (NVMe, multi-queue virtio-blk) the bio goes to a softirq on the same
 *    CPU (dm-iocrypt-softirq.c), or, when that CPU is saturated and
 *    another is idle, to an unbound workqueue; the descriptor records
 *    which kind of hop it was.
 *  - Writes.  Encrypted in the submitter's context (->map) into bounce
 *    pages from a mempool; the bounce bio carries the descriptor down and
 *    drops it in its end_io, which completes the original bio.
 *
 * The transform is the fastest there is, asynchronous or not, and it is
 * called without backlog or sleeping: it nearly always runs in the call
 * (see iocrypt_crypt_run() for the rare cases when it does not).  The
 * skcipher request lives in the per-bio data, so nothing is allocated.
 *
 * Either way the time spent in the cipher is added to CRYPT_NS.
 */
#include <crypto/hash.h>
#include <keys/user-type.h>
#include <linux/aio_attr_compat.h>
#include <linux/blkdev.h>
#include <linux/iodesc.h>
#include <linux/key.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "dm-iocrypt.h"

#define DM_MSG_PREFIX "iocrypt"

#define IOCRYPT_MIN_IOS	64

static bool read_inline = true;
module_param(read_inline, bool, 0644);
MODULE_PARM_DESC(read_inline,
		 "Decrypt reads in the lower device's completion context when it is safe (default: Y)");

bool iocrypt_force_cryptd;
module_param_named(force_cryptd, iocrypt_force_cryptd, bool, 0644);
MODULE_PARM_DESC(force_cryptd,
		 "Testing: new mappings wrap the cipher in cryptd, so every request completes asynchronously (default: N)");

/*
 * Walking bios.  A crypto sector is sector_size bytes of a bio; it normally
 * lies in one segment, but buffers only need 512-byte alignment for
 * 512-byte sectors, so it may span up to IOCRYPT_MAX_SG segments.
 */
static int iocrypt_sg_from_bio(struct scatterlist *sg, struct bio *bio,
			       struct bvec_iter *iter, unsigned int len)
{
	struct bio_vec bv = bio_iter_iovec(bio, *iter);
	unsigned int n = 0, l;

	if (likely(bv.bv_len >= len)) {
		sg_init_table(sg, 1);
		sg_set_page(sg, bv.bv_page, len, bv.bv_offset);
		bio_advance_iter_single(bio, iter, len);
		return 0;
	}
	sg_init_table(sg, IOCRYPT_MAX_SG);
	while (len) {
		if (n == IOCRYPT_MAX_SG || !iter->bi_size)
			return -EIO;
		bv = bio_iter_iovec(bio, *iter);
		l = min(len, bv.bv_len);
		sg_set_page(&sg[n++], bv.bv_page, l, bv.bv_offset);
		bio_advance_iter_single(bio, iter, l);
		len -= l;
	}
	sg_mark_end(&sg[n - 1]);
	return 0;
}

/**
 * iocrypt_crypt_sector() - en/decrypt one crypto sector, waiting for it
 * @cc: the target
 * @req: request with @cc->tfm set; its callback is set here
 * @src: the sector's data, @cc->p.sector_size bytes
 * @dst: where the result goes (may be @src)
 * @sector: target-relative 512-byte sector of the crypto sector
 * @encrypt: direction
 * @iv: IOCRYPT_IV_SIZE bytes of scratch, in linear memory
 *
 * For callers in process context (the KUnit suite); the I/O paths use
 * iocrypt_crypt_run().
 *
 * Context: process; may sleep (waits for an asynchronous transform).
 * Return: 0 or the cipher's error.
 */
int iocrypt_crypt_sector(const struct iocrypt_config *cc,
			 struct skcipher_request *req, struct scatterlist *src,
			 struct scatterlist *dst, sector_t sector, bool encrypt,
			 u8 *iv)
{
	DECLARE_CRYPTO_WAIT(wait);
	int ret;

	iocrypt_iv_gen(cc, iv, sector);
	skcipher_request_set_callback(req, CRYPTO_TFM_REQ_MAY_BACKLOG |
				      CRYPTO_TFM_REQ_MAY_SLEEP,
				      crypto_req_done, &wait);
	skcipher_request_set_crypt(req, src, dst, cc->p.sector_size, iv);
	ret = encrypt ? crypto_skcipher_encrypt(req) : crypto_skcipher_decrypt(req);
	return crypto_wait_req(ret, &wait);
}

static struct skcipher_request *iocrypt_req(struct iocrypt_io *io)
{
	return (struct skcipher_request *)((u8 *)io + io->cc->req_offset);
}

static void iocrypt_end_base(struct iocrypt_io *io, blk_status_t status)
{
	if (io->cpu >= 0)
		iocrypt_read_end(io);
	if (status)
		atomic64_inc(&io->cc->stats.errors);
	io->base->bi_status = status;
	bio_endio(io->base);
}

static void iocrypt_free_bounce(struct iocrypt_config *cc, struct bio *clone)
{
	struct bvec_iter_all iter_all;
	struct bio_vec *bv;

	bio_for_each_segment_all(bv, clone, iter_all)
		mempool_free(bv->bv_page, &cc->page_pool);
}

/*
 * The cipher.  A read is decrypted in place in the lower device's
 * completion, a write is encrypted into its bounce bio in ->map.  Both
 * first call the transform without CRYPTO_TFM_REQ_MAY_BACKLOG or
 * CRYPTO_TFM_REQ_MAY_SLEEP, from whatever context they are in:
 *
 *  0            it ran in the call - the common case (the x86 SIMD wrapper
 *               runs AES-NI inline whenever the FPU is usable);
 *  -EINPROGRESS the transform queued it (cryptd, hardware): its callback,
 *               iocrypt_crypt_done(), carries on with the next sector;
 *  -EBUSY, -ENOSPC, -ENOMEM
 *               its queue is full (no backlog was allowed) or an atomic
 *               allocation failed: the rest of the bio goes to @cc->wq,
 *               which retries with MAY_BACKLOG | MAY_SLEEP and waits.
 *
 * So nothing ever waits for a crypto backlog outside process context.
 * Only one request of a bio is in flight at a time (XTS-plain64 and the
 * CBC IV modes take one request per crypto sector anyway), so the request
 * in the per-bio data is all it needs: nothing is allocated.
 *
 * Ownership: once the transform has returned -EINPROGRESS, the bio and its
 * per-bio data belong to the callback, which may already have run on
 * another CPU (or inside the call) and ended the bio; the bio's end may
 * also let the target go.  The caller then touches neither @io nor the
 * target: it only returns -EINPROGRESS up the stack.
 *
 * The callback runs wherever the transform completes: cryptd's worker
 * with bottom halves off, a hardware engine's irq handler or tasklet.  It
 * never submits a bio there (blk-mq may sleep for a tag or for write
 * throttling) and never runs the cipher in hard interrupt context or with
 * interrupts off (the skcipher walk refuses them): both go to @cc->wq.
 */

/*
 * Start the cipher on the crypto sector at @io->iter and consume it.  All
 * of @io is written before the transform is called: once it has returned
 * -EINPROGRESS, @io belongs to the callback.
 */
static int iocrypt_crypt_start(struct iocrypt_io *io,
			       struct skcipher_request *req)
{
	struct iocrypt_config *cc = io->cc;
	unsigned int ss = cc->p.sector_size;
	unsigned int done = io->size - io->iter.bi_size;
	struct scatterlist *dst = io->sg;
	struct bio_vec *bv;
	int ret;

	ret = iocrypt_sg_from_bio(io->sg, io->base, &io->iter, ss);
	if (ret)
		return ret;
	if (io->clone) {
		/* bounce pages are page aligned and ss <= PAGE_SIZE: one entry */
		bv = &io->clone->bi_io_vec[done >> PAGE_SHIFT];
		sg_init_table(&io->sg_out, 1);
		sg_set_page(&io->sg_out, bv->bv_page, ss, done & ~PAGE_MASK);
		dst = &io->sg_out;
	}
	io->cur = io->sector + (done >> SECTOR_SHIFT);
	iocrypt_iv_gen(cc, io->iv, io->cur);
	skcipher_request_set_crypt(req, io->sg, dst, ss, io->iv);
	return io->clone ? crypto_skcipher_encrypt(req) :
			   crypto_skcipher_decrypt(req);
}

/* May the cipher run in the context we are called from? */
static bool iocrypt_cipher_ctx_ok(void)
{
	/* the skcipher walk refuses hardirq; irqs off means an idle or odd caller */
	return !in_hardirq() && !in_nmi() && !irqs_disabled();
}

/*
 * Hand the rest of @io to @wq (@cc->wq, per-CPU, or the unbound spill
 * queue): @fn runs in process context.
 */
static void iocrypt_defer_to(struct iocrypt_io *io, struct workqueue_struct *wq,
			     work_func_t fn)
{
	iodesc_note_hop(io->iod);
	INIT_WORK(&io->work, fn);
	queue_work(wq, &io->work);
}

static void iocrypt_defer(struct iocrypt_io *io, work_func_t fn)
{
	iocrypt_defer_to(io, io->cc->wq, fn);
}

/*
 * Context: the transform's completion - cryptd's worker with bottom halves
 * off, or a hardware engine's hard or soft interrupt; irqs may be off.
 */
static void iocrypt_crypt_done(AA_CRYPTO_DONE_ARG arg, int err)
{
	struct iocrypt_io *io = aa_crypto_done_data(arg);

	/* a backlog notice: never asked for, but harmless */
	if (err == -EINPROGRESS)
		return;
	atomic64_inc(&io->cc->stats.crypto_async);
	iodesc_note_hop(io->iod);
	if (!err && io->iter.bi_size) {
		if (!iocrypt_cipher_ctx_ok()) {
			iocrypt_defer(io, iocrypt_crypt_work);
			return;
		}
		err = iocrypt_crypt_run(io, false, NULL);
	}
	iocrypt_crypt_end(io, err, false);
}

/**
 * iocrypt_crypt_run() - en/decrypt what is left of @io
 * @io: the bio; @io->iter says what is left
 * @can_wait: process context: allow a backlog and wait for the transform
 * @budget: NULL, or bytes this call may still run the cipher on
 *	synchronously; decremented by each crypto sector done in the call
 *
 * Context: any but hardirq or irqs off; sleeps only if @can_wait.
 * Return: 0 when done; -EINPROGRESS when iocrypt_crypt_done() will carry
 * on, and then @io must not be touched any more; -EAGAIN (only if
 * !@can_wait) when the rest must be retried in process context;
 * IOCRYPT_YIELD when *@budget is spent with sectors left (@io is still
 * the caller's, @io->iter says what is left); or the cipher's error.
 */
int iocrypt_crypt_run(struct iocrypt_io *io, bool can_wait, unsigned int *budget)
{
	unsigned int ss = io->cc->p.sector_size;
	struct skcipher_request *req = iocrypt_req(io);
	struct bvec_iter prev;
	DECLARE_CRYPTO_WAIT(wait);
	int ret;

	skcipher_request_set_tfm(req, io->cc->tfm);
	if (can_wait)
		skcipher_request_set_callback(req, CRYPTO_TFM_REQ_MAY_BACKLOG |
					      CRYPTO_TFM_REQ_MAY_SLEEP,
					      crypto_req_done, &wait);
	else
		skcipher_request_set_callback(req, 0, iocrypt_crypt_done, io);

	while (io->iter.bi_size) {
		if (budget) {
			if (*budget < ss)
				return IOCRYPT_YIELD;
			*budget -= ss;
		}
		prev = io->iter;
		ret = iocrypt_crypt_start(io, req);
		if (likely(!ret))
			continue;
		if (ret == -EINPROGRESS && !can_wait)
			/* @io is the callback's, and may be gone already */
			return ret;
		if (can_wait && (ret == -EINPROGRESS || ret == -EBUSY)) {
			atomic64_inc(&io->cc->stats.crypto_async);
			ret = crypto_wait_req(ret, &wait);
			if (!ret)
				continue;
			/* it failed, but it did start: io->iter stays consumed */
			return ret;
		}
		/* not started: no callback will come, @io is still ours */
		io->iter = prev;
		if (!can_wait && (ret == -EBUSY || ret == -ENOSPC || ret == -ENOMEM)) {
			atomic64_inc(&io->cc->stats.crypto_async);
			return -EAGAIN;
		}
		return ret;
	}
	return 0;
}

/*
 * Deferred work in @cc->wq: the cipher for a read whose completion context
 * does not allow it, or for the rest of a bio whose transform was busy or
 * completed in hard interrupt context; or the submission of a write that
 * the cipher's callback finished.  The work item lives in the per-bio data,
 * which bio_endio() of the base bio lets dm free: that is the last thing
 * done here, and a workqueue never touches an item after its function has
 * started, so freeing it from here is allowed.  A bio is deferred at most
 * once: nothing here goes asynchronous again.
 *
 * Context: process (a kworker); may sleep.
 */
void iocrypt_crypt_work(struct work_struct *work)
{
	struct iocrypt_io *io = container_of(work, struct iocrypt_io, work);

	if (!io->clone)
		atomic64_inc(&io->cc->stats.reads_deferred);
	iocrypt_crypt_end(io, iocrypt_crypt_run(io, true, NULL), true);
}

/**
 * iocrypt_spill() - hand a read to the unbound spill queue
 * @io: a read whose completion context does not allow the cipher, on a
 *	CPU that is saturated while another is idle
 *
 * Context: any.
 */
void iocrypt_spill(struct iocrypt_io *io)
{
	atomic64_inc(&io->cc->stats.reads_spread);
	iocrypt_defer_to(io, iocrypt_spill_wq, iocrypt_crypt_work);
}

static void iocrypt_submit_write(struct iocrypt_io *io)
{
	atomic64_inc(&io->cc->stats.writes);
	dm_submit_bio_remap(io->base, io->clone);
}

/* Context: process (a kworker); may sleep. */
static void iocrypt_submit_work(struct work_struct *work)
{
	iocrypt_submit_write(container_of(work, struct iocrypt_io, work));
}

/**
 * iocrypt_crypt_end() - act on what iocrypt_crypt_run() returned
 * @io: the bio
 * @ret: iocrypt_crypt_run()'s return, never IOCRYPT_YIELD
 * @can_submit: a write may be submitted from here
 *
 * From whichever context ran the cipher: hand over, defer, or finish the
 * bio - a read completes, a write goes down, from here if @can_submit
 * (->map or the workqueue), else from @cc->wq.
 */
void iocrypt_crypt_end(struct iocrypt_io *io, int ret, bool can_submit)
{
	struct iocrypt_config *cc;
	struct bio *clone;

	/* the callback owns @io: not even a read of it */
	if (ret == -EINPROGRESS)
		return;
	if (ret == -EAGAIN) {
		iocrypt_defer(io, iocrypt_crypt_work);
		return;
	}
	cc = io->cc;
	clone = io->clone;
	if (io->t0)
		iodesc_add_attr(io->iod, AIO_ATTR_CRYPT_NS, ktime_get_ns() - io->t0);
	if (unlikely(ret)) {
		DMERR_LIMIT("%pg: %scryption failed at sector %llu: %d",
			    cc->dev->bdev, clone ? "en" : "de",
			    (unsigned long long)io->cur, ret);
		if (clone) {
			iodesc_uncarry(clone);
			iocrypt_free_bounce(cc, clone);
			bio_put(clone);
		}
		iocrypt_end_base(io, BLK_STS_IOERR);
		return;
	}
	if (!clone)
		iocrypt_end_base(io, BLK_STS_OK);
	else if (can_submit)
		iocrypt_submit_write(io);
	else
		iocrypt_defer(io, iocrypt_submit_work);
}

static void iocrypt_crypt_begin(struct iocrypt_io *io)
{
	io->iter = io->base->bi_iter;
	io->cur = io->sector;
	io->t0 = iodesc_wants(io->iod, AIO_ATTR_CRYPT_NS) ? ktime_get_ns() : 0;
}

/* Context: the lower device's completion: task, softirq or hardirq. */
static void iocrypt_read_endio(struct bio *clone)
{
	struct iocrypt_io *io = clone->bi_private;
	blk_status_t status = clone->bi_status;

	bio_put(clone);
	if (status) {
		iocrypt_end_base(io, status);
		return;
	}
	io->iod = iodesc_from_bio(io->base);
	iocrypt_crypt_begin(io);
	if (likely(READ_ONCE(read_inline))) {
		if (iocrypt_cipher_ctx_ok()) {
			atomic64_inc(&io->cc->stats.reads_inline);
			iocrypt_crypt_end(io, iocrypt_crypt_run(io, false, NULL), true);
			return;
		}
		/* hardirq or irqs off: softirq on this CPU, or spill */
		if (!in_nmi() && iocrypt_softirq_queue(io))
			return;
	}
	iocrypt_defer(io, iocrypt_crypt_work);
}

/* A REQ_NOWAIT bio that would have to wait: the submitter retries it. */
static int iocrypt_would_block(struct iocrypt_io *io)
{
	io->base->bi_status = BLK_STS_AGAIN;
	bio_endio(io->base);
	return DM_MAPIO_SUBMITTED;
}

static gfp_t iocrypt_gfp(const struct bio *bio)
{
	return bio->bi_opf & REQ_NOWAIT ? GFP_NOWAIT | __GFP_NOWARN : GFP_NOIO;
}

static int iocrypt_map_read(struct iocrypt_io *io)
{
	struct iocrypt_config *cc = io->cc;
	struct bio *clone;

	clone = bio_alloc_clone(cc->dev->bdev, io->base, iocrypt_gfp(io->base), &cc->bs);
	if (!clone)
		return io->base->bi_opf & REQ_NOWAIT ? iocrypt_would_block(io) :
						       DM_MAPIO_REQUEUE;
	/* dm polls its own clones, not ours: let the lower device interrupt */
	bio_clear_polled(clone);
	clone->bi_iter.bi_sector = cc->p.start + io->sector;
	clone->bi_private = io;
	clone->bi_end_io = iocrypt_read_endio;
	iocrypt_read_start(io);
	dm_submit_bio_remap(io->base, clone);
	return DM_MAPIO_SUBMITTED;
}

/*
 * Fill @clone with @nr bounce pages.  A writer first tries without
 * waiting; one that has to wait for the pool does so alone, holding
 * @cc->bounce_lock, so the writers that already have their pages can
 * always finish and refill the pool (no partial holders deadlock).
 */
static bool iocrypt_alloc_bounce(struct iocrypt_config *cc, struct bio *clone,
				 unsigned int size, bool nowait)
{
	gfp_t gfp = GFP_NOWAIT | __GFP_NOWARN;
	bool locked = false;
	struct page *page;
	unsigned int len;

retry:
	for (len = size; len; len -= min_t(unsigned int, len, PAGE_SIZE)) {
		page = mempool_alloc(&cc->page_pool, gfp);
		if (!page) {
			iocrypt_free_bounce(cc, clone);
			bio_reset(clone, clone->bi_bdev, clone->bi_opf);
			if (nowait)
				return false;
			atomic64_inc(&cc->stats.bounce_waits);
			mutex_lock(&cc->bounce_lock);
			locked = true;
			gfp = GFP_NOIO;
			goto retry;
		}
		__bio_add_page(clone, page, min_t(unsigned int, len, PAGE_SIZE), 0);
	}
	if (locked)
		mutex_unlock(&cc->bounce_lock);
	return true;
}

/* Context: the lower device's completion: task, softirq or hardirq. */
static void iocrypt_write_endio(struct bio *clone)
{
	struct iocrypt_io *io = clone->bi_private;
	blk_status_t status = clone->bi_status;

	iodesc_uncarry(clone);
	iocrypt_free_bounce(io->cc, clone);
	bio_put(clone);
	iocrypt_end_base(io, status);
}

/*
 * Context: the submitter's (->map); may sleep.  The encrypted bio is
 * submitted from here when the cipher runs in the call, else from the
 * workqueue, never from the transform's callback.
 */
static int iocrypt_map_write(struct iocrypt_io *io)
{
	struct iocrypt_config *cc = io->cc;
	bool nowait = io->base->bi_opf & REQ_NOWAIT;
	struct bio *clone;

	clone = bio_alloc_bioset(cc->dev->bdev, DIV_ROUND_UP(io->size, PAGE_SIZE),
				 io->base->bi_opf, iocrypt_gfp(io->base), &cc->bs);
	if (!clone)
		return nowait ? iocrypt_would_block(io) : DM_MAPIO_REQUEUE;
	if (!iocrypt_alloc_bounce(cc, clone, io->size, nowait)) {
		bio_put(clone);
		return iocrypt_would_block(io);
	}
	bio_clear_polled(clone);
	clone->bi_iter.bi_sector = cc->p.start + io->sector;
	/* what a clone would inherit: the lower device schedules by them */
	clone->bi_ioprio = io->base->bi_ioprio;
	aa_bio_copy_write_hint(clone, io->base);
	clone->bi_private = io;
	clone->bi_end_io = iocrypt_write_endio;
	io->iod = iodesc_from_bio(io->base);
	/*
	 * Carry the descriptor here, where we may allocate (GFP_NOWAIT for
	 * a REQ_NOWAIT bio), not where the bio is submitted, which can be
	 * the workqueue.  If it fails only the lower device's attributes are
	 * lost, not the data.
	 */
	iodesc_carry(io->iod, clone, iocrypt_gfp(io->base));
	io->clone = clone;

	iocrypt_crypt_begin(io);
	iocrypt_crypt_end(io, iocrypt_crypt_run(io, false, NULL), true);
	return DM_MAPIO_SUBMITTED;
}

static int iocrypt_map(struct dm_target *ti, struct bio *bio)
{
	struct iocrypt_config *cc = ti->private;
	unsigned int ss = cc->p.sector_size;
	struct iocrypt_io *io;

	/*
	 * Flushes (dm core sends them with no data and nothing in flight
	 * ahead of them) and discards go straight down.
	 */
	if (unlikely(bio->bi_opf & REQ_PREFLUSH ||
		     bio_op(bio) == REQ_OP_DISCARD)) {
		bio_set_dev(bio, cc->dev->bdev);
		if (bio_sectors(bio))
			bio->bi_iter.bi_sector = cc->p.start +
				dm_target_offset(ti, bio->bi_iter.bi_sector);
		return DM_MAPIO_REMAPPED;
	}
	if (unlikely(bio_op(bio) != REQ_OP_READ && bio_op(bio) != REQ_OP_WRITE))
		return DM_MAPIO_KILL;

	/* A write needs a bounce page per page of data: at most one bio's worth. */
	if (bio_op(bio) == REQ_OP_WRITE &&
	    unlikely(bio->bi_iter.bi_size > (BIO_MAX_VECS << PAGE_SHIFT)))
		dm_accept_partial_bio(bio, (BIO_MAX_VECS << PAGE_SHIFT) >> SECTOR_SHIFT);

	/* Whole crypto sectors only (io_hints tells the block layer). */
	if (unlikely(bio->bi_iter.bi_sector & ((ss >> SECTOR_SHIFT) - 1)) ||
	    unlikely(bio->bi_iter.bi_size & (ss - 1)))
		return DM_MAPIO_KILL;

	io = dm_per_bio_data(bio, ti->per_io_data_size);
	io->cc = cc;
	io->base = bio;
	io->clone = NULL;
	io->iod = NULL;
	io->cpu = -1;
	io->sector = dm_target_offset(ti, bio->bi_iter.bi_sector);
	io->size = bio->bi_iter.bi_size;

	if (bio_op(bio) == REQ_OP_READ)
		return iocrypt_map_read(io);
	return iocrypt_map_write(io);
}

/* Key handling. */

static int iocrypt_apply_key(struct iocrypt_config *cc)
{
	int ret;

	ret = crypto_skcipher_setkey(cc->tfm, cc->key, cc->p.key_size);
	if (!ret && cc->essiv_hash)
		ret = iocrypt_essiv_setkey(&cc->essiv, cc->essiv_hash, cc->key,
					   cc->p.key_size);
	return ret;
}

#ifdef CONFIG_KEYS
/* @desc is "logon:<description>" or "user:<description>". */
static int iocrypt_read_keyring(struct iocrypt_config *cc, const char *desc)
{
	const struct user_key_payload *ukp;
	struct key_type *type;
	struct key *key;
	int ret = 0;

	if (strstarts(desc, "logon:")) {
		type = &key_type_logon;
		desc += strlen("logon:");
	} else if (strstarts(desc, "user:")) {
		type = &key_type_user;
		desc += strlen("user:");
	} else {
		return -EINVAL;
	}
	key = request_key(type, desc, NULL);
	if (IS_ERR(key))
		return PTR_ERR(key);
	down_read(&key->sem);
	ukp = user_key_payload_locked(key);
	if (!ukp)
		ret = -EKEYREVOKED;
	else if (ukp->datalen != cc->p.key_size)
		ret = -EINVAL;
	else
		memcpy(cc->key, ukp->data, cc->p.key_size);
	up_read(&key->sem);
	key_put(key);
	return ret;
}
#else
static int iocrypt_read_keyring(struct iocrypt_config *cc, const char *desc)
{
	return -EINVAL;
}
#endif

/**
 * iocrypt_set_key() - set the key from a table or message argument
 * @cc: the target, with its transforms allocated
 * @arg: hex digits, or the "<type>:<description>" that follows ":<size>:"
 * @keyring: @arg names a keyring key
 *
 * A hex @arg is overwritten so that no copy of the key stays behind.
 *
 * Context: process; may sleep.
 * Return: 0 or a negative errno; the key is not valid after an error.
 */
int iocrypt_set_key(struct iocrypt_config *cc, char *arg, bool keyring)
{
	char *key_string = NULL;
	int ret;

	clear_bit(IOCRYPT_KEY_VALID, &cc->flags);
	if (keyring) {
		if (strpbrk(arg, " \t\n")) {
			ret = -EINVAL;
			goto out;
		}
		key_string = kstrdup(arg, GFP_KERNEL);
		if (!key_string) {
			ret = -ENOMEM;
			goto out;
		}
		ret = iocrypt_read_keyring(cc, arg);
	} else {
		ret = hex2bin(cc->key, arg, cc->p.key_size);
	}
	if (!ret)
		ret = iocrypt_apply_key(cc);
	if (keyring)
		/* the TABLE status shows the description, not the key */
		memzero_explicit(cc->key, sizeof(cc->key));
	if (ret) {
		kfree_sensitive(key_string);
		goto out;
	}
	kfree_sensitive(cc->key_string);
	cc->key_string = key_string;
	set_bit(IOCRYPT_KEY_VALID, &cc->flags);
out:
	if (!keyring)
		memset(arg, '0', strlen(arg));
	return ret;
}

static int iocrypt_wipe_key(struct iocrypt_config *cc)
{
	int ret;

	clear_bit(IOCRYPT_KEY_VALID, &cc->flags);
	kfree_sensitive(cc->key_string);
	cc->key_string = NULL;
	get_random_bytes(cc->key, cc->p.key_size);
	ret = iocrypt_apply_key(cc);
	memzero_explicit(cc->key, sizeof(cc->key));
	memzero_explicit(&cc->essiv, sizeof(cc->essiv));
	return ret;
}

/*
 * Testing (force_cryptd): the synchronous implementation of @name inside
 * cryptd, so that every request completes in cryptd's callback.  cryptd
 * takes a driver name reliably, not always an algorithm name.
 */
static struct crypto_skcipher *iocrypt_alloc_cryptd(const char *name)
{
	char drv[CRYPTO_MAX_ALG_NAME];
	struct crypto_skcipher *tfm;

	tfm = crypto_alloc_skcipher(name, 0, CRYPTO_ALG_ASYNC |
				    CRYPTO_ALG_ALLOCATES_MEMORY);
	if (IS_ERR(tfm))
		return tfm;
	if (snprintf(drv, sizeof(drv), "cryptd(%s)",
		     crypto_skcipher_driver_name(tfm)) >= sizeof(drv)) {
		crypto_free_skcipher(tfm);
		return ERR_PTR(-ENAMETOOLONG);
	}
	crypto_free_skcipher(tfm);
	return crypto_alloc_skcipher(drv, 0, CRYPTO_ALG_ALLOCATES_MEMORY);
}

/**
 * iocrypt_init_crypto() - allocate the transforms @cc->p asks for
 * @cc: the target, parameters parsed
 * @error: set to a description of the failure
 *
 * Context: process; may sleep.
 * Return: 0 or a negative errno.  iocrypt_free_crypto() undoes it, also
 * after a failure.
 */
int iocrypt_init_crypto(struct iocrypt_config *cc, char **error)
{
	const char *name = cc->p.chain == IOCRYPT_XTS ? "xts(aes)" : "cbc(aes)";
	int ret;

	/*
	 * The fastest implementation, asynchronous or not (on x86 the SIMD
	 * wrapper: AES-NI inline whenever the FPU is usable, cryptd only
	 * otherwise); iocrypt_crypt_run() treats asynchrony as the slow path.
	 * As dm-crypt: none that allocates memory per request.
	 */
	if (READ_ONCE(iocrypt_force_cryptd))
		cc->tfm = iocrypt_alloc_cryptd(name);
	else
		cc->tfm = crypto_alloc_skcipher(name, 0, CRYPTO_ALG_ALLOCATES_MEMORY);
	if (IS_ERR(cc->tfm)) {
		ret = PTR_ERR(cc->tfm);
		cc->tfm = NULL;
		*error = "Error allocating crypto tfm";
		return ret;
	}
	if (crypto_skcipher_ivsize(cc->tfm) != IOCRYPT_IV_SIZE) {
		*error = "Unsupported IV size";
		return -EINVAL;
	}
	if (cc->p.ivmode == IOCRYPT_IV_ESSIV) {
		cc->essiv_hash = crypto_alloc_shash(cc->p.essiv_hash, 0, 0);
		if (IS_ERR(cc->essiv_hash)) {
			ret = PTR_ERR(cc->essiv_hash);
			cc->essiv_hash = NULL;
			*error = "Error creating IV";
			return ret;
		}
		switch (crypto_shash_digestsize(cc->essiv_hash)) {
		case AES_KEYSIZE_128:
		case AES_KEYSIZE_192:
		case AES_KEYSIZE_256:
			break;
		default:
			*error = "ESSIV digest size is not an AES key size";
			return -EINVAL;
		}
	}
	return 0;
}

/**
 * iocrypt_free_crypto() - free what iocrypt_init_crypto() allocated
 * @cc: the target
 */
void iocrypt_free_crypto(struct iocrypt_config *cc)
{
	if (cc->tfm)
		crypto_free_skcipher(cc->tfm);
	cc->tfm = NULL;
	if (cc->essiv_hash)
		crypto_free_shash(cc->essiv_hash);
	cc->essiv_hash = NULL;
}

static void iocrypt_dtr(struct dm_target *ti)
{
	struct iocrypt_config *cc = ti->private;

	ti->private = NULL;
	if (!cc)
		return;
	if (cc->wq)
		destroy_workqueue(cc->wq);
	mempool_exit(&cc->page_pool);
	bioset_exit(&cc->bs);
	iocrypt_free_crypto(cc);
	if (cc->dev)
		dm_put_device(ti, cc->dev);
	kfree(cc->cipher_string);
	kfree_sensitive(cc->key_string);
	kfree_sensitive(cc);
}

/*
 * Construct an iocrypt mapping (dm-crypt's table line):
 *   <cipher> <key> <iv_offset> <dev_path> <start> [<#opt_params> <opt_params>]
 * <key> is hex, or :<key_size>:<logon|user>:<key_description>.
 */
static int iocrypt_ctr(struct dm_target *ti, unsigned int argc, char **argv)
{
	const char *devname = dm_table_device_name(ti->table);
	struct iocrypt_config *cc;
	char *error = NULL;
	int ret;

	cc = kzalloc(sizeof(*cc), GFP_KERNEL);
	if (!cc) {
		ti->error = "Cannot allocate encryption context";
		return -ENOMEM;
	}
	ti->private = cc;
	mutex_init(&cc->bounce_lock);

	ret = iocrypt_parse_table(&cc->p, argc, argv, ti->len, &error);
	if (ret) {
		ti->error = error;
		/* do not leave a hex key in the ioctl buffer */
		if (argc > 1 && argv[1][0] != ':')
			memset(argv[1], '0', strlen(argv[1]));
		goto bad;
	}

	ret = -ENOMEM;
	cc->cipher_string = kstrdup(argv[0], GFP_KERNEL);
	if (!cc->cipher_string) {
		ti->error = "Cannot allocate cipher strings";
		goto bad;
	}

	ret = iocrypt_init_crypto(cc, &error);
	if (ret) {
		ti->error = error;
		goto bad;
	}

	ret = iocrypt_set_key(cc, cc->p.key, cc->p.key_keyring);
	if (ret) {
		ti->error = "Error decoding and setting key";
		goto bad;
	}

	ret = dm_get_device(ti, cc->p.dev_path, dm_table_get_mode(ti->table), &cc->dev);
	if (ret) {
		ti->error = "Device lookup failed";
		goto bad;
	}

	ret = bioset_init(&cc->bs, IOCRYPT_MIN_IOS, 0,
			  BIOSET_NEED_BVECS | BIOSET_NEED_RESCUER);
	if (ret) {
		ti->error = "Cannot allocate bioset";
		goto bad;
	}
	/* One bio's worth of pages: the writer holding the lock can always finish. */
	ret = mempool_init_page_pool(&cc->page_pool, BIO_MAX_VECS, 0);
	if (ret) {
		ti->error = "Cannot allocate page mempool";
		goto bad;
	}
	/* per-cpu: a deferred read is decrypted where its data is cache hot */
	cc->wq = alloc_workqueue("kiocryptd/%s", WQ_MEM_RECLAIM | WQ_CPU_INTENSIVE,
				 0, devname);
	if (!cc->wq) {
		ret = -ENOMEM;
		ti->error = "Cannot allocate workqueue";
		goto bad;
	}

	cc->req_offset = ALIGN(sizeof(struct iocrypt_io), CRYPTO_MINALIGN);
	/* the SIMD wrapper's reqsize includes cryptd's and the inner cipher's */
	ti->per_io_data_size = cc->req_offset + sizeof(struct skcipher_request) +
			       crypto_skcipher_reqsize(cc->tfm);
	pr_debug(DM_NAME ": " DM_MSG_PREFIX ": %s: cipher %s, %u bytes per bio\n",
		 devname, crypto_skcipher_driver_name(cc->tfm), ti->per_io_data_size);
	ti->num_flush_bios = 1;
	ti->num_discard_bios = cc->p.allow_discards;
	ti->limit_swap_bios = true;
	ti->accounts_remapped_io = true;
	return 0;

bad:
	iocrypt_dtr(ti);
	return ret;
}

static void iocrypt_emit_key(struct iocrypt_config *cc, char *result,
			     unsigned int maxlen, unsigned int *szp)
{
	unsigned int sz = *szp, i;

	if (cc->key_string) {
		DMEMIT(":%u:%s", cc->p.key_size, cc->key_string);
	} else {
		for (i = 0; i < cc->p.key_size; i++)
			DMEMIT("%02x", cc->key[i]);
	}
	*szp = sz;
}

static void iocrypt_status(struct dm_target *ti, status_type_t type,
			   unsigned int status_flags, char *result,
			   unsigned int maxlen)
{
	struct iocrypt_config *cc = ti->private;
	const struct iocrypt_params *p = &cc->p;
	struct iocrypt_stats *st = &cc->stats;
	unsigned int sz = 0, nr;

	switch (type) {
	case STATUSTYPE_INFO:
		/* new counters go after the driver name: old parsers count fields */
		DMEMIT("%lld %lld %lld %lld %lld %lld %s %lld %lld",
		       atomic64_read(&st->reads_inline),
		       atomic64_read(&st->reads_deferred),
		       atomic64_read(&st->writes),
		       atomic64_read(&st->bounce_waits),
		       atomic64_read(&st->errors),
		       atomic64_read(&st->crypto_async),
		       crypto_skcipher_driver_name(cc->tfm),
		       atomic64_read(&st->reads_softirq),
		       atomic64_read(&st->reads_spread));
		break;

	case STATUSTYPE_TABLE:
		/* The key, as dm-crypt shows it; dmsetup hides it only for "crypt". */
		DMEMIT("%s ", cc->cipher_string);
		iocrypt_emit_key(cc, result, maxlen, &sz);
		DMEMIT(" %llu %s %llu", (unsigned long long)p->iv_offset,
		       cc->dev->name, (unsigned long long)p->start);
		nr = p->allow_discards + p->same_cpu_crypt +
		     p->submit_from_crypt_cpus + p->no_read_workqueue +
		     p->no_write_workqueue + (p->sector_size != SECTOR_SIZE) +
		     p->iv_large_sectors;
		if (!nr)
			break;
		DMEMIT(" %u", nr);
		if (p->allow_discards)
			DMEMIT(" allow_discards");
		if (p->same_cpu_crypt)
			DMEMIT(" same_cpu_crypt");
		if (p->submit_from_crypt_cpus)
			DMEMIT(" submit_from_crypt_cpus");
		if (p->no_read_workqueue)
			DMEMIT(" no_read_workqueue");
		if (p->no_write_workqueue)
			DMEMIT(" no_write_workqueue");
		if (p->sector_size != SECTOR_SIZE)
			DMEMIT(" sector_size:%u", p->sector_size);
		if (p->iv_large_sectors)
			DMEMIT(" iv_large_sectors");
		break;

	case STATUSTYPE_IMA:
		DMEMIT_TARGET_NAME_VERSION(ti->type);
		DMEMIT(",allow_discards=%c", p->allow_discards ? 'y' : 'n');
		DMEMIT(",iv_large_sectors=%c", p->iv_large_sectors ? 'y' : 'n');
		DMEMIT(",sector_size=%u", p->sector_size);
		DMEMIT(",cipher_string=%s", cc->cipher_string);
		DMEMIT(",key_size=%u", p->key_size);
		DMEMIT(";");
		break;
	}
}

static void iocrypt_postsuspend(struct dm_target *ti)
{
	struct iocrypt_config *cc = ti->private;

	set_bit(IOCRYPT_SUSPENDED, &cc->flags);
}

static int iocrypt_preresume(struct dm_target *ti)
{
	struct iocrypt_config *cc = ti->private;

	if (!test_bit(IOCRYPT_KEY_VALID, &cc->flags)) {
		DMERR("aborting resume - crypt key is not set.");
		return -EAGAIN;
	}
	return 0;
}

static void iocrypt_resume(struct dm_target *ti)
{
	struct iocrypt_config *cc = ti->private;

	clear_bit(IOCRYPT_SUSPENDED, &cc->flags);
}

/*
 * Messages (only while suspended):
 *   key set <key>	same size as the table's key; hex or :<size>:<type>:<desc>
 *   key wipe		forget the key; resume fails until a key is set
 */
static int iocrypt_message(struct dm_target *ti, unsigned int argc, char **argv,
			   char *result, unsigned int maxlen)
{
	struct iocrypt_config *cc = ti->private;
	char *key;
	int size;

	if (argc < 2 || strcasecmp(argv[0], "key"))
		goto unknown;
	if (!test_bit(IOCRYPT_SUSPENDED, &cc->flags)) {
		DMWARN("not suspended during key manipulation.");
		return -EINVAL;
	}
	if (argc == 3 && !strcasecmp(argv[1], "set")) {
		key = argv[2];
		size = iocrypt_parse_key_size(&key);
		if (size < 0 || size != cc->p.key_size) {
			memset(argv[2], '0', strlen(argv[2]));
			DMWARN("key set: the key size may not change.");
			return -EINVAL;
		}
		return iocrypt_set_key(cc, key[0] == ':' ? key + 1 : key,
				       key[0] == ':');
	}
	if (argc == 2 && !strcasecmp(argv[1], "wipe"))
		return iocrypt_wipe_key(cc);
unknown:
	DMWARN("unrecognised message received.");
	return -EINVAL;
}

static int iocrypt_iterate_devices(struct dm_target *ti,
				   iterate_devices_callout_fn fn, void *data)
{
	struct iocrypt_config *cc = ti->private;

	return fn(ti, cc->dev, cc->p.start, ti->len, data);
}

static void iocrypt_io_hints(struct dm_target *ti, struct queue_limits *limits)
{
	struct iocrypt_config *cc = ti->private;
	unsigned int ss = cc->p.sector_size;

	/* Bounce bios use one page per segment: do not promise more. */
	limits->max_segment_size = PAGE_SIZE;
	limits->logical_block_size = max(limits->logical_block_size, ss);
	limits->physical_block_size = max(limits->physical_block_size, ss);
	limits->io_min = max(limits->io_min, ss);
	limits->dma_alignment = limits->logical_block_size - 1;
}

static struct target_type iocrypt_target = {
	.name		 = "iocrypt",
	.version	 = {1, 2, 0},
	.module		 = THIS_MODULE,
	.ctr		 = iocrypt_ctr,
	.dtr		 = iocrypt_dtr,
	.map		 = iocrypt_map,
	.status		 = iocrypt_status,
	.postsuspend	 = iocrypt_postsuspend,
	.preresume	 = iocrypt_preresume,
	.resume		 = iocrypt_resume,
	.message	 = iocrypt_message,
	.iterate_devices = iocrypt_iterate_devices,
	.io_hints	 = iocrypt_io_hints,
	/*
	 * ->map never sleeps for a REQ_NOWAIT bio (it fails it with
	 * BLK_STS_AGAIN instead), so io_uring can issue to iocrypt inline
	 * rather than punting every request to an io-wq worker.
	 */
	.features	 = DM_TARGET_NOWAIT,
};

static int __init dm_iocrypt_init(void)
{
	int ret = iocrypt_softirq_init();

	if (ret)
		return ret;
	ret = dm_register_target(&iocrypt_target);
	if (ret < 0) {
		DMERR("register failed %d", ret);
		iocrypt_softirq_exit();
	}
	return ret;
}

/*
 * No target is left, so no bio is queued; iocrypt_softirq_exit() waits
 * for a tasklet still running the tail of its last pass.
 */
static void __exit dm_iocrypt_exit(void)
{
	dm_unregister_target(&iocrypt_target);
	iocrypt_softirq_exit();
}

module_init(dm_iocrypt_init);
module_exit(dm_iocrypt_exit);

MODULE_DESCRIPTION(DM_NAME " dm-crypt compatible target with inline completion and aio_attr attributes");
MODULE_LICENSE("GPL");
