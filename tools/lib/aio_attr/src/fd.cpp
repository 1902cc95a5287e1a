// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * aio_attr - errors, file descriptor and mapping owners.
 */
#include <aio_attr/error.hpp>
#include <aio_attr/unique_fd.hpp>

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

namespace aio_attr {

void throw_errno(int err, const char *what)
{
	throw std::system_error(err, std::generic_category(), what);
}

void unique_fd::reset(int fd) noexcept
{
	const int old = std::exchange(fd_, fd);

	/* close(2) releases the descriptor even when it fails: never retry. */
	if (old >= 0 && old != fd)
		::close(old);
}

unique_fd open_fd(const char *path, int flags, mode_t mode)
{
	const int fd = ::open(path, flags | O_CLOEXEC, mode);

	if (fd < 0)
		throw_errno(path);
	return unique_fd(fd);
}

unique_fd make_eventfd(unsigned int initval, int flags)
{
	const int fd = ::eventfd(initval, flags | EFD_CLOEXEC);

	if (fd < 0)
		throw_errno("eventfd");
	return unique_fd(fd);
}

Mapping &Mapping::operator=(Mapping &&other) noexcept
{
	if (this != &other) {
		reset();
		addr_ = std::exchange(other.addr_, nullptr);
		len_ = std::exchange(other.len_, 0);
	}
	return *this;
}

Mapping Mapping::map(int fd, std::size_t len, int prot, int flags, off_t offset)
{
	void *p = ::mmap(nullptr, len, prot, flags, fd, offset);

	if (p == MAP_FAILED)
		throw_errno("mmap");
	return Mapping(p, len);
}

void Mapping::reset() noexcept
{
	if (addr_)
		::munmap(addr_, len_);
	addr_ = nullptr;
	len_ = 0;
}

} // namespace aio_attr
