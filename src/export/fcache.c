/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fcache.c - the exporter's flow cache
 *
 * Theory of operation: all flows live in one array allocated at start
 * (max_flows entries); nothing is allocated per packet. An open-addressing
 * table of twice as many (power of two) slots maps a keyed SipHash of the
 * flow key to the entry; collisions probe linearly and deletion shifts
 * later entries back, so there are no tombstones and a probe never walks
 * more than the cluster it is in. The key hash is keyed with a random
 * secret because the keys come from the wire: nobody can aim packets at
 * one cluster.
 *
 * Two intrusive lists order the entries: by the last packet (LRU; the
 * head is the flow idle longest) and by creation (the head is the oldest
 * flow). Idle expiry walks the first from its head and active expiry the
 * second, each stopping at the first flow not yet due, so a tick costs
 * only what it expires. A full cache evicts the LRU head (counted as
 * FC_END_EVICTED) to make room. A flow met again after it should have
 * timed out is expired before the packet starts a new one, so results do
 * not depend on how often fc_expire runs.
 */
#include <stdlib.h>
#include <string.h>

#include "export/fcache.h"
#include "lib/siphash.h"

#define NIL UINT32_MAX

static void list_unlink(struct fcache *c, uint32_t i, enum fc_list l)
{
	const struct fc_link *k = &c->flows[i].link[l];

	if (k->prev != NIL)
		c->flows[k->prev].link[l].next = k->next;
	else
		c->list[l].head = k->next;
	if (k->next != NIL)
		c->flows[k->next].link[l].prev = k->prev;
	else
		c->list[l].tail = k->prev;
}

static void list_append(struct fcache *c, uint32_t i, enum fc_list l)
{
	struct fc_link *k = &c->flows[i].link[l];
	uint32_t *tail = &c->list[l].tail;

	k->prev = *tail;
	k->next = NIL;
	if (*tail != NIL)
		c->flows[*tail].link[l].next = i;
	else
		c->list[l].head = i;
	*tail = i;
}

int fc_init(struct fcache *c, const struct fc_cfg *cfg, fc_expire_fn fn, void *arg)
{
	uint64_t nslots = 2;
	uint32_t i;

	memset(c, 0, sizeof(*c));
	if (cfg->max_flows == 0 || cfg->max_flows > (1u << 28))
		return -1;
	while (nslots < 2 * (uint64_t)cfg->max_flows)
		nslots <<= 1;
	c->cfg = *cfg;
	c->expire = fn;
	c->arg = arg;
	c->flows = calloc(cfg->max_flows, sizeof(*c->flows));
	c->slots = calloc(nslots, sizeof(*c->slots));
	if (!c->flows || !c->slots) {
		fc_free(c);
		return -1;
	}
	c->mask = (uint32_t)(nslots - 1);
	for (i = 0; i < cfg->max_flows; i++)
		c->flows[i].link[FC_LRU].next = i + 1 < cfg->max_flows ? i + 1 : NIL;
	c->free_head = 0;
	for (i = 0; i < 2; i++)
		c->list[i].head = c->list[i].tail = NIL;
	return 0;
}

void fc_free(struct fcache *c)
{
	free(c->flows);
	free(c->slots);
	c->flows = NULL;
	c->slots = NULL;
}

/* Take flow @i out of the table and lists after reporting it. */
static void fc_remove(struct fcache *c, uint32_t i, enum fc_end why)
{
	struct fc_flow *f = &c->flows[i];
	uint32_t s = (uint32_t)f->hash & c->mask, j, home;

	c->expire(c->arg, f, why);
	c->st.expired[why]++;
	c->st.active--;
	while (c->slots[s] != i + 1)
		s = (s + 1) & c->mask;
	/* Backward-shift deletion: move up every later entry of the cluster
	 * whose home slot is not between the hole and itself. */
	j = s;
	for (;;) {
		j = (j + 1) & c->mask;
		if (!c->slots[j])
			break;
		home = (uint32_t)c->flows[c->slots[j] - 1].hash & c->mask;
		if (((j - home) & c->mask) >= ((j - s) & c->mask)) {
			c->slots[s] = c->slots[j];
			s = j;
		}
	}
	c->slots[s] = 0;
	list_unlink(c, i, FC_LRU);
	list_unlink(c, i, FC_AGE);
	f->used = false;
	f->link[FC_LRU].next = c->free_head;
	c->free_head = i;
}

