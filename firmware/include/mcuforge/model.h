/*
 * The interface every generated model exposes (besides its own prefixed functions), so the
 * runtime can drive any model: a descriptor `const mf_model <prefix>_model`.
 */
#ifndef MCUFORGE_MODEL_H
#define MCUFORGE_MODEL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MF_MAX_DIMS 6

typedef enum {
    MF_FLOAT32 = 0,
    MF_INT32 = 2,
    MF_UINT8 = 3,
    MF_INT64 = 4,
    MF_BOOL = 6,
    MF_INT16 = 7,
    MF_INT8 = 9,
    MF_UINT32 = 15
} mf_type; /* numbered as the TFLite schema's TensorType */

/* A model input or output. `data` points into the arena: valid between invokes, and for inputs
 * only until the next invoke (the arena reuses input storage once the input is consumed). */
typedef struct {
    const char *name;
    mf_type type;
    int32_t rank;
    int32_t dims[MF_MAX_DIMS];
    uint32_t bytes;
    float scale;        /* 0 when not quantised */
    int32_t zero_point;
    void *data;
} mf_tensor;

/* invoke's result when a streaming operator (CIRCULAR_BUFFER between the strides it runs at) ends
 * the invoke early, as TFLM's kTfLiteAbort: not an error, the operators after it did not run. */
#define MF_INVOKE_STOPPED 1

typedef struct {
    const char *name;    /* the model prefix */
    const char *sha256;  /* of the .tflite it came from */
    uint32_t arena_bytes;
    void *arena;                 /* the arena itself (debugging: intermediate tensors) */
    uint32_t n_inputs, n_outputs, n_ops;
    const mf_tensor *inputs;
    const mf_tensor *outputs;
    const char *const *op_names; /* [n_ops], e.g. "CONV_2D" */
    uint64_t macs;
    int (*init)(void);           /* once, before the first invoke; 0 on success */
    int (*invoke)(void);         /* one inference; 0 on success, MF_INVOKE_STOPPED: ended early */
    void (*reset)(void);         /* restore variables (streaming state) to their initial values */
    int (*run_op)(uint32_t i);   /* run operator i alone (profiling, debugging); ops in order */
} mf_model;

#ifdef __cplusplus
}
#endif

#endif /* MCUFORGE_MODEL_H */
