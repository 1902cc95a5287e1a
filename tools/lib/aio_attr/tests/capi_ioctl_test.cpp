// SPDX-License-Identifier: GPL-2.0
/*
 * What libaioattr's version 2 calls put into their ioctl and make of the
 * answer, without /dev/aio_attr: this program defines ioctl(2) itself, so
 * the library's calls on the descriptor FAKE_FD land in a stand-in that
 * records the argument and answers as the kernel would (the ABI in
 * include/uapi/linux/aio_attr.h); every other descriptor goes to the real
 * system call.  The kernel side itself is tested in the guest (api_worker,
 * posix_conformance).
 */
#include <aio_attr/aio_attr.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <functional>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if AIO_ATTR_VERSION >= 2
namespace {

/* A descriptor number no test opens for real. */
constexpr int FAKE_FD = 1000;

struct Fake {
	unsigned long req = 0;
	aio_attr_cancel cancel{};
	aio_attr_submit submit{};
	int calls = 0;
	/* Fills in the kernel's outputs; returns the ioctl's result (-errno). */
	std::function<long(void *)> answer;
} fake;

} // namespace

extern "C" int ioctl(int fd, unsigned long req, ...) noexcept
{
	va_list ap;
	void *arg;
	long ret;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd != FAKE_FD)
		return (int)syscall(SYS_ioctl, fd, req, arg);
	fake.calls++;
	fake.req = req;
	if (req == AIO_ATTR_IOC_CANCEL)
		std::memcpy(&fake.cancel, arg, sizeof(fake.cancel));
	else if (req == AIO_ATTR_IOC_SUBMIT)
		std::memcpy(&fake.submit, arg, sizeof(fake.submit));
	ret = fake.answer ? fake.answer(arg) : -ENOTTY;
	if (ret < 0) {
		errno = (int)-ret;
		return -1;
	}
	return (int)ret;
}

namespace {

class CIoctl : public ::testing::Test {
protected:
	void SetUp() override
	{
		fake = Fake{};
		aa_ctx_from_fd(&ctx, FAKE_FD);
		ctx.setup.version = 2;
	}
	void TearDown() override { ctx.fd = -1; } /* FAKE_FD is not ours to close */

	aa_ctx ctx;
};

/* As the kernel: a group of @members (the last sqe may be GROUP_DONE) of which @accept go in. */
std::function<long(void *)> accept_group(unsigned int accept, int refuse_err, int wait_err)
{
	return [=](void *arg) -> long {
		auto *s = static_cast<aio_attr_submit *>(arg);

		s->accepted = accept;
		s->error = refuse_err;
		s->wait_error = wait_err;
		return accept == 0 && refuse_err ? -refuse_err : (long)accept;
	};
}

} // namespace

TEST_F(CIoctl, PrepGroupDoneClearsEverythingElse)
{
	aio_attr_sqe sqe, want;

	std::memset(&sqe, 0xa5, sizeof(sqe));
	aa_prep_group_done(&sqe);
	std::memset(&want, 0, sizeof(want));
	want.opcode = AIO_ATTR_OP_GROUP_DONE;
	want.fd = -1;
	EXPECT_EQ(std::memcmp(&sqe, &want, sizeof(sqe)), 0);
}

TEST_F(CIoctl, CancelSendsMinusOneAndZeroForUnselectedFields)
{
	unsigned int cancelled = 99, running = 99;

	fake.answer = [](void *arg) -> long {
		auto *c = static_cast<aio_attr_cancel *>(arg);

		c->cancelled = 3;
		c->running = 1;
		return 0;
	};
	EXPECT_EQ(aa_cancel(&ctx, AIO_ATTR_CANCEL_USER_DATA, 7, 42, &cancelled, &running), 0);
	EXPECT_EQ(fake.req, AIO_ATTR_IOC_CANCEL);
	EXPECT_EQ(fake.cancel.flags, AIO_ATTR_CANCEL_USER_DATA);
	EXPECT_EQ(fake.cancel.fd, -1);
	EXPECT_EQ(fake.cancel.user_data, 42u);
	EXPECT_EQ(fake.cancel.resv[0] | fake.cancel.resv[1], 0u);
	EXPECT_EQ(cancelled, 3u);
	EXPECT_EQ(running, 1u);

	EXPECT_EQ(aa_cancel(&ctx, AIO_ATTR_CANCEL_FD, 7, 42, nullptr, nullptr), 0);
	EXPECT_EQ(fake.cancel.fd, 7);
	EXPECT_EQ(fake.cancel.user_data, 0u);

	EXPECT_EQ(aa_cancel(&ctx, AIO_ATTR_CANCEL_FD | AIO_ATTR_CANCEL_USER_DATA, 7, 42, nullptr,
			    nullptr),
		  0);
	EXPECT_EQ(fake.cancel.fd, 7);
	EXPECT_EQ(fake.cancel.user_data, 42u);
}

TEST_F(CIoctl, CancelFailureIsNegativeErrnoAndZeroCounts)
{
	unsigned int cancelled = 99, running = 99;

	fake.answer = [](void *) -> long {
		return -EBADFD;
	};
	EXPECT_EQ(aa_cancel(&ctx, AIO_ATTR_CANCEL_FD, 3, 0, &cancelled, &running), -EBADFD);
	EXPECT_EQ(cancelled, 0u);
	EXPECT_EQ(running, 0u);
}

