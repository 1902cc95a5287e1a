// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libaioattr - a context: open, setup and mapping, the ioctls, teardown.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* O_CLOEXEC with -std=c11 */
#endif
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <aio_attr/aio_attr.h>

static void ctx_clear(struct aa_ctx *ctx, int fd)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->fd = fd;
}

int aa_ctx_open(struct aa_ctx *ctx, const char *path)
{
	int fd = open(path ? path : AA_DEFAULT_DEV, O_RDWR | O_CLOEXEC);

	ctx_clear(ctx, -1);
	if (fd < 0)
		return -errno;
	ctx->fd = fd;
	return 0;
}

void aa_ctx_from_fd(struct aa_ctx *ctx, int fd)
{
	ctx_clear(ctx, fd);
}

int aa_ctx_probe(const struct aa_ctx *ctx, struct aio_attr_probe *p)
{
	memset(p, 0, sizeof(*p));
	return ioctl(ctx->fd, AIO_ATTR_IOC_PROBE, p) < 0 ? -errno : 0;
}

int aa_ctx_setup(struct aa_ctx *ctx, struct aio_attr_setup *s)
{
	struct aa_ring ring;
	void *map;
	int ret;

	if (ctx->map)
		return -EBUSY;
	if (ioctl(ctx->fd, AIO_ATTR_IOC_SETUP, s) < 0)
		return -errno;
	if (s->data_offset >= s->mmap_bytes)
		return -EPROTO;
	map = mmap(NULL, s->mmap_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, ctx->fd, 0);
	if (map == MAP_FAILED)
		return -errno;
	ret = aa_ring_attach(&ring, map, s->mmap_bytes);
	if (!ret && (ring.ring_bytes != s->ring_bytes ||
		     ring.data != (unsigned char *)map + s->data_offset))
		ret = -EPROTO;
	if (ret) {
		munmap(map, s->mmap_bytes);
		return ret;
	}
#if AIO_ATTR_VERSION >= 3
	if (s->version >= 3 && s->sq_entries) {
		if (s->sq_offset < s->data_offset ||
		    s->mmap_bytes - s->sq_offset < (size_t)s->sq_entries * sizeof(*ctx->sqes)) {
			munmap(map, s->mmap_bytes);
			return -EPROTO;
		}
		ctx->sqes = (struct aio_attr_sqe *)((unsigned char *)map + s->sq_offset);
		ctx->sq_mask = s->sq_entries - 1;
		ctx->sq_tail = __atomic_load_n(&ring.hdr->sq_head, __ATOMIC_ACQUIRE);
	}
#endif
	ctx->map = map;
	ctx->map_bytes = s->mmap_bytes;
	ctx->ring = ring;
	ctx->setup = *s;
	return 0;
}

void aa_ctx_close(struct aa_ctx *ctx)
{
	if (ctx->map)
		munmap(ctx->map, ctx->map_bytes);
	/* close(2) releases the descriptor even when it fails: never retry. */
	if (ctx->fd >= 0)
		close(ctx->fd);
	ctx_clear(ctx, -1);
}

/*
 * AIO_ATTR_IOC_SUBMIT of a filled-in @s.  The ioctl returns the accepted
 * count, or -1 with errno when the first request was refused (then the
 * kernel has put the same errno in @s->error) or the call failed.
 */
static int submit_ioctl(struct aa_ctx *ctx, struct aio_attr_submit *s,
			const struct aio_attr_sqe *sqes, unsigned int nr, int *error)
{
	int ret, err;

	s->sqes = (uintptr_t)sqes;
	s->nr = nr;
	ret = ioctl(ctx->fd, AIO_ATTR_IOC_SUBMIT, s);
	if (ret >= 0) {
		if (error)
			*error = (unsigned int)ret < nr ? (s->error ? s->error : EIO) : 0;
		return ret;
	}
	err = errno;
	if (s->error == err && s->accepted == 0) {
		if (error)
			*error = err;
		return 0;
	}
	return -err;
}

int aa_submit(struct aa_ctx *ctx, const struct aio_attr_sqe *sqes, unsigned int nr, int *error)
{
	struct aio_attr_submit s;

	memset(&s, 0, sizeof(s));
	return submit_ioctl(ctx, &s, sqes, nr, error);
}

int aa_wait(struct aa_ctx *ctx, unsigned int min_events, int64_t timeout_ns,
	    struct aio_attr_wait *out)
{
	struct aio_attr_wait w;
	int ret;

	memset(&w, 0, sizeof(w));
	w.min_events = min_events;
	w.timeout_ns = timeout_ns < 0 ? -1 : timeout_ns;
	ret = ioctl(ctx->fd, AIO_ATTR_IOC_WAIT, &w) < 0 ? -errno : 0;
	if (out)
		*out = w;
	return ret;
}

