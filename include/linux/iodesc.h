/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iodesc - the opaque I/O descriptor drivers use to return per-I/O
 * attributes to aio_attr (see include/uapi/linux/aio_attr.h).
 *
 * A driver or dm target never sees struct kiocb.  It looks up the iodesc of
 * a bio it was handed, asks whether an attribute is wanted, stores values
 * and then completes the bio as usual.  The framework posts the event when
 * the last bio of the request ends, in that same context.
 *
 * Lifetime: an iodesc returned by iodesc_from_bio() stays valid until that
 * bio has been completed with bio_endio() (for blk-mq drivers: until the
 * request is ended).  Fill attributes before completing.
 *
 * Context: every function here may be called from task, softirq or hardirq
 * context with or without interrupts disabled.  None sleeps, none takes a
 * lock that is not irq-safe, and all accept a NULL iodesc, so a driver can
 * write iodesc_set_attr(iodesc_from_bio(bio), ...) without checks.
 */
#ifndef _LINUX_IODESC_H
#define _LINUX_IODESC_H

#include <linux/types.h>
#include <linux/gfp.h>
#include <linux/aio_attr.h>

struct bio;
struct iodesc;

struct iodesc *iodesc_from_bio(const struct bio *bio);
bool iodesc_wants(const struct iodesc *iod, unsigned int id);
void iodesc_set_attr(struct iodesc *iod, unsigned int id, u64 value);
void iodesc_add_attr(struct iodesc *iod, unsigned int id, u64 delta);
void iodesc_note_dispatch(struct iodesc *iod);
void iodesc_note_dispatch_at(struct iodesc *iod, u64 now_ns);
void iodesc_note_hop(struct iodesc *iod);
void iodesc_note_softirq_hop(struct iodesc *iod);
u64 iodesc_submit_time_ns(const struct iodesc *iod);
int iodesc_carry(struct iodesc *iod, struct bio *bio, gfp_t gfp);
void iodesc_uncarry(struct bio *bio);

#endif /* _LINUX_IODESC_H */
