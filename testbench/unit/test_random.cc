/* SPDX-License-Identifier: Apache-2.0 */
// Randomized differential test: the model (mmu_translate) against the
// independent SDM reference (ref_paging.cc) over random page tables, control
// state and accesses. Every field of the answer and the exact ordered list of
// A/D writes must agree.
//
// Seed: MMU_RANDOM_SEED (decimal or 0x-hex) overrides the default; on a
// mismatch the seed and world index are printed so the case can be rerun.
#include <gtest/gtest.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "mmu/mmu.h"
#include "mmu/mmu_config.h"
#include "mmu/mmu_mem.h"
#include "ref_paging.h"

namespace {

using refpaging::EntryWrite;
using refpaging::Outcome;
using refpaging::WalkEntry;
using refpaging::WordMemory;

constexpr uint64_t kDefaultSeed = 0x6d6d7573696d2021ull;  // "mmusim !"
constexpr int kWorlds = 2000;
constexpr int kAccessesPerWorld = 60;

constexpr uint64_t kP = 1ull << 0;
constexpr uint64_t kRW = 1ull << 1;
constexpr uint64_t kUS = 1ull << 2;
constexpr uint64_t kA = 1ull << 5;
constexpr uint64_t kD = 1ull << 6;
constexpr uint64_t kPS = 1ull << 7;
constexpr uint64_t kG = 1ull << 8;
constexpr uint64_t kXD = 1ull << 63;

uint64_t mask(unsigned hi, unsigned lo) {
    uint64_t upto_hi = (hi == 63) ? ~0ull : ((1ull << (hi + 1)) - 1);
    return upto_hi & ~((1ull << lo) - 1);
}

uint64_t seed_from_env() {
    const char *s = std::getenv("MMU_RANDOM_SEED");
    if (s == nullptr || *s == '\0') return kDefaultSeed;
    return std::strtoull(s, nullptr, 0);
}

// ---- the memory given to the model ----------------------------------------------

// mmu_mem_ops_t over a WordMemory: every cmpxchg that succeeded and changed a
// word is logged, so the model's A/D writes can be compared one by one.
struct ModelMemory {
    WordMemory store;
    unsigned maxphyaddr = 46;
    std::vector<EntryWrite> log;
    std::string error;  // the first misuse of the interface, if any

    static int read64(void *ctx, uint64_t pa, uint64_t *val) {
        auto *m = static_cast<ModelMemory *>(ctx);
        if ((pa & 7) != 0) {
            if (m->error.empty()) m->error = "read64 at unaligned pa";
            return MMU_EALIGN;
        }
        if (m->maxphyaddr < 64 && (pa >> m->maxphyaddr) != 0) {
            if (m->error.empty()) m->error = "read64 beyond MAXPHYADDR";
            return MMU_ERANGE;
        }
        *val = m->store.read(pa);
        return 0;
    }

    static int cmpxchg64(void *ctx, uint64_t pa, uint64_t expected, uint64_t desired,
                         uint64_t *old) {
        auto *m = static_cast<ModelMemory *>(ctx);
        if ((pa & 7) != 0) {
            if (m->error.empty()) m->error = "cmpxchg64 at unaligned pa";
            return MMU_EALIGN;
        }
        if ((pa >> m->maxphyaddr) != 0) {
            if (m->error.empty()) m->error = "cmpxchg64 beyond MAXPHYADDR";
            return MMU_ERANGE;
        }
        uint64_t word = m->store.read(pa);
        *old = word;
        if (word == expected) {
            if (desired != word) {
                m->store.write(pa, desired);
                m->log.push_back({pa, word, desired});
            }
        }
        return 0;
    }

    mmu_mem_ops_t ops() {
        mmu_mem_ops_t o = MMU_MEM_OPS_INIT;
        o.read64 = &ModelMemory::read64;
        o.cmpxchg64 = &ModelMemory::cmpxchg64;
        o.ctx = this;
        return o;
    }
};

// ---- random world ---------------------------------------------------------------

class Rng {
  public:
    explicit Rng(uint64_t seed) : gen_(seed) {}
    uint64_t u64() { return gen_(); }
    // uniform in [lo, hi]
    uint64_t range(uint64_t lo, uint64_t hi) {
        return std::uniform_int_distribution<uint64_t>(lo, hi)(gen_);
    }
    bool chance(double p) { return std::bernoulli_distribution(p)(gen_); }

