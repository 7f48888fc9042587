// SPDX-License-Identifier: GPL-2.0
/*
 * nlfuzz: random and mutated rtnetlink link messages for the vnet, vpair and vswitch kinds.
 *
 *   nlfuzz [-s SEED] [-n MESSAGES] [-t SECONDS] [-j THREADS] [-k KINDS] [-p PREFIX] [-T]
 *          [-F] [-R FPS] [-N SLOTS] [-C MS] [-W PCT] [-o CASES] [-x CASES] [-e CASES] [-l] [-v]
 *
 *   -s SEED      seed (default: time); printed first, and thread i uses SEED + i
 *   -n MESSAGES  stop after this many messages in all (default 10000)
 *   -t SECONDS   stop after this long (default 60)
 *   -j THREADS   fuzzing threads, each with its own netlink sockets (default 2)
 *   -k KINDS     comma-separated kinds to fuzz: vnet,vpair,vswitch (default all)
 *   -p PREFIX    name prefix of every device made (default fz); the only devices touched
 *   -T           a traffic thread: raw frames (ARP, ICMP, LLDP, garbage) on every device of ours
 *                that is up, through dev_queue_xmit (never PACKET_QDISC_BYPASS: see traffic_main)
 *   -F           frames only (no messages), on the PREFIX* devices, for -t seconds
 *   -R FPS       at most FPS frames a second (default: as fast as it goes)
 *   -N SLOTS     network namespaces kept alive (default 3)
 *   -C MS        one of them destroyed, with what is in it, and made again every MS ms (1000)
 *   -W PCT       the share of messages sent from inside a slot (default 30; mutations only go
 *                there)
 *   -o / -x      only / never these cases (comma-separated; `-l` lists them; NAME/ for a group)
 *   -e CASES     these must be refused with an extack message every time, or the run fails
 *   -v           a line per message: thread, case, result, extack message; -vv: and its bytes
 *
 * Messages: RTM_NEWLINK (create, valid and malformed: IFLA_INFO_DATA of the three kinds, the
 * vpair peer nest, MTU/address/queues/ifindex/netns at their boundaries; modify, changelink),
 * RTM_SETLINK (up/down, MTU, address, IFLA_MASTER churn between switches, namespace moves,
 * renames), RTM_DELLINK, RTM_GETLINK (one, dumps, filtered dumps, malformed), and byte-level
 * mutations of valid ones past the device name. Operations also run inside the namespaces
 * (through a socket opened there); namespaces are made by forked children (unshare) and destroyed
 * by killing them, devices and all.
 *
 * Every request asks for an ack with NETLINK_EXT_ACK. At the end: figures (messages, accepted,
 * refusals by errno and how many carried an extack message, devices made and deleted,
 * namespaces) and the findings: malformed input that was accepted, or refused without an extack
 * message; valid input refused. Then every device named PREFIX* (and any device of the three kinds
 * made meanwhile under another name) is deleted. Exit status: 0, or 1 when the kernel stopped
 * answering, something made here could not be removed, or an -e case was accepted or refused
 * without a message.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../include/uapi/linux/vpair.h"
#include "../include/uapi/linux/vswitch.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_GET_STRICT_CHK
#define NETLINK_GET_STRICT_CHK 12
#endif

#define MAX_THREADS	8
#define MAX_SLOTS	8
#define MAX_VIEW	128
#define DEV_CAP		40	/* past this many devices in a namespace, deletions win */
#define MSG_SIZE	4096
#define RECV_SIZE	(256 * 1024)
#define FUZZ_GROUP	0x4e5a0	/* the group of our devices (never 0: lo is there) */

enum kind { K_OTHER, K_VNET, K_VPAIR, K_VSWITCH, K_NUM };
static const char *const kind_names[K_NUM] = { "other", "vnet", "vpair", "vswitch" };
#define KB(k)		(1u << (k))
#define K_ANY		(KB(K_VNET) | KB(K_VPAIR) | KB(K_VSWITCH))
#define KV		KB(K_VNET)
#define KP		KB(K_VPAIR)
#define KS		KB(K_VSWITCH)
#define KA		K_ANY

/*
 * The cases. Class: what the message is. Expectation: ERR when the input is malformed and must
 * be refused (with an extack message), OK when it is valid and must pass, ANY when it may do
 * either (it aims at devices other threads change meanwhile).
 */
enum cls { C_NEW, C_DATA, C_LINK, C_SET, C_DEL, C_GET, C_MUT };
enum expect { ANY, ERR, OK };

#define CASES(X) \
	X(NEW_VNET,            "new/vnet",                         C_NEW,  ANY, KV, 60) \
	X(NEW_VPAIR,           "new/vpair",                        C_NEW,  ANY, KP, 60) \
	X(NEW_VSWITCH,         "new/vswitch",                      C_NEW,  ANY, KS, 40) \
	X(NEW_IFINDEX,         "new/ifindex-free",                 C_NEW,  ANY, KA,  4) \
	X(NEW_NAMEPAT,         "new/name-pattern",                 C_NEW,  ANY, KA,  2) \
	X(NEW_VPAIR_UP,        "new/vpair-peer-up",                C_NEW,  OK,  KP,  2) \
	X(D_SW_AGE_LOW,        "data/vswitch/ageing-low",          C_DATA, ERR, KS,  6) \
	X(D_SW_AGE_HIGH,       "data/vswitch/ageing-high",         C_DATA, ERR, KS,  6) \
	X(D_SW_AGE_SHORT,      "data/vswitch/ageing-short",        C_DATA, ERR, KS,  4) \
	X(D_SW_AGE_LONG,       "data/vswitch/ageing-long",         C_DATA, ERR, KS,  4) \
	X(D_SW_AGE_NESTED,     "data/vswitch/ageing-nested-flag",  C_DATA, ERR, KS,  2) \
	X(D_SW_DUMPONLY,       "data/vswitch/dump-only-attr",      C_DATA, ERR, KS,  5) \
	X(D_SW_UNKNOWN,        "data/vswitch/unknown-type",        C_DATA, ERR, KS,  3) \
	X(D_SW_TRUNC,          "data/vswitch/truncated-attr",      C_DATA, ERR, KS,  3) \
	X(D_SW_TRAIL,          "data/vswitch/trailing-bytes",      C_DATA, ERR, KS,  3) \
	X(D_SW_GARBAGE,        "data/vswitch/garbage",             C_DATA, ERR, KS,  5) \
	X(D_VP_PEER_SHORT,     "data/vpair/peer-short",            C_DATA, ERR, KP,  5) \
	X(D_VP_PEER_GARBAGE,   "data/vpair/peer-garbage",          C_DATA, ERR, KP,  5) \
	X(D_VP_PEER_TRUNC,     "data/vpair/peer-truncated",        C_DATA, ERR, KP,  3) \
	X(D_VP_NAME_LONG,      "data/vpair/peer-name-long",        C_DATA, ERR, KP,  3) \
	X(D_VP_NAME_BAD,       "data/vpair/peer-name-bad",         C_DATA, ERR, KP,  4) \
	X(D_VP_NAME_DUP,       "data/vpair/peer-name-dup",         C_DATA, ERR, KP,  4) \
	X(D_VP_ADDR_LEN,       "data/vpair/peer-addr-len",         C_DATA, ERR, KP,  3) \
	X(D_VP_ADDR_BAD,       "data/vpair/peer-addr-bad",         C_DATA, ERR, KP,  3) \
	X(D_VP_MTU,            "data/vpair/peer-mtu-range",        C_DATA, ERR, KP,  5) \
	X(D_VP_MTU_LEN,        "data/vpair/peer-mtu-len",          C_DATA, ERR, KP,  3) \
	X(D_VP_NETNS_MISSING,  "data/vpair/peer-netns-missing",    C_DATA, ERR, KP,  3) \
	X(D_VP_NETNS_BOTH,     "data/vpair/peer-netns-both",       C_DATA, ERR, KP,  2) \
	X(D_VP_IFINDEX_NEG,    "data/vpair/peer-ifindex-negative", C_DATA, ERR, KP,  2) \
	X(D_VP_IFINDEX_TAKEN,  "data/vpair/peer-ifindex-taken",    C_DATA, ANY, KP,  2) \
	X(D_VP_TXQ,            "data/vpair/peer-queues",           C_DATA, ERR, KP,  3) \
	X(D_VP_GSO,            "data/vpair/peer-gso-size",         C_DATA, ERR, KP,  2) \
	X(D_VP_PEER_EXTRA,     "data/vpair/peer-extra-attrs",      C_DATA, ANY, KP,  3) \
	X(D_VP_DUMPONLY,       "data/vpair/dump-only-attr",        C_DATA, ERR, KP,  4) \
	X(D_VP_UNKNOWN,        "data/vpair/unknown-type",          C_DATA, ERR, KP,  3) \
	X(D_VP_GARBAGE,        "data/vpair/garbage",               C_DATA, ERR, KP,  4) \
	X(D_VNET_DATA,         "data/vnet/any",                    C_DATA, ERR, KV,  4) \
	X(CH_VSWITCH_OK,       "change/vswitch/ageing",            C_SET,  ANY, KS, 14) \
	X(CH_VSWITCH_BAD,      "change/vswitch/ageing-bad",        C_DATA, ERR, KS,  6) \
	X(CH_VSWITCH_GARBAGE,  "change/vswitch/garbage",           C_DATA, ERR, KS,  3) \
	X(CH_VPAIR,            "change/vpair/data",                C_DATA, ERR, KP,  4) \
	X(CH_VNET,             "change/vnet/data",                 C_DATA, ERR, KV,  2) \
	X(CH_WRONG_KIND,       "change/wrong-kind",                C_DATA, ERR, KA,  3) \
	X(CH_SLAVE_DATA,       "change/port-slave-data",           C_DATA, ERR, KS,  2) \
	X(L_MTU,               "link/mtu-range",                   C_LINK, ERR, KA,  5) \
	X(L_MTU_LEN,           "link/mtu-len",                     C_LINK, ERR, KA,  2) \
	X(L_ADDR_LEN,          "link/addr-len",                    C_LINK, ERR, KA,  3) \
	X(L_ADDR_BAD,          "link/addr-bad",                    C_LINK, ERR, KA,  3) \
	X(L_QUEUES,            "link/queues",                      C_LINK, ERR, KA,  3) \
	X(L_NAME_LONG,         "link/name-long",                   C_LINK, ERR, KA,  2) \
	X(L_NAME_BAD,          "link/name-bad",                    C_LINK, ERR, KA,  3) \
	X(L_KIND_BAD,          "link/kind-unknown",                C_LINK, ERR, KA,  1) \
	X(L_KIND_MISSING,      "link/kind-missing",                C_LINK, ERR, KA,  2) \
	X(L_IFINDEX_NEG,       "link/ifindex-negative",            C_LINK, ERR, KA,  2) \
	X(L_IFINDEX_TAKEN,     "link/ifindex-taken",               C_LINK, ANY, KA,  3) \
	X(L_NETNS_BOTH,        "link/netns-both",                  C_LINK, ERR, KA,  2) \
	X(L_NETNS_MISSING,     "link/netns-missing",               C_LINK, ERR, KA,  2) \
	X(L_MASTER_BAD,        "link/master-bad",                  C_LINK, ERR, KA,  3) \
	X(L_LINKNETNSID,       "link/link-netnsid",                C_LINK, ERR, KA,  2) \
	X(L_EXCL,              "link/exists",                      C_LINK, ANY, KA,  2) \
	X(S_UPDOWN,            "set/up-down",                      C_SET,  ANY, KA, 30) \
	X(S_MTU,               "set/mtu",                          C_SET,  ANY, KA, 25) \
	X(S_ADDR,              "set/address",                      C_SET,  ANY, KA,  8) \
	X(S_MASTER,            "set/master",                       C_SET,  ANY, KA, 40) \
	X(S_NOMASTER,          "set/nomaster",                     C_SET,  ANY, KA, 10) \
	X(S_NETNS,             "set/netns",                        C_SET,  ANY, KA, 25) \
	X(S_RENAME,            "set/rename",                       C_SET,  ANY, KA,  6) \
	X(S_MISC,              "set/misc",                         C_SET,  ANY, KA, 10) \
	X(DEL_NAME,            "del/name",                         C_DEL,  ANY, KA, 25) \
	X(DEL_INDEX,           "del/index",                        C_DEL,  ANY, KA, 25) \
	X(DEL_MISSING,         "del/missing",                      C_DEL,  ANY, KA,  3) \
	X(DEL_GROUP,           "del/group",                        C_DEL,  ANY, KA,  1) \
	X(GET_ONE,             "get/one",                          C_GET,  ANY, KA, 15) \
	X(GET_DUMP,            "get/dump",                         C_GET,  ANY, KA,  8) \
	X(GET_FILTER,          "get/dump-filtered",                C_GET,  ANY, KA,  8) \
	X(GET_BAD,             "get/malformed",                    C_GET,  ANY, KA,  5) \
	X(MUT_NEW,             "mutate/new",                       C_MUT,  ANY, KA, 40) \
	X(MUT_SET,             "mutate/set",                       C_MUT,  ANY, KA, 20)

