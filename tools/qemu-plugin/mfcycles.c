/*
 * mfcycles: a QEMU TCG plugin that counts executed guest instructions by class (decode.h), per
 * address range, between two executions of a marker instruction.
 *
 *   qemu-system-arm ... -plugin libmfcycles.so,out=FILE,mark=0xADDR[,ranges=FILE]
 *
 * mark    the first instruction of the firmware's counter read (mf_counter_now). The firmware reads
 *         its counter before and after what it measures, so the marker toggles a *window*: the
 *         first execution opens one, the next closes it. A window holds exactly the instructions
 *         the firmware's own counter spans (the counter is read at the same point of both calls).
 * ranges  address ranges to attribute counts to, one "lo hi" (hex, half-open) per line, sorted and
 *         disjoint (the firmware's functions); instructions outside all of them go to row `n`.
 * out     where each closed window is appended as a block, flushed before the guest goes on:
 *             mfcycles 1 ranges=<n> events=<name>,<name>,...      (once, first line)
 *             w <seq>
 *             r <range> <count per event, in the header's order>  (rows with a nonzero count)
 *             e <seq>
 *
 * Counting uses inline per-vCPU scoreboard additions at every instruction (no helper calls), with
 * the class and range fixed at translation time. Conditional control transfers are resolved at
 * run time: the branch stores its id in a scoreboard slot and the next block to start (a
 * conditional callback that fires only while that slot is set) compares its address with the
 * branch's fall-through address.
 * One vCPU (Cortex-M): the tables are shared without locks.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "qemu_plugin_api.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = MFC_QEMU_PLUGIN_API_VERSION;

typedef struct {
    uint64_t lo, hi;
} range;

typedef struct {
    uint64_t fallthrough; /* address after the branch */
    uint64_t vaddr;       /* the branch (key of the lookup table) */
    size_t slot;          /* scoreboard slot of its COND_TAKEN counter */
} branch_rec;

static FILE *out;
static range *ranges;
static size_t n_ranges;
static uint64_t mark;
static struct qemu_plugin_scoreboard *score;
static size_t n_counters;   /* (n_ranges + 1) * MFC_N_EVENTS */
static size_t pending_slot; /* id + 1 of the last conditional branch executed, 0 when resolved */
static uint64_t *snapshot;
static int window_open;
static uint64_t window_seq;
static branch_rec *branches;
static size_t n_branches, cap_branches;
static size_t *branch_index; /* open addressing: index + 1 into branches, 0 = empty */
static size_t index_cap;

/* Problems with the arguments go to stderr: QEMU only says that the install failed. */
static void say(const char *fmt, const char *arg) { fprintf(stderr, fmt, arg); }

static qemu_plugin_u64 entry(size_t slot)
{
    qemu_plugin_u64 e = {score, slot * sizeof(uint64_t)};
    return e;
}

static size_t range_of(uint64_t vaddr)
{
    size_t lo = 0, hi = n_ranges;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2u;
        if (vaddr < ranges[mid].lo) {
            hi = mid;
        } else if (vaddr >= ranges[mid].hi) {
            lo = mid + 1u;
        } else {
            return mid;
        }
    }
    return n_ranges;
}

static size_t hash(uint64_t v, size_t cap) { return (size_t)((v >> 1) * 0x9E3779B97F4A7C15ull) & (cap - 1u); }

static int grow_index(void)
{
    const size_t cap = index_cap ? index_cap * 2u : 1024u;
    size_t *idx = calloc(cap, sizeof *idx);
    if (!idx) {
        return -1;
    }
    for (size_t i = 0; i < n_branches; ++i) {
        size_t h = hash(branches[i].vaddr, cap);
        while (idx[h]) {
            h = (h + 1u) & (cap - 1u);
        }
        idx[h] = i + 1u;
    }
    free(branch_index);
    branch_index = idx;
    index_cap = cap;
    return 0;
}

