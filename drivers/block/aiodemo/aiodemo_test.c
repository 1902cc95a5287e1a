// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for aiodemo: the cache model (LRU order, eviction, partial
 * hits, write policies), the parameter checks and the fault injection
 * rules, which are pure code, and real bios on devices in each completion
 * mode (data, counters, injected errors, removal with I/O in flight).
 */
#include <kunit/test.h>
#include <linux/bio.h>
#include <linux/completion.h>
#include <linux/module.h>
#include <linux/part_stat.h>

#include "aiodemo.h"

/* A cache of @capacity blocks, freed when the test ends. */
static struct aiodemo_cache *new_cache(struct kunit *test, u32 capacity,
				       u32 policy)
{
	struct aiodemo_cache *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_EQ(test, aiodemo_cache_init(c, capacity, policy), 0);
	return c;
}

static void expect_res(struct kunit *test, struct aiodemo_cache_res r,
		       u32 hits, u32 misses)
{
	KUNIT_EXPECT_EQ(test, r.hits, hits);
	KUNIT_EXPECT_EQ(test, r.misses, misses);
}

static void cache_first_read_misses_second_hits(struct kunit *test)
{
	struct aiodemo_cache *c = new_cache(test, 8, AIODEMO_WRITE_THROUGH);

	expect_res(test, aiodemo_cache_access(c, 5, 1, false), 0, 1);
	expect_res(test, aiodemo_cache_access(c, 5, 1, false), 1, 0);
	KUNIT_EXPECT_EQ(test, aiodemo_cache_used(c), 1U);
	aiodemo_cache_destroy(c);
}

static void cache_lru_order_follows_use(struct kunit *test)
{
	struct aiodemo_cache *c = new_cache(test, 4, AIODEMO_WRITE_THROUGH);
	u64 order[4];

	aiodemo_cache_access(c, 1, 1, false);
	aiodemo_cache_access(c, 2, 1, false);
	aiodemo_cache_access(c, 3, 1, false);
	/* A hit moves block 1 to the front. */
	aiodemo_cache_access(c, 1, 1, false);
	KUNIT_ASSERT_EQ(test, aiodemo_cache_lru_blocks(c, order, 4), 3U);
	KUNIT_EXPECT_EQ(test, order[0], 1ULL);
	KUNIT_EXPECT_EQ(test, order[1], 3ULL);
	KUNIT_EXPECT_EQ(test, order[2], 2ULL);
	aiodemo_cache_destroy(c);
}

static void cache_evicts_least_recently_used(struct kunit *test)
{
	struct aiodemo_cache *c = new_cache(test, 3, AIODEMO_WRITE_THROUGH);

	aiodemo_cache_access(c, 10, 1, false);
	aiodemo_cache_access(c, 11, 1, false);
	aiodemo_cache_access(c, 12, 1, false);
	aiodemo_cache_access(c, 10, 1, false);	/* 11 is now the LRU */
	aiodemo_cache_access(c, 13, 1, false);	/* evicts 11 */
	KUNIT_EXPECT_EQ(test, aiodemo_cache_used(c), 3U);
	expect_res(test, aiodemo_cache_peek(c, 11, 1), 0, 1);
	expect_res(test, aiodemo_cache_peek(c, 10, 1), 1, 0);
	expect_res(test, aiodemo_cache_peek(c, 12, 1), 1, 0);
	expect_res(test, aiodemo_cache_peek(c, 13, 1), 1, 0);
	aiodemo_cache_destroy(c);
}

static void cache_multi_block_partial_hit(struct kunit *test)
{
	struct aiodemo_cache *c = new_cache(test, 16, AIODEMO_WRITE_THROUGH);

	aiodemo_cache_access(c, 100, 1, false);
	aiodemo_cache_access(c, 102, 1, false);
	/* 4 blocks, 2 of them cached. */
	expect_res(test, aiodemo_cache_access(c, 100, 4, false), 2, 2);
	/* All four are cached now. */
	expect_res(test, aiodemo_cache_access(c, 100, 4, false), 4, 0);
	aiodemo_cache_destroy(c);
}

static void cache_request_larger_than_tier_keeps_its_tail(struct kunit *test)
{
	struct aiodemo_cache *c = new_cache(test, 2, AIODEMO_WRITE_THROUGH);
	u64 order[2];

	expect_res(test, aiodemo_cache_access(c, 0, 5, false), 0, 5);
	KUNIT_ASSERT_EQ(test, aiodemo_cache_lru_blocks(c, order, 2), 2U);
	KUNIT_EXPECT_EQ(test, order[0], 4ULL);
	KUNIT_EXPECT_EQ(test, order[1], 3ULL);
	aiodemo_cache_destroy(c);
}

