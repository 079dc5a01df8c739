/* SPDX-License-Identifier: Apache-2.0 */
/* mmu_sc (see mmu_sc.h): TLM sockets and method calls around mmu_t. */
#include "mmu_sc.h"

#include <cstdio>
#include <cstring>

#include "mmu/mmu_coverage.h"

using sc_core::sc_time;

static int set_err(mmu_err_t *err, const char *msg)
{
    if (err) {
        err->code = MMU_EINVAL;
        snprintf(err->msg, sizeof err->msg, "%s", msg);
    }
    return MMU_EINVAL;
}

int mmu_sc::check_config(const mmu_config_t &cfg, const mmu_sc_opts &opts, mmu_err_t *err)
{
    int rc = mmu_config_validate(&cfg, err);
    if (rc)
        return rc;
    if (cfg.walk_cb)
        return set_err(err, "walk_cb: must be NULL (mmu_sc installs the walker it was asked for)");
    switch (opts.walker) {
    case mmu_sc_walker::c:
    case mmu_sc_walker::c_callback:
        return 0;
    case mmu_sc_walker::external:
        if (!opts.external.check || !opts.external.make || !opts.external.name)
            return set_err(err, "external: walker external needs a slot (check, make and name; "
                                "the RTL bridge gives rtl_walker::slot())");
        return opts.external.check(cfg, err);
    }
    return set_err(err, "walker: not c, c_callback or external");
}

std::unique_ptr<mmu_sc> mmu_sc::create(const char *name, const mmu_config_t &cfg,
                                       const mmu_sc_opts &opts, mmu_err_t *err)
{
    if (!name) {
        set_err(err, "name: NULL");
        return nullptr;
    }
    if (opts.period == sc_core::SC_ZERO_TIME) {
        set_err(err, "period: must be > 0");
        return nullptr;
    }
    if (check_config(cfg, opts, err))
        return nullptr;
    std::unique_ptr<mmu_sc> m(new mmu_sc(name, cfg, opts));
    if (m->build_core(cfg, err))
        return nullptr;
    return m;
}

mmu_sc::mmu_sc(sc_core::sc_module_name name, const mmu_config_t &cfg, const mmu_sc_opts &opts)
    : sc_core::sc_module(name), socket("socket"), mem_socket("mem_socket"), cfg_(cfg), opts_(opts)
{
    socket.register_b_transport(this, &mmu_sc::b_transport);
    if (opts.walker == mmu_sc_walker::external)
        ext_ = opts.external.make(opts.external.name, opts.period, cfg);
    mem_gp_.set_data_length(8);
    mem_gp_.set_streaming_width(8);
    mem_gp_.set_byte_enable_ptr(nullptr);
    mem_gp_.set_extension(&mem_ext_);
}

mmu_sc::~mmu_sc()
{
    mem_gp_.clear_extension(&mem_ext_);
    mmu_destroy(mmu_);
}

int mmu_sc::build_core(const mmu_config_t &cfg, mmu_err_t *err)
{
    mmu_config_t c = cfg;
    switch (opts_.walker) {
    case mmu_sc_walker::c:
        break;
    case mmu_sc_walker::c_callback:
        c.walk_cb = &mmu_sc::walk_c_callback;
        c.walk_ctx = this;
        break;
    case mmu_sc_walker::external:
        c.walk_cb = &mmu_sc::walk_external;
        c.walk_ctx = ext_.get();
        break;
    }
    const mmu_mem_ops_t ops = {sizeof ops, &mmu_sc::mem_read64, &mmu_sc::mem_cmpxchg64, this, nullptr, nullptr};
    mmu_t *m = nullptr;
    int rc = mmu_create(&c, &ops, &m, err);
    if (rc)
        return rc;
    /* Functional coverage follows the core: a campaign attaches it once. */
    if (mmu_cov_t *cov = mmu_ ? mmu_cov_attached(mmu_) : nullptr) {
        if ((rc = mmu_cov_attach(m, cov, err)) != 0) {
            mmu_destroy(m);
            return rc;
        }
    }
    mmu_destroy(mmu_);
    mmu_ = m;
    cfg_ = cfg;
    if (ext_)
        ext_->attach(mmu_, ops);
    return 0;
}

int mmu_sc::reconfigure(const mmu_config_t &cfg, mmu_err_t *err)
{
    int rc = check_config(cfg, opts_, err);
    if (rc)
        return rc;
    /* The external walker was built at construction, for its configuration. */
    if (ext_ && (rc = ext_->check(cfg, err)) != 0)
        return rc;
    return build_core(cfg, err);
}

int mmu_sc::walk_c_callback(void *ctx, const mmu_walk_job_t *job, mmu_walk_out_t *out)
{
    /* mmu_walk_c touches only the walker and the latency model, never the
     * caches mmu_translate is working on, so calling it on the same MMU from
     * inside its walk is safe. */
    return mmu_walk_c(static_cast<mmu_sc *>(ctx)->mmu_, job, out);
}

int mmu_sc::walk_external(void *ctx, const mmu_walk_job_t *job, mmu_walk_out_t *out)
{
    return static_cast<mmu_sc_ext_walker *>(ctx)->walk(*job, *out);
}

