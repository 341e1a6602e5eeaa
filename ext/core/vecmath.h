/*
** Dense float kernels of the hot loops: dot product, y += a*x, and the
** block forms that score one vector against several rows and update them.
** Which form a file gets: AVX-512 in kern_avx512.c, AVX2+FMA in kern_avx2.c
** (or wherever the compiler targets AVX2 and FMA, as make NATIVE=1's
** -march=native does), 4-float GCC vectors in the baseline kernel (sse2,
** neon), plain C in the scalar one (kernel.h: the kernels are picked at run
** time).
*/
#ifndef W2V_VECMATH_H
#define W2V_VECMATH_H

/* The scalar form of w2v_pairs_update (below) over dims [i0, dim): the
** portable version, and the tail of the AVX2 one. */
static inline void w2v_pairs_update_from(const float *x, float *const *rows, const float *g,
                                         int n, int i0, int dim, float *gx){
  int i, j;
  for(i=i0; i<dim; i++){
    float xv = x[i], acc = 0;
    for(j=0; j<n; j++){
      float o = rows[j][i];
      acc += g[j]*o;
      rows[j][i] = o + g[j]*xv;
    }
    gx[i] += acc;
  }
}

#if defined(W2V_ISA_PLAIN)
/* plain C */
#elif defined(W2V_ISA_AVX512)
#define W2V_VEC_AVX512 1
#define W2V_VEC_AVX2 1
#elif defined(W2V_ISA_AVX2) || (defined(__AVX2__) && defined(__FMA__))
#define W2V_VEC_AVX2 1
#elif defined(__GNUC__)
#define W2V_VEC_GENERIC 1     /* 4-float vectors: SSE2 on x86-64, NEON on arm64 */
#endif

#if defined(W2V_VEC_AVX2)
#include <immintrin.h>

static inline float w2v_hsum(__m256 s){
  __m128 r = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
  r = _mm_add_ps(r, _mm_movehl_ps(r, r));
  r = _mm_add_ss(r, _mm_movehdup_ps(r));
  return _mm_cvtss_f32(r);
}
#endif

#if defined(W2V_VEC_AVX512)
/* The same four kernels with 16-float vectors; a row's tail (dim % 16) is
** one masked load and store instead of a scalar loop. */
static inline __mmask16 w2v_tail_mask(int left){
  return (__mmask16)((1u << left) - 1u);
}

static inline float w2v_dot(const float *a, const float *b, int n){
  __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
  int i = 0;
  for(; i+32<=n; i+=32){
    s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a+i), _mm512_loadu_ps(b+i), s0);
    s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a+i+16), _mm512_loadu_ps(b+i+16), s1);
  }
  for(; i+16<=n; i+=16) s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a+i), _mm512_loadu_ps(b+i), s0);
  if( i<n ){
    __mmask16 m = w2v_tail_mask(n-i);
    s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a+i), _mm512_maskz_loadu_ps(m, b+i), s1);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}

static inline void w2v_axpy(float *y, float a, const float *x, int n){
  __m512 va = _mm512_set1_ps(a);
  int i = 0;
  for(; i+16<=n; i+=16){
    _mm512_storeu_ps(y+i, _mm512_fmadd_ps(va, _mm512_loadu_ps(x+i), _mm512_loadu_ps(y+i)));
  }
  if( i<n ){
    __mmask16 m = w2v_tail_mask(n-i);
    _mm512_mask_storeu_ps(y+i, m, _mm512_fmadd_ps(va, _mm512_maskz_loadu_ps(m, x+i), _mm512_maskz_loadu_ps(m, y+i)));
  }
}

/* f[j] = x . rows[j] for j < n: four rows at a time share each load of x */
static inline void w2v_dots(const float *x, float *const *rows, int n, int dim, float *f){
  int j = 0, i;
  for(; j+4<=n; j+=4){
    const float *r0 = rows[j], *r1 = rows[j+1], *r2 = rows[j+2], *r3 = rows[j+3];
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    __m512 s2 = _mm512_setzero_ps(), s3 = _mm512_setzero_ps();
    for(i=0; i+16<=dim; i+=16){
      __m512 xv = _mm512_loadu_ps(x+i);
      s0 = _mm512_fmadd_ps(xv, _mm512_loadu_ps(r0+i), s0);
      s1 = _mm512_fmadd_ps(xv, _mm512_loadu_ps(r1+i), s1);
      s2 = _mm512_fmadd_ps(xv, _mm512_loadu_ps(r2+i), s2);
      s3 = _mm512_fmadd_ps(xv, _mm512_loadu_ps(r3+i), s3);
    }
    if( i<dim ){
      __mmask16 m = w2v_tail_mask(dim-i);
      __m512 xv = _mm512_maskz_loadu_ps(m, x+i);
      s0 = _mm512_fmadd_ps(xv, _mm512_maskz_loadu_ps(m, r0+i), s0);
      s1 = _mm512_fmadd_ps(xv, _mm512_maskz_loadu_ps(m, r1+i), s1);
      s2 = _mm512_fmadd_ps(xv, _mm512_maskz_loadu_ps(m, r2+i), s2);
      s3 = _mm512_fmadd_ps(xv, _mm512_maskz_loadu_ps(m, r3+i), s3);
    }
    f[j] = _mm512_reduce_add_ps(s0); f[j+1] = _mm512_reduce_add_ps(s1);
    f[j+2] = _mm512_reduce_add_ps(s2); f[j+3] = _mm512_reduce_add_ps(s3);
  }
  for(; j<n; j++) f[j] = w2v_dot(x, rows[j], dim);
}

