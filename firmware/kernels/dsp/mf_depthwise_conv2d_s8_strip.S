/* mf_depthwise_conv2d_s8_strip (stride 1), _strip2 (stride 2): the four channels of one channel
 * group of a 3x3 DEPTHWISE_CONV_2D over one band of their planar int16 copy, four outputs per pass;
 * _plane, _plane2: that copy built from rows of input words. Private to
 * dsp/mf_depthwise_conv2d_s8.c (declared in mf_dsp_asm.h, which documents the arguments and the
 * strip layouts).
 *
 * A stride-1 pass computes outputs u..u+3 of one output row from three strip rows (three words
 * each: P01 = (p0, p1), P23, P45 at positions u..u+5) and the row's weights Wa = (w0, w1),
 * Wb = (w2, w1) held in registers: per row 8 multiply instructions for 12 multiply-accumulates
 * (SMLAD, SMLABB, SMLATB, SMLADX: the second output's (p1, p2) pair without repacking); stride 2:
 * five words per row (positions 2 u .. 2 u + 9), SMLAD and SMLABB per output. A last strip of
 * 1 to 3 outputs (the tail) runs passes that compute and store only those. The sums start from
 * the bias (one LDM of its four copies), then are requantised and stored.
 * MF_DSP_RQ_FLOOR_SHIFT: SMMLA and one SSAT with the fixed shift MF_DSP_RQ_SHIFT;
 * MF_DSP_RQ_FAST (and FAST_FLOOR, which it also serves): SMMLAR with the tie correction, ASR by the
 * record's shift, SSAT. The strips of the four channels lie one after the other, so the row pointer
 * runs from each strip into the next: only the output pointer is set per strip. The C path of the
 * kernel (group_c in mf_depthwise_conv2d_s8.c) is the same arithmetic and what the host build runs. */
#if defined(__thumb2__) && defined(__ARM_FEATURE_DSP)
/* A build for one model assembles only the requantisations and last-strip widths its layers take
 * (nn.h, MF_DSP_SELECT: on the command line, or in an exported library's mcuforge/variant.h). */
#include "mcuforge/variant.h"
#ifndef MF_DSP_SELECT
#define MF_DSP_WITH_DW_RQ_SHIFT 1
#define MF_DSP_WITH_DW_RQ_FAST 1
#define MF_DSP_WITH_DW_TAIL1 1
#define MF_DSP_WITH_DW_TAIL2 1
#define MF_DSP_WITH_DW_TAIL3 1
#endif
    .syntax unified
    .thumb

    .equ MF_DSP_RQ_FLOOR_SHIFT, 3   /* nn.h */
    .equ MF_DSP_RQ_SHIFT, 10

/* the frame of the strip functions */
    .equ F_BIAS, 0      /* the bias x 4: the sums' start */
    .equ F_M, 16        /* mult */
    .equ F_C, 20        /* c (FAST) or K (FLOOR_SHIFT) */
    .equ F_RS, 24       /* the record's shift */
    .equ F_CUR, 28      /* where this pass stores its first output */
    .equ F_SU, 32       /* output step along u (must follow F_CUR) */
    .equ F_SV2, 36      /* step v - 2 step u (must precede F_END) */
    .equ F_END, 40      /* the row pointer at the end of this strip's passes */
    .equ F_SV, 44       /* step v (must follow F_END) */
    .equ F_DELTA, 48    /* from the output after a strip's last pass to the next strip's first */
    .equ F_PBYTES, 52   /* row bytes the passes of a strip move on */
    .equ F_LEFT, 56     /* full strips left */
    .equ F_W, 60        /* the next channel's weights */
    .equ F_REC, 64      /* the next channel's record */
    .equ F_BASE, 68     /* the next channel's first output */
    .equ F_CHANS, 72    /* channels left */
    .equ F_TAIL, 76     /* outputs in the last strip (0: none) */
    .equ F_MODE, 80
    .equ F_STRIPS, 84   /* full strips */
    .equ F_SAVE, 88     /* two weights saved around the FAST requantisation */
    .equ F_SIZE, 96

/* stride 1: one strip row (P01 P23 P45) against one weight row (wa, wb) for the first n outputs;
 * lr moves on to the next row */
    .macro ROW n, wa, wb
    ldmia lr!, {r4, r5, r6}
    smlad r0, r4, \wa, r0
    smlabb r0, r5, \wb, r0
    .if \n >= 2
    smlatb r1, r4, \wa, r1
    smladx r1, r5, \wb, r1
    .endif
    .if \n >= 3
    smlad r2, r5, \wa, r2
    smlabb r2, r6, \wb, r2
    .endif
    .if \n >= 4
    smlatb r3, r5, \wa, r3
    smladx r3, r6, \wb, r3
    .endif
    .endm

