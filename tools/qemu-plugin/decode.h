/*
 * Thumb-2 instruction classes for cycle estimates (ARMv7-M, ARMv7E-M, ARMv8-M Mainline, ARMv8.1-M with
 * the low-overhead-branch extension and Helium/MVE; single- and double-precision FP).
 *
 * mfc_decode() puts one instruction into exactly one *class* (the classes sum to the instruction
 * count) and may add *events* that a cost table weights separately: registers moved by LDM/STM,
 * 32-bit words moved by VLDR/VLDM/VSTR/VSTM, vector beats, unconditional control transfers. Taken
 * conditional branches are an event too, but only execution can tell: the decoder marks the
 * instruction (`conditional_pc_write`) and whoever runs the code counts EV_COND_TAKEN.
 *
 * The decoder reads encodings only (no disassembler); the classes follow the grouping of Arm's
 * processor TRMs' cycle tables. Names are shared with codegen/cycles/events.py through
 * mfc_event_name() (a test compares the two lists).
 */
#ifndef MFC_DECODE_H
#define MFC_DECODE_H

#include <stddef.h>
#include <stdint.h>

/* X(enum, name): classes first (one per executed instruction), then events. Append only: the
 * order is the plugin's output column order, which the host reads by name from the header. */
#define MFC_EVENTS(X)                                                                                 \
    X(ALU, "alu")                         /* data processing, moves, compares, extends, SIMD add */ \
    X(LOAD, "load")                       /* LDR/LDRB/LDRH/LDRSB/LDRSH/LDREX/LDA..., not after a load/store */ \
    X(LOAD_PIPELINED, "load_pipelined")   /* the same, directly after a single load or store */     \
    X(STORE, "store")                     /* STR/STRB/STRH/STREX/STL..., not after a load/store */  \
    X(STORE_PIPELINED, "store_pipelined") /* the same, directly after a single load or store */     \
    X(LOAD_DUAL, "load_dual")             /* LDRD */                                                 \
    X(STORE_DUAL, "store_dual")           /* STRD */                                                 \
    X(LOAD_MULTIPLE, "load_multiple")     /* LDM, POP (registers: EV_LDM_REGS) */                    \
    X(STORE_MULTIPLE, "store_multiple")   /* STM, PUSH (registers: EV_STM_REGS) */                   \
    X(BRANCH, "branch")                   /* B, BL, BX, BLX */                                       \
    X(BRANCH_COND, "branch_cond")         /* B<cond>, CBZ, CBNZ, a branch inside an IT block */     \
    X(TABLE_BRANCH, "table_branch")       /* TBB, TBH */                                             \
    X(MUL, "mul")                         /* MUL, MLA, MLS, SMLAD & co, SMUL/SMLA<x><y>, SMMUL, USAD8 */ \
    X(MUL_LONG, "mul_long")               /* SMULL, UMULL, SMLAL, UMLAL, UMAAL, SMLALD, SMLSLD */   \
    X(DIV, "div")                         /* SDIV, UDIV */                                           \
    X(FP, "fp")                           /* VADD, VSUB, VMUL, VNMUL, VABS, VNEG, VCMP, VCVT, VMOV... */ \
    X(FP_MAC, "fp_mac")                   /* VMLA, VMLS, VNMLA, VNMLS, VFMA, VFMS, VFNMA, VFNMS */   \
    X(FP_DIV, "fp_div")                   /* VDIV */                                                 \
    X(FP_SQRT, "fp_sqrt")                 /* VSQRT */                                                \
    X(FP_LOAD, "fp_load")                 /* VLDR, VLDM, VPOP (words: EV_FP_LOAD_WORDS) */           \
    X(FP_STORE, "fp_store")               /* VSTR, VSTM, VPUSH (words: EV_FP_STORE_WORDS) */         \
    X(FP_MOVE, "fp_move")                 /* VMOV core<->FP, VMRS, VMSR, lane moves, VDUP */        \
    X(MVE_LOAD, "mve_load")               /* VLDRB/H/W (contiguous, gather), VLD2x/VLD4x */         \
    X(MVE_STORE, "mve_store")             /* VSTRB/H/W (contiguous, scatter), VST2x/VST4x */        \
    X(MVE, "mve")                         /* other Helium vector instructions (VMLADAV, VMUL, VADD..) */ \
    X(LOOP, "loop")                       /* WLS, DLS, LE, WLSTP, DLSTP, LETP, LCTP */               \
    X(SYSTEM, "system")                   /* MRS, MSR, CPS, barriers, hints, SVC, BKPT, TT, SG... */ \
    X(UNKNOWN, "unknown")                 /* an encoding this decoder does not know */               \
    X(LDM_REGS, "ldm_regs")               /* event: registers loaded by LDM/POP */                   \
    X(STM_REGS, "stm_regs")               /* event: registers stored by STM/PUSH */                  \
    X(FP_LOAD_WORDS, "fp_load_words")     /* event: 32-bit words loaded by VLDR/VLDM/VPOP */         \
    X(FP_STORE_WORDS, "fp_store_words")   /* event: 32-bit words stored by VSTR/VSTM/VPUSH */        \
    X(MVE_BEATS, "mve_beats")             /* event: beats of Helium vector instructions (4 each) */  \
    X(UNCOND_TAKEN, "uncond_taken")       /* event: unconditional control transfers (branch, PC load) */ \
    X(COND_TAKEN, "cond_taken")           /* event: conditional control transfers taken (at run time) */

enum mfc_event {
#define MFC_ENUM(e, name) MFC_EV_##e,
    MFC_EVENTS(MFC_ENUM)
#undef MFC_ENUM
        MFC_N_EVENTS
};

#define MFC_N_CLASSES (MFC_EV_UNKNOWN + 1)
#define MFC_MAX_EXTRAS 2

/* Decoder state carried from one instruction to the next in program order (within a block). */
typedef struct {
    uint8_t it_left;   /* instructions left in the current IT block */
    uint8_t prev_ldst; /* the previous instruction was a single load or store */
} mfc_decoder;

typedef struct {
    enum mfc_event cls;                 /* the instruction's class (< MFC_N_CLASSES) */
    uint8_t n_extras;                   /* events besides the class */
    enum mfc_event extra[MFC_MAX_EXTRAS];
    uint32_t extra_count[MFC_MAX_EXTRAS];
    uint8_t size;                       /* 2 or 4 bytes */
    uint8_t conditional;                /* inside an IT block, or a conditional branch */
    uint8_t conditional_pc_write;       /* may write the PC depending on a condition */
} mfc_insn;

void mfc_decoder_reset(mfc_decoder *d);

/* Size in bytes (2 or 4) of the instruction whose first halfword is `hw1`. */
unsigned mfc_insn_size(uint16_t hw1);

/* Classify the instruction at `code` (little-endian halfwords; `len` >= its size). Returns 0, or -1
 * when `len` is too short. Advances the IT and load/store context in `d`. */
int mfc_decode(mfc_decoder *d, const uint8_t *code, size_t len, mfc_insn *out);

const char *mfc_event_name(enum mfc_event e);

#endif
