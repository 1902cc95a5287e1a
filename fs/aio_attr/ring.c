// SPDX-License-Identifier: GPL-2.0
/*
 * aio_attr completion ring: space arithmetic on free-running byte counters,
 * entry encoding, posting from any context and the overflow list.
 *
 * Positions are u32 byte counters that only ever grow (and wrap at 2^32).
 * The data area is a power of two, so a position is turned into an offset
 * with "pos & (size - 1)" and "tail - head" is the number of bytes in use
 * whatever the wrap state.  Only the kernel writes tail and only userspace
 * writes head; the kernel keeps its own copy of tail and trusts nothing it
 * reads back from the mapping except head, which it sanity-checks.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/aio_attr_compat.h>
#include <linux/bitops.h>
#include <linux/eventfd.h>
#include <linux/hardirq.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>

#include "aio_attr.h"

/**
 * aa_ring_used() - bytes between head and tail
 * @head: consumer position
 * @tail: producer position
 * @size: data area size
 *
 * Return: bytes in use, or a value above @size when @head is not a
 * position the ring can have (userspace wrote garbage).
 */
u32 aa_ring_used(u32 head, u32 tail, u32 size)
{
	u32 used = tail - head;

	if (used > size || (head & 7))
		return size + 1;
	return used;
}

/**
 * aa_ring_reserve() - check room for one entry
 * @head: consumer position
 * @tail: producer position
 * @size: data area size, a power of two
 * @len: entry length, a multiple of 8 and at most @size
 * @skip: out: bytes of skip entry to write first (0 if none)
 *
 * An entry never wraps: if it does not fit between the tail and the end of
 * the data area, the rest of the area is covered by a skip entry and the
 * entry starts at offset 0.  Both must fit in the free space.
 *
 * Return: true when the entry (and its skip) fit.
 */
bool aa_ring_reserve(u32 head, u32 tail, u32 size, u32 len, u32 *skip)
{
	u32 used = aa_ring_used(head, tail, size);
	u32 to_end = size - (tail & (size - 1));

	*skip = len > to_end ? to_end : 0;
	if (used > size)
		return false;
	return *skip + len <= size - used;
}

/**
 * aa_event_bytes() - length of the entry for a request mask
 * @want: AIO_ATTR_BIT() mask of requested attributes
 *
 * Return: bytes of the fixed part plus one record per requested id.
 */
u32 aa_event_bytes(u64 want)
{
	return AIO_ATTR_EVENT_BYTES(hweight64(want));
}

/**
 * aa_encode_event() - write one completion entry
 * @dst: where the entry goes (8-byte aligned)
 * @user_data: from the request
 * @result: bytes or -errno
 * @flags: AIO_ATTR_EVF_* bits
 * @want: requested attribute ids
 * @handled: ids somebody filled
 * @val: values indexed by id
 *
 * Records follow in ascending id order, one per bit of @want.
 *
 * Return: the entry length in bytes.
 */
u32 aa_encode_event(void *dst, u64 user_data, s64 result, u16 flags,
		    u64 want, unsigned long handled, const atomic64_t *val)
{
	struct aio_attr_event *ev = dst;
	unsigned int nr = 0, id;

	for (id = 0; id < AIO_ATTR_NR; id++) {
		struct aio_attr_rec *rec;

		if (!(want & AIO_ATTR_BIT(id)))
			continue;
		rec = &ev->attrs[nr++];
		rec->id = id;
		rec->resv = 0;
		if (test_bit(id, &handled)) {
			rec->status = AIO_ATTR_ST_HANDLED;
			rec->value = atomic64_read(&val[id]);
		} else {
			rec->status = AIO_ATTR_ST_UNSUPPORTED;
			rec->value = 0;
		}
	}
	ev->flags = flags;
	ev->nr_attrs = nr;
	ev->result = result;
	ev->user_data = user_data;
	ev->len = AIO_ATTR_EVENT_BYTES(nr);
	return ev->len;
}

