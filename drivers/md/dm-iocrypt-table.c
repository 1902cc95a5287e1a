// SPDX-License-Identifier: GPL-2.0
/*
 * dm-iocrypt table parsing.  The table line is dm-crypt's:
 *
 *   <cipher> <key> <iv_offset> <device path> <offset> [<#opt_params> <opt_params>]
 *
 * <cipher>  aes-<xts|cbc>-<plain|plain64|essiv:<hash>>; for compatibility a
 *           bare "aes" or "aes-plain" means aes-cbc-plain, as in dm-crypt.
 * <key>     hex digits, or :<size>:logon:<description> or
 *           :<size>:user:<description> for a kernel keyring key.
 * <opt_params> allow_discards, sector_size:<bytes>, iv_large_sectors,
 *           same_cpu_crypt, submit_from_crypt_cpus, no_read_workqueue,
 *           no_write_workqueue.
 *
 * Parsing is kept apart from the constructor so that it can be tested
 * without devices: it only reads the arguments and fills
 * struct iocrypt_params.  It never copies key material.
 */
#include <linux/ctype.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "dm-iocrypt.h"

/**
 * iocrypt_parse_key_size() - the key size a key argument announces
 * @key: the key argument; for a keyring key it is advanced to the ':'
 *	 before "<type>:<description>"
 *
 * Return: key bytes (half the hex digits, or the :<size>: of a keyring
 * key), or -EINVAL when a keyring key's size cannot be parsed.
 */
int iocrypt_parse_key_size(char **key)
{
	char *colon, dummy;
	unsigned int size;

	if ((*key)[0] != ':')
		return strlen(*key) >> 1;
	colon = strchr(*key + 1, ':');
	if (!colon)
		return -EINVAL;
	if (sscanf(*key + 1, "%u%c", &size, &dummy) != 2 || dummy != ':' ||
	    size > INT_MAX)
		return -EINVAL;
	*key = colon;
	return size;
}

static bool iocrypt_key_size_ok(enum iocrypt_chain chain, unsigned int size)
{
	if (chain == IOCRYPT_XTS)
		return size == 2 * AES_KEYSIZE_128 || size == 2 * AES_KEYSIZE_192 ||
		       size == 2 * AES_KEYSIZE_256;
	return size == AES_KEYSIZE_128 || size == AES_KEYSIZE_192 ||
	       size == AES_KEYSIZE_256;
}

static bool iocrypt_is_hex(const char *s)
{
	for (; *s; s++)
		if (!isxdigit(*s))
			return false;
	return true;
}

static int iocrypt_parse_cipher(struct iocrypt_params *p, const char *spec,
				char **error)
{
	char *buf, *tmp, *cipher, *chain, *ivmode, *ivopts;
	int ret = -EINVAL;

	if (strstarts(spec, "capi:")) {
		*error = "Crypto API cipher specifications are not supported";
		return -EINVAL;
	}
	if (strchr(spec, '(')) {
		*error = "Bad cipher specification";
		return -EINVAL;
	}
	buf = kstrdup(spec, GFP_KERNEL);
	if (!buf) {
		*error = "Cannot allocate cipher strings";
		return -ENOMEM;
	}
	tmp = buf;
	cipher = strsep(&tmp, "-");
	chain = strsep(&tmp, "-");
	ivmode = strsep(&tmp, ":");
	ivopts = tmp;

	if (strchr(cipher, ':')) {
		*error = "Cipher key count is not supported";
		goto out;
	}
	if (strcmp(cipher, "aes")) {
		*error = "Unsupported cipher (only aes)";
		goto out;
	}
	/* dm-crypt's compatibility forms: "aes" and "aes-plain" are cbc-plain */
	if (!chain || (!strcmp(chain, "plain") && !ivmode)) {
		chain = "cbc";
		ivmode = "plain";
	}
	if (!strcmp(chain, "xts")) {
		p->chain = IOCRYPT_XTS;
	} else if (!strcmp(chain, "cbc")) {
		p->chain = IOCRYPT_CBC;
	} else {
		*error = "Unsupported chaining mode (xts or cbc)";
		goto out;
	}
	if (!ivmode || !*ivmode) {
		*error = "IV mechanism required";
		goto out;
	}
	if (!strcmp(ivmode, "plain")) {
		p->ivmode = IOCRYPT_IV_PLAIN;
	} else if (!strcmp(ivmode, "plain64")) {
		p->ivmode = IOCRYPT_IV_PLAIN64;
	} else if (!strcmp(ivmode, "essiv")) {
		p->ivmode = IOCRYPT_IV_ESSIV;
		if (!ivopts || !*ivopts) {
			*error = "Digest algorithm missing for ESSIV mode";
			goto out;
		}
		if (strscpy(p->essiv_hash, ivopts, sizeof(p->essiv_hash)) < 0) {
			*error = "Bad cipher specification";
			goto out;
		}
		ivopts = NULL;
	} else {
		*error = "Invalid IV mode";
		goto out;
	}
	if (ivopts) {
		*error = "IV mode takes no options";
		goto out;
	}
	ret = 0;
out:
	kfree(buf);
	return ret;
}

