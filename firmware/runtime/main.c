/*
 * The mcuforge runtime: drives one generated model over the device protocol (docs/PROTOCOL.md).
 * The model and the build facts come from the generated "mf_app.h":
 *   MF_APP_MODEL        the model descriptor (an mf_model)
 *   MF_APP_INPUT_BYTES  total bytes of all model inputs (the staging buffer)
 *   MF_FW_VERSION       mcuforge's version string
 */
#include <stdint.h>
#include <string.h>

#include "mcuforge/board.h"
#include "mcuforge/model.h"
#include "mcuforge/protocol.h"
#include "mcuforge/runtime.h"
#include "mf_app.h"
#include "mf_board_config.h"
#include "selftest.h"

#define MF_MAX_INFER_BATCH 64u
#define MF_MAX_PROFILE_BATCH 32u
#define MF_MAX_CHUNK 256u

static mf_frame g_tx;
static char g_rx[MF_PROTO_RX_MAX];
#ifndef MF_STAGING_SECTION
#define MF_STAGING_SECTION
#endif
static uint8_t g_staging[MF_APP_INPUT_BYTES > 0 ? MF_APP_INPUT_BYTES : 1] __attribute__((aligned(16)))
    MF_STAGING_SECTION;
static uint32_t g_loaded[MF_MAX_TENSORS_LOADED];

static const mf_model *model(void) { return &MF_APP_MODEL; }

static uint32_t staging_offset(uint32_t input)
{
    uint32_t off = 0;
    for (uint32_t i = 0; i < input; ++i) {
        off += (model()->inputs[i].bytes + 15u) & ~15u;
    }
    return off;
}

static void copy_inputs(void)
{
    const mf_model *m = model();
    for (uint32_t i = 0; i < m->n_inputs; ++i) {
        memcpy(m->inputs[i].data, g_staging + staging_offset(i), m->inputs[i].bytes);
    }
}

static void reply_err(uint8_t seq, int code, const char *msg)
{
    mf_frame_begin(&g_tx);
    mf_frame_str(&g_tx, "err ");
    mf_frame_u64(&g_tx, (uint64_t)code);
    mf_frame_char(&g_tx, ' ');
    mf_frame_str(&g_tx, msg);
    mf_frame_send(&g_tx, '<', seq);
}

static void reply_ok_begin(void)
{
    mf_frame_begin(&g_tx);
    mf_frame_str(&g_tx, "ok");
}

static void kv_u64(const char *key, uint64_t v)
{
    mf_frame_char(&g_tx, ' ');
    mf_frame_str(&g_tx, key);
    mf_frame_char(&g_tx, '=');
    mf_frame_u64(&g_tx, v);
}

static void kv_str(const char *key, const char *v)
{
    mf_frame_char(&g_tx, ' ');
    mf_frame_str(&g_tx, key);
    mf_frame_char(&g_tx, '=');
    mf_frame_str(&g_tx, v);
}

static void tensor_desc(const char *kind, uint32_t k, const mf_tensor *t)
{
    union {
        float f;
        uint32_t u;
    } bits;
    bits.f = t->scale;
    mf_frame_char(&g_tx, ' ');
    mf_frame_str(&g_tx, kind);
    mf_frame_u64(&g_tx, k);
    mf_frame_char(&g_tx, '=');
    mf_frame_u64(&g_tx, (uint64_t)t->type);
    mf_frame_char(&g_tx, ':');
    for (int32_t d = 0; d < t->rank; ++d) {
        if (d) {
            mf_frame_char(&g_tx, 'x');
        }
        mf_frame_u64(&g_tx, (uint64_t)t->dims[d]);
    }
    mf_frame_char(&g_tx, ':');
    mf_frame_u64(&g_tx, t->bytes);
    mf_frame_char(&g_tx, ':');
    mf_frame_hex32(&g_tx, bits.u);
    mf_frame_char(&g_tx, ':');
    mf_frame_i32(&g_tx, t->zero_point);
}

static void cmd_ping(uint8_t seq, const char *a, const char *end)
{
    (void)a;
    (void)end;
    reply_ok_begin();
    mf_frame_send(&g_tx, '<', seq);
}