static void cache_write_through_fills(struct kunit *test)
{
	struct aiodemo_cache *c = new_cache(test, 8, AIODEMO_WRITE_THROUGH);

	expect_res(test, aiodemo_cache_access(c, 7, 2, true), 0, 2);
	expect_res(test, aiodemo_cache_access(c, 7, 2, false), 2, 0);
	/* Overwriting cached blocks counts as hits. */
	expect_res(test, aiodemo_cache_access(c, 7, 2, true), 2, 0);
	aiodemo_cache_destroy(c);
}

static void cache_write_around_bypasses_and_invalidates(struct kunit *test)
{
	struct aiodemo_cache *c = new_cache(test, 8, AIODEMO_WRITE_AROUND);

	/* A write does not fill the tier. */
	expect_res(test, aiodemo_cache_access(c, 3, 1, true), 0, 1);
	KUNIT_EXPECT_EQ(test, aiodemo_cache_used(c), 0U);
	expect_res(test, aiodemo_cache_access(c, 3, 1, false), 0, 1);
	expect_res(test, aiodemo_cache_access(c, 3, 1, false), 1, 0);
	/* A write drops the cached copy and is served by the slow tier. */
	expect_res(test, aiodemo_cache_access(c, 3, 1, true), 0, 1);
	KUNIT_EXPECT_EQ(test, aiodemo_cache_used(c), 0U);
	expect_res(test, aiodemo_cache_access(c, 3, 1, false), 0, 1);
	aiodemo_cache_destroy(c);
}

static void cache_peek_changes_nothing(struct kunit *test)
{
	struct aiodemo_cache *c = new_cache(test, 2, AIODEMO_WRITE_THROUGH);
	u64 order[2];

	aiodemo_cache_access(c, 1, 1, false);
	aiodemo_cache_access(c, 2, 1, false);
	expect_res(test, aiodemo_cache_peek(c, 1, 3), 2, 1);
	KUNIT_EXPECT_EQ(test, aiodemo_cache_used(c), 2U);
	KUNIT_ASSERT_EQ(test, aiodemo_cache_lru_blocks(c, order, 2), 2U);
	KUNIT_EXPECT_EQ(test, order[0], 2ULL);
	KUNIT_EXPECT_EQ(test, order[1], 1ULL);
	aiodemo_cache_destroy(c);
}

static void cache_zero_capacity_always_misses(struct kunit *test)
{
	struct aiodemo_cache *c = new_cache(test, 0, AIODEMO_WRITE_THROUGH);

	expect_res(test, aiodemo_cache_access(c, 1, 3, false), 0, 3);
	expect_res(test, aiodemo_cache_access(c, 1, 3, false), 0, 3);
	expect_res(test, aiodemo_cache_access(c, 1, 3, true), 0, 3);
	KUNIT_EXPECT_EQ(test, aiodemo_cache_used(c), 0U);
	aiodemo_cache_destroy(c);
}

static void cache_drop_empties(struct kunit *test)
{
	struct aiodemo_cache *c = new_cache(test, 4, AIODEMO_WRITE_THROUGH);

	aiodemo_cache_access(c, 0, 4, false);
	aiodemo_cache_drop(c);
	KUNIT_EXPECT_EQ(test, aiodemo_cache_used(c), 0U);
	expect_res(test, aiodemo_cache_access(c, 0, 4, false), 0, 4);
	expect_res(test, aiodemo_cache_access(c, 0, 4, false), 4, 0);
	aiodemo_cache_destroy(c);
}

/* Many blocks through a small tier: every hit must be a cached block. */
static void cache_stress_matches_reference(struct kunit *test)
{
	const u32 cap = 16, span = 64;
	struct aiodemo_cache *c = new_cache(test, cap, AIODEMO_WRITE_THROUGH);
	u64 *ref = kunit_kcalloc(test, cap, sizeof(*ref), GFP_KERNEL);
	u32 used = 0, i, j, k, pos;
	u32 seed = 1;

	KUNIT_ASSERT_NOT_NULL(test, ref);
	for (i = 0; i < 2000; i++) {
		struct aiodemo_cache_res r;
		u64 b;

		seed = seed * 1103515245 + 12345;
		b = (seed >> 8) % span;
		/* Reference LRU: ref[0] is the most recent. */
		for (pos = 0; pos < used && ref[pos] != b; pos++)
			;
		r = aiodemo_cache_access(c, b, 1, false);
		if (pos < used) {
			KUNIT_ASSERT_EQ(test, r.hits, 1U);
		} else {
			KUNIT_ASSERT_EQ(test, r.misses, 1U);
			if (used < cap)
				used++;
			pos = used - 1;
		}
		for (k = pos; k > 0; k--)
			ref[k] = ref[k - 1];
		ref[0] = b;
	}
	{
		u64 order[16];

		KUNIT_ASSERT_EQ(test, aiodemo_cache_lru_blocks(c, order, cap),
				used);
		for (j = 0; j < used; j++)
			KUNIT_EXPECT_EQ(test, order[j], ref[j]);
	}
	aiodemo_cache_destroy(c);
}

