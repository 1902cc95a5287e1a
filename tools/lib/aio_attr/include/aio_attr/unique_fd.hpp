// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * aio_attr - RAII owners for file descriptors and memory mappings.
 */
#pragma once

#include <cstddef>
#include <utility>

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

#include "error.hpp"

namespace aio_attr {

/* Owns one file descriptor; closes it on destruction.  Move-only. */
class unique_fd {
public:
	unique_fd() noexcept = default;
	explicit unique_fd(int fd) noexcept
	    : fd_(fd)
	{
	}
	unique_fd(unique_fd &&other) noexcept
	    : fd_(other.release())
	{
	}
	unique_fd &operator=(unique_fd &&other) noexcept
	{
		reset(other.release());
		return *this;
	}
	unique_fd(const unique_fd &) = delete;
	unique_fd &operator=(const unique_fd &) = delete;
	~unique_fd() { reset(); }

	int get() const noexcept { return fd_; }
	explicit operator bool() const noexcept { return fd_ >= 0; }
	/* Give up ownership without closing. */
	int release() noexcept { return std::exchange(fd_, -1); }
	/* Close the current descriptor (if any) and own @fd. */
	void reset(int fd = -1) noexcept
	{
		const int old = std::exchange(fd_, fd);

		/* close(2) releases the descriptor even when it fails: never retry. */
		if (old >= 0 && old != fd)
			::close(old);
	}

private:
	int fd_ = -1;
};

/* open(2) with O_CLOEXEC added; throws std::system_error. */
inline unique_fd open_fd(const char *path, int flags, mode_t mode = 0)
{
	const int fd = ::open(path, flags | O_CLOEXEC, mode);

	if (fd < 0)
		throw_errno(path);
	return unique_fd(fd);
}

/* eventfd(2) with EFD_CLOEXEC added; throws std::system_error. */
inline unique_fd make_eventfd(unsigned int initval = 0, int flags = 0)
{
	const int fd = ::eventfd(initval, flags | EFD_CLOEXEC);

	if (fd < 0)
		throw_errno("eventfd");
	return unique_fd(fd);
}

/* Owns one mmap(2) region; munmaps it on destruction.  Move-only. */
class Mapping {
public:
	Mapping() noexcept = default;
	Mapping(void *addr, std::size_t len) noexcept
	    : addr_(addr)
	    , len_(len)
	{
	}
	Mapping(Mapping &&other) noexcept
	    : addr_(std::exchange(other.addr_, nullptr))
	    , len_(std::exchange(other.len_, 0))
	{
	}
	Mapping &operator=(Mapping &&other) noexcept
	{
		if (this != &other) {
			reset();
			addr_ = std::exchange(other.addr_, nullptr);
			len_ = std::exchange(other.len_, 0);
		}
		return *this;
	}
	Mapping(const Mapping &) = delete;
	Mapping &operator=(const Mapping &) = delete;
	~Mapping() { reset(); }

	/* mmap(2) that throws std::system_error. */
	static Mapping map(int fd, std::size_t len, int prot, int flags, off_t offset = 0)
	{
		void *p = ::mmap(nullptr, len, prot, flags, fd, offset);

		if (p == MAP_FAILED)
			throw_errno("mmap");
		return Mapping(p, len);
	}

	void *get() const noexcept { return addr_; }
	std::size_t size() const noexcept { return len_; }
	explicit operator bool() const noexcept { return addr_ != nullptr; }
	void reset() noexcept
	{
		if (addr_)
			::munmap(addr_, len_);
		addr_ = nullptr;
		len_ = 0;
	}

private:
	void *addr_ = nullptr;
	std::size_t len_ = 0;
};

} // namespace aio_attr
