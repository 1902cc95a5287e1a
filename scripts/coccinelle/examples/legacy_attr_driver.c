// SPDX-License-Identifier: GPL-2.0
/*
 * Example input for scripts/coccinelle/api/kiocb_to_iodesc.cocci: a block
 * driver written against a kiocb-peeking interface of the kind the 2013
 * "New AIO API" prototype proposed, where the driver found the kiocb
 * behind a bio and wrote results into attribute storage hung off it.
 * The semantic patch turns it into iodesc calls; the expected result is
 * legacy_attr_driver.iodesc.c beside this file.
 */
#include <linux/bio.h>
#include <linux/fs.h>
#include <linux/iodesc.h>
#include <linux/ktime.h>

struct legacy_aio_attrs {
	u64 cache;
	u64 device_ns;
	u64 crypt_ns;
};

struct demo_dev;
bool demo_lookup(struct demo_dev *d, sector_t sector);
void demo_copy(struct demo_dev *d, struct bio *bio, bool fast);
struct kiocb *demo_kiocb_of(struct bio *bio);

static void demo_handle_bio(struct demo_dev *d, struct bio *bio)
{
	struct kiocb *iocb = demo_kiocb_of(bio);
	struct legacy_aio_attrs *attrs = iocb->private;
	u64 start = ktime_get_ns();
	bool hit;

	if ((iocb->ki_flags & IOCB_NOWAIT) && !demo_lookup(d, bio->bi_iter.bi_sector)) {
		bio_wouldblock_error(bio);
		return;
	}
	if (iocb->ki_ioprio >= IOPRIO_PRIO_VALUE(IOPRIO_CLASS_RT, 0))
		hit = true;
	else
		hit = demo_lookup(d, bio->bi_iter.bi_sector);
	demo_copy(d, bio, hit);
	attrs->cache = hit ? 1 : 2;
	attrs->device_ns = ktime_get_ns() - start;
	bio_endio(bio);
}
