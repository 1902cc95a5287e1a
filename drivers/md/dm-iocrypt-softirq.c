// SPDX-License-Identifier: GPL-2.0
/*
 * dm-iocrypt: decryption in softirq for reads the lower device completed
 * in hard interrupt context.
 *
 * NVMe, multi-queue virtio-blk and most multi-queue SCSI drivers end their
 * requests in hardirq, where the skcipher walk may not run.  Such a read
 * goes onto a per-CPU lock-free list (an llist: adding is safe from
 * hardirq and with interrupts off) and a per-CPU tasklet decrypts it in
 * softirq on the same CPU, right after the interrupt - no thread, no
 * context switch - and ends the original bio from there, so aio_attr
 * posts from softirq (AIO_ATTR_CTX_SOFTIRQ_HOP in COMPLETION_CTX).
 *
 * One pass of the tasklet runs the cipher on at most softirq_budget bytes
 * (crypto sectors, so a large bio may be cut between passes); with work
 * left it re-raises itself and returns, so that other softirqs and, once
 * softirq processing has gone on too long, ksoftirqd's fair scheduling
 * get their turn (as NAPI does with its budget).
 *
 * Spreading.  A CPU that is saturated (under 10% idle) while another CPU
 * with no hardirq reads of its own has time (20% or more idle), and that
 * has more than one read in flight (so that there is something to do in
 * parallel), hands a share of its hardirq reads to the softirq queue of
 * the idlest such CPU: the read goes onto that CPU's list and, if the
 * list was empty, an IPI raises its tasklet there, so the other CPU
 * decrypts it in softirq - still no thread and no context switch
 * (AIO_ATTR_CTX_SOFTIRQ_HOP).  The rest of a pass that ran out of budget
 * goes to an unbound workqueue instead (a thread hop: AIO_ATTR_CTX_HOP),
 * as do the share's reads when the idlest CPU is the saturated one.  The
 * share moves in quarters, one step per sample of the idle times (every
 * IOCRYPT_SAMPLE_MS, from the tick's idle accounting): up while the CPU
 * stays saturated and another has time, down once it has time of its own
 * (30% idle) or the others have none left (under 10%).  So it settles
 * near where both are about as busy, instead of moving all the decryption
 * over and back again at every sample; and where every CPU has reads of
 * its own (a submitter on each) nothing is spread.
 *
 * Lifetimes.  The tasklets are the module's, one per possible CPU, never
 * part of a bio, so no tasklet is freed by the function it runs (the
 * use-after-free dm-crypt had).  A queued bio keeps its base bio in
 * flight: dm suspends a device, and so waits for it, before a table goes
 * away, so a target is never destroyed with bios queued here.  Module
 * unload waits for the IPIs still on their way, then kills the tasklets,
 * waiting for a pass that is still finishing.
 * CPU hotplug: the softirq core hands the tasklets of a dead CPU to a live
 * one (takeover_tasklets()); a tasklet drains the queue it belongs to, not
 * the queue of the CPU it runs on, and the backlog of a pass that ran out
 * of budget always has its tasklet scheduled, so no bio is stranded.  An
 * IPI on its way to a CPU that goes down runs before that CPU dies (the
 * call-function queue is flushed), so the tasklet it raises is handed over
 * too.
 */
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/interrupt.h>
#include <linux/iodesc.h>
#include <linux/jiffies.h>
#include <linux/kernel_stat.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <linux/tick.h>
#ifdef CONFIG_X86
#include <asm/fpu/api.h>
#endif

#include "dm-iocrypt.h"

#define DM_MSG_PREFIX "iocrypt"

#define IOCRYPT_SOFTIRQ_BUDGET	(128 * 1024)
#define IOCRYPT_SAMPLE_MS	10
#define IOCRYPT_SPREAD_MAX	4

