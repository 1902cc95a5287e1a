// SPDX-License-Identifier: GPL-2.0
/*
 * aioattr - command line parsing and help texts.
 */
#include <charconv>
#include <cstdlib>
#include <limits>

#include "attrstat.h"
#include "cli.hpp"

namespace aioattr {

namespace {

constexpr std::string_view help_main = R"(NAME
    aioattr - per-I/O attributes of aio_attr from the command line

SYNOPSIS
    aioattr probe DEV|FILE [--count N] [--bs BYTES] [--buffered]
    aioattr io read|write DEV|FILE OFFSET LEN [--attrs LIST] [options]
    aioattr report LOG... [--png FILE] [--json] [--skip-bad] [--bucket-ms MS]
    aioattr help [COMMAND] | --help | --version

DESCRIPTION
    aio_attr returns, with each completed I/O, attributes filled by the layers
    below: service time, queueing, device time, cache hit or miss, crypto time
    and the context the completion ran in.  aioattr shows them:

    probe    which attributes the path to a device or file fills
    io       one read or write, its result and its attributes
    report   summarise a per-I/O log of the fio engine (attr_log=), with an
             optional PNG of the latency breakdown and the hit ratio

    `aioattr COMMAND --help` describes each command.

ATTRIBUTES
    service_ns      ns from submission to the completion being posted
    queue_ns        ns from submission to dispatch into the device driver
    device_ns       ns the device spent as its driver saw it
    cache           hit, miss or partial (a device with a cache model)
    crypt_ns        ns spent en/decrypting (crypto targets)
    completion_ctx  task, softirq or hardirq, plus flags (hop: a layer
                    deferred the completion to a worker)
    all             every attribute the running kernel knows
    UNSUPPORTED means nothing on the I/O path filled the attribute; it is
    never shown as 0.

ENVIRONMENT
    AIOATTR_DEV     the aio_attr device (default /dev/aio_attr)
    GNUPLOT         the gnuplot program for report --png (default gnuplot)

EXIT STATUS
    0  success (io: the I/O completed without error)
    1  the operation failed: the I/O returned an error, a system call failed
    2  bad command line
    3  /dev/aio_attr cannot be opened (is the aio_attr module loaded?)
    4  report: the log is not a valid attr_log (malformed line)
    5  report --png: gnuplot is missing or failed

SEE ALSO
    Documentation/aio_attr/cli.rst, Documentation/aio_attr/fio.rst, fio(1)
)";

constexpr std::string_view help_probe = R"(NAME
    aioattr probe - which attributes the path to DEV or FILE fills

SYNOPSIS
    aioattr probe DEV|FILE [--count N] [--bs BYTES] [--buffered]

DESCRIPTION
    Issues N reads spread over DEV or FILE, requesting every attribute the
    kernel knows, and prints for each attribute whether the I/O path filled
    it (HANDLED), did not (UNSUPPORTED), or only for some of the reads
    (MIXED), with the value of the last read that had it.  Nothing is
    written.  Block devices are opened with O_DIRECT (the path on which
    drivers can fill attributes); regular files too when their file system
    allows it, else buffered.

OPTIONS
    --count N       reads to issue (default 4, 1..1024)
    --bs BYTES      bytes per read (default: the logical block size, or 4096
                    for files); suffixes k, m (powers of 1024)
    --buffered      do not use O_DIRECT
    -h, --help      this text

EXAMPLE
    aioattr probe /dev/ram0
    aioattr probe /dev/mapper/secret --count 16

EXIT STATUS
    0 the reads completed, 1 a read or system call failed, 2 bad arguments,
    3 /dev/aio_attr unavailable.
)";

constexpr std::string_view help_io = R"(NAME
    aioattr io - one read or write through aio_attr, with its attributes

SYNOPSIS
    aioattr io read  DEV|FILE OFFSET LEN [--attrs LIST] [--buffered] [--output FILE]
    aioattr io write DEV|FILE OFFSET LEN [--attrs LIST] [--buffered]
                     [--pattern BYTE | --input FILE]

DESCRIPTION
    Submits one request, waits for its completion and prints the result
    (bytes transferred or the error) and each requested attribute with its
    status.  OFFSET and LEN are bytes with optional suffixes k, m, g
    (powers of 1024) or 0x hex; with O_DIRECT (the default) they must be
    multiples of the device's logical block size.  A write overwrites data
    on DEV.

