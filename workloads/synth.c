/* SPDX-License-Identifier: Apache-2.0 */
/* Synthetic address streams: spec parsing, validation, formatting, the
 * five generators (seq, stride, random, zipf, chase) and the dispatch to the
 * kernels (kern_*.c: gups, pagerank, spmv, hashjoin, hashprobe, btree). No
 * hardware block: this is the stimulus side of `mmusim run`. Everything is
 * O(1) in memory; the randomness is splitmix64 (Steele, Lea & Flood 2014), the permutations a
 * keyed Feistel network with cycle-walking (Black & Rogaway 2002), the Zipf
 * sampler rejection-inversion (Hörmann & Derflinger 1996). */
#include "synth.h"

#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- randomness ---------------------------------------------------------- */

#define GOLDEN_GAMMA 0x9e3779b97f4a7c15ull

/* Independent uses of one seed. */
#define SALT_ADDR 0x6164647273747265ull
#define SALT_TYPE 0x7479706573747265ull
#define SALT_ZIPF 0x7a6970667065726dull
#define SALT_CHASE 0x6368617365706572ull

/* splitmix64's output function: a bijective 64-bit mixer. */
static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t rng_next(uint64_t *state)
{
    *state += GOLDEN_GAMMA;
    return mix64(*state);
}

/* Uniform in [0, 1) with 53 random bits. */
static double rng_unit(uint64_t *state)
{
    return (double)(rng_next(state) >> 11) * 0x1p-53;
}

#if defined(__SIZEOF_INT128__)
__extension__ typedef unsigned __int128 synth_u128;
static uint64_t mul_hi_lo(uint64_t a, uint64_t b, uint64_t *lo)
{
    synth_u128 p = (synth_u128)a * b;
    *lo = (uint64_t)p;
    return (uint64_t)(p >> 64);
}
#else
static uint64_t mul_hi_lo(uint64_t a, uint64_t b, uint64_t *lo)
{
    uint64_t al = a & 0xffffffffu, ah = a >> 32, bl = b & 0xffffffffu, bh = b >> 32;
    uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
    uint64_t mid = (ll >> 32) + (lh & 0xffffffffu) + (hl & 0xffffffffu);
    *lo = (mid << 32) | (ll & 0xffffffffu);
    return hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}
#endif

/* Unbiased integer in [0, range): Lemire's multiply-and-reject (2019), with
 * the threshold 2^64 mod range computed once at init. */
static uint64_t rng_below(uint64_t *state, uint64_t range, uint64_t reject_below)
{
    uint64_t lo;
    uint64_t hi = mul_hi_lo(rng_next(state), range, &lo);
    while (lo < reject_below)
        hi = mul_hi_lo(rng_next(state), range, &lo);
    return hi;
}

/* ---- keyed bijection of [0, n) --------------------------------------------- */

static void perm_init(mmu_synth_perm_t *p, uint64_t n, uint64_t seed, uint64_t salt)
{
    p->n = n;
    p->bits = 0;
    while ((1ull << p->bits) < n)
        p->bits++;
    uint64_t st = seed ^ salt;
    for (unsigned i = 0; i < 4; i++)
        p->key[i] = rng_next(&st);
}

#define SALT_FRAMES 0x6672616d65737274ull

void mmu_synth_perm_init(mmu_synth_perm_t *p, uint64_t n, uint64_t seed)
{
    perm_init(p, n, seed, SALT_FRAMES);
}

/* Four Feistel rounds on bits-wide values. With an odd width the halves
 * differ by one bit and trade places each round (an unbalanced Feistel
 * network); after an even number of rounds they are back where they started.
 * Each round (L, R) -> (R, L ^ F(R)) is invertible, so the whole is a
 * bijection of [0, 2^bits). */
static uint64_t feistel(const mmu_synth_perm_t *p, uint64_t x)
{
    unsigned lw = p->bits / 2, rw = p->bits - lw; /* widths of L (high) and R (low) */
    uint64_t l = x >> rw, r = x & ((1ull << rw) - 1);
    for (unsigned i = 0; i < 4; i++) {
        uint64_t nr = (l ^ mix64(r ^ p->key[i])) & ((1ull << lw) - 1);
        l = r;
        r = nr;
        unsigned t = lw;
        lw = rw;
        rw = t;
    }
    return (l << rw) | r;
}

/* Cycle-walking: follow the Feistel permutation until it lands below n. The
 * cycle through i holds i itself, so this ends, and it is a bijection of
 * [0, n). Domain <= 2n, so the expected number of steps is below 2. */
uint64_t mmu_synth_perm_apply(const mmu_synth_perm_t *p, uint64_t i)
{
    assert(i < p->n);
    uint64_t x = i;
    do
        x = feistel(p, x);
    while (x >= p->n);
    return x;
}

/* ---- Zipf: rejection-inversion ---------------------------------------------
 * Ranks k = 1..N with P(k) proportional to h(k) = k^-s. H is an antiderivative
 * of the continuous h(x) = x^-s. Rank k owns the interval
 * [H(k+0.5) - h(k), H(k+0.5)] of length exactly h(k); since h is convex these
 * intervals do not overlap, and the one of k lies within [H(k-0.5), H(k+0.5)].
 * Draw u uniformly over [H(1.5) - h(1), H(N+0.5)], let x = H^-1(u) and
 * k = round(x): accept k when u falls in k's interval, else draw again.
 * Rank 1's interval starts the range, so it never rejects. The squeeze skips
 * evaluating H when x is close enough to k that u must be inside: that
 * distance is smallest for k = 2. H and H^-1 are written with expm1/log1p so
 * that s near 1 (and s = 1, where H = log) needs no special case. */

static double expm1_over(double t) /* (e^t - 1) / t */
{
    return fabs(t) > 1e-8 ? expm1(t) / t : 1.0 + 0.5 * t;
}