TEST_F(CIoctl, GroupRejectsFlagsOtherThanWaitWithoutACall)
{
	aio_attr_sqe sqe;
	int err = 99, werr = 99;

	aa_prep_fsync(&sqe, 3);
	EXPECT_EQ(aa_submit_group(&ctx, &sqe, 1, AIO_ATTR_SUBMIT_GROUP, -1, &err, &werr), -EINVAL);
	EXPECT_EQ(aa_submit_group(&ctx, &sqe, 1, 1U << 7, -1, &err, &werr), -EINVAL);
	EXPECT_EQ(werr, 0);
	EXPECT_EQ(fake.calls, 0);
}

TEST_F(CIoctl, GroupWaitSendsFlagsTimeoutAndReportsWaitError)
{
	aio_attr_sqe sqes[2];
	int err = 99, werr = 99;

	aa_prep_fsync(&sqes[0], 3);
	aa_prep_fsync(&sqes[1], 4);
	fake.answer = accept_group(2, 0, ETIME);
	EXPECT_EQ(aa_submit_group(&ctx, sqes, 2, AIO_ATTR_SUBMIT_WAIT, 5000, &err, &werr), 2);
	EXPECT_EQ(fake.submit.flags, AIO_ATTR_SUBMIT_GROUP | AIO_ATTR_SUBMIT_WAIT);
	EXPECT_EQ(fake.submit.nr, 2u);
	EXPECT_EQ(fake.submit.sqes, (uintptr_t)sqes);
	EXPECT_EQ(fake.submit.min_complete, 0u);
	EXPECT_EQ(fake.submit.timeout_ns, 5000);
	EXPECT_EQ(err, 0);
	EXPECT_EQ(werr, ETIME);

	/* Negative waits forever; without the flag the timeout is not sent. */
	EXPECT_EQ(aa_submit_group(&ctx, sqes, 2, AIO_ATTR_SUBMIT_WAIT, -5, &err, &werr), 2);
	EXPECT_EQ(fake.submit.timeout_ns, -1);
	fake.answer = accept_group(2, 0, 0);
	EXPECT_EQ(aa_submit_group(&ctx, sqes, 2, 0, 5000, &err, &werr), 2);
	EXPECT_EQ(fake.submit.flags, AIO_ATTR_SUBMIT_GROUP);
	EXPECT_EQ(fake.submit.timeout_ns, 0);
}

TEST_F(CIoctl, GroupDoneIsNotAMember)
{
	aio_attr_sqe sqes[3];
	int err = 99, werr = 99;

	aa_prep_fsync(&sqes[0], 3);
	aa_prep_fsync(&sqes[1], 4);
	aa_prep_group_done(&sqes[2]);
	/* Both members in: the whole batch, though the kernel counts 2 of 3 sqes. */
	fake.answer = accept_group(2, 0, 0);
	EXPECT_EQ(aa_submit_group(&ctx, sqes, 3, 0, -1, &err, &werr), 2);
	EXPECT_EQ(fake.submit.nr, 3u);
	EXPECT_EQ(err, 0);
	/* Stopped at the second member. */
	fake.answer = accept_group(1, EBADF, 0);
	EXPECT_EQ(aa_submit_group(&ctx, sqes, 3, 0, -1, &err, &werr), 1);
	EXPECT_EQ(err, EBADF);
}

TEST_F(CIoctl, GroupFirstRefusalAndCallFailure)
{
	aio_attr_sqe sqe;
	int err = 99, werr = 99;

	aa_prep_fsync(&sqe, 3);
	/* The first request refused: 0 queued, the reason in *error, as aa_submit(). */
	fake.answer = accept_group(0, EAGAIN, ETIME);
	EXPECT_EQ(aa_submit_group(&ctx, &sqe, 1, AIO_ATTR_SUBMIT_WAIT, -1, &err, &werr), 0);
	EXPECT_EQ(err, EAGAIN);
	EXPECT_EQ(werr, 0) << "no wait ran";
	/* The call itself failed. */
	fake.answer = [](void *) -> long {
		return -EBADFD;
	};
	EXPECT_EQ(aa_submit_group(&ctx, &sqe, 1, 0, -1, &err, &werr), -EBADFD);
}

TEST(CIoctlReal, CallsOnANonContextDescriptorFail)
{
	aa_ctx ctx;
	aio_attr_sqe sqe;
	int err, werr;
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	ASSERT_GE(fd, 0);
	aa_ctx_from_fd(&ctx, fd);
	aa_prep_fsync(&sqe, fd);
	EXPECT_EQ(aa_cancel(&ctx, AIO_ATTR_CANCEL_FD, fd, 0, nullptr, nullptr), -ENOTTY);
	EXPECT_EQ(aa_submit_group(&ctx, &sqe, 1, 0, -1, &err, &werr), -ENOTTY);
	aa_ctx_close(&ctx);
	EXPECT_EQ(aa_cancel(&ctx, AIO_ATTR_CANCEL_FD, 0, 0, nullptr, nullptr), -EBADF);
}
#endif
