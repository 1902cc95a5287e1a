/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libaioattr - the C library for /dev/aio_attr (include/uapi/linux/aio_attr.h).
 *
 * Order of use, as the ABI prescribes:
 *
 *	struct aa_ctx ctx;
 *	struct aio_attr_setup s = { .version = AIO_ATTR_VERSION, .ring_bytes = 64 * 1024 };
 *	const struct aio_attr_event *ev;
 *	struct aio_attr_sqe sqe;
 *	int err;
 *
 *	aa_ctx_open(&ctx, NULL);		// open("/dev/aio_attr")
 *	aa_ctx_setup(&ctx, &s);			// AIO_ATTR_IOC_SETUP + mmap
 *	aa_prep_read(&sqe, fd, buf, 4096, 0);
 *	aa_sqe_set_data(&sqe, 1);
 *	aa_sqe_set_attrs(&sqe, AIO_ATTR_BIT(AIO_ATTR_SERVICE_NS));
 *	aa_submit(&ctx, &sqe, 1, &err);		// AIO_ATTR_IOC_SUBMIT
 *	aa_wait(&ctx, 1, -1, NULL);		// AIO_ATTR_IOC_WAIT
 *	while (aa_peek(&ctx, &ev) == 0) {	// the mapped ring, no system call
 *		...ev->user_data, ev->result, ev->attrs[i]...
 *		aa_seen(&ctx, ev);
 *	}
 *	aa_ctx_close(&ctx);
 *
 * Conventions: functions that can fail return 0 (or a count) on success and
 * a negative errno on failure, like liburing; errno itself is left as the
 * system call set it.  Nothing allocates memory.  A context is used by one
 * thread at a time; the ring has a single consumer.
 *
 * The ring is written by the kernel, but this library never trusts it: an
 * entry whose length, record count or position is inconsistent is reported
 * as -EBADMSG (the reason in ring.error) and never read past.
 *
 * Built against a version 1 <linux/aio_attr.h> (AIO_ATTR_VERSION 1), the
 * functions marked "version 2" do not exist and contexts are set up as
 * version 1; against version 2, those marked "version 3" do not.
 *
 * With a submission queue (version 3, setup.sq_entries), requests are
 * written into the mapping instead, and one system call that copies
 * nothing submits them and waits:
 *
 *	s.sq_entries = 64;
 *	aa_ctx_setup(&ctx, &s);
 *	aa_prep_read(aa_get_sqe(&ctx), fd, buf, 4096, 0);
 *	aa_enter(&ctx, 1);			// AIO_ATTR_IOC_ENTER, waits for 1
 */
#ifndef AIO_ATTR_LIB_AIO_ATTR_H
#define AIO_ATTR_LIB_AIO_ATTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>

#include <linux/aio_attr.h>

