// SPDX-License-Identifier: GPL-2.0
/*
 * aiodemo parameters: one table gives each parameter its name, type and
 * bounds.  Module parameters and configfs attributes both go through
 * aiodemo_conf_set(), and a whole configuration is checked once more by
 * aiodemo_conf_check() before a device is created from it.
 *
 * Also the parsing and matching of the fault injection rules.
 *
 * Context: aiodemo_fault_fails() and aiodemo_fault_delay() may be called
 * from any context; everything else from process context.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include "conf.h"

const struct aiodemo_conf aiodemo_conf_defaults = AIODEMO_CONF_DEFAULTS;
EXPORT_SYMBOL_IF_KUNIT(aiodemo_conf_defaults);

enum aiodemo_kind {
	AIODEMO_K_U32,
	AIODEMO_K_U64,
	AIODEMO_K_BLOCKSIZE,
	AIODEMO_K_COMPLETION,
	AIODEMO_K_POLICY,
};

struct aiodemo_param_desc {
	const char	*name;
	enum aiodemo_kind kind;
	size_t		offset;
	u64		min;
	u64		max;
};

#define AIODEMO_PARAM(_id, _name, _kind, _field, _min, _max)		\
	[_id] = {							\
		.name = _name, .kind = _kind,				\
		.offset = offsetof(struct aiodemo_conf, _field),	\
		.min = _min, .max = _max,				\
	}

static const struct aiodemo_param_desc aiodemo_params[AIODEMO_P_NR] = {
	AIODEMO_PARAM(AIODEMO_P_SIZE, "size", AIODEMO_K_U64, size_mb,
		      1, AIODEMO_MAX_SIZE_MB),
	AIODEMO_PARAM(AIODEMO_P_BLOCKSIZE, "blocksize", AIODEMO_K_BLOCKSIZE,
		      blocksize, 512, 4096),
	AIODEMO_PARAM(AIODEMO_P_HW_QUEUES, "hw_queues", AIODEMO_K_U32,
		      hw_queues, 1, AIODEMO_MAX_HW_QUEUES),
	AIODEMO_PARAM(AIODEMO_P_QUEUE_DEPTH, "queue_depth", AIODEMO_K_U32,
		      queue_depth, 1, AIODEMO_MAX_QUEUE_DEPTH),
	AIODEMO_PARAM(AIODEMO_P_COMPLETION, "completion", AIODEMO_K_COMPLETION,
		      completion, 0, AIODEMO_COMP_NR - 1),
	AIODEMO_PARAM(AIODEMO_P_CACHE_BLOCKS, "cache_blocks", AIODEMO_K_U32,
		      cache_blocks, 0, AIODEMO_MAX_CACHE_BLOCKS),
	AIODEMO_PARAM(AIODEMO_P_HIT_NSEC, "hit_nsec", AIODEMO_K_U64,
		      hit_nsec, 0, AIODEMO_MAX_LATENCY_NSEC),
	AIODEMO_PARAM(AIODEMO_P_MISS_NSEC, "miss_nsec", AIODEMO_K_U64,
		      miss_nsec, 0, AIODEMO_MAX_LATENCY_NSEC),
	AIODEMO_PARAM(AIODEMO_P_WRITE_POLICY, "write_policy", AIODEMO_K_POLICY,
		      write_policy, 0, AIODEMO_WRITE_NR - 1),
	AIODEMO_PARAM(AIODEMO_P_MAX_SECTORS, "max_sectors", AIODEMO_K_U32,
		      max_sectors, AIODEMO_MIN_MAX_SECTORS,
		      AIODEMO_MAX_MAX_SECTORS),
};

static const char * const aiodemo_completion_names[AIODEMO_COMP_NR] = {
	[AIODEMO_COMP_INLINE]	= "inline",
	[AIODEMO_COMP_SOFTIRQ]	= "softirq",
	[AIODEMO_COMP_HARDIRQ]	= "hardirq",
};

static const char * const aiodemo_policy_names[AIODEMO_WRITE_NR] = {
	[AIODEMO_WRITE_THROUGH]	= "through",
	[AIODEMO_WRITE_AROUND]	= "around",
};

/**
 * aiodemo_param_name() - the name of a parameter
 * @p: the parameter
 *
 * Return: the name used by modinfo and configfs, or "?" for an unknown one.
 */
const char *aiodemo_param_name(enum aiodemo_param p)
{
	return (unsigned int)p < AIODEMO_P_NR ? aiodemo_params[p].name : "?";
}
EXPORT_SYMBOL_IF_KUNIT(aiodemo_param_name);