  private:
    std::mt19937_64 gen_;
};

// splitmix64, to derive one independent seed per world from the run seed.
uint64_t mix(uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

// Probabilities that shape one world, themselves random so that worlds differ
// in character (permissive, hostile, key-heavy...).
struct Bias {
    double present;
    double rw;
    double us;
    double xd;
    double reserved;
    double leaf_1g;
    double leaf_2m;
};

struct World {
    unsigned levels = 4;
    refpaging::Config cfg;
    mmu_ctrl_t ctrl{};  // CR0/CR3/CR4/EFER fixed per world; AC/PKRU/PKRS vary
    WordMemory mem;
    uint64_t root = 0;
    std::set<uint64_t> frames;                 // 4K frames used by tables
    std::map<uint64_t, uint64_t> child_table;  // entry pa -> table it references
    std::vector<uint64_t> targets;             // linear addresses that were mapped
    Bias bias{};
};

uint64_t sign_extend(uint64_t la, bool five_level) {
    unsigned top = five_level ? 56 : 47;
    if ((la >> top) & 1) return la | mask(63, top);
    return la & mask(top, 0);
}

uint64_t alloc_table(World &w, Rng &rng) {
    // Tables live anywhere below 2^MAXPHYADDR, one distinct frame each, so no
    // entry is ever reached twice in one walk.
    const uint64_t nframes = 1ull << (w.cfg.maxphyaddr - 12);
    for (;;) {
        uint64_t f = rng.range(1, nframes - 1);
        if (w.frames.insert(f).second) return f << 12;
    }
}

// Random low/ignored bits common to every kind of entry: PWT, PCD, A, D, G,
// bits 11:9 (ignored), 58:52 (ignored) and 62:59 (ignored or key).
uint64_t random_flag_bits(World &w, Rng &rng) {
    uint64_t v = 0;
    if (rng.chance(w.bias.rw)) v |= kRW;
    if (rng.chance(w.bias.us)) v |= kUS;
    if (rng.chance(0.2)) v |= 1ull << 3;  // PWT
    if (rng.chance(0.2)) v |= 1ull << 4;  // PCD
    if (rng.chance(0.5)) v |= kA;
    if (rng.chance(0.5)) v |= kD;
    if (rng.chance(0.3)) v |= kG;
    v |= (rng.u64() & 7) << 9;
    if (rng.chance(0.3)) v |= (rng.u64() & 0x7f) << 52;
    v |= (rng.u64() & 0xf) << 59;
    if (rng.chance(w.bias.xd)) v |= kXD;
    return v;
}

// Maybe set one reserved bit appropriate to the entry (SDM 4.5 tables
// 4-15..4-20). XD with NXE = 0 comes from bias.xd already.
uint64_t maybe_reserved(World &w, Rng &rng, unsigned level, bool leaf) {
    if (!rng.chance(w.bias.reserved)) return 0;
    std::vector<uint64_t> choices;
    if (w.cfg.maxphyaddr < 52) {
        choices.push_back(1ull << rng.range(w.cfg.maxphyaddr, 51));
    }
    if (level >= 4) choices.push_back(kPS);
    if (leaf && level == 3) choices.push_back(1ull << rng.range(13, 29));
    if (leaf && level == 2) choices.push_back(1ull << rng.range(13, 20));
    if ((w.ctrl.efer & MMU_EFER_NXE) == 0) choices.push_back(kXD);
    if (choices.empty()) return 0;
    return choices[rng.range(0, choices.size() - 1)];
}

// Build the path for `la`, creating entries that do not exist yet.
void map_target(World &w, Rng &rng, uint64_t la) {
    uint64_t table = w.root;
    for (unsigned level = w.levels; level >= 1; --level) {
        uint64_t idx = (la >> (12 + 9 * (level - 1))) & 0x1ff;
        uint64_t epa = table | (idx << 3);
        auto it = w.child_table.find(epa);
        if (it != w.child_table.end()) {
            table = it->second;
            continue;
        }
        if (w.mem.words.count(epa) != 0) return;  // a leaf or junk already there

        uint64_t v = random_flag_bits(w, rng);
        bool present = rng.chance(w.bias.present);
        bool leaf = false;
        if (level == 1) {
            leaf = true;
        } else if (level == 3) {
            leaf = rng.chance(w.bias.leaf_1g);
        } else if (level == 2) {
            leaf = rng.chance(w.bias.leaf_2m);
        }
        const uint64_t frames = 1ull << (w.cfg.maxphyaddr - 12);
        if (!present) {
            // Not present: every other bit is free for software (SDM 4.5:
            // "ignored"), reserved bits included; scribble on them.
            v = (rng.u64() & ~kP);
            w.mem.write(epa, v);
            return;
        }
        v |= kP;
        if (leaf) {
            if (level == 1) {
                v |= rng.range(0, frames - 1) << 12;
            } else if (level == 2) {
                v |= kPS | (rng.range(0, (frames >> 9) - 1) << 21);
                if (rng.chance(0.5)) v |= 1ull << 12;  // PAT
            } else {
                v |= kPS | (rng.range(0, (frames >> 18) - 1) << 30);
                if (rng.chance(0.5)) v |= 1ull << 12;  // PAT
            }
            v |= maybe_reserved(w, rng, level, true);
            w.mem.write(epa, v);
            return;
        }
        // Non-leaf: PS must be 0 at levels 3 and 2, it is reserved at 4 and 5
        // (maybe_reserved may set it there). Bit 7 of a PML4E/PML5E is the
        // only thing at those levels that random_flag_bits never sets.
        uint64_t child = alloc_table(w, rng);
        v |= child;
        v |= maybe_reserved(w, rng, level, false);
        w.mem.write(epa, v);
        w.child_table[epa] = child;
        table = child;
    }
}

uint64_t random_canonical(Rng &rng, bool five_level) {
    return sign_extend(rng.u64(), five_level);
}

World make_world(Rng &rng) {
    World w;
    w.cfg.maxphyaddr = static_cast<unsigned>(rng.range(36, 52));
    w.cfg.page_1g = rng.chance(0.75);
    w.cfg.ad_on_fault = rng.chance(0.5) ? MMU_AD_ON_FAULT_USED : MMU_AD_ON_FAULT_NONE;
    const bool five_level = rng.chance(0.4);
    w.levels = five_level ? 5 : 4;

    // Control state. CR0.PG/PE, CR4.PAE, EFER.LME/LMA as in IA-32e mode.
    mmu_ctrl_t &c = w.ctrl;
    c.cr0 = (1ull << 31) | 1ull;
    if (rng.chance(0.6)) c.cr0 |= MMU_CR0_WP;
    c.cr4 = 1ull << 5;  // PAE
    if (five_level) c.cr4 |= MMU_CR4_LA57;
    if (rng.chance(0.5)) c.cr4 |= MMU_CR4_PGE;
    if (rng.chance(0.4)) c.cr4 |= MMU_CR4_PCIDE;
    if (rng.chance(0.4)) c.cr4 |= MMU_CR4_SMEP;
    if (rng.chance(0.5)) c.cr4 |= MMU_CR4_SMAP;
    if (rng.chance(0.5)) c.cr4 |= MMU_CR4_PKE;
    if (rng.chance(0.4)) c.cr4 |= MMU_CR4_PKS;
    c.efer = (1ull << 8) | (1ull << 10);  // LME, LMA
    if (rng.chance(0.7)) c.efer |= MMU_EFER_NXE;
    c.rflags = 0x2;

    w.bias.present = 0.93 + 0.065 * (static_cast<double>(rng.range(0, 100)) / 100.0);
    w.bias.rw = 0.6 + 0.35 * (static_cast<double>(rng.range(0, 100)) / 100.0);
    w.bias.us = 0.5 + 0.45 * (static_cast<double>(rng.range(0, 100)) / 100.0);
    // XD set with NXE = 0 is a reserved bit: keep it rare then.
    w.bias.xd = (c.efer & MMU_EFER_NXE) ? 0.15 : 0.005;
    w.bias.reserved = rng.chance(0.3) ? 0.0 : 0.03;
    w.bias.leaf_1g = rng.chance(0.5) ? 0.25 : 0.0;
    w.bias.leaf_2m = rng.chance(0.6) ? 0.3 : 0.0;

    w.root = alloc_table(w, rng);
    c.cr3 = w.root;
    if (c.cr4 & MMU_CR4_PCIDE) {
        c.cr3 |= rng.range(0, 0xfff);  // PCID
        if (rng.chance(0.1)) c.cr3 |= MMU_CR3_NOFLUSH;
    } else {
        if (rng.chance(0.3)) c.cr3 |= MMU_CR3_PWT;
        if (rng.chance(0.3)) c.cr3 |= MMU_CR3_PCD;
    }

    // Targets: some random, some clustered around earlier ones (sharing upper
    // tables, so A bits set by one access are seen by the next), some at the
    // canonical edge (all indices 511 below the hole, 256/0 above it).
    const unsigned top = five_level ? 56 : 47;
    int ntargets = static_cast<int>(rng.range(3, 10));
    for (int i = 0; i < ntargets; ++i) {
        uint64_t la;
        uint64_t pick = rng.range(0, 9);
        if (pick < 2 || w.targets.empty()) {
            la = random_canonical(rng, five_level);
        } else if (pick == 2) {
            la = rng.chance(0.5) ? (mask(top - 1, 0) & ~0xfffull)  // top of lower half
                                 : mask(63, top);                  // bottom of upper half
        } else {
            // Share levels above `keep_from` with an earlier target.
            uint64_t base = w.targets[rng.range(0, w.targets.size() - 1)];
            unsigned keep_from = static_cast<unsigned>(rng.range(1, w.levels - 1));
            uint64_t low = mask(12 + 9 * keep_from - 1, 12);
            la = sign_extend((base & ~low) | (rng.u64() & low), five_level);
        }
        la &= ~0xfffull;
        w.targets.push_back(la);
        map_target(w, rng, la);
    }
    return w;
}

mmu_req_t make_request(World &w, Rng &rng) {
    mmu_req_t r = MMU_REQ_INIT;
    const bool five_level = w.levels == 5;
    const unsigned top = five_level ? 56 : 47;
    uint64_t pick = rng.range(0, 99);
    if (pick < 82) {
        // Hit a mapped target; mostly in its own 4K page, sometimes elsewhere
        // in its 2M / 1G region (which reaches other entries of its tables).
        uint64_t t = w.targets[rng.range(0, w.targets.size() - 1)];
        uint64_t p2 = rng.range(0, 9);
        uint64_t low = p2 < 9 ? mask(11, 0) : (rng.chance(0.5) ? mask(20, 0) : mask(29, 0));
        r.la = (t & ~low) | (rng.u64() & low);
    } else if (pick < 88) {
        // Non-canonical: a target with a bit of the sign extension flipped, or
        // a random non-canonical value.
        if (rng.chance(0.5)) {
            uint64_t t = w.targets[rng.range(0, w.targets.size() - 1)];
            r.la = t ^ (1ull << rng.range(top, 63));
        } else {
            do {
                r.la = rng.u64();
            } while (refpaging::is_canonical(r.la, five_level));
        }
    } else if (pick < 93) {
        // The canonical edge, both sides of it, and the other mode's edge.
        static const int kDeltas[] = {-8, -1, 0, 1, 8};
        uint64_t d = static_cast<uint64_t>(static_cast<int64_t>(kDeltas[rng.range(0, 4)]));
        uint64_t edge;
        switch (rng.range(0, 3)) {
        case 0: edge = 1ull << top; break;             // first non-canonical above
        case 1: edge = mask(63, top); break;           // first canonical, upper half
        case 2: edge = 1ull << 47; break;              // the 4-level edge
        default: edge = mask(63, 56); break;           // the 5-level upper edge
        }
        r.la = edge + d;
    } else {
        r.la = random_canonical(rng, five_level);
    }
    r.type = static_cast<uint8_t>(rng.range(0, 2));
    uint64_t c = rng.range(0, 99);
    r.cpl = static_cast<uint8_t>(c < 40 ? 0 : (c < 50 ? rng.range(1, 2) : 3));
    r.flags = rng.chance(0.12) ? MMU_REQ_IMPLICIT : 0;
    return r;
}

uint32_t random_key_register(Rng &rng) {
    uint32_t v = 0;
    for (unsigned i = 0; i < 16; ++i) {
        if (rng.chance(0.2)) v |= 1u << (2 * i);      // ADi
        if (rng.chance(0.3)) v |= 1u << (2 * i + 1);  // WDi
    }
    return v;
}

// ---- comparison and reporting -------------------------------------------------------

struct Counts {
    uint64_t total = 0;
    uint64_t ok = 0;
    uint64_t pf_not_present = 0;
    uint64_t pf_rsvd = 0;
    uint64_t pf_prot = 0;
    uint64_t pf_prot_pk = 0;
    uint64_t gp = 0;
    uint64_t writes = 0;
};

bool same_writes(const std::vector<EntryWrite> &a, const std::vector<EntryWrite> &b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        if (a[i].pa != b[i].pa || a[i].new_value != b[i].new_value) return false;
    }
    return true;
}

std::string compare(const Outcome &ref, const mmu_result_t &got,
                    const std::vector<EntryWrite> &got_writes) {
    std::ostringstream why;
    if (ref.fault.kind != got.fault.kind) why << " fault.kind";
    if (ref.fault.vector != got.fault.vector) why << " fault.vector";
    if (ref.fault.error_code != got.fault.error_code) why << " fault.error_code";
    if (ref.fault.cr2 != got.fault.cr2) why << " fault.cr2";
    if (ref.fault.kind == MMU_FAULT_NONE && got.fault.kind == MMU_FAULT_NONE) {
        if (ref.pa != got.pa) why << " pa";
        if (ref.page_size != got.page_size) why << " page_size";
        if (ref.perms != got.perms) why << " perms";
        if (ref.pkey != got.pkey) why << " pkey";
        if (ref.global != got.global) why << " global";
    }
    if (!same_writes(ref.writes, got_writes)) why << " writes";
    return why.str();
}

std::string model_answer(const mmu_result_t &got, const std::vector<EntryWrite> &writes) {
    std::string s = "  fault: " + refpaging::describe_fault(got.fault) + "\n";
    if (got.fault.kind == MMU_FAULT_NONE) {
        char buf[160];
        std::snprintf(buf, sizeof buf,
                      "  pa=0x%016" PRIx64 " page_size=%u perms=0x%x pkey=%u global=%u\n",
                      got.pa, got.page_size, got.perms, got.pkey, got.global);
        s += buf;
    }
    s += refpaging::describe_writes(writes);
    return s;
}

std::string world_header(uint64_t seed, int world_index, int access_index, const World &w) {
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "seed=0x%016" PRIx64 " (MMU_RANDOM_SEED) world=%d access=%d\n"
                  "config: maxphyaddr=%u page_1g=%d ad_on_fault=%s levels=%u\n",
                  seed, world_index, access_index, w.cfg.maxphyaddr, w.cfg.page_1g ? 1 : 0,
                  w.cfg.ad_on_fault == MMU_AD_ON_FAULT_USED ? "USED" : "NONE", w.levels);
    return buf;
}

