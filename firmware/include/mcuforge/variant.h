/*
 * The kernel variant a build compiles: it defines MF_KERNELS_<VARIANT> (MF_KERNELS_REFERENCE,
 * MF_KERNELS_DSP, MF_KERNELS_MVE; codegen/kernels.py). The generated model source and the kernels that read one
 * variant's parameter layout check it, so a model whose weights are laid out for other kernels than
 * the ones built stops the compiler instead of crashing at run time.
 *
 * mcuforge's own builds define it on the compiler's command line; this file then defines nothing.
 * A library written by `python -m codegen export` carries its own copy of this file that defines it
 * (an Arduino library has no command line of its own), and with it the code paths its model takes
 * (nn.h, MF_DSP_SELECT): the kernels include this file, the dsp assembly loops too (it is plain
 * preprocessor, assembler-safe).
 */
#ifndef MCUFORGE_VARIANT_H
#define MCUFORGE_VARIANT_H
#endif /* MCUFORGE_VARIANT_H */
