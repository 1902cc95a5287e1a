// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * aio_attr - one context: an open /dev/aio_attr, its setup, its mapped
 * ring - an owner of libaioattr's struct aa_ctx.  Failing system calls
 * throw std::system_error with their errno; per-request refusals, wait
 * timeouts and interruptions are results.
 *
 *	aio_attr::Context ctx;
 *	ctx.setup(64 * 1024);
 *	auto sqe = aio_attr::prep_read(fd, buf, 4096, 0).data(1).attrs(mask);
 *	ctx.submit(sqe);
 *	ctx.wait(1);
 *	ctx.reap([](const aio_attr::Completion &c) { ... });
 *
 * or, with a version 2 header, submit and wait in one system call:
 *
 *	ctx.submit_and_wait(sqe, 1);
 *	ctx.reap(...);		// no system call: the event is in the ring
 *
 * Built against a version 1 <linux/aio_attr.h>, everything marked
 * "version 2" below is left out and contexts are set up as version 1.
 */
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <utility>

#include <sys/uio.h>

#include "aio_attr.h"
#include "error.hpp"
#include "ring.hpp"
#include "unique_fd.hpp"

namespace aio_attr {

/* A wait timeout meaning "no timeout". */
inline constexpr std::chrono::nanoseconds forever{ -1 };

struct SubmitResult {
	uint32_t accepted = 0; /* requests queued, from the start of the batch */
	int error = 0;	       /* errno that stopped the batch at index accepted, or 0 */

	bool ok() const noexcept { return error == 0; }
};

struct WaitResult {
	int error = 0;	       /* 0, ETIME (timeout expired) or EINTR (signal) */
	uint32_t ready = 0;    /* events in the ring */
	uint32_t overflow = 0; /* completions still on the overflow list */

	bool timed_out() const noexcept { return error == ETIME; }
	bool interrupted() const noexcept { return error == EINTR; }
};

#if AIO_ATTR_VERSION >= 2
/* Version 2: the result of Context::submit_and_wait(). */
struct SubmitWaitResult : SubmitResult {
	/* 0 (min_complete events ready, or no wait ran), ETIME or EINTR */
	int wait_error = 0;

	bool timed_out() const noexcept { return wait_error == ETIME; }
	bool interrupted() const noexcept { return wait_error == EINTR; }
};
#endif

#if AIO_ATTR_VERSION >= 3
/* Version 3: the result of Context::enter(). */
struct EnterResult {
	uint32_t consumed = 0; /* sqes the kernel took; each completes with one event */
	/* 0, EAGAIN or ENOMEM (nothing consumed: in-flight limits), EINTR (wait interrupted) */
	int error = 0;
};
#endif

class Context {
public:
	static constexpr const char *default_path = AA_DEFAULT_DEV;

	/* Open a new context (@path nullptr: default_path); throws std::system_error. */
	explicit Context(const char *path = default_path)
	{
		const int err = aa_ctx_open(&ctx_, path);

		if (err)
			throw_errno(-err, path ? path : default_path);
	}
	/* Adopt an already open context descriptor. */
	explicit Context(unique_fd fd) noexcept { aa_ctx_from_fd(&ctx_, fd.release()); }

	/* A moved-from Context is closed and not set up. */
	Context(Context &&other) noexcept
	    : ctx_(other.ctx_)
	    , ring_(std::exchange(other.ring_, Ring{}))
	{
		aa_ctx_from_fd(&other.ctx_, -1);
	}
	Context &operator=(Context &&other) noexcept
	{
		if (this != &other) {
			aa_ctx_close(&ctx_);
			ctx_ = other.ctx_;
			ring_ = std::exchange(other.ring_, Ring{});
			aa_ctx_from_fd(&other.ctx_, -1);
		}
		return *this;
	}
	Context(const Context &) = delete;
	Context &operator=(const Context &) = delete;
	~Context() { aa_ctx_close(&ctx_); }

	/* For poll(2)/epoll: readable when the ring has events or overflow is pending. */
	int fd() const noexcept { return ctx_.fd; }
	/* The C context, for calling libaioattr directly. */
	aa_ctx *c_ctx() noexcept { return &ctx_; }

	/* AIO_ATTR_IOC_PROBE. */
	aio_attr_probe probe() const
	{
		aio_attr_probe p;
		const int err = aa_ctx_probe(&ctx_, &p);

		if (err)
			throw_errno(-err, "AIO_ATTR_IOC_PROBE");
		return p;
	}