static double log1p_over(double t) /* log(1 + t) / t */
{
    return fabs(t) > 1e-8 ? log1p(t) / t : 1.0 - 0.5 * t;
}

/* H(x) = (x^(1-s) - 1) / (1-s), the area under h from 1 to x. */
static double zipf_area(double s, double x)
{
    double lx = log(x);
    return expm1_over((1.0 - s) * lx) * lx;
}

static double zipf_area_inv(double s, double u)
{
    double t = (1.0 - s) * u;
    if (t < -1.0) /* only by rounding, s > 1 and u at the top of the range */
        t = -1.0;
    return exp(log1p_over(t) * u);
}

static double zipf_h(double s, double x)
{
    return exp(-s * log(x));
}

static void zipf_init(mmu_synth_t *g)
{
    double s = g->cfg.zipf_s;
    g->zs = s;
    g->z_h_x1 = zipf_area(s, 1.5) - 1.0;
    g->z_h_n = zipf_area(s, (double)g->count + 0.5);
    g->z_squeeze = 2.0 - zipf_area_inv(s, zipf_area(s, 2.5) - zipf_h(s, 2.0));
}

/* A rank in 1..count. */
static uint64_t zipf_rank(mmu_synth_t *g)
{
    double n = (double)g->count, s = g->zs;
    /* Measured acceptance is above 98% for every s from 0.01 to 1e300 and
     * every set size, so the cap is never reached in practice; it only bounds
     * the time of a single access. */
    for (unsigned tries = 0;; tries++) {
        double u = g->z_h_n + rng_unit(&g->rng) * (g->z_h_x1 - g->z_h_n);
        double x = zipf_area_inv(s, u);
        double k = floor(x + 0.5);
        if (!(k >= 1.0)) /* also NaN */
            k = 1.0;
        else if (k > n)
            k = n;
        if (k - x <= g->z_squeeze || u >= zipf_area(s, k + 0.5) - zipf_h(s, k) || tries == 64)
            return (uint64_t)k;
    }
}

/* ---- kernels ---------------------------------------------------------------
 * A kernel is one file (kern_<name>.c) and one entry here: set up its
 * structure from the cfg (this also decides whether ws can hold it), emit
 * the accesses of its next step, and say what it built. */

static int gups_setup(mmu_synth_kern_t *k, const mmu_synth_cfg_t *c, char *msg, size_t len)
{
    return mmu_kern_gups_setup(&k->gups, c->ws, c->seed, msg, len);
}
static unsigned gups_step(mmu_synth_kern_t *k, uint64_t *buf)
{
    return mmu_kern_gups_step(&k->gups, buf);
}
static uint64_t gups_footprint(const mmu_synth_kern_t *k)
{
    return k->gups.footprint;
}
static int gups_describe(const mmu_synth_kern_t *k, char *buf, size_t len)
{
    return snprintf(buf, len, "table of %" PRIu64 " 8-byte words", k->gups.words);
}

static int pagerank_setup(mmu_synth_kern_t *k, const mmu_synth_cfg_t *c, char *msg, size_t len)
{
    return mmu_kern_pagerank_setup(&k->pagerank, c->ws, c->deg, c->skew, c->seed, msg, len);
}
static unsigned pagerank_step(mmu_synth_kern_t *k, uint64_t *buf)
{
    return mmu_kern_pagerank_step(&k->pagerank, buf);
}
static uint64_t pagerank_footprint(const mmu_synth_kern_t *k)
{
    return k->pagerank.footprint;
}
static int pagerank_describe(const mmu_synth_kern_t *k, char *buf, size_t len)
{
    return snprintf(buf, len, "%" PRIu64 " vertices, %" PRIu64 " edges", k->pagerank.v,
                    k->pagerank.e);
}
static void pagerank_seek(mmu_synth_kern_t *k, unsigned pct)
{
    mmu_kern_pagerank_seek(&k->pagerank, pct);
}

static int spmv_setup(mmu_synth_kern_t *k, const mmu_synth_cfg_t *c, char *msg, size_t len)
{
    return mmu_kern_spmv_setup(&k->spmv, c->ws, c->deg, c->skew, c->band, c->seed, msg, len);
}
static unsigned spmv_step(mmu_synth_kern_t *k, uint64_t *buf)
{
    return mmu_kern_spmv_step(&k->spmv, buf);
}
static uint64_t spmv_footprint(const mmu_synth_kern_t *k)
{
    return k->spmv.footprint;
}
static int spmv_describe(const mmu_synth_kern_t *k, char *buf, size_t len)
{
    return snprintf(buf, len, "%" PRIu64 " x %" PRIu64 " matrix, %" PRIu64 " non-zeros",
                    k->spmv.rows, k->spmv.rows, k->spmv.nnz);
}
static void spmv_seek(mmu_synth_kern_t *k, unsigned pct)
{
    mmu_kern_spmv_seek(&k->spmv, pct);
}

static int hash_setup(mmu_synth_kern_t *k, const mmu_synth_cfg_t *c, char *msg, size_t len)
{
    return mmu_kern_hash_setup(&k->hash, c->kind == MMU_SYNTH_HASHJOIN, c->ws, c->load,
                               c->ratio, c->hit_pct, c->seed, msg, len);
}
static unsigned hash_step(mmu_synth_kern_t *k, uint64_t *buf)
{
    return mmu_kern_hash_step(&k->hash, buf);
}
static uint64_t hash_footprint(const mmu_synth_kern_t *k)
{
    return k->hash.footprint;
}
static int hash_describe(const mmu_synth_kern_t *k, char *buf, size_t len)
{
    return snprintf(buf, len, "%" PRIu64 " buckets, |R| = %" PRIu64 ", |S| = %" PRIu64,
                    k->hash.buckets, k->hash.nr, k->hash.ns);
}
static void hash_seek(mmu_synth_kern_t *k, unsigned pct)
{
    mmu_kern_hash_seek(&k->hash, pct);
}