static void cmd_info(uint8_t seq, const char *a, const char *end)
{
    (void)a;
    (void)end;
    const mf_model *m = model();
    reply_ok_begin();
    kv_u64("proto", MF_PROTO_VERSION);
    kv_str("fw", MF_FW_VERSION);
    kv_str("board", MF_BOARD_NAME);
    kv_str("model", m->name);
    kv_str("sha256", m->sha256);
    kv_u64("arena", m->arena_bytes);
    kv_u64("cpu_hz", MF_CPU_HZ);
    kv_str("counter", mf_counter_source());
    kv_u64("counter_hz", mf_counter_hz());
    kv_u64("inputs", m->n_inputs);
    kv_u64("outputs", m->n_outputs);
    kv_u64("ops", m->n_ops);
    kv_u64("macs", m->macs);
    kv_u64("stack", mf_stack_size());
    for (uint32_t i = 0; i < m->n_inputs; ++i) {
        tensor_desc("in", i, &m->inputs[i]);
    }
    for (uint32_t i = 0; i < m->n_outputs; ++i) {
        tensor_desc("out", i, &m->outputs[i]);
    }
    mf_frame_send(&g_tx, '<', seq);
}

static void cmd_load(uint8_t seq, const char *a, const char *end)
{
    static uint8_t chunk[MF_MAX_CHUNK];
    uint32_t input, offset, n;
    if (mf_parse_u32(&a, end, &input) || mf_parse_u32(&a, end, &offset) ||
        mf_parse_hexbytes(&a, end, chunk, MF_MAX_CHUNK, &n) || a != end) {
        reply_err(seq, MF_ERR_ARGUMENT, "usage: load <input> <offset> <hex>");
        return;
    }
    const mf_model *m = model();
    if (input >= m->n_inputs || input >= MF_MAX_TENSORS_LOADED) {
        reply_err(seq, MF_ERR_RANGE, "no such input");
        return;
    }
    if (offset > m->inputs[input].bytes || n > m->inputs[input].bytes - offset) {
        reply_err(seq, MF_ERR_RANGE, "past the end of the input");
        return;
    }
    memcpy(g_staging + staging_offset(input) + offset, chunk, n);
    if (offset == 0) {
        g_loaded[input] = 0;
    }
    g_loaded[input] = offset + n > g_loaded[input] ? offset + n : g_loaded[input];
    reply_ok_begin();
    mf_frame_char(&g_tx, ' ');
    mf_frame_u64(&g_tx, g_loaded[input]);
    mf_frame_send(&g_tx, '<', seq);
}

static int run_once(uint64_t *count)
{
    copy_inputs();
    mf_counter_align();
    const uint64_t t0 = mf_counter_now();
    mf_timing_pin(1);
    const int rc = model()->invoke();
    mf_timing_pin(0);
    const uint64_t t1 = mf_counter_now();
    *count = t1 - t0;
    return rc == MF_INVOKE_STOPPED ? 0 : rc; /* a streaming op ending the invoke early is not an error */
}

static void cmd_infer(uint8_t seq, const char *a, const char *end)
{
    static uint64_t counts[MF_MAX_INFER_BATCH];
    uint32_t n, warmup;
    if (mf_parse_u32(&a, end, &n) || mf_parse_u32(&a, end, &warmup) || a != end) {
        reply_err(seq, MF_ERR_ARGUMENT, "usage: infer <n> <warmup>");
        return;
    }
    if (n < 1 || n > MF_MAX_INFER_BATCH) {
        reply_err(seq, MF_ERR_RANGE, "n must be 1..64");
        return;
    }
    uint64_t c;
    if (warmup && run_once(&c) != 0) {
        reply_err(seq, MF_ERR_MODEL, "invoke failed");
        return;
    }
    for (uint32_t i = 0; i < n; ++i) {
        if (run_once(&counts[i]) != 0) {
            reply_err(seq, MF_ERR_MODEL, "invoke failed");
            return;
        }
    }
    reply_ok_begin();
    kv_u64("n", n);
    mf_frame_str(&g_tx, " c=");
    for (uint32_t i = 0; i < n; ++i) {
        if (i) {
            mf_frame_char(&g_tx, ',');
        }
        mf_frame_u64(&g_tx, counts[i]);
    }
    mf_frame_send(&g_tx, '<', seq);
}

