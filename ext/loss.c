/*
** The three output layers, each usable by skip-gram and CBOW alike (as in
** fastText's loss.cc): negative sampling, hierarchical softmax and the full
** softmax.  Training uses lookup tables for the sigmoid; the query functions
** below are exact, in double precision.
*/
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include "w2vInt.h"
#include "vecmath.h"

#define SIG_MAX   8.0f     /* the tables cover (-SIG_MAX, SIG_MAX) */
#define SIG_SIZE  4096

static float sigTable[SIG_SIZE];      /* sigma(x) */
static float logSigTable[SIG_SIZE];   /* log sigma(x) */
static pthread_once_t tablesOnce = PTHREAD_ONCE_INIT;

static void build_tables(void){
  int i;
  for(i=0; i<SIG_SIZE; i++){
    double x = ((i + 0.5) / SIG_SIZE * 2.0 - 1.0) * SIG_MAX;
    sigTable[i] = (float)(1.0 / (1.0 + exp(-x)));
    logSigTable[i] = (float)(-log1p(exp(-x)));
  }
}

static inline int sig_index(float x){
  return (int)((x + SIG_MAX) * (SIG_SIZE / (2.0f*SIG_MAX)));
}

/* sigma(x) */
static inline float fast_sigmoid(float x){
  if( x>=SIG_MAX ) return 1.0f;
  if( x<=-SIG_MAX ) return 0.0f;
  return sigTable[sig_index(x)];
}

/* -log sigma(x): the loss of an event the model gives score x */
static inline float fast_neg_log_sigmoid(float x){
  if( x>=SIG_MAX ) return 0.0f;
  if( x<=-SIG_MAX ) return -x;
  return -logSigTable[sig_index(x)];
}

const char *w2v_arch_name(int arch){
  return arch==W2V_CBOW ? "cbow" : arch==W2V_ARCH_NONE ? "none" : "skipgram";
}
const char *w2v_loss_name(int loss){
  return loss==W2V_LOSS_HS ? "hs" : loss==W2V_LOSS_SOFTMAX ? "softmax"
       : loss==W2V_LOSS_NONE ? "none" : "ns";
}

int64_t w2v_loss_out_rows(int kind, int64_t nWord){
  if( kind==W2V_LOSS_HS ) return nWord>1 ? nWord-1 : 0;
  if( kind==W2V_LOSS_NONE ) return 0;
  return nWord;
}

/* One binary event with score f = u.h and label (1 or 0). */
static inline float binary_step(float *u, const float *h, float *gh, int label,
                                float alpha, int dim){
  float f = w2v_dot(h, u, dim);
  float g = ((float)label - fast_sigmoid(f)) * alpha;
  w2v_axpy(gh, g, u, dim);
  w2v_axpy(u, g, h, dim);
  return fast_neg_log_sigmoid(label ? f : -f);
}

static float ns_step(const W2vLoss *L, const float *h, float *gh, int32_t target,
                     float alpha, uint64_t *rng){
  int dim = L->dim, d;
  float loss = binary_step(L->out + (int64_t)target*dim, h, gh, 1, alpha, dim);
  for(d=0; d<L->negative; d++){
    int32_t w = w2v_sampler_draw(L->sampler, w2v_rng_next(rng));
    if( w==target ) continue;
    loss += binary_step(L->out + (int64_t)w*dim, h, gh, 0, alpha, dim);
  }
  return loss;
}

/* word2vec's convention: at each inner node, branch 0 has probability
** sigma(u.h) and branch 1 has sigma(-u.h). */
static float hs_step(const W2vLoss *L, const float *h, float *gh, int32_t target,
                     float alpha){
  const W2vTree *t = L->tree;
  int dim = L->dim;
  int64_t j;
  float loss = 0;
  for(j=t->start[target]; j<t->start[target+1]; j++){
    loss += binary_step(L->out + (int64_t)t->point[j]*dim, h, gh, 1 - t->code[j], alpha, dim);
  }
  return loss;
}

static float softmax_step(const W2vLoss *L, const float *h, float *gh, int32_t target,
                          float alpha, float *score){
  int dim = L->dim;
  int64_t w, n = L->nWord;
  float mx = -INFINITY, sum = 0, loss;
  for(w=0; w<n; w++){
    score[w] = w2v_dot(h, L->out + w*dim, dim);
    if( score[w]>mx ) mx = score[w];
  }
  for(w=0; w<n; w++){ score[w] = expf(score[w]-mx); sum += score[w]; }
  loss = -logf(score[target]/sum);
  for(w=0; w<n; w++){
    float *u = L->out + w*dim;
    float g = ((w==target ? 1.0f : 0.0f) - score[w]/sum) * alpha;
    w2v_axpy(gh, g, u, dim);
    w2v_axpy(u, g, h, dim);
  }
  return loss;
}

