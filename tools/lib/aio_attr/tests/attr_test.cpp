// SPDX-License-Identifier: GPL-2.0
/*
 * Attribute names, masks and formatting.
 */
#include <aio_attr/attr.hpp>

#include <gtest/gtest.h>

using namespace aio_attr;

namespace {

int errno_of(std::string_view list, std::string *what = nullptr)
{
	try {
		parse_attr_mask(list);
	} catch (const std::system_error &e) {
		if (what)
			*what = e.what();
		return e.code().value();
	}
	return 0;
}

} // namespace

TEST(AttrNames, RoundTrip)
{
	const char *expect[] = { "service_ns", "queue_ns", "device_ns",
				 "cache",      "crypt_ns", "completion_ctx", "pagecache" };
	for (unsigned id = 0; id < AIO_ATTR_NR; id++) {
		EXPECT_EQ(attr_name(id), expect[id]);
		EXPECT_EQ(attr_id(expect[id]), id);
	}
	EXPECT_EQ(attr_id("service_ns"), AIO_ATTR_SERVICE_NS);
	EXPECT_EQ(attr_id("completion_ctx"), AIO_ATTR_COMPLETION_CTX);
	EXPECT_TRUE(attr_name(AIO_ATTR_NR).empty());
	EXPECT_TRUE(attr_name(63).empty());
	EXPECT_EQ(attr_id("SERVICE_NS"), std::nullopt);
	EXPECT_EQ(attr_id(""), std::nullopt);
	EXPECT_EQ(attr_id("service"), std::nullopt);
}

TEST(AttrNames, ParseMask)
{
	EXPECT_EQ(parse_attr_mask("service_ns"), AIO_ATTR_BIT(AIO_ATTR_SERVICE_NS));
	EXPECT_EQ(parse_attr_mask("service_ns,cache"),
		  AIO_ATTR_BIT(AIO_ATTR_SERVICE_NS) | AIO_ATTR_BIT(AIO_ATTR_CACHE));
	EXPECT_EQ(parse_attr_mask(" completion_ctx , queue_ns "),
		  AIO_ATTR_BIT(AIO_ATTR_COMPLETION_CTX) | AIO_ATTR_BIT(AIO_ATTR_QUEUE_NS));
	EXPECT_EQ(parse_attr_mask("cache,cache"), AIO_ATTR_BIT(AIO_ATTR_CACHE));
	EXPECT_EQ(parse_attr_mask("all"), AIO_ATTR_ALL);
	EXPECT_EQ(parse_attr_mask("all,cache"), AIO_ATTR_ALL);
	EXPECT_EQ(AIO_ATTR_ALL, 0x7fu);
	EXPECT_EQ(parse_attr_mask("none"), 0u);
	EXPECT_EQ(parse_attr_mask(" none "), 0u);
	/* "all" is what @avail holds, e.g. what the running kernel knows. */
	EXPECT_EQ(parse_attr_mask("all", AIO_ATTR_BIT(AIO_ATTR_CACHE)),
		  AIO_ATTR_BIT(AIO_ATTR_CACHE));
}

TEST(AttrNames, ParseMaskEmptyAndNone)
{
	std::string what;
	/* An empty list is a mistake (an unset variable), not "none". */
	EXPECT_EQ(errno_of("", &what), EINVAL);
	EXPECT_NE(what.find("none"), std::string::npos) << what;
	EXPECT_EQ(errno_of("   "), EINVAL);
	/* "none" stands alone. */
	EXPECT_EQ(errno_of("none,cache"), EINVAL);
	EXPECT_EQ(errno_of("cache,none"), EINVAL);
}

TEST(AttrNames, ParseMaskRejectsUnknown)
{
	std::string what;
	EXPECT_EQ(errno_of("service_ns,bogus", &what), EINVAL);
	EXPECT_NE(what.find("\"bogus\""), std::string::npos) << what;
	EXPECT_NE(what.find("completion_ctx"), std::string::npos) << what;
	EXPECT_EQ(errno_of("service_ns,,cache", &what), EINVAL);
	EXPECT_NE(what.find("empty"), std::string::npos) << what;
	EXPECT_EQ(errno_of("service_ns,"), EINVAL);
	EXPECT_EQ(errno_of(",cache"), EINVAL);
	EXPECT_EQ(errno_of("Service_ns"), EINVAL);
	EXPECT_EQ(errno_of("service_ns cache"), EINVAL);
}

TEST(AttrNames, FormatMask)
{
	EXPECT_EQ(format_attr_mask(0), "none");
	EXPECT_EQ(format_attr_mask(AIO_ATTR_ALL),
		  "service_ns,queue_ns,device_ns,cache,crypt_ns,completion_ctx,pagecache");
	EXPECT_EQ(format_attr_mask(AIO_ATTR_BIT(AIO_ATTR_CACHE) | (1ULL << 40)), "cache,bit40");
	EXPECT_EQ(parse_attr_mask(format_attr_mask(0x25)), 0x25u);
}