/**
 * aa_ring_count() - count the events between head and tail
 * @data: the data area
 * @size: its size
 * @head: consumer position
 * @tail: producer position
 * @limit: stop counting at this many events
 *
 * Walks the entries the kernel wrote.  Userspace can scribble on the
 * mapping, so every length is checked and the walk is bounded; @limit keeps
 * a wait or poll that only needs a few events from walking a large ring.
 *
 * Return: number of non-skip entries up to @limit, or -EBADMSG when the
 * ring is not consistent (a bad head or a damaged entry).
 */
int aa_ring_count(const void *data, u32 size, u32 head, u32 tail, u32 limit)
{
	u32 used = aa_ring_used(head, tail, size);
	u32 pos = head;
	u32 nr = 0;

	if (used > size)
		return -EBADMSG;
	while (pos != tail && nr < limit) {
		u32 off = pos & (size - 1);
		const struct aio_attr_event *ev = data + off;
		u32 len = READ_ONCE(ev->len);

		if (len < 8 || (len & 7) || len > tail - pos ||
		    len > size - off)
			return -EBADMSG;
		if (!(READ_ONCE(ev->flags) & AIO_ATTR_EVF_SKIP))
			nr++;
		pos += len;
	}
	return nr;
}

/*
 * Put @req's event into the ring if it fits.  Called with ctx->lock held,
 * from any context.
 */
static bool aa_ring_put_locked(struct aa_ctx *ctx, struct aa_req *req,
			       u16 flags)
{
	struct aio_attr_ring_hdr *hdr = ctx->hdr;
	u32 size = ctx->ring_bytes;
	u32 len = aa_event_bytes(req->iod.want);
	/* userspace is done reading what head has passed before we reuse it */
	u32 head = smp_load_acquire(&hdr->head);
	u32 tail = ctx->tail;
	u32 skip;

	if (!aa_ring_reserve(head, tail, size, len, &skip))
		return false;
	if (skip) {
		struct aio_attr_event *ev = ctx->data + (tail & (size - 1));

		ev->len = skip;
		ev->flags = AIO_ATTR_EVF_SKIP;
		tail += skip;
	}
	aa_encode_event(ctx->data + (tail & (size - 1)), req->user_data,
			atomic64_read(&req->result), flags, req->iod.want,
			req->iod.handled, req->iod.val);
	tail += len;
	/*
	 * Entries are visible before the tail that covers them: to
	 * aa_ctx_ready() counting without the lock, and to userspace.
	 */
	smp_store_release(&ctx->tail, tail);
	/* (the same for userspace's copy) */
	smp_store_release(&hdr->tail, tail);
	WRITE_ONCE(hdr->posted_total, hdr->posted_total + 1);
	return true;
}

static void aa_update_overflow_hdr(struct aa_ctx *ctx)
{
	struct aio_attr_ring_hdr *hdr = ctx->hdr;

	WRITE_ONCE(hdr->overflow_pending, ctx->overflow_nr);
	if (ctx->overflow_nr)
		WRITE_ONCE(hdr->flags, hdr->flags | AIO_ATTR_RING_F_OVERFLOW);
	else
		WRITE_ONCE(hdr->flags, hdr->flags & ~AIO_ATTR_RING_F_OVERFLOW);
}

/*
 * Move up to @max overflowed completions into the ring, oldest first,
 * while they fit.  Moved requests go to @done for the caller to release
 * after unlocking.  Called with ctx->lock held (interrupts off), so @max
 * bounds the time spent here.
 */
static unsigned int aa_flush_overflow_locked(struct aa_ctx *ctx,
					     struct list_head *done,
					     unsigned int max)
{
	struct aa_req *req, *next;
	unsigned int moved = 0;

	list_for_each_entry_safe(req, next, &ctx->overflow, ov_link) {
		if (moved == max ||
		    !aa_ring_put_locked(ctx, req, AIO_ATTR_EVF_OVERFLOWED))
			break;
		list_move_tail(&req->ov_link, done);
		WRITE_ONCE(ctx->overflow_nr, ctx->overflow_nr - 1);
		moved++;
	}
	if (moved)
		aa_update_overflow_hdr(ctx);
	return moved;
}

