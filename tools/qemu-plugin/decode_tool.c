/*
 * mfcycles-decode: the plugin's instruction classifier on the command line, for tests.
 *
 * stdin: one instruction per line as objdump prints it, halfwords in hex ("f8d1 3004", "4770");
 * a line "-" starts a new block (clears the IT and load/store context).
 * stdout: one line per instruction: "<class>[ <event>=<n>...][ cond][ cond_pc]".
 * `mfcycles-decode --events` lists every class and event name in column order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--events") == 0) {
        for (int e = 0; e < MFC_N_EVENTS; ++e) {
            printf("%s%s\n", mfc_event_name((enum mfc_event)e), e < MFC_N_CLASSES ? "" : " event");
        }
        return 0;
    }
    if (argc != 1) {
        fprintf(stderr, "usage: mfcycles-decode [--events] < halfwords\n");
        return 2;
    }
    mfc_decoder d;
    mfc_decoder_reset(&d);
    char line[256];
    while (fgets(line, sizeof line, stdin)) {
        if (line[0] == '-') {
            mfc_decoder_reset(&d);
            continue;
        }
        uint8_t code[4];
        size_t n = 0;
        char *p = line, *end;
        for (unsigned long hw = strtoul(p, &end, 16); end != p && n < 4; hw = strtoul(p, &end, 16)) {
            code[n++] = (uint8_t)(hw & 0xFFu);
            code[n++] = (uint8_t)(hw >> 8);
            p = end;
        }
        mfc_insn insn;
        if (n == 0 || mfc_decode(&d, code, n, &insn) != 0 || insn.size != n) {
            fprintf(stderr, "mfcycles-decode: bad line: %s", line);
            return 1;
        }
        printf("%s", mfc_event_name(insn.cls));
        for (unsigned i = 0; i < insn.n_extras; ++i) {
            printf(" %s=%u", mfc_event_name(insn.extra[i]), (unsigned)insn.extra_count[i]);
        }
        printf("%s%s\n", insn.conditional ? " cond" : "", insn.conditional_pc_write ? " cond_pc" : "");
    }
    return 0;
}
