// SPDX-License-Identifier: GPL-2.0
/*
 * Ring consumer: decoding, skip entries, u32 wrap, malformed entries.
 */
#include "fake_ring.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <random>
#include <stdexcept>

using namespace aio_attr;
using aio_attr::test::FakeRing;

namespace {

constexpr Attr svc(uint64_t ns)
{
	return { AIO_ATTR_SERVICE_NS, AIO_ATTR_ST_HANDLED, ns };
}

constexpr Attr ctx(uint64_t v)
{
	return { AIO_ATTR_COMPLETION_CTX, AIO_ATTR_ST_HANDLED, v };
}

constexpr Attr unsup(uint16_t id)
{
	return { id, AIO_ATTR_ST_UNSUPPORTED, 0 };
}

std::vector<Completion> reap_all(Ring &ring, ReapResult *res_out = nullptr)
{
	std::vector<Completion> out;
	const ReapResult res = ring.reap([&](const Completion &c) { out.push_back(c); });

	if (res_out)
		*res_out = res;
	else
		EXPECT_TRUE(res.ok()) << to_string(res.error);
	return out;
}

} // namespace

TEST(Ring, EmptyRingReapsNothing)
{
	FakeRing f;
	Ring ring = f.ring();
	int calls = 0;

	EXPECT_TRUE(ring.empty());
	const ReapResult res = ring.reap([&](const Completion &) { calls++; });
	EXPECT_TRUE(res.ok());
	EXPECT_EQ(res.count, 0u);
	EXPECT_EQ(calls, 0);
}

TEST(Ring, DecodesOneEntry)
{
	FakeRing f;
	ASSERT_TRUE(
		f.post(42, 4096, { svc(1234), unsup(AIO_ATTR_CACHE), ctx(AIO_ATTR_CTX_SOFTIRQ) }));
	Ring ring = f.ring();
	EXPECT_EQ(ring.pending_bytes(), AIO_ATTR_EVENT_BYTES(3));

	auto got = reap_all(ring);
	ASSERT_EQ(got.size(), 1u);
	const Completion &c = got[0];
	EXPECT_EQ(c.user_data, 42u);
	EXPECT_EQ(c.result, 4096);
	EXPECT_EQ(c.flags, 0);
	EXPECT_FALSE(c.overflowed());
	ASSERT_EQ(c.attrs().size(), 3u);
	EXPECT_EQ(c.attrs()[0].id, AIO_ATTR_SERVICE_NS);
	EXPECT_EQ(c.value(AIO_ATTR_SERVICE_NS), 1234u);
	ASSERT_NE(c.find(AIO_ATTR_CACHE), nullptr);
	EXPECT_TRUE(c.find(AIO_ATTR_CACHE)->unsupported());
	EXPECT_EQ(c.value(AIO_ATTR_CACHE), std::nullopt);
	EXPECT_EQ(c.find(AIO_ATTR_DEVICE_NS), nullptr);
	EXPECT_EQ(c.value(AIO_ATTR_COMPLETION_CTX), AIO_ATTR_CTX_SOFTIRQ);
	EXPECT_TRUE(ring.empty());
	EXPECT_EQ(f.hdr()->head, AIO_ATTR_EVENT_BYTES(3));
}

TEST(Ring, NegativeResultAndFlags)
{
	FakeRing f;
	ASSERT_TRUE(f.post(7, -5, {}, AIO_ATTR_EVF_OVERFLOWED));
	Ring ring = f.ring();
	auto got = reap_all(ring);
	ASSERT_EQ(got.size(), 1u);
	EXPECT_EQ(got[0].result, -5);
	EXPECT_TRUE(got[0].overflowed());
	EXPECT_TRUE(got[0].attrs().empty());
}

TEST(Ring, EntriesComeOutInOrder)
{
	FakeRing f;
	for (uint64_t i = 0; i < 20; i++)
		ASSERT_TRUE(f.post(i, static_cast<int64_t>(i * 512), { svc(i) }));
	Ring ring = f.ring();
	auto got = reap_all(ring);
	ASSERT_EQ(got.size(), 20u);
	for (uint64_t i = 0; i < 20; i++) {
		EXPECT_EQ(got[i].user_data, i);
		EXPECT_EQ(got[i].value(AIO_ATTR_SERVICE_NS), i);
	}
}

