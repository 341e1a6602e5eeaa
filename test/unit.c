/*
** C unit checks of the numeric core, run by test/core.test:
**   unit sampler POWER DRAWS   draws noise words for a fixed count table and
**                              prints "word expected observed" lines, where
**                              expected follows count^0.75 (not POWER: a run
**                              with another POWER must then fail the check)
**   unit huffman N SEED        builds the tree for N random counts and prints
**                              "kraft K prefix P cost C optimal O"
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "w2vInt.h"

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

int main(int argc, char **argv){
  if( argc==4 && !strcmp(argv[1], "sampler") ) return run_sampler(atof(argv[2]), atol(argv[3]));
  if( argc==4 && !strcmp(argv[1], "huffman") ) return run_huffman(atoi(argv[2]), (unsigned)atoi(argv[3]));
  fprintf(stderr, "usage: unit sampler POWER DRAWS | unit huffman N SEED\n");
  return 2;
}
