/*
** fastText's supervised mode (Joulin et al. 2016, "Bag of Tricks for
** Efficient Text Classification"; fastText's FastText::supervised and
** Model::update): each example's input rows (words, word n-grams) are
** averaged into a hidden vector, a loss over the labels gives the gradient
** with respect to it, and that gradient, divided by the number of input
** rows, is added to every input row.  Lock-free (Hogwild) threads, each on
** its share of the examples, reshuffled every epoch; the learning rate
** decays linearly over all epochs, by input rows processed.
**
** softmax, ns and hs use the training kernels of loss.c (with the label set
** in the place of the vocabulary); ova is here.  Prediction math for
** w2v_classify is at the end.
*/
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "core.h"
#include "vecmath.h"

#define SUP_PROGRESS_STEP 4096   /* input rows between updates of the shared counter */

typedef struct SupWorker {
  W2vSupTrainer *t;
  int64_t begin, end;          /* share of perm */
  uint64_t rng;
  float *h, *gh, *scratch;
  uint8_t *isTarget;           /* ova: nLabel flags */
  double *epochLoss;           /* per epoch */
  int64_t *epochEx;
  int diverged;
} SupWorker;

struct W2vSupTrainer {
  W2vSupParams p;
  W2vSupData d;
  int64_t nInput, nLabel, totalRows;
  float *in, *out;
  W2vTree tree;
  W2vSampler sampler;
  W2vLoss loss;
  int64_t *perm;
  SupWorker *workers;
  pthread_t *tids;
  int nWorker, nStarted, joined;
  W2vTrainEnd result;
  _Atomic int64_t rowsDone;
  _Atomic int stop;
  _Atomic int nFinished;
};

int64_t w2v_sup_out_rows(int loss, int64_t nLabel){
  if( loss==W2V_LOSS_HS ) return nLabel>1 ? nLabel-1 : 0;
  return nLabel;
}

static float sup_alpha(const W2vSupTrainer *t, int64_t done){
  double total = (double)t->p.epochs * (double)t->totalRows + 1.0;
  double a = t->p.alpha - (t->p.alpha - t->p.minAlpha) * ((double)done / total);
  return (float)(a < t->p.minAlpha ? t->p.minAlpha : a);
}

/* -log sigma(x) without overflow */
static float neg_log_sigmoid(float x){
  return x>0 ? log1pf(expf(-x)) : -x + log1pf(expf(x));
}

/* One-vs-all: every label is a binary event, the example's labels positive. */
static float ova_step(const W2vSupTrainer *t, const float *h, float *gh, const uint8_t *isTarget, float alpha){
  int dim = t->p.dim;
  int64_t l;
  float loss = 0;
  for(l=0; l<t->nLabel; l++){
    float *u = t->out + l*dim;
    float f = w2v_dot(h, u, dim);
    float s = 1.0f / (1.0f + expf(-f));
    float g;
    if( isTarget[l] ){ loss += neg_log_sigmoid(f); g = (1.0f - s) * alpha; }
    else{ loss += neg_log_sigmoid(-f); g = -s * alpha; }
    w2v_axpy(gh, g, u, dim);
    w2v_axpy(u, g, h, dim);
  }
  return loss;
}

