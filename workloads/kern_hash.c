/* SPDX-License-Identifier: Apache-2.0 */
/* Hash join and hash probes over a chained hash table that is never stored.
 *
 * The table: `buckets` 8-byte heads (a node index, NULL = empty) and a node
 * pool, node i holding R tuple i: the build inserts R in order, allocating
 * node i for tuple i and pushing it on the front of its bucket's chain. A
 * chain therefore lists its bucket's tuples by descending R index.
 *
 * How it is generated without storing it. The nr = load * buckets tuples
 * are "balls" (table slots) in groups: group g holds buckets
 * [64g, 64g + 64) and slots [64 load g, 64 load (g+1)), and each slot lands
 * in one of its group's 64 buckets, uniformly, by 6 keyed random bits. So
 * chain lengths are those of a real table at that load with a uniform hash
 * (conditioned on each group's total, which only removes the group-to-group
 * variation), and the members of a bucket are found by scanning its group's
 * 64 * load slots, 8 per hashed word. A keyed bijection maps slot s to R
 * index i (the insertion order), and the key of slot s (position p within
 * its group, bucket b) is unmix(p * buckets + b) XOR hash_key, so the real
 * hash function, mix(key XOR hash_key) mod buckets, sends it to b and keys
 * are distinct. S keys hit a uniformly chosen R tuple (probability hit_pct)
 * or are a key no R tuple has (p >= 1024), in a uniform bucket. */
#include "kern_hash.h"

#include <inttypes.h>
#include <stdio.h>

#include "mmu/mmu.h"

#define SALT_BALL 0x6861736862616c6cull
#define SALT_HASH 0x6861736868617368ull
#define SALT_ORDER 0x686173686f726465ull
#define SALT_S 0x6861736873726c6eull

#define G MMU_KERN_HASH_GROUP
#define BYTES 0x0101010101010101ull

static uint64_t layout(mmu_kern_hash_t *k, uint64_t groups)
{
    const uint64_t buckets = groups * G, nr = buckets * k->load, ns = nr * k->ratio;
    k->at_r = 0;
    k->at_s = k->join ? mmu_kern_align(MMU_KERN_HASH_TUPLE * nr) : 0;
    k->at_head = mmu_kern_align(k->at_s + MMU_KERN_HASH_TUPLE * ns);
    k->at_pool = mmu_kern_align(k->at_head + 8 * buckets);
    return k->at_pool + MMU_KERN_HASH_NODE * nr;
}

int mmu_kern_hash_setup(mmu_kern_hash_t *k, bool join, uint64_t ws, unsigned load,
                        unsigned ratio, unsigned hit_pct, uint64_t seed, char *msg, size_t len)
{
    k->join = join;
    k->load = load;
    k->ratio = ratio;
    k->hit_pct = hit_pct;
    const uint64_t per_group =
        G * (8 + (uint64_t)load * (MMU_KERN_HASH_NODE + MMU_KERN_HASH_TUPLE * ratio +
                                   (join ? MMU_KERN_HASH_TUPLE : 0)));
    uint64_t lo = 0, hi = ws / per_group + 1;
    while (lo < hi) {
        const uint64_t mid = lo + (hi - lo + 1) / 2;
        if (layout(k, mid) <= ws)
            lo = mid;
        else
            hi = mid - 1;
    }
    if (lo == 0) {
        if (msg && len)
            snprintf(msg, len,
                     "ws: must be at least %" PRIu64 " bytes for one group of %u buckets "
                     "(load=%u, ratio=%u)",
                     layout(k, 1), G, load, ratio);
        return MMU_EINVAL;
    }
    k->buckets = lo * G;
    k->nr = k->buckets * load;
    k->ns = k->nr * ratio;
    k->footprint = layout(k, lo);
    k->ball_key = mmu_kern_mix(seed ^ SALT_BALL);
    k->hash_key = mmu_kern_mix(seed ^ SALT_HASH);
    k->s_key = mmu_kern_mix(seed ^ SALT_S);
    mmu_kern_perm_init(&k->order, k->nr, mmu_kern_mix(seed ^ SALT_ORDER));
    k->building = join;
    k->walking = false;
    k->i = 0;
    return 0;
}