#define X_ENUM(id, name, cls, exp, kinds, w) id,
enum case_id { CASES(X_ENUM) NCASES };
struct case_def {
	const char *name;
	enum cls cls;
	enum expect exp;
	unsigned int kinds;
	unsigned int weight;
};
#define X_DEF(id, name, cls, exp, kinds, w) { name, cls, exp, kinds, w },
static const struct case_def cases[NCASES] = { CASES(X_DEF) };

struct case_stat {
	unsigned long sent, ok, ok_msg, err_ext, err_noext;
	unsigned long gone;	/* change/: the device aimed at was deleted meanwhile (ENODEV) */
	int noext_errno, ext_errno;
	char ext_msg[96];
	int ext_set;
	unsigned long usec;
};
static struct case_stat cstat[NCASES];

/* figures, updated atomically */
#define ADD(x, n) __atomic_add_fetch(&(x), (n), __ATOMIC_RELAXED)
static unsigned long n_sent, n_ok, n_err, n_err_ext, n_created, n_deleted, n_ns_made, n_ns_gone;
static unsigned long n_frames, n_mutated, n_stuck;
static unsigned long err_by[160][2];	/* [errno][with extack] */

/* options */
static uint64_t opt_seed;
static unsigned long opt_count = 10000;
static unsigned int opt_rate, opt_time = 60, opt_threads = 2, opt_slots = 3;
static unsigned int opt_churn = 1000, opt_inslot = 30;
static unsigned int opt_kinds = K_ANY;
static const char *opt_prefix = "fz";
static bool opt_traffic, opt_flood;
static bool case_must[NCASES];	/* -e: a finding here fails the run */
static int opt_verbose;
static bool case_on[NCASES];
static struct timespec t_start;
static volatile int stop;

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "nlfuzz: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(2);
}

static double elapsed(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t_start.tv_sec) + (t.tv_nsec - t_start.tv_nsec) / 1e9;
}

/* random numbers: splitmix64 per thread */
struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned int below(struct rng *r, unsigned int n)
{
	return n ? (unsigned int)(rnd(r) % n) : 0;
}

static bool chance(struct rng *r, unsigned int pct)
{
	return below(r, 100) < pct;
}

#define PICK(r, arr) ((arr)[below(r, sizeof(arr) / sizeof((arr)[0]))])

static void rnd_bytes(struct rng *r, void *p, size_t n)
{
	unsigned char *b = p;

	while (n--)
		*b++ = (unsigned char)rnd(r);
}

static void rnd_unicast(struct rng *r, unsigned char *mac)
{
	rnd_bytes(r, mac, ETH_ALEN);
	mac[0] = (mac[0] & 0xfe) | 0x02;
	if (!mac[1] && !mac[2])
		mac[1] = 1;
}

/*
 * Namespace slots: a child that unshared its network namespace and waits. Its pid serves
 * IFLA_NET_NS_PID, /proc/PID/ns/net IFLA_NET_NS_FD; killing it destroys the namespace with every
 * device of our kinds in it (unless a socket opened there still holds it: each thread drops its
 * socket when it sees the slot's generation change).
 */
struct slot {
	pid_t pid;
	int fd;
	unsigned int gen;
};
static struct slot slots[MAX_SLOTS];
static pthread_mutex_t slot_lock = PTHREAD_MUTEX_INITIALIZER;
static int init_ns_fd = -1, devnull_fd = -1;

static int slot_make(struct slot *s)
{
	char path[64], c = 'E';
	int p[2];
	pid_t pid;

	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		/* async-signal-safe calls only: the parent has threads */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(p[0]);
		if (unshare(CLONE_NEWNET) == 0)
			c = 'K';
		if (write(p[1], &c, 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1 || c != 'K') {
		close(p[0]);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	close(p[0]);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	s->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (s->fd < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	s->pid = pid;
	s->gen++;
	ADD(n_ns_made, 1);
	return 0;
}

static void slot_destroy(struct slot *s)
{
	if (!s->pid)
		return;
	kill(s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
	close(s->fd);
	s->pid = 0;
	s->fd = -1;
	s->gen++;
	ADD(n_ns_gone, 1);
}

/* a snapshot of one slot, for a message (it may be destroyed meanwhile: that is the point) */
static bool slot_get(unsigned int i, pid_t *pid, int *fd)
{
	bool ok;

	pthread_mutex_lock(&slot_lock);
	ok = slots[i].pid != 0;
	*pid = slots[i].pid;
	*fd = slots[i].fd;
	pthread_mutex_unlock(&slot_lock);
	return ok;
}

/* netlink messages */
struct msg {
	union {
		struct nlmsghdr nh;
		unsigned char b[MSG_SIZE];
	};
	size_t mut_start;	/* byte mutations stay past the header and the device name */
};

static struct ifinfomsg *msg_ifi(struct msg *m)
{
	return NLMSG_DATA(&m->nh);
}

static void msg_init(struct msg *m, int type, int flags)
{
	memset(m->b, 0, NLMSG_SPACE(sizeof(struct ifinfomsg)));
	m->nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	m->nh.nlmsg_type = type;
	m->nh.nlmsg_flags = NLM_F_REQUEST | flags;
	msg_ifi(m)->ifi_family = AF_UNSPEC;
	m->mut_start = m->nh.nlmsg_len;
}

static bool msg_room(struct msg *m, size_t n)
{
	return NLMSG_ALIGN(m->nh.nlmsg_len) + NLA_ALIGN(n) + NLA_HDRLEN <= MSG_SIZE;
}

/* raw bytes at the end (aligned start), zero padding after */
static void *msg_append(struct msg *m, const void *data, size_t n)
{
	size_t at = NLMSG_ALIGN(m->nh.nlmsg_len);
	void *p = m->b + at;

	if (!msg_room(m, n))
		return NULL;
	memset(m->b + m->nh.nlmsg_len, 0, at - m->nh.nlmsg_len);
	if (data)
		memcpy(p, data, n);
	else
		memset(p, 0, n);
	memset((char *)p + n, 0, NLA_ALIGN(n) - n);
	m->nh.nlmsg_len = at + n;
	return p;
}

/* an attribute whose header says @declared bytes of payload (normally @n) */
static void put_raw(struct msg *m, int type, const void *data, size_t n, int declared)
{
	struct nlattr *a;
	size_t at = NLMSG_ALIGN(m->nh.nlmsg_len);

	if (!msg_room(m, n))
		return;
	memset(m->b + m->nh.nlmsg_len, 0, at - m->nh.nlmsg_len);
	a = (struct nlattr *)(m->b + at);
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + declared;
	if (data)
		memcpy(a + 1, data, n);
	else
		memset(a + 1, 0, n);
	memset((char *)(a + 1) + n, 0, NLA_ALIGN(n) - n);
	m->nh.nlmsg_len = at + NLA_HDRLEN + n;
}

static void put(struct msg *m, int type, const void *data, size_t n)
{
	put_raw(m, type, data, n, (int)n);
}

static void put_u32(struct msg *m, int type, uint32_t v)
{
	put(m, type, &v, 4);
}

static void put_u8(struct msg *m, int type, uint8_t v)
{
	put(m, type, &v, 1);
}

static void put_str(struct msg *m, int type, const char *s)
{
	put(m, type, s, strlen(s) + 1);
}

static size_t nest_start(struct msg *m, int type)
{
	size_t at = NLMSG_ALIGN(m->nh.nlmsg_len);

	put(m, type, NULL, 0);
	return at;
}

static void nest_end(struct msg *m, size_t at)
{
	struct nlattr *a = (struct nlattr *)(m->b + at);

	a->nla_len = m->nh.nlmsg_len - at;
}

/* A device in a namespace, as a dump showed it. */
struct dev {
	int ifindex;
	int master;
	unsigned int flags;
	enum kind kind;
	char name[IFNAMSIZ];
};

/* One namespace seen from one thread: the initial one (slot -1) or a slot. */
struct world {
	int slot;
	int sock;
	unsigned int gen;
	struct dev dev[MAX_VIEW];
	int ndev;
	unsigned int age;
};

struct ctx {
	int id;
	struct rng r;
	unsigned int seq;
	unsigned int names;
	bool strict;
	struct world w[1 + MAX_SLOTS];
	struct msg m;
	unsigned char rbuf[RECV_SIZE];
};

struct result {
	int err;		/* 0 or a positive errno */
	bool ext;		/* an extack message came back */
	bool stuck;
	char msg[96];
};

static int nl_open(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	struct timeval tv = { .tv_sec = 30 };
	int one = 1, rcv = 1 << 20;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static enum kind kind_of(const char *s)
{
	int k;

	for (k = K_VNET; k < K_NUM; k++)
		if (!strcmp(s, kind_names[k]))
			return k;
	return K_OTHER;
}

static bool ours(const char *name)
{
	return !strncmp(name, opt_prefix, strlen(opt_prefix));
}

/* attributes in a received message: each whole, within the @len bytes left */
static bool attr_ok(const struct nlattr *a, int len)
{
	return len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= len;
}

static struct nlattr *attr_next(struct nlattr *a, int *len)
{
	*len -= NLA_ALIGN(a->nla_len);
	return (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len));
}

/* the attribute's payload as a string of at most @size - 1 bytes */
static void attr_str(const struct nlattr *a, char *buf, size_t size)
{
	snprintf(buf, size, "%.*s", a->nla_len - NLA_HDRLEN, (const char *)(a + 1));
}

/* RTM_NEWLINK from a dump: into the view when the name has our prefix */
static void view_add(struct world *w, struct nlmsghdr *nh, bool all)
{
	struct ifinfomsg *ifi = NLMSG_DATA(nh);
	int len = nh->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi));
	struct nlattr *a = (struct nlattr *)((char *)ifi + NLMSG_ALIGN(sizeof(*ifi)));
	struct dev d = { .ifindex = ifi->ifi_index, .flags = ifi->ifi_flags };

	for (; attr_ok(a, len); a = attr_next(a, &len)) {
		int type = a->nla_type & NLA_TYPE_MASK;
		int plen = a->nla_len - NLA_HDRLEN;

		if (type == IFLA_IFNAME)
			attr_str(a, d.name, sizeof(d.name));
		else if (type == IFLA_MASTER && plen == 4)
			memcpy(&d.master, a + 1, 4);
		else if (type == IFLA_LINKINFO) {
			struct nlattr *b = (struct nlattr *)(a + 1);
			int blen = plen;

			for (; attr_ok(b, blen); b = attr_next(b, &blen)) {
				char k[16];

				if ((b->nla_type & NLA_TYPE_MASK) != IFLA_INFO_KIND)
					continue;
				attr_str(b, k, sizeof(k));
				d.kind = kind_of(k);
			}
		}
	}
	if (!all && !ours(d.name))
		return;
	if (w->ndev < MAX_VIEW)
		w->dev[w->ndev++] = d;
}

/*
 * Send one message and read the answer: the ack (error or 0, with its extack message), the reply
 * of a GET, the parts of a dump (into @view when given).
 */
static void talk(struct ctx *c, int sock, struct msg *m, struct result *res, struct world *view,
		 bool all)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	unsigned int seq = ++c->seq;

	memset(res, 0, sizeof(*res));
	m->nh.nlmsg_seq = seq;
	if (view)
		view->ndev = 0;
	if (sendto(sock, m->b, m->nh.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		res->err = errno;
		snprintf(res->msg, sizeof(res->msg), "sendto: %s", strerror(errno));
		return;
	}
	for (;;) {
		ssize_t n = recv(sock, c->rbuf, sizeof(c->rbuf), 0);
		struct nlmsghdr *nh;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				res->stuck = true;
				res->err = ETIMEDOUT;
				snprintf(res->msg, sizeof(res->msg), "no answer in 30 s");
				return;
			}
			if (errno == ENOBUFS)
				continue;
			res->err = errno;
			return;
		}
		for (nh = (struct nlmsghdr *)c->rbuf; NLMSG_OK(nh, (unsigned int)n);
		     nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_seq != seq)
				continue;
			if (nh->nlmsg_type == NLMSG_ERROR || nh->nlmsg_type == NLMSG_DONE) {
				int off, len, err = 0;
				struct nlattr *a;

				if (nh->nlmsg_type == NLMSG_ERROR) {
					struct nlmsgerr *e = NLMSG_DATA(nh);

					err = e->error;
					/* NETLINK_CAP_ACK: the request's header only */
					off = NLMSG_ALIGN(sizeof(*e));
				} else {
					if (nh->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
						memcpy(&err, NLMSG_DATA(nh), sizeof(int));
					off = NLMSG_ALIGN(sizeof(int));
				}
				if (nh->nlmsg_flags & NLM_F_ACK_TLVS) {
					len = nh->nlmsg_len - NLMSG_HDRLEN - off;
					a = (struct nlattr *)((char *)NLMSG_DATA(nh) + off);
					for (; attr_ok(a, len); a = attr_next(a, &len)) {
						if (a->nla_type != NLMSGERR_ATTR_MSG)
							continue;
						res->ext = true;
						attr_str(a, res->msg, sizeof(res->msg));
					}
				}
				res->err = err < 0 ? -err : 0;
				return;
			}
			if (nh->nlmsg_type == RTM_NEWLINK && view)
				view_add(view, nh, all);
		}
	}
}