static void cache_init_rejects_bad_arguments(struct kunit *test)
{
	struct aiodemo_cache c;

	KUNIT_EXPECT_EQ(test, aiodemo_cache_init(&c, AIODEMO_MAX_CACHE_BLOCKS + 1,
						 AIODEMO_WRITE_THROUGH), -EINVAL);
	KUNIT_EXPECT_EQ(test, aiodemo_cache_init(&c, 4, AIODEMO_WRITE_NR),
			-EINVAL);
}

static struct kunit_case aiodemo_cache_cases[] = {
	KUNIT_CASE(cache_first_read_misses_second_hits),
	KUNIT_CASE(cache_lru_order_follows_use),
	KUNIT_CASE(cache_evicts_least_recently_used),
	KUNIT_CASE(cache_multi_block_partial_hit),
	KUNIT_CASE(cache_request_larger_than_tier_keeps_its_tail),
	KUNIT_CASE(cache_write_through_fills),
	KUNIT_CASE(cache_write_around_bypasses_and_invalidates),
	KUNIT_CASE(cache_peek_changes_nothing),
	KUNIT_CASE(cache_zero_capacity_always_misses),
	KUNIT_CASE(cache_drop_empties),
	KUNIT_CASE(cache_stress_matches_reference),
	KUNIT_CASE(cache_init_rejects_bad_arguments),
	{}
};

static struct kunit_suite aiodemo_cache_suite = {
	.name = "aiodemo_cache",
	.test_cases = aiodemo_cache_cases,
};

static void conf_defaults_are_valid(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, aiodemo_conf_check(&aiodemo_conf_defaults, 1), 0);
}

static void conf_set_accepts_valid_values(struct kunit *test)
{
	struct aiodemo_conf c = aiodemo_conf_defaults;

	KUNIT_EXPECT_EQ(test, aiodemo_conf_set(&c, AIODEMO_P_SIZE, "64\n"), 0);
	KUNIT_EXPECT_EQ(test, c.size_mb, 64ULL);
	KUNIT_EXPECT_EQ(test, aiodemo_conf_set(&c, AIODEMO_P_BLOCKSIZE, "4096"), 0);
	KUNIT_EXPECT_EQ(test, c.blocksize, 4096U);
	KUNIT_EXPECT_EQ(test, aiodemo_conf_set(&c, AIODEMO_P_COMPLETION, "hardirq\n"), 0);
	KUNIT_EXPECT_EQ(test, c.completion, (u32)AIODEMO_COMP_HARDIRQ);
	KUNIT_EXPECT_EQ(test, aiodemo_conf_set(&c, AIODEMO_P_COMPLETION, "0"), 0);
	KUNIT_EXPECT_EQ(test, c.completion, (u32)AIODEMO_COMP_INLINE);
	KUNIT_EXPECT_EQ(test, aiodemo_conf_set(&c, AIODEMO_P_WRITE_POLICY, "around"), 0);
	KUNIT_EXPECT_EQ(test, c.write_policy, (u32)AIODEMO_WRITE_AROUND);
	KUNIT_EXPECT_EQ(test, aiodemo_conf_set(&c, AIODEMO_P_CACHE_BLOCKS, "0"), 0);
	KUNIT_EXPECT_EQ(test, aiodemo_conf_set(&c, AIODEMO_P_HIT_NSEC, "0"), 0);
	KUNIT_EXPECT_EQ(test, aiodemo_conf_set(&c, AIODEMO_P_MISS_NSEC, "0x10"), 0);
	KUNIT_EXPECT_EQ(test, c.miss_nsec, 16ULL);
	KUNIT_EXPECT_EQ(test, aiodemo_conf_set(&c, AIODEMO_P_MAX_SECTORS, "256\n"), 0);
	KUNIT_EXPECT_EQ(test, c.max_sectors, 256U);
	KUNIT_EXPECT_EQ(test, aiodemo_conf_check(&c, 1), 0);
}

