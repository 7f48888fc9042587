// SPDX-License-Identifier: GPL-2.0
/*
 * Meters (the ovs_meter family, the meter action): token-bucket rate
 * limiters that flows call, as the kernel's openvswitch module (6.1) has them, so
 * that ovs-vswitchd's OpenFlow meters and its controller and slow-path
 * meters work on vswitch as on openvswitch.ko:
 *
 *	FEATURES	how many meters, one band each, the drop band
 *	SET		a meter by id: replaced whole, the old one's stats in
 *			the reply unless it was made with CLEAR
 *	GET / DEL	its stats (frames, bytes, and per band those over the rate)
 *
 * A band's rate is in kbit/s (KBPS) or packets/s, its burst in kbit or
 * packets; its bucket fills with time up to the burst and each frame takes
 * its cost out of it. A frame that finds a drop band's bucket short is
 * dropped (counted drop_meter). Meters are a datapath's, by id in an
 * xarray: written under RTNL, read under RCU, freed after a grace period.
 */

#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <uapi/linux/openvswitch.h>

#include "datapath.h"

#define VSW_METER_MAX		200000	/* per datapath, as upstream's DP_METER_NUM_MAX */
#define VSW_METER_MAX_BANDS	1	/* as upstream's DP_MAX_BANDS */

struct vsw_meter_band {
	u32			type;		/* OVS_METER_BAND_TYPE_DROP */
	u32			rate;		/* kbit/s, or packets/s */
	u32			burst;		/* kbit, or packets */
	u64			bucket;		/* bits, or 1/1000 packets */
	struct ovs_flow_stats	stats;		/* frames over the rate */
};

struct vsw_meter {
	spinlock_t		lock;		/* the buckets and stats */
	struct rcu_head		rcu;
	bool			kbps;
	bool			keep_stats;	/* not made with CLEAR */
	u16			n_bands;
	u32			max_delta_ms;	/* the time that fills the largest bucket */
	u64			used;		/* ms, of the last frame */
	struct ovs_flow_stats	stats;		/* every frame */
	struct vsw_meter_band	bands[];
};

static u64 vsw_now_ms(void)
{
	return div_u64(ktime_get_ns(), NSEC_PER_MSEC);
}

/* The meter action: true when @skb is to be dropped. A missing meter drops nothing (upstream). */
bool vsw_meter_drops(struct vsw_dp *dp, struct sk_buff *skb, u32 id)
{
	struct vsw_meter *m = xa_load(&dp->meters, id);
	struct vsw_meter_band *b;
	u32 cost, delta, over_rate = 0;
	int i, over = -1;
	bool drop = false;
	u64 now;
	s64 d;

	if (!m)
		return false;
	now = vsw_now_ms();
	spin_lock(&m->lock);
	/* racing CPUs: the later one may have written a newer time */
	d = now - m->used;
	delta = d < 0 ? 0 : min_t(s64, d, m->max_delta_ms);
	m->used = now;
	m->stats.n_packets++;
	m->stats.n_bytes += skb->len;
	cost = m->kbps ? skb->len * 8 : 1000;
	for (i = 0; i < m->n_bands; i++) {
		b = &m->bands[i];
		b->bucket = min_t(u64, b->bucket + (u64)delta * b->rate, (u64)b->burst * 1000);
		if (b->bucket >= cost) {
			b->bucket -= cost;
		} else if (b->rate > over_rate) {
			over_rate = b->rate;
			over = i;
		}
	}
	/* the band over the rate with the highest rate applies */
	if (over >= 0) {
		b = &m->bands[over];
		b->stats.n_packets++;
		b->stats.n_bytes += skb->len;
		drop = b->type == OVS_METER_BAND_TYPE_DROP;
	}
	spin_unlock(&m->lock);
	return drop;
}

void vsw_meters_init(struct vsw_dp *dp)
{
	xa_init(&dp->meters);
}

/* The datapath goes: its meters after the readers that may hold them. RTNL held. */
void vsw_meters_destroy(struct vsw_dp *dp)
{
	struct vsw_meter *m;
	unsigned long id;

	xa_for_each(&dp->meters, id, m) {
		xa_erase(&dp->meters, id);
		kfree_rcu(m, rcu);
	}
	dp->nmeters = 0;
	xa_destroy(&dp->meters);
}

