/* mf_conv2d_s8_pairs: for a run of pixel pairs whose windows lie inside the input, each pair's
 * windows widened into a column buffer, then the full 2-pair tiles of both pixels over it,
 * requantised (MF_DSP_RQ_FAST or MF_DSP_RQ_FAST_FLOOR) and stored; mf_conv2d_s8_row2: the same for
 * one pair the caller widened.
 * Private to dsp/mf_conv2d_s8.c (declared in mf_dsp_asm.h, which documents the arguments). Per tile: the
 * first block of the window by SMUAD (no zeroing), the others four per pass by SMLAD (48
 * instructions per 64 multiply-accumulates), then the eight outputs (one LDM per row record,
 * SMMLAR for the multiply and the addition of c). The C path of the kernel (x2p2w and pair2_fast in
 * mf_conv2d_s8.c) is the same arithmetic and what the host build runs. */
#if defined(__thumb2__) && defined(__ARM_FEATURE_DSP)
#include "mf_dsp_asm_macros.h"
    .syntax unified
    .thumb

/* One lane of one 4-byte block of the window: r2/r3 hold the lane of pixel 0 and 1, ip/lr the lane's
 * weight words of pair 0 and 1 (H, for the A sums), then their SXTB16 (W of the even row, B sums).
 * Sums: pair 0 A/B r4/r5 (pixel 0) r8/r9 (pixel 1), pair 1 A/B r6/r7 (pixel 0) r10/r11 (pixel 1). */
    .macro LANE first=0
    ldrd r2, r3, [r0], #8
    ldrd ip, lr, [r1], #8
    ACC \first, r4, ip, r2
    ACC \first, r8, ip, r3
    ACC \first, r6, lr, r2
    ACC \first, r10, lr, r3
    sxtb16 ip, ip
    sxtb16 lr, lr
    ACC \first, r5, ip, r2
    ACC \first, r9, ip, r3
    ACC \first, r7, lr, r2
    ACC \first, r11, lr, r3
    .endm

/* x0, x1: X = 2 * (sum + bias) of pixel 0 and 1 -> their outputs (RQ1) */
    .macro RQ fix, x0, x1
    RQ1 \fix, \x0
    RQ1 \fix, \x1
    .endm