static int btree_setup(mmu_synth_kern_t *k, const mmu_synth_cfg_t *c, char *msg, size_t len)
{
    return mmu_kern_btree_setup(&k->btree, c->ws, c->fanout, c->hit_pct, c->seed, msg, len);
}
static unsigned btree_step(mmu_synth_kern_t *k, uint64_t *buf)
{
    return mmu_kern_btree_step(&k->btree, buf);
}
static uint64_t btree_footprint(const mmu_synth_kern_t *k)
{
    return k->btree.footprint;
}
static int btree_describe(const mmu_synth_kern_t *k, char *buf, size_t len)
{
    const mmu_kern_btree_t *b = &k->btree;
    return snprintf(buf, len,
                    "%" PRIu64 " keys, %" PRIu64 " nodes of %" PRIu64 " bytes, %u levels", b->keys,
                    b->footprint / b->node_bytes, b->node_bytes, b->height);
}

static const struct kernel {
    int (*setup)(mmu_synth_kern_t *, const mmu_synth_cfg_t *, char *msg, size_t len);
    unsigned (*step)(mmu_synth_kern_t *, uint64_t *buf);
    uint64_t (*footprint)(const mmu_synth_kern_t *);
    int (*describe)(const mmu_synth_kern_t *, char *buf, size_t len);
    void (*seek)(mmu_synth_kern_t *, unsigned pct); /* start=; NULL if not taken */
} kernels[MMU_SYNTH_NKINDS] = {
    [MMU_SYNTH_GUPS] = {gups_setup, gups_step, gups_footprint, gups_describe, NULL},
    [MMU_SYNTH_PAGERANK] = {pagerank_setup, pagerank_step, pagerank_footprint, pagerank_describe,
                            pagerank_seek},
    [MMU_SYNTH_SPMV] = {spmv_setup, spmv_step, spmv_footprint, spmv_describe, spmv_seek},
    [MMU_SYNTH_HASHJOIN] = {hash_setup, hash_step, hash_footprint, hash_describe, hash_seek},
    [MMU_SYNTH_HASHPROBE] = {hash_setup, hash_step, hash_footprint, hash_describe, NULL},
    [MMU_SYNTH_BTREE] = {btree_setup, btree_step, btree_footprint, btree_describe, NULL},
};

static bool is_kernel(unsigned kind)
{
    return kind < MMU_SYNTH_NKINDS && kernels[kind].setup != NULL;
}

/* ---- generators ------------------------------------------------------------ */

#define ZIPF_PAGE_SHIFT 12

void mmu_synth_init(mmu_synth_t *g, const mmu_synth_cfg_t *cfg)
{
    memset(g, 0, sizeof *g);
    g->cfg = *cfg;
    g->left = cfg->n;
    g->rng = cfg->seed ^ SALT_ADDR;
    g->rng_type = cfg->seed ^ SALT_TYPE;
    switch (cfg->kind) {
    case MMU_SYNTH_SEQ:
    case MMU_SYNTH_STRIDE:
        assert(cfg->stride > 0 && cfg->stride <= cfg->ws);
        break;
    case MMU_SYNTH_RANDOM:
        g->count = cfg->ws >> 3;
        g->reject_below = (0 - g->count) % g->count;
        break;
    case MMU_SYNTH_ZIPF:
        g->count = cfg->ws >> ZIPF_PAGE_SHIFT;
        assert(g->count > 0 && cfg->zipf_s > 0);
        perm_init(&g->perm, g->count, cfg->seed, SALT_ZIPF);
        zipf_init(g);
        break;
    case MMU_SYNTH_CHASE:
        assert(cfg->elem > 0 && cfg->elem <= cfg->ws);
        g->count = cfg->ws / cfg->elem;
        perm_init(&g->perm, g->count, cfg->seed, SALT_CHASE);
        break;
    default: {
        assert(is_kernel(cfg->kind));
        const int e = kernels[cfg->kind].setup(&g->kern, cfg, NULL, 0);
        assert(e == 0); /* validated */
        (void)e;
        if (kernels[cfg->kind].seek)
            kernels[cfg->kind].seek(&g->kern, cfg->start_pct);
        break;
    }
    }
}

uint64_t mmu_synth_footprint(const mmu_synth_cfg_t *cfg)
{
    if (!is_kernel(cfg->kind))
        return cfg->ws;
    mmu_synth_kern_t k;
    if (kernels[cfg->kind].setup(&k, cfg, NULL, 0))
        return 0;
    return kernels[cfg->kind].footprint(&k);
}

int mmu_synth_describe(const mmu_synth_cfg_t *cfg, char *buf, size_t len)
{
    if (!is_kernel(cfg->kind))
        return snprintf(buf, len, "%s", "");
    mmu_synth_kern_t k;
    if (kernels[cfg->kind].setup(&k, cfg, NULL, 0))
        return MMU_EINVAL;
    return kernels[cfg->kind].describe(&k, buf, len);
}

static bool stream_next(mmu_synth_t *g, uint64_t *la, mmu_access_t *type);
static bool kern_refill_next(mmu_synth_t *g, uint64_t *la, mmu_access_t *type);

/* What the inline mmu_synth_next leaves: the end of the stream, the five
 * streams, and a kernel's next step. */
bool mmu_synth_next_slow(mmu_synth_t *g, uint64_t *la, mmu_access_t *type)
{
    if (g->left == 0)
        return false;
    g->left--;
    if (g->cfg.kind < MMU_SYNTH_FIRST_KERNEL)
        return stream_next(g, la, type);
    return kern_refill_next(g, la, type);
}

/* A kernel's next step, and its first access. */
static bool kern_refill_next(mmu_synth_t *g, uint64_t *la,
                                                        mmu_access_t *type)
{
    g->kbuf_len = kernels[g->cfg.kind].step(&g->kern, g->kbuf);
    g->kbuf_at = 1;
    const uint64_t e = g->kbuf[0];
    *la = g->cfg.base + (e & ~(uint64_t)MMU_KERN_WRITE);
    *type = (e & MMU_KERN_WRITE) ? MMU_ACC_WRITE : MMU_ACC_READ;
    return true;
}

