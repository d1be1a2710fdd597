/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inner address -> IKE identity cache. Entries are keyed by the 16-byte
 * address (IPv4 mapped into ::ffff:0:0/96) and family; a miss asks charon
 * without holding the lock, then stores the answer. Only the answers
 * "this identity" and "no tunnel owns it" are cached: they describe the
 * tunnels; a failure to reach charon describes charon.
 */
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "srv_ikemap.h"
#include "store_ingest.h"

struct entry {
	uint8_t addr[16];
	uint8_t used;
	enum mayday_err err;                 /* MAYDAY_OK or MAYDAY_E_NOTFOUND */
	uint64_t at_ms;
	char identity[STORE_IDENTITY_MAX + 1];
};

struct srv_ikemap {
	pthread_mutex_t mu;
	struct srv_ike ike;
	unsigned ttl_ms;
	size_t n;                            /* power of two */
	struct entry *e;
};

enum mayday_err srv_ikemap_new(struct srv_ikemap **out, const struct srv_ike *ike,
			       unsigned ttl_ms, unsigned capacity)
{
	struct srv_ikemap *m = calloc(1, sizeof(*m));
	*out = NULL;
	if (m == NULL)
		return MAYDAY_E_NOMEM;
	m->n = 1;
	while (m->n < capacity && m->n < (1u << 20))
		m->n <<= 1;
	m->e = calloc(m->n, sizeof(*m->e));
	if (m->e == NULL) {
		free(m);
		return MAYDAY_E_NOMEM;
	}
	m->ike = *ike;
	m->ttl_ms = ttl_ms;
	pthread_mutex_init(&m->mu, NULL);
	*out = m;
	return MAYDAY_OK;
}

void srv_ikemap_free(struct srv_ikemap *m)
{
	if (m == NULL)
		return;
	pthread_mutex_destroy(&m->mu);
	free(m->e);
	free(m);
}

static int key_of(const struct sockaddr_storage *ss, uint8_t key[16])
{
	memset(key, 0, 16);
	if (ss->ss_family == AF_INET6) {
		memcpy(key, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
		return 0;
	}
	if (ss->ss_family == AF_INET) {
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &((const struct sockaddr_in *)ss)->sin_addr, 4);
		return 0;
	}
	return -1;
}

static size_t slot_of(const struct srv_ikemap *m, const uint8_t key[16])
{
	uint32_t h = 2166136261u;   /* FNV-1a */
	for (int i = 0; i < 16; i++)
		h = (h ^ key[i]) * 16777619u;
	return h & (m->n - 1);
}

static enum mayday_err copy_out(const char *from, char *identity, size_t cap)
{
	size_t len = strlen(from);
	if (len + 1 > cap) {
		identity[0] = '\0';
		return MAYDAY_E_TOOBIG;
	}
	memcpy(identity, from, len + 1);
	return MAYDAY_OK;
}

enum mayday_err srv_ikemap_identity(struct srv_ikemap *m, const struct sockaddr_storage *inner,
				    uint64_t now_ms, char *identity, size_t cap)
{
	uint8_t key[16];
	char fresh[STORE_IDENTITY_MAX + 1];
	enum mayday_err err;
	if (cap == 0)
		return MAYDAY_E_INVALID;
	identity[0] = '\0';
	if (key_of(inner, key) != 0)
		return MAYDAY_E_INVALID;
	struct entry *e = &m->e[slot_of(m, key)];

	pthread_mutex_lock(&m->mu);
	if (e->used && memcmp(e->addr, key, 16) == 0 && now_ms >= e->at_ms &&
	    now_ms - e->at_ms < m->ttl_ms) {
		err = e->err == MAYDAY_OK ? copy_out(e->identity, identity, cap) : e->err;
		pthread_mutex_unlock(&m->mu);
		return err;
	}
	pthread_mutex_unlock(&m->mu);

	err = srv_ike_identity(&m->ike, (const struct sockaddr *)inner, fresh, sizeof(fresh));
	if (err != MAYDAY_OK && err != MAYDAY_E_NOTFOUND)
		return err;
	if (m->ttl_ms > 0) {
		pthread_mutex_lock(&m->mu);
		memcpy(e->addr, key, 16);
		e->used = 1;
		e->err = err;
		e->at_ms = now_ms;
		if (err == MAYDAY_OK)
			memcpy(e->identity, fresh, strlen(fresh) + 1);
		else
			e->identity[0] = '\0';
		pthread_mutex_unlock(&m->mu);
	}
	return err == MAYDAY_OK ? copy_out(fresh, identity, cap) : err;
}

/* Trims the blanks around [b, e). */
static void trim(const char **b, const char **e)
{
	while (*b < *e && (**b == ' ' || **b == '\t'))
		(*b)++;
	while (*e > *b && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
		(*e)--;
}

bool srv_ikemap_names(const char *identity, const char *device_id)
{
	size_t id_len = strlen(device_id);
	const char *p = identity, *cn = NULL, *cn_end = NULL;
	int cns = 0;
	if (id_len == 0)
		return false;
	if (strcmp(identity, device_id) == 0)
		return true;
	/* A DN: comma-separated RDNs "type=value". Anything else is no DN. */
	if (strchr(identity, '=') == NULL)
		return false;
	while (*p) {
		/* An escaped comma ("O=a\, b") stays inside its value. */
		const char *end = p;
		while (*end && *end != ',')
			end += (end[0] == '\\' && end[1] != '\0') ? 2 : 1;
		const char *eq = memchr(p, '=', (size_t)(end - p));
		if (eq == NULL)
			return false;
		const char *tb = p, *te = eq, *vb = eq + 1, *ve = end;
		trim(&tb, &te);
		trim(&vb, &ve);
		if (te - tb == 2 && (tb[0] == 'C' || tb[0] == 'c') && (tb[1] == 'N' || tb[1] == 'n')) {
			cns++;
			cn = vb;
			cn_end = ve;
		}
		p = *end ? end + 1 : end;
	}
	return cns == 1 && (size_t)(cn_end - cn) == id_len && memcmp(cn, device_id, id_len) == 0;
}
