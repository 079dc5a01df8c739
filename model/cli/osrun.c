/* SPDX-License-Identifier: Apache-2.0 */
/* Options and report of the OS side under memory pressure (osrun.h). */
#include "osrun.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "blkdev.h"
#include "runlib.h"
#include "scenario.h"
#include "trace.h"

int osrun_size(const char *s, uint64_t *v)
{
    char *end;
    errno = 0;
    if (!s || !*s || *s == '-')
        return -1;
    unsigned long long n = strtoull(s, &end, 0);
    if (errno || end == s)
        return -1;
    unsigned shift = 0;
    switch (*end) {
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    case 't': case 'T': shift = 40; end++; break;
    default: break;
    }
    if (shift && (!strcmp(end, "iB") || !strcmp(end, "ib") || !strcmp(end, "B") || !strcmp(end, "b")))
        end += strlen(end);
    if (*end || (shift && n > (UINT64_MAX >> shift)))
        return -1;
    *v = (uint64_t)n << shift;
    return 0;
}

void osrun_defaults(mmu_aspace_cfg_t *ac)
{
    /* Records outside every MAP record are anonymous memory (a captured
     * trace's MAP records are a snapshot of /proc/PID/maps). */
    ac->implicit_vma = 2;
}

void osrun_usage(FILE *f)
{
    char names[128];
    fprintf(f,
            "  memory pressure (trace runs; workloads/os/README.md):\n"
            "    --mem SIZE               physical memory for the processes (4k..; e.g. 64m)\n"
            "    --swap SIZE[,PRIO]       a swap area (repeat for more; highest PRIO first)\n"
            "    --swap-dev nvme|ssd|hdd|zswap   swap device (nvme)\n"
            "    --file-dev nvme|ssd|hdd  device behind file pages (nvme)\n"
            "    --reclaim POLICY         %s (twolist)\n"
            "    --swappiness N           0..200 (60)\n"
            "    --readahead N            swap readahead window in pages, 1 = off (8)\n"
            "    --kswapd on|off          background reclaim (on)\n"
            "    --watermarks auto|none|MIN,LOW,HIGH   in pages (auto: Linux's rule)\n"
            "    --tables mem|separate    page tables from --mem, or outside it (mem)\n"
            "    --batch N                pages per reclaim round (32)\n"
            "    --flush-young            clearing an A bit also invalidates the TLB entry\n"
            "    --segv continue|stop     an invalid access: counted, or ends the run (continue)\n"
            "    --files cached|cold      a file page's first touch: page cache hit, or a read\n"
            "    --thp-reclaim on|off     2M pages reclaimable (split first) or pinned (on)\n"
            "    --series N               a sample every N accesses (1000000 with --mem)\n"
            "    --series-csv FILE        the samples as CSV\n"
            "    --outside-maps anon|segv  accesses outside every MAP record (anon)\n"
            "    --ws-tau N --lfu-tick N --lfu-decay N   policy knobs (100000, 4096, 8)\n"
            "    --os-cost NAME=NS,...    fault zero copy scan unmap split (700 300 400 100 250 5000)\n",
            mmu_repl_names(names, sizeof names));
}

static int bad(const char *cmd, const char *opt, const char *val, const char *why)
{
    fprintf(stderr, "%s: %s%s%s: %s\n", cmd, opt, val ? " " : "", val ? val : "", why);
    return 2;
}

static int onoff(const char *v, unsigned *out)
{
    if (!strcmp(v, "on"))
        *out = 1;
    else if (!strcmp(v, "off"))
        *out = 0;
    else
        return -1;
    return 0;
}

static int pressure(osrun_opts_t *o, const char *opt)
{
    if (!o->pressure_opts++)
        o->first_pressure_opt = opt;
    return 1;
}

