/*
 * utf8.h: UTF-8 helpers with SQLite's tolerance for malformed input.
 *
 * Decoding never fails: a lead byte >= 0xC0 absorbs every following continuation byte (10xxxxxx);
 * overlong forms, surrogates and U+FFFE/U+FFFF decode to U+FFFD; a stray continuation byte is one
 * character of its own. Character counts and offsets use the same rule, so they agree with SQLite's
 * length(), substr(), instr() and unicode().
 */
#ifndef MICA_UTF8_H
#define MICA_UTF8_H

#include <stdint.h>

/* Decodes the character at *z (z < end) and advances *z past it. */
uint32_t utf8_read(const unsigned char **z, const unsigned char *end);
/* Writes c (clamped to U+FFFD when out of range) as UTF-8; returns the byte count (1..4). */
int utf8_write(uint32_t c, unsigned char *out);
/* Number of characters in z[0..n). */
int64_t utf8_count(const char *z, int64_t n);
/* Byte offset of the character after skipping nchar characters from z (bounded by n). */
int64_t utf8_skip(const char *z, int64_t n, int64_t nchar);
/* Byte length of the character starting at z[0] (bounded by n, at least 1 when n > 0). */
int utf8_charlen(const char *z, int64_t n);

#endif /* MICA_UTF8_H */
