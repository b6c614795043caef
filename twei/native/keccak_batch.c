/*
 * Batched keccak-256 for twei.merkle: hashes a whole tree's leaves, or every internal node of a
 * tree, in one call, so a million-leaf tree costs three million permutations and not three
 * million Python calls (each ~1.5 µs of interpreter overhead around ~0.3 µs of hashing).
 *
 * Written by hand because no library offers batched keccak: keccak-f[1600] as in the Keccak
 * team's public-domain reference code (round constants, rotation offsets and lane order of the
 * specification), its rounds unrolled over 25 local lanes. Only single-block messages are needed (a leaf's ABI body or
 * a pair of nodes is under the 136-byte rate), so absorbing is one XOR and one permutation.
 * Little-endian hosts only (lanes are read as native uint64); the Python side checks.
 * Every result is compared against safe-pysha3 by the tests.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <pthread.h>

#define RATE 136

static const uint64_t RC[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL};
#define ROL(x, y) (((x) << (y)) | ((x) >> (64 - (y))))

/*
 * One round from state A into state E (lanes named b,g,k,m,s by row and a,e,i,o,u by column),
 * theta, rho, pi, chi and iota unrolled, as in the Keccak team's public-domain
 * "KeccakF1600_StatePermute" (the form PQClean's fips202.c uses): the rotation offsets are the
 * specification's rho table; each group of five computes one output row.
 */
#define ROUND(A, E, rc)                                                                          \
    do {                                                                                         \
        BCa = A##ba ^ A##ga ^ A##ka ^ A##ma ^ A##sa;                                             \
        BCe = A##be ^ A##ge ^ A##ke ^ A##me ^ A##se;                                             \
        BCi = A##bi ^ A##gi ^ A##ki ^ A##mi ^ A##si;                                             \
        BCo = A##bo ^ A##go ^ A##ko ^ A##mo ^ A##so;                                             \
        BCu = A##bu ^ A##gu ^ A##ku ^ A##mu ^ A##su;                                             \
        Da = BCu ^ ROL(BCe, 1);                                                                  \
        De = BCa ^ ROL(BCi, 1);                                                                  \
        Di = BCe ^ ROL(BCo, 1);                                                                  \
        Do = BCi ^ ROL(BCu, 1);                                                                  \
        Du = BCo ^ ROL(BCa, 1);                                                                  \
        A##ba ^= Da; BCa = A##ba;                                                                \
        A##ge ^= De; BCe = ROL(A##ge, 44);                                                       \
        A##ki ^= Di; BCi = ROL(A##ki, 43);                                                       \
        A##mo ^= Do; BCo = ROL(A##mo, 21);                                                       \
        A##su ^= Du; BCu = ROL(A##su, 14);                                                       \
        E##ba = BCa ^ ((~BCe) & BCi) ^ (rc);                                                     \
        E##be = BCe ^ ((~BCi) & BCo);                                                            \
        E##bi = BCi ^ ((~BCo) & BCu);                                                            \
        E##bo = BCo ^ ((~BCu) & BCa);                                                            \
        E##bu = BCu ^ ((~BCa) & BCe);                                                            \
        A##bo ^= Do; BCa = ROL(A##bo, 28);                                                       \
        A##gu ^= Du; BCe = ROL(A##gu, 20);                                                       \
        A##ka ^= Da; BCi = ROL(A##ka, 3);                                                        \
        A##me ^= De; BCo = ROL(A##me, 45);                                                       \
        A##si ^= Di; BCu = ROL(A##si, 61);                                                       \
        E##ga = BCa ^ ((~BCe) & BCi);                                                            \
        E##ge = BCe ^ ((~BCi) & BCo);                                                            \
        E##gi = BCi ^ ((~BCo) & BCu);                                                            \
        E##go = BCo ^ ((~BCu) & BCa);                                                            \
        E##gu = BCu ^ ((~BCa) & BCe);                                                            \
        A##be ^= De; BCa = ROL(A##be, 1);                                                        \
        A##gi ^= Di; BCe = ROL(A##gi, 6);                                                        \
        A##ko ^= Do; BCi = ROL(A##ko, 25);                                                       \
        A##mu ^= Du; BCo = ROL(A##mu, 8);                                                        \
        A##sa ^= Da; BCu = ROL(A##sa, 18);                                                       \
        E##ka = BCa ^ ((~BCe) & BCi);                                                            \
        E##ke = BCe ^ ((~BCi) & BCo);                                                            \
        E##ki = BCi ^ ((~BCo) & BCu);                                                            \
        E##ko = BCo ^ ((~BCu) & BCa);                                                            \
        E##ku = BCu ^ ((~BCa) & BCe);                                                            \
        A##bu ^= Du; BCa = ROL(A##bu, 27);                                                       \
        A##ga ^= Da; BCe = ROL(A##ga, 36);                                                       \
        A##ke ^= De; BCi = ROL(A##ke, 10);                                                       \
        A##mi ^= Di; BCo = ROL(A##mi, 15);                                                       \
        A##so ^= Do; BCu = ROL(A##so, 56);                                                       \
        E##ma = BCa ^ ((~BCe) & BCi);                                                            \
        E##me = BCe ^ ((~BCi) & BCo);                                                            \
        E##mi = BCi ^ ((~BCo) & BCu);                                                            \
        E##mo = BCo ^ ((~BCu) & BCa);                                                            \
        E##mu = BCu ^ ((~BCa) & BCe);                                                            \
        A##bi ^= Di; BCa = ROL(A##bi, 62);                                                       \
        A##go ^= Do; BCe = ROL(A##go, 55);                                                       \
        A##ku ^= Du; BCi = ROL(A##ku, 39);                                                       \
        A##ma ^= Da; BCo = ROL(A##ma, 41);                                                       \
        A##se ^= De; BCu = ROL(A##se, 2);                                                        \
        E##sa = BCa ^ ((~BCe) & BCi);                                                            \
        E##se = BCe ^ ((~BCi) & BCo);                                                            \
        E##si = BCi ^ ((~BCo) & BCu);                                                            \
        E##so = BCo ^ ((~BCu) & BCa);                                                            \
        E##su = BCu ^ ((~BCa) & BCe);                                                            \
    } while (0)