/**
 * struct iocrypt_softirq - one CPU's queue of reads completed in hardirq
 * @queue: reads added from hardirq, newest first
 * @backlog: reads taken off @queue, oldest first, that a pass has not
 *	finished (the first may be partly decrypted); the tasklet's only
 * @tasklet: drains @queue; scheduled whenever @queue or @backlog is not empty
 * @spread: quarters of this CPU's hardirq reads it hands to another CPU
 *	(that CPU's softirq queue, or the spill queue), 0 to
 *	IOCRYPT_SPREAD_MAX; set by the sampler
 * @spread_seq: counts this CPU's hardirq reads, to pick the share
 * @kick: bit 0 set while @csd is on its way to raise @tasklet on this
 *	queue's CPU; serialises the senders of @csd
 * @csd: the IPI another CPU sends after adding to an empty @queue
 * @queued: reads of this CPU's own added to @queue
 * @remote: reads of this CPU's own added to another CPU's @queue
 * @passes: runs of the tasklet
 * @yields: passes that ran out of budget with reads left
 * @spilled: reads handed to the spill queue (at completion or by a pass)
 * @over_budget: passes that ran the cipher on more than the budget
 * @fpu_busy: passes that yielded because the FPU was taken (x86)
 * @bytes: bytes decrypted by the passes
 * @max_pass: most bytes decrypted in one pass
 */
struct iocrypt_softirq {
	struct llist_head queue;
	struct llist_node *backlog;
	struct tasklet_struct tasklet;
	unsigned int spread;
	unsigned int spread_seq;
	unsigned long kick;
	call_single_data_t csd;
	atomic64_t queued;
	atomic64_t remote;
	atomic64_t passes;
	atomic64_t yields;
	atomic64_t spilled;
	atomic64_t over_budget;
	atomic64_t fpu_busy;
	atomic64_t bytes;
	unsigned int max_pass;
};

static DEFINE_PER_CPU(struct iocrypt_softirq, iocrypt_softirq);

/*
 * Reads in iocrypt, by submitting CPU, from ->map until the base bio ends
 * (at the lower device or waiting for the cipher): spreading only pays
 * when a CPU has more than one (at queue depth 1 it only adds a hop).
 */
static DEFINE_PER_CPU(atomic_t, iocrypt_reads_inflight);

/*
 * Idle time of one CPU and the hardirq reads it had (queued, sent to
 * another CPU or spilled) at the last sample, written by the sampler only.
 */
struct iocrypt_load {
	u64 idle_us;
	u64 reads;
	unsigned int idle_pct;
};

static DEFINE_PER_CPU(struct iocrypt_load, iocrypt_load);
static unsigned long iocrypt_sample_next;	/* jiffies; cmpxchg elects the sampler */
static u64 iocrypt_sample_us;
/* the idlest CPU with no hardirq reads of its own at the last sample, or -1 */
static int iocrypt_spread_cpu = -1;

struct workqueue_struct *iocrypt_spill_wq;
static struct dentry *iocrypt_debugfs;

static unsigned int iocrypt_softirq_budget = IOCRYPT_SOFTIRQ_BUDGET;

static int iocrypt_budget_set(const char *val, const struct kernel_param *kp)
{
	unsigned int v;
	int ret = kstrtouint(val, 0, &v);

	if (ret)
		return ret;
	/* a pass must be able to finish a crypto sector */
	if (v && v < IOCRYPT_MAX_SECTOR)
		return -EINVAL;
	WRITE_ONCE(iocrypt_softirq_budget, v);
	return 0;
}

static const struct kernel_param_ops iocrypt_budget_ops = {
	.set = iocrypt_budget_set,
	.get = param_get_uint,
};

module_param_cb(softirq_budget, &iocrypt_budget_ops, &iocrypt_softirq_budget, 0644);
MODULE_PARM_DESC(softirq_budget,
		 "Bytes one softirq pass decrypts of reads completed in hard interrupt context before it re-raises itself; 0: decrypt those reads in the per-CPU workqueue instead, 4096 at least otherwise (default: 131072)");

