// SPDX-License-Identifier: GPL-2.0
/*
 * aa_fifo - run a command as a SCHED_FIFO task pinned to one CPU.
 *
 *   aa_fifo CPU COMMAND [ARG...]
 *
 * Until the command blocks, no ordinary task - and so no kworker of a
 * per-CPU workqueue - runs on CPU: work it queues piles up.  Guest tests
 * use it to fill a per-CPU queue from user space (iocrypt_async.sh fills
 * cryptd's).  Busybox has no chrt.  Exits 127 if the command cannot be
 * started, else never returns (exec).
 */
#include <cerrno>
#include <cstdio>
#include <exception>
#include <string>
#include <system_error>

#include <sched.h>
#include <unistd.h>

namespace {

[[noreturn]] void fail(const char *what)
{
	throw std::system_error(errno, std::generic_category(), what);
}

[[noreturn]] void run_fifo(int cpu, char **argv)
{
	cpu_set_t set;
	sched_param sp{};

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		fail("sched_setaffinity");
	/* the lowest RT priority is enough to starve SCHED_NORMAL */
	sp.sched_priority = sched_get_priority_min(SCHED_FIFO);
	if (sched_setscheduler(0, SCHED_FIFO, &sp))
		fail("sched_setscheduler");
	execvp(argv[0], argv);
	fail(argv[0]);
}

} // namespace

int main(int argc, char **argv)
{
	if (argc < 3) {
		std::fprintf(stderr, "usage: aa_fifo CPU COMMAND [ARG...]\n");
		return 2;
	}
	try {
		run_fifo(std::stoi(argv[1]), argv + 2);
	} catch (const std::exception &e) {
		std::fprintf(stderr, "aa_fifo: %s\n", e.what());
	}
	return 127;
}
