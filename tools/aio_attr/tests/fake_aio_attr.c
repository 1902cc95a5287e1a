// SPDX-License-Identifier: GPL-2.0
/*
 * fake_aio_attr.so - an LD_PRELOAD test double of /dev/aio_attr for the
 * host, where the module cannot be loaded.  It lets the fio engine and the
 * CLI run their real code paths (setup, mmap, submit, ring reaping with
 * skip entries and the overflow list, wait) against an emulation that does
 * each request synchronously with pread/pwrite and posts its completion
 * into the ring at once, with made-up but deterministic attributes:
 *
 *   service_ns, device_ns  measured time of the pread/pwrite
 *   queue_ns               100
 *   cache                  hit for even 4 KiB blocks, miss for odd ones
 *   crypt_ns               UNSUPPORTED (nobody on the path fills it)
 *   completion_ctx         task|inline, plus hop for every 8th request
 *
 * Version 2 is emulated too: AIO_ATTR_SUBMIT_WAIT (nothing is ever
 * outstanding, so the wait ends at once: ETIME when the ring holds fewer
 * than min_complete events) and registered buffers with
 * AIO_ATTR_SQE_FIXED_BUF (checked, then the address is used as is); like
 * the kernel, registration refuses (EOPNOTSUPP) memory mapped from a file
 * that is not on tmpfs or hugetlbfs.  Version 3: the submission queue in
 * the mapping (setup.sq_entries) and AIO_ATTR_IOC_ENTER, counted as a
 * submit (and a submit_wait with min_complete); a refused sqe is consumed
 * and completes with its errno, EAGAIN leaves it queued.
 *
 * Environment: FAKE_AA_MAX_INFLIGHT (completions that may wait on the
 * overflow list, default 1024; more gives EAGAIN), FAKE_AA_FAIL_EVERY=N
 * (every Nth request completes with -EIO), FAKE_AA_VERSION=N (the highest
 * ABI version to offer, default AIO_ATTR_VERSION; 1 is a kernel without
 * the version 2 features), FAKE_AA_LOG=FILE (each context appends a line
 * of counters to FILE when it is closed: "ctx version=V submits=N
 * submit_waits=N waits=N requests=N fixed=N buffers=N").  Knobs for the
 * error paths of a consumer: FAKE_AA_ATTRS=MASK (the attribute ids the
 * "kernel" knows, as PROBE and SETUP report them; other bits are EINVAL),
 * FAKE_AA_REFUSE_EVERY=N (every Nth request is refused by SUBMIT with
 * EPERM), FAKE_AA_EAGAIN_CALLS=N (the first N SUBMIT calls of a context
 * fail with EAGAIN, nothing queued, nothing in flight) and
 * FAKE_AA_CORRUPT=len|user_data (the 10th entry posted has a length that
 * is not a multiple of 8, or a user_data nobody submitted); and
 * FAKE_AA_CRYPT_EVERY=N (every Nth request has crypt_ns HANDLED, 1000 ns, so
 * an attribute can be filled for some requests only).  Not a model of
 * the kernel's timing: only of its ABI.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <aio_attr/aio_attr.h>

#define MAX_CTX	    64
#define DATA_OFFSET 4096u

struct pending {
	uint64_t user_data;
	int64_t result;
	uint64_t mask;
	uint64_t value[AIO_ATTR_NR];
	uint16_t status[AIO_ATTR_NR];
};

struct fake_ctx {
	int fd;
	int setup;
	uint32_t ring_bytes;
	unsigned char *map;
	size_t map_bytes;
	struct pending *ovf; /* overflow list, FIFO */
	unsigned int ovf_head, ovf_len, ovf_cap;
	uint64_t nr_req, nr_tried, nr_posted;
	uint32_t version;
	uint32_t sq_entries, sq_off; /* version 3 submission queue, or 0 */
	struct iovec *bufs; /* registered buffers */
	uint32_t nr_bufs;
	/* counters for FAKE_AA_LOG */
	uint64_t nr_submits, nr_submit_waits, nr_waits, nr_fixed;
};