static bool iocrypt_spread = true;
module_param_named(spread, iocrypt_spread, bool, 0644);
MODULE_PARM_DESC(spread,
		 "Hand a share of the reads completed in hard interrupt context on a saturated CPU to the softirq of an idle CPU (default: Y)");

/**
 * iocrypt_spread_adjust() - the next share of a CPU's reads to spread
 * @share: quarters it spreads now, 0 to IOCRYPT_SPREAD_MAX
 * @self_idle: its idle share over the last sample, percent
 * @other_idle: the largest idle share of the other CPUs that have no
 *	hardirq reads of their own, percent (0 when there is none)
 *
 * One step per sample: up while the CPU is saturated and another has
 * time, down once it has time of its own or the others have none left;
 * in the band between the thresholds the share stays, so that a spread
 * settles near where both CPUs are equally busy (moving by a quarter
 * around it) instead of moving all the decryption over and back.
 *
 * Return: the share until the next sample.
 */
unsigned int iocrypt_spread_adjust(unsigned int share, unsigned int self_idle,
				   unsigned int other_idle)
{
	if (self_idle < 10 && other_idle >= 20)
		return min(share + 1, IOCRYPT_SPREAD_MAX);
	if (share && (self_idle >= 30 || other_idle < 10))
		return share - 1;
	return min_t(unsigned int, share, IOCRYPT_SPREAD_MAX);
}

/*
 * Idle and iowait time of @cpu, microseconds: nohz's idle accounting, or
 * where the kernel has none (a periodic tick, or nohz=off) the tick's
 * sampled counters, as /proc/stat falls back to; coarse (a tick or two
 * per sample) but unbiased, and the share moves one quarter per sample.
 */
static u64 iocrypt_idle_us(int cpu)
{
	u64 idle = get_cpu_idle_time_us(cpu, NULL);
	u64 iowait = get_cpu_iowait_time_us(cpu, NULL);
	const u64 *cpustat;

	if (idle != (u64)-1 && iowait != (u64)-1)
		return idle + iowait;
	cpustat = kcpustat_cpu(cpu).cpustat;
	return div_u64(READ_ONCE(cpustat[CPUTIME_IDLE]) +
		       READ_ONCE(cpustat[CPUTIME_IOWAIT]), NSEC_PER_USEC);
}

/*
 * Every IOCRYPT_SAMPLE_MS, one CPU (the first to win the cmpxchg) samples
 * the idle time of all and sets each CPU's spread share.  Racy reads of the
 * tick's counters, as /proc/stat does.
 *
 * Context: hardirq or interrupts off.
 */
static void iocrypt_load_sample(void)
{
	unsigned long next = READ_ONCE(iocrypt_sample_next);
	unsigned int first = 0, second = 0, pct;
	int cpu, top = -1;
	u64 now, wall, idle;
	bool spread;

	if (time_before(jiffies, next) ||
	    cmpxchg(&iocrypt_sample_next, next,
		    jiffies + msecs_to_jiffies(IOCRYPT_SAMPLE_MS)) != next)
		return;
	now = ktime_to_us(ktime_get());
	wall = now - iocrypt_sample_us;
	iocrypt_sample_us = now;
	spread = READ_ONCE(iocrypt_spread) && num_online_cpus() > 1;
	for_each_online_cpu(cpu) {
		struct iocrypt_load *l = per_cpu_ptr(&iocrypt_load, cpu);
		struct iocrypt_softirq *q = per_cpu_ptr(&iocrypt_softirq, cpu);
		u64 reads = atomic64_read(&q->queued) + atomic64_read(&q->spilled) +
			    atomic64_read(&q->remote);
		bool own = reads != l->reads;

		idle = iocrypt_idle_us(cpu);
		pct = idle > l->idle_us && wall ?
		      min_t(u64, div64_u64((idle - l->idle_us) * 100, wall), 100) : 0;
		l->idle_us = idle;
		l->reads = reads;
		l->idle_pct = pct;
		/*
		 * Only a CPU with no hardirq reads of its own takes spread
		 * work: when every CPU has its own, spreading only moves
		 * reads between them at the price of a hop each.
		 */
		if (own)
			continue;
		if (pct >= first) {
			second = first;
			first = pct;
			top = cpu;
		} else if (pct > second) {
			second = pct;
		}
	}
	WRITE_ONCE(iocrypt_spread_cpu, spread ? top : -1);
	for_each_online_cpu(cpu) {
		struct iocrypt_softirq *q = per_cpu_ptr(&iocrypt_softirq, cpu);
		unsigned int self = per_cpu_ptr(&iocrypt_load, cpu)->idle_pct;

		WRITE_ONCE(q->spread, !spread ? 0 :
			   iocrypt_spread_adjust(READ_ONCE(q->spread), self,
						 cpu == top ? second : first));
	}
}