static void conf_set_rejects_invalid_values(struct kunit *test)
{
	static const struct {
		enum aiodemo_param p;
		const char *val;
	} bad[] = {
		{ AIODEMO_P_SIZE, "0" },
		{ AIODEMO_P_SIZE, "1048577" },
		{ AIODEMO_P_SIZE, "-1" },
		{ AIODEMO_P_SIZE, "12abc" },
		{ AIODEMO_P_SIZE, "" },
		{ AIODEMO_P_BLOCKSIZE, "1024" },
		{ AIODEMO_P_BLOCKSIZE, "0" },
		{ AIODEMO_P_HW_QUEUES, "0" },
		{ AIODEMO_P_HW_QUEUES, "257" },
		{ AIODEMO_P_QUEUE_DEPTH, "0" },
		{ AIODEMO_P_QUEUE_DEPTH, "4097" },
		{ AIODEMO_P_COMPLETION, "3" },
		{ AIODEMO_P_COMPLETION, "timer" },
		{ AIODEMO_P_CACHE_BLOCKS, "1048577" },
		{ AIODEMO_P_HIT_NSEC, "1000000001" },
		{ AIODEMO_P_MISS_NSEC, "99999999999" },
		{ AIODEMO_P_WRITE_POLICY, "back" },
		{ AIODEMO_P_WRITE_POLICY, "2" },
		{ AIODEMO_P_MAX_SECTORS, "0" },
		{ AIODEMO_P_MAX_SECTORS, "7" },
		{ AIODEMO_P_MAX_SECTORS, "65537" },
		{ AIODEMO_P_NR, "1" },
	};
	struct aiodemo_conf c = aiodemo_conf_defaults;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		KUNIT_EXPECT_EQ_MSG(test, aiodemo_conf_set(&c, bad[i].p, bad[i].val),
				    -EINVAL, "%s=\"%s\"",
				    aiodemo_param_name(bad[i].p), bad[i].val);
		/* A rejected value leaves the configuration as it was. */
		KUNIT_EXPECT_EQ(test, memcmp(&c, &aiodemo_conf_defaults, sizeof(c)), 0);
	}
}

