// SPDX-License-Identifier: GPL-2.0
/*
 * dm-iocrypt IV generators.  They produce the IVs dm-crypt produces for
 * the same sector, so data written by either target reads back through
 * the other:
 *
 *  plain:   the low 32 bits of the sector number, little endian, zero padded
 *  plain64: the 64-bit sector number, little endian, zero padded
 *  essiv:   plain64 encrypted with AES, keyed by hash(volume key)
 *
 * The sector number is the target-relative 512-byte sector plus iv_offset;
 * with iv_large_sectors it counts sector_size units instead.
 *
 * Context: the generators run in any context but hardirq (the callers
 * never use them there); iocrypt_essiv_setkey() may sleep.
 */
#include <crypto/hash.h>
#include <linux/string.h>

#include "dm-iocrypt.h"

/**
 * iocrypt_iv_plain() - the "plain" IV of a sector
 * @iv: IOCRYPT_IV_SIZE bytes
 * @sector: IV sector number
 */
void iocrypt_iv_plain(u8 *iv, u64 sector)
{
	__le32 s = cpu_to_le32(sector & 0xffffffff);

	memset(iv, 0, IOCRYPT_IV_SIZE);
	memcpy(iv, &s, sizeof(s));
}

/**
 * iocrypt_iv_plain64() - the "plain64" IV of a sector
 * @iv: IOCRYPT_IV_SIZE bytes
 * @sector: IV sector number
 */
void iocrypt_iv_plain64(u8 *iv, u64 sector)
{
	__le64 s = cpu_to_le64(sector);

	memset(iv, 0, IOCRYPT_IV_SIZE);
	memcpy(iv, &s, sizeof(s));
}

/**
 * iocrypt_iv_essiv() - the "essiv" IV of a sector
 * @essiv: AES key expanded by iocrypt_essiv_setkey()
 * @iv: IOCRYPT_IV_SIZE bytes
 * @sector: IV sector number
 */
void iocrypt_iv_essiv(const struct crypto_aes_ctx *essiv, u8 *iv, u64 sector)
{
	iocrypt_iv_plain64(iv, sector);
	aes_encrypt(essiv, iv, iv);
}

/**
 * iocrypt_essiv_setkey() - derive the ESSIV key from the volume key
 * @essiv: expanded AES key to fill
 * @hash: the digest named in the cipher spec ("essiv:sha256")
 * @key: volume key
 * @key_size: bytes of @key
 *
 * Context: process; may sleep.
 * Return: 0, -EINVAL when the digest is not an AES key size, or the
 * digest's error.
 */
int iocrypt_essiv_setkey(struct crypto_aes_ctx *essiv, struct crypto_shash *hash,
			 const u8 *key, unsigned int key_size)
{
	u8 salt[HASH_MAX_DIGESTSIZE];
	unsigned int ds = crypto_shash_digestsize(hash);
	int ret;

	if (ds > sizeof(salt))
		return -EINVAL;
	ret = crypto_shash_tfm_digest(hash, key, key_size, salt);
	if (!ret)
		ret = aes_expandkey(essiv, salt, ds);
	memzero_explicit(salt, sizeof(salt));
	return ret;
}

/**
 * iocrypt_iv_sector() - the sector number an IV is made from
 * @p: table parameters
 * @sector: target-relative 512-byte sector of the crypto sector
 *
 * Return: @sector plus iv_offset, in sector_size units when
 * iv_large_sectors is set.
 */
u64 iocrypt_iv_sector(const struct iocrypt_params *p, sector_t sector)
{
	u64 s = (u64)sector + p->iv_offset;

	if (p->iv_large_sectors)
		s >>= p->sector_shift;
	return s;
}

/**
 * iocrypt_iv_gen() - the IV of one crypto sector
 * @cc: the target
 * @iv: IOCRYPT_IV_SIZE bytes
 * @sector: target-relative 512-byte sector of the crypto sector
 */
void iocrypt_iv_gen(const struct iocrypt_config *cc, u8 *iv, sector_t sector)
{
	u64 s = iocrypt_iv_sector(&cc->p, sector);

	switch (cc->p.ivmode) {
	case IOCRYPT_IV_PLAIN:
		iocrypt_iv_plain(iv, s);
		break;
	case IOCRYPT_IV_PLAIN64:
		iocrypt_iv_plain64(iv, s);
		break;
	case IOCRYPT_IV_ESSIV:
		iocrypt_iv_essiv(&cc->essiv, iv, s);
		break;
	}
}
