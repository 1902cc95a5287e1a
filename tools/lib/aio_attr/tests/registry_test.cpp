// SPDX-License-Identifier: GPL-2.0
/*
 * One attribute id is added in one place: this test links a copy of the
 * registry (src/attr.c) built with AA_TEST_ATTR, whose only difference is
 * one more line in its table - "test_count", id AIO_ATTR_NR, a plain count.
 * Names, lookup, "all", parsing and formatting all follow from that line.
 */
#include <aio_attr/aio_attr.h>

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace {

std::string fmt_value(unsigned int id, uint64_t v)
{
	char b[64];

	aa_attr_format_value(id, v, b, sizeof(b));
	return b;
}

} // namespace

TEST(RegistryOnePlace, TestOnlyAttributeIsEverywhere)
{
	const unsigned int id = AIO_ATTR_NR;
	uint64_t mask = 0;
	char b[160];

	ASSERT_EQ(aa_attr_nr(), static_cast<unsigned int>(AIO_ATTR_NR) + 1);
	EXPECT_STREQ(aa_attr_name(id), "test_count");
	EXPECT_EQ(aa_attr_lookup("test_count", 10), static_cast<int>(id));
	EXPECT_STREQ(aa_attr_get(id)->unit, "count");
	EXPECT_FALSE(aa_attr_is_ns(id));
	EXPECT_EQ(aa_attr_all(), (AIO_ATTR_ALL << 1) | 1);

	ASSERT_EQ(aa_attr_parse_list("cache,test_count", aa_attr_all(), &mask, b, sizeof(b)), 0)
		<< b;
	EXPECT_EQ(mask, AIO_ATTR_BIT(AIO_ATTR_CACHE) | AIO_ATTR_BIT(id));
	ASSERT_EQ(aa_attr_parse_list("all", aa_attr_all(), &mask, b, sizeof(b)), 0);
	EXPECT_TRUE(mask & AIO_ATTR_BIT(id));
	/* A kernel that does not know the id: "all" leaves it out, naming it fails. */
	ASSERT_EQ(aa_attr_parse_list("all", AIO_ATTR_ALL, &mask, b, sizeof(b)), 0);
	EXPECT_EQ(mask, static_cast<uint64_t>(AIO_ATTR_ALL));
	EXPECT_EQ(aa_attr_parse_list("test_count", AIO_ATTR_ALL, &mask, b, sizeof(b)), -EINVAL);

	aa_attr_format_list(AIO_ATTR_BIT(id), b, sizeof(b));
	EXPECT_STREQ(b, "test_count");
	EXPECT_EQ(fmt_value(id, 42), "42");
	aio_attr_rec rec{ static_cast<__u16>(id), AIO_ATTR_ST_HANDLED, 0, 3 };
	aa_format_rec(&rec, b, sizeof(b));
	EXPECT_STREQ(b, "test_count=3");
	/* Error messages list it among the known names. */
	EXPECT_EQ(aa_attr_parse_list("bogus", aa_attr_all(), &mask, b, sizeof(b)), -EINVAL);
	EXPECT_NE(std::string(b).find("pagecache, test_count, all, none)"), std::string::npos)
		<< b;
}