int osrun_parse(const char *cmd, int argc, char **argv, int *i, osrun_opts_t *o,
                mmu_aspace_cfg_t *ac)
{
    const char *arg = argv[*i];
    static const char *const WITH_VALUE[] = {
        "--mem", "--swap", "--swap-dev", "--file-dev", "--reclaim", "--swappiness",
        "--readahead", "--kswapd", "--watermarks", "--tables", "--batch", "--segv",
        "--series", "--series-csv", "--outside-maps", "--ws-tau", "--lfu-tick",
        "--lfu-decay", "--os-cost", "--files", "--thp-reclaim", NULL};
    if (!strcmp(arg, "--flush-young")) {
        ac->flush_young = 1;
        return pressure(o, "--flush-young");
    }
    if (!strncmp(arg, "--flush-young=", 14))
        return bad(cmd, "--flush-young", NULL, "takes no value");
    /* "--opt value" and "--opt=value", as every other option (cli_opt.h);
     * a is the table's own string, so messages and first_pressure_opt never
     * point into a split argument. */
    const char *a = NULL, *v = NULL;
    for (int k = 0; WITH_VALUE[k] && !a; k++) {
        const size_t n = strlen(WITH_VALUE[k]);
        if (!strncmp(arg, WITH_VALUE[k], n) && (arg[n] == '\0' || arg[n] == '=')) {
            a = WITH_VALUE[k];
            v = arg[n] == '=' ? arg + n + 1 : NULL;
        }
    }
    if (!a)
        return 0;
    if (!v) {
        if (*i + 1 >= argc)
            return bad(cmd, a, NULL, "needs a value");
        v = argv[++*i];
    }
    uint64_t n;
    if (!strcmp(a, "--mem")) {
        if (osrun_size(v, &n) || n == 0 || (n & 4095))
            return bad(cmd, a, v, "must be a size, a non-zero multiple of 4 KiB (e.g. 64m)");
        ac->mem_bytes = n;
        o->mem_set = 1;
        return 1;
    }
    if (!strcmp(a, "--swap")) {
        char buf[64];
        if (strlen(v) >= sizeof buf)
            return bad(cmd, a, v, "too long");
        strcpy(buf, v);
        char *comma = strchr(buf, ',');
        if (comma)
            *comma++ = '\0';
        if (osrun_size(buf, &n) || n < 8192 || (n & 4095))
            return bad(cmd, a, v,
                       "the size must be a multiple of 4 KiB of at least 8 KiB (a header page "
                       "and one slot)");
        if (ac->nswap == MMU_SWAP_MAX_AREAS)
            return bad(cmd, a, v, "at most 32 swap areas");
        mmu_swap_area_cfg_t *s = &ac->swap[ac->nswap];
        s->bytes = n;
        s->prio_set = 0;
        if (comma) {
            char *end;
            errno = 0;
            long p = strtol(comma, &end, 10);
            if (errno || end == comma || *end || p < -32768 || p > 32767)
                return bad(cmd, a, v, "the priority must be an integer in -32768..32767");
            s->prio = (int)p;
            s->prio_set = 1;
        }
        ac->nswap++;
        return pressure(o, a);
    }
    if (!strcmp(a, "--swap-dev") || !strcmp(a, "--file-dev")) {
        int k = mmu_blkdev_lookup(v);
        if (k < 0 || (a[2] == 'f' && k == MMU_BLKDEV_ZSWAP))
            return bad(cmd, a, v, a[2] == 'f' ? "must be nvme, ssd or hdd" : "must be nvme, ssd, hdd or zswap");
        if (a[2] == 'f')
            ac->file_dev = (unsigned)k;
        else
            ac->swap_dev = (unsigned)k;
        return pressure(o, a);
    }
    if (!strcmp(a, "--reclaim")) {
        const mmu_repl_ops_t *r = mmu_repl_find(v);
        if (!r) {
            char names[128], why[192];
            snprintf(why, sizeof why, "unknown policy (%s)", mmu_repl_names(names, sizeof names));
            return bad(cmd, a, v, why);
        }
        for (unsigned k = 0; mmu_repl_get(k); k++)
            if (mmu_repl_get(k) == r)
                ac->repl = k;
        return pressure(o, a);
    }
    if (!strcmp(a, "--kswapd") || !strcmp(a, "--thp-reclaim")) {
        if (onoff(v, a[2] == 'k' ? &ac->kswapd : &ac->thp_reclaim))
            return bad(cmd, a, v, "must be on or off");
        return pressure(o, a);
    }
    if (!strcmp(a, "--files")) {
        if (strcmp(v, "cached") && strcmp(v, "cold"))
            return bad(cmd, a, v, "must be cached or cold");
        ac->files_cached = v[1] == 'a';
        return pressure(o, a);
    }
    if (!strcmp(a, "--tables")) {
        if (strcmp(v, "mem") && strcmp(v, "separate"))
            return bad(cmd, a, v, "must be mem or separate");
        ac->tables_in_mem = v[0] == 'm';
        return pressure(o, a);
    }
    if (!strcmp(a, "--segv")) {
        if (strcmp(v, "continue") && strcmp(v, "stop"))
            return bad(cmd, a, v, "must be continue or stop");
        ac->segv_stop = v[0] == 's';
        return 1;
    }
    if (!strcmp(a, "--outside-maps")) {
        if (strcmp(v, "anon") && strcmp(v, "segv"))
            return bad(cmd, a, v, "must be anon or segv");
        ac->implicit_vma = v[0] == 'a' ? 2 : 1;
        o->outside_set = 1;
        return 1;
    }
    if (!strcmp(a, "--watermarks")) {
        if (!strcmp(v, "auto"))
            ac->wmark_mode = MMU_WMARK_AUTO;
        else if (!strcmp(v, "none"))
            ac->wmark_mode = MMU_WMARK_NONE;
        else {
            unsigned long long m, l, h;
            char extra;
            if (sscanf(v, "%llu,%llu,%llu%c", &m, &l, &h, &extra) != 3 || m > l || l > h)
                return bad(cmd, a, v, "must be auto, none or MIN,LOW,HIGH pages with MIN <= LOW <= HIGH");
            ac->wmark_mode = MMU_WMARK_SET;
            ac->wmark_min = m, ac->wmark_low = l, ac->wmark_high = h;
        }
        return pressure(o, a);
    }
    if (!strcmp(a, "--series-csv")) {
        o->series_csv = v;
        return 1;
    }
    if (!strcmp(a, "--os-cost")) {
        char buf[256];
        if (strlen(v) >= sizeof buf)
            return bad(cmd, a, v, "too long");
        strcpy(buf, v);
        for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
            char *eq = strchr(tok, '=');
            uint64_t ns;
            if (!eq || scn_u64(eq + 1, &ns))
                return bad(cmd, a, v, "must be NAME=NS,... (fault, zero, copy, scan, unmap, split)");
            *eq = '\0';
            uint64_t *f = !strcmp(tok, "fault") ? &ac->fault_ns
                          : !strcmp(tok, "zero") ? &ac->zero_ns
                          : !strcmp(tok, "copy") ? &ac->copy_ns
                          : !strcmp(tok, "scan") ? &ac->scan_ns
                          : !strcmp(tok, "unmap") ? &ac->unmap_ns
                          : !strcmp(tok, "split") ? &ac->split_ns
                                                  : NULL;
            if (!f)
                return bad(cmd, a, v, "unknown cost (fault, zero, copy, scan, unmap, split)");
            *f = ns;
        }
        return pressure(o, a);
    }
    /* The numeric ones. */
    if (scn_u64(v, &n))
        return bad(cmd, a, v, "not a number");
    if (!strcmp(a, "--swappiness")) {
        if (n > 200)
            return bad(cmd, a, v, "must be 0..200");
        ac->swappiness = (unsigned)n;
    } else if (!strcmp(a, "--readahead")) {
        if (n < 1 || n > 256 || (n & (n - 1)))
            return bad(cmd, a, v, "must be a power of two from 1 (off) to 256 pages");
        ac->readahead = (unsigned)n;
    } else if (!strcmp(a, "--batch")) {
        if (n < 1 || n > 1u << 20)
            return bad(cmd, a, v, "must be 1..1048576 pages");
        ac->reclaim_batch = (unsigned)n;
    } else if (!strcmp(a, "--series")) {
        ac->series_every = n;
        o->series_set = 1;
        return 1;
    } else if (!strcmp(a, "--ws-tau")) {
        if (n < 1)
            return bad(cmd, a, v, "must be >= 1 access");
        ac->ws_tau = n;
    } else if (!strcmp(a, "--lfu-tick")) {
        if (n < 1)
            return bad(cmd, a, v, "must be >= 1 access");
        ac->tick = n;
    } else { /* --lfu-decay */
        if (n < 1 || n > 1u << 30)
            return bad(cmd, a, v, "must be 1..2^30 ticks");
        ac->lfu_decay = (unsigned)n;
    }
    return pressure(o, a);
}

