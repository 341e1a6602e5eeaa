/*
** C unit checks of the numeric core, run by test/core.test:
**   unit sampler POWER DRAWS   draws noise words for a fixed count table and
**                              prints "word expected observed" lines, where
**                              expected follows count^0.75 (not POWER: a run
**                              with another POWER must then fail the check)
**   unit huffman N SEED        builds the tree for N random counts and prints
**                              "kraft K prefix P cost C optimal O"
**   unit knn N DIM K SEED      compares w2v_knn_search with a brute-force
**                              float32 scan over N clustered random vectors
**                              (with repeated and zero rows, exclusions,
**                              candidate sets and similarity floors) and
**                              prints "queries Q mismatches M"
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core.h"

static int cmp_desc(const void *a, const void *b){
  int64_t x = *(const int64_t*)a, y = *(const int64_t*)b;
  return x<y ? 1 : x>y ? -1 : 0;
}

static int run_sampler(double power, long draws){
  /* a Zipf-like table of 60 words */
  int64_t counts[60];
  double w[60], total = 0;
  long *seen;
  W2vSampler s;
  uint64_t rng = 42;
  int i, n = 60;
  long d;
  for(i=0; i<n; i++){ counts[i] = 100000 / (i+1); w[i] = pow((double)counts[i], 0.75); total += w[i]; }
  if( w2v_sampler_build(counts, n, power, &s) ) return 1;
  seen = calloc(n, sizeof(long));
  if( seen==0 ) return 1;
  for(d=0; d<draws; d++) seen[w2v_sampler_draw(&s, w2v_rng_next(&rng))]++;
  for(i=0; i<n; i++) printf("%d %.3f %ld\n", i, w[i]/total*(double)draws, seen[i]);
  free(seen);
  w2v_sampler_free(&s);
  return 0;
}

/* optimal total cost sum(count*depth) by the textbook two-queue merge */
static int64_t optimal_cost(const int64_t *sorted, int n){
  int64_t *q = malloc(sizeof(int64_t)*n), cost = 0;
  int head1 = n-1, h2 = 0, t2 = 0, k;
  for(k=0; k<n-1; k++){
    int64_t a[2];
    int j;
    for(j=0; j<2; j++){
      if( head1>=0 && (h2==t2 || sorted[head1]<=q[h2]) ) a[j] = sorted[head1--];
      else a[j] = q[h2++];
    }
    q[t2++] = a[0]+a[1];
    cost += a[0]+a[1];
  }
  free(q);
  return cost;
}

static int run_huffman(int n, unsigned seed){
  int64_t *counts = malloc(sizeof(int64_t)*n), cost = 0;
  W2vTree t;
  double kraft = 0;
  int i, j, prefix = 1;
  srand(seed);
  for(i=0; i<n; i++) counts[i] = 1 + rand() % 1000 + (rand()%10==0 ? rand()%100000 : 0);
  qsort(counts, n, sizeof(int64_t), cmp_desc);
  if( w2v_tree_build(counts, n, &t) ) return 1;
  for(i=0; i<n; i++){
    int64_t len = t.start[i+1]-t.start[i];
    kraft += ldexp(1.0, -(int)len);
    cost += counts[i]*len;
    /* root first: every path starts at the root, node n-2 */
    if( len>0 && t.point[t.start[i]]!=n-2 ) prefix = 0;
  }
  /* no code is a prefix of another (quadratic, fine for small n) */
  for(i=0; i<n && prefix; i++){
    for(j=0; j<n; j++){
      int64_t li = t.start[i+1]-t.start[i], lj = t.start[j+1]-t.start[j];
      if( i==j || li>lj ) continue;
      if( memcmp(t.code+t.start[i], t.code+t.start[j], li)==0 ){ prefix = 0; break; }
    }
  }
  printf("kraft %.12f prefix %d cost %lld optimal %lld\n", kraft, prefix,
         (long long)cost, (long long)optimal_cost(counts, n));
  w2v_tree_free(&t);
  free(counts);
  return 0;
}

