// SPDX-License-Identifier: GPL-2.0
/*
 * aa_posix - POSIX <aio.h> conformance of libaioattr-posix, linked
 * statically (the library's aio_read & co. win over the C library's).
 *
 *   aa_posix --file PATH --held DEV --dm NAME
 *   aa_posix --enosys
 *
 * PATH is a scratch file on a file system that takes buffered I/O; DEV a
 * dm linear device over brd that the program suspends (`dmsetup suspend
 * NAME`) so that a buffered read of it blocks in the only worker
 * (max_workers=1): later requests queue and can be cancelled.  --enosys:
 * the device is absent (module unloaded), every call fails cleanly.
 *
 * Cases: the specified return values and errors of each function (EINVAL,
 * EBADF, EAGAIN, EINPROGRESS, ECANCELED, EINTR, EIO), aio_suspend's
 * timeout and EINTR, SIGEV_SIGNAL and SIGEV_THREAD delivery, aio_cancel
 * of a queued and of a running request, lio_listio LIO_WAIT and
 * LIO_NOWAIT with a failing member, the attribute extension, aiocbs
 * reused without aio_return from several threads, and fork.
 */
#include "aatest.hpp"

#include <aio_attr/posix.h>

#include <aio.h>
#include <atomic>
#include <pthread.h>
#include <sys/mman.h>
#include <thread>

using namespace aatest;
using aio_attr::unique_fd;

namespace {

const char *file_path;
const char *held_path;
const char *dm_name;

unique_fd open_fd(const char *path, int flags)
{
	const int fd = ::open(path, flags | O_CLOEXEC, 0600);

	if (fd < 0)
		aio_attr::throw_errno(path);
	return unique_fd(fd);
}

aiocb make_cb(int fd, void *buf, size_t len, off_t off, int opcode = LIO_NOP)
{
	aiocb cb{};

	cb.aio_fildes = fd;
	cb.aio_buf = buf;
	cb.aio_nbytes = len;
	cb.aio_offset = off;
	cb.aio_lio_opcode = opcode;
	cb.aio_sigevent.sigev_notify = SIGEV_NONE;
	return cb;
}

/* -1 with @err, as POSIX says the call fails. */
void require_fails(int ret, int err, const char *what)
{
	const int e = errno;

	require(ret == -1 && e == err, strf("%s: returned %d errno %s, expected -1 %s", what, ret,
					    strerrorname_np(e), strerrorname_np(err)));
}

/* Wait (bounded) until @cb is no longer in progress. */
void wait_done(const aiocb &cb, std::chrono::milliseconds limit = 10s)
{
	const aiocb *list[] = { &cb };
	const auto end = clock::now() + limit;

	while (aio_error(&cb) == EINPROGRESS) {
		require(clock::now() < end, "request still in progress after the limit");
		timespec ts = { 0, 100 * 1000 * 1000 };
		aio_suspend(list, 1, &ts);
	}
}

/* Final result of @cb: aio_error must be 0 and aio_return @want. */
void require_ok(aiocb &cb, ssize_t want, const char *what)
{
	wait_done(cb);
	const int e = aio_error(&cb);
	const ssize_t r = aio_return(&cb);

	require(e == 0 && r == want, strf("%s: aio_error %s aio_return %zd, expected 0 and %zd",
					  what, strerrorname_np(e), r, want));
}

void require_err(aiocb &cb, int err, const char *what)
{
	wait_done(cb);
	const int e = aio_error(&cb);
	const ssize_t r = aio_return(&cb);

	require(e == err && r == -1, strf("%s: aio_error %s aio_return %zd, expected %s and -1",
					  what, strerrorname_np(e), r, strerrorname_np(err)));
}

void drop_cache(int fd)
{
	require(!::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED), "fadvise DONTNEED");
}

std::atomic<int> thread_calls;
std::atomic<intptr_t> thread_value;
std::atomic<int> thread_saw_error;

void on_thread(sigval v)
{
	thread_value = reinterpret_cast<intptr_t>(v.sival_ptr);
	thread_saw_error = aio_error(static_cast<const aiocb *>(v.sival_ptr));
	thread_calls++;
}