/* ---- page-table memory through the initiator socket ------------------------- */

int mmu_sc::mem_access(uint64_t pa, bool cmpxchg, uint64_t expected, uint64_t *val)
{
    sc_time delay = sc_core::SC_ZERO_TIME; /* latency is the core's business */
    unsigned char buf[8];
    if (cmpxchg)
        std::memcpy(buf, val, 8);
    mem_gp_.set_command(cmpxchg ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    mem_gp_.set_address(pa);
    mem_gp_.set_data_ptr(buf);
    mem_gp_.set_dmi_allowed(false);
    mem_gp_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    mem_ext_.cmpxchg = cmpxchg;
    mem_ext_.expected = expected;
    mem_ext_.old = 0;
    mem_ext_.rc = 0;
    mem_socket->b_transport(mem_gp_, delay);
    if (mem_gp_.is_response_error())
        return mem_ext_.rc ? mem_ext_.rc : MMU_EMEM;
    if (cmpxchg)
        *val = mem_ext_.old;
    else
        std::memcpy(val, buf, 8);
    return 0;
}

int mmu_sc::mem_read64(void *ctx, uint64_t pa, uint64_t *val)
{
    return static_cast<mmu_sc *>(ctx)->mem_access(pa, false, 0, val);
}

int mmu_sc::mem_cmpxchg64(void *ctx, uint64_t pa, uint64_t expected, uint64_t desired, uint64_t *old)
{
    uint64_t v = desired;
    int rc = static_cast<mmu_sc *>(ctx)->mem_access(pa, true, expected, &v);
    if (rc == 0)
        *old = v;
    return rc;
}

/* ---- translations ------------------------------------------------------------- */

int mmu_sc::translate(const mmu_req_t &req, mmu_result_t &res)
{
    return mmu_translate(mmu_, &req, &res);
}

void mmu_sc::b_transport(tlm::tlm_generic_payload &gp, sc_time &delay)
{
    mmu_sc_req_ext *ext = nullptr;
    gp.get_extension(ext);
    mmu_req_t req = MMU_REQ_INIT;
    switch (gp.get_command()) {
    case tlm::TLM_READ_COMMAND:
        req.type = (ext && ext->fetch) ? MMU_ACC_FETCH : MMU_ACC_READ;
        break;
    case tlm::TLM_WRITE_COMMAND:
        if (ext && ext->fetch) {
            gp.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
            return;
        }
        req.type = MMU_ACC_WRITE;
        break;
    default:
        gp.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
        return;
    }
    req.la = gp.get_address();
    req.cpl = ext ? ext->cpl : 0;
    req.flags = ext ? ext->flags : 0;
    const uint64_t p = opts_.period.value();
    const sc_time start = sc_core::sc_time_stamp();
    const sc_time issued = start + delay;
    req.now = issued.value() / p;

    mmu_result_t res;
    const int rc = mmu_translate(mmu_, &req, &res);
    if (ext) {
        ext->rc = rc;
        ext->res = res;
        ext->now = req.now;
    }
    if (rc) {
        gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
        return;
    }
    /* Completion at issued + (done_at - now) cycles; an RTL walk has already
     * spent part of that as simulated time inside this call. */
    const sc_time done = issued + sc_time::from_value((res.done_at - req.now) * p);
    const sc_time at = sc_core::sc_time_stamp();
    if (done >= at) {
        delay = done - at;
    } else {
        delay = sc_core::SC_ZERO_TIME;
        late_++;
    }
    gp.set_response_status(res.fault.kind == MMU_FAULT_NONE ? tlm::TLM_OK_RESPONSE
                                                            : tlm::TLM_ADDRESS_ERROR_RESPONSE);
}

/* ---- control registers, invalidations, statistics ----------------------------- */

int mmu_sc::set_ctrl(const mmu_ctrl_t &ctrl, mmu_err_t *err)
{
    return mmu_set_ctrl(mmu_, &ctrl, err);
}

int mmu_sc::write_cr(unsigned n, uint64_t value, mmu_err_t *err)
{
    return mmu_write_cr(mmu_, n, value, err);
}

int mmu_sc::write_reg(unsigned reg, uint64_t value, mmu_err_t *err)
{
    return mmu_write_reg(mmu_, reg, value, err);
}

void mmu_sc::invlpg(uint64_t la)
{
    mmu_invlpg(mmu_, la);
}

int mmu_sc::invpcid(unsigned type, uint16_t pcid, uint64_t la, mmu_err_t *err)
{
    return mmu_invpcid(mmu_, type, pcid, la, err);
}

void mmu_sc::flush_all()
{
    mmu_flush_all(mmu_);
}

const mmu_ctrl_t &mmu_sc::ctrl() const
{
    return *mmu_get_ctrl(mmu_);
}

mmu_stats_t mmu_sc::stats() const
{
    mmu_stats_t s;
    mmu_get_stats(mmu_, &s);
    return s;
}

void mmu_sc::reset_stats()
{
    mmu_reset_stats(mmu_);
}