/* stride 2: one strip row of five words (positions 2 u .. 2 u + 9): output i takes P(2i, 2i+1) * wa
 * and P(2i+2) * w2 */
    .macro ROW2 n, wa, wb
    ldmia lr!, {r4, r5, r6}
    smlad r0, r4, \wa, r0
    smlabb r0, r5, \wb, r0
    .if \n >= 2
    smlad r1, r5, \wa, r1
    smlabb r1, r6, \wb, r1
    .endif
    .if \n >= 3
    smlad r2, r6, \wa, r2
    .endif
    ldmia lr!, {r4, r5}
    .if \n >= 3
    smlabb r2, r4, \wb, r2
    .endif
    .if \n >= 4
    smlad r3, r4, \wa, r3
    smlabb r3, r5, \wb, r3
    .endif
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

/* the first n sums requantised */
    .macro RQ n, kind
    ldrd r4, r5, [sp, #F_M]
    .ifc \kind, shift
    RQ_SHIFT r0
    .if \n >= 2
    RQ_SHIFT r1
    .endif
    .if \n >= 3
    RQ_SHIFT r2
    .endif
    .if \n >= 4
    RQ_SHIFT r3
    .endif
    .else
    ldr r6, [sp, #F_RS]
    strd r7, r8, [sp, #F_SAVE]
    RQ_FIX r0, r7
    .if \n >= 2
    RQ_FIX r1, r8
    .endif
    .if \n >= 3
    RQ_FIX r2, r7
    .endif
    .if \n >= 4
    RQ_FIX r3, r8
    .endif
    ldrd r7, r8, [sp, #F_SAVE]
    .endif
    .endm

/* the first n outputs stored from F_CUR along u, F_CUR moved on by step v; ends with the
 * comparison of the row pointer against the strip's end */
    .macro STORE n
    ldrd r4, r5, [sp, #F_CUR]
    strb r0, [r4]
    .if \n >= 2
    strb r1, [r4, r5]
    .endif
    .if \n >= 3
    add r4, r4, r5, lsl #1
    strb r2, [r4]
    .endif
    .if \n >= 4
    strb r3, [r4, r5]
    .endif
    .if \n >= 3
    ldrd r5, r6, [sp, #F_SV2]
    .else
    ldrd r6, r5, [sp, #F_END]
    .endif
    add r4, r4, r5
    str r4, [sp, #F_CUR]
    cmp lr, r6
    .endm

/* the passes of one strip, n outputs each; `back` bytes: how far the row pointer ends past the
 * next pass's first row */
    .macro PASSES n, row, back, kind
1:
    ldmia sp, {r0, r1, r2, r3}
    \row \n, r7, r8
    \row \n, r9, r10
    \row \n, r11, ip
    sub lr, lr, #\back
    RQ \n, \kind
    STORE \n
    bne 1b
    .endm

/* every strip of one channel: the full ones, then the tail; `skip`: the rows after a strip's last
 * pass (the row pointer then starts the next strip) */
    .macro CHANNEL row, back, skip, kind
    ldr r0, [sp, #F_STRIPS]
    cmp r0, #0
    beq 3f
2:
    str r0, [sp, #F_LEFT]
    ldr r1, [sp, #F_PBYTES]
    add r1, lr, r1
    str r1, [sp, #F_END]
    PASSES 4, \row, \back, \kind
    add lr, lr, #\skip
    ldr r1, [sp, #F_CUR]
    ldr r2, [sp, #F_DELTA]
    add r1, r1, r2
    str r1, [sp, #F_CUR]
    ldr r0, [sp, #F_LEFT]
    subs r0, r0, #1
    bne 2b
3:
#if MF_DSP_WITH_DW_TAIL1 || MF_DSP_WITH_DW_TAIL2 || MF_DSP_WITH_DW_TAIL3
    ldr r0, [sp, #F_TAIL]
    cmp r0, #0
    beq 7f
    ldr r1, [sp, #F_PBYTES]
    add r1, lr, r1
    str r1, [sp, #F_END]
    cmp r0, #2
    blt 4f
    beq 5f
#if MF_DSP_WITH_DW_TAIL3
    PASSES 3, \row, \back, \kind
#endif
    b 6f
4:
#if MF_DSP_WITH_DW_TAIL1
    PASSES 1, \row, \back, \kind
#endif
    b 6f
5:
#if MF_DSP_WITH_DW_TAIL2
    PASSES 2, \row, \back, \kind
#endif
6:
    add lr, lr, #\skip
7:
#endif
    .endm

/* A strip function: `pstep` row bytes per pass */
    .macro STRIP_FN name, row, pstep, back, skip
    .section .text.\name, "ax", %progbits
    .balign 4
    .global \name
    .thumb_func
    .type \name, %function
\name:
    push {r4, r5, r6, r7, r8, r9, r10, r11, lr}
    sub sp, sp, #F_SIZE
    ldr lr, [r0]                  /* rows */
    ldr r1, [r0, #4]
    str r1, [sp, #F_W]
    ldr r1, [r0, #8]
    str r1, [sp, #F_REC]
    ldr r1, [r0, #12]
    str r1, [sp, #F_BASE]
    ldrd r1, r2, [r0, #16]        /* step u, step v */
    str r1, [sp, #F_SU]
    str r2, [sp, #F_SV]
    sub r3, r2, r1, lsl #1
    str r3, [sp, #F_SV2]
    ldr r3, [r0, #24]             /* passes */
    mul r4, r3, r2
    rsb r4, r4, r1, lsl #2
    str r4, [sp, #F_DELTA]
    mov r4, #\pstep
    mul r4, r3, r4
    str r4, [sp, #F_PBYTES]
    ldr r1, [r0, #28]
    str r1, [sp, #F_MODE]
    ldrd r1, r2, [r0, #32]        /* full strips, tail */
    str r1, [sp, #F_STRIPS]
    str r2, [sp, #F_TAIL]
    mov r1, #4
    str r1, [sp, #F_CHANS]
8:  /* a channel: its weights (Wa, Wb) per kernel row in r7 .. ip, from its five words A0, C, A1,
     * A2, D (Wb = (w2, w1) by PKH), its record in the frame */
    ldr r0, [sp, #F_W]
    ldmia r0!, {r7, r8, r9, r11, ip}
    str r0, [sp, #F_W]
    pkhtb r10, r9, r8, asr #16
    pkhbt r8, r8, r7
    pkhbt ip, ip, r11
    ldr r0, [sp, #F_REC]
    ldmia r0!, {r1, r2, r3, r4}
    str r0, [sp, #F_REC]
    strd r2, r3, [sp, #F_M]
    str r4, [sp, #F_RS]
    mov r0, r1
    mov r2, r1
    mov r3, r1
    stmia sp, {r0, r1, r2, r3}
    ldr r0, [sp, #F_BASE]
    str r0, [sp, #F_CUR]
    add r0, r0, #1
    str r0, [sp, #F_BASE]
    /* MF_DSP_RQ_FLOOR_SHIFT: a row that could not take the shift keeps a FAST record (shift >= 1) */
#if MF_DSP_WITH_DW_RQ_SHIFT && MF_DSP_WITH_DW_RQ_FAST
    ldr r0, [sp, #F_MODE]
    cmp r0, #MF_DSP_RQ_FLOOR_SHIFT
    bne 9f
    cmp r4, #1
    bge 9f
#endif
#if MF_DSP_WITH_DW_RQ_SHIFT
    CHANNEL \row, \back, \skip, shift
    b 10f
#endif
9:
#if MF_DSP_WITH_DW_RQ_FAST
    CHANNEL \row, \back, \skip, fast
#endif
10:
    ldr r0, [sp, #F_CHANS]
    subs r0, r0, #1
    str r0, [sp, #F_CHANS]
    bne 8b
    add sp, sp, #F_SIZE
    pop {r4, r5, r6, r7, r8, r9, r10, r11, pc}
    .size \name, . - \name
    .endm

    STRIP_FN mf_depthwise_conv2d_s8_strip, ROW, 12, 24, 24
    STRIP_FN mf_depthwise_conv2d_s8_strip2, ROW2, 40, 20, 20
#endif

/* The plane builders, for one plane row of 4 channels (mf_dsp_asm.h): the row's input words first
 * (the zero point outside the input; four loads per STM), then the strips' int16 words: positions
 * paired by PKHBT/PKHTB ((a, b) bytes 0-1 and 2-3), widened with the input offset added by
 * SXTAB16 (channels 0, 2) and SXTAB16 ROR 8 (channels 1, 3). Each word is made once: a strip's
 * last word is also the next strip's first, stored in both. */
#if defined(__thumb2__) && defined(__ARM_FEATURE_DSP)

/* Registers of the strip loop: r9 = row of words, r10 = destination (channel 0 of this strip),
 * r11 = bytes per channel, r12 = offset lanes, r6 = bytes per strip, lr = strips left. */
    .macro PLANE_FN name, body
    .section .text.\name, "ax", %progbits
    .balign 4
    .global \name
    .thumb_func
    .type \name, %function
\name:
    push {r4, r5, r6, r7, r8, r9, r10, r11, lr}
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
    mov r0, r12
    ldrd r9, r10, [r0]
    ldrd r11, r12, [r0, #8]
    ldrd lr, r6, [r0, #16]        /* strips, bytes per strip */
    /* the first strip's first word (positions 0, 1) of every channel */
    ldmia r9!, {r0, r1}
    pkhtb r4, r1, r0, asr #16
    pkhbt r0, r0, r1, lsl #16
    sxtab16 r1, r12, r0
    str r1, [r10]
    sxtab16 r1, r12, r0, ror #8
    str r1, [r10, r11]
    add r2, r10, r11, lsl #1
    sxtab16 r1, r12, r4
    str r1, [r2]
    sxtab16 r1, r12, r4, ror #8
    str r1, [r2, r11]
    \body
    pop {r4, r5, r6, r7, r8, r9, r10, r11, pc}
    .size \name, . - \name
    .endm

/* one channel's new words of a strip: (lo, hi) widened (ror 8 for channels 1, 3) into words
 * `at` and `at` + 4, the second also the next strip's first (dup) */
    .macro CHWORDS lo, hi, ror, at, dup
    .if \ror
    sxtab16 r1, r12, \lo, ror #8
    sxtab16 r3, r12, \hi, ror #8
    .else
    sxtab16 r1, r12, \lo
    sxtab16 r3, r12, \hi
    .endif
    strd r1, r3, [r10, #\at]
    .if \dup
    str r3, [r10, r6]
    .endif
    .endm

/* stride 1: a strip's positions 2..5 (its words P23, P45; P01 is stored already) */
    .macro STRIP3 dup
    ldmia r9!, {r0, r1, r2, r3}
    pkhtb r4, r1, r0, asr #16     /* (a2 a3 b2 b3): channels 2, 3 of positions 2, 3 */
    pkhbt r0, r0, r1, lsl #16     /* channels 0, 1 */
    pkhtb r5, r3, r2, asr #16
    pkhbt r2, r2, r3, lsl #16
    CHWORDS r0, r2, 0, 4, \dup
    add r10, r10, r11
    CHWORDS r0, r2, 1, 4, \dup
    add r10, r10, r11
    CHWORDS r4, r5, 0, 4, \dup
    add r10, r10, r11
    CHWORDS r4, r5, 1, 4, \dup
    add r10, r10, r7
    .endm

/* stride 2: a strip's positions 2..9 (words 1..4): positions 2..5 channels 0..3, then 6..9
 * channels 3..0 */
    .macro STRIP5 dup
    ldmia r9!, {r0, r1, r2, r3}
    pkhtb r4, r1, r0, asr #16
    pkhbt r0, r0, r1, lsl #16
    pkhtb r5, r3, r2, asr #16
    pkhbt r2, r2, r3, lsl #16
    CHWORDS r0, r2, 0, 4, 0
    add r10, r10, r11
    CHWORDS r0, r2, 1, 4, 0
    add r10, r10, r11
    CHWORDS r4, r5, 0, 4, 0
    add r10, r10, r11
    CHWORDS r4, r5, 1, 4, 0
    ldmia r9!, {r0, r1, r2, r3}
    pkhtb r4, r1, r0, asr #16
    pkhbt r0, r0, r1, lsl #16
    pkhtb r5, r3, r2, asr #16
    pkhbt r2, r2, r3, lsl #16
    CHWORDS r4, r5, 1, 12, \dup
    sub r10, r10, r11
    CHWORDS r4, r5, 0, 12, \dup
    sub r10, r10, r11
    CHWORDS r0, r2, 1, 12, \dup
    sub r10, r10, r11
    CHWORDS r0, r2, 0, 12, \dup
    add r10, r10, r6
    .endm

/* all strips: each but the last also writes the next strip's first word */
    .macro PLANE_BODY strip, adj
    .if \adj
    sub r7, r6, r11, lsl #1       /* after channel 3: bytes per strip - 3 bytes per channel */
    sub r7, r7, r11
    .endif
    subs lr, lr, #1
    beq 10f
9:
    \strip 1
    subs lr, lr, #1
    bne 9b
10:
    \strip 0
    .endm

    .macro BODY3
    PLANE_BODY STRIP3, 1
    .endm
    .macro BODY5
    PLANE_BODY STRIP5, 0
    .endm

    PLANE_FN mf_depthwise_conv2d_s8_plane, BODY3
    PLANE_FN mf_depthwise_conv2d_s8_plane2, BODY5
#endif
