// SPDX-License-Identifier: GPL-2.0
/*
 * aio_attr per-user accounting.
 *
 * Everything a user can make the kernel hold through /dev/aio_attr is
 * charged to that user and capped:
 *
 *  - contexts: max_contexts_per_user, counted from open() until the
 *    context is freed (a closed context with I/O in flight still counts);
 *  - requests in flight, completions parked on overflow lists included:
 *    max_inflight_per_user, beside the per-context and global limits;
 *  - FSYNC/FDATASYNC in flight: max_syncs_per_user, so that one user's
 *    stalled syncs (a FUSE server that never answers) can occupy only a
 *    few sync workers;
 *  - ring memory and registered buffers: the user's locked_vm against
 *    RLIMIT_MEMLOCK, as io_uring does, unless the task that sets the ring
 *    up or registers the buffers has CAP_IPC_LOCK; the ring and the
 *    buffers' tables are also charged to the memory cgroup (__GFP_ACCOUNT).
 *
 * A user is its uid in the initial user namespace, as for RLIMIT_NPROC.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/mutex.h>
#include <linux/sched/signal.h>
#include <linux/sched/user.h>
#include <linux/slab.h>

#include "aio_attr.h"

static DEFINE_HASHTABLE(aa_users, 6);
static DEFINE_MUTEX(aa_users_lock);

/**
 * aa_user_get() - the calling task's user, with one more context counted
 *
 * Context: process; takes a mutex.
 * Return: the user, ERR_PTR(-EMFILE) when the user has
 * max_contexts_per_user contexts already, or ERR_PTR(-ENOMEM).
 */
struct aa_user *aa_user_get(void)
{
	kuid_t uid = current_uid();
	struct aa_user *u;

	mutex_lock(&aa_users_lock);
	hash_for_each_possible(aa_users, u, node, __kuid_val(uid))
		if (uid_eq(u->uid, uid))
			goto found;
	u = kzalloc(sizeof(*u), GFP_KERNEL_ACCOUNT);
	if (!u || percpu_counter_init(&u->inflight, 0, GFP_KERNEL_ACCOUNT)) {
		kfree(u);
		mutex_unlock(&aa_users_lock);
		return ERR_PTR(-ENOMEM);
	}
	u->uid = uid;
	/*
	 * The user_struct through a reference on the creds: put_cred() is
	 * there in every 6.1 build, free_uid() is not exported by all.
	 */
	u->cred = get_current_cred();
	hash_add(aa_users, &u->node, __kuid_val(uid));
found:
	if (u->refs >= READ_ONCE(aa_max_contexts_per_user)) {
		if (!u->refs) {
			/* a limit lowered to 0 leaves nothing to keep */
			hash_del(&u->node);
			put_cred(u->cred);
			percpu_counter_destroy(&u->inflight);
			kfree(u);
		}
		mutex_unlock(&aa_users_lock);
		return ERR_PTR(-EMFILE);
	}
	u->refs++;
	mutex_unlock(&aa_users_lock);
	return u;
}

/**
 * aa_user_put() - a context of the user is gone
 * @u: user
 *
 * Context: process (the context's final teardown); takes a mutex.
 */
void aa_user_put(struct aa_user *u)
{
	mutex_lock(&aa_users_lock);
	if (!--u->refs) {
		WARN_ON_ONCE(percpu_counter_sum(&u->inflight) ||
			     atomic_read(&u->syncs));
		hash_del(&u->node);
		put_cred(u->cred);
		percpu_counter_destroy(&u->inflight);
		kfree(u);
	}
	mutex_unlock(&aa_users_lock);
}

/**
 * aa_user_lock_pages() - charge pages to the user's RLIMIT_MEMLOCK
 * @u: user
 * @pages: pages to charge
 *
 * Nothing is charged when the calling task has CAP_IPC_LOCK, as for
 * mlock(2) and io_uring.  Whatever is charged goes back with
 * aa_user_unlock_pages().
 *
 * Context: process (the limit and the capability are the caller's).
 * Return: the pages charged (0 with CAP_IPC_LOCK), or -ENOMEM when
 * RLIMIT_MEMLOCK would be exceeded.
 */
long aa_user_lock_pages(struct aa_user *u, unsigned long pages)
{
	struct user_struct *user = u->cred->user;
	unsigned long limit, cur, new;

	if (capable(CAP_IPC_LOCK))
		return 0;
	limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	cur = atomic_long_read(&user->locked_vm);
	do {
		new = cur + pages;
		if (new < cur || new > limit || pages > LONG_MAX)
			return -ENOMEM;
	} while (!atomic_long_try_cmpxchg(&user->locked_vm, &cur, new));
	return pages;
}

/**
 * aa_user_unlock_pages() - give back a charge of aa_user_lock_pages()
 * @u: user
 * @pages: what aa_user_lock_pages() returned
 *
 * Context: any.
 */
void aa_user_unlock_pages(struct aa_user *u, unsigned long pages)
{
	if (pages)
		atomic_long_sub(pages, &u->cred->user->locked_vm);
}

/**
 * aa_user_charge_ring() - charge a ring to the user's locked memory
 * @ctx: context being set up
 * @pages: pages of the whole mapping
 *
 * Context: process (AIO_ATTR_IOC_SETUP).
 * Return: 0, or -ENOMEM when RLIMIT_MEMLOCK would be exceeded.
 */
int aa_user_charge_ring(struct aa_ctx *ctx, unsigned long pages)
{
	long ret = aa_user_lock_pages(ctx->user, pages);

	if (ret < 0)
		return ret;
	ctx->locked_pages = ret;
	return 0;
}

/**
 * aa_user_uncharge_ring() - give back what aa_user_charge_ring() took
 * @ctx: context
 *
 * Context: any.
 */
void aa_user_uncharge_ring(struct aa_ctx *ctx)
{
	aa_user_unlock_pages(ctx->user, ctx->locked_pages);
	ctx->locked_pages = 0;
}