static void cmd_results(uint8_t seq, const char *a, const char *end)
{
    uint32_t output, offset, len;
    if (mf_parse_u32(&a, end, &output) || mf_parse_u32(&a, end, &offset) || mf_parse_u32(&a, end, &len) ||
        a != end) {
        reply_err(seq, MF_ERR_ARGUMENT, "usage: results <output> <offset> <len>");
        return;
    }
    const mf_model *m = model();
    if (output >= m->n_outputs) {
        reply_err(seq, MF_ERR_RANGE, "no such output");
        return;
    }
    if (len > MF_MAX_CHUNK || offset > m->outputs[output].bytes || len > m->outputs[output].bytes - offset) {
        reply_err(seq, MF_ERR_RANGE, "past the end of the output");
        return;
    }
    reply_ok_begin();
    mf_frame_char(&g_tx, ' ');
    mf_frame_hexbytes(&g_tx, (const uint8_t *)m->outputs[output].data + offset, len);
    mf_frame_send(&g_tx, '<', seq);
}

static void cmd_profile(uint8_t seq, const char *a, const char *end)
{
    static uint64_t counts[MF_MAX_PROFILE_BATCH];
    uint32_t start;
    if (mf_parse_u32(&a, end, &start) || a != end) {
        reply_err(seq, MF_ERR_ARGUMENT, "usage: profile <start>");
        return;
    }
    const mf_model *m = model();
    if (start > m->n_ops) {
        reply_err(seq, MF_ERR_RANGE, "start past the last operator");
        return;
    }
    copy_inputs();
    uint32_t k = 0;
    for (uint32_t i = 0; i < m->n_ops; ++i) {
        mf_counter_align();
        const uint64_t t0 = mf_counter_now();
        mf_timing_pin(1);
        const int rc = m->run_op(i);
        mf_timing_pin(0);
        const uint64_t t1 = mf_counter_now();
        if (rc != 0) {
            reply_err(seq, MF_ERR_MODEL, "run_op failed");
            return;
        }
        if (i >= start && k < MF_MAX_PROFILE_BATCH) {
            counts[k++] = t1 - t0;
        }
    }
    reply_ok_begin();
    kv_u64("n", m->n_ops);
    kv_u64("start", start);
    mf_frame_str(&g_tx, " c=");
    for (uint32_t i = 0; i < k; ++i) {
        if (i) {
            mf_frame_char(&g_tx, ',');
        }
        mf_frame_u64(&g_tx, counts[i]);
    }
    mf_frame_send(&g_tx, '<', seq);
}

static void cmd_reset(uint8_t seq, const char *a, const char *end)
{
    (void)a;
    (void)end;
    model()->reset();
    reply_ok_begin();
    mf_frame_send(&g_tx, '<', seq);
}

static void cmd_stack(uint8_t seq, const char *a, const char *end)
{
    (void)a;
    (void)end;
    reply_ok_begin();
    kv_u64("used", mf_stack_used());
    kv_u64("size", mf_stack_size());
    mf_frame_send(&g_tx, '<', seq);
}

static void cmd_echo(uint8_t seq, const char *a, const char *end)
{
    reply_ok_begin();
    mf_frame_char(&g_tx, ' ');
    while (a < end) {
        mf_frame_char(&g_tx, *a++);
    }
    mf_frame_send(&g_tx, '<', seq);
}

static void cmd_exit(uint8_t seq, const char *a, const char *end)
{
    uint32_t code, semihost;
    if (mf_parse_u32(&a, end, &code) || mf_parse_u32(&a, end, &semihost) || a != end) {
        reply_err(seq, MF_ERR_ARGUMENT, "usage: exit <code> <semihost>");
        return;
    }
    reply_ok_begin();
    mf_frame_send(&g_tx, '<', seq);
    mf_board_exit((int)code, (int)semihost);
}

static int word_is(const char *a, const char *end, const char *word)
{
    const uint32_t n = (uint32_t)(end - a);
    return strlen(word) == n && memcmp(a, word, n) == 0;
}

/* Deliberate failures, so that the host's fault and timeout handling can be tested on a real target:
 * neither replies (a `fault` event or silence is the answer). */
static void cmd_selftest(uint8_t seq, const char *a, const char *end)
{
    if (word_is(a, end, "hardfault")) {
        mf_selftest_hardfault();
    }
    if (word_is(a, end, "hang")) {
        mf_selftest_hang();
    }
    reply_err(seq, MF_ERR_ARGUMENT, "usage: selftest hardfault|hang");
}

typedef struct {
    const char *name;
    void (*run)(uint8_t seq, const char *args, const char *end);
} mf_command;

