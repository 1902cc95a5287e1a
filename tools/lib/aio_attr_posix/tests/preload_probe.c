// SPDX-License-Identifier: GPL-2.0
/*
 * An unmodified POSIX AIO program.  "ENOSYS": aio_read must fail with
 * ENOSYS (libaioattr-posix interposed, its device absent).  "glibc": it
 * must succeed (the C library's own implementation).  Exit 0 when so.
 */
#include <aio.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static char buf[16];
	struct aiocb cb;
	const struct aiocb *list[1] = { &cb };
	int fd = open("/dev/zero", O_RDONLY), r, e;

	if (argc != 2 || fd < 0)
		return 2;
	memset(&cb, 0, sizeof(cb));
	cb.aio_fildes = fd;
	cb.aio_buf = buf;
	cb.aio_nbytes = sizeof(buf);
	cb.aio_sigevent.sigev_notify = SIGEV_NONE;
	r = aio_read(&cb);
	e = errno;
	if (!strcmp(argv[1], "ENOSYS")) {
		printf("aio_read: %d %s\n", r, strerror(e));
		return r == -1 && e == ENOSYS ? 0 : 1;
	}
	if (r)
		return 1;
	while (aio_error(&cb) == EINPROGRESS)
		aio_suspend(list, 1, NULL);
	return aio_error(&cb) == 0 && aio_return(&cb) == (ssize_t)sizeof(buf) ? 0 : 1;
}