static const struct nla_policy vsw_band_policy[OVS_BAND_ATTR_MAX + 1] = {
	[OVS_BAND_ATTR_TYPE]	= { .type = NLA_U32 },
	[OVS_BAND_ATTR_RATE]	= { .type = NLA_U32 },
	[OVS_BAND_ATTR_BURST]	= { .type = NLA_U32 },
	[OVS_BAND_ATTR_STATS]	= { .len = sizeof(struct ovs_flow_stats) },
};

/* A meter from a SET request: every band complete, a drop band, a rate. */
static struct vsw_meter *vsw_meter_create(struct nlattr **a, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[OVS_BAND_ATTR_MAX + 1];
	struct vsw_meter_band *b;
	const struct nlattr *nla;
	struct vsw_meter *m;
	int rem, n = 0, err;

	if (!a[OVS_METER_ATTR_BANDS]) {
		NL_SET_ERR_MSG_MOD(extack, "a meter needs its bands");
		return ERR_PTR(-EINVAL);
	}
	nla_for_each_nested(nla, a[OVS_METER_ATTR_BANDS], rem) {
		if (++n > VSW_METER_MAX_BANDS) {
			NL_SET_ERR_MSG_MOD(extack, "one band per meter");
			return ERR_PTR(-EINVAL);
		}
	}
	m = kzalloc(struct_size(m, bands, n), GFP_KERNEL_ACCOUNT);
	if (!m)
		return ERR_PTR(-ENOMEM);
	spin_lock_init(&m->lock);
	m->kbps = !!a[OVS_METER_ATTR_KBPS];
	m->keep_stats = !a[OVS_METER_ATTR_CLEAR];
	if (m->keep_stats && a[OVS_METER_ATTR_STATS])
		memcpy(&m->stats, nla_data(a[OVS_METER_ATTR_STATS]), sizeof(m->stats));
	m->used = vsw_now_ms();
	m->n_bands = n;
	b = m->bands;
	nla_for_each_nested(nla, a[OVS_METER_ATTR_BANDS], rem) {
		err = nla_parse_nested_deprecated(tb, OVS_BAND_ATTR_MAX, nla, vsw_band_policy,
						  extack);
		if (err)
			goto err_free;
		if (!tb[OVS_BAND_ATTR_TYPE] || !tb[OVS_BAND_ATTR_RATE] ||
		    !tb[OVS_BAND_ATTR_BURST]) {
			NL_SET_ERR_MSG_MOD(extack, "a band needs its type, rate and burst");
			err = -EINVAL;
			goto err_free;
		}
		b->type = nla_get_u32(tb[OVS_BAND_ATTR_TYPE]);
		b->rate = nla_get_u32(tb[OVS_BAND_ATTR_RATE]);
		b->burst = nla_get_u32(tb[OVS_BAND_ATTR_BURST]);
		if (b->type != OVS_METER_BAND_TYPE_DROP || !b->rate) {
			NL_SET_ERR_MSG_MOD(extack, "a band drops, at a rate above zero");
			err = -EINVAL;
			goto err_free;
		}
		/* a full bucket to start with */
		b->bucket = (u64)b->burst * 1000;
		m->max_delta_ms = max_t(u32, m->max_delta_ms,
					min_t(u64, div_u64(b->bucket, b->rate), U32_MAX));
		b++;
	}
	return m;

err_free:
	kfree(m);
	return ERR_PTR(err);
}

/* ID, STATS, USED and each band's STATS, as upstream's reply */
static int vsw_meter_put_stats(struct sk_buff *skb, u32 id, struct vsw_meter *m)
{
	struct nlattr *bands, *band;
	int i, err = -EMSGSIZE;

	spin_lock_bh(&m->lock);
	if (nla_put_u32(skb, OVS_METER_ATTR_ID, id) ||
	    nla_put(skb, OVS_METER_ATTR_STATS, sizeof(m->stats), &m->stats) ||
	    nla_put_u64_64bit(skb, OVS_METER_ATTR_USED, m->used, OVS_METER_ATTR_PAD))
		goto out;
	bands = nla_nest_start_noflag(skb, OVS_METER_ATTR_BANDS);
	if (!bands)
		goto out;
	for (i = 0; i < m->n_bands; i++) {
		band = nla_nest_start_noflag(skb, OVS_BAND_ATTR_UNSPEC);
		if (!band || nla_put(skb, OVS_BAND_ATTR_STATS, sizeof(m->bands[i].stats),
				     &m->bands[i].stats))
			goto out;
		nla_nest_end(skb, band);
	}
	nla_nest_end(skb, bands);
	err = 0;
out:
	spin_unlock_bh(&m->lock);
	return err;
}

