// SPDX-License-Identifier: GPL-2.0
/*
 * iodesc: the opaque I/O descriptor and how a driver finds it from a bio.
 *
 * Lookup.  dm and blk-mq hand drivers clones and splits of the bio the
 * framework submitted; those are new struct bios, but they share the
 * parent's bvec table (bi_io_vec).  A lower layer may also point a bio of
 * its own into the middle of that table: loop with direct I/O builds the
 * backing file's iterator over &table[idx] for a split.  So the key is
 * the memory of the table.  Two ways lead from it to the descriptor:
 *
 *  - The common case, a table inside a request slot: the slot's page is
 *    in the xarray of request table pages (req.c), and the address
 *    rounded down to the slot gives the request.  Nothing per I/O.
 *  - Any other table - a request too large for its slot, a bio a
 *    stacking driver allocates itself and attaches with iodesc_carry() -
 *    is registered as a range: every page the table touches gets a key
 *    for its part, and a lookup hashes the page of bi_io_vec and finds
 *    the key whose range holds it.  The hash has RCU-protected chains with
 *    one irq-safe lock per bucket: lookup is O(1) and lock-free in any
 *    context.  Keys are unhashed before their request posts its
 *    completion, so a lookup after completion finds nothing, and their
 *    memory is freed after an RCU grace period because lookups may still
 *    be walking a chain.
 *
 * The rhashtable library is not used on purpose: in 6.1 its bucket locks
 * are only bh-safe, and keys are removed from hardirq completions.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hash.h>
#include <linux/hardirq.h>
#include <linux/iodesc.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "aio_attr.h"

struct aa_bucket {
	spinlock_t		lock;
	struct hlist_head	head;
};

static struct aa_bucket *aa_buckets __read_mostly;
static unsigned int aa_hash_bits __read_mostly;
/*
 * Contexts (and test fixtures) that may register keys: while there are
 * none, a lookup returns at once.  Changes per context, not per I/O, so
 * the cache line stays shared among the CPUs that read it.
 */
static atomic_t aa_lookup_users __read_mostly = ATOMIC_INIT(0);

/**
 * aa_lookup_init() - allocate the lookup table
 * @entries: expected number of live keys; the table gets about as many buckets
 *
 * Context: process (module init).
 * Return: 0 or -ENOMEM.
 */
int aa_lookup_init(unsigned int entries)
{
	unsigned int i, nr;

	nr = roundup_pow_of_two(clamp(entries, 256U, 1U << 20));
	aa_hash_bits = ilog2(nr);
	aa_buckets = kvcalloc(nr, sizeof(*aa_buckets), GFP_KERNEL);
	if (!aa_buckets)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		spin_lock_init(&aa_buckets[i].lock);
		INIT_HLIST_HEAD(&aa_buckets[i].head);
	}
	return 0;
}

/**
 * aa_lookup_exit() - free the lookup table
 *
 * Context: process (module exit); every key is gone by then.
 */
void aa_lookup_exit(void)
{
	unsigned int i;

	WARN_ON(atomic_read(&aa_lookup_users));
	for (i = 0; i < (1U << aa_hash_bits); i++)
		WARN_ON(!hlist_empty(&aa_buckets[i].head));
	kvfree(aa_buckets);
	aa_buckets = NULL;
}

/**
 * aa_lookup_get() - a context that may register keys is created
 *
 * Context: any.
 */
void aa_lookup_get(void)
{
	atomic_inc(&aa_lookup_users);
}

/**
 * aa_lookup_put() - such a context is gone, with all its keys
 *
 * Context: any.
 */
void aa_lookup_put(void)
{
	atomic_dec(&aa_lookup_users);
}

static struct aa_bucket *aa_bucket_of(unsigned long addr)
{
	return &aa_buckets[hash_long(addr >> PAGE_SHIFT, aa_hash_bits)];
}

/* Keys are within one page, so the ranges of one bucket never mix pages. */
static bool aa_key_overlaps(const struct aa_key *k, unsigned long start,
			    unsigned long end)
{
	return k->start < end && start < k->end;
}

