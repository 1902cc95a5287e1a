// SPDX-License-Identifier: GPL-2.0
/*
 * File descriptor and mapping owners.
 */
#include <aio_attr/context.hpp>
#include <aio_attr/unique_fd.hpp>

#include <string>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

using namespace aio_attr;

namespace {

bool is_open(int fd)
{
	return ::fcntl(fd, F_GETFD) >= 0;
}

} // namespace

TEST(UniqueFd, ClosesOnDestructionAndMoves)
{
	int p[2];
	ASSERT_EQ(::pipe(p), 0);
	{
		unique_fd a(p[0]);
		unique_fd b(p[1]);
		EXPECT_TRUE(a);
		unique_fd c(std::move(a));
		EXPECT_FALSE(a);
		EXPECT_EQ(c.get(), p[0]);
		c = std::move(b);
		EXPECT_FALSE(is_open(p[0]));
		EXPECT_TRUE(is_open(p[1]));
	}
	EXPECT_FALSE(is_open(p[1]));
}

TEST(UniqueFd, Release)
{
	int p[2];
	ASSERT_EQ(::pipe(p), 0);
	{
		unique_fd a(p[0]);
		EXPECT_EQ(a.release(), p[0]);
		unique_fd b(p[1]);
	}
	EXPECT_TRUE(is_open(p[0]));
	EXPECT_FALSE(is_open(p[1]));
	::close(p[0]);
}

TEST(UniqueFd, OpenFdThrowsErrno)
{
	try {
		open_fd("/nonexistent/aio_attr", O_RDONLY);
		ADD_FAILURE() << "no throw";
	} catch (const std::system_error &e) {
		EXPECT_EQ(e.code(), std::errc::no_such_file_or_directory);
	}
	unique_fd fd = open_fd("/dev/null", O_RDONLY);
	EXPECT_TRUE(fd);
	EXPECT_TRUE(::fcntl(fd.get(), F_GETFD) & FD_CLOEXEC);
}

TEST(UniqueFd, Eventfd)
{
	unique_fd e = make_eventfd();
	uint64_t v = 3;
	ASSERT_EQ(::write(e.get(), &v, sizeof(v)), 8);
	v = 0;
	ASSERT_EQ(::read(e.get(), &v, sizeof(v)), 8);
	EXPECT_EQ(v, 3u);
}

TEST(Mapping, MapsAndUnmaps)
{
	Mapping m = Mapping::map(-1, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	ASSERT_TRUE(m);
	EXPECT_EQ(m.size(), 8192u);
	static_cast<char *>(m.get())[8191] = 1;
	Mapping n(std::move(m));
	EXPECT_FALSE(m);
	EXPECT_TRUE(n);
	n.reset();
	EXPECT_FALSE(n);
	EXPECT_THROW(Mapping::map(-1, 4096, PROT_READ, MAP_SHARED), std::system_error);
}

TEST(Context, MissingDeviceThrowsEnoent)
{
	try {
		Context ctx("/nonexistent/aio_attr");
		ADD_FAILURE() << "no throw";
	} catch (const std::system_error &e) {
		EXPECT_EQ(e.code().value(), ENOENT);
	}
}

/* nullptr opens the default device, and a failure names it. */
TEST(Context, NullPathMeansTheDefaultDevice)
{
	try {
		Context ctx(nullptr);
		EXPECT_GE(ctx.fd(), 0); /* a machine with the module loaded */
	} catch (const std::system_error &e) {
		EXPECT_NE(std::string(e.what()).find(Context::default_path), std::string::npos)
			<< e.what();
	}
}

/* A Context before setup() has an invalid Ring, which reads as empty. */
TEST(Context, RingBeforeSetupReadsEmpty)
{
	Context ctx(open_fd("/dev/null", O_RDWR));
	const Ring &r = ctx.ring();

	EXPECT_FALSE(r.valid());
	EXPECT_EQ(r.head(), 0u);
	EXPECT_EQ(r.tail(), 0u);
	EXPECT_EQ(r.pending_bytes(), 0u);
	EXPECT_TRUE(r.empty());
	EXPECT_EQ(r.ready(), 0u);
	EXPECT_FALSE(r.overflow());
	EXPECT_EQ(r.overflow_total(), 0u);
	EXPECT_EQ(r.posted_total(), 0u);
}

TEST(Context, IoctlOnWrongFileThrows)
{
	/* /dev/null is not a context: every ioctl fails with ENOTTY. */
	Context ctx(open_fd("/dev/null", O_RDWR));
	EXPECT_THROW(ctx.probe(), std::system_error);
	EXPECT_THROW(ctx.setup(4096), std::system_error);
	aio_attr_sqe sqe{};
	EXPECT_THROW(ctx.submit(sqe), std::system_error);
	EXPECT_THROW(ctx.wait(0, std::chrono::nanoseconds{ 0 }), std::system_error);
	EXPECT_FALSE(ctx.is_setup());
}

TEST(Context, MoveLeavesSourceEmpty)
{
	Context a(open_fd("/dev/null", O_RDWR));
	const int fd = a.fd();
	Context b(std::move(a));
	EXPECT_EQ(b.fd(), fd);
	EXPECT_EQ(a.fd(), -1);
	EXPECT_FALSE(a.is_setup());
	EXPECT_FALSE(a.ring().valid());
}
