// SPDX-License-Identifier: GPL-2.0
/*
 * Expected output of scripts/coccinelle/api/kiocb_to_iodesc.cocci on
 * legacy_attr_driver.c (everything below this comment is spatch's output):
 * the driver no longer touches struct kiocb; what it knew from the kiocb
 * comes from the bio, and what it wrote there goes through iodesc.
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
	u64 start = ktime_get_ns();
	bool hit;

	if ((bio->bi_opf & REQ_NOWAIT) && !demo_lookup(d, bio->bi_iter.bi_sector)) {
		bio_wouldblock_error(bio);
		return;
	}
	if (bio_prio(bio) >= IOPRIO_PRIO_VALUE(IOPRIO_CLASS_RT, 0))
		hit = true;
	else
		hit = demo_lookup(d, bio->bi_iter.bi_sector);
	demo_copy(d, bio, hit);
	iodesc_set_attr(iodesc_from_bio(bio), AIO_ATTR_CACHE, hit ? 1 : 2);
	iodesc_set_attr(iodesc_from_bio(bio), AIO_ATTR_DEVICE_NS,
			ktime_get_ns() - start);
	bio_endio(bio);
}
