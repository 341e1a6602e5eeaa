/*
** Exact nearest neighbours by cosine similarity over unit vectors.
**
** A full scan of float32 rows is limited by memory bandwidth (44k words x 100
** dims is 17.6 MB per query).  So the scan reads an int8 copy of the unit
** rows (a quarter of the bytes) and gets, per row, an approximate score a with
** a proven bound: |q.u - a| <= err(row) for a unit query q, where err is the
** norm of the row's rounding residual.  Every row whose upper bound a+err can
** still reach the k-th best lower bound is re-scored from the float32 vector
** (q.v / |v|), so the answer is the one a float32 scan gives, ties broken by
** rank (lower id).  Unit vectors are never stored: a row's norm is enough.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core.h"
#include "vecmath.h"

/* Covers the float rounding of both scores (|terms| <= 127 * |q|_1). */
#define KNN_SLACK 1e-4f

/* max |v[d]| */
static float row_absmax(const float *v, int dim){
  float mx = 0;
  int d = 0;
#if defined(__AVX2__)
  __m256 m = _mm256_setzero_ps(), sign = _mm256_set1_ps(-0.0f);
  float t[8];
  for(; d+8<=dim; d+=8) m = _mm256_max_ps(m, _mm256_andnot_ps(sign, _mm256_loadu_ps(v+d)));
  _mm256_storeu_ps(t, m);
  for(int j=0; j<8; j++) if( t[j]>mx ) mx = t[j];
#endif
  for(; d<dim; d++) if( fabsf(v[d])>mx ) mx = fabsf(v[d]);
  return mx;
}

/* With u = v*inv (the unit row): r = round(u*toQ) (|u*toQ| <= 127); returns
** the squared norm of the residual u - s*r, which bounds the error of the
** int8 scores.  Working on u keeps every factor finite even for tiny rows. */
static float row_quantize(const float *v, int dim, float toQ, float inv, float s, int8_t *r){
  float e = 0;
  int d = 0;
#if defined(__AVX2__) && defined(__FMA__)
  __m256 vq = _mm256_set1_ps(toQ), vi = _mm256_set1_ps(inv), vs = _mm256_set1_ps(s);
  __m256 acc = _mm256_setzero_ps();
  int32_t iv[8];
  float t[8];
  for(; d+8<=dim; d+=8){
    __m256 x = _mm256_loadu_ps(v+d);
    __m256 u = _mm256_mul_ps(x, vi);
    __m256i q = _mm256_cvtps_epi32(_mm256_mul_ps(u, vq));     /* nearest */
    __m256 res = _mm256_fnmadd_ps(vs, _mm256_cvtepi32_ps(q), u);
    acc = _mm256_fmadd_ps(res, res, acc);
    _mm256_storeu_si256((__m256i*)iv, q);
    for(int j=0; j<8; j++) r[d+j] = (int8_t)iv[j];
  }
  _mm256_storeu_ps(t, acc);
  for(int j=0; j<8; j++) e += t[j];
#endif
  for(; d<dim; d++){
    float u = v[d]*inv, t1 = u*toQ;
    int q = (int)(t1 + (t1>=0 ? 0.5f : -0.5f));
    float res = u - s*(float)q;
    r[d] = (int8_t)q;
    e += res*res;
  }
  return e;
}

void w2v_knn_index_rows(const float *vec, int64_t n, int dim, int8_t *q8, float *scale, float *err,
                        float *invNorm){
  int stride = (dim + 7) & ~7;
  int64_t i;
  for(i=0; i<n; i++){
    const float *v = vec + i*dim;
    int8_t *r = q8 + i*stride;
    double norm = sqrt(w2v_dot_exact(v, v, dim));   /* double: no overflow */
    double invd = norm>0 ? 1.0/norm : 0.0;
    float inv, mxu, s, e;
    memset(r, 0, (size_t)stride);
    /* a zero row, or one so small that 1/|v| is not a float, counts as zero */
    if( !(invd>0 && invd<3.0e38) ){
      invNorm[i] = scale[i] = err[i] = 0.0f;
      continue;
    }
    inv = (float)invd;
    mxu = (float)(row_absmax(v, dim)*invd);          /* in [1/sqrt(dim), 1] */
    s = mxu/127.0f;                                  /* unit row ~= s * r */
    e = row_quantize(v, dim, 127.0f/mxu, inv, s, r);
    invNorm[i] = inv;
    scale[i] = s;
    err[i] = sqrtf(e);
  }
}

