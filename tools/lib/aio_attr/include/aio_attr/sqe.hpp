// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * aio_attr - request builders.  Each returns a zeroed struct aio_attr_sqe
 * with the fields of one opcode filled; flags, ioprio and the reserved
 * fields stay zero (set ioprio on the result if needed), except in the
 * _fixed forms and with_fixed_buf(), which set AIO_ATTR_SQE_FIXED_BUF and
 * buf_index.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>

#include <sys/uio.h>

#include <linux/aio_attr.h>

#include "error.hpp"

namespace aio_attr {

/* Any opcode with its addr/len fields given raw. */
inline aio_attr_sqe prep_rw(unsigned int opcode, int fd, uint64_t addr, uint32_t len,
			    uint64_t offset, uint64_t user_data, uint64_t attr_mask = 0) noexcept
{
	aio_attr_sqe sqe{};

	sqe.opcode = static_cast<uint8_t>(opcode);
	sqe.fd = fd;
	sqe.addr = addr;
	sqe.len = len;
	sqe.offset = offset;
	sqe.user_data = user_data;
	sqe.attr_mask = attr_mask;
	return sqe;
}

namespace detail {
inline uint32_t checked_len(std::size_t n)
{
	if (n > std::numeric_limits<uint32_t>::max())
		throw_errno(E2BIG, "aio_attr: request length does not fit in 32 bits");
	return static_cast<uint32_t>(n);
}

inline uint64_t addr_of(const void *p) noexcept
{
	return reinterpret_cast<uintptr_t>(p);
}
} // namespace detail

inline aio_attr_sqe prep_read(int fd, void *buf, uint32_t len, uint64_t offset, uint64_t user_data,
			      uint64_t attr_mask = 0) noexcept
{
	return prep_rw(AIO_ATTR_OP_READ, fd, detail::addr_of(buf), len, offset, user_data,
		       attr_mask);
}

inline aio_attr_sqe prep_write(int fd, const void *buf, uint32_t len, uint64_t offset,
			       uint64_t user_data, uint64_t attr_mask = 0) noexcept
{
	return prep_rw(AIO_ATTR_OP_WRITE, fd, detail::addr_of(buf), len, offset, user_data,
		       attr_mask);
}

/* Span forms; throw std::system_error(E2BIG) for a buffer of 4 GiB or more. */
inline aio_attr_sqe prep_read(int fd, std::span<std::byte> buf, uint64_t offset, uint64_t user_data,
			      uint64_t attr_mask = 0)
{
	return prep_read(fd, buf.data(), detail::checked_len(buf.size()), offset, user_data,
			 attr_mask);
}

inline aio_attr_sqe prep_write(int fd, std::span<const std::byte> buf, uint64_t offset,
			       uint64_t user_data, uint64_t attr_mask = 0)
{
	return prep_write(fd, buf.data(), detail::checked_len(buf.size()), offset, user_data,
			  attr_mask);
}

/* Vectored: addr is the iovec array, len the number of iovecs. */
inline aio_attr_sqe prep_readv(int fd, std::span<const iovec> iov, uint64_t offset,
			       uint64_t user_data, uint64_t attr_mask = 0)
{
	return prep_rw(AIO_ATTR_OP_READV, fd, detail::addr_of(iov.data()),
		       detail::checked_len(iov.size()), offset, user_data, attr_mask);
}

inline aio_attr_sqe prep_writev(int fd, std::span<const iovec> iov, uint64_t offset,
				uint64_t user_data, uint64_t attr_mask = 0)
{
	return prep_rw(AIO_ATTR_OP_WRITEV, fd, detail::addr_of(iov.data()),
		       detail::checked_len(iov.size()), offset, user_data, attr_mask);
}

#if AIO_ATTR_VERSION >= 2
/* Registered buffers (version 2): mark @sqe as using buffer @buf_index. */
inline aio_attr_sqe with_fixed_buf(aio_attr_sqe sqe, uint32_t buf_index) noexcept
{
	sqe.flags |= AIO_ATTR_SQE_FIXED_BUF;
	sqe.buf_index = buf_index;
	return sqe;
}

/*
 * [buf, buf + len) lies inside the buffer registered at @buf_index
 * (Context::register_buffers()).
 */
inline aio_attr_sqe prep_read_fixed(int fd, void *buf, uint32_t len, uint64_t offset,
				    uint32_t buf_index, uint64_t user_data,
				    uint64_t attr_mask = 0) noexcept
{
	return with_fixed_buf(prep_read(fd, buf, len, offset, user_data, attr_mask), buf_index);
}

inline aio_attr_sqe prep_write_fixed(int fd, const void *buf, uint32_t len, uint64_t offset,
				     uint32_t buf_index, uint64_t user_data,
				     uint64_t attr_mask = 0) noexcept
{
	return with_fixed_buf(prep_write(fd, buf, len, offset, user_data, attr_mask), buf_index);
}
#endif

inline aio_attr_sqe prep_fsync(int fd, uint64_t user_data, uint64_t attr_mask = 0) noexcept
{
	return prep_rw(AIO_ATTR_OP_FSYNC, fd, 0, 0, 0, user_data, attr_mask);
}

inline aio_attr_sqe prep_fdatasync(int fd, uint64_t user_data, uint64_t attr_mask = 0) noexcept
{
	return prep_rw(AIO_ATTR_OP_FDATASYNC, fd, 0, 0, 0, user_data, attr_mask);
}

} // namespace aio_attr