static struct sk_buff *vsw_meter_reply(struct genl_info *info, u8 cmd, struct ovs_header **hdr)
{
	struct sk_buff *skb = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);

	if (!skb)
		return ERR_PTR(-ENOMEM);
	*hdr = genlmsg_put(skb, info->snd_portid, info->snd_seq, &vsw_meter_family, 0, cmd);
	if (!*hdr) {
		nlmsg_free(skb);
		return ERR_PTR(-EMSGSIZE);
	}
	(*hdr)->dp_ifindex = vsw_ovs_header(info)->dp_ifindex;
	return skb;
}

static struct vsw_dp *vsw_meter_dp(struct genl_info *info)
{
	struct vsw_dp *dp = vsw_genl_dp(genl_info_net(info), vsw_ovs_header(info), NULL);

	if (!dp)
		GENL_SET_ERR_MSG(info, "no such datapath");
	return dp;
}

static int vsw_meter_cmd_features(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *bands, *band;
	struct ovs_header *hdr;
	struct sk_buff *reply;
	struct vsw_dp *dp;

	reply = vsw_meter_reply(info, OVS_METER_CMD_FEATURES, &hdr);
	if (IS_ERR(reply))
		return PTR_ERR(reply);
	rtnl_lock();
	dp = vsw_meter_dp(info);
	rtnl_unlock();
	if (!dp) {
		nlmsg_free(reply);
		return -ENODEV;
	}
	if (nla_put_u32(reply, OVS_METER_ATTR_MAX_METERS, VSW_METER_MAX) ||
	    nla_put_u32(reply, OVS_METER_ATTR_MAX_BANDS, VSW_METER_MAX_BANDS))
		goto nla_fail;
	bands = nla_nest_start_noflag(reply, OVS_METER_ATTR_BANDS);
	if (!bands)
		goto nla_fail;
	band = nla_nest_start_noflag(reply, OVS_BAND_ATTR_UNSPEC);
	if (!band || nla_put_u32(reply, OVS_BAND_ATTR_TYPE, OVS_METER_BAND_TYPE_DROP))
		goto nla_fail;
	nla_nest_end(reply, band);
	nla_nest_end(reply, bands);
	genlmsg_end(reply, hdr);
	return genlmsg_reply(reply, info);

nla_fail:
	nlmsg_free(reply);
	return -EMSGSIZE;
}

static int vsw_meter_cmd_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	struct vsw_meter *m, *old;
	struct ovs_header *hdr;
	struct sk_buff *reply;
	struct vsw_dp *dp;
	int err;
	u32 id;

	if (!a[OVS_METER_ATTR_ID]) {
		GENL_SET_ERR_MSG(info, "a meter needs its id");
		return -EINVAL;
	}
	id = nla_get_u32(a[OVS_METER_ATTR_ID]);
	m = vsw_meter_create(a, info->extack);
	if (IS_ERR(m))
		return PTR_ERR(m);
	reply = vsw_meter_reply(info, OVS_METER_CMD_SET, &hdr);
	if (IS_ERR(reply)) {
		kfree(m);
		return PTR_ERR(reply);
	}
	rtnl_lock();
	dp = vsw_meter_dp(info);
	if (!dp) {
		err = -ENODEV;
		goto err_unlock;
	}
	old = xa_load(&dp->meters, id);
	if (!old && dp->nmeters >= VSW_METER_MAX) {
		GENL_SET_ERR_MSG(info, "the datapath has all the meters it may have");
		err = -EFBIG;
		goto err_unlock;
	}
	err = xa_err(xa_store(&dp->meters, id, m, GFP_KERNEL));
	if (err)
		goto err_unlock;
	if (!old)
		dp->nmeters++;
	/* the id, with the stats of the meter it replaced (unless made with CLEAR) */
	if (old && old->keep_stats)
		err = vsw_meter_put_stats(reply, id, old);
	else
		err = nla_put_u32(reply, OVS_METER_ATTR_ID, id);
	rtnl_unlock();
	if (old)
		kfree_rcu(old, rcu);
	/* the meter is set: a reply that does not fit is a sizing bug (upstream: WARN_ON) */
	WARN_ON_ONCE(err);
	genlmsg_end(reply, hdr);
	return genlmsg_reply(reply, info);

