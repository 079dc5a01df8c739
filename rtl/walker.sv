// SPDX-License-Identifier: Apache-2.0
// Page walker (SDM 4.5 4-level and 5-level paging, 4.8 accessed/dirty flags):
// the RTL twin of model/walker.c, block for block. One walk reads one entry
// per level from the start table down, stops at the first entry that is not
// present, has a reserved bit set, or maps a page, then checks the access
// rights of the whole translation. A/D bits are written only after the checks
// (AD_ON_FAULT_USED = mmu_ad_on_fault_t), with a locked compare-exchange; if
// an entry changed since it was read, the walk starts over. Optional
// paging-structure caches (psc.sv, SDM 4.10.3) sit in front, as in
// model/mmu.c; with PSC_* = 0 they are not built.
//
// Cycle contract (what the co-simulation compares with the C walker's
// tr->cycles; "at edge E" = a register changes at rising edge E):
//  - t0 is the edge that samples req_valid && req_ready.
//  - Read k is raised at E(k-1) + LEVEL_LATENCY, E0 = t0 and E(k-1) the edge
//    that sampled the previous response (LEVEL_STEP counts these cycles; with
//    LEVEL_LATENCY = 0 the read is raised at E(k-1) itself).
//  - The first locked A/D update is raised at the edge that samples the last
//    read's response, each further one at the edge that samples the previous
//    update's response; res_valid rises at the edge that samples the last
//    response. A failed compare-exchange restarts the walk from that edge.
//  So res_valid rises at t0 + tr->cycles, given that the memory answers a
//  request raised at edge P at edge P + mmu_walk_latency() with mem_req_ready
//  high. The walker takes a response at any edge after it raised the request
//  (also the edge that accepts it), so any latency >= 1 works.
//  Edges are cycles, but an environment may leave out the edges of a memory
//  wait, in which the walker can do nothing but wait (a simulation bridge
//  does, to save host time): mem_rsp_skip = s with the response says the
//  edge that samples it stands for the edge s cycles later, so a response
//  due at P + lat may come with the edge after P and s = lat - 1. The walker
//  adds s to its cycle count (res_cycles), and every cycle above is then
//  counted in those cycles, not in edges. s = 0 is a clock that runs through.
// Reset is asynchronous, active low; hold rst_n low across a rising clk edge
// (a simulator that starts rst_n at 0 sees no negedge, and the caches' LRU
// ranks need their reset values).
module walker
  import mmu_pkg::*;
