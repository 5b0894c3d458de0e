/*
 * scram.h: SCRAM-SHA-256 server side (RFC 5802, RFC 7677) as PostgreSQL uses it, with OpenSSL.
 *
 * Verifier text (PostgreSQL's rolpassword format):
 *   SCRAM-SHA-256$<iterations>:<base64 salt>$<base64 StoredKey>:<base64 ServerKey>
 *
 * Exchange: scram_server_first takes the client-first-message (gs2 header "n,," or "y,,"; channel
 * binding "p=" is refused as it is not offered) and produces the server-first-message; scram_server_final
 * checks the client-final-message's nonce, channel-binding echo and proof and produces the
 * server-final-message. With no verifier (unknown role or no password) a mock verifier derived from the
 * user name is used, so the exchange costs the same and fails only at the end.
 */
#ifndef SCRAM_H
#define SCRAM_H

#include <stddef.h>

#define SCRAM_KEY_LEN 32
#define SCRAM_DEFAULT_ITERATIONS 4096

typedef struct scram_verifier {
  int iterations;
  unsigned char salt[64];
  int saltlen;
  unsigned char stored_key[SCRAM_KEY_LEN];
  unsigned char server_key[SCRAM_KEY_LEN];
} scram_verifier;

typedef struct scram_state {
  scram_verifier v;
  int mock; /* always fail at the end */
  char client_first_bare[512];
  char server_first[512];
  char nonce[256]; /* client nonce + server nonce */
  char gs2_header[64];
} scram_state;

/* Builds a verifier for password with a random salt. Returns 0 or -1. */
int scram_make_verifier(const char *password, int iterations, char *out, size_t outlen);
/* Parses a verifier; 0 or -1 if it is not a SCRAM-SHA-256 verifier. */
int scram_parse_verifier(const char *text, scram_verifier *v);
/* 1 if password matches v, else 0 (the password authentication method). */
int scram_verify_password(const scram_verifier *v, const char *password);
/* v may be NULL (mock). Returns 0 with the server-first-message in out, or -1 with a message in err. */
int scram_server_first(scram_state *st, const scram_verifier *v, const char *mock_seed,
                       const char *client_first, size_t len, char *out, size_t outlen, char *err,
                       size_t errlen);
/* Returns 0 when authenticated (server-final-message in out), 1 when the proof is wrong, -1 on a
 * malformed message (err says why). */
int scram_server_final(scram_state *st, const char *client_final, size_t len, char *out, size_t outlen,
                       char *err, size_t errlen);

/* Client side, used by tests: computes client-final-message for the given password. 0 or -1. */
int scram_client_final(const char *password, const char *client_first_bare, const char *server_first,
                       const char *gs2_header, char *out, size_t outlen);

/* "md5" + hex(md5(password || user)): PostgreSQL's md5 verifier. out needs 36 bytes. */
void pgw_md5_verifier(const char *password, const char *user, char out[36]);
/* The md5 method's response for a stored md5 verifier and 4-byte salt: "md5" + hex(md5(hex part || salt)). */
void pgw_md5_response(const char *verifier, const unsigned char salt[4], char out[36]);

#endif /* SCRAM_H */
