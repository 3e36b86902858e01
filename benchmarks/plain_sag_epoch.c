/* The least a softmax SAG epoch can cost on this machine: a plain C loop to set softmaxreg's
   kernel against (run by benchmarks/compare_ceiling.py, which writes its input and compiles
   it).

   Design
   ------
   The same algorithm as softmaxreg's SAG (src/softmaxreg/_sag.pyx) with L2 and an
   intercept, unit sample weights, rows drawn with replacement, and nothing else: no class
   parts or threads, no chunking, no stopping statistics, no checks. What it keeps is what
   PERFORMANCE.md found to matter: each feature's K weights and K gradient sums side by side
   in one block (with its last step: just-in-time catch-up), the number of classes K fixed
   at compile time (-DK=...), the next row's blocks prefetched through the current row's
   loop, and the storage type REAL (-DREAL=float for float32 weights, gradient sums and
   memory; scores, residuals and running sums in double either way).

   Step size as softmaxreg's: 1/L with L = max_i (||x_i||^2 + s_b) / 2 + l2, capped at
   1/(2 l2); the intercept's steps are scaled by s_b, the mean square of X's nonzeros
   clipped to [0.01, 1].

   Usage: plain_sag_epoch DIR EPOCHS ALPHA SEED
   DIR holds header.i64 (n_samples, n_features, nnz, K), indptr.i64, indices.i32,
   data.f64 and y.i32 (labels 0..K-1). Prints one line per epoch, "epoch E MS", then
   "objective F": the mean loss plus alpha/2 ||W||^2 at the end. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef K
#define K 20
#endif
#ifndef REAL
#define REAL double
#endif
#define STRIDE (2 * K + 2) /* V[K], G[K], last step, pad */

static double seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void *read_file(const char *dir, const char *name, size_t n_bytes) {
    char path[4096];
    FILE *f;
    void *p = malloc(n_bytes ? n_bytes : 1);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "rb");
    if (f == NULL || p == NULL || fread(p, 1, n_bytes, f) != n_bytes) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(2);
    }
    fclose(f);
    return p;
}

static inline void prefetch_block(const void *p, size_t n_bytes) {
    const char *c = (const char *)p;
    size_t off;
    for (off = 0; off < n_bytes; off += 64) __builtin_prefetch(c + off, 1, 3);
    __builtin_prefetch(c + n_bytes - 1, 1, 3);
}