/* the thread's socket in world @wi (0: the initial namespace; i + 1: slot i), or -1 */
static int world_sock(struct ctx *c, int wi)
{
	struct world *w = &c->w[wi];
	unsigned int gen;
	pid_t pid;
	int fd;

	if (wi == 0)
		return w->sock;
	pthread_mutex_lock(&slot_lock);
	gen = slots[wi - 1].gen;
	pid = slots[wi - 1].pid;
	fd = slots[wi - 1].fd;
	if (w->sock >= 0 && w->gen != gen) {
		close(w->sock);
		w->sock = -1;
		w->ndev = 0;
	}
	if (w->sock < 0 && pid) {
		/* the socket belongs to the namespace the thread is in when it is made */
		if (setns(fd, CLONE_NEWNET) == 0) {
			w->sock = nl_open();
			if (setns(init_ns_fd, CLONE_NEWNET) < 0)
				die("setns back to the initial namespace: %s", strerror(errno));
			w->gen = gen;
			w->age = 1000;
		}
	}
	pthread_mutex_unlock(&slot_lock);
	return w->sock;
}

/* drop sockets in slots that were destroyed, so the namespaces really go */
static void worlds_sync(struct ctx *c)
{
	unsigned int i;

	for (i = 0; i < opt_slots; i++) {
		struct world *w = &c->w[i + 1];

		if (w->sock >= 0 && __atomic_load_n(&slots[i].gen, __ATOMIC_RELAXED) != w->gen) {
			close(w->sock);
			w->sock = -1;
			w->ndev = 0;
		}
	}
}

/* shared with the traffic thread: the init namespace's devices of ours that are up */
static int traffic_if[64];
static int traffic_n;
static pthread_mutex_t traffic_lock = PTHREAD_MUTEX_INITIALIZER;

static void traffic_update(struct world *w)
{
	int i;

	pthread_mutex_lock(&traffic_lock);
	traffic_n = 0;
	for (i = 0; i < w->ndev && traffic_n < 64; i++)
		if (w->dev[i].flags & IFF_UP)
			traffic_if[traffic_n++] = w->dev[i].ifindex;
	pthread_mutex_unlock(&traffic_lock);
}

static void dump_request(struct msg *m, uint32_t ext_mask)
{
	msg_init(m, RTM_GETLINK, NLM_F_DUMP);
	put_u32(m, IFLA_EXT_MASK, ext_mask);
}

static void view_refresh(struct ctx *c, int wi)
{
	struct world *w = &c->w[wi];
	struct result res;
	struct msg *m = &c->m;
	int sock = world_sock(c, wi);

	if (sock < 0)
		return;
	dump_request(m, RTEXT_FILTER_SKIP_STATS);
	talk(c, sock, m, &res, w, false);
	ADD(n_sent, 1);
	ADD(cstat[GET_DUMP].sent, 1);
	if (res.stuck)
		ADD(n_stuck, 1);
	if (res.err) {
		ADD(cstat[GET_DUMP].err_noext, 1);
		return;
	}
	ADD(cstat[GET_DUMP].ok, 1);
	ADD(n_ok, 1);
	w->age = 0;
	if (wi == 0 && opt_traffic)
		traffic_update(w);
}

static struct dev *pick_dev(struct ctx *c, struct world *w, unsigned int kinds)
{
	int i, n = 0, idx[MAX_VIEW];

	for (i = 0; i < w->ndev; i++)
		if (kinds & KB(w->dev[i].kind))
			idx[n++] = i;
	return n ? &w->dev[idx[below(&c->r, n)]] : NULL;
}

static enum kind pick_kind(struct ctx *c, unsigned int kinds)
{
	enum kind k[K_NUM];
	int i, n = 0;

	kinds &= opt_kinds;
	for (i = K_VNET; i < K_NUM; i++)
		if (kinds & KB(i))
			k[n++] = i;
	return n ? k[below(&c->r, n)] : K_OTHER;
}

static void fresh_name(struct ctx *c, char *name, const char *suffix)
{
	snprintf(name, IFNAMSIZ, "%s%c%u%s", opt_prefix, 'a' + c->id, c->names++, suffix);
}

/* IFLA_NET_NS_PID or IFLA_NET_NS_FD of a random live slot (or of the initial namespace) */
static bool put_netns(struct ctx *c, struct msg *m, bool allow_init)
{
	pid_t pid;
	int fd;

	if (allow_init && chance(&c->r, 30)) {
		if (chance(&c->r, 50))
			put_u32(m, IFLA_NET_NS_PID, 1);
		else
			put_u32(m, IFLA_NET_NS_FD, init_ns_fd);
		return true;
	}
	if (!opt_slots || !slot_get(below(&c->r, opt_slots), &pid, &fd))
		return false;
	if (chance(&c->r, 50))
		put_u32(m, IFLA_NET_NS_PID, pid);
	else
		put_u32(m, IFLA_NET_NS_FD, fd);
	return true;
}

static const uint32_t bad_mtus[] = { 0, 1, 67, 65536, 65537, 0x7fffffff, 0x80000000, 0xffffffff };
static const uint32_t good_mtus[] = { 68, 576, 1280, 1500, 9000, 65535 };

static uint32_t some_mtu(struct ctx *c)
{
	if (chance(&c->r, 60))
		return PICK(&c->r, good_mtus);
	return 68 + below(&c->r, 65535 - 68 + 1);
}

/* The optional attributes of a device being created, valid ones. */
static void put_link_extras(struct ctx *c, struct world *w, struct msg *m, enum kind k,
			    bool *in_slot, bool netns)
{
	unsigned char mac[ETH_ALEN];

	if (chance(&c->r, 20))
		put_u32(m, IFLA_MTU, some_mtu(c));
	if (chance(&c->r, 20)) {
		rnd_unicast(&c->r, mac);
		put(m, IFLA_ADDRESS, mac, ETH_ALEN);
	}
	if (chance(&c->r, 10))
		put_u32(m, IFLA_TXQLEN, below(&c->r, 3) ? below(&c->r, 10000) : 0xffffffff);
	if (chance(&c->r, 8))
		put_u32(m, IFLA_NUM_TX_QUEUES, 1 + below(&c->r, 16));
	if (chance(&c->r, 8))
		put_u32(m, IFLA_NUM_RX_QUEUES, 1 + below(&c->r, 16));
	if (chance(&c->r, 10))
		put_u32(m, IFLA_GROUP, FUZZ_GROUP + below(&c->r, 3));
	if (k != K_VSWITCH && chance(&c->r, 15)) {
		struct dev *sw = pick_dev(c, w, KB(K_VSWITCH));

		if (sw)
			put_u32(m, IFLA_MASTER, sw->ifindex);
	}
	*in_slot = false;
	if (netns && w->slot < 0 && chance(&c->r, 12))
		*in_slot = put_netns(c, m, false);
	if (chance(&c->r, 30))
		msg_ifi(m)->ifi_flags = IFF_UP, msg_ifi(m)->ifi_change = IFF_UP;
}

/* VPAIR_INFO_PEER: an ifinfomsg and the peer's attributes, valid ones */
static void put_peer(struct ctx *c, struct msg *m, const char *peer_name, bool name_optional,
		     bool up_ok)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	unsigned char mac[ETH_ALEN];
	size_t nest = nest_start(m, VPAIR_INFO_PEER);
	bool in_slot = false;

	/* the peer up at creation: vpair (as veth) refuses it, ENOTCONN; see new/vpair-peer-up */
	if (up_ok && chance(&c->r, 10))
		ifi.ifi_flags = ifi.ifi_change = IFF_UP;
	msg_append(m, &ifi, sizeof(ifi));
	if (chance(&c->r, 15))
		in_slot = put_netns(c, m, false);
	if (!(in_slot && name_optional && chance(&c->r, 30)))
		put_str(m, IFLA_IFNAME, peer_name);
	if (chance(&c->r, 20)) {
		rnd_unicast(&c->r, mac);
		put(m, IFLA_ADDRESS, mac, ETH_ALEN);
	}
	if (chance(&c->r, 20))
		put_u32(m, IFLA_MTU, some_mtu(c));
	if (chance(&c->r, 8))
		put_u32(m, IFLA_TXQLEN, below(&c->r, 5000));
	if (chance(&c->r, 8))
		put_u32(m, IFLA_GROUP, FUZZ_GROUP + below(&c->r, 3));
	nest_end(m, nest);
}

/* an attribute stream of random types, lengths and bytes */
static void put_garbage(struct ctx *c, struct msg *m, int maxtype)
{
	int i, n = 1 + below(&c->r, 4);

	for (i = 0; i < n; i++) {
		unsigned char junk[64];
		size_t len = below(&c->r, sizeof(junk));
		int type = below(&c->r, 4) ? (int)below(&c->r, maxtype + 3) :
					     (int)below(&c->r, 0x8000);

		rnd_bytes(&c->r, junk, len);
		if (chance(&c->r, 20))
			put_raw(m, type, junk, len, len + 1 + below(&c->r, 200));
		else
			put(m, type, junk, len);
	}
}

/*
 * A create message for kind @k: RTM_NEWLINK with a fresh name and the linkinfo; @data_fn fills
 * IFLA_INFO_DATA (NULL: the kind's valid data).
 */
struct create {
	enum kind kind;
	char name[IFNAMSIZ];
	char peer[IFNAMSIZ];
	bool in_slot;
	bool up_ok;		/* the peer may be asked up */
	size_t data;		/* offset of IFLA_INFO_DATA's header, 0 if none */
	size_t linkinfo;
};

