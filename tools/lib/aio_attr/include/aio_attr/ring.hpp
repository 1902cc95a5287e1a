// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * aio_attr - the completion ring consumer.
 *
 * A Ring works over any memory laid out like the mapping (a struct
 * aio_attr_ring_hdr and a power-of-two data area), so it is testable
 * without a kernel.  It is a single consumer: one thread reaps a ring at a
 * time.  It loads tail with acquire semantics, copies each entry out,
 * stores head with release semantics as soon as the entry is copied, and
 * never reads outside [head, tail) or outside the data area: an entry
 * whose length or record count is inconsistent stops reaping with a
 * RingError at that position, and head stays on it.
 *
 * Positions are free-running 32-bit byte counters masked only when used,
 * so all arithmetic below is modulo 2^32.
 */
#pragma once

#include <atomic>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <type_traits>
#include <utility>

#include <linux/aio_attr.h>

#include "attr.hpp"

namespace aio_attr {

enum class RingError : uint8_t {
	none = 0,
	bad_tail,	   /* tail - head exceeds the data area or is not a multiple of 8 */
	bad_len,	   /* len < 8, not a multiple of 8, or shorter than an event */
	beyond_tail,	   /* the entry extends past tail */
	crosses_end,	   /* the entry extends past the end of the data area */
	bad_skip,	   /* a skip entry that does not end at the data area end */
	nr_attrs_mismatch, /* len != AIO_ATTR_EVENT_BYTES(nr_attrs) */
};

/* A short description of @err, e.g. "entry crosses the data area end". */
const char *to_string(RingError err) noexcept;

/* Result of validating the entry at one position. */
struct EntryCheck {
	RingError error = RingError::none;
	uint32_t len = 0; /* valid when error is none */
	bool skip = false;
};

/*
 * Validate the entry at position @pos of a data area @data (its size a
 * power of two) holding entries up to position @tail.  Reads at most the
 * fixed part of the entry, and only inside @data.
 */
EntryCheck check_entry(std::span<const std::byte> data, uint32_t pos, uint32_t tail) noexcept;

/*
 * Decode the non-skip entry that occupies exactly @entry (at least 8-byte
 * aligned data is not required) into @out.  Returns bad_len or
 * nr_attrs_mismatch for an inconsistent entry, leaving @out unspecified.
 */
RingError decode_entry(std::span<const std::byte> entry, Completion &out) noexcept;

struct ReapResult {
	std::size_t count = 0;		   /* completions delivered */
	RingError error = RingError::none; /* why reaping stopped early, if it did */
	uint32_t pos = 0;		   /* head afterwards: the bad entry on error */
	bool stopped = false;		   /* the callback returned false */

	bool ok() const noexcept { return error == RingError::none; }
};

/* Throw std::system_error(EBADMSG) describing @res.error unless it is none. */
void check(const ReapResult &res);

class Ring {
public:
	Ring() noexcept = default;
	/*
	 * Low level: @hdr and a data area of @ring_bytes (a power of two) at
	 * @data.  The geometry is taken from the arguments, not from @hdr.
	 */
	Ring(aio_attr_ring_hdr *hdr, std::byte *data, uint32_t ring_bytes) noexcept
	    : hdr_(hdr)
	    , data_(data)
	    , ring_bytes_(ring_bytes)
	    , mask_(ring_bytes - 1)
	{
	}

	/*
	 * Attach to a mapping of @map_bytes at @base laid out as the kernel
	 * describes it in the header.  Throws std::system_error(EPROTO) when
	 * the header's geometry does not fit the mapping, and
	 * EPROTONOSUPPORT for an unknown entry version.
	 */
	static Ring attach(void *base, std::size_t map_bytes);

	bool valid() const noexcept { return hdr_ != nullptr; }
	uint32_t ring_bytes() const noexcept { return ring_bytes_; }
	aio_attr_ring_hdr *header() const noexcept { return hdr_; }
	std::span<const std::byte> data() const noexcept { return { data_, ring_bytes_ }; }

	uint32_t head() const noexcept
	{
		return std::atomic_ref(hdr_->head).load(std::memory_order_relaxed);
	}
	uint32_t tail() const noexcept
	{
		return std::atomic_ref(hdr_->tail).load(std::memory_order_acquire);
	}
	/* Bytes of entries (skip entries included) waiting to be reaped. */
	uint32_t pending_bytes() const noexcept { return tail() - head(); }
	bool empty() const noexcept { return pending_bytes() == 0; }
	/*
	 * Completions wait on the kernel's overflow list: after reaping, call
	 * Context::wait(0, 0ns) to move them into the ring.
	 */
	bool overflow() const noexcept
	{
		return std::atomic_ref(hdr_->flags).load(std::memory_order_acquire) &
		       AIO_ATTR_RING_F_OVERFLOW;
	}
	uint64_t overflow_total() const noexcept
	{
		return std::atomic_ref(hdr_->overflow_total).load(std::memory_order_relaxed);
	}
	uint64_t posted_total() const noexcept
	{
		return std::atomic_ref(hdr_->posted_total).load(std::memory_order_relaxed);
	}

	/*
	 * Reap up to @max completions, calling @fn(const Completion &) for
	 * each, in ring order.  @fn may return bool: false stops after that
	 * completion.  Entries are released to the kernel before @fn runs, so
	 * @fn may throw without losing or repeating anything.  No allocation.
	 */
	template <class Fn>
	requires std::invocable<Fn &, const Completion &>
		ReapResult reap(Fn &&fn, std::size_t max = std::numeric_limits<std::size_t>::max());

	/* Copy up to out.size() completions into @out; the count is in the result. */
	ReapResult reap(std::span<Completion> out);

private:
	void store_head(uint32_t head) noexcept
	{
		std::atomic_ref(hdr_->head).store(head, std::memory_order_release);
	}

	aio_attr_ring_hdr *hdr_ = nullptr;
	std::byte *data_ = nullptr;
	uint32_t ring_bytes_ = 0;
	uint32_t mask_ = 0;
};

template <class Fn>
requires std::invocable<Fn &, const Completion &> ReapResult Ring::reap(Fn &&fn, std::size_t max)
{
	ReapResult res;

	if (!hdr_)
		return res;

	uint32_t head = this->head();
	const uint32_t tail = this->tail();
	const uint32_t used = tail - head;

	res.pos = head;
	if (used > ring_bytes_ || (used & 7)) {
		res.error = RingError::bad_tail;
		return res;
	}

	Completion c;
	while (head != tail && res.count < max) {
		const EntryCheck chk = check_entry(data(), head, tail);

		if (chk.error != RingError::none) {
			res.error = chk.error;
			break;
		}
		if (!chk.skip) {
			const RingError err =
				decode_entry(data().subspan(head & mask_, chk.len), c);

			if (err != RingError::none) {
				res.error = err;
				break;
			}
		}
		head += chk.len;
		store_head(head);
		if (chk.skip)
			continue;
		res.count++;
		if constexpr (std::is_same_v<std::invoke_result_t<Fn &, const Completion &>,
					     bool>) {
			if (!fn(std::as_const(c))) {
				res.stopped = true;
				break;
			}
		} else {
			fn(std::as_const(c));
		}
	}
	res.pos = head;
	return res;
}

} // namespace aio_attr
