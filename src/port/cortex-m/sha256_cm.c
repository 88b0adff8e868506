/*
 * SHA-256 compression for Cortex-M (fk_port_sha256_compress, fotakit/port.h),
 * written for fotakit from FIPS 180-4 section 6.2.2. Portable C shaped for
 * the Cortex-M3/M4 instruction set:
 *  - every rotation is a right rotate, which the barrel shifter folds into
 *    the EOR/ADD that consumes it (Sigma1(e) = ror(e ^ ror(e,5) ^ ror(e,19), 6)
 *    costs two EORs and is added with ROR #6);
 *  - 16 rounds are unrolled with the eight working variables renamed by the
 *    macro arguments instead of moved, so nothing is copied between rounds;
 *  - the message schedule lives in a 16-word ring, computed in the round
 *    that consumes it (no 64-word array);
 *  - big-endian loads are one LDR + REV (unaligned LDR is fine on M3/M4).
 * Built with -O2 (src/firmware/CMakeLists.txt) whatever the build type:
 * the unrolled body is ~2 KB. The host test (tests/port) checks it against
 * BearSSL's SHA-256 for every length from 0 to 300 bytes and a large input.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fotakit/port.h"

/* FIPS 180-4 4.2.2: the first 32 bits of the fractional parts of the cube
 * roots of the first 64 primes. */
static const uint32_t K[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u,
    0xab1c5ed5u, 0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu,
    0x9bdc06a7u, 0xc19bf174u, 0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu,
    0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau, 0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u,
    0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u, 0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu,
    0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u, 0xa2bfe8a1u, 0xa81a664bu,
    0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u, 0x19a4c116u,
    0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
    0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u,
    0xc67178f2u,
};

static inline uint32_t ror(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32u - n));
}

static inline uint32_t load_be32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return v;
#else
    return __builtin_bswap32(v);
#endif
}

/* FIPS 180-4 4.1.2 functions, in the shapes the M4 does in fewest steps. */
#define BSIG0(x) ror((x) ^ ror((x), 11) ^ ror((x), 20), 2) /* ror 2 ^ ror 13 ^ ror 22 */
#define BSIG1(x) ror((x) ^ ror((x), 5) ^ ror((x), 19), 6)  /* ror 6 ^ ror 11 ^ ror 25 */
#define SSIG0(x) (ror((x) ^ ror((x), 11), 7) ^ ((x) >> 3))  /* ror 7 ^ ror 18 ^ shr 3 */
#define SSIG1(x) (ror((x) ^ ror((x), 2), 17) ^ ((x) >> 10)) /* ror 17 ^ ror 19 ^ shr 10 */
#define CH(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))

/* One round on renamed variables: only d and h change. Maj(a,b,c) is
 * ((a ^ b) & (b ^ c)) ^ b, and this round's a ^ b is the next round's b ^ c:
 * `bc` carries it, so Maj costs two operations plus one EOR. */
#define ROUND(a, b, c, d, e, f, g, h, i, w)                               \
    do {                                                                  \
        uint32_t t1_ = (h) + BSIG1(e) + CH((e), (f), (g)) + k[i] + (w);   \
        uint32_t ab_ = (a) ^ (b);                                         \
        (d) += t1_;                                                       \
        (h) = t1_ + BSIG0(a) + ((ab_ & bc) ^ (b));                        \
        bc = ab_;                                                         \
    } while (0)

/* W[t] for t >= 16 in the ring: W[t & 15] += ... */
#define SCHED(t)                                                                    \
    (W[(t)&15] += SSIG1(W[((t)-2) & 15]) + W[((t)-7) & 15] + SSIG0(W[((t)-15) & 15]))

#define ROUNDS16(base, wexpr)                                       \
    do {                                                            \
        ROUND(a, b, c, d, e, f, g, h, (base) + 0, wexpr(0));     \
        ROUND(h, a, b, c, d, e, f, g, (base) + 1, wexpr(1));     \
        ROUND(g, h, a, b, c, d, e, f, (base) + 2, wexpr(2));     \
        ROUND(f, g, h, a, b, c, d, e, (base) + 3, wexpr(3));     \
        ROUND(e, f, g, h, a, b, c, d, (base) + 4, wexpr(4));     \
        ROUND(d, e, f, g, h, a, b, c, (base) + 5, wexpr(5));     \
        ROUND(c, d, e, f, g, h, a, b, (base) + 6, wexpr(6));     \
        ROUND(b, c, d, e, f, g, h, a, (base) + 7, wexpr(7));     \
        ROUND(a, b, c, d, e, f, g, h, (base) + 8, wexpr(8));     \
        ROUND(h, a, b, c, d, e, f, g, (base) + 9, wexpr(9));     \
        ROUND(g, h, a, b, c, d, e, f, (base) + 10, wexpr(10));   \
        ROUND(f, g, h, a, b, c, d, e, (base) + 11, wexpr(11));   \
        ROUND(e, f, g, h, a, b, c, d, (base) + 12, wexpr(12));   \
        ROUND(d, e, f, g, h, a, b, c, (base) + 13, wexpr(13));   \
        ROUND(c, d, e, f, g, h, a, b, (base) + 14, wexpr(14));   \
        ROUND(b, c, d, e, f, g, h, a, (base) + 15, wexpr(15));   \
    } while (0)

void fk_port_sha256_compress(uint32_t state[8], const uint8_t *blocks, size_t nblocks)
{
    for (; nblocks > 0; nblocks--, blocks += 64) {
        uint32_t W[16];
        uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
        uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
        uint32_t bc = b ^ c;
        /* K through a pointer the compiler cannot see through: one LDR per
         * round instead of the constant built by three ADDs. */
        const uint32_t *k = K;
        __asm__("" : "+r"(k));

#define W_LOAD(i) (W[i] = load_be32(blocks + 4 * (i)))
        ROUNDS16(0, W_LOAD);
#undef W_LOAD
        for (unsigned t = 16; t < 64; t += 16) {
            k += 16;
#define W_NEXT(i) SCHED(t + (i))
            ROUNDS16(0, W_NEXT);
#undef W_NEXT
        }
        state[0] += a;
        state[1] += b;
        state[2] += c;
        state[3] += d;
        state[4] += e;
        state[5] += f;
        state[6] += g;
        state[7] += h;
    }
}