/* Context: any. */
static int aa_key_insert(struct aa_key *k)
{
	struct aa_bucket *b = aa_bucket_of(k->start);
	struct aa_key *pos;
	unsigned long flags;

	spin_lock_irqsave(&b->lock, flags);
	hlist_for_each_entry(pos, &b->head, node) {
		if (aa_key_overlaps(pos, k->start, k->end)) {
			spin_unlock_irqrestore(&b->lock, flags);
			return -EEXIST;
		}
	}
	hlist_add_head_rcu(&k->node, &b->head);
	k->hashed = true;
	spin_unlock_irqrestore(&b->lock, flags);
	return 0;
}

/*
 * Context: any.  A key that was never hashed (the descriptor of a request
 * that is not an O_DIRECT block-device bio) costs no lock.
 */
static void aa_key_remove(struct aa_key *k)
{
	struct aa_bucket *b;
	unsigned long flags;

	if (!READ_ONCE(k->hashed))
		return;
	b = aa_bucket_of(k->start);
	spin_lock_irqsave(&b->lock, flags);
	if (k->hashed) {
		hlist_del_rcu(&k->node);
		k->hashed = false;
	}
	spin_unlock_irqrestore(&b->lock, flags);
}

/* Find the key holding @addr; caller holds rcu_read_lock(). */
static struct aa_key *aa_key_find(const void *addr)
{
	unsigned long a = (unsigned long)addr;
	struct aa_key *k;

	hlist_for_each_entry_rcu(k, &aa_bucket_of(a)->head, node)
		if (READ_ONCE(k->start) <= a && a < READ_ONCE(k->end))
			return k;
	return NULL;
}

/* Pages touched by @bytes at @table. */
static unsigned int aa_table_pages(const void *table, size_t bytes)
{
	unsigned long start = (unsigned long)table;

	return ((start + bytes - 1) >> PAGE_SHIFT) - (start >> PAGE_SHIFT) + 1;
}

static void aa_keys_remove(struct aa_key *keys, unsigned int nr)
{
	while (nr--)
		aa_key_remove(&keys[nr]);
}

/*
 * Free an unhashed key array after a grace period: readers may see it.
 * Context: any.
 */
static void aa_key_free(struct aa_key *k)
{
	kfree_rcu(k, rcu);
}

/*
 * Fill @nr keys, one per page of the table, and hash them; all or none.
 * When one cannot be hashed, the ones before it were: a lookup may be
 * walking them, so the caller frees the array with aa_key_free().
 * Context: any.
 */
static int aa_keys_insert(struct aa_key *keys, unsigned int nr,
			  struct iodesc *iod, const void *table, size_t bytes)
{
	unsigned long start = (unsigned long)table, end = start + bytes;
	unsigned int i;
	int ret;

	for (i = 0; i < nr; i++) {
		struct aa_key *k = &keys[i];

		k->start = start;
		k->end = min(end, (start & PAGE_MASK) + PAGE_SIZE);
		k->table = table;
		k->iod = iod;
		ret = aa_key_insert(k);
		if (ret) {
			aa_keys_remove(keys, i);
			return ret;
		}
		start = k->end;
	}
	return 0;
}

/**
 * aa_iod_init() - initialise the descriptor of a new request
 * @iod: descriptor
 * @want: requested attribute mask
 *
 * Context: any.
 */
void aa_iod_init(struct iodesc *iod, u64 want)
{
	unsigned int id;

	iod->want = want;
	/* a clock reading per request only for the ids measured from it */
	iod->submit_ns = want & AA_SINCE_SUBMIT ? ktime_get_ns() : 0;
	iod->handled = 0;
	iod->flags = 0;
	for (id = 0; id < AIO_ATTR_NR; id++)
		atomic64_set(&iod->val[id], 0);
	iod->keys = NULL;
	iod->nr_keys = 0;
	spin_lock_init(&iod->carry_lock);
	INIT_LIST_HEAD(&iod->carried);
}

