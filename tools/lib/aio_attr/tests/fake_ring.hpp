// SPDX-License-Identifier: GPL-2.0
/*
 * A kernel stand-in for host tests: memory laid out like the aio_attr
 * mapping, and a producer that posts entries the way the ABI describes
 * (8-byte aligned, never wrapping, skip entry to the end of the data area).
 */
#pragma once

#include <aio_attr/ring.hpp>

#include <atomic>
#include <cstring>
#include <initializer_list>
#include <vector>

namespace aio_attr::test {

class FakeRing {
public:
	static constexpr uint32_t data_offset = 128;

	explicit FakeRing(uint32_t ring_bytes = 2048, uint32_t start = 0)
	    : mem_((data_offset + ring_bytes) / 8)
	{
		static_assert(sizeof(aio_attr_ring_hdr) <= data_offset);
		hdr()->head = start;
		hdr()->tail = start;
		hdr()->mask = ring_bytes - 1;
		hdr()->ring_bytes = ring_bytes;
		hdr()->entry_version = AIO_ATTR_ENTRY_VERSION;
		hdr()->data_offset = data_offset;
	}

	aio_attr_ring_hdr *hdr() { return reinterpret_cast<aio_attr_ring_hdr *>(mem_.data()); }
	std::byte *data() { return reinterpret_cast<std::byte *>(mem_.data()) + data_offset; }
	void *base() { return mem_.data(); }
	std::size_t bytes() const { return mem_.size() * 8; }
	uint32_t size() { return hdr()->ring_bytes; }
	Ring ring() { return Ring::attach(base(), bytes()); }

	/* Post one event as the kernel would; false when it does not fit. */
	bool post(uint64_t user_data, int64_t result, std::initializer_list<Attr> attrs = {},
		  uint16_t flags = 0)
	{
		return post(user_data, result, std::span<const Attr>(attrs.begin(), attrs.size()),
			    flags);
	}

	bool post(uint64_t user_data, int64_t result, std::span<const Attr> attrs,
		  uint16_t flags = 0)
	{
		const uint32_t len = AIO_ATTR_EVENT_BYTES(attrs.size());
		uint32_t tail = hdr()->tail;
		uint32_t off = tail & hdr()->mask;
		const uint32_t used = tail - hdr()->head;
		const uint32_t pad = off + len > size() ? size() - off : 0;

		if (used + pad + len > size())
			return false;
		if (pad) {
			put_prefix(tail, pad, AIO_ATTR_EVF_SKIP, 0);
			tail += pad;
			off = 0;
		}

		aio_attr_event ev{};

		ev.len = len;
		ev.flags = flags;
		ev.nr_attrs = static_cast<uint16_t>(attrs.size());
		ev.result = result;
		ev.user_data = user_data;
		std::memcpy(data() + off, &ev, sizeof(ev));

		std::byte *p = data() + off + sizeof(ev);
		for (const Attr &a : attrs) {
			aio_attr_rec rec{};

			rec.id = a.id;
			rec.status = a.status;
			rec.value = a.value;
			std::memcpy(p, &rec, sizeof(rec));
			p += sizeof(rec);
		}
		tail += len;
		publish(tail);
		return true;
	}

	/* Write a raw 8-byte entry prefix at position @pos. */
	void put_prefix(uint32_t pos, uint32_t len, uint16_t flags, uint16_t nr_attrs)
	{
		std::byte *p = data() + (pos & hdr()->mask);

		std::memcpy(p, &len, 4);
		std::memcpy(p + 4, &flags, 2);
		std::memcpy(p + 6, &nr_attrs, 2);
	}

	void publish(uint32_t tail)
	{
		std::atomic_ref(hdr()->tail).store(tail, std::memory_order_release);
	}

private:
	std::vector<uint64_t> mem_;
};

} // namespace aio_attr::test