OPTIONS
    --attrs LIST    comma list of attribute names, or all (default all)
    --buffered      open without O_DIRECT (driver attributes then usually
                    come back UNSUPPORTED)
    --pattern BYTE  write: fill the buffer with BYTE (0..255, default 0)
    --input FILE    write: take LEN bytes from FILE
    --output FILE   read: store the data read in FILE
    -h, --help      this text

EXAMPLE
    aioattr io read /dev/ram0 0 4k --attrs service_ns,cache
    aioattr io write /dev/aiodemo0 1m 64k --pattern 0xa5

EXIT STATUS
    0 the I/O succeeded, 1 it completed with an error or a system call
    failed, 2 bad arguments, 3 /dev/aio_attr unavailable.
)";

constexpr std::string_view help_report = R"(NAME
    aioattr report - summarise an attr_log of the fio engine

SYNOPSIS
    aioattr report LOG... [--png FILE] [--json] [--skip-bad] [--bucket-ms MS]

DESCRIPTION
    Reads LOG, a per-I/O attribute log written by fio's aioattr engine
    (attr_log=), and prints the same attribute report the engine prints at
    the end of a job: per attribute how many I/Os had it HANDLED or
    UNSUPPORTED, the cache hit, miss and partial ratios, min, mean, p50,
    p90, p99, p99.9 and max of each time, and the share of completions that
    took a deferral hop.  Percentiles come from a log-linear histogram
    (at most 0.79% relative error), exactly as in the engine.

    With --png, also draws FILE with gnuplot: the mean latency per time
    bucket split into the layers queue (queue_ns), device (device_ns),
    crypto (crypt_ns) and rest (the remainder of service_ns), stacked, and
    below it the cache hit and partial ratios over time.  Layers whose
    attribute was UNSUPPORTED count as 0.

    With several LOGs (the attr_log.1, attr_log.2, ... of the jobs of one
    fio run), their I/Os are merged into one report, as fio's
    group_reporting merges jobs; in the picture, I/Os of jobs that ran
    side by side add up per time bucket.

    While reading a large LOG with stdout on a terminal, progress is shown
    on stderr.

OPTIONS
    --png FILE      write the picture to FILE (needs gnuplot, Debian package
                    gnuplot-nox)
    --json          print the report as one JSON object
    --skip-bad      skip malformed lines (each reported on stderr) instead
                    of stopping at the first one
    --bucket-ms MS  time bucket of the picture (default: about 100 buckets)
    -h, --help      this text

EXAMPLE
    fio --ioengine=external:aioattr.so --attrs=all --attr_log=io.log ...
    aioattr report io.log --png io.png

EXIT STATUS
    0 success, 1 LOG cannot be read, 2 bad arguments, 4 LOG is not a valid
    attr_log (a malformed line, or no column header), 5 gnuplot missing or
    failed.
)";

struct Cursor {
	std::span<const std::string_view> args;
	std::size_t i = 0;
	std::string_view cmd;

	bool done() const { return i >= args.size(); }
	std::string_view next() { return args[i++]; }
};

[[noreturn]] void usage(std::string_view cmd, const std::string &msg)
{
	std::string m(cmd);

	if (!m.empty())
		m += ": ";
	m += msg;
	m += " (see 'aioattr ";
	if (!cmd.empty()) {
		m += cmd;
		m += ' ';
	}
	m += "--help')";
	throw UsageError(m);
}

/*
 * If the current argument is option @name ("--bs"), return its value,
 * taken from "--bs=X" or the next argument.
 */
std::optional<std::string_view> opt_value(Cursor &c, std::string_view arg, std::string_view name)
{
	if (arg == name) {
		if (c.done())
			usage(c.cmd, "option " + std::string(name) + " needs a value");
		return c.next();
	}
	if (arg.size() > name.size() && arg.substr(0, name.size()) == name &&
	    arg[name.size()] == '=')
		return arg.substr(name.size() + 1);
	return std::nullopt;
}

bool is_help(std::string_view a)
{
	return a == "-h" || a == "--help";
}

