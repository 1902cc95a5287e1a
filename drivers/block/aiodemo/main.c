// SPDX-License-Identifier: GPL-2.0
/*
 * aiodemo - a RAM-backed blk-mq disk with a cache model that returns
 * per-I/O attributes (CACHE, DEVICE_NS, QUEUE_NS) through iodesc.
 *
 * This file: module parameters, module init and exit, and creating and
 * removing devices.  The first nr_devices devices (aiodemo0, aiodemo1, ...)
 * are made from the module parameters at load; more are made and removed
 * at runtime through configfs (configfs.c).
 *
 * See Documentation/admin-guide/aiodemo.rst.
 */
#include <linux/cpumask.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/aio_attr_compat.h>
#include <kunit/visibility.h>

#include "aiodemo.h"

#define AIODEMO_MAX_INIT_DEVICES	64

/* Serialises device creation and removal and guards aiodemo_devs. */
DEFINE_MUTEX(aiodemo_lock);
EXPORT_SYMBOL_IF_KUNIT(aiodemo_lock);
static LIST_HEAD(aiodemo_devs);

/* Configuration of the devices made at load. */
static struct aiodemo_conf aiodemo_mod_conf = AIODEMO_CONF_DEFAULTS;

static unsigned int nr_devices = 1;
module_param(nr_devices, uint, 0444);
MODULE_PARM_DESC(nr_devices, "Devices to create at load, 0-64 (default: 1)");

static int aiodemo_param_set(const char *val, const struct kernel_param *kp)
{
	return aiodemo_conf_set(&aiodemo_mod_conf,
				*(const enum aiodemo_param *)kp->arg, val);
}

static int aiodemo_param_get(char *buf, const struct kernel_param *kp)
{
	return aiodemo_conf_show(&aiodemo_mod_conf,
				 *(const enum aiodemo_param *)kp->arg,
				 buf, PAGE_SIZE);
}

static const struct kernel_param_ops aiodemo_param_ops = {
	.set	= aiodemo_param_set,
	.get	= aiodemo_param_get,
};

#define AIODEMO_MODULE_PARAM(_name, _id, _desc)				\
	static enum aiodemo_param aiodemo_mp_##_name = _id;		\
	module_param_cb(_name, &aiodemo_param_ops, &aiodemo_mp_##_name,	\
			0444);						\
	MODULE_PARM_DESC(_name, _desc)

AIODEMO_MODULE_PARAM(size, AIODEMO_P_SIZE,
	"Size in MiB, 1-1048576 (default: " __stringify(AIODEMO_DEF_SIZE_MB) ")");
AIODEMO_MODULE_PARAM(blocksize, AIODEMO_P_BLOCKSIZE,
	"Logical block size, 512 or 4096 (default: " __stringify(AIODEMO_DEF_BLOCKSIZE) ")");
AIODEMO_MODULE_PARAM(hw_queues, AIODEMO_P_HW_QUEUES,
	"Hardware queues, 1 to the number of CPUs (default: " __stringify(AIODEMO_DEF_HW_QUEUES) ")");
AIODEMO_MODULE_PARAM(queue_depth, AIODEMO_P_QUEUE_DEPTH,
	"Queue depth per hardware queue, 1-4096 (default: " __stringify(AIODEMO_DEF_QUEUE_DEPTH) ")");
AIODEMO_MODULE_PARAM(completion, AIODEMO_P_COMPLETION,
	"Where requests complete: inline (0, task context in queue_rq), softirq (1, blk_mq_complete_request from a soft hrtimer), hardirq (2, hrtimer callback) (default: " AIODEMO_DEF_COMPLETION_NAME ")");
AIODEMO_MODULE_PARAM(cache_blocks, AIODEMO_P_CACHE_BLOCKS,
	"Blocks in the fast tier (LRU), 0-1048576, 0 = every access misses (default: " __stringify(AIODEMO_DEF_CACHE_BLOCKS) ")");
AIODEMO_MODULE_PARAM(hit_nsec, AIODEMO_P_HIT_NSEC,
	"Service time in ns of a read served entirely by the fast tier, 0-1000000000 (default: " __stringify(AIODEMO_DEF_HIT_NSEC) ")");
AIODEMO_MODULE_PARAM(miss_nsec, AIODEMO_P_MISS_NSEC,
	"Service time in ns of any other read and of every write, 0-1000000000, at least hit_nsec (default: " __stringify(AIODEMO_DEF_MISS_NSEC) ")");