int osrun_finish(const char *cmd, osrun_opts_t *o, mmu_aspace_cfg_t *ac, unsigned cfg_freq_mhz)
{
    if (!o->mem_set && o->pressure_opts) {
        fprintf(stderr, "%s: %s needs --mem SIZE (memory pressure options)\n", cmd,
                o->first_pressure_opt);
        return 2;
    }
    if (o->mem_set && !o->series_set)
        ac->series_every = 1000000;
    o->freq_from_cfg = cfg_freq_mhz;
    ac->freq_mhz = cfg_freq_mhz ? cfg_freq_mhz : 4000;
    return 0;
}

int osrun_future(const char *trace, const char *format, uint64_t max, mmu_repl_future_t **out,
                 char *msg, size_t len)
{
    mmu_trace_reader_t *tr = NULL;
    *out = NULL;
    if (mmu_trace_open(trace, format, &tr, msg, len))
        return 2;
    mmu_repl_future_t *f = NULL;
    if (mmu_repl_future_create(&f)) {
        mmu_trace_close(tr);
        snprintf(msg, len, "out of memory");
        return 2;
    }
    mmu_trec_t rec;
    int r = 0, rc = 0;
    while ((!max || mmu_repl_future_len(f) < max) && (r = mmu_trace_next(tr, &rec)) > 0)
        if (rec.kind == MMU_TREC_ACCESS && (rc = mmu_repl_future_add(f, rec.la >> 12)) != 0)
            break;
    if (r < 0)
        snprintf(msg, len, "%s", mmu_trace_error(tr));
    else if (rc)
        snprintf(msg, len, "%s: OPT's offline pass: %s", trace,
                 rc == MMU_ERANGE ? "more than 2^32 - 2 accesses" : "out of memory");
    mmu_trace_close(tr);
    if (r < 0 || rc) {
        mmu_repl_future_destroy(f);
        return 2;
    }
    *out = f;
    return 0;
}

