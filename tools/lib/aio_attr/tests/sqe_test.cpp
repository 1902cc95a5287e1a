// SPDX-License-Identifier: GPL-2.0
/*
 * Request builders and ABI struct layout.
 */
#include <aio_attr/sqe.hpp>

#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <vector>

using namespace aio_attr;

namespace {

void expect_reserved_zero(const aio_attr_sqe &s)
{
	EXPECT_EQ(s.flags, 0);
	EXPECT_EQ(s.ioprio, 0);
	EXPECT_EQ(s.resv0, 0u);
	EXPECT_EQ(s.resv[0], 0u);
	EXPECT_EQ(s.resv[1], 0u);
}

} // namespace

TEST(AbiLayout, SizesAndOffsets)
{
	EXPECT_EQ(sizeof(aio_attr_sqe), 64u);
	EXPECT_EQ(sizeof(aio_attr_event), 24u);
	EXPECT_EQ(sizeof(aio_attr_rec), 16u);
	EXPECT_EQ(AIO_ATTR_EVENT_BYTES(6), 120u);
	EXPECT_EQ(offsetof(aio_attr_ring_hdr, tail), 64u);
	EXPECT_EQ(sizeof(aio_attr_submit), 40u);
	EXPECT_EQ(sizeof(aio_attr_wait), 40u);
	EXPECT_EQ(sizeof(aio_attr_setup), 72u);
	EXPECT_EQ(sizeof(aio_attr_probe), 72u);
	EXPECT_EQ(offsetof(aio_attr_sqe, addr), 8u);
	EXPECT_EQ(offsetof(aio_attr_sqe, offset), 24u);
	EXPECT_EQ(offsetof(aio_attr_sqe, attr_mask), 40u);
}

TEST(Sqe, ReadWrite)
{
	alignas(4096) static std::byte buf[4096];
	const uint64_t mask = AIO_ATTR_BIT(AIO_ATTR_SERVICE_NS);

	aio_attr_sqe s = prep_read(5, buf, 4096, 8192).data(77).attrs(mask);
	EXPECT_EQ(s.opcode, AIO_ATTR_OP_READ);
	EXPECT_EQ(s.fd, 5);
	EXPECT_EQ(s.addr, reinterpret_cast<uintptr_t>(buf));
	EXPECT_EQ(s.len, 4096u);
	EXPECT_EQ(s.offset, 8192u);
	EXPECT_EQ(s.user_data, 77u);
	EXPECT_EQ(s.attr_mask, mask);
	expect_reserved_zero(s);

	s = prep_write(6, buf, 512, 0).data(78);
	EXPECT_EQ(s.opcode, AIO_ATTR_OP_WRITE);
	EXPECT_EQ(s.fd, 6);
	EXPECT_EQ(s.len, 512u);
	EXPECT_EQ(s.attr_mask, 0u);
	expect_reserved_zero(s);

	std::vector<std::byte> v(1024);
	s = prep_read(7, std::span<std::byte>(v), 4096).data(1);
	EXPECT_EQ(s.addr, reinterpret_cast<uintptr_t>(v.data()));
	EXPECT_EQ(s.len, 1024u);
	s = prep_write(7, std::span<const std::byte>(v), 4096).data(1).attrs(AIO_ATTR_ALL);
	EXPECT_EQ(s.opcode, AIO_ATTR_OP_WRITE);
	EXPECT_EQ(s.attr_mask, AIO_ATTR_ALL);
}

TEST(Sqe, SpanTooLongThrowsE2big)
{
	/* Never dereferenced: only the size matters. */
	std::span<std::byte> huge(reinterpret_cast<std::byte *>(4096), (1ULL << 32));
	try {
		prep_read(3, huge, 0);
		ADD_FAILURE() << "no throw";
	} catch (const std::system_error &e) {
		EXPECT_EQ(e.code().value(), E2BIG);
	}
}

