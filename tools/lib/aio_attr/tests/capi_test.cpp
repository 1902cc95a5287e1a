// SPDX-License-Identifier: GPL-2.0
/*
 * The C API of libaioattr where the copies it replaced used to disagree:
 * ring geometry checks, skip entries, batches, the attribute list parser
 * ("", "none", "all") and the snprintf-like formatters.
 */
#include <aio_attr/aio_attr.h>

#include "fake_ring.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <random>
#include <string>

using aio_attr::Attr;
using aio_attr::test::FakeRing;

namespace {

aa_ring c_ring(FakeRing &f)
{
	aa_ring r;

	EXPECT_EQ(aa_ring_attach(&r, f.base(), f.bytes()), 0);
	return r;
}

std::string parse_err(const char *list, uint64_t avail = aa_attr_all())
{
	char err[256] = "";
	uint64_t mask = 0xdead;

	EXPECT_EQ(aa_attr_parse_list(list, avail, &mask, err, sizeof(err)), -EINVAL) << list;
	EXPECT_EQ(mask, 0xdeadu) << "mask written on error";
	return err;
}

uint64_t parse_ok(const char *list, uint64_t avail = aa_attr_all())
{
	char err[256] = "";
	uint64_t mask = 0xdead;

	EXPECT_EQ(aa_attr_parse_list(list, avail, &mask, err, sizeof(err)), 0)
		<< list << ": " << err;
	return mask;
}

} // namespace

TEST(CRingGeometry, InitRejectsBadSizes)
{
	alignas(8) static unsigned char mem[4096 + 128];
	auto *hdr = reinterpret_cast<aio_attr_ring_hdr *>(mem);
	aa_ring r;

	EXPECT_EQ(aa_ring_init(&r, hdr, mem + 128, 2048), 0);
	EXPECT_EQ(r.mask, 2047u);
	EXPECT_EQ(aa_ring_init(&r, hdr, mem + 128, 0), -EINVAL);
	EXPECT_EQ(aa_ring_init(&r, hdr, mem + 128, 3000), -EINVAL); /* not a power of two */
	EXPECT_EQ(aa_ring_init(&r, hdr, mem + 128, 32), -EINVAL);   /* below 64 */
	EXPECT_EQ(aa_ring_init(&r, hdr, mem + 132, 2048), -EINVAL); /* unaligned data */
	EXPECT_EQ(aa_ring_init(&r, nullptr, mem + 128, 2048), -EINVAL);
}

TEST(CRingGeometry, AttachChecksHeaderAgainstMapping)
{
	FakeRing f(2048);
	aa_ring r;

	EXPECT_EQ(aa_ring_attach(&r, f.base(), f.bytes()), 0);
	/* The data area must end inside the mapping. */
	EXPECT_EQ(aa_ring_attach(&r, f.base(), f.bytes() - 8), -EPROTO);
	/* mask must be ring_bytes - 1. */
	f.hdr()->mask = 1023;
	EXPECT_EQ(aa_ring_attach(&r, f.base(), f.bytes()), -EPROTO);
	f.hdr()->mask = 2047;
	/* The data area may not overlap the header. */
	f.hdr()->data_offset = 8;
	EXPECT_EQ(aa_ring_attach(&r, f.base(), f.bytes()), -EPROTO);
	f.hdr()->data_offset = FakeRing::data_offset;
	f.hdr()->entry_version = 2;
	EXPECT_EQ(aa_ring_attach(&r, f.base(), f.bytes()), -EPROTONOSUPPORT);
	EXPECT_EQ(aa_ring_attach(&r, f.base(), 16), -EPROTO);
}

TEST(CRing, PeekSeenAdvance)
{
	FakeRing f;
	const aio_attr_event *ev;

	ASSERT_TRUE(f.post(1, 512, { Attr{ AIO_ATTR_SERVICE_NS, AIO_ATTR_ST_HANDLED, 9 } }));
	ASSERT_TRUE(f.post(2, 1024));
	aa_ring r = c_ring(f);

	EXPECT_EQ(aa_ring_ready(&r), 2u);
	ASSERT_EQ(aa_ring_peek(&r, &ev), 0);
	EXPECT_EQ(ev->user_data, 1u);
	ASSERT_EQ(ev->nr_attrs, 1);
	EXPECT_EQ(ev->attrs[0].value, 9u);
	/* Peeking does not consume. */
	ASSERT_EQ(aa_ring_peek(&r, &ev), 0);
	EXPECT_EQ(ev->user_data, 1u);
	aa_ring_seen(&r, ev);
	EXPECT_EQ(f.hdr()->head, AIO_ATTR_EVENT_BYTES(1));
	ASSERT_EQ(aa_ring_peek(&r, &ev), 0);
	EXPECT_EQ(ev->user_data, 2u);
	aa_ring_seen(&r, ev);
	EXPECT_EQ(aa_ring_peek(&r, &ev), -EAGAIN);
	EXPECT_EQ(aa_ring_ready(&r), 0u);
}