static void *sup_worker(void *arg){
  SupWorker *wk = arg;
  W2vSupTrainer *t = wk->t;
  const W2vSupData *d = &t->d;
  int dim = t->p.dim, hot = t->p.loss==W2V_LOSS_NS || t->p.loss==W2V_LOSS_HS;
  int64_t pending = 0, i, j;
  int epoch;
  if( hot ) w2v_loss_thread_begin(&t->loss, wk->scratch);
  for(epoch=0; epoch<t->p.epochs && !atomic_load_explicit(&t->stop, memory_order_relaxed); epoch++){
    double eLoss = 0;
    int64_t nEx = 0;
    float alpha = sup_alpha(t, atomic_load_explicit(&t->rowsDone, memory_order_relaxed));
    /* a new order of the share each epoch */
    for(i=wk->end-1; i>wk->begin; i--){
      int64_t k = wk->begin + (int64_t)w2v_rng_below(&wk->rng, (uint32_t)(i - wk->begin + 1));
      int64_t x = t->perm[i]; t->perm[i] = t->perm[k]; t->perm[k] = x;
    }
    for(i=wk->begin; i<wk->end; i++){
      int64_t e = t->perm[i];
      int64_t r0 = e ? d->rowEnds[e-1] : 0, r1 = d->rowEnds[e];
      int64_t l0 = e ? d->labelEnds[e-1] : 0, l1 = d->labelEnds[e];
      int64_t n = r1 - r0;
      float inv = 1.0f / (float)n, loss;
      if( pending>=SUP_PROGRESS_STEP ){
        int64_t done = atomic_fetch_add_explicit(&t->rowsDone, pending, memory_order_relaxed) + pending;
        pending = 0;
        alpha = sup_alpha(t, done);
        if( atomic_load_explicit(&t->stop, memory_order_relaxed) ) break;
      }
      memset(wk->h, 0, sizeof(float)*dim);
      for(j=r0; j<r1; j++) w2v_axpy(wk->h, 1.0f, t->in + (int64_t)d->rows[j]*dim, dim);
      for(j=0; j<dim; j++) wk->h[j] *= inv;
      memset(wk->gh, 0, sizeof(float)*dim);
      if( t->p.loss==W2V_LOSS_OVA ){
        for(j=l0; j<l1; j++) wk->isTarget[d->labels[j]] = 1;
        loss = ova_step(t, wk->h, wk->gh, wk->isTarget, alpha);
        for(j=l0; j<l1; j++) wk->isTarget[d->labels[j]] = 0;
      }else{
        int32_t target = d->labels[l0 + (l1-l0>1 ? (int64_t)w2v_rng_below(&wk->rng, (uint32_t)(l1-l0)) : 0)];
        loss = w2v_loss_step(&t->loss, wk->h, wk->gh, target, alpha, &wk->rng, wk->scratch);
      }
      if( !isfinite(loss) ){
        wk->diverged = 1;
        atomic_store(&t->stop, 1);
        break;
      }
      for(j=0; j<dim; j++) wk->gh[j] *= inv;
      for(j=r0; j<r1; j++) w2v_axpy(t->in + (int64_t)d->rows[j]*dim, 1.0f, wk->gh, dim);
      eLoss += loss;
      nEx++;
      pending += n;
    }
    wk->epochLoss[epoch] = eLoss;
    wk->epochEx[epoch] = nEx;
  }
  if( hot ) w2v_loss_thread_end(&t->loss, wk->scratch);
  atomic_fetch_add_explicit(&t->rowsDone, pending, memory_order_relaxed);
  atomic_fetch_add(&t->nFinished, 1);
  return 0;
}

static char *sup_str(const char *z){
  size_t n = strlen(z) + 1;
  char *p = w2v_core_malloc(n);
  if( p ) memcpy(p, z, n);
  return p;
}

static void *sup_floats(int64_t n){
  return w2v_core_aligned((size_t)(n<1 ? 1 : n)*sizeof(float));
}

static size_t sup_scratch_bytes(const W2vSupParams *p, const W2vLoss *L, int64_t nLabel){
  if( p->loss==W2V_LOSS_SOFTMAX ) return (size_t)nLabel*sizeof(float);
  if( p->loss==W2V_LOSS_OVA ) return sizeof(float);
  return w2v_loss_window_scratch(L) + sizeof(float);
}

/* the longest Huffman path estimate for sizing (as train.c's) */
static int64_t sup_depth(int64_t n){
  int64_t d = 2;
  while( ((int64_t)1<<(d-2)) < n && d<62 ) d++;
  return n<2 ? 0 : (d < n-1 ? d : n-1);
}