static void conf_check_rejects_bad_combinations(struct kunit *test)
{
	struct aiodemo_conf c = aiodemo_conf_defaults;

	c.hit_nsec = 2000;
	c.miss_nsec = 1000;
	KUNIT_EXPECT_EQ(test, aiodemo_conf_check(&c, 4), -EINVAL);
	c = aiodemo_conf_defaults;
	c.hw_queues = 4;
	KUNIT_EXPECT_EQ(test, aiodemo_conf_check(&c, 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, aiodemo_conf_check(&c, 4), 0);
	c = aiodemo_conf_defaults;
	c.blocksize = 2048;
	KUNIT_EXPECT_EQ(test, aiodemo_conf_check(&c, 4), -EINVAL);
	c = aiodemo_conf_defaults;
	c.completion = AIODEMO_COMP_NR;
	KUNIT_EXPECT_EQ(test, aiodemo_conf_check(&c, 4), -EINVAL);
	/* max_sectors must be whole blocks */
	c = aiodemo_conf_defaults;
	c.blocksize = 4096;
	c.max_sectors = 12;
	KUNIT_EXPECT_EQ(test, aiodemo_conf_check(&c, 4), -EINVAL);
	c.max_sectors = 16;
	KUNIT_EXPECT_EQ(test, aiodemo_conf_check(&c, 4), 0);
	c.blocksize = 512;
	c.max_sectors = 12;
	KUNIT_EXPECT_EQ(test, aiodemo_conf_check(&c, 4), 0);
}

static void conf_show_and_format_round_trip(struct kunit *test)
{
	struct aiodemo_conf c = aiodemo_conf_defaults, d = aiodemo_conf_defaults;
	char line[256], val[32];
	char *s = line, *pair;
	unsigned int p;

	KUNIT_ASSERT_EQ(test, aiodemo_conf_set(&c, AIODEMO_P_COMPLETION, "hardirq"), 0);
	KUNIT_ASSERT_EQ(test, aiodemo_conf_set(&c, AIODEMO_P_WRITE_POLICY, "around"), 0);
	KUNIT_ASSERT_EQ(test, aiodemo_conf_set(&c, AIODEMO_P_SIZE, "77"), 0);
	KUNIT_ASSERT_EQ(test, aiodemo_conf_set(&c, AIODEMO_P_MAX_SECTORS, "512"), 0);
	aiodemo_conf_show(&c, AIODEMO_P_COMPLETION, val, sizeof(val));
	KUNIT_EXPECT_STREQ(test, val, "hardirq\n");

	aiodemo_conf_format(&c, line, sizeof(line));
	KUNIT_EXPECT_NOT_NULL(test, strstr(line, "size=77 "));
	KUNIT_EXPECT_NOT_NULL(test, strstr(line, "completion=hardirq "));
	KUNIT_EXPECT_NOT_NULL(test, strstr(line, "max_sectors=512\n"));
	/* Feeding the pairs back gives the same configuration. */
	strim(line);
	while ((pair = strsep(&s, " ")) != NULL) {
		char *eq = strchr(pair, '=');

		KUNIT_ASSERT_NOT_NULL(test, eq);
		*eq = '\0';
		for (p = 0; p < AIODEMO_P_NR; p++)
			if (!strcmp(pair, aiodemo_param_name(p)))
				break;
		KUNIT_ASSERT_LT(test, p, (unsigned int)AIODEMO_P_NR);
		KUNIT_EXPECT_EQ(test, aiodemo_conf_set(&d, p, eq + 1), 0);
	}
	KUNIT_EXPECT_EQ(test, memcmp(&c, &d, sizeof(c)), 0);
}

static void fault_ranges_parse_and_match(struct kunit *test)
{
	struct aiodemo_faults f = { };

	KUNIT_EXPECT_EQ(test, aiodemo_fault_parse_fail_range(&f, "100 8\n", 1000), 0);
	KUNIT_EXPECT_TRUE(test, aiodemo_fault_fails(&f, 100, 1, 1));
	KUNIT_EXPECT_TRUE(test, aiodemo_fault_fails(&f, 96, 8, 1));
	KUNIT_EXPECT_TRUE(test, aiodemo_fault_fails(&f, 107, 8, 1));
	KUNIT_EXPECT_FALSE(test, aiodemo_fault_fails(&f, 108, 8, 1));
	KUNIT_EXPECT_FALSE(test, aiodemo_fault_fails(&f, 92, 8, 1));
	KUNIT_EXPECT_EQ(test, aiodemo_fault_parse_fail_range(&f, "off", 1000), 0);
	KUNIT_EXPECT_FALSE(test, aiodemo_fault_fails(&f, 100, 1, 1));

	KUNIT_EXPECT_EQ(test, aiodemo_fault_parse_delay_range(&f, "0 8 5000", 1000), 0);
	KUNIT_EXPECT_EQ(test, aiodemo_fault_delay(&f, 0, 8), 5000ULL);
	KUNIT_EXPECT_EQ(test, aiodemo_fault_delay(&f, 8, 8), 0ULL);
	KUNIT_EXPECT_EQ(test, aiodemo_fault_parse_delay_range(&f, "off", 1000), 0);
	KUNIT_EXPECT_EQ(test, aiodemo_fault_delay(&f, 0, 8), 0ULL);
}

static void fault_every_nth(struct kunit *test)
{
	struct aiodemo_faults f = { };
	unsigned int seq, failed = 0;

	KUNIT_EXPECT_EQ(test, aiodemo_fault_parse_fail_every(&f, "3"), 0);
	for (seq = 1; seq <= 9; seq++)
		if (aiodemo_fault_fails(&f, 0, 8, seq)) {
			failed++;
			KUNIT_EXPECT_EQ(test, seq % 3, 0U);
		}
	KUNIT_EXPECT_EQ(test, failed, 3U);
	KUNIT_EXPECT_EQ(test, aiodemo_fault_parse_fail_every(&f, "off"), 0);
	KUNIT_EXPECT_FALSE(test, aiodemo_fault_fails(&f, 0, 8, 3));
}

static void fault_rejects_bad_rules(struct kunit *test)
{
	static const char * const bad_ranges[] = {
		"", "100", "100 0", "1000 1", "999 2", "1 2 3", "a b",
		"18446744073709551615 2", "-1 1",
	};
	static const char * const bad_delays[] = {
		"", "0 8", "0 8 0", "0 8 1000000001", "0 0 10", "995 10 10",
		"0 8 10 1",
	};
	struct aiodemo_faults f = { .fail_start = 1, .fail_sectors = 2,
				    .fail_every = 3, .delay_start = 4,
				    .delay_sectors = 5, .delay_nsec = 6 };
	struct aiodemo_faults orig = f;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad_ranges); i++)
		KUNIT_EXPECT_EQ_MSG(test, aiodemo_fault_parse_fail_range(&f, bad_ranges[i], 1000),
				    -EINVAL, "\"%s\"", bad_ranges[i]);
	for (i = 0; i < ARRAY_SIZE(bad_delays); i++)
		KUNIT_EXPECT_EQ_MSG(test, aiodemo_fault_parse_delay_range(&f, bad_delays[i], 1000),
				    -EINVAL, "\"%s\"", bad_delays[i]);
	KUNIT_EXPECT_EQ(test, aiodemo_fault_parse_fail_every(&f, "-1"), -EINVAL);
	KUNIT_EXPECT_EQ(test, aiodemo_fault_parse_fail_every(&f, "x"), -EINVAL);
	KUNIT_EXPECT_EQ(test, memcmp(&f, &orig, sizeof(f)), 0);
}

static struct kunit_case aiodemo_conf_cases[] = {
	KUNIT_CASE(conf_defaults_are_valid),
	KUNIT_CASE(conf_set_accepts_valid_values),
	KUNIT_CASE(conf_set_rejects_invalid_values),
	KUNIT_CASE(conf_check_rejects_bad_combinations),
	KUNIT_CASE(conf_show_and_format_round_trip),
	KUNIT_CASE(fault_ranges_parse_and_match),
	KUNIT_CASE(fault_every_nth),
	KUNIT_CASE(fault_rejects_bad_rules),
	{}
};