AIODEMO_MODULE_PARAM(write_policy, AIODEMO_P_WRITE_POLICY,
	"What writes do to the fast tier: through (0, fill it) or around (1, bypass and invalidate) (default: " AIODEMO_DEF_WRITE_POLICY_NAME ")");
AIODEMO_MODULE_PARAM(max_sectors, AIODEMO_P_MAX_SECTORS,
	"Largest request in 512-byte sectors (max_hw_sectors), 8-65536, a multiple of the block size (default: " __stringify(AIODEMO_DEF_MAX_SECTORS) " = 1 MiB)");

/**
 * aiodemo_name_taken() - whether a device of that name exists
 * @name: disk name
 *
 * Context: process, aiodemo_lock held.
 * Return: true if a live device has that name.
 */
bool aiodemo_name_taken(const char *name)
{
	struct aiodemo_dev *dev;

	lockdep_assert_held(&aiodemo_lock);
	list_for_each_entry(dev, &aiodemo_devs, list)
		if (!strcmp(dev->name, name))
			return true;
	return false;
}

static const struct block_device_operations aiodemo_fops = {
	.owner	= THIS_MODULE,
};

static void aiodemo_dev_free(struct aiodemo_dev *dev)
{
	aiodemo_cache_destroy(&dev->cache);
	aiodemo_store_free(&dev->store);
	kfree(rcu_dereference_protected(dev->faults, true));
	free_percpu(dev->stats);
	kfree(dev);
}

static int aiodemo_init_tag_set(struct aiodemo_dev *dev)
{
	struct blk_mq_tag_set *set = &dev->tag_set;

	set->ops = &aiodemo_mq_ops;
	set->nr_hw_queues = dev->conf.hw_queues;
	set->queue_depth = dev->conf.queue_depth;
	set->numa_node = NUMA_NO_NODE;
	set->cmd_size = sizeof(struct aiodemo_cmd);
	set->flags = BLK_MQ_F_SHOULD_MERGE;
	/* The inline mode sleeps out the service time in queue_rq. */
	if (dev->conf.completion == AIODEMO_COMP_INLINE)
		set->flags |= BLK_MQ_F_BLOCKING;
	set->driver_data = dev;
	return blk_mq_alloc_tag_set(set);
}

/**
 * aiodemo_dev_create() - create and add a device
 * @name: disk name, unique
 * @conf: its configuration; checked here, copied
 *
 * Context: process, aiodemo_lock held.
 * Return: the device, or an ERR_PTR: -EINVAL for a bad configuration or
 * name, -EEXIST for a name in use, -ENOMEM, or what the block layer said.
 */
