/*
 * Text to ABI words, a whole column at a time, for twei.merkle: a day's tree has a million
 * accounts as 0x-hex strings and amounts and levels as decimal strings (the tree file's
 * format), and Python's int(), int.to_bytes() and bytes.fromhex() with the slicing around them
 * cost about 1 s for them against ~0.1 s here.
 *
 * Written by hand because no library parses a column of big decimals into fixed-width words.
 * Only canonical text is accepted (decimals: ASCII digits, no sign, no spaces, no leading zero
 * except "0" itself, what str(int) writes; addresses: "0x" or "0X" and 40 hex digits), so the
 * Python side can keep the strings as the tree's values unchanged; anything else is reported
 * and Python's own parsing takes over (and names the bad value).
 */
#include <stddef.h>
#include <stdint.h>

/* 10**k for k = 0..19. */
static const uint64_t POW10[20] = {
    1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL, 100000000ULL,
    1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL, 10000000000000ULL,
    100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL, 100000000000000000ULL,
    1000000000000000000ULL, 10000000000000000000ULL};

/* w = w * mul + add over four little-endian 64-bit limbs; 0 if the result exceeds 256 bits. */
static int mul_add(uint64_t w[4], uint64_t mul, uint64_t add) {
    unsigned __int128 carry = add;
    for (int k = 0; k < 4; k++) {
        unsigned __int128 t = (unsigned __int128)w[k] * mul + carry;
        w[k] = (uint64_t)t;
        carry = t >> 64;
    }
    return carry == 0;
}

/* One canonical decimal of `len` characters into limbs; 0 if it is not canonical or too big. */
static int parse(const char *s, size_t len, uint64_t w[4]) {
    w[0] = w[1] = w[2] = w[3] = 0;
    if (len == 0 || len > 78 || (s[0] == '0' && len > 1)) return 0; /* 2**256 has 78 digits */
    size_t i = 0;
    while (i < len) {
        size_t take = len - i < 19 ? len - i : 19; /* 19 digits always fit one limb */
        uint64_t chunk = 0;
        for (size_t j = 0; j < take; j++) {
            unsigned d = (unsigned char)s[i + j] - '0';
            if (d > 9) return 0;
            chunk = chunk * 10 + d;
        }
        if (!mul_add(w, POW10[take], chunk)) return 0;
        i += take;
    }
    return 1;
}

/* Whether the limbs' value is below 2**bits (bits 1..256). */
static int below(const uint64_t w[4], unsigned bits) {
    for (unsigned k = 0; k < 4; k++) {
        unsigned low = 64 * k; /* limb k holds bits low .. low + 63 */
        if (bits <= low && w[k]) return 0;
        if (bits > low && bits < low + 64 && (w[k] >> (bits - low))) return 0;
    }
    return 1;
}

/*
 * Parse n decimals laid end to end in `text` (number i ends at ends[i], starts at ends[i-1] or
 * 0) into 32-byte big-endian words at out + i * stride. Each must be canonical and below
 * 2**bits (bits 1..256). Returns n when all are, else the index of the first that is not
 * (words before it are written, the rest untouched: the caller discards the output then).
 */
size_t twei_decimal_words(const char *text, const int64_t *ends, size_t n, unsigned bits,
                          uint8_t *out, size_t stride) {
    uint64_t w[4];
    int64_t start = 0;
    for (size_t i = 0; i < n; i++) {
        if (ends[i] < start || !parse(text + start, (size_t)(ends[i] - start), w)) return i;
        if (!below(w, bits)) return i;
        uint8_t *word = out + i * stride;
        for (int k = 0; k < 4; k++) /* limb 3 is the most significant: it goes first */
            for (int b = 0; b < 8; b++) word[8 * (3 - k) + b] = (uint8_t)(w[k] >> (56 - 8 * b));
        start = ends[i];
    }
    return n;
}

/* The value of one hex digit, or -1. */
static int hex_digit(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    c |= 0x20; /* lower case */
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/*
 * Parse n addresses of 42 characters each, laid end to end in `text` ("0x" or "0X", then 40
 * hex digits of either case), into their 20 bytes at out + i * stride. Returns n when all are
 * addresses, else the index of the first that is not.
 */
size_t twei_address_words(const char *text, size_t n, uint8_t *out, size_t stride) {
    for (size_t i = 0; i < n; i++) {
        const unsigned char *s = (const unsigned char *)text + 42 * i;
        if (s[0] != '0' || (s[1] | 0x20) != 'x') return i;
        uint8_t *word = out + i * stride;
        for (int b = 0; b < 20; b++) {
            int hi = hex_digit(s[2 + 2 * b]), lo = hex_digit(s[3 + 2 * b]);
            if (hi < 0 || lo < 0) return i;
            word[b] = (uint8_t)(hi << 4 | lo);
        }
    }
    return n;
}
