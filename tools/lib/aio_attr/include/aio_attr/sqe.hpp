// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * aio_attr - request builders returning a struct aio_attr_sqe by value,
 * over libaioattr's aa_prep_*() and aa_sqe_set_*().  flags, ioprio and the
 * reserved fields stay zero (set ioprio on the result if needed), except
 * in the _fixed forms and with_fixed_buf(), which set
 * AIO_ATTR_SQE_FIXED_BUF and buf_index.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>

#include <sys/uio.h>

#include "aio_attr.h"
#include "error.hpp"

namespace aio_attr {

namespace detail {
inline aio_attr_sqe tagged(aio_attr_sqe sqe, uint64_t user_data, uint64_t attr_mask) noexcept
{
	aa_sqe_set_data(&sqe, user_data);
	aa_sqe_set_attrs(&sqe, attr_mask);
	return sqe;
}

inline uint32_t checked_len(std::size_t n)
{
	if (n > std::numeric_limits<uint32_t>::max())
		throw_errno(E2BIG, "aio_attr: request length does not fit in 32 bits");
	return static_cast<uint32_t>(n);
}
} // namespace detail

/* Any opcode with its addr/len fields given raw. */
inline aio_attr_sqe prep_rw(unsigned int opcode, int fd, uint64_t addr, uint32_t len,
			    uint64_t offset, uint64_t user_data, uint64_t attr_mask = 0) noexcept
{
	aio_attr_sqe sqe;

	aa_prep_rw(&sqe, opcode, fd, addr, len, offset);
	return detail::tagged(sqe, user_data, attr_mask);
}

inline aio_attr_sqe prep_read(int fd, void *buf, uint32_t len, uint64_t offset, uint64_t user_data,
			      uint64_t attr_mask = 0) noexcept
{
	aio_attr_sqe sqe;

	aa_prep_read(&sqe, fd, buf, len, offset);
	return detail::tagged(sqe, user_data, attr_mask);
}

inline aio_attr_sqe prep_write(int fd, const void *buf, uint32_t len, uint64_t offset,
			       uint64_t user_data, uint64_t attr_mask = 0) noexcept
{
	aio_attr_sqe sqe;

	aa_prep_write(&sqe, fd, buf, len, offset);
	return detail::tagged(sqe, user_data, attr_mask);
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
	aio_attr_sqe sqe;

	aa_prep_readv(&sqe, fd, iov.data(), detail::checked_len(iov.size()), offset);
	return detail::tagged(sqe, user_data, attr_mask);
}

inline aio_attr_sqe prep_writev(int fd, std::span<const iovec> iov, uint64_t offset,
				uint64_t user_data, uint64_t attr_mask = 0)
{
	aio_attr_sqe sqe;

	aa_prep_writev(&sqe, fd, iov.data(), detail::checked_len(iov.size()), offset);
	return detail::tagged(sqe, user_data, attr_mask);
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
	aio_attr_sqe sqe;

	aa_prep_read_fixed(&sqe, fd, buf, len, offset, buf_index);
	return detail::tagged(sqe, user_data, attr_mask);
}

inline aio_attr_sqe prep_write_fixed(int fd, const void *buf, uint32_t len, uint64_t offset,
				     uint32_t buf_index, uint64_t user_data,
				     uint64_t attr_mask = 0) noexcept
{
	aio_attr_sqe sqe;

	aa_prep_write_fixed(&sqe, fd, buf, len, offset, buf_index);
	return detail::tagged(sqe, user_data, attr_mask);
}
#endif

inline aio_attr_sqe prep_fsync(int fd, uint64_t user_data, uint64_t attr_mask = 0) noexcept
{
	aio_attr_sqe sqe;

	aa_prep_fsync(&sqe, fd);
	return detail::tagged(sqe, user_data, attr_mask);
}

inline aio_attr_sqe prep_fdatasync(int fd, uint64_t user_data, uint64_t attr_mask = 0) noexcept
{
	aio_attr_sqe sqe;

	aa_prep_fdatasync(&sqe, fd);
	return detail::tagged(sqe, user_data, attr_mask);
}

} // namespace aio_attr
