/* SPDX-License-Identifier: BSD-2-Clause */
/* creds.c - `wanscope credentials`: a private CA and mutual-TLS certificates */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include "icmp/creds.h"
#include "lib/opt.h"
#include "subcommands.h"

struct creds_pair {
	gnutls_x509_privkey_t key;
	gnutls_x509_crt_t crt;
};

static int gt_fail(const char *what, int rc)
{
	fprintf(stderr, "wanscope: credentials: %s: %s\n", what, gnutls_strerror(rc));
	return -1;
}

static void pair_free(struct creds_pair *p)
{
	if (p->crt)
		gnutls_x509_crt_deinit(p->crt);
	if (p->key)
		gnutls_x509_privkey_deinit(p->key);
	p->crt = NULL;
	p->key = NULL;
}

/* Generate a P-256 key and a certificate for @name, signed by @ca (NULL:
 * self-signed CA). */
static int pair_make(struct creds_pair *p, const char *name, const struct creds_pair *ca,
		     unsigned days, bool server)
{
	unsigned char serial[16];
	time_t now = time(NULL);
	int rc;

	if ((rc = gnutls_x509_privkey_init(&p->key)) < 0)
		return gt_fail("key init", rc);
	rc = gnutls_x509_privkey_generate(p->key, GNUTLS_PK_ECDSA,
		GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0);
	if (rc < 0)
		return gt_fail("key generation", rc);
	if ((rc = gnutls_x509_crt_init(&p->crt)) < 0)
		return gt_fail("certificate init", rc);
	if ((rc = gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial))) < 0)
		return gt_fail("serial", rc);
	serial[0] &= 0x7f;	/* a positive integer */
	if ((rc = gnutls_x509_crt_set_version(p->crt, 3)) < 0 ||
	    (rc = gnutls_x509_crt_set_serial(p->crt, serial, sizeof(serial))) < 0 ||
	    (rc = gnutls_x509_crt_set_activation_time(p->crt, now - 3600)) < 0 ||
	    (rc = gnutls_x509_crt_set_expiration_time(p->crt,
			now + (time_t)days * 86400)) < 0 ||
	    (rc = gnutls_x509_crt_set_dn_by_oid(p->crt, GNUTLS_OID_X520_COMMON_NAME, 0,
			name, (unsigned)strlen(name))) < 0 ||
	    (rc = gnutls_x509_crt_set_key(p->crt, p->key)) < 0)
		return gt_fail("certificate fields", rc);
	if (!ca) {
		if ((rc = gnutls_x509_crt_set_basic_constraints(p->crt, 1, 0)) < 0 ||
		    (rc = gnutls_x509_crt_set_key_usage(p->crt,
				GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN)) < 0)
			return gt_fail("CA constraints", rc);
		rc = gnutls_x509_crt_sign2(p->crt, p->crt, p->key, GNUTLS_DIG_SHA256, 0);
	} else {
		if ((rc = gnutls_x509_crt_set_basic_constraints(p->crt, 0, -1)) < 0 ||
		    (rc = gnutls_x509_crt_set_key_usage(p->crt,
				GNUTLS_KEY_DIGITAL_SIGNATURE)) < 0 ||
		    (rc = gnutls_x509_crt_set_subject_alt_name(p->crt, GNUTLS_SAN_DNSNAME,
				name, (unsigned)strlen(name), GNUTLS_FSAN_SET)) < 0 ||
		    (rc = gnutls_x509_crt_set_key_purpose_oid(p->crt,
				server ? GNUTLS_KP_TLS_WWW_SERVER : GNUTLS_KP_TLS_WWW_CLIENT,
				0)) < 0)
			return gt_fail("certificate extensions", rc);
		rc = gnutls_x509_crt_sign2(p->crt, ca->crt, ca->key, GNUTLS_DIG_SHA256, 0);
	}
	if (rc < 0)
		return gt_fail("signing", rc);
	return 0;
}

static int write_file(const char *dir, const char *name, const gnutls_datum_t *d,
		      mode_t mode, bool force)
{
	char path[4096];
	int fd, flags = O_WRONLY | O_CREAT | O_TRUNC | (force ? 0 : O_EXCL);
	ssize_t n;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path)) {
		fprintf(stderr, "wanscope: credentials: %s: path too long\n", dir);
		return -1;
	}
	fd = open(path, flags | O_CLOEXEC, mode);
	if (fd < 0) {
		fprintf(stderr, "wanscope: credentials: %s: %s%s\n", path, strerror(errno),
			errno == EEXIST ? " (use --force to replace)" : "");
		return -1;
	}
	n = write(fd, d->data, d->size);
	if (n != (ssize_t)d->size || fchmod(fd, mode) < 0 || close(fd) < 0) {
		fprintf(stderr, "wanscope: credentials: %s: write failed\n", path);
		return -1;
	}
	return 0;
}