static struct kunit_suite aiodemo_conf_suite = {
	.name = "aiodemo_conf",
	.test_cases = aiodemo_conf_cases,
};

static const u32 blk_modes[] = {
	AIODEMO_COMP_INLINE, AIODEMO_COMP_SOFTIRQ, AIODEMO_COMP_HARDIRQ,
};

static void blk_mode_desc(const u32 *mode, char *desc)
{
	strscpy(desc, aiodemo_completion_name(*mode), KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(blk_mode, blk_modes, blk_mode_desc);

/* A 4 MiB device with 4 KiB blocks, removed by blk_exit() if still there. */
static struct aiodemo_dev *blk_create(struct kunit *test, u32 mode,
				      u64 miss_nsec)
{
	struct aiodemo_conf conf = aiodemo_conf_defaults;
	char name[DISK_NAME_LEN];
	struct aiodemo_dev *dev;

	conf.size_mb = 4;
	conf.blocksize = 4096;
	conf.completion = mode;
	conf.cache_blocks = 8;
	conf.hit_nsec = 1000;
	conf.miss_nsec = miss_nsec;
	snprintf(name, sizeof(name), "adkunit_%s", aiodemo_completion_name(mode));
	mutex_lock(&aiodemo_lock);
	dev = aiodemo_dev_create(name, &conf);
	mutex_unlock(&aiodemo_lock);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(dev), "create: %ld", PTR_ERR(dev));
	test->priv = dev;
	return dev;
}

static void blk_destroy(struct kunit *test)
{
	if (!test->priv)
		return;
	mutex_lock(&aiodemo_lock);
	aiodemo_dev_destroy(test->priv);
	mutex_unlock(&aiodemo_lock);
	test->priv = NULL;
}

static void blk_exit(struct kunit *test)
{
	blk_destroy(test);
}

/* One synchronous page-sized bio. */
static int blk_rw(struct aiodemo_dev *dev, blk_opf_t op, sector_t sector,
		  void *buf)
{
	struct bio_vec bvec;
	struct bio bio;
	int ret;

	bio_init(&bio, dev->disk->part0, &bvec, 1, op);
	bio.bi_iter.bi_sector = sector;
	__bio_add_page(&bio, virt_to_page(buf), PAGE_SIZE, offset_in_page(buf));
	ret = submit_bio_wait(&bio);
	bio_uninit(&bio);
	return ret;
}

static void blk_data_counters_and_errors(struct kunit *test)
{
	const u32 *mode = test->param_value;
	struct aiodemo_faults f = { };
	struct aiodemo_stats st;
	struct aiodemo_dev *dev;
	u8 *w, *r;
	int i;

	w = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	r = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);
	KUNIT_ASSERT_NOT_NULL(test, r);
	for (i = 0; i < PAGE_SIZE; i++)
		w[i] = i * 7 + *mode;
	dev = blk_create(test, *mode, 20000);

	/* Written data reads back; a block never written reads as zeroes. */
	KUNIT_EXPECT_EQ(test, blk_rw(dev, REQ_OP_WRITE, 8, w), 0);
	KUNIT_EXPECT_EQ(test, blk_rw(dev, REQ_OP_READ, 8, r), 0);
	KUNIT_EXPECT_EQ(test, memcmp(w, r, PAGE_SIZE), 0);
	memset(r, 0xa5, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, blk_rw(dev, REQ_OP_READ, 64, r), 0);
	KUNIT_EXPECT_PTR_EQ(test, memchr_inv(r, 0, PAGE_SIZE), NULL);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&dev->store.nr_pages), 1L);

	/* The write filled block 1 (miss), the read hit it, block 8 missed. */
	aiodemo_stats_sum(dev, &st);
	KUNIT_EXPECT_EQ(test, st.ios, 3ULL);
	KUNIT_EXPECT_EQ(test, st.writes, 1ULL);
	KUNIT_EXPECT_EQ(test, st.reads, 2ULL);
	KUNIT_EXPECT_EQ(test, st.hits, 1ULL);
	KUNIT_EXPECT_EQ(test, st.misses, 2ULL);
	KUNIT_EXPECT_EQ(test, st.partial, 0ULL);
	KUNIT_EXPECT_EQ(test, st.errors, 0ULL);

	/* A failing range gives -EIO there only. */
	f.fail_start = 8;
	f.fail_sectors = 8;
	KUNIT_ASSERT_EQ(test, aiodemo_faults_set(dev, &f), 0);
	KUNIT_EXPECT_EQ(test, blk_rw(dev, REQ_OP_READ, 8, r), -EIO);
	KUNIT_EXPECT_EQ(test, blk_rw(dev, REQ_OP_WRITE, 8, w), -EIO);
	KUNIT_EXPECT_EQ(test, blk_rw(dev, REQ_OP_READ, 16, r), 0);

	/* Every second request fails. */
	f.fail_sectors = 0;
	f.fail_every = 2;
	KUNIT_ASSERT_EQ(test, aiodemo_faults_set(dev, &f), 0);
	KUNIT_EXPECT_EQ(test, blk_rw(dev, REQ_OP_READ, 64, r), 0);
	KUNIT_EXPECT_EQ(test, blk_rw(dev, REQ_OP_READ, 64, r), -EIO);
	KUNIT_EXPECT_EQ(test, blk_rw(dev, REQ_OP_READ, 64, r), 0);

	f.fail_every = 0;
	KUNIT_ASSERT_EQ(test, aiodemo_faults_set(dev, &f), 0);
	KUNIT_EXPECT_EQ(test, blk_rw(dev, REQ_OP_READ, 8, r), 0);
	KUNIT_EXPECT_EQ(test, memcmp(w, r, PAGE_SIZE), 0);
	aiodemo_stats_sum(dev, &st);
	KUNIT_EXPECT_EQ(test, st.errors, 3ULL);
	KUNIT_EXPECT_EQ(test, st.ios, 10ULL);
	KUNIT_EXPECT_EQ(test, st.hits + st.misses + st.partial, st.ios);
	blk_destroy(test);
}

