/*
 * Thumb-2 instruction classes from encodings (see decode.h). Encoding spaces follow the Armv7-M and
 * Armv8-M Architecture Reference Manuals' T32 decode tables ("16-bit Thumb instruction encoding",
 * "32-bit Thumb instruction encoding"); Helium (MVE) sits in the coprocessor space with coprocessor
 * field 0b111x and in the 0xEF/0xFF data-processing space, the low-overhead-branch instructions and
 * VCTP in the branch space with hw2[14] = 1, hw2[12] = 0.
 */
#include "decode.h"

static const char *const NAMES[MFC_N_EVENTS] = {
#define MFC_NAME(e, name) name,
    MFC_EVENTS(MFC_NAME)
#undef MFC_NAME
};

const char *mfc_event_name(enum mfc_event e) { return (unsigned)e < MFC_N_EVENTS ? NAMES[e] : "?"; }

void mfc_decoder_reset(mfc_decoder *d)
{
    d->it_left = 0;
    d->prev_ldst = 0;
}

unsigned mfc_insn_size(uint16_t hw1)
{
    const unsigned top = hw1 >> 11;
    return top == 0x1D || top == 0x1E || top == 0x1F ? 4u : 2u;
}

static unsigned popcount16(uint32_t v)
{
    unsigned n = 0;
    for (v &= 0xFFFFu; v; v &= v - 1u) {
        ++n;
    }
    return n;
}

static unsigned ctz4(uint32_t v)
{
    unsigned n = 0;
    while (n < 4u && !(v & (1u << n))) {
        ++n;
    }
    return n;
}

/* What one encoding is, before the IT/pipelining context is applied. */
typedef struct {
    enum mfc_event cls;
    enum mfc_event extra;  /* MFC_N_EVENTS: none */
    uint32_t extra_count;
    uint8_t pc_write;      /* writes the PC (a control transfer) */
    uint8_t cond_branch;   /* B<cond>, CBZ/CBNZ: conditional by itself */
    uint8_t it_mask;       /* an IT instruction: its mask (else 0) */
} raw;

static raw make(enum mfc_event cls)
{
    raw r = {cls, MFC_N_EVENTS, 0, 0, 0, 0};
    return r;
}

static raw with(enum mfc_event cls, enum mfc_event extra, uint32_t count)
{
    raw r = make(cls);
    r.extra = extra;
    r.extra_count = count;
    return r;
}

static raw branch(enum mfc_event cls)
{
    raw r = make(cls);
    r.pc_write = 1;
    return r;
}

static raw mve(enum mfc_event cls) { return with(cls, MFC_EV_MVE_BEATS, 4); }

/* ---- 16-bit encodings ------------------------------------------------------------------------- */

