/*
 * Device side of the mcuforge protocol (docs/PROTOCOL.md): frame parsing and formatting.
 */
#ifndef MCUFORGE_PROTOCOL_H
#define MCUFORGE_PROTOCOL_H

#include <stdint.h>

/* The protocol's version: `info` replies proto=<it>, the boot event says it too; the host refuses a
 * firmware whose version differs from its own (codegen/hil/protocol.py, PROTO_VERSION). */
#define MF_PROTO_VERSION 1
#define MF_PROTO_STR_(v) #v
#define MF_PROTO_STR(v) MF_PROTO_STR_(v)
#define MF_PROTO_TOKEN "proto=" MF_PROTO_STR(MF_PROTO_VERSION) /* for string literals */
#define MF_PROTO_MAX_BODY 2048
#define MF_PROTO_MAX_LINE (MF_PROTO_MAX_BODY + 16)
#define MF_PROTO_RX_MAX 640 /* longest request the device accepts */

enum {
    MF_ERR_FRAME = 1,
    MF_ERR_UNKNOWN = 2,
    MF_ERR_ARGUMENT = 3,
    MF_ERR_RANGE = 4,
    MF_ERR_MODEL = 5
};

/* CRC-16/CCITT-FALSE. */
uint16_t mf_crc16(const uint8_t *data, uint32_t n, uint16_t crc);

/* Parse a received line (without the newline). On success returns 0 and sets *seq, *body, *len
 * (body points into line). Returns -1 for a malformed or corrupted frame; *seq is then the frame's
 * seq if it could be read, else 0xff. */
int mf_proto_parse(const char *line, uint32_t n, uint8_t *seq, const char **body, uint32_t *len);

/* A reply/event under construction: append text, then send as one frame. */
typedef struct {
    char buf[MF_PROTO_MAX_LINE];
    uint32_t len; /* bytes of body so far (body starts at buf + 7) */
    int overflow;
} mf_frame;

void mf_frame_begin(mf_frame *f);
void mf_frame_str(mf_frame *f, const char *s);
void mf_frame_char(mf_frame *f, char c);
void mf_frame_u64(mf_frame *f, uint64_t v);
void mf_frame_i32(mf_frame *f, int32_t v);
void mf_frame_hex32(mf_frame *f, uint32_t v);
void mf_frame_hexbytes(mf_frame *f, const uint8_t *data, uint32_t n);
/* Send as `dir` ('<' or '!') with `seq`. */
void mf_frame_send(mf_frame *f, char dir, uint8_t seq);

/* Argument parsing helpers: read a decimal/hex token from *s, advancing past it and spaces. */
int mf_parse_u32(const char **s, const char *end, uint32_t *out);
int mf_parse_hexbytes(const char **s, const char *end, uint8_t *out, uint32_t max, uint32_t *n);

#endif /* MCUFORGE_PROTOCOL_H */