#if AIO_ATTR_VERSION >= 2
int aa_submit_and_wait(struct aa_ctx *ctx, const struct aio_attr_sqe *sqes, unsigned int nr,
		       unsigned int min_complete, int64_t timeout_ns, int *error, int *wait_error)
{
	struct aio_attr_submit s;
	int ret, err = 0;

	if (wait_error)
		*wait_error = 0;
	if (!(ctx->setup.features & AIO_ATTR_FEAT_SUBMIT_WAIT) || ctx->setup.version < 2) {
		ret = aa_submit(ctx, sqes, nr, &err);
		if (error)
			*error = err;
		if (ret == (int)nr && min_complete) {
			int w = aa_wait(ctx, min_complete, timeout_ns, NULL);

			if (w == -ETIME || w == -EINTR) {
				if (wait_error)
					*wait_error = -w;
			} else if (w < 0) {
				return w;
			}
		}
		return ret;
	}
	memset(&s, 0, sizeof(s));
	s.flags = AIO_ATTR_SUBMIT_WAIT;
	s.min_complete = min_complete;
	s.timeout_ns = timeout_ns < 0 ? -1 : timeout_ns;
	ret = submit_ioctl(ctx, &s, sqes, nr, &err);
	if (error)
		*error = err;
	if (wait_error && ret == (int)nr)
		*wait_error = s.wait_error;
	return ret;
}

int aa_submit_group(struct aa_ctx *ctx, const struct aio_attr_sqe *sqes, unsigned int nr,
		    unsigned int flags, int64_t timeout_ns, int *error, int *wait_error)
{
	struct aio_attr_submit s;
	unsigned int members = nr;
	int ret, err = 0;

	if (wait_error)
		*wait_error = 0;
	if (flags & ~AIO_ATTR_SUBMIT_WAIT)
		return -EINVAL;
	/* The group-done entry is not a member: the kernel never counts it. */
	if (nr && sqes[nr - 1].opcode == AIO_ATTR_OP_GROUP_DONE)
		members--;
	memset(&s, 0, sizeof(s));
	s.flags = AIO_ATTR_SUBMIT_GROUP | flags;
	if (flags & AIO_ATTR_SUBMIT_WAIT)
		s.timeout_ns = timeout_ns < 0 ? -1 : timeout_ns;
	ret = submit_ioctl(ctx, &s, sqes, nr, &err);
	if (ret >= 0 && (unsigned int)ret == members)
		err = 0;
	if (error)
		*error = err;
	if (wait_error && ret >= 0 && (unsigned int)ret == members)
		*wait_error = s.wait_error;
	return ret;
}

int aa_cancel(struct aa_ctx *ctx, unsigned int flags, int fd, uint64_t user_data,
	      unsigned int *cancelled, unsigned int *running)
{
	struct aio_attr_cancel c;
	int ret;

	memset(&c, 0, sizeof(c));
	c.flags = flags;
	c.fd = flags & AIO_ATTR_CANCEL_FD ? fd : -1;
	c.user_data = flags & AIO_ATTR_CANCEL_USER_DATA ? user_data : 0;
	ret = ioctl(ctx->fd, AIO_ATTR_IOC_CANCEL, &c) < 0 ? -errno : 0;
	if (cancelled)
		*cancelled = ret ? 0 : c.cancelled;
	if (running)
		*running = ret ? 0 : c.running;
	return ret;
}

#if AIO_ATTR_VERSION >= 3
int aa_enter(struct aa_ctx *ctx, unsigned int min_complete)
{
	int ret;

	if (!ctx->sqes)
		return -EBADFD;
	/* the sqes are written before the kernel can see the new tail */
	__atomic_store_n(&ctx->ring.hdr->sq_tail, ctx->sq_tail, __ATOMIC_RELEASE);
	ret = ioctl(ctx->fd, AIO_ATTR_IOC_ENTER, (unsigned long)min_complete);
	return ret < 0 ? -errno : ret;
}
#endif

int aa_register_buffers(struct aa_ctx *ctx, const struct iovec *iov, unsigned int nr)
{
	struct aio_attr_buffers b;

	memset(&b, 0, sizeof(b));
	b.iovecs = (uintptr_t)iov;
	b.nr = nr;
	return ioctl(ctx->fd, AIO_ATTR_IOC_REGISTER_BUFFERS, &b) < 0 ? -errno : 0;
}

int aa_unregister_buffers(struct aa_ctx *ctx)
{
	return ioctl(ctx->fd, AIO_ATTR_IOC_UNREGISTER_BUFFERS) < 0 ? -errno : 0;
}
#endif

/* Move overflowed completions into the ring when it is empty and the flag says so. */
static int refill(struct aa_ctx *ctx)
{
	int ret;

	if (!ctx->map || !aa_ring_overflow(&ctx->ring))
		return -EAGAIN;
	ctx->refills++;
	ret = aa_wait(ctx, 0, 0, NULL);
	if (ret < 0 && ret != -ETIME && ret != -EINTR)
		return ret;
	return 0;
}

int aa_peek(struct aa_ctx *ctx, const struct aio_attr_event **ev)
{
	int ret = aa_ring_peek(&ctx->ring, ev);

	if (ret != -EAGAIN)
		return ret;
	ret = refill(ctx);
	return ret ? ret : aa_ring_peek(&ctx->ring, ev);
}

int aa_peek_batch(struct aa_ctx *ctx, const struct aio_attr_event **evs, unsigned int max,
		  uint32_t *bytes)
{
	int ret = aa_ring_peek_batch(&ctx->ring, evs, max, bytes);

	if (ret != 0)
		return ret;
	ret = refill(ctx);
	return ret == -EAGAIN ? 0 : ret ? ret : aa_ring_peek_batch(&ctx->ring, evs, max, bytes);
}
