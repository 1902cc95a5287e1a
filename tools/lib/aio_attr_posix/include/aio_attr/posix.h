/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libaioattr-posix - POSIX <aio.h> on /dev/aio_attr, and its extension.
 *
 * The library defines aio_read, aio_write, aio_fsync, aio_error,
 * aio_return, aio_suspend, aio_cancel, lio_listio and their *64 aliases,
 * so a program either links it ahead of the C library or runs with
 * LD_PRELOAD=libaioattr-posix.so; either way <aio.h> is the header.  See
 * libaioattr-posix(3).
 *
 * Every function is thread-safe; aio_error() and aio_return() take no
 * lock and are async-signal-safe, as POSIX requires.  Without a usable
 * /dev/aio_attr the calls that need it fail with ENOSYS (EAGAIN when out
 * of resources).
 *
 * This header adds what POSIX has no word for: the attributes the kernel
 * measured for one finished request.
 */
#ifndef AIO_ATTR_POSIX_H
#define AIO_ATTR_POSIX_H

#include <aio.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The value of attribute @id (enum aio_attr_id of <linux/aio_attr.h>) of
 * the finished request @cb, before aio_return() is called on it.  Returns
 * 0 and *@value, or -1 with errno: EINPROGRESS while the request runs,
 * ENOENT when @id was not requested or no layer of the I/O path filled it
 * (status UNSUPPORTED), EINVAL when @cb is not a request of this library
 * or its record is gone (aio_return() was called, or the aiocb was
 * submitted again).  Thread-safe; not async-signal-safe.
 */
int aio_attr_get(const struct aiocb *cb, unsigned int id, uint64_t *value);
#ifdef __USE_LARGEFILE64
int aio_attr_get64(const struct aiocb64 *cb, unsigned int id, uint64_t *value);
#endif

/*
 * The AIO_ATTR_BIT() mask of attributes requested for the submissions
 * that follow (all threads).  Initially the list in the environment
 * variable AIOATTR_ATTRS ("service_ns,pagecache", "all", "none"; parsed
 * by aa_attr_parse_list()), or none.  Returns 0, or -1 with errno EINVAL
 * when @mask holds an id the kernel does not know, or the errno of
 * opening the device (ENOSYS, EAGAIN).
 */
int aio_attr_set_mask(uint64_t mask);

/* The mask in use; 0 when the device could not be opened. */
uint64_t aio_attr_get_mask(void);

#ifdef __cplusplus
}
#endif
#endif