static raw decode16(uint32_t hw)
{
    const uint32_t op = hw >> 10;
    if ((op & 0x30u) == 0x00u) { /* 00xxxx: shift (immediate), add, subtract, move, compare */
        return make(MFC_EV_ALU);
    }
    if (op == 0x10u) { /* 010000: data processing; MUL */
        return make((hw & 0xFFC0u) == 0x4340u ? MFC_EV_MUL : MFC_EV_ALU);
    }
    if (op == 0x11u) { /* 010001: special data processing, branch and exchange */
        const uint32_t opc = (hw >> 8) & 3u;
        const uint32_t rd = (hw & 7u) | ((hw >> 4) & 8u);
        if (opc == 3u) {
            return branch(MFC_EV_BRANCH); /* BX, BLX */
        }
        if (opc != 1u && rd == 15u) {
            return branch(MFC_EV_BRANCH); /* ADD PC, Rm / MOV PC, Rm */
        }
        return make(MFC_EV_ALU);
    }
    if ((op & 0x3Eu) == 0x12u) { /* 01001x: LDR (literal) */
        return make(MFC_EV_LOAD);
    }
    if ((op & 0x3Cu) == 0x14u) { /* 0101xx: load/store register offset */
        return make(((hw >> 9) & 7u) < 3u ? MFC_EV_STORE : MFC_EV_LOAD);
    }
    if ((op & 0x38u) == 0x18u || (op & 0x38u) == 0x20u) { /* 011xxx, 100xxx: load/store immediate, SP */
        return make((hw & 0x0800u) ? MFC_EV_LOAD : MFC_EV_STORE);
    }
    if ((op & 0x3Cu) == 0x28u) { /* 1010xx: ADR, ADD Rd, SP, #imm */
        return make(MFC_EV_ALU);
    }
    if ((op & 0x3Cu) == 0x2Cu) { /* 1011xx: miscellaneous */
        if ((hw & 0xFF00u) == 0xB000u || (hw & 0xFF00u) == 0xB200u) {
            return make(MFC_EV_ALU); /* ADD/SUB SP, #imm; SXTH/SXTB/UXTH/UXTB */
        }
        if ((hw & 0xF500u) == 0xB100u) { /* CBZ, CBNZ */
            raw r = branch(MFC_EV_BRANCH_COND);
            r.cond_branch = 1;
            return r;
        }
        if ((hw & 0xFE00u) == 0xB400u) { /* PUSH */
            return with(MFC_EV_STORE_MULTIPLE, MFC_EV_STM_REGS, popcount16(hw & 0x1FFu));
        }
        if ((hw & 0xFE00u) == 0xBC00u) { /* POP */
            raw r = with(MFC_EV_LOAD_MULTIPLE, MFC_EV_LDM_REGS, popcount16(hw & 0x1FFu));
            r.pc_write = (hw & 0x100u) != 0u;
            return r;
        }
        if ((hw & 0xFFE8u) == 0xB660u) {
            return make(MFC_EV_SYSTEM); /* CPS */
        }
        if ((hw & 0xFFC0u) == 0xBA80u) {
            return make(MFC_EV_SYSTEM); /* HLT */
        }
        if ((hw & 0xFF00u) == 0xBA00u) {
            return make(MFC_EV_ALU); /* REV, REV16, REVSH */
        }
        if ((hw & 0xFF00u) == 0xBE00u) {
            return make(MFC_EV_SYSTEM); /* BKPT */
        }
        if ((hw & 0xFF00u) == 0xBF00u) {
            if (hw & 0xFu) { /* IT */
                raw r = make(MFC_EV_ALU);
                r.it_mask = (uint8_t)(hw & 0xFu);
                return r;
            }
            return make((hw & 0xF0u) == 0u ? MFC_EV_ALU : MFC_EV_SYSTEM); /* NOP; YIELD, WFE, WFI, SEV */
        }
        return make(MFC_EV_UNKNOWN);
    }
    if ((op & 0x3Cu) == 0x30u) { /* 1100xx: STM, LDM */
        if (hw & 0x0800u) {
            return with(MFC_EV_LOAD_MULTIPLE, MFC_EV_LDM_REGS, popcount16(hw & 0xFFu));
        }
        return with(MFC_EV_STORE_MULTIPLE, MFC_EV_STM_REGS, popcount16(hw & 0xFFu));
    }
    if ((op & 0x3Cu) == 0x34u) { /* 1101xx: B<cond>, UDF, SVC */
        const uint32_t cond = (hw >> 8) & 0xFu;
        if (cond >= 0xEu) {
            return make(MFC_EV_SYSTEM);
        }
        raw r = branch(MFC_EV_BRANCH_COND);
        r.cond_branch = 1;
        return r;
    }
    if ((op & 0x3Eu) == 0x38u) { /* 11100x: B */
        return branch(MFC_EV_BRANCH);
    }
    return make(MFC_EV_UNKNOWN);
}

/* ---- 32-bit encodings ------------------------------------------------------------------------- */

static raw load_store_multiple(uint32_t hw1, uint32_t hw2)
{
    const uint32_t mode = (hw1 >> 7) & 3u;
    if (hw1 == 0xE89Fu) {
        return make(MFC_EV_ALU); /* CLRM */
    }
    if (mode == 0u || mode == 3u) {
        return make(MFC_EV_SYSTEM); /* SRS, RFE */
    }
    if (hw1 & 0x10u) {
        raw r = with(MFC_EV_LOAD_MULTIPLE, MFC_EV_LDM_REGS, popcount16(hw2));
        r.pc_write = (hw2 & 0x8000u) != 0u;
        return r;
    }
    return with(MFC_EV_STORE_MULTIPLE, MFC_EV_STM_REGS, popcount16(hw2));
}