TEST(AttrFormat, CompletionCtx)
{
	EXPECT_EQ(format_ctx(AIO_ATTR_CTX_TASK), "task");
	EXPECT_EQ(format_ctx(AIO_ATTR_CTX_SOFTIRQ), "softirq");
	EXPECT_EQ(format_ctx(AIO_ATTR_CTX_HARDIRQ | AIO_ATTR_CTX_IRQS_OFF), "hardirq|irqs_off");
	EXPECT_EQ(format_ctx(AIO_ATTR_CTX_TASK | AIO_ATTR_CTX_HOP | AIO_ATTR_CTX_WORKER),
		  "task|hop|worker");
	EXPECT_EQ(format_ctx(AIO_ATTR_CTX_TASK | AIO_ATTR_CTX_INLINE), "task|inline");
	EXPECT_EQ(format_ctx(AIO_ATTR_CTX_SOFTIRQ | AIO_ATTR_CTX_SOFTIRQ_HOP), "softirq|softirq_hop");
	EXPECT_EQ(format_ctx(0), "ctx0");
	EXPECT_EQ(format_ctx(7 | (1ULL << 20)), "ctx7|0x100000");
}

TEST(AttrFormat, Cache)
{
	EXPECT_EQ(format_cache(0), "none");
	EXPECT_EQ(format_cache(AIO_ATTR_CACHE_HIT), "hit");
	EXPECT_EQ(format_cache(AIO_ATTR_CACHE_MISS), "miss");
	EXPECT_EQ(format_cache(AIO_ATTR_CACHE_PARTIAL), "partial");
	EXPECT_EQ(format_cache(AIO_ATTR_CACHE_HIT | 0x10), "hit|0x10");
	EXPECT_EQ(format_cache(0x10), "0x10");
}

TEST(AttrFormat, StatusValueAttrCompletion)
{
	EXPECT_EQ(format_status(AIO_ATTR_ST_HANDLED), "handled");
	EXPECT_EQ(format_status(AIO_ATTR_ST_UNSUPPORTED), "unsupported");
	EXPECT_EQ(format_status(0), "status0");
	EXPECT_EQ(format_value(AIO_ATTR_SERVICE_NS, 1500), "1500ns");
	EXPECT_EQ(format_value(AIO_ATTR_CRYPT_NS, 0), "0ns");
	EXPECT_EQ(format_value(AIO_ATTR_CACHE, 1), "hit");
	EXPECT_EQ(format_value(AIO_ATTR_COMPLETION_CTX, 2), "softirq");
	EXPECT_EQ(format_value(40, 9), "9");
	EXPECT_EQ(format_attr({ AIO_ATTR_DEVICE_NS, AIO_ATTR_ST_HANDLED, 77 }), "device_ns=77ns");
	EXPECT_EQ(format_attr({ AIO_ATTR_CACHE, AIO_ATTR_ST_UNSUPPORTED, 0 }), "cache=unsupported");
	EXPECT_EQ(format_attr({ 40, 9, 5 }), "attr40=status9:5");

	Completion c;
	c.user_data = 3;
	c.result = 4096;
	c.flags = AIO_ATTR_EVF_OVERFLOWED;
	c.nr_attrs = 2;
	c.attr_buf[0] = { AIO_ATTR_SERVICE_NS, AIO_ATTR_ST_HANDLED, 10 };
	c.attr_buf[1] = { AIO_ATTR_COMPLETION_CTX, AIO_ATTR_ST_HANDLED, AIO_ATTR_CTX_SOFTIRQ };
	EXPECT_EQ(format_completion(c),
		  "user_data=3 result=4096 overflowed service_ns=10ns completion_ctx=softirq");
}

TEST(Completion, FindAndValue)
{
	Completion c;
	EXPECT_EQ(c.find(AIO_ATTR_SERVICE_NS), nullptr);
	c.nr_attrs = 2;
	c.attr_buf[0] = { AIO_ATTR_SERVICE_NS, AIO_ATTR_ST_HANDLED, 10 };
	c.attr_buf[1] = { AIO_ATTR_CACHE, AIO_ATTR_ST_UNSUPPORTED, 0 };
	ASSERT_NE(c.find(AIO_ATTR_CACHE), nullptr);
	EXPECT_TRUE(c.find(AIO_ATTR_CACHE)->unsupported());
	EXPECT_EQ(c.value(AIO_ATTR_CACHE), std::nullopt);
	EXPECT_EQ(c.value(AIO_ATTR_SERVICE_NS), 10u);
	/* Records past nr_attrs are not visible. */
	c.attr_buf[2] = { AIO_ATTR_DEVICE_NS, AIO_ATTR_ST_HANDLED, 1 };
	EXPECT_EQ(c.find(AIO_ATTR_DEVICE_NS), nullptr);
}
