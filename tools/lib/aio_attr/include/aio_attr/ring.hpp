// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * aio_attr - the completion ring consumer: C++ value types over
 * libaioattr's struct aa_ring (aa_ring_peek(), aa_ring_seen(), ...), which
 * is the one place the ring is walked and validated.
 *
 * A Ring works over any memory laid out like the mapping (a struct
 * aio_attr_ring_hdr and a power-of-two data area), so it is testable
 * without a kernel.  It is a single consumer: one thread reaps a ring at a
 * time.  Tail is loaded with acquire semantics, each entry copied out and
 * head stored with release semantics as soon as the entry is copied; an
 * entry whose length or record count is inconsistent stops reaping with a
 * RingError at that position, and head stays on it.
 */
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <type_traits>
#include <utility>

#include "aio_attr.h"
#include "attr.hpp"
#include "error.hpp"

namespace aio_attr {

/* enum aa_ring_error with C++ names. */
enum class RingError : uint8_t {
	none = AA_RING_OK,
	bad_tail = AA_RING_BAD_TAIL,
	bad_len = AA_RING_BAD_LEN,
	beyond_tail = AA_RING_BEYOND_TAIL,
	crosses_end = AA_RING_CROSSES_END,
	bad_skip = AA_RING_BAD_SKIP,
	nr_attrs_mismatch = AA_RING_NR_ATTRS_MISMATCH,
};

/* A short description of @err, e.g. "entry crosses the data area end". */
inline const char *to_string(RingError err) noexcept
{
	return aa_ring_strerror(static_cast<aa_ring_error>(err));
}

/* Result of validating the entry at one position. */
struct EntryCheck {
	RingError error = RingError::none;
	uint32_t len = 0; /* valid when error is none */
	bool skip = false;
};

/* aa_ring_check_entry() over @data (its size a power of two). */
inline EntryCheck check_entry(std::span<const std::byte> data, uint32_t pos, uint32_t tail) noexcept
{
	EntryCheck res;
	const aa_ring_error err = aa_ring_check_entry(
		data.data(), static_cast<uint32_t>(data.size()), pos, tail, &res.len, &res.skip);

	res.error = static_cast<RingError>(err);
	if (err != AA_RING_OK)
		res.len = 0;
	return res;
}

/*
 * Decode the non-skip entry that occupies exactly @entry (8-byte aligned)
 * into @out.  Returns bad_len or nr_attrs_mismatch for an inconsistent
 * entry, leaving @out unchanged.
 */
inline RingError decode_entry(std::span<const std::byte> entry, Completion &out) noexcept
{
	if (entry.size() > std::numeric_limits<uint32_t>::max())
		return RingError::bad_len;

	const auto *ev = reinterpret_cast<const aio_attr_event *>(entry.data());
	const aa_ring_error err = aa_event_check(ev, static_cast<uint32_t>(entry.size()));

	if (err == AA_RING_OK)
		out.assign(*ev);
	return static_cast<RingError>(err);
}

struct ReapResult {
	std::size_t count = 0;		   /* completions delivered */
	RingError error = RingError::none; /* why reaping stopped early, if it did */
	uint32_t pos = 0;		   /* head afterwards: the bad entry on error */
	bool stopped = false;		   /* the callback returned false */

	bool ok() const noexcept { return error == RingError::none; }
};

/* Throw std::system_error(EBADMSG) describing @res.error unless it is none. */
inline void check(const ReapResult &res)
{
	if (res.ok())
		return;

	const std::string msg = std::string("aio_attr ring: ") + to_string(res.error) +
				" at position " + std::to_string(res.pos);

	throw_errno(EBADMSG, msg.c_str());
}

namespace detail {
/* Call @fn(c); false when it returns bool false. */
template <class Fn>
bool deliver(Fn &fn, const Completion &c)
{
	if constexpr (std::is_same_v<std::invoke_result_t<Fn &, const Completion &>, bool>)
		return fn(c);
	fn(c);
	return true;
}
} // namespace detail

class Ring {
public:
	Ring() noexcept = default;
	/* A copy of a C ring (e.g. struct aa_ctx's). */
	explicit Ring(const aa_ring &r) noexcept
	    : r_(r)
	{
	}
	/*
	 * Low level: @hdr and a data area of @ring_bytes (a power of two, at
	 * least 64) at @data (8-byte aligned).  The geometry is taken from the
	 * arguments, not from @hdr; invalid arguments give an invalid Ring.
	 */
	Ring(aio_attr_ring_hdr *hdr, std::byte *data, uint32_t ring_bytes) noexcept
	{
		if (aa_ring_init(&r_, hdr, data, ring_bytes))
			r_ = aa_ring{};
	}

