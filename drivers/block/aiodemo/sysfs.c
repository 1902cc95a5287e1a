// SPDX-License-Identifier: GPL-2.0
/*
 * aiodemo sysfs: /sys/block/<disk>/aiodemo/, present for every device.
 *
 *  ios reads writes hits misses partial errors delayed   counters (r)
 *  stats	  all counters on one line (r)
 *  config	  the configuration, name=value pairs (r)
 *  pages	  pages of RAM holding data (r)
 *  cache_used	  blocks in the fast tier (r)
 *  cache_drop	  write 1 to empty the fast tier (w)
 *  fail_range	  "START NR" sectors failing with -EIO, or "off" (rw)
 *  fail_every	  fail every Nth read or write request, 0 or "off" (rw)
 *  delay_range	  "START NR NSEC" extra service time, or "off" (rw)
 *
 * Context: process.
 */
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <kunit/visibility.h>

#include "aiodemo.h"

static struct aiodemo_dev *to_aiodemo(struct device *d)
{
	return dev_to_disk(d)->private_data;
}

/**
 * aiodemo_stats_sum() - add up the per-CPU counters
 * @dev: the device
 * @sum: the totals
 */
void aiodemo_stats_sum(struct aiodemo_dev *dev, struct aiodemo_stats *sum)
{
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		struct aiodemo_stats *s = per_cpu_ptr(dev->stats, cpu);

		sum->ios += READ_ONCE(s->ios);
		sum->reads += READ_ONCE(s->reads);
		sum->writes += READ_ONCE(s->writes);
		sum->hits += READ_ONCE(s->hits);
		sum->misses += READ_ONCE(s->misses);
		sum->partial += READ_ONCE(s->partial);
		sum->errors += READ_ONCE(s->errors);
		sum->delayed += READ_ONCE(s->delayed);
	}
}
EXPORT_SYMBOL_IF_KUNIT(aiodemo_stats_sum);

#define AIODEMO_COUNTER(_name)						\
static ssize_t _name##_show(struct device *d,				\
			    struct device_attribute *attr, char *buf)	\
{									\
	struct aiodemo_stats sum;					\
									\
	aiodemo_stats_sum(to_aiodemo(d), &sum);				\
	return sysfs_emit(buf, "%llu\n", sum._name);			\
}									\
static DEVICE_ATTR_RO(_name)

AIODEMO_COUNTER(ios);
AIODEMO_COUNTER(reads);
AIODEMO_COUNTER(writes);
AIODEMO_COUNTER(hits);
AIODEMO_COUNTER(misses);
AIODEMO_COUNTER(partial);
AIODEMO_COUNTER(errors);
AIODEMO_COUNTER(delayed);

static ssize_t stats_show(struct device *d,
				  struct device_attribute *attr, char *buf)
{
	struct aiodemo_stats s;

	aiodemo_stats_sum(to_aiodemo(d), &s);
	return sysfs_emit(buf,
			  "ios=%llu reads=%llu writes=%llu hits=%llu misses=%llu partial=%llu errors=%llu delayed=%llu\n",
			  s.ios, s.reads, s.writes, s.hits, s.misses,
			  s.partial, s.errors, s.delayed);
}
static DEVICE_ATTR_RO(stats);

static ssize_t config_show(struct device *d,
				   struct device_attribute *attr, char *buf)
{
	return aiodemo_conf_format(&to_aiodemo(d)->conf, buf, PAGE_SIZE);
}
static DEVICE_ATTR_RO(config);

static ssize_t pages_show(struct device *d,
				  struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%ld\n",
			  atomic_long_read(&to_aiodemo(d)->store.nr_pages));
}
static DEVICE_ATTR_RO(pages);

static ssize_t cache_used_show(struct device *d,
				       struct device_attribute *attr,
				       char *buf)
{
	return sysfs_emit(buf, "%u\n",
			  aiodemo_cache_used(&to_aiodemo(d)->cache));
}
static DEVICE_ATTR_RO(cache_used);

static ssize_t cache_drop_store(struct device *d,
					struct device_attribute *attr,
					const char *buf, size_t count)
{
	struct aiodemo_dev *dev = to_aiodemo(d);

	if (!sysfs_streq(buf, "1")) {
		pr_err("%s: cache_drop: write 1 to empty the fast tier\n",
		       dev->name);
		return -EINVAL;
	}
	aiodemo_cache_drop(&dev->cache);
	return count;
}
static DEVICE_ATTR_WO(cache_drop);

/* Publish a copy of @f as the rules of @dev; fault_lock held. */
static int aiodemo_faults_publish(struct aiodemo_dev *dev,
				  const struct aiodemo_faults *f)
{
	struct aiodemo_fault_rules *old, *new;

	lockdep_assert_held(&dev->fault_lock);
	new = kzalloc(sizeof(*new), GFP_KERNEL);
	if (!new)
		return -ENOMEM;
	new->f = *f;
	old = rcu_dereference_protected(dev->faults,
					lockdep_is_held(&dev->fault_lock));
	atomic64_set(&dev->fault_seq, 0);
	rcu_assign_pointer(dev->faults, new);
	kfree_rcu(old, rcu);
	return 0;
}