TEST(Ring, FullRingRefusesAndDrains)
{
	FakeRing f(2048);
	const uint32_t len = AIO_ATTR_EVENT_BYTES(6);
	int posted = 0;

	while (f.post(posted, 0, { svc(1), svc(2), svc(3), svc(4), svc(5), svc(6) }))
		posted++;
	EXPECT_EQ(posted, static_cast<int>(2048 / len));
	Ring ring = f.ring();
	EXPECT_EQ(reap_all(ring).size(), static_cast<std::size_t>(posted));
	EXPECT_TRUE(f.post(99, 0));
}

TEST(Ring, SkipEntryIsNotDelivered)
{
	FakeRing f(2048);
	Ring ring = f.ring();
	const uint32_t len = AIO_ATTR_EVENT_BYTES(6); /* 120: 2048 % 120 = 8 */

	/* Fill and drain so that tail sits 8 bytes before the end. */
	for (int i = 0; i < 17; i++)
		ASSERT_TRUE(f.post(i, 0, { svc(1), svc(2), svc(3), svc(4), svc(5), svc(6) }));
	ASSERT_EQ(reap_all(ring).size(), 17u);
	ASSERT_EQ(f.hdr()->tail, 17 * len);
	ASSERT_EQ(2048 - 17 * len, 8u);

	/* Next entry does not fit in 8 bytes: an 8-byte skip entry precedes it. */
	ASSERT_TRUE(f.post(100, 1, { svc(5) }));
	EXPECT_EQ(f.hdr()->tail, 2048 + AIO_ATTR_EVENT_BYTES(1));
	auto got = reap_all(ring);
	ASSERT_EQ(got.size(), 1u);
	EXPECT_EQ(got[0].user_data, 100u);
	EXPECT_EQ(f.hdr()->head, f.hdr()->tail);
}

TEST(Ring, SkipEntryAloneIsConsumed)
{
	FakeRing f(2048, 2048 - 16);
	f.put_prefix(2048 - 16, 16, AIO_ATTR_EVF_SKIP, 0);
	f.publish(2048);
	Ring ring = f.ring();
	ReapResult res;
	EXPECT_TRUE(reap_all(ring, &res).empty());
	EXPECT_TRUE(res.ok());
	EXPECT_EQ(res.pos, 2048u);
	EXPECT_EQ(f.hdr()->head, 2048u);
}

TEST(Ring, WrapsAcrossTwoToThe32)
{
	/* Start 200 bytes before 2^32 with the data area offset at 2048 - 200. */
	const uint32_t start = 0u - 200u;
	FakeRing f(2048, start);
	Ring ring = f.ring();
	uint64_t next = 0, expect = 0;

	for (int round = 0; round < 10; round++) {
		while (f.post(next, 0, { svc(next), ctx(AIO_ATTR_CTX_TASK) }))
			next++;
		for (const Completion &c : reap_all(ring)) {
			EXPECT_EQ(c.user_data, expect);
			EXPECT_EQ(c.value(AIO_ATTR_SERVICE_NS), expect);
			expect++;
		}
	}
	EXPECT_EQ(expect, next);
	EXPECT_GT(next, 100u);
	/* head wrapped past 2^32 and is free-running, not masked. */
	EXPECT_LT(f.hdr()->head, start);
	EXPECT_GT(f.hdr()->head, 2048u);
	EXPECT_EQ(f.hdr()->head, f.hdr()->tail);
}

TEST(Ring, TailWrappedHeadNot)
{
	/* head just below 2^32, tail just above: tail - head is still right. */
	const uint32_t start = 0u - 48u;
	FakeRing f(2048, start);
	for (int i = 0; i < 5; i++)
		ASSERT_TRUE(f.post(i, i, { svc(i) }));
	ASSERT_LT(f.hdr()->tail, 2048u);
	Ring ring = f.ring();
	/* Five entries of 40 bytes from offset 2000: an 8-byte skip at 2040. */
	EXPECT_EQ(ring.pending_bytes(), 5 * AIO_ATTR_EVENT_BYTES(1) + 8);
	auto got = reap_all(ring);
	ASSERT_EQ(got.size(), 5u);
	EXPECT_EQ(got[4].user_data, 4u);
}