TEST(CRing, BatchSpansSkipEntries)
{
	FakeRing f(2048, 0u - 64); /* counters about to wrap as well */
	const aio_attr_event *evs[8];
	uint32_t bytes = 0;

	/* 40 + 24 bytes fill the lap; the third needs a skip entry before it. */
	ASSERT_TRUE(f.post(1, 0, { Attr{ AIO_ATTR_CACHE, AIO_ATTR_ST_HANDLED, 1 } }));
	ASSERT_TRUE(f.post(2, 0));
	ASSERT_TRUE(f.post(3, 0));
	aa_ring r = c_ring(f);

	ASSERT_EQ(aa_ring_peek_batch(&r, evs, 8, &bytes), 3);
	EXPECT_EQ(evs[0]->user_data, 1u);
	EXPECT_EQ(evs[2]->user_data, 3u);
	EXPECT_EQ(bytes, f.hdr()->tail - f.hdr()->head);
	EXPECT_EQ(f.hdr()->head, 0u - 64) << "a batch consumes nothing by itself";
	aa_ring_advance(&r, bytes);
	EXPECT_EQ(f.hdr()->head, f.hdr()->tail);

	/* max bounds the batch. */
	ASSERT_TRUE(f.post(4, 0));
	ASSERT_TRUE(f.post(5, 0));
	ASSERT_EQ(aa_ring_peek_batch(&r, evs, 1, &bytes), 1);
	EXPECT_EQ(bytes, AIO_ATTR_EVENT_BYTES(0));
}

/*
 * The ABI: a skip entry always ends exactly at the end of the data area.
 * One of the old consumers accepted a shorter one and went on reading in
 * the middle of the data area.
 */
TEST(CRing, SkipEntryNotEndingAtDataEndIsMalformed)
{
	FakeRing f(2048);
	const aio_attr_event *ev;
	uint32_t bytes;

	f.put_prefix(0, 16, AIO_ATTR_EVF_SKIP, 0);
	f.publish(16 + 24);
	aa_ring r = c_ring(f);

	EXPECT_EQ(aa_ring_peek(&r, &ev), -EBADMSG);
	EXPECT_EQ(r.error, AA_RING_BAD_SKIP);
	EXPECT_EQ(r.error_pos, 0u);
	EXPECT_EQ(f.hdr()->head, 0u) << "head stays on the bad entry";
	EXPECT_EQ(aa_ring_peek_batch(&r, &ev, 1, &bytes), -EBADMSG);
	EXPECT_EQ(aa_ring_ready(&r), 0u);
	EXPECT_STREQ(aa_ring_strerror(AA_RING_BAD_SKIP),
		     "skip entry does not end at the data area end");
}

TEST(CRing, SkipEntryEndingAtDataEndIsConsumedByPeek)
{
	FakeRing f(2048, 2048 - 8);
	const aio_attr_event *ev;

	ASSERT_TRUE(f.post(7, 0)); /* 8-byte skip entry, then the event at 0 */
	aa_ring r = c_ring(f);

	ASSERT_EQ(aa_ring_peek(&r, &ev), 0);
	EXPECT_EQ(ev->user_data, 7u);
	EXPECT_EQ(f.hdr()->head, 2048u) << "the skip entry was released";
}

TEST(CRing, BadTailLeavesHeadAlone)
{
	FakeRing f(2048);
	const aio_attr_event *ev;

	ASSERT_TRUE(f.post(1, 0));
	f.publish(4096); /* more than the data area holds */
	aa_ring r = c_ring(f);

	EXPECT_EQ(aa_ring_peek(&r, &ev), -EBADMSG);
	EXPECT_EQ(r.error, AA_RING_BAD_TAIL);
	EXPECT_EQ(f.hdr()->head, 0u);
}

