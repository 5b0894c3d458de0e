/*
 * scram.c: SCRAM-SHA-256 and md5 password helpers (see scram.h).
 *
 * Keys, from RFC 5802:
 *   SaltedPassword  = PBKDF2-HMAC-SHA-256(password, salt, iterations)
 *   ClientKey       = HMAC(SaltedPassword, "Client Key")    StoredKey = SHA-256(ClientKey)
 *   ServerKey       = HMAC(SaltedPassword, "Server Key")
 *   AuthMessage     = client-first-bare "," server-first "," client-final-without-proof
 *   ClientSignature = HMAC(StoredKey, AuthMessage)          ClientProof = ClientKey XOR ClientSignature
 *   ServerSignature = HMAC(ServerKey, AuthMessage)
 * The server recovers ClientKey = ClientProof XOR ClientSignature and checks SHA-256(ClientKey) ==
 * StoredKey, comparing in constant time.
 */
#include "scram.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void hmac(const unsigned char *key, size_t keylen, const void *data, size_t n, unsigned char out[32]) {
  unsigned int len = 32;
  HMAC(EVP_sha256(), key, (int)keylen, data, n, out, &len);
}

static int b64_encode(const unsigned char *in, size_t n, char *out, size_t outlen) {
  if (outlen < 4 * ((n + 2) / 3) + 1) return -1;
  EVP_EncodeBlock((unsigned char *)out, in, (int)n);
  return 0;
}

/* Decodes strict base64; returns the byte count or -1. */
static int b64_decode(const char *in, size_t n, unsigned char *out, size_t outlen) {
  if (n % 4 || n / 4 * 3 > outlen + 2) return -1;
  unsigned char *tmp = malloc(n / 4 * 3 + 1);
  if (!tmp) return -1;
  int len = EVP_DecodeBlock(tmp, (const unsigned char *)in, (int)n);
  if (len < 0) {
    free(tmp);
    return -1;
  }
  if (n >= 1 && in[n - 1] == '=') len--;
  if (n >= 2 && in[n - 2] == '=') len--;
  if ((size_t)len > outlen) {
    free(tmp);
    return -1;
  }
  memcpy(out, tmp, (size_t)len);
  free(tmp);
  return len;
}

static void salted_keys(const char *password, const unsigned char *salt, int saltlen, int iterations,
                        unsigned char client_key[32], unsigned char stored[32], unsigned char server[32]) {
  unsigned char salted[32];
  PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, saltlen, iterations, EVP_sha256(), 32, salted);
  unsigned char ck[32];
  hmac(salted, 32, "Client Key", 10, ck);
  if (client_key) memcpy(client_key, ck, 32);
  SHA256(ck, 32, stored);
  hmac(salted, 32, "Server Key", 10, server);
  OPENSSL_cleanse(salted, sizeof salted);
}

