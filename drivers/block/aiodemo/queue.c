// SPDX-License-Identifier: GPL-2.0
/*
 * aiodemo request handling: the blk-mq operations.
 *
 * queue_rq decides everything at dispatch: whether fault injection fails
 * the request, what the cache model says for each bio, how long the
 * request takes.  It copies the data at once and then completes the
 * request when the service time has passed:
 *
 *  inline   in queue_rq itself, sleeping out the service time (the tag
 *	     set is BLK_MQ_F_BLOCKING in this mode); task context.
 *  softirq  a soft hrtimer (HRTIMER_SOFTIRQ) fires at the deadline and
 *	     calls blk_mq_complete_request(), which ends the request in
 *	     softirq context, locally or through BLOCK_SOFTIRQ.
 *  hardirq  a hard hrtimer fires at the deadline and ends the request in
 *	     its callback, in hard interrupt context.
 *
 * Attributes go to the iodesc of every bio of the request (blk-mq may
 * have merged bios of different I/Os into one request): QUEUE_NS through
 * iodesc_note_dispatch_at() with the reading that starts the device's
 * time, CACHE for the blocks of that bio, and DEVICE_NS, the time from
 * dispatch to completion, just before the request ends.
 * Failed requests fill them all the same.  The driver never sees a kiocb.
 */
#include <linux/iodesc.h>
#include <linux/sched.h>

#include "aiodemo.h"

static u64 aiodemo_cache_value(struct aiodemo_cache_res res)
{
	return (res.hits ? AIO_ATTR_CACHE_HIT : 0) |
	       (res.misses ? AIO_ATTR_CACHE_MISS : 0);
}

static void aiodemo_account(struct aiodemo_dev *dev, bool write, u64 cache,
			    bool failed, bool delayed)
{
	this_cpu_inc(dev->stats->ios);
	if (write)
		this_cpu_inc(dev->stats->writes);
	else
		this_cpu_inc(dev->stats->reads);
	if (cache == AIO_ATTR_CACHE_HIT)
		this_cpu_inc(dev->stats->hits);
	else if (cache == AIO_ATTR_CACHE_MISS)
		this_cpu_inc(dev->stats->misses);
	else
		this_cpu_inc(dev->stats->partial);
	if (failed)
		this_cpu_inc(dev->stats->errors);
	if (delayed)
		this_cpu_inc(dev->stats->delayed);
}

/* Any context.  Fills DEVICE_NS and ends the request. */
static void aiodemo_end_request(struct request *rq)
{
	struct aiodemo_cmd *cmd = blk_mq_rq_to_pdu(rq);
	struct bio *bio;
	u64 ns;

	if (cmd->want_device_ns) {
		ns = ktime_to_ns(ktime_sub(ktime_get(), cmd->start));
		if (cmd->iod)
			iodesc_set_attr(cmd->iod, AIO_ATTR_DEVICE_NS, ns);
		else
			__rq_for_each_bio(bio, rq)
				iodesc_set_attr(iodesc_from_bio(bio),
						AIO_ATTR_DEVICE_NS, ns);
	}
	blk_mq_end_request(rq, cmd->status);
}

/* blk_mq_ops.complete: softirq context (softirq mode only). */
static void aiodemo_complete_rq(struct request *rq)
{
	aiodemo_end_request(rq);
}

/* Soft hrtimer callback: softirq context. */
static enum hrtimer_restart aiodemo_timer_softirq(struct hrtimer *timer)
{
	struct aiodemo_cmd *cmd = container_of(timer, struct aiodemo_cmd,
					       timer);

	blk_mq_complete_request(blk_mq_rq_from_pdu(cmd));
	return HRTIMER_NORESTART;
}

/* Hard hrtimer callback: hardirq context, interrupts off. */
static enum hrtimer_restart aiodemo_timer_hardirq(struct hrtimer *timer)
{
	struct aiodemo_cmd *cmd = container_of(timer, struct aiodemo_cmd,
					       timer);

	aiodemo_end_request(blk_mq_rq_from_pdu(cmd));
	return HRTIMER_NORESTART;
}

/* Task context, may sleep: the inline mode's service time. */
static void aiodemo_sleep_until(ktime_t deadline)
{
	while (ktime_before(ktime_get(), deadline)) {
		set_current_state(TASK_UNINTERRUPTIBLE);
		schedule_hrtimeout(&deadline, HRTIMER_MODE_ABS);
	}
}