/**
 * aiodemo_completion_name() - the name of a completion mode
 * @mode: enum aiodemo_completion
 *
 * Return: "inline", "softirq", "hardirq" or "?".
 */
const char *aiodemo_completion_name(u32 mode)
{
	return mode < AIODEMO_COMP_NR ? aiodemo_completion_names[mode] : "?";
}

/**
 * aiodemo_write_policy_name() - the name of a write policy
 * @policy: enum aiodemo_write_policy
 *
 * Return: "through", "around" or "?".
 */
const char *aiodemo_write_policy_name(u32 policy)
{
	return policy < AIODEMO_WRITE_NR ? aiodemo_policy_names[policy] : "?";
}

/* A name from @names, or its index as a number. */
static int aiodemo_parse_name(const char *val, const char * const *names,
			      unsigned int nr, u64 *out)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		if (sysfs_streq(val, names[i])) {
			*out = i;
			return 0;
		}
	}
	return kstrtou64(val, 0, out);
}

/**
 * aiodemo_conf_set() - parse, check and store one parameter
 * @conf: the configuration to change
 * @p:	  which parameter
 * @val:  the text written by the user, a trailing newline allowed
 *
 * Numbers may be decimal or 0x hexadecimal; completion and write_policy
 * also take their names.  On error @conf is unchanged and the reason is
 * logged.
 *
 * Return: 0, or -EINVAL for an unparsable or out of range value.
 */