int64_t w2v_sup_bytes(const W2vSupParams *p, int64_t nInput, int64_t nLabel, int64_t nEx){
  W2vLoss L;
  int64_t b = sizeof(W2vSupTrainer), depth = sup_depth(nLabel);
  memset(&L, 0, sizeof(L));
  L.kind = p->loss; L.dim = p->dim; L.ld = p->dim; L.negative = p->negative; L.nWord = nLabel; L.maxPath = (int)depth;
  b += (nInput*p->dim + 1)*(int64_t)sizeof(float);
  b += (w2v_sup_out_rows(p->loss, nLabel)*p->dim + 1)*(int64_t)sizeof(float);
  if( p->loss==W2V_LOSS_HS ) b += w2v_tree_bytes(nLabel, nLabel*depth);
  if( p->loss==W2V_LOSS_NS ) b += w2v_sampler_bytes(nLabel);
  b += (nEx+1)*(int64_t)sizeof(int64_t);
  b += p->threads*(int64_t)(sizeof(SupWorker) + sizeof(pthread_t) + 2*p->dim*sizeof(float)
                            + sup_scratch_bytes(p, &L, nLabel) + nLabel + p->epochs*16);
  return b;
}

W2vSupTrainer *w2v_sup_start(const W2vSupParams *p, const W2vSupData *d, int64_t nInput,
                             const int64_t *labelCounts, int64_t nLabel, char **pzErr){
  W2vSupTrainer *t;
  uint64_t rng = p->seed;
  int64_t i;
  int k, rc;
  *pzErr = 0;
  if( p->dim<1 || p->dim>W2V_MAX_DIM || p->epochs<1 || p->threads<1 || nInput<1 || nLabel<1
   || nLabel>W2V_MAX_WORDS || d->nEx<1 || (p->loss==W2V_LOSS_NS && p->negative<1)
   || (p->loss!=W2V_LOSS_SOFTMAX && p->loss!=W2V_LOSS_NS && p->loss!=W2V_LOSS_HS && p->loss!=W2V_LOSS_OVA) ){
    *pzErr = sup_str("training parameters out of range");
    return 0;
  }
  t = w2v_core_calloc(1, sizeof(W2vSupTrainer));
  if( t==0 ) goto oom;
  t->p = *p;
  t->d = *d;
  t->nInput = nInput;
  t->nLabel = nLabel;
  t->totalRows = d->rowEnds[d->nEx-1];
  t->in = sup_floats(nInput*p->dim);
  t->out = sup_floats(w2v_sup_out_rows(p->loss, nLabel)*p->dim);
  t->perm = w2v_core_malloc(sizeof(int64_t)*(size_t)d->nEx);
  if( !t->in || !t->out || !t->perm ) goto oom;
  /* fastText: input uniform in +-1/dim, output zero */
  for(i=0; i<nInput*p->dim; i++){
    t->in[i] = (float)(((w2v_rng_next(&rng) >> 11) * 0x1.0p-53 * 2.0 - 1.0) / p->dim);
  }
  memset(t->out, 0, sizeof(float)*(size_t)(w2v_sup_out_rows(p->loss, nLabel)*p->dim));
  for(i=0; i<d->nEx; i++) t->perm[i] = i;
  for(i=d->nEx-1; i>0; i--){
    int64_t j = (int64_t)((w2v_rng_next(&rng) >> 11) % (uint64_t)(i+1)), x = t->perm[i];
    t->perm[i] = t->perm[j]; t->perm[j] = x;
  }
  t->loss.kind = p->loss==W2V_LOSS_OVA ? W2V_LOSS_SOFTMAX : p->loss;   /* ova: not through loss.c */
  t->loss.dim = p->dim;
  t->loss.ld = p->dim;
  t->loss.negative = p->negative;
  t->loss.nWord = nLabel;
  t->loss.out = t->out;
  if( p->loss==W2V_LOSS_HS ){
    rc = w2v_tree_build(labelCounts, nLabel, &t->tree);
    if( rc==W2V_ERR_INVALID ){
      *pzErr = sup_str("label counts are negative, not sorted or too large for a Huffman tree");
      w2v_sup_free(t);
      return 0;
    }
    if( rc ) goto oom;
    t->loss.tree = &t->tree;
    for(i=0; i<nLabel; i++){
      int64_t len = t->tree.start[i+1] - t->tree.start[i];
      if( len>t->loss.maxPath ) t->loss.maxPath = (int)len;
    }
  }else if( p->loss==W2V_LOSS_NS ){
    if( w2v_sampler_build(labelCounts, nLabel, p->nsExponent, &t->sampler) ) goto oom;
    t->loss.sampler = &t->sampler;
  }
  t->nWorker = p->threads < d->nEx ? p->threads : (int)d->nEx;
  t->workers = w2v_core_calloc((size_t)t->nWorker, sizeof(SupWorker));
  t->tids = w2v_core_calloc((size_t)t->nWorker, sizeof(pthread_t));
  if( !t->workers || !t->tids ) goto oom;
  for(k=0; k<t->nWorker; k++){
    SupWorker *wk = &t->workers[k];
    wk->t = t;
    wk->begin = d->nEx * k / t->nWorker;
    wk->end = d->nEx * (k+1) / t->nWorker;
    wk->rng = p->seed ^ (0x9e3779b97f4a7c15ULL * (uint64_t)(k+1));
    wk->h = sup_floats(p->dim);
    wk->gh = sup_floats(p->dim);
    wk->scratch = w2v_core_aligned(sup_scratch_bytes(p, &t->loss, nLabel));
    wk->isTarget = w2v_core_calloc((size_t)nLabel, 1);
    wk->epochLoss = w2v_core_calloc((size_t)p->epochs, sizeof(double));
    wk->epochEx = w2v_core_calloc((size_t)p->epochs, sizeof(int64_t));
    if( !wk->h || !wk->gh || !wk->scratch || !wk->isTarget || !wk->epochLoss || !wk->epochEx ) goto oom;
  }
  for(k=0; k<t->nWorker; k++){
    if( pthread_create(&t->tids[k], 0, sup_worker, &t->workers[k]) ){
      atomic_store(&t->stop, 1);
      *pzErr = sup_str("cannot start a training thread");
      w2v_sup_free(t);
      return 0;
    }
    t->nStarted++;
  }
  return t;

oom:
  *pzErr = sup_str("out of memory");
  w2v_sup_free(t);
  return 0;
}

