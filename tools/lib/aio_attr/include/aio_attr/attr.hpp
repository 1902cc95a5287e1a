// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * aio_attr - completions and attribute records as value types, and the
 * attribute name registry ("service_ns" <-> AIO_ATTR_SERVICE_NS, ...).
 *
 * Nothing here needs a kernel; everything here is usable in a reaping loop
 * except the functions returning std::string.
 */
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <linux/aio_attr.h>

namespace aio_attr {

static_assert(AIO_ATTR_NR == 6 || AIO_ATTR_NR == 7, "attribute registry changed: update attr.cpp's name table");

/* One returned attribute: a decoded struct aio_attr_rec. */
struct Attr {
	uint16_t id = 0;
	uint16_t status = 0; /* enum aio_attr_status */
	uint64_t value = 0;

	bool handled() const noexcept { return status == AIO_ATTR_ST_HANDLED; }
	bool unsupported() const noexcept { return status == AIO_ATTR_ST_UNSUPPORTED; }
};

/*
 * One completion copied out of the ring.  Holds up to max_attrs records
 * inline (no allocation); a completion carrying more (only possible with a
 * future kernel that knows more ids) keeps the first max_attrs and sets
 * truncated.
 */
struct Completion {
	static constexpr std::size_t max_attrs = 16;

	uint64_t user_data = 0;
	int64_t result = 0;    /* bytes transferred or -errno */
	uint16_t flags = 0;    /* AIO_ATTR_EVF_* */
	uint16_t nr_attrs = 0; /* records held in attr_buf */
	bool truncated = false;
	std::array<Attr, max_attrs> attr_buf{};

	std::span<const Attr> attrs() const noexcept { return { attr_buf.data(), nr_attrs }; }
	/* The record for @id, or nullptr when the completion has none. */
	const Attr *find(unsigned int id) const noexcept;
	/* The value of @id when its record is HANDLED. */
	std::optional<uint64_t> value(unsigned int id) const noexcept;
	bool overflowed() const noexcept { return flags & AIO_ATTR_EVF_OVERFLOWED; }
};

/* "service_ns" for AIO_ATTR_SERVICE_NS; an empty view for an unknown id. */
std::string_view attr_name(unsigned int id) noexcept;

/* AIO_ATTR_SERVICE_NS for "service_ns"; nullopt for an unknown name. */
std::optional<unsigned int> attr_id(std::string_view name) noexcept;

/*
 * Parse a comma-separated list of attribute names into an AIO_ATTR_BIT()
 * mask.  "all" means every id this header knows; "" and "none" mean 0.
 * Blanks around names are ignored.  Throws std::system_error(EINVAL) naming
 * the offending item and the known names for an unknown or empty name.
 */
uint64_t parse_attr_mask(std::string_view list);

/* "service_ns,cache"; bits without a name print as "bit<N>"; 0 is "none". */
std::string format_attr_mask(uint64_t mask);

/* "task", "softirq|hop", "task|hop|worker", ...; unknown bits in hex. */
std::string format_ctx(uint64_t value);

/* "none", "hit", "miss", "partial"; unknown bits in hex. */
std::string format_cache(uint64_t value);

/* "handled", "unsupported" or "status<N>". */
std::string format_status(unsigned int status);

/* A value in the units of @id: "1234ns" for times, format_ctx/format_cache for those. */
std::string format_value(unsigned int id, uint64_t value);

/* "service_ns=1234ns", "cache=unsupported", "completion_ctx=softirq". */
std::string format_attr(const Attr &attr);

/* "user_data=7 result=4096 flags=overflowed service_ns=... ..." */
std::string format_completion(const Completion &c);

} // namespace aio_attr