#(
  parameter int MAXPHYADDR       = 52,  // 36..52
  parameter int PAGE_1G          = 1,   // 1-GByte pages supported
  parameter int AD_ON_FAULT_USED = 0,   // mmu_ad_on_fault_t
  parameter int RETRY_LIMIT      = 16,  // attempts before RES_RETRY, >= 1
  parameter int LEVEL_LATENCY    = 1,   // walker cycles per level besides the access, >= 0
  // Paging-structure cache entries per level (0 = no cache for that level).
  parameter int PSC_PDE          = 0,
  parameter int PSC_PDPTE        = 0,
  parameter int PSC_PML4E        = 0,
  parameter int PSC_PML5E        = 0
) (
  input  logic        clk,
  input  logic        rst_n,

  // Walk request (mmu_walk_job_t). start_*: the root (start_level 4 or 5,
  // perms W|U) or below a paging-structure-cache hit (SDM 4.10.3.2).
  input  logic        req_valid,
  output logic        req_ready,
  input  logic [63:0] req_la,
  input  logic [ 1:0] req_type,         // mmu_access_t
  input  logic [ 1:0] req_cpl,
  input  logic        req_implicit,     // MMU_REQ_IMPLICIT
  input  logic        req_levels5,      // CR4.LA57
  input  logic [ 2:0] req_start_level,  // 1..5, at most 4 + req_levels5
  input  logic [63:0] req_start_table,
  input  logic [ 2:0] req_start_perms,  // MMU_PERM_*
  input  logic [11:0] req_pcid,
  input  logic        req_wp,
  input  logic        req_smep,
  input  logic        req_smap,
  input  logic        req_ac,
  input  logic        req_nxe,
  input  logic        req_pke,
  input  logic        req_pks,
  input  logic [31:0] req_pkru,
  input  logic [31:0] req_pkrs,

  // Paging-structure-cache invalidation, sampled at every edge; give it while
  // req_ready is high so it lands between walks, as in the C model.
  // inv_kind 0: every entry; 1 (MOV to CR3, INVPCID 1) and 2 (INVLPG,
  // INVPCID 0 of inv_la): every entry of inv_pcid, since SDM 4.10.4.1 makes
  // INVLPG drop all paging-structure-cache entries of the PCID whatever the
  // address, so inv_la is not needed; 3 acts as 0.
  input  logic        inv_valid,
  input  logic [ 1:0] inv_kind,
  input  logic [11:0] inv_pcid,
  input  logic [63:0] inv_la,

  // Page-table memory: an 8-byte read, or a locked compare-exchange that
  // writes mem_req_wdata iff the word equals mem_req_cmp and always returns
  // the old word in mem_rsp_data.
  output logic        mem_req_valid,
  input  logic        mem_req_ready,
  output logic [63:0] mem_req_addr,
  output logic        mem_req_locked,
  output logic [63:0] mem_req_cmp,
  output logic [63:0] mem_req_wdata,
  input  logic        mem_rsp_valid,
  output logic        mem_rsp_ready,
  input  logic [63:0] mem_rsp_data,
  input  logic        mem_rsp_err,
  input  logic [31:0] mem_rsp_skip,     // cycles of the wait left out, see the top

  // Result (mmu_walk_out_t). On a fault or error res_n and every success
  // field are 0. res_entryI is the entry at level start_level - I as written
  // back, res_eperms[3I+2:3I] the rights combined down to it.
  output logic        res_valid,
  input  logic        res_ready,
  output logic [ 2:0] res_kind,         // res_kind_e
  output logic [ 7:0] res_vector,
  output logic [31:0] res_error_code,
  output logic [63:0] res_cr2,
  output logic [63:0] res_pa,
  output logic [ 1:0] res_page_size,    // mmu_page_size_t
  output logic [ 2:0] res_perms,
  output logic [ 3:0] res_pkey,
  output logic        res_global,
  output logic [ 7:0] res_reads,        // wrap above 255 (RETRY_LIMIT > 25)
  output logic [ 7:0] res_updates,
  output logic [31:0] res_cycles,       // res_valid edge - t0
  output logic [ 2:0] res_psc_level,    // deepest paging-structure-cache hit used, 0 = none
  output logic [ 2:0] res_n,
  output logic [63:0] res_entry0,
  output logic [63:0] res_entry1,
  output logic [63:0] res_entry2,
  output logic [63:0] res_entry3,
  output logic [63:0] res_entry4,
  output logic [14:0] res_eperms
);

  localparam logic [63:0] FrameMask = frame_mask(MAXPHYADDR);
  localparam int StepW = LEVEL_LATENCY > 2 ? $clog2(LEVEL_LATENCY) : 1;
  localparam int AttemptW = RETRY_LIMIT > 2 ? $clog2(RETRY_LIMIT) : 1;

  // The states are the steps the C walker charges cycles for.
  typedef enum logic [2:0] {
    IDLE,        // waiting for a job
    LEVEL_STEP,  // walk_level_latency cycles before each read
    PTE_READ,    // a paging-structure read in flight
    AD_CMPXCHG,  // a locked A/D update in flight
    DONE         // result held until res_ready
  } state_e;

  // The job as accepted at t0, with the start point after the PSC lookup.
  typedef struct packed {
    logic [63:0] la;
    logic [1:0]  typ;
    logic        user_access;
    logic        implicit_acc;
    logic [2:0]  start_level;
    logic [63:0] start_table;
    logic [2:0]  start_perms;
    logic [11:0] pcid;
    logic        wp, smep, smap, ac, nxe, pke, pks;
    logic [31:0] pkru, pkrs;
  } job_t;

  state_e state_q, state_d;
  logic [StepW-1:0] step_q, step_d;
  job_t job_q, job_d;
  // The entry being read: its level, the table holding it and the rights
  // combined above it.
  logic [2:0] level_q, level_d;
  logic [63:0] table_q, table_d;
  logic [2:0] perms_q, perms_d;
  // ent[0..n): the entries this attempt used, top-down (the C's ent/ent_pa).
  logic [2:0] n_q, n_d;
  logic [4:0][63:0] ent_q, ent_d;
  logic [4:0][63:0] ent_pa_q, ent_pa_d;
  logic [4:0][2:0] eperms_q, eperms_d;
  logic [AttemptW-1:0] attempt_q, attempt_d;
  logic [7:0] reads_q, reads_d, updates_q, updates_d;
  logic [31:0] cycles_q, cycles_d;
  // A/D: entries [0, ad_end) get A, entry ad_end-1 also D when ad_dirty;
  // ad_i is the entry whose update is in flight.
  logic [2:0] ad_i_q, ad_i_d, ad_end_q, ad_end_d;
  logic ad_dirty_q, ad_dirty_d;
  // The result.
  res_kind_e kind_q, kind_d;
  logic [31:0] ec_q, ec_d;
  logic [63:0] pa_q, pa_d;
  logic [1:0] psize_q, psize_d;
  logic [2:0] rperms_q, rperms_d;
  logic [3:0] pkey_q, pkey_d;
  logic global_q, global_d;
  logic [2:0] psc_level_q, psc_level_d;
  // The memory request.
  logic mreq_valid_q, mreq_valid_d, mlocked_q, mlocked_d;
  logic [63:0] maddr_q, maddr_d, mcmp_q, mcmp_d, mwdata_q, mwdata_d;

  // ---- the entry just read (mem_rsp_data at level_q) ----------------------

  logic leaf, rsvd, allowed, pk, req_canonical;
  logic [2:0] perms_new;
  pf_cause_e cause;
  logic [31:0] pf_code;

  always_comb begin : combine
    // SDM 4.6.1: R/W and U/S must be 1 at every level; XD at any level forbids
    // fetches (XD is reserved, so 0, when NXE=0).
    perms_new = perms_q;
    if (!mem_rsp_data[PTE_RW]) perms_new[PERM_W] = 1'b0;
    if (!mem_rsp_data[PTE_US]) perms_new[PERM_U] = 1'b0;
    if (mem_rsp_data[PTE_XD]) perms_new[PERM_XD] = 1'b1;
  end

  pte_check #(
    .MAXPHYADDR(MAXPHYADDR),
    .PAGE_1G   (PAGE_1G)
  ) i_pte_check (
    .entry_i      (mem_rsp_data),
    .level_i      (level_q),
    .nxe_i        (job_q.nxe),
    .leaf_o       (leaf),
    .rsvd_o       (rsvd),
    .perms_i      (perms_new),
    .pkey_i       (mem_rsp_data[PTE_PKEY_LO+:4]),
    .type_i       (job_q.typ),
    .user_access_i(job_q.user_access),
    .implicit_i   (job_q.implicit_acc),
    .wp_i         (job_q.wp),
    .smep_i       (job_q.smep),
    .smap_i       (job_q.smap),
    .ac_i         (job_q.ac),
    .pke_i        (job_q.pke),
    .pks_i        (job_q.pks),
    .pkru_i       (job_q.pkru),
    .pkrs_i       (job_q.pkrs),
    .allowed_o    (allowed),
    .pk_o         (pk)
  );

  assign cause = !mem_rsp_data[PTE_P] ? CAUSE_NOT_PRESENT : rsvd ? CAUSE_RSVD : CAUSE_PROT;

  fault i_fault (
    .cause_i      (cause),
    .type_i       (job_q.typ),
    .user_access_i(job_q.user_access),
    .pk_i         (pk),
    .smep_i       (job_q.smep),
    .nxe_i        (job_q.nxe),
    .error_code_o (pf_code),
    .la_hi_i      (req_la[63:47]),
    .la57_i       (req_levels5),
    .canonical_o  (req_canonical)
  );

  // ---- paging-structure caches ----------------------------------------------

  // Evaluated by Verilator at elaboration (it sizes the generate blocks
  // below) and never at run time, so its lines can have no coverage.
  /* verilator coverage_off */
  function automatic int psc_entries(int level);
    case (level)
      2:       return PSC_PDE;
      3:       return PSC_PDPTE;
      4:       return PSC_PML4E;
      default: return PSC_PML5E;
    endcase
  endfunction
  /* verilator coverage_on */

  logic [5:2] psc_hit;
  logic [5:2][63:0] psc_table;
  logic [5:2][2:0] psc_perms;
  logic use_psc;
  logic [2:0] psc_lvl;
  logic [63:0] psc_tab;
  logic [2:0] psc_prm;
  logic accept, done_fire;

  // A job taken in DONE (at the edge that hands over the previous result)
  // looks the caches up before that result's fills land, which happen at the
  // same edge: with PSC_* > 0 a back-to-back job cannot start below an entry
  // its predecessor is just filling. The C core never builds such a walker
  // (its caches sit in front of the walker slot), so only a standalone
  // walker with its own caches sees this.
  assign accept = req_valid && req_ready;
  assign done_fire = state_q == DONE && res_ready;

  for (genvar l = 2; l <= 5; l++) begin : g_psc
    if (psc_entries(l) > 0) begin : g_on
      // fill_idx: where this level's entry sits in the trace of the walk.
      logic [2:0] fill_idx;
      assign fill_idx = job_q.start_level - 3'(l);
      psc #(
        .LEVEL     (l),
        .ENTRIES   (psc_entries(l)),
        .MAXPHYADDR(MAXPHYADDR)
      ) i_psc (
        .clk            (clk),
        .rst_n          (rst_n),
        .la_i           (req_la[63:12+9*(l-1)]),
        .pcid_i         (req_pcid),
        .hit_o          (psc_hit[l]),
        .table_o        (psc_table[l]),
        .perms_o        (psc_perms[l]),
        .touch_i        (accept && req_canonical && use_psc && psc_lvl == 3'(l)),
        // SDM 4.10.3.1: only entries that reference a table, are present,
        // have no reserved bit set and have A=1 (the walk set it) are cached:
        // the trace's entries above the leaf (fill_pscs in model/mmu.c).
        .fill_i         (done_fire && kind_q == RES_OK && job_q.start_level >= 3'(l) &&
                         fill_idx + 3'd1 < n_q),
        .fill_la_i      (job_q.la[63:12+9*(l-1)]),
        .fill_pcid_i    (job_q.pcid),
        .fill_table_i   (ent_q[fill_idx] & FrameMask),
        .fill_perms_i   (eperms_q[fill_idx]),
        .inv_i          (inv_valid),
        .inv_all_i      (inv_kind == 2'd0 || inv_kind == 2'd3),
        .inv_pcid_i     (inv_pcid),
        // SDM 4.10.4.1: a #PF drops the entries that would be used for the
        // faulting address, so a fault caused only by stale cached entries
        // does not recur (inv_after_pf in model/mmu.c).
        .inv_addr_i     (done_fire && kind_q == RES_PF),
        .inv_addr_la_i  (job_q.la[63:12+9*(l-1)]),
        .inv_addr_pcid_i(job_q.pcid)
      );
    end else begin : g_off
      assign psc_hit[l] = 1'b0;
      assign psc_table[l] = '0;
      assign psc_perms[l] = '0;
    end
  end

  always_comb begin : psc_pick
    // SDM 4.10.3.2: the deepest hit gives the table to start from; a PML5E
    // cache is consulted only with 5-level paging.
    psc_lvl = '0;
    psc_tab = '0;
    psc_prm = '0;
    for (int l = 5; l >= 2; l--) begin
      if (psc_hit[l] && (l <= 4 || req_levels5)) begin
        psc_lvl = 3'(l);
        psc_tab = psc_table[l];
        psc_prm = psc_perms[l];
      end
    end
    // Only a walk from the root can use a cache; a job that already starts
    // lower was given its start by a cache outside.
    use_psc = psc_lvl != 3'd0 && req_start_level == (req_levels5 ? 3'd5 : 3'd4);
  end

  // ---- next state -------------------------------------------------------------

  // The bits the update of entry i sets: A, and D too in the leaf of a write.
  function automatic logic [63:0] ad_bits(logic [2:0] i, logic [2:0] ad_end, logic dirty);
    logic [63:0] b;
    b = '0;
    b[PTE_A] = 1'b1;
    b[PTE_D] = dirty && i == ad_end - 3'd1;
    return b;
  endfunction

  always_comb begin : next_state
    logic restart, read_next, scan, found;
    logic [2:0] scan_from, idx;
    logic [63:0] bits;

    state_d = state_q;
    step_d = step_q;
    job_d = job_q;
    level_d = level_q;
    table_d = table_q;
    perms_d = perms_q;
    n_d = n_q;
    ent_d = ent_q;
    ent_pa_d = ent_pa_q;
    eperms_d = eperms_q;
    attempt_d = attempt_q;
    reads_d = reads_q;
    updates_d = updates_q;
    ad_i_d = ad_i_q;
    ad_end_d = ad_end_q;
    ad_dirty_d = ad_dirty_q;
    kind_d = kind_q;
    ec_d = ec_q;
    pa_d = pa_q;
    psize_d = psize_q;
    rperms_d = rperms_q;
    pkey_d = pkey_q;
    global_d = global_q;
    psc_level_d = psc_level_q;
    // A request stays raised until the memory takes it.
    mreq_valid_d = mreq_valid_q && !mem_req_ready;
    maddr_d = maddr_q;
    mlocked_d = mlocked_q;
    mcmp_d = mcmp_q;
    mwdata_d = mwdata_q;
    // A response counts the cycles of its wait that had no edge (mem_rsp_skip).
    cycles_d = state_q == IDLE || state_q == DONE ? cycles_q :
               cycles_q + 32'd1 + (mem_rsp_valid && mem_rsp_ready ? mem_rsp_skip : 32'd0);
    restart = 1'b0;
    read_next = 1'b0;
    scan = 1'b0;
    scan_from = 3'd0;
    found = 1'b0;
    idx = 3'd0;
    bits = '0;

    unique case (state_q)
      // A job is taken in IDLE, or in DONE at the edge that hands over the
      // result (see `accept` below), so a walker is free again the cycle
      // after its result, as the C model's busy_until says.
      IDLE: ;

      LEVEL_STEP: begin
        if (step_q == '0) begin
          mreq_valid_d = 1'b1;
          maddr_d = table_q | {52'd0, pt_index(job_q.la[56:12], level_q), 3'd0};
          mlocked_d = 1'b0;
          reads_d = reads_q + 8'd1;
          state_d = PTE_READ;
        end else begin
          step_d = step_q - StepW'(1);
        end
      end

      PTE_READ: begin
        if (mem_rsp_valid) begin
          if (mem_rsp_err) begin
            kind_d = RES_MEMERR;
            state_d = DONE;
          end else if (cause != CAUSE_PROT) begin
            // Not present, or a reserved bit set: ent[0..n) holds only the
            // non-leaf entries consumed.
            kind_d = RES_PF;
            ec_d = pf_code;
            ad_end_d = n_q;
            ad_dirty_d = 1'b0;
            scan = AD_ON_FAULT_USED != 0;
            if (!scan) state_d = DONE;
          end else begin
            ent_d[n_q] = mem_rsp_data;
            ent_pa_d[n_q] = maddr_q;
            eperms_d[n_q] = perms_new;
            n_d = n_q + 3'd1;
            perms_d = perms_new;
            if (!leaf) begin
              table_d = mem_rsp_data & FrameMask;
              level_d = level_q - 3'd1;
              read_next = 1'b1;
            end else if (!allowed) begin
              // The leaf is never written on a fault.
              kind_d = RES_PF;
              ec_d = pf_code;
              ad_end_d = n_q;
              ad_dirty_d = 1'b0;
              scan = AD_ON_FAULT_USED != 0;
              if (!scan) state_d = DONE;
            end else begin
              // SDM 4.8: A in every entry used, top-down; the leaf gets A and,
              // on a write, D in the same locked update.
              kind_d = RES_OK;
              ec_d = '0;
              pa_d = (mem_rsp_data & FrameMask & ~offset_mask(level_q)) |
                     (job_q.la & offset_mask(level_q));
              psize_d = 2'(level_q - 3'd1);
              rperms_d = perms_new;
              pkey_d = mem_rsp_data[PTE_PKEY_LO+:4];
              global_d = mem_rsp_data[PTE_G];
              ad_end_d = n_q + 3'd1;
              ad_dirty_d = job_q.typ == ACC_WRITE;
              scan = 1'b1;
            end
          end
        end
      end

      AD_CMPXCHG: begin
        if (mem_rsp_valid) begin
          if (mem_rsp_err) begin
            kind_d = RES_MEMERR;
            state_d = DONE;
          end else if (mem_rsp_data != mcmp_q) begin
            // The entry changed between the read and the locked update: start
            // the walk over, as hardware re-walks.
            if (attempt_q == AttemptW'(RETRY_LIMIT - 1)) begin
              kind_d = RES_RETRY;
              state_d = DONE;
            end else begin
              attempt_d = attempt_q + AttemptW'(1);
              restart = 1'b1;
            end
          end else begin
            ent_d[ad_i_q] = mwdata_q;
            scan = 1'b1;
            scan_from = ad_i_q + 3'd1;
          end
        end
      end

      DONE: begin
        if (res_ready) state_d = IDLE;
      end

      // state_q only ever holds a member of state_e (reset to IDLE, every
      // assignment a member), so the three other 3-bit codes never occur.
      /* verilator coverage_off */
      default: state_d = IDLE;
      /* verilator coverage_on */
    endcase

    if (accept) begin
      job_d.la = req_la;
      job_d.typ = req_type;
      // SDM 4.6.1: CPL 3 makes a user-mode access, unless it is implicit.
      job_d.user_access = req_cpl == 2'd3 && !req_implicit;
      job_d.implicit_acc = req_implicit;
      job_d.start_level = use_psc ? psc_lvl - 3'd1 : req_start_level;
      job_d.start_table = use_psc ? psc_tab : req_start_table & FrameMask;
      job_d.start_perms = use_psc ? psc_prm : req_start_perms;
      job_d.pcid = req_pcid;
      job_d.wp = req_wp;
      job_d.smep = req_smep;
      job_d.smap = req_smap;
      job_d.ac = req_ac;
      job_d.nxe = req_nxe;
      job_d.pke = req_pke;
      job_d.pks = req_pks;
      job_d.pkru = req_pkru;
      job_d.pkrs = req_pkrs;
      cycles_d = '0;
      reads_d = '0;
      updates_d = '0;
      attempt_d = '0;
      kind_d = RES_OK;
      ec_d = '0;
      psc_level_d = use_psc ? psc_lvl : 3'd0;
      if (!req_canonical) begin
        // SDM 4.5: a non-canonical address is a #GP(0) before any lookup
        // (no error code information, CR2 not written). The C core checks
        // this before its TLBs, so a co-simulation through the core never
        // sends one; the walker checks it so it can stand alone.
        kind_d = RES_GP;
        psc_level_d = 3'd0;
        state_d = DONE;
      end else begin
        restart = 1'b1;
      end
    end

    // The next A/D update: the first entry from scan_from on that lacks its
    // bits (entries that already have them are skipped, as set_bits() does).
    if (scan) begin
      for (int i = 4; i >= 0; i--) begin
        if (3'(i) >= scan_from && 3'(i) < ad_end_d &&
            (ent_d[i] & ad_bits(3'(i), ad_end_d, ad_dirty_d)) != ad_bits(3'(i), ad_end_d, ad_dirty_d)) begin
          found = 1'b1;
          idx = 3'(i);
        end
      end
      if (found) begin
        bits = ad_bits(idx, ad_end_d, ad_dirty_d);
        mreq_valid_d = 1'b1;
        maddr_d = ent_pa_d[idx];
        mlocked_d = 1'b1;
        mcmp_d = ent_d[idx];
        mwdata_d = ent_d[idx] | bits;
        updates_d = updates_q + 8'd1;
        ad_i_d = idx;
        state_d = AD_CMPXCHG;
      end else begin
        state_d = DONE;
      end
    end

    // Every job and every attempt starts with no translation: a fault after
    // a restart must not report what an earlier attempt found.
    if (accept || restart) begin
      pa_d = '0;
      psize_d = '0;
      rperms_d = '0;
      pkey_d = '0;
      global_d = 1'b0;
    end

    if (restart) begin
      level_d = job_d.start_level;
      table_d = job_d.start_table;
      perms_d = job_d.start_perms;
      n_d = '0;
      read_next = 1'b1;
    end

    // The next read, after walk_level_latency cycles.
    if (read_next) begin
      if (LEVEL_LATENCY == 0) begin
        mreq_valid_d = 1'b1;
        maddr_d = table_d | {52'd0, pt_index(job_d.la[56:12], level_d), 3'd0};
        mlocked_d = 1'b0;
        reads_d = reads_d + 8'd1;
        state_d = PTE_READ;
      end else begin
        step_d = StepW'(LEVEL_LATENCY - 1);
        state_d = LEVEL_STEP;
      end
    end
  end

  always_ff @(posedge clk or negedge rst_n) begin : regs
    if (!rst_n) begin
      state_q <= IDLE;
      step_q <= '0;
      job_q <= '0;
      level_q <= '0;
      table_q <= '0;
      perms_q <= '0;
      n_q <= '0;
      ent_q <= '0;
      ent_pa_q <= '0;
      eperms_q <= '0;
      attempt_q <= '0;
      reads_q <= '0;
      updates_q <= '0;
      cycles_q <= '0;
      ad_i_q <= '0;
      ad_end_q <= '0;
      ad_dirty_q <= 1'b0;
      kind_q <= RES_OK;
      ec_q <= '0;
      pa_q <= '0;
      psize_q <= '0;
      rperms_q <= '0;
      pkey_q <= '0;
      global_q <= 1'b0;
      psc_level_q <= '0;
      mreq_valid_q <= 1'b0;
      maddr_q <= '0;
      mlocked_q <= 1'b0;
      mcmp_q <= '0;
      mwdata_q <= '0;
    end else begin
      state_q <= state_d;
      step_q <= step_d;
      job_q <= job_d;
      level_q <= level_d;
      table_q <= table_d;
      perms_q <= perms_d;
      n_q <= n_d;
      ent_q <= ent_d;
      ent_pa_q <= ent_pa_d;
      eperms_q <= eperms_d;
      attempt_q <= attempt_d;
      reads_q <= reads_d;
      updates_q <= updates_d;
      cycles_q <= cycles_d;
      ad_i_q <= ad_i_d;
      ad_end_q <= ad_end_d;
      ad_dirty_q <= ad_dirty_d;
      kind_q <= kind_d;
      ec_q <= ec_d;
      pa_q <= pa_d;
      psize_q <= psize_d;
      rperms_q <= rperms_d;
      pkey_q <= pkey_d;
      global_q <= global_d;
      psc_level_q <= psc_level_d;
      mreq_valid_q <= mreq_valid_d;
      maddr_q <= maddr_d;
      mlocked_q <= mlocked_d;
      mcmp_q <= mcmp_d;
      mwdata_q <= mwdata_d;
    end
  end

  // ---- outputs -------------------------------------------------------------------

  logic ok;
  assign ok = kind_q == RES_OK;

  assign req_ready = state_q == IDLE || (state_q == DONE && res_ready);
  assign mem_req_valid = mreq_valid_q;
  assign mem_req_addr = maddr_q;
  assign mem_req_locked = mlocked_q;
  assign mem_req_cmp = mcmp_q;
  assign mem_req_wdata = mwdata_q;
  assign mem_rsp_ready = state_q == PTE_READ || state_q == AD_CMPXCHG;

  assign res_valid = state_q == DONE;
  assign res_kind = kind_q;
  assign res_vector = kind_q == RES_PF ? VEC_PF : kind_q == RES_GP ? VEC_GP : 8'd0;
  assign res_error_code = ec_q;
  assign res_cr2 = kind_q == RES_PF ? job_q.la : 64'd0;
  assign res_pa = pa_q;
  assign res_page_size = psize_q;
  assign res_perms = rperms_q;
  assign res_pkey = pkey_q;
  assign res_global = global_q;
  assign res_reads = reads_q;
  assign res_updates = updates_q;
  assign res_cycles = cycles_q;
  assign res_psc_level = psc_level_q;
  // Nothing from a faulting walk is cached, so the trace is empty.
  assign res_n = ok ? n_q : 3'd0;
  assign res_entry0 = ok && n_q > 3'd0 ? ent_q[0] : 64'd0;
  assign res_entry1 = ok && n_q > 3'd1 ? ent_q[1] : 64'd0;
  assign res_entry2 = ok && n_q > 3'd2 ? ent_q[2] : 64'd0;
  assign res_entry3 = ok && n_q > 3'd3 ? ent_q[3] : 64'd0;
  assign res_entry4 = ok && n_q > 3'd4 ? ent_q[4] : 64'd0;
  always_comb begin : trace_perms
    for (int i = 0; i < 5; i++) res_eperms[3*i+:3] = ok && n_q > 3'(i) ? eperms_q[i] : 3'd0;
  end

  // ---- FSM coverage --------------------------------------------------------------
  // A cover point per state and per transition the walker can make (state_q
  // to state_d at an edge). Verilator --coverage counts them as user points
  // (v_user), which scripts/coverage.sh reports as the FSM figures.
  // Transitions that need LEVEL_LATENCY = 0, >= 1 or >= 2 exist only in the
  // variants that have it; a co-simulation campaign runs several variants.
  logic rsp;
  assign rsp = mem_rsp_valid && mem_rsp_ready;
  c_st_idle: cover property (@(posedge clk) state_q == IDLE);
  c_st_pte_read: cover property (@(posedge clk) state_q == PTE_READ);
  c_st_ad_cmpxchg: cover property (@(posedge clk) state_q == AD_CMPXCHG);
  c_st_done: cover property (@(posedge clk) state_q == DONE);
  c_tr_idle_idle: cover property (@(posedge clk) state_q == IDLE && state_d == IDLE);
  c_tr_idle_done: cover property (@(posedge clk) state_q == IDLE && state_d == DONE);
  c_tr_read_wait: cover property (@(posedge clk) state_q == PTE_READ && !rsp);
  c_tr_read_cmpxchg: cover property (@(posedge clk) state_q == PTE_READ && state_d == AD_CMPXCHG);
  c_tr_read_done: cover property (@(posedge clk) state_q == PTE_READ && state_d == DONE);
  c_tr_cmpxchg_wait: cover property (@(posedge clk) state_q == AD_CMPXCHG && !rsp);
  c_tr_cmpxchg_next: cover property (@(posedge clk)
                                     state_q == AD_CMPXCHG && rsp && state_d == AD_CMPXCHG);
  c_tr_cmpxchg_done: cover property (@(posedge clk) state_q == AD_CMPXCHG && state_d == DONE);
  c_tr_done_hold: cover property (@(posedge clk) state_q == DONE && !res_ready);
  c_tr_done_idle: cover property (@(posedge clk) state_q == DONE && state_d == IDLE);
  c_tr_done_done: cover property (@(posedge clk) state_q == DONE && res_ready && state_d == DONE);
  if (LEVEL_LATENCY == 0) begin : g_cov_nostep
    c_tr_idle_read: cover property (@(posedge clk) state_q == IDLE && state_d == PTE_READ);
    c_tr_read_read: cover property (@(posedge clk) state_q == PTE_READ && rsp && state_d == PTE_READ);
    c_tr_cmpxchg_read: cover property (@(posedge clk) state_q == AD_CMPXCHG && state_d == PTE_READ);
    c_tr_done_read: cover property (@(posedge clk) state_q == DONE && state_d == PTE_READ);
  end else begin : g_cov_step
    c_st_level_step: cover property (@(posedge clk) state_q == LEVEL_STEP);
    c_tr_idle_step: cover property (@(posedge clk) state_q == IDLE && state_d == LEVEL_STEP);
    c_tr_step_read: cover property (@(posedge clk) state_q == LEVEL_STEP && state_d == PTE_READ);
    c_tr_read_step: cover property (@(posedge clk) state_q == PTE_READ && state_d == LEVEL_STEP);
    c_tr_cmpxchg_step: cover property (@(posedge clk) state_q == AD_CMPXCHG && state_d == LEVEL_STEP);
    c_tr_done_step: cover property (@(posedge clk) state_q == DONE && state_d == LEVEL_STEP);
    if (LEVEL_LATENCY >= 2) begin : g_cov_steps
      c_tr_step_step: cover property (@(posedge clk) state_q == LEVEL_STEP && state_d == LEVEL_STEP);
    end
  end

  // inv_la: see the port list; the caches need only the PCID for INVLPG.
  // Without caches (PSC_* = 0) the invalidation port and the handshakes that
  // drive fills and touches have no reader.
  logic unused_inv;
  assign unused_inv = ^{inv_la, inv_valid, inv_kind, inv_pcid, accept, done_fire};

endmodule
