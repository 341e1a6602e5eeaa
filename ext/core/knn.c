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
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "core.h"
#include "vecmath.h"
#include "port.h"

/* Covers the float rounding of both scores (|terms| <= 127 * |q|_1). */
#define KNN_SLACK 1e-4f

/* max |v[d]| */
static float row_absmax(const float *v, int dim){
  float mx = 0;
  int d = 0;
#if defined(W2V_VEC_AVX2)
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
#if defined(W2V_VEC_AVX2)
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


/* The cosine of a and b from their float32 dot product and inverse norms;
** when that is not finite (rows longer than W2V_MAX_NORM, which no loader
** lets in, or an index that disagrees with its rows), in double from the
** vectors alone: a similarity is never NaN or infinite. */
static float cosine_of(float dot, float invA, float invB, const float *a, const float *b, int dim){
  float c = dot*invA*invB;
  double na, nb;
  if( isfinite(c) ) return c;
  na = w2v_dot_exact(a, a, dim);
  nb = w2v_dot_exact(b, b, dim);
  return na>0 && nb>0 ? (float)(w2v_dot_exact(a, b, dim)/sqrt(na)/sqrt(nb)) : 0.0f;
}

float w2v_knn_sim(const W2vKnn *x, const float *qu, int64_t id){
  const float *v = x->vec + id*x->dim;
  return cosine_of(w2v_dot(qu, v, x->dim), 1.0f, x->invNorm[id], qu, v, x->dim);
}

float w2v_knn_pair(const W2vKnn *x, int64_t a, int64_t b){
  const float *va = x->vec + a*x->dim, *vb = x->vec + b*x->dim;
  return cosine_of(w2v_dot(va, vb, x->dim), x->invNorm[a], x->invNorm[b], va, vb, x->dim);
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
  *pSim = cosine_of(w2v_dot(qu, v, x->dim), 1.0f, x->invNorm[id], qu, v, x->dim);
  return 0;
}

/* Candidate sets up to this size are scored exactly, without a pre-scan. */
#define KNN_EXACT_CAND 256

/* ---- pass 1: the int8 scan ------------------------------------------------
** The unit query is quantized like the rows, q = qs*qq + eq, so a row's
** score is an integer dot product: with u = s*r + e (|e| = err),
**   |q.u - qs*s*(qq.r)| <= (1 + |eq|)*err + |eq|
** (Cauchy-Schwarz on both residuals), plus KNN_SLACK for float rounding.
** Integer products of bytes are exact and twice as fast as converting to
** float; large scans are split between threads. */
typedef struct Scan {
  const W2vKnn *x;
  const W2vKnnQuery *q;
  const int8_t *qq;         /* quantized unit query, stride bytes */
  float qs, qerr;           /* its scale and residual norm */
  int64_t k, lo, hi;        /* rows lo..hi-1, or q->cand[lo..hi-1] when bCand */
  int bCand;
  float tau;                /* no row scoring below can rank */
  float *bound;             /* min-heap: the k best lower bounds */
  int64_t nBound;
  W2vHit *keep;             /* rows kept, with their upper bounds */
  int64_t nKeep, nKeepAlloc;
  int oom;
} Scan;

#if defined(W2V_VEC_AVX2)
static inline int32_t dot_i8(const int8_t *a, const int8_t *b, int n){
  __m256i acc = _mm256_setzero_si256(), ones = _mm256_set1_epi16(1);
  __m128i acc4, ones4 = _mm_set1_epi16(1);
  int32_t t[4], s;
  int i = 0;
  /* |a|, |b| <= 127: pairs of products fit int16 without saturation */
  for(; i+32<=n; i+=32){
    __m256i va = _mm256_loadu_si256((const __m256i*)(a+i)), vb = _mm256_loadu_si256((const __m256i*)(b+i));
    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_sign_epi8(va, va),
                                                                       _mm256_sign_epi8(vb, va)), ones));
  }
  acc4 = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
  if( i+16<=n ){
    __m128i va = _mm_loadu_si128((const __m128i*)(a+i)), vb = _mm_loadu_si128((const __m128i*)(b+i));
    acc4 = _mm_add_epi32(acc4, _mm_madd_epi16(_mm_maddubs_epi16(_mm_sign_epi8(va, va), _mm_sign_epi8(vb, va)), ones4));
    i += 16;
  }
  _mm_storeu_si128((__m128i*)t, acc4);
  s = t[0] + t[1] + t[2] + t[3];
  for(; i<n; i++) s += (int32_t)a[i]*b[i];
  return s;
}
#else
static inline int32_t dot_i8(const int8_t *a, const int8_t *b, int n){
  int32_t s0 = 0, s1 = 0;
  int i;
  for(i=0; i+1<n; i+=2){ s0 += (int32_t)a[i]*b[i]; s1 += (int32_t)a[i+1]*b[i+1]; }
  if( i<n ) s0 += (int32_t)a[i]*b[i];
  return s0 + s1;
}
#endif

