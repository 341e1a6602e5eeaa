/*
** The three output layers, each usable by skip-gram and CBOW alike (as in
** fastText's loss.cc): negative sampling, hierarchical softmax and the full
** softmax, for training, with lookup tables for the sigmoid.  The exact
** query math is in exact.c.
*/
#include <math.h>
#include <stdlib.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include "core.h"
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

/* x in (-SIG_MAX, SIG_MAX).  Just below SIG_MAX, x + SIG_MAX can round up
** to 2*SIG_MAX in float: the index is clamped (UBSan found the 4096). */
static inline int sig_index(float x){
  int i = (int)((x + SIG_MAX) * (SIG_SIZE / (2.0f*SIG_MAX)));
  return i < SIG_SIZE ? i : SIG_SIZE - 1;
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

/* Asks the cache for the lines of a row about to be read. */
static inline void prefetch_row(const float *r, int dim){
#if defined(__GNUC__)
  int i;
  for(i=0; i<dim; i+=16) __builtin_prefetch(r + i, 1, 3);
#else
  (void)r; (void)dim;
#endif
}

int64_t w2v_loss_out_rows(int kind, int64_t nWord){
  if( kind==W2V_LOSS_HS ) return nWord>1 ? nWord-1 : 0;
  if( kind==W2V_LOSS_NONE ) return 0;
  return nWord;
}

/* hs: every prediction passes the inner nodes nearest the root, so with
** several threads their rows are written by all of them all the time and the
** cache lines bounce between cores.  Each thread keeps its own copy of the
** HOT_NODES top nodes and adds its change to the shared rows every
** HOT_FLUSH predictions (and at the end). */
#define HOT_NODES 64
#define HOT_FLUSH 64

/* Scratch for the ns and hs steps (one per thread): the output rows of one
** prediction, their labels and scores, (skip-gram windows) a private copy of
** the rows with their values at the start, and (hs) the hot-node cache.
** maxOut: K+1 for ns, the longest path for hs. */
typedef struct Block {
  float **out; int *label; float *f; int maxOut;
  float **mine;          /* pointers into local */
  float *local, *orig;   /* maxOut x dim each, 64-byte aligned */
  float *hotMine, *hotOrig;  /* nHot x dim each: rows first .. first+nHot-1 */
  int64_t *hot;          /* [0] first hot node, [1] their count, [2] uses since a flush */
} Block;

static size_t padded(size_t n){ return (n + 15) & ~(size_t)15; }
static size_t align64(size_t n){ return (n + 63) & ~(size_t)63; }

/* Byte offsets of the parts of a Block in the scratch (which is 64-byte
** aligned), and its size: the one formula both block_of and
** w2v_loss_window_scratch use. */
typedef struct Layout { size_t out, mine, label, f, local, orig, hotMine, hotOrig, total; } Layout;
static Layout layout_of(const W2vLoss *L, int *pMaxOut){
  Layout y;
  int maxOut = L->kind==W2V_LOSS_HS ? L->maxPath : L->negative + 1;
  size_t rows = padded((size_t)maxOut*L->ld)*sizeof(float);
  y.out = 4*sizeof(int64_t);
  y.mine = y.out + (size_t)maxOut*sizeof(float*);
  y.label = y.mine + (size_t)maxOut*sizeof(float*);
  y.f = y.label + (size_t)maxOut*sizeof(int);
  y.local = align64(y.f + (size_t)maxOut*sizeof(float));
  y.orig = y.local + rows;
  y.hotMine = y.orig + rows;
  y.hotOrig = y.hotMine + padded((size_t)HOT_NODES*L->ld)*sizeof(float);
  y.total = y.hotOrig + padded((size_t)HOT_NODES*L->ld)*sizeof(float);
  if( pMaxOut ) *pMaxOut = maxOut;
  return y;
}

static Block block_of(const W2vLoss *L, float *scratch){
  Block b;
  char *base = (char*)scratch;
  Layout y = layout_of(L, &b.maxOut);
  b.hot = (int64_t*)base;
  b.out = (float**)(base + y.out);
  b.mine = (float**)(base + y.mine);
  b.label = (int*)(base + y.label);
  b.f = (float*)(base + y.f);
  b.local = (float*)(base + y.local);
  b.orig = (float*)(base + y.orig);
  b.hotMine = (float*)(base + y.hotMine);
  b.hotOrig = (float*)(base + y.hotOrig);
  return b;
}

size_t w2v_loss_window_scratch(const W2vLoss *L){
  return layout_of(L, 0).total;
}

/* Adds the thread's change of the hot rows to the shared ones and starts
** again from their current values. */
static void hot_flush(const W2vLoss *L, Block *b){
  int64_t r, n = b->hot[1], ld = L->ld;
  int d;
  for(r=0; r<n; r++){
    float *shared = L->out + (b->hot[0]+r)*ld, *mine = b->hotMine + r*ld, *orig = b->hotOrig + r*ld;
    for(d=0; d<L->dim; d++){   /* the padding is zero on both sides: skipped */
      shared[d] += mine[d] - orig[d];
      mine[d] = orig[d] = shared[d];
    }
  }
  b->hot[2] = 0;
}

void w2v_loss_thread_begin(const W2vLoss *L, float *scratch){
  Block b = block_of(L, scratch);
  int64_t nInner = L->nWord - 1;
  /* hs with one word has no inner node, ns and softmax no tree: no hot
  ** rows, and hot[0] past every node index */
  b.hot[1] = L->kind==W2V_LOSS_HS && nInner>0 ? (nInner<HOT_NODES ? nInner : HOT_NODES) : 0;
  b.hot[0] = b.hot[1]>0 ? nInner - b.hot[1] : INT64_MAX;
  b.hot[2] = 0;
  if( b.hot[1]==0 ) return;
  memcpy(b.hotMine, L->out + b.hot[0]*L->ld, sizeof(float)*(size_t)(b.hot[1]*L->ld));
  memcpy(b.hotOrig, b.hotMine, sizeof(float)*(size_t)(b.hot[1]*L->ld));
}

void w2v_loss_thread_end(const W2vLoss *L, float *scratch){
  Block b = block_of(L, scratch);
  if( b.hot[1]>0 ) hot_flush(L, &b);
}

/* After each prediction: write the hot rows back every HOT_FLUSH. */
static void hot_tick(const W2vLoss *L, Block *b){
  if( b->hot[1]>0 && ++b->hot[2]>=HOT_FLUSH ) hot_flush(L, b);
}

/* The output rows of one prediction: the tree path of target (hs), or the
** target and K noise words (ns).  Returns their count. */
static int gather_outputs(const W2vLoss *L, int32_t target, uint64_t *rng, Block *b){
  int ld = L->ld, n = 0, j;
  if( L->kind==W2V_LOSS_HS ){
    /* word2vec's convention: at each inner node, branch 0 has probability
    ** sigma(u.h) and branch 1 has sigma(-u.h) */
    const W2vTree *t = L->tree;
    int64_t k;
    for(k=t->start[target]; k<t->start[target+1]; k++){
      int64_t p = t->point[k];
      b->out[n] = p>=b->hot[0] ? b->hotMine + (p - b->hot[0])*ld : L->out + p*ld;
      b->label[n++] = 1 - t->code[k];
    }
  }else{
    b->out[n] = L->out + (int64_t)target*ld;
    b->label[n++] = 1;
    for(j=0; j<L->negative; j++){
      int32_t w = w2v_sampler_draw(L->sampler, w2v_rng_next(rng));
      if( w==target ) continue;
      b->out[n] = L->out + (int64_t)w*ld;
      b->label[n++] = 0;
    }
  }
  return n;
}

/* One input x against the n binary events of b: every score first (they do
** not depend on each other), then one pass that adds the gradient wrt x to
** gx and updates each row: the result of word2vec.c's event-by-event loop.
** Returns the summed loss. */
static float block_step(const float *x, Block *b, int n, float alpha, int dim, float *gx){
  float loss = 0;
  int j;
  w2v_dots(x, b->out, n, dim, b->f);
  for(j=0; j<n; j++){
    float f = b->f[j];
    loss += fast_neg_log_sigmoid(b->label[j] ? f : -f);
    b->f[j] = ((float)b->label[j] - fast_sigmoid(f)) * alpha;
  }
  w2v_pairs_update(x, b->out, b->f, n, dim, gx);
  return loss;
}

static float softmax_step(const W2vLoss *L, const float *h, float *gh, int32_t target,
                          float alpha, float *score){
  int dim = L->dim, ld = L->ld;
  int64_t w, n = L->nWord;
  float mx = -INFINITY, sum = 0, loss;
  for(w=0; w<n; w++){
    score[w] = w2v_dot(h, L->out + w*ld, dim);
    if( score[w]>mx ) mx = score[w];
  }
  for(w=0; w<n; w++){ score[w] = expf(score[w]-mx); sum += score[w]; }
  loss = -logf(score[target]/sum);
  for(w=0; w<n; w++){
    float *u = L->out + w*ld;
    float g = ((w==target ? 1.0f : 0.0f) - score[w]/sum) * alpha;
    w2v_axpy(gh, g, u, dim);
    w2v_axpy(u, g, h, dim);
  }
  return loss;
}

float w2v_loss_step(const W2vLoss *L, const float *h, float *gh, int32_t target,
                    float alpha, uint64_t *rng, float *scratch){
  Block b;
  float loss;
  pthread_once(&tablesOnce, build_tables);
  if( L->kind==W2V_LOSS_SOFTMAX ) return softmax_step(L, h, gh, target, alpha, scratch);
  b = block_of(L, scratch);
  loss = block_step(h, &b, gather_outputs(L, target, rng, &b), alpha, L->dim, gh);
  hot_tick(L, &b);
  return loss;
}

/* CBOW: h = the mean of the context rows in[0..nIn), one step predicting
** target from it, then every context row gets the gradient wrt h (in
** word2vec.c's order).  h and gh are dim floats of the caller's. */
float w2v_loss_cbow_step(const W2vLoss *L, float *const *in, int nIn, int32_t target,
                         float alpha, uint64_t *rng, float *h, float *gh, float *scratch){
  int dim = L->dim, a, d;
  /* many scattered rows (a window above 8): fetch 8 ahead (3 % faster than
  ** 4 when CBOW with subwords, ~80 rows, went through here; 12 no better);
  ** a usual window of words keeps 4 */
  int ahead = nIn>16 ? 8 : 4;
  float inv = 1.0f / (float)nIn, loss;
#if defined(W2V_VEC_AVX512)
  if( dim<=128 ){
    /* the sum in 8 registers (masked lanes read nothing), h stored once */
    __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
    __mmask16 m[8];
    for(d=0; d<8; d++) m[d] = d*16>=dim ? 0 : d*16+16<=dim ? (__mmask16)0xffff : w2v_tail_mask(dim-d*16);
    for(a=0; a<nIn; a++){
      const float *r = in[a];
      if( a+ahead<nIn ) prefetch_row(in[a+ahead], dim);
      s0 = _mm512_add_ps(s0, _mm512_maskz_loadu_ps(m[0], r));
      s1 = _mm512_add_ps(s1, _mm512_maskz_loadu_ps(m[1], r+16));
      s2 = _mm512_add_ps(s2, _mm512_maskz_loadu_ps(m[2], r+32));
      s3 = _mm512_add_ps(s3, _mm512_maskz_loadu_ps(m[3], r+48));
      s4 = _mm512_add_ps(s4, _mm512_maskz_loadu_ps(m[4], r+64));
      s5 = _mm512_add_ps(s5, _mm512_maskz_loadu_ps(m[5], r+80));
      s6 = _mm512_add_ps(s6, _mm512_maskz_loadu_ps(m[6], r+96));
      s7 = _mm512_add_ps(s7, _mm512_maskz_loadu_ps(m[7], r+112));
    }
    _mm512_mask_storeu_ps(h, m[0], s0); _mm512_mask_storeu_ps(h+16, m[1], s1);
    _mm512_mask_storeu_ps(h+32, m[2], s2); _mm512_mask_storeu_ps(h+48, m[3], s3);
    _mm512_mask_storeu_ps(h+64, m[4], s4); _mm512_mask_storeu_ps(h+80, m[5], s5);
    _mm512_mask_storeu_ps(h+96, m[6], s6); _mm512_mask_storeu_ps(h+112, m[7], s7);
  }else
#endif
  {
    memset(h, 0, sizeof(float)*dim);
    for(a=0; a<nIn; a++){
      if( a+ahead<nIn ) prefetch_row(in[a+ahead], dim);
      w2v_axpy(h, 1.0f, in[a], dim);
    }
  }
  for(d=0; d<dim; d++) h[d] *= inv;
  memset(gh, 0, sizeof(float)*dim);
  loss = w2v_loss_step(L, h, gh, target, alpha, rng, scratch);
  for(a=0; a<nIn; a++) w2v_axpy(in[a], 1.0f, gh, dim);
  return loss;
}

/* All (input, output) pairs of one window: the inputs are the context
** words' vectors, the outputs the center word's rows (the target and K noise
** words drawn once for the whole window for ns, as pWord2Vec does; the tree
** path for hs).  The inputs take their turns in word2vec.c's order against a
** private copy of the output rows, which stays in L1; at the end the rows get
** the copy's change once.  So other threads see one write per row per window
** instead of one per pair: the rows near the root of the hs tree are shared
** by every prediction, and writing them per pair made 2 threads slower than
** 1.  (Summing the window's gradients from the weights at its start instead,
** as pWord2Vec does, cost 1.6 analogy points with hs on the benchmark.) */
float w2v_loss_window_step(const W2vLoss *L, float *const *in, int nIn, int32_t target,
                           float alpha, uint64_t *rng, float *scratch){
  Block b = block_of(L, scratch);
  int n, i, j, dim = L->dim, ld = L->ld;
  float loss = 0;
  pthread_once(&tablesOnce, build_tables);
  n = gather_outputs(L, target, rng, &b);
  for(j=0; j<n; j++){
    b.mine[j] = b.local + (size_t)j*ld;
    memcpy(b.mine[j], b.out[j], sizeof(float)*dim);
    memcpy(b.orig + (size_t)j*ld, b.out[j], sizeof(float)*dim);
  }
  {
    float **shared = b.out;
    b.out = b.mine;
    for(i=0; i<nIn; i++) loss += block_step(in[i], &b, n, alpha, dim, in[i]);
    b.out = shared;
  }
  for(j=0; j<n; j++){
    float *o = b.out[j], *m = b.mine[j], *z = b.orig + (size_t)j*ld;
    int d;
    for(d=0; d<dim; d++) o[d] += m[d] - z[d];
  }
  hot_tick(L, &b);
  return loss;
}

/* Skip-gram with subwords, as fastText's skipgram(): the center word's
** input, the mean of its rows, predicts each context word.  fastText adds
** each step's gradient to every row, and the next step reads their mean
** again, which has then moved by exactly that gradient: so h moves by it
** here, and the rows get the sum once, at the end (the same arithmetic, one
** pass over the rows instead of one per context word). */
float w2v_loss_sub_step(const W2vLoss *L, float *const *in, int nIn, const int32_t *target, int nTarget,
                        float alpha, uint64_t *rng, float *work, float *scratch){
  int dim = L->dim, a, d;
  float *h = work, *gh = work + L->ld, *g = work + 2*L->ld;
  float inv = 1.0f / (float)nIn, loss = 0;
  memset(h, 0, sizeof(float)*dim);
  for(a=0; a<nIn; a++){
    if( a+4<nIn ) prefetch_row(in[a+4], dim);
    w2v_axpy(h, 1.0f, in[a], dim);
  }
  for(d=0; d<dim; d++) h[d] *= inv;
  memset(g, 0, sizeof(float)*dim);
  for(a=0; a<nTarget; a++){
    memset(gh, 0, sizeof(float)*dim);
    loss += w2v_loss_step(L, h, gh, target[a], alpha, rng, scratch);
    w2v_axpy(h, 1.0f, gh, dim);
    w2v_axpy(g, 1.0f, gh, dim);
  }
  for(a=0; a<nIn; a++) w2v_axpy(in[a], 1.0f, g, dim);
  return loss;
}

/* CBOW with subwords, on train.c's window slots (one per word of the
** window: the sum of its rows, and the gradient not yet added to them). */
void w2v_rows_sum(float *sum, const float *base, const int32_t *idx, int n, int ld, int dim){
  int r;
  memset(sum, 0, sizeof(float)*dim);
  for(r=0; r<n; r++){
    if( r+4<n ) prefetch_row(base + (int64_t)idx[r+4]*ld, dim);
    w2v_axpy(sum, 1.0f, base + (int64_t)idx[r]*ld, dim);
  }
}

void w2v_rows_add(float *base, const int32_t *idx, int n, int ld, int dim, const float *g){
  int r;
  for(r=0; r<n; r++) w2v_axpy(base + (int64_t)idx[r]*ld, 1.0f, g, dim);
}

float w2v_loss_slots_step(const W2vLoss *L, float *const *sum, float *const *pend, const int32_t *cnt,
                          int nUse, int32_t target, float alpha, uint64_t *rng, float *h, float *gh,
                          float *scratch){
  int dim = L->dim, u, d, nRows = 0;
  float inv, loss;
  memset(h, 0, sizeof(float)*dim);
  for(u=0; u<nUse; u++){
    w2v_axpy(h, 1.0f, sum[u], dim);
    nRows += cnt[u];
  }
  inv = 1.0f / (float)nRows;
  for(d=0; d<dim; d++) h[d] *= inv;
  memset(gh, 0, sizeof(float)*dim);
  loss = w2v_loss_step(L, h, gh, target, alpha, rng, scratch);
  for(u=0; u<nUse; u++){
    w2v_axpy(sum[u], (float)cnt[u], gh, dim);
    w2v_axpy(pend[u], 1.0f, gh, dim);
  }
  return loss;
}