static int pair_save(const struct creds_pair *p, const char *dir, const char *base,
		     bool force)
{
	gnutls_datum_t d = { 0 };
	char name[64];
	int rc;

	rc = gnutls_x509_privkey_export2(p->key, GNUTLS_X509_FMT_PEM, &d);
	if (rc < 0)
		return gt_fail("key export", rc);
	snprintf(name, sizeof(name), "%s.key", base);
	rc = write_file(dir, name, &d, 0600, force);
	gnutls_free(d.data);
	if (rc < 0)
		return -1;
	rc = gnutls_x509_crt_export2(p->crt, GNUTLS_X509_FMT_PEM, &d);
	if (rc < 0)
		return gt_fail("certificate export", rc);
	snprintf(name, sizeof(name), "%s.crt", base);
	rc = write_file(dir, name, &d, 0644, force);
	gnutls_free(d.data);
	return rc;
}

int creds_init(const char *dir, bool force, unsigned days)
{
	struct creds_pair ca = { 0 }, edge = { 0 }, conn = { 0 };
	int rc = -1;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "wanscope: credentials: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	if (pair_make(&ca, "wanscope-ca", NULL, days, false) < 0 ||
	    pair_make(&edge, CREDS_EDGE_NAME, &ca, days, true) < 0 ||
	    pair_make(&conn, CREDS_CONNECTOR_NAME, &ca, days, false) < 0)
		goto out;
	if (pair_save(&ca, dir, "ca", force) < 0 ||
	    pair_save(&edge, dir, "edge", force) < 0 ||
	    pair_save(&conn, dir, "connector", force) < 0)
		goto out;
	rc = 0;
out:
	pair_free(&ca);
	pair_free(&edge);
	pair_free(&conn);
	return rc;
}

int creds_paths(const char *dir, enum creds_role role, char *cert, char *key, char *ca,
		unsigned long len)
{
	const char *base = role == CREDS_EDGE ? "edge" : "connector";

	if ((unsigned long)snprintf(cert, len, "%s/%s.crt", dir, base) >= len ||
	    (unsigned long)snprintf(key, len, "%s/%s.key", dir, base) >= len ||
	    (unsigned long)snprintf(ca, len, "%s/ca.crt", dir) >= len)
		return -1;
	return 0;
}

static void creds_usage(FILE *f)
{
	fprintf(f,
"usage: wanscope credentials init [--force] [--days N] DIR\n"
"\n"
"Create the credentials an edge and its connectors authenticate each other\n"
"with (mutual TLS in QUIC or DTLS): a private CA and, signed by it, a key and\n"
"a certificate for the edge (CN " CREDS_EDGE_NAME ") and one for connectors\n"
"(CN " CREDS_CONNECTOR_NAME "). All keys are ECDSA P-256, made by GnuTLS.\n"
"\n"
"Files written to DIR (created with mode 0700 when missing):\n"
"  ca.crt ca.key               the CA; keep ca.key off the connector hosts\n"
"  edge.crt edge.key           for `wanscope edge --credentials DIR`\n"
"  connector.crt connector.key for `wanscope connector --credentials DIR`\n"
"Keys are mode 0600: a connector running as another user needs its own copy\n"
"of ca.crt, connector.crt and connector.key it can read.\n"
"\n"
"Options:\n"
"  --force     replace existing files (default: refuse)\n"
"  --days N    certificate lifetime in days (default 3650)\n"
"  -h, --help  this text\n"
"\n"
"Example:\n"
"  wanscope credentials init /etc/wanscope/creds\n"
"\n"
"Exit status: 0 written, 1 failure, 2 usage error.\n");
}

int credentials_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "days", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	bool force = false;
	uint32_t days = 3650;
	int ch;

	while ((ch = getopt_long(argc, argv, "fd:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			force = true;
			break;
		case 'd':
			if (opt_u32("credentials: --days", optarg, 1, 36500, &days) < 0)
				return EXIT_USAGE;
			break;
		case 'h':
			creds_usage(stdout);
			return EXIT_OK;
		default:
			creds_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 2 || strcmp(argv[optind], "init") != 0) {
		creds_usage(stderr);
		return EXIT_USAGE;
	}
	if (gnutls_global_init() < 0)
		return EXIT_FAIL;
	if (creds_init(argv[optind + 1], force, days) < 0)
		return EXIT_FAIL;
	printf("wrote CA, edge and connector credentials to %s\n", argv[optind + 1]);
	return EXIT_OK;
}
