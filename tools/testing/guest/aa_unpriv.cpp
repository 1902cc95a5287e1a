// SPDX-License-Identifier: GPL-2.0
/*
 * aa_unpriv - an unprivileged user: what it may do, and its limits.
 *
 *   aa_unpriv --file PATH --slow DEV --sync-dev DEV --root-dev DEV
 *	       [--secret PATH] [--uid 65534] [--uid2 65533]
 *
 * --file:     a root-owned file of mode 0644 (readable, not writable, by
 *             the user), at least 64 KiB
 * --slow:     a block device of mode 0666 whose completions take ~2 s
 *             (null_blk irqmode=2), so requests stay in flight
 * --sync-dev: a block device of mode 0666 with a volatile write cache whose
 *             flushes take ~1 s (null_blk cache_size, irqmode=2)
 * --root-dev: a block device only root may open (mode 0600)
 * --secret:   a root-owned file of mode 0600: the user may open it O_PATH
 *
 * The program runs as root: it sets the module parameters and spawns
 * children that drop to --uid (and --uid2 for "another user") with
 * setgroups/setgid/setuid before they touch /dev/aio_attr.  The rules come
 * from Documentation/aio_attr/abi.rst: the ring (setup.mmap_bytes) is
 * charged to the user's RLIMIT_MEMLOCK unless CAP_IPC_LOCK (ENOMEM past
 * it, released when the context is freed); max_contexts_per_user (EMFILE
 * at open), max_inflight_per_user (EAGAIN, completions waiting on overflow
 * lists included) and max_syncs_per_user (EAGAIN) count per user, so
 * another user is not affected.  Ids: unpriv.<case>.
 */
#include "aatest.hpp"

#include <atomic>
#include <thread>

#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>

using namespace aatest;
using namespace aio_attr;

namespace {

const char *file_path, *slow_path, *sync_path, *root_dev, *secret_path;
uid_t uid1 = 65534, uid2 = 65533;

std::string errname(int e)
{
	const char *n = e ? strerrorname_np(e) : "0";

	return n ? n : strf("errno%d", e);
}

/* The errno of SETUP with @ring_bytes on a fresh context @ctx; 0 on success. */
int setup_errno(Context &ctx, uint32_t ring_bytes)
{
	try {
		ctx.setup(ring_bytes);
		return 0;
	} catch (const std::system_error &e) {
		return e.code().value();
	}
}

/* Bytes the ring of a context with @ring_bytes is charged: setup.mmap_bytes. */
uint32_t charge_of(uint32_t ring_bytes)
{
	Context c;

	return c.setup(ring_bytes).mmap_bytes;
}

/* Set the soft RLIMIT_MEMLOCK (the one the kernel checks); the hard one stays. */
/*
 * Run @a as @ua; when @a calls its checkpoint, run @b as @ub while @a waits
 * (so @a's contexts and requests are alive), then let @a go on.
 */
void while_held(uid_t ua, const std::function<void(const std::function<void()> &)> &a, uid_t ub,
		const std::function<void()> &b)
{
	run_as_until(ua, a, [&] { run_as(ub, ub, b); });
}

/* Contexts alive now (all users); the per-user charge is back once it drops. */
long long contexts() { return aa_stat("contexts"); }

void wait_contexts(long long want)
{
	const long long got = wait_stat("contexts", want);

	require(got == want, strf("contexts %lld, expected %lld", got, want));
}

/* @n contexts, opened (not set up); throws on the first refusal. */
std::vector<Context> open_contexts(unsigned n)
{
	std::vector<Context> v;

	while (n--)
		v.emplace_back();
	return v;
}

/* Submit @n reads of 4 KiB on @fd; return the SubmitResult. */
SubmitResult submit_reads(Context &ctx, int fd, Buffer &buf, unsigned n, uint64_t ud0,
			  uint64_t mask = AIO_ATTR_ALL)
{
	std::vector<aio_attr_sqe> v;

	for (unsigned i = 0; i < n; i++)
		v.push_back(
			prep_read(fd, buf.data(), 4096, (i % 64) * 4096).data(ud0 + i).attrs(mask));
	return ctx.submit(v);
}

/* Wait (poll) until eventfd @ev has counted @n, within @timeout. */
void wait_eventfd(int ev, uint64_t n, uint64_t &seen, std::chrono::seconds timeout)
{
	const auto deadline = clock::now() + timeout;

	while (seen < n) {
		pollfd p{ ev, POLLIN, 0 };
		const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
			deadline - clock::now());
		require(left.count() > 0 && ::poll(&p, 1, left.count()) == 1,
			strf("eventfd counted %llu of %llu", (unsigned long long)seen,
			     (unsigned long long)n));
		uint64_t v;
		if (::read(ev, &v, sizeof(v)) == sizeof(v))
			seen += v;
	}
}

} // namespace