/*
 * Would the SIMD cipher run in the call here?  On x86 a softirq that
 * interrupted a kernel FPU section (another CPU-bound cipher in task
 * context, e.g. the spill workqueue) cannot use the FPU, and the SIMD
 * wrapper would queue the request to cryptd; from atomic context it then
 * keeps queuing while cryptd has requests, one hop per crypto sector.
 * Yielding instead lets the section end first.  Elsewhere the cipher
 * decides for itself.
 */
static bool iocrypt_simd_usable(void)
{
#ifdef CONFIG_X86
	return irq_fpu_usable();
#else
	return true;
#endif
}

/*
 * One pass: decrypt queued reads up to the budget and end them; with reads
 * left, spill them if this CPU spreads, else re-raise.
 *
 * Context: softirq (the tasklet of @t's CPU, or of a CPU that went offline).
 */
static void iocrypt_softirq_pass(struct tasklet_struct *t)
{
	struct iocrypt_softirq *q = from_tasklet(q, t, tasklet);
	unsigned int budget = READ_ONCE(iocrypt_softirq_budget) ?: IOCRYPT_SOFTIRQ_BUDGET;
	unsigned int left = budget, done = 0, size;
	struct llist_node *n, *next;
	struct iocrypt_io *io;
	int ret;

	/*
	 * The backlog first, then whatever was queued meanwhile: a read added
	 * while the queue was not empty raised no tasklet of its own, so a
	 * pass returns without re-raising only once it has seen the queue
	 * empty.
	 */
	for (;;) {
		if (!q->backlog) {
			q->backlog = llist_reverse_order(llist_del_all(&q->queue));
			if (!q->backlog)
				break;
		}
		n = q->backlog;
		io = llist_entry(n, struct iocrypt_io, node);
		next = n->next;
		size = io->iter.bi_size;
		if (unlikely(!iocrypt_simd_usable())) {
			atomic64_inc(&q->fpu_busy);
			break;
		}
		ret = iocrypt_crypt_run(io, false, &left);
		/*
		 * What the cipher got through, counted from @io itself (not
		 * from @left) so that the statistics check the budget; an
		 * asynchronous request counts once it is back.
		 */
		if (ret != -EINPROGRESS)
			done += size - io->iter.bi_size;
		if (ret == IOCRYPT_YIELD)
			break;
		/* the bio may be gone once it has ended or gone async */
		q->backlog = next;
		iocrypt_crypt_end(io, ret, true);
	}

	atomic64_inc(&q->passes);
	atomic64_add(done, &q->bytes);
	if (done > q->max_pass)
		WRITE_ONCE(q->max_pass, done);
	if (done > budget)
		atomic64_inc(&q->over_budget);
	if (!q->backlog)
		return;

	atomic64_inc(&q->yields);
	if (READ_ONCE(q->spread)) {
		for (n = q->backlog, q->backlog = NULL; n; n = next) {
			next = n->next;
			atomic64_inc(&q->spilled);
			iocrypt_spill(llist_entry(n, struct iocrypt_io, node));
		}
		/*
		 * Reads queued while this pass worked on the backlog: the
		 * first of them raised the tasklet that is running now.  Any
		 * added after this test finds the queue empty and raises it.
		 */
		if (llist_empty(&q->queue))
			return;
	}
	tasklet_schedule(&q->tasklet);
}

