/* SPDX-License-Identifier: Apache-2.0 */
// libFuzzer harness of the INI config loader (model/config_file.c, over
// Debian's inih), fed through mmu_config_load_mem: the FILE path a file takes.
// The input is applied on top of the defaults and on top of the skylake
// preset. Properties besides not crashing:
//   - an error names the input and a line inside it ("fuzz.ini:N: "), and
//     leaves the configuration as it was;
//   - a configuration that loads is valid (mmu_config_validate), and the
//     printout `mmusim config` writes (mmu_config_print) loads back, on top of
//     anything, to the same configuration.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "fuzz_util.h"
#include "mmu/mmu.h"
#include "mmu/mmu_config_file.h"

namespace {

const char *const kName = "fuzz.ini";

std::string printout(const mmu_config_t &c)
{
    char *buf = nullptr;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    FUZZ_CHECK(f, "open_memstream");
    FUZZ_CHECK(mmu_config_print(f, &c) == 0, "mmu_config_print");
    fclose(f);
    std::string s(buf, len);
    free(buf);
    return s;
}

void one(const uint8_t *data, size_t size, const mmu_config_t &base)
{
    mmu_config_t cfg = base;
    mmu_err_t msg{};
    if (mmu_config_load_mem(data, size, kName, &cfg, &msg)) {
        const std::string m = msg.msg;
        FUZZ_CHECK(fuzz::at_line(m, kName, fuzz::count_lines(data, size)),
                   "error does not name the input and a line inside it: '" + m + "'");
        FUZZ_CHECK(printout(cfg) == printout(base), "a failed load changed the configuration");
        return;
    }
    mmu_err_t err{};
    FUZZ_CHECK(mmu_config_validate(&cfg, &err) == 0, std::string("loaded but invalid: ") + err.msg);
    const std::string p = printout(cfg);
    mmu_config_t others[2];
    mmu_config_init(&others[0]);
    mmu_config_init(&others[1]);
    FUZZ_CHECK(mmu_config_preset(&others[1], "tiny", &msg) == 0, msg.msg);
    for (mmu_config_t &o : others) {
        FUZZ_CHECK(mmu_config_load_string(p.c_str(), "printout", &o, &msg) == 0,
                   std::string("the printout does not load: ") + msg.msg + "\n" + p);
        FUZZ_CHECK(printout(o) == p, "the printout loads to another configuration\n" + p);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static mmu_config_t defaults, skylake;
    static bool init = false;
    if (!init) {
        mmu_err_t msg{};
        mmu_config_init(&defaults);
        mmu_config_init(&skylake);
        FUZZ_CHECK(mmu_config_preset(&skylake, "skylake", &msg) == 0, msg.msg);
        init = true;
    }
    one(data, size, defaults);
    one(data, size, skylake);
    return 0;
}
