/*
 * pqbuf.h: building and parsing PostgreSQL protocol v3 messages.
 *
 * Pure byte manipulation, no I/O: the session layer moves the bytes. See pqbuf.c for the wire layout.
 *
 * BUILDING (pqbuf): an append-only growable byte buffer that holds zero or more complete messages.
 *   pqbuf_start(b, type) opens a message (type 0: no type byte, as in the startup packet), the put
 *   functions append fields in network byte order, pqbuf_finish(b) patches the length word. A message
 *   is only ever sent whole: pqbuf_cancel(b) drops a half-built one. Allocation failure is sticky
 *   (b->oom) and makes pqbuf_finish return -1, so callers need check only once per message.
 *
 * PARSING (pqmsg): a read cursor over one received message body (the bytes after the length word).
 *   Every getter checks the remaining length; a short read sets the sticky m->err and returns a zero
 *   value (NULL for strings), so a parser can read all its fields and check once, with pqmsg_end,
 *   which also requires that the body was consumed exactly. pqmsg_errmsg names the first problem in
 *   PostgreSQL's words (all SQLSTATE 08P01).
 *
 * FRAMING: pq_frame checks a message header before anything is allocated: lengths below 4 or above
 *   PQ_MAX_MESSAGE are rejected. pq_type_max_length gives PostgreSQL's per-type limit (1 GB for the
 *   messages that carry SQL or data, PQ_SMALL_MESSAGE for the rest) and 0 for a type byte that is no
 *   frontend message at all, which the server can refuse before waiting for a body.
 */
#ifndef PQBUF_H
#define PQBUF_H

#include <stddef.h>
#include <stdint.h>

/* Largest message accepted from a client (PostgreSQL's own limit for most messages is 1 GB). */
#define PQ_MAX_MESSAGE ((size_t)1 << 30)
/* Startup-phase packets (startup, SSLRequest, CancelRequest) are small; PostgreSQL caps their body
 * (after the length word) at 10000 bytes. */
#define PQ_MAX_STARTUP (10000 + 4)
/* Limit of the messages that carry neither SQL nor data (Sync, Execute, Describe, ...), as PostgreSQL. */
#define PQ_SMALL_MESSAGE 10000

typedef struct pqbuf {
  char *data;
  size_t len;
  size_t cap;
  size_t msg_start; /* offset of the message being built; (size_t)-1 when none is open */
  int oom;          /* sticky allocation failure */
  int msg_typed;    /* the open message has a type byte before its length */
} pqbuf;

void pqbuf_init(pqbuf *b);
void pqbuf_free(pqbuf *b);
/* Empties the buffer, keeping its memory. */
void pqbuf_reset(pqbuf *b);
/* Ensures room for n more bytes; returns 0, or -1 (and sets oom) on allocation failure. */
int pqbuf_reserve(pqbuf *b, size_t n);

void pqbuf_start(pqbuf *b, char type);
void pqbuf_put_byte(pqbuf *b, uint8_t v);
void pqbuf_put_int16(pqbuf *b, int16_t v);
void pqbuf_put_int32(pqbuf *b, int32_t v);
void pqbuf_put_int64(pqbuf *b, int64_t v);
/* Appends s and its terminating NUL. */
void pqbuf_put_string(pqbuf *b, const char *s);
void pqbuf_put_bytes(pqbuf *b, const void *p, size_t n);
/* Closes the open message (writes its length); -1 if allocation failed anywhere (message dropped). */
int pqbuf_finish(pqbuf *b);
/* Drops the open message. */
void pqbuf_cancel(pqbuf *b);
/* Overwrites 4 bytes at off with v (for patching a count or length after the fact). */
void pqbuf_patch_int32(pqbuf *b, size_t off, int32_t v);

/* pqmsg.err values */
enum { PQMSG_OK = 0, PQMSG_SHORT = 1 /* read past the end */, PQMSG_BADSTRING = 2 /* no NUL */ };

typedef struct pqmsg {
  char type;                 /* message type byte (0 for startup-phase packets) */
  const unsigned char *data; /* body */
  size_t len;
  size_t pos;
  int err; /* first failure, PQMSG_* */
} pqmsg;

void pqmsg_init(pqmsg *m, char type, const void *body, size_t len);
uint8_t pqmsg_get_byte(pqmsg *m);
int16_t pqmsg_get_int16(pqmsg *m);
int32_t pqmsg_get_int32(pqmsg *m);
int64_t pqmsg_get_int64(pqmsg *m);
/* A NUL-terminated string inside the body (pointer into it), or NULL if unterminated. */
const char *pqmsg_get_string(pqmsg *m);
/* n raw bytes (pointer into the body), or NULL if fewer remain (n == 0 returns a valid pointer). */
const void *pqmsg_get_bytes(pqmsg *m, size_t n);
size_t pqmsg_remaining(const pqmsg *m);
/* 0 if every read succeeded and the body was consumed exactly, else -1. */
int pqmsg_end(const pqmsg *m);
/* PostgreSQL's message for what pqmsg_end found wrong ("insufficient data left in message", "invalid
 * string in message", "invalid message format"), NULL if nothing. */
const char *pqmsg_errmsg(const pqmsg *m);

/* Examines the first bytes of a stream. has_type: messages start with a type byte (every message after
 * the startup packet). Returns 1 with *total = whole message size (type byte + length word + body) when
 * avail bytes hold a complete message, 0 when more bytes are needed, -1 when the length word is invalid
 * (below 4 or above max). */
int pq_frame(const unsigned char *p, size_t avail, int has_type, size_t max, size_t *total);
/* Largest length word accepted for a frontend message of this type outside COPY (PostgreSQL's
 * PQ_LARGE/SMALL_MESSAGE_LIMIT), or 0 when type is not a frontend message type. */
size_t pq_type_max_length(unsigned char type);

#endif /* PQBUF_H */