static double per_k(uint64_t a, uint64_t n)
{
    return n ? 1000.0 * (double)a / (double)n : 0.0;
}

static const char *wmark_mode_name(unsigned m)
{
    return m == MMU_WMARK_NONE ? "none" : m == MMU_WMARK_SET ? "set" : "auto";
}

static void dev_line(FILE *f, const mmu_blkdev_t *d)
{
    fprintf(f, "%.1f us read / %.1f us write", (double)d->cfg.read_ns / 1000.0,
            (double)d->cfg.write_ns / 1000.0);
    if (d->cfg.mb_per_s)
        fprintf(f, " + 4 KiB at %" PRIu64 " MB/s", d->cfg.mb_per_s);
    fprintf(f, d->cfg.queued ? ", one queue" : ", CPU work, no queue");
}

void osrun_report(FILE *f, const mmu_aspace_t *as, const mmu_aspace_cfg_t *ac,
                  const osrun_opts_t *o, const mmu_aspace_stats_t *s, uint64_t counted,
                  uint64_t cycles)
{
    if (!ac->mem_bytes)
        return;
    char b[32];
    uint64_t wmin, wlow, whigh, frames;
    mmu_aspace_wmarks(as, &wmin, &wlow, &whigh, &frames);
    fprintf(f, "memory: %s = %" PRIu64 " frames, page tables %s; watermarks (pages, %s) min %" PRIu64
               " low %" PRIu64 " high %" PRIu64 "; core %u MHz (%s)\n",
            runlib_bytes_str(ac->mem_bytes, b, sizeof b), frames,
            ac->tables_in_mem ? "in it" : "outside it", wmark_mode_name(ac->wmark_mode), wmin,
            wlow, whigh, ac->freq_mhz,
            o->freq_from_cfg ? "the configuration's frequency_mhz"
                             : "default: the configuration gives no frequency");
    fprintf(f, "reclaim: %s, swappiness %u, kswapd %s, %u pages a round, A bits cleared %s; "
               "readahead %u page%s; files %s\n",
            mmu_repl_get(ac->repl)->name, ac->swappiness, ac->kswapd ? "on" : "off",
            ac->reclaim_batch, ac->flush_young ? "with a TLB flush" : "without a flush",
            ac->readahead, ac->readahead == 1 ? " (off)" : "s",
            ac->files_cached ? "cached at start" : "cold");
    const mmu_swap_t *sw = mmu_aspace_swap(as);
    if (!sw) {
        fprintf(f, "swap: none (anonymous pages stay in memory)\n");
    } else {
        for (unsigned i = 0; i < mmu_swap_areas(sw); i++) {
            mmu_swap_area_info_t ai;
            mmu_swap_get_area(sw, i, &ai);
            fprintf(f, "swap area %u: %s, prio %d, %s (", i + 1,
                    runlib_bytes_str((ai.slots + 1) * 4096, b, sizeof b), ai.prio,
                    mmu_blkdev_name(ac->swap_dev));
            dev_line(f, ai.dev);
            fprintf(f, "): %" PRIu64 " of %" PRIu64 " slots in use, %" PRIu64
                       " clusters taken whole, %" PRIu64 " slots from partly used ones; %" PRIu64
                       " writes, %" PRIu64 " reads (%" PRIu64 " pages), %" PRIu64
                       " cycles queued\n",
                    ai.used, ai.slots, ai.clusters_taken, ai.scattered, ai.dev->writes,
                    ai.dev->reads, ai.dev->pages_read, ai.dev->queue_cycles);
        }
    }
    const mmu_blkdev_t *fd = mmu_aspace_file_dev(as);
    fprintf(f, "file device: %s (", mmu_blkdev_name(ac->file_dev));
    dev_line(f, fd);
    fprintf(f, "): %" PRIu64 " reads, %" PRIu64 " writes\n", fd->reads, fd->writes);
    uint64_t faults = s->minor_faults + s->major_faults;
    fprintf(f, "faults: %" PRIu64 " (%.3f per 1000 accesses): minor %" PRIu64 " (first touch %" PRIu64
               ", swap cache %" PRIu64 ", copy on write %" PRIu64 "), major %" PRIu64
               " (swap-in %" PRIu64 ", file %" PRIu64 "); invalid %" PRIu64 "\n",
            faults, per_k(faults, counted), s->minor_faults, s->first_touches, s->swapcache_hits,
            s->cow_faults, s->major_faults, s->swap_ins, s->file_reads, s->invalid_faults);
    fprintf(f, "paging: %" PRIu64 " swap-outs, %" PRIu64 " clean anonymous drops, %" PRIu64
               " file drops, %" PRIu64 " write-backs; %" PRIu64 " refaults (%" PRIu64
               " started hot); readahead %" PRIu64 " pages (%" PRIu64 " used); %" PRIu64
               " THP splits\n",
            s->swap_outs, s->clean_drops, s->file_drops, s->writebacks, s->refaults,
            s->refaults_active, s->readahead_pages, s->readahead_hits, s->thp_splits);
    fprintf(f, "reclaim: kswapd woken %" PRIu64 " times, scanned %" PRIu64 ", reclaimed %" PRIu64
               ", %" PRIu64 " shootdowns, busy %" PRIu64 " cycles (not charged); direct %" PRIu64
               " times, scanned %" PRIu64 ", reclaimed %" PRIu64 ", %" PRIu64
               " invalidations, %" PRIu64 " waits for a write; aging %" PRIu64
               " A-bit checks; %" PRIu64 " promoted, %" PRIu64 " demoted; %" PRIu64
               " OOM kills\n",
            s->kswapd_wakeups, s->kswapd_scanned, s->kswapd_reclaimed, s->shootdowns,
            s->kswapd_cycles, s->direct_reclaims, s->direct_scanned, s->direct_reclaimed,
            s->reclaim_invlpg, s->writeback_waits, s->aging_checks, s->activations,
            s->deactivations, s->oom_kills);
    fprintf(f, "time: %" PRIu64 " cycles; of them in fault handlers %" PRIu64 ", waiting for reads %"
               PRIu64 ", in direct reclaim %" PRIu64 "\n",
            cycles, s->fault_cycles, s->io_wait_cycles, s->reclaim_cycles);
    fprintf(f, "now: %" PRIu64 " pages resident, %" PRIu64 " frames free, %" PRIu64
               " page-table frames, %" PRIu64 " swap slots in use, %" PRIu64
               " page-cache pages, %" PRIu64 " swap-cache pages\n",
            s->resident_pages, s->free_frames, s->table_frames, s->swap_used,
            s->page_cache_pages, s->swap_cache_pages);
    const mmu_aspace_sample_t *sm;
    size_t ns = mmu_aspace_series(as, &sm);
    if (ns) {
        uint64_t smin = UINT64_MAX, smax = 0, wsum = 0, rmax = 0;
        for (size_t i = 0; i < ns; i++) {
            smin = sm[i].wss < smin ? sm[i].wss : smin;
            smax = sm[i].wss > smax ? sm[i].wss : smax;
            rmax = sm[i].resident > rmax ? sm[i].resident : rmax;
            wsum += sm[i].wss;
        }
        fprintf(f, "series: %zu samples, one every %" PRIu64 " accesses: working set (distinct "
                   "pages touched in the interval) min %" PRIu64 ", mean %.1f, max %" PRIu64
                   "; resident at most %" PRIu64 " pages (--json / --series-csv for all)\n",
                ns, ac->series_every, smin, (double)wsum / (double)ns, smax, rmax);
    }
    for (unsigned p = 0; p < ac->nproc && ac->nproc > 1; p++) {
        mmu_aspace_proc_info_t pi;
        mmu_aspace_get_proc(as, p, &pi);
        fprintf(f, "process %u: %" PRIu64 " pages resident, %" PRIu64 " swapped, %" PRIu64
                   " table frames%s",
                p, pi.rss, pi.swap, pi.tables, pi.killed ? ", ended by the OOM killer" : "");
        if (pi.killed)
            fprintf(f, " at access %" PRIu64, pi.killed_at);
        fputc('\n', f);
    }
    const mmu_aspace_event_t *ev;
    size_t n = mmu_aspace_events(as, &ev);
    for (size_t i = 0; i < n; i++) {
        if (ev[i].kind == MMU_EV_SIGSEGV)
            fprintf(f, "SIGSEGV: process %u, access %" PRIu64 ", address 0x%" PRIx64
                       ", #PF error code 0x%x\n",
                    ev[i].proc, ev[i].access, ev[i].va, ev[i].error_code);
        else
            fprintf(f, "OOM killer: ended process %u at access %" PRIu64 " (%" PRIu64
                       " resident + %" PRIu64 " swapped + %" PRIu64
                       " table pages: the most of any process)\n",
                    ev[i].proc, ev[i].access, ev[i].rss, ev[i].swap, ev[i].tables);
    }
    if (s->invalid_faults > 16 && n)
        fprintf(f, "(the first 16 invalid accesses are listed)\n");
}

