/*
 * pqbuf.c: PostgreSQL protocol v3 message codec.
 *
 * WIRE LAYOUT (all integers big-endian)
 *
 *   regular message:   +------+-----------+------------------+
 *                      | type | length(4) | body (length-4)  |     length counts itself, not the type
 *                      +------+-----------+------------------+
 *   startup packet:    +-----------+------------------+
 *                      | length(4) | body (length-4)  |           no type byte; the body starts with a
 *                      +-----------+------------------+           protocol code (196608 = 3.0,
 *                                                                  80877103 = SSLRequest, ...)
 *   strings are NUL-terminated; byte arrays are preceded by an int32 length (-1 = NULL) where the
 *   message format says so; that is the caller's business.
 *
 * INVARIANTS
 *   (1) A pqbuf holds only complete messages outside a start/finish pair; a failed or cancelled
 *       message is removed entirely, so a buffer can always be sent as is.
 *   (2) A pqmsg never reads outside [data, data+len); a failed read leaves pos unchanged and sets err.
 *   (3) pq_frame rejects a bad length before the caller allocates or waits for the body.
 */
#include "pqbuf.h"

#include <stdlib.h>
#include <string.h>

void pqbuf_init(pqbuf *b) {
  memset(b, 0, sizeof *b);
  b->msg_start = (size_t)-1;
}

void pqbuf_free(pqbuf *b) {
  free(b->data);
  pqbuf_init(b);
}

void pqbuf_reset(pqbuf *b) {
  b->len = 0;
  b->msg_start = (size_t)-1;
  b->oom = 0;
}

int pqbuf_reserve(pqbuf *b, size_t n) {
  if (b->oom) return -1;
  if (b->cap - b->len >= n) return 0;
  size_t cap = b->cap ? b->cap : 256;
  while (cap - b->len < n) {
    if (cap > ((size_t)1 << 40)) {
      b->oom = 1;
      return -1;
    }
    cap *= 2;
  }
  char *p = realloc(b->data, cap);
  if (!p) {
    b->oom = 1;
    return -1;
  }
  b->data = p;
  b->cap = cap;
  return 0;
}

void pqbuf_put_bytes(pqbuf *b, const void *p, size_t n) {
  if (pqbuf_reserve(b, n)) return;
  if (n) memcpy(b->data + b->len, p, n);
  b->len += n;
}

void pqbuf_start(pqbuf *b, char type) {
  b->msg_start = b->len;
  b->msg_typed = type != 0;
  if (type) pqbuf_put_byte(b, (uint8_t)type);
  pqbuf_put_int32(b, 0); /* length, patched by pqbuf_finish */
}

void pqbuf_put_byte(pqbuf *b, uint8_t v) { pqbuf_put_bytes(b, &v, 1); }

void pqbuf_put_int16(pqbuf *b, int16_t v) {
  uint16_t u = (uint16_t)v;
  unsigned char s[2] = {(unsigned char)(u >> 8), (unsigned char)u};
  pqbuf_put_bytes(b, s, 2);
}

void pqbuf_put_int32(pqbuf *b, int32_t v) {
  uint32_t u = (uint32_t)v;
  unsigned char s[4] = {(unsigned char)(u >> 24), (unsigned char)(u >> 16), (unsigned char)(u >> 8),
                        (unsigned char)u};
  pqbuf_put_bytes(b, s, 4);
}

void pqbuf_put_int64(pqbuf *b, int64_t v) {
  uint64_t u = (uint64_t)v;
  pqbuf_put_int32(b, (int32_t)(uint32_t)(u >> 32));
  pqbuf_put_int32(b, (int32_t)(uint32_t)u);
}

void pqbuf_put_string(pqbuf *b, const char *s) { pqbuf_put_bytes(b, s, strlen(s) + 1); }

void pqbuf_patch_int32(pqbuf *b, size_t off, int32_t v) {
  if (b->oom || off + 4 > b->len) return;
  uint32_t u = (uint32_t)v;
  unsigned char *d = (unsigned char *)b->data + off;
  d[0] = (unsigned char)(u >> 24);
  d[1] = (unsigned char)(u >> 16);
  d[2] = (unsigned char)(u >> 8);
  d[3] = (unsigned char)u;
}

