/* CALL_ONCE: run an initialisation subgraph on the first invoke after init. */
#include "mcuforge/nn.h"

void mf_call_once(const mf_call_once_params *p)
{
    if (*p->done) {
        return;
    }
    p->run();
    *p->done = 1;
}