static void *scan_rows(void *pArg){
  Scan *sc = pArg;
  const W2vKnn *x = sc->x;
  const W2vKnnQuery *q = sc->q;
  const int8_t *qq = sc->qq;
  const int stride = x->stride;
  const float qs = sc->qs, e0 = sc->qerr + KNN_SLACK, e1 = 1.0f + sc->qerr;
  float tau = sc->tau;
  int64_t j, k = sc->k;
  for(j=sc->lo; j<sc->hi; j++){
    int64_t id = sc->bCand ? q->cand[j] : j;
    float a, e;
    if( sc->bCand && (id<q->idLo || (q->idHi>0 && id>=q->idHi) || id>=x->n) ) continue;
    a = qs*x->scale[id]*(float)dot_i8(qq, x->q8 + id*stride, stride);
    e = e1*x->err[id] + e0;
    if( a+e<tau || is_excluded(q, id) ) continue;
    if( sc->nKeep==sc->nKeepAlloc ){
      W2vHit *p = w2v_core_realloc(sc->keep, sizeof(W2vHit)*(size_t)(sc->nKeepAlloc*2));
      if( p==0 ){ sc->oom = 1; break; }
      sc->keep = p;
      sc->nKeepAlloc *= 2;
    }
    sc->keep[sc->nKeep].id = (int32_t)id;
    sc->keep[sc->nKeep++].sim = a+e;
    bound_offer(sc->bound, &sc->nBound, k, a-e);
    if( sc->nBound==k && sc->bound[0]>tau ) tau = sc->bound[0];
  }
  sc->tau = tau;
  return 0;
}

/* Threads for a large scan: one per core, at most KNN_MAX_THREADS. */
static int nKnnThreads;
static pthread_once_t knnThreadsOnce = PTHREAD_ONCE_INIT;
static void count_cores(void){
  long n = w2v_cpu_count();
  nKnnThreads = n<1 ? 1 : n>8 ? 8 : (int)n;
}

/* Scans at least this many bytes of int8 rows per thread. */
#define KNN_BYTES_PER_THREAD (8<<20)
#define KNN_MAX_THREADS 8

static int cmp_float_desc(const void *a, const void *b){
  float x = *(const float*)a, y = *(const float*)b;
  return x<y ? 1 : x>y ? -1 : 0;
}

/* Pass 1 over rows [lo, hi) (or candidates) in nThread parts; *pTau gets
** the bound below which no row can rank.  0, or -1 on OOM. */
static int prescan(const W2vKnn *x, const W2vKnnQuery *q, const int8_t *qq, float qs, float qerr,
                   int64_t k, int64_t lo, int64_t hi, int bCand, float minSim,
                   Scan *aScan, int nThread, float *pTau){
  pthread_t aTid[KNN_MAX_THREADS];
  int aStarted[KNN_MAX_THREADS];
  int t, rc = 0;
  for(t=0; t<nThread; t++){
    Scan *sc = &aScan[t];
    memset(sc, 0, sizeof(*sc));
    sc->x = x; sc->q = q; sc->qq = qq; sc->qs = qs; sc->qerr = qerr; sc->k = k; sc->bCand = bCand;
    sc->lo = lo + (hi-lo)*t/nThread;
    sc->hi = lo + (hi-lo)*(t+1)/nThread;
    sc->tau = minSim;
    sc->nKeepAlloc = 64;
    sc->bound = w2v_core_malloc(sizeof(float)*(size_t)k);
    sc->keep = w2v_core_malloc(sizeof(W2vHit)*(size_t)sc->nKeepAlloc);
    if( !sc->bound || !sc->keep ) rc = -1;
  }
  if( rc ) return rc;
  for(t=1; t<nThread; t++) aStarted[t] = pthread_create(&aTid[t], 0, scan_rows, &aScan[t])==0;
  scan_rows(&aScan[0]);
  for(t=1; t<nThread; t++){
    if( aStarted[t] ) pthread_join(aTid[t], 0);
    else scan_rows(&aScan[t]);          /* no thread: do it here */
  }
  *pTau = minSim;
  for(t=0; t<nThread; t++){
    if( aScan[t].oom ) rc = -1;
    if( aScan[t].tau>*pTau ) *pTau = aScan[t].tau;
  }
  if( rc==0 && nThread>1 ){
    /* the k-th best lower bound over all parts */
    int64_t n = 0;
    float *all = w2v_core_malloc(sizeof(float)*(size_t)k*nThread);
    if( all==0 ) return -1;
    for(t=0; t<nThread; t++){
      memcpy(all+n, aScan[t].bound, sizeof(float)*(size_t)aScan[t].nBound);
      n += aScan[t].nBound;
    }
    if( n>=k ){
      qsort(all, (size_t)n, sizeof(float), cmp_float_desc);
      if( all[k-1]>*pTau ) *pTau = all[k-1];
    }
    w2v_core_free(all);
  }
  return rc;
}

