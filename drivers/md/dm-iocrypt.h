/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-iocrypt private definitions shared by the target, the IV generators,
 * the table parser and the KUnit suite.
 */
#ifndef DM_IOCRYPT_H
#define DM_IOCRYPT_H

#include <crypto/aes.h>
#include <crypto/skcipher.h>
#include <linux/bio.h>
#include <linux/llist.h>
#include <linux/device-mapper.h>
#include <linux/mempool.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/workqueue.h>

struct iodesc;

#define IOCRYPT_IV_SIZE		16	/* AES block: every supported mode */
#define IOCRYPT_MAX_KEY		64	/* aes-xts with a 512-bit key */
#define IOCRYPT_MAX_SECTOR	4096
/* A crypto sector may span at most this many bio segments (512-byte granular). */
#define IOCRYPT_MAX_SG		(IOCRYPT_MAX_SECTOR >> SECTOR_SHIFT)

enum iocrypt_chain {
	IOCRYPT_XTS,
	IOCRYPT_CBC,
};

enum iocrypt_ivmode {
	IOCRYPT_IV_PLAIN,	/* le32 sector number, zero padded */
	IOCRYPT_IV_PLAIN64,	/* le64 sector number, zero padded */
	IOCRYPT_IV_ESSIV,	/* plain64 encrypted with AES keyed by hash(key) */
};

/**
 * struct iocrypt_params - a table line, parsed but not yet acted on
 * @chain: chaining mode
 * @ivmode: IV generator
 * @essiv_hash: digest for ESSIV (crypto API name), else empty
 * @key_size: key bytes
 * @key: the key argument: hex digits, or "logon:<desc>" / "user:<desc>"
 * @key_keyring: @key names a kernel keyring key
 * @iv_offset: added to the sector number before the IV is computed
 * @dev_path: lower device argument
 * @start: first sector on the lower device
 * @sector_size: encryption unit in bytes, 512..4096
 * @sector_shift: log2(@sector_size / 512)
 * @iv_large_sectors: IVs count @sector_size units, not 512-byte sectors
 * @allow_discards: pass discards down
 * @same_cpu_crypt: dm-crypt flag, accepted and reported
 * @submit_from_crypt_cpus: dm-crypt flag, accepted and reported
 * @no_read_workqueue: dm-crypt flag, accepted and reported
 * @no_write_workqueue: dm-crypt flag, accepted and reported
 */
struct iocrypt_params {
	enum iocrypt_chain chain;
	enum iocrypt_ivmode ivmode;
	char essiv_hash[CRYPTO_MAX_ALG_NAME];
	unsigned int key_size;
	char *key;
	bool key_keyring;
	u64 iv_offset;
	const char *dev_path;
	u64 start;
	unsigned int sector_size;
	unsigned int sector_shift;
	bool iv_large_sectors;
	bool allow_discards;
	bool same_cpu_crypt;
	bool submit_from_crypt_cpus;
	bool no_read_workqueue;
	bool no_write_workqueue;
};

/* struct iocrypt_config.flags */
enum {
	IOCRYPT_KEY_VALID,
	IOCRYPT_SUSPENDED,
};

/**
 * struct iocrypt_stats - counters shown by the INFO status
 * @reads_inline: reads decrypted in the lower device's completion context
 * @reads_deferred: reads decrypted by a workqueue (the target's per-CPU
 *	one, or the unbound spill queue)
 * @reads_softirq: reads the lower device completed in hard interrupt
 *	context (or with interrupts off) and iocrypt's softirq decrypted, on
 *	that CPU or, spread from a saturated CPU, on an idle one
 * @reads_spread: of @reads_deferred, those a saturated CPU handed to the
 *	unbound spill queue: the rest of a pass over budget, or a share of
 *	its reads when no other CPU's softirq could take them
 * @writes: writes encrypted in the submitter's context
 * @bounce_waits: writes that had to wait for bounce pages
 * @errors: bios failed (lower device or crypto)
 * @crypto_async: cipher requests that did not finish in the call: the
 *	transform queued them (cryptd, hardware) or its queue was full
 */
struct iocrypt_stats {
	atomic64_t reads_inline;
	atomic64_t reads_deferred;
	atomic64_t reads_softirq;
	atomic64_t reads_spread;
	atomic64_t writes;
	atomic64_t bounce_waits;
	atomic64_t errors;
	atomic64_t crypto_async;
};

/**
 * struct iocrypt_config - one iocrypt target
 * @p: the parsed table line
 * @dev: lower device
 * @cipher_string: the cipher argument as given, for the TABLE status
 * @key_string: "logon:<desc>" or "user:<desc>" for a keyring key, else NULL
 * @tfm: the fastest skcipher for "xts(aes)" or "cbc(aes)", which may be
 *	asynchronous (on x86 the SIMD wrapper, which runs inline whenever the
 *	FPU is usable and goes through cryptd otherwise)
 * @essiv_hash: digest used to derive the ESSIV key, or NULL
 * @essiv: expanded ESSIV key
 * @flags: IOCRYPT_KEY_VALID, IOCRYPT_SUSPENDED
 * @bs: bios sent to the lower device
 * @page_pool: bounce pages for writes
 * @bounce_lock: serialises writers that must wait for @page_pool
 * @wq: read decryption when the completion context does not allow it
 * @req_offset: offset of the skcipher request in the per-bio data
 * @stats: counters
 * @key: the key, in binary; zero for a keyring key once it is set
 */
