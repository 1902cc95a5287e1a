// SPDX-License-Identifier: GPL-2.0
/*
 * aio_attr contexts and requests: who owns what, and for how long.
 *
 * A context lives from open() until its file is released and its last
 * request is gone.  It has one reference for the file and one while any
 * request is in use (taken when @inflight leaves 0, dropped when it comes
 * back to 0, so a request costs no reference count of its own; a
 * completion parked on the overflow list is still in use).  Others are
 * held for a moment: by aa_post() across the wakeups after it posted, by
 * a worker while it runs.  The last one schedules the teardown on aa_wq.
 *
 * Requests come from the context's request table: slots of
 * sizeof(struct aa_req), rounded up to a cache line, in pages the context
 * allocates (charged to the memory cgroup) at setup and, when every slot is
 * in use, one page at a time on the way to max_inflight.  A finished
 * request goes back to its table at once, from whatever context completes
 * it - no allocation, no RCU callback and no shared cache line per I/O in
 * steady state.  Submitters take slots from @free_slots under @slot_lock
 * (process context only); completions push onto the lock-free
 * @freed_slots list, which a submitter takes over whole when @free_slots
 * runs dry.
 *
 * The pages of every table are entered in one global xarray indexed by
 * page frame number.  A request's bio points at the bvec table inside its
 * slot, and so do its clones and splits (they share the table), so
 * iodesc_from_bio() maps bi_io_vec to its page, finds the page in the
 * xarray under RCU and rounds the address down to the slot: O(1), lock
 * free, from any context, and nothing is inserted or removed per I/O.
 * Only bvec tables outside a slot (requests of more than AA_INLINE_VECS
 * pages, bios a stacking driver carries) go through the hashed keys of
 * iodesc.c.
 *
 * A slot is reused as soon as its request is freed: the lookup contract
 * (an iodesc is valid until its bio completes) is what keeps drivers off
 * recycled slots, not a grace period.  Table pages are freed only when
 * the context is, when no bio can point into them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "aio_attr.h"

#define AA_SLOT_BYTES	ALIGN(sizeof(struct aa_req), L1_CACHE_BYTES)
#define AA_CHUNK_ORDER	get_order(AA_SLOT_BYTES)
#define AA_CHUNK_SLOTS	((PAGE_SIZE << AA_CHUNK_ORDER) / AA_SLOT_BYTES)

/* pfn of every request table page -> the address of its chunk */
static DEFINE_XARRAY(aa_slot_pages);
/*
 * Per CPU, the chunk the last lookup on that CPU found, tried before the
 * xarray: a driver looks up the same request more than once, and a
 * context at low queue depth reuses the same few slots.  A chunk leaves
 * every CPU's hint before its pages are freed.
 */
static DEFINE_PER_CPU(void *, aa_slot_hint);

/* ---------------------------------------------------------------------
 * The request table
 */

static void aa_chunk_unmap(struct page *page, unsigned int nr)
{
	unsigned long pfn = page_to_pfn(page);

	while (nr--)
		xa_erase(&aa_slot_pages, pfn + nr);
}

/*
 * Add one chunk of slots to the table.
 * Context: process; allocates with GFP_KERNEL.
 */
static int aa_table_grow(struct aa_ctx *ctx)
{
	unsigned int i, pages = 1U << AA_CHUNK_ORDER;
	struct llist_node *first = NULL, *last = NULL;
	struct page *page;
	void *base;
	int ret;

	page = alloc_pages(GFP_KERNEL_ACCOUNT | __GFP_ZERO, AA_CHUNK_ORDER);
	if (!page)
		return -ENOMEM;
	base = page_address(page);
	for (i = 0; i < pages; i++) {
		ret = xa_err(xa_store(&aa_slot_pages, page_to_pfn(page) + i,
				      base, GFP_KERNEL_ACCOUNT));
		if (ret) {
			aa_chunk_unmap(page, i);
			__free_pages(page, AA_CHUNK_ORDER);
			return ret;
		}
	}
	for (i = 0; i < AA_CHUNK_SLOTS; i++) {
		struct aa_req *req = base + i * AA_SLOT_BYTES;

		req->ctx = ctx;
		req->free_node.next = first;
		first = &req->free_node;
		if (!last)
			last = first;
	}
	spin_lock(&ctx->slot_lock);
	list_add(&page->lru, &ctx->chunks);
	last->next = ctx->free_slots;
	ctx->free_slots = first;
	ctx->nr_slots += AA_CHUNK_SLOTS;
	spin_unlock(&ctx->slot_lock);
	atomic_add(AA_CHUNK_SLOTS, &aa_stats.slots);
	atomic64_add(AA_CHUNK_SLOTS, &aa_stats.slots_total);
	return 0;
}