TEST(Sqe, Vectored)
{
	char a[16], b[32];
	iovec iov[2] = { { a, sizeof(a) }, { b, sizeof(b) } };

	aio_attr_sqe s = prep_readv(3, iov, 512).data(9).attrs(1);
	EXPECT_EQ(s.opcode, AIO_ATTR_OP_READV);
	EXPECT_EQ(s.addr, reinterpret_cast<uintptr_t>(iov));
	EXPECT_EQ(s.len, 2u);
	EXPECT_EQ(s.offset, 512u);
	expect_reserved_zero(s);
	s = prep_writev(3, iov, 0).data(10);
	EXPECT_EQ(s.opcode, AIO_ATTR_OP_WRITEV);
	EXPECT_EQ(s.user_data, 10u);
}

TEST(Sqe, Sync)
{
	aio_attr_sqe s = prep_fsync(4).data(11).attrs(AIO_ATTR_BIT(AIO_ATTR_COMPLETION_CTX));
	EXPECT_EQ(s.opcode, AIO_ATTR_OP_FSYNC);
	EXPECT_EQ(s.fd, 4);
	EXPECT_EQ(s.addr, 0u);
	EXPECT_EQ(s.len, 0u);
	EXPECT_EQ(s.offset, 0u);
	EXPECT_EQ(s.user_data, 11u);
	EXPECT_EQ(s.attr_mask, AIO_ATTR_BIT(AIO_ATTR_COMPLETION_CTX));
	expect_reserved_zero(s);
	s = prep_fdatasync(4).data(12);
	EXPECT_EQ(s.opcode, AIO_ATTR_OP_FDATASYNC);
}

TEST(Sqe, Fixed)
{
	alignas(4096) static std::byte buf[8192];
	const uint64_t mask = AIO_ATTR_BIT(AIO_ATTR_SERVICE_NS);

	aio_attr_sqe s = prep_read_fixed(5, buf + 4096, 4096, 512, 3).data(21).attrs(mask);
	EXPECT_EQ(s.opcode, AIO_ATTR_OP_READ);
	EXPECT_EQ(s.flags, AIO_ATTR_SQE_FIXED_BUF);
	EXPECT_EQ(s.buf_index, 3u);
	EXPECT_EQ(s.fd, 5);
	EXPECT_EQ(s.addr, reinterpret_cast<uintptr_t>(buf + 4096));
	EXPECT_EQ(s.len, 4096u);
	EXPECT_EQ(s.offset, 512u);
	EXPECT_EQ(s.user_data, 21u);
	EXPECT_EQ(s.attr_mask, mask);
	EXPECT_EQ(s.ioprio, 0);
	EXPECT_EQ(s.resv[0], 0u);
	EXPECT_EQ(s.resv[1], 0u);

	s = prep_write_fixed(6, buf, 512, 0, 0).data(22);
	EXPECT_EQ(s.opcode, AIO_ATTR_OP_WRITE);
	EXPECT_EQ(s.flags, AIO_ATTR_SQE_FIXED_BUF);
	EXPECT_EQ(s.buf_index, 0u);
	EXPECT_EQ(s.attr_mask, 0u);
}

/*
 * The builders take only the I/O's own arguments; user_data, attributes
 * and priority are named where they are set, in any order, and setting
 * one leaves the others alone.
 */
TEST(Sqe, NamedSettersInAnyOrder)
{
	alignas(4096) static std::byte buf[4096];
	const Sqe a = prep_read(5, buf, 4096, 0).attrs(AIO_ATTR_ALL).prio(3).data(9);
	const Sqe b = prep_read(5, buf, 4096, 0).data(9).prio(3).attrs(AIO_ATTR_ALL);

	EXPECT_EQ(std::memcmp(&a, &b, sizeof(aio_attr_sqe)), 0);
	EXPECT_EQ(a.user_data, 9u);
	EXPECT_EQ(a.attr_mask, AIO_ATTR_ALL);
	EXPECT_EQ(a.ioprio, 3);
	EXPECT_EQ(a.offset, 0u);
	/* The setters return a copy: the request they are called on stays. */
	const Sqe base = prep_fsync(2);
	const Sqe tagged = base.data(1);
	EXPECT_EQ(base.user_data, 0u);
	EXPECT_EQ(tagged.user_data, 1u);
	/* An Sqe is a struct aio_attr_sqe. */
	static_assert(sizeof(Sqe) == sizeof(aio_attr_sqe));
	const aio_attr_sqe &raw = a;
	EXPECT_EQ(raw.fd, 5);
}
