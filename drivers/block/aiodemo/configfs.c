// SPDX-License-Identifier: GPL-2.0
/*
 * aiodemo configfs: /sys/kernel/config/aiodemo/<name>/ describes one device
 * named <name>.  mkdir makes a description with the default parameters,
 * each parameter is a file, writing 1 to "power" creates the disk and 0
 * removes it, rmdir removes it too.  Parameters are checked one by one
 * when written and together at power on; they cannot change while the
 * device is powered (-EBUSY).  Runtime controls (fault injection, the
 * counters) live in sysfs, see sysfs.c.
 *
 * Context: process.
 */
#include <linux/configfs.h>
#include <linux/cpumask.h>
#include <linux/slab.h>

#include "aiodemo.h"

/**
 * struct aiodemo_item - one configfs directory
 * @item:    the configfs item
 * @conf:    parameters for the next power on
 * @dev:     the live device while powered, else NULL (aiodemo_lock)
 * @dropped: rmdir has run; the item can no longer be powered on
 */
struct aiodemo_item {
	struct config_item	item;
	struct aiodemo_conf	conf;
	struct aiodemo_dev	*dev;
	bool			dropped;
};

static struct aiodemo_item *to_aiodemo_item(struct config_item *item)
{
	return container_of(item, struct aiodemo_item, item);
}

static ssize_t aiodemo_item_show(struct config_item *item,
				 enum aiodemo_param p, char *page)
{
	struct aiodemo_item *ai = to_aiodemo_item(item);
	ssize_t ret;

	mutex_lock(&aiodemo_lock);
	ret = aiodemo_conf_show(&ai->conf, p, page, PAGE_SIZE);
	mutex_unlock(&aiodemo_lock);
	return ret;
}

static ssize_t aiodemo_item_store(struct config_item *item,
				  enum aiodemo_param p, const char *page,
				  size_t count)
{
	struct aiodemo_item *ai = to_aiodemo_item(item);
	int ret;

	mutex_lock(&aiodemo_lock);
	if (ai->dev) {
		pr_err("%s: %s: cannot change while powered on, write 0 to power first\n",
		       config_item_name(item), aiodemo_param_name(p));
		ret = -EBUSY;
	} else {
		ret = aiodemo_conf_set(&ai->conf, p, page);
	}
	mutex_unlock(&aiodemo_lock);
	return ret ? ret : count;
}

#define AIODEMO_CFS_ATTR(_name, _id)					\
static ssize_t aiodemo_item_##_name##_show(struct config_item *item,	\
					   char *page)			\
{									\
	return aiodemo_item_show(item, _id, page);			\
}									\
static ssize_t aiodemo_item_##_name##_store(struct config_item *item,	\
					    const char *page,		\
					    size_t count)		\
{									\
	return aiodemo_item_store(item, _id, page, count);		\
}									\
CONFIGFS_ATTR(aiodemo_item_, _name)

AIODEMO_CFS_ATTR(size, AIODEMO_P_SIZE);
AIODEMO_CFS_ATTR(blocksize, AIODEMO_P_BLOCKSIZE);
AIODEMO_CFS_ATTR(hw_queues, AIODEMO_P_HW_QUEUES);
AIODEMO_CFS_ATTR(queue_depth, AIODEMO_P_QUEUE_DEPTH);
AIODEMO_CFS_ATTR(completion, AIODEMO_P_COMPLETION);
AIODEMO_CFS_ATTR(cache_blocks, AIODEMO_P_CACHE_BLOCKS);
AIODEMO_CFS_ATTR(hit_nsec, AIODEMO_P_HIT_NSEC);
AIODEMO_CFS_ATTR(miss_nsec, AIODEMO_P_MISS_NSEC);
AIODEMO_CFS_ATTR(write_policy, AIODEMO_P_WRITE_POLICY);
AIODEMO_CFS_ATTR(max_sectors, AIODEMO_P_MAX_SECTORS);

static ssize_t aiodemo_item_power_show(struct config_item *item, char *page)
{
	struct aiodemo_item *ai = to_aiodemo_item(item);
	bool on;

	mutex_lock(&aiodemo_lock);
	on = ai->dev;
	mutex_unlock(&aiodemo_lock);
	return sysfs_emit(page, "%d\n", on);
}

static ssize_t aiodemo_item_power_store(struct config_item *item,
					const char *page, size_t count)
{
	struct aiodemo_item *ai = to_aiodemo_item(item);
	struct aiodemo_dev *dev;
	int ret = 0;
	bool on;

	if (kstrtobool(page, &on)) {
		pr_err("%s: power: write 1 or 0\n", config_item_name(item));
		return -EINVAL;
	}

	mutex_lock(&aiodemo_lock);
	if (on && !ai->dev && !ai->dropped) {
		dev = aiodemo_dev_create(config_item_name(item), &ai->conf);
		if (IS_ERR(dev))
			ret = PTR_ERR(dev);
		else
			ai->dev = dev;
	} else if (!on && ai->dev) {
		aiodemo_dev_destroy(ai->dev);
		ai->dev = NULL;
	}
	mutex_unlock(&aiodemo_lock);
	return ret ? ret : count;
}
CONFIGFS_ATTR(aiodemo_item_, power);

