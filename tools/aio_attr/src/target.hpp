// SPDX-License-Identifier: GPL-2.0
/*
 * aioattr - what probe and io share: opening the target and the context,
 * aligned buffers, waiting for one batch of completions.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <aio_attr/aio_attr.hpp>

namespace aioattr {

struct Target {
	aio_attr::unique_fd fd;
	std::string path;
	bool is_bdev = false;
	bool direct = false;
	uint64_t size = 0; /* bytes */
	uint32_t lbs = 0;  /* logical block size (4096 for files) */
};

/*
 * Open @path for reading (or writing), with O_DIRECT unless @buffered; a
 * regular file whose file system refuses O_DIRECT falls back to buffered.
 * Throws CommandError(exit_failed) saying why it cannot.
 */
Target open_target(const std::string &path, bool write, bool buffered);

/* A set-up context on device_path(); CommandError(exit_unavailable) when there is none. */
aio_attr::Context open_context(uint32_t ring_bytes = 16384);

struct FreeDeleter {
	void operator()(void *p) const noexcept;
};
using AlignedBuf = std::unique_ptr<std::byte[], FreeDeleter>;

/* @len bytes (rounded up to 4096) aligned to 4096, zeroed. */
AlignedBuf aligned_buffer(std::size_t len);

/*
 * Wait until @n completions are reaped into @out (cleared first), showing
 * a "waiting" line on stderr after a second when stdout is a terminal.
 */
void wait_for(aio_attr::Context &ctx, std::size_t n, std::vector<aio_attr::Completion> &out);

/* "HANDLED", "UNSUPPORTED", "status N". */
std::string status_word(unsigned int status);

/* A value for people: "13.2us (13245 ns)", "hit", "softirq|hop". */
std::string value_words(unsigned int id, uint64_t value);

/* True when stdout is a terminal (progress output is wanted). */
bool interactive();

} // namespace aioattr