static blk_status_t aiodemo_queue_rq(struct blk_mq_hw_ctx *hctx,
				     const struct blk_mq_queue_data *bd)
{
	struct request *rq = bd->rq;
	struct aiodemo_cmd *cmd = blk_mq_rq_to_pdu(rq);
	struct aiodemo_dev *dev = hctx->queue->queuedata;
	const struct aiodemo_conf *conf = &dev->conf;
	unsigned int nr_sectors = blk_rq_sectors(rq);
	sector_t sector = blk_rq_pos(rq);
	struct aiodemo_fault_rules *rules;
	struct aiodemo_cache_res res;
	bool write, fail, any_miss = false;
	u64 cache, latency, delay;
	ktime_t deadline;
	struct bio *bio;
	gfp_t gfp;

	switch (req_op(rq)) {
	case REQ_OP_READ:
		write = false;
		break;
	case REQ_OP_WRITE:
		write = true;
		break;
	default:
		return BLK_STS_NOTSUPP;
	}

	if (write) {
		gfp = hctx->flags & BLK_MQ_F_BLOCKING ? GFP_NOIO :
			GFP_NOWAIT | __GFP_NOWARN;
		if (aiodemo_store_prepare(&dev->store, sector, nr_sectors, gfp))
			return BLK_STS_RESOURCE;
	}

	blk_mq_start_request(rq);
	cmd->want_device_ns = false;
	cmd->iod = NULL;
	/*
	 * One clock reading ends QUEUE_NS (submission to dispatch) and starts
	 * DEVICE_NS (from here to the end), so the two never overlap and add
	 * up to no more than SERVICE_NS.
	 */
	cmd->start = ktime_get();

	rcu_read_lock();
	rules = rcu_dereference(dev->faults);
	fail = aiodemo_fault_fails(&rules->f, sector, nr_sectors,
				   atomic64_inc_return(&dev->fault_seq));
	delay = aiodemo_fault_delay(&rules->f, sector, nr_sectors);
	rcu_read_unlock();
	cmd->status = fail ? BLK_STS_IOERR : BLK_STS_OK;

	__rq_for_each_bio(bio, rq) {
		struct iodesc *iod = iodesc_from_bio(bio);
		u64 block = bio->bi_iter.bi_sector >> dev->block_shift;
		u32 nr_blocks = bio_sectors(bio) >> dev->block_shift;

		iodesc_note_dispatch_at(iod, ktime_to_ns(cmd->start));
		if (fail)
			res = aiodemo_cache_peek(&dev->cache, block, nr_blocks);
		else
			res = aiodemo_cache_access(&dev->cache, block,
						   nr_blocks, write);
		cache = aiodemo_cache_value(res);
		iodesc_set_attr(iod, AIO_ATTR_CACHE, cache);
		if (iodesc_wants(iod, AIO_ATTR_DEVICE_NS)) {
			cmd->want_device_ns = true;
			/* one bio: no second lookup at the end */
			if (rq->bio == rq->biotail)
				cmd->iod = iod;
		}
		if (res.misses)
			any_miss = true;
		aiodemo_account(dev, write, cache, fail, delay);
	}

	if (!fail)
		aiodemo_store_copy(&dev->store, rq);

	/* Writes always reach the slow tier; reads hit only when whole. */
	latency = write || any_miss ? conf->miss_nsec : conf->hit_nsec;
	deadline = ktime_add_ns(cmd->start, latency + delay);

	switch (conf->completion) {
	case AIODEMO_COMP_SOFTIRQ:
		hrtimer_start(&cmd->timer, deadline, HRTIMER_MODE_ABS_SOFT);
		break;
	case AIODEMO_COMP_HARDIRQ:
		hrtimer_start(&cmd->timer, deadline, HRTIMER_MODE_ABS_HARD);
		break;
	default:
		aiodemo_sleep_until(deadline);
		aiodemo_end_request(rq);
		break;
	}
	return BLK_STS_OK;
}

static int aiodemo_init_request(struct blk_mq_tag_set *set,
				struct request *rq, unsigned int hctx_idx,
				unsigned int numa_node)
{
	struct aiodemo_dev *dev = set->driver_data;
	struct aiodemo_cmd *cmd = blk_mq_rq_to_pdu(rq);

	cmd->dev = dev;
	switch (dev->conf.completion) {
	case AIODEMO_COMP_SOFTIRQ:
		hrtimer_init(&cmd->timer, CLOCK_MONOTONIC,
			     HRTIMER_MODE_ABS_SOFT);
		cmd->timer.function = aiodemo_timer_softirq;
		break;
	case AIODEMO_COMP_HARDIRQ:
		hrtimer_init(&cmd->timer, CLOCK_MONOTONIC,
			     HRTIMER_MODE_ABS_HARD);
		cmd->timer.function = aiodemo_timer_hardirq;
		break;
	}
	return 0;
}

const struct blk_mq_ops aiodemo_mq_ops = {
	.queue_rq	= aiodemo_queue_rq,
	.complete	= aiodemo_complete_rq,
	.init_request	= aiodemo_init_request,
};