enum extras { NO_EXTRAS, EXTRAS_HERE, EXTRAS };	/* EXTRAS: the device may go to a slot */

static void create_begin(struct ctx *c, struct world *w, struct msg *m, struct create *cr,
			 enum kind k, enum extras extras)
{
	memset(cr, 0, sizeof(*cr));
	cr->kind = k;
	fresh_name(c, cr->name, "");
	fresh_name(c, cr->peer, "p");
	msg_init(m, RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	put_str(m, IFLA_IFNAME, cr->name);
	m->mut_start = m->nh.nlmsg_len;
	if (extras != NO_EXTRAS)
		put_link_extras(c, w, m, k, &cr->in_slot, extras == EXTRAS);
}

static void linkinfo_begin(struct ctx *c, struct msg *m, struct create *cr, const char *kind)
{
	cr->linkinfo = nest_start(m, IFLA_LINKINFO | (chance(&c->r, 50) ? NLA_F_NESTED : 0));
	put_str(m, IFLA_INFO_KIND, kind);
	cr->data = nest_start(m, IFLA_INFO_DATA | (chance(&c->r, 50) ? NLA_F_NESTED : 0));
}

static void linkinfo_end(struct msg *m, struct create *cr)
{
	nest_end(m, cr->data);
	nest_end(m, cr->linkinfo);
}

/* the valid IFLA_INFO_DATA of a kind, into an open data nest */
static void put_valid_data(struct ctx *c, struct msg *m, struct create *cr)
{
	if (cr->kind == K_VSWITCH && chance(&c->r, 50)) {
		static const uint32_t ages[] = { 10, 11, 60, 300, 999999, 1000000 };

		put_u32(m, VSW_INFO_AGEING_TIME,
			chance(&c->r, 50) ? PICK(&c->r, ages) : 10 + below(&c->r, 1000000 - 9));
	}
	if (cr->kind == K_VPAIR)
		put_peer(c, m, cr->peer, cr->in_slot, cr->up_ok);
}

static void create_valid(struct ctx *c, struct world *w, struct msg *m, struct create *cr,
			 enum kind k)
{
	create_begin(c, w, m, cr, k, EXTRAS);
	cr->up_ok = true;
	if (k == K_VPAIR && cr->in_slot && chance(&c->r, 20)) {
		/* no data at all: the peer, named by the kernel, goes where the device goes */
		size_t li = nest_start(m, IFLA_LINKINFO);

		put_str(m, IFLA_INFO_KIND, kind_names[k]);
		nest_end(m, li);
		return;
	}
	linkinfo_begin(c, m, cr, kind_names[k]);
	put_valid_data(c, m, cr);
	linkinfo_end(m, cr);
}

/*
 * An ifindex in use in another namespace (a slot this thread has seen) and, in the message, the
 * IFLA_NET_NS_FD that sends the new device there: the core finds the clash only when it
 * registers the device, after the kind's ndo_init ran.
 */
static bool taken_elsewhere(struct ctx *c, struct world *w, int *ifindex, int *fd)
{
	unsigned int i = below(&c->r, opt_slots ? opt_slots : 1);
	struct world *o = &c->w[i + 1];
	pid_t pid;

	if (!opt_slots || o == w || !o->ndev || !slot_get(i, &pid, fd))
		return false;
	*ifindex = o->dev[below(&c->r, o->ndev)].ifindex;
	return true;
}

/* A peer nest with one defect, for the vpair cases. */
static void put_bad_peer(struct ctx *c, struct world *w, struct msg *m, struct create *cr,
			 enum case_id id)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	unsigned char buf[64];
	size_t nest = nest_start(m, VPAIR_INFO_PEER);
	pid_t pid;
	int fd;

	switch (id) {
	case D_VP_PEER_SHORT: {
		size_t n = below(&c->r, sizeof(ifi));

		rnd_bytes(&c->r, buf, n);
		msg_append(m, buf, n);
		nest_end(m, nest);
		return;
	}
	case D_VP_IFINDEX_NEG:
		ifi.ifi_index = -(int)(1 + below(&c->r, 0x7fffffff));
		break;
	case D_VP_IFINDEX_TAKEN:
		/* the peer's index counts only when the device's own is given too */
		msg_ifi(m)->ifi_index = 100000 + below(&c->r, 1000000);
		ifi.ifi_index = 1;
		if (w->ndev && chance(&c->r, 50))
			ifi.ifi_index = w->dev[below(&c->r, w->ndev)].ifindex;
		if (chance(&c->r, 50) && taken_elsewhere(c, w, &ifi.ifi_index, &fd)) {
			/* taken in the namespace the peer goes to */
			msg_append(m, &ifi, sizeof(ifi));
			put_str(m, IFLA_IFNAME, cr->peer);
			put_u32(m, IFLA_NET_NS_FD, fd);
			nest_end(m, nest);
			return;
		}
		break;
	default:
		break;
	}
	msg_append(m, &ifi, sizeof(ifi));
	switch (id) {
	case D_VP_PEER_GARBAGE:
		put_str(m, IFLA_IFNAME, cr->peer);
		put_garbage(c, m, IFLA_MAX);
		break;
	case D_VP_PEER_TRUNC: {
		uint32_t mtu = 1500;

		put_str(m, IFLA_IFNAME, cr->peer);
		put_raw(m, IFLA_MTU, &mtu, 4, 4 + 1 + below(&c->r, 100));
		break;
	}
	case D_VP_NAME_LONG:
		/* IFNAMSIZ and more: the policy refuses it */
		memset(buf, 'x', sizeof(buf));
		memcpy(buf, cr->peer, strlen(cr->peer));
		buf[16 + below(&c->r, 40)] = 0;
		put_str(m, IFLA_IFNAME, (char *)buf);
		break;
	case D_VP_NAME_BAD: {
		static const char *const bad[] = {
			"", ".", "..", "/", ":", " ", "fz a", "fz/a", "fz:a"
		};
		const char *b = PICK(&c->r, bad);

		put_str(m, IFLA_IFNAME, b);
		break;
	}
	case D_VP_NAME_DUP:
		/* the device's own name (another device's may be gone by now) */
		put_str(m, IFLA_IFNAME, cr->name);
		break;
	case D_VP_ADDR_LEN: {
		static const unsigned int lens[] = { 0, 1, 5, 7, 8, 16, 32 };
		unsigned int n = PICK(&c->r, lens);

		put_str(m, IFLA_IFNAME, cr->peer);
		rnd_unicast(&c->r, buf);
		put(m, IFLA_ADDRESS, buf, n);
		break;
	}
	case D_VP_ADDR_BAD:
		put_str(m, IFLA_IFNAME, cr->peer);
		memset(buf, 0, ETH_ALEN);
		if (chance(&c->r, 33))
			memset(buf, 0xff, ETH_ALEN);
		else if (chance(&c->r, 50))
			rnd_bytes(&c->r, buf, ETH_ALEN), buf[0] |= 1;
		put(m, IFLA_ADDRESS, buf, ETH_ALEN);
		break;
	case D_VP_MTU:
		put_str(m, IFLA_IFNAME, cr->peer);
		put_u32(m, IFLA_MTU, PICK(&c->r, bad_mtus));
		break;
	case D_VP_MTU_LEN: {
		uint64_t v = 1500;

		put_str(m, IFLA_IFNAME, cr->peer);
		put(m, IFLA_MTU, &v, PICK(&c->r, ((const unsigned int[]){ 0, 1, 2, 3 })));
		break;
	}
	case D_VP_NETNS_MISSING:
		put_str(m, IFLA_IFNAME, cr->peer);
		switch (below(&c->r, 4)) {
		case 0: put_u32(m, IFLA_NET_NS_PID, 0x3ffffff0 + below(&c->r, 15)); break;
		case 1: put_u32(m, IFLA_NET_NS_FD, 0xffffffff); break;
		case 2: put_u32(m, IFLA_NET_NS_FD, 900 + below(&c->r, 100)); break;
		default: put_u32(m, IFLA_NET_NS_FD, devnull_fd); break;
		}
		break;
	case D_VP_NETNS_BOTH:
		put_str(m, IFLA_IFNAME, cr->peer);
		if (opt_slots && slot_get(below(&c->r, opt_slots), &pid, &fd)) {
			put_u32(m, IFLA_NET_NS_PID, pid);
			put_u32(m, IFLA_NET_NS_FD, init_ns_fd);
		} else {
			put_u32(m, IFLA_NET_NS_PID, 1);
			put_u32(m, IFLA_NET_NS_FD, init_ns_fd);
		}
		break;
	case D_VP_TXQ:
		put_str(m, IFLA_IFNAME, cr->peer);
		switch (below(&c->r, 4)) {
		case 0: put_u32(m, IFLA_NUM_TX_QUEUES, 0); break;
		case 1: put_u32(m, IFLA_NUM_RX_QUEUES, 0); break;
		case 2: put_u32(m, IFLA_NUM_TX_QUEUES, 4097 + below(&c->r, 100000)); break;
		default: put_u32(m, IFLA_NUM_RX_QUEUES, 0xffffffff); break;
		}
		break;
	case D_VP_GSO:
		put_str(m, IFLA_IFNAME, cr->peer);
		/*
		 * below what a TCP header needs: the core's policy says so for the device. Its
		 * bound (MAX_TCP_HEADER) depends on the config, but is never 128 or less.
		 */
		put_u32(m, IFLA_GSO_MAX_SIZE, below(&c->r, 129));
		break;
	case D_VP_PEER_EXTRA: {
		/* attributes a peer does not use: ignored, as veth does */
		size_t li;

		put_str(m, IFLA_IFNAME, cr->peer);
		switch (below(&c->r, 8)) {
		case 5: put_u32(m, IFLA_GSO_MAX_SEGS, below(&c->r, 2) ? 0 : 0xffffffff); break;
		case 6: put_u32(m, IFLA_GRO_MAX_SIZE, below(&c->r, 2) ? 0 : 0xffffffff); break;
		case 7: put(m, IFLA_IFNAME, cr->peer, strlen(cr->peer)); break;	/* no NUL */
		case 0:
			li = nest_start(m, IFLA_LINKINFO);
			put_str(m, IFLA_INFO_KIND, "vpair");
			put_garbage(c, m, 4);
			nest_end(m, li);
			break;
		case 1: put_u32(m, IFLA_MASTER, 0x7ffffff0); break;
		case 2: put_u32(m, IFLA_LINK, below(&c->r, 100)); break;
		case 3: put_u32(m, IFLA_TARGET_NETNSID, rnd(&c->r)); break;
		default: put_u32(m, IFLA_PROMISCUITY, rnd(&c->r)); break;
		}
		break;
	}
	default:
		put_str(m, IFLA_IFNAME, cr->peer);
		break;
	}
	nest_end(m, nest);
}

/* IFLA_INFO_DATA with one defect, for the data/ cases; into an open data nest */
static void put_bad_data(struct ctx *c, struct world *w, struct msg *m, struct create *cr,
			 enum case_id id)
{
	static const uint32_t low[] = { 0, 1, 9 };
	static const uint32_t high[] = { 1000001, 0x7fffffff, 0x80000000, 0xffffffff };
	unsigned char buf[64];
	uint64_t v64;

