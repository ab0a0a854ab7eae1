/* Framing for the mcuforge device protocol (docs/PROTOCOL.md). */
#include "mcuforge/protocol.h"

#include "mcuforge/board.h"

uint16_t mf_crc16(const uint8_t *data, uint32_t n, uint16_t crc)
{
    for (uint32_t i = 0; i < n; ++i) {
        crc ^= (uint16_t)((uint16_t)data[i] << 8);
        for (int b = 0; b < 8; ++b) {
            crc = (crc & 0x8000u) ? (uint16_t)((crc << 1) ^ 0x1021u) : (uint16_t)(crc << 1);
        }
    }
    return crc;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

static int hexn(const char *s, int digits, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < digits; ++i) {
        const int h = hexval(s[i]);
        if (h < 0) {
            return -1;
        }
        v = (v << 4) | (uint32_t)h;
    }
    *out = v;
    return 0;
}

int mf_proto_parse(const char *line, uint32_t n, uint8_t *seq, const char **body, uint32_t *len)
{
    uint32_t blen, s, crc;
    *seq = 0xff;
    /* '>' + 4 len + 2 seq + '*' + 4 crc */
    if (n < 12 || line[0] != '>') {
        return -1;
    }
    if (hexn(line + 1, 4, &blen) != 0 || hexn(line + 5, 2, &s) != 0) {
        return -1;
    }
    *seq = (uint8_t)s;
    if (n != 7 + blen + 5 || line[7 + blen] != '*') {
        return -1;
    }
    if (hexn(line + 7 + blen + 1, 4, &crc) != 0) {
        return -1;
    }
    if (mf_crc16((const uint8_t *)line, 7 + blen, 0xffffu) != (uint16_t)crc) {
        return -1;
    }
    *body = line + 7;
    *len = blen;
    return 0;
}

void mf_frame_begin(mf_frame *f)
{
    f->len = 0;
    f->overflow = 0;
}

void mf_frame_char(mf_frame *f, char c)
{
    if (f->len >= MF_PROTO_MAX_BODY) {
        f->overflow = 1;
        return;
    }
    f->buf[7 + f->len++] = c;
}

void mf_frame_str(mf_frame *f, const char *s)
{
    while (*s) {
        mf_frame_char(f, *s++);
    }
}

void mf_frame_u64(mf_frame *f, uint64_t v)
{
    char tmp[21];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + (int)(v % 10u));
        v /= 10u;
    } while (v && n < 20);
    while (n) {
        mf_frame_char(f, tmp[--n]);
    }
}

void mf_frame_i32(mf_frame *f, int32_t v)
{
    if (v < 0) {
        mf_frame_char(f, '-');
        mf_frame_u64(f, (uint64_t)(-(int64_t)v));
    } else {
        mf_frame_u64(f, (uint64_t)v);
    }
}

static const char HEX[] = "0123456789abcdef";

void mf_frame_hex32(mf_frame *f, uint32_t v)
{
    for (int i = 7; i >= 0; --i) {
        mf_frame_char(f, HEX[(v >> (4 * i)) & 0xfu]);
    }
}

void mf_frame_hexbytes(mf_frame *f, const uint8_t *data, uint32_t n)
{
    for (uint32_t i = 0; i < n; ++i) {
        mf_frame_char(f, HEX[data[i] >> 4]);
        mf_frame_char(f, HEX[data[i] & 0xfu]);
    }
}

void mf_frame_send(mf_frame *f, char dir, uint8_t seq)
{
    const uint32_t blen = f->len;
    f->buf[0] = dir;
    f->buf[1] = HEX[(blen >> 12) & 0xfu];
    f->buf[2] = HEX[(blen >> 8) & 0xfu];
    f->buf[3] = HEX[(blen >> 4) & 0xfu];
    f->buf[4] = HEX[blen & 0xfu];
    f->buf[5] = HEX[seq >> 4];
    f->buf[6] = HEX[seq & 0xfu];
    const uint16_t crc = mf_crc16((const uint8_t *)f->buf, 7 + blen, 0xffffu);
    char *t = f->buf + 7 + blen;
    t[0] = '*';
    t[1] = HEX[(crc >> 12) & 0xfu];
    t[2] = HEX[(crc >> 8) & 0xfu];
    t[3] = HEX[(crc >> 4) & 0xfu];
    t[4] = HEX[crc & 0xfu];
    t[5] = '\n';
    mf_console_write((const uint8_t *)f->buf, 7 + blen + 6);
}

static void skip_spaces(const char **s, const char *end)
{
    while (*s < end && **s == ' ') {
        ++*s;
    }
}

int mf_parse_u32(const char **s, const char *end, uint32_t *out)
{
    skip_spaces(s, end);
    uint64_t v = 0;
    int digits = 0;
    while (*s < end && **s >= '0' && **s <= '9') {
        v = v * 10u + (uint64_t)(**s - '0');
        if (v > 0xffffffffu) {
            return -1;
        }
        ++*s;
        ++digits;
    }
    if (!digits || (*s < end && **s != ' ')) {
        return -1;
    }
    skip_spaces(s, end);
    *out = (uint32_t)v;
    return 0;
}

int mf_parse_hexbytes(const char **s, const char *end, uint8_t *out, uint32_t max, uint32_t *n)
{
    skip_spaces(s, end);
    uint32_t k = 0;
    while (*s + 1 < end && **s != ' ') {
        const int hi = hexval((*s)[0]);
        const int lo = hexval((*s)[1]);
        if (hi < 0 || lo < 0 || k >= max) {
            return -1;
        }
        out[k++] = (uint8_t)((hi << 4) | lo);
        *s += 2;
    }
    if (*s < end && **s != ' ') {
        return -1; /* odd number of hex digits */
    }
    skip_spaces(s, end);
    *n = k;
    return 0;
}