/**
 * aa_iod_register() - make the bvec table of the request's bio findable
 * @iod: descriptor
 * @bvec_table: bi_io_vec of the bio about to be submitted, when it is not
 *		the table inside the request slot
 * @bytes: size of the table
 * @gfp: for the keys, one per page the table touches
 *
 * Every address inside the table finds @iod, not only its start.
 *
 * Context: any, with @gfp to match.
 * Return: 0, -ENOMEM, or -EEXIST when the table is already registered (a
 * bug).
 */
int aa_iod_register(struct iodesc *iod, const void *bvec_table, size_t bytes,
		    gfp_t gfp)
{
	unsigned int nr = aa_table_pages(bvec_table, bytes);
	int ret;

	if (WARN_ON_ONCE(iod->nr_keys))
		return -EEXIST;
	iod->keys = kcalloc(nr, sizeof(*iod->keys), gfp);
	if (!iod->keys)
		return -ENOMEM;
	ret = aa_keys_insert(iod->keys, nr, iod, bvec_table, bytes);
	if (ret) {
		aa_key_free(iod->keys);
		iod->keys = NULL;
		return ret;
	}
	iod->nr_keys = nr;
	return 0;
}

/*
 * The keys of a request that has any: aa_iod_unregister_all() checks.
 * Context: any.
 */
void __aa_iod_unregister_all(struct iodesc *iod)
{
	struct aa_key *k, *next;
	unsigned long flags;

	if (iod->keys) {
		aa_keys_remove(iod->keys, iod->nr_keys);
		aa_key_free(iod->keys);
		iod->keys = NULL;
		iod->nr_keys = 0;
	}
	if (list_empty_careful(&iod->carried))
		return;
	spin_lock_irqsave(&iod->carry_lock, flags);
	list_for_each_entry_safe(k, next, &iod->carried, link) {
		aa_keys_remove(k, k->nr);
		list_del(&k->link);
		aa_key_free(k);
	}
	spin_unlock_irqrestore(&iod->carry_lock, flags);
}

static u64 aa_completion_ctx(const struct iodesc *iod, bool inline_done)
{
	u64 v;

	if (in_hardirq()) {
		v = AIO_ATTR_CTX_HARDIRQ;
	} else {
		v = in_serving_softirq() ? AIO_ATTR_CTX_SOFTIRQ :
					   AIO_ATTR_CTX_TASK;
		if (irqs_disabled())
			v |= AIO_ATTR_CTX_IRQS_OFF;
	}
	if (test_bit(AA_IOD_HOP, &iod->flags))
		v |= AIO_ATTR_CTX_HOP;
	if (test_bit(AA_IOD_WORKER, &iod->flags))
		v |= AIO_ATTR_CTX_WORKER | AIO_ATTR_CTX_HOP;
	if (test_bit(AA_IOD_SOFTIRQ_HOP, &iod->flags))
		v |= AIO_ATTR_CTX_SOFTIRQ_HOP;
	if (inline_done)
		v |= AIO_ATTR_CTX_INLINE;
	return v;
}

/**
 * aa_iod_finish() - fill the attributes the framework owns
 * @iod: descriptor
 * @inline_done: the request completed inside the submission call
 *
 * Context: any; records the context it runs in.
 */
void aa_iod_finish(struct iodesc *iod, bool inline_done)
{
	if (iod->want & AIO_ATTR_BIT(AIO_ATTR_SERVICE_NS)) {
		atomic64_set(&iod->val[AIO_ATTR_SERVICE_NS],
			     ktime_get_ns() - iod->submit_ns);
		set_bit(AIO_ATTR_SERVICE_NS, &iod->handled);
	}
	if (iod->want & AIO_ATTR_BIT(AIO_ATTR_COMPLETION_CTX)) {
		atomic64_set(&iod->val[AIO_ATTR_COMPLETION_CTX],
			     aa_completion_ctx(iod, inline_done));
		set_bit(AIO_ATTR_COMPLETION_CTX, &iod->handled);
	}
}