	switch (id) {
	case D_SW_AGE_LOW:
	case CH_VSWITCH_BAD:
		if (id == CH_VSWITCH_BAD && chance(&c->r, 50))
			put_u32(m, VSW_INFO_AGEING_TIME, PICK(&c->r, high));
		else
			put_u32(m, VSW_INFO_AGEING_TIME, PICK(&c->r, low));
		break;
	case D_SW_AGE_HIGH:
		put_u32(m, VSW_INFO_AGEING_TIME, chance(&c->r, 70) ? PICK(&c->r, high) :
			1000001 + below(&c->r, 0x7fffffff));
		break;
	case D_SW_AGE_SHORT:
		v64 = 300;
		put(m, VSW_INFO_AGEING_TIME, &v64, below(&c->r, 4));
		break;
	case D_SW_AGE_LONG:
		v64 = 300;
		put(m, VSW_INFO_AGEING_TIME, &v64, 5 + below(&c->r, 4));
		break;
	case D_SW_AGE_NESTED:
		put_u32(m, VSW_INFO_AGEING_TIME | NLA_F_NESTED, 300);
		break;
	case D_SW_DUMPONLY:
		switch (below(&c->r, 4)) {
		case 0: put_u32(m, VSW_INFO_FDB_COUNT, 0); break;
		case 1: put_u32(m, VSW_INFO_FDB_MAX, 8192); break;
		case 2: put_u32(m, VSW_INFO_PORTS, 1); break;
		default: {
			/* where the FDB rode once: refused, the entries are in `bridge fdb` */
			size_t n = nest_start(m, VSW_INFO_FDB_UNUSED);

			rnd_unicast(&c->r, buf);
			put(m, 1, buf, ETH_ALEN);
			nest_end(m, n);
		}
		}
		break;
	case D_SW_UNKNOWN:
	case D_VP_UNKNOWN:
		put_u32(m, PICK(&c->r, ((const int[]){ 0, VSW_INFO_MAX + 1, VPAIR_INFO_MAX + 1, 100,
						      0x3fff })), rnd(&c->r));
		if (cr->kind == K_VPAIR)
			/* else the kernel names the peer */
			put_peer(c, m, cr->peer, false, false);
		break;
	case D_SW_TRUNC:
		put_raw(m, VSW_INFO_AGEING_TIME, &(uint32_t){ 300 }, 4, 4 + 1 + below(&c->r, 300));
		break;
	case D_SW_TRAIL:
		put_u32(m, VSW_INFO_AGEING_TIME, 300);
		rnd_bytes(&c->r, buf, 3);
		msg_append(m, buf, 1 + below(&c->r, 3));
		break;
	case D_SW_GARBAGE:
	case D_VP_GARBAGE:
	case CH_VSWITCH_GARBAGE:
		if (id == D_VP_GARBAGE)
			/* else the kernel names the peer */
			put_peer(c, m, cr->peer, false, false);
		if (chance(&c->r, 50)) {
			size_t n = 1 + below(&c->r, sizeof(buf));

			rnd_bytes(&c->r, buf, n);
			msg_append(m, buf, n);
		} else {
			put_garbage(c, m, cr->kind == K_VPAIR ? VPAIR_INFO_MAX : VSW_INFO_MAX);
		}
		break;
	case D_VP_DUMPONLY:
		if (chance(&c->r, 50))
			put_u32(m, VPAIR_INFO_PEER_IFINDEX, 1 + below(&c->r, 100));
		else
			put_u8(m, VPAIR_INFO_GRO, 1);
		if (chance(&c->r, 50))
			put_peer(c, m, cr->peer, false, false);
		break;
	case D_VNET_DATA:
	case CH_VNET:
		put_garbage(c, m, 4);
		break;
	case CH_VPAIR:
		if (chance(&c->r, 50))
			put_peer(c, m, cr->peer, false, false);
		else
			put_garbage(c, m, VPAIR_INFO_MAX);
		break;
	default:
		put_bad_peer(c, w, m, cr, id);
		break;
	}
}

/* RTM_NEWLINK (no NLM_F_CREATE) or RTM_SETLINK on an existing device, aimed by its ifindex */
static void modify_begin(struct msg *m, int type, const struct dev *d)
{
	msg_init(m, type, NLM_F_ACK);
	msg_ifi(m)->ifi_index = d->ifindex;
	m->mut_start = m->nh.nlmsg_len;
}

/*
 * Build the message of case @id in world @w. Returns false when the case cannot be built here (no
 * device to aim at): the caller picks another. @cr tells what a create would make.
 */
