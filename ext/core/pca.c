/*
** Principal axes of a set of rows (w2v_project): orthogonal iteration with
** a Rayleigh-Ritz step each round, from a fixed start, on the centred rows
** X - 1 mean: each round computes Z = (X - 1 mean) Q and from it both the
** small matrix Z'Z and Y = (X - 1 mean)' Z, so the dim x dim covariance is
** never formed.  Sums over rows go into one partial per fixed slice of the
** rows (the slices depend on n only), added in slice order: the result is
** the same on any number of threads.  See core.h.
*/
#include <math.h>
#include <string.h>
#include "core.h"

#define PCA_EXTRA 6              /* vectors beyond dims in the block */
#define PCA_MAX_ROUNDS 300
#define PCA_TOL 1e-13            /* 1 - |cos| between rounds of each axis */
#define PCA_SLICES 16

typedef struct PcaCtx {
  const float *x;
  int64_t n;
  int dim, b, nSlice;
  const double *q;             /* b x dim: the block, one vector a row */
  const double *mq;            /* b: mean . q_j */
  double *part;                /* per slice: b*b (Z'Z), b*dim (X'Z), b (sum Z) */
  const double *mean;
  const double *axes;          /* final: p x dim */
  int p;
  double *coords;
} PcaCtx;

static size_t part_size(int b, int dim){ return (size_t)b*b + (size_t)b*dim + (size_t)b; }

/* One slice of the rows: its partial sums. */
static void pca_slice(void *pCtx, int64_t lo, int64_t hi){
  PcaCtx *t = (PcaCtx*)pCtx;
  int64_t s, i;
  int b = t->b, dim = t->dim, j, l, d;
  double z[PCA_EXTRA + 3 + 1 + 16];
  for(s=lo; s<hi; s++){
    double *bb = t->part + (size_t)s*part_size(b, dim), *y = bb + (size_t)b*b, *sz = y + (size_t)b*dim;
    int64_t r0 = t->n*s/t->nSlice, r1 = t->n*(s+1)/t->nSlice;
    memset(bb, 0, sizeof(double)*part_size(b, dim));
    for(i=r0; i<r1; i++){
      const float *xi = t->x + i*dim;
      for(j=0; j<b; j++){
        const double *qj = t->q + (size_t)j*dim;
        double acc = 0;
        for(d=0; d<dim; d++) acc += xi[d]*qj[d];
        z[j] = acc - t->mq[j];
      }
      for(j=0; j<b; j++){
        double *yj = y + (size_t)j*dim;
        for(l=0; l<=j; l++) bb[j*b + l] += z[j]*z[l];
        for(d=0; d<dim; d++) yj[d] += xi[d]*z[j];
        sz[j] += z[j];
      }
    }
  }
}

static void pca_coords(void *pCtx, int64_t lo, int64_t hi){
  PcaCtx *t = (PcaCtx*)pCtx;
  int64_t i;
  int a, d;
  for(i=lo; i<hi; i++){
    const float *xi = t->x + i*t->dim;
    for(a=0; a<t->p; a++){
      const double *ax = t->axes + (size_t)a*t->dim;
      double acc = 0;
      for(d=0; d<t->dim; d++) acc += (xi[d] - t->mean[d])*ax[d];
      t->coords[i*t->p + a] = acc;
    }
  }
}

