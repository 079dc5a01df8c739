/* mmusim configuration: a plain struct the caller fills, validated in one
 * place (mmu_config_validate) when an MMU is created. */
#ifndef MMU_MMU_CONFIG_H
#define MMU_MMU_CONFIG_H

#ifdef __cplusplus
extern "C" {
#endif

struct mmu_err;

/* What a walk that ends in a #PF leaves behind in memory. The SDM leaves this
 * to the implementation (only successful translations are required to set A
 * and D).
 *  NONE: nothing. The walker checks the whole translation first and writes A/D
 *        only when the access is allowed. This is the default: a faulting
 *        access has no memory side effect, so a fault handler that fixes the
 *        entry and retries sees exactly one set of A/D writes.
 *  USED: A is set in every non-leaf entry the walk consumed before it
 *        stopped (present and free of reserved bits), as a walker that sets A
 *        on its way down would. The leaf and D are never written on a fault. */
typedef enum mmu_ad_on_fault {
    MMU_AD_ON_FAULT_NONE = 0,
    MMU_AD_ON_FAULT_USED = 1,
} mmu_ad_on_fault_t;

typedef struct mmu_config {
    unsigned maxphyaddr;     /* physical-address width, 36..52 */
    unsigned page_1g;        /* 1: 1-GByte pages supported (PDPTE.PS usable);
                                0: PDPTE.PS is a reserved bit */
    unsigned ad_on_fault;    /* mmu_ad_on_fault_t */
    unsigned ad_retry_limit; /* walks restarted because an entry changed between
                                the read and the locked A/D update, before
                                mmu_translate gives up with MMU_ERETRY; >= 1 */
} mmu_config_t;

/* Fill *cfg with defaults: MAXPHYADDR 46, 1G pages on, no A/D on faults,
 * 16 retries. */
void mmu_config_init(mmu_config_t *cfg);

/* Check every field. Returns 0 or MMU_EINVAL; if err is non-NULL its msg names
 * the field and what is wrong ("maxphyaddr=60: must be 36..52"). */
int mmu_config_validate(const mmu_config_t *cfg, struct mmu_err *err);

#ifdef __cplusplus
}
#endif

#endif /* MMU_MMU_CONFIG_H */
