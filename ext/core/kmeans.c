/*
** Spherical k-means (word2vec.c's -classes, with cosine on unit vectors and
** k-means++ seeding): see core.h.  The assignment step and the seeding's
** distance updates run on several threads (parallel.c); every row's result
** is computed the same way whatever thread runs it, and everything summed
** over rows is summed in row order on one thread, so the clustering
** depends on the seed only.
*/
#include <math.h>
#include <string.h>
#include "core.h"

/* A float dot product with 8 independent partial sums (the compiler
** vectorises it without reassociating: the same result on every thread). */
static float dot8(const float *a, const float *b, int n){
  float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int i = 0, j;
  for(; i+8<=n; i+=8){
    for(j=0; j<8; j++) s[j] += a[i+j]*b[i+j];
  }
  for(; i<n; i++) s[0] += a[i]*b[i];
  return ((s[0]+s[4]) + (s[1]+s[5])) + ((s[2]+s[6]) + (s[3]+s[7]));
}

typedef struct KmCtx {
  const float *x;
  int dim;
  int64_t k;
  const float *c;              /* k x dim centroids (assignment) or one centre (seeding) */
  int32_t *assign;
  float *cosv;                 /* per row: cos to its (nearest) centroid */
  _Atomic int64_t changed;
  const int64_t *cand;         /* seeding: candidate rows */
  int nCand, nTry;
  float *candDot;              /* n x nTry: cos of each row with each candidate */
} KmCtx;

/* Assignment: the most similar centroid, ties to the lower index. */
static void km_assign(void *pCtx, int64_t lo, int64_t hi){
  KmCtx *t = (KmCtx*)pCtx;
  int64_t i, j, nChanged = 0;
  for(i=lo; i<hi; i++){
    const float *xi = t->x + i*t->dim;
    float best = -INFINITY;
    int32_t bj = 0;
    for(j=0; j<t->k; j++){
      float s = dot8(xi, t->c + j*t->dim, t->dim);
      if( s>best ){ best = s; bj = (int32_t)j; }
    }
    if( t->assign[i]!=bj ){ t->assign[i] = bj; nChanged++; }
    t->cosv[i] = best;
  }
  if( nChanged ) t->changed += nChanged;
}

/* Seeding: cos to the nearest centre so far, with one centre more. */
static void km_nearest(void *pCtx, int64_t lo, int64_t hi){
  KmCtx *t = (KmCtx*)pCtx;
  int64_t i;
  for(i=lo; i<hi; i++){
    float s = dot8(t->x + i*t->dim, t->c, t->dim);
    if( s>t->cosv[i] ) t->cosv[i] = s;
  }
}

/* Seeding: cos of each row with each candidate. */
static void km_candidates(void *pCtx, int64_t lo, int64_t hi){
  KmCtx *t = (KmCtx*)pCtx;
  int64_t i;
  int l;
  for(i=lo; i<hi; i++){
    for(l=0; l<t->nCand; l++){
      t->candDot[i*t->nTry + l] = dot8(t->x + i*t->dim, t->x + t->cand[l]*t->dim, t->dim);
    }
  }
}

/* The final distances to each row's own centroid. */
static void km_dist(void *pCtx, int64_t lo, int64_t hi){
  KmCtx *t = (KmCtx*)pCtx;
  int64_t i;
  for(i=lo; i<hi; i++){
    t->cosv[i] = 1.0f - dot8(t->x + i*t->dim, t->c + (int64_t)t->assign[i]*t->dim, t->dim);
  }
}

/* Rows per chunk for work of `cost` flops a row: about 2^17 flops a chunk. */
static int64_t chunk_rows(double cost){
  double r = 131072.0/(cost>1 ? cost : 1);
  return r<1 ? 1 : (int64_t)r;
}

/* Threads worth starting for n rows of `cost` flops each. */
static int threads_for(int threads, int64_t n, double cost){
  return (double)n*cost < 4e6 ? 1 : threads;
}

