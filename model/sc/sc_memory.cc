/* SPDX-License-Identifier: Apache-2.0 */
/* SystemC memory model (see sc_memory.h): a TLM target over mmu_sparse_mem_t. */
#include "sc_memory.h"

#include <cstring>
#include <new>

sc_memory::sc_memory(sc_core::sc_module_name name, unsigned maxphyaddr)
    : sc_core::sc_module(name), socket("socket"), maxphyaddr_(maxphyaddr)
{
    if (mmu_sparse_mem_create(maxphyaddr, &mem_) != 0)
        throw std::bad_alloc();
    socket.register_b_transport(this, &sc_memory::b_transport);
}

sc_memory::~sc_memory()
{
    mmu_sparse_mem_destroy(mem_);
}

static tlm::tlm_response_status status_of(int rc)
{
    switch (rc) {
    case 0:
        return tlm::TLM_OK_RESPONSE;
    case MMU_EALIGN:
    case MMU_ERANGE:
        return tlm::TLM_ADDRESS_ERROR_RESPONSE;
    default:
        return tlm::TLM_GENERIC_ERROR_RESPONSE;
    }
}

void sc_memory::b_transport(tlm::tlm_generic_payload &gp, sc_core::sc_time &delay)
{
    (void)delay; /* latency comes from the C core's model, not from here */
    mmu_sc_mem_ext *ext = nullptr;
    gp.get_extension(ext);
    if (gp.get_byte_enable_ptr()) {
        gp.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
        return;
    }
    if (gp.get_data_length() != 8 || gp.get_streaming_width() < 8 || !gp.get_data_ptr()) {
        gp.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
        return;
    }
    const uint64_t pa = gp.get_address();
    unsigned char *data = gp.get_data_ptr();
    uint64_t word = 0;
    int rc = mmu_sparse_mem_read64(mem_, pa, &word);
    if (rc == 0) {
        switch (gp.get_command()) {
        case tlm::TLM_READ_COMMAND:
            reads_++;
            std::memcpy(data, &word, 8); /* little-endian host, like the guest */
            break;
        case tlm::TLM_WRITE_COMMAND: {
            uint64_t val;
            std::memcpy(&val, data, 8);
            const bool locked = ext && ext->cmpxchg;
            if (locked) {
                cmpxchgs_++;
                ext->old = word;
                if (word != ext->expected)
                    break; /* the entry changed: nothing is written */
            } else {
                writes_++;
            }
            rc = mmu_sparse_mem_write64(mem_, pa, val);
            if (rc == 0)
                log_.push_back({seq_++, pa, word, val, locked});
            break;
        }
        default:
            gp.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
            return;
        }
    }
    if (ext)
        ext->rc = rc;
    gp.set_response_status(status_of(rc));
}
