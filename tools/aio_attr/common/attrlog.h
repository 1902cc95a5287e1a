/* SPDX-License-Identifier: GPL-2.0 */
/*
 * attrlog - the per-I/O attribute log (fio engine option attr_log=):
 * writer for the engine, parser for `aioattr report`.
 *
 * The format follows fio's own logs (time, value, direction, size,
 * offset; comma + blank separated), with one column per requested
 * attribute after them, and two comment lines in front naming the
 * columns:
 *
 *	# aioattr attr_log 1
 *	# time_ms, lat_ns, ddir, bs, offset, service_ns, cache
 *	12, 13450, 0, 4096, 1048576, 12001, 1
 *	12, 13877, 0, 4096, 8192, 12380, -
 *
 * time_ms is the completion time in ms since the job started, lat_ns the
 * time from submission to reaping, ddir fio's direction (0 read, 1 write,
 * 3 fsync, 4 fdatasync), bs and offset in bytes.  An attribute value is a
 * decimal number in the registry's units; "-" means the record came back
 * UNSUPPORTED (nobody on the path filled it - not zero), "?" any other
 * status.  Only I/Os that completed without error are logged.
 */
#ifndef AIO_ATTR_TOOLS_ATTRLOG_H
#define AIO_ATTR_TOOLS_ATTRLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attrstat.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AA_LOG_MAGIC	"# aioattr attr_log"
#define AA_LOG_VERSION	1
/* Longest line aa_log_format_line() can produce, newline included. */
#define AA_LOG_LINE_MAX (5 * 21 + AIO_ATTR_NR * 22 + 16)

/* The two header lines for @mask into @buf; returns the length, 0 if @len is too small. */
size_t aa_log_format_header(char *buf, size_t len, uint64_t mask);
/* One line for @s (the attributes of @mask, ascending id); returns the length or 0. */
size_t aa_log_format_line(char *buf, size_t len, const struct aa_sample *s, uint64_t mask);

/* Column layout learnt from a log's header. */
struct aa_log_cols {
	bool have_magic;
	bool have_header;
	unsigned int headers; /* column header lines seen */
	unsigned int nr_attrs;
	unsigned char id[AIO_ATTR_NR]; /* attribute of each column after offset */
	uint64_t mask;
};

void aa_log_cols_init(struct aa_log_cols *c);

/*
 * Parse one line (without or with its trailing newline).  Returns 1 and
 * fills @s for a data line, 0 for a blank or comment line (the header
 * lines update @c), -1 for a malformed line with the reason in @err.
 */
int aa_log_parse_line(struct aa_log_cols *c, const char *line, struct aa_sample *s, char *err,
		      size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
