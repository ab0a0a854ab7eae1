/*
 * Runtime services a platform provides besides board.h: stack accounting and idling.
 */
#ifndef MCUFORGE_RUNTIME_H
#define MCUFORGE_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#define MF_MAX_TENSORS_LOADED 16

/* Bytes of stack reserved, and the high-water mark measured from the painted stack (0 if unknown). */
uint32_t mf_stack_size(void);
uint32_t mf_stack_used(void);

/* Called while the runtime waits for console input (may sleep briefly; must return). */
void mf_runtime_idle(void);

#endif /* MCUFORGE_RUNTIME_H */