/* One 16-float slice [i, i+16) of w2v_pairs_update (below), m its mask. */
static inline void w2v_pairs_slice(const float *x, float *const *rows, const float *g,
                                   int n, int i, __mmask16 m, float *gx){
  __m512 xv = _mm512_maskz_loadu_ps(m, x+i);
  __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
  int j;
  for(j=0; j+2<=n; j+=2){
    __m512 g0 = _mm512_set1_ps(g[j]), g1 = _mm512_set1_ps(g[j+1]), o;
    o = _mm512_maskz_loadu_ps(m, rows[j]+i);   a0 = _mm512_fmadd_ps(g0, o, a0);
    _mm512_mask_storeu_ps(rows[j]+i, m, _mm512_fmadd_ps(g0, xv, o));
    o = _mm512_maskz_loadu_ps(m, rows[j+1]+i); a1 = _mm512_fmadd_ps(g1, o, a1);
    _mm512_mask_storeu_ps(rows[j+1]+i, m, _mm512_fmadd_ps(g1, xv, o));
  }
  if( j<n ){
    __m512 gj = _mm512_set1_ps(g[j]);
    __m512 o = _mm512_maskz_loadu_ps(m, rows[j]+i);
    a0 = _mm512_fmadd_ps(gj, o, a0);
    _mm512_mask_storeu_ps(rows[j]+i, m, _mm512_fmadd_ps(gj, xv, o));
  }
  _mm512_mask_storeu_ps(gx+i, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, gx+i), _mm512_add_ps(a0, a1)));
}

/* For every j < n, in order: gx += g[j]*rows[j], then rows[j] += g[j]*x.
** gx may be x itself (then x gets the sum with its old value used for the
** rows: each slice of x is loaded before it is written). */
static inline void w2v_pairs_update(const float *x, float *const *rows, const float *g,
                                    int n, int dim, float *gx){
  int i = 0;
  for(; i+16<=dim; i+=16) w2v_pairs_slice(x, rows, g, n, i, (__mmask16)0xffff, gx);
  if( i<dim ) w2v_pairs_slice(x, rows, g, n, i, w2v_tail_mask(dim-i), gx);
}

#elif defined(W2V_VEC_AVX2)

static inline float w2v_dot(const float *a, const float *b, int n){
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  __m128 r;
  float t;
  int i = 0;
  for(; i+16<=n; i+=16){
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a+i), _mm256_loadu_ps(b+i), s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a+i+8), _mm256_loadu_ps(b+i+8), s1);
  }
  if( i+8<=n ){
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a+i), _mm256_loadu_ps(b+i), s0);
    i += 8;
  }
  s0 = _mm256_add_ps(s0, s1);
  r = _mm_add_ps(_mm256_castps256_ps128(s0), _mm256_extractf128_ps(s0, 1));
  r = _mm_add_ps(r, _mm_movehl_ps(r, r));
  r = _mm_add_ss(r, _mm_movehdup_ps(r));
  t = _mm_cvtss_f32(r);
  for(; i<n; i++) t += a[i]*b[i];
  return t;
}

static inline void w2v_axpy(float *y, float a, const float *x, int n){
  __m256 va = _mm256_set1_ps(a);
  int i = 0;
  for(; i+8<=n; i+=8){
    _mm256_storeu_ps(y+i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x+i), _mm256_loadu_ps(y+i)));
  }
  for(; i<n; i++) y[i] += a*x[i];
}