/* The id (>= 1) of the conditional transfer at `vaddr`, the same on every retranslation. */
static uint64_t branch_id(uint64_t vaddr, uint64_t fallthrough, size_t slot)
{
    if ((n_branches + 1u) * 2u > index_cap && grow_index() != 0) {
        return 0;
    }
    size_t h = hash(vaddr, index_cap);
    for (; branch_index[h]; h = (h + 1u) & (index_cap - 1u)) {
        branch_rec *b = &branches[branch_index[h] - 1u];
        if (b->vaddr == vaddr) {
            b->fallthrough = fallthrough;
            b->slot = slot;
            return branch_index[h];
        }
    }
    if (n_branches == cap_branches) {
        const size_t cap = cap_branches ? cap_branches * 2u : 1024u;
        branch_rec *grown = realloc(branches, cap * sizeof *grown);
        if (!grown) {
            return 0;
        }
        branches = grown;
        cap_branches = cap;
    }
    branches[n_branches].vaddr = vaddr;
    branches[n_branches].fallthrough = fallthrough;
    branches[n_branches].slot = slot;
    branch_index[h] = ++n_branches;
    return n_branches;
}

/* A block starts while a conditional transfer is unresolved: taken unless this is its fall-through. */
static void resolve_branch(unsigned int vcpu, void *userdata)
{
    uint64_t *s = qemu_plugin_scoreboard_find(score, vcpu);
    const uint64_t id = s[pending_slot];
    s[pending_slot] = 0;
    if (id == 0u || id > n_branches) {
        return;
    }
    const branch_rec *b = &branches[id - 1u];
    if ((uint64_t)(uintptr_t)userdata != b->fallthrough) {
        s[b->slot]++;
    }
}

static void write_window(const uint64_t *now)
{
    fprintf(out, "w %" PRIu64 "\n", window_seq);
    for (size_t r = 0; r <= n_ranges; ++r) {
        const uint64_t *a = now + r * MFC_N_EVENTS, *b = snapshot + r * MFC_N_EVENTS;
        int any = 0;
        for (size_t e = 0; e < MFC_N_EVENTS && !any; ++e) {
            any = a[e] != b[e];
        }
        if (!any) {
            continue;
        }
        fprintf(out, "r %zu", r);
        for (size_t e = 0; e < MFC_N_EVENTS; ++e) {
            fprintf(out, " %" PRIu64, a[e] - b[e]);
        }
        fputc('\n', out);
    }
    fprintf(out, "e %" PRIu64 "\n", window_seq);
    fflush(out);
    window_seq++;
}

static void on_mark(unsigned int vcpu, void *userdata)
{
    (void)userdata;
    const uint64_t *s = qemu_plugin_scoreboard_find(score, vcpu);
    if (!window_open) {
        memcpy(snapshot, s, n_counters * sizeof *snapshot);
        window_open = 1;
    } else {
        write_window(s);
        window_open = 0;
    }
}

static void translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    const size_t n = qemu_plugin_tb_n_insns(tb);
    mfc_decoder dec;
    mfc_decoder_reset(&dec);
    qemu_plugin_register_vcpu_tb_exec_cond_cb(tb, resolve_branch, QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_COND_NE,
                                              entry(pending_slot), 0,
                                              (void *)(uintptr_t)qemu_plugin_tb_vaddr(tb));
    for (size_t i = 0; i < n; ++i) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        const uint64_t vaddr = qemu_plugin_insn_vaddr(insn);
        uint8_t code[4] = {0, 0, 0, 0};
        const size_t len = qemu_plugin_insn_data(insn, code, sizeof code);
        mfc_insn d;
        if (mfc_decode(&dec, code, len, &d) != 0) {
            d.cls = MFC_EV_UNKNOWN;
            d.n_extras = 0;
            d.conditional_pc_write = 0;
            d.size = (uint8_t)qemu_plugin_insn_size(insn);
        }
        const size_t row = range_of(vaddr) * MFC_N_EVENTS;
        if (mark && vaddr == mark) { /* before this instruction's own counts: it opens the window */
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_mark, QEMU_PLUGIN_CB_NO_REGS, NULL);
        }
        qemu_plugin_register_vcpu_insn_exec_inline_per_vcpu(insn, QEMU_PLUGIN_INLINE_ADD_U64, entry(row + d.cls), 1);
        for (unsigned k = 0; k < d.n_extras; ++k) {
            qemu_plugin_register_vcpu_insn_exec_inline_per_vcpu(insn, QEMU_PLUGIN_INLINE_ADD_U64,
                                                                entry(row + d.extra[k]), d.extra_count[k]);
        }
        if (d.conditional_pc_write) {
            const uint64_t bid = branch_id(vaddr, vaddr + d.size, row + MFC_EV_COND_TAKEN);
            if (bid) {
                qemu_plugin_register_vcpu_insn_exec_inline_per_vcpu(insn, QEMU_PLUGIN_INLINE_STORE_U64,
                                                                    entry(pending_slot), bid);
            }
        }
    }
}