/**
 * aa_iod_set_pagecache() - what the page cache did for a buffered request
 * @iod: descriptor
 * @value: AIO_ATTR_PAGECACHE_* value
 *
 * Context: any.
 */
void aa_iod_set_pagecache(struct iodesc *iod, u64 value)
{
	if (!(iod->want & AIO_ATTR_BIT(AIO_ATTR_PAGECACHE)))
		return;
	atomic64_set(&iod->val[AIO_ATTR_PAGECACHE], value);
	set_bit(AIO_ATTR_PAGECACHE, &iod->handled);
}

/**
 * iodesc_from_bio() - find the I/O descriptor a bio belongs to
 * @bio: a bio the caller owns until it completes it
 *
 * Works for the bio the framework submitted, for every clone or split of
 * it (they share its bvec table), for a bio whose bi_io_vec points into
 * the middle of that table, and for bios a stacking driver registered
 * with iodesc_carry().  The common case costs one xarray lookup and no
 * shared write.
 *
 * Context: any, including hardirq; lock-free.
 * Return: the descriptor, valid until @bio is completed, or NULL when the
 * bio does not come from aio_attr.
 */
struct iodesc *iodesc_from_bio(const struct bio *bio)
{
	struct iodesc *iod = NULL;
	struct aa_key *k;

	if (!bio || !bio->bi_io_vec || !atomic_read(&aa_lookup_users))
		return NULL;
	iod = aa_slot_iod(bio->bi_io_vec);
	if (iod)
		return iod;
	rcu_read_lock();
	k = aa_key_find(bio->bi_io_vec);
	if (k)
		iod = READ_ONCE(k->iod);
	rcu_read_unlock();
	return iod;
}
EXPORT_SYMBOL_GPL(iodesc_from_bio);

/**
 * iodesc_wants() - is an attribute requested?
 * @iod: descriptor or NULL
 * @id: enum aio_attr_id
 *
 * Lets a driver skip work (such as reading a clock) nobody asked for.
 *
 * Context: any.
 * Return: true when @iod is not NULL and its request asked for @id.
 */
bool iodesc_wants(const struct iodesc *iod, unsigned int id)
{
	return iod && id < AIO_ATTR_NR && (iod->want & AIO_ATTR_BIT(id));
}
EXPORT_SYMBOL_GPL(iodesc_wants);

/* Attributes only the framework may set. */
static bool aa_driver_attr(unsigned int id)
{
	return id != AIO_ATTR_SERVICE_NS && id != AIO_ATTR_COMPLETION_CTX &&
	       id != AIO_ATTR_PAGECACHE;
}

static void aa_attr_max(atomic64_t *v, u64 value)
{
	s64 old = atomic64_read(v);

	while ((u64)old < value) {
		if (atomic64_try_cmpxchg(v, &old, value))
			break;
	}
}

/**
 * iodesc_set_attr() - report an attribute value
 * @iod: descriptor or NULL
 * @id: enum aio_attr_id
 * @value: value in the units the registry gives for @id
 *
 * Marks @id HANDLED.  When several parts of one request report @id, the
 * values combine by the registry's rule: the maximum for QUEUE_NS and
 * DEVICE_NS, the OR for CACHE, the sum for CRYPT_NS.  SERVICE_NS,
 * COMPLETION_CTX and PAGECACHE belong to the framework and are ignored
 * here.
 * Nothing happens when @id was not requested.
 *
 * Context: any, including hardirq; lock-free.
 */
void iodesc_set_attr(struct iodesc *iod, unsigned int id, u64 value)
{
	if (!iodesc_wants(iod, id) || !aa_driver_attr(id))
		return;
	switch (id) {
	case AIO_ATTR_CACHE:
		atomic64_or(value, &iod->val[id]);
		break;
	case AIO_ATTR_CRYPT_NS:
		atomic64_add(value, &iod->val[id]);
		break;
	default:
		aa_attr_max(&iod->val[id], value);
		break;
	}
	set_bit(id, &iod->handled);
}
EXPORT_SYMBOL_GPL(iodesc_set_attr);