	/*
	 * AIO_ATTR_IOC_SETUP (version AIO_ATTR_VERSION) then mmap of the
	 * ring.  @eventfd is used when @flags has AIO_ATTR_SETUP_EVENTFD; the
	 * caller keeps owning it.
	 */
	const aio_attr_setup &setup(uint32_t ring_bytes, uint32_t flags = 0, int eventfd = -1)
	{
		aio_attr_setup s{};

		s.version = AIO_ATTR_VERSION;
		s.flags = flags;
		s.ring_bytes = ring_bytes;
		s.eventfd = (flags & AIO_ATTR_SETUP_EVENTFD) ? eventfd : -1;
		return setup(s);
	}
	/* Same with a caller-filled struct (version, flags, reserved fields as given). */
	const aio_attr_setup &setup(const aio_attr_setup &in)
	{
		aio_attr_setup s = in;
		const int err = aa_ctx_setup(&ctx_, &s);

		if (err == -EPROTO || err == -EPROTONOSUPPORT)
			throw_errno(-err, "aio_attr ring header disagrees with AIO_ATTR_IOC_SETUP");
		if (err)
			throw_errno(-err, "AIO_ATTR_IOC_SETUP");
		ring_ = Ring(ctx_.ring);
		return ctx_.setup;
	}

	bool is_setup() const noexcept { return aa_ctx_is_setup(&ctx_); }
	const aio_attr_setup &setup_info() const noexcept { return ctx_.setup; }
	Ring &ring() noexcept { return ring_; }
	const Ring &ring() const noexcept { return ring_; }

	/*
	 * AIO_ATTR_IOC_SUBMIT.  A refused request is reported in the result
	 * (error at index accepted); a failure of the call itself (EBADFD
	 * before setup, EFAULT on the array, ...) throws.
	 */
	SubmitResult submit(std::span<const aio_attr_sqe> sqes)
	{
		int error = 0;
		const int ret = aa_submit(&ctx_, sqes.data(), batch_size(sqes), &error);

		if (ret < 0)
			throw_errno(-ret, "AIO_ATTR_IOC_SUBMIT");
		return { static_cast<uint32_t>(ret), error };
	}
	SubmitResult submit(const aio_attr_sqe &sqe) { return submit({ &sqe, 1 }); }

#if AIO_ATTR_VERSION >= 2
	/*
	 * Version 2: AIO_ATTR_IOC_SUBMIT with AIO_ATTR_SUBMIT_WAIT
	 * (aa_submit_and_wait()).  Queue @sqes and, only when the whole batch
	 * was accepted, wait like wait(@min_complete, @timeout) - one system
	 * call for both.  The accepted count and the errno that stopped the
	 * batch are reported as by submit(); the outcome of the wait is in
	 * wait_error, never an exception.  Completions are then reaped from
	 * the ring with reap(), which makes no system call while entries are
	 * there.
	 *
	 * A context whose kernel lacks AIO_ATTR_FEAT_SUBMIT_WAIT (a version 1
	 * module) gets the same results from submit() then wait(): two calls.
	 */
	SubmitWaitResult submit_and_wait(std::span<const aio_attr_sqe> sqes, uint32_t min_complete,
					 std::chrono::nanoseconds timeout = forever)
	{
		SubmitWaitResult r;
		int error = 0, wait_error = 0;
		const int ret =
			aa_submit_and_wait(&ctx_, sqes.data(), batch_size(sqes), min_complete,
					   timeout.count(), &error, &wait_error);

		if (ret < 0)
			throw_errno(-ret, "AIO_ATTR_IOC_SUBMIT");
		r.accepted = static_cast<uint32_t>(ret);
		r.error = error;
		r.wait_error = wait_error;
		return r;
	}
	SubmitWaitResult submit_and_wait(const aio_attr_sqe &sqe, uint32_t min_complete,
					 std::chrono::nanoseconds timeout = forever)
	{
		return submit_and_wait({ &sqe, 1 }, min_complete, timeout);
	}
#endif

#if AIO_ATTR_VERSION >= 3
	/*
	 * Version 3, a context set up with sq_entries: the next free slot of
	 * the submission queue (aa_get_sqe()), nullptr when all are handed
	 * out and not consumed yet or there is no queue.  Fill it with the
	 * Sqe builders or aa_prep_*(); enter() queues it.
	 */
	aio_attr_sqe *get_sqe() noexcept
	{
		return aa_get_sqe(&ctx_);
	}
	/* Version 3: slots handed out that the kernel has not consumed yet. */
	uint32_t sq_pending() const noexcept
	{
		return aa_sq_pending(&ctx_);
	}

