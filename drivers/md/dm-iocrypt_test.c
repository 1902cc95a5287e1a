// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for dm-iocrypt: the IV generators, whole-sector encryption
 * and the table parser.
 *
 * The expected values were computed outside the kernel (Python's
 * "cryptography" package and openssl) from the definitions of the modes:
 *
 *   essiv:  AES-256-ECB(key = SHA-256(volume key), le64(sector) || 0^8)
 *   sector: SHA-256 of the ciphertext of bytes i & 0xff, i = 0..size-1
 *
 * with the volume keys 00 01 02 .. 1f (32 bytes) and 00 01 .. 3f (64 bytes).
 */
#include <crypto/hash.h>
#include <crypto/sha2.h>
#include <kunit/test.h>
#include <linux/aio_attr_compat.h>
#include <linux/blkdev.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "dm-iocrypt.h"

/* KUNIT_EXPECT_MEMEQ arrived after 6.1 */
#define IOCRYPT_EXPECT_MEMEQ(test, got, want, n)				\
	KUNIT_EXPECT_TRUE_MSG(test, !memcmp(got, want, n), "got %*phN, want %*phN", \
			      (int)(n), got, (int)(n), want)

#define HEX32 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define HEX64 HEX32 "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"

/* IV generators */

static void iocrypt_iv_plain_test(struct kunit *test)
{
	static const u8 want[IOCRYPT_IV_SIZE] = { 0xef, 0xcd, 0xab, 0x90 };
	u8 iv[IOCRYPT_IV_SIZE];

	memset(iv, 0xaa, sizeof(iv));
	iocrypt_iv_plain(iv, 0x1234567890abcdefULL);
	IOCRYPT_EXPECT_MEMEQ(test, iv, want, sizeof(want));
}

static void iocrypt_iv_plain_wraps_test(struct kunit *test)
{
	static const u8 want[IOCRYPT_IV_SIZE] = { 0x07 };
	u8 iv[IOCRYPT_IV_SIZE];

	/* plain keeps the low 32 bits only: sector 2^32 + 7 looks like 7 */
	iocrypt_iv_plain(iv, 0x100000007ULL);
	IOCRYPT_EXPECT_MEMEQ(test, iv, want, sizeof(want));
}

static void iocrypt_iv_plain64_test(struct kunit *test)
{
	static const u8 want[IOCRYPT_IV_SIZE] = {
		0xef, 0xcd, 0xab, 0x90, 0x78, 0x56, 0x34, 0x12,
	};
	u8 iv[IOCRYPT_IV_SIZE];

	memset(iv, 0xaa, sizeof(iv));
	iocrypt_iv_plain64(iv, 0x1234567890abcdefULL);
	IOCRYPT_EXPECT_MEMEQ(test, iv, want, sizeof(want));
}

struct iocrypt_essiv_case {
	u64 sector;
	u8 iv[IOCRYPT_IV_SIZE];
};

static const struct iocrypt_essiv_case iocrypt_essiv_cases[] = {
	{ 0, { 0xa7, 0x3d, 0x5f, 0xb0, 0xe4, 0x04, 0x10, 0x90,
	       0xca, 0x6d, 0xc1, 0xb8, 0x20, 0xcd, 0xaf, 0x51 } },
	{ 1, { 0x59, 0xa0, 0x80, 0x3f, 0x44, 0x8b, 0xdf, 0x6d,
	       0x3d, 0x3d, 0xe6, 0x3f, 0xea, 0xcc, 0xd5, 0x8a } },
	{ 0x1234567890abcdefULL,
	     { 0x8e, 0x26, 0xdd, 0x36, 0x9e, 0x47, 0xcd, 0xac,
	       0x97, 0xb4, 0xe6, 0x81, 0xe6, 0x59, 0x8f, 0x2a } },
};

static void iocrypt_iv_essiv_test(struct kunit *test)
{
	struct crypto_aes_ctx *essiv;
	struct crypto_shash *hash;
	u8 key[32], iv[IOCRYPT_IV_SIZE];
	int i;

	for (i = 0; i < sizeof(key); i++)
		key[i] = i;
	hash = crypto_alloc_shash("sha256", 0, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(hash));
	essiv = kunit_kzalloc(test, sizeof(*essiv), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, essiv);
	KUNIT_ASSERT_EQ(test, iocrypt_essiv_setkey(essiv, hash, key, sizeof(key)), 0);
	crypto_free_shash(hash);

	for (i = 0; i < ARRAY_SIZE(iocrypt_essiv_cases); i++) {
		iocrypt_iv_essiv(essiv, iv, iocrypt_essiv_cases[i].sector);
		IOCRYPT_EXPECT_MEMEQ(test, iv, iocrypt_essiv_cases[i].iv, sizeof(iv));
	}
}

static void iocrypt_iv_sector_test(struct kunit *test)
{
	struct iocrypt_params p = {
		.sector_size = 4096, .sector_shift = 3, .iv_offset = 16,
	};

	/* 512-byte units by default, iv_offset added first */
	KUNIT_EXPECT_EQ(test, iocrypt_iv_sector(&p, 8), 24ULL);
	/* iv_large_sectors: sector_size units */
	p.iv_large_sectors = true;
	KUNIT_EXPECT_EQ(test, iocrypt_iv_sector(&p, 8), 3ULL);
	p.sector_size = 512;
	p.sector_shift = 0;
	KUNIT_EXPECT_EQ(test, iocrypt_iv_sector(&p, 8), 24ULL);
}

static struct kunit_case iocrypt_iv_cases[] = {
	KUNIT_CASE(iocrypt_iv_plain_test),
	KUNIT_CASE(iocrypt_iv_plain_wraps_test),
	KUNIT_CASE(iocrypt_iv_plain64_test),
	KUNIT_CASE(iocrypt_iv_essiv_test),
	KUNIT_CASE(iocrypt_iv_sector_test),
	{}
};

static struct kunit_suite iocrypt_iv_suite = {
	.name = "dm-iocrypt-iv",
	.test_cases = iocrypt_iv_cases,
};

/* Whole sectors, through the parser, the transforms and the key path */

struct iocrypt_sector_case {
	const char *table;
	sector_t sector;	/* target-relative 512-byte sector */
	u8 sha256[SHA256_DIGEST_SIZE];
};