struct blk_inflight {
	atomic_t		left;
	atomic_t		errors;
	struct completion	done;
};

static void blk_inflight_end_io(struct bio *bio)
{
	struct blk_inflight *in = bio->bi_private;

	if (bio->bi_status)
		atomic_inc(&in->errors);
	bio_put(bio);
	if (atomic_dec_and_test(&in->left))
		complete(&in->done);
}

/* Remove a device under 16 slow reads: every bio ends, nothing leaks. */
static void blk_remove_with_io_in_flight(struct kunit *test)
{
	const u32 *mode = test->param_value;
	const int nr = 16;
	struct blk_inflight *in;
	struct aiodemo_dev *dev;
	void *buf;
	int i;

	in = kunit_kzalloc(test, sizeof(*in), GFP_KERNEL);
	buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, in);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	atomic_set(&in->left, nr);
	init_completion(&in->done);
	dev = blk_create(test, *mode, 20 * NSEC_PER_MSEC);

	for (i = 0; i < nr; i++) {
		struct bio *bio = bio_alloc(dev->disk->part0, 1, REQ_OP_READ,
					    GFP_KERNEL);

		bio->bi_iter.bi_sector = i * 8;
		__bio_add_page(bio, virt_to_page(buf), PAGE_SIZE, 0);
		bio->bi_private = in;
		bio->bi_end_io = blk_inflight_end_io;
		submit_bio(bio);
	}
	blk_destroy(test);
	KUNIT_EXPECT_NE(test, wait_for_completion_timeout(&in->done, 10 * HZ),
			0UL);
	kunit_info(test, "%s: %d of %d bios failed at removal\n",
		   aiodemo_completion_name(*mode), atomic_read(&in->errors), nr);
}

/*
 * Adjacent bios submitted under a plug are merged into one request; the
 * driver must still account (and attribute) each bio by its own blocks:
 * with blocks 0 and 2 cached, bios 0-3 are hit, miss, hit, miss, and no
 * bio is partial although the request is.
 */
static void blk_merged_bios_count_per_bio(struct kunit *test)
{
	const u32 *mode = test->param_value;
	const int nr = 4;
	struct blk_inflight *in;
	struct aiodemo_stats st;
	struct aiodemo_dev *dev;
	struct blk_plug plug;
	unsigned long merges;
	u8 *buf;
	int i;

	in = kunit_kzalloc(test, sizeof(*in), GFP_KERNEL);
	buf = kunit_kmalloc(test, nr * PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, in);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	atomic_set(&in->left, nr);
	init_completion(&in->done);
	dev = blk_create(test, *mode, 20000);

	KUNIT_ASSERT_EQ(test, blk_rw(dev, REQ_OP_READ, 0, buf), 0);
	KUNIT_ASSERT_EQ(test, blk_rw(dev, REQ_OP_READ, 16, buf), 0);
	merges = part_stat_read(dev->disk->part0, merges[STAT_READ]);
	blk_start_plug(&plug);
	for (i = 0; i < nr; i++) {
		struct bio *bio = bio_alloc(dev->disk->part0, 1, REQ_OP_READ,
					    GFP_KERNEL);

		bio->bi_iter.bi_sector = i * 8;
		__bio_add_page(bio, virt_to_page(buf + i * PAGE_SIZE), PAGE_SIZE, 0);
		bio->bi_private = in;
		bio->bi_end_io = blk_inflight_end_io;
		submit_bio(bio);
	}
	blk_finish_plug(&plug);
	KUNIT_ASSERT_NE(test, wait_for_completion_timeout(&in->done, 10 * HZ),
			0UL);
	KUNIT_EXPECT_EQ(test, atomic_read(&in->errors), 0);
	KUNIT_EXPECT_GT(test, part_stat_read(dev->disk->part0, merges[STAT_READ]),
			merges);

	aiodemo_stats_sum(dev, &st);
	KUNIT_EXPECT_EQ(test, st.ios, 2ULL + nr);
	KUNIT_EXPECT_EQ(test, st.hits, 2ULL);
	KUNIT_EXPECT_EQ(test, st.misses, 2ULL + 2);
	KUNIT_EXPECT_EQ(test, st.partial, 0ULL);
	blk_destroy(test);
}