/* f[j] = x . rows[j] for j < n: four rows at a time share each load of x */
static inline void w2v_dots(const float *x, float *const *rows, int n, int dim, float *f){
  int j = 0, i;
  for(; j+4<=n; j+=4){
    const float *r0 = rows[j], *r1 = rows[j+1], *r2 = rows[j+2], *r3 = rows[j+3];
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    __m256 s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
    float t0, t1, t2, t3;
    for(i=0; i+8<=dim; i+=8){
      __m256 xv = _mm256_loadu_ps(x+i);
      s0 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(r0+i), s0);
      s1 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(r1+i), s1);
      s2 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(r2+i), s2);
      s3 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(r3+i), s3);
    }
    t0 = w2v_hsum(s0); t1 = w2v_hsum(s1); t2 = w2v_hsum(s2); t3 = w2v_hsum(s3);
    for(; i<dim; i++){ t0 += x[i]*r0[i]; t1 += x[i]*r1[i]; t2 += x[i]*r2[i]; t3 += x[i]*r3[i]; }
    f[j] = t0; f[j+1] = t1; f[j+2] = t2; f[j+3] = t3;
  }
  for(; j<n; j++) f[j] = w2v_dot(x, rows[j], dim);
}

/* For every j < n, in order: gx += g[j]*rows[j], then rows[j] += g[j]*x --
** one pass over the rows, each 8-float slice of x loaded once.  gx may be
** x itself (then x gets the sum with its old value used for the rows). */
static inline void w2v_pairs_update(const float *x, float *const *rows, const float *g,
                                    int n, int dim, float *gx){
  int i = 0, j;
  for(; i+8<=dim; i+=8){
    /* four accumulators, so that the sum over rows is not one long chain */
    __m256 xv = _mm256_loadu_ps(x+i);
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    __m256 a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
    for(j=0; j+4<=n; j+=4){
      __m256 g0 = _mm256_set1_ps(g[j]), g1 = _mm256_set1_ps(g[j+1]);
      __m256 g2 = _mm256_set1_ps(g[j+2]), g3 = _mm256_set1_ps(g[j+3]);
      __m256 o;
      o = _mm256_loadu_ps(rows[j]+i);   a0 = _mm256_fmadd_ps(g0, o, a0); _mm256_storeu_ps(rows[j]+i, _mm256_fmadd_ps(g0, xv, o));
      o = _mm256_loadu_ps(rows[j+1]+i); a1 = _mm256_fmadd_ps(g1, o, a1); _mm256_storeu_ps(rows[j+1]+i, _mm256_fmadd_ps(g1, xv, o));
      o = _mm256_loadu_ps(rows[j+2]+i); a2 = _mm256_fmadd_ps(g2, o, a2); _mm256_storeu_ps(rows[j+2]+i, _mm256_fmadd_ps(g2, xv, o));
      o = _mm256_loadu_ps(rows[j+3]+i); a3 = _mm256_fmadd_ps(g3, o, a3); _mm256_storeu_ps(rows[j+3]+i, _mm256_fmadd_ps(g3, xv, o));
    }
    for(; j<n; j++){
      __m256 gj = _mm256_set1_ps(g[j]);
      __m256 o = _mm256_loadu_ps(rows[j]+i);
      a0 = _mm256_fmadd_ps(gj, o, a0);
      _mm256_storeu_ps(rows[j]+i, _mm256_fmadd_ps(gj, xv, o));
    }
    a0 = _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3));
    _mm256_storeu_ps(gx+i, _mm256_add_ps(_mm256_loadu_ps(gx+i), a0));
  }
  w2v_pairs_update_from(x, rows, g, n, i, dim, gx);
}

#elif defined(W2V_VEC_GENERIC)
/* The AVX2 kernels' shape in GCC's portable vector type: 4 floats, which
** the compiler maps to SSE2 (x86-64), NEON (arm64) or the target's own
** (no FMA in SSE2: a multiply and an add).  memcpy is an unaligned load. */
#include <string.h>
typedef float w2v_v4 __attribute__((vector_size(16)));
static inline w2v_v4 w2v_ld4(const float *p){ w2v_v4 v; memcpy(&v, p, sizeof(v)); return v; }
static inline void w2v_st4(float *p, w2v_v4 v){ memcpy(p, &v, sizeof(v)); }
static inline w2v_v4 w2v_set4(float a){ w2v_v4 v = { a, a, a, a }; return v; }
static inline float w2v_hsum4(w2v_v4 v){ return (v[0]+v[1])+(v[2]+v[3]); }

static inline float w2v_dot(const float *a, const float *b, int n){
  w2v_v4 s0 = w2v_set4(0), s1 = w2v_set4(0);
  float t;
  int i = 0;
  for(; i+8<=n; i+=8){
    s0 += w2v_ld4(a+i)*w2v_ld4(b+i);
    s1 += w2v_ld4(a+i+4)*w2v_ld4(b+i+4);
  }
  if( i+4<=n ){ s0 += w2v_ld4(a+i)*w2v_ld4(b+i); i += 4; }
  t = w2v_hsum4(s0+s1);
  for(; i<n; i++) t += a[i]*b[i];
  return t;
}

