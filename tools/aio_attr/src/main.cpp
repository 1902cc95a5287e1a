// SPDX-License-Identifier: GPL-2.0
/*
 * aioattr - entry point: parse, dispatch, turn errors into messages and
 * exit codes (see cli.hpp).
 */
#include <cstdio>
#include <exception>
#include <system_error>
#include <vector>

#include <linux/aio_attr.h>

#include "cli.hpp"

int main(int argc, char **argv)
{
	using namespace aioattr;
	std::vector<std::string_view> args(argv + 1, argv + argc);
	Parsed p;

	try {
		p = parse_args(args);
	} catch (const UsageError &e) {
		std::fprintf(stderr, "aioattr: %s\n", e.what());
		return exit_usage;
	}
	try {
		switch (p.cmd) {
		case Cmd::help: {
			std::string_view t = help_text(p.topic);

			std::fwrite(t.data(), 1, t.size(), stdout);
			return exit_ok;
		}
		case Cmd::version:
			std::printf("aioattr %.*s (aio_attr ABI %d)\n",
				    static_cast<int>(version.size()), version.data(),
				    AIO_ATTR_VERSION);
			return exit_ok;
		case Cmd::probe:
			return run_probe(p.probe);
		case Cmd::io:
			return run_io(p.io);
		case Cmd::report:
			return run_report(p.report);
		}
	} catch (const CommandError &e) {
		std::fprintf(stderr, "aioattr: %s\n", e.what());
		return e.code;
	} catch (const std::system_error &e) {
		std::fprintf(stderr, "aioattr: %s\n", e.what());
		return exit_failed;
	} catch (const std::exception &e) {
		std::fprintf(stderr, "aioattr: %s\n", e.what());
		return exit_failed;
	}
	return exit_failed;
}