static void keccakf(uint64_t s[25]) {
    uint64_t Aba = s[0], Abe = s[1], Abi = s[2], Abo = s[3], Abu = s[4];
    uint64_t Aga = s[5], Age = s[6], Agi = s[7], Ago = s[8], Agu = s[9];
    uint64_t Aka = s[10], Ake = s[11], Aki = s[12], Ako = s[13], Aku = s[14];
    uint64_t Ama = s[15], Ame = s[16], Ami = s[17], Amo = s[18], Amu = s[19];
    uint64_t Asa = s[20], Ase = s[21], Asi = s[22], Aso = s[23], Asu = s[24];
    uint64_t Eba, Ebe, Ebi, Ebo, Ebu, Ega, Ege, Egi, Ego, Egu, Eka, Eke, Eki, Eko, Eku;
    uint64_t Ema, Eme, Emi, Emo, Emu, Esa, Ese, Esi, Eso, Esu;
    uint64_t BCa, BCe, BCi, BCo, BCu, Da, De, Di, Do, Du;
    for (int round = 0; round < 24; round += 2) {
        ROUND(A, E, RC[round]);
        ROUND(E, A, RC[round + 1]);
    }
    s[0] = Aba; s[1] = Abe; s[2] = Abi; s[3] = Abo; s[4] = Abu;
    s[5] = Aga; s[6] = Age; s[7] = Agi; s[8] = Ago; s[9] = Agu;
    s[10] = Aka; s[11] = Ake; s[12] = Aki; s[13] = Ako; s[14] = Aku;
    s[15] = Ama; s[16] = Ame; s[17] = Ami; s[18] = Amo; s[19] = Amu;
    s[20] = Asa; s[21] = Ase; s[22] = Asi; s[23] = Aso; s[24] = Asu;
}

/* keccak-256 of one message shorter than the rate: absorb, pad (0x01 ... 0x80), permute. */
static void keccak256_short(const uint8_t *msg, size_t len, uint8_t out[32]) {
    uint64_t st[25];
    uint8_t *bytes = (uint8_t *)st;
    memset(st, 0, sizeof st);
    memcpy(bytes, msg, len); /* the state starts at zero, so copying is absorbing */
    bytes[len] ^= 0x01;
    bytes[RATE - 1] ^= 0x80;
    keccakf(st);
    memcpy(out, bytes, 32);
}

/*
 * Work split over threads: fn(ctx, lo, hi) for [0, n) cut into `threads` contiguous chunks, the
 * last one run by the calling thread. Plain pthreads started per call (no pool), so a process
 * that forks later (uvicorn/granian workers, multiprocessing) inherits no thread state. A
 * thread that cannot be started leaves its chunk to the caller. Small batches stay on one
 * thread: starting one costs ~50 µs, the time of ~100 hashes.
 */
typedef void (*range_fn)(void *ctx, size_t lo, size_t hi);
typedef struct {
    range_fn fn;
    void *ctx;
    size_t lo, hi;
} chunk_t;

#define MAX_THREADS 16
#define MIN_PER_THREAD 4096

static void *run_chunk(void *arg) {
    chunk_t *c = (chunk_t *)arg;
    c->fn(c->ctx, c->lo, c->hi);
    return NULL;
}