static struct fake_ctx ctxs[MAX_CTX];

static struct fake_ctx *find(int fd)
{
	int i;

	for (i = 0; i < MAX_CTX; i++)
		if (ctxs[i].fd == fd)
			return &ctxs[i];
	return NULL;
}

static int env_int(const char *name, int dflt)
{
	const char *v = getenv(name);

	return v && *v ? atoi(v) : dflt;
}

/* FAKE_AA_ATTRS: the attribute ids this "kernel" knows (default all). */
static uint64_t fake_attrs(void)
{
	const char *v = getenv("FAKE_AA_ATTRS");

	return v && *v ? strtoull(v, NULL, 0) & AIO_ATTR_ALL : AIO_ATTR_ALL;
}

/* FAKE_AA_CORRUPT: spoil the 10th entry posted, as a broken kernel would. */
static void corrupt(struct fake_ctx *c, struct aio_attr_event *ev)
{
	const char *how = getenv("FAKE_AA_CORRUPT");

	if (!how || ++c->nr_posted != 10)
		return;
	if (!strcmp(how, "len"))
		ev->len = 12;
	else if (!strcmp(how, "user_data"))
		ev->user_data = 1ULL << 40;
}

static uint32_t fake_version(void)
{
	return (uint32_t)env_int("FAKE_AA_VERSION", AIO_ATTR_VERSION);
}

static uint64_t fake_features(uint32_t version)
{
	uint64_t f = AIO_ATTR_FEAT_OVERFLOW | AIO_ATTR_FEAT_BDEV_DIRECT | AIO_ATTR_FEAT_SYNC;

	if (version >= 2)
		f |= AIO_ATTR_FEAT_SUBMIT_WAIT | AIO_ATTR_FEAT_FIXED_BUFS;
	if (version >= 3)
		f |= AIO_ATTR_FEAT_SQ_RING;
	return f;
}

static void log_counters(const struct fake_ctx *c)
{
	const char *path = getenv("FAKE_AA_LOG");
	FILE *f;

	if (!path || !*path || !c->setup)
		return;
	f = fopen(path, "a");
	if (!f)
		return;
	fprintf(f,
		"ctx version=%u submits=%llu submit_waits=%llu waits=%llu requests=%llu "
		"fixed=%llu buffers=%u\n",
		c->version, (unsigned long long)c->nr_submits,
		(unsigned long long)c->nr_submit_waits, (unsigned long long)c->nr_waits,
		(unsigned long long)c->nr_req, (unsigned long long)c->nr_fixed, c->nr_bufs);
	fclose(f);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int (*real_open)(const char *, int, ...);
static int (*real_close)(int);
static int (*real_ioctl)(int, unsigned long, ...);
static void *(*real_mmap)(void *, size_t, int, int, int, off_t);

static pthread_once_t resolved = PTHREAD_ONCE_INIT;
/* fio's --thread jobs open and close contexts at once: slots change under it */
static pthread_mutex_t ctx_lock = PTHREAD_MUTEX_INITIALIZER;

static void resolve_once(void)
{
	real_open = dlsym(RTLD_NEXT, "open");
	real_close = dlsym(RTLD_NEXT, "close");
	real_ioctl = dlsym(RTLD_NEXT, "ioctl");
	real_mmap = dlsym(RTLD_NEXT, "mmap");
}

static void resolve(void)
{
	pthread_once(&resolved, resolve_once);
}

static int open_ctx(void)
{
	int fd = memfd_create("fake_aio_attr", MFD_CLOEXEC), i;

	if (fd < 0)
		return -1;
	pthread_mutex_lock(&ctx_lock);
	for (i = 0; i < MAX_CTX; i++) {
		if (!ctxs[i].fd && !ctxs[i].map) {
			memset(&ctxs[i], 0, sizeof(ctxs[i]));
			ctxs[i].fd = fd;
			pthread_mutex_unlock(&ctx_lock);
			return fd;
		}
	}
	pthread_mutex_unlock(&ctx_lock);
	real_close(fd);
	errno = EMFILE;
	return -1;
}

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	resolve();
	if (!strcmp(path, "/dev/aio_attr"))
		return open_ctx();
	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return real_open(path, flags, mode);
}