/**
 * iodesc_add_attr() - add to an attribute value
 * @iod: descriptor or NULL
 * @id: enum aio_attr_id
 * @delta: amount to add
 *
 * For a value a driver builds up in steps (time spent on several chunks of
 * one bio).  Marks @id HANDLED; ignored for ids not requested and for the
 * framework's own ids.
 *
 * Context: any, including hardirq; lock-free.
 */
void iodesc_add_attr(struct iodesc *iod, unsigned int id, u64 delta)
{
	if (!iodesc_wants(iod, id) || !aa_driver_attr(id))
		return;
	atomic64_add(delta, &iod->val[id]);
	set_bit(id, &iod->handled);
}
EXPORT_SYMBOL_GPL(iodesc_add_attr);

/**
 * iodesc_note_dispatch_at() - the request reached the device driver at @now_ns
 * @iod: descriptor or NULL
 * @now_ns: a ktime_get_ns() reading taken at dispatch
 *
 * iodesc_note_dispatch() for a driver that reads the clock at dispatch
 * anyway, as the start of its own DEVICE_NS: one reading serves both, and
 * the two intervals meet without overlapping.  A reading older than the
 * submission gives 0.
 *
 * Context: any.
 */
void iodesc_note_dispatch_at(struct iodesc *iod, u64 now_ns)
{
	if (iodesc_wants(iod, AIO_ATTR_QUEUE_NS))
		iodesc_set_attr(iod, AIO_ATTR_QUEUE_NS,
				now_ns > iod->submit_ns ?
				now_ns - iod->submit_ns : 0);
}
EXPORT_SYMBOL_GPL(iodesc_note_dispatch_at);

/**
 * iodesc_note_dispatch() - the request reached the device driver
 * @iod: descriptor or NULL
 *
 * Sets QUEUE_NS to the time since submission.  A blk-mq driver calls it
 * from ->queue_rq, a bio-based one from ->submit_bio.  The clock is read
 * only when QUEUE_NS was requested.
 *
 * Context: any.
 */
void iodesc_note_dispatch(struct iodesc *iod)
{
	if (iodesc_wants(iod, AIO_ATTR_QUEUE_NS))
		iodesc_note_dispatch_at(iod, ktime_get_ns());
}
EXPORT_SYMBOL_GPL(iodesc_note_dispatch);

/**
 * iodesc_note_hop() - the completion is being deferred
 * @iod: descriptor or NULL
 *
 * A layer that passes the completion to a workqueue, kthread or task_work
 * instead of completing in the context it was called from says so here;
 * COMPLETION_CTX then carries AIO_ATTR_CTX_HOP.
 *
 * Context: any.
 */
void iodesc_note_hop(struct iodesc *iod)
{
	if (iod)
		set_bit(AA_IOD_HOP, &iod->flags);
}
EXPORT_SYMBOL_GPL(iodesc_note_hop);

/**
 * iodesc_note_softirq_hop() - the completion is being deferred to softirq
 * @iod: descriptor or NULL
 *
 * A layer that passes the completion from hard interrupt context (or from
 * a context with interrupts off) to a softirq - a tasklet, on this CPU or
 * raised on another by an IPI, not a thread - says so here instead of
 * with iodesc_note_hop();
 * COMPLETION_CTX then carries AIO_ATTR_CTX_SOFTIRQ_HOP, not
 * AIO_ATTR_CTX_HOP, since no context switch is involved.
 *
 * Context: any.
 */
void iodesc_note_softirq_hop(struct iodesc *iod)
{
	if (iod)
		set_bit(AA_IOD_SOFTIRQ_HOP, &iod->flags);
}
EXPORT_SYMBOL_GPL(iodesc_note_softirq_hop);

/**
 * iodesc_submit_time_ns() - when the request was submitted
 * @iod: descriptor or NULL
 *
 * Context: any.
 * Return: ktime_get_ns() at submission when the request asked for
 * AIO_ATTR_SERVICE_NS or AIO_ATTR_QUEUE_NS, the attributes measured from
 * it; otherwise, and for NULL, 0.
 */
