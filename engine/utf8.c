/*
 * utf8.c: UTF-8 decoding, encoding and counting (see utf8.h for the tolerance rules, which follow
 * SQLite's so that string functions count characters the same way).
 */
#include "utf8.h"

uint32_t utf8_read(const unsigned char **zp, const unsigned char *end) {
  const unsigned char *z = *zp;
  uint32_t c = *z++;
  if (c >= 0xc0) {
    if (c < 0xe0)
      c &= 0x1f;
    else if (c < 0xf0)
      c &= 0x0f;
    else if (c < 0xf8)
      c &= 0x07;
    else if (c < 0xfc)
      c &= 0x03;
    else if (c < 0xfe)
      c &= 0x01;
    else
      c = 0;
    while (z < end && (*z & 0xc0) == 0x80)
      c = (c << 6) + (0x3f & *z++);
    if (c < 0x80 || (c & 0xfffff800) == 0xd800 || (c & 0xfffffffe) == 0xfffe) c = 0xfffd;
  }
  *zp = z;
  return c;
}

int utf8_write(uint32_t c, unsigned char *out) {
  if (c > 0x10ffff) c = 0xfffd;
  if (c < 0x80) {
    out[0] = (unsigned char)c;
    return 1;
  }
  if (c < 0x800) {
    out[0] = (unsigned char)(0xc0 | (c >> 6));
    out[1] = (unsigned char)(0x80 | (c & 0x3f));
    return 2;
  }
  if (c < 0x10000) {
    out[0] = (unsigned char)(0xe0 | (c >> 12));
    out[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
    out[2] = (unsigned char)(0x80 | (c & 0x3f));
    return 3;
  }
  out[0] = (unsigned char)(0xf0 | (c >> 18));
  out[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3f));
  out[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
  out[3] = (unsigned char)(0x80 | (c & 0x3f));
  return 4;
}

int utf8_charlen(const char *z, int64_t n) {
  if (n <= 0) return 0;
  int k = 1;
  if ((unsigned char)z[0] >= 0xc0)
    while (k < n && ((unsigned char)z[k] & 0xc0) == 0x80)
      k++;
  return k;
}

int64_t utf8_count(const char *z, int64_t n) {
  int64_t count = 0;
  for (int64_t i = 0; i < n; count++)
    i += utf8_charlen(z + i, n - i);
  return count;
}

int64_t utf8_skip(const char *z, int64_t n, int64_t nchar) {
  int64_t i = 0;
  while (i < n && nchar-- > 0)
    i += utf8_charlen(z + i, n - i);
  return i;
}
