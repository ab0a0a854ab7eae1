/* WHILE: run the body subgraph on the loop state as long as the cond subgraph says so. */
#include "mcuforge/nn.h"

#include "../common/mf_copies.h"

void mf_while(const mf_while_params *p)
{
    mf_run_copies(p->init, p->n_init);
    for (;;) {
        mf_run_copies(p->cond_in, p->cond_n_in);
        p->cond_run();
        if (!p->cond_out[0]) {
            return;
        }
        mf_run_copies(p->body_in, p->body_n_in);
        p->body_run();
        mf_run_copies(p->body_out, p->body_n_out);
    }
}
