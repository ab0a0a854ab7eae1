"""A second, independent classifier for the cycle plugin's decoder: it reads objdump's *mnemonics*
(the plugin reads encodings) and must put every instruction into the same class, with the same
events. Used by tests/codegen/cycles/test_decoder.py on real firmware and hand-written assembly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CONDS = {"eq", "ne", "cs", "hs", "cc", "lo", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le", "al"}

LOADS = {"ldr", "ldrb", "ldrh", "ldrsb", "ldrsh", "ldrex", "ldrexb", "ldrexh", "ldrt", "ldrbt", "ldrht",
         "ldrsbt", "ldrsht", "lda", "ldab", "ldah", "ldaex", "ldaexb", "ldaexh"}
STORES = {"str", "strb", "strh", "strex", "strexb", "strexh", "strt", "strbt", "strht", "stl", "stlb", "stlh",
          "stlex", "stlexb", "stlexh"}
LDM = {"ldm", "ldmia", "ldmfd", "ldmdb", "ldmea", "pop"}
STM = {"stm", "stmia", "stmea", "stmdb", "stmfd", "push"}
BRANCHES = {"b", "bl", "bx", "blx"}
MULS = {"mul", "muls", "mla", "mls", "smlabb", "smlabt", "smlatb", "smlatt", "smlad", "smladx", "smlawb",
        "smlawt", "smlsd", "smlsdx", "smmla", "smmlar", "smmls", "smmlsr", "smmul", "smmulr", "smuad",
        "smuadx", "smulbb", "smulbt", "smultb", "smultt", "smulwb", "smulwt", "smusd", "smusdx", "usad8",
        "usada8"}
MUL_LONGS = {"smull", "umull", "smlal", "umlal", "umaal", "smlalbb", "smlalbt", "smlaltb", "smlaltt",
             "smlald", "smlaldx", "smlsld", "smlsldx"}
LOOPS = {"wls", "dls", "le", "letp", "wlstp", "dlstp", "lctp"}
SYSTEM = {"mrs", "msr", "cpsie", "cpsid", "dmb", "dsb", "isb", "svc", "bkpt", "wfi", "wfe", "sev", "yield",
          "clrex", "udf", "tt", "ttt", "tta", "ttat", "sg", "vscclrm", "vlldm", "vlstm", "pld", "pldw", "pli",
          "hlt"}
FP_MAC = {"vmla", "vmls", "vnmla", "vnmls", "vfma", "vfms", "vfnma", "vfnms"}
KNOWN = (LOADS | STORES | LDM | STM | BRANCHES | MULS | MUL_LONGS | LOOPS | SYSTEM | FP_MAC
         | {"ldrd", "strd", "cbz", "cbnz", "tbb", "tbh", "sdiv", "udiv", "nop", "mov", "add", "cmp", "vmov",
            "vldr", "vstr", "vldmia", "vldmdb", "vstmia", "vstmdb", "vpush", "vpop", "vmrs", "vmsr", "vdiv",
            "vsqrt", "vadd", "vsub", "vmul", "vnmul", "vabs", "vneg", "vcmp", "vcmpe", "vcvt", "and", "orr",
            "eor", "bic", "sub", "rsb", "adc", "sbc", "lsl", "lsr", "asr", "ror", "mvn", "neg", "tst", "teq",
            "cmn", "uxtb", "uxth", "sxtb", "sxth", "orn"})
CORE_REG = re.compile(r"\b(r\d{1,2}|sb|sl|fp|ip|sp|lr|pc|apsr_nzcv)\b")
LINE = re.compile(r"^\s*([0-9a-f]+):\t([0-9a-f]{4}(?: [0-9a-f]{4})?)\s*\t(\S+)\s*(.*)$")
FUNC = re.compile(r"^[0-9a-f]+ <(.+)>:$")


@dataclass(frozen=True)
class Instr:
    address: int
    halfwords: str       # "f8d1 3004", as objdump prints them
    mnemonic: str
    operands: str


def parse_objdump(text: str) -> list[Instr | None]:
    """Instructions in order; None where a function starts (the decoder's context resets there)."""
    out: list[Instr | None] = []
    for line in text.splitlines():
        if FUNC.match(line):
            out.append(None)
            continue
        m = LINE.match(line)
        if not m or m.group(3).startswith("."):   # .word, .short: literal pools
            continue
        ops = m.group(4).split(";")[0].split("@")[0].strip()
        out.append(Instr(int(m.group(1), 16), m.group(2), m.group(3), ops))
    return out


def _base(mnemonic: str) -> tuple[str, bool]:
    """(mnemonic without .w/.n/type suffix and condition, whether a condition was stripped)."""
    b = mnemonic.split(".")[0]
    if b in KNOWN or re.fullmatch(r"it[te]{0,3}", b):
        return b, False
    if b[-2:] in CONDS and (b[:-2] in KNOWN or b[:-2].startswith("v")):
        return b[:-2], True
    return b, False


def _reglist(operands: str) -> list[str]:
    m = re.search(r"\{([^}]*)\}", operands)
    regs: list[str] = []
    if not m:
        return regs
    for part in m.group(1).split(","):
        part = part.strip()
        r = re.fullmatch(r"([sdr])(\d+)-[sdr](\d+)", part)
        if r:
            regs += [f"{r.group(1)}{k}" for k in range(int(r.group(2)), int(r.group(3)) + 1)]
        elif part:
            regs.append(part)
    return regs


def _fp_words(regs: list[str]) -> int:
    return sum(2 if r.startswith("d") else 1 for r in regs)


class Oracle:
    """Classifies objdump instructions in program order (IT blocks and load/store neighbours)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.it_left = 0
        self.prev_ldst = False

    def classify(self, ins: Instr) -> str:
        base, stripped = _base(ins.mnemonic)
        ops = ins.operands
        first = ops.split(",")[0].strip()
        in_it = self.it_left > 0
        cls, extras, pc_write, cond_branch, it_len = "alu", [], False, False, 0
        if re.fullmatch(r"it[te]{0,3}", base) and not stripped:
            it_len = len(base) - 1
        elif base in LOADS:
            cls, pc_write = "load", first == "pc"
        elif base in STORES:
            cls = "store"
        elif base == "ldrd":
            cls = "load_dual"
        elif base == "strd":
            cls = "store_dual"
        elif base in LDM or base in STM:
            regs = _reglist(ops)
            load = base in LDM
            cls = "load_multiple" if load else "store_multiple"
            extras.append(("ldm_regs" if load else "stm_regs", len(regs)))
            pc_write = load and "pc" in regs
        elif base in {"b", "bl", "bx", "blx"}:
            cls, pc_write = "branch", True
            if base == "b" and stripped:
                cls, cond_branch = "branch_cond", True
        elif base in {"cbz", "cbnz"}:
            cls, pc_write, cond_branch = "branch_cond", True, True
        elif base in {"tbb", "tbh"}:
            cls, pc_write = "table_branch", True
        elif base in {"mov", "add"} and first == "pc":
            cls, pc_write = "branch", True
        elif base in MULS:
            cls = "mul"
        elif base in MUL_LONGS:
            cls = "mul_long"
        elif base in {"sdiv", "udiv"}:
            cls = "div"
        elif base in LOOPS:
            cls = "loop"
        elif base in SYSTEM:
            cls = "system"
        elif base.startswith("v"):
            cls, extras = self._vector_or_fp(base, ins.mnemonic, ops)
        if pc_write and in_it and cls == "branch":
            cls = "branch_cond"
        if self.prev_ldst and cls == "load" and not pc_write:
            cls = "load_pipelined"
        elif self.prev_ldst and cls == "store":
            cls = "store_pipelined"
        conditional = in_it or cond_branch
        if pc_write and not conditional:
            extras.append(("uncond_taken", 1))
        self.prev_ldst = cls in {"load", "load_pipelined", "store", "store_pipelined"} and not pc_write
        if in_it:
            self.it_left -= 1
        if it_len:
            self.it_left = it_len
        words = [cls] + [f"{e}={n}" for e, n in extras if n]
        if conditional:
            words.append("cond")
        if pc_write and conditional:
            words.append("cond_pc")
        return " ".join(words)

    @staticmethod
    def _vector_or_fp(base: str, mnemonic: str, ops: str) -> tuple[str, list[tuple[str, int]]]:
        # inside a VPT block objdump adds the predicate (then/else) to Helium loads and stores: vldrbt
        vpt = re.fullmatch(r"(v(?:ldr|str)[bhwd]|v(?:ld|st)[24]\d)[te]", base)
        if vpt and re.search(r"\bq\d", ops):
            base = vpt.group(1)
        helium = bool(re.search(r"\bq\d\b|\bq\d\[", ops)) or re.fullmatch(r"vctp|vpnot|vp(st|t)[te]{0,3}", base) is not None or \
            re.match(r"v(ld|st)[24]\d|v(ldr|str)[bhwd]$", base) is not None
        if base in {"vmrs", "vmsr"} or base == "vdup":
            return "fp_move", []
        if helium:
            beats = [("mve_beats", 4)]
            if re.match(r"vld[24]\d|vldr[bhwd]$", base):
                return "mve_load", beats
            if re.match(r"vst[24]\d|vstr[bhwd]$", base):
                return "mve_store", beats
            if base == "vmov" and re.search(r"q\d\[", ops):
                core = len(CORE_REG.findall(ops))
                return ("fp_move", []) if core == 1 else ("mve", beats)
            return "mve", beats
        if base == "vldr" or base == "vstr":
            words = 2 if re.match(r"\s*d\d", ops) else 1
            return ("fp_load", [("fp_load_words", words)]) if base == "vldr" else \
                ("fp_store", [("fp_store_words", words)])
        if base in {"vldmia", "vldmdb", "vldm", "vpop"}:
            return "fp_load", [("fp_load_words", _fp_words(_reglist(ops)))]
        if base in {"vstmia", "vstmdb", "vstm", "vpush"}:
            return "fp_store", [("fp_store_words", _fp_words(_reglist(ops)))]
        if base == "vmov" and CORE_REG.search(ops):
            return "fp_move", []
        if base in FP_MAC:
            return "fp_mac", []
        if base == "vdiv":
            return "fp_div", []
        if base == "vsqrt":
            return "fp_sqrt", []
        return "fp", []