TEST(Ring, RandomTrafficAcrossManyWraps)
{
	std::mt19937 rng(1);
	for (uint32_t start : { 0u, 0u - 1024u, 0u - 8u, 0x80000000u - 16u }) {
		FakeRing f(4096, start);
		Ring ring = f.ring();
		std::deque<std::pair<uint64_t, std::size_t>> expect;
		uint64_t next = 0;
		auto check_one = [&](const Completion &c) {
			ASSERT_FALSE(expect.empty());
			EXPECT_EQ(c.user_data, expect.front().first);
			EXPECT_EQ(c.attrs().size(), expect.front().second);
			expect.pop_front();
		};

		for (int step = 0; step < 20000; step++) {
			if (rng() % 3) {
				const std::size_t n = rng() % 7;
				const Attr all[6] = { svc(next), unsup(1), unsup(2),
						      unsup(3),	 unsup(4), ctx(1) };
				const bool ok = f.post(next, 0, std::span<const Attr>(all, n));

				if (ok)
					expect.emplace_back(next++, n);
			} else {
				const ReapResult res = ring.reap(check_one, rng() % 8 + 1);
				ASSERT_TRUE(res.ok()) << to_string(res.error) << " at " << res.pos;
			}
		}
		EXPECT_TRUE(ring.reap(check_one).ok());
		EXPECT_TRUE(expect.empty());
		EXPECT_GT(next, 10000u);
		/* Wrapped u32 at least once when starting near the top. */
		if (start > 0xffff0000u) {
			EXPECT_LT(f.hdr()->head, start);
		}
	}
}

TEST(Ring, MaxLimitsCount)
{
	FakeRing f;
	for (int i = 0; i < 10; i++)
		ASSERT_TRUE(f.post(i, 0));
	Ring ring = f.ring();
	int calls = 0;
	ReapResult res = ring.reap([&](const Completion &) { calls++; }, 4);
	EXPECT_EQ(res.count, 4u);
	EXPECT_EQ(calls, 4);
	EXPECT_EQ(ring.pending_bytes(), 6 * AIO_ATTR_EVENT_BYTES(0));
}

TEST(Ring, CallbackFalseStops)
{
	FakeRing f;
	for (int i = 0; i < 10; i++)
		ASSERT_TRUE(f.post(i, 0));
	Ring ring = f.ring();
	const ReapResult res = ring.reap([](const Completion &c) { return c.user_data < 2; });
	EXPECT_TRUE(res.stopped);
	EXPECT_EQ(res.count, 3u);
	EXPECT_EQ(ring.pending_bytes(), 7 * AIO_ATTR_EVENT_BYTES(0));
}

TEST(Ring, CallbackThrowKeepsDeliveredEntriesConsumed)
{
	FakeRing f;
	for (int i = 0; i < 4; i++)
		ASSERT_TRUE(f.post(i, 0));
	Ring ring = f.ring();
	EXPECT_THROW(ring.reap([](const Completion &c) {
		if (c.user_data == 1)
			throw std::runtime_error("x");
	}),
		     std::runtime_error);
	auto rest = reap_all(ring);
	ASSERT_EQ(rest.size(), 2u);
	EXPECT_EQ(rest[0].user_data, 2u);
}

TEST(Ring, ReapIntoSpan)
{
	FakeRing f;
	for (int i = 0; i < 5; i++)
		ASSERT_TRUE(f.post(i, i * 10, { svc(i) }));
	Ring ring = f.ring();
	std::array<Completion, 3> out;
	ReapResult res = ring.reap(out);
	ASSERT_EQ(res.count, 3u);
	EXPECT_EQ(out[2].user_data, 2u);
	EXPECT_EQ(out[2].result, 20);
	res = ring.reap(out);
	ASSERT_EQ(res.count, 2u);
	EXPECT_EQ(out[1].user_data, 4u);
}

TEST(Ring, OverflowFlagAndCounters)
{
	FakeRing f;
	Ring ring = f.ring();
	EXPECT_FALSE(ring.overflow());
	f.hdr()->flags = AIO_ATTR_RING_F_OVERFLOW;
	f.hdr()->overflow_total = 3;
	f.hdr()->posted_total = 9;
	EXPECT_TRUE(ring.overflow());
	EXPECT_EQ(ring.overflow_total(), 3u);
	EXPECT_EQ(ring.posted_total(), 9u);
}

/* Malformed entries: reaping stops at them with an error, head stays on them. */

