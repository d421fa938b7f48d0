#include "ccrypto.h"
#include <openssl/evp.h>

int vtpe_cipher_run(vtpe_cipher cipher, int encrypt,
                    const uint8_t *key, size_t key_len,
                    const uint8_t *iv,
                    const uint8_t *in, size_t len, uint8_t *out) {
    const EVP_CIPHER *c = NULL;
    size_t block = 8;
    switch (cipher) {
    case VTPE_CIPHER_TDES_ECB: if (key_len != 24) return -1; c = EVP_des_ede3_ecb(); break;
    case VTPE_CIPHER_TDES_CBC: if (key_len != 24) return -1; c = EVP_des_ede3_cbc(); break;
    case VTPE_CIPHER_AES_ECB:
        block = 16;
        c = key_len == 16 ? EVP_aes_128_ecb() : key_len == 24 ? EVP_aes_192_ecb() : key_len == 32 ? EVP_aes_256_ecb() : NULL;
        break;
    case VTPE_CIPHER_AES_CBC:
        block = 16;
        c = key_len == 16 ? EVP_aes_128_cbc() : key_len == 24 ? EVP_aes_192_cbc() : key_len == 32 ? EVP_aes_256_cbc() : NULL;
        break;
    }
    if (c == NULL) return -1;
    if (len % block != 0) return -2;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL) return -3;
    int ok = EVP_CipherInit_ex(ctx, c, NULL, key, iv, encrypt);
    int outl = 0, finl = 0;
    if (ok) ok = EVP_CIPHER_CTX_set_padding(ctx, 0);
    if (ok) ok = EVP_CipherUpdate(ctx, out, &outl, in, (int)len);
    if (ok) ok = EVP_CipherFinal_ex(ctx, out + outl, &finl);
    EVP_CIPHER_CTX_free(ctx);
    return ok ? 0 : -4;
}
