/* mf_depthwise_conv2d_s8_strip: one channel of a 3x3 stride-1 DEPTHWISE_CONV_2D over strips of its
 * planar int16 copy, four outputs per pass; private to dsp/mf_depthwise_conv2d_s8.c (declared in
 * mf_dsp_asm.h, which documents the arguments and the strip layout).
 *
 * A pass computes outputs u..u+3 of one plane row v from the strip's rows v, v + 1, v + 2 (three
 * words each: P01 = (p0, p1), P23, P45 at positions u..u+5) and the row's weights Wa = (w0, w1),
 * Wb = (w2, w1) held in registers: per row 8 multiply instructions for 12 multiply-accumulates
 * (SMLAD, SMLABB, SMLATB, SMLADX: the second output's (p1, p2) pair without repacking), the bias by
 * the first LDM, then the sums requantised and stored. MF_DSP_RQ_FLOOR_SHIFT: SMMLA and one SSAT
 * with the fixed shift MF_DSP_RQ_SHIFT; MF_DSP_RQ_FAST (and FAST_FLOOR, which it also serves):
 * SMMLAR with the tie correction, ASR by the record's shift, SSAT. The C path of the kernel
 * (strip_c in mf_depthwise_conv2d_s8.c) is the same arithmetic and what the host build runs. */
#if defined(__thumb2__) && defined(__ARM_FEATURE_DSP)
    .syntax unified
    .thumb

    .equ MF_DSP_RQ_FLOOR_SHIFT, 3   /* nn.h */
    .equ MF_DSP_RQ_SHIFT, 10

/* one strip row against one weight row (wa, wb); the row pointer lr advances to the next row */
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

    .section .text.mf_depthwise_conv2d_s8_strip, "ax", %progbits
    .balign 4
    .global mf_depthwise_conv2d_s8_strip
    .thumb_func
    .type mf_depthwise_conv2d_s8_strip, %function
mf_depthwise_conv2d_s8_strip:
    push {r4, r5, r6, r7, r8, r9, r10, r11, lr}
    sub sp, sp, #72
    /* frame: [sp] the bias term x 4 (the sums' start), [16] m, [20] c (or K), [24] rs, [28] out,
     * [32] out step along u, [36] out step to the next pass (step v - 2 * step u), [40] where the
     * row pointer ends in this strip, [44] strips left, [48] two weights saved (FAST),
     * [56] this strip's rows, [60] bytes per strip, [64] this strip's out, [68] 12 * passes */
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
    add r2, r2, r2, lsl #1
    lsl r2, r2, #2
    str r2, [sp, #68]
    ldrd r2, r3, [r0, #32]        /* strips, bytes per strip */
    str r2, [sp, #44]
    str r3, [sp, #60]
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
    ROW r7, r8
    ROW r9, r10
    ROW r11, ip
    sub lr, lr, #24
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
    ROW r7, r8
    ROW r9, r10
    ROW r11, ip
    sub lr, lr, #24
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
    add sp, sp, #72
    pop {r4, r5, r6, r7, r8, r9, r10, r11, pc}
9:  /* next strip: rows += bytes per strip, out += 4 * step u; flags: Z when none is left */
    ldrd r0, r1, [sp, #56]
    add r0, r0, r1
    ldr r1, [sp, #64]
    ldr r2, [sp, #32]
    add r1, r1, r2, lsl #2
    str r0, [sp, #56]
    str r1, [sp, #64]
    ldr r0, [sp, #44]
    subs r0, r0, #1
    str r0, [sp, #44]
    bx lr
    .size mf_depthwise_conv2d_s8_strip, . - mf_depthwise_conv2d_s8_strip
#endif

/* mf_depthwise_conv2d_s8_plane: one plane row of 4 channels into their strips (mf_dsp_asm.h). Per
 * strip: its 6 positions' input words by one LDM, paired by PKHBT/PKHTB ((a, b) bytes 0-1 and 2-3),
 * widened with the input offset added by SXTAB16 (channel 0, 2) and SXTAB16 ROR 8 (channel 1, 3),
 * three words per channel stored by one STM. */
#if defined(__thumb2__) && defined(__ARM_FEATURE_DSP)

    .section .text.mf_depthwise_conv2d_s8_plane, "ax", %progbits
    .balign 4
    .global mf_depthwise_conv2d_s8_plane
    .thumb_func
    .type mf_depthwise_conv2d_s8_plane, %function
mf_depthwise_conv2d_s8_plane:
    push {r4, r5, r6, r7, r8, r9, r10, r11, lr}
    sub sp, sp, #8
    /* r9 = row of words, r10 = destination (channel 0, strip 0), r11 = bytes per channel,
     * r12 = offset lanes, lr = strips left; [sp] bytes per strip - 3 * bytes per channel */
    ldrd r9, r10, [r0]
    ldrd r11, r12, [r0, #8]
    ldrd lr, r1, [r0, #16]
    add r2, r11, r11, lsl #1
    sub r1, r1, r2
    str r1, [sp]
1:
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
    ldr r0, [sp]
    add r10, r10, r0
    subs lr, lr, #1
    bne 1b
    add sp, sp, #8
    pop {r4, r5, r6, r7, r8, r9, r10, r11, pc}
    .size mf_depthwise_conv2d_s8_plane, . - mf_depthwise_conv2d_s8_plane
#endif