/* Centroids from the assignment: normalised means, in double, in row order.
** An empty cluster takes the row least similar to its centroid among the
** clusters of two rows or more (cosv: the cos of each row to the centroid
** it was assigned by; ties to the lower row).  Returns the rows moved. */
static int64_t km_update(const float *x, int64_t n, int dim, int64_t k, int32_t *assign, float *cosv,
                         double *sum, int64_t *count, float *c){
  int64_t i, j, nMoved = 0;
  int d;
  memset(sum, 0, sizeof(double)*(size_t)k*dim);
  memset(count, 0, sizeof(int64_t)*(size_t)k);
  for(i=0; i<n; i++){
    double *s = sum + (int64_t)assign[i]*dim;
    const float *xi = x + i*dim;
    count[assign[i]]++;
    for(d=0; d<dim; d++) s[d] += xi[d];
  }
  for(j=0; j<k; j++){
    int64_t p = -1;
    if( count[j]>0 ) continue;
    for(i=0; i<n; i++){
      if( count[assign[i]]>=2 && (p<0 || cosv[i]<cosv[p]) ) p = i;
    }
    if( p<0 ) break;                  /* k > n: cannot happen (checked) */
    count[assign[p]]--;
    for(d=0; d<dim; d++) sum[(int64_t)assign[p]*dim + d] -= x[p*dim + d];
    assign[p] = (int32_t)j;
    count[j] = 1;
    for(d=0; d<dim; d++) sum[j*dim + d] = x[p*dim + d];
    cosv[p] = 1.0f;
    nMoved++;
  }
  for(j=0; j<k; j++){
    double *s = sum + j*dim, norm = 0;
    for(d=0; d<dim; d++) norm += s[d]*s[d];
    norm = norm>0 ? 1.0/sqrt(norm) : 0.0;
    for(d=0; d<dim; d++) c[j*dim + d] = (float)(s[d]*norm);
  }
  return nMoved;
}