int open64(const char *path, int flags, ...) __attribute__((alias("open")));

int close(int fd)
{
	struct fake_ctx *c;

	resolve();
	c = fd > 0 ? find(fd) : NULL;
	if (c) {
		/* The ring mapping of the fake itself stays (like the kernel's, until munmap). */
		log_counters(c);
		free(c->ovf);
		free(c->bufs);
		pthread_mutex_lock(&ctx_lock);
		memset(c, 0, sizeof(*c));
		pthread_mutex_unlock(&ctx_lock);
	}
	return real_close(fd);
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	struct fake_ctx *c;

	resolve();
	c = fd > 0 ? find(fd) : NULL;
	if (c && !c->setup) {
		errno = EBADFD;
		return MAP_FAILED;
	}
	return real_mmap(addr, len, prot, flags, fd, off);
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
	__attribute__((alias("mmap")));

static struct aio_attr_ring_hdr *hdr_of(struct fake_ctx *c)
{
	return (struct aio_attr_ring_hdr *)c->map;
}

/* Post @p into the ring; 0 on success, -1 when it does not fit. */
static int post(struct fake_ctx *c, const struct pending *p, int overflowed)
{
	struct aio_attr_ring_hdr *h = hdr_of(c);
	uint32_t nr = (uint32_t)__builtin_popcountll(p->mask);
	uint32_t len = (uint32_t)AIO_ATTR_EVENT_BYTES(nr);
	uint32_t head = __atomic_load_n(&h->head, __ATOMIC_ACQUIRE);
	uint32_t tail = h->tail, pos = tail & (c->ring_bytes - 1);
	uint32_t to_end = c->ring_bytes - pos, need = len;
	struct aio_attr_event *ev;
	unsigned int id, i = 0;

	if (to_end < len)
		need += to_end;
	if (c->ring_bytes - (tail - head) < need)
		return -1;
	if (to_end < len) {
		ev = (void *)(c->map + DATA_OFFSET + pos);
		ev->len = to_end;
		ev->flags = AIO_ATTR_EVF_SKIP;
		tail += to_end;
		pos = 0;
	}
	ev = (void *)(c->map + DATA_OFFSET + pos);
	memset(ev, 0, len);
	ev->len = len;
	ev->flags = overflowed ? AIO_ATTR_EVF_OVERFLOWED : 0;
	ev->nr_attrs = (uint16_t)nr;
	ev->result = p->result;
	ev->user_data = p->user_data;
	for (id = 0; id < AIO_ATTR_NR; id++) {
		if (!(p->mask & AIO_ATTR_BIT(id)))
			continue;
		ev->attrs[i].id = (uint16_t)id;
		ev->attrs[i].status = p->status[id];
		ev->attrs[i].value = p->value[id];
		i++;
	}
	corrupt(c, ev);
	h->posted_total++;
	__atomic_store_n(&h->tail, tail + len, __ATOMIC_RELEASE);
	return 0;
}

static void flush_overflow(struct fake_ctx *c)
{
	struct aio_attr_ring_hdr *h = hdr_of(c);

	while (c->ovf_len) {
		if (post(c, &c->ovf[c->ovf_head % c->ovf_cap], 1))
			break;
		c->ovf_head++;
		c->ovf_len--;
		h->overflow_pending--;
	}
	if (!c->ovf_len)
		__atomic_and_fetch(&h->flags, ~AIO_ATTR_RING_F_OVERFLOW, __ATOMIC_RELEASE);
}

static void complete(struct fake_ctx *c, const struct pending *p)
{
	struct aio_attr_ring_hdr *h = hdr_of(c);

	flush_overflow(c);
	if (!c->ovf_len && !post(c, p, 0))
		return;
	c->ovf[(c->ovf_head + c->ovf_len) % c->ovf_cap] = *p;
	c->ovf_len++;
	h->overflow_pending++;
	h->overflow_total++;
	__atomic_or_fetch(&h->flags, AIO_ATTR_RING_F_OVERFLOW, __ATOMIC_RELEASE);
}

static int do_setup(struct fake_ctx *c, struct aio_attr_setup *s)
{
	struct aio_attr_ring_hdr *h;
	int cap = env_int("FAKE_AA_MAX_INFLIGHT", 1024);

	if (c->setup)
		return EBUSY;
	if (!s->version || s->version > fake_version() || (s->version == 1 && s->resv0) ||
	    (s->flags & ~AIO_ATTR_SETUP_FLAGS) ||
	    (s->version < 3 ? s->resv[0] || s->resv[1] || s->resv[2]
			    : s->resv3[0] || s->resv3[1] || (s->sq_entries & (s->sq_entries - 1)) ||
				      s->sq_entries > AIO_ATTR_SQ_MAX_ENTRIES) ||
	    s->ring_bytes < AIO_ATTR_RING_MIN_BYTES || s->ring_bytes > (16u << 20) ||
	    (s->ring_bytes & (s->ring_bytes - 1)))
		return EINVAL;
	c->ring_bytes = s->ring_bytes;
	c->map_bytes = DATA_OFFSET + ((s->ring_bytes + 4095u) & ~4095u);
	if (s->version >= 3 && s->sq_entries) {
		c->sq_entries = s->sq_entries;
		c->sq_off = (uint32_t)c->map_bytes;
		c->map_bytes += (s->sq_entries * sizeof(struct aio_attr_sqe) + 4095u) & ~4095u;
	}
	if (ftruncate(c->fd, (off_t)c->map_bytes))
		return errno;
	c->map = real_mmap(NULL, c->map_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, 0);
	if (c->map == MAP_FAILED) {
		c->map = NULL;
		return ENOMEM;
	}
	c->ovf_cap = (unsigned int)cap;
	c->ovf = calloc(c->ovf_cap, sizeof(*c->ovf));
	h = hdr_of(c);
	h->mask = s->ring_bytes - 1;
	h->ring_bytes = s->ring_bytes;
	h->entry_version = AIO_ATTR_ENTRY_VERSION;
	h->data_offset = DATA_OFFSET;
	s->features = fake_features(s->version);
	s->attrs = fake_attrs();
	s->mmap_bytes = (uint32_t)c->map_bytes;
	s->data_offset = DATA_OFFSET;
	s->entry_version = AIO_ATTR_ENTRY_VERSION;
	if (s->version >= 2 && !s->reqs)
		s->reqs = (uint32_t)cap;
	if (s->version >= 3)
		s->sq_offset = c->sq_off;
	c->version = s->version;
	c->setup = 1;
	return 0;
}

static int do_one(struct fake_ctx *c, const struct aio_attr_sqe *q)
{
	struct pending p;
	uint64_t t0, t1;
	ssize_t r;
	int every = env_int("FAKE_AA_FAIL_EVERY", 0);
	int refuse = env_int("FAKE_AA_REFUSE_EVERY", 0);
	int crypt = env_int("FAKE_AA_CRYPT_EVERY", 0);

	if (c->version < 2 ? q->flags || q->resv0 : (q->flags & ~AIO_ATTR_SQE_FLAGS) != 0)
		return EINVAL;
	if (q->resv[0] || q->resv[1] || (q->attr_mask & ~fake_attrs()))
		return EINVAL;
	if (q->flags & AIO_ATTR_SQE_FIXED_BUF) {
		const struct iovec *b = q->buf_index < c->nr_bufs ? &c->bufs[q->buf_index] : NULL;
		uintptr_t base = b ? (uintptr_t)b->iov_base : 0;

		if ((q->opcode != AIO_ATTR_OP_READ && q->opcode != AIO_ATTR_OP_WRITE) || !b)
			return EINVAL;
		if (q->addr < base || q->addr + q->len > base + b->iov_len)
			return EFAULT;
		c->nr_fixed++;
	} else if (q->buf_index) {
		return EINVAL;
	}
	if (q->opcode < AIO_ATTR_OP_READ || q->opcode > AIO_ATTR_OP_FDATASYNC ||
	    q->opcode == AIO_ATTR_OP_READV || q->opcode == AIO_ATTR_OP_WRITEV)
		return EINVAL;
	if ((q->opcode == AIO_ATTR_OP_READ || q->opcode == AIO_ATTR_OP_WRITE) && !q->len)
		return EINVAL;
	if (fcntl(q->fd, F_GETFL) < 0)
		return EBADF;
	if (c->ovf_len >= c->ovf_cap)
		return EAGAIN;
	if (refuse > 0 && ++c->nr_tried % (uint64_t)refuse == 0)
		return EPERM;

	memset(&p, 0, sizeof(p));
	p.user_data = q->user_data;
	p.mask = q->attr_mask;
	t0 = now_ns();
	switch (q->opcode) {
	case AIO_ATTR_OP_READ:
		r = pread(q->fd, (void *)(uintptr_t)q->addr, q->len, (off_t)q->offset);
		break;
	case AIO_ATTR_OP_WRITE:
		r = pwrite(q->fd, (const void *)(uintptr_t)q->addr, q->len, (off_t)q->offset);
		break;
	case AIO_ATTR_OP_FSYNC:
		r = fsync(q->fd);
		break;
	default:
		r = fdatasync(q->fd);
		break;
	}
	t1 = now_ns();
	p.result = r < 0 ? -errno : r;
	c->nr_req++;
	if (every > 0 && c->nr_req % (uint64_t)every == 0)
		p.result = -EIO;
	p.status[AIO_ATTR_SERVICE_NS] = AIO_ATTR_ST_HANDLED;
	p.value[AIO_ATTR_SERVICE_NS] = t1 - t0 + 100;
	p.status[AIO_ATTR_QUEUE_NS] = AIO_ATTR_ST_HANDLED;
	p.value[AIO_ATTR_QUEUE_NS] = 100;
	p.status[AIO_ATTR_DEVICE_NS] = AIO_ATTR_ST_HANDLED;
	p.value[AIO_ATTR_DEVICE_NS] = t1 - t0;
	p.status[AIO_ATTR_CACHE] = AIO_ATTR_ST_HANDLED;
	p.value[AIO_ATTR_CACHE] = (q->offset / 4096) % 2 ? AIO_ATTR_CACHE_MISS : AIO_ATTR_CACHE_HIT;
	p.status[AIO_ATTR_CRYPT_NS] = AIO_ATTR_ST_UNSUPPORTED;
	if (crypt > 0 && c->nr_req % (uint64_t)crypt == 0) {
		p.status[AIO_ATTR_CRYPT_NS] = AIO_ATTR_ST_HANDLED;
		p.value[AIO_ATTR_CRYPT_NS] = 1000;
	}
	p.status[AIO_ATTR_COMPLETION_CTX] = AIO_ATTR_ST_HANDLED;
	p.value[AIO_ATTR_COMPLETION_CTX] = AIO_ATTR_CTX_TASK | AIO_ATTR_CTX_INLINE |
					   (c->nr_req % 8 == 0 ? AIO_ATTR_CTX_HOP : 0);
	complete(c, &p);
	return 0;
}

/* Events in the ring (skip entries not counted), by libaioattr's consumer. */
static uint32_t ready_events(struct fake_ctx *c)
{
	struct aa_ring r;

	if (aa_ring_init(&r, hdr_of(c), c->map + DATA_OFFSET, c->ring_bytes))
		return 0;
	return aa_ring_ready(&r);
}

/*
 * Version 1 reserves what version 2 calls flags, min_complete, wait_error
 * and timeout_ns; version 2 takes min_complete and timeout_ns only with
 * AIO_ATTR_SUBMIT_WAIT.
 */
static int submit_fields_ok(const struct fake_ctx *c, const struct aio_attr_submit *s)
{
	if (c->version < 2)
		return !s->flags && !s->resv[0] && !s->resv[1];
	if (s->flags & ~AIO_ATTR_SUBMIT_FLAGS)
		return 0;
	return (s->flags & AIO_ATTR_SUBMIT_WAIT) || (!s->min_complete && !s->timeout_ns);
}

static int do_submit(struct fake_ctx *c, struct aio_attr_submit *s)
{
	const struct aio_attr_sqe *q = (const void *)(uintptr_t)s->sqes;
	uint32_t i;
	int err = 0;

	if (!c->setup)
		return -EBADFD;
	if (!submit_fields_ok(c, s))
		return -EINVAL;
	c->nr_submits++;
	if (c->nr_submits <= (uint64_t)env_int("FAKE_AA_EAGAIN_CALLS", 0))
		return -EAGAIN;
	flush_overflow(c);
	for (i = 0; i < s->nr; i++) {
		err = do_one(c, &q[i]);
		if (err)
			break;
	}
	s->accepted = i;
	s->error = err;
	if (c->version >= 2)
		s->wait_error = 0;
	/* Everything completed already: the wait ends at once, short or not. */
	if (!err && (s->flags & AIO_ATTR_SUBMIT_WAIT)) {
		c->nr_submit_waits++;
		if (ready_events(c) + c->ovf_len < s->min_complete)
			s->wait_error = ETIME;
	}
	if (err && !i)
		return -err;
	return (int)i;
}

/* A refused sqe of the submission queue completes with -@err, no records. */
static void refuse(struct fake_ctx *c, const struct aio_attr_sqe *q, int err)
{
	struct pending p;

	memset(&p, 0, sizeof(p));
	p.user_data = q->user_data;
	p.result = -err;
	complete(c, &p);
}

static int do_enter(struct fake_ctx *c, unsigned long min_complete)
{
	struct aio_attr_ring_hdr *h;
	const struct aio_attr_sqe *sq;
	uint32_t head, nr, done;
	int err = 0;

	if (!c->setup || !c->sq_entries)
		return -EBADFD;
	if (min_complete > UINT32_MAX)
		return -EINVAL;
	h = hdr_of(c);
	sq = (const struct aio_attr_sqe *)(c->map + c->sq_off);
	head = h->sq_head;
	nr = __atomic_load_n(&h->sq_tail, __ATOMIC_ACQUIRE) - head;
	if (nr > c->sq_entries)
		return -EINVAL;
	c->nr_submits++;
	if (c->nr_submits <= (uint64_t)env_int("FAKE_AA_EAGAIN_CALLS", 0))
		return -EAGAIN;
	flush_overflow(c);
	for (done = 0; done < nr; done++) {
		const struct aio_attr_sqe q = sq[(head + done) & (c->sq_entries - 1)];

		err = do_one(c, &q);
		if (err == EAGAIN || err == ENOMEM)
			break;
		if (err)
			refuse(c, &q, err);
		err = 0;
	}
	__atomic_store_n(&h->sq_head, head + done, __ATOMIC_RELEASE);
	if (done < nr)
		return done ? (int)done : -err;
	if (min_complete)
		c->nr_submit_waits++;
	return (int)done;
}

/*
 * The kernel's rule for registered buffers: anonymous, shmem and hugetlbfs
 * memory only.  Decided from the mappings overlapping [start, end) in
 * /proc/self/maps; 0 or EOPNOTSUPP.
 */
static int pinnable(uintptr_t start, uintptr_t end)
{
	static const char *const ok[] = { "[", "/dev/zero", "/SYSV", "/memfd:", "/anon_hugepage" };
	FILE *maps = fopen("/proc/self/maps", "r");
	char line[4096], path[4096];
	int err = 0;

	if (!maps)
		return 0;
	while (!err && fgets(line, sizeof(line), maps)) {
		unsigned long lo, hi;
		struct statfs fs;
		char *deleted;
		size_t i;

		path[0] = 0;
		if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %4095[^\n]", &lo, &hi, path) < 2 ||
		    hi <= start || lo >= end || !path[0])
			continue;
		for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
			if (!strncmp(path, ok[i], strlen(ok[i])))
				break;
		if (i < sizeof(ok) / sizeof(ok[0]))
			continue;
		deleted = strstr(path, " (deleted)");
		if (deleted)
			*deleted = 0;
		if (statfs(path, &fs) ||
		    (fs.f_type != 0x01021994 /* TMPFS_MAGIC */ &&
		     fs.f_type != (typeof(fs.f_type))0x958458f6 /* HUGETLBFS_MAGIC */))
			err = EOPNOTSUPP;
	}
	fclose(maps);
	return err;
}

