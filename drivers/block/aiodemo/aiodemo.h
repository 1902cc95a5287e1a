/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aiodemo - a RAM-backed blk-mq disk with a cache model that returns
 * per-I/O attributes through iodesc.  Structures shared by the driver's
 * files.
 */
#ifndef _AIODEMO_H
#define _AIODEMO_H

#undef pr_fmt
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/hrtimer.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/xarray.h>

#include "cache.h"
#include "conf.h"

struct iodesc;

/**
 * struct aiodemo_stats - per-CPU counters, summed when read
 * @ios:     bios served (reads and writes)
 * @reads:   bios that read
 * @writes:  bios that wrote
 * @hits:    bios whose blocks all came from the fast tier
 * @misses:  bios whose blocks all came from the slow tier
 * @partial: bios with blocks from both tiers
 * @errors:  bios failed by fault injection
 * @delayed: bios in a request slowed by the delay range
 *
 * Counted per bio because attributes are returned per bio: each of
 * @hits, @misses and @partial equals the number of CACHE attributes with
 * that value returned for I/O on the device, and they add up to @ios.
 */
struct aiodemo_stats {
	u64	ios;
	u64	reads;
	u64	writes;
	u64	hits;
	u64	misses;
	u64	partial;
	u64	errors;
	u64	delayed;
};

/**
 * struct aiodemo_store - the RAM backing the device
 * @pages:    one page per PAGE_SIZE of the device, allocated on first write
 * @nr_pages: pages allocated
 */
struct aiodemo_store {
	struct xarray	pages;
	atomic_long_t	nr_pages;
};

/**
 * struct aiodemo_fault_rules - a published version of the fault rules
 * @f:	 the rules
 * @rcu: to free it after readers are gone
 */
struct aiodemo_fault_rules {
	struct aiodemo_faults	f;
	struct rcu_head		rcu;
};

/**
 * struct aiodemo_dev - one live device
 * @list:	 in the list of devices, under aiodemo_lock
 * @name:	 disk name
 * @conf:	 its configuration, fixed while the device lives
 * @block_shift: log2(blocksize) - SECTOR_SHIFT
 * @capacity:	 size in sectors
 * @disk:	 the gendisk
 * @tag_set:	 the blk-mq tag set
 * @store:	 the data
 * @cache:	 the cache model
 * @faults:	 current fault rules, RCU protected, never NULL
 * @fault_lock:	 serialises fault rule updates
 * @fault_seq:	 requests counted for fail_every since the rules changed
 * @stats:	 counters
 */
struct aiodemo_dev {
	struct list_head	list;
	char			name[DISK_NAME_LEN];
	struct aiodemo_conf	conf;
	unsigned int		block_shift;
	u64			capacity;
	struct gendisk		*disk;
	struct blk_mq_tag_set	tag_set;
	struct aiodemo_store	store;
	struct aiodemo_cache	cache;
	struct aiodemo_fault_rules __rcu *faults;
	struct mutex		fault_lock;
	atomic64_t		fault_seq;
	struct aiodemo_stats __percpu *stats;
};

/**
 * struct aiodemo_cmd - per request driver data
 * @timer:	    completes the request in the softirq and hardirq modes
 * @dev:	    the device
 * @start:	    when queue_rq handed the request to the device model, after
 *		    every bio's dispatch (CLOCK_MONOTONIC)
 * @status:	    the status to end it with
 * @want_device_ns: some bio of the request asked for DEVICE_NS
 */
struct aiodemo_cmd {
	struct hrtimer		timer;
	struct aiodemo_dev	*dev;
	ktime_t			start;
	blk_status_t		status;
	bool			want_device_ns;
	/* the descriptor of a one-bio request that wants DEVICE_NS, or NULL */
	struct iodesc		*iod;
};

/* main.c: device lifetime */
extern struct mutex aiodemo_lock;
bool aiodemo_name_taken(const char *name);
struct aiodemo_dev *aiodemo_dev_create(const char *name,
				       const struct aiodemo_conf *conf);
void aiodemo_dev_destroy(struct aiodemo_dev *dev);

/* queue.c: the blk-mq operations */
extern const struct blk_mq_ops aiodemo_mq_ops;

/* store.c: the data */
void aiodemo_store_init(struct aiodemo_store *s);
int aiodemo_store_prepare(struct aiodemo_store *s, sector_t sector,
			  unsigned int nr_sectors, gfp_t gfp);
void aiodemo_store_copy(struct aiodemo_store *s, struct request *rq);
void aiodemo_store_free(struct aiodemo_store *s);

/* sysfs.c: /sys/block/<disk>/aiodemo/ */
extern const struct attribute_group *aiodemo_disk_groups[];
void aiodemo_stats_sum(struct aiodemo_dev *dev, struct aiodemo_stats *sum);
int aiodemo_faults_set(struct aiodemo_dev *dev, const struct aiodemo_faults *f);

/* configfs.c: /sys/kernel/config/aiodemo/ */
int aiodemo_configfs_init(void);
void aiodemo_configfs_exit(void);

#endif /* _AIODEMO_H */