void count(Counts &n, const Outcome &ref) {
    ++n.total;
    n.writes += ref.writes.size();
    switch (ref.why) {
    case refpaging::Why::kOk: ++n.ok; break;
    case refpaging::Why::kNonCanonical: ++n.gp; break;
    case refpaging::Why::kNotPresent: ++n.pf_not_present; break;
    case refpaging::Why::kReserved: ++n.pf_rsvd; break;
    case refpaging::Why::kProtection:
        if (ref.fault.error_code & MMU_PF_PK) {
            ++n.pf_prot_pk;
        } else {
            ++n.pf_prot;
        }
        break;
    }
}

// Runs one world. Returns false (after reporting) on the first disagreement.
bool run_world(uint64_t seed, int world_index, Counts &n) {
    Rng rng(mix(seed ^ mix(static_cast<uint64_t>(world_index))));
    World w = make_world(rng);

    ModelMemory model_mem;
    model_mem.maxphyaddr = w.cfg.maxphyaddr;
    model_mem.store = w.mem;  // the model gets its own copy of the same words

    mmu_config_t cfg;
    mmu_config_init(&cfg);
    cfg.maxphyaddr = w.cfg.maxphyaddr;
    cfg.page_1g = w.cfg.page_1g ? 1u : 0u;
    cfg.ad_on_fault = w.cfg.ad_on_fault;
    mmu_mem_ops_t ops = model_mem.ops();
    mmu_t *mmu = nullptr;
    mmu_err_t err{};
    int rc = mmu_create(&cfg, &ops, &mmu, &err);
    if (rc != 0) {
        ADD_FAILURE() << world_header(seed, world_index, -1, w) << "mmu_create failed: " << rc
                      << " " << err.msg;
        return false;
    }

    uint32_t pkru = random_key_register(rng);
    uint32_t pkrs = random_key_register(rng);
    bool ok = true;
    for (int i = 0; i < kAccessesPerWorld && ok; ++i) {
        // AC, PKRU and IA32_PKRS change between accesses, as they do in a
        // running system (none of them needs a TLB flush, SDM 4.10.4.1).
        if (rng.chance(0.3)) pkru = random_key_register(rng);
        if (rng.chance(0.3)) pkrs = random_key_register(rng);
        w.ctrl.pkru = pkru;
        w.ctrl.pkrs = pkrs;
        w.ctrl.rflags = 0x2 | (rng.chance(0.5) ? MMU_RFLAGS_AC : 0);
        rc = mmu_set_ctrl(mmu, &w.ctrl, &err);
        if (rc != 0) {
            ADD_FAILURE() << world_header(seed, world_index, i, w)
                          << "mmu_set_ctrl rejected legal state: " << rc << " " << err.msg
                          << "\nctrl: " << refpaging::describe_ctrl(w.ctrl);
            ok = false;
            break;
        }

        mmu_req_t req = make_request(w, rng);
        req.now = static_cast<mmu_cycle_t>(i) * 100;

        Outcome ref = refpaging::translate(w.mem, w.ctrl, w.cfg, req);
        count(n, ref);

        model_mem.log.clear();
        mmu_result_t got{};
        rc = mmu_translate(mmu, &req, &got);
        std::string diff;
        if (rc != 0) {
            diff = " return-code";
        } else if (!model_mem.error.empty()) {
            diff = " memory-interface(" + model_mem.error + ")";
        } else {
            diff = compare(ref, got, model_mem.log);
        }
        if (!diff.empty()) {
            std::ostringstream msg;
            msg << world_header(seed, world_index, i, w);
            msg << "ctrl: " << refpaging::describe_ctrl(w.ctrl) << "\n";
            msg << "request: " << refpaging::describe_req(req) << "\n";
            msg << "entries read by the reference (values before this access):\n";
            for (const WalkEntry &e : ref.walk) {
                char buf[40];
                std::snprintf(buf, sizeof buf, "  [0x%016" PRIx64 "] ", e.pa);
                msg << buf << refpaging::describe_entry(e.level, e.value) << "\n";
            }
            msg << "differs in:" << diff << "\n";
            if (rc != 0) msg << "mmu_translate returned " << rc << "\n";
            msg << "reference:\n" << refpaging::describe_outcome(ref);
            msg << "model:\n" << model_answer(got, model_mem.log);
            ADD_FAILURE() << msg.str();
            ok = false;
        }
    }
    mmu_destroy(mmu);
    return ok;
}

}  // namespace