void mmu_kern_hash_seek(mmu_kern_hash_t *k, unsigned pct)
{
    const uint64_t t = (k->join ? k->nr + k->ns : k->ns) * pct / 100;
    k->building = k->join && t < k->nr;
    k->i = k->join && !k->building ? t - k->nr : t;
    k->walking = false;
}

/* Word w (< 64) of group g's bucket bytes: byte j (low 6 bits) is the
 * local bucket of the group's slot 8w + j. */
static inline uint64_t ball_word(const mmu_kern_hash_t *k, uint64_t g, uint64_t w)
{
    return mmu_kern_wyrand(k->ball_key, (g << 6) | w) & (BYTES * 0x3f);
}

/* The bucket of slot p of group g. */
static inline uint64_t gp_bucket(const mmu_kern_hash_t *k, uint64_t g, uint64_t p)
{
    return g * G + ((ball_word(k, g, p / 8) >> (8 * (p % 8))) & 0x3f);
}

uint64_t mmu_kern_hash_slot_bucket(const mmu_kern_hash_t *k, uint64_t s)
{
    const uint64_t per = (uint64_t)G * k->load;
    return gp_bucket(k, s / per, s % per);
}

static uint64_t key_of(const mmu_kern_hash_t *k, uint64_t hash)
{
    return mmu_kern_unmix(hash) ^ k->hash_key;
}

static uint64_t slot_key(const mmu_kern_hash_t *k, uint64_t s)
{
    const uint64_t p = s % ((uint64_t)G * k->load);
    return key_of(k, p * k->buckets + mmu_kern_hash_slot_bucket(k, s));
}

uint64_t mmu_kern_hash_r_key(const mmu_kern_hash_t *k, uint64_t i)
{
    return slot_key(k, mmu_kern_perm_inv(&k->order, i));
}

/* S tuple j: a hit (true) on the R tuple in slot p of group g (both
 * uniform, so the tuple is), or a miss in bucket g whose key has position p,
 * past any real one (>= 1024). */
static inline bool s_tuple(const mmu_kern_hash_t *k, uint64_t j, uint64_t *g, uint64_t *p)
{
    const uint64_t r = mmu_kern_wyrand(k->s_key, 2 * j), r2 = mmu_kern_wyrand(k->s_key, 2 * j + 1);
    if (((r & 0xffffffffu) * 100 >> 32) < k->hit_pct) {
        *g = mmu_kern_mulhi(r2, k->buckets / G);
        *p = ((r >> 32) * ((uint64_t)G * k->load)) >> 32;
        return true;
    }
    *g = mmu_kern_mulhi(r2, k->buckets);
    *p = 1024 + (r >> 44);
    return false;
}

uint64_t mmu_kern_hash_s_key(const mmu_kern_hash_t *k, uint64_t j)
{
    uint64_t g, p;
    if (s_tuple(k, j, &g, &p))
        return slot_key(k, g * G * k->load + p);
    return key_of(k, p * k->buckets + g);
}

/* Fill k->chain with bucket b's R indices, largest first: scan the group's
 * bucket bytes for b (a byte is zero in t exactly where it equals b: the
 * exact zero-byte test, no borrow between bytes), map each member slot to
 * its R index and insert it in order. `known` is a slot whose R index is
 * already in `known_r`. */