struct iocrypt_config {
	struct iocrypt_params p;
	struct dm_dev *dev;
	char *cipher_string;
	char *key_string;
	struct crypto_skcipher *tfm;
	struct crypto_shash *essiv_hash;
	struct crypto_aes_ctx essiv;
	unsigned long flags;
	struct bio_set bs;
	mempool_t page_pool;
	struct mutex bounce_lock;
	struct workqueue_struct *wq;
	unsigned int req_offset;
	struct iocrypt_stats stats;
	u8 key[IOCRYPT_MAX_KEY];
};

/**
 * struct iocrypt_io - per-bio data (dm_per_bio_data)
 * @cc: the target
 * @base: the bio dm handed to ->map
 * @clone: a write's bounce bio, NULL for a read
 * @iod: @base's aio_attr descriptor, or NULL
 * @sector: target-relative sector of @base
 * @size: bytes in @base
 * @iter: what is left to en/decrypt of @base; the crypto sector in
 *	progress is already consumed while its request is in flight
 * @cur: target-relative sector of the crypto sector in progress (or that
 *	failed)
 * @t0: ktime_get_ns() when the cipher started, 0 if CRYPT_NS is not wanted
 * @work: the rest of the cipher work deferred to @cc->wq or the spill queue
 * @node: link in a CPU's softirq queue (a read completed in hardirq)
 * @cpu: the CPU whose count of reads in flight includes this read
 * @iv: IV of the crypto sector in progress
 * @sg: the crypto sector in progress as it lies in @base's pages
 * @sg_out: the bounce page side of a write
 *
 * The skcipher request follows at @cc->req_offset: nothing is allocated
 * on the fast path.  One request per bio is in flight at a time, so when
 * the transform goes asynchronous its callback simply carries on with the
 * next crypto sector.
 */
struct iocrypt_io {
	struct iocrypt_config *cc;
	struct bio *base;
	struct bio *clone;
	struct iodesc *iod;
	sector_t sector;
	unsigned int size;
	struct bvec_iter iter;
	sector_t cur;
	u64 t0;
	struct work_struct work;
	struct llist_node node;
	int cpu;
	u8 iv[IOCRYPT_IV_SIZE] __aligned(8);
	struct scatterlist sg[IOCRYPT_MAX_SG];
	struct scatterlist sg_out;
};

/* iocrypt_crypt_run(): the budget is spent, sectors are left */
#define IOCRYPT_YIELD	1

/* dm-iocrypt-target.c */
extern bool iocrypt_force_cryptd;
int iocrypt_crypt_run(struct iocrypt_io *io, bool can_wait, unsigned int *budget);
void iocrypt_crypt_end(struct iocrypt_io *io, int ret, bool can_submit);
void iocrypt_crypt_work(struct work_struct *work);
void iocrypt_spill(struct iocrypt_io *io);

/* dm-iocrypt-softirq.c */
extern struct workqueue_struct *iocrypt_spill_wq;
void iocrypt_read_start(struct iocrypt_io *io);
void iocrypt_read_end(struct iocrypt_io *io);
bool iocrypt_softirq_queue(struct iocrypt_io *io);
unsigned int iocrypt_spread_adjust(unsigned int share, unsigned int self_idle,
				   unsigned int other_idle);
int iocrypt_softirq_init(void);
void iocrypt_softirq_exit(void);
int iocrypt_init_crypto(struct iocrypt_config *cc, char **error);
void iocrypt_free_crypto(struct iocrypt_config *cc);
int iocrypt_set_key(struct iocrypt_config *cc, char *arg, bool keyring);
int iocrypt_crypt_sector(const struct iocrypt_config *cc,
			 struct skcipher_request *req, struct scatterlist *src,
			 struct scatterlist *dst, sector_t sector, bool encrypt,
			 u8 *iv);

/* dm-iocrypt-iv.c */
void iocrypt_iv_plain(u8 *iv, u64 sector);
void iocrypt_iv_plain64(u8 *iv, u64 sector);
void iocrypt_iv_essiv(const struct crypto_aes_ctx *essiv, u8 *iv, u64 sector);
int iocrypt_essiv_setkey(struct crypto_aes_ctx *essiv, struct crypto_shash *hash,
			 const u8 *key, unsigned int key_size);
u64 iocrypt_iv_sector(const struct iocrypt_params *p, sector_t sector);
void iocrypt_iv_gen(const struct iocrypt_config *cc, u8 *iv, sector_t sector);

/* dm-iocrypt-table.c */
int iocrypt_parse_table(struct iocrypt_params *p, unsigned int argc,
			char **argv, sector_t len, char **error);
int iocrypt_parse_key_size(char **key);

#endif /* DM_IOCRYPT_H */