struct Malformed {
	const char *name;
	uint32_t start;	  /* head */
	uint32_t len, nr; /* the prefix written at head + good_bytes */
	uint16_t flags;
	uint32_t tail_extra; /* tail = position of the bad entry + tail_extra */
	RingError expect;
};

void PrintTo(const Malformed &m, std::ostream *os)
{
	*os << m.name;
}

class RingMalformed : public ::testing::TestWithParam<Malformed> {};

TEST_P(RingMalformed, RejectedWithoutReadingOutOfBounds)
{
	const Malformed &m = GetParam();
	FakeRing f(2048, m.start);
	/* One good entry first: it must still be delivered. */
	ASSERT_TRUE(f.post(1, 0, { svc(1) }));
	const uint32_t bad = f.hdr()->tail;
	f.put_prefix(bad, m.len, m.flags, static_cast<uint16_t>(m.nr));
	f.publish(bad + m.tail_extra);

	Ring ring = f.ring();
	ReapResult res;
	auto got = reap_all(ring, &res);
	ASSERT_EQ(got.size(), 1u);
	EXPECT_EQ(got[0].user_data, 1u);
	EXPECT_EQ(res.error, m.expect) << to_string(res.error);
	EXPECT_EQ(res.pos, bad);
	EXPECT_EQ(f.hdr()->head, bad);
	try {
		check(res);
		ADD_FAILURE() << "check() did not throw";
	} catch (const std::system_error &e) {
		EXPECT_EQ(e.code().value(), EBADMSG);
	}
	/* Reaping again reports the same error and delivers nothing. */
	got = reap_all(ring, &res);
	EXPECT_TRUE(got.empty());
	EXPECT_EQ(res.error, m.expect);
}

INSTANTIATE_TEST_SUITE_P(
	Entries, RingMalformed,
	::testing::Values(
		Malformed{ "len_zero", 0, 0, 0, 0, 64, RingError::bad_len },
		Malformed{ "len_4", 0, 4, 0, 0, 64, RingError::bad_len },
		Malformed{ "len_not_multiple_of_8", 0, 36, 0, 0, 64, RingError::bad_len },
		Malformed{ "len_shorter_than_event", 0, 16, 0, 0, 64, RingError::bad_len },
		Malformed{ "len_beyond_tail", 0, 40, 1, 0, 32, RingError::beyond_tail },
		Malformed{ "len_huge", 0, 0xfffffff8u, 1, 0, 40, RingError::beyond_tail },
		Malformed{ "len_crosses_end", 2048 - 40 - 16, 40, 1, 0, 40,
			   RingError::crosses_end },
		Malformed{ "len_crosses_end_wrapped", 0u - 40 - 16, 40, 1, 0, 40,
			   RingError::crosses_end },
		Malformed{ "nr_attrs_too_big", 0, 40, 2, 0, 40, RingError::nr_attrs_mismatch },
		Malformed{ "nr_attrs_too_small", 0, 56, 1, 0, 56, RingError::nr_attrs_mismatch },
		Malformed{ "nr_attrs_huge", 0, 40, 0xffff, 0, 40, RingError::nr_attrs_mismatch },
		Malformed{ "skip_not_to_end", 0, 16, 0, AIO_ATTR_EVF_SKIP, 16,
			   RingError::bad_skip },
		Malformed{ "skip_beyond_tail", 2048 - 40 - 40, 40, 0, AIO_ATTR_EVF_SKIP, 32,
			   RingError::beyond_tail }),
	[](const auto &info) { return std::string(info.param.name); });

TEST(Ring, BadTailRejectedUpFront)
{
	for (uint32_t tail : { 28u, 2048u + 8u, 0u - 8u }) {
		FakeRing f(2048, 0);
		ASSERT_TRUE(f.post(1, 0));
		f.publish(tail);
		Ring ring = f.ring();
		ReapResult res;
		EXPECT_TRUE(reap_all(ring, &res).empty());
		EXPECT_EQ(res.error, RingError::bad_tail);
		EXPECT_EQ(res.pos, 0u);
		EXPECT_EQ(f.hdr()->head, 0u);
	}
}