/* The unit query quantized to int8 (stride bytes, zero padded): *pScale,
** and *pErr the norm of what the quantization left out. */
static void quantize_query(const W2vKnn *x, const float *qu, int8_t *qq, float *pScale, float *pErr){
  float mx = 0, s, e = 0;
  int d;
  for(d=0; d<x->dim; d++) if( fabsf(qu[d])>mx ) mx = fabsf(qu[d]);
  s = mx>0 ? mx/127.0f : 0.0f;
  memset(qq, 0, (size_t)x->stride);
  for(d=0; d<x->dim; d++){
    int r = mx>0 ? (int)lrintf(qu[d]/s) : 0;
    float res;
    if( r>127 ) r = 127;
    if( r<-127 ) r = -127;
    qq[d] = (int8_t)r;
    res = qu[d] - s*(float)r;
    e += res*res;
  }
  *pScale = s;
  *pErr = sqrtf(e)*1.0001f;
}

int64_t w2v_knn_search(const W2vKnn *x, const W2vKnnQuery *q, W2vHit *aHit){
  int64_t k = q->k, nHit = 0, i, lo, hi, nRow;
  float *qu, minSim = q->minSim > -2 ? (float)q->minSim : -2.0f, tau, qs, qerr;
  int8_t *qq = 0;
  Scan aScan[KNN_MAX_THREADS];
  int nThread = 0, t;
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
    W2vKnnQuery qr = *q;                /* candidates: the range applies per id */
    qr.idLo = lo; qr.idHi = hi;
    qq = w2v_core_malloc((size_t)x->stride);
    if( qq==0 ){ nHit = -1; goto done; }
    quantize_query(x, qu, qq, &qs, &qerr);
    nRow = q->cand ? q->nCand : hi-lo;
    nThread = (int)(nRow*x->stride / KNN_BYTES_PER_THREAD);
    pthread_once(&knnThreadsOnce, count_cores);
    if( nThread>nKnnThreads ) nThread = nKnnThreads;
    if( nThread>KNN_MAX_THREADS ) nThread = KNN_MAX_THREADS;
    if( nThread<1 ) nThread = 1;
    /* pass 1: approximate scores; keep every row that may still rank */
    if( prescan(x, &qr, qq, qs, qerr, k, q->cand ? 0 : lo, q->cand ? q->nCand : hi, q->cand!=0, minSim,
                aScan, nThread, &tau) ){
      nHit = -1;
      goto done;
    }
    /* pass 2: exact float32 scores of the rows still in reach */
    for(t=0; t<nThread; t++){
      for(i=0; i<aScan[t].nKeep; i++){
        W2vHit h;
        if( aScan[t].keep[i].sim<tau ) continue;
        h.id = aScan[t].keep[i].id;
        if( exact_sim(x, q, qu, h.id, &h.sim) ){ nHit = -2; goto done; }
        if( h.sim>=minSim ) hit_offer(aHit, &nHit, k, h);
      }
    }
  }
  hit_heap_sort(aHit, nHit);
done:
  for(t=0; t<nThread; t++){
    w2v_core_free(aScan[t].bound);
    w2v_core_free(aScan[t].keep);
  }
  w2v_core_free(qu);
  w2v_core_free(qq);
  return nHit;
}

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
