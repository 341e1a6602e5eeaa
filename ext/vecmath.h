/*
** Dense float kernels of the hot loops: dot product and y += a*x.  AVX2+FMA
** when the compiler targets it (make's default -march=native), plain C
** otherwise (make PORTABLE=1).
*/
#ifndef W2V_VECMATH_H
#define W2V_VECMATH_H

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

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

#endif
#endif /* W2V_VECMATH_H */
