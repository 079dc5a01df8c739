/* SPDX-License-Identifier: Apache-2.0 */
// Reference evaluator of 4-level and 5-level paging (Intel SDM Vol. 3A,
// chapter 4), written apart from the model on purpose: it is derived from the
// SDM text only, so that the differential test (test_random.cc) compares two
// independent readings of the same rules.
//
// It favours being obviously right over being fast: the walk collects every
// entry it reads into a vector, the access-rights decision is a literal
// if/else copy of the SDM 4.6.1 bullet list, and memory is a plain map.
#ifndef MMUSIM_TESTBENCH_REF_PAGING_H
#define MMUSIM_TESTBENCH_REF_PAGING_H

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "mmu/mmu.h"

namespace refpaging {

// Sparse physical memory of 64-bit words; a word never written reads as 0.
class WordMemory {
  public:
    uint64_t read(uint64_t pa) const;
    void write(uint64_t pa, uint64_t value);
    std::unordered_map<uint64_t, uint64_t> words;
};

// The parts of mmu_config_t that change what the architecture does.
struct Config {
    unsigned maxphyaddr = 46;  // MAXPHYADDR, 36..52
    bool page_1g = true;       // false: PDPTE.PS is a reserved bit
    unsigned ad_on_fault = MMU_AD_ON_FAULT_NONE;  // mmu_ad_on_fault_t
};

// One paging-structure entry the walk read, top level first.
struct WalkEntry {
    unsigned level;  // 5 = PML5E ... 1 = PTE (SDM numbering)
    uint64_t pa;     // physical address of the entry
    uint64_t value;  // its value when read
};

// One accessed/dirty update: the entry at pa changed from old_value to
// new_value. Only pa and new_value are architecturally visible.
struct EntryWrite {
    uint64_t pa;
    uint64_t old_value;
    uint64_t new_value;
};

// What stopped the walk / why the access faulted (for statistics and
// messages; the architectural answer is in `fault`).
enum class Why {
    kOk,
    kNonCanonical,
    kNotPresent,
    kReserved,
    kProtection,
};

struct Outcome {
    mmu_fault_t fault{};  // kind NONE on success
    uint64_t pa = 0;      // the rest is meaningful on success only
    uint8_t page_size = MMU_PAGE_4K;
    uint8_t perms = 0;
    uint8_t pkey = 0;
    uint8_t global = 0;
    Why why = Why::kOk;
    std::vector<WalkEntry> walk;     // every entry read, top level first
    std::vector<EntryWrite> writes;  // A/D updates, in the order issued
};

// Translate one access. Applies the A/D writes it reports to `mem`.
Outcome translate(WordMemory &mem, const mmu_ctrl_t &ctrl, const Config &cfg,
                  const mmu_req_t &req);

// True when la is canonical for the paging mode (SDM 4.5).
bool is_canonical(uint64_t la, bool five_level);

// Human-readable dumps for failure messages.
std::string describe_entry(unsigned level, uint64_t value);
std::string describe_ctrl(const mmu_ctrl_t &ctrl);
std::string describe_req(const mmu_req_t &req);
std::string describe_fault(const mmu_fault_t &fault);
std::string describe_writes(const std::vector<EntryWrite> &writes);
std::string describe_outcome(const Outcome &out);

}  // namespace refpaging

#endif  // MMUSIM_TESTBENCH_REF_PAGING_H