static raw load_store_dual(uint32_t hw1, uint32_t hw2)
{
    const uint32_t op1 = (hw1 >> 7) & 3u, op2 = (hw1 >> 4) & 3u, op3 = (hw2 >> 4) & 0xFu;
    if (hw1 == 0xE97Fu && hw2 == 0xE97Fu) {
        return make(MFC_EV_SYSTEM); /* SG */
    }
    if (op1 == 0u && op2 == 0u) {
        if ((hw1 & 0xFFF0u) == 0xE840u && (hw2 & 0xF03Fu) == 0xF000u) {
            return make(MFC_EV_SYSTEM); /* TT, TTT, TTA, TTAT */
        }
        return make(MFC_EV_STORE); /* STREX */
    }
    if (op1 == 0u && op2 == 1u) {
        return make(MFC_EV_LOAD); /* LDREX */
    }
    if (((op1 & 2u) == 0u && op2 == 2u) || ((op1 & 2u) == 2u && (op2 & 1u) == 0u)) {
        return make(MFC_EV_STORE_DUAL); /* STRD */
    }
    if (((op1 & 2u) == 0u && op2 == 3u) || ((op1 & 2u) == 2u && (op2 & 1u) == 1u)) {
        return make(MFC_EV_LOAD_DUAL); /* LDRD */
    }
    if (op1 == 1u && op2 == 0u) {
        return make(MFC_EV_STORE); /* STREXB/H/D, STL, STLB, STLH, STLEX* */
    }
    /* op1 == 1, op2 == 1 */
    if (op3 == 0u || op3 == 1u) {
        return branch(MFC_EV_TABLE_BRANCH); /* TBB, TBH */
    }
    return make(MFC_EV_LOAD); /* LDREXB/H/D, LDA, LDAB, LDAH, LDAEX* */
}

static raw branch_misc(uint32_t hw1, uint32_t hw2)
{
    const uint32_t op1 = (hw2 >> 12) & 7u;
    if ((op1 & 5u) == 0u) {
        if (((hw1 >> 7) & 7u) != 7u) { /* B<cond> (T3) */
            raw r = branch(MFC_EV_BRANCH_COND);
            r.cond_branch = 1;
            return r;
        }
        const uint32_t op = (hw1 >> 4) & 0x7Fu;
        if (op == 0x3Au) { /* hints */
            return make((hw2 & 0xFFu) == 0u ? MFC_EV_ALU : MFC_EV_SYSTEM);
        }
        if (op == 0x38u || op == 0x39u || op == 0x3Bu || op == 0x3Eu || op == 0x3Fu) {
            return make(MFC_EV_SYSTEM); /* MSR, CLREX/DSB/DMB/ISB, MRS */
        }
        if (op == 0x7Fu && op1 == 2u) {
            return make(MFC_EV_SYSTEM); /* UDF */
        }
        return make(MFC_EV_UNKNOWN);
    }
    if ((op1 & 5u) == 1u || (op1 & 5u) == 5u) {
        return branch(MFC_EV_BRANCH); /* B (T4), BL */
    }
    /* 1x0: Armv8.1-M low-overhead loops and VCTP */
    if ((hw2 & 0xF001u) == 0xC001u || hw2 == 0xE001u) {
        return make(MFC_EV_LOOP); /* WLS, WLSTP, LE, LETP; DLS, DLSTP, LCTP */
    }
    if (hw2 == 0xE801u) {
        return mve(MFC_EV_MVE); /* VCTP */
    }
    return make(MFC_EV_UNKNOWN);
}