static uint64_t rng_state;
static inline uint64_t next_random(void) { /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

int main(int argc, char **argv) {
    int64_t header[4], n, d, nnz, i, j, jj, pos, t, p, *indptr, *order;
    int32_t *indices, *y;
    double *data, *A, alpha, eta, s_b, L = 0.0, sum_sq = 0.0, scale, objective;
    double b[K] = {0}, b_sum[K] = {0}, raw[K], z[K], m, s, inv_n, new_scale;
    REAL *blocks, *memory, *blk, delta[K], x, ca;
    unsigned char *seen;
    int64_t n_seen = 0, e, epochs, k;
    size_t block_bytes = STRIDE * sizeof(REAL);

    if (argc != 5) {
        fprintf(stderr, "usage: %s DIR EPOCHS ALPHA SEED\n", argv[0]);
        return 2;
    }
    memcpy(header, read_file(argv[1], "header.i64", sizeof header), sizeof header);
    n = header[0], d = header[1], nnz = header[2];
    if (header[3] != K) {
        fprintf(stderr, "compiled for K=%d, the data has %lld classes\n", K, (long long)header[3]);
        return 2;
    }
    epochs = atoll(argv[2]);
    alpha = atof(argv[3]);
    rng_state = 0x9E3779B97F4A7C15ULL ^ (uint64_t)atoll(argv[4]);
    indptr = read_file(argv[1], "indptr.i64", (n + 1) * 8);
    indices = read_file(argv[1], "indices.i32", nnz * 4);
    data = read_file(argv[1], "data.f64", nnz * 8);
    y = read_file(argv[1], "y.i32", n * 4);

    for (jj = 0; jj < nnz; jj++) sum_sq += data[jj] * data[jj];
    s_b = nnz ? fmin(fmax(sum_sq / nnz, 0.01), 1.0) : 1.0;
    for (i = 0; i < n; i++) {
        double row = 0.0;
        for (jj = indptr[i]; jj < indptr[i + 1]; jj++) row += data[jj] * data[jj];
        L = fmax(L, 0.5 * (row + s_b));
    }
    eta = 1.0 / (L + alpha);
    if (alpha > 0.0 && eta > 0.5 / alpha) eta = 0.5 / alpha;

    blocks = aligned_alloc(64, (d * block_bytes + 63) / 64 * 64);
    memory = calloc(n * K, sizeof(REAL));
    A = calloc(n + 1, sizeof(double));
    seen = calloc(n, 1);
    order = malloc(n * sizeof(int64_t));
    if (!blocks || !memory || !A || !seen || !order) return 3;
    memset(blocks, 0, d * block_bytes);

    for (e = 0; e < epochs; e++) {
        double t0;
        for (pos = 0; pos < n; pos++) order[pos] = (int64_t)(next_random() % (uint64_t)n);
        t0 = seconds();
        scale = 1.0;
        t = 0;
        for (pos = 0; pos < n; pos++) {
            int64_t start, end, next_start = 0, next_end = 0, q;
            i = order[pos];
            start = indptr[i];
            end = indptr[i + 1];
            if (pos + 1 < n) {
                next_start = indptr[order[pos + 1]];
                next_end = indptr[order[pos + 1] + 1];
                prefetch_block(memory + order[pos + 1] * K, K * sizeof(REAL));
            }
            if (pos + 2 < n) {
                __builtin_prefetch(indices + indptr[order[pos + 2]]);
                __builtin_prefetch(data + indptr[order[pos + 2]]);
            }
            /* pass 1: catch the row's features up to step t, raw = x @ V */
            for (k = 0; k < K; k++) raw[k] = 0.0;
            for (jj = start; jj < end; jj++) {
                q = next_start + (jj - start);
                if (q < next_end) prefetch_block(blocks + (int64_t)indices[q] * STRIDE, block_bytes);
                blk = blocks + (int64_t)indices[jj] * STRIDE;
                x = (REAL)data[jj];
                p = (int64_t)blk[2 * K];
                if (p != t) {
                    ca = (REAL)(A[t] - A[p]);
                    for (k = 0; k < K; k++) blk[k] -= ca * blk[K + k];
                    blk[2 * K] = (REAL)t;
                }
                for (k = 0; k < K; k++) raw[k] += x * blk[k];
            }
            for (q = next_start + (end - start); q < next_end; q++)
                prefetch_block(blocks + (int64_t)indices[q] * STRIDE, block_bytes);
            /* residual, delta = g - memory[i] */
            m = -INFINITY;
            for (k = 0; k < K; k++) {
                z[k] = scale * raw[k] + b[k];
                if (z[k] > m) m = z[k];
            }
            s = 0.0;
            for (k = 0; k < K; k++) s += (z[k] = exp(z[k] - m));
            for (k = 0; k < K; k++) {
                REAL g = (REAL)(z[k] / s - (k == y[i]));
                delta[k] = g - memory[i * K + k];
                memory[i * K + k] = g;
            }
            if (!seen[i]) {
                seen[i] = 1;
                n_seen++;
            }
            inv_n = 1.0 / n_seen;
            new_scale = scale * (1.0 - eta * alpha);
            A[t + 1] = A[t] + eta * inv_n / new_scale;
            t++;
            /* pass 2: G[j] += x * delta; the intercept */
            for (jj = start; jj < end; jj++) {
                blk = blocks + (int64_t)indices[jj] * STRIDE;
                x = (REAL)data[jj];
                for (k = 0; k < K; k++) blk[K + k] += x * delta[k];
            }
            for (k = 0; k < K; k++) {
                b_sum[k] += delta[k];
                b[k] -= eta * s_b * b_sum[k] * inv_n;
            }
            scale = new_scale;
        }
        /* end of the epoch: catch every feature up, fold the scale in */
        for (j = 0; j < d; j++) {
            blk = blocks + j * STRIDE;
            ca = (REAL)(A[t] - A[(int64_t)blk[2 * K]]);
            for (k = 0; k < K; k++) blk[k] = (REAL)((blk[k] - ca * blk[K + k]) * scale);
            blk[2 * K] = 0;
        }
        printf("epoch %lld %.3f\n", (long long)e, (seconds() - t0) * 1e3);
    }

    objective = 0.0;
    for (i = 0; i < n; i++) {
        for (k = 0; k < K; k++) z[k] = b[k];
        for (jj = indptr[i]; jj < indptr[i + 1]; jj++) {
            blk = blocks + (int64_t)indices[jj] * STRIDE;
            for (k = 0; k < K; k++) z[k] += data[jj] * blk[k];
        }
        m = -INFINITY;
        for (k = 0; k < K; k++) m = z[k] > m ? z[k] : m;
        s = 0.0;
        for (k = 0; k < K; k++) s += exp(z[k] - m);
        objective += m + log(s) - z[y[i]];
    }
    objective /= n;
    sum_sq = 0.0;
    for (j = 0; j < d; j++)
        for (k = 0; k < K; k++) sum_sq += (double)blocks[j * STRIDE + k] * blocks[j * STRIDE + k];
    printf("objective %.12g\n", objective + 0.5 * alpha * sum_sq);
    return 0;
}