/**
 * iocrypt_read_start() - count a read from ->map until its base bio ends
 * @io: the read
 *
 * Context: the submitter's (->map).
 */
void iocrypt_read_start(struct iocrypt_io *io)
{
	io->cpu = raw_smp_processor_id();
	atomic_inc(per_cpu_ptr(&iocrypt_reads_inflight, io->cpu));
}

/**
 * iocrypt_read_end() - a read counted by iocrypt_read_start() ends
 * @io: the read, decrypted or failed
 *
 * Context: wherever the base bio ends: task, softirq or hardirq.
 */
void iocrypt_read_end(struct iocrypt_io *io)
{
	atomic_dec(per_cpu_ptr(&iocrypt_reads_inflight, io->cpu));
}

/*
 * On @q's CPU, from the IPI: raise the tasklet there.  Only then may
 * another sender use the csd again (it is free once this runs).
 *
 * Context: hardirq (the IPI), or the sender's when @q's CPU is the sender's.
 */
static void iocrypt_softirq_raise(void *info)
{
	struct iocrypt_softirq *q = info;

	tasklet_schedule(&q->tasklet);
	/* last: module exit waits for the bit, then for this to return */
	clear_bit_unlock(0, &q->kick);
}

/*
 * Have the tasklet of @t, the queue of another CPU @cpu, run there: the
 * caller made @t's queue non-empty.  Of several senders only the one that
 * sets the kick bit sends the IPI; one already on its way raises the
 * tasklet after everything added before it cleared the bit.
 *
 * Context: hardirq or interrupts off; @cpu online.
 */
static void iocrypt_softirq_kick(struct iocrypt_softirq *t, int cpu)
{
	if (test_and_set_bit_lock(0, &t->kick))
		return;
	if (smp_call_function_single_async(cpu, &t->csd))
		/* not expected with @cpu online: the tasklet runs here */
		iocrypt_softirq_raise(t);
}

/**
 * iocrypt_softirq_queue() - decrypt a read in softirq on this CPU
 * @io: a read whose clone completed in hard interrupt context or with
 *	interrupts off, with iocrypt_crypt_begin() done
 *
 * Or, if it is one of the share this CPU spreads, on the idlest other
 * CPU (in its softirq too), or failing that in the spill queue.
 *
 * Context: hardirq or interrupts off, never NMI.
 * Return: false if softirq decryption is off (softirq_budget=0): the
 * caller defers @io to the target's workqueue; true when @io is taken.
 */
bool iocrypt_softirq_queue(struct iocrypt_io *io)
{
	struct iocrypt_softirq *q, *t;
	unsigned int spread;
	int cpu, target;

	if (!READ_ONCE(iocrypt_softirq_budget))
		return false;
	iocrypt_load_sample();
	/* interrupts are off: this CPU's queue stays ours, and online CPUs stay */
	cpu = smp_processor_id();
	q = per_cpu_ptr(&iocrypt_softirq, cpu);
	spread = READ_ONCE(q->spread);
	/* @spread reads of every IOCRYPT_SPREAD_MAX, evenly */
	if (spread && q->spread_seq++ % IOCRYPT_SPREAD_MAX < spread &&
	    atomic_read(per_cpu_ptr(&iocrypt_reads_inflight, io->cpu)) > 1) {
		target = READ_ONCE(iocrypt_spread_cpu);
		if (target < 0 || target == cpu || !cpu_online(target)) {
			atomic64_inc(&q->spilled);
			iocrypt_spill(io);
			return true;
		}
		atomic64_inc(&q->remote);
		t = per_cpu_ptr(&iocrypt_softirq, target);
	} else {
		atomic64_inc(&q->queued);
		t = q;
	}
	atomic64_inc(&io->cc->stats.reads_softirq);
	iodesc_note_softirq_hop(io->iod);
	/* the first to make the queue non-empty raises the tasklet */
	if (llist_add(&io->node, &t->queue)) {
		if (t == q)
			tasklet_schedule(&t->tasklet);
		else
			iocrypt_softirq_kick(t, target);
	}
	return true;
}

