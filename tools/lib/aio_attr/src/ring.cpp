// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * aio_attr - ring entry validation and decoding.
 */
#include <aio_attr/error.hpp>
#include <aio_attr/ring.hpp>

#include <cstddef>
#include <cstring>
#include <string>

namespace aio_attr {

namespace {

constexpr uint32_t event_bytes = AIO_ATTR_EVENT_BYTES(0);
constexpr uint32_t rec_bytes = sizeof(aio_attr_rec);

static_assert(event_bytes == 24 && rec_bytes == 16, "ring entry layout changed");
static_assert(offsetof(aio_attr_event, len) == 0 && offsetof(aio_attr_event, flags) == 4 &&
		      offsetof(aio_attr_event, nr_attrs) == 6,
	      "the first 8 bytes of an entry are len, flags, nr_attrs");

template <class T>
T load(const std::byte *p) noexcept
{
	T v;

	std::memcpy(&v, p, sizeof(v));
	return v;
}

bool is_pow2(uint64_t v) noexcept
{
	return v && !(v & (v - 1));
}

} // namespace

const char *to_string(RingError err) noexcept
{
	switch (err) {
	case RingError::none:
		return "no error";
	case RingError::bad_tail:
		return "tail - head is beyond the data area or unaligned";
	case RingError::bad_len:
		return "entry length too short or not a multiple of 8";
	case RingError::beyond_tail:
		return "entry extends past tail";
	case RingError::crosses_end:
		return "entry crosses the data area end";
	case RingError::bad_skip:
		return "skip entry does not end at the data area end";
	case RingError::nr_attrs_mismatch:
		return "entry length does not match its record count";
	}
	return "unknown ring error";
}

EntryCheck check_entry(std::span<const std::byte> data, uint32_t pos, uint32_t tail) noexcept
{
	const uint32_t size = static_cast<uint32_t>(data.size());
	const uint32_t off = pos & (size - 1);
	const uint32_t avail = tail - pos;
	EntryCheck res;

	/* The 8-byte prefix (len, flags, nr_attrs) must itself be inside both bounds. */
	if ((pos & 7) || avail < 8 || avail > size || off + 8 > size) {
		res.error = avail < 8 || avail > size ? RingError::beyond_tail : RingError::bad_len;
		return res;
	}

	const std::byte *p = data.data() + off;
	const uint32_t len = load<uint32_t>(p);
	const uint16_t flags = load<uint16_t>(p + offsetof(aio_attr_event, flags));

	if (len < 8 || (len & 7))
		res.error = RingError::bad_len;
	else if (len > avail)
		res.error = RingError::beyond_tail;
	else if (len > size - off)
		res.error = RingError::crosses_end;
	else if (flags & AIO_ATTR_EVF_SKIP)
		res.error = len == size - off ? RingError::none : RingError::bad_skip;
	else if (len < event_bytes)
		res.error = RingError::bad_len;
	else if (len !=
		 AIO_ATTR_EVENT_BYTES(load<uint16_t>(p + offsetof(aio_attr_event, nr_attrs))))
		res.error = RingError::nr_attrs_mismatch;
	if (res.error == RingError::none) {
		res.len = len;
		res.skip = flags & AIO_ATTR_EVF_SKIP;
	}
	return res;
}

RingError decode_entry(std::span<const std::byte> entry, Completion &out) noexcept
{
	if (entry.size() < event_bytes || entry.size() % 8)
		return RingError::bad_len;

	const std::byte *p = entry.data();
	const uint32_t len = load<uint32_t>(p + offsetof(aio_attr_event, len));
	const uint16_t nr = load<uint16_t>(p + offsetof(aio_attr_event, nr_attrs));

	if (len != entry.size())
		return RingError::bad_len;
	if (len != AIO_ATTR_EVENT_BYTES(nr))
		return RingError::nr_attrs_mismatch;

	out.flags = load<uint16_t>(p + offsetof(aio_attr_event, flags));
	out.result = load<int64_t>(p + offsetof(aio_attr_event, result));
	out.user_data = load<uint64_t>(p + offsetof(aio_attr_event, user_data));
	out.truncated = nr > Completion::max_attrs;
	out.nr_attrs = out.truncated ? Completion::max_attrs : nr;
	p += event_bytes;
	for (unsigned int i = 0; i < out.nr_attrs; i++, p += rec_bytes) {
		Attr &a = out.attr_buf[i];

		a.id = load<uint16_t>(p + offsetof(aio_attr_rec, id));
		a.status = load<uint16_t>(p + offsetof(aio_attr_rec, status));
		a.value = load<uint64_t>(p + offsetof(aio_attr_rec, value));
	}
	return RingError::none;
}

void check(const ReapResult &res)
{
	if (res.ok())
		return;

	const std::string msg = std::string("aio_attr ring: ") + to_string(res.error) +
				" at position " + std::to_string(res.pos);

	throw_errno(EBADMSG, msg.c_str());
}

ReapResult Ring::reap(std::span<Completion> out)
{
	std::size_t i = 0;

	return reap([&](const Completion &c) { out[i++] = c; }, out.size());
}

Ring Ring::attach(void *base, std::size_t map_bytes)
{
	if (!base || map_bytes < sizeof(aio_attr_ring_hdr))
		throw_errno(EPROTO, "aio_attr ring: mapping smaller than the ring header");

	auto *hdr = static_cast<aio_attr_ring_hdr *>(base);
	const uint32_t ring_bytes = hdr->ring_bytes;
	const uint32_t data_offset = hdr->data_offset;

	if (hdr->entry_version != AIO_ATTR_ENTRY_VERSION)
		throw_errno(EPROTONOSUPPORT, "aio_attr ring: unknown entry version");
	if (!is_pow2(ring_bytes) || ring_bytes < 64 || hdr->mask != ring_bytes - 1 ||
	    data_offset < sizeof(aio_attr_ring_hdr) || (data_offset & 7) ||
	    uint64_t(data_offset) + ring_bytes > map_bytes)
		throw_errno(EPROTO, "aio_attr ring: header geometry does not fit the mapping");
	return Ring(hdr, static_cast<std::byte *>(base) + data_offset, ring_bytes);
}

} // namespace aio_attr
