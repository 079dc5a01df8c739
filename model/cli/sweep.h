/* SPDX-License-Identifier: Apache-2.0 */
/* `mmusim sweep SPEC --out DIR`: TLB sizing studies. Every point of a sweep
 * spec (sweep_spec.h) x workload x page policy, points sharing a workload and
 * policy run as batches fed by one decoded stream, batches on -j workers,
 * resumable (one atomic result file per batch), merged into DIR/sweep.csv and
 * DIR/sweep.md; or the same batches as a Slurm job array. */
#ifndef MMU_CLI_SWEEP_H
#define MMU_CLI_SWEEP_H

int sweep_main(int argc, char **argv);

#endif
