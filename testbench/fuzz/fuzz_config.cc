/* SPDX-License-Identifier: Apache-2.0 */
// libFuzzer harness of the INI config loader (model/cli/config_file.c, over
// Debian's inih), fed through cfgfile_load_mem: the FILE path a file takes.
// The input is applied on top of the defaults and on top of the skylake
// preset. Properties besides not crashing:
//   - an error names the input and a line inside it ("fuzz.ini:N: "), and
//     leaves the configuration as it was;
//   - a configuration that loads is valid (mmu_config_validate), and the
//     printout `mmusim config` writes (cfgfile_write) loads back, on top of
//     anything, to the same configuration.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "config_file.h"
#include "fuzz_util.h"
#include "mmu/mmu.h"

namespace {

const char *const kName = "fuzz.ini";

std::string printout(const mmu_config_t &c)
{
    char *buf = nullptr;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    FUZZ_CHECK(f, "open_memstream");
    FUZZ_CHECK(cfgfile_write(f, &c) == 0, "cfgfile_write");
    fclose(f);
    std::string s(buf, len);
    free(buf);
    return s;
}

void one(const uint8_t *data, size_t size, const mmu_config_t &base)
{
    mmu_config_t cfg = base;
    char msg[1024] = "";
    if (cfgfile_load_mem(data, size, kName, &cfg, msg, sizeof msg)) {
        const std::string m = msg;
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
    FUZZ_CHECK(preset_load("tiny", &others[1], msg, sizeof msg) == 0, msg);
    for (mmu_config_t &o : others) {
        FUZZ_CHECK(cfgfile_load_string(p.c_str(), "printout", &o, msg, sizeof msg) == 0,
                   std::string("the printout does not load: ") + msg + "\n" + p);
        FUZZ_CHECK(printout(o) == p, "the printout loads to another configuration\n" + p);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static mmu_config_t defaults, skylake;
    static bool init = false;
    if (!init) {
        char msg[256];
        mmu_config_init(&defaults);
        mmu_config_init(&skylake);
        FUZZ_CHECK(preset_load("skylake", &skylake, msg, sizeof msg) == 0, msg);
        init = true;
    }
    one(data, size, defaults);
    one(data, size, skylake);
    return 0;
}
