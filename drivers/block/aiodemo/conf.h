/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aiodemo configuration: the parameters of one device, their defaults and
 * bounds, and the runtime fault injection rules.  Pure data and parsing, no
 * block layer dependencies, so that KUnit can test every check.
 */
#ifndef _AIODEMO_CONF_H
#define _AIODEMO_CONF_H

#include <linux/types.h>

/* The defaults, in one place: module parameters and configfs start here. */
#define AIODEMO_DEF_SIZE_MB		256
#define AIODEMO_DEF_BLOCKSIZE		512
#define AIODEMO_DEF_HW_QUEUES		1
#define AIODEMO_DEF_QUEUE_DEPTH		64
#define AIODEMO_DEF_COMPLETION		AIODEMO_COMP_SOFTIRQ
#define AIODEMO_DEF_COMPLETION_NAME	"softirq"
#define AIODEMO_DEF_CACHE_BLOCKS	1024
#define AIODEMO_DEF_HIT_NSEC		1000
#define AIODEMO_DEF_MISS_NSEC		100000
#define AIODEMO_DEF_MAX_SECTORS		2048	/* 1 MiB: a full bio */

/* Initialiser with every default, for static and const configurations. */
#define AIODEMO_CONF_DEFAULTS {					\
	.size_mb	= AIODEMO_DEF_SIZE_MB,				\
	.blocksize	= AIODEMO_DEF_BLOCKSIZE,			\
	.hw_queues	= AIODEMO_DEF_HW_QUEUES,			\
	.queue_depth	= AIODEMO_DEF_QUEUE_DEPTH,			\
	.completion	= AIODEMO_DEF_COMPLETION,			\
	.cache_blocks	= AIODEMO_DEF_CACHE_BLOCKS,			\
	.write_policy	= AIODEMO_DEF_WRITE_POLICY,			\
	.hit_nsec	= AIODEMO_DEF_HIT_NSEC,				\
	.miss_nsec	= AIODEMO_DEF_MISS_NSEC,			\
	.max_sectors	= AIODEMO_DEF_MAX_SECTORS,			\
}
#define AIODEMO_DEF_WRITE_POLICY	AIODEMO_WRITE_THROUGH
#define AIODEMO_DEF_WRITE_POLICY_NAME	"through"

/* The bounds. */
#define AIODEMO_MAX_SIZE_MB		(1ULL << 20)	/* 1 TiB */
#define AIODEMO_MAX_HW_QUEUES		256
#define AIODEMO_MAX_QUEUE_DEPTH		4096
#define AIODEMO_MAX_CACHE_BLOCKS	(1U << 20)
#define AIODEMO_MAX_LATENCY_NSEC	1000000000ULL	/* 1 s */
#define AIODEMO_MIN_MAX_SECTORS		8		/* one 4 KiB block */
#define AIODEMO_MAX_MAX_SECTORS		65536		/* 32 MiB */

/* Where a request is completed. */
enum aiodemo_completion {
	AIODEMO_COMP_INLINE,	/* in queue_rq, task context */
	AIODEMO_COMP_SOFTIRQ,	/* blk_mq_complete_request from a soft hrtimer */
	AIODEMO_COMP_HARDIRQ,	/* from a hard hrtimer callback */
	AIODEMO_COMP_NR,
};

/* What a write does to the fast tier. */
enum aiodemo_write_policy {
	AIODEMO_WRITE_THROUGH,	/* written blocks enter the fast tier */
	AIODEMO_WRITE_AROUND,	/* written blocks leave the fast tier */
	AIODEMO_WRITE_NR,
};

/**
 * struct aiodemo_conf - the parameters of one device
 * @size_mb:	  capacity in MiB
 * @blocksize:	  logical (and physical) block size, 512 or 4096
 * @hw_queues:	  blk-mq hardware queues
 * @queue_depth:  tags per hardware queue
 * @completion:	  enum aiodemo_completion
 * @cache_blocks: blocks the fast tier holds; 0 makes every access a miss
 * @write_policy: enum aiodemo_write_policy
 * @hit_nsec:	  service time of a read served by the fast tier
 * @miss_nsec:	  service time of any other read or write
 * @max_sectors:  largest request in 512-byte sectors (max_hw_sectors), a
 *		  multiple of the block size
 */
struct aiodemo_conf {
	u64	size_mb;
	u32	blocksize;
	u32	hw_queues;
	u32	queue_depth;
	u32	completion;
	u32	cache_blocks;
	u32	write_policy;
	u64	hit_nsec;
	u64	miss_nsec;
	u32	max_sectors;
};

/* Every settable parameter, named as in modinfo and configfs. */
enum aiodemo_param {
	AIODEMO_P_SIZE,
	AIODEMO_P_BLOCKSIZE,
	AIODEMO_P_HW_QUEUES,
	AIODEMO_P_QUEUE_DEPTH,
	AIODEMO_P_COMPLETION,
	AIODEMO_P_CACHE_BLOCKS,
	AIODEMO_P_HIT_NSEC,
	AIODEMO_P_MISS_NSEC,
	AIODEMO_P_WRITE_POLICY,
	AIODEMO_P_MAX_SECTORS,
	AIODEMO_P_NR,
};

extern const struct aiodemo_conf aiodemo_conf_defaults;

const char *aiodemo_param_name(enum aiodemo_param p);
const char *aiodemo_completion_name(u32 mode);
const char *aiodemo_write_policy_name(u32 policy);
int aiodemo_conf_set(struct aiodemo_conf *conf, enum aiodemo_param p,
		     const char *val);
int aiodemo_conf_show(const struct aiodemo_conf *conf, enum aiodemo_param p,
		      char *buf, size_t len);
int aiodemo_conf_check(const struct aiodemo_conf *conf, unsigned int nr_cpus);
int aiodemo_conf_format(const struct aiodemo_conf *conf, char *buf,
			size_t len);

/**
 * struct aiodemo_faults - runtime fault injection rules of one device
 * @fail_start:	   first sector of the failing range
 * @fail_sectors:  length of the failing range in sectors; 0 disables it
 * @fail_every:	   fail every Nth read or write request; 0 disables it
 * @delay_start:   first sector of the delayed range
 * @delay_sectors: length of the delayed range in sectors; 0 disables it
 * @delay_nsec:	   extra service time of a request touching the range
 *
 * Sectors are 512 bytes whatever the block size.  A request fails or is
 * delayed when any of its sectors lies in the range.
 */
struct aiodemo_faults {
	u64	fail_start;
	u64	fail_sectors;
	u32	fail_every;
	u64	delay_start;
	u64	delay_sectors;
	u64	delay_nsec;
};

int aiodemo_fault_parse_fail_range(struct aiodemo_faults *f, const char *buf,
				   u64 capacity);
int aiodemo_fault_parse_fail_every(struct aiodemo_faults *f, const char *buf);
int aiodemo_fault_parse_delay_range(struct aiodemo_faults *f, const char *buf,
				    u64 capacity);
bool aiodemo_fault_fails(const struct aiodemo_faults *f, u64 sector,
			 u64 nr_sectors, u64 seq);
u64 aiodemo_fault_delay(const struct aiodemo_faults *f, u64 sector,
			u64 nr_sectors);

#endif /* _AIODEMO_CONF_H */