/* The next access of one of the five streams. */
static bool stream_next(mmu_synth_t *g, uint64_t *la,
                                                   mmu_access_t *type)
{
    uint64_t off = 0;
    switch (g->cfg.kind) {
    case MMU_SYNTH_SEQ:
    case MMU_SYNTH_STRIDE:
        off = g->pos;
        g->pos += g->cfg.stride;
        if (g->pos >= g->cfg.ws) /* a partial last stride is not visited */
            g->pos = 0;
        break;
    case MMU_SYNTH_RANDOM:
        off = rng_below(&g->rng, g->count, g->reject_below) << 3;
        break;
    case MMU_SYNTH_ZIPF: {
        uint64_t page = mmu_synth_perm_apply(&g->perm, zipf_rank(g) - 1);
        uint64_t word = rng_next(&g->rng) >> (64 - (ZIPF_PAGE_SHIFT - 3));
        off = (page << ZIPF_PAGE_SHIFT) | (word << 3);
        break;
    }
    case MMU_SYNTH_CHASE:
        off = mmu_synth_perm_apply(&g->perm, g->pos) * g->cfg.elem;
        if (++g->pos == g->count)
            g->pos = 0;
        break;
    default: /* kernels: mmu_synth_next */
        break;
    }
    *la = g->cfg.base + off;

    mmu_access_t t = MMU_ACC_READ;
    if (g->cfg.write_pct | g->cfg.fetch_pct) {
        unsigned pct = (unsigned)(((rng_next(&g->rng_type) >> 32) * 100) >> 32);
        if (pct < g->cfg.fetch_pct)
            t = MMU_ACC_FETCH;
        else if (pct < g->cfg.fetch_pct + g->cfg.write_pct)
            t = MMU_ACC_WRITE;
    }
    *type = t;
    return true;
}

/* ---- configuration --------------------------------------------------------- */

static const char *const kind_names[MMU_SYNTH_NKINDS] = {
    "seq", "stride", "random", "zipf", "chase",
    "gups", "pagerank", "spmv", "hashjoin", "hashprobe", "btree",
};
static const char *const page_names[] = {"4k", "2m", "1g"};
static const uint64_t page_bytes[] = {1ull << 12, 1ull << 21, 1ull << 30};

#define NKINDS ((unsigned)MMU_SYNTH_NKINDS)

/* Keys: which kinds take them (bit per kind), how values read, and the range
 * of the kernels' integer keys. */
enum key_id {
    K_WS, K_N, K_SEED, K_PAGE, K_BASE, K_WRITES, K_FETCH, K_STRIDE, K_ELEM, K_S,
    K_CHAINS, K_LOCKSTEP, K_PRETOUCH, K_SCATTER, /* how the stream is issued and mapped */
    K_DEG, K_SKEW, K_BAND, K_LOAD, K_RATIO, K_HIT, K_FANOUT, K_START
};
#define KBIT(k) (1u << (k))
#define ALL_KINDS ((1u << MMU_SYNTH_NKINDS) - 1)
#define STREAM_KINDS ((1u << MMU_SYNTH_FIRST_KERNEL) - 1)
#define HASH_KINDS (KBIT(MMU_SYNTH_HASHJOIN) | KBIT(MMU_SYNTH_HASHPROBE))
enum num_mode { NUM_PLAIN, NUM_BIN, NUM_DEC };
static const struct {
    const char *name;
    unsigned kinds;
    enum num_mode mode;
    uint64_t min, max; /* K_DEG .. K_FANOUT (and band's 0..any) */
} keys[] = {
    [K_WS] = {"ws", ALL_KINDS, NUM_BIN, 0, 0},
    [K_N] = {"n", ALL_KINDS, NUM_DEC, 0, 0},
    [K_SEED] = {"seed", ALL_KINDS, NUM_PLAIN, 0, 0},
    [K_PAGE] = {"page", ALL_KINDS, NUM_PLAIN, 0, 0},
    [K_BASE] = {"base", ALL_KINDS, NUM_PLAIN, 0, 0},
    [K_WRITES] = {"writes", STREAM_KINDS, NUM_PLAIN, 0, 0},
    [K_FETCH] = {"fetch", STREAM_KINDS, NUM_PLAIN, 0, 0},
    [K_STRIDE] = {"stride", KBIT(MMU_SYNTH_SEQ) | KBIT(MMU_SYNTH_STRIDE), NUM_BIN, 0, 0},
    [K_ELEM] = {"elem", KBIT(MMU_SYNTH_CHASE), NUM_BIN, 0, 0},
    [K_S] = {"s", KBIT(MMU_SYNTH_ZIPF), NUM_PLAIN, 0, 0},
    [K_CHAINS] = {"chains", ALL_KINDS, NUM_PLAIN, 0, 0},
    [K_LOCKSTEP] = {"lockstep", ALL_KINDS, NUM_PLAIN, 0, 0},
    [K_PRETOUCH] = {"pretouch", ALL_KINDS, NUM_PLAIN, 0, 0},
    [K_SCATTER] = {"scatter", ALL_KINDS, NUM_PLAIN, 0, 0},
    [K_DEG] = {"deg", KBIT(MMU_SYNTH_PAGERANK) | KBIT(MMU_SYNTH_SPMV), NUM_PLAIN, 1, 1000},
    [K_SKEW] = {"skew", KBIT(MMU_SYNTH_PAGERANK) | KBIT(MMU_SYNTH_SPMV), NUM_PLAIN, 50, 99},
    [K_BAND] = {"band", KBIT(MMU_SYNTH_SPMV), NUM_DEC, 0, UINT64_MAX},
    [K_LOAD] = {"load", HASH_KINDS, NUM_PLAIN, 1, MMU_KERN_HASH_LOAD_MAX},
    [K_RATIO] = {"ratio", HASH_KINDS, NUM_PLAIN, 1, 1000},
    [K_HIT] = {"hit", HASH_KINDS | KBIT(MMU_SYNTH_BTREE), NUM_PLAIN, 0, 100},
    [K_FANOUT] = {"fanout", KBIT(MMU_SYNTH_BTREE), NUM_PLAIN, MMU_KERN_BTREE_FANOUT_MIN,
                  MMU_KERN_BTREE_FANOUT_MAX},
    [K_START] = {"start",
                 KBIT(MMU_SYNTH_PAGERANK) | KBIT(MMU_SYNTH_SPMV) | KBIT(MMU_SYNTH_HASHJOIN),
                 NUM_PLAIN, 0, 99},
};
#define NKEYS (sizeof keys / sizeof keys[0])