/**
 * aa_release_list() - drop the event reference of requests on a list
 * @done: requests linked by ov_link, whose events were posted or dropped
 *
 * Context: any; may drop the last context reference.
 */
void aa_release_list(struct list_head *done)
{
	struct aa_req *req, *next;

	list_for_each_entry_safe(req, next, done, ov_link) {
		list_del(&req->ov_link);
		aa_req_put(req);
	}
}

/**
 * aa_post() - publish a finished request
 * @req: request whose result and attributes are final
 *
 * Posts the event into the ring, or appends it to the overflow list when
 * the ring is full or older completions are still waiting there, so order
 * is kept and nothing is lost.  Never sleeps and never allocates.  At
 * most AA_ATOMIC_DRAIN older completions are moved from the overflow list
 * on the way; process context (submit, wait, poll) moves the rest.
 *
 * A request parked on the overflow list belongs to the list from the
 * moment the lock is dropped: a racing close() may release it, and with
 * it the last context reference.  So the context is pinned for the
 * wakeups that follow.
 *
 * Context: any, including hardirq.
 */
void aa_post(struct aa_req *req)
{
	struct aa_ctx *ctx = req->ctx;
	unsigned long flags;
	LIST_HEAD(done);
	bool dead;

	spin_lock_irqsave(&ctx->lock, flags);
	dead = ctx->dead;
	if (dead) {
		list_add_tail(&req->ov_link, &done);
	} else {
		aa_flush_overflow_locked(ctx, &done, AA_ATOMIC_DRAIN);
		if (list_empty(&ctx->overflow) &&
		    aa_ring_put_locked(ctx, req, 0)) {
			list_add_tail(&req->ov_link, &done);
		} else {
			aa_ctx_get(ctx);
			list_add_tail(&req->ov_link, &ctx->overflow);
			WRITE_ONCE(ctx->overflow_nr, ctx->overflow_nr + 1);
			ctx->hdr->overflow_total++;
			aa_update_overflow_hdr(ctx);
			aa_stat_inc(overflowed);
			req = NULL;
		}
	}
	spin_unlock_irqrestore(&ctx->lock, flags);

	aa_stat_inc(completed);
	if (!dead) {
		if (ctx->evfd)
			aa_eventfd_signal(ctx->evfd);
		if (wq_has_sleeper(&ctx->wait))
			wake_up_all(&ctx->wait);
	}
	/* the pin taken for a parked request */
	if (!req)
		aa_ctx_put(ctx);
	/* may drop the last context reference; ctx is not used after this */
	aa_release_list(&done);
}

/**
 * aa_ctx_ready() - flush the overflow list and count what is available
 * @ctx: context, set up
 * @limit: count ring events only up to this many
 * @ring: out: events in the ring, at most @limit
 * @overflow: out: completions still on the overflow list
 *
 * The overflow list is drained in batches of AA_TASK_DRAIN, with the lock
 * (and interrupts) released between batches.  The walk over the ring runs
 * after ctx->lock is dropped: entries below the tail snapshot do not
 * change until userspace moves head past them, and a walk that races
 * with that is bounded and checked.  With nothing on the overflow list
 * (the common case: a wait in SUBMIT on a device that completed inline)
 * the lock is not taken at all; a completion parked after the check
 * wakes the waiters, who look again.
 *
 * Context: process; may take ctx->lock with interrupts off.
 * Return: @ring + @overflow; a damaged ring counts as empty.
 */
