// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * aio_attr - completions and attribute records as value types, and the
 * attribute registry of libaioattr ("service_ns" <-> AIO_ATTR_SERVICE_NS,
 * ...) with C++ signatures.  The names, units, parsing and formatting live
 * once, in the C library (aio_attr.h); this header only adapts them.
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

#include "aio_attr.h"
#include "error.hpp"

namespace aio_attr {

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

	/* Copy of @ev, an event the library validated (aa_event_check()). */
	static Completion from(const aio_attr_event &ev) noexcept
	{
		Completion c;

		c.assign(ev);
		return c;
	}
	void assign(const aio_attr_event &ev) noexcept
	{
		user_data = ev.user_data;
		result = ev.result;
		flags = ev.flags;
		truncated = ev.nr_attrs > max_attrs;
		nr_attrs = truncated ? max_attrs : ev.nr_attrs;
		for (uint16_t i = 0; i < nr_attrs; i++)
			attr_buf[i] = { ev.attrs[i].id, ev.attrs[i].status, ev.attrs[i].value };
	}

	std::span<const Attr> attrs() const noexcept { return { attr_buf.data(), nr_attrs }; }
	/* The record for @id, or nullptr when the completion has none. */
	const Attr *find(unsigned int id) const noexcept
	{
		for (const Attr &a : attrs())
			if (a.id == id)
				return &a;
		return nullptr;
	}
	/* The value of @id when its record is HANDLED. */
	std::optional<uint64_t> value(unsigned int id) const noexcept
	{
		const Attr *a = find(id);

		if (!a || !a->handled())
			return std::nullopt;
		return a->value;
	}
	bool overflowed() const noexcept { return flags & AIO_ATTR_EVF_OVERFLOWED; }
};

/* "service_ns" for AIO_ATTR_SERVICE_NS; an empty view for an unknown id. */
inline std::string_view attr_name(unsigned int id) noexcept
{
	const char *name = aa_attr_name(id);

	return name ? std::string_view(name) : std::string_view{};
}

/* AIO_ATTR_SERVICE_NS for "service_ns"; nullopt for an unknown name. */
inline std::optional<unsigned int> attr_id(std::string_view name) noexcept
{
	const int id = aa_attr_lookup(name.data(), name.size());

	if (id < 0)
		return std::nullopt;
	return static_cast<unsigned int>(id);
}

/*
 * aa_attr_parse_list(): a comma-separated list of names into an
 * AIO_ATTR_BIT() mask; "all" is every id in @avail, "none" is 0, "" is an
 * error.  Throws std::system_error(EINVAL) naming the offending item and
 * the known names.
 */
inline uint64_t parse_attr_mask(std::string_view list, uint64_t avail = aa_attr_all())
{
	const std::string s(list);
	char err[256];
	uint64_t mask = 0;

	if (aa_attr_parse_list(s.c_str(), avail, &mask, err, sizeof(err)))
		throw_errno(EINVAL, err);
	return mask;
}

namespace detail {
/* A std::string from one of libaioattr's snprintf-like formatters. */
template <class Fmt>
std::string format_with(Fmt &&fmt)
{
	char buf[128];
	const int n = fmt(buf, sizeof(buf));

	if (n < 0)
		return {};
	if (static_cast<std::size_t>(n) < sizeof(buf))
		return std::string(buf, static_cast<std::size_t>(n));

	std::string out(static_cast<std::size_t>(n) + 1, '\0');

	fmt(out.data(), out.size());
	out.resize(static_cast<std::size_t>(n));
	return out;
}
} // namespace detail

/* "service_ns,cache"; bits without a name print as "bit<N>"; 0 is "none". */
inline std::string format_attr_mask(uint64_t mask)
{
	return detail::format_with(
		[&](char *b, std::size_t n) { return aa_attr_format_list(mask, b, n); });
}

/* "task", "softirq|hop", "task|hop|worker", ...; unknown bits in hex. */
inline std::string format_ctx(uint64_t value)
{
	return detail::format_with(
		[&](char *b, std::size_t n) { return aa_format_ctx(value, b, n); });
}

/* "none", "hit", "miss", "partial"; unknown bits in hex. */
inline std::string format_cache(uint64_t value)
{
	return detail::format_with(
		[&](char *b, std::size_t n) { return aa_format_cache(value, b, n); });
}

/* "handled", "unsupported" or "status<N>". */
inline std::string format_status(unsigned int status)
{
	return detail::format_with(
		[&](char *b, std::size_t n) { return aa_format_status(status, b, n); });
}

/* A value in the units of @id: "1234ns" for times, format_ctx/format_cache for those. */
inline std::string format_value(unsigned int id, uint64_t value)
{
	return detail::format_with(
		[&](char *b, std::size_t n) { return aa_attr_format_value(id, value, b, n); });
}

/* "service_ns=1234ns", "cache=unsupported", "completion_ctx=softirq". */
inline std::string format_attr(const Attr &attr)
{
	aio_attr_rec rec{};

	rec.id = attr.id;
	rec.status = attr.status;
	rec.value = attr.value;
	return detail::format_with(
		[&](char *b, std::size_t n) { return aa_format_rec(&rec, b, n); });
}

/* "user_data=7 result=4096 overflowed service_ns=... ..." */
inline std::string format_completion(const Completion &c)
{
	std::string out =
		"user_data=" + std::to_string(c.user_data) + " result=" + std::to_string(c.result);

	if (c.overflowed())
		out += " overflowed";
	if (c.truncated)
		out += " truncated";
	for (const Attr &a : c.attrs())
		out += ' ' + format_attr(a);
	return out;
}

} // namespace aio_attr