TEST(Random, ModelAgreesWithReferenceOnRandomWorlds) {
    const uint64_t seed = seed_from_env();
    Counts n;
    for (int wi = 0; wi < kWorlds; ++wi) {
        if (!run_world(seed, wi, n)) break;
    }
    std::cout << "[random] seed=0x" << std::hex << seed << std::dec << " accesses=" << n.total
              << " ok=" << n.ok << " pf_not_present=" << n.pf_not_present
              << " pf_rsvd=" << n.pf_rsvd << " pf_prot=" << n.pf_prot
              << " pf_prot_pk=" << n.pf_prot_pk << " gp=" << n.gp << " ad_writes=" << n.writes
              << std::endl;
    if (::testing::Test::HasFailure()) return;

    // The generator must keep exercising every outcome; a degenerate mix would
    // let the comparison pass vacuously.
    EXPECT_GE(n.total, 100000u);
    const uint64_t floor = n.total / 100;  // 1% of the accesses
    EXPECT_GE(n.ok, floor) << "too few successful translations";
    EXPECT_GE(n.pf_not_present, floor) << "too few not-present #PF";
    EXPECT_GE(n.pf_rsvd, floor) << "too few reserved-bit #PF";
    EXPECT_GE(n.pf_prot, floor) << "too few protection #PF without PK";
    EXPECT_GE(n.pf_prot_pk, floor) << "too few protection #PF with PK";
    EXPECT_GE(n.gp, floor) << "too few #GP";
    EXPECT_GE(n.writes, floor) << "too few A/D writes";
}