int w2v_knn_alloc(W2vKnn *x, int64_t n, int dim){
  memset(x, 0, sizeof(*x));
  x->n = n;
  x->dim = dim;
  x->stride = (dim + 7) & ~7;
  x->q8 = w2v_core_malloc((size_t)(n ? n : 1) * (size_t)x->stride);
  x->scale = w2v_core_malloc(sizeof(float)*(size_t)(n ? n : 1));
  x->err = w2v_core_malloc(sizeof(float)*(size_t)(n ? n : 1));
  x->invNorm = w2v_core_malloc(sizeof(float)*(size_t)(n ? n : 1));
  if( !x->q8 || !x->scale || !x->err || !x->invNorm ){ w2v_knn_free(x); return -1; }
  return 0;
}

int w2v_knn_build(W2vKnn *x, const float *vec, int64_t n, int dim){
  if( w2v_knn_alloc(x, n, dim) ) return -1;
  x->vec = vec;
  w2v_knn_index_rows(vec, n, dim, x->q8, x->scale, x->err, x->invNorm);
  return 0;
}

void w2v_knn_free(W2vKnn *x){
  w2v_core_free(x->q8);
  w2v_core_free(x->scale);
  w2v_core_free(x->err);
  w2v_core_free(x->invNorm);
  x->q8 = 0; x->scale = x->err = x->invNorm = 0;
}

#if defined(__AVX2__) && defined(__FMA__)
/* q has stride floats (zero padded); stride is a multiple of 8. */
static inline float dot_q8(const float *q, const int8_t *v, int stride){
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  __m128 r;
  int i = 0;
  for(; i+16<=stride; i+=16){
    __m128i b = _mm_loadu_si128((const __m128i*)(v+i));
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(q+i), _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(b)), s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(q+i+8),
                         _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(b, 8))), s1);
  }
  if( i<stride ){
    __m128i b = _mm_loadl_epi64((const __m128i*)(v+i));
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(q+i), _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(b)), s0);
  }
  s0 = _mm256_add_ps(s0, s1);
  r = _mm_add_ps(_mm256_castps256_ps128(s0), _mm256_extractf128_ps(s0, 1));
  r = _mm_add_ps(r, _mm_movehl_ps(r, r));
  r = _mm_add_ss(r, _mm_movehdup_ps(r));
  return _mm_cvtss_f32(r);
}
#else
static inline float dot_q8(const float *q, const int8_t *v, int stride){
  float s0 = 0, s1 = 0;
  int i;
  for(i=0; i<stride; i+=2){ s0 += q[i]*v[i]; s1 += q[i+1]*v[i+1]; }
  return s0+s1;
}
#endif

float w2v_knn_sim(const W2vKnn *x, const float *qu, int64_t id){
  return w2v_dot(qu, x->vec + id*x->dim, x->dim)*x->invNorm[id];
}

float w2v_knn_pair(const W2vKnn *x, int64_t a, int64_t b){
  return w2v_dot(x->vec + a*x->dim, x->vec + b*x->dim, x->dim)*x->invNorm[a]*x->invNorm[b];
}

/* ---- heaps ---------------------------------------------------------------- */

/* a ranks below b: lower similarity, or equal and less frequent */
static int hit_worse(const W2vHit *a, const W2vHit *b){
  return a->sim < b->sim || (a->sim==b->sim && a->id > b->id);
}

static void hit_sift_down(W2vHit *h, int64_t n, int64_t i){
  for(;;){
    int64_t l = 2*i+1, r = l+1, w = i;
    W2vHit t;
    if( l<n && hit_worse(&h[l], &h[w]) ) w = l;
    if( r<n && hit_worse(&h[r], &h[w]) ) w = r;
    if( w==i ) return;
    t = h[i]; h[i] = h[w]; h[w] = t;
    i = w;
  }
}

