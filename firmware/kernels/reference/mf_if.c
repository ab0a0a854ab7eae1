/* IF: run the then or else subgraph on copies of the operator's inputs. */
#include "mcuforge/nn.h"

#include "../common/mf_copies.h"

void mf_if(const mf_if_params *p, const uint8_t *cond)
{
    if (cond[0]) {
        mf_run_copies(p->then_in, p->then_n_in);
        p->then_run();
        mf_run_copies(p->then_out, p->then_n_out);
    } else {
        mf_run_copies(p->else_in, p->else_n_in);
        p->else_run();
        mf_run_copies(p->else_out, p->else_n_out);
    }
}
