// SPDX-License-Identifier: GPL-2.0
/*
 * aiodemo cache model.
 *
 * The fast tier holds up to @capacity blocks.  A read looks up each block:
 * a block found is a hit and becomes the most recently used; a block not
 * found is a miss and is brought in, evicting the least recently used
 * block when the tier is full.  A write under write-through does the same
 * (the written block is in the fast tier afterwards, a block that was
 * already there counts as a hit); under write-around the write goes to the
 * slow tier only, every block counts as a miss and a cached copy is
 * dropped.  A request spanning several blocks reports how many hit and how
 * many missed: both nonzero is a partial hit.
 *
 * Entries are allocated once at init, so an access never allocates.
 *
 * Context: aiodemo_cache_init() and aiodemo_cache_destroy() process
 * context; the rest any context (the lock is taken irqsave).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <kunit/visibility.h>

#include "cache.h"
#include "conf.h"

/**
 * aiodemo_cache_init() - set up an empty fast tier
 * @c:		  the cache
 * @capacity:	  blocks it holds; 0 gives a tier that misses every block
 * @write_policy: enum aiodemo_write_policy
 *
 * Return: 0, -EINVAL for a bad @capacity or @write_policy, or -ENOMEM.
 */
int aiodemo_cache_init(struct aiodemo_cache *c, u32 capacity, u32 write_policy)
{
	u32 i, buckets;

	if (capacity > AIODEMO_MAX_CACHE_BLOCKS ||
	    write_policy >= AIODEMO_WRITE_NR)
		return -EINVAL;

	memset(c, 0, sizeof(*c));
	spin_lock_init(&c->lock);
	INIT_LIST_HEAD(&c->lru);
	INIT_LIST_HEAD(&c->free);
	c->capacity = capacity;
	c->write_policy = write_policy;
	if (!capacity)
		return 0;

	/* at least two buckets: hash_64() needs bits > 0 */
	buckets = roundup_pow_of_two(max(capacity, 2U));
	c->hash_bits = ilog2(buckets);
	c->hash = kvcalloc(buckets, sizeof(*c->hash), GFP_KERNEL);
	c->entries = kvcalloc(capacity, sizeof(*c->entries), GFP_KERNEL);
	if (!c->hash || !c->entries) {
		aiodemo_cache_destroy(c);
		return -ENOMEM;
	}
	for (i = 0; i < buckets; i++)
		INIT_HLIST_HEAD(&c->hash[i]);
	for (i = 0; i < capacity; i++)
		list_add_tail(&c->entries[i].lru, &c->free);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(aiodemo_cache_init);

/**
 * aiodemo_cache_destroy() - free what aiodemo_cache_init() allocated
 * @c: the cache; nobody may use it any more
 */
void aiodemo_cache_destroy(struct aiodemo_cache *c)
{
	kvfree(c->hash);
	kvfree(c->entries);
	c->hash = NULL;
	c->entries = NULL;
	c->capacity = 0;
	c->used = 0;
	INIT_LIST_HEAD(&c->lru);
	INIT_LIST_HEAD(&c->free);
}
EXPORT_SYMBOL_IF_KUNIT(aiodemo_cache_destroy);

static struct hlist_head *aiodemo_cache_bucket(struct aiodemo_cache *c,
					       u64 block)
{
	return &c->hash[hash_64(block, c->hash_bits)];
}

static struct aiodemo_cache_entry *aiodemo_cache_find(struct aiodemo_cache *c,
						      u64 block)
{
	struct aiodemo_cache_entry *e;

	if (!c->capacity)
		return NULL;
	hlist_for_each_entry(e, aiodemo_cache_bucket(c, block), node)
		if (e->block == block)
			return e;
	return NULL;
}

static void aiodemo_cache_remove(struct aiodemo_cache *c,
				 struct aiodemo_cache_entry *e)
{
	hlist_del(&e->node);
	list_move(&e->lru, &c->free);
	c->used--;
}

static void aiodemo_cache_insert(struct aiodemo_cache *c, u64 block)
{
	struct aiodemo_cache_entry *e;

	if (!c->capacity)
		return;
	if (list_empty(&c->free))
		aiodemo_cache_remove(c, list_last_entry(&c->lru,
				     struct aiodemo_cache_entry, lru));
	e = list_first_entry(&c->free, struct aiodemo_cache_entry, lru);
	e->block = block;
	hlist_add_head(&e->node, aiodemo_cache_bucket(c, block));
	list_move(&e->lru, &c->lru);
	c->used++;
}

/**
 * aiodemo_cache_access() - serve blocks and update the fast tier
 * @c:	   the cache
 * @block: first block
 * @nr:	   number of blocks
 * @write: a write (follows the write policy) rather than a read
 *
 * Blocks are handled in ascending order, so a request larger than the
 * tier keeps its last blocks.
 *
 * Return: how many blocks hit and how many missed.
 */
struct aiodemo_cache_res aiodemo_cache_access(struct aiodemo_cache *c,
					      u64 block, u32 nr, bool write)
{
	bool around = write && c->write_policy == AIODEMO_WRITE_AROUND;
	struct aiodemo_cache_res res = { };
	struct aiodemo_cache_entry *e;
	unsigned long flags;
	u32 i;

	spin_lock_irqsave(&c->lock, flags);
	for (i = 0; i < nr; i++) {
		e = aiodemo_cache_find(c, block + i);
		if (around) {
			res.misses++;
			if (e)
				aiodemo_cache_remove(c, e);
		} else if (e) {
			res.hits++;
			list_move(&e->lru, &c->lru);
		} else {
			res.misses++;
			aiodemo_cache_insert(c, block + i);
		}
	}
	spin_unlock_irqrestore(&c->lock, flags);
	return res;
}
EXPORT_SYMBOL_IF_KUNIT(aiodemo_cache_access);

/**
 * aiodemo_cache_peek() - what a read would find, changing nothing
 * @c:	   the cache
 * @block: first block
 * @nr:	   number of blocks
 *
 * Used for requests that fail by injection: they report where their data
 * would have come from but do not move anything in or out of the tier.
 *
 * Return: how many blocks are and are not in the fast tier.
 */
struct aiodemo_cache_res aiodemo_cache_peek(struct aiodemo_cache *c,
					    u64 block, u32 nr)
{
	struct aiodemo_cache_res res = { };
	unsigned long flags;
	u32 i;

	spin_lock_irqsave(&c->lock, flags);
	for (i = 0; i < nr; i++) {
		if (aiodemo_cache_find(c, block + i))
			res.hits++;
		else
			res.misses++;
	}
	spin_unlock_irqrestore(&c->lock, flags);
	return res;
}
EXPORT_SYMBOL_IF_KUNIT(aiodemo_cache_peek);

/**
 * aiodemo_cache_drop() - empty the fast tier
 * @c: the cache
 */
void aiodemo_cache_drop(struct aiodemo_cache *c)
{
	struct aiodemo_cache_entry *e, *tmp;
	unsigned long flags;

	spin_lock_irqsave(&c->lock, flags);
	list_for_each_entry_safe(e, tmp, &c->lru, lru)
		aiodemo_cache_remove(c, e);
	spin_unlock_irqrestore(&c->lock, flags);
}
EXPORT_SYMBOL_IF_KUNIT(aiodemo_cache_drop);

/**
 * aiodemo_cache_used() - blocks in the fast tier
 * @c: the cache
 *
 * Return: the number of blocks cached now.
 */
u32 aiodemo_cache_used(struct aiodemo_cache *c)
{
	unsigned long flags;
	u32 used;

	spin_lock_irqsave(&c->lock, flags);
	used = c->used;
	spin_unlock_irqrestore(&c->lock, flags);
	return used;
}
EXPORT_SYMBOL_IF_KUNIT(aiodemo_cache_used);

/**
 * aiodemo_cache_lru_blocks() - the cached blocks in LRU order
 * @c:	    the cache
 * @blocks: filled with block numbers, most recently used first
 * @max:    room in @blocks
 *
 * Return: the number of blocks stored in @blocks.
 */
u32 aiodemo_cache_lru_blocks(struct aiodemo_cache *c, u64 *blocks, u32 max)
{
	struct aiodemo_cache_entry *e;
	unsigned long flags;
	u32 n = 0;

	spin_lock_irqsave(&c->lock, flags);
	list_for_each_entry(e, &c->lru, lru) {
		if (n == max)
			break;
		blocks[n++] = e->block;
	}
	spin_unlock_irqrestore(&c->lock, flags);
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(aiodemo_cache_lru_blocks);