static const struct iocrypt_sector_case iocrypt_sector_cases[] = {
	{ "aes-xts-plain64 " HEX64 " 0 /dev/null 0", 5,
	  { 0xe4, 0x2d, 0xfc, 0x0c, 0xdf, 0xba, 0x4b, 0x21, 0x67, 0xb7, 0x66,
	    0x46, 0x95, 0x97, 0x38, 0xed, 0x3a, 0x9e, 0xd5, 0x38, 0x47, 0x26,
	    0x9f, 0xd1, 0x5a, 0x7c, 0x57, 0x8c, 0x7c, 0xa2, 0x22, 0xcb } },
	{ "aes-xts-plain " HEX32 " 0 /dev/null 0", 0x100000007ULL,
	  { 0xe9, 0x73, 0x4c, 0x1a, 0xcb, 0x58, 0x06, 0x89, 0x11, 0xd1, 0x93,
	    0x60, 0xa1, 0x7a, 0xca, 0x71, 0xde, 0x02, 0xa4, 0x5f, 0xd8, 0x19,
	    0x7e, 0xf0, 0x0c, 0xc9, 0xc0, 0x49, 0xd8, 0x15, 0x7c, 0xac } },
	{ "aes-cbc-essiv:sha256 " HEX32 " 0 /dev/null 0", 1,
	  { 0xaf, 0x44, 0xf4, 0x28, 0x35, 0xc1, 0x5b, 0x7f, 0x4b, 0xe1, 0xd3,
	    0xeb, 0xd3, 0x69, 0xe5, 0xed, 0x3c, 0x0d, 0xac, 0x23, 0x0a, 0x52,
	    0xeb, 0xca, 0x66, 0xe7, 0xf8, 0x20, 0x06, 0xa4, 0xed, 0xba } },
	{ "aes-xts-plain64 " HEX64 " 0 /dev/null 0 1 sector_size:4096", 8,
	  { 0x17, 0x47, 0xbc, 0x65, 0x84, 0x24, 0x63, 0xa4, 0x43, 0x17, 0x35,
	    0xac, 0x26, 0x77, 0x8d, 0xbe, 0x6e, 0x5d, 0xde, 0x28, 0x2b, 0x5d,
	    0x90, 0x06, 0x2e, 0x02, 0xe3, 0x75, 0x90, 0x37, 0x2c, 0x5d } },
	{ "aes-xts-plain64 " HEX64 " 0 /dev/null 0 2 sector_size:4096 iv_large_sectors", 8,
	  { 0x81, 0x45, 0x18, 0xc8, 0x51, 0xae, 0x79, 0xd0, 0xc1, 0x3a, 0xd4,
	    0xec, 0x65, 0xca, 0x07, 0xa1, 0x5a, 0x04, 0xea, 0xb0, 0x63, 0x17,
	    0xdc, 0x93, 0xe7, 0xa9, 0x7b, 0xfb, 0xa0, 0xe9, 0xc1, 0xca } },
};

static void iocrypt_sector_desc(const struct iocrypt_sector_case *c, char *desc)
{
	/* the cipher, the sector and the options; not the key */
	const char *opts = strstr(c->table, "/dev/null 0");

	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%.*s sector %llu%s",
		 (int)strcspn(c->table, " "), c->table,
		 (unsigned long long)c->sector, opts + strlen("/dev/null 0"));
}

KUNIT_ARRAY_PARAM(iocrypt_sector, iocrypt_sector_cases, iocrypt_sector_desc);

static void iocrypt_sector_test(struct kunit *test)
{
	const struct iocrypt_sector_case *c = test->param_value;
	struct skcipher_request *req;
	struct iocrypt_config *cc;
	struct scatterlist sg;
	u8 digest[SHA256_DIGEST_SIZE];
	char *error = NULL, **argv;
	u8 *buf, *iv;
	int argc, i;

	cc = kunit_kzalloc(test, sizeof(*cc), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, cc);
	argv = argv_split(GFP_KERNEL, c->table, &argc);
	KUNIT_ASSERT_NOT_NULL(test, argv);
	KUNIT_ASSERT_EQ(test, iocrypt_parse_table(&cc->p, argc, argv, 1 << 20, &error), 0);
	KUNIT_ASSERT_EQ_MSG(test, iocrypt_init_crypto(cc, &error), 0, "%s", error);
	KUNIT_ASSERT_EQ(test, iocrypt_set_key(cc, cc->p.key, false), 0);
	argv_free(argv);

	buf = kunit_kmalloc(test, cc->p.sector_size, GFP_KERNEL);
	iv = kunit_kmalloc(test, IOCRYPT_IV_SIZE, GFP_KERNEL);
	req = skcipher_request_alloc(cc->tfm, GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, buf && iv && req);
	for (i = 0; i < cc->p.sector_size; i++)
		buf[i] = i;
	sg_init_one(&sg, buf, cc->p.sector_size);

	KUNIT_EXPECT_EQ(test, iocrypt_crypt_sector(cc, req, &sg, &sg, c->sector,
						   true, iv), 0);
	sha256(buf, cc->p.sector_size, digest);
	IOCRYPT_EXPECT_MEMEQ(test, digest, c->sha256, sizeof(digest));

	/* and back */
	KUNIT_EXPECT_EQ(test, iocrypt_crypt_sector(cc, req, &sg, &sg, c->sector,
						   false, iv), 0);
	for (i = 0; i < cc->p.sector_size; i++)
		if (buf[i] != (u8)i)
			break;
	KUNIT_EXPECT_EQ_MSG(test, i, cc->p.sector_size, "decryption differs at byte %d", i);

	skcipher_request_free(req);
	iocrypt_free_crypto(cc);
}

static struct kunit_case iocrypt_sector_test_cases[] = {
	KUNIT_CASE_PARAM(iocrypt_sector_test, iocrypt_sector_gen_params),
	{}
};

static struct kunit_suite iocrypt_sector_suite = {
	.name = "dm-iocrypt-sector",
	.test_cases = iocrypt_sector_test_cases,
};

/* Table parsing */

static char *iocrypt_test_strdup(struct kunit *test, const char *s)
{
	char *d = kunit_kmalloc(test, strlen(s) + 1, GFP_KERNEL);

	if (d)
		strcpy(d, s);
	return d;
}


static void iocrypt_parse(struct kunit *test, const char *table, sector_t len,
			  struct iocrypt_params *p, int *ret, char **error)
{
	char **argv;
	int argc;

	argv = argv_split(GFP_KERNEL, table, &argc);
	KUNIT_ASSERT_NOT_NULL(test, argv);
	*error = NULL;
	*ret = iocrypt_parse_table(p, argc, argv, len, error);
	/* p->key and p->dev_path point into argv: keep what the tests look at */
	if (!*ret && p->key_keyring)
		p->key = iocrypt_test_strdup(test, p->key);
	else
		p->key = NULL;
	p->dev_path = *ret ? NULL : iocrypt_test_strdup(test, p->dev_path);
	argv_free(argv);
}

#define ESSIV_TABLE "aes-cbc-essiv:sha256 " HEX32 " 16 8:16 4096"
#define PERF_FLAGS "same_cpu_crypt submit_from_crypt_cpus no_read_workqueue no_write_workqueue"
#define ZEROS60 "000000000000000000000000000000000000000000000000000000000000"

static void iocrypt_parse_xts_test(struct kunit *test)
{
	struct iocrypt_params p;
	char *error;
	int ret;

	iocrypt_parse(test, "aes-xts-plain64 " HEX64 " 0 /dev/sdb 0", 2048, &p, &ret, &error);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "%s", error);
	KUNIT_EXPECT_EQ(test, p.chain, IOCRYPT_XTS);
	KUNIT_EXPECT_EQ(test, p.ivmode, IOCRYPT_IV_PLAIN64);
	KUNIT_EXPECT_EQ(test, p.key_size, 64U);
	KUNIT_EXPECT_FALSE(test, p.key_keyring);
	KUNIT_EXPECT_EQ(test, p.sector_size, 512U);
	KUNIT_EXPECT_EQ(test, p.iv_offset, 0ULL);
	KUNIT_EXPECT_EQ(test, p.start, 0ULL);
}