int w2v_sup_done(W2vSupTrainer *t){
  return atomic_load(&t->nFinished)>=t->nStarted;
}

double w2v_sup_progress(W2vSupTrainer *t){
  double total = (double)t->p.epochs * (double)t->totalRows;
  double done = (double)atomic_load_explicit(&t->rowsDone, memory_order_relaxed);
  return total>0 ? (done>total ? 1.0 : done/total) : 1.0;
}

void w2v_sup_cancel(W2vSupTrainer *t){
  atomic_store(&t->stop, 1);
}

static int sup_finite(const float *a, int64_t n){
  int64_t i;
  for(i=0; i<n; i++) if( !isfinite(a[i]) ) return 0;
  return 1;
}

W2vTrainEnd w2v_sup_join(W2vSupTrainer *t){
  int k, diverged = 0, cancelled;
  if( t->joined ) return t->result;
  for(k=0; k<t->nStarted; k++) pthread_join(t->tids[k], 0);
  t->joined = 1;
  cancelled = atomic_load(&t->stop);
  for(k=0; k<t->nStarted; k++) diverged |= t->workers[k].diverged;
  if( !diverged && !cancelled ){
    diverged = !sup_finite(t->in, t->nInput*t->p.dim)
            || !sup_finite(t->out, w2v_sup_out_rows(t->p.loss, t->nLabel)*t->p.dim);
  }
  t->result = diverged ? W2V_TRAIN_DIVERGED : cancelled ? W2V_TRAIN_CANCELLED : W2V_TRAIN_FINISHED;
  return t->result;
}