static void at_exit(qemu_plugin_id_t id, void *userdata)
{
    (void)id;
    (void)userdata;
    if (out) {
        fclose(out);
        out = NULL;
    }
}

static int load_ranges(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        say("mfcycles: cannot read ranges file %s\n", path);
        return -1;
    }
    size_t cap = 0;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        char *end;
        const uint64_t lo = strtoull(line, &end, 16);
        if (end == line) {
            continue;
        }
        char *p = end;
        const uint64_t hi = strtoull(p, &end, 16);
        if (end == p || hi <= lo || (n_ranges && lo < ranges[n_ranges - 1u].hi)) {
            fclose(f);
            say("mfcycles: ranges must be 'lo hi' lines, sorted and disjoint: %s", line);
            return -1;
        }
        if (n_ranges == cap) {
            cap = cap ? cap * 2u : 256u;
            range *grown = realloc(ranges, cap * sizeof *grown);
            if (!grown) {
                fclose(f);
                return -1;
            }
            ranges = grown;
        }
        ranges[n_ranges].lo = lo;
        ranges[n_ranges].hi = hi;
        n_ranges++;
    }
    fclose(f);
    return 0;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
    const char *out_path = NULL;
    if (info->system_emulation && info->system.max_vcpus > 1) {
        fputs("mfcycles: one vCPU only (Cortex-M)\n", stderr);
        return -1;
    }
    for (int i = 0; i < argc; ++i) {
        if (strncmp(argv[i], "out=", 4) == 0) {
            out_path = argv[i] + 4;
        } else if (strncmp(argv[i], "mark=", 5) == 0) {
            char *end;
            errno = 0;
            mark = strtoull(argv[i] + 5, &end, 0) & ~(uint64_t)1u; /* drop the Thumb bit */
            if (errno || *end || !mark) {
                say("mfcycles: bad mark address %s\n", argv[i]);
                return -1;
            }
        } else if (strncmp(argv[i], "ranges=", 7) == 0) {
            if (load_ranges(argv[i] + 7) != 0) {
                return -1;
            }
        } else {
            say("mfcycles: unknown argument %s (out=FILE, mark=ADDR, ranges=FILE)\n", argv[i]);
            return -1;
        }
    }
    if (!out_path || !mark) {
        fputs("mfcycles: needs out=FILE and mark=ADDR\n", stderr);
        return -1;
    }
    out = fopen(out_path, "w");
    if (!out) {
        say("mfcycles: cannot write %s\n", out_path);
        return -1;
    }
    n_counters = (n_ranges + 1u) * MFC_N_EVENTS;
    pending_slot = n_counters;
    snapshot = calloc(n_counters, sizeof *snapshot);
    score = qemu_plugin_scoreboard_new((n_counters + 1u) * sizeof(uint64_t));
    if (!snapshot || !score) {
        fputs("mfcycles: out of memory\n", stderr);
        return -1;
    }
    fprintf(out, "mfcycles 1 ranges=%zu events=", n_ranges);
    for (int e = 0; e < MFC_N_EVENTS; ++e) {
        fprintf(out, "%s%s", e ? "," : "", mfc_event_name((enum mfc_event)e));
    }
    fputc('\n', out);
    fflush(out);
    qemu_plugin_register_vcpu_tb_trans_cb(id, translate);
    qemu_plugin_register_atexit_cb(id, at_exit, NULL);
    return 0;
}
