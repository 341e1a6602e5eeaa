/*
** Noise words for negative sampling, P(w) proportional to count(w)^power,
** drawn in O(1) with Vose's alias method: 8 bytes per word instead of
** word2vec.c's 100-million-entry table, and exact probabilities up to the
** 32-bit resolution of the thresholds.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core.h"

void w2v_sampler_free(W2vSampler *s){
  w2v_core_free(s->threshold); w2v_core_free(s->alias);
  memset(s, 0, sizeof(*s));
}

int64_t w2v_sampler_bytes(int64_t n){
  /* threshold, alias; and while building p, small, large */
  return n*(int64_t)(sizeof(uint32_t) + sizeof(int32_t) + sizeof(double) + 2*sizeof(int64_t));
}

int w2v_sampler_build(const int64_t *counts, int64_t n, double power, W2vSampler *s){
  double *p = 0, total = 0, top = 0;
  int64_t *small = 0, *large = 0, nSmall = 0, nLarge = 0, i;
  memset(s, 0, sizeof(*s));
  if( n<1 ) return 0;
  s->n = n;
  s->threshold = w2v_core_malloc(n*sizeof(uint32_t));
  s->alias = w2v_core_malloc(n*sizeof(int32_t));
  p = w2v_core_malloc(n*sizeof(double));
  small = w2v_core_malloc(n*sizeof(int64_t));
  large = w2v_core_malloc(n*sizeof(int64_t));
  if( !s->threshold || !s->alias || !p || !small || !large ) goto oom;

  /* weights relative to the largest count, so that no power overflows;
  ** a count <= 0 (damaged) is never drawn */
  for(i=0; i<n; i++) if( (double)counts[i]>top ) top = (double)counts[i];
  for(i=0; i<n; i++){
    p[i] = counts[i]>0 ? pow((double)counts[i] / top, power) : 0.0;
    total += p[i];
  }
  /* nothing usable (every count <= 0, or a NaN or overflowing weight):
  ** every word equally likely rather than NaN thresholds */
  if( !(total>0 && total<INFINITY) ){
    for(i=0; i<n; i++) p[i] = 1.0;
    total = (double)n;
  }
  for(i=0; i<n; i++){
    p[i] = p[i] * (double)n / total;     /* mean 1 */
    if( p[i]<1.0 ) small[nSmall++] = i; else large[nLarge++] = i;
  }
  while( nSmall>0 && nLarge>0 ){
    int64_t l = small[--nSmall], g = large[--nLarge];
    s->threshold[l] = (uint32_t)(p[l] * 4294967296.0);
    s->alias[l] = (int32_t)g;
    p[g] = (p[g] + p[l]) - 1.0;
    if( p[g]<1.0 ) small[nSmall++] = g; else large[nLarge++] = g;
  }
  /* What is left has probability 1 up to rounding: always keep it. */
  while( nLarge>0 ){ int64_t g = large[--nLarge]; s->threshold[g] = UINT32_MAX; s->alias[g] = (int32_t)g; }
  while( nSmall>0 ){ int64_t l = small[--nSmall]; s->threshold[l] = UINT32_MAX; s->alias[l] = (int32_t)l; }
  w2v_core_free(p); w2v_core_free(small); w2v_core_free(large);
  return 0;

oom:
  w2v_core_free(p); w2v_core_free(small); w2v_core_free(large);
  w2v_sampler_free(s);
  return -1;
}