/* Wait up to @limit for @n calls of on_thread(). */
void wait_thread_calls(int n, std::chrono::milliseconds limit = 5s)
{
	const auto end = clock::now() + limit;

	while (thread_calls.load() < n) {
		require(clock::now() < end,
			strf("%d SIGEV_THREAD calls, expected %d", thread_calls.load(), n));
		std::this_thread::sleep_for(1ms);
	}
}

volatile sig_atomic_t usr1_seen;
void on_usr1(int)
{
	usr1_seen = 1;
}

/* A signal blocked in this thread, taken with sigtimedwait. */
siginfo_t take_signal(int sig, std::chrono::seconds limit = 5s)
{
	sigset_t set;
	siginfo_t si{};
	timespec ts = { static_cast<time_t>(limit.count()), 0 };

	sigemptyset(&set);
	sigaddset(&set, sig);
	const int r = sigtimedwait(&set, &si, &ts);
	require(r == sig, strf("sigtimedwait: %d (%s)", r, strerrorname_np(errno)));
	return si;
}

void block_signal(int sig)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, sig);
	require(!pthread_sigmask(SIG_BLOCK, &set, nullptr), "pthread_sigmask");
}

/* Run @body in a forked child (after this process used the library); its verdict. */
bool in_child(const std::function<bool()> &body)
{
	ChildProc c = fork_child([&body](int w) {
		char ok = 0;
		try {
			ok = body();
		} catch (...) {
		}
		_exit(::write(w, &ok, 1) == 1 ? 0 : 3);
	});
	char ok = 0;
	const ssize_t n = ::read(c.report.get(), &ok, 1);
	int st = 0;

	::waitpid(c.pid, &st, 0);
	return n == 1 && ok;
}

void run_enosys(Suite &s)
{
	s.run("enosys", [] {
		Buffer buf(4096);
		const unique_fd f = open_fd("/dev/null", O_RDWR);
		aiocb cb = make_cb(f.get(), buf.data(), 4096, 0);
		aiocb *list[] = { &cb };

		cb.aio_lio_opcode = LIO_READ;
		require_fails(aio_read(&cb), ENOSYS, "aio_read");
		require_fails(aio_write(&cb), ENOSYS, "aio_write");
		require_fails(aio_fsync(O_SYNC, &cb), ENOSYS, "aio_fsync");
		require_fails(lio_listio(LIO_WAIT, list, 1, nullptr), ENOSYS, "lio_listio");
		require_fails(aio_attr_set_mask(0), ENOSYS, "aio_attr_set_mask");
		require(aio_cancel(f.get(), nullptr) == AIO_ALLDONE, "aio_cancel: not AIO_ALLDONE");
		/* argument errors come first */
		cb.aio_reqprio = -1;
		require_fails(aio_read(&cb), EINVAL, "aio_read reqprio -1");
	});
}

} // namespace

