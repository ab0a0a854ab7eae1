/* mf_quantize_s8_mul: QUANTIZE float32 -> int8 by the product with 1 / scale, four elements per
 * pass, for dsp/mf_quantize_s8.c (declared in mf_dsp_asm.h; the C file explains why the result is
 * TFLM's). It stops before a group of four with a quotient near a rounding boundary (bits 4..14 of
 * t all zero in some element: the product of the four is then 0; a rare product of nonzero ones
 * that wraps to 0 only sends a group to the exact division) and returns the groups done. Cores
 * with a single-precision FPU and the DSP extension. */
#if defined(__thumb2__) && defined(__ARM_FEATURE_DSP) && defined(__ARM_FP) && (__ARM_FP & 4)
    .syntax unified
    .thumb

    .section .text.mf_quantize_s8_mul, "ax", %progbits
    .balign 4
    .global mf_quantize_s8_mul
    .thumb_func
    .type mf_quantize_s8_mul, %function
mf_quantize_s8_mul:
    push {r4, r5, r6, r7, r8, r9, lr}
    ldrd r1, r2, [r0, #4]         /* out, groups */
    ldr r9, [r0, #16]             /* bias */
    vldr s4, [r0, #12]            /* 1 / scale */
    ldr r0, [r0]                  /* in */
    mov r8, r2
    add r2, r0, r2, lsl #4        /* end of the input */
    cmp r0, r2
    beq 2f
1:
    vldmia r0!, {s0, s1, s2, s3}
    vmul.f32 s0, s0, s4
    vmul.f32 s1, s1, s4
    vmul.f32 s2, s2, s4
    vmul.f32 s3, s3, s4
    vcvt.s32.f32 s0, s0, #15
    vcvt.s32.f32 s1, s1, #15
    vcvt.s32.f32 s2, s2, #15
    vcvt.s32.f32 s3, s3, #15
    vmov r4, r5, s0, s1
    vmov r6, r7, s2, s3
    qadd r4, r4, r9
    qadd r5, r5, r9
    qadd r6, r6, r9
    qadd r7, r7, r9
    ubfx r3, r4, #4, #11
    ubfx ip, r5, #4, #11
    mul r3, r3, ip
    ubfx ip, r6, #4, #11
    mul r3, r3, ip
    ubfx ip, r7, #4, #11
    mul r3, r3, ip
    cbz r3, 3f
    ssat r4, #8, r4, asr #15
    ssat r5, #8, r5, asr #15
    ssat r6, #8, r6, asr #15
    ssat r7, #8, r7, asr #15
    strb r4, [r1]
    strb r5, [r1, #1]
    strb r6, [r1, #2]
    strb r7, [r1, #3]
    add r1, r1, #4
    cmp r0, r2
    bne 1b
2:
    mov r0, r8
    pop {r4, r5, r6, r7, r8, r9, pc}
3:  /* a group near a boundary: the groups done before it */
    sub r0, r0, #16
    sub r2, r2, r0
    sub r0, r8, r2, lsr #4
    pop {r4, r5, r6, r7, r8, r9, pc}
    .size mf_quantize_s8_mul, . - mf_quantize_s8_mul
#endif