// Hand-computed cases for the reference itself (SDM 4.5-4.8), so that the
// differential test does not rest on an unchecked reference.
TEST(Random, ReferenceHandChecks) {
    using refpaging::translate;
    WordMemory mem;
    refpaging::Config cfg;  // MAXPHYADDR 46, 1G pages, policy NONE
    const uint64_t kUser = kP | kRW | kUS;
    // la 0x401234: PML4[0] -> PDPT[0] -> PD[2] -> PT[1], offset 0x234.
    mem.write(0x1000, 0x2000 | kUser);
    mem.write(0x2000, 0x3000 | kUser);
    mem.write(0x3000 + 2 * 8, 0x4000 | kUser);
    mem.write(0x4000 + 1 * 8, 0x5000 | kUser);
    mmu_ctrl_t c{};
    c.cr3 = 0x1000 | MMU_CR3_PWT;  // PWT does not move the table
    mmu_req_t r = MMU_REQ_INIT;
    r.la = 0x401234;
    r.type = MMU_ACC_READ;
    r.cpl = 3;

    // First read: success, A set top level first, one write per entry.
    Outcome o = translate(mem, c, cfg, r);
    ASSERT_EQ(o.fault.kind, MMU_FAULT_NONE);
    EXPECT_EQ(o.pa, 0x5234u);
    EXPECT_EQ(o.perms, MMU_PERM_W | MMU_PERM_U);
    ASSERT_EQ(o.writes.size(), 4u);
    EXPECT_EQ(o.writes[0].pa, 0x1000u);
    EXPECT_EQ(o.writes[3].pa, 0x4008u);
    EXPECT_EQ(o.writes[3].new_value, 0x5000 | kUser | kA);
    // A write then only sets D in the leaf; a second one writes nothing.
    r.type = MMU_ACC_WRITE;
    o = translate(mem, c, cfg, r);
    ASSERT_EQ(o.writes.size(), 1u);
    EXPECT_EQ(o.writes[0].new_value, 0x5000 | kUser | kA | kD);
    EXPECT_TRUE(translate(mem, c, cfg, r).writes.empty());

    // Read-only leaf: user write faults P|W|U/S whatever WP (SDM 4.1.3);
    // supervisor write allowed with WP = 0, faults P|W with WP = 1.
    mem.write(0x4008, 0x5000 | kP | kUS);
    o = translate(mem, c, cfg, r);
    EXPECT_EQ(o.fault.kind, MMU_FAULT_PF);
    EXPECT_EQ(o.fault.error_code, MMU_PF_P | MMU_PF_W | MMU_PF_US);
    EXPECT_EQ(o.fault.cr2, 0x401234u);
    EXPECT_TRUE(o.writes.empty());
    r.cpl = 0;
    EXPECT_EQ(translate(mem, c, cfg, r).fault.kind, MMU_FAULT_NONE);
    c.cr0 = MMU_CR0_WP;
    EXPECT_EQ(translate(mem, c, cfg, r).fault.error_code, MMU_PF_P | MMU_PF_W);

    // SMAP: supervisor read of a user page needs AC = 1 and an explicit access.
    r.type = MMU_ACC_READ;
    c.cr4 = MMU_CR4_SMAP;
    EXPECT_EQ(translate(mem, c, cfg, r).fault.error_code, MMU_PF_P);
    c.rflags = MMU_RFLAGS_AC;
    EXPECT_EQ(translate(mem, c, cfg, r).fault.kind, MMU_FAULT_NONE);
    r.cpl = 3;
    r.flags = MMU_REQ_IMPLICIT;  // supervisor-mode at CPL 3: U/S = 0, AC ignored
    EXPECT_EQ(translate(mem, c, cfg, r).fault.error_code, MMU_PF_P);
    r.flags = 0;

    // Protection key 5 with AD5 = 1: user read faults with PK.
    mem.write(0x4008, 0x5000 | kUser | kA | kD | (5ull << 59));
    c.cr4 = MMU_CR4_PKE;
    c.pkru = 1u << 10;
    EXPECT_EQ(translate(mem, c, cfg, r).fault.error_code, MMU_PF_P | MMU_PF_US | MMU_PF_PK);
    // ... and a fetch is not subject to keys.
    r.type = MMU_ACC_FETCH;
    EXPECT_EQ(translate(mem, c, cfg, r).fault.kind, MMU_FAULT_NONE);
    // WD5 = 1 with a read-only leaf: the user write fails for both reasons; PK
    // is still reported (SDM 4.7 defines it on its own).
    c.pkru = 2u << 10;
    r.type = MMU_ACC_WRITE;
    mem.write(0x4008, 0x5000 | kP | kUS | kA | (5ull << 59));
    EXPECT_EQ(translate(mem, c, cfg, r).fault.error_code,
              MMU_PF_P | MMU_PF_W | MMU_PF_US | MMU_PF_PK);

    // Reserved bit 50 (>= MAXPHYADDR) in the PDE: P|RSVD, no PK.
    mem.write(0x3010, 0x4000 | kUser | (1ull << 50));
    EXPECT_EQ(translate(mem, c, cfg, r).fault.error_code,
              MMU_PF_P | MMU_PF_W | MMU_PF_US | MMU_PF_RSVD);
    // 2M page: bit 12 is PAT, not address; bit 13 is reserved.
    mem.write(0x3010, 0x200000 | (1ull << 12) | kUser | kPS);
    r.type = MMU_ACC_READ;
    o = translate(mem, c, cfg, r);
    ASSERT_EQ(o.fault.kind, MMU_FAULT_NONE);
    EXPECT_EQ(o.pa, 0x201234u);
    EXPECT_EQ(o.page_size, MMU_PAGE_2M);
    mem.write(0x3010, 0x200000 | (1ull << 13) | kUser | kPS);
    EXPECT_EQ(translate(mem, c, cfg, r).fault.error_code,
              MMU_PF_P | MMU_PF_US | MMU_PF_RSVD);
    // Not present, fetch with NXE = 1: U/S and I/D describe the access.
    mem.write(0x3010, 0x4000 | kUser);
    mem.write(0x4008, 0x5000);
    c.efer = MMU_EFER_NXE;
    r.type = MMU_ACC_FETCH;
    EXPECT_EQ(translate(mem, c, cfg, r).fault.error_code, MMU_PF_US | MMU_PF_ID);
    // Policy USED: the not-present walk leaves A in the consumed non-leaf
    // entries only (PML4E and PDPTE already have it; the PDE does not).
    mem.write(0x3010, 0x4000 | kUser);
    cfg.ad_on_fault = MMU_AD_ON_FAULT_USED;
    o = translate(mem, c, cfg, r);
    ASSERT_EQ(o.writes.size(), 1u);
    EXPECT_EQ(o.writes[0].pa, 0x3010u);
    // Non-canonical in 4-level mode, canonical in 5-level mode.
    r.la = 1ull << 47;
    o = translate(mem, c, cfg, r);
    EXPECT_EQ(o.fault.kind, MMU_FAULT_GP);
    EXPECT_EQ(o.fault.vector, MMU_VEC_GP);
    EXPECT_EQ(o.fault.cr2, 0u);
    EXPECT_TRUE(o.walk.empty());
    c.cr4 |= MMU_CR4_LA57;
    EXPECT_NE(translate(mem, c, cfg, r).fault.kind, MMU_FAULT_GP);
}
