// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * aio_attr - context: the ioctls and the ring mapping.
 */
#include <aio_attr/context.hpp>
#include <aio_attr/error.hpp>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <cstdint>

namespace aio_attr {

Context::Context(const char *path)
    : fd_(open_fd(path, O_RDWR))
{
}

aio_attr_probe Context::probe() const
{
	aio_attr_probe p{};

	if (::ioctl(fd_.get(), AIO_ATTR_IOC_PROBE, &p) < 0)
		throw_errno("AIO_ATTR_IOC_PROBE");
	return p;
}

const aio_attr_setup &Context::setup(uint32_t ring_bytes, uint32_t flags, int eventfd)
{
	aio_attr_setup s{};

	s.version = AIO_ATTR_VERSION;
	s.flags = flags;
	s.ring_bytes = ring_bytes;
	s.eventfd = (flags & AIO_ATTR_SETUP_EVENTFD) ? eventfd : -1;
	return setup(s);
}

const aio_attr_setup &Context::setup(const aio_attr_setup &in)
{
	aio_attr_setup s = in;

	if (::ioctl(fd_.get(), AIO_ATTR_IOC_SETUP, &s) < 0)
		throw_errno("AIO_ATTR_IOC_SETUP");
	if (s.data_offset >= s.mmap_bytes)
		throw_errno(EPROTO, "AIO_ATTR_IOC_SETUP: data_offset beyond mmap_bytes");

	Mapping map = Mapping::map(fd_.get(), s.mmap_bytes, PROT_READ | PROT_WRITE, MAP_SHARED);
	Ring ring = Ring::attach(map.get(), map.size());

	if (ring.ring_bytes() != s.ring_bytes ||
	    static_cast<const std::byte *>(map.get()) + s.data_offset != ring.data().data())
		throw_errno(EPROTO, "aio_attr ring header disagrees with AIO_ATTR_IOC_SETUP");
	map_ = std::move(map);
	ring_ = ring;
	setup_ = s;
	return setup_;
}

SubmitResult Context::submit_ioctl(aio_attr_submit &s, std::span<const aio_attr_sqe> sqes)
{
	if (sqes.size() > UINT32_MAX)
		throw_errno(E2BIG, "AIO_ATTR_IOC_SUBMIT: batch too large");
	s.sqes = reinterpret_cast<uintptr_t>(sqes.data());
	s.nr = static_cast<uint32_t>(sqes.size());

	const int ret = ::ioctl(fd_.get(), AIO_ATTR_IOC_SUBMIT, &s);

	if (ret >= 0)
		return { static_cast<uint32_t>(ret), s.error };
	/*
	 * The first request was refused when the kernel filled in @error
	 * with the errno it returned; anything else is the call failing.
	 */
	const int err = errno;

	if (s.error == err && s.accepted == 0)
		return { 0, err };
	throw_errno(err, "AIO_ATTR_IOC_SUBMIT");
}

SubmitResult Context::submit(std::span<const aio_attr_sqe> sqes)
{
	aio_attr_submit s{};

	return submit_ioctl(s, sqes);
}

#if AIO_ATTR_VERSION >= 2
SubmitWaitResult Context::submit_and_wait(std::span<const aio_attr_sqe> sqes, uint32_t min_complete,
					  std::chrono::nanoseconds timeout)
{
	const int64_t timeout_ns = timeout.count() < 0 ? -1 : timeout.count();
	SubmitWaitResult r;

	if (!(setup_.features & AIO_ATTR_FEAT_SUBMIT_WAIT)) {
		static_cast<SubmitResult &>(r) = submit(sqes);
		if (r.accepted == sqes.size() && min_complete)
			r.wait_error =
				wait(min_complete, std::chrono::nanoseconds{ timeout_ns }).error;
		return r;
	}

	aio_attr_submit s{};

	s.flags = AIO_ATTR_SUBMIT_WAIT;
	s.min_complete = min_complete;
	s.timeout_ns = timeout_ns;
	static_cast<SubmitResult &>(r) = submit_ioctl(s, sqes);
	r.wait_error = r.accepted == sqes.size() ? s.wait_error : 0;
	return r;
}
#endif

WaitResult Context::wait(uint32_t min_events, std::chrono::nanoseconds timeout)
{
	aio_attr_wait w{};

	w.min_events = min_events;
	w.timeout_ns = timeout.count() < 0 ? -1 : timeout.count();
	const int ret = ::ioctl(fd_.get(), AIO_ATTR_IOC_WAIT, &w);
	WaitResult r;

	if (ret < 0) {
		if (errno != ETIME && errno != EINTR)
			throw_errno("AIO_ATTR_IOC_WAIT");
		r.error = errno;
	}
	r.ready = w.ready;
	r.overflow = w.overflow;
	return r;
}

} // namespace aio_attr