static void iocrypt_parse_essiv_opts_test(struct kunit *test)
{
	struct iocrypt_params p;
	char *error;
	int ret;

	iocrypt_parse(test, ESSIV_TABLE " 3 allow_discards SECTOR_SIZE:4096 iv_large_sectors",
		      2048, &p, &ret, &error);
	/* sscanf is case sensitive for sector_size; the flags are not */
	KUNIT_EXPECT_EQ(test, ret, -EINVAL);
	KUNIT_EXPECT_STREQ(test, error, "Invalid feature arguments");

	iocrypt_parse(test, ESSIV_TABLE " 3 ALLOW_DISCARDS sector_size:4096 iv_large_sectors",
		      2048, &p, &ret, &error);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "%s", error);
	KUNIT_EXPECT_EQ(test, p.chain, IOCRYPT_CBC);
	KUNIT_EXPECT_EQ(test, p.ivmode, IOCRYPT_IV_ESSIV);
	KUNIT_EXPECT_STREQ(test, p.essiv_hash, "sha256");
	KUNIT_EXPECT_EQ(test, p.key_size, 32U);
	KUNIT_EXPECT_EQ(test, p.iv_offset, 16ULL);
	KUNIT_EXPECT_STREQ(test, p.dev_path, "8:16");
	KUNIT_EXPECT_EQ(test, p.start, 4096ULL);
	KUNIT_EXPECT_TRUE(test, p.allow_discards);
	KUNIT_EXPECT_EQ(test, p.sector_size, 4096U);
	KUNIT_EXPECT_EQ(test, p.sector_shift, 3U);
	KUNIT_EXPECT_TRUE(test, p.iv_large_sectors);
}

static void iocrypt_parse_keyring_test(struct kunit *test)
{
	struct iocrypt_params p;
	char *error;
	int ret;

	iocrypt_parse(test, "aes-xts-plain64 :64:logon:cryptsetup:1234-d0 0 /dev/sdb 0",
		      2048, &p, &ret, &error);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "%s", error);
	KUNIT_EXPECT_TRUE(test, p.key_keyring);
	KUNIT_EXPECT_EQ(test, p.key_size, 64U);
	KUNIT_EXPECT_STREQ(test, p.key, "logon:cryptsetup:1234-d0");

	iocrypt_parse(test, "aes-xts-plain64 :32:user:mykey 0 /dev/sdb 0",
		      2048, &p, &ret, &error);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "%s", error);
	KUNIT_EXPECT_EQ(test, p.key_size, 32U);
	KUNIT_EXPECT_STREQ(test, p.key, "user:mykey");
}

static void iocrypt_parse_perf_flags_test(struct kunit *test)
{
	struct iocrypt_params p;
	char *error;
	int ret;

	iocrypt_parse(test, "aes-xts-plain " HEX32 " 0 /dev/sdb 0 4 " PERF_FLAGS,
		      2048, &p, &ret, &error);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "%s", error);
	KUNIT_EXPECT_EQ(test, p.ivmode, IOCRYPT_IV_PLAIN);
	KUNIT_EXPECT_TRUE(test, p.same_cpu_crypt);
	KUNIT_EXPECT_TRUE(test, p.submit_from_crypt_cpus);
	KUNIT_EXPECT_TRUE(test, p.no_read_workqueue);
	KUNIT_EXPECT_TRUE(test, p.no_write_workqueue);
	KUNIT_EXPECT_FALSE(test, p.allow_discards);
}

static void iocrypt_parse_legacy_test(struct kunit *test)
{
	struct iocrypt_params p;
	char *error;
	int ret;

	/* dm-crypt's oldest form: a bare cipher is cbc-plain */
	iocrypt_parse(test, "aes " HEX32 " 0 /dev/sdb 0", 2048, &p, &ret, &error);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "%s", error);
	KUNIT_EXPECT_EQ(test, p.chain, IOCRYPT_CBC);
	KUNIT_EXPECT_EQ(test, p.ivmode, IOCRYPT_IV_PLAIN);
}

struct iocrypt_bad_case {
	const char *table;
	sector_t len;
	const char *error;
};

#define K32 HEX32
#define K64 HEX64

static const struct iocrypt_bad_case iocrypt_bad_cases[] = {
	{ "aes-xts-plain64 " K64 " 0 /dev/sdb", 2048, "Not enough arguments" },
	{ "capi:xts(aes)-plain64 " K64 " 0 /dev/sdb 0", 2048,
	  "Crypto API cipher specifications are not supported" },
	{ "aes-xts(aes)-plain64 " K64 " 0 /dev/sdb 0", 2048, "Bad cipher specification" },
	{ "aes:2-xts-plain64 " K64 " 0 /dev/sdb 0", 2048, "Cipher key count is not supported" },
	{ "twofish-xts-plain64 " K64 " 0 /dev/sdb 0", 2048, "Unsupported cipher (only aes)" },
	{ "aes-ecb-plain64 " K32 " 0 /dev/sdb 0", 2048, "Unsupported chaining mode (xts or cbc)" },
	{ "aes-ctr-plain64 " K32 " 0 /dev/sdb 0", 2048, "Unsupported chaining mode (xts or cbc)" },
	{ "aes-xts " K64 " 0 /dev/sdb 0", 2048, "IV mechanism required" },
	{ "aes-xts-lmk " K64 " 0 /dev/sdb 0", 2048, "Invalid IV mode" },
	{ "aes-xts-benbi " K64 " 0 /dev/sdb 0", 2048, "Invalid IV mode" },
	{ "aes-cbc-essiv " K32 " 0 /dev/sdb 0", 2048, "Digest algorithm missing for ESSIV mode" },
	{ "aes-xts-plain64:sha256 " K64 " 0 /dev/sdb 0", 2048, "IV mode takes no options" },
	{ "aes-xts-plain64 :6x:logon:k 0 /dev/sdb 0", 2048, "Cannot parse key size" },
	{ "aes-xts-plain64 :64logon:k 0 /dev/sdb 0", 2048, "Cannot parse key size" },
	{ "aes-xts-plain64 :64:trusted:k 0 /dev/sdb 0", 2048,
	  "Unsupported key type (logon or user)" },
	{ "aes-xts-plain64 :64:logon: 0 /dev/sdb 0", 2048, "Key description missing" },
	{ "aes-xts-plain64 - 0 /dev/sdb 0", 2048, "A key is required" },
	{ "aes-xts-plain64 " K64 "0 0 /dev/sdb 0", 2048,
	  "Key is not an even number of hex digits" },
	{ "aes-xts-plain64 zz" K32 ZEROS60 " 0 /dev/sdb 0", 2048,
	  "Key is not an even number of hex digits" },
	{ "aes-xts-plain64 " K32 K64 " 0 /dev/sdb 0", 2048, "Invalid key size for the cipher" },
	{ "aes-cbc-essiv:sha256 " K64 " 0 /dev/sdb 0", 2048, "Invalid key size for the cipher" },
	{ "aes-xts-plain64 00112233445566778899aabbccddeeff 0 /dev/sdb 0", 2048,
	  "Invalid key size for the cipher" },
	{ "aes-xts-plain64 " K64 " x /dev/sdb 0", 2048, "Invalid iv_offset sector" },
	{ "aes-xts-plain64 " K64 " 1 /dev/sdb 0 1 sector_size:4096", 2048,
	  "Invalid iv_offset sector" },
	{ "aes-xts-plain64 " K64 " 0 /dev/sdb -1", 2048, "Invalid device sector" },
	{ "aes-xts-plain64 " K64 " 0 /dev/sdb 1x", 2048, "Invalid device sector" },
	{ "aes-xts-plain64 " K64 " 0 /dev/sdb 0 1 bogus", 2048, "Invalid feature arguments" },
	{ "aes-xts-plain64 " K64 " 0 /dev/sdb 0 1 integrity:28:aead", 2048,
	  "Integrity profiles are not supported" },
	{ "aes-xts-plain64 " K64 " 0 /dev/sdb 0 2 allow_discards", 2048,
	  "Invalid number of feature args" },
	{ "aes-xts-plain64 " K64 " 0 /dev/sdb 0 8 a b c d e f g h", 2048,
	  "Invalid number of feature args" },
	{ "aes-xts-plain64 " K64 " 0 /dev/sdb 0 x", 2048, "Invalid number of feature args" },
	{ "aes-xts-plain64 " K64 " 0 /dev/sdb 0 1 sector_size:1000", 2048,
	  "Invalid feature value for sector_size" },
	{ "aes-xts-plain64 " K64 " 0 /dev/sdb 0 1 sector_size:8192", 2048,
	  "Invalid feature value for sector_size" },
	{ "aes-xts-plain64 " K64 " 0 /dev/sdb 0 1 sector_size:256", 2048,
	  "Invalid feature value for sector_size" },
	{ "aes-xts-plain64 " K64 " 0 /dev/sdb 0 1 sector_size:4096", 2047,
	  "Device size is not multiple of sector_size feature" },
	{ "aes-xts-plain64 " K64 " 0 /dev/sdb 0 1 allow_discards extra", 2048,
	  "Too many arguments" },
};

