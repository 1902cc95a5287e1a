// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * aio_attr - attribute names, lookups and formatting.
 */
#include <aio_attr/attr.hpp>
#include <aio_attr/error.hpp>

#include <cinttypes>
#include <cstdio>

namespace aio_attr {

namespace {

/* Indexed by enum aio_attr_id. */
constexpr std::array<std::string_view, AIO_ATTR_NR> names = {
	"service_ns", "queue_ns", "device_ns", "cache", "crypt_ns", "completion_ctx",
};

std::string_view trim(std::string_view s) noexcept
{
	constexpr std::string_view blanks = " \t\n";
	const auto b = s.find_first_not_of(blanks);

	if (b == std::string_view::npos)
		return {};
	return s.substr(b, s.find_last_not_of(blanks) - b + 1);
}

std::string hex(uint64_t v)
{
	char buf[24];

	std::snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
	return buf;
}

void append(std::string &out, std::string_view what, char sep = '|')
{
	if (!out.empty())
		out += sep;
	out += what;
}

bool is_ns(unsigned int id) noexcept
{
	return id == AIO_ATTR_SERVICE_NS || id == AIO_ATTR_QUEUE_NS || id == AIO_ATTR_DEVICE_NS ||
	       id == AIO_ATTR_CRYPT_NS;
}

} // namespace

const Attr *Completion::find(unsigned int id) const noexcept
{
	for (const Attr &a : attrs())
		if (a.id == id)
			return &a;
	return nullptr;
}

std::optional<uint64_t> Completion::value(unsigned int id) const noexcept
{
	const Attr *a = find(id);

	if (!a || !a->handled())
		return std::nullopt;
	return a->value;
}

std::string_view attr_name(unsigned int id) noexcept
{
	return id < names.size() ? names[id] : std::string_view{};
}

std::optional<unsigned int> attr_id(std::string_view name) noexcept
{
	for (unsigned int id = 0; id < names.size(); id++)
		if (names[id] == name)
			return id;
	return std::nullopt;
}

uint64_t parse_attr_mask(std::string_view list)
{
	uint64_t mask = 0;

	list = trim(list);
	if (list.empty() || list == "none")
		return 0;
	for (;;) {
		const auto comma = list.find(',');
		const std::string_view item = trim(list.substr(0, comma));

		if (item == "all") {
			mask |= AIO_ATTR_ALL;
		} else if (auto id = attr_id(item)) {
			mask |= AIO_ATTR_BIT(*id);
		} else {
			std::string msg = item.empty()
						  ? std::string("empty attribute name")
						  : "unknown attribute '" + std::string(item) + "'";

			msg += " (known: " + format_attr_mask(AIO_ATTR_ALL) + ", all, none)";
			throw_errno(EINVAL, msg.c_str());
		}
		if (comma == std::string_view::npos)
			break;
		list.remove_prefix(comma + 1);
	}
	return mask;
}

std::string format_attr_mask(uint64_t mask)
{
	std::string out;

	for (unsigned int bit = 0; bit < 64; bit++) {
		if (!(mask & (1ULL << bit)))
			continue;
		const std::string_view name = attr_name(bit);

		append(out, name.empty() ? "bit" + std::to_string(bit) : std::string(name), ',');
	}
	return out.empty() ? "none" : out;
}

std::string format_ctx(uint64_t value)
{
	static constexpr struct {
		uint64_t bit;
		std::string_view name;
	} flags[] = {
		{ AIO_ATTR_CTX_HOP, "hop" },
		{ AIO_ATTR_CTX_IRQS_OFF, "irqs_off" },
		{ AIO_ATTR_CTX_INLINE, "inline" },
		{ AIO_ATTR_CTX_WORKER, "worker" },
#if AIO_ATTR_VERSION >= 2
		{ AIO_ATTR_CTX_SOFTIRQ_HOP, "softirq_hop" },
#endif
	};
	std::string out;

	switch (value & AIO_ATTR_CTX_MASK) {
	case AIO_ATTR_CTX_TASK:
		out = "task";
		break;
	case AIO_ATTR_CTX_SOFTIRQ:
		out = "softirq";
		break;
	case AIO_ATTR_CTX_HARDIRQ:
		out = "hardirq";
		break;
	default:
		out = "ctx" + std::to_string(value & AIO_ATTR_CTX_MASK);
		break;
	}
	value &= ~AIO_ATTR_CTX_MASK;
	for (const auto &f : flags) {
		if (value & f.bit)
			append(out, f.name);
		value &= ~f.bit;
	}
	if (value)
		append(out, hex(value));
	return out;
}

std::string format_cache(uint64_t value)
{
	std::string out;

	switch (value & AIO_ATTR_CACHE_PARTIAL) {
	case 0:
		out = value ? "" : "none";
		break;
	case AIO_ATTR_CACHE_HIT:
		out = "hit";
		break;
	case AIO_ATTR_CACHE_MISS:
		out = "miss";
		break;
	default:
		out = "partial";
		break;
	}
	value &= ~AIO_ATTR_CACHE_PARTIAL;
	if (value)
		append(out, hex(value));
	return out;
}

std::string format_status(unsigned int status)
{
	switch (status) {
	case AIO_ATTR_ST_HANDLED:
		return "handled";
	case AIO_ATTR_ST_UNSUPPORTED:
		return "unsupported";
	default:
		return "status" + std::to_string(status);
	}
}

std::string format_value(unsigned int id, uint64_t value)
{
	if (is_ns(id))
		return std::to_string(value) + "ns";
	if (id == AIO_ATTR_CACHE)
		return format_cache(value);
	if (id == AIO_ATTR_COMPLETION_CTX)
		return format_ctx(value);
	return std::to_string(value);
}

std::string format_attr(const Attr &attr)
{
	const std::string_view name = attr_name(attr.id);
	std::string out = name.empty() ? "attr" + std::to_string(attr.id) : std::string(name);

	out += '=';
	if (attr.handled())
		out += format_value(attr.id, attr.value);
	else if (attr.unsupported())
		out += "unsupported";
	else
		out += format_status(attr.status) + ':' + std::to_string(attr.value);
	return out;
}

std::string format_completion(const Completion &c)
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