err_unlock:
	rtnl_unlock();
	nlmsg_free(reply);
	kfree(m);
	return err;
}

/* GET and DEL: the meter's stats; DEL then removes it (none: an empty reply, as upstream) */
static int vsw_meter_cmd_get_del(struct sk_buff *skb, struct genl_info *info)
{
	u8 cmd = info->genlhdr->cmd;
	struct ovs_header *hdr;
	struct sk_buff *reply;
	struct vsw_meter *m;
	struct vsw_dp *dp;
	int err = 0;
	u32 id;

	if (!info->attrs[OVS_METER_ATTR_ID]) {
		GENL_SET_ERR_MSG(info, "which meter: no id");
		return -EINVAL;
	}
	id = nla_get_u32(info->attrs[OVS_METER_ATTR_ID]);
	reply = vsw_meter_reply(info, cmd, &hdr);
	if (IS_ERR(reply))
		return PTR_ERR(reply);
	rtnl_lock();
	dp = vsw_meter_dp(info);
	if (!dp) {
		err = -ENODEV;
		goto out_unlock;
	}
	m = xa_load(&dp->meters, id);
	if (!m) {
		if (cmd == OVS_METER_CMD_GET) {
			GENL_SET_ERR_MSG(info, "no such meter");
			err = -ENOENT;
		}
		goto out_unlock;
	}
	/* a reply that does not fit is a sizing bug (upstream's WARN_ON); DEL deletes regardless */
	WARN_ON_ONCE(vsw_meter_put_stats(reply, id, m));
	if (cmd == OVS_METER_CMD_DEL) {
		xa_erase(&dp->meters, id);
		dp->nmeters--;
		kfree_rcu(m, rcu);
	}
out_unlock:
	rtnl_unlock();
	if (err) {
		nlmsg_free(reply);
		return err;
	}
	genlmsg_end(reply, hdr);
	return genlmsg_reply(reply, info);
}

static const struct nla_policy vsw_meter_policy[OVS_METER_ATTR_MAX + 1] = {
	[OVS_METER_ATTR_ID]		= { .type = NLA_U32 },
	[OVS_METER_ATTR_KBPS]		= { .type = NLA_FLAG },
	[OVS_METER_ATTR_STATS]		= { .len = sizeof(struct ovs_flow_stats) },
	[OVS_METER_ATTR_BANDS]		= { .type = NLA_NESTED },
	[OVS_METER_ATTR_USED]		= { .type = NLA_U64 },
	[OVS_METER_ATTR_CLEAR]		= { .type = NLA_FLAG },
	[OVS_METER_ATTR_MAX_METERS]	= { .type = NLA_U32 },
	[OVS_METER_ATTR_MAX_BANDS]	= { .type = NLA_U32 },
};

static const struct genl_small_ops vsw_meter_ops[] = {
	{ .cmd = OVS_METER_CMD_FEATURES, .validate = VSW_GENL_LENIENT,
	  .doit = vsw_meter_cmd_features },
	{ .cmd = OVS_METER_CMD_SET, .validate = VSW_GENL_LENIENT,
	  .flags = GENL_UNS_ADMIN_PERM, .doit = vsw_meter_cmd_set },
	{ .cmd = OVS_METER_CMD_GET, .validate = VSW_GENL_LENIENT,
	  .doit = vsw_meter_cmd_get_del },
	{ .cmd = OVS_METER_CMD_DEL, .validate = VSW_GENL_LENIENT,
	  .flags = GENL_UNS_ADMIN_PERM, .doit = vsw_meter_cmd_get_del },
};

static const struct genl_multicast_group vsw_meter_mcgrp = { .name = OVS_METER_MCGROUP };

struct genl_family vsw_meter_family __ro_after_init = {
	.hdrsize	= sizeof(struct ovs_header),
	.name		= OVS_METER_FAMILY,
	.version	= OVS_METER_VERSION,
	.maxattr	= OVS_METER_ATTR_MAX,
	.policy		= vsw_meter_policy,
	.netnsok	= true,
	.parallel_ops	= true,
	.small_ops	= vsw_meter_ops,
	.n_small_ops	= ARRAY_SIZE(vsw_meter_ops),
	.resv_start_op	= OVS_METER_CMD_GET + 1,
	.mcgrps		= &vsw_meter_mcgrp,
	.n_mcgrps	= 1,
	.module		= THIS_MODULE,
};