/* Eigenvectors of the symmetric b x b matrix a (lower triangle used) by
** cyclic Jacobi: w (b x b) holds them as rows, ev the values, sorted by
** value, largest first (ties: the lower index first). */
static void jacobi(double *a, int b, double *w, double *ev){
  int i, j, l, sweep;
  for(i=0; i<b; i++) for(j=0; j<i; j++) a[j*b + i] = a[i*b + j];
  for(i=0; i<b*b; i++) w[i] = 0;
  for(i=0; i<b; i++) w[i*b + i] = 1;
  for(sweep=0; sweep<100; sweep++){
    double off = 0, tot = 0;
    for(i=0; i<b; i++) for(j=0; j<b; j++){ tot += a[i*b+j]*a[i*b+j]; if( i!=j ) off += a[i*b+j]*a[i*b+j]; }
    if( off<=1e-30*tot || off==0 ) break;
    for(i=0; i<b; i++) for(j=i+1; j<b; j++){
      double apq = a[i*b + j], theta, tn, cs, sn;
      if( fabs(apq)<1e-300 ) continue;
      theta = (a[j*b + j] - a[i*b + i])/(2*apq);
      tn = (theta>=0 ? 1.0 : -1.0)/(fabs(theta) + sqrt(theta*theta + 1));
      cs = 1/sqrt(tn*tn + 1);
      sn = tn*cs;
      for(l=0; l<b; l++){                 /* columns i, j */
        double ai = a[l*b + i], aj = a[l*b + j];
        a[l*b + i] = cs*ai - sn*aj;
        a[l*b + j] = sn*ai + cs*aj;
      }
      for(l=0; l<b; l++){                 /* rows i, j */
        double ai = a[i*b + l], aj = a[j*b + l];
        a[i*b + l] = cs*ai - sn*aj;
        a[j*b + l] = sn*ai + cs*aj;
      }
      for(l=0; l<b; l++){
        double wi = w[i*b + l], wj = w[j*b + l];
        w[i*b + l] = cs*wi - sn*wj;
        w[j*b + l] = sn*wi + cs*wj;
      }
    }
  }
  for(i=0; i<b; i++) ev[i] = a[i*b + i];
  /* selection sort, stable for ties */
  for(i=0; i<b; i++){
    int best = i;
    for(j=i+1; j<b; j++) if( ev[j]>ev[best] ) best = j;
    if( best!=i ){
      double tmp = ev[i];
      ev[i] = ev[best]; ev[best] = tmp;
      for(l=0; l<b; l++){ tmp = w[i*b + l]; w[i*b + l] = w[best*b + l]; w[best*b + l] = tmp; }
    }
  }
}

/* Orthonormalises the b rows of v (dim each) in order, twice (modified
** Gram-Schmidt); a row that vanishes is replaced by the first basis vector
** that is independent of the rows before it. */
static void orthonormalise(double *v, int b, int dim){
  int j, l, d, pass, e = 0;
  for(j=0; j<b; j++){
    double *vj = v + (size_t)j*dim, norm0 = 0, norm = 0;
    for(d=0; d<dim; d++) norm0 += vj[d]*vj[d];
    for(;;){
      for(pass=0; pass<2; pass++){
        for(l=0; l<j; l++){
          const double *vl = v + (size_t)l*dim;
          double s = 0;
          for(d=0; d<dim; d++) s += vj[d]*vl[d];
          for(d=0; d<dim; d++) vj[d] -= s*vl[d];
        }
      }
      norm = 0;
      for(d=0; d<dim; d++) norm += vj[d]*vj[d];
      if( norm>1e-24*norm0 && norm>1e-280 ) break;
      if( e>=dim ){ memset(vj, 0, sizeof(double)*dim); norm = 0; break; }
      memset(vj, 0, sizeof(double)*dim);
      vj[e++] = 1.0;
      norm0 = 1.0;
    }
    if( norm>0 ){
      norm = 1.0/sqrt(norm);
      for(d=0; d<dim; d++) vj[d] *= norm;
    }
  }
}

