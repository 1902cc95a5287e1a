// SPDX-License-Identifier: GPL-2.0-only
/// Rewrite a driver's struct kiocb accesses to the bio and the iodesc API.
///
/// A driver that finds the kiocb behind a bio (struct kiocb *iocb = f(bio)
/// or bio->bi_private) and
///  - tests iocb->ki_flags for IOCB_NOWAIT or IOCB_HIPRI: tests the bio's
///    REQ_NOWAIT or REQ_POLLED instead;
///  - reads iocb->ki_ioprio: reads bio_prio(bio);
///  - stores per-I/O results in attribute storage hung off iocb->private
///    (->cache, ->device_ns, ->queue_ns, ->crypt_ns): reports them with
///    iodesc_set_attr() / iodesc_add_attr() on iodesc_from_bio(bio).
/// The kiocb variable goes when nothing uses it any more; what is left is
/// reported by kiocb_access.cocci and needs a human (ki_complete() from a
/// driver: complete the bio instead, the framework posts the event).
///
/// Example: scripts/coccinelle/examples/legacy_attr_driver.c becomes
/// legacy_attr_driver.iodesc.c.
//
// Confidence: Medium
// Options: --no-includes --include-headers

virtual patch

@find depends on patch@
identifier iocb, f;
struct bio *b;
@@
(
struct kiocb *iocb = f(b);
|
struct kiocb *iocb = b->bi_private;
)

@flags depends on find@
identifier find.iocb;
struct bio *find.b;
@@
(
- iocb->ki_flags & IOCB_NOWAIT
+ b->bi_opf & REQ_NOWAIT
|
- iocb->ki_flags & IOCB_HIPRI
+ b->bi_opf & REQ_POLLED
|
- iocb->ki_ioprio
+ bio_prio(b)
)

@attrs depends on find@
identifier find.iocb, a;
type T;
@@
- T *a = iocb->private;

@stores depends on attrs@
identifier attrs.a;
struct bio *find.b;
expression V;
@@
(
- a->cache = V;
+ iodesc_set_attr(iodesc_from_bio(b), AIO_ATTR_CACHE, V);
|
- a->device_ns = V;
+ iodesc_set_attr(iodesc_from_bio(b), AIO_ATTR_DEVICE_NS, V);
|
- a->queue_ns = V;
+ iodesc_set_attr(iodesc_from_bio(b), AIO_ATTR_QUEUE_NS, V);
|
- a->crypt_ns = V;
+ iodesc_add_attr(iodesc_from_bio(b), AIO_ATTR_CRYPT_NS, V);
|
- a->crypt_ns += V;
+ iodesc_add_attr(iodesc_from_bio(b), AIO_ATTR_CRYPT_NS, V);
)

@unused depends on find@
identifier find.iocb, find.f;
struct bio *find.b;
@@
(
- struct kiocb *iocb = f(b);
|
- struct kiocb *iocb = b->bi_private;
)
  ... when != iocb
