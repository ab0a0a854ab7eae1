/* mf_mve_conv_gemm3: the sums of the groups of four weight rows (the mve GEMM layout, mf_mve_gemm.h)
 * over three windows of nb 16-byte blocks each; private to mve/mf_conv2d_s8.c, which declares it:
 *   void mf_mve_conv_gemm3(const int8_t *const x[3], const int8_t *w, int32_t nb, int32_t groups,
 *                          int32_t *sums);
 * sums: per group g, per window k, the four rows' sums at sums[(3 g + k) * 4 + r]. VMLADAVA.S8
 * accumulates into an even-numbered register only (seven of them), so a group takes two passes over
 * the windows: rows 0 and 2, then rows 1 and 3, six sums each (12 instructions per block: three
 * window loads, two weight loads, six VMLADAVA, LE; 96 multiply-accumulates). In assembly rather than
 * inline: the twelve registers it needs leave the compiler too few around it. The C beside its call
 * (mf_conv2d_s8.c) is the same arithmetic and what builds without MVE run. */
#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
    .syntax unified
    .thumb
    .text

/* One pass: the sums of rows (r, r + 2) of one group, their first blocks at r11 (advanced by
 * nb * 64), into r0/r2 (window 0), r4/r6 (window 1), r8/r10 (window 2). */
    .macro PASS
    movs r0, #0
    movs r2, #0
    movs r4, #0
    movs r6, #0
    movs r8, #0
    movs r10, #0
    wls lr, r12, 2f
1:  vldrb.u8 q0, [r5], #16
    vldrb.u8 q1, [r7], #16
    vldrb.u8 q2, [r9], #16
    vldrb.u8 q3, [r11, #32]
    vmladava.s8 r2, q0, q3
    vmladava.s8 r6, q1, q3
    vmladava.s8 r10, q2, q3
    vldrb.u8 q3, [r11], #64
    vmladava.s8 r0, q0, q3
    vmladava.s8 r4, q1, q3
    vmladava.s8 r8, q2, q3
    le lr, 1b
2:  sub r5, r5, r12, lsl #4
    sub r7, r7, r12, lsl #4
    sub r9, r9, r12, lsl #4
    .endm

/* The pass's sums into lanes (lane, lane + 2) of the three windows' records at r3. */
    .macro STORE lane
    str r0, [r3, #4 * \lane]
    str r2, [r3, #4 * \lane + 8]
    str r4, [r3, #4 * \lane + 16]
    str r6, [r3, #4 * \lane + 24]
    str r8, [r3, #4 * \lane + 32]
    str r10, [r3, #4 * \lane + 40]
    .endm

    .global mf_mve_conv_gemm3
    .type mf_mve_conv_gemm3, %function
    .p2align 2
mf_mve_conv_gemm3:
    push {r4-r11, lr}
    ldr r5, [r0]
    ldr r7, [r0, #4]
    ldr r9, [r0, #8]
    mov r11, r1
    mov r12, r2
    mov r1, r3                 /* groups left */
    ldr r3, [sp, #36]          /* sums */
    cmp r1, #0
    beq 4f
3:  PASS
    sub r11, r11, r12, lsl #6
    adds r11, r11, #16         /* rows 1 and 3 */
    STORE 0
    PASS
    subs r11, r11, #16         /* the next group */
    STORE 1
    adds r3, r3, #48
    subs r1, r1, #1
    bne 3b
4:  pop {r4-r11, pc}
    .size mf_mve_conv_gemm3, . - mf_mve_conv_gemm3
#endif
