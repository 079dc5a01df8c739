// SPDX-License-Identifier: Apache-2.0
// Page-fault error code (SDM 4.7, figure 4-12) and the canonical-address check
// behind #GP(0): the combinational twin of model/fault.c and fault.h. The SS
// (shadow stack), HLAT and SGX bits are never set: those features are not
// modelled.
module fault
  import mmu_pkg::*;
(
  // #PF error code (mmu_fault_pf). pk_i is only honoured for protection faults.
  input  logic [ 1:0] cause_i,
  input  logic [ 1:0] type_i,
  input  logic        user_access_i,
  input  logic        pk_i,
  input  logic        smep_i,
  input  logic        nxe_i,
  output logic [31:0] error_code_o,
  // mmu_la_canonical for a linear-address width of 57 (la57_i) or 48 bits:
  // only bits 63:47 matter.
  input  logic [63:47] la_hi_i,
  input  logic        la57_i,
  output logic        canonical_o
);

  always_comb begin : error_code
    error_code_o = '0;
    // P: 0 = non-present page; 1 = protection or reserved-bit violation
    // (reserved bits are only checked when P=1, so RSVD implies P).
    error_code_o[PF_P] = cause_i != CAUSE_NOT_PRESENT;
    error_code_o[PF_W] = type_i == ACC_WRITE;
    // U/S describes the access (user-mode or not), not the page.
    error_code_o[PF_US] = user_access_i;
    error_code_o[PF_RSVD] = cause_i == CAUSE_RSVD;
    // I/D: a fetch, and either CR4.SMEP=1 or (PAE-style paging and NXE=1).
    error_code_o[PF_ID] = type_i == ACC_FETCH && (smep_i || nxe_i);
    // PK needs a translation whose key was checked: only protection faults.
    error_code_o[PF_PK] = cause_i == CAUSE_PROT && pk_i;
  end

  // Bits 63:width-1 must all equal bit width-1.
  assign canonical_o = la57_i ? (&la_hi_i[63:56] || !(|la_hi_i[63:56]))
                              : (&la_hi_i[63:47] || !(|la_hi_i[63:47]));

endmodule