/* The kernels' own keys live in these fields. */
static uint64_t kern_key(const mmu_synth_cfg_t *c, unsigned k)
{
    switch (k) {
    case K_DEG: return c->deg;
    case K_SKEW: return c->skew;
    case K_BAND: return c->band;
    case K_LOAD: return c->load;
    case K_RATIO: return c->ratio;
    case K_HIT: return c->hit_pct;
    case K_FANOUT: return c->fanout;
    case K_START: return c->start_pct;
    default: return 0;
    }
}

static void set_kern_key(mmu_synth_cfg_t *c, unsigned k, uint64_t v)
{
    switch (k) {
    case K_DEG: c->deg = (unsigned)v; break;
    case K_SKEW: c->skew = (unsigned)v; break;
    case K_BAND: c->band = v; break;
    case K_LOAD: c->load = (unsigned)v; break;
    case K_RATIO: c->ratio = (unsigned)v; break;
    case K_HIT: c->hit_pct = (unsigned)v; break;
    case K_FANOUT: c->fanout = (unsigned)v; break;
    case K_START: c->start_pct = (unsigned)v; break;
    default: break;
    }
}

/* "seq and stride", "hashjoin, hashprobe and btree": the kinds of a mask. */
static void kinds_list(unsigned mask, char *buf, size_t len)
{
    unsigned total = 0, done = 0;
    for (unsigned k = 0; k < NKINDS; k++)
        total += (mask >> k) & 1;
    size_t at = 0;
    buf[0] = '\0';
    for (unsigned k = 0; k < NKINDS && at < len; k++) {
        if (!(mask & KBIT(k)))
            continue;
        const char *sep = done == 0 ? "" : done + 1 == total ? " and " : ", ";
        int w = snprintf(buf + at, len - at, "%s%s", sep, kind_names[k]);
        if (w < 0)
            return;
        at += (size_t)w;
        done++;
    }
}

void mmu_synth_defaults(mmu_synth_cfg_t *cfg, mmu_synth_kind_t kind)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->kind = kind;
    cfg->ws = 1ull << 30;
    cfg->n = 1000000;
    cfg->seed = 1;
    cfg->base = 0x10000000000ull;
    cfg->page_size = MMU_PAGE_4K;
    cfg->write_pct = kind < MMU_SYNTH_FIRST_KERNEL ? 30 : 0;
    cfg->fetch_pct = 0;
    cfg->chains = 1;
    if (kind == MMU_SYNTH_SEQ)
        cfg->stride = 64;
    else if (kind == MMU_SYNTH_STRIDE)
        cfg->stride = 4096;
    else if (kind == MMU_SYNTH_CHASE)
        cfg->elem = 64;
    else if (kind == MMU_SYNTH_ZIPF)
        cfg->zipf_s = 1.0;
    if (kind == MMU_SYNTH_PAGERANK || kind == MMU_SYNTH_SPMV) {
        cfg->deg = 16;
        /* Graph500's R-MAT a+b for graphs; near-equal rows for matrices. */
        cfg->skew = kind == MMU_SYNTH_PAGERANK ? 76 : 50;
    }
    if (kind == MMU_SYNTH_HASHJOIN || kind == MMU_SYNTH_HASHPROBE) {
        cfg->load = 1;
        cfg->ratio = 1;
    }
    if (kind == MMU_SYNTH_HASHJOIN || kind == MMU_SYNTH_HASHPROBE || kind == MMU_SYNTH_BTREE)
        cfg->hit_pct = 100;
    if (kind == MMU_SYNTH_BTREE)
        cfg->fanout = 16;
}

static int say(char *msg, size_t msglen, const char *fmt, ...)
{
    if (msg && msglen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, msglen, fmt, ap);
        va_end(ap);
    }
    return MMU_EINVAL;
}