TEST(CContext, CallsOnUnsetContextFailCleanly)
{
	aa_ctx ctx;
	const aio_attr_event *ev;
	uint32_t bytes;

	EXPECT_EQ(aa_ctx_open(&ctx, "/nonexistent/aio_attr"), -ENOENT);
	EXPECT_EQ(ctx.fd, -1);
	EXPECT_FALSE(aa_ctx_is_setup(&ctx));
	EXPECT_EQ(aa_peek(&ctx, &ev), -EAGAIN);
	EXPECT_EQ(aa_peek_batch(&ctx, &ev, 1, &bytes), 0);
	aa_ctx_close(&ctx);
	aa_ctx_close(&ctx); /* twice is fine */
}

/*
 * The submission queue: slots in queue order (masked, across 2^32), none
 * once every slot is handed out and unconsumed, one again per sqe the
 * kernel's sq_head passes; aa_enter() publishes sq_tail before the call.
 */
TEST(CSubmissionQueue, SlotsUntilFullThenFreedByHead)
{
	FakeRing f;
	std::array<aio_attr_sqe, 4> sq{};
	const uint32_t start = 0xfffffffeu;
	aa_ctx ctx;

	aa_ctx_from_fd(&ctx, -1);
	ctx.ring = c_ring(f);
	ctx.sqes = sq.data();
	ctx.sq_mask = 3;
	ctx.sq_tail = start;
	f.hdr()->sq_head = start;
	for (uint32_t i = 0; i < 4; i++)
		EXPECT_EQ(aa_get_sqe(&ctx), &sq[(start + i) & 3]) << i;
	EXPECT_EQ(aa_get_sqe(&ctx), nullptr);
	EXPECT_EQ(aa_sq_pending(&ctx), 4u);
	f.hdr()->sq_head = start + 1;
	EXPECT_EQ(aa_sq_pending(&ctx), 3u);
	EXPECT_EQ(aa_get_sqe(&ctx), &sq[(start + 4) & 3]);
	EXPECT_EQ(aa_get_sqe(&ctx), nullptr);
	EXPECT_EQ(f.hdr()->sq_tail, 0u) << "published before aa_enter()";
	EXPECT_EQ(aa_enter(&ctx, 0), -EBADF); /* fd -1: the ioctl itself fails */
	EXPECT_EQ(f.hdr()->sq_tail, start + 5);
}

TEST(CSubmissionQueue, NoQueue)
{
	aa_ctx ctx;

	aa_ctx_from_fd(&ctx, -1);
	EXPECT_EQ(aa_get_sqe(&ctx), nullptr);
	EXPECT_EQ(aa_enter(&ctx, 1), -EBADFD);
}

TEST(CAttrParse, EmptyNoneAll)
{
	const uint64_t cache = AIO_ATTR_BIT(AIO_ATTR_CACHE);
	const uint64_t svc = AIO_ATTR_BIT(AIO_ATTR_SERVICE_NS);

	EXPECT_EQ(parse_ok("none"), 0u);
	EXPECT_EQ(parse_ok("\tnone "), 0u);
	EXPECT_EQ(parse_ok("all"), aa_attr_all());
	EXPECT_EQ(parse_ok("all", cache | svc), cache | svc);
	EXPECT_EQ(parse_ok("all,service_ns", svc), svc) << "all: what @avail has, nothing more";
	EXPECT_EQ(parse_ok(" cache , service_ns "), cache | svc);

	EXPECT_NE(parse_err("").find("empty attribute list"), std::string::npos);
	EXPECT_NE(parse_err(nullptr).find("empty attribute list"), std::string::npos);
	EXPECT_NE(parse_err(" \t").find("empty attribute list"), std::string::npos);
	EXPECT_NE(parse_err("none,cache").find("\"none\" combined"), std::string::npos);
	EXPECT_NE(parse_err("cache,,svc").find("empty attribute name"), std::string::npos);
	EXPECT_NE(parse_err("cache,").find("empty attribute name"), std::string::npos);
	EXPECT_NE(parse_err("bogus").find("unknown attribute \"bogus\" (valid: service_ns, "
					  "queue_ns, device_ns, cache, "
					  "crypt_ns, completion_ctx, pagecache, all, none)"),
		  std::string::npos);
	EXPECT_NE(parse_err("Cache").find("unknown"), std::string::npos);
	EXPECT_NE(parse_err("cache", svc).find("\"cache\" is not known to the running kernel"),
		  std::string::npos);
	/* No message buffer: still -EINVAL. */
	uint64_t m;
	EXPECT_EQ(aa_attr_parse_list("bogus", aa_attr_all(), &m, nullptr, 0), -EINVAL);
}

