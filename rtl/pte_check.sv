// SPDX-License-Identifier: Apache-2.0
// Paging-structure entry decode and access-rights check: the purely
// combinational twin of model/pte.h and model/pte.c. Reserved bits follow
// SDM 4.5 (tables 4-15..4-20), rights SDM 4.6.1, protection keys SDM 4.6.2
// and the PK flag SDM 4.7. Shadow stacks, HLAT and SGX are not modelled.
module pte_check
  import mmu_pkg::*;
#(
  parameter int MAXPHYADDR = 52,
  parameter int PAGE_1G    = 1
) (
  // One present entry read at level_i (mmu_pte_is_leaf, mmu_pte_rsvd_t).
  input  logic [63:0] entry_i,
  input  logic [ 2:0] level_i,
  input  logic        nxe_i,
  output logic        leaf_o,
  output logic        rsvd_o,
  // The rights of a complete translation (mmu_pte_check): perms_i combined
  // over all levels, pkey_i the leaf's key.
  input  logic [ 2:0] perms_i,
  input  logic [ 3:0] pkey_i,
  input  logic [ 1:0] type_i,
  input  logic        user_access_i,
  input  logic        implicit_i,
  input  logic        wp_i,
  input  logic        smep_i,
  input  logic        smap_i,
  input  logic        ac_i,
  input  logic        pke_i,
  input  logic        pks_i,
  input  logic [31:0] pkru_i,
  input  logic [31:0] pkrs_i,
  output logic        allowed_o,
  output logic        pk_o
);

  // SDM 4.5: bits 51:MAXPHYADDR are reserved in every entry.
  localparam logic [63:0] RsvdPhys = MAXPHYADDR < 52 ? bit_range(51, MAXPHYADDR) : 64'd0;
  // SDM 4.5: bits 29:13 of a PDPTE mapping a 1-GByte page, 20:13 of a PDE
  // mapping a 2-MByte page (bit 12 is PAT).
  localparam logic [63:0] Rsvd1G = bit_range(29, 13);
  localparam logic [63:0] Rsvd2M = bit_range(20, 13);

  always_comb begin : decode
    logic [63:0] mask;
    leaf_o = level_i == 3'd1 ||
             ((level_i == 3'd2 || (level_i == 3'd3 && PAGE_1G != 0)) && entry_i[PTE_PS]);
    mask = RsvdPhys;
    // SDM 4.5: if IA32_EFER.NXE = 0, XD (bit 63) is reserved.
    if (!nxe_i) mask[PTE_XD] = 1'b1;
    if (leaf_o) begin
      if (level_i == 3'd3) mask |= Rsvd1G;
      if (level_i == 3'd2) mask |= Rsvd2M;
    end else if (level_i >= 3'd4 || (level_i == 3'd3 && PAGE_1G == 0)) begin
      // SDM 4.5: PS is reserved in a PML5E and a PML4E; without 1-GByte page
      // support, PDPTE.PS is reserved too.
      mask[PTE_PS] = 1'b1;
    end
    rsvd_o = |(entry_i & mask);
  end

  // PKRU/IA32_PKRS: AD for key i is bit 2i, WD bit 2i+1 (SDM 4.6.2).
  function automatic logic pk_denies(logic [31:0] keys, logic [3:0] key, logic [1:0] typ,
                                     logic user_access, logic wp);
    // AD: no data access at all. WD: user-mode writes always; supervisor-mode
    // writes only when CR0.WP=1.
    return keys[{key, 1'b0}] ||
           (typ == ACC_WRITE && keys[{key, 1'b1}] && (user_access || wp));
  endfunction

  always_comb begin : rights
    logic user_addr, writable, ok;
    user_addr = perms_i[PERM_U];
    writable = perms_i[PERM_W];
    ok = 1'b1;
    pk_o = 1'b0;
    if (type_i == ACC_FETCH) begin
      // SDM 4.6.2: instruction fetches are not subject to protection keys.
      if (perms_i[PERM_XD]) ok = 1'b0;  // only ever set with NXE=1
      else if (user_access_i) ok = user_addr;  // no user fetch from a supervisor-mode address
      else ok = !(user_addr && smep_i);  // SMEP
      allowed_o = ok;
    end else begin
      // SDM 4.7: the PK flag is defined by the key and the access alone, so it
      // is computed whether or not another rule also denies the access.
      if (user_addr && pke_i) pk_o = pk_denies(pkru_i, pkey_i, type_i, user_access_i, wp_i);
      else if (!user_addr && pks_i) pk_o = pk_denies(pkrs_i, pkey_i, type_i, user_access_i, wp_i);
      if (user_access_i) begin
        // User-mode data access: user-mode address only; writes need R/W=1 at
        // every level, whatever CR0.WP says.
        ok = user_addr && (type_i != ACC_WRITE || writable);
      end else begin
        // SMAP: a supervisor-mode access to a user-mode address is allowed only
        // if it is explicit and EFLAGS.AC=1; implicit accesses ignore AC.
        ok = !(user_addr && smap_i && (implicit_i || !ac_i));
        // With CR0.WP=0 supervisor writes ignore R/W; with WP=1 they need it.
        if (type_i == ACC_WRITE && wp_i && !writable) ok = 1'b0;
      end
      allowed_o = ok && !pk_o;
    end
  end

endmodule