static void fill_chain(mmu_kern_hash_t *k, uint64_t b, uint64_t known, uint64_t known_r)
{
    const uint64_t g = b / G, want = (b % G) * BYTES, words = (uint64_t)G * k->load / 8;
    const uint64_t first = g * G * k->load;
    uint64_t *ch = k->chain;
    unsigned n = 0;
    for (uint64_t w = 0; w < words; w++) {
        const uint64_t t = ball_word(k, g, w) ^ want;
        uint64_t hit = ~(((t & (BYTES * 0x7f)) + BYTES * 0x7f) | t | (BYTES * 0x7f));
        while (hit) {
            const uint64_t s = first + 8 * w + (uint64_t)__builtin_ctzll(hit) / 8;
            hit &= hit - 1;
            const uint64_t v = s == known ? known_r : mmu_kern_perm_fwd(&k->order, s);
            unsigned at = n++;
            for (; at > 0 && ch[at - 1] < v; at--)
                ch[at] = ch[at - 1];
            ch[at] = v;
        }
    }
    k->chain_len = n;
    k->chain_at = 0;
}

/* Build, one tuple (the usual chained insert):
 *   key = R[i].key; payload = R[i].payload; b = hash(key)
 *   node[i].key = key; node[i].payload = payload
 *   node[i].next = head[b]; head[b] = i
 * Probe, one tuple (a PK-FK join: R keys are unique, so a match ends it):
 *   key = S[j].key; n = head[b]
 *   while n != NULL: if node[n].key == key { sum += node[n].payload; break }
 *                    n = node[n].next
 * The heads start zeroed (fresh pages, no stores). The build runs once; the
 * probe pass over S repeats for as long as the stream runs. A chain longer
 * than a step's room is walked over several steps. */
unsigned mmu_kern_hash_step(mmu_kern_hash_t *k, uint64_t *buf)
{
    unsigned n = 0;
    while (k->building && n + 7 <= MMU_KERN_STEP_MAX) {
        const uint64_t i = k->i, r = k->at_r + MMU_KERN_HASH_TUPLE * i;
        const uint64_t node = k->at_pool + MMU_KERN_HASH_NODE * i;
        const uint64_t b = mmu_kern_hash_slot_bucket(k, mmu_kern_perm_inv(&k->order, i));
        buf[n++] = MMU_KERN_RD(r);
        buf[n++] = MMU_KERN_RD(r + 8);
        buf[n++] = MMU_KERN_WR(node);
        buf[n++] = MMU_KERN_WR(node + 8);
        buf[n++] = MMU_KERN_RD(k->at_head + 8 * b);
        buf[n++] = MMU_KERN_WR(node + 16);
        buf[n++] = MMU_KERN_WR(k->at_head + 8 * b);
        if (++k->i == k->nr) {
            k->building = false;
            k->i = 0;
        }
    }
    if (k->building)
        return n;
    while (n + 2 <= MMU_KERN_STEP_MAX) {
        if (!k->walking) {
            const uint64_t j = k->i;
            uint64_t g, p, b;
            if (s_tuple(k, j, &g, &p)) {
                const uint64_t x = g * G * k->load + p;
                b = gp_bucket(k, g, p);
                k->target = mmu_kern_perm_fwd(&k->order, x);
                fill_chain(k, b, x, k->target);
            } else {
                b = g;
                k->target = MMU_KERN_HASH_NULL;
                fill_chain(k, b, MMU_KERN_HASH_NULL, 0);
            }
            buf[n++] = MMU_KERN_RD(k->at_s + MMU_KERN_HASH_TUPLE * j);
            buf[n++] = MMU_KERN_RD(k->at_head + 8 * b);
            k->walking = true;
        }
        unsigned at = k->chain_at;
        for (; at < k->chain_len && n + 2 <= MMU_KERN_STEP_MAX; at++) {
            const uint64_t node = k->at_pool + MMU_KERN_HASH_NODE * k->chain[at];
            buf[n++] = MMU_KERN_RD(node);
            if (k->chain[at] == k->target) {
                buf[n++] = MMU_KERN_RD(node + 8);
                at = k->chain_len;
                break;
            }
            buf[n++] = MMU_KERN_RD(node + 16);
        }
        k->chain_at = at;
        if (at < k->chain_len)
            break; /* the step is full mid-chain */
        k->walking = false;
        if (++k->i == k->ns)
            k->i = 0;
    }
    return n;
}
