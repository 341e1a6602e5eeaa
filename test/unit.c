/*
** C unit checks of the numeric core, run by test/core.test:
**   unit sampler POWER DRAWS   draws noise words for a fixed count table and
**                              prints "word expected observed" lines, where
**                              expected follows count^0.75 (not POWER: a run
**                              with another POWER must then fail the check)
**   unit huffman N SEED        builds the tree for N random counts and prints
**                              "kraft K prefix P cost C optimal O"
**   unit knn N DIM K SEED [random] compares w2v_knn_search with a brute-force
**                              float32 scan over N clustered random vectors
**                              (with repeated and zero rows, exclusions,
**                              candidate sets and similarity floors) and
**                              prints "queries Q mismatches M"
**   unit counts                damaged counts (0, negative, INT64_MAX, sums
**                              that overflow, unsorted) given to the tree,
**                              the vocabulary, the sampler and training
**   unit oom                   makes the N-th core allocation fail, for N
**                              = 1, 2, ... until the call succeeds, in each
**                              allocating entry point, and checks that the
**                              failure is reported and nothing leaks
**   unit phrases               word2phrase's scores and greedy joins on a
**                              hand-counted corpus (w2v_phrases_*): counts,
**                              scores to the formula, joins, a second pass
**                              building a three-word phrase, empty corpora,
**                              one-word sentences, bad ids
**   unit floats N [SECONDS]    w2v_parse_float_field against strtod and
**                              strtof over N generated fields (random floats
**                              in several printf formats, digit strings,
**                              float halfway points, junk) and prints
**                              "fields N same_as_strtod S strtof_equal E
**                              strtof_1ulp U strtof_worse W"; with SECONDS,
**                              also the time to parse them with both
**   unit kernels               prints the kernels this CPU runs (dispatch.c)
**   unit kernel-check          every kernel's loss steps (ns, hs, softmax;
**                              one input, skip-gram windows and CBOW; dims that
**                              leave every vector tail) and index rows
**                              against the scalar kernel's, on the same
**                              weights and random draws: "kernels K checks
**                              N failures F"
** unit counts, unit oom, unit phrases and the last two print "FAIL what" for each failed check, then "checks N
** failures F", and exit non-zero when F > 0.
*/
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>     /* mallinfo2, for the leak check of unit oom */
#endif
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
    int skip = i<q->idLo || (q->idHi>0 && i>=q->idHi);
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