uint64_t parse_u64(std::string_view s, std::string_view what, std::string_view cmd)
{
	try {
		return parse_size(s, what);
	} catch (const UsageError &e) {
		usage(cmd, e.what());
	}
}

[[noreturn]] void unknown_option(const Cursor &c, std::string_view a)
{
	usage(c.cmd, "unknown option '" + std::string(a) + "'");
}

void parse_probe(Cursor &c, ProbeArgs &p)
{
	bool have_path = false;

	while (!c.done()) {
		std::string_view a = c.next();
		std::optional<std::string_view> v;

		if ((v = opt_value(c, a, "--count"))) {
			uint64_t n = parse_u64(*v, "--count", c.cmd);

			if (n < 1 || n > 1024)
				usage(c.cmd, "--count must be 1..1024, not " + std::string(*v));
			p.count = static_cast<unsigned int>(n);
		} else if ((v = opt_value(c, a, "--bs"))) {
			uint64_t n = parse_u64(*v, "--bs", c.cmd);

			if (n < 1 || n > (64u << 20))
				usage(c.cmd, "--bs must be 1 byte..64m, not " + std::string(*v));
			p.bs = static_cast<uint32_t>(n);
		} else if (a == "--buffered") {
			p.buffered = true;
		} else if (a.size() > 1 && a[0] == '-') {
			unknown_option(c, a);
		} else if (!have_path) {
			p.path = a;
			have_path = true;
		} else {
			usage(c.cmd, "unexpected argument '" + std::string(a) + "'");
		}
	}
	if (!have_path)
		usage(c.cmd, "missing DEV|FILE");
}

void parse_io(Cursor &c, IoArgs &io)
{
	std::string_view pos[4];
	unsigned int npos = 0;
	bool have_pattern = false;

	while (!c.done()) {
		std::string_view a = c.next();
		std::optional<std::string_view> v;

		if ((v = opt_value(c, a, "--attrs"))) {
			uint64_t mask;
			char err[256];
			std::string list(*v);

			/* The syntax now; "all" is resolved against the kernel in run_io(). */
			if (aa_attr_parse_list(list.c_str(), aa_attr_all(), &mask, err,
					       sizeof(err)))
				usage(c.cmd, "--attrs " + list + ": " + err);
			io.attr_mask = mask;
			io.attr_list = list;
		} else if ((v = opt_value(c, a, "--pattern"))) {
			uint64_t b = parse_u64(*v, "--pattern", c.cmd);

			if (b > 255)
				usage(c.cmd,
				      "--pattern must be a byte (0..255), not " + std::string(*v));
			io.pattern = static_cast<int>(b);
			have_pattern = true;
		} else if ((v = opt_value(c, a, "--input"))) {
			io.input = *v;
		} else if ((v = opt_value(c, a, "--output"))) {
			io.output = *v;
		} else if (a == "--buffered") {
			io.buffered = true;
		} else if (a.size() > 1 && a[0] == '-') {
			unknown_option(c, a);
		} else if (npos < 4) {
			pos[npos++] = a;
		} else {
			usage(c.cmd, "unexpected argument '" + std::string(a) + "'");
		}
	}
	if (npos < 1)
		usage(c.cmd, "missing read|write");
	if (pos[0] == "read")
		io.write = false;
	else if (pos[0] == "write")
		io.write = true;
	else
		usage(c.cmd,
		      "the direction must be read or write, not '" + std::string(pos[0]) + "'");
	if (npos < 4)
		usage(c.cmd, std::string("missing ") + (npos == 1   ? "DEV|FILE OFFSET LEN"
							: npos == 2 ? "OFFSET LEN"
								    : "LEN"));
	io.path = pos[1];
	io.offset = parse_u64(pos[2], "OFFSET", c.cmd);
	if (io.offset > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
		usage(c.cmd, "OFFSET " + std::string(pos[2]) + " is beyond 2^63");
	uint64_t len = parse_u64(pos[3], "LEN", c.cmd);
	if (len == 0 || len > (64u << 20))
		usage(c.cmd, "LEN must be 1 byte..64m, not " + std::string(pos[3]));
	io.len = static_cast<uint32_t>(len);
	if (io.write && !io.output.empty())
		usage(c.cmd, "--output is for reads");
	if (!io.write && (have_pattern || !io.input.empty()))
		usage(c.cmd, "--pattern and --input are for writes");
	if (have_pattern && !io.input.empty())
		usage(c.cmd, "--pattern and --input exclude each other");
}

void parse_report(Cursor &c, ReportArgs &r)
{
	while (!c.done()) {
		std::string_view a = c.next();
		std::optional<std::string_view> v;

		if ((v = opt_value(c, a, "--png"))) {
			if (v->empty())
				usage(c.cmd, "--png needs a file name");
			r.png = *v;
		} else if ((v = opt_value(c, a, "--bucket-ms"))) {
			r.bucket_ms = parse_u64(*v, "--bucket-ms", c.cmd);
			if (!r.bucket_ms)
				usage(c.cmd, "--bucket-ms must be at least 1");
		} else if (a == "--json") {
			r.json = true;
		} else if (a == "--skip-bad") {
			r.skip_bad = true;
		} else if (a.size() > 1 && a[0] == '-') {
			unknown_option(c, a);
		} else {
			r.logs.emplace_back(a);
		}
	}
	if (r.logs.empty())
		usage(c.cmd, "missing LOG");
}

} // namespace