/* debugfs dm-iocrypt/softirq: one line per possible CPU. */
static int iocrypt_softirq_show(struct seq_file *m, void *v)
{
	int cpu;

	seq_printf(m, "budget %u\n", READ_ONCE(iocrypt_softirq_budget));
	for_each_possible_cpu(cpu) {
		struct iocrypt_softirq *q = per_cpu_ptr(&iocrypt_softirq, cpu);

		seq_printf(m, "cpu%d queued %lld remote %lld passes %lld yields %lld spilled %lld over_budget %lld bytes %lld max_pass %u idle_pct %u spread %u pending %d tasklet %lx fpu_busy %lld\n",
			   cpu, atomic64_read(&q->queued), atomic64_read(&q->remote),
			   atomic64_read(&q->passes), atomic64_read(&q->yields),
			   atomic64_read(&q->spilled),
			   atomic64_read(&q->over_budget),
			   atomic64_read(&q->bytes), READ_ONCE(q->max_pass),
			   READ_ONCE(per_cpu_ptr(&iocrypt_load, cpu)->idle_pct),
			   READ_ONCE(q->spread),
			   !llist_empty(&q->queue) || READ_ONCE(q->backlog),
			   READ_ONCE(q->tasklet.state), atomic64_read(&q->fpu_busy));
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(iocrypt_softirq);

/**
 * iocrypt_softirq_init() - set up the per-CPU queues and the spill queue
 *
 * Context: module init.
 * Return: 0 or -ENOMEM.
 */
int iocrypt_softirq_init(void)
{
	int cpu;

	/* unbound: the scheduler wakes a worker on an idle CPU */
	iocrypt_spill_wq = alloc_workqueue("kiocryptd_spill",
					   WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (!iocrypt_spill_wq)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct iocrypt_softirq *q = per_cpu_ptr(&iocrypt_softirq, cpu);

		init_llist_head(&q->queue);
		tasklet_setup(&q->tasklet, iocrypt_softirq_pass);
		INIT_CSD(&q->csd, iocrypt_softirq_raise, q);
	}
	iocrypt_sample_next = jiffies;
	iocrypt_sample_us = ktime_to_us(ktime_get());
	iocrypt_debugfs = debugfs_create_dir("dm-iocrypt", NULL);
	debugfs_create_file("softirq", 0444, iocrypt_debugfs, NULL,
			    &iocrypt_softirq_fops);
	return 0;
}

/**
 * iocrypt_softirq_exit() - undo iocrypt_softirq_init()
 *
 * No target is left, so nothing is queued any more; an IPI may still be
 * on its way to raise a tasklet whose queue another pass emptied, a
 * tasklet may still be finishing a pass (after ending its last bio) or be
 * scheduled with an empty queue.  Waiting for every kick bit and then for
 * an RCU grace period (the IPI runs with interrupts off) lets every
 * iocrypt_softirq_raise() return; tasklet_kill() waits for the rest.
 *
 * Context: module exit; sleeps.
 */
void iocrypt_softirq_exit(void)
{
	int cpu;

	debugfs_remove_recursive(iocrypt_debugfs);
	for_each_possible_cpu(cpu) {
		struct iocrypt_softirq *q = per_cpu_ptr(&iocrypt_softirq, cpu);

		while (test_bit(0, &q->kick))
			cpu_relax();
	}
	synchronize_rcu();
	for_each_possible_cpu(cpu) {
		struct iocrypt_softirq *q = per_cpu_ptr(&iocrypt_softirq, cpu);

		tasklet_kill(&q->tasklet);
		WARN_ON_ONCE(!llist_empty(&q->queue) || q->backlog);
	}
	destroy_workqueue(iocrypt_spill_wq);
}
