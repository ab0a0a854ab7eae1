/* FULLY_CONNECTED, int8: DSP-extension kernel (row-pair SMLAD GEMM, fused requantisation; nn.h
 * "DSP variant"). MF_DSP_GENERIC (weights with a zero point, or not packable) is the reference
 * algorithm. */
#include "mf_gemm_s8.h"
#include "../common/mf_fully_connected_s8_reference.h"

/* Reads the dsp parameter layout (nn.h "DSP variant"): never in a build of the reference kernels. */
#if defined(MF_KERNELS_REFERENCE)
#error "kernels/dsp/mf_fully_connected_s8.c reads the dsp kernels' parameter layout, but this build compiles the reference kernels (MF_KERNELS_REFERENCE): compile kernels/reference/mf_fully_connected_s8.c instead"
#endif

#if MF_DSP_ASM
/* One input block: its word's even and odd lanes (r3, r2) against the four row pairs' next eight
 * weight words (ip, lr), A sums r4 r6 r8 r10 and B sums r5 r7 r9 r11. The loop runs two per pass. */
#define X1P4_BLOCK \
    "  ldr r2, [r0], #4\n" \
    "  sxtb16 r3, r2\n" \
    "  sxtb16 r2, r2, ror #8\n" \
    "  ldrd ip, lr, [r1], #8\n" \
    "  smlad r4, ip, r3, r4\n" \
    "  smlad r6, lr, r3, r6\n" \
    "  sxtb16 ip, ip\n" \
    "  sxtb16 lr, lr\n" \
    "  smlad r5, ip, r3, r5\n" \
    "  smlad r7, lr, r3, r7\n" \
    "  ldrd ip, lr, [r1], #8\n" \
    "  smlad r8, ip, r3, r8\n" \
    "  smlad r10, lr, r3, r10\n" \
    "  sxtb16 ip, ip\n" \
    "  sxtb16 lr, lr\n" \
    "  smlad r9, ip, r3, r9\n" \
    "  smlad r11, lr, r3, r11\n" \
    "  ldrd ip, lr, [r1], #8\n" \
    "  smlad r4, ip, r2, r4\n" \
    "  smlad r6, lr, r2, r6\n" \
    "  sxtb16 ip, ip\n" \
    "  sxtb16 lr, lr\n" \
    "  smlad r5, ip, r2, r5\n" \
    "  smlad r7, lr, r2, r7\n" \
    "  ldrd ip, lr, [r1], #8\n" \
    "  smlad r8, ip, r2, r8\n" \
    "  smlad r10, lr, r2, r10\n" \
    "  sxtb16 ip, ip\n" \
    "  sxtb16 lr, lr\n" \
    "  smlad r9, ip, r2, r9\n" \
    "  smlad r11, lr, r2, r11\n"

/* Four row pairs (8 output rows) over one contiguous input run of nblk 4-byte blocks: the sums
 * acc[8] = A0 B0 A1 B1 A2 B2 A3 B3; the weights are the tile's lane-major words. Hand-scheduled:
 * the eight sums, the input's two lanes, two weight words and the two pointers take all 14 usable
 * registers (the end pointer lives on the stack): 31 instructions per 32 multiply-accumulates.
 * mf_lane_tile(4, ...) in mf_gemm_s8.h is the same arithmetic in C (the host build runs it). */
void mf_fully_connected_s8_x1p4(const int8_t *x, const int32_t *w, int32_t nblk, int32_t *acc);
__asm__(".syntax unified\n"
        ".section .text.mf_fully_connected_s8_x1p4,\"ax\",%progbits\n"
        ".balign 4\n"
        ".thumb_func\n"
        ".type mf_fully_connected_s8_x1p4, %function\n"
        "mf_fully_connected_s8_x1p4:\n"
        "  push {r3, r4, r5, r6, r7, r8, r9, r10, r11, lr}\n"
        "  sub sp, sp, #8\n"
        "  mov r4, #0\n"
        "  mov r5, #0\n"
        "  mov r6, #0\n"
        "  mov r7, #0\n"
        "  mov r8, #0\n"
        "  mov r9, #0\n"
        "  mov r10, #0\n"
        "  mov r11, #0\n"
        "  tst r2, #1\n"
        "  add r2, r0, r2, lsl #2\n"
        "  str r2, [sp]\n"
        "  bne 2f\n"
        "  cmp r0, r2\n"
        "  beq 3f\n"
        "1:\n"
        X1P4_BLOCK
        "2:\n"
        X1P4_BLOCK
        "  ldr r2, [sp]\n"
        "  cmp r0, r2\n"
        "  bne 1b\n"
        "3:\n"
        "  add sp, sp, #8\n"
        "  pop {r3}\n"
        "  stmia r3, {r4, r5, r6, r7, r8, r9, r10, r11}\n"
        "  pop {r4, r5, r6, r7, r8, r9, r10, r11, pc}\n"
        ".size mf_fully_connected_s8_x1p4, .-mf_fully_connected_s8_x1p4\n"
        ".text\n");

static const int32_t *tile4(const mf_seg *seg, int32_t nseg, const int32_t *w, int32_t *acc)
{
    mf_fully_connected_s8_x1p4(seg[0].ptr, w, seg[0].nblk, acc);
    w += 8 * seg[0].nblk;
    return nseg > 1 ? mf_lane_tile(4, seg + 1, nseg - 1, w, acc) : w;
}
#else
static const int32_t *tile4(const mf_seg *seg, int32_t nseg, const int32_t *w, int32_t *acc)
{
    mf_zero8(acc);
    return mf_lane_tile(4, seg, nseg, w, acc);
}
#endif

void mf_fully_connected_s8(const mf_fully_connected_s8_params *p, const int8_t *input, int8_t *output)
{
    if (p->dsp_path == MF_DSP_GENERIC) {
        mf_fully_connected_s8_reference(p, input, output);
        return;
    }
    const mf_rq rq = {p->dsp_requant, p->output_offset, p->act_min, p->act_max};
    const int32_t full = p->in_depth >> 2, rest = p->in_depth & 3;
    int8_t tail[4] __attribute__((aligned(4)));
    int32_t acc[8];
    mf_seg seg[2];
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in = input + (size_t)b * p->in_depth;
        seg[0].ptr = in;
        seg[0].nblk = full;
        seg[1].ptr = tail;
        seg[1].nblk = 1;
        for (int32_t i = 0; i < 4; ++i) {
            tail[i] = i < rest ? in[4 * full + i] : 0;
        }
        const int32_t nseg = rest ? 2 : 1;
        const int32_t *w = p->dsp_filter;
        const int32_t *rec = p->dsp_chan;
        int8_t *out = output + (size_t)b * p->out_depth;
        int32_t left = p->out_depth;
        for (; left > 6; left -= 8, rec += 32, out += 8) {
            w = tile4(seg, nseg, w, acc);
            mf_pairs_store(4, acc, left, rec, out, &rq);
        }
        if (left > 0) {
            mf_lane_tile_rest((left + 1) >> 1, seg, nseg, w, rec, left, out, &rq);
        }
    }
}