int mmu_synth_validate(const mmu_synth_cfg_t *c, char *msg, size_t msglen)
{
    if ((unsigned)c->kind >= NKINDS)
        return say(msg, msglen, "kind: unknown kind %u", (unsigned)c->kind);
    if (c->page_size > MMU_PAGE_1G)
        return say(msg, msglen, "page: must be 4k, 2m or 1g");
    uint64_t pg = page_bytes[c->page_size];
    if (c->ws == 0)
        return say(msg, msglen, "ws: must be > 0");
    if (c->ws > MMU_SYNTH_WS_MAX)
        return say(msg, msglen, "ws: must be at most 64t (2^46 bytes)");
    /* Accesses are 8-byte words; zipf draws whole 4 KiB pages. A set smaller
     * than a page, or not a multiple of one, is mapped up to the next page. */
    if (c->ws % 8)
        return say(msg, msglen, "ws: must be a multiple of 8");
    if (c->kind == MMU_SYNTH_ZIPF && c->ws % 4096)
        return say(msg, msglen, "ws: must be a multiple of 4k for zipf (it draws 4 KiB pages)");
    if (c->n == 0)
        return say(msg, msglen, "n: must be >= 1");
    /* A canonical 48-bit address: bits 63:47 all equal. The set must not
     * straddle the hole between the halves either. */
    bool upper = c->base >= 0xffff800000000000ull;
    if (!upper && c->base >= (1ull << 47))
        return say(msg, msglen, "base: 0x%" PRIx64 " is not canonical (48-bit)", c->base);
    if (c->base % pg)
        return say(msg, msglen, "base: must be a multiple of the page size (%s)",
                   page_names[c->page_size]);
    uint64_t room = upper ? 0 - c->base : (1ull << 47) - c->base;
    if (mmu_synth_mapped(c) > room)
        return say(msg, msglen, "base: base+ws runs past the end of the canonical %s half",
                   upper ? "upper" : "lower");
    char kinds[96];
    for (unsigned k = K_WRITES; k < NKEYS; k++) {
        const uint64_t v = k == K_WRITES ? c->write_pct : k == K_FETCH ? c->fetch_pct
                                                                        : kern_key(c, k);
        if (k >= K_STRIDE && k < K_DEG)
            continue; /* stride, elem, s: below */
        if (v && !(keys[k].kinds & KBIT(c->kind))) {
            kinds_list(keys[k].kinds, kinds, sizeof kinds);
            return say(msg, msglen, "%s: only for %s", keys[k].name, kinds);
        }
        if (k >= K_DEG && (keys[k].kinds & KBIT(c->kind)) &&
            (v < keys[k].min || v > keys[k].max))
            return say(msg, msglen, "%s: must be %" PRIu64 "..%" PRIu64, keys[k].name,
                       keys[k].min, keys[k].max);
    }
    if (c->write_pct > 100)
        return say(msg, msglen, "writes: must be 0..100");
    if (c->fetch_pct > 100)
        return say(msg, msglen, "fetch: must be 0..100");
    if (c->write_pct + c->fetch_pct > 100)
        return say(msg, msglen, "fetch: writes+fetch must be <= 100");
    if (c->chains < 1 || c->chains > MMU_SYNTH_CHAINS_MAX)
        return say(msg, msglen, "chains: must be 1..%u", MMU_SYNTH_CHAINS_MAX);
    if (c->lockstep > 1)
        return say(msg, msglen, "lockstep: must be 0 or 1");
    if (c->lockstep && c->chains < 2)
        return say(msg, msglen, "lockstep: needs chains >= 2");
    if (c->pretouch > 1)
        return say(msg, msglen, "pretouch: must be 0 or 1");
    if (c->scatter > 1)
        return say(msg, msglen, "scatter: must be 0 or 1");

    bool strided = c->kind == MMU_SYNTH_SEQ || c->kind == MMU_SYNTH_STRIDE;
    if (!strided && c->stride)
        return say(msg, msglen, "stride: only for seq and stride");
    if (c->kind != MMU_SYNTH_CHASE && c->elem)
        return say(msg, msglen, "elem: only for chase");
    if (c->kind != MMU_SYNTH_ZIPF && c->zipf_s != 0.0)
        return say(msg, msglen, "s: only for zipf");
    if (strided || c->kind == MMU_SYNTH_CHASE) {
        const char *key = strided ? "stride" : "elem";
        uint64_t v = strided ? c->stride : c->elem;
        if (v == 0)
            return say(msg, msglen, "%s: must be > 0", key);
        if (v % 8)
            return say(msg, msglen, "%s: must be a multiple of 8", key);
        if (v > c->ws)
            return say(msg, msglen, "%s: must be <= ws (%" PRIu64 " bytes)", key, c->ws);
    }
    if (c->kind == MMU_SYNTH_ZIPF && !(isfinite(c->zipf_s) && c->zipf_s > 0.0))
        return say(msg, msglen, "s: must be > 0");
    if (is_kernel(c->kind)) {
        /* Whether ws holds the structure at all (and not too much of it). */
        mmu_synth_kern_t k;
        return kernels[c->kind].setup(&k, c, msg, msglen);
    }
    return 0;
}

uint64_t mmu_synth_mapped(const mmu_synth_cfg_t *c)
{
    const uint64_t pg = page_bytes[c->page_size <= MMU_PAGE_1G ? c->page_size : 0];
    return (c->ws + pg - 1) / pg * pg;
}

/* ---- parsing ---------------------------------------------------------------- */

enum num_err { NUM_OK, NUM_BAD, NUM_BIG };

/* Decimal or 0x-hex digits, then (NUM_BIN) one of k m g t = 2^10..2^40 or
 * (NUM_DEC) one of k m g = 10^3..10^9, either case. */
static enum num_err parse_num(const char *v, size_t len, enum num_mode mode, uint64_t *out)
{
    size_t i = 0;
    unsigned radix = 10;
    if (len > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
        radix = 16;
        i = 2;
    }
    uint64_t x = 0;
    bool big = false;
    size_t start = i;
    for (; i < len; i++) {
        char ch = v[i];
        unsigned d;
        if (ch >= '0' && ch <= '9')
            d = (unsigned)(ch - '0');
        else if (radix == 16 && ch >= 'a' && ch <= 'f')
            d = (unsigned)(ch - 'a' + 10);
        else if (radix == 16 && ch >= 'A' && ch <= 'F')
            d = (unsigned)(ch - 'A' + 10);
        else
            break;
        if (x > (UINT64_MAX - d) / radix)
            big = true;
        x = x * radix + d;
    }
    if (i == start)
        return NUM_BAD;
    uint64_t mult = 1;
    if (i < len) {
        if (mode == NUM_PLAIN || i + 1 != len)
            return NUM_BAD;
        char ch = (char)(v[i] | 0x20);
        if (ch == 'k')
            mult = mode == NUM_BIN ? 1ull << 10 : 1000ull;
        else if (ch == 'm')
            mult = mode == NUM_BIN ? 1ull << 20 : 1000000ull;
        else if (ch == 'g')
            mult = mode == NUM_BIN ? 1ull << 30 : 1000000000ull;
        else if (ch == 't' && mode == NUM_BIN)
            mult = 1ull << 40;
        else
            return NUM_BAD;
    }
    if (big || x > UINT64_MAX / mult)
        return NUM_BIG;
    *out = x * mult;
    return NUM_OK;
}


