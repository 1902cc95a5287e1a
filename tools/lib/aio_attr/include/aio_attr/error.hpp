// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * aio_attr - errors.  Everything the library reports is a std::system_error
 * in std::generic_category() carrying the errno value, so callers can
 * compare e.code() with std::errc or read e.code().value().
 */
#pragma once

#include <cerrno>
#include <system_error>

namespace aio_attr {

/* Throw std::system_error(err, generic_category(), what). */
[[noreturn]] inline void throw_errno(int err, const char *what)
{
	throw std::system_error(err, std::generic_category(), what);
}

/* Same with the current errno. */
[[noreturn]] inline void throw_errno(const char *what)
{
	throw_errno(errno, what);
}

} // namespace aio_attr
