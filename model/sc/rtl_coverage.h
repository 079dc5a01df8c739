/* SPDX-License-Identifier: Apache-2.0 */
/* Verilator coverage (line, branch, toggle and the walker's FSM cover points)
 * of the RTL walker models, collected over a whole process.
 *
 * Verilator keeps a model's counters inside the model and its coverage
 * database per VerilatedContext, so counts would be lost with every model a
 * program deletes (a campaign builds one per RTL variant, a test one per
 * case). Each context is registered here when its models are built
 * (track) and its counts are added to process-wide totals before they are
 * deleted (harvest); write() saves the totals in Verilator's coverage.dat
 * format, which verilator_coverage merges and turns into lcov info.
 * Without -DMMU_RTL_COVERAGE=ON the models have no points and every call
 * does nothing (available() says which). */
#ifndef MMU_SC_RTL_COVERAGE_H
#define MMU_SC_RTL_COVERAGE_H

#include <string>

class VerilatedContext;

namespace rtl_coverage {

/* Whether the models were built with coverage points. */
bool available();
/* ctx's models are alive and counting. */
void track(VerilatedContext *ctx);
/* Add ctx's counts to the totals, zero them, forget ctx (call before its
 * models are deleted). */
void harvest(VerilatedContext *ctx);
/* Harvest every tracked context and write the totals to path (through
 * path.tmp, renamed on success). 0, or -1 with *msg. */
int write(const std::string &path, std::string *msg);
/* "$MMU_RTL_COVERAGE_DIR/<prog>.<pid>.dat", or "" when that variable is not
 * set: how tests and campaigns run by scripts/coverage.sh name their files. */
std::string env_file(const char *prog);

} // namespace rtl_coverage

#endif /* MMU_SC_RTL_COVERAGE_H */