uint64_t parse_size(std::string_view s, std::string_view what)
{
	const std::string bad = std::string(what) + ": '" + std::string(s) + "' is not a size";
	uint64_t v = 0, mult = 1;
	int base = 10;
	std::string_view digits = s;

	if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
		base = 16;
		digits.remove_prefix(2);
	} else if (!digits.empty()) {
		switch (digits.back()) {
		case 'k':
		case 'K':
			mult = 1ULL << 10;
			break;
		case 'm':
		case 'M':
			mult = 1ULL << 20;
			break;
		case 'g':
		case 'G':
			mult = 1ULL << 30;
			break;
		case 't':
		case 'T':
			mult = 1ULL << 40;
			break;
		}
		if (mult != 1)
			digits.remove_suffix(1);
	}
	if (digits.empty())
		throw UsageError(bad);
	auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, base);
	if (ec == std::errc::result_out_of_range)
		throw UsageError(std::string(what) + ": '" + std::string(s) + "' is too large");
	if (ec != std::errc() || p != digits.data() + digits.size())
		throw UsageError(bad);
	if (v > std::numeric_limits<uint64_t>::max() / mult)
		throw UsageError(std::string(what) + ": '" + std::string(s) + "' is too large");
	return v * mult;
}

std::string_view help_text(std::string_view topic)
{
	if (topic.empty())
		return help_main;
	if (topic == "probe")
		return help_probe;
	if (topic == "io")
		return help_io;
	if (topic == "report")
		return help_report;
	return {};
}

Parsed parse_args(std::span<const std::string_view> args)
{
	Parsed p;
	Cursor c{ args, 0, {} };

	if (c.done())
		usage("", "missing command");
	std::string_view cmd = c.next();

	if (is_help(cmd)) {
		p.cmd = Cmd::help;
		return p;
	}
	if (cmd == "--version" || cmd == "-V") {
		p.cmd = Cmd::version;
		return p;
	}
	if (cmd == "help") {
		p.cmd = Cmd::help;
		if (!c.done())
			p.topic = c.next();
		if (help_text(p.topic).empty())
			usage("", "no command '" + p.topic + "'");
		return p;
	}
	if (cmd != "probe" && cmd != "io" && cmd != "report") {
		if (!cmd.empty() && cmd[0] == '-')
			usage("", "unknown option '" + std::string(cmd) + "'");
		usage("", "unknown command '" + std::string(cmd) + "'");
	}
	c.cmd = cmd;
	for (std::string_view a : args.subspan(1)) {
		if (is_help(a)) {
			p.cmd = Cmd::help;
			p.topic = cmd;
			return p;
		}
	}
	if (cmd == "probe") {
		p.cmd = Cmd::probe;
		parse_probe(c, p.probe);
	} else if (cmd == "io") {
		p.cmd = Cmd::io;
		parse_io(c, p.io);
	} else {
		p.cmd = Cmd::report;
		parse_report(c, p.report);
	}
	return p;
}

const char *device_path()
{
	const char *d = std::getenv("AIOATTR_DEV");

	return d && *d ? d : "/dev/aio_attr";
}

} // namespace aioattr
