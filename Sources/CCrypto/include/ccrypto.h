// Thin shim over OpenSSL libcrypto's EVP block ciphers (3DES and AES in ECB/CBC, no padding).
// PaymentCrypto is the only importer; no OpenSSL type crosses this boundary.
#ifndef VTPE_CCRYPTO_H
#define VTPE_CCRYPTO_H
#include <stddef.h>
#include <stdint.h>

typedef enum {
    VTPE_CIPHER_TDES_ECB = 1,
    VTPE_CIPHER_TDES_CBC = 2,
    VTPE_CIPHER_AES_ECB = 3,
    VTPE_CIPHER_AES_CBC = 4,
} vtpe_cipher;

/// Encrypts (encrypt=1) or decrypts (encrypt=0) `len` bytes (a multiple of the block size) without padding.
/// `key_len` is 24 for TDES (K1|K2|K3) and 16/24/32 for AES. `iv` may be NULL for ECB.
/// Returns 0 on success, a negative value on a bad argument or an OpenSSL failure.
int vtpe_cipher_run(vtpe_cipher cipher, int encrypt,
                    const uint8_t *key, size_t key_len,
                    const uint8_t *iv,
                    const uint8_t *in, size_t len, uint8_t *out);
#endif