void fc_key_from_pkt(struct fc_key *k, const struct pkt_meta *m, uint32_t ifindex,
		     uint8_t dir)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->src, m->src.a, 16);
	memcpy(k->dst, m->dst.a, 16);
	k->ifindex = ifindex;
	k->ipver = m->ip_version;
	k->proto = m->proto;
	k->tos = m->tos;
	k->dir = dir;
	k->vlan = m->has_vlan ? m->vlan : 0;
	if (m->depth < PKT_L4)
		return;
	if (m->proto == IPPROTO_NUM_ICMP || m->proto == IPPROTO_NUM_ICMPV6) {
		k->dport = (uint16_t)(m->icmp_type << 8 | m->icmp_code);
	} else if (m->proto == IPPROTO_NUM_TCP || m->proto == IPPROTO_NUM_UDP) {
		k->sport = m->src_port;
		k->dport = m->dst_port;
	}
}

static bool due(const struct fcache *c, const struct fc_flow *f, int64_t now, enum fc_end *why)
{
	if (now - f->last_ms >= (int64_t)c->cfg.idle_ms) {
		*why = FC_END_IDLE;
		return true;
	}
	if (now - f->first_ms >= (int64_t)c->cfg.active_ms) {
		*why = FC_END_ACTIVE;
		return true;
	}
	return false;
}

void fc_add(struct fcache *c, const struct pkt_meta *m, uint32_t ifindex, uint8_t dir,
	    int64_t ts_ms)
{
	struct fc_key k;
	struct fc_flow *f;
	enum fc_end why;
	uint64_t h;
	uint32_t s, i;

	fc_key_from_pkt(&k, m, ifindex, dir);
	h = siphash24(c->cfg.hash_key, &k, sizeof(k));
	c->st.packets++;
	c->st.bytes += m->ip_total_len;
	for (s = (uint32_t)h & c->mask; c->slots[s]; s = (s + 1) & c->mask) {
		f = &c->flows[c->slots[s] - 1];
		if (f->hash == h && memcmp(&f->k, &k, sizeof(k)) == 0)
			break;
	}
	if (c->slots[s]) {
		i = c->slots[s] - 1;
		if (!due(c, &c->flows[i], ts_ms, &why))
			goto update;
		fc_remove(c, i, why);
	}
	if (c->free_head == NIL)
		fc_remove(c, c->list[FC_LRU].head, FC_END_EVICTED);
	/* Removal may have shifted the cluster: find the empty slot anew. */
	for (s = (uint32_t)h & c->mask; c->slots[s]; s = (s + 1) & c->mask)
		;
	i = c->free_head;
	f = &c->flows[i];
	c->free_head = f->link[FC_LRU].next;
	memset(f, 0, sizeof(*f));
	f->k = k;
	f->hash = h;
	f->first_ms = ts_ms;
	f->used = true;
	c->slots[s] = i + 1;
	list_append(c, i, FC_AGE);
	list_append(c, i, FC_LRU);
	c->st.created++;
	c->st.active++;
	goto count;
update:
	f = &c->flows[i];
	list_unlink(c, i, FC_LRU);
	list_append(c, i, FC_LRU);
count:
	f->packets++;
	f->bytes += m->ip_total_len;
	if (ts_ms > f->last_ms)
		f->last_ms = ts_ms;
	if (ts_ms < f->first_ms)
		f->first_ms = ts_ms;
	if (m->proto == IPPROTO_NUM_TCP && m->depth == PKT_L4) {
		f->tcp_flags |= m->tcp_flags;
		if (m->tcp_flags & 0x05)	/* FIN or RST */
			fc_remove(c, i, FC_END_FIN);
	}
}

void fc_expire(struct fcache *c, int64_t now_ms)
{
	uint32_t *lru = &c->list[FC_LRU].head, *age = &c->list[FC_AGE].head;
	enum fc_end why;

	while (*lru != NIL && due(c, &c->flows[*lru], now_ms, &why) && why == FC_END_IDLE)
		fc_remove(c, *lru, FC_END_IDLE);
	while (*age != NIL && now_ms - c->flows[*age].first_ms >= (int64_t)c->cfg.active_ms)
		fc_remove(c, *age, FC_END_ACTIVE);
}

void fc_flush(struct fcache *c, enum fc_end why)
{
	while (c->list[FC_AGE].head != NIL)
		fc_remove(c, c->list[FC_AGE].head, why);
}
