// SPDX-License-Identifier: GPL-2.0
/*
 * aioattr probe - which attributes the path to a device or file fills.
 */
#include <cstdio>
#include <cstring>
#include <vector>

#include "attrstat.h"
#include "cli.hpp"
#include "target.hpp"

namespace aioattr {

int run_probe(const ProbeArgs &a)
{
	Target t = open_target(a.path, false, a.buffered);
	uint32_t bs = a.bs ? a.bs : t.lbs;
	aio_attr::Context ctx = open_context();
	const aio_attr_probe kp = ctx.probe();
	const uint64_t mask = kp.attrs & AIO_ATTR_ALL;
	AlignedBuf buf = aligned_buffer(static_cast<std::size_t>(bs) * a.count);
	std::vector<aio_attr_sqe> sqes;
	std::vector<aio_attr::Completion> done;

	if (t.direct && bs % t.lbs)
		throw CommandError(exit_failed,
				   "--bs " + std::to_string(bs) +
					   " is not a multiple of the logical block size " +
					   std::to_string(t.lbs) + " of " + t.path);
	/* Spread the reads over the target, aligned to bs. */
	const uint64_t span = t.size > bs ? t.size - bs : 0;
	for (unsigned int i = 0; i < a.count; i++) {
		uint64_t off = a.count > 1 ? span / (a.count - 1) * i : 0;

		off -= off % bs;
		sqes.push_back(aio_attr::prep_read(t.fd.get(),
						   buf.get() + static_cast<std::size_t>(bs) * i, bs,
						   off)
				       .data(i)
				       .attrs(mask));
	}
	std::size_t submitted = 0;
	while (submitted < sqes.size()) {
		aio_attr::SubmitResult r = ctx.submit(std::span(sqes).subspan(submitted));

		submitted += r.accepted;
		if (!r.ok())
			throw CommandError(exit_failed,
					   "submitting read " + std::to_string(submitted) + " of " +
						   t.path + ": " + std::strerror(r.error));
	}
	wait_for(ctx, sqes.size(), done);
	/* the ring is this process's memory: what it says is checked, not trusted */
	for (const auto &c : done)
		if (c.user_data >= sqes.size())
			throw CommandError(exit_failed,
					   "a completion for user_data " +
						   std::to_string(c.user_data) +
						   ", which was never submitted: a damaged ring");

	unsigned int failed = 0;
	for (const auto &c : done)
		if (c.result < 0) {
			std::fprintf(stderr, "aioattr: read at offset %llu of %s failed: %s\n",
				     static_cast<unsigned long long>(sqes[c.user_data].offset),
				     t.path.c_str(), std::strerror(static_cast<int>(-c.result)));
			failed++;
		}
	std::printf("%s: %u read%s of %u bytes (%s%s), %u failed\n", t.path.c_str(), a.count,
		    a.count == 1 ? "" : "s", bs, t.is_bdev ? "block device, " : "file, ",
		    t.direct ? "O_DIRECT" : "buffered", failed);
	std::printf("  %-15s %-12s %-9s %s\n", "attribute", "status", "handled", "last value");
	for (unsigned int id = 0; id < AIO_ATTR_NR; id++) {
		unsigned int handled = 0, unsupported = 0, other = 0;
		const aio_attr::Attr *last = nullptr;

		if (!(mask & AIO_ATTR_BIT(id))) {
			std::printf("  %-15s %-12s\n", aa_attr_name(id),
				    "UNKNOWN (kernel does not know it)");
			continue;
		}
		for (const auto &c : done) {
			const aio_attr::Attr *at = c.find(id);

			if (!at)
				other++;
			else if (at->handled())
				handled++, last = at;
			else if (at->unsupported())
				unsupported++;
			else
				other++;
		}
		std::string st = handled == done.size()	      ? "HANDLED"
				 : unsupported == done.size() ? "UNSUPPORTED"
							      : "MIXED";
		std::printf("  %-15s %-12s %3u of %-3zu %s\n", aa_attr_name(id), st.c_str(),
			    handled, done.size(),
			    last ? value_words(id, last->value).c_str() : "-");
	}
	return failed ? exit_failed : exit_ok;
}

} // namespace aioattr