int w2v_kmeans(const float *x, int64_t n, int dim, const W2vKmeansParams *p, int32_t *assign, float *dist,
               float *centroids){
  int64_t k = p->k, i, j, nChosen;
  uint64_t rng = p->seed ^ 0x6b6d65616e73ULL;      /* "kmeans" */
  float *c = 0, *cosv = 0, *cNew = 0;
  double *sum = 0;
  int64_t *count = 0, *map = 0;
  unsigned char *chosen = 0;
  int64_t aCand[32];
  float *candDot = 0;
  int nTry, iBest = 0;
  int threads = p->threads<1 ? 1 : p->threads, rc = 0, round = 0;
  KmCtx t;
  if( k<1 || k>n || dim<1 || n>0xffffffffLL ) return W2V_ERR_INVALID;
  c = w2v_core_malloc(sizeof(float)*(size_t)(k*dim));
  cNew = w2v_core_malloc(sizeof(float)*(size_t)(k*dim));
  cosv = w2v_core_malloc(sizeof(float)*(size_t)n);
  sum = w2v_core_malloc(sizeof(double)*(size_t)(k*dim));
  count = w2v_core_malloc(sizeof(int64_t)*(size_t)k);
  map = w2v_core_malloc(sizeof(int64_t)*(size_t)k);
  chosen = w2v_core_calloc((size_t)n, 1);
  nTry = 2 + (int)log((double)k);
  if( nTry>32 ) nTry = 32;
  candDot = w2v_core_malloc(sizeof(float)*(size_t)n*nTry);
  if( !c || !candDot || !cNew || !cosv || !sum || !count || !map || !chosen ){ rc = W2V_ERR_NOMEM; goto done; }
  memset(&t, 0, sizeof(t));
  t.x = x;
  t.dim = dim;
  t.assign = assign;
  t.cosv = cosv;

  /* greedy k-means++ (as scikit-learn's): the first centre uniformly; for
  ** each next one, nTry candidates drawn with probability proportional to
  ** 1 - cos to the nearest centre so far, and the one that leaves the least
  ** total (1 - cos) taken */
  i = (int64_t)w2v_rng_below(&rng, (uint32_t)n);
  for(j=0; j<n; j++) cosv[j] = -INFINITY;
  t.cand = aCand;
  t.candDot = candDot;
  for(nChosen=0; ; ){
    chosen[i] = 1;
    memcpy(c + nChosen*dim, x + i*dim, sizeof(float)*dim);
    if( nChosen==0 ){
      t.c = c;
      rc = w2v_parallel_for(n, chunk_rows(dim), threads_for(threads, n, dim), km_nearest, &t,
                            p->xInterrupt, p->pInterruptArg);
      if( rc ) goto done;
    }else{
      for(j=0; j<n; j++){
        float s = candDot[j*nTry + iBest];
        if( s>cosv[j] ) cosv[j] = s;
      }
    }
    if( ++nChosen==k ) break;
    {
      double total = 0, best = INFINITY;
      int l;
      for(j=0; j<n; j++) if( !chosen[j] && cosv[j]<1.0f ) total += 1.0 - cosv[j];
      if( !(total>0) ){
        /* every row sits on a centre: the first row not chosen, as a
        ** candidate of its own */
        for(i=0; i<n && chosen[i]; i++){}
        t.nCand = 1;
        aCand[0] = i;
      }else{
        t.nCand = nTry;
        for(l=0; l<nTry; l++){
          double r = (double)(w2v_rng_next(&rng)>>11) * (1.0/9007199254740992.0) * total, acc = 0;
          int64_t pick = -1;
          for(j=0; j<n; j++){
            if( chosen[j] || cosv[j]>=1.0f ) continue;
            pick = j;
            acc += 1.0 - cosv[j];
            if( acc>r ) break;
          }
          aCand[l] = pick;
        }
      }
      t.nTry = nTry;
      rc = w2v_parallel_for(n, chunk_rows((double)t.nCand*dim), threads_for(threads, n, (double)t.nCand*dim),
                            km_candidates, &t, p->xInterrupt, p->pInterruptArg);
      if( rc ) goto done;
      iBest = 0;
      for(l=0; l<t.nCand; l++){
        double pot = 0;
        for(j=0; j<n; j++){
          float s = candDot[j*nTry + l];
          pot += 1.0 - (s>cosv[j] ? s : cosv[j]);
        }
        if( pot<best ){ best = pot; iBest = l; }
      }
      i = aCand[iBest];
    }
  }

  /* Lloyd rounds */
  for(i=0; i<n; i++) assign[i] = -1;
  t.c = c;
  t.k = k;
  for(round=1; round<=p->iterations; round++){
    int64_t moved;
    t.changed = 0;
    rc = w2v_parallel_for(n, chunk_rows((double)k*dim), threads_for(threads, n, (double)k*dim), km_assign, &t,
                          p->xInterrupt, p->pInterruptArg);
    if( rc ) goto done;
    moved = km_update(x, n, dim, k, assign, cosv, sum, count, c);
    if( t.changed==0 && moved==0 ) break;
    if( p->xInterrupt && p->xInterrupt(p->pInterruptArg) ){ rc = W2V_ERR_INTERRUPT; goto done; }
  }
  if( round>p->iterations ) round = p->iterations;

  /* clusters numbered by their first row */
  for(j=0; j<k; j++) map[j] = -1;
  for(i=0, j=0; i<n; i++){
    if( map[assign[i]]<0 ) map[assign[i]] = j++;
    assign[i] = (int32_t)map[assign[i]];
  }
  for(j=0; j<k; j++) if( map[j]>=0 ) memcpy(cNew + map[j]*dim, c + j*dim, sizeof(float)*dim);
  t.c = cNew;
  rc = w2v_parallel_for(n, chunk_rows(dim), threads_for(threads, n, dim), km_dist, &t,
                        p->xInterrupt, p->pInterruptArg);
  if( rc ) goto done;
  for(i=0; i<n; i++) dist[i] = cosv[i];
  if( centroids ) memcpy(centroids, cNew, sizeof(float)*(size_t)(k*dim));
  rc = round;

done:
  w2v_core_free(c);
  w2v_core_free(cNew);
  w2v_core_free(cosv);
  w2v_core_free(sum);
  w2v_core_free(count);
  w2v_core_free(map);
  w2v_core_free(chosen);
  w2v_core_free(candDot);
  return rc;
}
