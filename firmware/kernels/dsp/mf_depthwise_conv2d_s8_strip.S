/* mf_depthwise_conv2d_s8_strip (stride 1), _strip2 (stride 2): one channel of a 3x3
 * DEPTHWISE_CONV_2D over strips of its planar int16 copy, four outputs per pass; _plane, _plane2:
 * the strips built from rows of input words. Private to dsp/mf_depthwise_conv2d_s8.c (declared in
 * mf_dsp_asm.h, which documents the arguments and the strip layouts).
 *
 * A stride-1 pass computes outputs u..u+3 of one output row from three strip rows (three words
 * each: P01 = (p0, p1), P23, P45 at positions u..u+5) and the row's weights Wa = (w0, w1),
 * Wb = (w2, w1) held in registers: per row 8 multiply instructions for 12 multiply-accumulates
 * (SMLAD, SMLABB, SMLATB, SMLADX: the second output's (p1, p2) pair without repacking); stride 2:
 * five words per row (positions 2 u .. 2 u + 9), SMLAD and SMLABB per output. Then the bias by
 * the first LDM, then the sums requantised and stored. MF_DSP_RQ_FLOOR_SHIFT: SMMLA and one SSAT
 * with the fixed shift MF_DSP_RQ_SHIFT; MF_DSP_RQ_FAST (and FAST_FLOOR, which it also serves):
 * SMMLAR with the tie correction, ASR by the record's shift, SSAT. The C path of the kernel
 * (strip_c in mf_depthwise_conv2d_s8.c) is the same arithmetic and what the host build runs. */
#if defined(__thumb2__) && defined(__ARM_FEATURE_DSP)
    .syntax unified
    .thumb

    .equ MF_DSP_RQ_FLOOR_SHIFT, 3   /* nn.h */
    .equ MF_DSP_RQ_SHIFT, 10

/* stride 1: one strip row (P01 P23 P45) against one weight row (wa, wb); lr advances to the next row */
    .macro ROW wa, wb
    ldmia lr!, {r4, r5, r6}
    smlad r0, r4, \wa, r0
    smlabb r0, r5, \wb, r0
    smlatb r1, r4, \wa, r1
    smladx r1, r5, \wb, r1
    smlad r2, r5, \wa, r2
    smlabb r2, r6, \wb, r2
    smlatb r3, r5, \wa, r3
    smladx r3, r6, \wb, r3
    .endm

/* stride 2: one strip row of five words (positions 2 u .. 2 u + 9): output i takes P(2i, 2i+1) * wa
 * and P(2i+2) * w2 */
    .macro ROW2 wa, wb
    ldmia lr!, {r4, r5, r6}
    smlad r0, r4, \wa, r0
    smlabb r0, r5, \wb, r0
    smlad r1, r5, \wa, r1
    smlabb r1, r6, \wb, r1
    smlad r2, r6, \wa, r2
    ldmia lr!, {r4, r5}
    smlabb r2, r4, \wb, r2
    smlad r3, r4, \wa, r3
    smlabb r3, r5, \wb, r3
    .endm

    .macro RQ_SHIFT x
    smmla \x, \x, r4, r5
    ssat \x, #8, \x, asr #MF_DSP_RQ_SHIFT
    .endm

/* c + (X >> 31) in a weight register t (r7 / r8, saved around the requantisation) */
    .macro RQ_FIX x, t
    add \t, r5, \x, asr #31
    smmlar \x, \x, r4, \t
    asr \x, \x, r6
    ssat \x, #8, \x
    .endm