struct aiodemo_dev *aiodemo_dev_create(const char *name,
				       const struct aiodemo_conf *conf)
{
	/*
	 * Counters are per bio (aiodemo.rst, "Counting"): an I/O up to
	 * max_sectors must arrive as one bio.  A memory copy has no segment
	 * limits, so only the size splits a bio, never its page count.
	 * Features: none, a non-rotational disk that adds no entropy.
	 */
	struct queue_limits lim = {
		.logical_block_size	= conf->blocksize,
		.physical_block_size	= conf->blocksize,
		.max_hw_sectors		= conf->max_sectors,
		.max_segments		= USHRT_MAX,
	};
	struct aiodemo_fault_rules *rules;
	struct aiodemo_dev *dev;
	struct gendisk *disk;
	char line[256];
	int ret;

	lockdep_assert_held(&aiodemo_lock);
	if (!*name || strlen(name) >= DISK_NAME_LEN) {
		pr_err("device name '%s' is empty or longer than %d characters\n",
		       name, DISK_NAME_LEN - 1);
		return ERR_PTR(-EINVAL);
	}
	if (aiodemo_name_taken(name)) {
		pr_err("%s: a device of that name exists\n", name);
		return ERR_PTR(-EEXIST);
	}
	ret = aiodemo_conf_check(conf, num_possible_cpus());
	if (ret) {
		pr_err("%s: not created, invalid configuration\n", name);
		return ERR_PTR(ret);
	}

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return ERR_PTR(-ENOMEM);
	strscpy(dev->name, name, sizeof(dev->name));
	dev->conf = *conf;
	dev->block_shift = ilog2(conf->blocksize) - SECTOR_SHIFT;
	dev->capacity = conf->size_mb << (20 - SECTOR_SHIFT);
	aiodemo_store_init(&dev->store);
	mutex_init(&dev->fault_lock);
	atomic64_set(&dev->fault_seq, 0);

	ret = -ENOMEM;
	rules = kzalloc(sizeof(*rules), GFP_KERNEL);
	if (!rules)
		goto out_free;
	RCU_INIT_POINTER(dev->faults, rules);
	dev->stats = alloc_percpu(struct aiodemo_stats);
	if (!dev->stats)
		goto out_free;
	ret = aiodemo_cache_init(&dev->cache, conf->cache_blocks,
				 conf->write_policy);
	if (ret)
		goto out_free;

	ret = aiodemo_init_tag_set(dev);
	if (ret)
		goto out_free;

	disk = aa_blk_mq_alloc_disk(&dev->tag_set, &lim, dev);
	if (IS_ERR(disk)) {
		ret = PTR_ERR(disk);
		goto out_free_tags;
	}
	dev->disk = disk;
	disk->fops = &aiodemo_fops;
	disk->private_data = dev;
	disk->flags |= GENHD_FL_NO_PART;
	strscpy(disk->disk_name, dev->name, sizeof(disk->disk_name));
	set_capacity(disk, dev->capacity);

	ret = device_add_disk(NULL, disk, aiodemo_disk_groups);
	if (ret)
		goto out_put_disk;

	list_add_tail(&dev->list, &aiodemo_devs);
	aiodemo_conf_format(conf, line, sizeof(line));
	pr_info("%s: created, %s", dev->name, line);
	return dev;

out_put_disk:
	put_disk(disk);
out_free_tags:
	blk_mq_free_tag_set(&dev->tag_set);
out_free:
	aiodemo_dev_free(dev);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_IF_KUNIT(aiodemo_dev_create);

/**
 * aiodemo_dev_destroy() - remove a device
 * @dev: the device
 *
 * Safe with I/O in flight: del_gendisk() waits for every request to end
 * (each ends within its bounded service time), and nothing is freed
 * before that.
 *
 * Context: process, aiodemo_lock held.
 */
void aiodemo_dev_destroy(struct aiodemo_dev *dev)
{
	lockdep_assert_held(&aiodemo_lock);
	list_del(&dev->list);
	del_gendisk(dev->disk);
	put_disk(dev->disk);
	blk_mq_free_tag_set(&dev->tag_set);
	pr_info("%s: removed\n", dev->name);
	aiodemo_dev_free(dev);
}
EXPORT_SYMBOL_IF_KUNIT(aiodemo_dev_destroy);

static void aiodemo_destroy_all(void)
{
	struct aiodemo_dev *dev, *tmp;

	mutex_lock(&aiodemo_lock);
	list_for_each_entry_safe(dev, tmp, &aiodemo_devs, list)
		aiodemo_dev_destroy(dev);
	mutex_unlock(&aiodemo_lock);
}

static int __init aiodemo_init(void)
{
	char name[DISK_NAME_LEN];
	struct aiodemo_dev *dev;
	unsigned int i;
	int ret;

	if (nr_devices > AIODEMO_MAX_INIT_DEVICES) {
		pr_err("nr_devices: %u is above %d\n", nr_devices,
		       AIODEMO_MAX_INIT_DEVICES);
		return -EINVAL;
	}
	if (nr_devices &&
	    aiodemo_conf_check(&aiodemo_mod_conf, num_possible_cpus()))
		return -EINVAL;

	ret = aiodemo_configfs_init();
	if (ret)
		return ret;

	mutex_lock(&aiodemo_lock);
	for (i = 0; i < nr_devices; i++) {
		snprintf(name, sizeof(name), "aiodemo%u", i);
		dev = aiodemo_dev_create(name, &aiodemo_mod_conf);
		if (IS_ERR(dev)) {
			ret = PTR_ERR(dev);
			break;
		}
	}
	mutex_unlock(&aiodemo_lock);
	if (ret) {
		aiodemo_configfs_exit();
		aiodemo_destroy_all();
		return ret;
	}
	pr_info("module loaded\n");
	return 0;
}

static void __exit aiodemo_exit(void)
{
	aiodemo_configfs_exit();
	aiodemo_destroy_all();
	pr_info("module unloaded\n");
}

module_init(aiodemo_init);
module_exit(aiodemo_exit);

MODULE_AUTHOR("aio_attr project");
MODULE_DESCRIPTION("RAM disk with a cache model returning per-I/O attributes");
MODULE_LICENSE("GPL");
