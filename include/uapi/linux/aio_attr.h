/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * aio_attr - asynchronous block I/O with per-I/O attribute returns
 *
 * Userspace ABI of /dev/aio_attr.  Every open() of the device is one
 * context.  A context is used in this order:
 *
 *  1. AIO_ATTR_IOC_SETUP: version, flags, ring size and an optional eventfd.
 *     Nothing can be mapped or submitted before it.
 *  2. mmap(NULL, setup.mmap_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
 *     maps the ring: struct aio_attr_ring_hdr at offset 0 and the data area
 *     at setup.data_offset.
 *  3. AIO_ATTR_IOC_SUBMIT queues requests (struct aio_attr_sqe); or, on a
 *     context set up with a submission queue (version 3), the requests are
 *     written into the mapping and AIO_ATTR_IOC_ENTER queues them.
 *  4. Completions appear in the ring as variable-length entries
 *     (struct aio_attr_event followed by struct aio_attr_rec records).
 *     AIO_ATTR_IOC_WAIT, poll() or the eventfd tell when to look.
 *
 * The ring: head and tail are free-running __u32 byte counters.  They are
 * never masked when stored; a position is masked with hdr->mask when used,
 * so (tail - head) is the number of bytes in use even across 2^32.  The
 * kernel only writes tail, userspace only writes head.  An entry is 8-byte
 * aligned and never wraps: when it would cross the end of the data area the
 * kernel first writes a skip entry (AIO_ATTR_EVF_SKIP) covering the rest of
 * the data area: a skip entry always ends exactly at the end of the data
 * area.  It may be as short as 8 bytes, so only its len and flags fields
 * may be read.
 *
 * Before AIO_ATTR_IOC_SETUP, mmap(), AIO_ATTR_IOC_SUBMIT and
 * AIO_ATTR_IOC_WAIT fail with EBADFD.
 *
 * Memory ordering: userspace loads tail with acquire semantics before
 * reading entries, and stores head with release semantics after it is done
 * with them.
 *
 * No completion is ever dropped.  When an entry does not fit, the
 * completion is kept on the context's overflow list (in completion order)
 * and AIO_ATTR_RING_F_OVERFLOW is set in hdr->flags.  Overflowed
 * completions move into the ring, still in order, as soon as there is room
 * and the kernel looks: on every completion, AIO_ATTR_IOC_SUBMIT,
 * AIO_ATTR_IOC_WAIT and poll().  A consumer that sees the flag after
 * reaping calls AIO_ATTR_IOC_WAIT with min_events 0 and timeout 0.
 */
#ifndef _UAPI_LINUX_AIO_ATTR_H
#define _UAPI_LINUX_AIO_ATTR_H

#include <linux/types.h>
#include <linux/ioctl.h>

/*
 * ABI version passed in struct aio_attr_setup.version.  The kernel accepts
 * every version from 1 up to this one.  A context set up with version 1
 * behaves exactly as version 1 specified: the fields and flags added by
 * later versions (marked "version 2" below) are reserved there and must be
 * zero.  The same holds for version 2 and what version 3 adds.
 */
#define AIO_ATTR_VERSION	3
/* Layout version of ring entries, reported in the header. */
#define AIO_ATTR_ENTRY_VERSION	1

/* Ring data area limits in bytes (powers of two); the module may lower the maximum. */
#define AIO_ATTR_RING_MIN_BYTES	2048u
#define AIO_ATTR_RING_MAX_BYTES	(64u << 20)

/*
 * Attribute registry.  Each id names one fixed-size __u64 value with fixed
 * units.  A request asks for attributes with a mask of AIO_ATTR_BIT(id);
 * its completion carries one record per requested id, in ascending id
 * order.  When several parts of one request (bios, split or stacked)
 * report the same attribute, the values combine as stated for each id.
 */
enum aio_attr_id {
	/* ns from submission to the completion being posted; framework. */
	AIO_ATTR_SERVICE_NS	= 0,
	/* ns from submission to dispatch into the device driver; max of parts. */
	AIO_ATTR_QUEUE_NS	= 1,
	/* ns the device spent on the I/O as its driver saw it; max of parts. */
	AIO_ATTR_DEVICE_NS	= 2,
	/* AIO_ATTR_CACHE_* bits, OR of parts: 1 hit, 2 miss, 3 partial. */
	AIO_ATTR_CACHE		= 3,
	/* ns spent in en/decryption by crypto targets; sum of parts. */
	AIO_ATTR_CRYPT_NS	= 4,
	/* AIO_ATTR_CTX_* value describing where the completion ran; framework. */
	AIO_ATTR_COMPLETION_CTX	= 5,
	/*
	 * AIO_ATTR_PAGECACHE_* value: buffered reads and writes of a file or
	 * block device as the page cache saw them; framework.  Unknown to
	 * contexts set up with version 1.
	 */
	AIO_ATTR_PAGECACHE	= 6,

	AIO_ATTR_NR,		/* number of ids this header defines */
};

#define AIO_ATTR_BIT(id)	(1ULL << (id))
#define AIO_ATTR_ALL		(AIO_ATTR_BIT(AIO_ATTR_NR) - 1)

/* AIO_ATTR_CACHE value bits. */
#define AIO_ATTR_CACHE_HIT	0x1ULL	/* some of the data came from the fast tier */
#define AIO_ATTR_CACHE_MISS	0x2ULL	/* some of the data came from the slow tier */
#define AIO_ATTR_CACHE_PARTIAL	(AIO_ATTR_CACHE_HIT | AIO_ATTR_CACHE_MISS)

/*
 * AIO_ATTR_PAGECACHE value: HIT when the page cache held the data (the
 * attempt that may not wait moved the whole request, or a worker did
 * because the attempt may not start readahead), MISS when it did not and
 * a worker did the I/O, PARTIAL when the attempt moved a part and a
 * worker the rest.
 */
#define AIO_ATTR_PAGECACHE_HIT	0x1ULL
#define AIO_ATTR_PAGECACHE_MISS	0x2ULL
#define AIO_ATTR_PAGECACHE_PARTIAL (AIO_ATTR_PAGECACHE_HIT | AIO_ATTR_PAGECACHE_MISS)

/*
 * AIO_ATTR_COMPLETION_CTX value: bits 0-3 the context the completion was
 * posted from, the rest flags.
 */
#define AIO_ATTR_CTX_MASK	0xfULL
#define AIO_ATTR_CTX_TASK	0x1ULL	/* process context */
#define AIO_ATTR_CTX_SOFTIRQ	0x2ULL	/* softirq (e.g. BLOCK_SOFTIRQ) */
#define AIO_ATTR_CTX_HARDIRQ	0x3ULL	/* hard interrupt */
/* A layer deferred the completion (workqueue, kthread, task_work) on its way up. */
#define AIO_ATTR_CTX_HOP	(1ULL << 8)
/* Interrupts were disabled where the completion was posted. */
#define AIO_ATTR_CTX_IRQS_OFF	(1ULL << 9)
/* The I/O completed before the submission call returned. */
#define AIO_ATTR_CTX_INLINE	(1ULL << 10)
/*
 * Posted by an aio_attr worker: FSYNC, FDATASYNC, and reads and writes
 * that could not go on without waiting (AIO_ATTR_FEAT_WORKERS); always
 * comes with HOP.
 */
#define AIO_ATTR_CTX_WORKER	(1ULL << 11)
/*
 * A layer deferred the completion to a softirq (a tasklet), on the same CPU
 * or on an idle one that an IPI woke: no thread, no context switch.  Not a
 * HOP; may come with one if another layer deferred to a thread as well.
 */
#define AIO_ATTR_CTX_SOFTIRQ_HOP (1ULL << 12)

/* Status of one returned attribute record. */
enum aio_attr_status {
	AIO_ATTR_ST_HANDLED	= 1,	/* value is valid */
	AIO_ATTR_ST_UNSUPPORTED	= 2,	/* nothing on the I/O path filled it; value is 0 */
	/* values 0 and 3..65535 are reserved */
};

/* Capabilities reported by AIO_ATTR_IOC_PROBE and AIO_ATTR_IOC_SETUP. */
#define AIO_ATTR_FEAT_EVENTFD	(1ULL << 0)	/* AIO_ATTR_SETUP_EVENTFD */
#define AIO_ATTR_FEAT_OVERFLOW	(1ULL << 1)	/* overflow list, no event is lost */
#define AIO_ATTR_FEAT_BDEV_DIRECT (1ULL << 2)	/* O_DIRECT block devices get iodesc bios */
#define AIO_ATTR_FEAT_VECTORED	(1ULL << 3)	/* READV, WRITEV */
#define AIO_ATTR_FEAT_SYNC	(1ULL << 4)	/* FSYNC, FDATASYNC */
#define AIO_ATTR_FEAT_POLL	(1ULL << 5)	/* poll() on the context */
#define AIO_ATTR_FEAT_SUBMIT_WAIT (1ULL << 6)	/* AIO_ATTR_SUBMIT_WAIT (version 2) */
#define AIO_ATTR_FEAT_FIXED_BUFS (1ULL << 7)	/* registered buffers (version 2) */
#define AIO_ATTR_FEAT_REQ_TABLE	(1ULL << 8)	/* setup.reqs (version 2) */
/* Submission never waits for I/O of a file: a worker takes what would. */
#define AIO_ATTR_FEAT_WORKERS	(1ULL << 9)
#define AIO_ATTR_FEAT_CANCEL	(1ULL << 10)	/* AIO_ATTR_IOC_CANCEL */
/* AIO_ATTR_SUBMIT_GROUP, AIO_ATTR_OP_GROUP_DONE */
#define AIO_ATTR_FEAT_GROUPS	(1ULL << 11)
/* setup.sq_entries and AIO_ATTR_IOC_ENTER (version 3) */
#define AIO_ATTR_FEAT_SQ_RING	(1ULL << 12)

/* Largest submission queue (setup.sq_entries, version 3). */
#define AIO_ATTR_SQ_MAX_ENTRIES	4096u

/**
 * struct aio_attr_probe - what this kernel supports (AIO_ATTR_IOC_PROBE)
 * @version:	  out: highest ABI version understood
 * @entry_version: out: ring entry layout version
 * @features:	  out: AIO_ATTR_FEAT_* bits
 * @attrs:	  out: mask of attribute ids this kernel knows
 * @ring_min:	  out: smallest ring data area in bytes
 * @ring_max:	  out: largest ring data area in bytes
 * @max_inflight: out: requests a context may have outstanding
 * @max_io_bytes: out: largest length of one request in bytes
 * @resv:	  in: must be zero
 *
 * Needs no setup; works on any open context.
 */
struct aio_attr_probe {
	__u32	version;
	__u32	entry_version;
	__u64	features;
	__u64	attrs;
	__u32	ring_min;
	__u32	ring_max;
	__u32	max_inflight;
	__u32	max_io_bytes;
	__u64	resv[4];
};

/* struct aio_attr_setup.flags */
#define AIO_ATTR_SETUP_EVENTFD	(1U << 0)	/* add 1 to @eventfd per completion */
#define AIO_ATTR_SETUP_FLAGS	(AIO_ATTR_SETUP_EVENTFD)

/**
 * struct aio_attr_setup - configure a context (AIO_ATTR_IOC_SETUP)
 * @version:	  in: AIO_ATTR_VERSION
 * @flags:	  in: AIO_ATTR_SETUP_* bits
 * @ring_bytes:	  in: data area size, a power of two within the probe limits
 * @eventfd:	  in: an eventfd when AIO_ATTR_SETUP_EVENTFD is set, else ignored
 * @features:	  out: AIO_ATTR_FEAT_* bits
 * @attrs:	  out: mask of attribute ids this kernel knows
 * @mmap_bytes:	  out: length to map at offset 0
 * @data_offset:  out: offset of the data area inside the mapping
 * @entry_version: out: ring entry layout version
 * @reqs:	  version 2, in: request slots to allocate at setup, 0 to let
 *		  the kernel choose (at most max_inflight); out: slots
 *		  allocated.  Version 1: @resv0, must be zero.
 * @sq_entries:	  version 3, in: 0 for no submission queue, else its
 *		  number of sqes, a power of two up to
 *		  AIO_ATTR_SQ_MAX_ENTRIES (see AIO_ATTR_IOC_ENTER)
 * @sq_offset:	  version 3, out: offset in the mapping of the array of
 *		  @sq_entries struct aio_attr_sqe, page aligned; 0 without
 *		  a submission queue
 * @resv3:	  version 3: in, must be zero
 * @resv:	  versions 1 and 2: in, must be zero (the place of the above)
 *
 * Requests live in a per-context table of slots that are recycled: the
 * table is allocated at setup and grows, one page of slots at a time,
 * when more requests are in flight than it holds (never beyond
 * max_inflight).  Its memory is charged to the memory cgroup of the
 * caller and freed when the context is.
 *
 * Allowed once per context.  Errors: EINVAL for an unknown version, unknown
 * flag bits, nonzero reserved fields or a bad @ring_bytes; EBADF or EINVAL
 * for a bad @eventfd; EBUSY when the context is already set up; ENOMEM
 * when out of memory or when the mapping (@mmap_bytes) would exceed the
 * user's RLIMIT_MEMLOCK (not charged with CAP_IPC_LOCK).  The submission
 * queue is part of the mapping and charged with it.
 */
struct aio_attr_setup {
	__u32	version;
	__u32	flags;
	__u32	ring_bytes;
	__s32	eventfd;
	__u64	features;
	__u64	attrs;
	__u32	mmap_bytes;
	__u32	data_offset;
	__u32	entry_version;
	union {
		__u32	resv0;		/* version 1 */
		__u32	reqs;		/* version 2 */
	};
	union {
		__u64	resv[3];	/* versions 1 and 2 */
		struct {		/* version 3 */
			__u32	sq_entries;
			__u32	sq_offset;
			__u64	resv3[2];
		};
	};
};

/* struct aio_attr_ring_hdr.flags */
#define AIO_ATTR_RING_F_OVERFLOW (1U << 0)	/* completions wait on the overflow list */

/**
 * struct aio_attr_ring_hdr - start of the mapping
 * @head:	     consumer position in bytes; written by userspace only
 * @sq_tail:	     version 3, submission queue: sqes written so far; written
 *		     by userspace only (with release semantics, after the sqes)
 * @resv0:	     keeps @head and @sq_tail in their own cache line
 * @tail:	     producer position in bytes; written by the kernel only
 * @mask:	     ring_bytes - 1; positions are masked with it on use
 * @ring_bytes:	     size of the data area
 * @flags:	     AIO_ATTR_RING_F_* bits
 * @entry_version:   AIO_ATTR_ENTRY_VERSION
 * @data_offset:     offset of the data area from the start of the mapping
 * @overflow_pending: completions currently on the overflow list
 * @sq_head:	     version 3, submission queue: sqes the kernel has consumed;
 *		     written by the kernel only.  A slot may be written again
 *		     once @sq_head has passed it.  0 without a queue
 * @overflow_total:  completions that ever went through the overflow list
 * @posted_total:    events ever posted to the ring (skip entries excluded)
 */
struct aio_attr_ring_hdr {
	__u32	head;
	__u32	sq_tail;
	__u32	resv0[14];
	__u32	tail;
	__u32	mask;
	__u32	ring_bytes;
	__u32	flags;
	__u32	entry_version;
	__u32	data_offset;
	__u32	overflow_pending;
	__u32	sq_head;
	__u64	overflow_total;
	__u64	posted_total;
};

/* struct aio_attr_event.flags */
#define AIO_ATTR_EVF_SKIP	(1U << 0)	/* filler up to the end of the data area */
#define AIO_ATTR_EVF_OVERFLOWED	(1U << 1)	/* went through the overflow list */

/**
 * struct aio_attr_rec - one returned attribute
 * @id:	    enum aio_attr_id
 * @status: enum aio_attr_status
 * @resv:   zero
 * @value:  the value, in the units the registry gives for @id
 */
struct aio_attr_rec {
	__u16	id;
	__u16	status;
	__u32	resv;
	__u64	value;
};

/**
 * struct aio_attr_event - fixed part of a ring entry
 * @len:       bytes of the whole entry, records included; a multiple of 8
 * @flags:     AIO_ATTR_EVF_* bits
 * @nr_attrs:  number of struct aio_attr_rec that follow
 * @result:    bytes transferred, or a negative errno
 * @user_data: copied from the request
 * @attrs:     the records
 *
 * A skip entry has only @len and @flags; the rest may be missing.
 */
struct aio_attr_event {
	__u32	len;
	__u16	flags;
	__u16	nr_attrs;
	__s64	result;
	__u64	user_data;
	struct aio_attr_rec attrs[];
};

#define AIO_ATTR_EVENT_BYTES(nr) \
	(sizeof(struct aio_attr_event) + (nr) * sizeof(struct aio_attr_rec))

/* struct aio_attr_sqe.opcode */
enum aio_attr_op {
	AIO_ATTR_OP_READ	= 1,	/* @addr buffer, @len bytes */
	AIO_ATTR_OP_WRITE	= 2,
	AIO_ATTR_OP_READV	= 3,	/* @addr struct iovec array, @len iovecs */
	AIO_ATTR_OP_WRITEV	= 4,
	AIO_ATTR_OP_FSYNC	= 5,	/* @addr, @len, @offset must be zero */
	AIO_ATTR_OP_FDATASYNC	= 6,
	/*
	 * Version 2, AIO_ATTR_FEAT_GROUPS: only as the last sqe of an
	 * AIO_ATTR_SUBMIT_GROUP batch; @fd -1, @addr, @len, @offset and
	 * @ioprio zero.  Completes after every other request of the group,
	 * with the number of them whose result was negative.
	 */
	AIO_ATTR_OP_GROUP_DONE	= 7,
};

/* struct aio_attr_sqe.flags (version 2) */
#define AIO_ATTR_SQE_FIXED_BUF	(1U << 0)	/* @addr lies in registered buffer @buf_index */
#define AIO_ATTR_SQE_FLAGS	(AIO_ATTR_SQE_FIXED_BUF)

/**
 * struct aio_attr_sqe - one request
 * @opcode:    enum aio_attr_op
 * @flags:     AIO_ATTR_SQE_* bits (version 2); must be zero in version 1
 * @ioprio:    I/O priority as for ioprio_set(2); 0 uses the task's
 * @fd:	       file of the calling process to do the I/O on
 * @addr:      buffer, or array of struct iovec for the vectored opcodes
 * @len:       bytes, or number of iovecs for the vectored opcodes
 * @buf_index: version 2, with AIO_ATTR_SQE_FIXED_BUF: index of the
 *	       registered buffer that holds [@addr, @addr + @len); otherwise
 *	       (and as @resv0 in version 1) must be zero
 * @offset:    file offset in bytes
 * @user_data: returned unchanged in the completion
 * @attr_mask: AIO_ATTR_BIT() of each attribute to return
 * @resv:      must be zero
 *
 * On a block device opened with O_DIRECT, reads stop at the end of the
 * device (a read at or past it completes with 0) and writes at or past it
 * complete with -ENOSPC, as with pread(2)/pwrite(2).
 *
 * Errors (see Documentation/aio_attr/abi.rst for the full table):
 * EINVAL bad opcode, flags, reserved fields, unknown attribute bits, length
 * 0, offset overflow, or on an O_DIRECT block device an offset, length or
 * iovec length that is not a multiple of the logical block size or a
 * buffer not aligned to the device's DMA alignment (dma_alignment + 1);
 * E2BIG a length above max_io_bytes; EBADF a bad fd or one not opened for
 * the direction; ESPIPE a file without positional I/O; EFAULT an unreadable
 * iovec array, a NULL buffer, or (O_DIRECT block devices, whose pages are
 * pinned at submission) an unmapped buffer - other files copy later and
 * report an unmapped buffer as a -EFAULT result, like pread(2); EAGAIN too
 * many requests in flight (per context, per user or system-wide) or, for
 * FSYNC/FDATASYNC, too many syncs queued or running for the user; EPERM a
 * write to a read-only block device; ETXTBSY a write to an active swap
 * device.
 * With AIO_ATTR_SQE_FIXED_BUF (READ and WRITE only, else EINVAL): EINVAL
 * when no buffers are registered or @buf_index is out of range, EFAULT
 * when [@addr, @addr + @len) is not inside that buffer.  For
 * other files, what ->read_iter/->write_iter return is the completion's
 * result, not an error of the submission.
 */
struct aio_attr_sqe {
	__u8	opcode;
	__u8	flags;
	__u16	ioprio;
	__s32	fd;
	__u64	addr;
	__u32	len;
	union {
		__u32	resv0;		/* version 1 */
		__u32	buf_index;	/* version 2 */
	};
	__u64	offset;
	__u64	user_data;
	__u64	attr_mask;
	__u64	resv[2];
};

/* struct aio_attr_submit.flags (version 2) */
#define AIO_ATTR_SUBMIT_WAIT	(1U << 0)	/* then wait for @min_complete events */
/* The batch is one group (AIO_ATTR_FEAT_GROUPS), see below. */
#define AIO_ATTR_SUBMIT_GROUP	(1U << 1)
#define AIO_ATTR_SUBMIT_FLAGS	(AIO_ATTR_SUBMIT_WAIT | AIO_ATTR_SUBMIT_GROUP)

/**
 * struct aio_attr_submit - a batch of requests (AIO_ATTR_IOC_SUBMIT)
 * @sqes:     in: pointer to an array of @nr struct aio_attr_sqe
 * @nr:	      in: number of requests
 * @flags:    in: AIO_ATTR_SUBMIT_* bits (version 2); must be zero in
 *	      version 1
 * @accepted: out: requests queued, from the start of the array
 * @error:    out: positive errno that stopped the batch at index @accepted,
 *	      or 0 when the whole batch was accepted
 * @min_complete: version 2, in, with AIO_ATTR_SUBMIT_WAIT: events to wait
 *	      for, as AIO_ATTR_IOC_WAIT's @min_events
 * @wait_error: version 2, out: 0 when the wait found @min_complete events
 *	      (or did not run), ETIME when its timeout expired first, EINTR
 *	      when a signal arrived
 * @timeout_ns: version 2, in, with AIO_ATTR_SUBMIT_WAIT: as
 *	      AIO_ATTR_IOC_WAIT's @timeout_ns (negative waits forever)
 * @resv:     version 1: in, must be zero (the place of the three above)
 *
 * The ioctl returns @accepted when it is positive or the batch is empty,
 * and -@error when the very first request was refused.
 *
 * With AIO_ATTR_SUBMIT_WAIT the call, once the whole batch is accepted,
 * waits exactly as AIO_ATTR_IOC_WAIT does, so submitting and waiting for
 * the completion of one request takes one system call.  The outcome of
 * the wait is in @wait_error, never in the return value, which always
 * says how many requests were queued.  A batch that stops early does not
 * wait.
 *
 * With AIO_ATTR_SUBMIT_GROUP the requests the call accepts are one group
 * (POSIX lio_listio()).  With AIO_ATTR_SUBMIT_WAIT as well, the call waits
 * until every one of them has completed (LIO_WAIT; @min_complete must be
 * 0, @timeout_ns and @wait_error as above).  When the last sqe of the
 * batch is AIO_ATTR_OP_GROUP_DONE, one more entry, with that sqe's
 * user_data, is posted after the entries of all the others (LIO_NOWAIT
 * with a notification); its result is the number of them that failed.
 * That entry is reserved before the rest is submitted: when the batch
 * stops early it still comes, after the requests that were accepted,
 * unless none was; it is never counted in @accepted.
 */
struct aio_attr_submit {
	__u64	sqes;
	__u32	nr;
	__u32	flags;
	__u32	accepted;
	__s32	error;
	union {
		__u64	resv[2];	/* version 1 */
		struct {		/* version 2 */
			__u32	min_complete;
			__s32	wait_error;
			__s64	timeout_ns;
		};
	};
};

/**
 * struct aio_attr_wait - wait for completions (AIO_ATTR_IOC_WAIT)
 * @min_events: in: wait until this many events are in the ring or on the
 *		overflow list
 * @flags:	in: must be zero
 * @timeout_ns: in: relative timeout; negative waits forever, 0 does not wait
 * @ready:	out: events in the ring
 * @overflow:	out: completions still on the overflow list
 * @resv:	in: must be zero
 *
 * Moves overflowed completions into the ring first.  Returns 0 when
 * @min_events are available, -ETIME when the timeout expired first and
 * -EINTR when a signal arrived; @ready and @overflow are filled either way.
 */
struct aio_attr_wait {
	__u32	min_events;
	__u32	flags;
	__s64	timeout_ns;
	__u32	ready;
	__u32	overflow;
	__u64	resv[2];
};

/*
 * Registered buffers (version 2): AIO_ATTR_IOC_REGISTER_BUFFERS pins the
 * pages behind an array of struct iovec once for the life of the context;
 * requests with AIO_ATTR_SQE_FIXED_BUF then do I/O into them without
 * pinning or unpinning anything.  The pinned pages are charged to the
 * user's RLIMIT_MEMLOCK like the ring (not with CAP_IPC_LOCK).
 */
#define AIO_ATTR_MAX_BUFFERS	1024u		/* iovecs in one registration */
#define AIO_ATTR_MAX_BUFFER_BYTES (1u << 30)	/* bytes in one iovec */

/**
 * struct aio_attr_buffers - buffers to register (AIO_ATTR_IOC_REGISTER_BUFFERS)
 * @iovecs: in: pointer to an array of @nr struct iovec, each of nonzero
 *	    length up to AIO_ATTR_MAX_BUFFER_BYTES, in anonymous, shmem
 *	    (tmpfs, memfd, SysV shm) or hugetlbfs memory
 * @nr:	    in: number of iovecs, 1 to AIO_ATTR_MAX_BUFFERS
 * @flags:  in: must be zero
 * @resv:   in: must be zero
 *
 * One registration per context.  Errors: EBADFD before setup or on a
 * version 1 context; EBUSY when buffers are registered already; EINVAL for
 * bad @nr, @flags, @resv or lengths; EFAULT for an unreadable array or
 * unmapped memory or a NULL base; EOPNOTSUPP for other file mappings (their
 * pages cannot be pinned for long) and device mappings; EINTR when the
 * caller is killed while pages are being pinned; ENOMEM when out of
 * memory or over RLIMIT_MEMLOCK.  AIO_ATTR_IOC_UNREGISTER_BUFFERS drops them: EBUSY while
 * any request of the context is in flight, ENXIO when none are
 * registered.  close() drops them too.
 */
struct aio_attr_buffers {
	__u64	iovecs;
	__u32	nr;
	__u32	flags;
	__u64	resv[2];
};

/* struct aio_attr_cancel.flags */
#define AIO_ATTR_CANCEL_FD	(1U << 0)	/* match requests on @fd */
#define AIO_ATTR_CANCEL_USER_DATA (1U << 1)	/* match requests with @user_data */
#define AIO_ATTR_CANCEL_FLAGS	(AIO_ATTR_CANCEL_FD | AIO_ATTR_CANCEL_USER_DATA)

/**
 * struct aio_attr_cancel - cancel requests (AIO_ATTR_IOC_CANCEL)
 * @user_data: in: with AIO_ATTR_CANCEL_USER_DATA, the user_data to match;
 *	       else must be zero
 * @fd:	       in: with AIO_ATTR_CANCEL_FD, the file whose requests to
 *	       match; else must be -1
 * @flags:     in: AIO_ATTR_CANCEL_* bits, at least one; with both, a
 *	       request must match both
 * @cancelled: out: matching requests that had not started: each completes
 *	       exactly once, with -ECANCELED (a queued read or write of
 *	       which a part moved at submission completes with that part
 *	       and is counted neither here nor in @running)
 * @running:   out: matching requests of the context that had started and
 *	       could not be cancelled; they complete normally
 * @resv:      in: must be zero
 *
 * Only requests that wait for a worker of the context (see
 * AIO_ATTR_FEAT_WORKERS) can be cancelled; a request on its way through
 * a device cannot.  POSIX aio_cancel() maps as: @cancelled and @running 0,
 * AIO_ALLDONE; @running nonzero, AIO_NOTCANCELED; else AIO_CANCELED.
 * close() cancels every request that has not started.
 *
 * Errors: EBADFD before setup or on a version 1 context; EINVAL for bad
 * @flags, @fd or reserved fields; EBADF when @fd is not an open file.
 */
struct aio_attr_cancel {
	__u64	user_data;
	__s32	fd;
	__u32	flags;
	__u32	cancelled;
	__u32	running;
	__u64	resv[2];
};

/*
 * Submission queue (version 3, AIO_ATTR_FEAT_SQ_RING).  A context set up
 * with setup.sq_entries has an array of that many struct aio_attr_sqe at
 * setup.sq_offset in its mapping.  Userspace writes the sqe for position
 * p into slot (p & (sq_entries - 1)), then advances hdr->sq_tail with a
 * release store; AIO_ATTR_IOC_ENTER queues every sqe from hdr->sq_head
 * up to hdr->sq_tail, in order, and advances hdr->sq_head past each one it
 * consumes.  Like head and tail, both are free-running and never masked
 * when stored.  The kernel reads each sqe once, into its own copy, before
 * it looks at it.
 *
 * AIO_ATTR_IOC_ENTER takes an integer argument, not a pointer:
 * min_complete, the number of events to wait for once every queued sqe is
 * consumed (0 does not wait), as AIO_ATTR_IOC_WAIT's @min_events with no
 * timeout.  Submitting and waiting for one completion is one system call,
 * which copies nothing in or out.
 *
 * Every sqe it consumes completes with exactly one event.  One that is
 * refused is consumed too: its event comes at once, with the negative
 * errno of struct aio_attr_sqe's table as the result and no attribute
 * records.  Only the in-flight limits stop the call: an sqe that cannot
 * be queued for EAGAIN or ENOMEM stays at hdr->sq_head, with those after
 * it, for a later call.
 *
 * Return: the number of sqes consumed (0 when there were none), or
 * -EAGAIN or -ENOMEM when the first could not be queued (no wait then).
 * When the wait is ended by a signal the return value is unchanged; a
 * call that consumed nothing returns -EINTR.  Errors: EBADFD before setup
 * or on a context without a submission queue; EINVAL when min_complete
 * does not fit in 32 bits or hdr->sq_tail is more than sq_entries ahead
 * of hdr->sq_head (nothing is consumed).  Calls on one context are
 * serialised: a second thread's call waits for the first to consume (a
 * signal ends that wait too: -EINTR, nothing consumed).
 */

#define AIO_ATTR_IOC_MAGIC	0xA7
#define AIO_ATTR_IOC_PROBE	_IOWR(AIO_ATTR_IOC_MAGIC, 0x00, struct aio_attr_probe)
#define AIO_ATTR_IOC_SETUP	_IOWR(AIO_ATTR_IOC_MAGIC, 0x01, struct aio_attr_setup)
#define AIO_ATTR_IOC_SUBMIT	_IOWR(AIO_ATTR_IOC_MAGIC, 0x02, struct aio_attr_submit)
#define AIO_ATTR_IOC_WAIT	_IOWR(AIO_ATTR_IOC_MAGIC, 0x03, struct aio_attr_wait)
#define AIO_ATTR_IOC_REGISTER_BUFFERS	_IOW(AIO_ATTR_IOC_MAGIC, 0x04, struct aio_attr_buffers)
#define AIO_ATTR_IOC_UNREGISTER_BUFFERS	_IO(AIO_ATTR_IOC_MAGIC, 0x05)
#define AIO_ATTR_IOC_CANCEL	_IOWR(AIO_ATTR_IOC_MAGIC, 0x06, struct aio_attr_cancel)
#define AIO_ATTR_IOC_ENTER	_IO(AIO_ATTR_IOC_MAGIC, 0x07)

#endif /* _UAPI_LINUX_AIO_ATTR_H */