static struct configfs_attribute *aiodemo_item_attrs[] = {
	&aiodemo_item_attr_size,
	&aiodemo_item_attr_blocksize,
	&aiodemo_item_attr_hw_queues,
	&aiodemo_item_attr_queue_depth,
	&aiodemo_item_attr_completion,
	&aiodemo_item_attr_cache_blocks,
	&aiodemo_item_attr_hit_nsec,
	&aiodemo_item_attr_miss_nsec,
	&aiodemo_item_attr_write_policy,
	&aiodemo_item_attr_max_sectors,
	&aiodemo_item_attr_power,
	NULL,
};

static void aiodemo_item_release(struct config_item *item)
{
	kfree(to_aiodemo_item(item));
}

static struct configfs_item_operations aiodemo_item_ops = {
	.release	= aiodemo_item_release,
};

static const struct config_item_type aiodemo_item_type = {
	.ct_item_ops	= &aiodemo_item_ops,
	.ct_attrs	= aiodemo_item_attrs,
	.ct_owner	= THIS_MODULE,
};

static struct config_item *aiodemo_group_make_item(struct config_group *group,
						   const char *name)
{
	struct aiodemo_item *ai;
	bool taken;

	if (strlen(name) >= DISK_NAME_LEN) {
		pr_err("%s: name longer than %d characters\n", name,
		       DISK_NAME_LEN - 1);
		return ERR_PTR(-EINVAL);
	}
	mutex_lock(&aiodemo_lock);
	taken = aiodemo_name_taken(name);
	mutex_unlock(&aiodemo_lock);
	if (taken) {
		pr_err("%s: a device of that name exists\n", name);
		return ERR_PTR(-EEXIST);
	}

	ai = kzalloc(sizeof(*ai), GFP_KERNEL);
	if (!ai)
		return ERR_PTR(-ENOMEM);
	ai->conf = aiodemo_conf_defaults;
	config_item_init_type_name(&ai->item, name, &aiodemo_item_type);
	return &ai->item;
}

static void aiodemo_group_drop_item(struct config_group *group,
				    struct config_item *item)
{
	struct aiodemo_item *ai = to_aiodemo_item(item);

	mutex_lock(&aiodemo_lock);
	ai->dropped = true;
	if (ai->dev) {
		aiodemo_dev_destroy(ai->dev);
		ai->dev = NULL;
	}
	mutex_unlock(&aiodemo_lock);
	config_item_put(item);
}

static ssize_t aiodemo_group_features_show(struct config_item *item,
					   char *page)
{
	return sysfs_emit(page,
			  "blocksize,cache_blocks,completion,hit_nsec,hw_queues,max_sectors,miss_nsec,power,queue_depth,size,write_policy\n");
}
CONFIGFS_ATTR_RO(aiodemo_group_, features);

static struct configfs_attribute *aiodemo_group_attrs[] = {
	&aiodemo_group_attr_features,
	NULL,
};

static struct configfs_group_operations aiodemo_group_ops = {
	.make_item	= aiodemo_group_make_item,
	.drop_item	= aiodemo_group_drop_item,
};

static const struct config_item_type aiodemo_group_type = {
	.ct_group_ops	= &aiodemo_group_ops,
	.ct_attrs	= aiodemo_group_attrs,
	.ct_owner	= THIS_MODULE,
};

static struct configfs_subsystem aiodemo_subsys = {
	.su_group = {
		.cg_item = {
			.ci_namebuf	= "aiodemo",
			.ci_type	= &aiodemo_group_type,
		},
	},
};

/**
 * aiodemo_configfs_init() - register /sys/kernel/config/aiodemo
 *
 * Return: 0 or the error from configfs.
 */
int aiodemo_configfs_init(void)
{
	int ret;

	config_group_init(&aiodemo_subsys.su_group);
	mutex_init(&aiodemo_subsys.su_mutex);
	ret = configfs_register_subsystem(&aiodemo_subsys);
	if (ret)
		pr_err("cannot register configfs subsystem: %d\n", ret);
	return ret;
}

/**
 * aiodemo_configfs_exit() - unregister it
 *
 * Every directory has been removed by then: each holds a module reference.
 */
void aiodemo_configfs_exit(void)
{
	configfs_unregister_subsystem(&aiodemo_subsys);
}
