/* SPDX-License-Identifier: Apache-2.0 */
// libFuzzer harness of the workload-spec parser (workloads/synth.c), which
// also reads compare's --accesses and --sizes values. The input is a command
// line argument, so it ends at its first NUL. Properties besides not crashing:
//   - an error says "workload '<spec>': " and leaves nothing half-parsed;
//   - a spec that parses is valid, its canonical form (mmu_synth_format)
//     parses to the same configuration and formats to the same text;
//   - the first accesses of the stream stay inside [base, base + ws).
#include <cstring>
#include <string>

#include "fuzz_util.h"
#include "synth.h"

namespace {

bool same(const mmu_synth_cfg_t &a, const mmu_synth_cfg_t &b)
{
    return a.kind == b.kind && a.ws == b.ws && a.n == b.n && a.seed == b.seed &&
           a.base == b.base && a.stride == b.stride && a.elem == b.elem &&
           a.zipf_s == b.zipf_s && a.page_size == b.page_size && a.write_pct == b.write_pct &&
           a.fetch_pct == b.fetch_pct;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const std::string spec(reinterpret_cast<const char *>(data), strnlen((const char *)data, size));
    mmu_synth_cfg_t c;
    char msg[512] = "";
    if (mmu_synth_parse(spec.c_str(), &c, msg, sizeof msg)) {
        FUZZ_CHECK(std::string(msg).rfind("workload '", 0) == 0, std::string("message: ") + msg);
        return 0;
    }
    FUZZ_CHECK(mmu_synth_validate(&c, msg, sizeof msg) == 0, std::string("parsed but invalid: ") + msg);
    char canon[MMU_SYNTH_SPEC_MAX], again[MMU_SYNTH_SPEC_MAX];
    const int n = mmu_synth_format(&c, canon, sizeof canon);
    FUZZ_CHECK(n > 0 && static_cast<size_t>(n) < sizeof canon, "format");
    mmu_synth_cfg_t d;
    FUZZ_CHECK(mmu_synth_parse(canon, &d, msg, sizeof msg) == 0,
               std::string("canonical form does not parse: ") + canon + ": " + msg);
    FUZZ_CHECK(same(c, d), std::string("canonical form parses to another stream: ") + canon);
    mmu_synth_format(&d, again, sizeof again);
    FUZZ_CHECK(!strcmp(canon, again), std::string("format is not stable: ") + canon + " / " + again);
    mmu_synth_t g;
    mmu_synth_init(&g, &c);
    uint64_t la;
    mmu_access_t type;
    for (int i = 0; i < 64 && mmu_synth_next(&g, &la, &type); i++) {
        FUZZ_CHECK(la >= c.base && la - c.base < c.ws, "address outside the working set");
        FUZZ_CHECK(type <= MMU_ACC_FETCH, "access type");
    }
    return 0;
}