static void parallel_for(range_fn fn, void *ctx, size_t n, int threads) {
    if (threads > MAX_THREADS) threads = MAX_THREADS;
    if (threads > 1 && n / MIN_PER_THREAD < (size_t)threads) threads = (int)(n / MIN_PER_THREAD);
    if (threads <= 1) {
        fn(ctx, 0, n);
        return;
    }
    chunk_t chunks[MAX_THREADS];
    pthread_t ids[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    for (int t = 0; t < threads; t++) {
        chunks[t] = (chunk_t){fn, ctx, n * t / threads, n * (t + 1) / threads};
        if (t < threads - 1) started[t] = pthread_create(&ids[t], NULL, run_chunk, &chunks[t]) == 0;
    }
    for (int t = 0; t < threads; t++)
        if (!started[t]) run_chunk(&chunks[t]); /* the last chunk, or one whose thread failed */
    for (int t = 0; t < threads - 1; t++)
        if (started[t]) pthread_join(ids[t], NULL);
}

typedef struct {
    const uint8_t *in;
    size_t len;
    uint8_t *out;
} batch_t;

static void many_range(void *ctx, size_t lo, size_t hi) {
    batch_t *b = (batch_t *)ctx;
    for (size_t i = lo; i < hi; i++) keccak256_short(b->in + i * b->len, b->len, b->out + 32 * i);
}

static void leaves_range(void *ctx, size_t lo, size_t hi) {
    batch_t *b = (batch_t *)ctx;
    uint8_t inner[32];
    for (size_t i = lo; i < hi; i++) {
        keccak256_short(b->in + i * b->len, b->len, inner);
        keccak256_short(inner, 32, b->out + 32 * i);
    }
}

/* keccak-256 of n messages of len bytes each (len < 136), laid end to end. */
int twei_keccak_many(const uint8_t *msgs, size_t n, size_t len, uint8_t *out, int threads) {
    if (len >= RATE) return -1;
    batch_t b = {msgs, len, out};
    parallel_for(many_range, &b, n, threads);
    return 0;
}

/* StandardMerkleTree leaf hashes, keccak256(keccak256(body)), of n bodies of len bytes each. */
int twei_leaf_hashes(const uint8_t *bodies, size_t n, size_t len, uint8_t *out, int threads) {
    if (len >= RATE) return -1;
    batch_t b = {bodies, len, out};
    parallel_for(leaves_range, &b, n, threads);
    return 0;
}

typedef struct {
    uint8_t *heap;
    size_t first; /* heap index of the range's position 0 */
} level_t;

/* Heap nodes first+lo .. first+hi-1 from their children (2i+1, 2i+2), smaller child first as
 * big-endian numbers (memcmp): OpenZeppelin's commutative keccak. */
static void nodes_range(void *ctx, size_t lo, size_t hi) {
    level_t *l = (level_t *)ctx;
    uint8_t pair[64];
    for (size_t i = l->first + lo; i < l->first + hi; i++) {
        const uint8_t *a = l->heap + 32 * (2 * i + 1), *b = l->heap + 32 * (2 * i + 2);
        if (memcmp(a, b, 32) <= 0) {
            memcpy(pair, a, 32);
            memcpy(pair + 32, b, 32);
        } else {
            memcpy(pair, b, 32);
            memcpy(pair + 32, a, 32);
        }
        keccak256_short(pair, 64, l->heap + 32 * i);
    }
}

/*
 * A whole StandardMerkleTree heap from n leaf hashes (32 bytes each, in input order) and their
 * ascending order: the i-th smallest leaf goes to heap node size-1-i (leaves fill the end in
 * descending order, as the JS library stores them), then every internal node (0 .. n-2) is
 * hashed a depth at a time, deepest first: the nodes of one depth depend only on the depth
 * below, so each depth is split over the threads. `order` must be a permutation of 0..n-1
 * (the Python side checks).
 */
void twei_build_heap(const uint8_t *leaves, const int64_t *order, size_t n, uint8_t *heap, int threads) {
    size_t size = 2 * n - 1, internal = n - 1;
    for (size_t i = 0; i < n; i++) memcpy(heap + 32 * (size - 1 - i), leaves + 32 * order[i], 32);
    if (internal == 0) return;
    size_t depth = 0; /* of the last internal node, internal-1: floor(log2(internal)) */
    while (((size_t)2 << depth) - 1 <= internal - 1) depth++;
    for (size_t d = depth + 1; d-- > 0;) {
        size_t first = ((size_t)1 << d) - 1, end = ((size_t)2 << d) - 1;
        if (end > internal) end = internal;
        level_t l = {heap, first};
        parallel_for(nodes_range, &l, end - first, threads);
    }
}