	/*
	 * Version 3: AIO_ATTR_IOC_ENTER (aa_enter()) - queue every slot handed
	 * out so far and, once all are consumed, wait for @min_complete events
	 * (no timeout), in one system call.  A refused sqe is consumed and
	 * completes with its errno as the event's result.  The in-flight
	 * limits and an interrupted wait are results; other errors (EBADFD
	 * without a queue, EINVAL) throw.
	 */
	EnterResult enter(uint32_t min_complete = 0)
	{
		const int ret = aa_enter(&ctx_, min_complete);

		if (ret >= 0)
			return { static_cast<uint32_t>(ret), 0 };
		if (ret == -EAGAIN || ret == -ENOMEM || ret == -EINTR)
			return { 0, -ret };
		throw_errno(-ret, "AIO_ATTR_IOC_ENTER");
	}
#endif

	/*
	 * AIO_ATTR_IOC_WAIT: until @min_events are ready or @timeout (forever
	 * when negative, no wait when zero).  Also moves overflowed
	 * completions into the ring.  ETIME and EINTR are results; other
	 * errors throw.
	 */
	WaitResult wait(uint32_t min_events, std::chrono::nanoseconds timeout = forever)
	{
		aio_attr_wait w;
		const int ret = aa_wait(&ctx_, min_events, timeout.count(), &w);

		if (ret < 0 && ret != -ETIME && ret != -EINTR)
			throw_errno(-ret, "AIO_ATTR_IOC_WAIT");
		return { -ret, w.ready, w.overflow };
	}

	/*
	 * Reap up to @max completions (aa_peek(): an empty ring with the
	 * overflow flag set is refilled first).  Throws
	 * std::system_error(EBADMSG) on a malformed entry, or the errno of the
	 * refilling wait.  Returns the count.
	 */
	template <class Fn>
	requires std::invocable<Fn &, const Completion &> std::size_t
	reap(Fn &&fn, std::size_t max = std::numeric_limits<std::size_t>::max())
	{
		std::size_t total = 0;
		Completion c;

		while (total < max) {
			const aio_attr_event *ev;
			const int ret = aa_peek(&ctx_, &ev);

			if (ret == -EAGAIN)
				break;
			if (ret == -EBADMSG) {
				ReapResult res;

				res.error = static_cast<RingError>(ctx_.ring.error);
				res.pos = ctx_.ring.error_pos;
				check(res);
			}
			if (ret)
				throw_errno(-ret, "AIO_ATTR_IOC_WAIT");
			c.assign(*ev);
			aa_seen(&ctx_, ev);
			total++;
			if (!detail::deliver(fn, std::as_const(c)))
				break;
		}
		return total;
	}

#if AIO_ATTR_VERSION >= 2
	/*
	 * AIO_ATTR_IOC_REGISTER_BUFFERS (version 2 contexts): pin the
	 * memory of @bufs (anonymous, at most AIO_ATTR_MAX_BUFFERS of up to
	 * AIO_ATTR_MAX_BUFFER_BYTES each) until unregister_buffers() or
	 * close.  Requests built with prep_read_fixed()/prep_write_fixed()
	 * then pin nothing.  Throws std::system_error: EBUSY when buffers
	 * are registered already, ENOMEM over RLIMIT_MEMLOCK, EOPNOTSUPP
	 * for file-backed memory, EFAULT for unmapped memory, EBADFD on a
	 * version 1 context.
	 */
	void register_buffers(std::span<const iovec> bufs)
	{
		if (bufs.size() > UINT32_MAX)
			throw_errno(EINVAL, "AIO_ATTR_IOC_REGISTER_BUFFERS: too many buffers");

		const int err = aa_register_buffers(&ctx_, bufs.data(),
						    static_cast<unsigned int>(bufs.size()));

		if (err)
			throw_errno(-err, "AIO_ATTR_IOC_REGISTER_BUFFERS");
	}
	/* AIO_ATTR_IOC_UNREGISTER_BUFFERS; throws EBUSY while I/O is in flight, ENXIO when none. */
	void unregister_buffers()
	{
		const int err = aa_unregister_buffers(&ctx_);

		if (err)
			throw_errno(-err, "AIO_ATTR_IOC_UNREGISTER_BUFFERS");
	}
#endif

private:
	static unsigned int batch_size(std::span<const aio_attr_sqe> sqes)
	{
		if (sqes.size() > UINT32_MAX)
			throw_errno(E2BIG, "AIO_ATTR_IOC_SUBMIT: batch too large");
		return static_cast<unsigned int>(sqes.size());
	}

	aa_ctx ctx_{}; /* every constructor fills it in */
	Ring ring_;
};

} // namespace aio_attr
