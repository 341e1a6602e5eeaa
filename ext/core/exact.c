/*
** Exact query math in double precision, no lookup tables: what w2v_prob,
** w2v_predict and the similarity functions answer with.
*/
#include <math.h>
#include "core.h"
#include "vecmath.h"

double w2v_dot_exact(const float *a, const float *b, int n){
  double s = 0;
  int i;
  for(i=0; i<n; i++) s += (double)a[i]*(double)b[i];
  return s;
}

double w2v_norm_exact(const float *v, int n){
  return sqrt(w2v_dot_exact(v, v, n));
}

/* A float32 sum of squares (vecmath.h's dot product) clears every row well
** inside the limit; only the rest, whose sum may have lost precision or
** overflowed, gets the exact length.  Float rounding is far below the 10 %
** margin. */
int w2v_norm_over(const float *v, int n){
  if( w2v_dot(v, v, n) <= (float)(0.9*W2V_MAX_NORM*W2V_MAX_NORM) ) return 0;
  return w2v_norm_exact(v, n) > W2V_MAX_NORM;
}

/* log sigma(x), without overflow for large |x| */
double w2v_log_sigmoid(double x){
  return x>=0 ? -log1p(exp(-x)) : x - log1p(exp(x));
}

double w2v_hs_prob(const W2vLoss *L, const float *h, int32_t target){
  const W2vTree *t = L->tree;
  double logp = 0;
  int64_t j;
  for(j=t->start[target]; j<t->start[target+1]; j++){
    double f = w2v_dot_exact(h, L->out + (int64_t)t->point[j]*L->ld, L->dim);
    logp += w2v_log_sigmoid(t->code[j] ? -f : f);
  }
  return exp(logp);
}

void w2v_output_scores(const W2vLoss *L, const float *h, double *score){
  int64_t w;
  for(w=0; w<L->nWord; w++) score[w] = w2v_dot_exact(h, L->out + w*L->ld, L->dim);
}

double w2v_log_sum_exp(const double *x, int64_t n){
  double mx = -INFINITY, sum = 0;
  int64_t i;
  for(i=0; i<n; i++) if( x[i]>mx ) mx = x[i];
  for(i=0; i<n; i++) sum += exp(x[i] - mx);
  return mx + log(sum);
}

double w2v_log_partition(const W2vLoss *L, const float *h){
  double *score = w2v_core_malloc(sizeof(double)*(size_t)L->nWord), r;
  if( score==0 ) return NAN;
  w2v_output_scores(L, h, score);
  r = w2v_log_sum_exp(score, L->nWord);
  w2v_core_free(score);
  return r;
}