unsigned int aa_ctx_ready(struct aa_ctx *ctx, u32 limit, u32 *ring,
			  u32 *overflow)
{
	unsigned int moved;
	u32 head, tail;
	int nr;

	if (!READ_ONCE(ctx->overflow_nr)) {
		/* pairs with the release in aa_ring_put_locked() */
		tail = smp_load_acquire(&ctx->tail);
		*overflow = 0;
	} else {
		do {
			LIST_HEAD(done);

			spin_lock_irq(&ctx->lock);
			moved = aa_flush_overflow_locked(ctx, &done, AA_TASK_DRAIN);
			tail = ctx->tail;
			*overflow = ctx->overflow_nr;
			spin_unlock_irq(&ctx->lock);
			aa_release_list(&done);
		} while (moved == AA_TASK_DRAIN && *overflow);
	}

	/* same pairing as in aa_ring_put_locked() */
	head = smp_load_acquire(&ctx->hdr->head);
	nr = aa_ring_count(ctx->data, ctx->ring_bytes, head, tail, limit);
	*ring = nr < 0 ? 0 : nr;
	return *ring + *overflow;
}

/**
 * aa_ctx_free_ring() - free the ring and give back its charge
 * @ctx: context
 *
 * Context: process.
 */
void aa_ctx_free_ring(struct aa_ctx *ctx)
{
	unsigned int i;

	if (ctx->hdr)
		vunmap(ctx->hdr);
	for (i = 0; i < ctx->nr_pages; i++)
		__free_page(ctx->pages[i]);
	kvfree(ctx->pages);
	aa_user_uncharge_ring(ctx);
	ctx->hdr = NULL;
	ctx->data = NULL;
	ctx->sqes = NULL;
	ctx->pages = NULL;
	ctx->nr_pages = 0;
}

/**
 * aa_ctx_setup_ring() - allocate the header page, data area and sqes
 * @ctx: context
 * @ring_bytes: data area size, validated by the caller
 * @sq_entries: sqes of the submission queue, 0 or a power of two no
 *		larger than AIO_ATTR_SQ_MAX_ENTRIES (validated by the caller)
 *
 * The mapping is the header page, the data area, and the submission
 * queue's pages when there is one.
 * The pages are charged to the memory cgroup and, unless the caller has
 * CAP_IPC_LOCK, to the user's RLIMIT_MEMLOCK; they are mapped into
 * userspace page by page (aa_mmap()) and into the kernel with vmap().
 *
 * Context: process, with ctx->setup_lock held.
 * Return: 0, or -ENOMEM (out of memory or over RLIMIT_MEMLOCK).
 */
int aa_ctx_setup_ring(struct aa_ctx *ctx, u32 ring_bytes, u32 sq_entries)
{
	u32 data_off = PAGE_SIZE;
	u32 sq_off = data_off + PAGE_ALIGN(ring_bytes);
	u32 total = sq_off +
		    PAGE_ALIGN(sq_entries * sizeof(struct aio_attr_sqe));
	unsigned int i, nr = total >> PAGE_SHIFT;
	struct aio_attr_ring_hdr *hdr;
	int ret;

	ret = aa_user_charge_ring(ctx, nr);
	if (ret)
		return ret;
	ret = -ENOMEM;
	ctx->pages = kvcalloc(nr, sizeof(*ctx->pages), GFP_KERNEL_ACCOUNT);
	if (!ctx->pages)
		goto fail;
	for (i = 0; i < nr; i++) {
		ctx->pages[i] = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
		if (!ctx->pages[i])
			goto fail;
		ctx->nr_pages++;
	}
	hdr = vmap(ctx->pages, nr, VM_MAP, PAGE_KERNEL);
	if (!hdr)
		goto fail;
	hdr->mask = ring_bytes - 1;
	hdr->ring_bytes = ring_bytes;
	hdr->entry_version = AIO_ATTR_ENTRY_VERSION;
	hdr->data_offset = data_off;
	ctx->hdr = hdr;
	ctx->data = (void *)hdr + data_off;
	if (sq_entries) {
		ctx->sqes = (void *)hdr + sq_off;
		ctx->sq_mask = sq_entries - 1;
	}
	ctx->ring_bytes = ring_bytes;
	ctx->mmap_bytes = total;
	return 0;
fail:
	aa_ctx_free_ring(ctx);
	return ret;
}