#ifdef __cplusplus
extern "C" {
#endif

#define AA_DEFAULT_DEV "/dev/aio_attr"

/* ---- the completion ring ---- */

/* Why a ring entry was refused (struct aa_ring.error). */
enum aa_ring_error {
	AA_RING_OK = 0,
	AA_RING_BAD_TAIL,	   /* tail - head exceeds the data area or is not a multiple of 8 */
	AA_RING_BAD_LEN,	   /* len < 8, not a multiple of 8, or shorter than an event */
	AA_RING_BEYOND_TAIL,	   /* the entry extends past tail */
	AA_RING_CROSSES_END,	   /* the entry extends past the end of the data area */
	AA_RING_BAD_SKIP,	   /* a skip entry that does not end at the data area end */
	AA_RING_NR_ATTRS_MISMATCH, /* len != AIO_ATTR_EVENT_BYTES(nr_attrs) */
};

/*
 * A consumer's view of one ring: the header and a data area whose size is
 * a power of two.  Filled by aa_ring_init() or aa_ring_attach().
 */
struct aa_ring {
	struct aio_attr_ring_hdr *hdr;
	unsigned char *data;
	uint32_t ring_bytes;
	uint32_t mask;
	enum aa_ring_error error; /* set when a peek returned -EBADMSG */
	uint32_t error_pos;	  /* ... at this position */
};

/*
 * Low level: @hdr and a data area of @ring_bytes at @data.  The geometry
 * comes from the arguments, not from @hdr.  -EINVAL unless @ring_bytes is
 * a power of two of at least 64 and @data is 8-byte aligned.
 */
int aa_ring_init(struct aa_ring *ring, struct aio_attr_ring_hdr *hdr, void *data,
		 uint32_t ring_bytes);

/*
 * A mapping of @map_bytes at @base laid out as its header says: -EPROTO
 * when that geometry does not fit the mapping, -EPROTONOSUPPORT for an
 * unknown entry version.
 */
int aa_ring_attach(struct aa_ring *ring, void *base, size_t map_bytes);

/* "entry crosses the data area end" for AA_RING_CROSSES_END, ... */
const char *aa_ring_strerror(enum aa_ring_error err);

/* Consumer position; only this consumer writes it. */
static inline uint32_t aa_ring_head(const struct aa_ring *ring)
{
	return __atomic_load_n(&ring->hdr->head, __ATOMIC_RELAXED);
}

/* Producer position, loaded with acquire: entries before it are readable. */
static inline uint32_t aa_ring_tail(const struct aa_ring *ring)
{
	return __atomic_load_n(&ring->hdr->tail, __ATOMIC_ACQUIRE);
}

/* Bytes of entries (skip entries included) waiting to be reaped. */
static inline uint32_t aa_ring_pending_bytes(const struct aa_ring *ring)
{
	return aa_ring_tail(ring) - aa_ring_head(ring);
}

/* Completions wait on the kernel's overflow list (AIO_ATTR_RING_F_OVERFLOW). */
static inline bool aa_ring_overflow(const struct aa_ring *ring)
{
	return __atomic_load_n(&ring->hdr->flags, __ATOMIC_ACQUIRE) & AIO_ATTR_RING_F_OVERFLOW;
}

/* Give @bytes of entries back to the kernel (release store of head). */
static inline void aa_ring_advance(struct aa_ring *ring, uint32_t bytes)
{
	__atomic_store_n(&ring->hdr->head, aa_ring_head(ring) + bytes, __ATOMIC_RELEASE);
}

/*
 * Validate the entry at position @pos of a data area of @ring_bytes (a
 * power of two) at @data holding entries up to position @tail.  Reads only
 * the fixed part of the entry and only inside the data area.  On
 * AA_RING_OK, *@len is the entry's length and *@skip whether it is a skip
 * entry.
 */
enum aa_ring_error aa_ring_check_entry(const void *data, uint32_t ring_bytes, uint32_t pos,
				       uint32_t tail, uint32_t *len, bool *skip);

/*
 * Validate a non-skip event of @bytes at @ev (8-byte aligned): its len is
 * @bytes and matches its record count.
 */
enum aa_ring_error aa_event_check(const struct aio_attr_event *ev, uint32_t bytes);

/*
 * The event at head: 0 and *@ev pointing into the ring, -EAGAIN when the
 * ring is empty, -EBADMSG for a malformed entry (ring->error says why;
 * head stays on it).  Skip entries in front of it are consumed.  The
 * event stays valid until it is released with aa_ring_seen() or
 * aa_ring_advance().
 */
int aa_ring_peek(struct aa_ring *ring, const struct aio_attr_event **ev);

/*
 * Up to @max events from head without consuming them: returns how many
 * went into @evs (0 when the ring is empty), or -EBADMSG when the first
 * entry is malformed.  A malformed entry after good ones ends the batch;
 * the next call reports it.  Skip entries in front of the first event are
 * consumed; *@bytes is what aa_ring_advance() takes to release the batch
 * (skip entries between its events included).
 */
int aa_ring_peek_batch(struct aa_ring *ring, const struct aio_attr_event **evs, unsigned int max,
		       uint32_t *bytes);

/*
 * Events between head and tail (skip entries not counted), without
 * consuming anything; counting stops at a malformed entry.
 */
unsigned int aa_ring_ready(const struct aa_ring *ring);

/* Release the event aa_ring_peek() returned. */
static inline void aa_ring_seen(struct aa_ring *ring, const struct aio_attr_event *ev)
{
	aa_ring_advance(ring, ev->len);
}

/* ---- a context ---- */

/*
 * One context.  Callers may read the fields; only the library writes them.
 * The layout is part of the library's ABI (AIOATTR_1.0).
 */
struct aa_ctx {
	int fd;	   /* the open /dev/aio_attr, -1 when closed */
	void *map; /* the ring mapping, NULL before setup */
	size_t map_bytes;
	struct aa_ring ring;	     /* valid after aa_ctx_setup() */
	struct aio_attr_setup setup; /* as the kernel returned it */
	uint64_t refills;	     /* AIO_ATTR_IOC_WAIT calls aa_peek*() made for the overflow list */
	union {
		/* version 3: the submission queue in the mapping, NULL without one */
		struct aio_attr_sqe *sqes;
		uint64_t sqes_space; /* the same size on 32-bit builds */
	};
	uint32_t sq_mask; /* setup.sq_entries - 1 */
	uint32_t sq_tail; /* sqes handed out by aa_get_sqe() */
	uint64_t resv[2]; /* room to grow without changing the size; zero */
};

/* Open a context (@path NULL: AA_DEFAULT_DEV), O_CLOEXEC.  0 or -errno. */
int aa_ctx_open(struct aa_ctx *ctx, const char *path);

/* Adopt an open context descriptor; aa_ctx_close() closes it. */
void aa_ctx_from_fd(struct aa_ctx *ctx, int fd);

/* AIO_ATTR_IOC_PROBE into @p.  0 or -errno. */
int aa_ctx_probe(const struct aa_ctx *ctx, struct aio_attr_probe *p);

/*
 * AIO_ATTR_IOC_SETUP with @s as filled in by the caller (version,
 * ring_bytes, flags, eventfd; reserved fields zero), the kernel's outputs
 * written back to @s and kept in ctx->setup, then mmap of the ring.
 * Returns 0, the ioctl's or mmap's -errno, -EBUSY when already mapped, or
 * -EPROTO when the mapped header disagrees with the setup.  After a failure
 * past the ioctl the kernel's context is set up but unmapped: close it.
 */
int aa_ctx_setup(struct aa_ctx *ctx, struct aio_attr_setup *s);

/* Unmap and close; safe on a closed or never set up context. */
void aa_ctx_close(struct aa_ctx *ctx);

static inline bool aa_ctx_is_setup(const struct aa_ctx *ctx)
{
	return ctx->map != NULL;
}

/*
 * AIO_ATTR_IOC_SUBMIT of @nr requests.  Returns how many were queued, from
 * the start of @sqes, with *@error (if not NULL) the errno that refused
 * request number "return value", 0 when all were queued.  A negative
 * errno means the call itself failed (EBADFD before setup, EFAULT, ...).
 */
int aa_submit(struct aa_ctx *ctx, const struct aio_attr_sqe *sqes, unsigned int nr, int *error);

/*
 * AIO_ATTR_IOC_WAIT: until @min_events are in the ring (or on the overflow
 * list), at most @timeout_ns (negative: forever, 0: no wait).  Moves
 * overflowed completions into the ring.  0, -ETIME, -EINTR or another
 * -errno; @out (may be NULL) receives ready and overflow either way.
 */
int aa_wait(struct aa_ctx *ctx, unsigned int min_events, int64_t timeout_ns,
	    struct aio_attr_wait *out);

#if AIO_ATTR_VERSION >= 2
/*
 * Version 2: AIO_ATTR_IOC_SUBMIT with AIO_ATTR_SUBMIT_WAIT - queue @sqes
 * and, when all were queued, wait as aa_wait(@min_complete, @timeout_ns),
 * in one system call.  Returns as aa_submit(); *@wait_error (may be NULL)
 * is 0, ETIME or EINTR (0 when the batch stopped early: no wait ran).  On
 * a kernel without AIO_ATTR_FEAT_SUBMIT_WAIT: aa_submit() then aa_wait().
 */
int aa_submit_and_wait(struct aa_ctx *ctx, const struct aio_attr_sqe *sqes, unsigned int nr,
		       unsigned int min_complete, int64_t timeout_ns, int *error, int *wait_error);

/* Version 2: AIO_ATTR_IOC_REGISTER_BUFFERS of @nr iovecs.  0 or -errno. */
int aa_register_buffers(struct aa_ctx *ctx, const struct iovec *iov, unsigned int nr);

/* Version 2: AIO_ATTR_IOC_UNREGISTER_BUFFERS.  0 or -errno. */
int aa_unregister_buffers(struct aa_ctx *ctx);

/*
 * Version 2: AIO_ATTR_IOC_SUBMIT with AIO_ATTR_SUBMIT_GROUP - the requests
 * queued are one group (lio_listio()).  @flags is 0 or AIO_ATTR_SUBMIT_WAIT
 * (LIO_WAIT: once all were queued, wait until every member has completed,
 * at most @timeout_ns, negative forever; ignored without the flag).  A
 * last sqe made with aa_prep_group_done() is not a member and not counted.
 * Returns as aa_submit() over the members; *@wait_error (may be NULL) as
 * aa_submit_and_wait().  -EINVAL for other @flags.
 */
int aa_submit_group(struct aa_ctx *ctx, const struct aio_attr_sqe *sqes, unsigned int nr,
		    unsigned int flags, int64_t timeout_ns, int *error, int *wait_error);

/*
 * Version 2: AIO_ATTR_IOC_CANCEL of the requests that match @flags
 * (AIO_ATTR_CANCEL_FD: on @fd, AIO_ATTR_CANCEL_USER_DATA: with @user_data;
 * both: both); an argument its flag does not select is ignored.  0 or
 * -errno; *@cancelled and *@running (may be NULL) receive the kernel's
 * counts, 0 on failure.
 */
int aa_cancel(struct aa_ctx *ctx, unsigned int flags, int fd, uint64_t user_data,
	      unsigned int *cancelled, unsigned int *running);
#endif

#if AIO_ATTR_VERSION >= 3
/*
 * Version 3, a context set up with setup.sq_entries: the next free slot
 * of the submission queue, to be filled with aa_prep_*() and queued by
 * the next aa_enter(); NULL when every slot is handed out and not yet
 * consumed by the kernel, or without a submission queue.  A slot is
 * handed out for good: fill every one before calling aa_enter().
 */
static inline struct aio_attr_sqe *aa_get_sqe(struct aa_ctx *ctx)
{
	uint32_t head;

	if (!ctx->sqes)
		return NULL;
	/* the kernel is done reading a slot once sq_head has passed it */
	head = __atomic_load_n(&ctx->ring.hdr->sq_head, __ATOMIC_ACQUIRE);
	if (ctx->sq_tail - head > ctx->sq_mask)
		return NULL;
	return &ctx->sqes[ctx->sq_tail++ & ctx->sq_mask];
}

/* Version 3: slots handed out by aa_get_sqe() that the kernel has not consumed yet. */
static inline unsigned int aa_sq_pending(const struct aa_ctx *ctx)
{
	return ctx->sq_tail - __atomic_load_n(&ctx->ring.hdr->sq_head, __ATOMIC_ACQUIRE);
}

/*
 * Version 3: AIO_ATTR_IOC_ENTER - publish the slots handed out so far and
 * let the kernel queue them; then, when it consumed them all, wait for
 * @min_complete events (0: no wait; no timeout), in one system call.
 * Returns the number consumed: each completes with one event, a refused
 * one at once with its -errno as the result.  -EAGAIN or -ENOMEM when the
 * first could not be queued (at the in-flight limits; it stays queued for
 * the next call); -EINTR when a signal ended a wait of a call that
 * consumed nothing; -EBADFD without a submission queue.
 */
int aa_enter(struct aa_ctx *ctx, unsigned int min_complete);
#endif

/*
 * The event at head as aa_ring_peek(), except that an empty ring whose
 * overflow flag is set is refilled first (AIO_ATTR_IOC_WAIT 0/0), as the
 * ABI asks of a consumer.  0, -EAGAIN, -EBADMSG or the wait's -errno.
 */
int aa_peek(struct aa_ctx *ctx, const struct aio_attr_event **ev);

/* aa_ring_peek_batch() with the same overflow handling as aa_peek(). */
int aa_peek_batch(struct aa_ctx *ctx, const struct aio_attr_event **evs, unsigned int max,
		  uint32_t *bytes);

static inline void aa_seen(struct aa_ctx *ctx, const struct aio_attr_event *ev)
{
	aa_ring_seen(&ctx->ring, ev);
}

static inline void aa_advance(struct aa_ctx *ctx, uint32_t bytes)
{
	aa_ring_advance(&ctx->ring, bytes);
}

/* ---- building requests ---- */

/*
 * Every aa_prep_*() clears the whole request first, then fills the fields
 * of one opcode; user_data, the attribute mask and the I/O priority are set
 * afterwards with aa_sqe_set_*().  Arguments come in the order of
 * pread(2): fd, buffer, length, offset.
 */
static inline void aa_prep_rw(struct aio_attr_sqe *sqe, unsigned int opcode, int fd, uint64_t addr,
			      uint32_t len, uint64_t offset)
{
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = (uint8_t)opcode;
	sqe->fd = fd;
	sqe->addr = addr;
	sqe->len = len;
	sqe->offset = offset;
}

static inline void aa_prep_read(struct aio_attr_sqe *sqe, int fd, void *buf, uint32_t len,
				uint64_t offset)
{
	aa_prep_rw(sqe, AIO_ATTR_OP_READ, fd, (uintptr_t)buf, len, offset);
}

static inline void aa_prep_write(struct aio_attr_sqe *sqe, int fd, const void *buf, uint32_t len,
				 uint64_t offset)
{
	aa_prep_rw(sqe, AIO_ATTR_OP_WRITE, fd, (uintptr_t)buf, len, offset);
}

/* Vectored: @nr_vecs struct iovec at @iov. */
static inline void aa_prep_readv(struct aio_attr_sqe *sqe, int fd, const struct iovec *iov,
				 uint32_t nr_vecs, uint64_t offset)
{
	aa_prep_rw(sqe, AIO_ATTR_OP_READV, fd, (uintptr_t)iov, nr_vecs, offset);
}

static inline void aa_prep_writev(struct aio_attr_sqe *sqe, int fd, const struct iovec *iov,
				  uint32_t nr_vecs, uint64_t offset)
{
	aa_prep_rw(sqe, AIO_ATTR_OP_WRITEV, fd, (uintptr_t)iov, nr_vecs, offset);
}

static inline void aa_prep_fsync(struct aio_attr_sqe *sqe, int fd)
{
	aa_prep_rw(sqe, AIO_ATTR_OP_FSYNC, fd, 0, 0, 0);
}

static inline void aa_prep_fdatasync(struct aio_attr_sqe *sqe, int fd)
{
	aa_prep_rw(sqe, AIO_ATTR_OP_FDATASYNC, fd, 0, 0, 0);
}

#if AIO_ATTR_VERSION >= 2
/* Version 2: [@buf, @buf + @len) lies in registered buffer @buf_index. */
static inline void aa_prep_read_fixed(struct aio_attr_sqe *sqe, int fd, void *buf, uint32_t len,
				      uint64_t offset, uint32_t buf_index)
{
	aa_prep_read(sqe, fd, buf, len, offset);
	sqe->flags |= AIO_ATTR_SQE_FIXED_BUF;
	sqe->buf_index = buf_index;
}

static inline void aa_prep_write_fixed(struct aio_attr_sqe *sqe, int fd, const void *buf,
				       uint32_t len, uint64_t offset, uint32_t buf_index)
{
	aa_prep_write(sqe, fd, buf, len, offset);
	sqe->flags |= AIO_ATTR_SQE_FIXED_BUF;
	sqe->buf_index = buf_index;
}

/*
 * Version 2: the last sqe of an aa_submit_group() batch; its user_data
 * comes back after every member's completion, result the members that
 * failed.
 */
static inline void aa_prep_group_done(struct aio_attr_sqe *sqe)
{
	aa_prep_rw(sqe, AIO_ATTR_OP_GROUP_DONE, -1, 0, 0, 0);
}
#endif

/* Returned unchanged in the completion's user_data. */
static inline void aa_sqe_set_data(struct aio_attr_sqe *sqe, uint64_t user_data)
{
	sqe->user_data = user_data;
}

/* AIO_ATTR_BIT() of each attribute to return. */
static inline void aa_sqe_set_attrs(struct aio_attr_sqe *sqe, uint64_t attr_mask)
{
	sqe->attr_mask = attr_mask;
}

/* As ioprio_set(2); 0 uses the task's. */
static inline void aa_sqe_set_ioprio(struct aio_attr_sqe *sqe, uint16_t ioprio)
{
	sqe->ioprio = ioprio;
}

/* ---- the attribute registry ---- */

/* How a value is shown: a time, AIO_ATTR_CACHE_* bits, AIO_ATTR_CTX_* value. */
enum aa_attr_kind { AA_ATTR_KIND_NS, AA_ATTR_KIND_CACHE, AA_ATTR_KIND_CTX, AA_ATTR_KIND_COUNT };

/* What the library knows of one attribute id. */
struct aa_attr_info {
	const char *name; /* "service_ns" */
	const char *unit; /* "ns", "cache bits", "context" */
	enum aa_attr_kind kind;
	const char *summary; /* one line for help texts */
};

/*
 * Ids the library knows: AIO_ATTR_NR of the header it was built with (one
 * more in the library's own test build, which registers "test_count").
 */
unsigned int aa_attr_nr(void);
/* AIO_ATTR_BIT() of every id the library knows. */
uint64_t aa_attr_all(void);
/* The registry entry of @id; NULL when unknown. */
const struct aa_attr_info *aa_attr_get(unsigned int id);
/* "service_ns" for AIO_ATTR_SERVICE_NS; NULL when unknown. */
const char *aa_attr_name(unsigned int id);
/* The id named by @len bytes at @name (exact, case-sensitive); -1 when unknown. */
int aa_attr_lookup(const char *name, size_t len);
/* True for the ids whose value is a time in ns. */
bool aa_attr_is_ns(unsigned int id);

/*
 * Parse a comma-separated list of attribute names into an AIO_ATTR_BIT()
 * mask.  Blanks around names are ignored.
 *
 *	"none"	no attribute: mask 0 (alone; not combined with names)
 *	"all"	every id in @avail (may be combined with names; ids
 *		outside @avail are simply not requested)
 *	"a,b"	those ids; one outside @avail is an error
 *	""	an error (an empty list; "none" says it on purpose)
 *
 * @avail is aa_attr_all() to check the syntax only, or a probe's attrs
 * (what the running kernel knows).  Returns 0, or -EINVAL with a message
 * naming the bad item and the valid names in @err (may be NULL).
 */
int aa_attr_parse_list(const char *list, uint64_t avail, uint64_t *mask, char *err, size_t errlen);

/*
 * Formatters: each writes a NUL-terminated string into @buf (truncated to
 * @len) and returns the length the whole string needs, like snprintf.
 */
/* "service_ns,cache"; bits without a name as "bit40"; 0 is "none". */
int aa_attr_format_list(uint64_t mask, char *buf, size_t len);
/* "task", "softirq|hop", "task|hop|worker"; unknown bits in hex. */
int aa_format_ctx(uint64_t value, char *buf, size_t len);
/* "none", "hit", "miss", "partial"; unknown bits in hex. */
int aa_format_cache(uint64_t value, char *buf, size_t len);
/* "handled", "unsupported" or "status7". */
int aa_format_status(unsigned int status, char *buf, size_t len);
/* A value in @id's units: "1234ns", "hit", "softirq|hop", or plain decimal. */
int aa_attr_format_value(unsigned int id, uint64_t value, char *buf, size_t len);
/* "service_ns=1234ns", "cache=unsupported", "attr9=status7:0". */
int aa_format_rec(const struct aio_attr_rec *rec, char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif
