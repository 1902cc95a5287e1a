// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * aio_attr - context: registered buffers.
 */
#include <aio_attr/context.hpp>
#include <aio_attr/error.hpp>

#include <sys/ioctl.h>

#include <cstdint>

namespace aio_attr {

#if AIO_ATTR_VERSION >= 2
void Context::register_buffers(std::span<const iovec> bufs)
{
	aio_attr_buffers b{};

	if (bufs.size() > UINT32_MAX)
		throw_errno(EINVAL, "AIO_ATTR_IOC_REGISTER_BUFFERS: too many buffers");
	b.iovecs = reinterpret_cast<uintptr_t>(bufs.data());
	b.nr = static_cast<uint32_t>(bufs.size());
	if (::ioctl(fd_.get(), AIO_ATTR_IOC_REGISTER_BUFFERS, &b) < 0)
		throw_errno("AIO_ATTR_IOC_REGISTER_BUFFERS");
}

void Context::unregister_buffers()
{
	if (::ioctl(fd_.get(), AIO_ATTR_IOC_UNREGISTER_BUFFERS) < 0)
		throw_errno("AIO_ATTR_IOC_UNREGISTER_BUFFERS");
}

#endif

} // namespace aio_attr