static int do_register(struct fake_ctx *c, const struct aio_attr_buffers *b)
{
	const struct iovec *iov = (const void *)(uintptr_t)b->iovecs;
	uint32_t i;

	if (!c->setup || c->version < 2)
		return EBADFD;
	if (c->nr_bufs)
		return EBUSY;
	if (!b->nr || b->nr > AIO_ATTR_MAX_BUFFERS || b->flags || b->resv[0] || b->resv[1])
		return EINVAL;
	for (i = 0; i < b->nr; i++)
		if (!iov[i].iov_len || iov[i].iov_len > AIO_ATTR_MAX_BUFFER_BYTES)
			return EINVAL;
	for (i = 0; i < b->nr; i++) {
		uintptr_t base = (uintptr_t)iov[i].iov_base;
		int err = pinnable(base, base + iov[i].iov_len);

		if (err)
			return err;
	}
	c->bufs = calloc(b->nr, sizeof(*c->bufs));
	if (!c->bufs)
		return ENOMEM;
	memcpy(c->bufs, iov, b->nr * sizeof(*iov));
	c->nr_bufs = b->nr;
	return 0;
}

static int do_wait(struct fake_ctx *c, struct aio_attr_wait *w)
{
	if (!c->setup)
		return -EBADFD;
	if (w->flags || w->resv[0] || w->resv[1])
		return -EINVAL;
	c->nr_waits++;
	flush_overflow(c);
	w->ready = ready_events(c);
	w->overflow = c->ovf_len;
	/* Everything completes at submission: if it is not here it never comes. */
	if (w->min_events && !w->ready && !w->overflow)
		return -ETIME;
	return 0;
}

