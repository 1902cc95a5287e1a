// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * aio_attr - request builders over libaioattr's aa_prep_*() and
 * aa_sqe_set_*().  Like the C functions, each takes the arguments of the
 * I/O itself in pread(2)'s order (fd, buffer, length, offset; the
 * registered buffer index last) and nothing else; what is not about the
 * I/O is named where it is set, so no two integers can swap unnoticed:
 *
 *	ctx.submit(aio_attr::prep_read(fd, buf, 4096, 0).data(7).attrs(mask));
 *
 * The result is an Sqe: a struct aio_attr_sqe (it is one, so it goes
 * wherever one is expected) whose flags, ioprio and reserved fields are
 * zero except as set here.
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

struct Sqe : aio_attr_sqe {
	Sqe() noexcept
	    : aio_attr_sqe{}
	{
	}

	/* user_data, returned unchanged in the completion (aa_sqe_set_data()). */
	Sqe data(uint64_t user_data) const noexcept
	{
		Sqe s = *this;

		aa_sqe_set_data(&s, user_data);
		return s;
	}
	/* AIO_ATTR_BIT() of each attribute to return (aa_sqe_set_attrs()). */
	Sqe attrs(uint64_t attr_mask) const noexcept
	{
		Sqe s = *this;

		aa_sqe_set_attrs(&s, attr_mask);
		return s;
	}
	/* I/O priority as for ioprio_set(2) (aa_sqe_set_ioprio()). */
	Sqe prio(uint16_t ioprio) const noexcept
	{
		Sqe s = *this;

		aa_sqe_set_ioprio(&s, ioprio);
		return s;
	}
};

namespace detail {
inline uint32_t checked_len(std::size_t n)
{
	if (n > std::numeric_limits<uint32_t>::max())
		throw_errno(E2BIG, "aio_attr: request length does not fit in 32 bits");
	return static_cast<uint32_t>(n);
}
} // namespace detail

/* Any opcode with its addr/len fields given raw. */
inline Sqe prep_rw(unsigned int opcode, int fd, uint64_t addr, uint32_t len,
		   uint64_t offset) noexcept
{
	Sqe sqe;

	aa_prep_rw(&sqe, opcode, fd, addr, len, offset);
	return sqe;
}

inline Sqe prep_read(int fd, void *buf, uint32_t len, uint64_t offset) noexcept
{
	Sqe sqe;

	aa_prep_read(&sqe, fd, buf, len, offset);
	return sqe;
}

inline Sqe prep_write(int fd, const void *buf, uint32_t len, uint64_t offset) noexcept
{
	Sqe sqe;

	aa_prep_write(&sqe, fd, buf, len, offset);
	return sqe;
}

/* Span forms; throw std::system_error(E2BIG) for a buffer of 4 GiB or more. */
inline Sqe prep_read(int fd, std::span<std::byte> buf, uint64_t offset)
{
	return prep_read(fd, buf.data(), detail::checked_len(buf.size()), offset);
}

inline Sqe prep_write(int fd, std::span<const std::byte> buf, uint64_t offset)
{
	return prep_write(fd, buf.data(), detail::checked_len(buf.size()), offset);
}

/* Vectored: addr is the iovec array, len the number of iovecs. */
inline Sqe prep_readv(int fd, std::span<const iovec> iov, uint64_t offset)
{
	Sqe sqe;

	aa_prep_readv(&sqe, fd, iov.data(), detail::checked_len(iov.size()), offset);
	return sqe;
}

inline Sqe prep_writev(int fd, std::span<const iovec> iov, uint64_t offset)
{
	Sqe sqe;

	aa_prep_writev(&sqe, fd, iov.data(), detail::checked_len(iov.size()), offset);
	return sqe;
}

#if AIO_ATTR_VERSION >= 2
/* Registered buffers (version 2): mark @sqe as using buffer @buf_index. */
inline Sqe with_fixed_buf(Sqe sqe, uint32_t buf_index) noexcept
{
	sqe.flags |= AIO_ATTR_SQE_FIXED_BUF;
	sqe.buf_index = buf_index;
	return sqe;
}

/*
 * [buf, buf + len) lies inside the buffer registered at @buf_index
 * (Context::register_buffers()).
 */
inline Sqe prep_read_fixed(int fd, void *buf, uint32_t len, uint64_t offset,
			   uint32_t buf_index) noexcept
{
	Sqe sqe;

	aa_prep_read_fixed(&sqe, fd, buf, len, offset, buf_index);
	return sqe;
}

inline Sqe prep_write_fixed(int fd, const void *buf, uint32_t len, uint64_t offset,
			    uint32_t buf_index) noexcept
{
	Sqe sqe;

	aa_prep_write_fixed(&sqe, fd, buf, len, offset, buf_index);
	return sqe;
}
#endif

inline Sqe prep_fsync(int fd) noexcept
{
	Sqe sqe;

	aa_prep_fsync(&sqe, fd);
	return sqe;
}

inline Sqe prep_fdatasync(int fd) noexcept
{
	Sqe sqe;

	aa_prep_fdatasync(&sqe, fd);
	return sqe;
}

} // namespace aio_attr