void osrun_json(FILE *f, const mmu_aspace_t *as, const mmu_aspace_cfg_t *ac,
                const osrun_opts_t *o)
{
    if (!ac->mem_bytes)
        return;
    uint64_t wmin, wlow, whigh, frames;
    mmu_aspace_wmarks(as, &wmin, &wlow, &whigh, &frames);
    fprintf(f,
            "\"memory\": {\"bytes\": %" PRIu64 ", \"frames\": %" PRIu64
            ", \"tables_in_mem\": %u, \"watermarks\": \"%s\", \"wmark_min\": %" PRIu64
            ", \"wmark_low\": %" PRIu64 ", \"wmark_high\": %" PRIu64
            ", \"reclaim\": \"%s\", \"swappiness\": %u, \"kswapd\": %u, \"batch\": %u"
            ", \"readahead\": %u, \"flush_young\": %u, \"freq_mhz\": %u, \"freq_from\": \"%s\""
            ", \"swap_dev\": \"%s\", \"file_dev\": \"%s\", \"swap\": [",
            ac->mem_bytes, frames, ac->tables_in_mem, wmark_mode_name(ac->wmark_mode), wmin,
            wlow, whigh, mmu_repl_get(ac->repl)->name, ac->swappiness, ac->kswapd,
            ac->reclaim_batch, ac->readahead, ac->flush_young, ac->freq_mhz,
            o->freq_from_cfg ? "config" : "default", mmu_blkdev_name(ac->swap_dev),
            mmu_blkdev_name(ac->file_dev));
    const mmu_swap_t *sw = mmu_aspace_swap(as);
    for (unsigned i = 0; i < mmu_swap_areas(sw); i++) {
        mmu_swap_area_info_t ai;
        mmu_swap_get_area(sw, i, &ai);
        fprintf(f,
                "%s{\"slots\": %" PRIu64 ", \"used\": %" PRIu64 ", \"prio\": %d"
                ", \"clusters_taken\": %" PRIu64 ", \"scattered\": %" PRIu64
                ", \"writes\": %" PRIu64 ", \"reads\": %" PRIu64 ", \"pages_read\": %" PRIu64
                ", \"queue_cycles\": %" PRIu64 "}",
                i ? ", " : "", ai.slots, ai.used, ai.prio, ai.clusters_taken, ai.scattered,
                ai.dev->writes, ai.dev->reads, ai.dev->pages_read, ai.dev->queue_cycles);
    }
    fputs("]},\n\"processes\": [", f);
    for (unsigned p = 0; p < ac->nproc; p++) {
        mmu_aspace_proc_info_t pi;
        mmu_aspace_get_proc(as, p, &pi);
        fprintf(f,
                "%s{\"rss\": %" PRIu64 ", \"swap\": %" PRIu64 ", \"tables\": %" PRIu64
                ", \"killed\": %d, \"killed_at\": %" PRIu64 "}",
                p ? ", " : "", pi.rss, pi.swap, pi.tables, pi.killed, pi.killed_at);
    }
    fputs("],\n\"events\": [", f);
    const mmu_aspace_event_t *ev;
    size_t n = mmu_aspace_events(as, &ev);
    for (size_t i = 0; i < n; i++)
        fprintf(f,
                "%s{\"kind\": \"%s\", \"proc\": %u, \"access\": %" PRIu64 ", \"va\": %" PRIu64
                ", \"error_code\": %u, \"rss\": %" PRIu64 ", \"swap\": %" PRIu64
                ", \"tables\": %" PRIu64 "}",
                i ? ", " : "", ev[i].kind == MMU_EV_SIGSEGV ? "sigsegv" : "oom", ev[i].proc,
                ev[i].access, ev[i].va, ev[i].error_code, ev[i].rss, ev[i].swap, ev[i].tables);
    fputs("],\n\"series\": [", f);
    const mmu_aspace_sample_t *sm;
    n = mmu_aspace_series(as, &sm);
    for (size_t i = 0; i < n; i++)
        fprintf(f,
                "%s{\"access\": %" PRIu64 ", \"cycle\": %" PRIu64 ", \"resident\": %" PRIu64
                ", \"free\": %" PRIu64 ", \"swap_used\": %" PRIu64 ", \"wss\": %" PRIu64
                ", \"minor\": %" PRIu64 ", \"major\": %" PRIu64 "}",
                i ? ",\n  " : "", sm[i].access, sm[i].cycle, sm[i].resident, sm[i].free,
                sm[i].swap_used, sm[i].wss, sm[i].minor, sm[i].major);
    fputs("],\n", f);
}

int osrun_series_csv(const char *cmd, const char *path, const mmu_aspace_t *as)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
        fprintf(stderr, "%s: --series-csv %s: path too long\n", cmd, path);
        return 2;
    }
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "%s: cannot write %s: %s\n", cmd, tmp, strerror(errno));
        return 2;
    }
    fputs("access,cycle,resident,free,swap_used,wss,minor,major\n", f);
    const mmu_aspace_sample_t *sm;
    size_t n = mmu_aspace_series(as, &sm);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
                   ",%" PRIu64 "\n",
                sm[i].access, sm[i].cycle, sm[i].resident, sm[i].free, sm[i].swap_used,
                sm[i].wss, sm[i].minor, sm[i].major);
    if (fclose(f) || rename(tmp, path)) {
        fprintf(stderr, "%s: cannot write %s: %s\n", cmd, path, strerror(errno));
        remove(tmp);
        return 2;
    }
    return 0;
}
