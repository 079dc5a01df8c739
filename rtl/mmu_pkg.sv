// SPDX-License-Identifier: Apache-2.0
// Types and constants shared by the RTL walker blocks: the SDM names of the
// paging-structure entry bits (SDM 4.5, tables 4-15..4-20), the #PF error-code
// bits (SDM 4.7) and the encodings of the walker's ports. Every value equals
// its C twin in include/mmu/mmu.h, mmu_mem.h and model/fault.h, so a
// co-simulation compares raw numbers.
package mmu_pkg;

  // mmu_access_t
  typedef enum logic [1:0] {
    ACC_READ  = 2'd0,
    ACC_WRITE = 2'd1,
    ACC_FETCH = 2'd2
  } acc_e;

  // res_kind: mmu_fault_kind_t for 0..2; 3 and 4 stand for the error codes the
  // C walker returns instead of a result (MMU_EMEM from the memory, MMU_ERETRY).
  typedef enum logic [2:0] {
    RES_OK     = 3'd0,
    RES_PF     = 3'd1,
    RES_GP     = 3'd2,
    RES_MEMERR = 3'd3,
    RES_RETRY  = 3'd4
  } res_kind_e;

  // mmu_pf_cause_t
  typedef enum logic [1:0] {
    CAUSE_NOT_PRESENT = 2'd0,
    CAUSE_RSVD        = 2'd1,
    CAUSE_PROT        = 2'd2
  } pf_cause_e;

  // Paging-structure entry bits (MMU_PTE_*).
  localparam int PTE_P = 0;
  localparam int PTE_RW = 1;
  localparam int PTE_US = 2;
  localparam int PTE_A = 5;
  localparam int PTE_D = 6;
  localparam int PTE_PS = 7;
  localparam int PTE_G = 8;
  localparam int PTE_PKEY_LO = 59;
  localparam int PTE_XD = 63;

  // Combined access rights (MMU_PERM_*): bit positions in a 3-bit perms value.
  localparam int PERM_W = 0;
  localparam int PERM_U = 1;
  localparam int PERM_XD = 2;

  // #PF error-code bits (MMU_PF_*).
  localparam int PF_P = 0;
  localparam int PF_W = 1;
  localparam int PF_US = 2;
  localparam int PF_RSVD = 3;
  localparam int PF_ID = 4;
  localparam int PF_PK = 5;

  localparam logic [7:0] VEC_GP = 8'd13;
  localparam logic [7:0] VEC_PF = 8'd14;

  // Bits hi:lo set (model/pte.c BITS()).
  function automatic logic [63:0] bit_range(int hi, int lo);
    logic [63:0] m;
    for (int i = 0; i < 64; i++) m[i] = i >= lo && i <= hi;
    return m;
  endfunction

  // Bits MAXPHYADDR-1:12: a table or page frame (mmu_walker_t.frame_mask).
  function automatic logic [63:0] frame_mask(int maxphyaddr);
    return bit_range(maxphyaddr - 1, 12);
  endfunction

  // SDM 4.5: the 9 linear-address bits that index the table at `level`,
  // bits 12+9*(level-1) +: 9 (la: bits 56:12 of the linear address).
  function automatic logic [8:0] pt_index(logic [56:12] la, logic [2:0] level);
    case (level)
      3'd1:    return la[20:12];
      3'd2:    return la[29:21];
      3'd3:    return la[38:30];
      3'd4:    return la[47:39];
      3'd5:    return la[56:48];
      default: return 9'd0;
    endcase
  endfunction

  // Bits of the linear address below the region an entry at `level` covers:
  // the page offset when that entry is a leaf (12, 21, 30 bits). Written as
  // constants, not bit_range(): with a run-time level Verilator unrolls
  // bit_range's loop into 64 compare pairs per case and call, which made the
  // Verilated walker several times larger and slower to compile.
  function automatic logic [63:0] offset_mask(logic [2:0] level);
    case (level)
      3'd1:    return 64'h0000_0000_0000_0fff;
      3'd2:    return 64'h0000_0000_001f_ffff;
      3'd3:    return 64'h0000_0000_3fff_ffff;
      3'd4:    return 64'h0000_007f_ffff_ffff;
      3'd5:    return 64'h0000_ffff_ffff_ffff;
      default: return 64'd0;
    endcase
  endfunction

endpackage