/* brute force: every row's similarity, best first, ties by lower id */
static int64_t brute_top(const W2vKnn *x, const W2vKnnQuery *q, W2vHit *out){
  float *qu = calloc(x->stride, sizeof(float));
  double norm = 0;
  int64_t i, n = 0, k = q->k < x->n ? q->k : x->n, a, b;
  int d, e;
  for(d=0; d<x->dim; d++) norm += (double)q->q[d]*q->q[d];
  for(d=0; d<x->dim; d++) qu[d] = norm>0 ? (float)(q->q[d]/sqrt(norm)) : 0.0f;
  W2vHit *all = malloc(sizeof(W2vHit)*(x->n+1));
  for(i=0; i<x->n; i++){
    int skip = 0;
    for(e=0; e<q->nExclude; e++) if( q->exclude[e]==i ) skip = 1;
    if( q->cand ){
      int found = 0;
      for(a=0; a<q->nCand; a++) if( q->cand[a]==i ) found = 1;
      if( !found ) skip = 1;
    }
    if( skip ) continue;
    all[n].id = (int32_t)i;
    all[n].sim = w2v_knn_sim(x, qu, i);
    if( all[n].sim>=q->minSim ) n++;
  }
  /* selection of the best k */
  for(a=0; a<k && a<n; a++){
    for(b=a+1; b<n; b++){
      if( all[b].sim>all[a].sim || (all[b].sim==all[a].sim && all[b].id<all[a].id) ){
        W2vHit t = all[a]; all[a] = all[b]; all[b] = t;
      }
    }
    out[a] = all[a];
  }
  free(all);
  free(qu);
  return a;
}

static int run_knn(int n, int dim, int k, unsigned seed){
  float *v = malloc(sizeof(float)*n*dim), *q = malloc(sizeof(float)*dim);
  W2vHit *h1 = malloc(sizeof(W2vHit)*(n+1)), *h2 = malloc(sizeof(W2vHit)*(n+1));
  int32_t ex[3], cand[40];
  W2vKnn x;
  int i, d, t, bad = 0, nq = 0;
  srand(seed);
  for(i=0; i<n; i++){
    int c = rand()%8;     /* 8 clusters, so that many rows score alike */
    for(d=0; d<dim; d++) v[i*dim+d] = (float)(((c*7+d)%5) - 2) + (float)(rand()%1000)/4000.0f;
  }
  for(i=0; i<n/20; i++) memcpy(v + (rand()%n)*dim, v + (rand()%n)*dim, sizeof(float)*dim); /* ties */
  memset(v, 0, sizeof(float)*dim);                                                  /* a zero row */
  if( w2v_knn_build(&x, v, n, dim) ) return 1;
  for(t=0; t<200; t++){
    W2vKnnQuery kq;
    int64_t n1, n2, j;
    memset(&kq, 0, sizeof(kq));
    for(d=0; d<dim; d++) q[d] = (t%3==0) ? v[(rand()%n)*dim+d] : (float)(rand()%2001-1000)/1000.0f;
    kq.q = q;
    kq.k = (t%7==0) ? n+5 : k;
    kq.minSim = (t%5==0) ? 0.5 : -INFINITY;
    if( t%4==1 ){ ex[0] = rand()%n; ex[1] = rand()%n; ex[2] = 0; kq.exclude = ex; kq.nExclude = 3; }
    if( t%6==2 && n>=40 ){ int o = rand()%(n/40); for(j=0; j<40; j++) cand[j] = (int32_t)(o + j*(n/40)); kq.cand = cand; kq.nCand = 40; }
    n1 = w2v_knn_search(&x, &kq, h1);
    n2 = brute_top(&x, &kq, h2);
    nq++;
    if( n1!=n2 && getenv("KNN_DEBUG") ) fprintf(stderr, "t=%d n1=%lld n2=%lld k=%lld min=%g\n", t, (long long)n1, (long long)n2, (long long)kq.k, kq.minSim);
    if( n1!=n2 ){ bad++; continue; }
    for(j=0; j<n1 && getenv("KNN_DEBUG"); j++) if( h1[j].id!=h2[j].id || h1[j].sim!=h2[j].sim ) fprintf(stderr, "t=%d j=%lld %d %.9g vs %d %.9g\n", t, (long long)j, h1[j].id, h1[j].sim, h2[j].id, h2[j].sim);
    for(j=0; j<n1; j++) if( h1[j].id!=h2[j].id || h1[j].sim!=h2[j].sim ){ bad++; break; }
  }
  printf("queries %d mismatches %d\n", nq, bad);
  w2v_knn_free(&x);
  free(v); free(q); free(h1); free(h2);
  return 0;
}

int main(int argc, char **argv){
  if( argc==6 && !strcmp(argv[1], "knn") ) return run_knn(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]), (unsigned)atoi(argv[5]));
  if( argc==4 && !strcmp(argv[1], "sampler") ) return run_sampler(atof(argv[2]), atol(argv[3]));
  if( argc==4 && !strcmp(argv[1], "huffman") ) return run_huffman(atoi(argv[2]), (unsigned)atoi(argv[3]));
  fprintf(stderr, "usage: unit sampler POWER DRAWS | unit huffman N SEED | unit knn N DIM K SEED\n");
  return 2;
}