/* Context: process. */
static void aa_table_free(struct aa_ctx *ctx)
{
	struct page *page, *next;

	list_for_each_entry_safe(page, next, &ctx->chunks, lru) {
		void *base = page_address(page);
		int cpu;

		list_del(&page->lru);
		aa_chunk_unmap(page, 1U << AA_CHUNK_ORDER);
		for_each_possible_cpu(cpu)
			cmpxchg(per_cpu_ptr(&aa_slot_hint, cpu), base, NULL);
		__free_pages(page, AA_CHUNK_ORDER);
	}
	atomic_sub(ctx->nr_slots, &aa_stats.slots);
	ctx->nr_slots = 0;
}

/* A free slot, or NULL when all are in use.  Context: process. */
static struct aa_req *aa_slot_get(struct aa_ctx *ctx)
{
	struct llist_node *node;

	spin_lock(&ctx->slot_lock);
	node = ctx->free_slots;
	if (!node)
		node = llist_del_all(&ctx->freed_slots);
	if (node)
		ctx->free_slots = node->next;
	spin_unlock(&ctx->slot_lock);
	return node ? llist_entry(node, struct aa_req, free_node) : NULL;
}

/**
 * aa_ctx_setup_slots() - allocate the request table at setup
 * @ctx: context
 * @nr: slots wanted, 0 for one chunk; capped at max_inflight
 *
 * Context: process.
 * Return: 0 or -ENOMEM; what was allocated stays with the context.
 */
int aa_ctx_setup_slots(struct aa_ctx *ctx, unsigned int nr)
{
	nr = clamp(nr, 1U, READ_ONCE(aa_max_inflight));
	while (ctx->nr_slots < nr) {
		int ret = aa_table_grow(ctx);

		if (ret)
			return ret;
	}
	return 0;
}

/**
 * aa_ctx_count_started() - requests of a context whose I/O has begun
 * @ctx: context
 * @file: count only requests on this file, or NULL
 * @user_data: count only requests with this user_data, or NULL
 *
 * A snapshot for AIO_ATTR_IOC_CANCEL: requests in flight and not waiting
 * for a worker (those are cancelled first), whose I/O has not ended.  A
 * group's reserved GROUP_DONE request is no I/O and is not counted.
 *
 * Context: process.
 * Return: the count.
 */
unsigned int aa_ctx_count_started(struct aa_ctx *ctx, struct file *file,
				  const u64 *user_data)
{
	unsigned int i, n = 0;
	struct page *page;

	spin_lock(&ctx->slot_lock);
	list_for_each_entry(page, &ctx->chunks, lru) {
		void *base = page_address(page);

		for (i = 0; i < AA_CHUNK_SLOTS; i++) {
			struct aa_req *req = base + i * AA_SLOT_BYTES;

			/* slots change under us: this is a snapshot */
			if (!refcount_read(&req->refs) || READ_ONCE(req->ended))
				continue;
			/* a group's notification, not an I/O */
			if (READ_ONCE(req->op) == AIO_ATTR_OP_GROUP_DONE)
				continue;
			if (file && READ_ONCE(req->file) != file)
				continue;
			if (user_data && READ_ONCE(req->user_data) != *user_data)
				continue;
			n++;
		}
	}
	spin_unlock(&ctx->slot_lock);
	return n;
}

/**
 * aa_slot_iod() - the descriptor of the request whose slot holds @addr
 * @addr: a bio's bi_io_vec
 *
 * Context: any, including hardirq; lock-free (xa_load() reads under RCU).
 * Return: the descriptor, or NULL when @addr is not the bvec table inside
 * a request slot.
 */
struct iodesc *aa_slot_iod(const void *addr)
{
	struct aa_req *req;
	void *base;