static raw fp_data(uint32_t hw1, uint32_t hw2)
{
    if (hw1 & 0x1000u) {
        return make(MFC_EV_FP); /* VSEL, VMAXNM, VMINNM, VRINT{A,N,P,M}, VCVT{A,N,P,M} */
    }
    switch ((hw1 >> 4) & 0xBu) {
    case 0x0u: /* VMLA, VMLS */
    case 0x1u: /* VNMLA, VNMLS */
    case 0x9u: /* VFNMA, VFNMS */
    case 0xAu: /* VFMA, VFMS */
        return make(MFC_EV_FP_MAC);
    case 0x2u: /* VMUL, VNMUL */
    case 0x3u: /* VADD, VSUB */
        return make(MFC_EV_FP);
    case 0x8u:
        return make(MFC_EV_FP_DIV);
    default: /* 0xB: VMOV (immediate, register), VABS, VNEG, VSQRT, VCVT*, VCMP*, VRINT* */
        return make((hw1 & 0xFu) == 1u && ((hw2 >> 6) & 3u) == 3u ? MFC_EV_FP_SQRT : MFC_EV_FP);
    }
}

static raw fp_load_store(uint32_t hw1, uint32_t hw2)
{
    const uint32_t p = (hw1 >> 8) & 1u, u = (hw1 >> 7) & 1u, w = (hw1 >> 5) & 1u, l = (hw1 >> 4) & 1u;
    const uint32_t dbl = (hw2 >> 8) & 1u, imm8 = hw2 & 0xFFu;
    uint32_t words;
    if (p == 1u && w == 0u) {
        words = dbl ? 2u : 1u; /* VLDR, VSTR */
    } else if (p == 0u && u == 0u) {
        return make(MFC_EV_SYSTEM); /* VLLDM, VLSTM */
    } else if (l && p == 0u && (hw1 & 0xFu) == 0xFu) {
        return make(MFC_EV_SYSTEM); /* VSCCLRM */
    } else {
        words = dbl ? (imm8 & ~1u) : imm8; /* VLDM, VSTM, VPUSH, VPOP */
    }
    return l ? with(MFC_EV_FP_LOAD, MFC_EV_FP_LOAD_WORDS, words) : with(MFC_EV_FP_STORE, MFC_EV_FP_STORE_WORDS, words);
}

static raw coprocessor(uint32_t hw1, uint32_t hw2)
{
    const uint32_t space = (hw1 >> 8) & 3u, coproc = (hw2 >> 8) & 0xFu;
    const int fp = (coproc & 0xEu) == 0xAu, vec = (coproc & 0xEu) == 0xEu;
    if (space == 3u) { /* 0xEFxx, 0xFFxx: Helium vector data processing */
        return mve(MFC_EV_MVE);
    }
    if (space == 2u) { /* 0xEExx, 0xFExx: data processing, register transfers */
        if (fp) {
            return (hw2 & 0x10u) ? make(MFC_EV_FP_MOVE) : fp_data(hw1, hw2);
        }
        return vec ? mve(MFC_EV_MVE) : make(MFC_EV_UNKNOWN);
    }
    /* 0xECxx, 0xEDxx, 0xFCxx, 0xFDxx: loads, stores, 64-bit transfers */
    const int transfer64 = ((hw1 >> 4) & 0x3Au) == 0u;
    if (fp) {
        return transfer64 ? make(MFC_EV_FP_MOVE) : fp_load_store(hw1, hw2);
    }
    if ((hw1 & 0x1000u) && coproc == 8u) {
        return mve(MFC_EV_MVE); /* VCADD, VCMLA (floating point) */
    }
    if (vec) {
        if (transfer64) {
            return mve(MFC_EV_MVE); /* VMOV two lanes <-> two core registers */
        }
        return mve((hw1 & 0x10u) ? MFC_EV_MVE_LOAD : MFC_EV_MVE_STORE);
    }
    return make(MFC_EV_UNKNOWN);
}

