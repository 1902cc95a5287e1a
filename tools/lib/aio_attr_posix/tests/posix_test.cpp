// SPDX-License-Identifier: GPL-2.0
/*
 * libaioattr-posix on the host, where /dev/aio_attr is absent (AIOATTR_DEV
 * is set to a path that does not exist): argument checks come first and
 * fail as POSIX says, everything that needs the device fails with ENOSYS,
 * and the parts that only look at aiocb state (aio_error, aio_return,
 * aio_suspend's futex wait, its timeout and EINTR) work as specified.
 * The aiocb state is written here through glibc's internal fields, as the
 * library's reaper writes it.
 */
#include <aio_attr/posix.h>

#include <gtest/gtest.h>

#include <aio.h>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <pthread.h>
#include <thread>
#include <unistd.h>

using namespace std::chrono_literals;

namespace {

struct Fd {
	explicit Fd(const char *path, int flags)
	    : fd(::open(path, flags | O_CLOEXEC))
	{
	}
	~Fd()
	{
		if (fd >= 0)
			::close(fd);
	}
	Fd(const Fd &) = delete;
	Fd &operator=(const Fd &) = delete;
	int fd;
};

aiocb make_cb(int fd, void *buf, size_t len)
{
	aiocb cb{};

	cb.aio_fildes = fd;
	cb.aio_buf = buf;
	cb.aio_nbytes = len;
	cb.aio_sigevent.sigev_notify = SIGEV_NONE;
	return cb;
}

#define EXPECT_FAILS(call, err)                   \
	do {                                      \
		errno = 0;                        \
		EXPECT_EQ((call), -1) << #call;   \
		EXPECT_EQ(errno, (err)) << #call; \
	} while (0)

char buf[4096];

TEST(PosixHost, NoDeviceIsEnosys)
{
	Fd f("/dev/null", O_RDWR);
	ASSERT_GE(f.fd, 0);
	aiocb cb = make_cb(f.fd, buf, sizeof(buf));
	aiocb *list[] = { &cb };

	cb.aio_lio_opcode = LIO_READ;
	EXPECT_FAILS(aio_read(&cb), ENOSYS);
	EXPECT_FAILS(aio_write(&cb), ENOSYS);
	EXPECT_FAILS(aio_fsync(O_SYNC, &cb), ENOSYS);
	EXPECT_FAILS(aio_fsync(O_DSYNC, &cb), ENOSYS);
	EXPECT_FAILS(lio_listio(LIO_WAIT, list, 1, nullptr), ENOSYS);
	EXPECT_FAILS(lio_listio(LIO_NOWAIT, list, 1, nullptr), ENOSYS);
	EXPECT_FAILS(aio_attr_set_mask(0), ENOSYS);
	EXPECT_EQ(aio_attr_get_mask(), 0u);
	/* a zeroed aiocb asks for SIGEV_SIGNAL with signal 0: valid, no signal */
	aiocb z{};
	z.aio_fildes = f.fd;
	z.aio_buf = buf;
	z.aio_nbytes = 1;
	EXPECT_FAILS(aio_read(&z), ENOSYS);
	/* nothing of ours can be in flight */
	EXPECT_EQ(aio_cancel(f.fd, nullptr), AIO_ALLDONE);
	EXPECT_EQ(aio_cancel(f.fd, &cb), AIO_ALLDONE);
}

TEST(PosixHost, ArgumentErrorsComeFirst)
{
	Fd f("/dev/null", O_RDWR), ro("/dev/null", O_RDONLY);
	ASSERT_GE(f.fd, 0);
	aiocb cb = make_cb(f.fd, buf, sizeof(buf));
	aiocb *list[] = { &cb };

	cb.aio_reqprio = -1;
	EXPECT_FAILS(aio_read(&cb), EINVAL);
	cb.aio_reqprio = AIO_PRIO_DELTA_MAX + 1;
	EXPECT_FAILS(aio_write(&cb), EINVAL);
	cb.aio_reqprio = AIO_PRIO_DELTA_MAX;
	cb.aio_offset = -4096;
	EXPECT_FAILS(aio_read(&cb), EINVAL);
	cb.aio_offset = 0;
	cb.aio_sigevent.sigev_notify = 77;
	EXPECT_FAILS(aio_read(&cb), EINVAL);
	cb.aio_sigevent.sigev_notify = SIGEV_SIGNAL;
	cb.aio_sigevent.sigev_signo = NSIG;
	EXPECT_FAILS(aio_read(&cb), EINVAL);
	cb.aio_sigevent.sigev_notify = SIGEV_THREAD;
	cb.aio_sigevent.sigev_notify_function = nullptr;
	EXPECT_FAILS(aio_read(&cb), EINVAL);
	cb.aio_sigevent.sigev_notify = SIGEV_NONE;
	cb.aio_fildes = -1;
	EXPECT_FAILS(aio_read(&cb), EBADF);
	cb.aio_fildes = f.fd;
	EXPECT_FAILS(aio_fsync(O_RDWR, &cb), EINVAL);
	cb.aio_fildes = ro.fd;
	EXPECT_FAILS(aio_fsync(O_SYNC, &cb), EBADF);
	cb.aio_fildes = f.fd;
	EXPECT_FAILS(lio_listio(3, list, 1, nullptr), EINVAL);
	EXPECT_FAILS(lio_listio(LIO_WAIT, list, -1, nullptr), EINVAL);
	sigevent bad{};
	bad.sigev_notify = SIGEV_SIGNAL;
	bad.sigev_signo = -1;
	EXPECT_FAILS(lio_listio(LIO_NOWAIT, list, 1, &bad), EINVAL);
	EXPECT_FAILS(aio_cancel(-1, nullptr), EBADF);
	EXPECT_FAILS(aio_cancel(ro.fd, &cb), EINVAL); /* not cb's fd */
	timespec ts = { 0, -1 };
	const aiocb *cl[] = { &cb };
	EXPECT_FAILS(aio_suspend(cl, 1, &ts), EINVAL);
	ts = { -1, 0 };
	EXPECT_FAILS(aio_suspend(cl, 1, &ts), EINVAL);
	EXPECT_FAILS(aio_suspend(cl, -1, nullptr), EINVAL);
}

TEST(PosixHost, ErrorAndReturnReadTheAiocb)
{
	aiocb cb = make_cb(0, buf, 1);

	cb.__error_code = EINPROGRESS;
	EXPECT_EQ(aio_error(&cb), EINPROGRESS);
	EXPECT_FAILS(aio_return(&cb), EINVAL);
	cb.__return_value = 7;
	cb.__error_code = 0;
	EXPECT_EQ(aio_error(&cb), 0);
	EXPECT_EQ(aio_return(&cb), 7);
	cb.__return_value = -1;
	cb.__error_code = ECANCELED;
	EXPECT_EQ(aio_error(&cb), ECANCELED);
	EXPECT_EQ(aio_return(&cb), -1);
	/* a slot index that was never handed out is ignored */
	cb.__abs_prio = 1 << 30;
	EXPECT_EQ(aio_return(&cb), -1);
}

TEST(PosixHost, AttrGetOfForeignAiocb)
{
	aiocb cb = make_cb(0, buf, 1);
	uint64_t v = 0;

	EXPECT_FAILS(aio_attr_get(&cb, 0, &v), EINVAL);
	EXPECT_FAILS(aio_attr_get(&cb, 0, nullptr), EINVAL);
	cb.__error_code = EINPROGRESS;
	EXPECT_FAILS(aio_attr_get(&cb, 0, &v), EINPROGRESS);
}

TEST(PosixHost, SuspendReturnsAtOnceForFinished)
{
	aiocb done = make_cb(0, buf, 1), busy = make_cb(0, buf, 1);
	busy.__error_code = EINPROGRESS;
	const aiocb *list[] = { nullptr, &busy, &done };
	timespec zero = { 0, 0 };

	EXPECT_EQ(aio_suspend(list, 3, nullptr), 0);
	EXPECT_FAILS(aio_suspend(list, 2, &zero), EAGAIN);
	EXPECT_FAILS(aio_suspend(list, 0, &zero), EAGAIN);
}

TEST(PosixHost, SuspendTimeout)
{
	aiocb busy = make_cb(0, buf, 1);
	busy.__error_code = EINPROGRESS;
	const aiocb *list[] = { &busy };
	timespec ts = { 0, 30 * 1000 * 1000 };

	const auto t0 = std::chrono::steady_clock::now();
	EXPECT_FAILS(aio_suspend(list, 1, &ts), EAGAIN);
	EXPECT_GE(std::chrono::steady_clock::now() - t0, 30ms);
}

std::atomic<int> usr1;
void on_usr1(int)
{
	usr1++;
}

TEST(PosixHost, SuspendEintr)
{
	aiocb busy = make_cb(0, buf, 1);
	busy.__error_code = EINPROGRESS;
	const aiocb *list[] = { &busy };
	struct sigaction sa {
	}, old{};
	sa.sa_handler = on_usr1; /* no SA_RESTART */
	ASSERT_EQ(sigaction(SIGUSR1, &sa, &old), 0);
	const pthread_t self = pthread_self();

	for (int with_timeout = 0; with_timeout < 2; with_timeout++) {
		usr1 = 0;
		std::thread k([self] {
			std::this_thread::sleep_for(30ms);
			pthread_kill(self, SIGUSR1);
		});
		timespec ts = { 30, 0 };
		errno = 0;
		const int r = aio_suspend(list, 1, with_timeout ? &ts : nullptr);
		const int e = errno;
		k.join();
		EXPECT_EQ(r, -1);
		EXPECT_EQ(e, EINTR);
		EXPECT_EQ(usr1.load(), 1);
	}
	sigaction(SIGUSR1, &old, nullptr);
}

} // namespace