/* the four outputs from out ([sp, #28]) with steps [32] (along u) and [36] (to the next pass);
 * ends with the comparison of the row pointer against the strip's end */
    .macro STORE
    ldrd r4, r5, [sp, #28]
    strb r0, [r4]
    strb r1, [r4, r5]
    add r4, r4, r5, lsl #1
    strb r2, [r4]
    strb r3, [r4, r5]
    ldrd r5, r6, [sp, #36]
    add r4, r4, r5
    str r4, [sp, #28]
    cmp lr, r6
    .endm

/* A strip function: rows of `words` words, `row` the macro of one row, a pass `step` bytes of rows
 * on from the last (the row pointer ends `back` bytes past the next pass's first row) */
    .macro STRIP_FN name, row, step, back
    .section .text.\name, "ax", %progbits
    .balign 4
    .global \name
    .thumb_func
    .type \name, %function
\name:
    push {r4, r5, r6, r7, r8, r9, r10, r11, lr}
    sub sp, sp, #80
    /* frame: [sp] the bias term x 4 (the sums' start), [16] m, [20] c (or K), [24] rs, [28] out,
     * [32] out step along u, [36] out step to the next pass (step v - 2 * step u), [40] where the
     * row pointer ends in this strip, [44] strips left, [48] two weights saved (FAST),
     * [56] this strip's rows, [60] bytes per strip, [64] this strip's out, [68] step * passes,
     * [72] how far the last strip's outputs start before 4 * step u after the one before it */
    ldr r1, [r0, #8]
    ldmia r1, {r2, r3, r4, r5}
    strd r3, r4, [sp, #16]
    str r5, [sp, #24]
    mov r3, r2
    mov r4, r2
    mov r5, r2
    stmia sp, {r2, r3, r4, r5}
    ldrd r2, r3, [r0, #12]        /* out, step u */
    str r2, [sp, #64]
    str r3, [sp, #32]
    ldr r4, [r0, #20]             /* step v */
    sub r4, r4, r3, lsl #1
    str r4, [sp, #36]
    ldr r2, [r0, #24]             /* passes */
    mov r3, #\step
    mul r2, r2, r3
    str r2, [sp, #68]
    ldrd r2, r3, [r0, #32]        /* strips, bytes per strip */
    str r2, [sp, #44]
    str r3, [sp, #60]
    ldr r2, [r0, #40]             /* last strip back (bytes) */
    str r2, [sp, #72]
    ldr r2, [r0]
    str r2, [sp, #56]
    ldr r1, [r0, #4]
    ldr r3, [r0, #28]             /* mode */
    ldmia r1, {r7, r8, r9, r10, r11, ip}
    cmp r3, #MF_DSP_RQ_FLOOR_SHIFT
    bne 5f
0:  /* MF_DSP_RQ_FLOOR_SHIFT: a strip */
    ldr lr, [sp, #56]
    ldr r2, [sp, #68]
    add r2, lr, r2
    str r2, [sp, #40]
    ldr r2, [sp, #64]
    str r2, [sp, #28]
1:
    ldmia sp, {r0, r1, r2, r3}
    \row r7, r8
    \row r9, r10
    \row r11, ip
    sub lr, lr, #\back
    ldrd r4, r5, [sp, #16]
    RQ_SHIFT r0
    RQ_SHIFT r1
    RQ_SHIFT r2
    RQ_SHIFT r3
    STORE
    bne 1b
    bl 9f
    bne 0b
    b 8f
5:  /* MF_DSP_RQ_FAST, MF_DSP_RQ_FAST_FLOOR: a strip */
    ldr lr, [sp, #56]
    ldr r2, [sp, #68]
    add r2, lr, r2
    str r2, [sp, #40]
    ldr r2, [sp, #64]
    str r2, [sp, #28]
6:
    ldmia sp, {r0, r1, r2, r3}
    \row r7, r8
    \row r9, r10
    \row r11, ip
    sub lr, lr, #\back
    ldrd r4, r5, [sp, #16]
    ldr r6, [sp, #24]
    strd r7, r8, [sp, #48]
    RQ_FIX r0, r7
    RQ_FIX r1, r8
    RQ_FIX r2, r7
    RQ_FIX r3, r8
    ldrd r7, r8, [sp, #48]
    STORE
    bne 6b
    bl 9f
    bne 5b
8:
    add sp, sp, #80
    pop {r4, r5, r6, r7, r8, r9, r10, r11, pc}
9:  /* next strip: rows += bytes per strip, out += 4 * step u (the last strip: minus its back);
     * flags: Z when none is left */
    ldrd r0, r1, [sp, #56]
    add r0, r0, r1
    str r0, [sp, #56]
    ldr r1, [sp, #64]
    ldr r2, [sp, #32]
    add r1, r1, r2, lsl #2
    ldr r0, [sp, #44]
    subs r0, r0, #1
    str r0, [sp, #44]
    cmp r0, #1
    itt eq
    ldreq r2, [sp, #72]
    subeq r1, r1, r2
    str r1, [sp, #64]
    cmp r0, #0
    bx lr
    .size \name, . - \name
    .endm

    STRIP_FN mf_depthwise_conv2d_s8_strip, ROW, 12, 24
    STRIP_FN mf_depthwise_conv2d_s8_strip2, ROW2, 40, 20
#endif

/* The plane builders, for one plane row of 4 channels (mf_dsp_asm.h): the row's input words first
 * (the zero point outside the input; four loads per STM), then per strip its positions' words by
 * one LDM, paired by PKHBT/PKHTB ((a, b) bytes 0-1 and 2-3), widened with the input offset added by
 * SXTAB16 (channels 0, 2) and SXTAB16 ROR 8 (channels 1, 3), stored by STM per channel. */
#if defined(__thumb2__) && defined(__ARM_FEATURE_DSP)

/* Registers of the strip loop: r9 = row of words, r10 = destination (channel 0, strip 0),
 * r11 = bytes per channel, r12 = offset lanes, lr = strips left. Frame: [sp] bytes from the last
 * channel's store to the next strip, [4] bytes the last strip's words start before the next strip's
 * place, [8] 1 until the last strip runs. */
    .macro PLANE_FN name, body, adj, chans
    .section .text.\name, "ax", %progbits
    .balign 4
    .global \name
    .thumb_func
    .type \name, %function
\name:
    push {r4, r5, r6, r7, r8, r9, r10, r11, lr}
    sub sp, sp, #16
    mov r12, r0
    /* the row of input words: [0, first) zero point, count loads src + k * step, zero point to width */
    ldr r1, [r12]                 /* row */
    ldr r2, [r12, #44]            /* zero point word */
    ldr r0, [r12, #32]            /* first */
    cbz r0, 2f
1:
    str r2, [r1], #4
    subs r0, r0, #1
    bne 1b
2:
    ldrd r3, r4, [r12, #24]       /* src, step */
    ldr r0, [r12, #36]            /* count */
    subs r0, r0, #4
    blt 4f
3:
    ldr r5, [r3]
    ldr r6, [r3, r4]
    add r3, r3, r4, lsl #1
    ldr r7, [r3]
    ldr r8, [r3, r4]
    add r3, r3, r4, lsl #1
    stmia r1!, {r5, r6, r7, r8}
    subs r0, r0, #4
    bge 3b
4:
    adds r0, r0, #4
    beq 6f
5:
    ldr r5, [r3]
    add r3, r3, r4
    str r5, [r1], #4
    subs r0, r0, #1
    bne 5b
6:
    ldr r0, [r12, #40]            /* width */
    ldr r3, [r12]
    add r3, r3, r0, lsl #2        /* end of the row */
    cmp r1, r3
    beq 8f
7:
    str r2, [r1], #4
    cmp r1, r3
    bne 7b
8:
    ldr r0, [r12, #48]            /* last strip back */
    str r0, [sp, #4]
    mov r0, r12
    ldrd r9, r10, [r0]
    ldrd r11, r12, [r0, #8]
    ldrd lr, r1, [r0, #16]        /* strips, bytes per strip */
    sub r1, r1, #\adj
    .rept \chans
    sub r1, r1, r11
    .endr
    str r1, [sp]
    mov r1, #1
    str r1, [sp, #8]
    subs lr, lr, #1               /* all strips but the last, then the last from its own words */
    beq 10f
9:
    \body
    ldr r0, [sp]
    add r10, r10, r0
    subs lr, lr, #1
    bne 9b
10:
    ldr r0, [sp, #8]
    cbz r0, 11f
    mov r0, #0
    str r0, [sp, #8]
    ldr r0, [sp, #4]
    sub r9, r9, r0
    mov lr, #1
    b 9b
11:
    add sp, sp, #16
    pop {r4, r5, r6, r7, r8, r9, r10, r11, pc}
    .size \name, . - \name
    .endm

/* stride 1: a strip's 6 positions, three words per channel; r10 ends at channel 3 */
    .macro STRIP3
    ldmia r9, {r0, r1, r2, r3, r4, r5}
    add r9, r9, #16
    pkhtb r6, r1, r0, asr #16     /* (a2 a3 b2 b3) */
    pkhbt r0, r0, r1, lsl #16     /* (a0 a1 b0 b1) */
    pkhtb r1, r3, r2, asr #16
    pkhbt r2, r2, r3, lsl #16
    pkhtb r3, r5, r4, asr #16
    pkhbt r4, r4, r5, lsl #16
    /* lo words r0 r2 r4, hi words r6 r1 r3 */
    sxtab16 r5, r12, r0
    sxtab16 r7, r12, r2
    sxtab16 r8, r12, r4
    stmia r10, {r5, r7, r8}
    add r10, r10, r11
    sxtab16 r5, r12, r0, ror #8
    sxtab16 r7, r12, r2, ror #8
    sxtab16 r8, r12, r4, ror #8
    stmia r10, {r5, r7, r8}
    add r10, r10, r11
    sxtab16 r5, r12, r6
    sxtab16 r7, r12, r1
    sxtab16 r8, r12, r3
    stmia r10, {r5, r7, r8}
    add r10, r10, r11
    sxtab16 r5, r12, r6, ror #8
    sxtab16 r7, r12, r1, ror #8
    sxtab16 r8, r12, r3, ror #8
    stmia r10, {r5, r7, r8}
    .endm

/* stride 2: a strip's 10 positions, five words per channel (three, then two channels 3..0);
 * r10 ends at channel 0 + 12 */
    .macro STRIP5
    ldmia r9, {r0, r1, r2, r3, r4, r5}
    pkhtb r6, r1, r0, asr #16
    pkhbt r0, r0, r1, lsl #16
    pkhtb r1, r3, r2, asr #16
    pkhbt r2, r2, r3, lsl #16
    pkhtb r3, r5, r4, asr #16
    pkhbt r4, r4, r5, lsl #16
    sxtab16 r5, r12, r0
    sxtab16 r7, r12, r2
    sxtab16 r8, r12, r4
    stmia r10, {r5, r7, r8}
    add r10, r10, r11
    sxtab16 r5, r12, r0, ror #8
    sxtab16 r7, r12, r2, ror #8
    sxtab16 r8, r12, r4, ror #8
    stmia r10, {r5, r7, r8}
    add r10, r10, r11
    sxtab16 r5, r12, r6
    sxtab16 r7, r12, r1
    sxtab16 r8, r12, r3
    stmia r10, {r5, r7, r8}
    add r10, r10, r11
    sxtab16 r5, r12, r6, ror #8
    sxtab16 r7, r12, r1, ror #8
    sxtab16 r8, r12, r3, ror #8
    stmia r10, {r5, r7, r8}
    add r10, r10, #12
    ldrd r0, r1, [r9, #24]
    ldrd r2, r3, [r9, #32]
    add r9, r9, #32
    pkhtb r6, r1, r0, asr #16
    pkhbt r0, r0, r1, lsl #16
    pkhtb r1, r3, r2, asr #16
    pkhbt r2, r2, r3, lsl #16
    sxtab16 r5, r12, r6, ror #8
    sxtab16 r7, r12, r1, ror #8
    stmia r10, {r5, r7}
    sub r10, r10, r11
    sxtab16 r5, r12, r6
    sxtab16 r7, r12, r1
    stmia r10, {r5, r7}
    sub r10, r10, r11
    sxtab16 r5, r12, r0, ror #8
    sxtab16 r7, r12, r2, ror #8
    stmia r10, {r5, r7}
    sub r10, r10, r11
    sxtab16 r5, r12, r0
    sxtab16 r7, r12, r2
    stmia r10, {r5, r7}
    .endm

/* after a strip r10 moves to the next strip's channel 0: bytes per strip - 3 * bytes per channel on
 * (stride 1, from channel 3), bytes per strip - 12 on (stride 2, from channel 0 + 12) */
    PLANE_FN mf_depthwise_conv2d_s8_plane, STRIP3, 0, 3
    PLANE_FN mf_depthwise_conv2d_s8_plane2, STRIP5, 12, 0
#endif