static void iocrypt_bad_desc(const struct iocrypt_bad_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%td: %s", c - iocrypt_bad_cases, c->error);
}

KUNIT_ARRAY_PARAM(iocrypt_bad, iocrypt_bad_cases, iocrypt_bad_desc);

static void iocrypt_parse_bad_test(struct kunit *test)
{
	const struct iocrypt_bad_case *c = test->param_value;
	struct iocrypt_params p;
	char *error;
	int ret;

	iocrypt_parse(test, c->table, c->len, &p, &ret, &error);
	KUNIT_EXPECT_EQ_MSG(test, ret, -EINVAL, "%s", c->table);
	KUNIT_EXPECT_STREQ_MSG(test, error, c->error, "%s", c->table);
}

static struct kunit_case iocrypt_table_cases[] = {
	KUNIT_CASE(iocrypt_parse_xts_test),
	KUNIT_CASE(iocrypt_parse_essiv_opts_test),
	KUNIT_CASE(iocrypt_parse_keyring_test),
	KUNIT_CASE(iocrypt_parse_perf_flags_test),
	KUNIT_CASE(iocrypt_parse_legacy_test),
	KUNIT_CASE_PARAM(iocrypt_parse_bad_test, iocrypt_bad_gen_params),
	{}
};

static struct kunit_suite iocrypt_table_suite = {
	.name = "dm-iocrypt-table",
	.test_cases = iocrypt_table_cases,
};

/*
 * The spread share: a saturated CPU hands a growing share of its reads to
 * an idle one, a quarter per sample, and takes it back once it has time of
 * its own or the other has none; in between the share stays, so that the
 * work it moved does not undo the spread at the next sample.
 */
static const struct {
	unsigned int share, self_idle, other_idle, next;
} iocrypt_spread_steps[] = {
	/* saturated, another has time: one quarter more, never past all */
	{ 0, 0, 100, 1 }, { 1, 9, 20, 2 }, { 3, 0, 50, 4 }, { 4, 0, 100, 4 },
	/* not saturated, or nobody to take the work: nothing starts */
	{ 0, 10, 100, 0 }, { 0, 0, 19, 0 }, { 0, 50, 50, 0 },
	/* in the band: hold */
	{ 2, 15, 12, 2 }, { 4, 29, 10, 4 }, { 1, 5, 19, 1 },
	/* time of its own again */
	{ 4, 30, 100, 3 }, { 1, 90, 0, 0 },
	/* the other has no time left (or there is no other) */
	{ 2, 20, 9, 1 }, { 3, 5, 5, 2 }, { 1, 0, 0, 0 },
	/* nothing to give back */
	{ 0, 100, 0, 0 },
};

static void iocrypt_spread_steps_test(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(iocrypt_spread_steps); i++) {
		const typeof(iocrypt_spread_steps[0]) *t = &iocrypt_spread_steps[i];

		KUNIT_EXPECT_EQ_MSG(test, iocrypt_spread_adjust(t->share, t->self_idle,
								t->other_idle),
				    t->next, "share %u, idle %u%%, other %u%%",
				    t->share, t->self_idle, t->other_idle);
	}
}

static struct kunit_case iocrypt_spread_cases[] = {
	KUNIT_CASE(iocrypt_spread_steps_test),
	{}
};

static struct kunit_suite iocrypt_spread_suite = {
	.name = "dm-iocrypt-spread",
	.test_cases = iocrypt_spread_cases,
};

#if IS_BUILTIN(CONFIG_DM_IOCRYPT_KUNIT_TEST) && IS_BUILTIN(CONFIG_BLK_DEV_RAM)
/*
 * Real bios through real mappings, in a kernel with dm and brd built in
 * (UML): an iocrypt and a crypt mapping with the same table on one of the
 * ramdisks brd makes at boot.  What one target writes the other must read,
 * through bios built here, including a crypto sector split over several
 * segments.  The mappings are made with dm core's own calls, as dm-init
 * does (dm-init only accepts a fixed list of targets), so this suite needs
 * dm core's private header and is only built into the kernel.
 */
#include <crypto/internal/skcipher.h>
#include <linux/hrtimer.h>
#include <linux/poison.h>
#include <linux/sched.h>

#include "dm-core.h"

/*
 * @cryptd: the iocrypt mapping wraps its cipher in cryptd (force_cryptd),
 * so every request completes asynchronously: the callback path carries
 * each bio on, sector by sector (needs CONFIG_CRYPTO_CRYPTD).
 */
struct iocrypt_pair {
	dev_t ram;
	const char *opts;
	unsigned int sector_size;
	bool cryptd;
};

static const struct iocrypt_pair iocrypt_pairs[] = {
	{ MKDEV(1, 0), "", 512 },
	{ MKDEV(1, 1), " 1 sector_size:4096", 4096 },
	{ MKDEV(1, 2), "", 512, true },
	{ MKDEV(1, 3), " 1 sector_size:4096", 4096, true },
};

static void iocrypt_pair_desc(const struct iocrypt_pair *p, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "ram%u sector_size %u%s", MINOR(p->ram),
		 p->sector_size, p->cryptd ? " cryptd" : "");
}

KUNIT_ARRAY_PARAM(iocrypt_pair, iocrypt_pairs, iocrypt_pair_desc);

#define IOCRYPT_TEST_PAGES	16
#define IOCRYPT_TEST_SECTORS	8192	/* brd's default 4 MiB */

struct iocrypt_test_dev {
	struct mapped_device *md;
	struct aa_bdev_handle open;
	struct block_device *bdev;
};