int aiodemo_conf_set(struct aiodemo_conf *conf, enum aiodemo_param p,
		     const char *val)
{
	const struct aiodemo_param_desc *d;
	char shown[32];
	void *field;
	u64 v;
	int ret;

	if ((unsigned int)p >= AIODEMO_P_NR)
		return -EINVAL;
	d = &aiodemo_params[p];
	field = (char *)conf + d->offset;
	strscpy(shown, val, sizeof(shown));

	switch (d->kind) {
	case AIODEMO_K_COMPLETION:
		ret = aiodemo_parse_name(val, aiodemo_completion_names,
					 AIODEMO_COMP_NR, &v);
		if (ret || v > d->max) {
			pr_err("%s: '%s' is not inline, softirq or hardirq (0-2)\n",
			       d->name, strim(shown));
			return -EINVAL;
		}
		break;
	case AIODEMO_K_POLICY:
		ret = aiodemo_parse_name(val, aiodemo_policy_names,
					 AIODEMO_WRITE_NR, &v);
		if (ret || v > d->max) {
			pr_err("%s: '%s' is not through or around (0-1)\n",
			       d->name, strim(shown));
			return -EINVAL;
		}
		break;
	default:
		if (kstrtou64(val, 0, &v)) {
			pr_err("%s: '%s' is not a number\n", d->name,
			       strim(shown));
			return -EINVAL;
		}
		break;
	}

	if (d->kind == AIODEMO_K_BLOCKSIZE && v != 512 && v != 4096) {
		pr_err("%s: %llu is not 512 or 4096\n", d->name, v);
		return -EINVAL;
	}
	if (v < d->min || v > d->max) {
		pr_err("%s: %llu is out of range [%llu, %llu]\n",
		       d->name, v, d->min, d->max);
		return -EINVAL;
	}

	if (d->kind == AIODEMO_K_U64)
		*(u64 *)field = v;
	else
		*(u32 *)field = v;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(aiodemo_conf_set);

/**
 * aiodemo_conf_show() - print one parameter
 * @conf: the configuration
 * @p:	  which parameter
 * @buf:  where to print, newline terminated
 * @len:  size of @buf
 *
 * Return: the number of characters printed, or -EINVAL for an unknown @p.
 */
int aiodemo_conf_show(const struct aiodemo_conf *conf, enum aiodemo_param p,
		      char *buf, size_t len)
{
	const struct aiodemo_param_desc *d;
	const void *field;

	if ((unsigned int)p >= AIODEMO_P_NR)
		return -EINVAL;
	d = &aiodemo_params[p];
	field = (const char *)conf + d->offset;

	switch (d->kind) {
	case AIODEMO_K_COMPLETION:
		return scnprintf(buf, len, "%s\n",
				 aiodemo_completion_name(*(const u32 *)field));
	case AIODEMO_K_POLICY:
		return scnprintf(buf, len, "%s\n",
				 aiodemo_write_policy_name(*(const u32 *)field));
	case AIODEMO_K_U64:
		return scnprintf(buf, len, "%llu\n", *(const u64 *)field);
	default:
		return scnprintf(buf, len, "%u\n", *(const u32 *)field);
	}
}
EXPORT_SYMBOL_IF_KUNIT(aiodemo_conf_show);

/**
 * aiodemo_conf_check() - check a whole configuration before using it
 * @conf:    the configuration
 * @nr_cpus: possible CPUs; more hardware queues than that are refused
 *
 * Checks every bound again (a configuration may have been built without
 * aiodemo_conf_set()) and the rules that join parameters.  Logs the first
 * problem found.
 *
 * Return: 0 or -EINVAL.
 */
int aiodemo_conf_check(const struct aiodemo_conf *conf, unsigned int nr_cpus)
{
	const struct aiodemo_param_desc *d;
	unsigned int p;
	u64 v;

	for (p = 0; p < AIODEMO_P_NR; p++) {
		d = &aiodemo_params[p];
		if (d->kind == AIODEMO_K_U64)
			v = *(const u64 *)((const char *)conf + d->offset);
		else
			v = *(const u32 *)((const char *)conf + d->offset);
		if (v < d->min || v > d->max) {
			pr_err("%s: %llu is out of range [%llu, %llu]\n",
			       d->name, v, d->min, d->max);
			return -EINVAL;
		}
	}
	if (conf->blocksize != 512 && conf->blocksize != 4096) {
		pr_err("blocksize: %u is not 512 or 4096\n", conf->blocksize);
		return -EINVAL;
	}
	/* sectors are 512 bytes whatever the block size */
	if (conf->max_sectors % (conf->blocksize / 512)) {
		pr_err("max_sectors: %u is not a multiple of the %u sectors of a block\n",
		       conf->max_sectors, conf->blocksize / 512);
		return -EINVAL;
	}
	if (conf->hw_queues > nr_cpus) {
		pr_err("hw_queues: %u is more than the %u CPUs\n",
		       conf->hw_queues, nr_cpus);
		return -EINVAL;
	}
	if (conf->hit_nsec > conf->miss_nsec) {
		pr_err("hit_nsec %llu is above miss_nsec %llu: the fast tier must not be slower\n",
		       conf->hit_nsec, conf->miss_nsec);
		return -EINVAL;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(aiodemo_conf_check);

/**
 * aiodemo_conf_format() - print a configuration as one line
 * @conf: the configuration
 * @buf:  where to print
 * @len:  size of @buf
 *
 * The line lists every parameter as name=value, in the order of enum
 * aiodemo_param, and ends with a newline.  Writing each pair into the
 * configfs attribute of the same name recreates the device.
 *
 * Return: the number of characters printed.
 */
int aiodemo_conf_format(const struct aiodemo_conf *conf, char *buf,
			size_t len)
{
	char val[32];
	unsigned int p;
	int n = 0;

	for (p = 0; p < AIODEMO_P_NR; p++) {
		aiodemo_conf_show(conf, p, val, sizeof(val));
		strim(val);
		n += scnprintf(buf + n, len - n, "%s%s=%s", p ? " " : "",
			       aiodemo_params[p].name, val);
	}
	n += scnprintf(buf + n, len - n, "\n");
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(aiodemo_conf_format);

/* Exactly @nr whitespace separated numbers. */
static int aiodemo_parse_u64s(const char *buf, u64 *vals, unsigned int nr)
{
	char tmp[96], *s, *tok;
	unsigned int n = 0;

	if (strscpy(tmp, buf, sizeof(tmp)) < 0)
		return -EINVAL;
	s = strim(tmp);
	while ((tok = strsep(&s, " \t")) != NULL) {
		if (!*tok)
			continue;
		if (n == nr || kstrtou64(tok, 0, &vals[n]))
			return -EINVAL;
		n++;
	}
	return n == nr ? 0 : -EINVAL;
}

/* @nr sectors from @start lie within @capacity sectors. */
static bool aiodemo_range_ok(u64 start, u64 nr, u64 capacity)
{
	return nr && start < capacity && nr <= capacity - start;
}

/**
 * aiodemo_fault_parse_fail_range() - parse "START NR" or "off"
 * @f:	      the rules to change
 * @buf:      the text written by the user
 * @capacity: device size in sectors; the range must lie within it
 *
 * Return: 0, or -EINVAL (logged) with @f unchanged.
 */
int aiodemo_fault_parse_fail_range(struct aiodemo_faults *f, const char *buf,
				   u64 capacity)
{
	u64 v[2];

	if (sysfs_streq(buf, "off")) {
		f->fail_start = 0;
		f->fail_sectors = 0;
		return 0;
	}
	if (aiodemo_parse_u64s(buf, v, 2)) {
		pr_err("fail_range: expected \"START NR\" in sectors or \"off\"\n");
		return -EINVAL;
	}
	if (!aiodemo_range_ok(v[0], v[1], capacity)) {
		pr_err("fail_range: %llu+%llu is empty or beyond the %llu sectors of the device\n",
		       v[0], v[1], capacity);
		return -EINVAL;
	}
	f->fail_start = v[0];
	f->fail_sectors = v[1];
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(aiodemo_fault_parse_fail_range);

/**
 * aiodemo_fault_parse_fail_every() - parse "N" (0 or "off" disables)
 * @f:	 the rules to change
 * @buf: the text written by the user
 *
 * Return: 0, or -EINVAL (logged) with @f unchanged.
 */
int aiodemo_fault_parse_fail_every(struct aiodemo_faults *f, const char *buf)
{
	u32 v;

	if (sysfs_streq(buf, "off")) {
		f->fail_every = 0;
		return 0;
	}
	if (kstrtou32(buf, 0, &v)) {
		pr_err("fail_every: expected a number of requests or \"off\"\n");
		return -EINVAL;
	}
	f->fail_every = v;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(aiodemo_fault_parse_fail_every);

/**
 * aiodemo_fault_parse_delay_range() - parse "START NR NSEC" or "off"
 * @f:	      the rules to change
 * @buf:      the text written by the user
 * @capacity: device size in sectors; the range must lie within it
 *
 * Return: 0, or -EINVAL (logged) with @f unchanged.
 */
int aiodemo_fault_parse_delay_range(struct aiodemo_faults *f, const char *buf,
				    u64 capacity)
{
	u64 v[3];

	if (sysfs_streq(buf, "off")) {
		f->delay_start = 0;
		f->delay_sectors = 0;
		f->delay_nsec = 0;
		return 0;
	}
	if (aiodemo_parse_u64s(buf, v, 3)) {
		pr_err("delay_range: expected \"START NR NSEC\" or \"off\"\n");
		return -EINVAL;
	}
	if (!aiodemo_range_ok(v[0], v[1], capacity)) {
		pr_err("delay_range: %llu+%llu is empty or beyond the %llu sectors of the device\n",
		       v[0], v[1], capacity);
		return -EINVAL;
	}
	if (!v[2] || v[2] > AIODEMO_MAX_LATENCY_NSEC) {
		pr_err("delay_range: delay %llu ns is out of range [1, %llu]\n",
		       v[2], AIODEMO_MAX_LATENCY_NSEC);
		return -EINVAL;
	}
	f->delay_start = v[0];
	f->delay_sectors = v[1];
	f->delay_nsec = v[2];
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(aiodemo_fault_parse_delay_range);

static bool aiodemo_overlaps(u64 a, u64 na, u64 b, u64 nb)
{
	return na && nb && a < b + nb && b < a + na;
}

/**
 * aiodemo_fault_fails() - whether a request must fail
 * @f:		the rules
 * @sector:	first sector of the request
 * @nr_sectors:	its length
 * @seq:	its number, counted from 1 since the rules last changed
 *
 * Return: true when the request touches the failing range or is an
 * every-Nth request.
 */
bool aiodemo_fault_fails(const struct aiodemo_faults *f, u64 sector,
			 u64 nr_sectors, u64 seq)
{
	if (aiodemo_overlaps(sector, nr_sectors, f->fail_start,
			     f->fail_sectors))
		return true;
	return f->fail_every && seq && !do_div(seq, f->fail_every);
}
EXPORT_SYMBOL_IF_KUNIT(aiodemo_fault_fails);

/**
 * aiodemo_fault_delay() - extra service time of a request
 * @f:		the rules
 * @sector:	first sector of the request
 * @nr_sectors:	its length
 *
 * Return: the delay in ns, 0 when the request misses the delayed range.
 */
u64 aiodemo_fault_delay(const struct aiodemo_faults *f, u64 sector,
			u64 nr_sectors)
{
	if (aiodemo_overlaps(sector, nr_sectors, f->delay_start,
			     f->delay_sectors))
		return f->delay_nsec;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(aiodemo_fault_delay);