static int perr(char *msg, size_t msglen, const char *spec, const char *fmt, ...)
{
    if (msg && msglen) {
        int k = snprintf(msg, msglen, "workload '%s': ", spec);
        if (k >= 0 && (size_t)k < msglen) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(msg + k, msglen - (size_t)k, fmt, ap);
            va_end(ap);
        }
    }
    return MMU_EINVAL;
}

static bool word_is(const char *w, size_t len, const char *name)
{
    return strlen(name) == len && memcmp(w, name, len) == 0;
}

/* "ws, n, ..." for the keys a kind takes. */
static void list_keys(unsigned kind, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = '\0';
    for (unsigned k = 0; k < NKEYS; k++) {
        if (!(keys[k].kinds & KBIT(kind)))
            continue;
        int w = snprintf(buf + at, len - at, "%s%s", at ? ", " : "", keys[k].name);
        if (w < 0 || (size_t)w >= len - at)
            return;
        at += (size_t)w;
    }
}

int mmu_synth_parse(const char *spec, mmu_synth_cfg_t *cfg, char *msg, size_t msglen)
{
    if (!spec)
        spec = "";
    const char *colon = strchr(spec, ':');
    size_t klen = colon ? (size_t)(colon - spec) : strlen(spec);
    unsigned kind = 0;
    while (kind < NKINDS && !word_is(spec, klen, kind_names[kind]))
        kind++;
    if (kind == NKINDS) {
        char all[160];
        kinds_list(ALL_KINDS, all, sizeof all);
        return perr(msg, msglen, spec, "kind: unknown '%.*s' (%s)", (int)klen, spec, all);
    }
    mmu_synth_defaults(cfg, (mmu_synth_kind_t)kind);

    unsigned seen = 0;
    const char *p = colon ? colon + 1 : NULL;
    while (p) {
        const char *end = strchr(p, ',');
        size_t ilen = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', ilen);
        if (ilen == 0)
            return perr(msg, msglen, spec, "empty key=value item");
        if (!eq)
            return perr(msg, msglen, spec, "%.*s: expected key=value", (int)ilen, p);
        size_t nlen = (size_t)(eq - p);
        const char *v = eq + 1;
        size_t vlen = ilen - nlen - 1;
        unsigned k = 0;
        while (k < NKEYS && !word_is(p, nlen, keys[k].name))
            k++;
        if (k == NKEYS) {
            char names[128];
            list_keys(kind, names, sizeof names);
            return perr(msg, msglen, spec, "%.*s: unknown key (%s takes %s)", (int)nlen, p,
                        kind_names[kind], names);
        }
        const char *key = keys[k].name;
        if (!(keys[k].kinds & KBIT(kind))) {
            char kinds[96];
            kinds_list(keys[k].kinds, kinds, sizeof kinds);
            return perr(msg, msglen, spec, "%s: only for %s", key, kinds);
        }
        if (seen & KBIT(k))
            return perr(msg, msglen, spec, "%s: given twice", key);
        seen |= KBIT(k);
        if (vlen == 0)
            return perr(msg, msglen, spec, "%s: missing value", key);

        uint64_t x = 0;
        if (k == K_PAGE) {
            unsigned ps = 0;
            while (ps < 3 && !(vlen == 2 && (v[0] == page_names[ps][0]) &&
                               (v[1] | 0x20) == page_names[ps][1]))
                ps++;
            if (ps == 3)
                return perr(msg, msglen, spec, "page: must be 4k, 2m or 1g");
            cfg->page_size = ps;
        } else if (k == K_S) {
            char buf[64];
            char *stop = NULL;
            /* Decimal notation only: strtod would also take leading blanks,
             * hex floats (0x1p3), "nan" and "inf". */
            bool ok = vlen < sizeof buf &&
                      ((v[0] >= '0' && v[0] <= '9') || v[0] == '.' || v[0] == '-');
            for (size_t i = 0; ok && i < vlen; i++)
                ok = (v[i] >= '0' && v[i] <= '9') || strchr(".eE+-", v[i]);
            double d = 0;
            if (ok) {
                memcpy(buf, v, vlen);
                buf[vlen] = '\0';
                d = strtod(buf, &stop);
                ok = stop == buf + vlen;
            }
            if (!ok)
                return perr(msg, msglen, spec, "s: bad number '%.*s'", (int)vlen, v);
            if (!(d > 0.0))
                return perr(msg, msglen, spec, "s: must be > 0");
            if (!isfinite(d))
                return perr(msg, msglen, spec, "s: '%.*s' is too large", (int)vlen, v);
            cfg->zipf_s = d;
        } else {
            enum num_err e = parse_num(v, vlen, keys[k].mode, &x);
            if (e == NUM_BAD)
                return perr(msg, msglen, spec, "%s: bad number '%.*s'", key, (int)vlen, v);
            if (e == NUM_BIG)
                return perr(msg, msglen, spec, "%s: '%.*s' is too large", key, (int)vlen, v);
            switch (k) {
            case K_WS:
                if (x == 0)
                    return perr(msg, msglen, spec, "ws: must be > 0");
                if (x > MMU_SYNTH_WS_MAX)
                    return perr(msg, msglen, spec, "ws: must be at most 64t (2^46 bytes)");
                cfg->ws = x;
                break;
            case K_N: cfg->n = x; break;
            case K_SEED: cfg->seed = x; break;
            case K_BASE: cfg->base = x; break;
            case K_WRITES:
            case K_FETCH:
                if (x > 100)
                    return perr(msg, msglen, spec, "%s: must be 0..100", key);
                if (k == K_WRITES)
                    cfg->write_pct = (unsigned)x;
                else
                    cfg->fetch_pct = (unsigned)x;
                break;
            case K_STRIDE: cfg->stride = x; break;
            case K_ELEM: cfg->elem = x; break;
            case K_CHAINS:
                if (x < 1 || x > MMU_SYNTH_CHAINS_MAX)
                    return perr(msg, msglen, spec, "chains: must be 1..%u", MMU_SYNTH_CHAINS_MAX);
                cfg->chains = (unsigned)x;
                break;
            case K_LOCKSTEP:
            case K_PRETOUCH:
            case K_SCATTER:
                if (x > 1)
                    return perr(msg, msglen, spec, "%s: must be 0 or 1", key);
                if (k == K_LOCKSTEP)
                    cfg->lockstep = (unsigned)x;
                else if (k == K_PRETOUCH)
                    cfg->pretouch = (unsigned)x;
                else
                    cfg->scatter = (unsigned)x;
                break;
            default:
                if (x < keys[k].min || x > keys[k].max)
                    return perr(msg, msglen, spec, "%s: must be %" PRIu64 "..%" PRIu64, key,
                                keys[k].min, keys[k].max);
                set_kern_key(cfg, k, x);
                break;
            }
        }
        p = end ? end + 1 : NULL;
    }

    /* Whole access words (zipf: whole 4 KiB pages); the run command maps the
     * set up to whole pages of the page size. */
    const uint64_t unit = cfg->kind == MMU_SYNTH_ZIPF ? 4096 : 8;
    cfg->ws = (cfg->ws + unit - 1) / unit * unit;

    char why[160];
    if (mmu_synth_validate(cfg, why, sizeof why))
        return perr(msg, msglen, spec, "%s", why);
    return 0;
}