int scram_make_verifier(const char *password, int iterations, char *out, size_t outlen) {
  unsigned char salt[16], stored[32], server[32];
  if (RAND_bytes(salt, sizeof salt) != 1) return -1;
  salted_keys(password, salt, sizeof salt, iterations, NULL, stored, server);
  char s64[32], st64[48], sv64[48];
  b64_encode(salt, sizeof salt, s64, sizeof s64);
  b64_encode(stored, 32, st64, sizeof st64);
  b64_encode(server, 32, sv64, sizeof sv64);
  int n = snprintf(out, outlen, "SCRAM-SHA-256$%d:%s$%s:%s", iterations, s64, st64, sv64);
  return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

int scram_parse_verifier(const char *text, scram_verifier *v) {
  memset(v, 0, sizeof *v);
  if (strncmp(text, "SCRAM-SHA-256$", 14)) return -1;
  const char *p = text + 14;
  char *end;
  long it = strtol(p, &end, 10);
  if (end == p || *end != ':' || it < 1 || it > 10000000) return -1;
  v->iterations = (int)it;
  p = end + 1;
  const char *dollar = strchr(p, '$');
  if (!dollar) return -1;
  int n = b64_decode(p, (size_t)(dollar - p), v->salt, sizeof v->salt);
  if (n <= 0) return -1;
  v->saltlen = n;
  p = dollar + 1;
  const char *colon = strchr(p, ':');
  if (!colon) return -1;
  if (b64_decode(p, (size_t)(colon - p), v->stored_key, 32) != 32) return -1;
  p = colon + 1;
  if (b64_decode(p, strlen(p), v->server_key, 32) != 32) return -1;
  return 0;
}

int scram_verify_password(const scram_verifier *v, const char *password) {
  unsigned char stored[32], server[32];
  salted_keys(password, v->salt, v->saltlen, v->iterations, NULL, stored, server);
  return CRYPTO_memcmp(stored, v->stored_key, 32) == 0 && CRYPTO_memcmp(server, v->server_key, 32) == 0;
}

/* Finds "x=" attribute value at *p (up to ','); returns its length or -1. */
static int attr(const char **p, char name, const char **val) {
  if ((*p)[0] != name || (*p)[1] != '=') return -1;
  *val = *p + 2;
  const char *e = strchr(*val, ',');
  int n = e ? (int)(e - *val) : (int)strlen(*val);
  *p = *val + n + (e ? 1 : 0);
  return n;
}

int scram_server_first(scram_state *st, const scram_verifier *v, const char *mock_seed,
                       const char *client_first, size_t len, char *out, size_t outlen, char *err,
                       size_t errlen) {
  memset(st, 0, sizeof *st);
  char msg[1024];
  if (len >= sizeof msg || memchr(client_first, 0, len)) {
    snprintf(err, errlen, "malformed SCRAM message (length)");
    return -1;
  }
  memcpy(msg, client_first, len);
  msg[len] = 0;
  /* gs2-header: cbind-flag "," [authzid] "," */
  const char *p = msg;
  if (p[0] == 'p') {
    snprintf(err, errlen, "channel binding is not supported by this server");
    return -1;
  }
  if ((p[0] != 'n' && p[0] != 'y') || p[1] != ',') {
    snprintf(err, errlen, "malformed SCRAM message (unexpected channel-binding flag)");
    return -1;
  }
  p += 2;
  if (p[0] == 'a' && p[1] == '=') {
    snprintf(err, errlen, "client uses authorization identity, but it is not supported");
    return -1;
  }
  if (*p != ',') {
    snprintf(err, errlen, "malformed SCRAM message (comma expected)");
    return -1;
  }
  p++;
  size_t gs2len = (size_t)(p - msg);
  memcpy(st->gs2_header, msg, gs2len);
  st->gs2_header[gs2len] = 0;
  if (strlen(p) >= sizeof st->client_first_bare) {
    snprintf(err, errlen, "malformed SCRAM message (too long)");
    return -1;
  }
  memcpy(st->client_first_bare, p, strlen(p) + 1);
  if (p[0] == 'm') {
    snprintf(err, errlen, "client requires an unsupported SCRAM extension");
    return -1;
  }
  const char *val;
  if (attr(&p, 'n', &val) < 0) {
    snprintf(err, errlen, "malformed SCRAM message (user name expected)");
    return -1;
  }
  int nn = attr(&p, 'r', &val);
  if (nn <= 0 || nn > 100) {
    snprintf(err, errlen, "malformed SCRAM message (nonce expected)");
    return -1;
  }
  for (int i = 0; i < nn; i++)
    if (val[i] < 0x21 || val[i] > 0x7e || val[i] == ',') {
      snprintf(err, errlen, "malformed SCRAM message (invalid nonce)");
      return -1;
    }
  unsigned char raw[18];
  char snonce[32];
  if (RAND_bytes(raw, sizeof raw) != 1) {
    snprintf(err, errlen, "could not generate random nonce");
    return -1;
  }
  b64_encode(raw, sizeof raw, snonce, sizeof snonce);
  snprintf(st->nonce, sizeof st->nonce, "%.*s%s", nn, val, snonce);
  if (v)
    st->v = *v;
  else {
    /* Mock: a salt that is stable per user name, keys that match nothing. */
    st->mock = 1;
    st->v.iterations = SCRAM_DEFAULT_ITERATIONS;
    SHA256((const unsigned char *)(mock_seed ? mock_seed : ""), strlen(mock_seed ? mock_seed : ""),
           st->v.salt);
    st->v.saltlen = 16;
    RAND_bytes(st->v.stored_key, 32);
    RAND_bytes(st->v.server_key, 32);
  }
  char salt64[100];
  b64_encode(st->v.salt, (size_t)st->v.saltlen, salt64, sizeof salt64);
  int n = snprintf(st->server_first, sizeof st->server_first, "r=%s,s=%s,i=%d", st->nonce, salt64,
                   st->v.iterations);
  if (n < 0 || (size_t)n >= outlen) {
    snprintf(err, errlen, "SCRAM message too long");
    return -1;
  }
  memcpy(out, st->server_first, (size_t)n + 1);
  return 0;
}

int scram_server_final(scram_state *st, const char *client_final, size_t len, char *out, size_t outlen,
                       char *err, size_t errlen) {
  char msg[1024];
  if (len >= sizeof msg || memchr(client_final, 0, len)) {
    snprintf(err, errlen, "malformed SCRAM message (length)");
    return -1;
  }
  memcpy(msg, client_final, len);
  msg[len] = 0;
  const char *p = msg, *val;
  int n = attr(&p, 'c', &val);
  unsigned char cb[64];
  int cbn = n > 0 ? b64_decode(val, (size_t)n, cb, sizeof cb) : -1;
  if (cbn < 0 || (size_t)cbn != strlen(st->gs2_header) || memcmp(cb, st->gs2_header, (size_t)cbn)) {
    snprintf(err, errlen, "SCRAM channel binding check failed");
    return -1;
  }
  n = attr(&p, 'r', &val);
  if (n < 0 || (size_t)n != strlen(st->nonce) || memcmp(val, st->nonce, (size_t)n)) {
    snprintf(err, errlen, "SCRAM nonce mismatch");
    return -1;
  }
  /* Skip extensions up to the proof. */
  while (*p && !(p[0] == 'p' && p[1] == '=')) {
    const char *e = strchr(p, ',');
    if (!e) break;
    p = e + 1;
  }
  size_t without_proof = (size_t)(p - msg);
  if (without_proof == 0 || msg[without_proof - 1] != ',') {
    snprintf(err, errlen, "malformed SCRAM message (proof expected)");
    return -1;
  }
  n = attr(&p, 'p', &val);
  unsigned char proof[SCRAM_KEY_LEN + 4];
  if (n <= 0 || b64_decode(val, (size_t)n, proof, sizeof proof) != SCRAM_KEY_LEN || *p) {
    snprintf(err, errlen, "malformed SCRAM message (invalid proof)");
    return -1;
  }
  char auth[2200];
  int an = snprintf(auth, sizeof auth, "%s,%s,%.*s", st->client_first_bare, st->server_first,
                    (int)without_proof - 1, msg);
  if (an < 0 || (size_t)an >= sizeof auth) {
    snprintf(err, errlen, "SCRAM message too long");
    return -1;
  }
  unsigned char sig[32], client_key[32], check[32];
  hmac(st->v.stored_key, 32, auth, (size_t)an, sig);
  for (int i = 0; i < 32; i++)
    client_key[i] = proof[i] ^ sig[i];
  SHA256(client_key, 32, check);
  if (st->mock || CRYPTO_memcmp(check, st->v.stored_key, 32) != 0) return 1;
  unsigned char ssig[32];
  hmac(st->v.server_key, 32, auth, (size_t)an, ssig);
  char s64[64];
  b64_encode(ssig, 32, s64, sizeof s64);
  int w = snprintf(out, outlen, "v=%s", s64);
  return w < 0 || (size_t)w >= outlen ? -1 : 0;
}

int scram_client_final(const char *password, const char *client_first_bare, const char *server_first,
                       const char *gs2_header, char *out, size_t outlen) {
  const char *p = server_first, *val;
  char nonce[256], salt64[128];
  int n = attr(&p, 'r', &val);
  if (n <= 0 || n >= (int)sizeof nonce) return -1;
  memcpy(nonce, val, (size_t)n);
  nonce[n] = 0;
  n = attr(&p, 's', &val);
  if (n <= 0 || n >= (int)sizeof salt64) return -1;
  memcpy(salt64, val, (size_t)n);
  salt64[n] = 0;
  n = attr(&p, 'i', &val);
  if (n <= 0) return -1;
  int iterations = atoi(val);
  unsigned char salt[64];
  int saltlen = b64_decode(salt64, strlen(salt64), salt, sizeof salt);
  if (saltlen <= 0 || iterations <= 0) return -1;
  unsigned char client_key[32], stored[32], server[32];
  salted_keys(password, salt, saltlen, iterations, client_key, stored, server);
  char cb64[100];
  b64_encode((const unsigned char *)gs2_header, strlen(gs2_header), cb64, sizeof cb64);
  char without[600];
  snprintf(without, sizeof without, "c=%s,r=%s", cb64, nonce);
  char auth[2200];
  int an = snprintf(auth, sizeof auth, "%s,%s,%s", client_first_bare, server_first, without);
  unsigned char sig[32], proof[32];
  hmac(stored, 32, auth, (size_t)an, sig);
  for (int i = 0; i < 32; i++)
    proof[i] = client_key[i] ^ sig[i];
  char p64[64];
  b64_encode(proof, 32, p64, sizeof p64);
  int w = snprintf(out, outlen, "%s,p=%s", without, p64);
  return w < 0 || (size_t)w >= outlen ? -1 : 0;
}

static void md5_hex(const void *data, size_t n, char out[33]) {
  unsigned char d[16];
  unsigned int len = 16;
  EVP_Digest(data, n, d, &len, EVP_md5(), NULL);
  for (int i = 0; i < 16; i++)
    snprintf(out + 2 * i, 3, "%02x", d[i]);
}

void pgw_md5_verifier(const char *password, const char *user, char out[36]) {
  size_t a = strlen(password), b = strlen(user);
  char *buf = malloc(a + b + 1);
  if (!buf) {
    out[0] = 0;
    return;
  }
  memcpy(buf, password, a);
  memcpy(buf + a, user, b);
  memcpy(out, "md5", 3);
  md5_hex(buf, a + b, out + 3);
  free(buf);
}

void pgw_md5_response(const char *verifier, const unsigned char salt[4], char out[36]) {
  char buf[36];
  memcpy(buf, verifier + 3, 32);
  memcpy(buf + 32, salt, 4);
  memcpy(out, "md5", 3);
  md5_hex(buf, 36, out + 3);
}
