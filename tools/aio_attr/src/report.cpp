// SPDX-License-Identifier: GPL-2.0
/*
 * aioattr report - summarise an attr_log, draw it with gnuplot.
 */
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.hpp"
#include "report.hpp"
#include "target.hpp"

extern char **environ;

namespace aioattr {

void StatsFree::operator()(aa_dirstats *s) const noexcept
{
	std::free(s);
}

namespace {

constexpr unsigned int max_bad_shown = 10;

void add_bucket(Bucket &b, const aa_sample &s)
{
	auto val = [&](unsigned int id) -> double {
		return s.status[id] == AIO_ATTR_ST_HANDLED ? static_cast<double>(s.value[id]) : 0.0;
	};
	const double total = s.status[AIO_ATTR_SERVICE_NS] == AIO_ATTR_ST_HANDLED
				     ? static_cast<double>(s.value[AIO_ATTR_SERVICE_NS])
				     : static_cast<double>(s.lat_ns);
	const double q = val(AIO_ATTR_QUEUE_NS), d = val(AIO_ATTR_DEVICE_NS),
		     c = val(AIO_ATTR_CRYPT_NS);

	b.n++;
	b.total += total;
	b.queue += q;
	b.device += d;
	b.crypt += c;
	b.rest += std::max(0.0, total - q - d - c);
	if (s.status[AIO_ATTR_CACHE] == AIO_ATTR_ST_HANDLED) {
		b.cache_n++;
		switch (s.value[AIO_ATTR_CACHE]) {
		case AIO_ATTR_CACHE_HIT:
			b.hit++;
			break;
		case AIO_ATTR_CACHE_MISS:
			b.miss++;
			break;
		case AIO_ATTR_CACHE_PARTIAL:
			b.partial++;
			break;
		}
	}
}

} // namespace

Summary summarise(std::FILE *f, const std::string &name, bool skip_bad, const Progress &progress)
{
	struct LineBuf {
		char *p = nullptr;
		std::size_t cap = 0;
		~LineBuf() { std::free(p); }
	} lb;
	Summary sum;
	aa_log_cols cols;
	aa_sample smp;
	ssize_t len;
	char err[256];

	aa_log_cols_init(&cols);
	sum.stats.reset(aa_dirstats_new(0));
	if (!sum.stats)
		throw std::bad_alloc();
	while ((len = ::getline(&lb.p, &lb.cap, f)) >= 0) {
		const unsigned int headers = cols.headers;
		int r;

		sum.lines++;
		if (progress && (sum.lines & 0xffff) == 0)
			progress(static_cast<uint64_t>(std::ftell(f)));
		if (static_cast<std::size_t>(len) != std::strlen(lb.p)) {
			std::snprintf(err, sizeof(err), "NUL byte in the line");
			r = -1;
		} else {
			r = aa_log_parse_line(&cols, lb.p, &smp, err, sizeof(err));
		}
		if (r == 0 && cols.headers != headers) {
			/* Columns change only before the first I/O (concatenated logs are not one
			 * run). */
			if (sum.samples)
				throw CommandError(exit_bad_input,
						   name + ":" + std::to_string(sum.lines) +
							   ": a second column header");
			aa_dirstats_init(sum.stats.get(), cols.mask);
		}
		if (r == 1) {
			sum.samples++;
			aa_dirstats_add(sum.stats.get(), &smp);
			add_bucket(sum.per_ms[smp.time_ms], smp);
		}
		if (r >= 0)
			continue;
		const std::string msg = name + ":" + std::to_string(sum.lines) + ": " + err;
		/* Without a valid header nothing after it can be read. */
		if (!skip_bad || !cols.have_header)
			throw CommandError(exit_bad_input, msg);
		if (sum.bad_lines++ < max_bad_shown)
			std::fprintf(stderr, "aioattr: %s (skipped)\n", msg.c_str());
	}
	if (std::ferror(f))
		throw CommandError(exit_failed, "reading " + name + ": " + std::strerror(errno));
	if (!cols.have_header)
		throw CommandError(exit_bad_input, name + ": no \"" AA_LOG_MAGIC
							  "\" header: not an attr_log of the "
							  "aioattr fio engine");
	if (!sum.samples)
		throw CommandError(exit_bad_input, name + ": no I/Os in the log");
	if (sum.bad_lines > max_bad_shown)
		std::fprintf(stderr, "aioattr: %s: %llu malformed lines skipped in all\n",
			     name.c_str(), static_cast<unsigned long long>(sum.bad_lines));
	return sum;
}

void merge(Summary &into, const Summary &from)
{
	aa_dirstats_merge(into.stats.get(), from.stats.get());
	into.lines += from.lines;
	into.samples += from.samples;
	into.bad_lines += from.bad_lines;
	for (const auto &[ms, b] : from.per_ms) {
		Bucket &t = into.per_ms[ms];

		t.n += b.n;
		t.total += b.total;
		t.queue += b.queue;
		t.device += b.device;
		t.crypt += b.crypt;
		t.rest += b.rest;
		t.cache_n += b.cache_n;
		t.hit += b.hit;
		t.miss += b.miss;
		t.partial += b.partial;
	}
}

uint64_t total_ios(const Summary &s)
{
	uint64_t n = 0;

	for (const aa_stats &d : s.stats->dir)
		n += d.ios;
	return n;
}

uint64_t total_handled(const Summary &s, unsigned int id)
{
	uint64_t n = 0;

	for (const aa_stats &d : s.stats->dir)
		n += d.handled[id];
	return n;
}

uint64_t choose_bucket_ms(const Summary &s, uint64_t requested)
{
	static const uint64_t steps[] = { 1, 2, 5 };

	if (requested)
		return requested;
	if (s.per_ms.empty())
		return 1;
	const uint64_t span = s.per_ms.rbegin()->first - s.per_ms.begin()->first + 1;
	for (uint64_t scale = 1;; scale *= 10)
		for (uint64_t st : steps)
			if (span / (st * scale) <= 100)
				return st * scale;
}

std::vector<PlotRow> plot_rows(const Summary &s, uint64_t bucket_ms)
{
	std::map<uint64_t, Bucket> grouped;
	std::vector<PlotRow> rows;

	if (!bucket_ms)
		bucket_ms = 1;
	for (const auto &[ms, b] : s.per_ms) {
		Bucket &g = grouped[ms / bucket_ms];

		g.n += b.n;
		g.total += b.total;
		g.queue += b.queue;
		g.device += b.device;
		g.crypt += b.crypt;
		g.rest += b.rest;
		g.cache_n += b.cache_n;
		g.hit += b.hit;
		g.miss += b.miss;
		g.partial += b.partial;
	}
	for (const auto &[k, g] : grouped) {
		PlotRow r;
		const double n = static_cast<double>(g.n);

		r.t_s = (static_cast<double>(k * bucket_ms) + static_cast<double>(bucket_ms) / 2) /
			1000.0;
		r.n = g.n;
		r.queue = g.queue / n;
		r.device = g.device / n;
		r.crypt = g.crypt / n;
		r.rest = g.rest / n;
		if (g.cache_n) {
			r.hit = static_cast<double>(g.hit) / static_cast<double>(g.cache_n);
			r.partial = static_cast<double>(g.partial) / static_cast<double>(g.cache_n);
			r.miss = static_cast<double>(g.miss) / static_cast<double>(g.cache_n);
		}
		rows.push_back(r);
	}
	return rows;
}

namespace {

std::string quote(const std::string &s)
{
	std::string q = "'";

	for (char c : s) {
		if (c == '\'')
			q += "''";
		else
			q += c;
	}
	return q + "'";
}

} // namespace

std::string gnuplot_script(const Summary &s, const std::vector<PlotRow> &rows,
			   const std::string &data_path, const std::string &png,
			   const std::string &title, uint64_t bucket_ms)
{
	const std::unique_ptr<aa_stats, decltype(&std::free)> total(
		static_cast<aa_stats *>(std::malloc(sizeof(aa_stats))), std::free);
	std::ostringstream o;
	std::string missing;
	const char *layers[] = { "queue_ns", "device_ns", "crypt_ns" };
	const unsigned int ids[] = { AIO_ATTR_QUEUE_NS, AIO_ATTR_DEVICE_NS, AIO_ATTR_CRYPT_NS };
	if (!total)
		throw std::bad_alloc();
	aa_dirstats_total(s.stats.get(), total.get());
	const aa_stats &st = *total;
	const bool have_cache = st.handled[AIO_ATTR_CACHE] > 0;
	const std::string d = quote(data_path);
	const double half = static_cast<double>(bucket_ms) / 2000.0;
	const double xmin = rows.empty() ? 0 : rows.front().t_s - half;
	const double xmax = rows.empty() ? 1 : rows.back().t_s + half;
	double top = 0;

	for (const PlotRow &r : rows)
		top = std::max(top, r.queue + r.device + r.crypt + r.rest);
	/* The largest stack decides the unit: us up to 10 ms, then ms. */
	const char *unit = top > 1e7 ? "ms" : "us";
	const char *unit_div = top > 1e7 ? "1000000.0" : "1000.0";

	for (unsigned int i = 0; i < 3; i++)
		if (!st.handled[ids[i]])
			missing += std::string(missing.empty() ? "" : ", ") + layers[i];
	o << "set terminal pngcairo size 1200,900 noenhanced font ',10'\n"
	  << "set output " << quote(png) << "\n"
	  << "set datafile missing '?'\n"
	  << "set multiplot layout 2,1 title " << quote(title) << "\n"
	  << "set key outside right top\n"
	  << "set grid ytics\n"
	  << "set xlabel 'time since job start (s)'\n"
	  << "set style fill solid 0.85 noborder\n"
	  << "set boxwidth " << static_cast<double>(bucket_ms) / 1000.0 << " absolute\n"
	  << "set xrange [" << xmin << ":" << xmax << "]\n"
	  << "set ylabel 'mean latency per I/O (" << unit << ")'\n"
	  << "set yrange [0:*]\n"
	  << "set title "
	  << quote("latency breakdown per " + std::to_string(bucket_ms) + " ms" +
		   (st.handled[AIO_ATTR_SERVICE_NS] ? " (total: service_ns)"
						    : " (total: submit-to-reap latency)") +
		   (missing.empty() ? "" : "; UNSUPPORTED, drawn as 0: " + missing))
	  << "\n";
	/* Stacked by drawing the cumulative sums from the largest down. */
	const std::string div = unit_div;
	o << "plot " << d << " using 1:(($2+$3+$4+$5)/" << div
	  << ") with boxes lc rgb '#a0a0a0' title 'rest', \\\n"
	  << "     " << d << " using 1:(($2+$3+$4)/" << div
	  << ") with boxes lc rgb '#d62728' title 'crypto', \\\n"
	  << "     " << d << " using 1:(($2+$3)/" << div
	  << ") with boxes lc rgb '#1f77b4' title 'device', \\\n"
	  << "     " << d << " using 1:($2/" << div
	  << ") with boxes lc rgb '#2ca02c' title 'queue'\n";
	o << "set ylabel 'share of I/Os (%)'\n"
	  << "set yrange [0:100]\n";
	if (have_cache) {
		char t[160];

		std::snprintf(t, sizeof(t),
			      "cache result per %llu ms (whole run: hit %.1f%%, partial %.1f%%, "
			      "miss %.1f%%)",
			      static_cast<unsigned long long>(bucket_ms),
			      100.0 * static_cast<double>(st.cache[1]) /
				      static_cast<double>(st.handled[AIO_ATTR_CACHE]),
			      100.0 * static_cast<double>(st.cache[3]) /
				      static_cast<double>(st.handled[AIO_ATTR_CACHE]),
			      100.0 * static_cast<double>(st.cache[2]) /
				      static_cast<double>(st.handled[AIO_ATTR_CACHE]));
		o << "set title " << quote(t) << "\n"
		  << "plot " << d
		  << " using 1:($6*100) with linespoints lw 2 pt 7 ps 0.5 lc rgb '#2ca02c' title "
		     "'hit', \\\n"
		  << "     " << d
		  << " using 1:($7*100) with linespoints lw 2 pt 7 ps 0.5 lc rgb '#ff7f0e' title "
		     "'partial', \\\n"
		  << "     " << d
		  << " using 1:($8*100) with linespoints lw 2 pt 7 ps 0.5 lc rgb '#d62728' title "
		     "'miss'\n";
	} else {
		o << "set title 'cache: UNSUPPORTED on this path (no hit ratio)'\n"
		  << "plot " << d << " using 1:(0) with points pt 0 notitle\n";
	}
	o << "unset multiplot\n";
	return o.str();
}

namespace {

class TempDir {
public:
	TempDir()
	{
		const char *t = std::getenv("TMPDIR");
		std::string tmpl = std::string(t && *t ? t : "/tmp") + "/aioattr-plot.XXXXXX";

		if (!::mkdtemp(tmpl.data()))
			throw CommandError(exit_plot, "cannot create a temporary directory: " +
							      std::string(std::strerror(errno)));
		path_ = tmpl;
	}
	~TempDir()
	{
		for (const char *f : { "/data", "/plot.gp" })
			::unlink((path_ + f).c_str());
		::rmdir(path_.c_str());
	}
	const std::string &path() const { return path_; }

private:
	std::string path_;
};

void write_file(const std::string &path, const std::string &text)
{
	std::FILE *f = std::fopen(path.c_str(), "w");

	if (!f || std::fwrite(text.data(), 1, text.size(), f) != text.size() || std::fclose(f)) {
		if (f)
			std::fclose(f);
		throw CommandError(exit_plot, "writing " + path + ": " + std::strerror(errno));
	}
}

std::string data_text(const std::vector<PlotRow> &rows)
{
	std::string out = "# t_s queue_ns device_ns crypt_ns rest_ns hit partial miss n\n";
	char b[256];

	for (const PlotRow &r : rows) {
		std::snprintf(b, sizeof(b), "%.6f %.1f %.1f %.1f %.1f ", r.t_s, r.queue, r.device,
			      r.crypt, r.rest);
		out += b;
		if (r.hit < 0)
			std::snprintf(b, sizeof(b), "? ? ? %llu\n",
				      static_cast<unsigned long long>(r.n));
		else
			std::snprintf(b, sizeof(b), "%.6f %.6f %.6f %llu\n", r.hit, r.partial,
				      r.miss, static_cast<unsigned long long>(r.n));
		out += b;
	}
	return out;
}

void draw(const Summary &s, const ReportArgs &a)
{
	const uint64_t bucket = choose_bucket_ms(s, a.bucket_ms);
	const std::vector<PlotRow> rows = plot_rows(s, bucket);
	TempDir tmp;
	const std::string data = tmp.path() + "/data", script = tmp.path() + "/plot.gp";
	const char *gp = std::getenv("GNUPLOT");
	std::string prog = gp && *gp ? gp : "gnuplot";
	std::string title = "aioattr: " + logs_title(a.logs) + " (" +
			    std::to_string(total_ios(s)) + " I/Os)";

	write_file(data, data_text(rows));
	write_file(script, gnuplot_script(s, rows, data, a.png, title, bucket));
	::unlink(a.png.c_str());

	char *argv[] = { prog.data(), const_cast<char *>(script.c_str()), nullptr };
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status = 0;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	int err = posix_spawnp(&pid, prog.c_str(), &fa, nullptr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (err)
		throw CommandError(exit_plot,
				   "cannot run " + prog + ": " + std::strerror(err) +
					   (err == ENOENT ? " (install gnuplot: apt-get install "
							    "gnuplot-nox)"
							  : ""));
	while (::waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		throw CommandError(exit_plot, prog + " failed (status " + std::to_string(status) +
						      ") drawing " + a.png);
	struct stat st;
	if (::stat(a.png.c_str(), &st) < 0 || st.st_size == 0)
		throw CommandError(exit_plot, prog + " did not write " + a.png);
}

/* Summarise the log @path ("-": stdin), with progress on a terminal. */
Summary read_log(const std::string &path, bool skip_bad)
{
	std::FILE *f = path == "-" ? stdin : std::fopen(path.c_str(), "r");
	struct stat st;
	uint64_t total = 0;
	bool shown = false;
	const auto start = std::chrono::steady_clock::now();

	if (!f)
		throw CommandError(exit_failed, "cannot open " + path + ": " + std::strerror(errno));
	std::unique_ptr<std::FILE, int (*)(std::FILE *)> closer(f == stdin ? nullptr : f,
								std::fclose);
	if (::fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode))
		total = static_cast<uint64_t>(st.st_size);

	Progress progress;
	if (interactive() && total)
		progress = [&](uint64_t bytes) {
			if (std::chrono::steady_clock::now() - start <
			    std::chrono::milliseconds(500))
				return;
			std::fprintf(stderr, "\raioattr: reading %s: %.1f of %.1f MiB (%.0f%%)",
				     path.c_str(), static_cast<double>(bytes) / (1 << 20),
				     static_cast<double>(total) / (1 << 20),
				     100.0 * static_cast<double>(bytes) /
					     static_cast<double>(total));
			shown = true;
		};
	try {
		Summary s = summarise(f, path, skip_bad, progress);

		if (shown)
			std::fprintf(stderr, "\r\033[K");
		return s;
	} catch (...) {
		if (shown)
			std::fprintf(stderr, "\r\033[K");
		throw;
	}
}

} // namespace

std::string logs_title(const std::vector<std::string> &logs)
{
	std::string t;

	for (const std::string &l : logs)
		t += (t.empty() ? "" : " + ") + l;
	return t;
}

int run_report(const ReportArgs &a)
{
	Summary s = read_log(a.logs.at(0), a.skip_bad);

	for (std::size_t i = 1; i < a.logs.size(); i++)
		merge(s, read_log(a.logs[i], a.skip_bad));

	aa_report_info ri{};
	std::string title = (a.logs.size() > 1 ? "attr_logs " : "attr_log ") + logs_title(a.logs);
	ri.title = title.c_str();
	ri.origin = "attr_log";
	if (a.json)
		aa_report_json(stdout, s.stats.get(), &ri);
	else
		aa_report_text(stdout, s.stats.get(), &ri);
	if (s.bad_lines && !a.json)
		std::printf("  malformed lines skipped: %llu\n",
			    static_cast<unsigned long long>(s.bad_lines));
	std::fflush(stdout);
	if (!a.png.empty()) {
		draw(s, a);
		if (!a.json)
			std::printf("  picture: %s\n", a.png.c_str());
	}
	return exit_ok;
}

} // namespace aioattr
