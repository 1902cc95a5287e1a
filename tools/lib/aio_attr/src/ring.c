// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libaioattr - the completion ring consumer: the only code in userspace
 * that walks the ring.
 *
 * Positions are free-running 32-bit byte counters masked only when used,
 * so all arithmetic is modulo 2^32.  Tail is loaded with acquire before an
 * entry is read, head stored with release after (aa_ring_advance()).
 * Nothing here reads outside [head, tail) or outside the data area, and
 * every field that decides how much to read (len, nr_attrs) is read once
 * and checked before it is used.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <aio_attr/aio_attr.h>

#define EVENT_BYTES ((uint32_t)AIO_ATTR_EVENT_BYTES(0))

_Static_assert(AIO_ATTR_EVENT_BYTES(0) == 24 && sizeof(struct aio_attr_rec) == 16,
	       "ring entry layout changed");
_Static_assert(offsetof(struct aio_attr_event, len) == 0 &&
		       offsetof(struct aio_attr_event, flags) == 4 &&
		       offsetof(struct aio_attr_event, nr_attrs) == 6,
	       "the first 8 bytes of an entry are len, flags, nr_attrs");

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

const char *aa_ring_strerror(enum aa_ring_error err)
{
	switch (err) {
	case AA_RING_OK:
		return "no error";
	case AA_RING_BAD_TAIL:
		return "tail - head is beyond the data area or unaligned";
	case AA_RING_BAD_LEN:
		return "entry length too short or not a multiple of 8";
	case AA_RING_BEYOND_TAIL:
		return "entry extends past tail";
	case AA_RING_CROSSES_END:
		return "entry crosses the data area end";
	case AA_RING_BAD_SKIP:
		return "skip entry does not end at the data area end";
	case AA_RING_NR_ATTRS_MISMATCH:
		return "entry length does not match its record count";
	}
	return "unknown ring error";
}

int aa_ring_init(struct aa_ring *ring, struct aio_attr_ring_hdr *hdr, void *data,
		 uint32_t ring_bytes)
{
	if (!hdr || !data || !is_pow2(ring_bytes) || ring_bytes < 64 || ((uintptr_t)data & 7))
		return -EINVAL;
	memset(ring, 0, sizeof(*ring));
	ring->hdr = hdr;
	ring->data = data;
	ring->ring_bytes = ring_bytes;
	ring->mask = ring_bytes - 1;
	return 0;
}

int aa_ring_attach(struct aa_ring *ring, void *base, size_t map_bytes)
{
	struct aio_attr_ring_hdr *hdr = base;
	uint32_t ring_bytes, data_offset;

	if (!base || map_bytes < sizeof(*hdr) || ((uintptr_t)base & 7))
		return -EPROTO;
	if (hdr->entry_version != AIO_ATTR_ENTRY_VERSION)
		return -EPROTONOSUPPORT;
	ring_bytes = hdr->ring_bytes;
	data_offset = hdr->data_offset;
	if (!is_pow2(ring_bytes) || ring_bytes < 64 || hdr->mask != ring_bytes - 1 ||
	    data_offset < sizeof(*hdr) || (data_offset & 7) ||
	    (uint64_t)data_offset + ring_bytes > map_bytes)
		return -EPROTO;
	return aa_ring_init(ring, hdr, (unsigned char *)base + data_offset, ring_bytes);
}

