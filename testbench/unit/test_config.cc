// Configuration defaults and validation (model/config.c), and error names.
#include <gtest/gtest.h>

#include <string>

#include "mmu/mmu.h"

namespace {

TEST(Config, DefaultsAreValid)
{
    mmu_config_t c;
    mmu_config_init(&c);
    mmu_err_t err{};
    EXPECT_EQ(0, mmu_config_validate(&c, &err));
    EXPECT_EQ(46u, c.maxphyaddr);
    EXPECT_EQ(1u, c.page_1g);
    EXPECT_EQ(unsigned(MMU_AD_ON_FAULT_NONE), c.ad_on_fault);
}

TEST(Config, EachBadFieldIsNamed)
{
    struct Case {
        void (*edit)(mmu_config_t *);
        const char *msg;
    } cases[] = {
        {[](mmu_config_t *c) { c->maxphyaddr = 35; }, "maxphyaddr=35: must be 36..52"},
        {[](mmu_config_t *c) { c->maxphyaddr = 53; }, "maxphyaddr=53: must be 36..52"},
        {[](mmu_config_t *c) { c->page_1g = 2; }, "page_1g=2: must be 0 or 1"},
        {[](mmu_config_t *c) { c->ad_on_fault = 7; }, "ad_on_fault=7"},
        {[](mmu_config_t *c) { c->ad_retry_limit = 0; }, "ad_retry_limit=0: must be >= 1"},
    };
    for (const Case &k : cases) {
        mmu_config_t c;
        mmu_config_init(&c);
        k.edit(&c);
        mmu_err_t err{};
        EXPECT_EQ(MMU_EINVAL, mmu_config_validate(&c, &err));
        EXPECT_EQ(MMU_EINVAL, err.code);
        EXPECT_NE(std::string::npos, std::string(err.msg).find(k.msg)) << err.msg;
        // mmu_create refuses the same config with the same message.
        mmu_t *m = reinterpret_cast<mmu_t *>(1);
        mmu_mem_ops_t ops = MMU_MEM_OPS_INIT;
        EXPECT_EQ(MMU_EINVAL, mmu_create(&c, &ops, &m, &err));
        EXPECT_EQ(nullptr, m);
        EXPECT_NE(std::string::npos, std::string(err.msg).find(k.msg)) << err.msg;
    }
}

TEST(Config, ErrorNamesComeFromOneList)
{
    EXPECT_STREQ("OK", mmu_err_name(0));
    EXPECT_STREQ("EINVAL", mmu_err_name(MMU_EINVAL));
    EXPECT_STREQ("ERETRY", mmu_err_name(MMU_ERETRY));
    EXPECT_STREQ("UNKNOWN", mmu_err_name(12345));
    EXPECT_STREQ("physical address beyond MAXPHYADDR", mmu_strerror(MMU_ERANGE));
    EXPECT_STREQ("unknown error", mmu_strerror(-999));
}

} // namespace
