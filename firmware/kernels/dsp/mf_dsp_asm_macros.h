/*
 * Private to the dsp kernels' assembly files (firmware/kernels/dsp/, the .S files): the macros they share.
 * Assembler only.
 */
#ifndef MF_DSP_ASM_MACROS_H
#define MF_DSP_ASM_MACROS_H
#ifdef __ASSEMBLER__

/* d = a * b over both 16-bit lanes: SMUAD on a tile's first block (no zeroing), SMLAD after it */
    .macro ACC first, d, a, b
    .if \first
    smuad \d, \a, \b
    .else
    smlad \d, \a, \b, \d
    .endif
    .endm

/* One output from X in x (nn.h MF_DSP_RQ_FAST / FAST_FLOOR): x = SSAT8(SMMLAR(X, m, c') >> rs) with
 * c' = c + (X >> 31) when fix, else c; the record's m, c, rs in r3, ip, lr; r2 is clobbered (fix). */
    .macro RQ1 fix, x
    .if \fix
    add r2, ip, \x, asr #31
    smmlar \x, \x, r3, r2
    .else
    smmlar \x, \x, r3, ip
    .endif
    asr \x, \x, lr
    ssat \x, #8, \x
    .endm

#endif /* __ASSEMBLER__ */
#endif /* MF_DSP_ASM_MACROS_H */
