// SPDX-License-Identifier: GPL-2.0
/*
 * aioattr io - one read or write and its attributes.
 */
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include "attrstat.h"
#include "cli.hpp"
#include "target.hpp"

namespace aioattr {

namespace {

void read_input(const std::string &path, std::byte *buf, uint32_t len)
{
	aio_attr::unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
	uint32_t got = 0;

	if (!fd)
		throw CommandError(exit_failed,
				   "--input: cannot open " + path + ": " + std::strerror(errno));
	while (got < len) {
		ssize_t r = ::read(fd.get(), buf + got, len - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			throw CommandError(exit_failed, "--input: reading " + path + ": " +
								std::strerror(errno));
		if (r == 0)
			throw CommandError(exit_failed,
					   "--input: " + path + " has only " + std::to_string(got) +
						   " bytes, LEN is " + std::to_string(len));
		got += static_cast<uint32_t>(r);
	}
}

void write_output(const std::string &path, const std::byte *buf, std::size_t len)
{
	aio_attr::unique_fd fd(
		::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
	std::size_t done = 0;

	if (!fd)
		throw CommandError(exit_failed,
				   "--output: cannot create " + path + ": " + std::strerror(errno));
	while (done < len) {
		ssize_t r = ::write(fd.get(), buf + done, len - done);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			throw CommandError(exit_failed, "--output: writing " + path + ": " +
								std::strerror(r < 0 ? errno : EIO));
		done += static_cast<std::size_t>(r);
	}
}

} // namespace

int run_io(const IoArgs &a)
{
	Target t = open_target(a.path, a.write, a.buffered);
	const char *dir = a.write ? "write" : "read";

	if (t.direct && (a.offset % t.lbs || a.len % t.lbs))
		throw CommandError(exit_failed,
				   "with O_DIRECT, OFFSET and LEN must be multiples of "
				   "the logical block size " +
					   std::to_string(t.lbs) + " of " + t.path +
					   " (or use --buffered)");
	aio_attr::Context ctx = open_context();
	const aio_attr_probe kp = ctx.probe();
	uint64_t mask = kp.attrs & aa_attr_all();
	char err[256];

	/* "all" (and no --attrs) is what both the kernel and this program know. */
	if (a.attr_mask &&
	    aa_attr_parse_list(a.attr_list.c_str(), kp.attrs, &mask, err, sizeof(err)))
		throw CommandError(exit_failed, "--attrs " + a.attr_list + ": " + err);
	AlignedBuf buf = aligned_buffer(a.len);
	if (a.write) {
		if (!a.input.empty())
			read_input(a.input, buf.get(), a.len);
		else
			std::memset(buf.get(), a.pattern, a.len);
	}
	const aio_attr_sqe sqe =
		a.write ? aio_attr::prep_write(t.fd.get(), buf.get(), a.len, a.offset)
				  .data(1)
				  .attrs(mask)
			: aio_attr::prep_read(t.fd.get(), buf.get(), a.len, a.offset)
				  .data(1)
				  .attrs(mask);
	aio_attr::SubmitResult sr = ctx.submit(sqe);
	if (!sr.ok())
		throw CommandError(exit_failed, std::string("the kernel refused the ") + dir +
							": " + std::strerror(sr.error));
	std::vector<aio_attr::Completion> done;
	wait_for(ctx, 1, done);
	const aio_attr::Completion &c = done.front();

	/* the ring is this process's memory: what it says is checked, not trusted */
	if (c.user_data != 1 || c.result > static_cast<int64_t>(a.len))
		throw CommandError(exit_failed,
				   "a completion the kernel cannot have posted (user_data " +
					   std::to_string(c.user_data) + ", result " +
					   std::to_string(c.result) + " of " +
					   std::to_string(a.len) + " bytes): a damaged ring");

	if (c.result < 0)
		std::printf("%s %s offset %llu len %u: error %lld (%s)\n", dir, t.path.c_str(),
			    static_cast<unsigned long long>(a.offset), a.len,
			    static_cast<long long>(c.result),
			    std::strerror(static_cast<int>(-c.result)));
	else
		std::printf("%s %s offset %llu len %u: %lld bytes%s\n", dir, t.path.c_str(),
			    static_cast<unsigned long long>(a.offset), a.len,
			    static_cast<long long>(c.result),
			    static_cast<uint64_t>(c.result) < a.len ? " (short)" : "");
	for (const aio_attr::Attr &at : c.attrs()) {
		const char *name = aa_attr_name(at.id);

		std::printf("  %-15s %-12s %s\n", name ? name : "?", status_word(at.status).c_str(),
			    at.handled() ? value_words(at.id, at.value).c_str() : "");
	}
	if (c.truncated)
		std::printf("  (more attributes than this program knows)\n");
	if (!a.write && !a.output.empty() && c.result > 0)
		write_output(a.output, buf.get(), static_cast<std::size_t>(c.result));
	return c.result < 0 ? exit_failed : exit_ok;
}

} // namespace aioattr