/* Offers h to the min-heap of the best k (worst on top). */
static void hit_offer(W2vHit *heap, int64_t *pn, int64_t k, W2vHit h){
  int64_t j;
  if( *pn<k ){
    j = (*pn)++;
    heap[j] = h;
    while( j>0 && hit_worse(&heap[j], &heap[(j-1)/2]) ){
      W2vHit t = heap[j]; heap[j] = heap[(j-1)/2]; heap[(j-1)/2] = t;
      j = (j-1)/2;
    }
  }else if( k>0 && hit_worse(&heap[0], &h) ){
    heap[0] = h;
    hit_sift_down(heap, *pn, 0);
  }
}

/* Sorts a heap of n hits best first. */
static void hit_heap_sort(W2vHit *heap, int64_t n){
  int64_t d;
  for(d=n-1; d>0; d--){
    W2vHit t = heap[0]; heap[0] = heap[d]; heap[d] = t;
    hit_sift_down(heap, d, 0);
  }
}

/* min-heap of floats: the k best lower bounds seen */
static void bound_offer(float *h, int64_t *pn, int64_t k, float v){
  int64_t i;
  if( *pn<k ){
    i = (*pn)++;
    h[i] = v;
    while( i>0 && h[i]<h[(i-1)/2] ){ float t = h[i]; h[i] = h[(i-1)/2]; h[(i-1)/2] = t; i = (i-1)/2; }
    return;
  }
  if( v<=h[0] ) return;
  h[0] = v;
  i = 0;
  for(;;){
    int64_t l = 2*i+1, r = l+1, w = i;
    float t;
    if( l<*pn && h[l]<h[w] ) w = l;
    if( r<*pn && h[r]<h[w] ) w = r;
    if( w==i ) return;
    t = h[i]; h[i] = h[w]; h[w] = t;
    i = w;
  }
}

static int is_excluded(const W2vKnnQuery *q, int64_t id){
  int e;
  for(e=0; e<q->nExclude; e++) if( q->exclude[e]==id ) return 1;
  return 0;
}

/* Unit copy of the query, zero padded to the stride.  NULL on OOM. */
static float *unit_query(const W2vKnn *x, const float *q){
  float *qu = w2v_core_calloc((size_t)x->stride, sizeof(float));
  double norm = 0;
  int d;
  if( qu==0 ) return 0;
  for(d=0; d<x->dim; d++) norm += (double)q[d]*q[d];
  norm = sqrt(norm);
  for(d=0; d<x->dim; d++) qu[d] = norm>0 ? (float)(q[d]/norm) : 0.0f;
  return qu;
}

/* ---- search --------------------------------------------------------------- */

/* The query's id range [*pLo, *pHi) within the rows; 0 when empty. */
static int id_range(const W2vKnn *x, const W2vKnnQuery *q, int64_t *pLo, int64_t *pHi){
  *pLo = q->idLo > 0 ? q->idLo : 0;
  *pHi = q->idHi > 0 && q->idHi < x->n ? q->idHi : x->n;
  return *pLo < *pHi;
}

/* The exact cosine of row id with the unit query: from the vectors in
** memory, else from q->xRow (-1 when that fails). */
static int exact_sim(const W2vKnn *x, const W2vKnnQuery *q, const float *qu, int64_t id, float *pSim){
  const float *v = x->vec ? x->vec + id*x->dim : q->xRow ? q->xRow(q->pRowCtx, id) : 0;
  if( v==0 ) return -1;
  *pSim = w2v_dot(qu, v, x->dim)*x->invNorm[id];
  return 0;
}

/* Candidate sets up to this size are scored exactly, without a pre-scan. */
#define KNN_EXACT_CAND 256

/* Pass 1 for row I (a statement of w2v_knn_search, which both loops use;
** a macro so that tau, keep and the bounds stay in registers): the row's
** approximate score a and its error bound e; a row that may still rank is
** kept with its upper bound, its lower bound may raise tau. */
#define PRESCAN_ROW(I) do{ \
    int64_t id_ = (I); \
    float a = x->scale[id_]*dot_q8(qu, x->q8 + id_*x->stride, x->stride); \
    float e = x->err[id_] + KNN_SLACK; \
    if( a+e<tau || is_excluded(q, id_) ) break; \
    if( nKeep==nKeepAlloc ){ \
      W2vHit *p_ = w2v_core_realloc(keep, sizeof(W2vHit)*(size_t)(nKeepAlloc*2)); \
      if( p_==0 ){ nHit = -1; goto done; } \
      keep = p_; \
      nKeepAlloc *= 2; \
    } \
    keep[nKeep].id = (int32_t)id_; \
    keep[nKeep++].sim = a+e; \
    bound_offer(bound, &nBound, k, a-e); \
    if( nBound==k && bound[0]>tau ) tau = bound[0]; \
  }while(0)