int w2v_pca(const float *x, int64_t n, int dim, const W2vPcaParams *pp, double *mean, double *axes, double *coords){
  int p = pp->dims, b, j, l, d, round, rc = 0, nSlice;
  int threads = pp->threads<1 ? 1 : pp->threads;
  double *q = 0, *qn = 0, *v = 0, *vPrev = 0, *mq = 0, *part = 0, *bb = 0, *w = 0, *ev = 0;
  uint64_t rng = 0x7063612d73746172ULL;   /* "pca-star": the fixed start */
  int64_t i;
  PcaCtx t;
  if( n<1 || p<1 || dim<1 ) return W2V_ERR_INVALID;
  if( p>16 ) return W2V_ERR_INVALID;
  memset(axes, 0, sizeof(double)*(size_t)p*dim);
  if( p>dim ) p = dim;
  b = p + PCA_EXTRA < dim ? p + PCA_EXTRA : dim;
  nSlice = n/256 < PCA_SLICES ? (int)(n/256) : PCA_SLICES;
  if( nSlice<1 ) nSlice = 1;
  q = w2v_core_malloc(sizeof(double)*(size_t)b*dim);
  qn = w2v_core_malloc(sizeof(double)*(size_t)b*dim);
  v = w2v_core_malloc(sizeof(double)*(size_t)b*dim);
  vPrev = w2v_core_malloc(sizeof(double)*(size_t)b*dim);
  mq = w2v_core_malloc(sizeof(double)*(size_t)b);
  bb = w2v_core_malloc(sizeof(double)*(size_t)b*b);
  w = w2v_core_malloc(sizeof(double)*(size_t)b*b);
  ev = w2v_core_malloc(sizeof(double)*(size_t)b);
  part = w2v_core_malloc(sizeof(double)*part_size(b, dim)*(size_t)nSlice);
  if( !q || !qn || !v || !vPrev || !mq || !bb || !w || !ev || !part ){ rc = W2V_ERR_NOMEM; goto done; }

  memset(mean, 0, sizeof(double)*dim);
  for(i=0; i<n; i++) for(d=0; d<dim; d++) mean[d] += x[i*dim + d];
  for(d=0; d<dim; d++) mean[d] /= (double)n;
  for(j=0; j<b*dim; j++) q[j] = (double)(w2v_rng_next(&rng)>>11) * (2.0/9007199254740992.0) - 1.0;
  orthonormalise(q, b, dim);

  memset(&t, 0, sizeof(t));
  t.x = x; t.n = n; t.dim = dim; t.b = b; t.nSlice = nSlice;
  t.q = q; t.mq = mq; t.part = part; t.mean = mean;
  for(round=0; round<PCA_MAX_ROUNDS; round++){
    double *y, *sz;
    int converged = 1, s;
    for(j=0; j<b; j++){
      double acc = 0;
      for(d=0; d<dim; d++) acc += mean[d]*q[(size_t)j*dim + d];
      mq[j] = acc;
    }
    rc = w2v_parallel_for(nSlice, 1, (double)n*dim*b<4e6 ? 1 : threads, pca_slice, &t,
                          pp->xInterrupt, pp->pInterruptArg);
    if( rc ) goto done;
    /* the slices' sums, in slice order, into slice 0 */
    for(s=1; s<nSlice; s++){
      const double *src = part + (size_t)s*part_size(b, dim);
      for(j=0; j<(int)part_size(b, dim); j++) part[j] += src[j];
    }
    memcpy(bb, part, sizeof(double)*b*b);
    y = part + (size_t)b*b;
    sz = y + (size_t)b*dim;
    for(j=0; j<b; j++) for(d=0; d<dim; d++) y[(size_t)j*dim + d] -= mean[d]*sz[j];
    /* Rayleigh-Ritz: the Ritz vectors v = W q, and the next block W y */
    jacobi(bb, b, w, ev);
    for(j=0; j<b; j++){
      for(d=0; d<dim; d++){
        double a1 = 0, a2 = 0;
        for(l=0; l<b; l++){
          a1 += w[j*b + l]*q[(size_t)l*dim + d];
          a2 += w[j*b + l]*y[(size_t)l*dim + d];
        }
        v[(size_t)j*dim + d] = a1;
        qn[(size_t)j*dim + d] = a2;
      }
    }
    for(j=0; j<p && round>0; j++){
      double c = 0;
      for(d=0; d<dim; d++) c += v[(size_t)j*dim + d]*vPrev[(size_t)j*dim + d];
      if( 1.0 - fabs(c) > PCA_TOL ){ converged = 0; break; }
    }
    if( round==0 ) converged = 0;
    memcpy(vPrev, v, sizeof(double)*(size_t)b*dim);
    if( converged ) break;
    orthonormalise(qn, b, dim);
    memcpy(q, qn, sizeof(double)*(size_t)b*dim);
    if( pp->xInterrupt && pp->xInterrupt(pp->pInterruptArg) ){ rc = W2V_ERR_INTERRUPT; goto done; }
  }

  /* the axes, each with its largest coordinate positive */
  for(j=0; j<p; j++){
    double *a = axes + (size_t)j*dim, best = -1, norm = 0;
    int bd = 0;
    memcpy(a, vPrev + (size_t)j*dim, sizeof(double)*dim);
    for(d=0; d<dim; d++) norm += a[d]*a[d];
    norm = norm>0 ? 1.0/sqrt(norm) : 0;
    for(d=0; d<dim; d++){
      a[d] *= norm;
      if( fabs(a[d])>best ){ best = fabs(a[d]); bd = d; }
    }
    if( a[bd]<0 ) for(d=0; d<dim; d++) a[d] = -a[d];
  }
  t.axes = axes;
  t.p = pp->dims;
  t.coords = coords;
  /* axes beyond dim stay zero: the coordinates along them are 0 */
  rc = w2v_parallel_for(n, 256, (double)n*dim*p<4e6 ? 1 : threads, pca_coords, &t,
                        pp->xInterrupt, pp->pInterruptArg);

done:
  w2v_core_free(q);
  w2v_core_free(qn);
  w2v_core_free(v);
  w2v_core_free(vPrev);
  w2v_core_free(mq);
  w2v_core_free(bb);
  w2v_core_free(w);
  w2v_core_free(ev);
  w2v_core_free(part);
  return rc;
}