static int iocrypt_parse_key(struct iocrypt_params *p, char *key, char **error)
{
	int size;

	size = iocrypt_parse_key_size(&key);
	if (size < 0) {
		*error = "Cannot parse key size";
		return -EINVAL;
	}
	if (key[0] == ':') {
		const char *desc;

		key++;
		if (strstarts(key, "logon:")) {
			desc = key + strlen("logon:");
		} else if (strstarts(key, "user:")) {
			desc = key + strlen("user:");
		} else {
			*error = "Unsupported key type (logon or user)";
			return -EINVAL;
		}
		if (!*desc) {
			*error = "Key description missing";
			return -EINVAL;
		}
		p->key_keyring = true;
	} else {
		if (!strcmp(key, "-")) {
			*error = "A key is required";
			return -EINVAL;
		}
		if ((strlen(key) & 1) || !iocrypt_is_hex(key)) {
			*error = "Key is not an even number of hex digits";
			return -EINVAL;
		}
	}
	if (!iocrypt_key_size_ok(p->chain, size)) {
		*error = "Invalid key size for the cipher";
		return -EINVAL;
	}
	p->key_size = size;
	p->key = key;
	return 0;
}

static int iocrypt_parse_opt(struct iocrypt_params *p, struct dm_arg_set *as,
			     sector_t len, char **error)
{
	static const struct dm_arg _args[] = {
		{0, 7, "Invalid number of feature args"},
	};
	unsigned int opt_params, size;
	const char *opt;
	char dummy;
	int ret;

	ret = dm_read_arg_group(_args, as, &opt_params, error);
	if (ret)
		return ret;

	while (opt_params--) {
		opt = dm_shift_arg(as);
		if (!opt) {
			*error = "Not enough feature arguments";
			return -EINVAL;
		}
		if (!strcasecmp(opt, "allow_discards")) {
			p->allow_discards = true;
		} else if (!strcasecmp(opt, "same_cpu_crypt")) {
			p->same_cpu_crypt = true;
		} else if (!strcasecmp(opt, "submit_from_crypt_cpus")) {
			p->submit_from_crypt_cpus = true;
		} else if (!strcasecmp(opt, "no_read_workqueue")) {
			p->no_read_workqueue = true;
		} else if (!strcasecmp(opt, "no_write_workqueue")) {
			p->no_write_workqueue = true;
		} else if (!strcasecmp(opt, "iv_large_sectors")) {
			p->iv_large_sectors = true;
		} else if (sscanf(opt, "sector_size:%u%c", &size, &dummy) == 1) {
			if (size < SECTOR_SIZE || size > IOCRYPT_MAX_SECTOR ||
			    !is_power_of_2(size)) {
				*error = "Invalid feature value for sector_size";
				return -EINVAL;
			}
			if (len & ((size >> SECTOR_SHIFT) - 1)) {
				*error = "Device size is not multiple of sector_size feature";
				return -EINVAL;
			}
			p->sector_size = size;
			p->sector_shift = __ffs(size) - SECTOR_SHIFT;
		} else {
			*error = strstarts(opt, "integrity:") ?
				 "Integrity profiles are not supported" :
				 "Invalid feature arguments";
			return -EINVAL;
		}
	}
	if (as->argc) {
		*error = "Too many arguments";
		return -EINVAL;
	}
	return 0;
}

/**
 * iocrypt_parse_table() - parse an iocrypt table line
 * @p: filled in; @p->key points into @argv
 * @argc: number of arguments
 * @argv: the arguments after the target name
 * @len: length of the target in sectors
 * @error: set to a description of the first problem found
 *
 * Checks the syntax and the values that need no device or crypto
 * transform; the constructor does the rest.
 *
 * Context: process.
 * Return: 0, -EINVAL with @error set, or -ENOMEM.
 */
int iocrypt_parse_table(struct iocrypt_params *p, unsigned int argc,
			char **argv, sector_t len, char **error)
{
	unsigned long long tmpll;
	struct dm_arg_set as;
	char dummy;
	int ret;

	memset(p, 0, sizeof(*p));
	p->sector_size = SECTOR_SIZE;

	if (argc < 5) {
		*error = "Not enough arguments";
		return -EINVAL;
	}
	/* Optional parameters first: sector_size constrains iv_offset. */
	if (argc > 5) {
		as.argc = argc - 5;
		as.argv = argv + 5;
		ret = iocrypt_parse_opt(p, &as, len, error);
		if (ret)
			return ret;
	}
	ret = iocrypt_parse_cipher(p, argv[0], error);
	if (ret)
		return ret;
	ret = iocrypt_parse_key(p, argv[1], error);
	if (ret)
		return ret;
	if (sscanf(argv[2], "%llu%c", &tmpll, &dummy) != 1 ||
	    (tmpll & ((p->sector_size >> SECTOR_SHIFT) - 1))) {
		*error = "Invalid iv_offset sector";
		return -EINVAL;
	}
	p->iv_offset = tmpll;
	p->dev_path = argv[3];
	if (sscanf(argv[4], "%llu%c", &tmpll, &dummy) != 1 ||
	    tmpll != (sector_t)tmpll) {
		*error = "Invalid device sector";
		return -EINVAL;
	}
	p->start = tmpll;
	return 0;
}