int64_t w2v_knn_search(const W2vKnn *x, const W2vKnnQuery *q, W2vHit *aHit){
  int64_t k = q->k, nHit = 0, nBound = 0, nKeep = 0, nKeepAlloc = 64, i, lo, hi;
  float *qu, *bound = 0, minSim = q->minSim > -2 ? (float)q->minSim : -2.0f, tau = minSim;
  W2vHit *keep = 0;
  if( k<=0 || !id_range(x, q, &lo, &hi) ) return 0;
  if( k>hi-lo ) k = hi-lo;
  qu = unit_query(x, q->q);
  if( qu==0 ) return -1;

  if( q->cand && q->nCand<=KNN_EXACT_CAND ){
    /* a small candidate set: score exactly, nothing to prune */
    for(i=0; i<q->nCand; i++){
      W2vHit h;
      int64_t id = q->cand[i];
      if( id<lo || id>=hi || is_excluded(q, id) ) continue;
      h.id = (int32_t)id;
      if( exact_sim(x, q, qu, id, &h.sim) ){ nHit = -2; goto done; }
      if( h.sim>=minSim ) hit_offer(aHit, &nHit, k, h);
    }
  }else{
    /* pass 1: approximate scores of the range's rows (or of the
    ** candidates'); keep every row that may still rank */
    bound = w2v_core_malloc(sizeof(float)*(size_t)k);
    keep = w2v_core_malloc(sizeof(W2vHit)*(size_t)nKeepAlloc);
    if( !bound || !keep ){ nHit = -1; goto done; }
    if( q->cand ){
      for(i=0; i<q->nCand; i++){
        if( q->cand[i]<lo || q->cand[i]>=hi ) continue;
        PRESCAN_ROW(q->cand[i]);
      }
    }else{
      for(i=lo; i<hi; i++) PRESCAN_ROW(i);
    }
    /* pass 2: exact float32 scores of the rows still in reach */
    for(i=0; i<nKeep; i++){
      W2vHit h;
      if( keep[i].sim<tau ) continue;
      h.id = keep[i].id;
      if( exact_sim(x, q, qu, h.id, &h.sim) ){ nHit = -2; goto done; }
      if( h.sim>=minSim ) hit_offer(aHit, &nHit, k, h);
    }
  }
  hit_heap_sort(aHit, nHit);
done:
  w2v_core_free(qu);
  w2v_core_free(bound);
  w2v_core_free(keep);
  return nHit;
}
#undef PRESCAN_ROW

/* 3CosMul (Levy and Goldberg 2014): with cos' = (cos+1)/2, the score of w is
** prod over positive words of cos'(w,p) / prod over negative words of
** (cos'(w,n) + 0.001).  Scored exactly over every row of the id range (or
** q->cand); q->q is unused, q->exclude, q->k and q->minSim apply. */
int64_t w2v_knn_cosmul(const W2vKnn *x, const W2vKnnQuery *q, const int32_t *aPos,
                       int nPos, const int32_t *aNeg, int nNeg, W2vHit *aHit){
  int64_t i, nHit = 0, k = q->k < x->n ? q->k : x->n, lo, hi, nRow;
  int j;
  if( !id_range(x, q, &lo, &hi) ) return 0;
  nRow = q->cand ? q->nCand : hi-lo;
  for(i=0; i<nRow; i++){
    int64_t id = q->cand ? q->cand[i] : lo+i;
    double score = 1;
    W2vHit h;
    if( id<lo || id>=hi || is_excluded(q, id) ) continue;
    for(j=0; j<nPos; j++){
      score *= (w2v_knn_pair(x, id, aPos[j]) + 1.0)*0.5;
    }
    for(j=0; j<nNeg; j++){
      score /= (w2v_knn_pair(x, id, aNeg[j]) + 1.0)*0.5 + 0.001;
    }
    h.id = (int32_t)id;
    h.sim = (float)score;
    if( h.sim>=q->minSim ) hit_offer(aHit, &nHit, k, h);
  }
  hit_heap_sort(aHit, nHit);
  return nHit;
}
