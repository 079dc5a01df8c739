// SPDX-License-Identifier: Apache-2.0
// One paging-structure cache (SDM 4.10.3) for the entries of one level, the
// RTL twin of a psc[] array of model/mmu.c (an mmu_tlb_t in model/tlb.c):
// fully associative, true LRU, tagged like a page of the region the entry
// maps (linear-address bits 63:12+9*(LEVEL-1), sign bits included) and the
// PCID. Only the LRU policy and full associativity are built: the C arrays
// also offer sets, PLRU, FIFO and random replacement.
module psc #(
  parameter int LEVEL      = 2,  // the level of the entries held: 2 PDE .. 5 PML5E
  parameter int ENTRIES    = 4,
  parameter int MAXPHYADDR = 52
) (
  input  logic        clk,
  input  logic        rst_n,
  // Lookup (combinational). touch_i: the walker used the hit, which makes
  // that entry the most recently used (mmu_tlb_lookup updates the LRU stamp).
  // Addresses are given as the tag: bits 63:12+9*(LEVEL-1).
  input  logic [63:12+9*(LEVEL-1)] la_i,
  input  logic [11:0] pcid_i,
  output logic        hit_o,
  output logic [63:0] table_o,
  output logic [ 2:0] perms_o,
  input  logic        touch_i,
  // Fill from a successful walk (mmu_tlb_fill): table_i is the frame the
  // entry references, perms_i the rights combined down to it.
  input  logic        fill_i,
  input  logic [63:12+9*(LEVEL-1)] fill_la_i,
  input  logic [11:0] fill_pcid_i,
  input  logic [63:0] fill_table_i,
  input  logic [ 2:0] fill_perms_i,
  // Invalidation of every entry (inv_all_i) or of one PCID's entries.
  input  logic        inv_i,
  input  logic        inv_all_i,
  input  logic [11:0] inv_pcid_i,
  // Invalidation of the PCID's entry for one address: what a #PF does
  // (SDM 4.10.4.1, inv_after_pf in model/mmu.c).
  input  logic        inv_addr_i,
  input  logic [63:12+9*(LEVEL-1)] inv_addr_la_i,
  input  logic [11:0] inv_addr_pcid_i
);

  localparam int Shift = 12 + 9 * (LEVEL - 1);
  localparam int TagW = 64 - Shift;
  localparam int AgeW = ENTRIES > 1 ? $clog2(ENTRIES) : 1;
  localparam int FrameW = MAXPHYADDR - 12;

  logic [ENTRIES-1:0] valid_q, valid_d;
  logic [ENTRIES-1:0][TagW-1:0] vpn_q, vpn_d;
  logic [ENTRIES-1:0][11:0] pcid_q, pcid_d;
  logic [ENTRIES-1:0][FrameW-1:0] frame_q, frame_d;
  logic [ENTRIES-1:0][2:0] perms_q, perms_d;
  // Recency rank: 0 = most recently used. The ranks are always a permutation
  // of 0..ENTRIES-1, so among valid entries they give the order of the C's
  // LRU stamps, and the victim (rank ENTRIES-1) is its oldest stamp.
  logic [ENTRIES-1:0][AgeW-1:0] age_q, age_d;

  function automatic logic [ENTRIES-1:0][AgeW-1:0] touch(logic [ENTRIES-1:0][AgeW-1:0] age,
                                                          int unsigned way);
    logic [ENTRIES-1:0][AgeW-1:0] a;
    a = age;
    for (int j = 0; j < ENTRIES; j++)
      if (age[j] < age[way]) a[j] = age[j] + AgeW'(1);
    a[way] = '0;
    return a;
  endfunction

  always_comb begin : lookup
    hit_o = 1'b0;
    table_o = '0;
    perms_o = '0;
    // The fill never makes two valid entries with one tag, so at most one hits.
    for (int i = 0; i < ENTRIES; i++) begin
      if (valid_q[i] && vpn_q[i] == la_i && pcid_q[i] == pcid_i) begin
        hit_o = 1'b1;
        table_o = {{(64 - MAXPHYADDR) {1'b0}}, frame_q[i], 12'd0};
        perms_o = perms_q[i];
      end
    end
  end

  always_comb begin : next_state
    int unsigned hit_way, way;
    logic free;
    valid_d = valid_q;
    vpn_d = vpn_q;
    pcid_d = pcid_q;
    frame_d = frame_q;
    perms_d = perms_q;
    age_d = age_q;
    hit_way = 0;
    way = 0;
    free = 1'b0;
    for (int i = 0; i < ENTRIES; i++)
      if (valid_q[i] && vpn_q[i] == la_i && pcid_q[i] == pcid_i) hit_way = i;
    if (touch_i && hit_o) age_d = touch(age_d, hit_way);

    if (fill_i) begin
      // An entry with the same tag is refreshed in place; else the lowest
      // invalid way; else the least recently used (mmu_tlb_fill).
      for (int i = ENTRIES - 1; i >= 0; i--) begin
        if (!valid_q[i]) begin
          free = 1'b1;
          way = i;
        end
      end
      if (!free)
        for (int i = 0; i < ENTRIES; i++) if (age_q[i] == AgeW'(ENTRIES - 1)) way = i;
      for (int i = 0; i < ENTRIES; i++) begin
        if (valid_q[i] && vpn_q[i] == fill_la_i && pcid_q[i] == fill_pcid_i) begin
          way = i;
        end
      end
      valid_d[way] = 1'b1;
      vpn_d[way] = fill_la_i;
      pcid_d[way] = fill_pcid_i;
      frame_d[way] = fill_table_i[MAXPHYADDR-1:12];
      perms_d[way] = fill_perms_i;
      age_d = touch(age_d, way);
    end

    for (int i = 0; i < ENTRIES; i++) begin
      if (inv_i && (inv_all_i || pcid_q[i] == inv_pcid_i)) valid_d[i] = 1'b0;
      if (inv_addr_i && pcid_q[i] == inv_addr_pcid_i && vpn_q[i] == inv_addr_la_i)
        valid_d[i] = 1'b0;
    end
  end

  always_ff @(posedge clk or negedge rst_n) begin : regs
    if (!rst_n) begin
      valid_q <= '0;
      vpn_q <= '0;
      pcid_q <= '0;
      frame_q <= '0;
      perms_q <= '0;
      for (int i = 0; i < ENTRIES; i++) age_q[i] <= AgeW'(i);
    end else begin
      valid_q <= valid_d;
      vpn_q <= vpn_d;
      pcid_q <= pcid_d;
      frame_q <= frame_d;
      perms_q <= perms_d;
      age_q <= age_d;
    end
  end

  logic unused_table_bits;
  assign unused_table_bits = ^{fill_table_i[63:MAXPHYADDR], fill_table_i[11:0]};

endmodule
