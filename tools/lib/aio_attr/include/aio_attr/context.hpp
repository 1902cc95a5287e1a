// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * aio_attr - one context: an open /dev/aio_attr, its setup, its mapped
 * ring.  Failing system calls throw std::system_error with their errno;
 * per-request refusals, wait timeouts and interruptions are results.
 *
 *	aio_attr::Context ctx;
 *	ctx.setup(64 * 1024);
 *	auto sqe = aio_attr::prep_read(fd, buf, 4096, 0, 1, AIO_ATTR_BIT(AIO_ATTR_SERVICE_NS));
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

#include <linux/aio_attr.h>

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

class Context {
public:
	static constexpr const char *default_path = "/dev/aio_attr";

	/* Open a new context; throws std::system_error. */
	explicit Context(const char *path = default_path);
	/* Adopt an already open context descriptor. */
	explicit Context(unique_fd fd) noexcept
	    : fd_(std::move(fd))
	{
	}

	/* A moved-from Context is closed and not set up. */
	Context(Context &&other) noexcept
	    : fd_(std::move(other.fd_))
	    , map_(std::move(other.map_))
	    , ring_(std::exchange(other.ring_, Ring{}))
	    , setup_(std::exchange(other.setup_, aio_attr_setup{}))
	{
	}
	Context &operator=(Context &&other) noexcept
	{
		if (this != &other) {
			ring_ = std::exchange(other.ring_, Ring{});
			map_ = std::move(other.map_);
			fd_ = std::move(other.fd_);
			setup_ = std::exchange(other.setup_, aio_attr_setup{});
		}
		return *this;
	}

	/* For poll(2)/epoll: readable when the ring has events or overflow is pending. */
	int fd() const noexcept { return fd_.get(); }

	/* AIO_ATTR_IOC_PROBE. */
	aio_attr_probe probe() const;

	/*
	 * AIO_ATTR_IOC_SETUP then mmap of the ring.  @eventfd is used when
	 * @flags has AIO_ATTR_SETUP_EVENTFD; the caller keeps owning it.
	 */
	const aio_attr_setup &setup(uint32_t ring_bytes, uint32_t flags = 0, int eventfd = -1);
	/* Same with a caller-filled struct (version, flags, reserved fields as given). */
	const aio_attr_setup &setup(const aio_attr_setup &in);

	bool is_setup() const noexcept { return ring_.valid(); }
	const aio_attr_setup &setup_info() const noexcept { return setup_; }
	Ring &ring() noexcept { return ring_; }
	const Ring &ring() const noexcept { return ring_; }

	/*
	 * AIO_ATTR_IOC_SUBMIT.  A refused request is reported in the result
	 * (error at index accepted); a failure of the call itself (EBADFD
	 * before setup, EFAULT on the array, ...) throws.
	 */
	SubmitResult submit(std::span<const aio_attr_sqe> sqes);
	SubmitResult submit(const aio_attr_sqe &sqe) { return submit({ &sqe, 1 }); }

#if AIO_ATTR_VERSION >= 2
	/*
	 * Version 2: AIO_ATTR_IOC_SUBMIT with AIO_ATTR_SUBMIT_WAIT.  Queue
	 * @sqes and, only when the whole batch was accepted, wait like
	 * wait(@min_complete, @timeout) - one system call for both.  The
	 * accepted count and the errno that stopped the batch are reported
	 * as by submit(); the outcome of the wait is in wait_error, never an
	 * exception.  Completions are then reaped from the ring with reap(),
	 * which makes no system call while entries are there.
	 *
	 * A context whose kernel lacks AIO_ATTR_FEAT_SUBMIT_WAIT (a version 1
	 * module) gets the same results from submit() then wait(): two calls.
	 */
	SubmitWaitResult submit_and_wait(std::span<const aio_attr_sqe> sqes, uint32_t min_complete,
					 std::chrono::nanoseconds timeout = forever);
	SubmitWaitResult submit_and_wait(const aio_attr_sqe &sqe, uint32_t min_complete,
					 std::chrono::nanoseconds timeout = forever)
	{
		return submit_and_wait({ &sqe, 1 }, min_complete, timeout);
	}
#endif

	/*
	 * AIO_ATTR_IOC_WAIT: until @min_events are ready or @timeout (forever
	 * when negative, no wait when zero).  Also moves overflowed
	 * completions into the ring.  ETIME and EINTR are results; other
	 * errors throw.
	 */
	WaitResult wait(uint32_t min_events, std::chrono::nanoseconds timeout = forever);

	/*
	 * Reap up to @max completions like Ring::reap, flushing the overflow
	 * list (wait(0, 0ns)) whenever the ring says it is pending.  Throws
	 * std::system_error(EBADMSG) on a malformed entry.  Returns the count.
	 */
	template <class Fn>
	requires std::invocable<Fn &, const Completion &> std::size_t
	reap(Fn &&fn, std::size_t max = std::numeric_limits<std::size_t>::max());

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
	void register_buffers(std::span<const iovec> bufs);
	/* AIO_ATTR_IOC_UNREGISTER_BUFFERS; throws EBUSY while I/O is in flight, ENXIO when none. */
	void unregister_buffers();
#endif

private:
	/* AIO_ATTR_IOC_SUBMIT of a filled-in @s; the accepted count and errno. */
	SubmitResult submit_ioctl(aio_attr_submit &s, std::span<const aio_attr_sqe> sqes);

	unique_fd fd_;
	Mapping map_;
	Ring ring_;
	aio_attr_setup setup_{};
};

template <class Fn>
requires std::invocable<Fn &, const Completion &> std::size_t Context::reap(Fn &&fn,
									    std::size_t max)
{
	std::size_t total = 0;

	for (;;) {
		const ReapResult res = ring_.reap(fn, max - total);

		check(res);
		total += res.count;
		if (res.stopped || total >= max || !ring_.overflow())
			break;
		wait(0, std::chrono::nanoseconds{ 0 });
		if (ring_.empty())
			break;
	}
	return total;
}

} // namespace aio_attr