	/*
	 * A hinted chunk is one of ours until it leaves the hints, and it
	 * cannot leave while a bio pointing into it is being looked up:
	 * that request is still in flight.
	 */
	base = this_cpu_read(aa_slot_hint);
	if (!base || addr < base || addr - base >= PAGE_SIZE << AA_CHUNK_ORDER) {
		if (!virt_addr_valid(addr))
			return NULL;
		base = xa_load(&aa_slot_pages, PHYS_PFN(__pa(addr)));
		if (!base)
			return NULL;
		this_cpu_write(aa_slot_hint, base);
	}
	req = base + rounddown(addr - base, AA_SLOT_BYTES);
	if (addr < (void *)req->inline_vecs ||
	    addr >= (void *)(req->inline_vecs + AA_INLINE_VECS))
		return NULL;
	return &req->iod;
}

/**
 * aa_slots_exit() - module exit: every table is gone
 *
 * Context: process.
 */
void aa_slots_exit(void)
{
	WARN_ON(!xa_empty(&aa_slot_pages));
	xa_destroy(&aa_slot_pages);
}

/* ---------------------------------------------------------------------
 * Contexts
 */

static void aa_ctx_free_work(struct work_struct *work)
{
	struct aa_ctx *ctx = container_of(work, struct aa_ctx, free_work);

	if (ctx->evfd)
		eventfd_ctx_put(ctx->evfd);
	aa_pool_exit(ctx);
	aa_table_free(ctx);
	aa_bufs_release(ctx);
	aa_ctx_free_ring(ctx);
	aa_user_put(ctx->user);
	kfree(ctx);
	aa_lookup_put();
	atomic_dec(&aa_stats.contexts);
	module_put(THIS_MODULE);
}

/**
 * aa_ctx_put() - drop a context reference
 * @ctx: context
 *
 * The last reference schedules the teardown on aa_wq; nothing is freed in
 * the caller's context.
 *
 * Context: any.
 */
void aa_ctx_put(struct aa_ctx *ctx)
{
	if (refcount_dec_and_test(&ctx->refs))
		queue_work(aa_wq, &ctx->free_work);
}

/**
 * aa_ctx_alloc() - a new context, not yet set up
 *
 * The context counts against the calling user's max_contexts_per_user.
 * Takes a module reference that lives as long as the context, which can
 * outlive its file while I/O is in flight.
 *
 * Context: process.
 * Return: the context with one reference, ERR_PTR(-EMFILE) over the
 * per-user limit, or ERR_PTR(-ENOMEM).
 */
struct aa_ctx *aa_ctx_alloc(void)
{
	struct aa_user *u = aa_user_get();
	struct aa_ctx *ctx;

	if (IS_ERR(u))
		return ERR_CAST(u);
	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);
	if (!ctx) {
		aa_user_put(u);
		return ERR_PTR(-ENOMEM);
	}
	ctx->user = u;
	refcount_set(&ctx->refs, 1);
	spin_lock_init(&ctx->lock);
	mutex_init(&ctx->setup_lock);
	mutex_init(&ctx->sq_lock);
	INIT_LIST_HEAD(&ctx->overflow);
	init_waitqueue_head(&ctx->wait);
	atomic_set(&ctx->inflight, 0);
	INIT_WORK(&ctx->free_work, aa_ctx_free_work);
	spin_lock_init(&ctx->slot_lock);
	INIT_LIST_HEAD(&ctx->chunks);
	init_llist_head(&ctx->freed_slots);
	init_rwsem(&ctx->bufs_sem);
	aa_pool_init(ctx);
	__module_get(THIS_MODULE);
	atomic_inc(&aa_stats.contexts);
	aa_lookup_get();
	return ctx;
}

/**
 * aa_ctx_kill() - the file is going away
 * @ctx: context
 *
 * Requests waiting for a worker are cancelled.  Later completions are
 * dropped instead of posted; completions waiting on the overflow list are
 * released now.  Requests still in flight keep the context alive until
 * they end.
 *
 * Context: process.
 */
