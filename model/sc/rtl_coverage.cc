/* SPDX-License-Identifier: Apache-2.0 */
/* Process-wide totals of Verilator coverage (see rtl_coverage.h). */
#include "rtl_coverage.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <set>

#include "verilated.h"

#ifndef VM_COVERAGE
#define VM_COVERAGE 0
#endif
#if VM_COVERAGE
/* Only models verilated with --coverage link Verilator's coverage runtime. */
#include "verilated_cov.h"
#endif

namespace rtl_coverage {
namespace {

/* Point key (Verilator's encoded name) -> count. */
struct totals {
    std::map<std::string, unsigned long long> count;
    std::set<VerilatedContext *> live;
};

totals &state()
{
    static totals t;
    return t;
}

/* Verilator writes a context's database only to a file: write it to a
 * temporary one and read it back. Lines are `C '<key>' <count>`. */
bool collect(VerilatedContext *ctx, std::string *msg)
{
#if !VM_COVERAGE
    (void)ctx;
    (void)msg;
    return true;
#else
    char path[] = "/tmp/mmusim-vlcov-XXXXXX";
    const int fd = mkstemp(path);
    if (fd < 0) {
        if (msg)
            *msg = std::string("cannot create a temporary file: ") + std::strerror(errno);
        return false;
    }
    close(fd);
    ctx->coveragep()->write(path);
    std::ifstream in(path);
    std::string line;
    bool ok = true;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#')
            continue;
        const size_t a = line.find('\''), b = line.rfind('\'');
        if (line.compare(0, 2, "C ") || a == std::string::npos || b <= a) {
            ok = false;
            continue;
        }
        state().count[line.substr(a + 1, b - a - 1)] += std::strtoull(line.c_str() + b + 1, nullptr, 10);
    }
    std::remove(path);
    ctx->coveragep()->zero();
    if (!ok && msg)
        *msg = "unexpected line in Verilator's coverage file";
    return ok;
#endif
}

} // namespace

bool available()
{
    return VM_COVERAGE != 0;
}

void track(VerilatedContext *ctx)
{
    if (VM_COVERAGE)
        state().live.insert(ctx);
}

void harvest(VerilatedContext *ctx)
{
    if (!VM_COVERAGE || !state().live.erase(ctx))
        return;
    collect(ctx, nullptr);
}

int write(const std::string &path, std::string *msg)
{
    for (VerilatedContext *c : state().live)
        if (!collect(c, msg))
            return -1;
    const std::string tmp = path + ".tmp";
    FILE *f = std::fopen(tmp.c_str(), "w");
    if (!f) {
        if (msg)
            *msg = "cannot write " + tmp + ": " + std::strerror(errno);
        return -1;
    }
    std::fputs("# SystemC::Coverage-3\n", f);
    for (const auto &kv : state().count)
        std::fprintf(f, "C '%s' %llu\n", kv.first.c_str(), kv.second);
    if (std::fclose(f) != 0 || std::rename(tmp.c_str(), path.c_str()) != 0) {
        if (msg)
            *msg = "cannot write " + path + ": " + std::strerror(errno);
        std::remove(tmp.c_str());
        return -1;
    }
    return 0;
}

std::string env_file(const char *prog)
{
    const char *d = std::getenv("MMU_RTL_COVERAGE_DIR");
    if (!d || !*d)
        return "";
    return std::string(d) + "/" + prog + "." + std::to_string(getpid()) + ".dat";
}

} // namespace rtl_coverage
