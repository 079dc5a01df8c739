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
 * variation), and the members of a bucket are found from its group's bits,
 * 64 slots at a time. A keyed bijection maps slot s to R index i (the
 * insertion order), and the key of slot s (position p within its group,
 * bucket b) is unmix(p * buckets + b) XOR hash_key, so the real hash
 * function, mix(key XOR hash_key) mod buckets, sends it to b and keys are
 * distinct. S keys hit a uniformly chosen R tuple (probability hit_pct)
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

/* The bucket numbers of slots [64c, 64c + 64) of group g (chunk c < 8), as
 * six bit planes: bit j of plane i is bit i of slot 64c + j's local bucket.
 * Planes make a bucket's members one AND of six words. */
static inline void planes(const mmu_kern_hash_t *k, uint64_t g, uint64_t c, uint64_t pl[6])
{
    for (unsigned i = 0; i < 6; i++)
        pl[i] = mmu_kern_wyrand(k->ball_key, (g << 9) | (c << 3) | i);
}

static inline uint64_t plane_bucket(const uint64_t pl[6], unsigned j)
{
    uint64_t lb = 0;
    for (unsigned i = 0; i < 6; i++)
        lb |= ((pl[i] >> j) & 1) << i;
    return lb;
}

/* Which of the 64 slots are in local bucket lb: plane i where lb has bit i,
 * its complement where not. */
static inline uint64_t plane_members(const uint64_t pl[6], uint64_t lb)
{
    uint64_t m = ~0ull;
    for (unsigned i = 0; i < 6; i++)
        m &= pl[i] ^ (((lb >> i) & 1) - 1);
    return m;
}

/* The bucket of slot p of group g. */
static inline uint64_t gp_bucket(const mmu_kern_hash_t *k, uint64_t g, uint64_t p)
{
    uint64_t pl[6];
    planes(k, g, p / 64, pl);
    return g * G + plane_bucket(pl, (unsigned)(p % 64));
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

/* Fill k->chain with local bucket lb of group g's R indices, largest
 * first: the members of each 64-slot chunk, mapped to their R indices and
 * inserted in order. `known` is a slot whose R index is already in
 * `known_r`, and whose chunk's planes are in known_pl (NULL: none). */
static void fill_chain(mmu_kern_hash_t *k, uint64_t g, uint64_t lb, uint64_t known,
                       uint64_t known_r, const uint64_t *known_pl)
{
    const uint64_t first = g * G * k->load;
    uint64_t *ch = k->chain;
    unsigned n = 0;
    for (uint64_t c = 0; c < k->load; c++) {
        uint64_t pl[6];
        const uint64_t *use = pl;
        if (known_pl && known / 64 == first / 64 + c)
            use = known_pl;
        else
            planes(k, g, c, pl);
        for (uint64_t m = plane_members(use, lb); m; m &= m - 1) {
            const uint64_t s = first + 64 * c + (uint64_t)__builtin_ctzll(m);
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
                uint64_t pl[6];
                planes(k, g, p / 64, pl);
                b = g * G + plane_bucket(pl, (unsigned)(p % 64));
                k->target = mmu_kern_perm_fwd(&k->order, x);
                fill_chain(k, g, b % G, x, k->target, pl);
            } else {
                b = g;
                k->target = MMU_KERN_HASH_NULL;
                fill_chain(k, b / G, b % G, MMU_KERN_HASH_NULL, 0, NULL);
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