int ioctl(int fd, unsigned long req, ...)
{
	struct fake_ctx *c;
	va_list ap;
	void *arg;
	int r;

	resolve();
	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	c = fd > 0 ? find(fd) : NULL;
	if (!c)
		return real_ioctl(fd, req, arg);
	switch (req) {
	case AIO_ATTR_IOC_PROBE: {
		struct aio_attr_probe *p = arg;

		memset(p, 0, sizeof(*p));
		p->version = fake_version();
		p->entry_version = AIO_ATTR_ENTRY_VERSION;
		p->features = fake_features(p->version);
		p->attrs = fake_attrs();
		p->ring_min = AIO_ATTR_RING_MIN_BYTES;
		p->ring_max = 16u << 20;
		p->max_inflight = (uint32_t)env_int("FAKE_AA_MAX_INFLIGHT", 1024);
		p->max_io_bytes = 4u << 20;
		return 0;
	}
	case AIO_ATTR_IOC_SETUP:
		r = do_setup(c, arg);
		break;
	case AIO_ATTR_IOC_SUBMIT:
		r = do_submit(c, arg);
		if (r >= 0)
			return r;
		r = -r;
		break;
	case AIO_ATTR_IOC_WAIT:
		r = -do_wait(c, arg);
		break;
	case AIO_ATTR_IOC_ENTER:
		r = do_enter(c, (unsigned long)arg);
		if (r >= 0)
			return r;
		r = -r;
		break;
	case AIO_ATTR_IOC_REGISTER_BUFFERS:
		r = do_register(c, arg);
		break;
	default:
		r = ENOTTY;
		break;
	}
	if (r) {
		errno = r;
		return -1;
	}
	return 0;
}