	/*
	 * Attach to a mapping of @map_bytes at @base laid out as the kernel
	 * describes it in the header.  Throws std::system_error(EPROTO) when
	 * the header's geometry does not fit the mapping, and
	 * EPROTONOSUPPORT for an unknown entry version.
	 */
	static Ring attach(void *base, std::size_t map_bytes)
	{
		Ring ring;
		const int err = aa_ring_attach(&ring.r_, base, map_bytes);

		if (err)
			throw_errno(-err,
				    "aio_attr ring: header geometry does not fit the mapping");
		return ring;
	}

	bool valid() const noexcept { return r_.hdr != nullptr; }
	uint32_t ring_bytes() const noexcept { return r_.ring_bytes; }
	aio_attr_ring_hdr *header() const noexcept { return r_.hdr; }
	std::span<const std::byte> data() const noexcept
	{
		return { reinterpret_cast<const std::byte *>(r_.data), r_.ring_bytes };
	}
	aa_ring *c_ring() noexcept { return &r_; }

	/* An invalid Ring reads as empty: 0, false and no events below. */
	uint32_t head() const noexcept { return valid() ? aa_ring_head(&r_) : 0; }
	uint32_t tail() const noexcept { return valid() ? aa_ring_tail(&r_) : 0; }
	/* Bytes of entries (skip entries included) waiting to be reaped. */
	uint32_t pending_bytes() const noexcept { return valid() ? aa_ring_pending_bytes(&r_) : 0; }
	bool empty() const noexcept { return pending_bytes() == 0; }
	/* Events waiting, skip entries not counted (aa_ring_ready()). */
	unsigned int ready() const noexcept { return valid() ? aa_ring_ready(&r_) : 0; }
	/*
	 * Completions wait on the kernel's overflow list: after reaping, call
	 * Context::wait(0, 0ns) to move them into the ring.
	 */
	bool overflow() const noexcept { return valid() && aa_ring_overflow(&r_); }
	uint64_t overflow_total() const noexcept
	{
		return valid() ? __atomic_load_n(&r_.hdr->overflow_total, __ATOMIC_RELAXED) : 0;
	}
	uint64_t posted_total() const noexcept
	{
		return valid() ? __atomic_load_n(&r_.hdr->posted_total, __ATOMIC_RELAXED) : 0;
	}

	/*
	 * Reap up to @max completions, calling @fn(const Completion &) for
	 * each, in ring order.  @fn may return bool: false stops after that
	 * completion.  Entries are released to the kernel before @fn runs, so
	 * @fn may throw without losing or repeating anything.  No allocation.
	 */
	template <class Fn>
	requires std::invocable<Fn &, const Completion &>
		ReapResult reap(Fn &&fn, std::size_t max = std::numeric_limits<std::size_t>::max())
	{
		ReapResult res;
		Completion c;

		if (!valid())
			return res;
		while (res.count < max) {
			const aio_attr_event *ev;
			const int ret = aa_ring_peek(&r_, &ev);

			if (ret == -EBADMSG) {
				res.error = static_cast<RingError>(r_.error);
				break;
			}
			if (ret)
				break;
			c.assign(*ev);
			aa_ring_seen(&r_, ev);
			res.count++;
			if (!detail::deliver(fn, std::as_const(c))) {
				res.stopped = true;
				break;
			}
		}
		res.pos = head();
		return res;
	}

	/* Copy up to out.size() completions into @out; the count is in the result. */
	ReapResult reap(std::span<Completion> out)
	{
		std::size_t i = 0;

		return reap([&](const Completion &c) { out[i++] = c; }, out.size());
	}

private:
	aa_ring r_{};
};

} // namespace aio_attr