int pqbuf_finish(pqbuf *b) {
  if (b->msg_start == (size_t)-1) return -1;
  if (b->oom) {
    /* Drop the partial message; keep earlier complete ones (invariant 1). */
    b->len = b->msg_start < b->len ? b->msg_start : b->len;
    b->msg_start = (size_t)-1;
    return -1;
  }
  size_t lenpos = b->msg_start + (b->msg_typed ? 1 : 0);
  size_t n = b->len - lenpos;
  if (n > 0x7fffffff) {
    b->len = b->msg_start;
    b->msg_start = (size_t)-1;
    return -1;
  }
  pqbuf_patch_int32(b, lenpos, (int32_t)n);
  b->msg_start = (size_t)-1;
  return 0;
}

void pqbuf_cancel(pqbuf *b) {
  if (b->msg_start != (size_t)-1 && b->msg_start <= b->len) b->len = b->msg_start;
  b->msg_start = (size_t)-1;
  b->oom = 0;
}

void pqmsg_init(pqmsg *m, char type, const void *body, size_t len) {
  m->type = type;
  m->data = body;
  m->len = len;
  m->pos = 0;
  m->err = 0;
}

size_t pqmsg_remaining(const pqmsg *m) { return m->len - m->pos; }

const void *pqmsg_get_bytes(pqmsg *m, size_t n) {
  if (m->err || n > m->len - m->pos) {
    if (!m->err) m->err = PQMSG_SHORT;
    return NULL;
  }
  const void *p = m->data + m->pos;
  m->pos += n;
  return p;
}

uint8_t pqmsg_get_byte(pqmsg *m) {
  const unsigned char *p = pqmsg_get_bytes(m, 1);
  return p ? p[0] : 0;
}

int16_t pqmsg_get_int16(pqmsg *m) {
  const unsigned char *p = pqmsg_get_bytes(m, 2);
  return p ? (int16_t)(uint16_t)((unsigned)p[0] << 8 | p[1]) : 0;
}

int32_t pqmsg_get_int32(pqmsg *m) {
  const unsigned char *p = pqmsg_get_bytes(m, 4);
  if (!p) return 0;
  return (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
}

int64_t pqmsg_get_int64(pqmsg *m) {
  uint32_t hi = (uint32_t)pqmsg_get_int32(m);
  uint32_t lo = (uint32_t)pqmsg_get_int32(m);
  return (int64_t)((uint64_t)hi << 32 | lo);
}

const char *pqmsg_get_string(pqmsg *m) {
  if (m->err) return NULL;
  const unsigned char *start = m->data + m->pos;
  const unsigned char *nul = memchr(start, 0, m->len - m->pos);
  if (!nul) {
    m->err = PQMSG_BADSTRING;
    return NULL;
  }
  m->pos += (size_t)(nul - start) + 1;
  return (const char *)start;
}

int pqmsg_end(const pqmsg *m) { return (m->err || m->pos != m->len) ? -1 : 0; }

const char *pqmsg_errmsg(const pqmsg *m) {
  if (m->err == PQMSG_BADSTRING) return "invalid string in message";
  if (m->err) return "insufficient data left in message";
  return m->pos != m->len ? "invalid message format" : NULL;
}

size_t pq_type_max_length(unsigned char type) {
  switch (type) {
  case 'Q': /* Query */
  case 'P': /* Parse */
  case 'B': /* Bind */
  case 'F': /* FunctionCall */
  case 'd': /* CopyData */ return PQ_MAX_MESSAGE;
  case 'C': /* Close */
  case 'D': /* Describe */
  case 'E': /* Execute */
  case 'H': /* Flush */
  case 'S': /* Sync */
  case 'X': /* Terminate */
  case 'c': /* CopyDone */
  case 'f': /* CopyFail */ return PQ_SMALL_MESSAGE;
  default: return 0;
  }
}

int pq_frame(const unsigned char *p, size_t avail, int has_type, size_t max, size_t *total) {
  size_t hdr = has_type ? 5 : 4;
  if (avail < hdr) return 0;
  const unsigned char *l = p + (has_type ? 1 : 0);
  uint32_t len = (uint32_t)l[0] << 24 | (uint32_t)l[1] << 16 | (uint32_t)l[2] << 8 | l[3];
  if (len < 4 || len > max) return -1;
  *total = (size_t)len + (has_type ? 1 : 0);
  return avail >= *total ? 1 : 0;
}