const float *w2v_sup_input(W2vSupTrainer *t){ return t->in; }
const float *w2v_sup_output(W2vSupTrainer *t){ return t->out; }

double w2v_sup_final_loss(W2vSupTrainer *t){
  double loss = 0;
  int64_t n = 0;
  int k, e = t->p.epochs - 1;
  for(k=0; k<t->nStarted; k++){ loss += t->workers[k].epochLoss[e]; n += t->workers[k].epochEx[e]; }
  return n>0 ? loss/(double)n : 0.0;
}

int64_t w2v_sup_examples(W2vSupTrainer *t){
  int64_t n = 0;
  int k, e;
  for(k=0; k<t->nStarted; k++) for(e=0; e<t->p.epochs; e++) n += t->workers[k].epochEx[e];
  return n;
}

void w2v_sup_free(W2vSupTrainer *t){
  int k;
  if( t==0 ) return;
  if( t->nStarted && !t->joined ){ atomic_store(&t->stop, 1); w2v_sup_join(t); }
  if( t->workers ){
    for(k=0; k<t->nWorker; k++){
      SupWorker *wk = &t->workers[k];
      w2v_core_free(wk->h); w2v_core_free(wk->gh); w2v_core_free(wk->scratch);
      w2v_core_free(wk->isTarget); w2v_core_free(wk->epochLoss); w2v_core_free(wk->epochEx);
    }
  }
  w2v_core_free(t->workers); w2v_core_free(t->tids); w2v_core_free(t->perm);
  w2v_core_free(t->in); w2v_core_free(t->out);
  w2v_tree_free(&t->tree);
  w2v_sampler_free(&t->sampler);
  w2v_core_free(t);
}

/* ---- word n-grams and prediction ---------------------------------------- */

int64_t w2v_sup_ngrams(const uint32_t *aHash, int64_t nWord, int n, int64_t bucket, int64_t *aOut){
  int64_t i, j, k = 0;
  if( bucket<1 ) return 0;
  for(i=0; i<nWord; i++){
    /* fastText keeps the hashes as int32_t: each widens to 64 bits with its sign */
    uint64_t h = (uint64_t)(int64_t)(int32_t)aHash[i];
    for(j=i+1; j<nWord && j<i+n; j++){
      h = h*116049371u + (uint64_t)(int64_t)(int32_t)aHash[j];
      aOut[k++] = (int64_t)(h % (uint64_t)bucket);
    }
  }
  return k;
}

void w2v_sup_probs(int loss, const float *out, const W2vTree *tree, int64_t nLabel, int dim,
                   const float *h, double *prob, double *scratch){
  int64_t l, k;
  if( loss==W2V_LOSS_HS ){
    for(l=0; l<nLabel-1; l++) scratch[l] = w2v_dot_exact(h, out + l*dim, dim);
    for(l=0; l<nLabel; l++){
      double lp = 0;
      for(k=tree->start[l]; k<tree->start[l+1]; k++){
        double f = scratch[tree->point[k]];
        lp += w2v_log_sigmoid(tree->code[k] ? -f : f);
      }
      prob[l] = exp(lp);
    }
    return;
  }
  for(l=0; l<nLabel; l++) scratch[l] = w2v_dot_exact(h, out + l*dim, dim);
  if( loss==W2V_LOSS_SOFTMAX ){
    double lse = w2v_log_sum_exp(scratch, nLabel);
    for(l=0; l<nLabel; l++) prob[l] = exp(scratch[l] - lse);
  }else{
    for(l=0; l<nLabel; l++) prob[l] = exp(w2v_log_sigmoid(scratch[l]));
  }
}