void aa_ctx_kill(struct aa_ctx *ctx)
{
	LIST_HEAD(done);

	aa_pool_cancel(ctx, NULL, NULL);
	spin_lock_irq(&ctx->lock);
	ctx->dead = true;
	list_splice_init(&ctx->overflow, &done);
	WRITE_ONCE(ctx->overflow_nr, 0);
	spin_unlock_irq(&ctx->lock);
	wake_up_all(&ctx->wait);
	aa_release_list(&done);
	aa_ctx_put(ctx);
}

/* ---------------------------------------------------------------------
 * Requests
 */

/*
 * Enter the in-flight count of the context; the first request pins it.
 * Context: process, with the file (and its reference) held.
 */
static unsigned int aa_ctx_inflight_inc(struct aa_ctx *ctx)
{
	unsigned int n = atomic_inc_return(&ctx->inflight);

	if (n == 1)
		aa_ctx_get(ctx);
	return n;
}

/*
 * Leave it; the last request unpins the context, which may go at once.
 * Context: any.
 */
static void aa_ctx_inflight_dec(struct aa_ctx *ctx)
{
	if (atomic_dec_and_test(&ctx->inflight))
		aa_ctx_put(ctx);
}

/* Leave the in-flight counts of the user and the system.  Context: any. */
static void aa_user_inflight_dec(struct aa_ctx *ctx)
{
	percpu_counter_dec(&ctx->user->inflight);
	percpu_counter_dec(&aa_stats.inflight);
}

/*
 * Is a per-CPU in-flight count at @limit?  Exact when it is close (within
 * the counter's batch per CPU), so the limits hold to the request for a
 * submitter; submitters racing on several CPUs may pass a limit by at
 * most one request each.  Context: process.
 */
static bool aa_at_limit(struct percpu_counter *count, unsigned int limit)
{
	return percpu_counter_compare(count, limit) >= 0;
}

/**
 * aa_req_put() - drop a request reference
 * @req: request
 *
 * The last reference ends the request's life: it leaves the in-flight
 * counts, its slot goes back to the table and, last, it leaves the
 * context's count, which may free the context.
 *
 * Context: any.
 */
void aa_req_put(struct aa_req *req)
{
	struct aa_ctx *ctx = req->ctx;

	if (!refcount_dec_and_test(&req->refs))
		return;
	aa_user_inflight_dec(ctx);
	llist_add(&req->free_node, &ctx->freed_slots);
	aa_ctx_inflight_dec(ctx);
}

/**
 * aa_req_alloc() - a request slot counted against the in-flight limits
 * @ctx: context, set up
 * @op: enum aio_attr_op
 * @user_data: from the sqe
 * @want: requested attributes
 *
 * The request starts with two references: the event's, dropped once it is
 * posted, and the submitter's, dropped by aa_req_submitted().
 * Limits: max_inflight for the context, max_inflight_per_user for its
 * user over all the user's contexts, max_inflight_total for the system.
 * The table grows by a chunk when all its slots are in use.
 *
 * Context: process.
 * Return: the request, or ERR_PTR(-EAGAIN) over a limit, ERR_PTR(-ENOMEM).
 */
struct aa_req *aa_req_alloc(struct aa_ctx *ctx, u8 op, u64 user_data, u64 want)
{
	struct aa_req *req;
	bool over;
	int ret;

	over = aa_ctx_inflight_inc(ctx) > READ_ONCE(aa_max_inflight);
	over = over ||
	       aa_at_limit(&ctx->user->inflight,
			   READ_ONCE(aa_max_inflight_per_user)) ||
	       aa_at_limit(&aa_stats.inflight, READ_ONCE(aa_max_inflight_total));
	if (over) {
		aa_ctx_inflight_dec(ctx);
		return ERR_PTR(-EAGAIN);
	}
	percpu_counter_inc(&ctx->user->inflight);
	percpu_counter_inc(&aa_stats.inflight);
	while (!(req = aa_slot_get(ctx))) {
		ret = aa_table_grow(ctx);
		if (ret)
			goto out;
	}
	req->file = NULL;
	req->ended = false;
	req->job = NULL;
	req->group = NULL;
	req->user_data = user_data;
	atomic64_set(&req->result, 0);
	/* one reference for the event, one for the submitter */
	refcount_set(&req->refs, 2);
	req->op = op;
	req->dirty = false;
	atomic_set(&req->in_submit, 1);
	req->submitter = current;
	req->bytes = 0;
	req->pos = 0;
	req->cred = NULL;
	INIT_LIST_HEAD(&req->ov_link);
	req->bvecs = NULL;
	req->nr_vecs = 0;
	aa_iod_init(&req->iod, want);
	aa_stat_inc(submitted);
	return req;
out:
	aa_user_inflight_dec(ctx);
	aa_ctx_inflight_dec(ctx);
	return ERR_PTR(ret);
}