u64 iodesc_submit_time_ns(const struct iodesc *iod)
{
	return iod ? iod->submit_ns : 0;
}
EXPORT_SYMBOL_GPL(iodesc_submit_time_ns);

/*
 * The keys of a carried table, allocated: a request slot is reused as soon
 * as its request ends, so keys that lookups may still be walking cannot
 * live in it.
 */
static struct aa_key *aa_carry_keys(unsigned int nr, gfp_t gfp)
{
	struct aa_key *k = kcalloc(nr, sizeof(*k), gfp);

	if (k) {
		k->nr = nr;
		k->carried = true;
	}
	return k;
}

/**
 * iodesc_carry() - attach a descriptor to a bio the driver allocated
 * @iod: descriptor (from iodesc_from_bio() on the original bio) or NULL
 * @bio: the new bio, with its bvec table allocated
 * @gfp: allocation flags for the lookup keys
 *
 * A stacking driver that sends its own bio down instead of a clone (a
 * crypt target's bounce-page write) calls this before submitting it, so
 * the drivers below find the same descriptor - also through bios that
 * point into the middle of its bvec table.  Call iodesc_uncarry() from
 * the bio's end_io before freeing it; anything left carried is dropped
 * when the request completes.
 *
 * Context: any; with GFP_ATOMIC when atomic.
 * Return: 0 (also for a NULL @iod), -EINVAL for a bio without a bvec
 * table, -ENOMEM, or -EEXIST when the table is already registered.
 */
int iodesc_carry(struct iodesc *iod, struct bio *bio, gfp_t gfp)
{
	unsigned int vecs, nr;
	struct aa_key *k;
	unsigned long flags;
	size_t bytes;
	int ret;

	if (!iod)
		return 0;
	if (!bio || !bio->bi_io_vec)
		return -EINVAL;
	vecs = max_t(unsigned int, bio->bi_max_vecs, bio->bi_vcnt);
	bytes = max(vecs, 1U) * sizeof(*bio->bi_io_vec);
	nr = aa_table_pages(bio->bi_io_vec, bytes);
	k = aa_carry_keys(nr, gfp);
	if (!k)
		return -ENOMEM;
	ret = aa_keys_insert(k, nr, iod, bio->bi_io_vec, bytes);
	if (ret) {
		aa_key_free(k);
		return ret;
	}
	spin_lock_irqsave(&iod->carry_lock, flags);
	list_add_tail(&k->link, &iod->carried);
	spin_unlock_irqrestore(&iod->carry_lock, flags);
	return 0;
}
EXPORT_SYMBOL_GPL(iodesc_carry);

/**
 * iodesc_uncarry() - detach a bio registered with iodesc_carry()
 * @bio: the bio, before it is freed
 *
 * Must be called before the original bio is completed.  Does nothing for
 * a bio that is not carried.
 *
 * Context: any.
 */
void iodesc_uncarry(struct bio *bio)
{
	struct aa_key *k, *pos, *found = NULL;
	struct iodesc *iod;
	unsigned long flags;

	if (!bio || !bio->bi_io_vec || !atomic_read(&aa_lookup_users))
		return;
	rcu_read_lock();
	k = aa_key_find(bio->bi_io_vec);
	if (!k || !k->carried || k->table != bio->bi_io_vec) {
		/* not carried, or the request's own bio: not ours to drop */
		rcu_read_unlock();
		return;
	}
	iod = k->iod;
	rcu_read_unlock();

	spin_lock_irqsave(&iod->carry_lock, flags);
	list_for_each_entry(pos, &iod->carried, link) {
		if (pos->table == bio->bi_io_vec) {
			list_del(&pos->link);
			found = pos;
			break;
		}
	}
	spin_unlock_irqrestore(&iod->carry_lock, flags);
	if (found) {
		aa_keys_remove(found, found->nr);
		aa_key_free(found);
	}
}
EXPORT_SYMBOL_GPL(iodesc_uncarry);