int main(int argc, char **argv)
{
	file_path = arg_value(argc, argv, "--file");
	slow_path = arg_value(argc, argv, "--slow");
	sync_path = arg_value(argc, argv, "--sync-dev");
	root_dev = arg_value(argc, argv, "--root-dev");
	secret_path = arg_value(argc, argv, "--secret");
	uid1 = arg_num(argc, argv, "--uid", 65534);
	uid2 = arg_num(argc, argv, "--uid2", 65533);
	if (!file_path || !slow_path || !sync_path || !root_dev) {
		std::fprintf(stderr, "usage: %s --file PATH --slow DEV --sync-dev DEV --root-dev DEV\n",
			     argv[0]);
		return 2;
	}
	Suite s("unpriv");
	const long long ctx0 = contexts();

	s.run("open_and_read", [] {
		run_as(uid1, uid1, [] {
			require(::getuid() == uid1 && ::geteuid() == uid1, "still root");
			Context ctx;
			const aio_attr_probe p = ctx.probe();
			require(p.version >= AIO_ATTR_VERSION, "probe");
			ctx.setup(4096);
			unique_fd f = open_fd(file_path, O_RDONLY);
			Buffer a(4096), b(4096);
			require(::pread(f.get(), a.data(), 4096, 4096) == 4096, "pread");
			const Completion c = do_one(ctx, prep_read(f.get(), b.data(), 4096, 4096)
								 .data(7)
								 .attrs(AIO_ATTR_ALL));
			require_result(c, 4096);
			require(!std::memcmp(a.data(), b.data(), 4096), "data differ from pread");
		});
	});

	/* --- what it may not do --- */
	s.run("write_readonly_file", [] {
		run_as(uid1, uid1, [] {
			require(::open(file_path, O_RDWR) < 0 && errno == EACCES,
				"the user may open the root-owned file for writing");
			unique_fd f = open_fd(file_path, O_RDONLY);
			Context ctx;
			ctx.setup(4096);
			Buffer b(4096);
			const SubmitResult r =
				ctx.submit(prep_write(f.get(), b.data(), 4096, 0).data(1));
			require(r.accepted == 0 && r.error == EBADF,
				strf("WRITE on the O_RDONLY file: accepted %u error %s", r.accepted,
				     errname(r.error).c_str()));
			const SubmitResult r2 = ctx.submit(prep_fsync(f.get()).data(2));
			/* fsync needs no write access, as fsync(2) */
			if (r2.accepted == 1)
				collect_n(ctx, 1);
		});
	});
	s.run("o_path_fd", [] {
		/* O_PATH needs no read permission; pread and fsync on it are EBADF */
		const char *secret = secret_path;
		if (!secret)
			throw Skip("no --secret given");
		run_as(uid1, uid1, [secret] {
			require(::open(secret, O_RDONLY) < 0 && errno == EACCES,
				strf("the user may read %s", secret));
			unique_fd f = open_fd(secret, O_PATH);
			Buffer b(4096);
			require(::pread(f.get(), b.data(), 4096, 0) < 0 && errno == EBADF,
				"pread on O_PATH is not EBADF");
			Context ctx;
			ctx.setup(4096);
			for (const aio_attr_sqe &sqe :
			     { prep_read(f.get(), b.data(), 4096, 0).data(1),
			       prep_fsync(f.get()).data(2),
			       prep_write(f.get(), b.data(), 4096, 0).data(3) }) {
				const SubmitResult r = ctx.submit(sqe);
				require(r.accepted == 0 && r.error == EBADF,
					strf("opcode %u on an O_PATH fd of an unreadable file: "
					     "accepted %u error %s",
					     sqe.opcode, r.accepted, errname(r.error).c_str()));
			}
		});
	});
	s.run("root_only_bdev", [] {
		run_as(uid1, uid1, [] {
			require(::open(root_dev, O_RDONLY) < 0 && errno == EACCES,
				strf("the user may open %s", root_dev));
			Context ctx;
			ctx.setup(4096);
			Buffer b(4096);
			/* no descriptor, no I/O: a number that is not open */
			const SubmitResult r =
				ctx.submit(prep_read(900, b.data(), 4096, 0).data(1));
			require(r.accepted == 0 && r.error == EBADF,
				strf("fd 900: %s", errname(r.error).c_str()));
		});
	});
	s.run("rt_ioprio", [] {
		run_as(uid1, uid1, [] {
			unique_fd f = open_fd(file_path, O_RDONLY);
			Context ctx;
			ctx.setup(4096);
			Buffer b(4096);
			aio_attr_sqe sqe = prep_read(f.get(), b.data(), 4096, 0).data(1);
			sqe.ioprio = ioprio(IoprioClass::rt, 0);
			const SubmitResult r = ctx.submit(sqe);
			require(r.accepted == 0 && r.error == EPERM,
				strf("RT ioprio: accepted %u error %s", r.accepted,
				     errname(r.error).c_str()));
			sqe.ioprio = ioprio(IoprioClass::be, 7);
			require_result(do_one(ctx, sqe), 4096);
			/* FSYNC takes no ioprio at all: EINVAL, not the RT check's EPERM */
			aio_attr_sqe fs = prep_fsync(f.get()).data(2);
			fs.ioprio = ioprio(IoprioClass::rt, 0);
			const SubmitResult rf = ctx.submit(fs);
			require(rf.accepted == 0 && rf.error == EINVAL,
				strf("FSYNC with RT ioprio: accepted %u error %s", rf.accepted,
				     errname(rf.error).c_str()));
		});
	});
	s.run("params_root_only", [] {
		run_as(uid1, uid1, [] {
			for (const char *p : { "max_inflight", "max_contexts_per_user",
					       "max_inflight_per_user", "max_syncs_per_user" }) {
				const std::string path = std::string(aa_params) + p;
				const int fd = ::open(path.c_str(), O_WRONLY);
				const int e = errno;
				if (fd >= 0)
					::close(fd);
				require(fd < 0 && (e == EACCES || e == ENOENT),
					strf("%s: opened for writing by the user", path.c_str()));
			}
		});
	});

	/* --- RLIMIT_MEMLOCK --- */
	s.run("memlock_charge", [&] {
		wait_contexts(ctx0);
		const uint32_t big = charge_of(65536), mid = charge_of(32768),
			       small = charge_of(16384), tiny = charge_of(2048);
		wait_contexts(ctx0);
		info("charges: ring 65536 -> %u, 32768 -> %u, 16384 -> %u, 2048 -> %u", big, mid,
		     small, tiny);
		run_as(uid1, uid1, [&] {
			/* the limit exactly: accepted; one page less: ENOMEM */
			set_memlock(big - 4096);
			{
				Context a;
				const int e = setup_errno(a, 65536);
				require(e == ENOMEM,
					strf("ring of %u bytes under a %u-byte RLIMIT_MEMLOCK: %s",
					     big, big - 4096, errname(e).c_str()));
			}
			set_memlock(big);
			Context a;
			int e = setup_errno(a, 65536);
			require(!e, strf("ring of %u bytes with RLIMIT_MEMLOCK %u: %s", big, big,
					 errname(e).c_str()));
			/* anything more on top of it: ENOMEM */
			{
				Context b;
				e = setup_errno(b, 2048);
				require(e == ENOMEM, strf("second ring over the limit: %s",
							  errname(e).c_str()));
			}
		});
		wait_contexts(ctx0);
		run_as(uid1, uid1, [&] {
			/* two contexts add up: mid + small + tiny == limit, one more is over */
			set_memlock(mid + small + tiny);
			Context a, b, c, d;
			require(!setup_errno(a, 32768) && !setup_errno(b, 16384) &&
					!setup_errno(c, 2048),
				"rings adding up to the limit were refused");
			const int e = setup_errno(d, 2048);
			require(e == ENOMEM,
				strf("ring over the sum of three: %s", errname(e).c_str()));
			/* the charge comes back once the context is freed */
			const long long before = contexts();
			a = Context(unique_fd{});
			wait_contexts(before - 1);
			Context d2;
			require(!setup_errno(d2, 32768),
				"the charge of a closed context did not come back");
			/*
			 * Closed with a read in flight, a context keeps its charge
			 * until the read ended and it is freed.
			 */
			unique_fd dev = open_fd(slow_path, O_RDWR | O_DIRECT);
			Buffer buf(4096);
			require(submit_reads(b, dev.get(), buf, 1, 0).accepted == 1,
				"read on the slow device");
			const long long with_b = contexts();
			b = Context(unique_fd{});
			Context e1;
			const int err = setup_errno(e1, 16384);
			require(err == ENOMEM,
				strf("ring in the charge of a context closed with I/O in flight: "
				     "%s, expected ENOMEM until the I/O ended",
				     errname(err).c_str()));
			wait_contexts(with_b); /* b freed, e1 open */
			Context e2;
			require(!setup_errno(e2, 16384),
				"the charge of a context freed after its I/O ended did not come back");
		});
		wait_contexts(ctx0);
	});
	s.run("memlock_cap_ipc_lock", [&] {
		/* root has CAP_IPC_LOCK: not charged */
		const rlimit old = [] {
			rlimit r{};
			::getrlimit(RLIMIT_MEMLOCK, &r);
			return r;
		}();
		set_memlock(0);
		Context a;
		const int e = setup_errno(a, 1u << 20);
		::setrlimit(RLIMIT_MEMLOCK, &old);
		require(!e, strf("root with RLIMIT_MEMLOCK 0: %s", errname(e).c_str()));
	});

	/* --- max_contexts_per_user --- */
	s.run("max_contexts_per_user", [&] {
		wait_contexts(ctx0);
		Param p("max_contexts_per_user", "4");
		while_held(
			uid1,
			[ctx0](const std::function<void()> &checkpoint) {
				std::vector<Context> v = open_contexts(4);
				const int fd = ::open(Context::default_path, O_RDWR);
				const int e = errno;
				if (fd >= 0)
					::close(fd);
				require(fd < 0 && e == EMFILE,
					strf("fifth context: %s", fd >= 0 ? "opened"
									 : errname(e).c_str()));
				checkpoint();
				/*
				 * Closed with a read in flight, a context still counts;
				 * its slot comes back once it is freed.
				 */
				unique_fd dev = open_fd(slow_path, O_RDWR | O_DIRECT);
				Buffer buf(4096);
				v.back().setup(4096);
				require(submit_reads(v.back(), dev.get(), buf, 1, 0).accepted == 1,
					"read on the slow device");
				/*
				 * The other user's contexts are closed but may be
				 * freed later: count from when only these four are.
				 */
				wait_contexts(ctx0 + 4);
				v.pop_back();
				const int fd2 = ::open(Context::default_path, O_RDWR);
				const int e2 = errno;
				if (fd2 >= 0)
					::close(fd2);
				require(fd2 < 0 && e2 == EMFILE,
					strf("a context closed with I/O in flight did not count: %s",
					     fd2 >= 0 ? "opened" : errname(e2).c_str()));
				wait_contexts(ctx0 + 3);
				v.emplace_back();
			},
			uid2,
			[] {
				/* another user is not affected */
				open_contexts(4);
			});
		/* root, a third user, too */
		Context r;
		wait_contexts(ctx0 + 1);
	});

	/* --- max_inflight_per_user --- */
	s.run("max_inflight_per_user", [&] {
		wait_contexts(ctx0);
		Param p("max_inflight_per_user", "32");
		while_held(
			uid1,
			[](const std::function<void()> &checkpoint) {
				unique_fd dev = open_fd(slow_path, O_RDWR | O_DIRECT);
				Buffer buf(4096);
				unique_fd ev1 = make_eventfd(0, EFD_NONBLOCK),
					  ev2 = make_eventfd(0, EFD_NONBLOCK);
				Context c1, c2;
				c1.setup(2048, AIO_ATTR_SETUP_EVENTFD, ev1.get());
				c2.setup(2048, AIO_ATTR_SETUP_EVENTFD, ev2.get());
				/* 20 + 12 over two contexts reach the limit */
				SubmitResult r = submit_reads(c1, dev.get(), buf, 20, 0);
				require(r.accepted == 20, strf("ctx 1: %u of 20", r.accepted));
				r = submit_reads(c2, dev.get(), buf, 13, 100);
				require(r.accepted == 12 && r.error == EAGAIN,
					strf("ctx 2 past 32 in flight: accepted %u of 13, error %s",
					     r.accepted, errname(r.error).c_str()));
				checkpoint();
				/*
				 * Once all completed, unreaped: ctx 1's 2048-byte ring
				 * holds 17 of its 20 events, 3 wait on its overflow list
				 * and still count.  So 29 more may be in flight.
				 */
				uint64_t seen1 = 0, seen2 = 0;
				wait_eventfd(ev1.get(), 20, seen1, std::chrono::seconds(20));
				wait_eventfd(ev2.get(), 12, seen2, std::chrono::seconds(20));
				const uint32_t pending =
					c1.ring().header()->overflow_pending;
				require(pending == 3,
					strf("ctx 1 overflow_pending %u, expected 3", pending));
				Context c3;
				c3.setup(65536);
				r = submit_reads(c3, dev.get(), buf, 30, 200);
				require(r.accepted == 29 && r.error == EAGAIN,
					strf("with 3 parked on overflow: accepted %u of 30, "
					     "error %s (expected 29, EAGAIN)",
					     r.accepted, errname(r.error).c_str()));
				collect_n(c3, 29, std::chrono::seconds(20));
				collect_n(c1, 20, std::chrono::seconds(5));
				collect_n(c2, 12, std::chrono::seconds(5));
				r = submit_reads(c3, dev.get(), buf, 32, 300);
				require(r.accepted == 32,
					strf("after reaping: %u of 32 accepted", r.accepted));
				collect_n(c3, 32, std::chrono::seconds(20));
			},
			uid2,
			[] {
				/* another user still submits */
				unique_fd dev = open_fd(slow_path, O_RDWR | O_DIRECT);
				Buffer buf(4096);
				Context c;
				c.setup(65536);
				const SubmitResult r = submit_reads(c, dev.get(), buf, 16, 0);
				require(r.accepted == 16,
					strf("the other user: %u of 16 accepted (%s)", r.accepted,
					     errname(r.error).c_str()));
				collect_n(c, 16, std::chrono::seconds(20));
			});
	});

	/* --- max_syncs_per_user --- */
	s.run("max_syncs_per_user", [&] {
		wait_contexts(ctx0);
		Param p("max_syncs_per_user", "2");
		auto sync_user = [](bool other) {
			unique_fd dev = open_fd(sync_path, O_RDWR);
			Context c;
			c.setup(65536);
			std::vector<aio_attr_sqe> v = { prep_fsync(dev.get()).data(1),
							prep_fdatasync(dev.get()).data(2),
							prep_fsync(dev.get()).data(3) };
			const auto t0 = clock::now();
			const SubmitResult r = c.submit(v);
			require(r.accepted == 2 && r.error == EAGAIN,
				strf("%s: 3 syncs, accepted %u error %s (expected 2, EAGAIN)",
				     other ? "other user" : "user", r.accepted,
				     errname(r.error).c_str()));
			/* only syncs are limited */
			Buffer buf(4096);
			const SubmitResult rd = submit_reads(c, dev.get(), buf, 1, 10);
			require(rd.accepted == 1, strf("a read next to the syncs: %s",
						       errname(rd.error).c_str()));
			auto got = collect_n(c, 3, std::chrono::seconds(20));
			const double ms = std::chrono::duration<double, std::milli>(
						  clock::now() - t0)
						  .count();
			info("%s: syncs took %.0f ms", other ? "other user" : "user", ms);
			for (const Completion &x : got)
				require(x.result >= 0, format_completion(x));
			/* they are done: syncs are accepted again */
			const SubmitResult again = c.submit(prep_fsync(dev.get()).data(4));
			require(again.accepted == 1,
				strf("after completion: %s", errname(again.error).c_str()));
			collect_n(c, 1, std::chrono::seconds(20));
		};
		while_held(
			uid1,
			[&](const std::function<void()> &checkpoint) {
				unique_fd dev = open_fd(sync_path, O_RDWR);
				Context c;
				c.setup(65536);
				std::vector<aio_attr_sqe> v = { prep_fsync(dev.get()).data(1),
								prep_fsync(dev.get()).data(2) };
				const SubmitResult r = c.submit(v);
				require(r.accepted == 2, strf("2 syncs: accepted %u", r.accepted));
				const SubmitResult r3 = c.submit(prep_fsync(dev.get()).data(3));
				require(r3.accepted == 0 && r3.error == EAGAIN,
					strf("third sync in flight: %s", errname(r3.error).c_str()));
				checkpoint();
				collect_n(c, 2, std::chrono::seconds(20));
			},
			uid2, [&] { sync_user(true); });
		run_as(uid1, uid1, [&] { sync_user(false); });
	});

	s.run("drained", [&] { require_drained(ctx0, 0); });
	return s.exit_code();
}
