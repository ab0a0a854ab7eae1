/* mf_fully_connected_s8_rows: the full 4-pair tiles (8 output rows each) of one input row, widened
 * once (per 4-byte block its SXTB16 and SXTB16-ROR-8 words), requantised (MF_DSP_RQ_FAST or
 * MF_DSP_RQ_FAST_FLOOR) and stored; private to dsp/mf_fully_connected_s8.c (declared in
 * mf_dsp_asm.h). Per tile: the first block by SMUAD (no zeroing), the others four per pass by SMLAD
 * (29 instructions per 32 multiply-accumulates), then the eight outputs (one LDM per row record,
 * SMMLAR). The C path (tile_c in mf_fully_connected_s8.c) is the same arithmetic. */
#if defined(__thumb2__) && defined(__ARM_FEATURE_DSP)
/* A build for one model assembles this loop only if a layer takes it (nn.h, MF_DSP_SELECT: on the
 * command line, or in an exported library's mcuforge/variant.h). */
#include "mcuforge/variant.h"
#ifndef MF_DSP_SELECT
#define MF_DSP_WITH_FC_ROWS 1
#endif
#endif
#if defined(__thumb2__) && defined(__ARM_FEATURE_DSP) && MF_DSP_WITH_FC_ROWS
#include "mf_dsp_asm_macros.h"
    .syntax unified
    .thumb

/* One lane (x in r2 or r3) of one block against the lane's words of the four pairs: sums A_j, B_j
 * in r4 + 2 j, r5 + 2 j. */
    .macro LANE4 first, x
    ldrd ip, lr, [r1], #8
    ACC \first, r4, ip, \x
    ACC \first, r6, lr, \x
    sxtb16 ip, ip
    sxtb16 lr, lr
    ACC \first, r5, ip, \x
    ACC \first, r7, lr, \x
    ldrd ip, lr, [r1], #8
    ACC \first, r8, ip, \x
    ACC \first, r10, lr, \x
    sxtb16 ip, ip
    sxtb16 lr, lr
    ACC \first, r9, ip, \x
    ACC \first, r11, lr, \x
    .endm

    .macro BLOCK first=0
    ldrd r2, r3, [r0], #8
    LANE4 \first, r2
    LANE4 0, r3
    .endm

/* rows 2 j (B sum b) and 2 j + 1 ((A - B) / 256) of a pair (records at r0, advanced) */
    .macro PAIR1 fix, a, b
    sub \a, \a, \b
    ldmia r0!, {r2, r3, ip, lr}
    add \b, r2, \b, lsl #1
    RQ1 \fix, \b
    ldmia r0!, {r2, r3, ip, lr}
    add \a, r2, \a, asr #7
    RQ1 \fix, \a
    .endm

    .macro EPILOGUE fix
    ldr r0, [sp, #12]
    PAIR1 \fix, r4, r5
    PAIR1 \fix, r6, r7
    PAIR1 \fix, r8, r9
    PAIR1 \fix, r10, r11
    str r0, [sp, #12]
    .endm

    .section .text.mf_fully_connected_s8_rows, "ax", %progbits
    .balign 4
    .global mf_fully_connected_s8_rows
    .thumb_func
    .type mf_fully_connected_s8_rows, %function
mf_fully_connected_s8_rows:
    push {r4, r5, r6, r7, r8, r9, r10, r11, lr}
    sub sp, sp, #28
    /* frame: [sp] end of the input, [4] its start, [8] where the MAC loop enters after the first
     * block, [12] records, [16] out, [20] end of the tiles' weights, [24] epilogue */
    ldrd r2, r3, [r0]             /* x, nblk */
    add r4, r2, r3, lsl #3
    strd r4, r2, [sp]
    ldr r1, [r0, #8]
    ldrd r4, r5, [r0, #12]        /* rec, out */
    strd r4, r5, [sp, #12]
    ldr r7, [r0, #20]             /* tiles */
    mul r7, r7, r3
    add r7, r1, r7, lsl #5        /* 32 bytes per block and tile */
    str r7, [sp, #20]
    ldr r7, [r0, #24]
    adr r5, 8f
    adr r6, 7f
    cmp r7, #0
    it ne
    movne r6, r5
    orr r6, r6, #1
    str r6, [sp, #24]
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
0:
    ldr r0, [sp, #4]
    BLOCK 1
    ldr pc, [sp, #8]
1:
    BLOCK
2:
    BLOCK
5:
    BLOCK
4:
    BLOCK
    ldr r2, [sp]
    cmp r0, r2
    bne 1b
    ldr pc, [sp, #24]
7:
    EPILOGUE 0
    b 9f
8:
    EPILOGUE 1
9:
    ldr r0, [sp, #16]
    strb r5, [r0]
    strb r4, [r0, #1]
    strb r7, [r0, #2]
    strb r6, [r0, #3]
    strb r9, [r0, #4]
    strb r8, [r0, #5]
    strb r11, [r0, #6]
    strb r10, [r0, #7]
    add r0, r0, #8
    str r0, [sp, #16]
    ldr r2, [sp, #20]
    cmp r1, r2
    bne 0b
    mov r0, r1
    add sp, sp, #28
    pop {r4, r5, r6, r7, r8, r9, r10, r11, pc}
    .size mf_fully_connected_s8_rows, . - mf_fully_connected_s8_rows
#endif