/* Make a mapping of @target with @args, as dm_early_create() does. */
static int iocrypt_test_mkdev(struct iocrypt_test_dev *d, const char *target,
			      const char *args)
{
	struct dm_table *t, *old;
	char *params;
	int ret;

	memset(d, 0, sizeof(*d));
	params = kstrdup(args, GFP_KERNEL);
	if (!params)
		return -ENOMEM;
	ret = dm_create(DM_ANY_MINOR, &d->md);
	if (ret)
		goto out;
	ret = dm_table_create(&t, AA_BLK_OPEN_RW, 1, d->md);
	if (ret)
		goto destroy;
	ret = dm_table_add_target(t, target, 0, IOCRYPT_TEST_SECTORS, params);
	if (!ret)
		ret = dm_table_complete(t);
	if (!ret)
		ret = dm_setup_md_queue(d->md, t);
	if (ret)
		goto destroy_table;
	dm_suspend(d->md, 0);
	old = dm_swap_table(d->md, t);
	if (IS_ERR(old)) {
		ret = PTR_ERR(old);
		goto destroy_table;
	}
	ret = dm_resume(d->md);
	if (ret)
		goto destroy;
	ret = aa_bdev_open_rw(disk_devt(dm_disk(d->md)), &d->open);
	if (ret)
		goto destroy;
	d->bdev = d->open.bdev;
	goto out;

destroy_table:
	dm_table_destroy(t);
destroy:
	dm_put(d->md);
	dm_destroy(d->md);
	d->md = NULL;
out:
	kfree(params);
	return ret;
}

static void iocrypt_test_rmdev(struct iocrypt_test_dev *d)
{
	if (d->bdev)
		aa_bdev_close(&d->open);
	if (d->md) {
		dm_put(d->md);
		dm_destroy(d->md);
	}
}

/* Set when the bio of iocrypt_test_rw() ends: a test cipher looks at it. */
static bool iocrypt_test_bio_ended;

static void iocrypt_test_endio(struct bio *bio)
{
	WRITE_ONCE(iocrypt_test_bio_ended, true);
	complete(bio->bi_private);
}

/*
 * One synchronous bio of @nr segments: page i of @pages from @off, @len
 * bytes each.  (KUnit's case timeout bounds the wait.)
 */
static int iocrypt_test_rw(struct block_device *bdev, enum req_op op, sector_t sector,
			   struct page **pages, unsigned int nr, unsigned int off,
			   unsigned int len)
{
	struct bio *bio = bio_alloc(bdev, nr, op | REQ_SYNC, GFP_KERNEL);
	DECLARE_COMPLETION_ONSTACK(done);
	unsigned int i;
	int ret;

	bio->bi_iter.bi_sector = sector;
	for (i = 0; i < nr; i++)
		__bio_add_page(bio, pages[i], len, off);
	bio->bi_private = &done;
	bio->bi_end_io = iocrypt_test_endio;
	WRITE_ONCE(iocrypt_test_bio_ended, false);
	submit_bio(bio);
	wait_for_completion_io(&done);
	ret = blk_status_to_errno(bio->bi_status);
	bio_put(bio);
	return ret;
}

static void iocrypt_test_fill(struct page **pages, unsigned int nr, u32 seed)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		u32 *p = page_address(pages[i]);
		unsigned int j;

		for (j = 0; j < PAGE_SIZE / sizeof(u32); j++)
			p[j] = seed + i * 0x9e3779b9 + j * 0x85ebca6b;
	}
}

static bool iocrypt_test_same(struct page **a, struct page **b, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (memcmp(page_address(a[i]), page_address(b[i]), PAGE_SIZE))
			return false;
	return true;
}

static void iocrypt_bio_check(struct kunit *test, struct block_device *io,
			      struct block_device *cr, struct page **src,
			      struct page **dst)
{
	const unsigned int n = IOCRYPT_TEST_PAGES;
	unsigned int i;