int main(int argc, char **argv)
{
	Suite s("posix");

	if (arg_flag(argc, argv, "--enosys")) {
		run_enosys(s);
		return s.exit_code();
	}
	file_path = arg_value(argc, argv, "--file");
	held_path = arg_value(argc, argv, "--held");
	dm_name = arg_value(argc, argv, "--dm");
	if (!file_path || !held_path || !dm_name) {
		std::fprintf(stderr,
			     "usage: aa_posix --file PATH --held DEV --dm NAME | --enosys\n");
		return 2;
	}
	signal(SIGUSR1, SIG_DFL);

	s.run("read_write", [] {
		const unique_fd f = open_fd(file_path, O_RDWR | O_CREAT | O_TRUNC);
		Buffer w(65536), r(65536);
		fill_pattern(w.span(), 1, 0);
		aiocb cb = make_cb(f.get(), w.data(), w.size(), 0);

		require(aio_write(&cb) == 0, strf("aio_write: %s", strerrorname_np(errno)));
		require_ok(cb, 65536, "aio_write");
		cb = make_cb(f.get(), r.data(), r.size(), 0);
		require(aio_read(&cb) == 0, strf("aio_read: %s", strerrorname_np(errno)));
		require_ok(cb, 65536, "aio_read");
		require(check_pattern(r.span(), 1, 0) < 0, "read data differ from written");
		/* past the end: 0 bytes, and a zero-length request is done at once */
		cb = make_cb(f.get(), r.data(), 4096, 1 << 20);
		require(aio_read(&cb) == 0, "aio_read past EOF");
		require_ok(cb, 0, "aio_read past EOF");
		cb = make_cb(f.get(), r.data(), 0, 0);
		require(aio_read(&cb) == 0 && aio_error(&cb) == 0 && aio_return(&cb) == 0,
			"zero-length aio_read");
		/* a request that fails at completion: EFAULT in aio_error */
		void *hole = ::mmap(nullptr, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		require(hole != MAP_FAILED, "mmap");
		cb = make_cb(f.get(), hole, 4096, 0);
		const int ret = aio_read(&cb);
		::munmap(hole, 4096);
		if (ret == 0)
			require_err(cb, EFAULT, "read into PROT_NONE");
		else
			require_fails(ret, EFAULT, "aio_read into PROT_NONE");
	});

	s.run("fsync", [] {
		const unique_fd f = open_fd(file_path, O_RDWR);
		aiocb cb = make_cb(f.get(), nullptr, 0, 0);

		require(aio_fsync(O_SYNC, &cb) == 0,
			strf("aio_fsync O_SYNC: %s", strerrorname_np(errno)));
		require_ok(cb, 0, "aio_fsync O_SYNC");
		cb = make_cb(f.get(), nullptr, 0, 0);
		require(aio_fsync(O_DSYNC, &cb) == 0, "aio_fsync O_DSYNC");
		require_ok(cb, 0, "aio_fsync O_DSYNC");
	});

	s.run("einval", [] {
		const unique_fd f = open_fd(file_path, O_RDWR);
		Buffer buf(4096);
		aiocb cb = make_cb(f.get(), buf.data(), 4096, 0);
		aiocb *list[] = { &cb };

		cb.aio_reqprio = -1;
		require_fails(aio_read(&cb), EINVAL, "aio_read reqprio -1");
		cb.aio_reqprio = AIO_PRIO_DELTA_MAX + 1;
		require_fails(aio_write(&cb), EINVAL, "aio_write reqprio > AIO_PRIO_DELTA_MAX");
		cb.aio_reqprio = 0;
		cb.aio_offset = -1;
		require_fails(aio_read(&cb), EINVAL, "aio_read offset -1");
		cb.aio_offset = 0;
		cb.aio_sigevent.sigev_notify = 12345;
		require_fails(aio_read(&cb), EINVAL, "aio_read bad sigev_notify");
		cb.aio_sigevent.sigev_notify = SIGEV_SIGNAL;
		cb.aio_sigevent.sigev_signo = -1;
		require_fails(aio_read(&cb), EINVAL, "aio_read SIGEV_SIGNAL signal -1");
		cb.aio_sigevent.sigev_notify = SIGEV_NONE;
		require_fails(aio_fsync(O_RDWR, &cb), EINVAL, "aio_fsync bad op");
		require_fails(lio_listio(12345, list, 1, nullptr), EINVAL, "lio_listio bad mode");
		require_fails(lio_listio(LIO_WAIT, list, -1, nullptr), EINVAL,
			      "lio_listio nent -1");
		require_fails(lio_listio(LIO_WAIT, list, 1 << 30, nullptr), EINVAL,
			      "lio_listio nent > AIO_LISTIO_MAX");
		timespec bad = { 0, 1000000000L };
		const aiocb *clist[] = { &cb };
		cb.aio_fildes = -1; /* never submitted: no effect */
		require_fails(aio_suspend(clist, 1, &bad), EINVAL, "aio_suspend tv_nsec 1e9");
	});

	s.run("ebadf", [] {
		Buffer buf(4096);
		const unique_fd ro = open_fd(file_path, O_RDONLY);
		const unique_fd wo = open_fd(file_path, O_WRONLY);
		aiocb cb = make_cb(-1, buf.data(), 4096, 0);

		require_fails(aio_read(&cb), EBADF, "aio_read fd -1");
		cb.aio_fildes = wo.get();
		require_fails(aio_read(&cb), EBADF, "aio_read of an O_WRONLY fd");
		cb.aio_fildes = ro.get();
		require_fails(aio_write(&cb), EBADF, "aio_write of an O_RDONLY fd");
		require_fails(aio_fsync(O_SYNC, &cb), EBADF, "aio_fsync of an O_RDONLY fd");
		require_fails(aio_cancel(-1, nullptr), EBADF, "aio_cancel fd -1");
		int closed = ::dup(ro.get());
		::close(closed);
		require_fails(aio_cancel(closed, nullptr), EBADF, "aio_cancel closed fd");
	});

	s.run("sigev_signal", [] {
		const int sig = SIGRTMIN + 1;
		const unique_fd f = open_fd(file_path, O_RDONLY);
		Buffer buf(4096);
		aiocb cb = make_cb(f.get(), buf.data(), 4096, 0);

		block_signal(sig);
		cb.aio_sigevent.sigev_notify = SIGEV_SIGNAL;
		cb.aio_sigevent.sigev_signo = sig;
		cb.aio_sigevent.sigev_value.sival_ptr = &cb;
		require(aio_read(&cb) == 0, "aio_read");
		const siginfo_t si = take_signal(sig);
		require(si.si_code == SI_ASYNCIO,
			strf("si_code %d, expected SI_ASYNCIO", si.si_code));
		require(si.si_value.sival_ptr == &cb, "si_value is not the sigevent's");
		require(si.si_pid == ::getpid(), "si_pid is not ours");
		/* the state is final when the signal comes */
		require(aio_error(&cb) == 0 && aio_return(&cb) == 4096,
			"aiocb not final at the signal");
	});

	s.run("sigev_thread", [] {
		const unique_fd f = open_fd(file_path, O_RDONLY);
		Buffer buf(4096);
		aiocb cb = make_cb(f.get(), buf.data(), 4096, 0);

		thread_calls = 0;
		cb.aio_sigevent.sigev_notify = SIGEV_THREAD;
		cb.aio_sigevent.sigev_notify_function = on_thread;
		cb.aio_sigevent.sigev_value.sival_ptr = &cb;
		require(aio_read(&cb) == 0, "aio_read");
		wait_thread_calls(1);
		require(thread_value == reinterpret_cast<intptr_t>(&cb), "wrong sigev_value");
		require(thread_saw_error == 0, "aio_error was not final in the notification");
		require_ok(cb, 4096, "SIGEV_THREAD read");
		std::this_thread::sleep_for(50ms);
		require(thread_calls == 1, "more than one SIGEV_THREAD call");
	});

	s.run("held", [] {
		const unique_fd d = open_fd(held_path, O_RDONLY);
		Buffer b1(4096), b2(4096), b3(4096);
		drop_cache(d.get());
		HeldDm h(dm_name);
		aiocb c1 = make_cb(d.get(), b1.data(), 4096, 1 << 20);
		aiocb c2 = make_cb(d.get(), b2.data(), 4096, 2 << 20);
		aiocb c3 = make_cb(d.get(), b3.data(), 4096, 3 << 20);
		const aiocb *l1[] = { &c1 };

		require(aio_read(&c1) == 0, "aio_read 1");
		require(aio_error(&c1) == EINPROGRESS, "held read: not EINPROGRESS");

		/* aio_suspend: timeout, then EINTR */
		auto t0 = clock::now();
		timespec ts = { 0, 100 * 1000 * 1000 };
		require_fails(aio_suspend(l1, 1, &ts), EAGAIN, "aio_suspend timeout");
		require(clock::now() - t0 >= 100ms, "aio_suspend returned before its timeout");
		struct sigaction sa {};
		sa.sa_handler = on_usr1;
		require(!sigaction(SIGUSR1, &sa, nullptr), "sigaction");
		const pthread_t self = pthread_self();
		for (int with_timeout = 0; with_timeout < 2; with_timeout++) {
			usr1_seen = 0;
			std::thread k([self] {
				std::this_thread::sleep_for(50ms);
				pthread_kill(self, SIGUSR1);
			});
			timespec ten = { 10, 0 };
			const int r = aio_suspend(l1, 1, with_timeout ? &ten : nullptr);
			const int e = errno;
			k.join();
			require(r == -1 && e == EINTR && usr1_seen,
				strf("aio_suspend (timeout %d) with a signal: %d %s", with_timeout,
				     r, strerrorname_np(e)));
		}
		signal(SIGUSR1, SIG_DFL);

		/* c1 holds the only worker; c2 and c3 wait for it */
		thread_calls = 0;
		c2.aio_sigevent.sigev_notify = SIGEV_THREAD;
		c2.aio_sigevent.sigev_notify_function = on_thread;
		c2.aio_sigevent.sigev_value.sival_ptr = &c2;
		require(aio_read(&c2) == 0 && aio_read(&c3) == 0, "aio_read 2, 3");
		int r = aio_cancel(d.get(), &c2);
		require(r == AIO_CANCELED, strf("aio_cancel queued: %d, expected AIO_CANCELED", r));
		require(aio_error(&c2) == ECANCELED, "cancelled: aio_error not ECANCELED");
		require(aio_return(&c2) == -1, "cancelled: aio_return not -1");
		wait_thread_calls(1); /* a cancelled request is notified */
		require(thread_saw_error == ECANCELED, "notification before ECANCELED");
		r = aio_cancel(d.get(), &c1);
		require(r == AIO_NOTCANCELED,
			strf("aio_cancel running: %d, expected AIO_NOTCANCELED", r));
		require(aio_error(&c1) == EINPROGRESS, "running: not EINPROGRESS after cancel");
		r = aio_cancel(d.get(), nullptr);
		require(r == AIO_NOTCANCELED,
			strf("aio_cancel fd: %d, expected AIO_NOTCANCELED", r));
		require(aio_error(&c3) == ECANCELED, "fd cancel: queued not ECANCELED");
		require(aio_return(&c3) == -1, "fd cancel: aio_return not -1");
		const unique_fd other = open_fd(file_path, O_RDONLY);
		r = aio_cancel(other.get(), nullptr);
		require(r == AIO_ALLDONE, strf("aio_cancel other fd: %d, expected AIO_ALLDONE", r));
		h.resume();
		require_ok(c1, 4096, "held read after resume");
		r = aio_cancel(d.get(), &c1);
		require(r == AIO_ALLDONE, strf("aio_cancel done: %d, expected AIO_ALLDONE", r));
	});

	s.run("eagain", [] {
		/* 4 requests in flight at most, held by the suspended device */
		const char *param = "/sys/module/aio_attr/parameters/max_inflight";
		const std::string old = [&] {
			char b[32] = {};
			const unique_fd p = open_fd(param, O_RDONLY);
			const ssize_t n = ::read(p.get(), b, sizeof(b) - 1);
			return std::string(b, n > 0 ? (size_t)n : 0);
		}();
		const unique_fd d = open_fd(held_path, O_RDONLY);
		Buffer buf(16 * 4096);
		std::vector<aiocb> cbs(10);
		drop_cache(d.get());
		HeldDm h(dm_name);
		write_file(param, "4");
		for (int i = 0; i < 4; i++) {
			cbs[i] = make_cb(d.get(), buf.data() + i * 4096, 4096, (i + 8) << 20);
			require(aio_read(&cbs[i]) == 0, strf("aio_read %d", i));
		}
		cbs[4] = make_cb(d.get(), buf.data() + 4 * 4096, 4096, 12 << 20);
		const int r = aio_read(&cbs[4]);
		const int e = errno;
		aiocb *list[2];
		for (int i = 0; i < 2; i++) {
			cbs[5 + i] = make_cb(d.get(), buf.data() + (5 + i) * 4096, 4096,
					     (13 + i) << 20, LIO_READ);
			list[i] = &cbs[5 + i];
		}
		const int lr = lio_listio(LIO_NOWAIT, list, 2, nullptr);
		const int le = errno;
		write_file(param, old);
		require(r == -1 && e == EAGAIN,
			strf("aio_read over max_inflight: %d %s", r, strerrorname_np(e)));
		require(lr == -1 && le == EAGAIN,
			strf("lio_listio over max_inflight: %d %s", lr, strerrorname_np(le)));
		for (int i = 5; i < 7; i++)
			require(aio_error(&cbs[i]) == EAGAIN, strf("lio member %d: not EAGAIN", i));
		require(aio_cancel(d.get(), nullptr) == AIO_NOTCANCELED, "cancel: not NOTCANCELED");
		h.resume();
		for (int i = 0; i < 4; i++) {
			wait_done(cbs[i]);
			const int err = aio_error(&cbs[i]);
			require(err == 0 || err == ECANCELED,
				strf("held read %d: %s", i, strerrorname_np(err)));
			aio_return(&cbs[i]);
		}
	});

	s.run("fsync_order", [] {
		/*
		 * aio_fsync covers the requests queued before it on its file:
		 * behind a held read it stays in progress (and can be
		 * cancelled, alone or by fd), and it finishes after the read.
		 */
		const unique_fd d = open_fd(held_path, O_RDWR);
		Buffer b1(4096);
		drop_cache(d.get());
		HeldDm h(dm_name);
		aiocb c1 = make_cb(d.get(), b1.data(), 4096, 6 << 20);
		aiocb f1 = make_cb(d.get(), nullptr, 0, 0), f2 = f1, f3 = f1;

		require(aio_read(&c1) == 0, "aio_read");
		require(aio_fsync(O_SYNC, &f1) == 0, "aio_fsync 1");
		require(aio_error(&f1) == EINPROGRESS, "fsync behind a held read: not EINPROGRESS");
		int r = aio_cancel(d.get(), &f1);
		require(r == AIO_CANCELED, strf("aio_cancel fsync: %d, expected AIO_CANCELED", r));
		require(aio_error(&f1) == ECANCELED && aio_return(&f1) == -1,
			"fsync not ECANCELED");
		require(aio_fsync(O_DSYNC, &f3) == 0, "aio_fsync 3");
		r = aio_cancel(d.get(), nullptr);
		require(r == AIO_NOTCANCELED,
			strf("aio_cancel fd: %d, expected AIO_NOTCANCELED", r));
		require(aio_error(&f3) == ECANCELED && aio_return(&f3) == -1, "fd cancel: fsync");
		/* held back in the library: the kernel does not see it yet */
		const long long sub0 = aa_stat("submitted");
		require(aio_fsync(O_DSYNC, &f2) == 0, "aio_fsync 2");
		require(aa_stat("submitted") == sub0, "the fsync went to the kernel before the read");
		std::this_thread::sleep_for(50ms);
		require(aio_error(&f2) == EINPROGRESS, "fsync finished before the held read");
		h.resume();
		wait_done(f2);
		require(aio_error(&c1) != EINPROGRESS, "fsync finished before the read it covers");
		require_ok(f2, 0, "fsync after the read");
		require_ok(c1, 4096, "held read");
	});

	s.run("lio_wait", [] {
		const unique_fd f = open_fd(file_path, O_RDWR);
		std::vector<Buffer> bufs;
		std::vector<aiocb> cbs(6);
		std::vector<aiocb *> list;

		for (unsigned i = 0; i < 4; i++) {
			bufs.emplace_back(4096);
			fill_pattern(bufs.back().span(), 2, i * 4096);
			cbs[i] = make_cb(f.get(), bufs.back().data(), 4096, i * 4096, LIO_WRITE);
			list.push_back(&cbs[i]);
		}
		list.push_back(nullptr);
		cbs[4] = make_cb(f.get(), nullptr, 0, 0, LIO_NOP);
		list.push_back(&cbs[4]);
		require(lio_listio(LIO_WAIT, list.data(), (int)list.size(), nullptr) == 0,
			strf("lio_listio LIO_WAIT: %s", strerrorname_np(errno)));
		for (unsigned i = 0; i < 4; i++) {
			require(aio_error(&cbs[i]) == 0, strf("member %u not done on return", i));
			require(aio_return(&cbs[i]) == 4096, strf("member %u result", i));
		}
		/* a member failing at completion and one with a bad opcode: EIO */
		void *hole = ::mmap(nullptr, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		require(hole != MAP_FAILED, "mmap");
		Buffer rb(4096);
		cbs[0] = make_cb(f.get(), rb.data(), 4096, 0, LIO_READ);
		cbs[1] = make_cb(f.get(), hole, 4096, 0, LIO_READ);
		cbs[2] = make_cb(f.get(), rb.data(), 4096, 0, 77);
		cbs[3] = make_cb(f.get(), bufs[3].data(), 4096, 3 * 4096, LIO_WRITE);
		aiocb *l2[] = { &cbs[0], &cbs[1], &cbs[2], &cbs[3] };
		const int r = lio_listio(LIO_WAIT, l2, 4, nullptr);
		const int e = errno;
		::munmap(hole, 4096);
		require(r == -1 && e == EIO, strf("lio_listio with failures: %d %s, expected EIO",
						  r, strerrorname_np(e)));
		require(aio_error(&cbs[0]) == 0 && aio_return(&cbs[0]) == 4096, "good read");
		require(aio_error(&cbs[1]) == EFAULT && aio_return(&cbs[1]) == -1, "EFAULT member");
		require(aio_error(&cbs[2]) == EINVAL && aio_return(&cbs[2]) == -1,
			"bad opcode member");
		require(aio_error(&cbs[3]) == 0 && aio_return(&cbs[3]) == 4096, "good write");
	});

	s.run("lio_nowait", [] {
		const int sig = SIGRTMIN + 2;
		const unique_fd f = open_fd(file_path, O_RDWR);
		Buffer b0(4096), b1(4096);
		void *hole = ::mmap(nullptr, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		require(hole != MAP_FAILED, "mmap");
		aiocb cbs[3] = { make_cb(f.get(), b0.data(), 4096, 0, LIO_READ),
				 make_cb(f.get(), hole, 4096, 4096, LIO_READ),
				 make_cb(f.get(), b1.data(), 4096, 8192, LIO_READ) };
		aiocb *list[] = { &cbs[0], &cbs[1], &cbs[2] };
		sigevent sev{};

		block_signal(sig);
		sev.sigev_notify = SIGEV_SIGNAL;
		sev.sigev_signo = sig;
		sev.sigev_value.sival_int = 4242;
		require(lio_listio(LIO_NOWAIT, list, 3, &sev) == 0,
			strf("lio_listio LIO_NOWAIT: %s", strerrorname_np(errno)));
		const siginfo_t si = take_signal(sig);
		::munmap(hole, 4096);
		require(si.si_code == SI_ASYNCIO && si.si_value.sival_int == 4242,
			"group notification: wrong si_code or value");
		for (auto &cb : cbs)
			require(aio_error(&cb) != EINPROGRESS,
				"a member in progress at the notification");
		require(aio_return(&cbs[0]) == 4096 && aio_return(&cbs[2]) == 4096, "good members");
		require(aio_error(&cbs[1]) == EFAULT, "failing member: not EFAULT");
		aio_return(&cbs[1]);

		/* SIGEV_THREAD for the list, a member refused at once: EIO, still notified */
		thread_calls = 0;
		cbs[0] = make_cb(f.get(), b0.data(), 4096, 0, LIO_READ);
		cbs[1] = make_cb(f.get(), b1.data(), 4096, 0, 99);
		sev = {};
		sev.sigev_notify = SIGEV_THREAD;
		sev.sigev_notify_function = on_thread;
		sev.sigev_value.sival_ptr = &cbs[0];
		const int r = lio_listio(LIO_NOWAIT, list, 2, &sev);
		require(r == -1 && errno == EIO, "LIO_NOWAIT with a bad opcode: not EIO");
		wait_thread_calls(1);
		require(thread_saw_error == 0, "group notification before its member finished");
		require(aio_error(&cbs[1]) == EINVAL, "bad opcode member: not EINVAL");
		require_ok(cbs[0], 4096, "member");
	});

	s.run("attrs", [] {
		/* a block device: buffered reads report PAGECACHE (tmpfs does not) */
		const unique_fd f = open_fd(held_path, O_RDONLY);
		Buffer buf(4096);
		aiocb cb = make_cb(f.get(), buf.data(), 4096, 5 << 20);
		uint64_t v = 0;

		require_fails(aio_attr_set_mask(1ULL << 60), EINVAL, "aio_attr_set_mask bit 60");
		require(!aio_attr_set_mask(AIO_ATTR_BIT(AIO_ATTR_SERVICE_NS) |
					   AIO_ATTR_BIT(AIO_ATTR_PAGECACHE)),
			"aio_attr_set_mask");
		require(aio_attr_get_mask() == (AIO_ATTR_BIT(AIO_ATTR_SERVICE_NS) |
						AIO_ATTR_BIT(AIO_ATTR_PAGECACHE)),
			"aio_attr_get_mask");
		/*
		 * Cold, any of hit/miss/partial (brd completes the no-wait
		 * attempt's readahead at once, so even a cold read may hit);
		 * warm, a hit.
		 */
		drop_cache(f.get());
		for (const unsigned long long want : { 0ULL, AIO_ATTR_PAGECACHE_HIT }) {
			require(aio_read(&cb) == 0, "aio_read");
			wait_done(cb);
			v = 0;
			require(!aio_attr_get(&cb, AIO_ATTR_SERVICE_NS, &v) && v > 0,
				strf("service_ns: %s value %llu", strerrorname_np(errno),
				     (unsigned long long)v));
			const int r = aio_attr_get(&cb, AIO_ATTR_PAGECACHE, &v);
			require(!r && (want ? v == want : v && !(v & ~AIO_ATTR_PAGECACHE_PARTIAL)),
				strf("pagecache: %d %s value %llu, expected %llu", r,
				     strerrorname_np(errno), (unsigned long long)v,
				     (unsigned long long)want));
			require_fails(aio_attr_get(&cb, AIO_ATTR_DEVICE_NS, &v), ENOENT,
				      "unrequested id");
			require(aio_return(&cb) == 4096, "aio_return");
			require_fails(aio_attr_get(&cb, AIO_ATTR_SERVICE_NS, &v), EINVAL,
				      "after aio_return");
		}
		aiocb never = make_cb(f.get(), buf.data(), 4096, 0);
		require_fails(aio_attr_get(&never, AIO_ATTR_SERVICE_NS, &v), EINVAL,
			      "never submitted");
		require(!aio_attr_set_mask(0), "mask 0");
	});

	s.run("reuse_threads", [] {
		const unique_fd f = open_fd(file_path, O_RDONLY);
		std::atomic<int> bad{ 0 };
		std::vector<std::thread> ts;

		for (int t = 0; t < 4; t++) {
			ts.emplace_back([&, t] {
				Buffer buf(8 * 4096);
				aiocb cbs[8];
				const aiocb *list[8];

				for (int round = 0; round < 500 && !bad; round++) {
					for (int i = 0; i < 8; i++) {
						cbs[i] =
							make_cb(f.get(), buf.data() + i * 4096,
								4096, ((t + i + round) % 4) * 4096);
						list[i] = &cbs[i];
						if (aio_read(&cbs[i]))
							bad++;
					}
					for (int i = 0; i < 8; i++) {
						while (aio_error(&cbs[i]) == EINPROGRESS)
							aio_suspend(list, 8, nullptr);
						/* every other round: no aio_return, the aiocb is
						 * reused */
						if (aio_error(&cbs[i]) != 0 ||
						    (round % 2 && aio_return(&cbs[i]) != 4096))
							bad++;
					}
				}
			});
		}
		for (auto &t : ts)
			t.join();
		require(!bad, strf("%d requests failed", bad.load()));
	});

	s.run("no_return", [] {
		/*
		 * 20000 requests in distinct aiocbs, never given to aio_return:
		 * the library reclaims their records (beyond its soft table
		 * size) and every one still completes and reports.
		 */
		const unique_fd f = open_fd(file_path, O_RDONLY);
		std::vector<aiocb> cbs(20000);
		Buffer buf(4096);
		int bad = 0;

		for (size_t i = 0; i < cbs.size(); i += 16) {
			std::vector<const aiocb *> list;
			for (size_t j = i; j < i + 16 && j < cbs.size(); j++) {
				cbs[j] = make_cb(f.get(), buf.data(), 4096, 0);
				if (aio_read(&cbs[j]))
					bad++;
				list.push_back(&cbs[j]);
			}
			for (const aiocb *cb : list)
				wait_done(*cb);
		}
		for (const aiocb &cb : cbs)
			if (aio_error(&cb) != 0)
				bad++;
		require(!bad, strf("%d of %zu requests failed", bad, cbs.size()));
	});

	s.run("fork", [] {
		require(in_child([] {
				const unique_fd f = open_fd(file_path, O_RDONLY);
				Buffer buf(4096);
				aiocb cb = make_cb(f.get(), buf.data(), 4096, 0);
				if (aio_read(&cb))
					return false;
				wait_done(cb);
				return aio_error(&cb) == 0 && aio_return(&cb) == 4096;
			}),
			"aio_read in a forked child failed");
	});

	s.run("enosys_env", [] {
		require(in_child([] {
				::setenv("AIOATTR_DEV", "/nonexistent/aio_attr", 1);
				Buffer buf(4096);
				aiocb cb = make_cb(0, buf.data(), 4096, 0);
				return aio_read(&cb) == -1 && errno == ENOSYS;
			}),
			"AIOATTR_DEV=/nonexistent: aio_read did not fail with ENOSYS");
	});
	return s.exit_code();
}