/**
 * aiodemo_faults_set() - replace the fault injection rules
 * @dev: the device
 * @f:	 the new rules, copied; not checked
 *
 * Requests dispatched from now on see @f; the fail_every count restarts.
 *
 * Context: process.
 * Return: 0 or -ENOMEM.
 */
int aiodemo_faults_set(struct aiodemo_dev *dev, const struct aiodemo_faults *f)
{
	int ret;

	mutex_lock(&dev->fault_lock);
	ret = aiodemo_faults_publish(dev, f);
	mutex_unlock(&dev->fault_lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(aiodemo_faults_set);

/* Let @parse change a copy of the rules, publish it. */
static ssize_t aiodemo_fault_update(struct device *d,
				    struct device_attribute *attr,
				    const char *buf, size_t count,
				    int (*parse)(struct aiodemo_faults *f,
						 const char *buf, u64 capacity))
{
	struct aiodemo_dev *dev = to_aiodemo(d);
	struct aiodemo_faults f;
	int ret;

	mutex_lock(&dev->fault_lock);
	f = rcu_dereference_protected(dev->faults,
				      lockdep_is_held(&dev->fault_lock))->f;
	ret = parse(&f, buf, dev->capacity);
	if (ret)
		pr_err("%s: %s: rejected, rules unchanged\n", dev->name,
		       attr->attr.name);
	else
		ret = aiodemo_faults_publish(dev, &f);
	mutex_unlock(&dev->fault_lock);
	return ret ? ret : count;
}

static struct aiodemo_faults aiodemo_faults_get(struct aiodemo_dev *dev)
{
	struct aiodemo_faults f;

	rcu_read_lock();
	f = rcu_dereference(dev->faults)->f;
	rcu_read_unlock();
	return f;
}

static ssize_t fail_range_show(struct device *d,
				       struct device_attribute *attr,
				       char *buf)
{
	struct aiodemo_faults f = aiodemo_faults_get(to_aiodemo(d));

	if (!f.fail_sectors)
		return sysfs_emit(buf, "off\n");
	return sysfs_emit(buf, "%llu %llu\n", f.fail_start, f.fail_sectors);
}

static ssize_t fail_range_store(struct device *d,
					struct device_attribute *attr,
					const char *buf, size_t count)
{
	return aiodemo_fault_update(d, attr, buf, count,
				    aiodemo_fault_parse_fail_range);
}
static DEVICE_ATTR_RW(fail_range);

static int aiodemo_parse_fail_every(struct aiodemo_faults *f,
				    const char *buf, u64 capacity)
{
	return aiodemo_fault_parse_fail_every(f, buf);
}

static ssize_t fail_every_show(struct device *d,
				       struct device_attribute *attr,
				       char *buf)
{
	return sysfs_emit(buf, "%u\n",
			  aiodemo_faults_get(to_aiodemo(d)).fail_every);
}

static ssize_t fail_every_store(struct device *d,
					struct device_attribute *attr,
					const char *buf, size_t count)
{
	return aiodemo_fault_update(d, attr, buf, count,
				    aiodemo_parse_fail_every);
}
static DEVICE_ATTR_RW(fail_every);

static ssize_t delay_range_show(struct device *d,
					struct device_attribute *attr,
					char *buf)
{
	struct aiodemo_faults f = aiodemo_faults_get(to_aiodemo(d));

	if (!f.delay_sectors)
		return sysfs_emit(buf, "off\n");
	return sysfs_emit(buf, "%llu %llu %llu\n", f.delay_start,
			  f.delay_sectors, f.delay_nsec);
}

static ssize_t delay_range_store(struct device *d,
					 struct device_attribute *attr,
					 const char *buf, size_t count)
{
	return aiodemo_fault_update(d, attr, buf, count,
				    aiodemo_fault_parse_delay_range);
}
static DEVICE_ATTR_RW(delay_range);

static struct attribute *aiodemo_disk_attrs[] = {
	&dev_attr_ios.attr,
	&dev_attr_reads.attr,
	&dev_attr_writes.attr,
	&dev_attr_hits.attr,
	&dev_attr_misses.attr,
	&dev_attr_partial.attr,
	&dev_attr_errors.attr,
	&dev_attr_delayed.attr,
	&dev_attr_stats.attr,
	&dev_attr_config.attr,
	&dev_attr_pages.attr,
	&dev_attr_cache_used.attr,
	&dev_attr_cache_drop.attr,
	&dev_attr_fail_range.attr,
	&dev_attr_fail_every.attr,
	&dev_attr_delay_range.attr,
	NULL,
};

static const struct attribute_group aiodemo_disk_group = {
	.name	= "aiodemo",
	.attrs	= aiodemo_disk_attrs,
};

const struct attribute_group *aiodemo_disk_groups[] = {
	&aiodemo_disk_group,
	NULL,
};