	/* iocrypt writes, dm-crypt reads */
	iocrypt_test_fill(src, n, 1);
	KUNIT_EXPECT_EQ(test, iocrypt_test_rw(io, REQ_OP_WRITE, 64, src, n, 0, PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, iocrypt_test_rw(cr, REQ_OP_READ, 64, dst, n, 0, PAGE_SIZE), 0);
	KUNIT_EXPECT_TRUE_MSG(test, iocrypt_test_same(src, dst, n), "crypt read != iocrypt write");

	/* dm-crypt writes, iocrypt reads (decrypted in the completion) */
	iocrypt_test_fill(src, n, 2);
	KUNIT_EXPECT_EQ(test, iocrypt_test_rw(cr, REQ_OP_WRITE, 512, src, n, 0, PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, iocrypt_test_rw(io, REQ_OP_READ, 512, dst, n, 0, PAGE_SIZE), 0);
	KUNIT_EXPECT_TRUE_MSG(test, iocrypt_test_same(src, dst, n), "iocrypt read != crypt write");

	/* one crypto sector over 512-byte segments of 8 pages, written... */
	iocrypt_test_fill(src, n, 3);
	KUNIT_EXPECT_EQ(test, iocrypt_test_rw(io, REQ_OP_WRITE, 1024, src, 8, 512, 512), 0);
	KUNIT_EXPECT_EQ(test, iocrypt_test_rw(cr, REQ_OP_READ, 1024, dst, 1, 0, PAGE_SIZE), 0);
	for (i = 0; i < 8; i++)
		KUNIT_EXPECT_EQ_MSG(test, memcmp((u8 *)page_address(dst[0]) + i * 512,
						 (u8 *)page_address(src[i]) + 512, 512), 0,
				    "segment %u", i);
	/* ...and read back scattered the same way */
	for (i = 0; i < 8; i++)
		memset(page_address(dst[i]), 0, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, iocrypt_test_rw(io, REQ_OP_READ, 1024, dst, 8, 512, 512), 0);
	for (i = 0; i < 8; i++)
		KUNIT_EXPECT_EQ_MSG(test, memcmp((u8 *)page_address(dst[i]) + 512,
						 (u8 *)page_address(src[i]) + 512, 512), 0,
				    "segment %u", i);
}

/* The cipher the mapping runs, and whether its requests went async. */
static void iocrypt_test_async_check(struct kunit *test, struct iocrypt_test_dev *d,
				     bool cryptd)
{
	struct iocrypt_config *cc;
	struct dm_table *t;
	const char *drv;
	s64 n;
	int srcu;

	t = dm_get_live_table(d->md, &srcu);
	cc = dm_table_get_target(t, 0)->private;
	drv = crypto_skcipher_driver_name(cc->tfm);
	n = atomic64_read(&cc->stats.crypto_async);
	kunit_info(test, "cipher %s, %lld async requests", drv, n);
	if (cryptd) {
		KUNIT_EXPECT_TRUE_MSG(test, strstarts(drv, "cryptd("), "driver %s", drv);
		KUNIT_EXPECT_GT(test, n, 0);
	}
	dm_put_live_table(d->md, srcu);
}

static void iocrypt_bio_roundtrip_test(struct kunit *test)
{
	const struct iocrypt_pair *pair = test->param_value;
	struct page *src[IOCRYPT_TEST_PAGES], *dst[IOCRYPT_TEST_PAGES];
	struct iocrypt_test_dev io, cr;
	char *args;
	unsigned int i;

	args = kunit_kzalloc(test, 256, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, args);
	snprintf(args, 256, "aes-xts-plain64 " HEX64 " 0 %u:%u 0%s",
		 MAJOR(pair->ram), MINOR(pair->ram), pair->opts);
	if (pair->cryptd && !IS_BUILTIN(CONFIG_CRYPTO_CRYPTD))
		kunit_skip(test, "needs CONFIG_CRYPTO_CRYPTD=y");
	iocrypt_force_cryptd = pair->cryptd;
	i = iocrypt_test_mkdev(&io, "iocrypt", args);
	iocrypt_force_cryptd = false;
	KUNIT_ASSERT_EQ(test, i, 0);
	if (iocrypt_test_mkdev(&cr, "crypt", args)) {
		iocrypt_test_rmdev(&io);
		KUNIT_FAIL(test, "cannot make the crypt mapping");
		return;
	}
	KUNIT_EXPECT_EQ(test, bdev_logical_block_size(io.bdev), pair->sector_size);

	for (i = 0; i < IOCRYPT_TEST_PAGES; i++) {
		src[i] = alloc_page(GFP_KERNEL);
		dst[i] = alloc_page(GFP_KERNEL);
	}
	for (i = 0; i < IOCRYPT_TEST_PAGES; i++)
		if (!src[i] || !dst[i])
			break;
	if (i == IOCRYPT_TEST_PAGES) {
		iocrypt_bio_check(test, io.bdev, cr.bdev, src, dst);
		iocrypt_test_async_check(test, &io, pair->cryptd);
	} else {
		KUNIT_FAIL(test, "out of memory");
	}

	for (i = 0; i < IOCRYPT_TEST_PAGES; i++) {
		if (src[i])
			__free_page(src[i]);
		if (dst[i])
			__free_page(dst[i]);
	}
	iocrypt_test_rmdev(&cr);
	iocrypt_test_rmdev(&io);
}

static struct kunit_case iocrypt_bio_cases[] = {
	KUNIT_CASE_PARAM(iocrypt_bio_roundtrip_test, iocrypt_pair_gen_params),
	{}
};

static struct kunit_suite iocrypt_bio_suite = {
	.name = "dm-iocrypt-bio",
	.test_cases = iocrypt_bio_cases,
};

/*
 * The asynchronous paths, with a cipher that is asynchronous for real: a
 * test "xts(aes)" of the highest priority, so that a mapping made while it
 * is registered uses it.  It does the work in the call with the
 * synchronous xts(aes) and reports the completion as the case wants:
 *
 *  IOCRYPT_TC_SYNC     returns the result (what the crypto API sees at
 *                      registration);
 *  IOCRYPT_TC_INLINE   calls the completion before returning -EINPROGRESS,
 *                      like a hardware engine finishing on another CPU
 *                      before the submitter has left crypto_skcipher_*();
 *  IOCRYPT_TC_HARDIRQ  returns -EINPROGRESS and calls the completion from
 *                      a hard hrtimer, in hard interrupt context.
 *
 * Like the skcipher walk it refuses to run in hard interrupt context or
 * with interrupts off, and counts such calls.  One case at a time uses it.
 */
enum iocrypt_tc_mode {
	IOCRYPT_TC_SYNC,
	IOCRYPT_TC_INLINE,
	IOCRYPT_TC_HARDIRQ,
};

#define IOCRYPT_TC_DRIVER	"xts-aes-iocrypt-test"
#define IOCRYPT_TC_PINS		64

/**
 * struct iocrypt_tc - the test cipher's state
 * @mode: how requests complete
 * @lock: protects @pending
 * @pending: requests waiting for @timer (IOCRYPT_TC_HARDIRQ)
 * @timer: a hard hrtimer that completes @pending
 * @calls: encrypt and decrypt calls
 * @atomic_calls: calls in hard interrupt context or with irqs off (refused)
 * @work_calls: calls from a workqueue worker
 * @irq_completions: completions made in hard interrupt context
 * @decoy: what a poisoned iocrypt_io's @cc points at: its counters move
 *	only if someone uses per-bio data after its bio ended
 * @pins: bios whose per-bio data IOCRYPT_TC_INLINE keeps (and poisons)
 * @nr_pins: entries in @pins
 */
struct iocrypt_tc {
	enum iocrypt_tc_mode mode;
	spinlock_t lock;
	struct list_head pending;
	struct hrtimer timer;
	atomic_t calls;
	atomic_t atomic_calls;
	atomic_t work_calls;
	atomic_t irq_completions;
	struct iocrypt_config decoy;
	struct bio *pins[IOCRYPT_TC_PINS];
	unsigned int nr_pins;
};

static struct iocrypt_tc iocrypt_tc;

struct iocrypt_tc_req {
	struct list_head node;
	struct skcipher_request *req;
	int err;
	struct skcipher_request child;	/* its context follows: keep last */
};

static struct crypto_skcipher **iocrypt_tc_child(struct crypto_skcipher *tfm)
{
	return crypto_skcipher_ctx(tfm);
}

/* Context: hard interrupt (a hard hrtimer). */
static enum hrtimer_restart iocrypt_tc_fire(struct hrtimer *timer)
{
	struct iocrypt_tc_req *rc, *next;
	LIST_HEAD(list);

	spin_lock(&iocrypt_tc.lock);
	list_splice_init(&iocrypt_tc.pending, &list);
	spin_unlock(&iocrypt_tc.lock);
	list_for_each_entry_safe(rc, next, &list, node) {
		list_del(&rc->node);
		if (in_hardirq())
			atomic_inc(&iocrypt_tc.irq_completions);
		/* may free the request: the last use of @rc */
		skcipher_request_complete(rc->req, rc->err);
	}
	return HRTIMER_NORESTART;
}

/*
 * IOCRYPT_TC_INLINE: complete @req before returning.  When the completion
 * goes to iocrypt's callback (req->base.data is then the iocrypt_io), keep
 * the bio's per-bio data allocated with a reference on the bio it is in
 * front of; if the callback ended the bio, poison it, @cc pointing at the
 * decoy.  A submitter that still used it would count in the decoy.
 */
static void iocrypt_tc_complete_inline(struct skcipher_request *req, int err)
{
	struct iocrypt_io *io = NULL;
	struct bio *base = NULL;

	if (req->base.complete != crypto_req_done &&
	    iocrypt_tc.nr_pins < IOCRYPT_TC_PINS) {
		io = req->base.data;
		base = io->base;
		bio_get(base);
		iocrypt_tc.pins[iocrypt_tc.nr_pins++] = base;
	}
	skcipher_request_complete(req, err);
	if (io && READ_ONCE(iocrypt_test_bio_ended)) {
		memset(io, POISON_FREE, sizeof(*io));
		io->cc = &iocrypt_tc.decoy;
	}
}

static int iocrypt_tc_crypt(struct skcipher_request *req, bool encrypt)
{
	struct iocrypt_tc_req *rc = skcipher_request_ctx(req);
	unsigned long flags;
	int err;

	atomic_inc(&iocrypt_tc.calls);
	if (in_hardirq() || irqs_disabled()) {
		atomic_inc(&iocrypt_tc.atomic_calls);
		return -EDEADLK;
	}
	if (in_task() && (current->flags & PF_WQ_WORKER))
		atomic_inc(&iocrypt_tc.work_calls);

	skcipher_request_set_tfm(&rc->child, *iocrypt_tc_child(crypto_skcipher_reqtfm(req)));
	skcipher_request_set_callback(&rc->child, 0, NULL, NULL);
	skcipher_request_set_crypt(&rc->child, req->src, req->dst, req->cryptlen, req->iv);
	err = encrypt ? crypto_skcipher_encrypt(&rc->child) :
			crypto_skcipher_decrypt(&rc->child);

	switch (iocrypt_tc.mode) {
	case IOCRYPT_TC_INLINE:
		iocrypt_tc_complete_inline(req, err);
		return -EINPROGRESS;
	case IOCRYPT_TC_HARDIRQ:
		rc->req = req;
		rc->err = err;
		spin_lock_irqsave(&iocrypt_tc.lock, flags);
		list_add_tail(&rc->node, &iocrypt_tc.pending);
		hrtimer_start(&iocrypt_tc.timer, 20 * NSEC_PER_USEC, HRTIMER_MODE_REL_HARD);
		spin_unlock_irqrestore(&iocrypt_tc.lock, flags);
		return -EINPROGRESS;
	default:
		return err;
	}
}

static int iocrypt_tc_encrypt(struct skcipher_request *req)
{
	return iocrypt_tc_crypt(req, true);
}

static int iocrypt_tc_decrypt(struct skcipher_request *req)
{
	return iocrypt_tc_crypt(req, false);
}

static int iocrypt_tc_setkey(struct crypto_skcipher *tfm, const u8 *key,
			     unsigned int len)
{
	return crypto_skcipher_setkey(*iocrypt_tc_child(tfm), key, len);
}

static int iocrypt_tc_init(struct crypto_skcipher *tfm)
{
	struct crypto_skcipher *child;

	/* the synchronous xts(aes): this one is asynchronous */
	child = crypto_alloc_skcipher("xts(aes)", 0, CRYPTO_ALG_ASYNC);
	if (IS_ERR(child))
		return PTR_ERR(child);
	*iocrypt_tc_child(tfm) = child;
	crypto_skcipher_set_reqsize(tfm, sizeof(struct iocrypt_tc_req) +
				    crypto_skcipher_reqsize(child));
	return 0;
}

static void iocrypt_tc_exit(struct crypto_skcipher *tfm)
{
	crypto_free_skcipher(*iocrypt_tc_child(tfm));
}

static struct skcipher_alg iocrypt_tc_alg = {
	.base.cra_name		= "xts(aes)",
	.base.cra_driver_name	= IOCRYPT_TC_DRIVER,
	.base.cra_priority	= 10000,
	.base.cra_flags		= CRYPTO_ALG_ASYNC,
	.base.cra_blocksize	= AES_BLOCK_SIZE,
	.base.cra_ctxsize	= sizeof(struct crypto_skcipher *),
	.base.cra_module	= THIS_MODULE,
	.min_keysize		= 2 * AES_MIN_KEY_SIZE,
	.max_keysize		= 2 * AES_MAX_KEY_SIZE,
	.ivsize			= AES_BLOCK_SIZE,
	.setkey			= iocrypt_tc_setkey,
	.encrypt		= iocrypt_tc_encrypt,
	.decrypt		= iocrypt_tc_decrypt,
	.init			= iocrypt_tc_init,
	.exit			= iocrypt_tc_exit,
};

/*
 * A crypt mapping on @ram with the real cipher, then the test cipher
 * registered in @mode and an iocrypt mapping on @ram that uses it.
 */
struct iocrypt_tc_pair {
	struct iocrypt_test_dev io;
	struct iocrypt_test_dev cr;
	bool registered;
};

static int iocrypt_tc_setup(struct kunit *test, struct iocrypt_tc_pair *p, dev_t ram,
			    const char *opts, enum iocrypt_tc_mode mode)
{
	struct iocrypt_config *cc;
	struct dm_table *t;
	char *args;
	int ret, srcu;

	memset(p, 0, sizeof(*p));
	memset(&iocrypt_tc, 0, sizeof(iocrypt_tc));
	spin_lock_init(&iocrypt_tc.lock);
	INIT_LIST_HEAD(&iocrypt_tc.pending);
	hrtimer_init(&iocrypt_tc.timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	iocrypt_tc.timer.function = iocrypt_tc_fire;

	args = kunit_kzalloc(test, 256, GFP_KERNEL);
	if (!args)
		return -ENOMEM;
	snprintf(args, 256, "aes-xts-plain64 " HEX64 " 0 %u:%u 0%s",
		 MAJOR(ram), MINOR(ram), opts);
	ret = iocrypt_test_mkdev(&p->cr, "crypt", args);
	if (ret)
		return ret;
	ret = crypto_register_skcipher(&iocrypt_tc_alg);
	if (ret)
		return ret;
	p->registered = true;
	iocrypt_tc.mode = mode;
	ret = iocrypt_test_mkdev(&p->io, "iocrypt", args);
	if (ret)
		return ret;

	t = dm_get_live_table(p->io.md, &srcu);
	cc = dm_table_get_target(t, 0)->private;
	if (strcmp(crypto_skcipher_driver_name(cc->tfm), IOCRYPT_TC_DRIVER))
		ret = -ENOENT;
	dm_put_live_table(p->io.md, srcu);
	return ret;
}

static void iocrypt_tc_teardown(struct iocrypt_tc_pair *p)
{
	unsigned int i;

	for (i = 0; i < iocrypt_tc.nr_pins; i++)
		bio_put(iocrypt_tc.pins[i]);
	iocrypt_tc.nr_pins = 0;
	iocrypt_test_rmdev(&p->io);
	hrtimer_cancel(&iocrypt_tc.timer);
	if (p->registered)
		crypto_unregister_skcipher(&iocrypt_tc_alg);
	iocrypt_test_rmdev(&p->cr);
}

static struct iocrypt_stats *iocrypt_tc_stats(struct iocrypt_test_dev *d)
{
	struct iocrypt_config *cc;
	struct dm_table *t;
	int srcu;

	/* the table stays until the mapping goes */
	t = dm_get_live_table(d->md, &srcu);
	cc = dm_table_get_target(t, 0)->private;
	dm_put_live_table(d->md, srcu);
	return &cc->stats;
}

static bool iocrypt_tc_decoy_clean(void)
{
	struct iocrypt_stats *st = &iocrypt_tc.decoy.stats;

	return !atomic64_read(&st->reads_inline) && !atomic64_read(&st->reads_deferred) &&
	       !atomic64_read(&st->writes) && !atomic64_read(&st->bounce_waits) &&
	       !atomic64_read(&st->errors) && !atomic64_read(&st->crypto_async);
}

#define IOCRYPT_TC_PAGES 2

static void iocrypt_tc_alloc_pages(struct kunit *test, struct page **pages, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		pages[i] = alloc_page(GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, pages[i]);
	}
}

static void iocrypt_tc_free_pages(struct page **pages, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (pages[i])
			__free_page(pages[i]);
}

/*
 * The completion runs before the cipher call has returned and ends the bio
 * (a read: it is decrypted in the lower device's completion, here brd's,
 * in the submitter).  Whoever called the cipher must not touch the bio's
 * per-bio data after -EINPROGRESS: the test cipher poisons it as soon as
 * the bio has ended, so such a use shows in the decoy's counters.  Two
 * 4096-byte crypto sectors per bio: the second completion runs inside the
 * first one's callback, which must not touch the data either.
 */
static void iocrypt_async_done_before_return_test(struct kunit *test)
{
	struct page *src[IOCRYPT_TC_PAGES] = {}, *dst[IOCRYPT_TC_PAGES] = {};
	const unsigned int n = IOCRYPT_TC_PAGES;
	struct iocrypt_tc_pair p;
	struct iocrypt_stats *st;
	int i, ret;

	iocrypt_tc_alloc_pages(test, src, n);
	iocrypt_tc_alloc_pages(test, dst, n);
	ret = iocrypt_tc_setup(test, &p, MKDEV(1, 4), " 1 sector_size:4096",
			       IOCRYPT_TC_INLINE);
	if (ret) {
		KUNIT_FAIL(test, "setup failed: %d", ret);
		goto out;
	}
	st = iocrypt_tc_stats(&p.io);

	for (i = 0; i < 4; i++) {
		/* dm-crypt writes, iocrypt reads: the read ends in the callback */
		iocrypt_test_fill(src, n, 10 + i);
		KUNIT_EXPECT_EQ(test, iocrypt_test_rw(p.cr.bdev, REQ_OP_WRITE, 64 * i, src, n,
						      0, PAGE_SIZE), 0);
		KUNIT_EXPECT_EQ(test, iocrypt_test_rw(p.io.bdev, REQ_OP_READ, 64 * i, dst, n,
						      0, PAGE_SIZE), 0);
		KUNIT_EXPECT_TRUE_MSG(test, iocrypt_test_same(src, dst, n), "read %d", i);
		/* iocrypt writes (from the workqueue), dm-crypt reads */
		iocrypt_test_fill(src, n, 20 + i);
		KUNIT_EXPECT_EQ(test, iocrypt_test_rw(p.io.bdev, REQ_OP_WRITE, 512 + 64 * i, src,
						      n, 0, PAGE_SIZE), 0);
		KUNIT_EXPECT_EQ(test, iocrypt_test_rw(p.cr.bdev, REQ_OP_READ, 512 + 64 * i, dst,
						      n, 0, PAGE_SIZE), 0);
		KUNIT_EXPECT_TRUE_MSG(test, iocrypt_test_same(src, dst, n), "write %d", i);
	}
	kunit_info(test, "%d cipher calls, %u bios pinned", atomic_read(&iocrypt_tc.calls),
		   iocrypt_tc.nr_pins);
	KUNIT_EXPECT_GT(test, iocrypt_tc.nr_pins, 0U);
	KUNIT_EXPECT_TRUE_MSG(test, iocrypt_tc_decoy_clean(),
			      "per-bio data used after its bio ended: decoy counters %lld %lld",
			      atomic64_read(&iocrypt_tc.decoy.stats.crypto_async),
			      atomic64_read(&iocrypt_tc.decoy.stats.writes));
	/* every request went asynchronous and was counted once, by the callback */
	KUNIT_EXPECT_EQ(test, atomic64_read(&st->crypto_async),
			(s64)atomic_read(&iocrypt_tc.calls));
	KUNIT_EXPECT_EQ(test, atomic64_read(&st->errors), 0LL);

out:
	iocrypt_tc_teardown(&p);
	iocrypt_tc_free_pages(src, n);
	iocrypt_tc_free_pages(dst, n);
}

/*
 * The completion comes in hard interrupt context.  The callback must not
 * run the cipher there (the test cipher, like the skcipher walk, refuses
 * it): the rest of the bio goes to the workqueue.  One page of 512-byte
 * crypto sectors per bio: the first sector starts in the submitter (a
 * write's ->map, a read's completion from brd), the seven others from the
 * workqueue.
 */
static void iocrypt_async_done_in_hardirq_test(struct kunit *test)
{
	struct page *src[1] = {}, *dst[1] = {};
	struct iocrypt_tc_pair p;
	struct iocrypt_stats *st;
	int calls, work;
	s64 deferred;
	int ret;

	iocrypt_tc_alloc_pages(test, src, 1);
	iocrypt_tc_alloc_pages(test, dst, 1);
	ret = iocrypt_tc_setup(test, &p, MKDEV(1, 5), "", IOCRYPT_TC_HARDIRQ);
	if (ret) {
		KUNIT_FAIL(test, "setup failed: %d", ret);
		goto out;
	}
	st = iocrypt_tc_stats(&p.io);

	/* iocrypt writes, dm-crypt reads */
	iocrypt_test_fill(src, 1, 30);
	KUNIT_EXPECT_EQ(test, iocrypt_test_rw(p.io.bdev, REQ_OP_WRITE, 8, src, 1, 0, PAGE_SIZE), 0);
	calls = atomic_read(&iocrypt_tc.calls);
	work = atomic_read(&iocrypt_tc.work_calls);
	KUNIT_EXPECT_EQ(test, iocrypt_test_rw(p.cr.bdev, REQ_OP_READ, 8, dst, 1, 0, PAGE_SIZE), 0);
	KUNIT_EXPECT_TRUE_MSG(test, iocrypt_test_same(src, dst, 1), "crypt read != iocrypt write");
	KUNIT_EXPECT_EQ(test, calls, 8);
	KUNIT_EXPECT_EQ(test, work, 7);

	/* dm-crypt writes, iocrypt reads */
	iocrypt_test_fill(src, 1, 31);
	deferred = atomic64_read(&st->reads_deferred);
	KUNIT_EXPECT_EQ(test, iocrypt_test_rw(p.cr.bdev, REQ_OP_WRITE, 64, src, 1, 0,
					      PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, iocrypt_test_rw(p.io.bdev, REQ_OP_READ, 64, dst, 1, 0,
					      PAGE_SIZE), 0);
	KUNIT_EXPECT_TRUE_MSG(test, iocrypt_test_same(src, dst, 1), "iocrypt read != crypt write");
	KUNIT_EXPECT_EQ(test, atomic_read(&iocrypt_tc.calls) - calls, 8);
	KUNIT_EXPECT_EQ(test, atomic_read(&iocrypt_tc.work_calls) - work, 7);
	KUNIT_EXPECT_EQ(test, atomic64_read(&st->reads_deferred) - deferred, 1LL);

	kunit_info(test, "%d completions in hardirq, %d calls refused",
		   atomic_read(&iocrypt_tc.irq_completions), atomic_read(&iocrypt_tc.atomic_calls));
	/* the case did test hard interrupt completions */
	KUNIT_EXPECT_EQ(test, atomic_read(&iocrypt_tc.irq_completions), 16);
	KUNIT_EXPECT_EQ(test, atomic_read(&iocrypt_tc.atomic_calls), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&st->errors), 0LL);

out:
	iocrypt_tc_teardown(&p);
	iocrypt_tc_free_pages(src, 1);
	iocrypt_tc_free_pages(dst, 1);
}

static struct kunit_case iocrypt_async_cases[] = {
	KUNIT_CASE(iocrypt_async_done_before_return_test),
	KUNIT_CASE(iocrypt_async_done_in_hardirq_test),
	{}
};

static struct kunit_suite iocrypt_async_suite = {
	.name = "dm-iocrypt-async",
	.test_cases = iocrypt_async_cases,
};

kunit_test_suites(&iocrypt_iv_suite, &iocrypt_sector_suite, &iocrypt_table_suite,
		  &iocrypt_spread_suite, &iocrypt_bio_suite, &iocrypt_async_suite);
#else
kunit_test_suites(&iocrypt_iv_suite, &iocrypt_sector_suite, &iocrypt_table_suite,
		  &iocrypt_spread_suite);
#endif
