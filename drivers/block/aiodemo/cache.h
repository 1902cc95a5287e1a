/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aiodemo cache model: a fast tier of a fixed number of blocks kept in LRU
 * order in front of the slow tier (the whole device).  It only models
 * where a block would be served from; the data itself always lives in the
 * backing store.  No block layer dependencies.
 */
#ifndef _AIODEMO_CACHE_H
#define _AIODEMO_CACHE_H

#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>

/**
 * struct aiodemo_cache_entry - one block in the fast tier
 * @node:  in the hash bucket of @block
 * @lru:   in aiodemo_cache.lru, or in aiodemo_cache.free when unused
 * @block: block number, in units of the device's logical block size
 */
struct aiodemo_cache_entry {
	struct hlist_node	node;
	struct list_head	lru;
	u64			block;
};

/**
 * struct aiodemo_cache - the fast tier
 * @lock:	  protects everything below; irq-safe
 * @capacity:	  blocks the fast tier holds
 * @used:	  blocks it holds now
 * @write_policy: enum aiodemo_write_policy
 * @hash_bits:	  log2 of the number of hash buckets
 * @lru:	  cached blocks, most recently used first
 * @free:	  unused entries
 * @hash:	  buckets of cached blocks
 * @entries:	  all @capacity entries, allocated once
 */
struct aiodemo_cache {
	spinlock_t		lock;
	u32			capacity;
	u32			used;
	u32			write_policy;
	u32			hash_bits;
	struct list_head	lru;
	struct list_head	free;
	struct hlist_head	*hash;
	struct aiodemo_cache_entry *entries;
};

/**
 * struct aiodemo_cache_res - outcome of one access
 * @hits:   blocks found in the fast tier
 * @misses: blocks served by the slow tier
 */
struct aiodemo_cache_res {
	u32	hits;
	u32	misses;
};

int aiodemo_cache_init(struct aiodemo_cache *c, u32 capacity, u32 write_policy);
void aiodemo_cache_destroy(struct aiodemo_cache *c);
struct aiodemo_cache_res aiodemo_cache_access(struct aiodemo_cache *c,
					      u64 block, u32 nr, bool write);
struct aiodemo_cache_res aiodemo_cache_peek(struct aiodemo_cache *c,
					    u64 block, u32 nr);
void aiodemo_cache_drop(struct aiodemo_cache *c);
u32 aiodemo_cache_used(struct aiodemo_cache *c);
u32 aiodemo_cache_lru_blocks(struct aiodemo_cache *c, u64 *blocks, u32 max);

#endif /* _AIODEMO_CACHE_H */
