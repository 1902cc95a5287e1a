// SPDX-License-Identifier: GPL-2.0
/*
 * aioattr - command line front end of aio_attr: probe which attributes a
 * path fills, do one I/O and show its attributes, summarise and plot an
 * attr_log of the fio engine.
 *
 * Argument parsing is separate from running (parse_args() throws
 * UsageError and touches nothing), so the host tests can check every
 * argument error without a kernel.
 */
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace aioattr {

/* Exit status of the aioattr command; documented in --help and cli.rst. */
enum Exit : int {
	exit_ok = 0,	      /* done; for io: the I/O succeeded */
	exit_failed = 1,      /* the operation failed: I/O error, a system call failed */
	exit_usage = 2,	      /* bad command line */
	exit_unavailable = 3, /* /dev/aio_attr cannot be opened (module not loaded?) */
	exit_bad_input = 4,   /* report: the log is not a valid attr_log */
	exit_plot = 5,	      /* report --png: gnuplot missing or failed */
};

/* A command line error; what() is the message without the program name. */
struct UsageError : std::runtime_error {
	using std::runtime_error::runtime_error;
};

/*
 * An error that ends the command with @code; what() says what went wrong.
 */
struct CommandError : std::runtime_error {
	CommandError(Exit c, const std::string &msg)
	    : std::runtime_error(msg)
	    , code(c)
	{
	}
	Exit code;
};

struct ProbeArgs {
	std::string path;
	unsigned int count = 4; /* reads to issue */
	uint32_t bs = 0;	/* bytes per read; 0: logical block size */
	bool buffered = false;	/* no O_DIRECT */
};

struct IoArgs {
	bool write = false;
	std::string path;
	uint64_t offset = 0;
	uint32_t len = 0;
	std::optional<uint64_t> attr_mask; /* unset: every attribute the kernel knows */
	std::string attr_list;		   /* --attrs as given, resolved against the kernel */
	bool buffered = false;
	int pattern = 0;    /* write: fill byte */
	std::string input;  /* write: data from this file instead of the pattern */
	std::string output; /* read: store the data here */
};

struct ReportArgs {
	std::vector<std::string> logs; /* at least one; their reports are merged */
	std::string png;
	bool json = false;
	bool skip_bad = false;
	uint64_t bucket_ms = 0; /* 0: about 100 buckets over the run */
};

enum class Cmd { help, version, probe, io, report };

struct Parsed {
	Cmd cmd = Cmd::help;
	std::string topic; /* help: the command asked about ("" for the overview) */
	ProbeArgs probe;
	IoArgs io;
	ReportArgs report;
};

/* Parse argv[1..]; throws UsageError. */
Parsed parse_args(std::span<const std::string_view> args);

/*
 * "4096", "4k", "1M", "2g", "0x1000" (k/m/g/t are powers of 1024);
 * throws UsageError naming @what.
 */
uint64_t parse_size(std::string_view s, std::string_view what);

/* The --help text of @topic ("" for the overview); empty for an unknown topic. */
std::string_view help_text(std::string_view topic);

inline constexpr std::string_view version = "0.1";

/* Commands; each returns an exit status or throws CommandError. */
int run_probe(const ProbeArgs &a);
int run_io(const IoArgs &a);
int run_report(const ReportArgs &a);

/* Path of the aio_attr device: $AIOATTR_DEV or /dev/aio_attr. */
const char *device_path();

} // namespace aioattr