/* ---- formatting ------------------------------------------------------------ */

/* v with the largest suffix that keeps it exact. */
static void fmt_size(char *buf, size_t len, uint64_t v, bool binary)
{
    static const char suffix[] = "kmgt";
    unsigned nsuf = binary ? 4 : 3, best = 0;
    uint64_t unit = 1, best_unit = 1;
    for (unsigned i = 1; i <= nsuf; i++) {
        unit *= binary ? 1024 : 1000;
        if (v && v % unit == 0) {
            best = i;
            best_unit = unit;
        }
    }
    if (best)
        snprintf(buf, len, "%" PRIu64 "%c", v / best_unit, suffix[best - 1]);
    else
        snprintf(buf, len, "%" PRIu64, v);
}

int mmu_synth_format(const mmu_synth_cfg_t *c, char *buf, size_t len)
{
    if ((unsigned)c->kind >= NKINDS || c->page_size > MMU_PAGE_1G)
        return MMU_EINVAL;
    char ws[32], n[32], extra[96] = "", issue[64] = "";
    fmt_size(ws, sizeof ws, c->ws, true);
    fmt_size(n, sizeof n, c->n, false);
    /* Printed only when set, so that the specs of plain streams stay short. */
    size_t ia = 0;
    if (c->chains > 1)
        ia += (size_t)snprintf(issue + ia, sizeof issue - ia, ",chains=%u", c->chains);
    if (c->lockstep)
        ia += (size_t)snprintf(issue + ia, sizeof issue - ia, ",lockstep=1");
    if (c->pretouch)
        ia += (size_t)snprintf(issue + ia, sizeof issue - ia, ",pretouch=1");
    if (c->scatter)
        snprintf(issue + ia, sizeof issue - ia, ",scatter=1");
    if (c->kind == MMU_SYNTH_SEQ || c->kind == MMU_SYNTH_STRIDE) {
        char v[32];
        fmt_size(v, sizeof v, c->stride, true);
        snprintf(extra, sizeof extra, ",stride=%s", v);
    } else if (c->kind == MMU_SYNTH_CHASE) {
        char v[32];
        fmt_size(v, sizeof v, c->elem, true);
        snprintf(extra, sizeof extra, ",elem=%s", v);
    } else if (c->kind == MMU_SYNTH_ZIPF) {
        /* The shortest of %.15g / %.17g that reads back exactly. */
        snprintf(extra, sizeof extra, ",s=%.15g", c->zipf_s);
        if (strtod(extra + 3, NULL) != c->zipf_s)
            snprintf(extra, sizeof extra, ",s=%.17g", c->zipf_s);
    } else if (c->kind >= MMU_SYNTH_FIRST_KERNEL) {
        /* A kernel: its own keys in table order, no writes/fetch. */
        size_t at = 0;
        for (unsigned k = K_DEG; k < NKEYS; k++) {
            if (!(keys[k].kinds & KBIT(c->kind)))
                continue;
            char v[32];
            if (keys[k].mode == NUM_DEC)
                fmt_size(v, sizeof v, kern_key(c, k), false);
            else
                snprintf(v, sizeof v, "%" PRIu64, kern_key(c, k));
            int w = snprintf(extra + at, sizeof extra - at, ",%s=%s", keys[k].name, v);
            if (w < 0 || (size_t)w >= sizeof extra - at)
                break;
            at += (size_t)w;
        }
        return snprintf(buf, len, "%s:ws=%s,n=%s,seed=%" PRIu64 ",page=%s,base=0x%" PRIx64 "%s%s",
                        kind_names[c->kind], ws, n, c->seed, page_names[c->page_size], c->base,
                        extra, issue);
    }
    return snprintf(buf, len,
                    "%s:ws=%s,n=%s,seed=%" PRIu64 ",page=%s,base=0x%" PRIx64
                    ",writes=%u,fetch=%u%s%s",
                    kind_names[c->kind], ws, n, c->seed, page_names[c->page_size], c->base,
                    c->write_pct, c->fetch_pct, extra, issue);
}