/* The two rows of one pair for both pixels (records at r0, advanced): row r from the B sums
 * (b0, b1), row r + 1 from (A - B) / 256 (a0, a1); the outputs replace the sums. */
    .macro PAIR fix, a0, b0, a1, b1
    sub \a0, \a0, \b0
    sub \a1, \a1, \b1
    ldmia r0!, {r2, r3, ip, lr}
    add \b0, r2, \b0, lsl #1
    add \b1, r2, \b1, lsl #1
    RQ \fix, \b0, \b1
    ldmia r0!, {r2, r3, ip, lr}
    add \a0, r2, \a0, asr #7
    add \a1, r2, \a1, asr #7
    RQ \fix, \a0, \a1
    .endm

    .macro EPILOGUE fix
    ldr r0, [sp, #12]
    PAIR \fix, r4, r5, r8, r9
    PAIR \fix, r6, r7, r10, r11
    str r0, [sp, #12]
    .endm

/* The frame: [sp] end of the column buffer, [4] its start, [8] where the MAC
 * loop enters after the first block, [12] records, [16] o0, [20] o1, [24] end of the tiles' weights,
 * [28] epilogue. From the argument block at r0 (mf_row2_args' first eight words); leaves the
 * weights in r1 and nblk - 1 in r3. */
    .macro SETUP
    ldrd r2, r3, [r0]
    add r4, r2, r3, lsl #4
    strd r4, r2, [sp]
    ldr r1, [r0, #8]
    ldrd r4, r5, [r0, #12]
    str r4, [sp, #12]
    ldrd r6, r7, [r0, #20]
    strd r5, r6, [sp, #16]
    mul r7, r7, r3
    add r7, r1, r7, lsl #4
    str r7, [sp, #24]
    ldr r7, [r0, #28]
    adr r5, 8f
    adr r6, 7f
    cmp r7, #0
    it ne
    movne r6, r5
    orr r6, r6, #1
    str r6, [sp, #28]
    /* after the first block: nblk - 1 blocks, four per pass: (nblk - 1) % 4 = 1, 2, 3 enter at the
     * pass's fourth, third, second block, 0 at its first */
    subs r3, r3, #1
    beq 3f
    ands r3, r3, #3
    adr r6, 1f
    beq 3f
    cmp r3, #2
    adr r6, 4f
    blo 3f
    adr r6, 5f
    beq 3f
    adr r6, 2f
3:
    orr r6, r6, #1
    str r6, [sp, #8]
    .endm

/* Every tile of the pixel pair, from the weights at r1 to [24] */
    .macro TILES
0:
    ldr r0, [sp, #4]
    LANE 1
    LANE 0
    ldr pc, [sp, #8]
1:
    LANE
    LANE
2:
    LANE
    LANE
5:
    LANE
    LANE
4:
    LANE
    LANE
    ldr r2, [sp]
    cmp r0, r2
    bne 1b
    ldr pc, [sp, #28]
7:
    EPILOGUE 0
    b 9f
8:
    EPILOGUE 1
9:
    ldrd r0, r2, [sp, #16]
    strb r5, [r0]
    strb r4, [r0, #1]
    strb r7, [r0, #2]
    strb r6, [r0, #3]
    strb r9, [r2]
    strb r8, [r2, #1]
    strb r11, [r2, #2]
    strb r10, [r2, #3]
    add r0, r0, #4
    add r2, r2, #4
    strd r0, r2, [sp, #16]
    ldr r2, [sp, #24]
    cmp r1, r2
    bne 0b
    .endm

    .section .text.mf_conv2d_s8_pairs, "ax", %progbits
    .balign 4
    .global mf_conv2d_s8_row2
    .thumb_func
    .type mf_conv2d_s8_row2, %function
mf_conv2d_s8_row2: /* the frame of mf_conv2d_s8_pairs for one pair the caller widened: no windows */
    push {r4, r5, r6, r7, r8, r9, r10, r11, lr}
    sub sp, sp, #72
    ldrd r2, r3, [r0, #8]
    strd r2, r3, [sp, #36]
    movs r2, #0
    strd r2, r2, [sp, #44]
    str r2, [sp, #60]
    b 14f
    .size mf_conv2d_s8_row2, . - mf_conv2d_s8_row2

    .global mf_conv2d_s8_pairs
    .thumb_func
    .type mf_conv2d_s8_pairs, %function
mf_conv2d_s8_pairs:
    push {r4, r5, r6, r7, r8, r9, r10, r11, lr}
    sub sp, sp, #72
    /* the shared frame, then [36] the first weights, [40] the first records, [44] window of the
     * pair's first pixel, [48] end of the pairs' windows, [52] bytes from a pixel's window to the
     * next one's, [56] bytes per output pixel, [60] window rows, [64] blocks per row, [68] bytes
     * from the end of a window row to the next row */
    ldrd r2, r3, [r0, #32]        /* input, pairs */
    str r2, [sp, #44]
    ldr r4, [r0, #40]             /* pixel step */
    str r4, [sp, #52]
    mul r3, r3, r4
    add r2, r2, r3, lsl #1
    str r2, [sp, #48]
    ldrd r2, r3, [r0, #44]        /* row pitch, window rows */
    ldr r4, [r0, #52]             /* blocks per window row */
    strd r3, r4, [sp, #60]
    sub r2, r2, r4, lsl #2
    str r2, [sp, #68]
    ldr r2, [r0, #8]
    ldr r3, [r0, #12]
    strd r2, r3, [sp, #36]
    ldr r2, [r0, #24]             /* tiles: 4 output bytes each */
    lsl r2, r2, #2
    str r2, [sp, #56]
14:
    SETUP
    ldr r2, [sp, #60]
    cbz r2, 13f                   /* mf_conv2d_s8_row2 (r2 = 0: the windows do not move) */
10: /* a pair: both windows widened into the column buffer (xl0 xl1 xh0 xh1 per block) */
    ldr r0, [sp, #44]
    ldr r1, [sp, #4]
    ldr r2, [sp, #52]
    ldrd r8, r9, [sp, #60]        /* rows, blocks per row */
    ldr r10, [sp, #68]
11:
    mov r3, r9
12:
    ldr r5, [r0, r2]
    ldr r4, [r0], #4
    sxtb16 r6, r4, ror #8
    sxtb16 r4, r4
    sxtb16 r7, r5, ror #8
    sxtb16 r5, r5
    stmia r1!, {r4, r5, r6, r7}
    subs r3, r3, #1
    bne 12b
    add r0, r0, r10
    subs r8, r8, #1
    bne 11b
13:
    ldr r0, [sp, #44]
    add r0, r0, r2, lsl #1
    str r0, [sp, #44]
    ldrd r1, r3, [sp, #36]        /* first weights, first records */
    str r3, [sp, #12]
    TILES
    ldrd r0, r2, [sp, #16]        /* o0, o1 are one pixel on: two pixels on from where they began */
    ldr r3, [sp, #56]
    add r0, r0, r3
    add r2, r2, r3
    strd r0, r2, [sp, #16]
    ldr r0, [sp, #44]
    ldr r2, [sp, #48]
    cmp r0, r2
    bne 10b
    add sp, sp, #72
    pop {r4, r5, r6, r7, r8, r9, r10, r11, pc}
    .size mf_conv2d_s8_pairs, . - mf_conv2d_s8_pairs
#endif