static inline void w2v_axpy(float *y, float a, const float *x, int n){
  w2v_v4 va = w2v_set4(a);
  int i = 0;
  for(; i+4<=n; i+=4) w2v_st4(y+i, w2v_ld4(y+i) + va*w2v_ld4(x+i));
  for(; i<n; i++) y[i] += a*x[i];
}

/* f[j] = x . rows[j] for j < n: four rows at a time share each load of x */
static inline void w2v_dots(const float *x, float *const *rows, int n, int dim, float *f){
  int j = 0, i;
  for(; j+4<=n; j+=4){
    const float *r0 = rows[j], *r1 = rows[j+1], *r2 = rows[j+2], *r3 = rows[j+3];
    w2v_v4 s0 = w2v_set4(0), s1 = w2v_set4(0), s2 = w2v_set4(0), s3 = w2v_set4(0);
    float t0, t1, t2, t3;
    for(i=0; i+4<=dim; i+=4){
      w2v_v4 xv = w2v_ld4(x+i);
      s0 += xv*w2v_ld4(r0+i); s1 += xv*w2v_ld4(r1+i);
      s2 += xv*w2v_ld4(r2+i); s3 += xv*w2v_ld4(r3+i);
    }
    t0 = w2v_hsum4(s0); t1 = w2v_hsum4(s1); t2 = w2v_hsum4(s2); t3 = w2v_hsum4(s3);
    for(; i<dim; i++){ t0 += x[i]*r0[i]; t1 += x[i]*r1[i]; t2 += x[i]*r2[i]; t3 += x[i]*r3[i]; }
    f[j] = t0; f[j+1] = t1; f[j+2] = t2; f[j+3] = t3;
  }
  for(; j<n; j++) f[j] = w2v_dot(x, rows[j], dim);
}

/* As the AVX2 w2v_pairs_update, 4 floats of x at a time; gx may be x. */
static inline void w2v_pairs_update(const float *x, float *const *rows, const float *g,
                                    int n, int dim, float *gx){
  int i = 0, j;
  for(; i+4<=dim; i+=4){
    w2v_v4 xv = w2v_ld4(x+i);
    w2v_v4 a0 = w2v_set4(0), a1 = w2v_set4(0), a2 = w2v_set4(0), a3 = w2v_set4(0);
    for(j=0; j+4<=n; j+=4){
      w2v_v4 g0 = w2v_set4(g[j]), g1 = w2v_set4(g[j+1]), g2 = w2v_set4(g[j+2]), g3 = w2v_set4(g[j+3]), o;
      o = w2v_ld4(rows[j]+i);   a0 += g0*o; w2v_st4(rows[j]+i, o + g0*xv);
      o = w2v_ld4(rows[j+1]+i); a1 += g1*o; w2v_st4(rows[j+1]+i, o + g1*xv);
      o = w2v_ld4(rows[j+2]+i); a2 += g2*o; w2v_st4(rows[j+2]+i, o + g2*xv);
      o = w2v_ld4(rows[j+3]+i); a3 += g3*o; w2v_st4(rows[j+3]+i, o + g3*xv);
    }
    for(; j<n; j++){
      w2v_v4 gj = w2v_set4(g[j]), o = w2v_ld4(rows[j]+i);
      a0 += gj*o;
      w2v_st4(rows[j]+i, o + gj*xv);
    }
    w2v_st4(gx+i, w2v_ld4(gx+i) + ((a0 + a1) + (a2 + a3)));
  }
  w2v_pairs_update_from(x, rows, g, n, i, dim, gx);
}
#else

static inline float w2v_dot(const float *a, const float *b, int n){
  float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int i = 0;
  for(; i+4<=n; i+=4){
    s0 += a[i]*b[i]; s1 += a[i+1]*b[i+1]; s2 += a[i+2]*b[i+2]; s3 += a[i+3]*b[i+3];
  }
  for(; i<n; i++) s0 += a[i]*b[i];
  return (s0+s1)+(s2+s3);
}

static inline void w2v_axpy(float *y, float a, const float *x, int n){
  int i;
  for(i=0; i<n; i++) y[i] += a*x[i];
}

static inline void w2v_dots(const float *x, float *const *rows, int n, int dim, float *f){
  int j;
  for(j=0; j<n; j++) f[j] = w2v_dot(x, rows[j], dim);
}

static inline void w2v_pairs_update(const float *x, float *const *rows, const float *g,
                                    int n, int dim, float *gx){
  w2v_pairs_update_from(x, rows, g, n, 0, dim, gx);
}

#endif
#endif /* W2V_VECMATH_H */