/* One synchronous bio of 1 MiB over @pages, allocated one by one. */
static int blk_rw_1m(struct kunit *test, struct aiodemo_dev *dev, blk_opf_t op,
		     u8 **pages)
{
	const int nr = SZ_1M / PAGE_SIZE;
	struct bio *bio;
	int i, ret;

	bio = bio_alloc(dev->disk->part0, nr, op, GFP_KERNEL);
	for (i = 0; i < nr; i++)
		KUNIT_ASSERT_EQ(test, bio_add_page(bio, virt_to_page(pages[i]),
						   PAGE_SIZE, 0), (int)PAGE_SIZE);
	ret = submit_bio_wait(bio);
	bio_put(bio);
	return ret;
}

/*
 * A 1 MiB bio of 256 scattered pages is one request by default (counted
 * once, data intact); with max_sectors=256 the block layer splits it in 8
 * and each piece counts, as aiodemo.rst says.
 */
static void blk_large_bio_is_one_request(struct kunit *test)
{
	const u32 *mode = test->param_value;
	const int nr = SZ_1M / PAGE_SIZE;
	struct aiodemo_conf conf = aiodemo_conf_defaults;
	struct aiodemo_stats st;
	struct aiodemo_dev *dev;
	u8 **w, **r;
	int i;

	w = kunit_kcalloc(test, nr, sizeof(*w), GFP_KERNEL);
	r = kunit_kcalloc(test, nr, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);
	KUNIT_ASSERT_NOT_NULL(test, r);
	for (i = 0; i < nr; i++) {
		/* kmalloc(PAGE_SIZE) is page aligned */
		w[i] = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
		r[i] = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, w[i]);
		KUNIT_ASSERT_NOT_NULL(test, r[i]);
		memset(w[i], i + *mode, PAGE_SIZE);
	}

	dev = blk_create(test, *mode, 20000);
	KUNIT_EXPECT_EQ(test, queue_max_hw_sectors(dev->disk->queue),
			conf.max_sectors);
	KUNIT_EXPECT_EQ(test, blk_rw_1m(test, dev, REQ_OP_WRITE, w), 0);
	KUNIT_EXPECT_EQ(test, blk_rw_1m(test, dev, REQ_OP_READ, r), 0);
	for (i = 0; i < nr; i++)
		KUNIT_EXPECT_EQ(test, memcmp(w[i], r[i], PAGE_SIZE), 0);
	aiodemo_stats_sum(dev, &st);
	KUNIT_EXPECT_EQ(test, st.ios, 2ULL);
	KUNIT_EXPECT_EQ(test, st.writes, 1ULL);
	KUNIT_EXPECT_EQ(test, st.reads, 1ULL);
	blk_destroy(test);

	conf.size_mb = 4;
	conf.blocksize = 4096;
	conf.completion = *mode;
	conf.max_sectors = 256;
	mutex_lock(&aiodemo_lock);
	dev = aiodemo_dev_create("adkunit_split", &conf);
	mutex_unlock(&aiodemo_lock);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dev));
	test->priv = dev;
	KUNIT_EXPECT_EQ(test, blk_rw_1m(test, dev, REQ_OP_READ, r), 0);
	aiodemo_stats_sum(dev, &st);
	KUNIT_EXPECT_EQ(test, st.ios, 8ULL);
	blk_destroy(test);
}

static struct kunit_case aiodemo_blk_cases[] = {
	KUNIT_CASE_PARAM(blk_data_counters_and_errors, blk_mode_gen_params),
	KUNIT_CASE_PARAM(blk_merged_bios_count_per_bio, blk_mode_gen_params),
	KUNIT_CASE_PARAM(blk_remove_with_io_in_flight, blk_mode_gen_params),
	KUNIT_CASE_PARAM(blk_large_bio_is_one_request, blk_mode_gen_params),
	{}
};

static struct kunit_suite aiodemo_blk_suite = {
	.name = "aiodemo_blk",
	.exit = blk_exit,
	.test_cases = aiodemo_blk_cases,
};

kunit_test_suites(&aiodemo_cache_suite, &aiodemo_conf_suite, &aiodemo_blk_suite);

MODULE_DESCRIPTION("KUnit tests for aiodemo");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