TEST(CAttrFormat, TruncatesLikeSnprintf)
{
	char b[8];

	EXPECT_EQ(aa_attr_format_list(AIO_ATTR_ALL, b, sizeof(b)),
		  static_cast<int>(strlen("service_ns,queue_ns,device_ns,cache,crypt_ns,"
					  "completion_ctx,pagecache")));
	EXPECT_STREQ(b, "service");
	EXPECT_EQ(aa_format_ctx(AIO_ATTR_CTX_SOFTIRQ | AIO_ATTR_CTX_HOP, b, sizeof(b)), 11);
	EXPECT_STREQ(b, "softirq");
	EXPECT_EQ(aa_format_ctx(AIO_ATTR_CTX_TASK, nullptr, 0), 4);
	aio_attr_rec rec{ AIO_ATTR_QUEUE_NS, AIO_ATTR_ST_HANDLED, 0, 100 };
	char big[64];
	EXPECT_EQ(aa_format_rec(&rec, big, sizeof(big)), 14);
	EXPECT_STREQ(big, "queue_ns=100ns");
}

TEST(CAttrRegistry, EveryKnownIdHasNameUnitAndKind)
{
	EXPECT_EQ(aa_attr_nr(), static_cast<unsigned int>(AIO_ATTR_NR));
	EXPECT_EQ(aa_attr_all(), static_cast<uint64_t>(AIO_ATTR_ALL));
	for (unsigned int id = 0; id < aa_attr_nr(); id++) {
		const aa_attr_info *info = aa_attr_get(id);

		ASSERT_NE(info, nullptr) << id;
		EXPECT_EQ(aa_attr_lookup(info->name, strlen(info->name)), static_cast<int>(id));
		EXPECT_NE(info->unit, nullptr);
		EXPECT_EQ(aa_attr_is_ns(id), info->kind == AA_ATTR_KIND_NS);
	}
	EXPECT_EQ(aa_attr_get(aa_attr_nr()), nullptr);
	EXPECT_EQ(aa_attr_name(63), nullptr);
}

/*
 * A ring full of garbage (random bytes, random head and tail): every call
 * returns a defined answer and never reads outside the data area (run
 * under -fsanitize=address,undefined to see the second half).
 */
TEST(CRing, GarbageNeverReadsOutOfBounds)
{
	std::mt19937 rng(12);
	const aio_attr_event *evs[16];
	uint32_t bytes;

	for (int round = 0; round < 2000; round++) {
		FakeRing f(256);
		auto *data = reinterpret_cast<unsigned char *>(f.data());

		for (uint32_t i = 0; i < 256; i++)
			data[i] = static_cast<unsigned char>(rng());
		/* Plausible lengths now and then, so that walks go on. */
		for (uint32_t off = 0; off < 256; off += 8)
			if (rng() % 2) {
				const uint32_t len = 8 * (1 + rng() % 8);
				std::memcpy(data + off, &len, 4);
			}
		f.hdr()->head = static_cast<uint32_t>(rng()) & ~(rng() % 2 ? 7u : 0u);
		f.publish(f.hdr()->head + static_cast<uint32_t>(rng() % 300));
		aa_ring r = c_ring(f);

		const unsigned int ready = aa_ring_ready(&r);
		const int n = aa_ring_peek_batch(&r, evs, 16, &bytes);
		ASSERT_TRUE(n == -EBADMSG || (n >= 0 && n <= 16)) << n;
		for (int i = 0; i < n; i++) {
			const auto *p = reinterpret_cast<const unsigned char *>(evs[i]);
			ASSERT_GE(p, data);
			ASSERT_LE(p + evs[i]->len, data + 256);
			ASSERT_EQ(evs[i]->len, AIO_ATTR_EVENT_BYTES(evs[i]->nr_attrs));
		}
		if (n > 0) {
			EXPECT_GE(ready, static_cast<unsigned int>(n));
			EXPECT_LE(bytes, f.hdr()->tail - f.hdr()->head);
		}
		const aio_attr_event *ev;
		int got = 0, ret;
		while ((ret = aa_ring_peek(&r, &ev)) == 0 && got < 64) {
			aa_ring_seen(&r, ev);
			got++;
		}
		EXPECT_TRUE(ret == -EAGAIN || ret == -EBADMSG || got == 64) << ret;
	}
}