/* A 16-bit field of the entry at @p (8-byte aligned), read once. */
static uint16_t load16(const unsigned char *p, size_t off)
{
	uint16_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static uint32_t load32(const unsigned char *p, size_t off)
{
	uint32_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

enum aa_ring_error aa_event_check(const struct aio_attr_event *ev, uint32_t bytes)
{
	const unsigned char *p = (const unsigned char *)ev;

	if (bytes < EVENT_BYTES || (bytes & 7) ||
	    load32(p, offsetof(struct aio_attr_event, len)) != bytes)
		return AA_RING_BAD_LEN;
	if (bytes != AIO_ATTR_EVENT_BYTES(load16(p, offsetof(struct aio_attr_event, nr_attrs))))
		return AA_RING_NR_ATTRS_MISMATCH;
	return AA_RING_OK;
}

enum aa_ring_error aa_ring_check_entry(const void *data, uint32_t ring_bytes, uint32_t pos,
				       uint32_t tail, uint32_t *len, bool *skip)
{
	const uint32_t off = pos & (ring_bytes - 1);
	const uint32_t avail = tail - pos;
	const unsigned char *p;
	uint32_t l;
	uint16_t flags;

	/* The 8-byte prefix (len, flags, nr_attrs) must itself lie inside both bounds. */
	if (avail < 8 || avail > ring_bytes)
		return AA_RING_BEYOND_TAIL;
	if ((pos & 7) || off + 8 > ring_bytes)
		return AA_RING_BAD_LEN;
	p = (const unsigned char *)data + off;
	l = load32(p, offsetof(struct aio_attr_event, len));
	flags = load16(p, offsetof(struct aio_attr_event, flags));
	if (l < 8 || (l & 7))
		return AA_RING_BAD_LEN;
	if (l > avail)
		return AA_RING_BEYOND_TAIL;
	if (l > ring_bytes - off)
		return AA_RING_CROSSES_END;
	if (flags & AIO_ATTR_EVF_SKIP) {
		/* The ABI: a skip entry always ends exactly at the end of the data area. */
		if (l != ring_bytes - off)
			return AA_RING_BAD_SKIP;
	} else {
		enum aa_ring_error e = aa_event_check((const struct aio_attr_event *)p, l);

		if (e != AA_RING_OK)
			return e;
	}
	*len = l;
	*skip = flags & AIO_ATTR_EVF_SKIP;
	return AA_RING_OK;
}

static int ring_fail(struct aa_ring *ring, enum aa_ring_error err, uint32_t pos)
{
	ring->error = err;
	ring->error_pos = pos;
	return -EBADMSG;
}

/*
 * Walk from head: up to @max events into @evs (NULL: only count them),
 * stopping at a malformed entry.  With @consume, skip entries in front of
 * the first event are released at once; others are part of *@bytes.
 */
static int walk(struct aa_ring *ring, const struct aio_attr_event **evs, unsigned int max,
		uint32_t *bytes, bool consume)
{
	uint32_t head, tail, used, pos;
	unsigned int n = 0;

	*bytes = 0;
	if (!ring->hdr)
		return 0;
	head = aa_ring_head(ring);
	tail = aa_ring_tail(ring);
	used = tail - head;
	pos = head;
	if (used > ring->ring_bytes || (used & 7))
		return ring_fail(ring, AA_RING_BAD_TAIL, head);
	while (pos != tail && n < max) {
		enum aa_ring_error err;
		uint32_t len;
		bool skip;

		err = aa_ring_check_entry(ring->data, ring->ring_bytes, pos, tail, &len, &skip);
		if (err != AA_RING_OK) {
			if (n || !consume)
				break;
			return ring_fail(ring, err, pos);
		}
		pos += len;
		if (skip) {
			if (consume && !n) {
				aa_ring_advance(ring, len);
				head = pos;
			}
			continue;
		}
		if (evs)
			evs[n] = (const struct aio_attr_event *)(ring->data +
								 ((pos - len) & ring->mask));
		n++;
	}
	*bytes = pos - head;
	return (int)n;
}

int aa_ring_peek(struct aa_ring *ring, const struct aio_attr_event **ev)
{
	uint32_t bytes;
	int n = walk(ring, ev, 1, &bytes, true);

	if (n < 0)
		return n;
	return n ? 0 : -EAGAIN;
}

int aa_ring_peek_batch(struct aa_ring *ring, const struct aio_attr_event **evs, unsigned int max,
		       uint32_t *bytes)
{
	return walk(ring, evs, max, bytes, true);
}

unsigned int aa_ring_ready(const struct aa_ring *ring)
{
	/* Without @consume, walk() neither writes head nor records an error. */
	struct aa_ring copy = *ring;
	uint32_t bytes;
	int n = walk(&copy, NULL, UINT32_MAX, &bytes, false);

	return n > 0 ? (unsigned int)n : 0;
}