/**
 * aa_req_submitted() - the submitter is done touching a request
 * @req: request
 *
 * Context: process.
 */
void aa_req_submitted(struct aa_req *req)
{
	atomic_set(&req->in_submit, 0);
	aa_req_put(req);
}

/**
 * aa_req_abort() - undo aa_req_alloc() for a request that never started
 * @req: request; no event will be posted for it
 *
 * Context: process.
 */
void aa_req_abort(struct aa_req *req)
{
	if (req->file)
		fput(req->file);
	if (req->cred)
		put_cred(req->cred);
	aa_stat_dec(submitted);
	/* the batch holds the group's count above 0: this is never the last */
	if (req->group)
		atomic_dec(&req->group->pending);
	refcount_set(&req->refs, 1);
	aa_req_put(req);
}

/* ---------------------------------------------------------------------
 * Groups (AIO_ATTR_SUBMIT_GROUP)
 */

/**
 * aa_group_new() - a group for one submission batch
 * @ctx: context
 *
 * The group starts with the batch counted as pending, and two references:
 * the submitter's and the one its members hold until the last completes.
 *
 * Context: process.
 * Return: the group, or NULL when out of memory.
 */
struct aa_group *aa_group_new(struct aa_ctx *ctx)
{
	struct aa_group *grp = kzalloc(sizeof(*grp), GFP_KERNEL_ACCOUNT);

	if (!grp)
		return NULL;
	atomic_set(&grp->pending, 1);
	refcount_set(&grp->refs, 2);
	grp->ctx = ctx;
	aa_ctx_get(ctx);
	return grp;
}

/**
 * aa_group_put() - drop a group reference
 * @grp: group
 *
 * Context: any.
 */
void aa_group_put(struct aa_group *grp)
{
	if (refcount_dec_and_test(&grp->refs)) {
		aa_ctx_put(grp->ctx);
		kfree(grp);
	}
}

/**
 * aa_group_discard() - free a group that no request joined
 * @grp: group from aa_group_new()
 *
 * Drops both references aa_group_new() gave: the submitter's and the
 * members' one, which no member will ever drop.
 *
 * Context: process.
 */
void aa_group_discard(struct aa_group *grp)
{
	WARN_ON_ONCE(atomic_read(&grp->pending) != 1);
	aa_group_put(grp);
	aa_group_put(grp);
}

/**
 * aa_group_join() - make a new request a member of @grp
 * @grp: group, or NULL for none
 * @req: request, not yet started
 *
 * Context: process, the submitter.
 */
void aa_group_join(struct aa_group *grp, struct aa_req *req)
{
	req->group = grp;
	if (grp)
		atomic_inc(&grp->pending);
}

/**
 * aa_group_leave() - a member's entry is posted: count it out
 * @grp: the member's group (a failed member counted itself in
 *	 @grp->failed before it posted)
 *
 * Context: any.
 * Return: true when it was the last; the caller then calls
 * aa_group_done().
 */
bool aa_group_leave(struct aa_group *grp)
{
	return atomic_dec_and_test(&grp->pending);
}

/**
 * aa_group_done() - every member has completed
 * @grp: group, whose pending count reached 0
 *
 * Posts the AIO_ATTR_OP_GROUP_DONE entry, wakes a submitter waiting for
 * the group and drops the members' reference.
 *
 * Context: any (a member's completion, or the submitter).
 */
void aa_group_done(struct aa_group *grp)
{
	if (grp->done)
		aa_complete(grp->done, atomic_read(&grp->failed));
	/*
	 * Every entry is posted: tell a LIO_WAIT caller (aa_wait_group()),
	 * whose own reference keeps @grp.
	 */
	smp_store_release(&grp->finished, true);
	wake_up_all(&grp->ctx->wait);
	aa_group_put(grp);
}