static bool build(struct ctx *c, struct world *w, enum case_id id, struct msg *m, struct create *cr)
{
	const struct case_def *cd = &cases[id];
	enum kind k = pick_kind(c, cd->kinds);
	unsigned char mac[ETH_ALEN];
	struct dev *d, *sw;

	memset(cr, 0, sizeof(*cr));
	if (k == K_OTHER)
		return false;
	switch (cd->cls) {
	case C_NEW:
		create_valid(c, w, m, cr, k);
		if (id == NEW_IFINDEX)
			msg_ifi(m)->ifi_index = 100000 + below(&c->r, 1000000);
		if (id == NEW_VPAIR_UP) {
			/* ip link add A type vpair peer name B up: both ends up at once */
			struct ifinfomsg ifi = { .ifi_flags = IFF_UP, .ifi_change = IFF_UP };
			size_t nest;

			create_begin(c, w, m, cr, K_VPAIR, NO_EXTRAS);
			linkinfo_begin(c, m, cr, "vpair");
			nest = nest_start(m, VPAIR_INFO_PEER);
			msg_append(m, &ifi, sizeof(ifi));
			put_str(m, IFLA_IFNAME, cr->peer);
			nest_end(m, nest);
			linkinfo_end(m, cr);
		}
		if (id == NEW_NAMEPAT) {
			/* "PREFIX%d": the kernel picks the number; still ours */
			char pat[IFNAMSIZ];

			create_begin(c, w, m, cr, k, NO_EXTRAS);
			msg_init(m, RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
			snprintf(pat, sizeof(pat), "%s%c%%d", opt_prefix, 'a' + c->id);
			put_str(m, IFLA_IFNAME, pat);
			linkinfo_begin(c, m, cr, kind_names[k]);
			put_valid_data(c, m, cr);
			linkinfo_end(m, cr);
		}
		return true;
	case C_DATA:
		if (id >= CH_VSWITCH_OK) {
			/* change: IFLA_INFO_DATA on an existing device */
			d = pick_dev(c, w, id == CH_SLAVE_DATA || id == CH_WRONG_KIND ? KA : KB(k));
			if (!d)
				return false;
			modify_begin(m, RTM_NEWLINK, d);
			cr->kind = d->kind;
			snprintf(cr->peer, sizeof(cr->peer), "%s", d->name);
			if (id == CH_SLAVE_DATA) {
				size_t li, sd;

				if (!d->master)
					return false;
				li = nest_start(m, IFLA_LINKINFO);
				put_str(m, IFLA_INFO_SLAVE_KIND, "vswitch");
				sd = nest_start(m, IFLA_INFO_SLAVE_DATA);
				put_garbage(c, m, 4);
				nest_end(m, sd);
				nest_end(m, li);
				return true;
			}
			if (id == CH_WRONG_KIND) {
				enum kind other = pick_kind(c, K_ANY & ~KB(d->kind));

				if (other == K_OTHER)
					return false;
				linkinfo_begin(c, m, cr, kind_names[other]);
				cr->kind = other;
				put_valid_data(c, m, cr);
			} else {
				linkinfo_begin(c, m, cr, kind_names[d->kind]);
				put_bad_data(c, w, m, cr, id);
			}
			linkinfo_end(m, cr);
			memset(cr->name, 0, sizeof(cr->name));
			cr->kind = K_OTHER;	/* nothing is created */
			return true;
		}
		create_begin(c, w, m, cr, k, chance(&c->r, 30) ? EXTRAS_HERE : NO_EXTRAS);
		linkinfo_begin(c, m, cr, kind_names[k]);
		put_bad_data(c, w, m, cr, id);
		linkinfo_end(m, cr);
		return true;
	case C_LINK:
		create_begin(c, w, m, cr, k, NO_EXTRAS);
		switch (id) {
		case L_MTU:
			put_u32(m, IFLA_MTU, PICK(&c->r, bad_mtus));
			break;
		case L_MTU_LEN:
			put(m, IFLA_MTU, &(uint64_t){ 1500 }, below(&c->r, 4));
			break;
		case L_ADDR_LEN:
			rnd_unicast(&c->r, mac);
			put(m, IFLA_ADDRESS, mac, PICK(&c->r, ((const unsigned int[]){ 0, 1, 5 })));
			break;
		case L_ADDR_BAD:
			memset(mac, chance(&c->r, 50) ? 0 : 0xff, ETH_ALEN);
			if (chance(&c->r, 40))
				rnd_bytes(&c->r, mac, ETH_ALEN), mac[0] |= 1;
			put(m, IFLA_ADDRESS, mac, ETH_ALEN);
			break;
		case L_QUEUES:
			put_u32(m, chance(&c->r, 50) ? IFLA_NUM_TX_QUEUES : IFLA_NUM_RX_QUEUES,
				chance(&c->r, 50) ? 0 : 4097 + below(&c->r, 0x7fffffff));
			break;
		case L_NAME_LONG: {
			/* the name is the first attribute: replace it */
			char buf[64];

			msg_init(m, RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
			memset(buf, 'y', sizeof(buf));
			memcpy(buf, cr->name, strlen(cr->name));
			buf[16 + below(&c->r, 40)] = 0;
			put_str(m, IFLA_IFNAME, buf);
			break;
		}
		case L_NAME_BAD: {
			static const char *const bad[] = {
				".", "..", "fz/b", "fz:b", "fz b", "fz\tb"
			};

			msg_init(m, RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
			put_str(m, IFLA_IFNAME, PICK(&c->r, bad));
			break;
		}
		case L_KIND_BAD: {
			size_t li = nest_start(m, IFLA_LINKINFO);
			static const char *const bad[] = { "vpai", "vswitchx", "vnet ", "VNET" };

			put_str(m, IFLA_INFO_KIND, PICK(&c->r, bad));
			nest_end(m, li);
			return true;
		}
		case L_KIND_MISSING: {
			size_t li = nest_start(m, IFLA_LINKINFO);
			size_t dn = nest_start(m, IFLA_INFO_DATA);

			put_u32(m, VSW_INFO_AGEING_TIME, 300);
			nest_end(m, dn);
			nest_end(m, li);
			return true;
		}
		case L_IFINDEX_NEG:
			msg_ifi(m)->ifi_index = -(int)(1 + below(&c->r, 0x7fffffff));
			break;
		case L_IFINDEX_TAKEN:
			if (chance(&c->r, 50)) {
				/* an index of the target namespace: found only at registration */
				int fd;

				if (!taken_elsewhere(c, w, &msg_ifi(m)->ifi_index, &fd))
					return false;
				put_u32(m, IFLA_NET_NS_FD, fd);
				break;
			}
			/* an index of this namespace: that device is the target (EEXIST) */
			msg_ifi(m)->ifi_index = 1;
			if (w->ndev && chance(&c->r, 50))
				msg_ifi(m)->ifi_index = w->dev[below(&c->r, w->ndev)].ifindex;
			break;
		case L_NETNS_BOTH:
			put_u32(m, IFLA_NET_NS_PID, 1);
			put_u32(m, IFLA_NET_NS_FD, init_ns_fd);
			break;
		case L_NETNS_MISSING:
			if (chance(&c->r, 50))
				put_u32(m, IFLA_NET_NS_PID, 0x3ffffff0 + below(&c->r, 15));
			else
				put_u32(m, IFLA_NET_NS_FD,
					chance(&c->r, 50) ? (uint32_t)devnull_fd : 0xffffffff);
			break;
		case L_MASTER_BAD:
			d = pick_dev(c, w, KB(K_VNET) | KB(K_VPAIR));
			put_u32(m, IFLA_MASTER, d && chance(&c->r, 60) ? (uint32_t)d->ifindex :
				0x7ffffff0 + below(&c->r, 15));
			break;
		case L_LINKNETNSID:
			put_u32(m, IFLA_LINK_NETNSID, 1000 + below(&c->r, 100000));
			break;
		case L_EXCL:
			d = pick_dev(c, w, K_ANY);
			if (!d)
				return false;
			msg_init(m, RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE |
				 (chance(&c->r, 50) ? NLM_F_EXCL : NLM_F_REPLACE));
			put_str(m, IFLA_IFNAME, d->name);
			m->mut_start = m->nh.nlmsg_len;
			k = d->kind;
			memset(cr->name, 0, sizeof(cr->name));
			break;
		default:
			break;
		}
		linkinfo_begin(c, m, cr, kind_names[k]);
		put_valid_data(c, m, cr);
		linkinfo_end(m, cr);
		if (id == L_EXCL)
			cr->kind = K_OTHER;
		return true;
	case C_SET:
		d = pick_dev(c, w, KB(k) | (id == S_MASTER || id == S_NOMASTER ? K_ANY : 0));
		if (!d)
			return false;
		modify_begin(m, chance(&c->r, 50) ? RTM_SETLINK : RTM_NEWLINK, d);
		switch (id) {
		case CH_VSWITCH_OK: {
			struct create tmp = { .kind = K_VSWITCH };

			d = pick_dev(c, w, KB(K_VSWITCH));
			if (!d)
				return false;
			modify_begin(m, RTM_NEWLINK, d);
			linkinfo_begin(c, m, &tmp, "vswitch");
			put_u32(m, VSW_INFO_AGEING_TIME, 10 + below(&c->r, 1000000 - 9));
			linkinfo_end(m, &tmp);
			break;
		}
		case S_UPDOWN:
			msg_ifi(m)->ifi_change = IFF_UP;
			msg_ifi(m)->ifi_flags = chance(&c->r, 60) ? IFF_UP : 0;
			if (chance(&c->r, 10)) {
				msg_ifi(m)->ifi_change = 0xffffffff;
				msg_ifi(m)->ifi_flags = rnd(&c->r);
			}
			break;
		case S_MTU:
			put_u32(m, IFLA_MTU,
				chance(&c->r, 25) ? PICK(&c->r, bad_mtus) : some_mtu(c));
			break;
		case S_ADDR:
			rnd_unicast(&c->r, mac);
			if (chance(&c->r, 20))
				mac[0] |= 1;
			put(m, IFLA_ADDRESS, mac, chance(&c->r, 90) ? ETH_ALEN : below(&c->r, 6));
			break;
		case S_MASTER:
			sw = pick_dev(c, w, KB(K_VSWITCH));
			if (!sw)
				return false;
			if (chance(&c->r, 5))
				sw = d;	/* itself */
			put_u32(m, IFLA_MASTER, sw->ifindex);
			if (chance(&c->r, 20))
				msg_ifi(m)->ifi_flags = msg_ifi(m)->ifi_change = IFF_UP;
			break;
		case S_NOMASTER:
			put_u32(m, IFLA_MASTER, 0);
			break;
		case S_NETNS:
			if (!put_netns(c, m, w->slot >= 0))
				return false;
			if (chance(&c->r, 20)) {
				char name[IFNAMSIZ];

				fresh_name(c, name, "m");
				put_str(m, IFLA_IFNAME, name);
			}
			break;
		case S_RENAME: {
			char name[IFNAMSIZ];

			fresh_name(c, name, "r");
			if (chance(&c->r, 15))	/* taken */
				memcpy(name, w->dev[below(&c->r, w->ndev)].name, IFNAMSIZ);
			put_str(m, IFLA_IFNAME, name);
			break;
		}
		case S_MISC:
			switch (below(&c->r, 10)) {
			case 0: put_u32(m, IFLA_TXQLEN, rnd(&c->r)); break;
			case 1: put_u32(m, IFLA_GROUP, FUZZ_GROUP + below(&c->r, 3)); break;
			case 2: put_str(m, IFLA_IFALIAS, "fuzzed"); break;
			case 3: put_u8(m, IFLA_CARRIER, below(&c->r, 2)); break;
			case 4: put_u8(m, IFLA_PROTO_DOWN, below(&c->r, 2)); break;
			case 5: put_u32(m, IFLA_GSO_MAX_SIZE, rnd(&c->r) & 0x1ffff); break;
			case 6: put_u32(m, IFLA_GSO_MAX_SEGS, rnd(&c->r) & 0xffff); break;
			case 7: put_u32(m, IFLA_GRO_MAX_SIZE, rnd(&c->r) & 0x1ffff); break;
			case 8: put_u8(m, IFLA_OPERSTATE, below(&c->r, 8)); break;
			default: put_u8(m, IFLA_LINKMODE, below(&c->r, 3)); break;
			}
			break;
		default:
			break;
		}
		return true;
	case C_DEL:
		msg_init(m, RTM_DELLINK, NLM_F_ACK);
		switch (id) {
		case DEL_NAME:
		case DEL_INDEX:
			d = pick_dev(c, w, KB(k));
			if (!d)
				return false;
			if (id == DEL_NAME)
				put_str(m, IFLA_IFNAME, d->name);
			else
				msg_ifi(m)->ifi_index = d->ifindex;
			break;
		case DEL_MISSING: {
			char name[IFNAMSIZ];

			fresh_name(c, name, "z");
			put_str(m, IFLA_IFNAME, name);
			break;
		}
		default:
			/* a group only our devices are in; never 0, where lo is */
			put_u32(m, IFLA_GROUP, FUZZ_GROUP + below(&c->r, 3));
			break;
		}
		return true;
	case C_GET:
		switch (id) {
		case GET_ONE:
			d = pick_dev(c, w, K_ANY);
			if (!d)
				return false;
			msg_init(m, RTM_GETLINK, NLM_F_ACK);
			if (chance(&c->r, 50))
				msg_ifi(m)->ifi_index = d->ifindex;
			else
				put_str(m, IFLA_IFNAME, d->name);
			if (chance(&c->r, 30))
				put_u32(m, IFLA_EXT_MASK, rnd(&c->r) & 0xff);
			break;
		case GET_DUMP:
			dump_request(m, rnd(&c->r) & 0xff);
			break;
		case GET_FILTER: {
			size_t li;

			msg_init(m, RTM_GETLINK, NLM_F_DUMP);
			if (chance(&c->r, 50)) {
				sw = pick_dev(c, w, KB(K_VSWITCH));
				put_u32(m, IFLA_MASTER, sw ? sw->ifindex : 0x7fffffff);
			} else {
				li = nest_start(m, IFLA_LINKINFO);
				put_str(m, IFLA_INFO_KIND, kind_names[k]);
				nest_end(m, li);
			}
			put_u32(m, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
			break;
		}
		default:
			/* with NLM_F_ACK: one too short for the core is skipped, acked with 0 */
			msg_init(m, RTM_GETLINK, NLM_F_ACK | (chance(&c->r, 50) ? NLM_F_DUMP : 0));
			switch (below(&c->r, 4)) {
			case 0:	/* a header shorter than ifinfomsg */
				m->nh.nlmsg_len =
					NLMSG_LENGTH(below(&c->r, sizeof(struct ifinfomsg)));
				break;
			case 1:
				put_garbage(c, m, IFLA_MAX);
				break;
			case 2:
				msg_ifi(m)->ifi_index = rnd(&c->r);
				msg_ifi(m)->ifi_flags = rnd(&c->r);
				msg_ifi(m)->ifi_change = rnd(&c->r);
				break;
			default:
				put(m, IFLA_EXT_MASK, &(uint32_t){ 0xffffffff }, below(&c->r, 4));
				break;
			}
			break;
		}
		return true;
	case C_MUT:
		/* a valid message, then damaged past the name */
		/*
		 * A damaged create may lose its name (or its vpair peer's: the kernel then names
		 * the peer vpairN), a damaged change may rename: only in a slot, which takes them
		 * along when it goes.
		 */
		if (w->slot < 0)
			return false;
		if (id == MUT_NEW) {
			create_valid(c, w, m, cr, k);
		} else {
			static const enum case_id set[] = { S_MTU, S_MASTER, S_NETNS, S_MISC,
							    CH_VSWITCH_OK, S_ADDR };

			if (!build(c, w, PICK(&c->r, set), m, cr))
				return false;
		}
		return true;
	}
	return false;
}

/* byte-level damage past m->mut_start: flips, length fields, truncation, trailing junk */
static void mutate(struct ctx *c, struct msg *m)
{
	int i, n = 1 + below(&c->r, 4);
	size_t start = m->mut_start, len = m->nh.nlmsg_len;

	if (len <= start + 4)
		return;
	for (i = 0; i < n; i++) {
		size_t at = start + below(&c->r, len - start);

		switch (below(&c->r, 6)) {
		case 0:
			m->b[at] ^= 1u << below(&c->r, 8);
			break;
		case 1:
			m->b[at] = (unsigned char)rnd(&c->r);
			break;
		case 2: {	/* a 16-bit field (nla_len or nla_type) at an aligned spot */
			static const uint16_t v[] = { 0, 1, 3, 4, 5, 8, 0x7fff, 0x8000, 0xffff };
			uint16_t x = PICK(&c->r, v);

			at = start + (below(&c->r, (len - start) / 4) * 4) + 2 * below(&c->r, 2);
			if (at + 2 <= len)
				memcpy(m->b + at, &x, 2);
			break;
		}
		case 3:	/* truncate the message */
			len = start + below(&c->r, len - start);
			m->nh.nlmsg_len = len;
			return;
		case 4: {	/* junk at the end */
			unsigned char junk[16];
			size_t j = 1 + below(&c->r, sizeof(junk));

			rnd_bytes(&c->r, junk, j);
			if (len + j < MSG_SIZE) {
				memcpy(m->b + len, junk, j);
				len += j;
				m->nh.nlmsg_len = len;
			}
			break;
		}
		default: {	/* an nla_len grown past the end of the message */
			struct nlattr *a = (struct nlattr *)(m->b + start);

			if (a->nla_len >= NLA_HDRLEN)
				a->nla_len += 4 * (1 + below(&c->r, 64));
			break;
		}
		}
	}
}

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static void account(struct ctx *c, enum case_id id, const struct create *cr, int type,
		    const struct result *res, bool mutated)
{
	struct case_stat *s = &cstat[id];
	int e = res->err < 160 ? res->err : 0;

	ADD(n_sent, 1);
	ADD(s->sent, 1);
	if (res->stuck)
		ADD(n_stuck, 1);
	if (!res->err) {
		ADD(n_ok, 1);
		ADD(s->ok, 1);
		if (res->ext)
			ADD(s->ok_msg, 1);
		if (type == RTM_NEWLINK && cr->kind != K_OTHER && cr->name[0])
			ADD(n_created, cr->kind == K_VPAIR ? 2 : 1);
		if (type == RTM_DELLINK && id != DEL_GROUP)
			ADD(n_deleted, 1);
	} else {
		ADD(n_err, 1);
		ADD(err_by[e][res->ext], 1);
		if (res->err == ENODEV && !res->ext && !strncmp(cases[id].name, "change/", 7)) {
			/* another thread or a namespace's end took the target first: no answer
			 * of the driver's, which the core looks up before it asks the driver */
			ADD(s->gone, 1);
		} else if (res->ext) {
			ADD(n_err_ext, 1);
			ADD(s->err_ext, 1);
			s->ext_errno = res->err;
		} else {
			ADD(s->err_noext, 1);
			s->noext_errno = res->err;
		}
	}
	if (res->err && res->ext && !__atomic_exchange_n(&s->ext_set, 1, __ATOMIC_RELAXED))
		snprintf(s->ext_msg, sizeof(s->ext_msg), "%s", res->msg);
	if (opt_verbose) {
		pthread_mutex_lock(&out_lock);
		printf("t%d %s%s -> %s%s%s\n", c->id, cases[id].name,
		       mutated ? " (mutated)" : "",
		       res->err ? strerror(res->err) : "ok", res->ext ? ": " : "", res->msg);
		pthread_mutex_unlock(&out_lock);
	}
}

static unsigned int weight_total;

static void hexdump(struct ctx *c, enum case_id id)
{
	unsigned int i;

	pthread_mutex_lock(&out_lock);
	printf("t%d %s: sending", c->id, cases[id].name);
	for (i = 0; i < c->m.nh.nlmsg_len; i++)
		printf("%s%02x", i % 32 ? "" : "\n  ", c->m.b[i]);
	printf("\n");
	pthread_mutex_unlock(&out_lock);
}

static bool case_enabled(enum case_id id)
{
	return case_on[id] && (cases[id].kinds & opt_kinds) && cases[id].weight;
}

static enum case_id pick_case(struct ctx *c, struct world *w)
{
	unsigned int x;
	int id;

	/* keep the number of devices bounded, and never at zero for long */
	if (w->ndev >= DEV_CAP && chance(&c->r, 50))
		return DEL_INDEX;
	if (w->ndev < 4 && chance(&c->r, 40)) {
		/* whatever the selection: the change/ and set/ cases need devices to aim at */
		static const enum case_id mk[] = { NEW_VNET, NEW_VPAIR, NEW_VSWITCH };
		enum case_id id2 = PICK(&c->r, mk);

		if (cases[id2].kinds & opt_kinds)
			return id2;
	}
	x = below(&c->r, weight_total);
	for (id = 0; id < NCASES; id++) {
		if (!case_enabled(id))
			continue;
		if (x < cases[id].weight)
			return id;
		x -= cases[id].weight;
	}
	return NCASES - 1;
}

/* one namespace replaced every opt_churn ms, whichever thread gets there first */
static bool churn_due(void)
{
	static unsigned long last;
	unsigned long now = (unsigned long)(elapsed() * 1000);
	unsigned long prev = __atomic_load_n(&last, __ATOMIC_RELAXED);

	return now - prev >= opt_churn &&
	       __atomic_compare_exchange_n(&last, &prev, now, false, __ATOMIC_RELAXED,
					   __ATOMIC_RELAXED);
}

static void *fuzz_main(void *arg)
{
	struct ctx *c = arg;
	struct world scratch;

	while (!stop) {
		struct create cr;
		struct result res;
		enum case_id id = NCASES;
		struct timespec t0, t1;
		struct world *w;
		bool mutated = false;
		int wi = 0, sock, tries;

		if (__atomic_load_n(&n_sent, __ATOMIC_RELAXED) >= opt_count ||
		    elapsed() >= opt_time)
			break;
		worlds_sync(c);
		/* namespaces come and go, with whatever is in them */
		if (opt_slots && churn_due()) {
			unsigned int i = below(&c->r, opt_slots);

			pthread_mutex_lock(&slot_lock);
			slot_destroy(&slots[i]);
			slot_make(&slots[i]);
			pthread_mutex_unlock(&slot_lock);
			worlds_sync(c);
		}
		if (opt_slots && chance(&c->r, opt_inslot))
			wi = 1 + below(&c->r, opt_slots);
		sock = world_sock(c, wi);
		if (sock < 0) {
			wi = 0;
			sock = c->w[0].sock;
		}
		w = &c->w[wi];
		if (w->age++ >= 16)
			view_refresh(c, wi);

		for (tries = 0; tries < 16; tries++) {
			id = pick_case(c, w);
			if (build(c, w, id, &c->m, &cr))
				break;
			id = NCASES;
		}
		if (id == NCASES) {
			/* nothing to aim at here: make something */
			id = opt_kinds & KV ? NEW_VNET : opt_kinds & KP ? NEW_VPAIR : NEW_VSWITCH;
			if (!build(c, w, id, &c->m, &cr))
				continue;
		}
		/*
		 * Damage past the name: the mutate/ cases, and a few creates and changes (counted
		 * under mutate/ too). Only in a slot, which takes away what a damaged name or kind
		 * makes of it.
		 */
		if (cases[id].cls == C_MUT ||
		    (w->slot >= 0 && cases[id].exp == ANY &&
		     (cases[id].cls == C_NEW || cases[id].cls == C_SET) && chance(&c->r, 5))) {
			if (cases[id].cls != C_MUT)
				id = cases[id].cls == C_NEW ? MUT_NEW : MUT_SET;
			mutate(c, &c->m);
			mutated = true;
			ADD(n_mutated, 1);
		}
		if (opt_verbose > 1)
			hexdump(c, id);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		talk(c, sock, &c->m, &res,
		     id == GET_DUMP ? w : cases[id].cls == C_GET ? &scratch : NULL, false);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ADD(cstat[id].usec,
		    (t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000);
		if (id == GET_DUMP)
			w->age = 0;
		account(c, id, &cr, c->m.nh.nlmsg_type, &res, mutated);
		if (res.stuck) {
			fprintf(stderr, "nlfuzz: thread %d: %s: no answer in 30 s\n", c->id,
				cases[id].name);
			stop = 1;
		}
		/* what it aimed at may be gone, or moved: look again soon */
		if (res.err == ENODEV || (!res.err && (cases[id].cls == C_DEL || id == S_NETNS)))
			w->age += 4;
	}
	return NULL;
}

/* raw frames on our devices that are up, while the fuzzers change them */
static uint16_t csum(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint32_t s = 0;

	for (; n > 1; n -= 2, b += 2)
		s += (b[0] << 8) | b[1];
	if (n)
		s += b[0] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return htons(~s & 0xffff);
}

static size_t make_frame(struct rng *r, unsigned char *f, unsigned char *dst)
{
	unsigned char src[ETH_ALEN];
	size_t n = 14;

	rnd_unicast(r, src);
	memcpy(f + 6, src, ETH_ALEN);
	switch (below(r, 5)) {
	case 0:	/* ARP who-has 10.77.0.x */
		memset(dst, 0xff, ETH_ALEN);
		memcpy(f + 12, "\x08\x06\x00\x01\x08\x00\x06\x04\x00\x01", 10);
		memcpy(f + 22, src, ETH_ALEN);
		memcpy(f + 28, "\x0a\x4d\x00\x01", 4);
		memset(f + 32, 0, ETH_ALEN);
		memcpy(f + 38, "\x0a\x4d\x00", 3);
		f[41] = 2 + below(r, 250);
		n = 42;
		break;
	case 1: {	/* ICMP echo request 10.77.0.1 -> 10.77.0.x */
		unsigned char *ip = f + 14, *icmp = f + 34;
		size_t payload = below(r, 1400);

		rnd_unicast(r, dst);
		if (chance(r, 30))
			memset(dst, 0xff, ETH_ALEN);
		f[12] = 0x08, f[13] = 0x00;
		memset(ip, 0, 20);
		ip[0] = 0x45;
		ip[2] = (20 + 8 + payload) >> 8, ip[3] = (20 + 8 + payload) & 0xff;
		ip[8] = 64, ip[9] = 1;
		memcpy(ip + 12, "\x0a\x4d\x00\x01\x0a\x4d\x00", 7);
		ip[19] = 2 + below(r, 250);
		memcpy(ip + 10, &(uint16_t){ csum(ip, 20) }, 2);
		memset(icmp, 0, 8);
		icmp[0] = 8;
		rnd_bytes(r, icmp + 8, payload);
		memcpy(icmp + 2, &(uint16_t){ csum(icmp, 8 + payload) }, 2);
		n = 34 + 8 + payload;
		break;
	}
	case 2:	/* LLDP, a reserved 802.1D group address */
		memcpy(dst, "\x01\x80\xc2\x00\x00", 5);
		dst[5] = below(r, 16);
		f[12] = 0x88, f[13] = 0xcc;
		rnd_bytes(r, f + 14, 46);
		n = 60;
		break;
	default:	/* anything */
		rnd_bytes(r, dst, ETH_ALEN);
		n = 14 + below(r, 1500);
		rnd_bytes(r, f + 12, n - 12);
		if (chance(r, 30))
			f[12] = 0x81, f[13] = 0x00;	/* a VLAN tag and junk */
		break;
	}
	memcpy(f, dst, ETH_ALEN);
	return n;
}

static void *traffic_main(void *arg)
{
	struct rng r = { .s = opt_seed ^ 0x7452414646494355ULL };
	unsigned char frame[1600], dst[ETH_ALEN];
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	unsigned int i = 0;

	(void)arg;
	if (fd < 0) {
		fprintf(stderr, "nlfuzz: AF_PACKET socket: %s\n", strerror(errno));
		return NULL;
	}
	/*
	 * Not PACKET_QDISC_BYPASS: the devices are deleted under these sends, and Debian 6.1's
	 * AF_PACKET checks IFF_UP before it copies the frame and divides by real_num_tx_queues
	 * after (packet_pick_tx_queue), which unregister_netdevice zeroes meanwhile: a divide error
	 * in the core, not in a driver (seen once in ten suite runs). dev_queue_xmit's own queue
	 * pick survives a count of zero. The bypass path to ndo_start_xmit is covered by
	 * tests/vnet.sh test_teardown_races_bypass_xmit, which closes the device first.
	 */
	while (!stop) {
		struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_halen = ETH_ALEN };
		size_t n;

		pthread_mutex_lock(&traffic_lock);
		sll.sll_ifindex = traffic_n ? traffic_if[below(&r, traffic_n)] : 0;
		pthread_mutex_unlock(&traffic_lock);
		if (!sll.sll_ifindex) {
			usleep(10000);
			continue;
		}
		n = make_frame(&r, frame, dst);
		memcpy(sll.sll_addr, dst, ETH_ALEN);
		if (sendto(fd, frame, n, MSG_DONTWAIT, (struct sockaddr *)&sll,
			   sizeof(sll)) > 0)
			ADD(n_frames, 1);
		if (opt_rate)
			usleep(1000000 / opt_rate);
		else if (++i % 16 == 0)
			usleep(2000);
	}
	close(fd);
	return NULL;
}

/*
 * Devices present before the run, which the cleanup leaves alone unless they carry the prefix: by
 * index, and by name (vnet0 comes back under its name, with a new index, when vnet is reloaded).
 */
static struct dev before[MAX_VIEW];
static int nbefore;

static bool was_there(const struct dev *d)
{
	int i;

	for (i = 0; i < nbefore; i++)
		if (before[i].ifindex == d->ifindex || !strcmp(before[i].name, d->name))
			return true;
	return false;
}

/* the initial namespace's devices (all of them) */
static void dump_all(struct ctx *c, struct world *w)
{
	struct result res;

	dump_request(&c->m, RTEXT_FILTER_SKIP_STATS);
	talk(c, c->w[0].sock, &c->m, &res, w, true);
	if (res.err)
		die("dump: %s", strerror(res.err));
}

/* " KIND IFINDEX 'NAME'" at the end of @list, the name's odd bytes as \xNN */
static void stray_add(char *list, size_t size, const struct dev *d)
{
	size_t at = strlen(list);
	int j;

	if (at + 4 * IFNAMSIZ + 32 >= size)
		return;
	at += sprintf(list + at, " %s %d '", kind_names[d->kind], d->ifindex);
	for (j = 0; d->name[j]; j++) {
		unsigned char ch = d->name[j];

		at += sprintf(list + at, ch > ' ' && ch < 127 ? "%c" : "\\x%02x", ch);
	}
	strcpy(list + at, "'");
}

/* Delete what was made here. Returns how many devices are left that should not be. */
static int cleanup(struct ctx *c, unsigned long *removed, unsigned long *strays, char *stray_names,
		   size_t stray_len)
{
	static struct world w;
	int round, i, left = 0;

	for (round = 0; round < 30; round++) {
		int todo = 0;

		dump_all(c, &w);
		left = 0;
		for (i = 0; i < w.ndev; i++) {
			struct dev *d = &w.dev[i];
			struct result res;

			if (!ours(d->name) && (d->kind == K_OTHER || was_there(d)))
				continue;
			left++;
			todo++;
			msg_init(&c->m, RTM_DELLINK, NLM_F_ACK);
			msg_ifi(&c->m)->ifi_index = d->ifindex;
			talk(c, c->w[0].sock, &c->m, &res, NULL, false);
			if (!res.err) {
				(*removed)++;
				if (!ours(d->name)) {
					(*strays)++;
					stray_add(stray_names, stray_len, d);
				}
			} else if (round >= 10) {
				printf("cannot delete %s (ifindex %d): %s%s%s\n", d->name,
				       d->ifindex, strerror(res.err), res.ext ? ": " : "", res.msg);
			}
		}
		if (!todo)
			return 0;
		usleep(100000);
	}
	return left;
}

static const char *errname(int e)
{
	const char *n = strerrorname_np(e);

	return n ? n : "?";
}

static void report(double secs)
{
	int e, id;

	printf("messages %lu in %.1f s (%.0f/s): accepted %lu, refused %lu "
	       "(%lu with an extack message, %lu without), mutated %lu\n",
	       n_sent, secs, n_sent / (secs > 0 ? secs : 1), n_ok, n_err, n_err_ext,
	       n_err - n_err_ext, n_mutated);
	printf("devices created %lu, deleted by RTM_DELLINK %lu; namespaces made %lu, "
	       "destroyed %lu", n_created, n_deleted, n_ns_made, n_ns_gone);
	if (opt_traffic)
		printf("; frames sent %lu", n_frames);
	printf("\n");
	printf("refusals by errno:");
	for (e = 1; e < 160; e++)
		if (err_by[e][0] + err_by[e][1])
			printf(" %s %lu (%lu with extack)", errname(e), err_by[e][0] + err_by[e][1],
			       err_by[e][1]);
	printf("\n");
	printf("%-34s %6s %6s %6s %6s %5s %6s  %s\n", "case", "sent", "ok", "err+m", "err-m", "gone",
	       "ms", "last errno, first extack message");
	for (id = 0; id < NCASES; id++) {
		struct case_stat *s = &cstat[id];

		if (!s->sent)
			continue;
		printf("%-34s %6lu %6lu %6lu %6lu %5lu %6.1f  %s%s%s%s%s\n", cases[id].name,
		       s->sent, s->ok, s->err_ext, s->err_noext, s->gone,
		       s->usec / 1000.0 / s->sent,
		       s->err_ext ? errname(s->ext_errno) : "",
		       s->err_noext ? (s->err_ext ? "/" : "") : "",
		       s->err_noext ? errname(s->noext_errno) : "",
		       s->ext_set ? " \"" : "", s->ext_set ? s->ext_msg : "");
	}
}

/*
 * Malformed input accepted, or refused without saying why; valid input refused. In IFLA_INFO_DATA
 * of our kinds (data/, change/) the drivers answer for it; link/ cases are the core's attributes.
 */
static int findings(void)
{
	int id, n = 0;

	for (id = 0; id < NCASES; id++) {
		struct case_stat *s = &cstat[id];
		const char *who = cases[id].cls == C_LINK ? "core attribute" : "our kinds";

		if (!s->sent || cases[id].exp == ANY)
			continue;
		if (cases[id].exp == OK && s->err_noext) {
			printf("finding (%s): %s: valid, refused %lu of %lu without a message "
			       "(%s)\n", who, cases[id].name, s->err_noext, s->sent,
			       errname(s->noext_errno));
			n++;
		}
		if (cases[id].exp == OK && s->err_ext) {
			printf("finding (%s): %s: valid, refused %lu of %lu (%s: %s)\n", who,
			       cases[id].name, s->err_ext, s->sent, errname(s->ext_errno),
			       s->ext_msg);
			n++;
		}
		if (cases[id].exp != ERR)
			continue;
		if (s->ok) {
			printf("finding (%s): %s: malformed, accepted %lu of %lu\n", who,
			       cases[id].name, s->ok, s->sent);
			n++;
		}
		if (s->err_noext) {
			printf("finding (%s): %s: refused without an extack message %lu of %lu "
			       "(%s)\n", who, cases[id].name, s->err_noext, s->sent,
			       errname(s->noext_errno));
			n++;
		}
	}
	return n;
}

/* the -e cases: each must have been refused, every time, with an extack message */
static int must_fail(void)
{
	int id, n = 0;

	for (id = 0; id < NCASES; id++)
		if (case_must[id] && (cstat[id].ok || cstat[id].err_noext)) {
			printf("FAIL: %s: %lu of %lu accepted, %lu refused without a message\n",
			       cases[id].name, cstat[id].ok, cstat[id].sent, cstat[id].err_noext);
			n++;
		}
	return n;
}

/*
 * -F: only frames, on every device of ours that is up in this namespace (looked up five times a
 * second: a dump holds RTNL), for -t seconds; what a storm's traffic needs.
 */
static int flood(void)
{
	static struct ctx c;
	static struct world w;
	pthread_t traffic;
	unsigned long looks = 0;
	double secs;

	c.w[0].sock = nl_open();
	if (c.w[0].sock < 0)
		die("netlink socket: %s", strerror(errno));
	clock_gettime(CLOCK_MONOTONIC, &t_start);
	if (pthread_create(&traffic, NULL, traffic_main, NULL))
		die("pthread_create");
	while (elapsed() < opt_time) {
		struct result res;

		dump_request(&c.m, RTEXT_FILTER_SKIP_STATS);
		talk(&c, c.w[0].sock, &c.m, &res, &w, false);
		if (!res.err)
			traffic_update(&w);
		looks++;
		usleep(200000);
	}
	secs = elapsed();
	stop = 1;
	pthread_join(traffic, NULL);
	printf("flood: %lu frames in %.1f s (%.0f/s) on the %s* devices that were up, %lu looks\n",
	       n_frames, secs, n_frames / (secs > 0 ? secs : 1), opt_prefix, looks);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: nlfuzz [-s SEED] [-n MESSAGES] [-t SECONDS] [-j THREADS] [-k KINDS]\n"
		"              [-p PREFIX] [-T] [-F] [-R FPS] [-N SLOTS] [-C MS] [-W PCT]\n"
		"              [-o CASES] [-x CASES] [-e CASES] [-l] [-v]\n");
	exit(2);
}

static void cases_set(bool *set, const char *list, bool on)
{
	char *dup = strdup(list), *tok, *save = NULL;
	int id;

	for (tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		bool found = false;

		for (id = 0; id < NCASES; id++)
			if (!strcmp(cases[id].name, tok) ||
			    (tok[strlen(tok) - 1] == '/' &&
			     !strncmp(cases[id].name, tok, strlen(tok)))) {
				set[id] = on;
				found = true;
			}
		if (!found)
			die("no case %s (nlfuzz -l lists them)", tok);
	}
	free(dup);
}

int main(int argc, char **argv)
{
	static struct ctx ctx[MAX_THREADS], main_ctx;
	pthread_t th[MAX_THREADS], traffic;
	unsigned long removed = 0, strays = 0;
	char stray_names[512] = "";
	const char *only = NULL, *never = NULL, *must = NULL;
	bool seeded = false;
	int opt, id, left, nf;
	unsigned int i;
	double secs;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "s:n:t:j:k:p:TFR:N:C:W:o:x:e:lv")) != -1) {
		switch (opt) {
		case 's': opt_seed = strtoull(optarg, NULL, 0); seeded = true; break;
		case 'n': opt_count = strtoul(optarg, NULL, 0); break;
		case 't': opt_time = strtoul(optarg, NULL, 0); break;
		case 'j': opt_threads = strtoul(optarg, NULL, 0); break;
		case 'k': {
			char *dup = strdup(optarg), *tok, *save = NULL;

			opt_kinds = 0;
			for (tok = strtok_r(dup, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save)) {
				if (kind_of(tok) == K_OTHER)
					die("unknown kind %s", tok);
				opt_kinds |= KB(kind_of(tok));
			}
			free(dup);
			break;
		}
		case 'p': opt_prefix = optarg; break;
		case 'T': opt_traffic = true; break;
		case 'F': opt_flood = opt_traffic = true; break;
		case 'R': opt_rate = strtoul(optarg, NULL, 0); break;
		case 'e': must = optarg; break;
		case 'N': opt_slots = strtoul(optarg, NULL, 0); break;
		case 'C': opt_churn = strtoul(optarg, NULL, 0); break;
		case 'W': opt_inslot = strtoul(optarg, NULL, 0); break;
		case 'o': only = optarg; break;
		case 'x': never = optarg; break;
		case 'l':
			for (id = 0; id < NCASES; id++)
				printf("%-34s %s\n", cases[id].name,
				       cases[id].exp == ERR ? "malformed: refused with a message" :
				       cases[id].exp == OK ? "valid: accepted" : "");
			return 0;
		case 'v': opt_verbose++; break;
		default: usage();
		}
	}
	if (optind != argc || !opt_threads || opt_threads > MAX_THREADS || opt_slots > MAX_SLOTS ||
	    !opt_kinds || !*opt_prefix || strlen(opt_prefix) > 6)
		usage();
	if (!seeded)
		opt_seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	for (id = 0; id < NCASES; id++)
		case_on[id] = !only;
	if (only)
		cases_set(case_on, only, true);
	if (never)
		cases_set(case_on, never, false);
	if (must)
		cases_set(case_must, must, true);
	if (opt_flood)
		return flood();
	/* dumps keep the views fresh whatever the selection */
	for (id = 0; id < NCASES; id++)
		if (case_enabled(id))
			weight_total += cases[id].weight;
	if (!weight_total)
		die("no case left to run");

	printf("nlfuzz: seed %llu, %u threads, kinds", (unsigned long long)opt_seed, opt_threads);
	for (i = K_VNET; i < K_NUM; i++)
		if (opt_kinds & KB(i))
			printf(" %s", kind_names[i]);
	printf(", prefix %s, %u namespaces, traffic %s, at most %lu messages or %u s\n", opt_prefix,
	       opt_slots, opt_traffic ? "on" : "off", opt_count, opt_time);

	signal(SIGPIPE, SIG_IGN);
	init_ns_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	devnull_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (init_ns_fd < 0 || devnull_fd < 0)
		die("open: %s", strerror(errno));

	main_ctx.w[0].sock = nl_open();
	if (main_ctx.w[0].sock < 0)
		die("netlink socket: %s", strerror(errno));
	main_ctx.id = 25;
	{
		static struct world w;

		dump_all(&main_ctx, &w);
		for (i = 0; i < (unsigned int)w.ndev; i++)
			before[nbefore++] = w.dev[i];
	}

	for (i = 0; i < opt_slots; i++)
		if (slot_make(&slots[i]) < 0)
			die("cannot make a network namespace: %s", strerror(errno));

	clock_gettime(CLOCK_MONOTONIC, &t_start);
	for (i = 0; i < opt_threads; i++) {
		struct ctx *c = &ctx[i];
		int one = 1, wi;

		c->id = i;
		c->r.s = opt_seed + i;
		for (wi = 0; wi <= MAX_SLOTS; wi++) {
			c->w[wi].sock = -1;
			c->w[wi].slot = wi - 1;
			c->w[wi].age = 1000;
		}
		c->w[0].sock = nl_open();
		if (c->w[0].sock < 0)
			die("netlink socket: %s", strerror(errno));
		/* one thread's dumps are checked strictly, the other's the old way */
		c->strict = i % 2;
		if (c->strict)
			setsockopt(c->w[0].sock, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one,
				   sizeof(one));
		if (pthread_create(&th[i], NULL, fuzz_main, c))
			die("pthread_create");
	}
	if (opt_traffic && pthread_create(&traffic, NULL, traffic_main, NULL))
		die("pthread_create");
	for (i = 0; i < opt_threads; i++)
		pthread_join(th[i], NULL);
	secs = elapsed();
	stop = 1;
	if (opt_traffic)
		pthread_join(traffic, NULL);
	for (i = 0; i < opt_threads; i++) {
		int wi;

		for (wi = 0; wi <= MAX_SLOTS; wi++)
			if (ctx[i].w[wi].sock >= 0)
				close(ctx[i].w[wi].sock);
	}
	for (i = 0; i < opt_slots; i++)
		slot_destroy(&slots[i]);

	left = cleanup(&main_ctx, &removed, &strays, stray_names, sizeof(stray_names));
	report(secs);
	printf("cleanup: %lu devices deleted at the end", removed);
	if (strays)
		printf(", %lu of them of our kinds under another name:%s", strays, stray_names);
	printf("; %d left\n", left);
	nf = findings();
	printf("findings: %d\n", nf);
	nf = must_fail();
	if (n_stuck)
		printf("FAIL: the kernel did not answer %lu messages\n", n_stuck);
	if (left)
		printf("FAIL: %d devices could not be deleted\n", left);
	return n_stuck || left || nf ? 1 : 0;
}