static const mf_command COMMANDS[] = {
    {"ping", cmd_ping},       {"info", cmd_info},   {"load", cmd_load},   {"infer", cmd_infer},
    {"results", cmd_results}, {"profile", cmd_profile}, {"reset", cmd_reset}, {"stack", cmd_stack},
    {"echo", cmd_echo},       {"exit", cmd_exit},       {"selftest", cmd_selftest},
};

static void dispatch(uint8_t seq, const char *body, uint32_t len)
{
    const char *end = body + len;
    const char *sp = body;
    while (sp < end && *sp != ' ') {
        ++sp;
    }
    const uint32_t name_len = (uint32_t)(sp - body);
    for (uint32_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; ++i) {
        if (strlen(COMMANDS[i].name) == name_len && memcmp(COMMANDS[i].name, body, name_len) == 0) {
            const char *args = sp < end ? sp + 1 : end;
            COMMANDS[i].run(seq, args, end);
            return;
        }
    }
    reply_err(seq, MF_ERR_UNKNOWN, "unknown command");
}

static void handle_line(const char *line, uint32_t n)
{
    uint8_t seq;
    const char *body;
    uint32_t len;
    if (n == 0) {
        return;
    }
    if (mf_proto_parse(line, n, &seq, &body, &len) != 0) {
        reply_err(seq, MF_ERR_FRAME, "bad frame");
        return;
    }
    dispatch(seq, body, len);
}

void mf_runtime_fault(const mf_fault_info *info)
{
    static const struct {
        const char *key;
        uint32_t off;
    } FIELDS[] = {
        {"pc", offsetof(mf_fault_info, pc)},       {"lr", offsetof(mf_fault_info, lr)},
        {"xpsr", offsetof(mf_fault_info, xpsr)},   {"cfsr", offsetof(mf_fault_info, cfsr)},
        {"hfsr", offsetof(mf_fault_info, hfsr)},   {"mmfar", offsetof(mf_fault_info, mmfar)},
        {"bfar", offsetof(mf_fault_info, bfar)},   {"sp", offsetof(mf_fault_info, sp)},
        {"r0", offsetof(mf_fault_info, r0)},       {"r1", offsetof(mf_fault_info, r1)},
        {"r2", offsetof(mf_fault_info, r2)},       {"r3", offsetof(mf_fault_info, r3)},
        {"r12", offsetof(mf_fault_info, r12)},
    };
    mf_timing_pin(0);
    mf_frame_begin(&g_tx);
    mf_frame_str(&g_tx, "fault kind=");
    mf_frame_str(&g_tx, info->kind);
    for (uint32_t i = 0; i < sizeof FIELDS / sizeof FIELDS[0]; ++i) {
        uint32_t v;
        memcpy(&v, (const uint8_t *)info + FIELDS[i].off, sizeof v);
        mf_frame_char(&g_tx, ' ');
        mf_frame_str(&g_tx, FIELDS[i].key);
        mf_frame_str(&g_tx, "=");
        mf_frame_hex32(&g_tx, v);
    }
    mf_frame_send(&g_tx, '!', 0);
    mf_console_write((const uint8_t *)"mcuforge: FAULT, core parked\n", 29);
    mf_board_exit(3, 0);
    for (;;) {
    }
}

int main(void)
{
    mf_counter_init();
    model()->init();
    mf_console_write((const uint8_t *)"mcuforge " MF_FW_VERSION ": " MF_BOARD_NAME " ready\n",
                     (uint32_t)strlen("mcuforge " MF_FW_VERSION ": " MF_BOARD_NAME " ready\n"));
    mf_frame_begin(&g_tx);
    mf_frame_str(&g_tx, "boot " MF_PROTO_TOKEN " board=" MF_BOARD_NAME " model=");
    mf_frame_str(&g_tx, model()->name);
    mf_frame_send(&g_tx, '!', 0);
    uint32_t n = 0;
    int overflow = 0;
    for (;;) {
        uint8_t c;
        if (!mf_console_read(&c)) {
            mf_runtime_idle();
            continue;
        }
        if (c == '\n' || c == '\r') {
            if (overflow) {
                reply_err(0xff, MF_ERR_FRAME, "line too long");
            } else {
                handle_line(g_rx, n);
            }
            n = 0;
            overflow = 0;
        } else if (n < sizeof g_rx) {
            g_rx[n++] = (char)c;
        } else {
            overflow = 1;
        }
    }
}