static raw decode32(uint32_t hw1, uint32_t hw2)
{
    const uint32_t op1 = (hw1 >> 11) & 3u, op2 = (hw1 >> 4) & 0x7Fu;
    if (op1 == 1u) {
        if ((op2 & 0x64u) == 0x00u) {
            return load_store_multiple(hw1, hw2);
        }
        if ((op2 & 0x64u) == 0x04u) {
            return load_store_dual(hw1, hw2);
        }
        if ((op2 & 0x60u) == 0x20u) {
            return make(MFC_EV_ALU); /* data processing (shifted register); Helium long shifts */
        }
        return coprocessor(hw1, hw2);
    }
    if (op1 == 2u) {
        return (hw2 & 0x8000u) ? branch_misc(hw1, hw2) : make(MFC_EV_ALU); /* data processing (immediate) */
    }
    /* op1 == 3 */
    if ((op2 & 0x71u) == 0x00u) {
        return make(MFC_EV_STORE); /* STRB, STRH, STR */
    }
    if ((op2 & 0x67u) == 0x01u || (op2 & 0x67u) == 0x03u) { /* load byte, halfword; memory hints */
        return make((hw2 >> 12) == 0xFu ? MFC_EV_SYSTEM : MFC_EV_LOAD);
    }
    if ((op2 & 0x67u) == 0x05u) { /* load word */
        raw r = make(MFC_EV_LOAD);
        r.pc_write = (hw2 >> 12) == 0xFu;
        return r;
    }
    if ((op2 & 0x70u) == 0x20u) {
        return make(MFC_EV_ALU); /* data processing (register), parallel add/subtract, miscellaneous */
    }
    if ((op2 & 0x78u) == 0x30u) {
        return make(MFC_EV_MUL); /* multiply, multiply accumulate, absolute difference */
    }
    if ((op2 & 0x78u) == 0x38u) { /* long multiply, divide */
        const uint32_t lop1 = (hw1 >> 4) & 7u, lop2 = (hw2 >> 4) & 0xFu;
        if (lop2 == 0xFu && (lop1 == 1u || lop1 == 3u)) {
            return make(MFC_EV_DIV);
        }
        return make(MFC_EV_MUL_LONG);
    }
    if (op2 & 0x40u) {
        return coprocessor(hw1, hw2);
    }
    return make(MFC_EV_UNKNOWN);
}

static int is_single_ldst(enum mfc_event c)
{
    return c == MFC_EV_LOAD || c == MFC_EV_LOAD_PIPELINED || c == MFC_EV_STORE || c == MFC_EV_STORE_PIPELINED;
}

int mfc_decode(mfc_decoder *d, const uint8_t *code, size_t len, mfc_insn *out)
{
    if (len < 2u) {
        return -1;
    }
    const uint32_t hw1 = (uint32_t)code[0] | ((uint32_t)code[1] << 8);
    const unsigned size = mfc_insn_size((uint16_t)hw1);
    if (len < size) {
        return -1;
    }
    raw r;
    if (size == 4u) {
        const uint32_t hw2 = (uint32_t)code[2] | ((uint32_t)code[3] << 8);
        r = decode32(hw1, hw2);
    } else {
        r = decode16(hw1);
    }
    const int in_it = d->it_left > 0u;
    out->size = (uint8_t)size;
    out->conditional = (uint8_t)(in_it || r.cond_branch);
    out->conditional_pc_write = (uint8_t)(r.pc_write && out->conditional);
    out->n_extras = 0;
    if (r.pc_write && in_it && r.cls == MFC_EV_BRANCH) {
        r.cls = MFC_EV_BRANCH_COND; /* BX/B/MOV PC inside an IT block */
    }
    if (d->prev_ldst && r.cls == MFC_EV_LOAD && !r.pc_write) {
        r.cls = MFC_EV_LOAD_PIPELINED;
    } else if (d->prev_ldst && r.cls == MFC_EV_STORE) {
        r.cls = MFC_EV_STORE_PIPELINED;
    }
    out->cls = r.cls;
    if (r.extra != MFC_N_EVENTS && r.extra_count) {
        out->extra[out->n_extras] = r.extra;
        out->extra_count[out->n_extras++] = r.extra_count;
    }
    if (r.pc_write && !out->conditional) {
        out->extra[out->n_extras] = MFC_EV_UNCOND_TAKEN;
        out->extra_count[out->n_extras++] = 1;
    }
    d->prev_ldst = (uint8_t)(is_single_ldst(r.cls) && !r.pc_write);
    if (in_it) {
        d->it_left--;
    }
    if (r.it_mask) {
        d->it_left = (uint8_t)(4u - ctz4(r.it_mask));
    }
    return 0;
}
