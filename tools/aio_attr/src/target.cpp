// SPDX-License-Identifier: GPL-2.0
/*
 * aioattr - target and context helpers.
 */
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attrstat.h"
#include "cli.hpp"
#include "target.hpp"

namespace aioattr {

namespace {

std::string errstr(int err)
{
	return std::strerror(err);
}

} // namespace

bool interactive()
{
	return isatty(STDOUT_FILENO) && isatty(STDERR_FILENO);
}

Target open_target(const std::string &path, bool write, bool buffered)
{
	Target t;
	struct stat st;
	int flags = (write ? O_RDWR : O_RDONLY) | O_CLOEXEC;
	int fd;

	t.path = path;
	if (::stat(path.c_str(), &st) < 0)
		throw CommandError(exit_failed, "cannot use " + path + ": " + errstr(errno));
	if (!S_ISBLK(st.st_mode) && !S_ISREG(st.st_mode))
		throw CommandError(exit_failed,
				   path + " is neither a block device nor a regular file");
	t.is_bdev = S_ISBLK(st.st_mode);
	fd = ::open(path.c_str(), flags | (buffered ? 0 : O_DIRECT));
	if (fd < 0 && !buffered && errno == EINVAL && !t.is_bdev) {
		std::fprintf(stderr,
			     "aioattr: %s: the file system refuses O_DIRECT; using buffered I/O\n",
			     path.c_str());
		buffered = true;
		fd = ::open(path.c_str(), flags);
	}
	if (fd < 0)
		throw CommandError(exit_failed, "cannot open " + path +
							(write ? " for writing" : "") + ": " +
							errstr(errno));
	t.fd.reset(fd);
	t.direct = !buffered;
	t.lbs = 4096;
	t.size = static_cast<uint64_t>(st.st_size);
	if (t.is_bdev) {
		int lbs = 0;
		uint64_t bytes = 0;

		if (::ioctl(fd, BLKSSZGET, &lbs) == 0 && lbs > 0)
			t.lbs = static_cast<uint32_t>(lbs);
		if (::ioctl(fd, BLKGETSIZE64, &bytes) == 0)
			t.size = bytes;
	}
	return t;
}

aio_attr::Context open_context(uint32_t ring_bytes)
{
	const char *dev = device_path();
	aio_attr::unique_fd fd(::open(dev, O_RDWR | O_CLOEXEC));

	if (!fd) {
		int err = errno;
		std::string hint;

		if (err == ENOENT || err == ENODEV || err == ENXIO)
			hint = " (is the aio_attr module loaded? try: modprobe aio_attr)";
		throw CommandError(exit_unavailable,
				   std::string("cannot open ") + dev + ": " + errstr(err) + hint);
	}
	aio_attr::Context ctx(std::move(fd));
	try {
		ctx.setup(ring_bytes);
	} catch (const std::system_error &e) {
		throw CommandError(exit_unavailable,
				   std::string(dev) + ": setting up a context failed: " + e.what());
	}
	return ctx;
}

void FreeDeleter::operator()(void *p) const noexcept
{
	std::free(p);
}

AlignedBuf aligned_buffer(std::size_t len)
{
	std::size_t n = (len + 4095) & ~static_cast<std::size_t>(4095);
	void *p = std::aligned_alloc(4096, n ? n : 4096);

	if (!p)
		throw std::bad_alloc();
	std::memset(p, 0, n ? n : 4096);
	return AlignedBuf(static_cast<std::byte *>(p));
}

void wait_for(aio_attr::Context &ctx, std::size_t n, std::vector<aio_attr::Completion> &out)
{
	using namespace std::chrono;
	const auto start = steady_clock::now();
	bool shown = false;

	out.clear();
	while (out.size() < n) {
		ctx.reap([&](const aio_attr::Completion &c) { out.push_back(c); }, n - out.size());
		if (out.size() >= n)
			break;
		aio_attr::WaitResult w =
			ctx.wait(static_cast<uint32_t>(n - out.size()), seconds(1));

		if (w.timed_out() && interactive()) {
			auto s = duration_cast<seconds>(steady_clock::now() - start).count();

			std::fprintf(stderr, "\raioattr: waiting for %zu completion(s)... %llds",
				     n - out.size(), static_cast<long long>(s));
			shown = true;
		}
	}
	if (shown)
		std::fprintf(stderr, "\r\033[K");
}

std::string status_word(unsigned int status)
{
	switch (status) {
	case AIO_ATTR_ST_HANDLED:
		return "HANDLED";
	case AIO_ATTR_ST_UNSUPPORTED:
		return "UNSUPPORTED";
	default:
		return "status " + std::to_string(status);
	}
}

std::string value_words(unsigned int id, uint64_t value)
{
	char b[32];

	if (aa_attr_is_ns(id)) {
		aa_format_ns(static_cast<double>(value), b, sizeof(b));
		return std::string(b) + " (" + std::to_string(value) + " ns)";
	}
	if (id == AIO_ATTR_CACHE)
		return aio_attr::format_cache(value);
	if (id == AIO_ATTR_COMPLETION_CTX)
		return aio_attr::format_ctx(value);
	return std::to_string(value);
}

} // namespace aioattr
