/* SPDX-License-Identifier: Apache-2.0 */
// Reference evaluator of 4-level / 5-level paging. See ref_paging.h.
//
// Every rule below cites the SDM Vol. 3A section it transcribes. Where the
// SDM leaves a choice to the implementation (A flags on a faulting walk) the
// mmu_config.h policy is followed and says so.
#include "ref_paging.h"

#include <cinttypes>
#include <cstdio>

namespace refpaging {

namespace {

// ---- bit helpers -----------------------------------------------------------

constexpr uint64_t kP = 1ull << 0;
constexpr uint64_t kRW = 1ull << 1;
constexpr uint64_t kUS = 1ull << 2;
constexpr uint64_t kPWT = 1ull << 3;
constexpr uint64_t kPCD = 1ull << 4;
constexpr uint64_t kA = 1ull << 5;
constexpr uint64_t kD = 1ull << 6;
constexpr uint64_t kPS = 1ull << 7;
constexpr uint64_t kG = 1ull << 8;
constexpr uint64_t kXD = 1ull << 63;

bool bit(uint64_t value, unsigned n) { return ((value >> n) & 1u) != 0; }

// Mask of bits hi..lo inclusive (hi >= lo, hi <= 63).
uint64_t bits(unsigned hi, unsigned lo) {
    uint64_t upto_hi = (hi == 63) ? ~0ull : ((1ull << (hi + 1)) - 1);
    return upto_hi & ~((1ull << lo) - 1);
}

// Physical-address field of an entry: bits (MAXPHYADDR-1):lo.
uint64_t address_field(uint64_t value, unsigned maxphyaddr, unsigned lo) {
    return value & bits(maxphyaddr - 1, lo);
}

const char *level_name(unsigned level) {
    switch (level) {
    case 5: return "PML5E";
    case 4: return "PML4E";
    case 3: return "PDPTE";
    case 2: return "PDE";
    case 1: return "PTE";
    default: return "?";
    }
}

// ---- SDM 4.5: linear-address structure -------------------------------------

// SDM 4.5: the linear address bits used to select the entry at `level`:
// PML5 bits 56:48, PML4 47:39, PDPT 38:30, PD 29:21, PT 20:12.
uint64_t table_index(uint64_t la, unsigned level) {
    unsigned lo = 12 + 9 * (level - 1);
    return (la >> lo) & 0x1ff;
}

// SDM 4.5: a paging-structure entry maps a page ("is a leaf") when it is a
// PTE, or a PDE / PDPTE with PS (bit 7) = 1. PS in a PML4E / PML5E is
// reserved, never a page size, so it is caught as a reserved bit before this
// is asked.
bool maps_page(uint64_t value, unsigned level) {
    if (level == 1) return true;
    if (level == 2 || level == 3) return bit(value, 7);
    return false;
}

// ---- SDM 4.5 tables 4-15..4-20: reserved bits --------------------------------

// Whether a present entry has a reserved bit set. SDM 4.7 (RSVD): reserved
// bits are checked only in entries whose P flag is 1; the caller asks only
// then.
bool has_reserved_bit(uint64_t value, unsigned level, const mmu_ctrl_t &ctrl,
                      const Config &cfg) {
    // Tables 4-15..4-20: in every entry, bits 51:MAXPHYADDR are "Reserved
    // (must be 0)" (none when MAXPHYADDR = 52).
    if (cfg.maxphyaddr < 52 && (value & bits(51, cfg.maxphyaddr)) != 0) {
        return true;
    }
    // Tables 4-15..4-20, bit 63: "If IA32_EFER.NXE = 1, execute-disable ...;
    // otherwise, reserved (must be 0)".
    if ((ctrl.efer & MMU_EFER_NXE) == 0 && bit(value, 63)) {
        return true;
    }
    // Tables 4-15 (PML5E) and 4-16 (PML4E): bit 7 "Reserved (must be 0)".
    if ((level == 5 || level == 4) && bit(value, 7)) {
        return true;
    }
    if (level == 3 && bit(value, 7)) {
        // SDM 4.5: a PDPTE with PS = 1 maps a 1-GByte page only if the
        // processor supports 1-GByte pages (CPUID.80000001H:EDX.Page1GB);
        // otherwise bit 7 is reserved. Here that is mmu_config_t.page_1g.
        if (!cfg.page_1g) {
            return true;
        }
        // Table 4-17 (PDPTE mapping a 1-GByte page): bits 29:13 reserved.
        if ((value & bits(29, 13)) != 0) {
            return true;
        }
    }
    // Table 4-19 (PDE mapping a 2-MByte page): bits 20:13 reserved.
    if (level == 2 && bit(value, 7) && (value & bits(20, 13)) != 0) {
        return true;
    }
    // PDPTE / PDE referencing a table and PTE (tables 4-18, 4-20): only the
    // bits above.
    return false;
}

// ---- SDM 4.6.2: protection keys --------------------------------------------

// The view of a PKRU / IA32_PKRS value for one key: ADi = bit 2i,
// WDi = bit 2i+1.
bool key_access_disabled(uint32_t reg, unsigned key) { return bit(reg, 2 * key); }
bool key_write_disabled(uint32_t reg, unsigned key) { return bit(reg, 2 * key + 1); }

// Which register, if any, governs the protection key of an address.
// SDM 4.6.2: "When CR4.PKE = 1, ... the PKRU register determines, for each
// protection key, whether user-mode addresses with that protection key may be
// read or written." and, with CR4.PKS = 1, IA32_PKRS does the same for
// supervisor-mode addresses.
struct KeyRule {
    bool applies = false;  // a key register controls this address
    uint32_t reg = 0;      // PKRU or IA32_PKRS
};

KeyRule key_rule(const mmu_ctrl_t &ctrl, bool user_mode_address) {
    KeyRule rule;
    if (user_mode_address) {
        if (ctrl.cr4 & MMU_CR4_PKE) {
            rule.applies = true;
            rule.reg = ctrl.pkru;
        }
    } else {
        if (ctrl.cr4 & MMU_CR4_PKS) {
            rule.applies = true;
            rule.reg = ctrl.pkrs;
        }
    }
    return rule;
}

// SDM 4.6.2: "If ADi = 1, no data accesses are permitted" to addresses with
// protection key i.
bool key_permits_read(const KeyRule &rule, unsigned key) {
    if (!rule.applies) return true;  // 4.6.2: no key rule, every key permits
    return !key_access_disabled(rule.reg, key);
}

// SDM 4.6.2: ADi = 1 forbids writes too. WDi = 1: "user-mode accesses: data
// writes are not permitted"; "supervisor-mode accesses: if CR0.WP = 0, WDi
// does not affect write accesses ...; if CR0.WP = 1, data writes are not
// permitted". The same wording is used for IA32_PKRS and supervisor-mode
// addresses.
bool key_permits_write(const KeyRule &rule, unsigned key, bool user_access,
                       bool cr0_wp) {
    if (!rule.applies) return true;
    if (key_access_disabled(rule.reg, key)) return false;
    if (key_write_disabled(rule.reg, key)) {
        if (user_access) return false;
        if (cr0_wp) return false;
        return true;  // supervisor-mode access with CR0.WP = 0
    }
    return true;
}

// ---- SDM 4.6.1: access rights ----------------------------------------------

// Everything 4.6.1 looks at for one access.
struct AccessFacts {
    // the access
    bool user_access;  // SDM 4.6.1: CPL = 3 and not an implicit supervisor access
    bool implicit;     // implicit supervisor-mode access
    bool is_read;
    bool is_write;
    bool is_fetch;
    // the translation (combined over every entry controlling it)
    bool user_mode_address;  // U/S = 1 in every entry
    bool writable;           // R/W = 1 in every entry
    bool xd_somewhere;       // XD = 1 in some entry
    unsigned key;            // protection key of the leaf (bits 62:59)
    // control state
    bool wp;
    bool smep;
    bool smap;
    bool ac;
    bool nxe;
    KeyRule key_rule;
};

// A literal transcription of the SDM 4.6.1 list "The following items detail
// how paging determines access rights", with the 4.6.2 protection-key rules
// folded into the "with a protection key for which ... is permitted" phrases.
bool access_permitted(const AccessFacts &f) {
    const bool read_key_ok = key_permits_read(f.key_rule, f.key);
    const bool write_key_ok =
        key_permits_write(f.key_rule, f.key, f.user_access, f.wp);

    if (!f.user_access) {
        // "For supervisor-mode accesses:"
        if (f.is_read) {
            if (!f.user_mode_address) {
                // "Data may be read (implicitly or explicitly) from any
                // supervisor-mode address" (with CR4.PKS = 1: with a
                // protection key for which read access is permitted).
                return read_key_ok;
            }
            // "Data reads from user-mode pages. Access rights depend on the
            // value of CR4.SMAP:"
            if (!f.smap) {
                // "If CR4.SMAP = 0, data may be read from any user-mode address
                // with a protection key for which read access is permitted."
                return read_key_ok;
            }
            // "If CR4.SMAP = 1, access rights depend on the value of
            // EFLAGS.AC and whether the access is implicit or explicit:"
            if (f.ac && !f.implicit) {
                // "If EFLAGS.AC = 1 and the access is explicit, data may be
                // read from any user-mode address with a protection key for
                // which read access is permitted."
                return read_key_ok;
            }
            // "If EFLAGS.AC = 0 or the access is implicit, data may not be read
            // from any user-mode address."
            return false;
        }
        if (f.is_write) {
            if (!f.user_mode_address) {
                // "Data writes to supervisor-mode addresses. Access rights
                // depend on the value of CR0.WP:"
                if (!f.wp) {
                    // "If CR0.WP = 0, data may be written to any supervisor-
                    // mode address" (CR4.PKS = 1: with a protection key for
                    // which write access is permitted).
                    return write_key_ok;
                }
                // "If CR0.WP = 1, data may be written to any supervisor-mode
                // address with a translation for which the R/W flag is 1 in
                // every paging-structure entry controlling the translation;
                // data may not be written to any supervisor-mode address with
                // a translation for which the R/W flag is 0 in any
                // paging-structure entry controlling the translation."
                return f.writable && write_key_ok;
            }
            // "Data writes to user-mode addresses. Access rights depend on the
            // value of CR0.WP:"
            if (!f.wp) {
                // "If CR0.WP = 0, access rights depend on CR4.SMAP:"
                if (!f.smap) {
                    // "If CR4.SMAP = 0, data may be written to any user-mode
                    // address with a protection key for which write access is
                    // permitted."
                    return write_key_ok;
                }
                if (f.ac && !f.implicit) {
                    // "If EFLAGS.AC = 1 and the access is explicit, data may be
                    // written to any user-mode address with a protection key
                    // for which write access is permitted."
                    return write_key_ok;
                }
                // "If EFLAGS.AC = 0 or the access is implicit, data may not be
                // written to any user-mode address."
                return false;
            }
            // "If CR0.WP = 1, access rights depend on the value of CR4.SMAP:"
            if (!f.smap) {
                // "If CR4.SMAP = 0, data may be written to any user-mode
                // address with a translation for which the R/W flag is 1 in
                // every paging-structure entry controlling the translation and
                // with a protection key for which write access is permitted"
                return f.writable && write_key_ok;
            }
            if (f.ac && !f.implicit) {
                // "If EFLAGS.AC = 1 and the access is explicit, data may be
                // written to any user-mode address with a translation for which
                // the R/W flag is 1 in every paging-structure entry ... and
                // with a protection key for which write access is permitted"
                return f.writable && write_key_ok;
            }
            // "If EFLAGS.AC = 0 or the access is implicit, data may not be
            // written to any user-mode address."
            return false;
        }
        // f.is_fetch. SDM 4.6.2: protection keys do not apply to instruction
        // fetches, so no key term below.
        if (!f.user_mode_address) {
            // "Instruction fetches from supervisor-mode addresses."
            if (!f.nxe) {
                // "If IA32_EFER.NXE = 0, instructions may be fetched from any
                // supervisor-mode address."
                return true;
            }
            // "If IA32_EFER.NXE = 1, instructions may be fetched from any
            // supervisor-mode address with a translation for which the XD
            // flag (bit 63) is 0 in every paging-structure entry controlling
            // the translation"
            return !f.xd_somewhere;
        }
        // "Instruction fetches from user-mode addresses. Access rights depend
        // on the values of CR4.SMEP:"
        if (f.smep) {
            // "If CR4.SMEP = 1, instructions may not be fetched from any
            // user-mode address."
            return false;
        }
        // "If CR4.SMEP = 0, access rights depend on the paging mode and the
        // value of IA32_EFER.NXE:"
        if (!f.nxe) {
            // "If IA32_EFER.NXE = 0, instructions may be fetched from any
            // user-mode address."
            return true;
        }
        // "If IA32_EFER.NXE = 1, instructions may be fetched from any user-
        // mode address with a translation for which the XD flag is 0 in every
        // paging-structure entry controlling the translation."
        return !f.xd_somewhere;
    }

    // "For user-mode accesses:"
    if (f.is_read) {
        // "Data reads. Access rights depend on the mode of the linear address:
        //  Data may be read from any user-mode address with a protection key
        //  for which read access is permitted.
        //  Data may not be read from any supervisor-mode address."
        if (f.user_mode_address) return read_key_ok;
        return false;
    }
    if (f.is_write) {
        // "Data writes. ... Data may be written to any user-mode address with
        //  a translation for which the R/W flag is 1 in every paging-structure
        //  entry controlling the translation and with a protection key for
        //  which write access is permitted. ... Data may not be written to any
        //  supervisor-mode address."  (CR0.WP does not matter here; SDM 4.1.3:
        //  "User-mode write accesses are never allowed to linear addresses
        //  with read-only access rights, regardless of the value of CR0.WP.")
        if (f.user_mode_address) return f.writable && write_key_ok;
        return false;
    }
    // "Instruction fetches. ... Instructions may not be fetched from any
    //  supervisor-mode address."
    if (!f.user_mode_address) return false;
    // "If IA32_EFER.NXE = 0, instructions may be fetched from any user-mode
    //  address. If IA32_EFER.NXE = 1, instructions may be fetched from any
    //  user-mode address with a translation for which the XD flag is 0 in
    //  every paging-structure entry controlling the translation."
    if (!f.nxe) return true;
    return !f.xd_somewhere;
}

// SDM 4.7, PK flag (bit 5): 1 if (1) CR4.PKE = 1; (2) the access causing the
// page-fault exception was a data access; (3) the linear address was a
// user-mode address with protection key i; and (4) the PKRU register is such
// that either (a) ADi = 1; or (b) WDi = 1, the access is a write access, and
// either CR0.WP = 1 or the access was a user-mode access.
// For supervisor-mode addresses the same definition with CR4.PKS and
// IA32_PKRS. The flag does not depend on whether another rule was also
// violated; it is computed only for a fault that has a translation (protection
// faults), as "a user-mode address with protection key i" presumes one.
bool pk_flag(const AccessFacts &f) {
    if (!f.key_rule.applies) return false;  // (1): PKE / PKS for the address mode
    if (f.is_fetch) return false;           // (2): data accesses only
    if (key_access_disabled(f.key_rule.reg, f.key)) return true;  // (4a)
    if (key_write_disabled(f.key_rule.reg, f.key) && f.is_write &&
        (f.wp || f.user_access)) {
        return true;  // (4b)
    }
    return false;
}

// SDM 4.7: the error-code bits that describe the access, not the cause.
uint32_t access_error_bits(const AccessFacts &f) {
    uint32_t ec = 0;
    // W/R (bit 1): "If the access causing the page-fault exception was a write,
    // this flag is 1; otherwise, it is 0."
    if (f.is_write) ec |= MMU_PF_W;
    // U/S (bit 2): "If a user-mode access caused the page-fault exception,
    // this flag is 1; it is 0 if a supervisor-mode access did so."
    if (f.user_access) ec |= MMU_PF_US;
    // I/D (bit 4): "This flag is 1 if (1) the access causing the page-fault
    // exception was an instruction fetch; and (2) either (a) CR4.SMEP = 1; or
    // (b) both (i) CR4.PAE = 1 ...; and (ii) IA32_EFER.NXE = 1." CR4.PAE = 1
    // always holds with 4-level and 5-level paging.
    if (f.is_fetch && (f.smep || f.nxe)) ec |= MMU_PF_ID;
    return ec;
}

std::string hex(uint64_t v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%016" PRIx64, v);
    return buf;
}

}  // namespace

// ---- memory ------------------------------------------------------------------

uint64_t WordMemory::read(uint64_t pa) const {
    auto it = words.find(pa);
    return it == words.end() ? 0 : it->second;
}

void WordMemory::write(uint64_t pa, uint64_t value) { words[pa] = value; }

// ---- SDM 4.5: canonical addresses ---------------------------------------------

// SDM 4.5 / 3.3.7.1: with 4-level paging, bits 63:47 of a linear address must
// be identical; with 5-level paging, bits 63:56. Otherwise the access causes a
// general-protection exception (#GP(0)) and no translation takes place.
bool is_canonical(uint64_t la, bool five_level) {
    unsigned top_bit = five_level ? 56 : 47;
    uint64_t upper = la & bits(63, top_bit);
    return upper == 0 || upper == bits(63, top_bit);
}

// ---- the translation -------------------------------------------------------------

Outcome translate(WordMemory &mem, const mmu_ctrl_t &ctrl, const Config &cfg,
                  const mmu_req_t &req) {
    Outcome out;
    const bool five_level = (ctrl.cr4 & MMU_CR4_LA57) != 0;  // SDM 4.1.1

    // Non-canonical: #GP(0), vector 13, error code 0. CR2 is loaded only by
    // #PF (SDM 6.15, interrupt 14), so it is reported as 0. No memory access.
    if (!is_canonical(req.la, five_level)) {
        out.fault.kind = MMU_FAULT_GP;
        out.fault.vector = MMU_VEC_GP;
        out.fault.error_code = 0;
        out.fault.cr2 = 0;
        out.why = Why::kNonCanonical;
        return out;
    }

    // SDM 4.6.1: "accesses made while CPL < 3 are supervisor-mode accesses,
    // while accesses made while CPL = 3 are user-mode accesses" except the
    // implicit supervisor-mode accesses, which are supervisor-mode accesses
    // "regardless of CPL".
    AccessFacts f{};
    f.implicit = (req.flags & MMU_REQ_IMPLICIT) != 0;
    f.user_access = (req.cpl == 3) && !f.implicit;
    f.is_read = req.type == MMU_ACC_READ;
    f.is_write = req.type == MMU_ACC_WRITE;
    f.is_fetch = req.type == MMU_ACC_FETCH;
    f.wp = (ctrl.cr0 & MMU_CR0_WP) != 0;
    f.smep = (ctrl.cr4 & MMU_CR4_SMEP) != 0;
    f.smap = (ctrl.cr4 & MMU_CR4_SMAP) != 0;
    f.ac = (ctrl.rflags & MMU_RFLAGS_AC) != 0;
    f.nxe = (ctrl.efer & MMU_EFER_NXE) != 0;

    // ---- the walk (SDM 4.5): collect entries, top level first ----------------
    // SDM 4.5 / table 4-12: the first paging structure is at the physical
    // address in CR3 bits M-1:12; the low 12 bits are the PCID (CR4.PCIDE = 1)
    // or PWT/PCD, which do not take part in address formation.
    uint64_t table = address_field(ctrl.cr3, cfg.maxphyaddr, 12);
    Why stop = Why::kOk;
    for (unsigned level = five_level ? 5 : 4; level >= 1; --level) {
        // SDM 4.5: entry address = table base (bits M-1:12) | index << 3.
        uint64_t entry_pa = table | (table_index(req.la, level) << 3);
        uint64_t value = mem.read(entry_pa);
        out.walk.push_back({level, entry_pa, value});
        // SDM 4.5: "If ... P flag (bit 0) is 0 ..., the linear address
        // is not translated and a page-fault exception occurs."
        if (!bit(value, 0)) {
            stop = Why::kNotPresent;
            break;
        }
        // SDM 4.5: "If ... P flag is 1 and a reserved bit is set, ... a
        // page-fault exception occurs."
        if (has_reserved_bit(value, level, ctrl, cfg)) {
            stop = Why::kReserved;
            break;
        }
        if (maps_page(value, level)) {
            break;  // the leaf: it identifies the page frame
        }
        // SDM 4.5: the entry references the next paging structure at
        // bits M-1:12.
        table = address_field(value, cfg.maxphyaddr, 12);
    }

    // ---- faults that stop the walk: not present, reserved bit -----------------
    if (stop == Why::kNotPresent || stop == Why::kReserved) {
        uint32_t ec = access_error_bits(f);
        if (stop == Why::kReserved) {
            // SDM 4.7: P (bit 0) is 1 unless a P flag of 0 caused the fault;
            // RSVD (bit 3) "is 1 if there is no translation for the linear
            // address because a reserved bit was set in one of the
            // paging-structure entries used to translate that address".
            ec |= MMU_PF_P | MMU_PF_RSVD;
        }
        // PK (bit 5) stays 0: there is no translation, so no "user-mode
        // address with protection key i".
        out.fault.kind = MMU_FAULT_PF;
        out.fault.vector = MMU_VEC_PF;
        out.fault.error_code = ec;
        out.fault.cr2 = req.la;  // SDM 4.7: CR2 gets the linear address
        out.why = stop;
        // mmu_config.h policy USED: A in every non-leaf entry the walk consumed
        // (all but the last one read, which is the not-present or reserved
        // entry), top level first. Policy NONE: nothing.
        if (cfg.ad_on_fault == MMU_AD_ON_FAULT_USED) {
            for (size_t i = 0; i + 1 < out.walk.size(); ++i) {
                const WalkEntry &e = out.walk[i];
                if (!bit(e.value, 5)) {
                    out.writes.push_back({e.pa, e.value, e.value | kA});
                }
            }
        }
        for (const EntryWrite &w : out.writes) mem.write(w.pa, w.new_value);
        return out;
    }

    // ---- combined rights of the translation (SDM 4.6.1) -----------------------
    // "If the U/S flag (bit 2) is 0 in at least one of the paging-structure
    // entries, the address is a supervisor-mode address. Otherwise, the
    // address is a user-mode address." R/W and XD combine over every
    // "paging-structure entry controlling the translation" likewise.
    f.user_mode_address = true;
    f.writable = true;
    f.xd_somewhere = false;
    for (const WalkEntry &e : out.walk) {
        if (!bit(e.value, 2)) f.user_mode_address = false;
        if (!bit(e.value, 1)) f.writable = false;
        if (bit(e.value, 63)) f.xd_somewhere = true;
    }
    const WalkEntry &leaf = out.walk.back();
    // SDM 4.6.2: the protection key is bits 62:59 of the entry that maps the
    // page.
    f.key = static_cast<unsigned>((leaf.value >> 59) & 0xf);
    f.key_rule = key_rule(ctrl, f.user_mode_address);

    // ---- protection fault --------------------------------------------------------
    if (!access_permitted(f)) {
        uint32_t ec = access_error_bits(f);
        ec |= MMU_PF_P;  // SDM 4.7: the translation exists, P = 1
        if (pk_flag(f)) ec |= MMU_PF_PK;
        out.fault.kind = MMU_FAULT_PF;
        out.fault.vector = MMU_VEC_PF;
        out.fault.error_code = ec;
        out.fault.cr2 = req.la;
        out.why = Why::kProtection;
        // Policy USED: every non-leaf entry was consumed; the leaf is never
        // written on a fault.
        if (cfg.ad_on_fault == MMU_AD_ON_FAULT_USED) {
            for (size_t i = 0; i + 1 < out.walk.size(); ++i) {
                const WalkEntry &e = out.walk[i];
                if (!bit(e.value, 5)) {
                    out.writes.push_back({e.pa, e.value, e.value | kA});
                }
            }
        }
        for (const EntryWrite &w : out.writes) mem.write(w.pa, w.new_value);
        return out;
    }

    // ---- success ----------------------------------------------------------------
    // SDM 4.5 tables 4-17 / 4-19 / 4-20: the page frame is bits M-1:30 of a
    // 1-GByte PDPTE, M-1:21 of a 2-MByte PDE (bit 12 there is PAT, not
    // address), M-1:12 of a PTE; the rest of the linear address is the offset.
    unsigned offset_bits = 12;
    if (leaf.level == 3) {
        offset_bits = 30;
        out.page_size = MMU_PAGE_1G;
    } else if (leaf.level == 2) {
        offset_bits = 21;
        out.page_size = MMU_PAGE_2M;
    } else {
        offset_bits = 12;
        out.page_size = MMU_PAGE_4K;
    }
    out.pa = address_field(leaf.value, cfg.maxphyaddr, offset_bits) |
             (req.la & bits(offset_bits - 1, 0));
    // API conventions (mmu.h): perms, pkey, global.
    out.perms = 0;
    if (f.writable) out.perms |= MMU_PERM_W;
    if (f.user_mode_address) out.perms |= MMU_PERM_U;
    if (f.nxe && f.xd_somewhere) out.perms |= MMU_PERM_XD;
    out.pkey = static_cast<uint8_t>(f.key);
    out.global = bit(leaf.value, 8) ? 1 : 0;
    out.why = Why::kOk;

    // SDM 4.8: "Whenever the processor uses a paging-structure entry as part
    // of linear-address translation, it sets the accessed flag in that entry
    // (if it is not already set)." and "Whenever there is a write to a linear
    // address, the processor sets the dirty flag (if it is not already set) in
    // the paging-structure entry that identifies the final physical address".
    // Top level first; the leaf's A and D in one update.
    for (size_t i = 0; i + 1 < out.walk.size(); ++i) {
        const WalkEntry &e = out.walk[i];
        if (!bit(e.value, 5)) {
            out.writes.push_back({e.pa, e.value, e.value | kA});
        }
    }
    uint64_t new_leaf = leaf.value | kA;
    if (f.is_write) new_leaf |= kD;
    if (new_leaf != leaf.value) {
        out.writes.push_back({leaf.pa, leaf.value, new_leaf});
    }
    for (const EntryWrite &w : out.writes) mem.write(w.pa, w.new_value);
    return out;
}

// ---- dumps -----------------------------------------------------------------------

std::string describe_entry(unsigned level, uint64_t value) {
    std::string s = std::string(level_name(level)) + " " + hex(value) + " [";
    s += (value & kP) ? "P" : "-";
    s += (value & kRW) ? " RW" : " ro";
    s += (value & kUS) ? " US" : " su";
    if (value & kPWT) s += " PWT";
    if (value & kPCD) s += " PCD";
    s += (value & kA) ? " A" : " a";
    s += (value & kD) ? " D" : " d";
    if (value & kPS) s += " PS";
    if (value & kG) s += " G";
    if (value & kXD) s += " XD";
    char buf[16];
    std::snprintf(buf, sizeof buf, " key=%u", static_cast<unsigned>((value >> 59) & 0xf));
    s += buf;
    s += "]";
    return s;
}

std::string describe_ctrl(const mmu_ctrl_t &c) {
    std::string s;
    s += "cr0=" + hex(c.cr0) + (c.cr0 & MMU_CR0_WP ? " (WP)" : " (!WP)");
    s += " cr3=" + hex(c.cr3);
    s += " cr4=" + hex(c.cr4) + " (";
    if (c.cr4 & MMU_CR4_LA57) s += " LA57";
    if (c.cr4 & MMU_CR4_PGE) s += " PGE";
    if (c.cr4 & MMU_CR4_PCIDE) s += " PCIDE";
    if (c.cr4 & MMU_CR4_SMEP) s += " SMEP";
    if (c.cr4 & MMU_CR4_SMAP) s += " SMAP";
    if (c.cr4 & MMU_CR4_PKE) s += " PKE";
    if (c.cr4 & MMU_CR4_PKS) s += " PKS";
    s += " )";
    s += " efer=" + hex(c.efer) + (c.efer & MMU_EFER_NXE ? " (NXE)" : " (!NXE)");
    s += " rflags=" + hex(c.rflags) + (c.rflags & MMU_RFLAGS_AC ? " (AC)" : " (!AC)");
    char buf[64];
    std::snprintf(buf, sizeof buf, " pkru=0x%08x pkrs=0x%08x", c.pkru, c.pkrs);
    s += buf;
    return s;
}

std::string describe_req(const mmu_req_t &r) {
    static const char *const kTypes[] = {"read", "write", "fetch"};
    char buf[128];
    std::snprintf(buf, sizeof buf, "la=0x%016" PRIx64 " %s cpl=%u%s", r.la,
                  r.type < 3 ? kTypes[r.type] : "?", static_cast<unsigned>(r.cpl),
                  (r.flags & MMU_REQ_IMPLICIT) ? " implicit" : "");
    return buf;
}

std::string describe_fault(const mmu_fault_t &f) {
    char buf[160];
    if (f.kind == MMU_FAULT_NONE) {
        std::snprintf(buf, sizeof buf, "no fault (vector=%u ec=0x%x cr2=0x%" PRIx64 ")",
                      f.vector, f.error_code, f.cr2);
        return buf;
    }
    std::string bitsdesc;
    if (f.kind == MMU_FAULT_PF) {
        bitsdesc += (f.error_code & MMU_PF_P) ? " P" : " !P";
        if (f.error_code & MMU_PF_W) bitsdesc += " W";
        if (f.error_code & MMU_PF_US) bitsdesc += " US";
        if (f.error_code & MMU_PF_RSVD) bitsdesc += " RSVD";
        if (f.error_code & MMU_PF_ID) bitsdesc += " ID";
        if (f.error_code & MMU_PF_PK) bitsdesc += " PK";
    }
    std::snprintf(buf, sizeof buf, "%s vector=%u ec=0x%x (%s ) cr2=0x%016" PRIx64,
                  f.kind == MMU_FAULT_PF ? "#PF" : (f.kind == MMU_FAULT_GP ? "#GP" : "kind?"),
                  f.vector, f.error_code, bitsdesc.c_str(), f.cr2);
    return buf;
}

std::string describe_writes(const std::vector<EntryWrite> &writes) {
    if (writes.empty()) return "  (no writes)\n";
    std::string s;
    for (const EntryWrite &w : writes) {
        s += "  [" + hex(w.pa) + "] " + hex(w.old_value) + " -> " + hex(w.new_value) + "\n";
    }
    return s;
}

std::string describe_outcome(const Outcome &o) {
    std::string s = "  fault: " + describe_fault(o.fault) + "\n";
    if (o.fault.kind == MMU_FAULT_NONE) {
        char buf[160];
        std::snprintf(buf, sizeof buf,
                      "  pa=0x%016" PRIx64 " page_size=%u perms=0x%x pkey=%u global=%u\n",
                      o.pa, o.page_size, o.perms, o.pkey, o.global);
        s += buf;
    }
    s += describe_writes(o.writes);
    return s;
}

}  // namespace refpaging