static int run_knn(int n, int dim, int k, unsigned seed, int bRandom){
  float *v = malloc(sizeof(float)*n*dim), *q = malloc(sizeof(float)*dim);
  W2vHit *h1 = malloc(sizeof(W2vHit)*(n+1)), *h2 = malloc(sizeof(W2vHit)*(n+1));
  int32_t ex[3], *cand = malloc(sizeof(int32_t)*(n+40));
  W2vKnn x;
  int i, d, t, bad = 0, nq = 0;
  srand(seed);
  for(i=0; i<n; i++){
    int c = rand()%8;     /* 8 clusters, so that many rows score alike */
    for(d=0; d<dim; d++) v[i*dim+d] = (float)(((c*7+d)%5) - 2) + (float)(rand()%1000)/4000.0f;
    /* or no structure: the best scores are barely above the rest, so a bound
    ** that is too tight shows */
    if( bRandom ) for(d=0; d<dim; d++) v[i*dim+d] = (float)(rand()%2001 + rand()%2001 - 2000)/1000.0f;
  }
  for(i=0; i<n/20; i++) memcpy(v + (rand()%n)*dim, v + (rand()%n)*dim, sizeof(float)*dim); /* ties */
  memset(v, 0, sizeof(float)*dim);                                                  /* a zero row */
  if( w2v_knn_build(&x, v, n, dim) ) return 1;
  /* 200 queries of every kind, then 200 that attack the int8 bound (below) */
  for(t=0; t<400; t++){
    W2vKnnQuery kq;
    int64_t n1, n2, j;
    memset(&kq, 0, sizeof(kq));
    for(d=0; d<dim; d++) q[d] = (t%3==0) ? v[(rand()%n)*dim+d] : (float)(rand()%2001-1000)/1000.0f;
    kq.q = q;
    kq.k = (t%7==0) ? n+5 : k;
    kq.minSim = (t%5==0) ? 0.5 : -INFINITY;
    if( t%4==1 ){ ex[0] = rand()%n; ex[1] = rand()%n; ex[2] = 0; kq.exclude = ex; kq.nExclude = 3; }
    if( t%6==2 && n>=40 ){ int o = rand()%(n/40); for(j=0; j<40; j++) cand[j] = (int32_t)(o + j*(n/40)); kq.cand = cand; kq.nCand = 40; }
    /* a large candidate set (pre-scanned like a range): every third row */
    if( t%6==4 ){ kq.nCand = 0; for(j=rand()%3; j<n; j+=3) cand[kq.nCand++] = (int32_t)j; kq.cand = cand; }
    /* id ranges: [lo, hi), [lo, end), [0, hi), empty, past the end */
    switch( (t/3)%5 ){    /* every combination with the cases above */
      case 1: kq.idLo = rand()%n; kq.idHi = kq.idLo + 1 + rand()%(n - kq.idLo); break;
      case 2: kq.idLo = rand()%n; break;
      case 3: kq.idHi = 1 + rand()%n; break;
      case 4: if( t%2 ){ kq.idLo = kq.idHi = 1 + rand()%n; }else{ kq.idLo = n/2; kq.idHi = n + 10; } break;
    }
    if( t>=200 && n>1 ){
      /* a query whose int8 score of row i is far below the truth: the signs
      ** of the row's rounding residual (a query that quantizes exactly,
      ** leaving the whole error to the row: 0.87 of the bound for a uniform
      ** residual), with a floor just under row i's cosine, so a bound that
      ** is much tighter than the truth loses row i */
      int64_t id = 1 + rand()%(n-1);
      double rr = 0;
      for(d=0; d<dim; d++){
        float res = v[id*dim+d]*x.invNorm[id] - x.scale[id]*(float)x.q8[id*x.stride+d];
        q[d] = res>0 ? 1.0f : res<0 ? -1.0f : 0.0f;
        rr += (double)q[d]*q[d];
      }
      if( rr==0 ) continue;
      memset(&kq, 0, sizeof(kq));
      kq.q = q;
      kq.k = n;           /* every row over the floor: row i is the last */
      for(d=0; d<dim; d++) q[d] = (float)(q[d]/sqrt(rr));
      kq.minSim = w2v_knn_sim(&x, q, id) - 1e-6;
    }
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
  free(v); free(q); free(h1); free(h2); free(cand);
  return 0;
}

/* ---- checks for unit counts and unit oom -------------------------------- */

static int nCheck, nFail;
#define CHECK(cond, ...) do{ nCheck++; if( !(cond) ){ nFail++; printf("FAIL " __VA_ARGS__); printf("\n"); } }while(0)

static int report(void){
  printf("checks %d failures %d\n", nCheck, nFail);
  return nFail>0;
}

/* A tree is sound when every word's path, followed from the root through
** child[], visits point[] and ends at the word's leaf; the Kraft sum is 1.
** Returns the longest path, or -1. */
static int64_t tree_sound(const W2vTree *t, int64_t n){
  int64_t w, k, maxLen = 0;
  double kraft = 0;
  if( t->start==0 || t->nWord!=n ) return -1;
  if( n<2 ) return t->start[n]==0 ? 0 : -1;
  for(w=0; w<n; w++){
    int64_t node = n-2, len = t->start[w+1]-t->start[w];
    if( len<1 || len>=n ) return -1;
    for(k=t->start[w]; k<t->start[w+1]; k++){
      int32_t next;
      if( t->point[k]!=node || t->code[k]>1 ) return -1;
      next = t->child[2*node + t->code[k]];
      if( k==t->start[w+1]-1 ){ if( next!=~(int32_t)w ) return -1; }
      else if( next<0 || next>n-2 ) return -1;
      node = next;
    }
    kraft += ldexp(1.0, -(int)len);
    if( len>maxLen ) maxLen = len;
  }
  return fabs(kraft-1.0)<1e-9 ? maxLen : -1;
}

/* Builds the tree of counts[0..n) and checks the result code (and, when 0,
** that the tree is sound and no deeper than maxDepth). */
static void check_tree(const char *zName, const int64_t *counts, int64_t n, int rcWant, int64_t maxDepth){
  W2vTree t;
  int rc = w2v_tree_build(counts, n, &t);
  CHECK(rc==rcWant, "tree %s: rc %d, expected %d", zName, rc, rcWant);
  if( rc==0 ){
    int64_t depth = tree_sound(&t, n);
    CHECK(depth>=0 && depth<=maxDepth, "tree %s: unsound or too deep (%lld)", zName, (long long)depth);
  }else{
    CHECK(t.start==0 && t.code==0 && t.point==0 && t.child==0, "tree %s: not empty after rc %d", zName, rc);
  }
  w2v_tree_free(&t);
}

/* Draws from the sampler of counts[0..n) and checks each word's share
** against weights[] (relative, not normalised) within 1% absolute. */
static void check_sampler(const char *zName, const int64_t *counts, int n, double power, const double *weights){
  W2vSampler s;
  long seen[16] = {0}, d, draws = 200000;
  double total = 0;
  uint64_t rng = 7;
  int i, bad = 0;
  CHECK(n<=16, "sampler %s: n", zName);
  if( w2v_sampler_build(counts, n, power, &s) ){ CHECK(0, "sampler %s: build failed", zName); return; }
  for(i=0; i<n; i++) total += weights[i];
  for(d=0; d<draws; d++){
    int32_t w = w2v_sampler_draw(&s, w2v_rng_next(&rng));
    if( w<0 || w>=n ){ bad = 1; break; }
    seen[w]++;
  }
  CHECK(!bad, "sampler %s: drew a word out of range", zName);
  for(i=0; i<n && !bad; i++){
    double want = weights[i]/total, got = (double)seen[i]/(double)draws;
    CHECK(fabs(want-got)<0.01 && (weights[i]>0 || seen[i]==0),
          "sampler %s: word %d drawn %.4f, expected %.4f", zName, i, got, want);
  }
  w2v_sampler_free(&s);
}

/* A tiny corpus: nWord words, word i about (nWord-i)*4 times (so ids are
** sorted by count), 3 sentences, one of them a single word. */
typedef struct Tiny { int32_t ids[200]; int64_t ends[3]; int64_t counts[8]; int64_t nIds; } Tiny;
static void tiny_corpus(Tiny *c, int nWord){
  int i, j;
  uint64_t rng = 3;
  c->nIds = 0;
  memset(c->counts, 0, sizeof(c->counts));
  for(i=0; i<nWord; i++) for(j=0; j<(nWord-i)*4; j++) c->ids[c->nIds++] = i;
  for(i=(int)c->nIds-1; i>0; i--){   /* shuffle */
    int k = (int)w2v_rng_below(&rng, (uint32_t)(i+1)), t = c->ids[i];
    c->ids[i] = c->ids[k]; c->ids[k] = t;
  }
  for(i=0; i<c->nIds; i++) c->counts[c->ids[i]]++;
  c->ends[0] = 1; c->ends[1] = c->nIds/2; c->ends[2] = c->nIds;
}

static void tiny_params(W2vTrainParams *p, int arch, int loss){
  memset(p, 0, sizeof(*p));
  p->arch = arch; p->loss = loss; p->dim = 8; p->window = 2; p->negative = 3;
  p->epochs = 2; p->threads = 1; p->nsExponent = 0.75; p->sample = 1e-3;
  p->alpha = 0.025; p->minAlpha = 0.0001; p->seed = 1;
}

static int all_finite(const float *a, int64_t n){
  int64_t i;
  for(i=0; i<n; i++) if( !isfinite(a[i]) ) return 0;
  return 1;
}

/* Trains; returns 0 on success (finite weights), 1 if w2v_train_start
** failed (with its message in *pzErr), 2 on any other problem. */
static int train_once(const W2vTrainParams *p, const Tiny *c, const int64_t *counts, int nWord, char **pzErr){
  W2vCorpusView v;
  W2vTrainer *t;
  int rc = 0;
  v.ids = c->ids; v.nIds = c->nIds; v.ends = c->ends; v.nSent = 3;
  t = w2v_train_start(p, &v, counts, nWord, pzErr);
  if( t==0 ) return 1;
  if( w2v_train_join(t)!=W2V_TRAIN_FINISHED
   || !all_finite(w2v_train_input(t), (int64_t)nWord*p->dim)
   || !all_finite(w2v_train_output(t), w2v_loss_out_rows(p->loss, nWord)*p->dim) ) rc = 2;
  w2v_train_free(t);
  return rc;
}

/* w2v_counts_span against a scan, for counts that never increase. */
static void check_span(const int64_t *counts, int64_t n, int64_t lo, int64_t hi){
  int64_t first, end, i, nIn = 0, firstIn = -1;
  w2v_counts_span(counts, n, lo, hi, &first, &end);
  for(i=0; i<n; i++){
    if( counts[i]>=lo && counts[i]<=hi ){ if( firstIn<0 ) firstIn = i; nIn++; }
  }
  CHECK(first>=0 && first<=end && end<=n && end-first==nIn && (nIn==0 || first==firstIn),
        "span n=%lld [%lld, %lld]: [%lld, %lld), expected %lld ids from %lld",
        (long long)n, (long long)lo, (long long)hi, (long long)first, (long long)end,
        (long long)nIn, (long long)firstIn);
}

static void check_spans(void){
  static const int64_t a[] = {9, 9, 7, 7, 7, 5, 2, 2, 1};
  static const int64_t b[] = {INT64_MAX, INT64_MAX, 3, 1, 1};
  static const int64_t c[] = {4};
  const int64_t M = INT64_MAX, m = INT64_MIN;
  int64_t lo, hi;
  for(lo=-1; lo<=11; lo++) for(hi=-1; hi<=11; hi++) check_span(a, 9, lo, hi);
  check_span(a, 9, m, M); check_span(a, 9, m, 7); check_span(a, 9, 7, M);
  check_span(a, 9, M, M); check_span(a, 9, m, m); check_span(a, 0, m, M);
  check_span(b, 5, M, M); check_span(b, 5, 2, M); check_span(b, 5, m, M-1);
  check_span(b, 5, 1, 1); check_span(b, 5, M-1, M);
  for(lo=2; lo<=6; lo++) for(hi=2; hi<=6; hi++) check_span(c, 1, lo, hi);
  CHECK(w2v_counts_sorted(a, 9) && w2v_counts_sorted(b, 5) && w2v_counts_sorted(c, 1)
        && w2v_counts_sorted(a, 0), "sorted counts");
  CHECK(w2v_counts_sorted(a+5, 4), "sorted tail");
  { static const int64_t d[] = {5, 3, 4}; CHECK(!w2v_counts_sorted(d, 3), "unsorted counts"); }
}

/* Bulk loading a vocabulary (w2v_vocab_append, then the index filled at
** once, as a stored model is read): every word found at its id, an unknown
** word not found, and a repeated word reported at its second id. */
static void check_bulk_vocab(int64_t n, int64_t repeatAt){
  W2vVocab v;
  char w[32];
  int64_t i, repeat = -2, bad = 0;
  w2v_vocab_init(&v);
  for(i=0; i<n; i++){
    int k = i==repeatAt ? snprintf(w, sizeof(w), "w%lld", (long long)(i/2))
                        : snprintf(w, sizeof(w), "w%lld", (long long)i);
    if( w2v_vocab_append(&v, w, (uint32_t)k, n - i)!=i ) bad++;
  }
  CHECK(bad==0 && v.n==n, "bulk vocab %lld: append gave other ids", (long long)n);
  CHECK(w2v_vocab_index_alloc(&v)==0, "bulk vocab %lld: index_alloc", (long long)n);
  w2v_vocab_index_fill(&v, &repeat);
  CHECK(repeat==(repeatAt>=0 ? repeatAt : -1), "bulk vocab %lld: repeat %lld, expected %lld",
        (long long)n, (long long)repeat, (long long)repeatAt);
  for(i=0, bad=0; i<n; i++){
    int k = snprintf(w, sizeof(w), "w%lld", (long long)i);
    int64_t want = i==repeatAt ? -1 : i;
    if( w2v_vocab_find(&v, w, (uint32_t)k)!=want ) bad++;
  }
  CHECK(bad==0, "bulk vocab %lld: %lld words not found at their ids", (long long)n, (long long)bad);
  CHECK(w2v_vocab_find(&v, "x", 1)==-1, "bulk vocab %lld: an unknown word found", (long long)n);
  /* the index keeps working for words added one by one afterwards */
  CHECK(w2v_vocab_add(&v, "extra", 5, 1)==n && w2v_vocab_find(&v, "extra", 5)==n
        && w2v_vocab_find(&v, "w0", 2)==(n>0 ? 0 : -1), "bulk vocab %lld: add after the bulk load", (long long)n);
  w2v_vocab_free(&v);
}

static int run_counts(void){
  const int64_t M = INT64_MAX;
  char zName[64];
  int64_t big[1000];
  int i;

  check_spans();
  check_bulk_vocab(0, -1);
  check_bulk_vocab(1, -1);
  check_bulk_vocab(17, -1);
  check_bulk_vocab(100000, -1);
  check_bulk_vocab(100000, 99999);
  check_bulk_vocab(5000, 4001);

  /* ---- w2v_tree_build ---- */
  { int64_t c[] = {0};                check_tree("0", c, 1, 0, 0); }
  { int64_t c[] = {0, 0};             check_tree("0,0", c, 2, 0, 1); }
  { int64_t c[] = {5, 0, 0};          check_tree("5,0,0", c, 3, 0, 2); }
  { int64_t c[] = {M};                check_tree("MAX", c, 1, 0, 0); }
  { int64_t c[] = {M-1, 1};           check_tree("MAX-1,1", c, 2, 0, 1); }
  { int64_t c[] = {M/2, M/2};         check_tree("MAX/2,MAX/2", c, 2, 0, 1); }
  { int64_t c[] = {M, 1};             check_tree("MAX,1", c, 2, -2, 0); }
  { int64_t c[] = {M, 0};             check_tree("MAX,0", c, 2, -2, 0); }
  { int64_t c[] = {M, M};             check_tree("MAX,MAX", c, 2, -2, 0); }
  { int64_t c[] = {M, M, M, M, M};    check_tree("MAX x5", c, 5, -2, 0); }
  { int64_t c[] = {5, -1};            check_tree("5,-1", c, 2, -2, 0); }
  { int64_t c[] = {-1};               check_tree("-1", c, 1, -2, 0); }
  { int64_t c[] = {INT64_MIN, INT64_MIN}; check_tree("MIN,MIN", c, 2, -2, 0); }
  { int64_t c[] = {1, 2, 3};          check_tree("1,2,3", c, 3, -2, 0); }
  { int64_t c[] = {3, 1, 2};          check_tree("3,1,2", c, 3, -2, 0); }
  { int64_t c[] = {1};                check_tree("n=0", c, 0, 0, 0); }
  { int64_t c[] = {1};                check_tree("n=-1", c, -1, -2, 0); }
  /* 1000 equal counts, 1000 zeros (taken as 1): balanced, depth 10 */
  for(i=0; i<1000; i++) big[i] = 7;
  check_tree("7 x1000", big, 1000, 0, 10);
  for(i=0; i<1000; i++) big[i] = 0;
  check_tree("0 x1000", big, 1000, 0, 10);
  /* the deepest trees of int64 totals: Fibonacci counts */
  big[0] = 1; big[1] = 1;
  for(i=2; i<90; i++) big[i] = big[i-1] + big[i-2];
  for(i=0; i<45; i++){ int64_t x = big[i]; big[i] = big[89-i]; big[89-i] = x; }
  check_tree("fibonacci x90", big, 90, 0, 89);

  /* ---- w2v_vocab_add: counts saturate ---- */
  {
    W2vVocab v;
    int64_t a, b;
    w2v_vocab_init(&v);
    a = w2v_vocab_add(&v, "big", 3, M-1);
    w2v_vocab_add(&v, "big", 3, 5);
    CHECK(a==0 && v.counts[0]==M, "vocab: MAX-1 + 5 gave %lld", (long long)v.counts[0]);
    w2v_vocab_add(&v, "big", 3, M);
    CHECK(v.counts[0]==M, "vocab: MAX + MAX gave %lld", (long long)v.counts[0]);
    b = w2v_vocab_add(&v, "low", 3, INT64_MIN+1);
    w2v_vocab_add(&v, "low", 3, -5);
    CHECK(b==1 && v.counts[1]==INT64_MIN, "vocab: MIN+1 - 5 gave %lld", (long long)v.counts[1]);
    w2v_vocab_add(&v, "low", 3, M);
    CHECK(v.counts[1]==-1, "vocab: MIN + MAX gave %lld", (long long)v.counts[1]);
    w2v_vocab_free(&v);
  }

  /* ---- w2v_sampler_build ---- */
  { int64_t c[] = {5};           double w[] = {1};          check_sampler("5", c, 1, 0.75, w); }
  { int64_t c[] = {0};           double w[] = {1};          check_sampler("0", c, 1, 0.75, w); }
  { int64_t c[] = {0, 0, 0};     double w[] = {1, 1, 1};    check_sampler("0,0,0", c, 3, 0.75, w); }
  { int64_t c[] = {-5, -1};      double w[] = {1, 1};       check_sampler("-5,-1", c, 2, 0.75, w); }
  { int64_t c[] = {8, 0, -3, 1}; double w[] = {4.7568, 0, 0, 1}; check_sampler("8,0,-3,1", c, 4, 0.75, w); }
  { int64_t c[] = {M, M, 1};     double w[] = {1, 1, 0};    check_sampler("MAX,MAX,1", c, 3, 0.75, w); }
  { int64_t c[] = {M, M, M, M};  double w[] = {1, 1, 1, 1}; check_sampler("MAX x4", c, 4, 0.75, w); }
  { int64_t c[] = {M, 1};        double w[] = {1, 0};       check_sampler("MAX,1 power 100", c, 2, 100, w); }
  { int64_t c[] = {M, 1, 0};     double w[] = {0, 1, 0};    check_sampler("MAX,1,0 power -10", c, 3, -10, w); }
  { int64_t c[] = {4, 2};        double w[] = {1, 1};       check_sampler("4,2 power NaN", c, 2, NAN, w); }
  { int64_t c[] = {4, 2};        double w[] = {1, 1};       check_sampler("4,2 power 0", c, 2, 0, w); }

  /* ---- training parameters out of range: refused, not wrapped ---- */
  {
    Tiny c;
    int b;
    tiny_corpus(&c, 3);
    for(b=0; b<6; b++){
      W2vTrainParams p;
      char *zErr = 0;
      int rc;
      tiny_params(&p, W2V_SKIPGRAM, W2V_LOSS_NS);
      if( b==0 ) p.dim = 0;
      if( b==1 ) p.dim = W2V_MAX_DIM+1;
      if( b==2 ) p.window = 0;
      if( b==3 ) p.negative = -1;
      if( b==4 ) p.threads = 0;
      rc = train_once(&p, &c, c.counts, b==5 ? 0 : 3, &zErr);
      CHECK(rc==1 && zErr && strstr(zErr, "out of range"), "train params #%d: rc %d (%s)", b, rc, zErr ? zErr : "no message");
      free(zErr);
    }
  }

  /* ---- training with damaged counts ---- */
  {
    int arch, loss;
    for(arch=0; arch<2; arch++) for(loss=0; loss<3; loss++){
      static const int64_t bad[][3] = { {0, 0, 0}, {-5, -6, -7}, {M, M, M}, {1, 2, 3}, {M, 0, -1} };
      int b;
      Tiny c;
      tiny_corpus(&c, 3);
      for(b=0; b<5; b++){
        W2vTrainParams p;
        char *zErr = 0;
        int rc, s;
        for(s=0; s<2; s++){
          tiny_params(&p, arch, loss);
          p.sample = s ? 1e-3 : 0;
          rc = train_once(&p, &c, bad[b], 3, &zErr);
          snprintf(zName, sizeof(zName), "arch %d loss %d counts #%d sample %d", arch, loss, b, s);
          if( loss==W2V_LOSS_HS && b>=1 ){
            /* negative, overflowing or unsorted: refused by the tree */
            CHECK(rc==1 && zErr && strstr(zErr, "counts"), "train %s: rc %d (%s)", zName, rc, zErr ? zErr : "no message");
          }else{
            CHECK(rc==0, "train %s: rc %d (%s)", zName, rc, zErr ? zErr : "");
          }
          free(zErr);
          zErr = 0;
        }
      }
    }
  }
  return report();
}


/* ---- unit phrases: word2phrase over ids ----------------------------------- */

/* A corpus of '|'-separated sentences of space-separated words, read into
** a vocabulary with counts and ids, as the corpus reader would. */
typedef struct PhCorpus {
  W2vVocab v;
  int32_t ids[256];
  int64_t ends[64];
  int64_t nIds, nSent;
} PhCorpus;

static int ph_read(PhCorpus *c, const char *z){
  const char *p = z;
  int rc = 0;
  w2v_vocab_init(&c->v);
  c->nIds = c->nSent = 0;
  for(;;){
    size_t n = strcspn(p, " |");
    if( n>0 ){
      int64_t id = w2v_vocab_add(&c->v, p, (uint32_t)n, 1);
      if( id<0 ) rc = -1;
      c->ids[c->nIds++] = (int32_t)(id<0 ? 0 : id);
    }
    p += n;
    if( *p==' ' ){ p++; continue; }
    c->ends[c->nSent++] = c->nIds;
    if( *p==0 ) break;
    p++;
  }
  return rc;
}

static W2vCorpusView ph_view(const PhCorpus *c){
  W2vCorpusView w;
  w.ids = c->ids; w.nIds = c->nIds; w.ends = c->ends; w.nSent = c->nSent;
  return w;
}

static int64_t ph_count(const PhCorpus *c, const char *zWord){
  int64_t id = w2v_vocab_find(&c->v, zWord, (uint32_t)strlen(zWord));
  return id<0 ? -1 : c->v.counts[id];
}

/* The corpus as text again: sentences joined by '|'. */
static void ph_text(const PhCorpus *c, char *zOut, size_t nOut){
  int64_t s, i, begin = 0;
  size_t k = 0;
  zOut[0] = 0;
  for(s=0; s<c->nSent; s++){
    for(i=begin; i<c->ends[s]; i++){
      k += (size_t)snprintf(zOut+k, nOut-k, "%s%s", i>begin ? " " : "", w2v_vocab_word(&c->v, c->ids[i]));
    }
    if( s<c->nSent-1 ) k += (size_t)snprintf(zOut+k, nOut-k, "|");
    begin = c->ends[s];
  }
}

/* "left right count score" of each candidate, best first, ';'-separated */
static void ph_list(const PhCorpus *c, const W2vPhraseSet *s, char *zOut, size_t nOut){
  int64_t k;
  size_t n = 0;
  zOut[0] = 0;
  for(k=0; k<s->n; k++){
    n += (size_t)snprintf(zOut+n, nOut-n, "%s%s %s %lld %.4f", k ? ";" : "",
                          w2v_vocab_word(&c->v, s->a[k].a), w2v_vocab_word(&c->v, s->a[k].b),
                          (long long)s->a[k].count, (double)s->a[k].score);
  }
}

static int nPhStop;
static int ph_stop(void *p){ return ++*(int*)p; }

static int run_phrases(void){
  PhCorpus c;
  W2vCorpusView view;
  W2vPhraseSet s;
  W2vPhraseParams p;
  char got[1024];
  int64_t r;
  int rc;
  memset(&p, 0, sizeof(p));
  p.minCount = 2;
  p.threshold = 1.0;

  /* Hand counts: new 4, york 4, times 3, the 1, a 3, b 2, x 1; 18 words.
  ** Pairs inside sentences: new york 4, york times 3, the new 1, a b 2,
  ** b a 2 (york|a across sentences is no pair).  Scores with min_count 2:
  **   new york   (4-2)/4/4*18 = 2.25
  **   york times (3-2)/4/3*18 = 1.5
  **   a b, b a   (2-2)/3/2*18 = 0     (not above 1)
  **   the new    the: 1 < min_count   (not scored) */
  ph_read(&c, "new york times|new york times|new york times|the new york|a b a b a|x||");
  CHECK(c.nIds==18 && c.nSent==8, "phrases: corpus %lld ids %lld sentences", (long long)c.nIds, (long long)c.nSent);
  view = ph_view(&c);
  rc = w2v_phrases_score(&view, c.v.counts, c.v.n, &p, &s);
  ph_list(&c, &s, got, sizeof(got));
  CHECK(rc==0 && s.totalWords==18 && strcmp(got, "new york 4 2.2500;york times 3 1.5000")==0,
        "phrases: pass 1 scored rc %d total %lld: '%s'", rc, (long long)s.totalWords, got);
  CHECK(s.n==2 && s.a[0].score==2.25f && s.a[1].score==1.5f
        && s.a[1].score==w2v_phrase_score(3, 4, 3, 2, 18), "phrases: the exact scores");
  CHECK(w2v_phrases_find(&s, s.a[0].a, s.a[0].b)==0 && w2v_phrases_find(&s, s.a[0].b, s.a[0].a)==-1,
        "phrases: find");
  /* the greedy pass: york times never joins (york is always taken by new) */
  r = w2v_phrases_plan(&view, &s);
  CHECK(r==4 && s.n==2 && s.a[0].joins==4 && s.a[1].joins==0, "phrases: plan %lld joins", (long long)r);
  r = w2v_phrases_join(c.ids, &c.nIds, c.ends, c.nSent, &c.v, &s, "_", 1);
  ph_text(&c, got, sizeof(got));
  CHECK(r==4 && c.nIds==14 && strcmp(got, "new_york times|new_york times|new_york times|the new_york|a b a b a|x||")==0,
        "phrases: join %lld -> %lld ids '%s'", (long long)r, (long long)c.nIds, got);
  CHECK(s.a[0].id>=0 && s.a[1].id==-1, "phrases: ids of joined phrases");
  {
    /* the joined phrases as storage would keep them, applied to new text:
    ** "york new york times new york" -> york new_york times new_york */
    W2vPhraseSet t;
    W2vPhrase kept[2];
    int32_t in[6], outIds[6];
    int64_t n, nOut;
    kept[0] = s.a[0];
    kept[1] = s.a[0];
    rc = w2v_phrases_set_build(kept, 2, &t);
    CHECK(rc==W2V_ERR_INVALID && t.a==0, "phrases: a pair twice in a set: %d", rc);
    rc = w2v_phrases_set_build(kept, 1, &t);
    CHECK(rc==0 && t.n==1 && w2v_phrases_find(&t, kept[0].a, kept[0].b)==0, "phrases: set_build %d", rc);
    in[0] = in[3] = kept[0].b; in[1] = in[4] = kept[0].a; in[2] = kept[0].b;
    in[5] = (int32_t)w2v_vocab_find(&c.v, "times", 5);
    /* york new york york new times: pairs (new york) at 1 only */
    n = w2v_phrases_apply(&t, in, 6, outIds);
    CHECK(n==5 && outIds[0]==kept[0].b && outIds[1]==kept[0].id && outIds[2]==kept[0].b && outIds[3]==kept[0].a,
          "phrases: apply gave %lld", (long long)n);
    nOut = w2v_phrases_apply(&t, in, 6, in);     /* in place */
    CHECK(nOut==5 && memcmp(in, outIds, 5*sizeof(int32_t))==0, "phrases: apply in place");
    t.a[0].id = -1;                              /* no id: not applied */
    CHECK(w2v_phrases_apply(&t, outIds, 5, outIds)==5, "phrases: a phrase without id");
    CHECK(w2v_phrases_apply(&t, in, 0, in)==0 && w2v_phrases_apply(&t, in, 1, in)==1, "phrases: apply to 0 and 1 ids");
    w2v_phrases_free(&t);
  }
  /* the counts a recount of that text gives */
  CHECK(ph_count(&c, "new")==0 && ph_count(&c, "york")==0 && ph_count(&c, "new_york")==4
        && ph_count(&c, "times")==3 && ph_count(&c, "the")==1 && ph_count(&c, "york_times")==-1,
        "phrases: counts after the join");
  w2v_phrases_free(&s);

  /* pass 2: new_york times (3-2)/4/3*14 = 1.1667 > 1; the new_york: the is rare */
  view = ph_view(&c);
  rc = w2v_phrases_score(&view, c.v.counts, c.v.n, &p, &s);
  ph_list(&c, &s, got, sizeof(got));
  CHECK(rc==0 && s.totalWords==14 && strcmp(got, "new_york times 3 1.1667")==0
        && s.a[0].score==w2v_phrase_score(3, 4, 3, 2, 14), "phrases: pass 2 scored '%s'", got);
  r = w2v_phrases_join(c.ids, &c.nIds, c.ends, c.nSent, &c.v, &s, "_", 1);
  ph_text(&c, got, sizeof(got));
  CHECK(r==3 && strcmp(got, "new_york_times|new_york_times|new_york_times|the new_york|a b a b a|x||")==0
        && ph_count(&c, "new_york_times")==3 && ph_count(&c, "new_york")==1 && ph_count(&c, "times")==0,
        "phrases: pass 2 joined %lld: '%s'", (long long)r, got);
  w2v_phrases_free(&s);
  w2v_vocab_free(&c.v);

  /* greedy, left to right: in "a b c" with both pairs candidates, a_b wins,
  ** and "b c" joins where b was not taken; a threshold just under the
  ** score keeps it, at the score (float compare) drops it */
  ph_read(&c, "a b c|a b c|b c|b c|a b");
  view = ph_view(&c);
  p.threshold = 0;
  /* counts a 3, b 5, c 4; 12 words; a b 3, b c 4: (3-2)/3/5*12 = 0.8, (4-2)/5/4*12 = 1.2 */
  rc = w2v_phrases_score(&view, c.v.counts, c.v.n, &p, &s);
  ph_list(&c, &s, got, sizeof(got));
  CHECK(rc==0 && strcmp(got, "b c 4 1.2000;a b 3 0.8000")==0, "phrases: greedy scored '%s'", got);
  r = w2v_phrases_join(c.ids, &c.nIds, c.ends, c.nSent, &c.v, &s, "+", 1);
  ph_text(&c, got, sizeof(got));
  CHECK(r==5 && strcmp(got, "a+b c|a+b c|b+c|b+c|a+b")==0, "phrases: greedy joins %lld '%s'", (long long)r, got);
  w2v_phrases_free(&s);
  p.threshold = 1.2;      /* (float)1.2 == the score: not above it */
  view = ph_view(&c);
  w2v_vocab_free(&c.v);
  ph_read(&c, "a b c|a b c|b c|b c|a b");
  view = ph_view(&c);
  rc = w2v_phrases_score(&view, c.v.counts, c.v.n, &p, &s);
  CHECK(rc==0 && s.n==0, "phrases: a score equal to the threshold is not above it (%lld)", (long long)s.n);
  w2v_phrases_free(&s);
  p.threshold = 1.19;
  rc = w2v_phrases_score(&view, c.v.counts, c.v.n, &p, &s);
  CHECK(rc==0 && s.n==1, "phrases: just under the threshold (%lld)", (long long)s.n);
  w2v_phrases_free(&s);
  /* min_count applies to the pair too: a b (3) is out at min_count 4 */
  p.minCount = 4; p.threshold = -1000;
  rc = w2v_phrases_score(&view, c.v.counts, c.v.n, &p, &s);
  ph_list(&c, &s, got, sizeof(got));
  CHECK(rc==0 && strcmp(got, "b c 4 0.0000")==0, "phrases: min_count 4 '%s'", got);
  w2v_phrases_free(&s);
  w2v_vocab_free(&c.v);

  /* crossSentences: word2phrase.c's pairs across lines (b|a, a|b), counted
  ** but never joined; an empty sentence in between changes nothing */
  ph_read(&c, "a b||a b|a b");
  view = ph_view(&c);
  p.minCount = 1; p.threshold = -1000; p.crossSentences = 1;
  rc = w2v_phrases_score(&view, c.v.counts, c.v.n, &p, &s);
  ph_list(&c, &s, got, sizeof(got));
  r = rc ? -9 : w2v_phrases_join(c.ids, &c.nIds, c.ends, c.nSent, &c.v, &s, "_", 1);
  CHECK(rc==0 && r==3 && strncmp(got, "a b 3 ", 6)==0 && strstr(got, ";b a 2 ") && s.n==2,
        "phrases: across sentences: '%s' joins %lld", got, (long long)r);
  p.crossSentences = 0;
  w2v_phrases_free(&s);
  w2v_vocab_free(&c.v);

  /* a word already spelt "p_q" takes the joins into its count */
  p.minCount = 1; p.threshold = 0;
  ph_read(&c, "p q|p q|p_q");
  view = ph_view(&c);
  rc = w2v_phrases_score(&view, c.v.counts, c.v.n, &p, &s);
  r = rc ? -9 : w2v_phrases_join(c.ids, &c.nIds, c.ends, c.nSent, &c.v, &s, "_", 1);
  ph_text(&c, got, sizeof(got));
  CHECK(r==2 && c.v.n==3 && ph_count(&c, "p_q")==3 && strcmp(got, "p_q|p_q|p_q")==0,
        "phrases: existing spelling %lld '%s' (%lld words)", (long long)r, got, (long long)c.v.n);
  w2v_phrases_free(&s);
  w2v_vocab_free(&c.v);

  /* nothing to pair: an empty corpus, empty sentences, one-word sentences */
  {
    static const char *az[] = { "", "||", "x|y|x|y|x", 0 };
    int i;
    for(i=0; az[i]; i++){
      ph_read(&c, az[i]);
      view = ph_view(&c);
      rc = w2v_phrases_score(&view, c.v.counts, c.v.n, &p, &s);
      r = rc ? -9 : w2v_phrases_join(c.ids, &c.nIds, c.ends, c.nSent, &c.v, &s, "_", 1);
      CHECK(rc==0 && s.n==0 && r==0 && w2v_phrases_plan(&view, &s)==0 && w2v_phrases_find(&s, 0, 0)==-1,
            "phrases: corpus '%s': rc %d n %lld joins %lld", az[i], rc, (long long)s.n, (long long)r);
      w2v_phrases_free(&s);
      w2v_vocab_free(&c.v);
    }
    view.ids = 0; view.nIds = 0; view.ends = 0; view.nSent = 0;
    rc = w2v_phrases_score(&view, 0, 0, &p, &s);
    CHECK(rc==0 && s.n==0 && s.totalWords==0, "phrases: no corpus at all: %d", rc);
    w2v_phrases_free(&s);
  }

  /* ids outside the vocabulary, ends out of order: refused */
  ph_read(&c, "a b|a b");
  view = ph_view(&c);
  c.ids[3] = 7;
  rc = w2v_phrases_score(&view, c.v.counts, c.v.n, &p, &s);
  CHECK(rc==W2V_ERR_INVALID && s.n==0 && s.a==0, "phrases: id out of range: %d", rc);
  c.ids[3] = 1;
  c.ends[0] = 5;     /* past the end, and above ends[1] */
  rc = w2v_phrases_score(&view, c.v.counts, c.v.n, &p, &s);
  CHECK(rc==W2V_ERR_INVALID, "phrases: ends out of order: %d", rc);
  c.ends[0] = 2;
  /* the memory limit and the interrupt */
  p.maxBytes = 100;
  rc = w2v_phrases_score(&view, c.v.counts, c.v.n, &p, &s);
  CHECK(rc==W2V_ERR_LIMIT && s.a==0, "phrases: max bytes: %d", rc);
  w2v_vocab_free(&c.v);
  p.maxBytes = 0;
  {
    /* 3 M tokens in one sentence: the interrupt is asked, and stops it */
    int64_t n = 3000000, i, end = 3000000, counts[10];
    int32_t *ids = malloc(sizeof(int32_t)*(size_t)n);
    if( ids==0 ) return 1;
    for(i=0; i<10; i++) counts[i] = n/10;
    for(i=0; i<n; i++) ids[i] = (int32_t)(i%10);
    view.ids = ids; view.nIds = n; view.ends = &end; view.nSent = 1;
    p.xInterrupt = ph_stop; p.pInterruptArg = &nPhStop;
    rc = w2v_phrases_score(&view, counts, 10, &p, &s);
    CHECK(rc==W2V_ERR_INTERRUPT && nPhStop==1 && s.a==0, "phrases: interrupt: %d (%d)", rc, nPhStop);
    p.xInterrupt = 0;
    rc = w2v_phrases_score(&view, counts, 10, &p, &s);
    CHECK(rc==0 && s.n==10 && s.a[0].count==n/10, "phrases: 10 pairs of a long cycle: %d %lld", rc, (long long)s.n);
    w2v_phrases_free(&s);
    free(ids);
  }
  return report();
}

/* ---- unit kmeans: spherical k-means and PCA (kmeans.c, pca.c) ------------ */

/* n unit rows of dim floats: row i around centre i % g (g random unit
** centres), noise of amplitude a; NULL on OOM. */
static float *km_rows(int64_t n, int dim, int g, float a, uint64_t seed){
  float *x = malloc(sizeof(float)*(size_t)n*dim), *c = malloc(sizeof(float)*(size_t)g*dim);
  uint64_t rng = seed;
  int64_t i;
  int d;
  if( !x || !c ){ free(x); free(c); return 0; }
  for(i=0; i<(int64_t)g*dim; i++) c[i] = (float)((int)w2v_rng_below(&rng, 2001) - 1000)/1000.0f;
  for(i=0; i<n; i++){
    double s = 0;
    for(d=0; d<dim; d++){
      x[i*dim+d] = c[(i%g)*dim+d] + a*(float)((int)w2v_rng_below(&rng, 2001) - 1000)/1000.0f;
      s += x[i*dim+d]*x[i*dim+d];
    }
    for(d=0; d<dim; d++) x[i*dim+d] = (float)(x[i*dim+d]/sqrt(s));
  }
  free(c);
  return x;
}

static int nKmStop;
static int km_stop(void *p){ return ++*(int*)p > nKmStop; }

static int run_kmeans(void){
  W2vKmeansParams kp;
  W2vPcaParams pp;
  int64_t n = 20000, i;
  int dim = 8, k = 25, t, r, calls;
  float *x = km_rows(n, dim, k, 0.1f, 7);
  int32_t *a1 = malloc(sizeof(int32_t)*n), *a2 = malloc(sizeof(int32_t)*n);
  float *d1 = malloc(sizeof(float)*n), *d2 = malloc(sizeof(float)*n);
  double *mean = malloc(sizeof(double)*dim), *axes = malloc(sizeof(double)*3*dim);
  double *c1 = malloc(sizeof(double)*n*3), *c2 = malloc(sizeof(double)*n*3);
  if( !x || !a1 || !a2 || !d1 || !d2 || !mean || !axes || !c1 || !c2 ) return 1;
  memset(&kp, 0, sizeof(kp));
  kp.k = k; kp.iterations = 50; kp.threads = 1; kp.seed = 3;
  r = w2v_kmeans(x, n, dim, &kp, a1, d1, 0);
  CHECK(r>=1, "kmeans: %d", r);
  /* five planted groups: every group one cluster, the clusters distinct */
  {
    float *y = km_rows(2000, dim, 5, 0.1f, 9);
    int32_t first[5], *ay = malloc(sizeof(int32_t)*2000);
    float *dy = malloc(sizeof(float)*2000);
    int ok = 1, j, l;
    W2vKmeansParams kq = kp;
    if( !y || !ay || !dy ) return 1;
    kq.k = 5;
    r = w2v_kmeans(y, 2000, dim, &kq, ay, dy, 0);
    for(j=0; j<5; j++) first[j] = ay[j];
    for(i=0; i<2000; i++) if( ay[i]!=first[i%5] ) ok = 0;
    for(j=0; j<5; j++) for(l=0; l<j; l++) if( first[j]==first[l] ) ok = 0;
    CHECK(r>=1 && ok, "kmeans: the planted groups are not the clusters (%d)", r);
    CHECK(ay[0]==0, "kmeans: row 0 is in cluster %d", ay[0]);
    free(y); free(ay); free(dy);
  }
  for(t=2; t<=4; t++){
    kp.threads = t;
    r = w2v_kmeans(x, n, dim, &kp, a2, d2, 0);
    CHECK(r>=1 && !memcmp(a1, a2, sizeof(int32_t)*n) && !memcmp(d1, d2, sizeof(float)*n),
          "kmeans: %d threads give another result", t);
  }
  kp.k = 0;
  CHECK(w2v_kmeans(x, n, dim, &kp, a2, d2, 0)==W2V_ERR_INVALID, "kmeans: k=0");
  kp.k = n+1;
  CHECK(w2v_kmeans(x, n, dim, &kp, a2, d2, 0)==W2V_ERR_INVALID, "kmeans: k>n");
  kp.k = 300; kp.threads = 2;
  kp.xInterrupt = km_stop; kp.pInterruptArg = &calls;
  calls = 0; nKmStop = 5;
  CHECK(w2v_kmeans(x, n, dim, &kp, a2, d2, 0)==W2V_ERR_INTERRUPT, "kmeans: no interrupt");
  CHECK(calls==6, "kmeans: %d calls to xInterrupt, wanted 6 (it stops at the first yes)", calls);

  memset(&pp, 0, sizeof(pp));
  pp.dims = 3; pp.threads = 1;
  r = w2v_pca(x, n, dim, &pp, mean, axes, c1);
  CHECK(r==0, "pca: %d", r);
  for(t=2; t<=4; t++){
    pp.threads = t;
    r = w2v_pca(x, n, dim, &pp, mean, axes, c2);
    CHECK(r==0 && !memcmp(c1, c2, sizeof(double)*n*3), "pca: %d threads give another result", t);
  }
  {
    /* centred, uncorrelated, falling variance */
    double s[3] = {0, 0, 0}, v[3] = {0, 0, 0}, xy = 0;
    int j;
    for(i=0; i<n; i++){
      for(j=0; j<3; j++){ s[j] += c1[i*3+j]; v[j] += c1[i*3+j]*c1[i*3+j]; }
      xy += c1[i*3]*c1[i*3+1];
    }
    CHECK(fabs(s[0])<1e-8 && fabs(s[1])<1e-8 && fabs(s[2])<1e-8, "pca: not centred");
    CHECK(fabs(xy)<1e-8*sqrt(v[0]*v[1]), "pca: x and y correlated");
    CHECK(v[0]>=v[1] && v[1]>=v[2], "pca: variances %g %g %g", v[0], v[1], v[2]);
  }
  /* dims above dim: the extra axes are zero */
  pp.dims = 3; pp.threads = 1;
  r = w2v_pca(x, n, 2, &pp, mean, axes, c2);
  CHECK(r==0 && c2[2]==0 && c2[5]==0, "pca: dims > dim");
  pp.dims = 0;
  CHECK(w2v_pca(x, n, dim, &pp, mean, axes, c2)==W2V_ERR_INVALID, "pca: dims=0");
  pp.dims = 2; pp.xInterrupt = km_stop; pp.pInterruptArg = &calls;
  calls = 0; nKmStop = 0;
  CHECK(w2v_pca(x, n, dim, &pp, mean, axes, c2)==W2V_ERR_INTERRUPT, "pca: no interrupt");
  free(x); free(a1); free(a2); free(d1); free(d2); free(mean); free(axes); free(c1); free(c2);
  return report();
}

/* ---- unit oom ------------------------------------------------------------ */

/* The hook makes allocation number failAt (counted from 1) fail. */
static long nAlloc, failAt;
static int fail_nth(size_t n){ (void)n; return ++nAlloc!=failAt; }

/* Bytes the process has allocated with malloc, where mallinfo2 counts them
** exactly: glibc with its per-thread cache off (freed chunks in the cache
** count as in use), which main() arranges.  0 elsewhere, as under ASan,
** whose leak check at exit covers it instead. */
static size_t heap_in_use(void){
#if defined(__GLIBC__) && (__GLIBC__>2 || __GLIBC_MINOR__>=33)
  const char *z = getenv("GLIBC_TUNABLES");
  if( z && strstr(z, "glibc.malloc.tcache_count=0") ) return mallinfo2().uordblks;
#endif
  return 0;
}

/* One entry point under test: returns 0 on success, 1 when it reported a
** failure as documented, 2 for anything else (a wrong report). */
typedef int (*OomCase)(void*);

static void oom_loop(const char *zName, OomCase f, void *arg){
  long n;
  size_t before, after;
  int rc;
  f(arg);   /* once without failures: thread stacks and the like get cached */
  for(n=1; n<10000; n++){
    before = heap_in_use();
    nAlloc = 0; failAt = n;
    w2v_core_alloc_hook = fail_nth;
    rc = f(arg);
    w2v_core_alloc_hook = 0;
    after = heap_in_use();
    CHECK(after==before, "oom %s: allocation %ld failing leaks %zd bytes", zName, n, (ssize_t)(after-before));
    if( nAlloc<n ){
      /* no allocation failed: the call must succeed, and we are done */
      CHECK(rc==0, "oom %s: fails (%d) without a failed allocation", zName, rc);
      printf("oom %s: %ld allocations\n", zName, n-1);
      return;
    }
    CHECK(rc==1, "oom %s: allocation %ld failing gives %d, not a failure report", zName, n, rc);
  }
  CHECK(0, "oom %s: never succeeds", zName);
}

/* vocabulary: enough words to grow every array and the hash table, a
** repeated word, then a prune; a failed add leaves the words so far findable */
static int oom_vocab(void *arg){
  W2vVocab v, d;
  int32_t remap[3000];
  char w[16];
  int i, rc = 0;
  (void)arg;
  w2v_vocab_init(&v);
  for(i=0; i<3000 && rc==0; i++){
    int n = snprintf(w, sizeof(w), "w%d", i);
    int64_t id = w2v_vocab_add(&v, w, (uint32_t)n, 1 + i%7);
    if( id==-1 ){
      int j;
      rc = 1;
      for(j=0; j<i; j++){
        n = snprintf(w, sizeof(w), "w%d", j);
        if( w2v_vocab_find(&v, w, (uint32_t)n)!=j ) rc = 2;
      }
    }else if( id!=i ) rc = 2;
    if( rc==0 && w2v_vocab_add(&v, "w0", 2, 1)!=0 ) rc = 2;   /* no allocation */
  }
  if( rc==0 ){
    int r = w2v_vocab_prune(&v, 3, 1000, &d, remap);
    if( r==-1 ) rc = d.n==0 && d.counts==0 ? 1 : 2;
    else if( r!=0 || d.n!=1000 ) rc = 2;
    w2v_vocab_free(&d);
  }
  w2v_vocab_free(&v);
  return rc;
}

static int oom_tree(void *arg){
  const int64_t *counts = arg;
  W2vTree t;
  int r = w2v_tree_build(counts, 300, &t);
  int rc = r==0 ? (tree_sound(&t, 300)>0 ? 0 : 2) : r==-1 && t.start==0 ? 1 : 2;
  w2v_tree_free(&t);
  return rc;
}

static int oom_sampler(void *arg){
  const int64_t *counts = arg;
  W2vSampler s;
  int r = w2v_sampler_build(counts, 300, 0.75, &s);
  int rc = r==0 ? 0 : r==-1 && s.threshold==0 && s.alias==0 ? 1 : 2;
  w2v_sampler_free(&s);
  return rc;
}

/* knn: build, then a search (pruned scan, growing its candidate list) */
static int oom_knn(void *arg){
  const float *vec = arg;
  W2vKnn x;
  W2vKnnQuery q;
  W2vHit hits[400];
  int64_t n;
  int rc;
  if( w2v_knn_build(&x, vec, 400, 8) ) return x.q8==0 && x.scale==0 ? 1 : 2;
  memset(&q, 0, sizeof(q));
  q.q = vec + 8;
  q.k = 300;
  q.minSim = -INFINITY;
  n = w2v_knn_search(&x, &q, hits);
  rc = n==300 ? 0 : n==-1 ? 1 : 2;
  w2v_knn_free(&x);
  return rc;
}

static int oom_predict(void *arg){
  const W2vLoss *L = arg;
  W2vPrediction out[300];
  float h[8] = {1, -1, 0.5f, 0.25f, -2, 0, 1, 3};
  int64_t n = w2v_predict_top(L, h, 50, out);
  return n==50 ? 0 : n==-1 ? 1 : 2;
}

typedef struct OomTrain { int arch, loss, nWord, threads; } OomTrain;
static int oom_train(void *arg){
  const OomTrain *o = arg;
  W2vTrainParams p;
  Tiny c;
  char *zErr = 0;
  int rc;
  tiny_corpus(&c, o->nWord);
  tiny_params(&p, o->arch, o->loss);
  p.threads = o->threads;
  rc = train_once(&p, &c, c.counts, o->nWord, &zErr);
  if( rc==1 && (zErr==0 || strcmp(zErr, "out of memory")!=0) ) rc = 2;
  free(zErr);
  return rc;
}

/* phrases: score, join, score again (a three-word phrase) */
static int oom_phrases(void *arg){
  PhCorpus c;
  W2vCorpusView view;
  W2vPhraseSet s;
  W2vPhraseParams p;
  int rc = 0, pass;
  (void)arg;
  memset(&p, 0, sizeof(p));
  p.minCount = 2; p.threshold = 1.0;
  if( ph_read(&c, "new york times|new york times|new york times|the new york|a b a b a|x") ){
    w2v_vocab_free(&c.v);
    return 1;
  }
  for(pass=0; pass<2 && rc==0; pass++){
    int r;
    int64_t nWord = c.v.n, j;
    view = ph_view(&c);
    r = w2v_phrases_score(&view, c.v.counts, c.v.n, &p, &s);
    if( r ){ rc = r==W2V_ERR_NOMEM && s.a==0 && s.slots==0 ? 1 : 2; break; }
    j = w2v_phrases_join(c.ids, &c.nIds, c.ends, c.nSent, &c.v, &s, "_", 1);
    if( j==W2V_ERR_NOMEM ) rc = c.nIds==(pass ? 14 : 18) && c.v.n>=nWord ? 1 : 2;
    else if( j!=(pass ? 3 : 4) ) rc = 2;
    if( rc==0 ){
      /* the set rebuilt from its list, as from storage */
      W2vPhraseSet t;
      r = w2v_phrases_set_build(s.a, s.n, &t);
      if( r ) rc = r==W2V_ERR_NOMEM && t.a==0 && t.slots==0 ? 1 : 2;
      else if( t.n!=s.n || w2v_phrases_find(&t, s.a[0].a, s.a[0].b)!=0 ) rc = 2;
      w2v_phrases_free(&t);
    }
    w2v_phrases_free(&s);
  }
  if( rc==0 && ph_count(&c, "new_york_times")!=3 ) rc = 2;
  w2v_vocab_free(&c.v);
  return rc;
}

static int oom_kmeans(void *arg){
  const float *x = arg;
  W2vKmeansParams kp;
  int32_t a[200];
  float d[200], c[5*8];
  int r;
  memset(&kp, 0, sizeof(kp));
  kp.k = 5; kp.iterations = 10; kp.threads = 2; kp.seed = 1;
  r = w2v_kmeans(x, 200, 8, &kp, a, d, c);
  return r>=1 ? 0 : r==W2V_ERR_NOMEM ? 1 : 2;
}

static int oom_pca(void *arg){
  const float *x = arg;
  W2vPcaParams pp;
  double mean[8], axes[3*8], c[200*3];
  int r;
  memset(&pp, 0, sizeof(pp));
  pp.dims = 3; pp.threads = 2;
  r = w2v_pca(x, 200, 8, &pp, mean, axes, c);
  return r==0 ? 0 : r==W2V_ERR_NOMEM ? 1 : 2;
}

static int run_oom(void){
  int64_t counts[300];
  float *vec = malloc(sizeof(float)*400*8), *out = malloc(sizeof(float)*300*8);
  W2vTree tree;
  W2vLoss L;
  uint64_t rng = 11;
  int i, arch, loss, nWord;
  char zName[64];
  if( !vec || !out ) return 1;
  for(i=0; i<300; i++) counts[i] = 100000/(i+1);
  for(i=0; i<400*8; i++) vec[i] = (float)((int)w2v_rng_below(&rng, 2001) - 1000)/1000.0f;
  for(i=0; i<300*8; i++) out[i] = (float)((int)w2v_rng_below(&rng, 2001) - 1000)/1000.0f;

  oom_loop("vocab", oom_vocab, 0);
  oom_loop("tree", oom_tree, counts);
  oom_loop("sampler", oom_sampler, counts);
  oom_loop("knn", oom_knn, vec);
  oom_loop("phrases", oom_phrases, 0);
  oom_loop("kmeans", oom_kmeans, vec);
  oom_loop("pca", oom_pca, vec);
  memset(&L, 0, sizeof(L));
  L.dim = 8; L.ld = 8; L.nWord = 300; L.out = out;
  L.kind = W2V_LOSS_SOFTMAX;
  oom_loop("predict softmax", oom_predict, &L);
  L.kind = W2V_LOSS_NS;
  oom_loop("predict ns", oom_predict, &L);
  if( w2v_tree_build(counts, 300, &tree) ) return 1;
  L.kind = W2V_LOSS_HS; L.tree = &tree;
  oom_loop("predict hs", oom_predict, &L);
  w2v_tree_free(&tree);
  for(arch=0; arch<2; arch++) for(loss=0; loss<3; loss++) for(nWord=1; nWord<=5; nWord+=4){
    OomTrain o;
    o.arch = arch; o.loss = loss; o.nWord = nWord; o.threads = 1;
    snprintf(zName, sizeof(zName), "train arch %d loss %d words %d", arch, loss, nWord);
    oom_loop(zName, oom_train, &o);
    if( nWord==5 ){   /* and with a second worker's allocations */
      o.threads = 2;
      snprintf(zName, sizeof(zName), "train arch %d loss %d words %d threads 2", arch, loss, nWord);
      oom_loop(zName, oom_train, &o);
    }
  }
  free(vec); free(out);
  return report();
}

/* ---- the pure parsers: tokens, word expressions, vector-file headers ---- */
static void check_terms(const char *z, int wantRc, const char *zWant){
  W2vTerm a[32];
  char got[256] = "";
  int n = 0, rc = w2v_parse_terms(z, (int)strlen(z), a, &n), i;
  for(i=0; i<n && rc==W2V_TERMS_OK; i++){
    size_t k = strlen(got);
    snprintf(got+k, sizeof(got)-k, "%s%c%.*s", i ? " " : "", a[i].sign>0 ? '+' : '-', a[i].len, z+a[i].start);
  }
  CHECK(rc==wantRc && (rc!=W2V_TERMS_OK || strcmp(got, zWant)==0),
        "terms '%s': rc %d '%s', expected %d '%s'", z, rc, got, wantRc, zWant);
}

static void check_header(const char *z, W2vHeaderResult want, int64_t wantWords, int64_t wantDim){
  int64_t w = -1, d = -1;
  W2vHeaderResult r = w2v_parse_vector_header(z, strlen(z), &w, &d);
  CHECK(r==want && (r!=W2V_HEADER_OK || (w==wantWords && d==wantDim)),
        "header '%s': %d (%lld %lld), expected %d", z, (int)r, (long long)w, (long long)d, (int)want);
}

static int run_parse(void){
  static const char zTok[] = "  a\tbb\n\r c\v\fdd ";
  int i = 0, s, len, n = 0;
  char got[64] = "";
  /* tokens: ASCII white space and NUL separate, everything else is a word */
  while( (len = w2v_next_token(zTok, (int)sizeof(zTok)-1, &i, &s))>0 ){
    size_t k = strlen(got);
    snprintf(got+k, sizeof(got)-k, "%s%.*s", n++ ? "|" : "", len, zTok+s);
  }
  CHECK(strcmp(got, "a|bb|c|dd")==0, "tokens: '%s'", got);
  { const char z[] = "x\0y"; i = 0; n = 0;
    while( w2v_next_token(z, 3, &i, &s)>0 ) n++;
    CHECK(n==2, "NUL splits: %d tokens", n); }
  { const char z[] = "\xc2\xa0k\xe3\x80\x80"; i = 0;
    len = w2v_next_token(z, (int)strlen(z), &i, &s);
    CHECK(len==(int)strlen(z), "non-ASCII space is part of a word: %d", len); }
  /* word expressions */
  check_terms("king - man + woman", W2V_TERMS_OK, "+king -man +woman");
  check_terms("- a", W2V_TERMS_OK, "-a");
  check_terms("+a +b", W2V_TERMS_OK, "++a ++b");      /* operators need spaces: words "+a", "+b" */
  check_terms("a-b", W2V_TERMS_OK, "+a-b");          /* no spaces: one word */
  check_terms("a - - b", W2V_TERMS_TWO_OPERATORS, "");
  check_terms("a + - b", W2V_TERMS_TWO_OPERATORS, "");
  check_terms("a -", W2V_TERMS_TRAILING_OPERATOR, "");
  check_terms("", W2V_TERMS_OK, "");
  check_terms("   ", W2V_TERMS_OK, "");
  /* vector-file headers */
  check_header("3 2", W2V_HEADER_OK, 3, 2);
  check_header("3000000 300\r", W2V_HEADER_OK, 3000000, 300);
  check_header("  0\t5  ", W2V_HEADER_OK, 0, 5);
  check_header("3 0", W2V_HEADER_BAD, 0, 0);
  check_header("+3 2", W2V_HEADER_BAD, 0, 0);
  check_header("-3 2", W2V_HEADER_BAD, 0, 0);
  check_header("3 -2", W2V_HEADER_BAD, 0, 0);
  check_header("3 2.0", W2V_HEADER_BAD, 0, 0);
  check_header("0x3 2", W2V_HEADER_BAD, 0, 0);
  check_header("99999999999999999999 2", W2V_HEADER_BAD, 0, 0);
  check_header("the 0.5", W2V_HEADER_NONE, 0, 0);     /* GloVe, dim 1 */
  check_header("nan 0.5", W2V_HEADER_NONE, 0, 0);
  check_header("the 0.1 0.2", W2V_HEADER_NONE, 0, 0);
  check_header("3 2 1", W2V_HEADER_NONE, 0, 0);
  check_header("", W2V_HEADER_NONE, 0, 0);
  return report();
}

/* ---- decimal floats: w2v_parse_float_field against strtod and strtof ----- */
/* The old reader's rule: the whole field through strtod, finite, |v| <= 3.4e38. */
static int ref_strtod(const char *z, float *pv){
  char *e;
  double v;
  size_t n = strlen(z);
  if( n==0 || n>=64 ) return 0;
  v = strtod(z, &e);
  if( *e || !(fabs(v)<=3.4e38) ) return 0;
  *pv = (float)v;
  return 1;
}
static uint32_t float_bits(float f){ uint32_t u; memcpy(&u, &f, 4); return u; }
/* Distance in ulps between two finite floats of the same sign (or zeros). */
static int64_t ulps(float a, float b){
  int64_t x = (int32_t)float_bits(a), y = (int32_t)float_bits(b);
  if( x<0 ) x = INT32_MIN - x;
  if( y<0 ) y = INT32_MIN - y;
  return x>y ? x-y : y-x;
}
static uint64_t fseed = 0x9e3779b97f4a7c15ULL;
static uint64_t frand(void){ return w2v_rng_next(&fseed); }
/* The i-th generated field, into buf. */
static void gen_field(long i, char *buf, size_t nBuf){
  static const char *const azOdd[] = {
    "0", "-0", "+1", ".5", "-.5", "1.", "1e5", "1E-5", "1e+05", "00012.50", "0.000000000000000000000000001234",
    "3.4e38", "3.5e38", "1e39", "-1e39", "1e-46", "1e-45", "1.17549435e-38", "4e-320", "1e-400",
    "0x1p3", "inf", "-inf", "nan", "infinity", "1e", "1e+", ".", "-", "", "1.2.3", "1,5", "12a", "--1",
    "9007199254740993", "9007199254740992", "18446744073709551616", "1234567890123456789012",
    "16777217", "16777217.000000001", "0.100000001490116119384765625", "1e22", "1e23", "123456789e-30",
    "0.3333333333333333333333333", "99999999999999999999e-20"
  };
  int nOdd = (int)(sizeof(azOdd)/sizeof(azOdd[0]));
  uint64_t r = frand();
  float f;
  uint32_t u = (uint32_t)(r>>32);
  if( i<nOdd ){ snprintf(buf, nBuf, "%s", azOdd[i]); return; }
  switch( r & 7 ){
    case 0: f = (float)((double)(int32_t)u / 2147483648.0 * 0.5); snprintf(buf, nBuf, "%.9g", f); break;
    case 1: f = (float)((double)(int32_t)u / 2147483648.0); snprintf(buf, nBuf, "%.6f", f); break;
    case 2: f = (float)((double)(int32_t)u / 2147483648.0 * 3); snprintf(buf, nBuf, "%.5g", f); break;
    case 3: memcpy(&f, &u, 4); if( !isfinite(f) ) f = 1; snprintf(buf, nBuf, "%.9g", f); break;
    case 4: memcpy(&f, &u, 4); if( !isfinite(f) ) f = 1; snprintf(buf, nBuf, "%e", f); break;
    case 5: {                                   /* a float halfway point, exactly or nearly */
      float a, b;
      double mid;
      u &= 0x7f7fffff;
      memcpy(&a, &u, 4);
      b = nextafterf(a, INFINITY);
      mid = ((double)a + (double)b) / 2;
      snprintf(buf, nBuf, (r>>8)&1 ? "%.17g" : "%.9g", (r>>9)&1 ? mid : -mid);
      break;
    }
    case 6: {                                   /* random digits around a point */
      int k, n = 1 + (int)((r>>8) % 22), dot = (int)((r>>16) % (n+1)), p = 0;
      if( (r>>24)&1 ) buf[p++] = '-';
      for(k=0; k<n; k++){
        if( k==dot ) buf[p++] = '.';
        buf[p++] = (char)('0' + frand()%10);
      }
      if( (r>>25)&1 ) p += snprintf(buf+p, nBuf-p, "e%d", (int)((r>>32)%60) - 30);
      buf[p] = 0;
      break;
    }
    default: snprintf(buf, nBuf, "%.*f", (int)((r>>8)%10), (double)(int32_t)u / 1e6); break;
  }
}
static double secs(void){
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + t.tv_nsec*1e-9;
}
static int run_floats(long n, int timed){
  long i, same = 0, eq = 0, one = 0, worse = 0;
  char buf[96];
  for(i=0; i<n; i++){
    float a = 0, b = 0, c;
    size_t len;
    int okRef;
    char *e;
    gen_field(i, buf, sizeof(buf));
    len = w2v_parse_float_field(buf, strlen(buf), &a);
    okRef = ref_strtod(buf, &b);
    if( (len==strlen(buf) && len>0)==okRef && (!okRef || float_bits(a)==float_bits(b)) ){
      same++;
    }else{
      printf("FAIL '%s': parsed %zu %.9g, strtod %d %.9g\n", buf, len, a, okRef, b);
    }
    if( !okRef ) continue;
    c = strtof(buf, &e);
    if( float_bits(a)==float_bits(c) ) eq++;
    else if( ulps(a, c)<=1 ) one++;
    else{ worse++; printf("FAIL '%s': %.9g, strtof %.9g\n", buf, a, c); }
  }
  printf("fields %ld same_as_strtod %ld strtof_equal %ld strtof_1ulp %ld strtof_worse %ld\n", n, same, eq, one, worse);
  if( timed ){
    /* a text vector file's numbers: %.9g of floats in +-0.5 */
    long m = 2000000, k;
    char *all = malloc((size_t)m*16), *p;
    double t0, tFast, tStrtof, sink = 0;
    if( all==0 ) return 1;
    for(p=all, k=0; k<m; k++){
      float f = (float)((double)(int32_t)(frand()>>32) / 2147483648.0 * 0.5);
      p += snprintf(p, 16, "%.9g", f) + 1;
    }
    t0 = secs();
    for(p=all, k=0; k<m; k++){ float v; size_t l = strlen(p); w2v_parse_float_field(p, l, &v); sink += v; p += l + 1; }
    tFast = secs() - t0;
    t0 = secs();
    for(p=all, k=0; k<m; k++){ size_t l = strlen(p); sink += strtof(p, 0); p += l + 1; }
    tStrtof = secs() - t0;
    printf("timing %ld numbers: w2v_parse_float_field %.3f s, strtof %.3f s (%.1fx) %g\n", m, tFast, tStrtof, tStrtof/tFast, sink*0);
    free(all);
  }
  return same!=n || worse>0;
}

/* ---- w2v_train_bytes against what w2v_train_start asks the allocator for */
static int64_t nBytesAsked;
static int count_bytes(size_t n){ nBytesAsked += (int64_t)n; return 1; }

static int run_bytes(void){
  static const int aWords[] = { 2, 50, 3000, 40000 };
  int arch, loss, w, d, th, docs, sub, nFail = 0, nOk = 0;
  for(sub=0; sub<2; sub++)
  for(arch=0; arch<2; arch++) for(loss=0; loss<3; loss++) for(w=0; w<4; w++) for(d=8; d<=200; d*=5)
  for(th=1; th<=2; th++) for(docs=0; docs<2; docs++) if( !(sub && docs) ){   /* (training refuses both) */
    int nWord = aWords[w];
    int64_t *counts = malloc(sizeof(int64_t)*nWord), est, i, nIds = 0;
    int32_t *ids;
    int64_t ends[1], docOf[1] = { 6 };
    W2vTrainParams p;
    W2vCorpusView v;
    W2vTrainer *t;
    W2vVocab voc;
    W2vSubwords sw;
    char *zErr = 0;
    if( loss==2 && nWord>3000 ) { free(counts); continue; }   /* softmax: slow */
    memset(&sw, 0, sizeof(sw));
    w2v_vocab_init(&voc);
    for(i=0; i<nWord; i++){ counts[i] = 100000/(i+1) + 1; nIds += counts[i]>50 ? 50 : counts[i]; }
    ids = malloc(sizeof(int32_t)*nIds);
    for(i=0, nIds=0; i<nWord; i++){ int64_t k; for(k=0; k<(counts[i]>50 ? 50 : counts[i]); k++) ids[nIds++] = (int32_t)i; }
    ends[0] = nIds;
    tiny_params(&p, arch, loss);
    p.dim = d; p.threads = th; p.epochs = 1;
    v.ids = ids; v.nIds = nIds; v.ends = ends; v.nSent = 1; v.doc = docOf;
    if( docs ){
      /* paragraph vectors: 7 documents (dbow with skip-gram, dm with CBOW) */
      p.docs = arch==0 ? W2V_DOCS_DBOW : W2V_DOCS_DM; p.docWords = 1; p.nDoc = 7;
    }
    if( sub ){
      /* subwords: words w0, w1, ... and their 2..4-grams */
      char zw[24];
      for(i=0; i<nWord; i++){ snprintf(zw, sizeof(zw), "w%lld", (long long)i); w2v_vocab_add(&voc, zw, (uint32_t)strlen(zw), counts[i]); }
      if( w2v_subwords_build(&voc, 2, 4, 1000, &sw) ){ printf("bytes: subwords failed\n"); nFail++; }
      p.sub = &sw;
    }
    est = w2v_train_bytes(&p, nWord, nIds, nIds);
    nBytesAsked = 0;
    w2v_core_alloc_hook = count_bytes;
    t = w2v_train_start(&p, &v, counts, nWord, &zErr);
    w2v_core_alloc_hook = 0;
    /* asked: at most the estimate; and the estimate is not far above */
    if( t==0 || nBytesAsked>est || est>nBytesAsked*5/4 + 4096 ){
      printf("bytes %s%s%s/%s V=%d dim=%d threads=%d: estimate %lld, asked %lld%s\n",
             sub ? "subwords " : "", arch ? "cbow" : "sg", docs ? "+docs" : "", loss==0 ? "ns" : loss==1 ? "hs" : "softmax", nWord, d, th,
             (long long)est, (long long)nBytesAsked, t ? "" : " (start failed)");
      nFail++;
    }else{
      nOk++;
    }
    w2v_train_free(t);
    w2v_subwords_free(&sw);
    w2v_vocab_free(&voc);
    free(zErr); free(ids); free(counts);
  }
  printf("%d passed, %d failed\n", nOk, nFail);
  return nFail>0;
}

/* codec.c: every finite float16 survives decode -> encode; floats round to
** the nearest half (ties to even); int8 rows are within scale/2 of the
** input; non-finite values and float16 overflow are refused. */
static int run_codec(void){
  int nOk = 0, nFail0 = nFail, h;
  unsigned char b[8], row[4*16];
  float f, g, v[16], w[16];
  for(h=0; h<65536; h++){
    b[0] = (unsigned char)h; b[1] = (unsigned char)(h>>8);
    if( w2v_row_decode(W2V_STORE_F16, b, 1, &f) ){
      CHECK(((h>>10)&0x1f)==0x1f, "codec: half %04x refused but finite", h);
      continue;
    }
    CHECK(w2v_row_encode(W2V_STORE_F16, &f, 1, b+2)==0 && (b[2]|b[3]<<8)==(h==0x8000 ? 0x8000 : h),
          "codec: half %04x -> %g -> %04x", h, f, b[2]|b[3]<<8);
    nOk++;
  }
  /* nearest: 1 + 2^-11 is halfway between 1 and 1+2^-10: ties to even (1) */
  f = 1.0f + ldexpf(1, -11); w2v_row_encode(W2V_STORE_F16, &f, 1, b); w2v_row_decode(W2V_STORE_F16, b, 1, &g);
  CHECK(g==1.0f, "codec: tie rounds to %g", g);
  f = 1.0f + ldexpf(1, -11) + ldexpf(1, -20); w2v_row_encode(W2V_STORE_F16, &f, 1, b); w2v_row_decode(W2V_STORE_F16, b, 1, &g);
  CHECK(g==1.0f + ldexpf(1, -10), "codec: above the tie rounds to %g", g);
  f = 65504.0f; CHECK(w2v_row_encode(W2V_STORE_F16, &f, 1, b)==0, "codec: 65504 refused");
  f = 65520.0f; CHECK(w2v_row_encode(W2V_STORE_F16, &f, 1, b)!=0, "codec: 65520 accepted as float16");
  f = NAN; CHECK(w2v_row_encode(W2V_STORE_F32, &f, 1, b)!=0 && w2v_row_encode(W2V_STORE_I8, &f, 1, row)!=0,
                 "codec: NaN accepted");
  for(h=0; h<200; h++){
    int d;
    float mx = 0, worst = 0;
    for(d=0; d<16; d++){ v[d] = (float)((rand() % 20001) - 10000) * (h%2 ? 1e-6f : 0.37f); if( fabsf(v[d])>mx ) mx = fabsf(v[d]); }
    w2v_row_encode(W2V_STORE_I8, v, 16, row);
    CHECK(w2v_row_decode(W2V_STORE_I8, row, 16, w)==0, "codec: int8 row refused");
    for(d=0; d<16; d++) if( fabsf(v[d]-w[d])>worst ) worst = fabsf(v[d]-w[d]);
    CHECK(worst <= mx/254.0f*1.0001f + 1e-30f, "codec: int8 error %g over scale/2 %g", worst, mx/254.0f);
    w2v_row_encode(W2V_STORE_F32, v, 16, row);
    w2v_row_decode(W2V_STORE_F32, row, 16, w);
    CHECK(memcmp(v, w, sizeof(v))==0, "codec: float32 not exact");
    nOk++;
  }
  CHECK(w2v_row_bytes(W2V_STORE_F32, 300)==1200 && w2v_row_bytes(W2V_STORE_F16, 300)==600
        && w2v_row_bytes(W2V_STORE_I8, 300)==304, "codec: row sizes");
  printf("%d passed, %d failed\n", nOk, nFail-nFail0);
  return nFail>nFail0;
}

/* ---- kernels: every compiled kernel against the scalar one ---------------- */
typedef struct KernelRun {
  float loss, *out, *in, *gh;   /* after the steps; out and in rows ld floats apart */
  int ld;
} KernelRun;

static float krand(uint64_t *r){ return (float)((w2v_rng_next(r) >> 40) * 0x1.0p-24 - 0.5); }

/* Runs a few steps of loss `kind` under the current kernel from the same
** start: seed fixes the weights and the draws.  bWindow: 0 single steps,
** 1 skip-gram window steps, 2 CBOW steps, 3 CBOW steps on window slots.  The rows are padded as the
** trainer pads them (w2v_row_stride), the padding zero. */
static int kernel_steps(int kind, int dim, int bWindow, uint64_t seed, KernelRun *r){
  enum { NW = 50, NIN = 6 };
  int64_t counts[NW];
  W2vTree tree;
  W2vSampler sampler;
  W2vLoss L;
  uint64_t rng = seed;
  float *scratch, *in[NIN], *h;
  int64_t i, nOut;
  int k, ld = w2v_row_stride(dim);
  memset(&L, 0, sizeof(L));
  memset(&tree, 0, sizeof(tree));
  memset(&sampler, 0, sizeof(sampler));
  for(i=0; i<NW; i++) counts[i] = 1000/(i+1);
  if( w2v_tree_build(counts, NW, &tree) || w2v_sampler_build(counts, NW, 0.75, &sampler) ) return -1;
  L.kind = kind; L.dim = dim; L.ld = ld; L.negative = 5; L.nWord = NW; L.tree = &tree; L.sampler = &sampler;
  for(i=0; i<NW; i++){
    int64_t len = tree.start[i+1] - tree.start[i];
    if( len>L.maxPath ) L.maxPath = (int)len;
  }
  nOut = w2v_loss_out_rows(kind, NW);
  r->ld = ld;
  r->out = w2v_core_aligned(sizeof(float)*(size_t)(nOut*ld));
  r->in = w2v_core_aligned(sizeof(float)*(size_t)(NW*ld));
  r->gh = w2v_core_aligned(sizeof(float)*(size_t)dim);
  scratch = w2v_core_aligned(kind==W2V_LOSS_SOFTMAX ? sizeof(float)*NW : w2v_loss_window_scratch(&L));
  h = w2v_core_aligned(sizeof(float)*(size_t)dim);
  if( !r->out || !r->in || !r->gh || !scratch || !h ) return -1;
  for(i=0; i<nOut*ld; i++) r->out[i] = i%ld<dim ? krand(&rng) : 0.0f;
  for(i=0; i<NW*ld; i++) r->in[i] = i%ld<dim ? krand(&rng) : 0.0f;
  memset(r->gh, 0, sizeof(float)*(size_t)dim);
  L.out = r->out;
  r->loss = 0;
  if( kind!=W2V_LOSS_SOFTMAX ) w2v_loss_thread_begin(&L, scratch);
  for(k=0; k<40; k++){
    int32_t target = (int32_t)w2v_rng_below(&rng, NW);
    if( bWindow ){
      int j;
      for(j=0; j<NIN; j++) in[j] = r->in + (int64_t)w2v_rng_below(&rng, NW)*ld;
      if( bWindow==1 ) r->loss += w2v_loss_window_step(&L, in, NIN, target, 0.05f, &rng, scratch);
      else if( bWindow==2 ) r->loss += w2v_loss_cbow_step(&L, in, NIN, target, 0.05f, &rng, h, r->gh, scratch);
      else{
        /* CBOW on window slots: rows 0..NIN-1 stand for the slots' sums
        ** (1 to 3 rows each), the drawn rows for their pending gradients */
        static const int32_t cnt[NIN] = { 1, 2, 3, 1, 2, 3 };
        float *sum[NIN];
        for(j=0; j<NIN; j++) sum[j] = r->in + (int64_t)j*ld;
        r->loss += w2v_loss_slots_step(&L, sum, in, cnt, NIN, target, 0.05f, &rng, h, r->gh, scratch);
      }
    }else{
      float *h = r->in + (int64_t)w2v_rng_below(&rng, NW)*ld;
      r->loss += w2v_loss_step(&L, h, r->gh, target, 0.05f, &rng, scratch);
    }
  }
  if( kind!=W2V_LOSS_SOFTMAX ) w2v_loss_thread_end(&L, scratch);
  w2v_core_free(scratch);
  w2v_core_free(h);
  w2v_tree_free(&tree);
  w2v_sampler_free(&sampler);
  return (int)nOut;
}

static float max_diff(const float *a, const float *b, int64_t n){
  float m = 0;
  int64_t i;
  for(i=0; i<n; i++){
    float d = fabsf(a[i]-b[i]);
    if( !(d<=m) ) m = d;      /* NaN counts */
  }
  return m;
}

/* Whether the padding of n rows (floats dim..ld of each) is still zero. */
static int padding_zero(const float *a, int64_t n, int dim, int ld){
  int64_t i;
  for(i=0; i<n*ld; i++) if( i%ld>=dim && a[i]!=0.0f ) return 0;
  return 1;
}

static int run_kernels(int bCheck){
  const char *az[16];
  int n = w2v_kernel_list(az, 16), i, nCheck0 = nCheck, nFail0 = nFail;
  static const int aDim[] = { 1, 7, 8, 15, 16, 17, 33, 100 };
  if( !bCheck ){
    for(i=0; i<n; i++) printf("%s\n", az[i]);
    return 0;
  }
  for(i=0; i<n; i++){
    int kind, d, bWindow;
    for(kind=W2V_LOSS_NS; kind<=W2V_LOSS_SOFTMAX; kind++){
      for(bWindow=0; bWindow<=3; bWindow++){     /* one input, a skip-gram window, CBOW, CBOW slots */
        if( bWindow==1 && kind==W2V_LOSS_SOFTMAX ) continue;
        for(d=0; d<(int)(sizeof(aDim)/sizeof(aDim[0])); d++){
          KernelRun a, b;
          int dim = aDim[d], nOut;
          float tol = 2e-5f*(float)dim;
          w2v_kernel_use("scalar");
          nOut = kernel_steps(kind, dim, bWindow, 7+(uint64_t)d, &a);
          w2v_kernel_use(az[i]);
          if( nOut<0 || kernel_steps(kind, dim, bWindow, 7+(uint64_t)d, &b)!=nOut ){
            CHECK(0, "kernel %s: out of memory", az[i]);
            return 1;
          }
          CHECK(fabsf(a.loss-b.loss) <= tol*fabsf(a.loss) + 1e-4f && max_diff(a.out, b.out, (int64_t)nOut*a.ld) <= tol
                && max_diff(a.in, b.in, 50*(int64_t)a.ld) <= tol && max_diff(a.gh, b.gh, dim) <= tol,
                "kernel %s: loss %d window %d dim %d: loss %g vs %g, out %g, in %g, gh %g apart", az[i], kind, bWindow, dim,
                a.loss, b.loss, max_diff(a.out, b.out, (int64_t)nOut*a.ld), max_diff(a.in, b.in, 50*(int64_t)a.ld),
                max_diff(a.gh, b.gh, dim));
          CHECK(padding_zero(b.out, nOut, dim, b.ld) && padding_zero(b.in, 50, dim, b.ld),
                "kernel %s: loss %d window %d dim %d: a step wrote into the rows' padding", az[i], kind, bWindow, dim);
          w2v_core_free(a.out); w2v_core_free(a.in); w2v_core_free(a.gh);
          w2v_core_free(b.out); w2v_core_free(b.in); w2v_core_free(b.gh);
        }
      }
    }
    /* the int8 index rows: the same bytes, scales within rounding */
    {
      enum { NR = 40, DIM = 37 };
      static float v[NR*DIM], sc[2][NR], er[2][NR], inv[2][NR];
      static int8_t q[2][NR*40];
      uint64_t rng = 3;
      int j, k, nq = 0;
      for(j=0; j<NR*DIM; j++) v[j] = krand(&rng)*(j%5 ? 1.0f : 1e-3f);
      for(k=0; k<2; k++){
        w2v_kernel_use(k ? az[i] : "scalar");
        w2v_knn_index_rows(v, NR, DIM, q[k], sc[k], er[k], inv[k]);
      }
      for(j=0; j<NR*40; j++) nq += abs(q[0][j]-q[1][j])>1;
      CHECK(nq==0 && max_diff(sc[0], sc[1], NR)<=1e-6f && max_diff(er[0], er[1], NR)<=1e-4f
            && max_diff(inv[0], inv[1], NR)<=1e-4f, "kernel %s: index rows differ (%d bytes)", az[i], nq);
    }
  }
  printf("kernels %d checks %d failures %d\n", n, nCheck-nCheck0, nFail-nFail0);
  return nFail>nFail0;
}

/* ---- CBOW with subwords: train.c's window slots against fastText's step --
** The trainer keeps, per word of a window, the sum of its rows and adds the
** gradients to the rows when the word has left the windows.  When no two
** words of a window share a row that is the same arithmetic as fastText's
** step, every row read and updated at each prediction (w2v_loss_cbow_step
** over all the rows).  Checked here: the trainer against that step replayed
** with the trainer's own draws (one thread, no sub-sampling; worker 0's
** generator), for ns, hs and softmax, dims with and without a tail,
** sentences of 0 to 12 words and windows of 1 to 20 (slots reused within a
** sentence, and windows wider than it). */
static int cbow_slots_case(int loss, int dim, int window){
  enum { NWORD = 12, NSENT = 30 };
  W2vVocab voc;
  W2vSubwords sw;
  W2vTrainParams p;
  W2vCorpusView v;
  W2vTrainer *t = 0;
  W2vTree tree;
  W2vSampler sampler;
  W2vLoss L;
  int32_t ids[NWORD*NSENT];
  int64_t ends[NSENT], counts[NWORD], nRow, nOut, nIds, i, s, e, done = 0;
  int sentLen[NSENT];
  int ld = w2v_row_stride(dim), bad = 0, w;
  float *ref = 0, *out = 0, *h = 0, *gh = 0, *scratch = 0, **ctx = 0, diff = 0;
  uint64_t rng = 5;
  char *zErr = 0;
  memset(&sw, 0, sizeof(sw)); memset(&tree, 0, sizeof(tree)); memset(&sampler, 0, sizeof(sampler));
  memset(&L, 0, sizeof(L));
  w2v_vocab_init(&voc);
  /* words of two letters each, no letter in two words: "ab", "cd", ... so
  ** that their 1- and 2-grams are theirs alone (checked below: no bucket
  ** in two words) */
  for(w=0; w<NWORD; w++){
    char z[2] = { (char)('a'+2*w), (char)('b'+2*w) };
    w2v_vocab_add(&voc, z, 2, NSENT);
    counts[w] = NSENT;
  }
  if( w2v_subwords_build(&voc, 1, 2, 2000000, &sw) ){ w2v_vocab_free(&voc); return -1; }
  for(i=0; i<sw.start[NWORD] && !bad; i++){
    int64_t j;
    for(j=i+1; j<sw.start[NWORD]; j++) bad |= sw.rows[i]==sw.rows[j];
  }
  CHECK(!bad, "cbow slots: two words share a row (the test's words must not)");
  /* sentences: each the first 0..12 words of a shuffle of the 12 (so no
  ** word twice in a window), some shorter than a window */
  for(s=0, nIds=0; s<NSENT; s++){
    int32_t perm[NWORD];
    for(w=0; w<NWORD; w++) perm[w] = w;
    for(w=NWORD-1; w>0; w--){
      int k = (int)w2v_rng_below(&rng, (uint32_t)(w+1)), x = perm[w];
      perm[w] = perm[k]; perm[k] = x;
    }
    sentLen[s] = s<4 ? (int)s : NWORD - (int)(s%5);
    for(w=0; w<sentLen[s]; w++) ids[nIds++] = perm[w];
    ends[s] = nIds;
  }
  v.ids = ids; v.nIds = nIds; v.ends = ends; v.nSent = NSENT; v.doc = 0;
  tiny_params(&p, W2V_CBOW, loss);
  p.dim = dim; p.window = window; p.sample = 0; p.epochs = 2; p.nsExponent = 0.5; p.sub = &sw;
  nRow = NWORD + sw.nBucket;
  nOut = w2v_loss_out_rows(loss, NWORD);
  /* the starting weights: the trainer's own, from a run that learns nothing */
  p.alpha = p.minAlpha = 0;
  t = w2v_train_start(&p, &v, counts, NWORD, &zErr);
  ref = w2v_core_aligned(sizeof(float)*(size_t)(nRow*ld));
  out = w2v_core_aligned(sizeof(float)*(size_t)(nOut*ld));
  h = w2v_core_aligned(sizeof(float)*(size_t)ld);
  gh = w2v_core_aligned(sizeof(float)*(size_t)ld);
  ctx = malloc(sizeof(float*)*(size_t)(2*window*sw.maxRows));
  if( !t || !ref || !out || !h || !gh || !ctx ) goto oom;
  w2v_train_join(t);
  memset(ref, 0, sizeof(float)*(size_t)(nRow*ld));
  memset(out, 0, sizeof(float)*(size_t)(nOut*ld));
  for(i=0; i<nRow; i++) memcpy(ref + i*ld, w2v_train_input(t) + i*dim, sizeof(float)*(size_t)dim);
  w2v_train_free(t);
  /* the trainer, learning */
  p.alpha = 0.05; p.minAlpha = 0.0001;
  t = w2v_train_start(&p, &v, counts, NWORD, &zErr);
  if( t==0 ) goto oom;
  w2v_train_join(t);
  /* fastText's step replayed: worker 0's generator, its rate per sentence */
  L.kind = loss; L.dim = dim; L.ld = ld; L.negative = p.negative; L.nWord = NWORD; L.out = out;
  if( loss==W2V_LOSS_HS ){
    if( w2v_tree_build(counts, NWORD, &tree) ) goto oom;
    L.tree = &tree;
    for(w=0; w<NWORD; w++) if( tree.start[w+1]-tree.start[w]>L.maxPath ) L.maxPath = (int)(tree.start[w+1]-tree.start[w]);
  }else if( loss==W2V_LOSS_NS ){
    if( w2v_sampler_build(counts, NWORD, p.nsExponent, &sampler) ) goto oom;
    L.sampler = &sampler;
  }
  scratch = w2v_core_aligned(loss==W2V_LOSS_SOFTMAX ? sizeof(float)*NWORD : w2v_loss_window_scratch(&L));
  if( scratch==0 ) goto oom;
  rng = p.seed ^ 0x9e3779b97f4a7c15ULL;
  if( loss!=W2V_LOSS_SOFTMAX ) w2v_loss_thread_begin(&L, scratch);
  for(e=0; e<p.epochs; e++) for(s=0; s<NSENT; s++){
    const int32_t *buf = ids + (s ? ends[s-1] : 0);
    int n = sentLen[s];
    double a = p.alpha - (p.alpha - p.minAlpha) * ((double)done / ((double)p.epochs*(double)v.nIds + 1.0));
    float alpha = (float)(a < p.minAlpha ? p.minAlpha : a);
    for(i=0; i<n; i++){
      int b = (int)w2v_rng_below(&rng, (uint32_t)window), nIn = 0;
      int64_t lo = i - (window - b), hi = i + (window - b), c, r;
      if( lo<0 ) lo = 0;
      if( hi>n-1 ) hi = n-1;
      for(c=lo; c<=hi; c++) if( c!=i ){
        for(r=sw.start[buf[c]]; r<sw.start[buf[c]+1]; r++) ctx[nIn++] = ref + (int64_t)sw.rows[r]*ld;
      }
      if( nIn ) w2v_loss_cbow_step(&L, ctx, nIn, buf[i], alpha, &rng, h, gh, scratch);
    }
    done += n;
  }
  if( loss!=W2V_LOSS_SOFTMAX ) w2v_loss_thread_end(&L, scratch);
  for(i=0; i<nRow; i++) for(w=0; w<dim; w++){
    float d = fabsf(ref[i*ld+w] - w2v_train_input(t)[i*dim+w]);
    if( d>diff ) diff = d;
  }
  for(i=0; i<nOut; i++) for(w=0; w<dim; w++){
    float d = fabsf(out[i*ld+w] - w2v_train_output(t)[i*dim+w]);
    if( d>diff ) diff = d;
  }
  CHECK(diff<=1e-6f, "cbow slots: loss %d dim %d window %d: the rows are %g from fastText's step", loss, dim, window, diff);
  /* and the step changed them: a trainer that wrote nothing would not pass */
  diff = 0;
  for(i=0; i<nOut*dim; i++) if( fabsf(w2v_train_output(t)[i])>diff ) diff = fabsf(w2v_train_output(t)[i]);
  CHECK(diff>1e-5f, "cbow slots: loss %d dim %d window %d: the outputs did not move", loss, dim, window);
  bad = 0;
  goto end;
oom:
  bad = -1;
end:
  w2v_train_free(t);
  free(zErr); free(ctx);
  w2v_core_free(ref); w2v_core_free(out); w2v_core_free(h); w2v_core_free(gh); w2v_core_free(scratch);
  w2v_tree_free(&tree); w2v_sampler_free(&sampler); w2v_subwords_free(&sw); w2v_vocab_free(&voc);
  return bad;
}

static int run_cbow_slots(void){
  static const int aDim[] = { 16, 20, 100 }, aWindow[] = { 1, 3, 5, 20 };
  int loss, d, w, nFail0 = nFail, nCheck0 = nCheck;
  for(loss=W2V_LOSS_NS; loss<=W2V_LOSS_SOFTMAX; loss++) for(d=0; d<3; d++) for(w=0; w<4; w++){
    CHECK(cbow_slots_case(loss, aDim[d], aWindow[w])==0, "cbow slots: out of memory");
  }
  printf("checks %d failures %d\n", nCheck-nCheck0, nFail-nFail0);
  return nFail>nFail0;
}

int main(int argc, char **argv){
  if( (argc==6 || (argc==7 && !strcmp(argv[6], "random"))) && !strcmp(argv[1], "knn") ){
    return run_knn(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]), (unsigned)atoi(argv[5]), argc==7);
  }
  if( argc==4 && !strcmp(argv[1], "sampler") ) return run_sampler(atof(argv[2]), atol(argv[3]));
  if( argc==4 && !strcmp(argv[1], "huffman") ) return run_huffman(atoi(argv[2]), (unsigned)atoi(argv[3]));
  if( argc==2 && !strcmp(argv[1], "counts") ) return run_counts();
  if( argc==2 && !strcmp(argv[1], "bytes") ) return run_bytes();
  if( argc==2 && !strcmp(argv[1], "parse") ) return run_parse();
  if( argc==2 && !strcmp(argv[1], "phrases") ) return run_phrases();
  if( argc==2 && !strcmp(argv[1], "codec") ) return run_codec();
  if( argc==2 && !strcmp(argv[1], "kmeans") ) return run_kmeans();
  if( argc==2 && !strcmp(argv[1], "cbow-slots") ) return run_cbow_slots();
  if( argc==2 && !strcmp(argv[1], "kernels") ) return run_kernels(0);
  if( argc==2 && !strcmp(argv[1], "kernel-check") ) return run_kernels(1);
  if( (argc==3 || argc==4) && !strcmp(argv[1], "floats") ) return run_floats(atol(argv[2]), argc==4);
  if( argc==2 && !strcmp(argv[1], "oom") ){
#if defined(__GLIBC__) && defined(__linux__)
    /* glibc's tunables are read at start: run again with the cache off */
    if( getenv("GLIBC_TUNABLES")==0 ){
      setenv("GLIBC_TUNABLES", "glibc.malloc.tcache_count=0", 1);
      execv("/proc/self/exe", argv);
    }
#endif
    return run_oom();
  }
  fprintf(stderr, "usage: unit sampler POWER DRAWS | unit huffman N SEED | unit knn N DIM K SEED [random] | unit counts | unit oom | unit bytes | unit parse | unit codec | unit phrases | unit kmeans | unit floats N [time] | unit kernels | unit kernel-check | unit cbow-slots\n");
  return 2;
}