float w2v_loss_step(const W2vLoss *L, const float *h, float *gh, int32_t target,
                    float alpha, uint64_t *rng, float *scratch){
  pthread_once(&tablesOnce, build_tables);
  switch( L->kind ){
    case W2V_LOSS_HS:      return hs_step(L, h, gh, target, alpha);
    case W2V_LOSS_SOFTMAX: return softmax_step(L, h, gh, target, alpha, scratch);
    default:               return ns_step(L, h, gh, target, alpha, rng);
  }
}

/* All (input, output) pairs of one window at once, as in pWord2Vec: the
** inputs are the context words' vectors, the outputs the center word's rows
** (the target and K noise words drawn once for the whole window for ns, the
** tree path for hs).  Gradients use the weights as they were at the start
** of the window, then are applied together: a small dense block that stays
** in L1, and K noise draws per center word instead of K per pair. */
float w2v_loss_window_step(const W2vLoss *L, float *const *in, int nIn, int32_t target,
                           float alpha, uint64_t *rng, float *scratch){
  int dim = L->dim, nOut = 0, i, j;
  float loss = 0;
  float **out = (float**)scratch;        /* first: pointers, then labels, then gradients */
  int *label;
  float *gin, *gout;
  int maxOut = L->kind==W2V_LOSS_HS ? L->maxPath : L->negative + 1;
  pthread_once(&tablesOnce, build_tables);
  label = (int*)(out + maxOut);
  gin = (float*)(((uintptr_t)(label + maxOut) + 63) & ~(uintptr_t)63);
  gout = gin + (size_t)nIn*dim;
  if( L->kind==W2V_LOSS_HS ){
    const W2vTree *t = L->tree;
    int64_t k;
    for(k=t->start[target]; k<t->start[target+1]; k++){
      out[nOut] = L->out + (int64_t)t->point[k]*dim;
      label[nOut++] = 1 - t->code[k];
    }
  }else{
    out[nOut] = L->out + (int64_t)target*dim;
    label[nOut++] = 1;
    for(j=0; j<L->negative; j++){
      int32_t w = w2v_sampler_draw(L->sampler, w2v_rng_next(rng));
      if( w==target ) continue;
      out[nOut] = L->out + (int64_t)w*dim;
      label[nOut++] = 0;
    }
  }
  memset(gin, 0, sizeof(float)*(size_t)(nIn+nOut)*dim);
  for(i=0; i<nIn; i++){
    for(j=0; j<nOut; j++){
      float f = w2v_dot(in[i], out[j], dim);
      float g = ((float)label[j] - fast_sigmoid(f)) * alpha;
      loss += fast_neg_log_sigmoid(label[j] ? f : -f);
      w2v_axpy(gin + (size_t)i*dim, g, out[j], dim);
      w2v_axpy(gout + (size_t)j*dim, g, in[i], dim);
    }
  }
  for(i=0; i<nIn; i++) w2v_axpy(in[i], 1.0f, gin + (size_t)i*dim, dim);
  for(j=0; j<nOut; j++) w2v_axpy(out[j], 1.0f, gout + (size_t)j*dim, dim);
  return loss;
}

size_t w2v_loss_window_scratch(const W2vLoss *L, int maxIn){
  int maxOut = L->kind==W2V_LOSS_HS ? L->maxPath : L->negative + 1;
  return (size_t)maxOut*(sizeof(float*) + sizeof(int)) + 64
       + sizeof(float)*(size_t)(maxIn + maxOut)*L->dim;
}

double w2v_dot_exact(const float *a, const float *b, int n){
  double s = 0;
  int i;
  for(i=0; i<n; i++) s += (double)a[i]*(double)b[i];
  return s;
}

/* log sigma(x), without overflow for large |x| */
static double log_sigmoid(double x){
  return x>=0 ? -log1p(exp(-x)) : x - log1p(exp(x));
}

double w2v_hs_prob(const W2vLoss *L, const float *h, int32_t target){
  const W2vTree *t = L->tree;
  double logp = 0;
  int64_t j;
  for(j=t->start[target]; j<t->start[target+1]; j++){
    double f = w2v_dot_exact(h, L->out + (int64_t)t->point[j]*L->dim, L->dim);
    logp += log_sigmoid(t->code[j] ? -f : f);
  }
  return exp(logp);
}

double w2v_log_partition(const W2vLoss *L, const float *h){
  double mx = -INFINITY, sum = 0;
  int64_t w;
  for(w=0; w<L->nWord; w++){
    double s = w2v_dot_exact(h, L->out + w*L->dim, L->dim);
    if( s>mx ) mx = s;
  }
  for(w=0; w<L->nWord; w++){
    sum += exp(w2v_dot_exact(h, L->out + w*L->dim, L->dim) - mx);
  }
  return mx + log(sum);
}