TEST(Ring, CheckEntryDirect)
{
	std::array<uint64_t, 32> buf{}; /* 256-byte data area */
	std::span<const std::byte> data(reinterpret_cast<const std::byte *>(buf.data()), 256);
	auto put = [&](uint32_t off, uint32_t len, uint16_t flags, uint16_t nr) {
		auto *p = reinterpret_cast<std::byte *>(buf.data()) + off;
		std::memcpy(p, &len, 4);
		std::memcpy(p + 4, &flags, 2);
		std::memcpy(p + 6, &nr, 2);
	};

	put(0, 40, 0, 1);
	EntryCheck c = check_entry(data, 0, 40);
	EXPECT_EQ(c.error, RingError::none);
	EXPECT_EQ(c.len, 40u);
	EXPECT_FALSE(c.skip);
	/* The same position seen through a different lap of the counters. */
	c = check_entry(data, 256u * 1000, 256u * 1000 + 40);
	EXPECT_EQ(c.error, RingError::none);
	/* An unaligned position is never valid. */
	EXPECT_NE(check_entry(data, 4, 44).error, RingError::none);
	/* Less than the 8-byte prefix available before tail. */
	EXPECT_EQ(check_entry(data, 0, 0).error, RingError::beyond_tail);
	/* An 8-byte skip record in the last 8 bytes. */
	put(248, 8, AIO_ATTR_EVF_SKIP, 0xffff);
	c = check_entry(data, 248, 256);
	EXPECT_EQ(c.error, RingError::none);
	EXPECT_TRUE(c.skip);
	EXPECT_EQ(c.len, 8u);
}

TEST(Ring, DecodeEntryDirect)
{
	std::array<uint64_t, 64> buf{};
	auto *p = reinterpret_cast<std::byte *>(buf.data());
	aio_attr_event ev{};
	ev.len = AIO_ATTR_EVENT_BYTES(20);
	ev.nr_attrs = 20;
	ev.result = -11;
	ev.user_data = 0xdeadbeefcafeULL;
	std::memcpy(p, &ev, sizeof(ev));
	for (unsigned i = 0; i < 20; i++) {
		aio_attr_rec r{ static_cast<__u16>(i), AIO_ATTR_ST_HANDLED, 0, i * 100ULL };
		std::memcpy(p + sizeof(ev) + i * sizeof(r), &r, sizeof(r));
	}
	Completion c;
	ASSERT_EQ(decode_entry({ p, ev.len }, c), RingError::none);
	EXPECT_EQ(c.result, -11);
	EXPECT_EQ(c.user_data, 0xdeadbeefcafeULL);
	/* More records than Completion holds: first max_attrs kept. */
	EXPECT_TRUE(c.truncated);
	EXPECT_EQ(c.attrs().size(), Completion::max_attrs);
	EXPECT_EQ(c.value(15), 1500u);
	EXPECT_EQ(c.find(16), nullptr);
	/* Span length disagreeing with len or nr_attrs. */
	EXPECT_EQ(decode_entry({ p, ev.len - 16 }, c), RingError::bad_len);
	EXPECT_EQ(decode_entry({ p, 16 }, c), RingError::bad_len);
	ev.nr_attrs = 19;
	std::memcpy(p, &ev, sizeof(ev));
	EXPECT_EQ(decode_entry({ p, ev.len }, c), RingError::nr_attrs_mismatch);
}

TEST(Ring, AttachValidatesHeader)
{
	auto expect_errno = [](FakeRing &f, std::size_t bytes, int err) {
		try {
			Ring::attach(f.base(), bytes);
			ADD_FAILURE() << "attach accepted a bad header";
		} catch (const std::system_error &e) {
			EXPECT_EQ(e.code().value(), err);
		}
	};
	{
		FakeRing f;
		Ring r = f.ring();
		EXPECT_TRUE(r.valid());
		EXPECT_EQ(r.ring_bytes(), 2048u);
		EXPECT_EQ(r.data().data(), f.data());
		expect_errno(f, f.bytes() - 8, EPROTO);
		expect_errno(f, 16, EPROTO);
	}
	{
		FakeRing f;
		f.hdr()->entry_version = 2;
		expect_errno(f, f.bytes(), EPROTONOSUPPORT);
	}
	{
		FakeRing f;
		f.hdr()->mask = 1023;
		expect_errno(f, f.bytes(), EPROTO);
	}
	{
		FakeRing f;
		f.hdr()->ring_bytes = 1000;
		f.hdr()->mask = 999;
		expect_errno(f, f.bytes(), EPROTO);
	}
	{
		FakeRing f;
		f.hdr()->data_offset = 12;
		expect_errno(f, f.bytes(), EPROTO);
	}
}
