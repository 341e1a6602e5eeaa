/*
** Skip-gram and CBOW training loops over a corpus already encoded to word
** ids: sub-sampling of frequent words, a window shrunk at random for each
** center word, a learning rate decaying linearly over all epochs, and lock-free
** (Hogwild) worker threads sharing the weight arrays.
**
** As in word2vec.c, skip-gram takes each (center, context) pair and predicts
** the center word from the context word's input vector; summed over a corpus
** this is the same set of pairs as predicting each context word from the
** center word, and it lets one output row be reused for a whole window.
*/
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core.h"
#include "vecmath.h"

#define PROGRESS_STEP 10000   /* words between updates of the shared counter */

/* Subwords, CBOW.  A word's rows all get the same gradient at each step
** (fastText adds it to every row of the window's words), so the sum of one
** word's rows changes by (its row count) x gradient.  A slot holds, for one
** position of the segment, that sum and the gradient not yet added to the rows;
** the rows are read when the position first enters a window and written once
** when it can enter no more, instead of read and written at every one of the
** ~2 x window steps it takes part in.  Slot of position a: a % (2 window + 1),
** so a slot is reused only after its position has left every window.  The one
** difference from adding at once: a row two words of a window share (the same
** word twice, or a shared n-gram such as "<th") gets both words' gradients,
** but a slot summed before the other word's slot is written never sees that
** word's share, and one summed after sees it up to 2 x window steps late. */
typedef struct CbowSlots {
  int n;                      /* 2 window + 1 */
  float *sum, *pend;          /* n x ld: the rows' sum, the gradient not yet added */
  int64_t *pos;               /* the position a slot holds, -1 none */
  int32_t *word, *cnt;        /* its word, and that word's row count */
  float **useSum, **usePend;  /* one step's slots */
  int32_t *useCnt;
} CbowSlots;

typedef struct W2vWorker {
  W2vTrainer *t;
  int id;
  int64_t posBegin, posEnd;   /* token range [posBegin, posEnd) of the corpus */
  uint64_t rng;
  float *h, *gh, *scratch;
  float **ctx;                /* the window's input rows (subwords, skip-gram: the center's) */
  int32_t *tgt;               /* subwords, skip-gram: the window's context words */
  float *work;                /* subwords, skip-gram: 3*dim floats */
  CbowSlots cs;               /* subwords, CBOW: the window's words' row sums */
  int32_t *buf;               /* one sub-sampled sentence segment */
  W2vEpochStats *stats;       /* one per epoch */
  int diverged;
  /* published for progress reports (read by another thread) */
  _Atomic int curEpoch;
  _Atomic double curLoss;
  _Atomic int64_t curPred;
} W2vWorker;

struct W2vTrainer {
  W2vTrainParams p;
  W2vCorpusView c;
  int64_t nWord;
  int64_t nRow;               /* input rows: nWord, plus the n-gram rows with subwords */
  float *in, *out;
  float *docv;                /* docs: nDoc x dim document vectors */
  W2vTree tree;
  W2vSampler sampler;
  W2vLoss loss;
  uint32_t *keep;             /* sub-sampling: keep if a 32-bit draw < keep[w] */
  int nWorker;
  pthread_t *tids;
  int nStarted;
  W2vWorker *workers;
  W2vEpochStats *stats;
  struct timespec t0;
  _Atomic int64_t wordsDone;  /* corpus words processed, all threads, all epochs */
  _Atomic int stop;
  _Atomic int nFinished;
  int joined;
  W2vTrainEnd result;
};

static double seconds_since(const struct timespec *t0){
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec)*1e-9;
}

static void *aligned_floats(int64_t n){
  return w2v_core_aligned((size_t)(n<1 ? 1 : n)*sizeof(float));
}

static float current_alpha(const W2vTrainer *t, int64_t done){
  double total = (double)t->p.epochs * (double)t->c.nIds + 1.0;
  double a = t->p.alpha - (t->p.alpha - t->p.minAlpha) * ((double)done / total);
  return (float)(a < t->p.minAlpha ? t->p.minAlpha : a);
}

static void slot_flush(W2vTrainer *t, CbowSlots *cs, int k){
  const W2vSubwords *sw = t->p.sub;
  int64_t r0 = sw->start[cs->word[k]];
  w2v_rows_add(t->in, sw->rows + r0, cs->cnt[k], t->loss.ld, t->p.dim, cs->pend + (int64_t)k*t->loss.ld);
  cs->pos[k] = -1;
}

/* the slot of position a of buf, its rows summed if it was not there */
static int slot_get(W2vTrainer *t, CbowSlots *cs, const int32_t *buf, int64_t a){
  int k = (int)(a % cs->n);
  if( cs->pos[k]!=a ){
    const W2vSubwords *sw = t->p.sub;
    int64_t r0 = sw->start[buf[a]], ld = t->loss.ld;
    if( cs->pos[k]>=0 ) slot_flush(t, cs, k);
    cs->pos[k] = a;
    cs->word[k] = buf[a];
    cs->cnt[k] = (int32_t)(sw->start[buf[a]+1] - r0);
    w2v_rows_sum(cs->sum + k*ld, t->in, sw->rows + r0, cs->cnt[k], (int)ld, t->p.dim);
    memset(cs->pend + k*ld, 0, sizeof(float)*t->p.dim);
  }
  return k;
}

/* asks for the rows of a word that will enter a window soon */
static void rows_prefetch(const W2vTrainer *t, int32_t w){
  const W2vSubwords *sw = t->p.sub;
  int ld = t->loss.ld, dim = t->p.dim, d;
  int64_t r;
  for(r=sw->start[w]; r<sw->start[w+1]; r++){
    const char *row = (const char*)(t->in + (int64_t)sw->rows[r]*ld);
    for(d=0; d<dim*(int)sizeof(float); d+=64) __builtin_prefetch(row + d, 1);
  }
}

/* CBOW with subwords: the words of buf[lo..hi] but i predict buf[i]; 0 when
** there are none (no step) */
static int cbow_slots_step(W2vWorker *wk, const int32_t *buf, int64_t n, int64_t i, int64_t lo,
                           int64_t hi, float alpha, float *pLoss){
  W2vTrainer *t = wk->t;
  CbowSlots *cs = &wk->cs;
  int64_t a, ld = t->loss.ld, next = i + t->p.window + 3;
  int nUse = 0;
  if( next<n ) rows_prefetch(t, buf[next]);
  for(a=lo; a<=hi; a++){
    int k;
    if( a==i ) continue;
    k = slot_get(t, cs, buf, a);
    cs->useSum[nUse] = cs->sum + k*ld;
    cs->usePend[nUse] = cs->pend + k*ld;
    cs->useCnt[nUse++] = cs->cnt[k];
  }
  if( nUse==0 ) return 0;
  *pLoss += w2v_loss_slots_step(&t->loss, cs->useSum, cs->usePend, cs->useCnt, nUse, buf[i], alpha,
                                &wk->rng, wk->h, wk->gh, wk->scratch);
  return 1;
}

/* Trains on buf[0..n): one sub-sampled piece of a sentence. */
static float train_segment(W2vWorker *wk, const int32_t *buf, int64_t n, int64_t rawLen,
                           int64_t doneBase, float *pAlpha, int64_t *pPred){
  W2vTrainer *t = wk->t;
  const W2vLoss *L = &t->loss;
  int dim = t->p.dim, ld = t->loss.ld, window = t->p.window;
  float alpha = *pAlpha, loss = 0;
  float *h = wk->h, *gh = wk->gh;
  int64_t i, nPred = 0;
  for(i=0; i<n; i++){
    int b = (int)w2v_rng_below(&wk->rng, (uint32_t)window);
    int64_t lo = i - (window - b), hi = i + (window - b), a;
    if( lo<0 ) lo = 0;
    if( hi>n-1 ) hi = n-1;
    if( (i & 4095)==4095 ){
      /* long segments: refresh the learning rate and look for a cancel */
      if( atomic_load_explicit(&t->stop, memory_order_relaxed) ) break;
      alpha = current_alpha(t, doneBase + (rawLen * i) / n);
    }
    if( t->p.sub ){
      /* subwords: a word's input is the mean of its rows (fastText) */
      const W2vSubwords *sw = t->p.sub;
      int nIn = 0, nTgt = 0;
      int64_t r;
      if( t->p.arch==W2V_SKIPGRAM ){
        for(a=lo; a<=hi; a++) if( a!=i ) wk->tgt[nTgt++] = buf[a];
        if( nTgt==0 ) continue;
        for(r=sw->start[buf[i]]; r<sw->start[buf[i]+1]; r++) wk->ctx[nIn++] = t->in + (int64_t)sw->rows[r]*ld;
        loss += w2v_loss_sub_step(L, wk->ctx, nIn, wk->tgt, nTgt, alpha, &wk->rng, wk->work, wk->scratch);
        nPred += nTgt;
      }else{
        nPred += cbow_slots_step(wk, buf, n, i, lo, hi, alpha, &loss);
      }
    }else if( t->p.arch==W2V_SKIPGRAM && t->p.loss!=W2V_LOSS_SOFTMAX ){
      int nIn = 0;
      for(a=lo; a<=hi; a++){
        if( a!=i ) wk->ctx[nIn++] = t->in + (int64_t)buf[a]*ld;
      }
      if( nIn>0 ){
        loss += w2v_loss_window_step(L, wk->ctx, nIn, buf[i], alpha, &wk->rng, wk->scratch);
        nPred += nIn;
      }
    }else if( t->p.arch==W2V_SKIPGRAM ){
      for(a=lo; a<=hi; a++){
        float *v;
        if( a==i ) continue;
        v = t->in + (int64_t)buf[a]*ld;
        memset(gh, 0, dim*sizeof(float));
        loss += w2v_loss_step(L, v, gh, buf[i], alpha, &wk->rng, wk->scratch);
        w2v_axpy(v, 1.0f, gh, dim);
        nPred++;
      }
    }else{
      /* CBOW: the mean of the context predicts the center (loss.c) */
      int nIn = 0;
      for(a=lo; a<=hi; a++){
        if( a!=i ) wk->ctx[nIn++] = t->in + (int64_t)buf[a]*ld;
      }
      if( nIn==0 ) continue;
      loss += w2v_loss_cbow_step(L, wk->ctx, nIn, buf[i], alpha, &wk->rng, h, gh, wk->scratch);
      nPred++;
    }
  }
  if( wk->cs.n ){
    int k;
    for(k=0; k<wk->cs.n; k++) if( wk->cs.pos[k]>=0 ) slot_flush(t, &wk->cs, k);
  }
  *pAlpha = alpha;
  *pPred += nPred;
  return loss;
}

/* docs: what a long document's xTick needs (as train_segment does it) */
typedef struct DocTick { W2vTrainer *t; int64_t doneBase, rawLen, n; } DocTick;
static int doc_tick(void *pCtx, int64_t i, float *pAlpha){
  DocTick *d = pCtx;
  if( atomic_load_explicit(&d->t->stop, memory_order_relaxed) ) return 1;
  *pAlpha = current_alpha(d->t, d->doneBase + (d->rawLen * i) / (d->n ? d->n : 1));
  return 0;
}

static void *worker_main(void *arg){
  W2vWorker *wk = arg;
  W2vTrainer *t = wk->t;
  int hot = t->p.loss!=W2V_LOSS_SOFTMAX;
  const int32_t *ids = t->c.ids;
  const int64_t *ends = t->c.ends;
  int64_t pending = 0;   /* words not yet added to t->wordsDone */
  int epoch;
  if( hot ) w2v_loss_thread_begin(&t->loss, wk->scratch);
  for(epoch=0; epoch<t->p.epochs; epoch++){
    W2vEpochStats *st = &wk->stats[epoch];
    int64_t pos = wk->posBegin;
    int64_t lo = 0, hi = t->c.nSent;
    /* the sentence holding posBegin: the first s with ends[s] > posBegin */
    while( lo<hi ){ int64_t m = (lo+hi)/2; if( ends[m]>pos ) hi = m; else lo = m+1; }
    while( pos<wk->posEnd && !atomic_load_explicit(&t->stop, memory_order_relaxed) ){
      int64_t segEnd = ends[lo] < wk->posEnd ? ends[lo] : wk->posEnd;
      int64_t n = 0, j, done;
      float alpha, segLoss;
      for(j=pos; j<segEnd; j++){
        int32_t w = ids[j];
        if( t->keep[w]==UINT32_MAX || (uint32_t)w2v_rng_next(&wk->rng) < t->keep[w] ){
          wk->buf[n++] = w;
        }
      }
      done = atomic_load_explicit(&t->wordsDone, memory_order_relaxed) + pending;
      alpha = current_alpha(t, done);
      if( t->p.docs ){
        /* a document's words (train_docs.c) */
        W2vDocStep ds;
        DocTick dt;
        dt.t = t; dt.doneBase = done; dt.rawLen = segEnd-pos; dt.n = n;
        ds.xTick = doc_tick; ds.pTickCtx = &dt;
        ds.L = &t->loss; ds.mode = t->p.docs; ds.words = t->p.docWords; ds.window = t->p.window;
        ds.in = t->in; ds.ld = t->loss.ld; ds.doc = t->docv + t->c.doc[lo]*t->p.dim;
        ds.ctx = wk->ctx; ds.h = wk->h; ds.gh = wk->gh; ds.scratch = wk->scratch;
        segLoss = w2v_docs_segment(&ds, wk->buf, n, alpha, &wk->rng, &st->predictions);
      }else{
        segLoss = train_segment(wk, wk->buf, n, segEnd-pos, done, &alpha, &st->predictions);
      }
      if( !isfinite(segLoss) ){
        wk->diverged = 1;
        atomic_store(&t->stop, 1);
        break;
      }
      st->loss += segLoss;
      st->words += segEnd - pos;
      st->effective += n;
      st->alpha = alpha;
      pending += segEnd - pos;
      if( pending>=PROGRESS_STEP ){
        atomic_fetch_add_explicit(&t->wordsDone, pending, memory_order_relaxed);
        pending = 0;
        atomic_store_explicit(&wk->curEpoch, epoch, memory_order_relaxed);
        atomic_store_explicit(&wk->curLoss, st->loss, memory_order_relaxed);
        atomic_store_explicit(&wk->curPred, st->predictions, memory_order_relaxed);
      }
      pos = segEnd;
      if( pos==ends[lo] ) lo++;
    }
    st->seconds = seconds_since(&t->t0);
    atomic_store_explicit(&wk->curEpoch, epoch, memory_order_relaxed);
    atomic_store_explicit(&wk->curLoss, st->loss, memory_order_relaxed);
    atomic_store_explicit(&wk->curPred, st->predictions, memory_order_relaxed);
    if( atomic_load_explicit(&t->stop, memory_order_relaxed) ) break;
  }
  if( hot ) w2v_loss_thread_end(&t->loss, wk->scratch);
  atomic_fetch_add_explicit(&t->wordsDone, pending, memory_order_relaxed);
  atomic_fetch_add(&t->nFinished, 1);
  return 0;
}

/* The row pointers a worker's ctx holds: with subwords, skip-gram's center
** word's rows (CBOW keeps slots instead); else one a word of the window, and
** one more for a document. */
static int64_t ctx_rows(const W2vTrainParams *p){
  if( p->sub ) return p->arch==W2V_SKIPGRAM ? p->sub->maxRows : 1;
  return 2*(int64_t)p->window + 1;
}

static char *str_dup(const char *z){
  size_t n = strlen(z) + 1;
  char *p = w2v_core_malloc(n);
  if( p ) memcpy(p, z, n);
  return p;
}

W2vTrainer *w2v_train_start(const W2vTrainParams *p, const W2vCorpusView *c,
                            const int64_t *counts, int64_t nWord, char **pzErr){
  W2vTrainer *t;
  int64_t i, nOut, ld = w2v_row_stride(p->dim);
  double initScale;
  uint64_t rng = p->seed;
  int k, rc;
  *pzErr = 0;
  /* the SQL layer checks these; out of range, sizes below would wrap */
  if( p->dim<1 || p->dim>W2V_MAX_DIM || p->window<1 || p->negative<0 || p->epochs<0
   || p->threads<1 || nWord<1 || nWord>W2V_MAX_WORDS || c->nIds<0 || c->nSent<0
   || (p->docs && (p->nDoc<1 || (c->nSent>0 && c->doc==0)))
   || (p->sub && (p->sub->nWord!=nWord || p->docs)) ){
    *pzErr = str_dup("training parameters out of range");
    return 0;
  }
  t = w2v_core_calloc(1, sizeof(W2vTrainer));
  if( t==0 ) goto oom;
  t->p = *p;
  t->c = *c;
  t->nWord = nWord;
  t->nRow = nWord + (p->sub ? p->sub->nBucket : 0);
  clock_gettime(CLOCK_MONOTONIC, &t->t0);

  /* weights: input uniform in +-0.5/dim (subwords: +-1/dim, fastText's), output zero */
  initScale = p->sub ? 2.0 : 1.0;
  nOut = w2v_loss_out_rows(p->loss, nWord);
  t->in = aligned_floats(t->nRow * ld);
  t->out = aligned_floats(nOut * ld);
  if( !t->in || !t->out ) goto oom;
  for(i=0; i<t->nRow; i++){
    float *row = t->in + i*ld;
    int d;
    for(d=0; d<p->dim; d++) row[d] = (float)(((w2v_rng_next(&rng) >> 11) * 0x1.0p-53 - 0.5) * initScale / p->dim);
    for(; d<ld; d++) row[d] = 0;   /* the padding stays zero: no step reaches it */
  }
  if( p->docs ){
    /* document vectors: as the word vectors, after them */
    t->docv = aligned_floats(p->nDoc * p->dim);
    if( !t->docv ) goto oom;
    for(i=0; i<p->nDoc*p->dim; i++){
      t->docv[i] = (float)(((w2v_rng_next(&rng) >> 11) * 0x1.0p-53 - 0.5) / p->dim);
    }
  }
  /* hs with one word has no output row at all (and t->out is one float) */
  memset(t->out, 0, (size_t)nOut * ld * sizeof(float));
  if( p->initFrom ){
    /* continuing a model: its words keep their rows */
    for(i=0; i<nWord; i++){
      int32_t f = p->initFrom[i];
      if( f<0 ) continue;
      if( p->initIn ) memcpy(t->in + i*ld, p->initIn + (int64_t)f*p->dim, sizeof(float)*p->dim);
      if( p->initOut && p->loss!=W2V_LOSS_HS ) memcpy(t->out + i*ld, p->initOut + (int64_t)f*p->dim, sizeof(float)*p->dim);
    }
  }

  if( p->xInitRow ){
    for(i=0; i<t->nRow; i++){
      if( p->xInitRow(p->pInitCtx, i, t->in + i*ld) ){
        *pzErr = str_dup("stopped");
        w2v_train_free(t);
        return 0;
      }
    }
  }

  /* the loss */
  t->loss.kind = p->loss;
  t->loss.dim = p->dim;
  t->loss.ld = (int)ld;
  t->loss.negative = p->negative;
  t->loss.nWord = nWord;
  t->loss.out = t->out;
  if( p->loss==W2V_LOSS_HS ){
    rc = w2v_tree_build(counts, nWord, &t->tree);
    if( rc==W2V_ERR_INVALID ){
      *pzErr = str_dup("word counts are negative, not sorted or too large for a Huffman tree");
      w2v_train_free(t);
      return 0;
    }
    if( rc ) goto oom;
    t->loss.tree = &t->tree;
    for(i=0; i<nWord; i++){
      int64_t len = t->tree.start[i+1] - t->tree.start[i];
      if( len>t->loss.maxPath ) t->loss.maxPath = (int)len;
    }
  }else if( p->loss==W2V_LOSS_NS ){
    if( w2v_sampler_build(counts, nWord, p->nsExponent, &t->sampler) ) goto oom;
    t->loss.sampler = &t->sampler;
  }

  /* sub-sampling thresholds, word2vec's formula */
  t->keep = w2v_core_malloc((nWord ? nWord : 1) * sizeof(uint32_t));
  if( t->keep==0 ) goto oom;
  for(i=0; i<nWord; i++){
    double keep = 1.0;
    /* (a count <= 0 from damaged storage: keep, rather than divide by 0) */
    if( p->sample>0 && counts[i]>0 && c->nIds>0 ){
      double thr = p->sample * (p->sampleTotal>0 ? p->sampleTotal : (double)c->nIds);
      keep = (sqrt((double)counts[i] / thr) + 1.0) * thr / (double)counts[i];
    }
    t->keep[i] = keep>=1.0 ? UINT32_MAX : (uint32_t)(keep * 4294967296.0);
  }

  /* workers: equal shares of the tokens */
  t->nWorker = p->threads;
  t->workers = w2v_core_calloc(t->nWorker, sizeof(W2vWorker));
  t->tids = w2v_core_calloc(t->nWorker, sizeof(pthread_t));
  t->stats = w2v_core_calloc(p->epochs, sizeof(W2vEpochStats));
  if( !t->workers || !t->tids || !t->stats ) goto oom;
  for(k=0; k<t->nWorker; k++){
    W2vWorker *wk = &t->workers[k];
    int64_t maxSeg = 0, s, prev = 0;
    wk->t = t;
    wk->id = k;
    wk->posBegin = c->nIds * k / t->nWorker;
    wk->posEnd = c->nIds * (k+1) / t->nWorker;
    wk->rng = p->seed ^ (0x9e3779b97f4a7c15ULL * (uint64_t)(k+1));
    for(s=0; s<c->nSent; s++){
      int64_t b = prev > wk->posBegin ? prev : wk->posBegin;
      int64_t e = c->ends[s] < wk->posEnd ? c->ends[s] : wk->posEnd;
      if( e-b>maxSeg ) maxSeg = e-b;
      prev = c->ends[s];
    }
    wk->h = aligned_floats(p->dim);
    wk->gh = aligned_floats(p->dim);
    wk->scratch = aligned_floats(p->loss==W2V_LOSS_SOFTMAX ? nWord
                     : (int64_t)(w2v_loss_window_scratch(&t->loss)/sizeof(float) + 1));
    wk->ctx = w2v_core_malloc(sizeof(float*)*(size_t)ctx_rows(p));
    if( p->sub && p->arch==W2V_SKIPGRAM ){
      wk->tgt = w2v_core_malloc(sizeof(int32_t)*2*p->window);
      wk->work = aligned_floats(3*ld);
      if( !wk->tgt || !wk->work ) goto oom;
    }
    if( p->sub && p->arch==W2V_CBOW ){
      CbowSlots *cs = &wk->cs;
      int j;
      cs->n = 2*p->window + 1;
      cs->sum = aligned_floats(2*(int64_t)cs->n*ld);
      cs->pos = w2v_core_malloc(sizeof(int64_t)*(size_t)cs->n);
      cs->word = w2v_core_malloc(3*sizeof(int32_t)*(size_t)cs->n);
      cs->useSum = w2v_core_malloc(2*sizeof(float*)*(size_t)cs->n);
      if( !cs->sum || !cs->pos || !cs->word || !cs->useSum ) goto oom;
      cs->pend = cs->sum + (int64_t)cs->n*ld;
      cs->cnt = cs->word + cs->n;
      cs->useCnt = cs->cnt + cs->n;
      cs->usePend = cs->useSum + cs->n;
      for(j=0; j<cs->n; j++) cs->pos[j] = -1;
    }
    wk->buf = w2v_core_malloc((maxSeg ? maxSeg : 1) * sizeof(int32_t));
    wk->stats = w2v_core_calloc(p->epochs, sizeof(W2vEpochStats));
    if( !wk->h || !wk->gh || !wk->buf || !wk->stats || !wk->scratch || !wk->ctx ) goto oom;
  }
  for(k=0; k<t->nWorker; k++){
    if( pthread_create(&t->tids[k], 0, worker_main, &t->workers[k]) ){
      atomic_store(&t->stop, 1);
      *pzErr = str_dup("cannot start a training thread");
      w2v_train_join(t);
      w2v_train_free(t);
      return 0;
    }
    t->nStarted++;
  }
  return t;

oom:
  *pzErr = str_dup("out of memory");
  w2v_train_free(t);
  return 0;
}

/* An estimate of the longest Huffman path, for sizing before the tree is
** built: a little over log2 of the vocabulary (never above n-1). */
static int64_t path_estimate(int64_t nWord){
  int64_t d = 2;
  while( ((int64_t)1<<(d-2)) < nWord && d<62 ) d++;
  return nWord<2 ? 0 : (d < nWord-1 ? d : nWord-1);
}

/* The same sizes w2v_train_start asks the allocator for, term by term (the
** unit test "bytes" checks the two agree). */
int64_t w2v_train_bytes(const W2vTrainParams *p, int64_t nWord, int64_t nIds, int64_t maxSentence){
  W2vLoss L;
  int64_t b = sizeof(W2vTrainer), scratch, depth = path_estimate(nWord);
  /* a worker's buffer holds the longest piece of a sentence in its share */
  int64_t share = nIds/p->threads + 1, seg = maxSentence < share ? maxSentence : share;
  int ld = w2v_row_stride(p->dim);
  memset(&L, 0, sizeof(L));
  L.kind = p->loss; L.dim = p->dim; L.ld = ld; L.negative = p->negative; L.nWord = nWord;
  L.maxPath = (int)depth;
  b += (nWord + (p->sub ? p->sub->nBucket : 0))*ld*(int64_t)sizeof(float);  /* in */
  b += (w2v_loss_out_rows(p->loss, nWord)*ld + 1)*(int64_t)sizeof(float);   /* out */
  if( p->loss==W2V_LOSS_HS ) b += w2v_tree_bytes(nWord, nWord*depth);
  if( p->loss==W2V_LOSS_NS ) b += w2v_sampler_bytes(nWord);
  b += nWord*(int64_t)sizeof(uint32_t);                                      /* keep */
  if( p->docs ) b += p->nDoc*p->dim*(int64_t)sizeof(float);                  /* docv */
  b += p->threads*(int64_t)(sizeof(W2vWorker) + sizeof(pthread_t));
  b += (int64_t)p->epochs*(p->threads+1)*(int64_t)sizeof(W2vEpochStats);
  scratch = p->loss==W2V_LOSS_SOFTMAX ? nWord*(int64_t)sizeof(float)
                                      : (int64_t)w2v_loss_window_scratch(&L) + (int64_t)sizeof(float);
  b += p->threads*(2*p->dim*(int64_t)sizeof(float) + scratch
                   + ctx_rows(p)*(int64_t)sizeof(float*)
                   + (p->sub && p->arch==W2V_SKIPGRAM ? 2*(int64_t)p->window*(int64_t)sizeof(int32_t) + 3*ld*(int64_t)sizeof(float) : 0)
                   + (seg>0 ? seg : 1)*(int64_t)sizeof(int32_t));
  if( p->sub && p->arch==W2V_CBOW ){
    int64_t n = 2*(int64_t)p->window + 1;   /* CbowSlots */
    b += p->threads*n*(2*ld*(int64_t)sizeof(float) + (int64_t)sizeof(int64_t)
                       + 3*(int64_t)sizeof(int32_t) + 2*(int64_t)sizeof(float*));
  }
  return b;
}

int w2v_train_done(W2vTrainer *t){
  return atomic_load(&t->nFinished)>=t->nStarted;
}

double w2v_train_progress(W2vTrainer *t){
  double total = (double)t->p.epochs * (double)t->c.nIds;
  double done = (double)atomic_load_explicit(&t->wordsDone, memory_order_relaxed);
  return total>0 ? (done>total ? 1.0 : done/total) : 1.0;
}

void w2v_train_snapshot(W2vTrainer *t, W2vProgress *p){
  int k, e = 0;
  double loss = 0, secs = seconds_since(&t->t0);
  int64_t pred = 0;
  p->fraction = w2v_train_progress(t);
  p->seconds = secs;
  p->wordsPerSecond = secs>0 ? (double)atomic_load_explicit(&t->wordsDone, memory_order_relaxed)/secs : 0;
  for(k=0; k<t->nStarted; k++){
    int ek = atomic_load_explicit(&t->workers[k].curEpoch, memory_order_relaxed);
    if( ek>e ) e = ek;
  }
  /* the mean loss so far of the newest epoch, over the threads already in it */
  for(k=0; k<t->nStarted; k++){
    if( atomic_load_explicit(&t->workers[k].curEpoch, memory_order_relaxed)!=e ) continue;
    loss += atomic_load_explicit(&t->workers[k].curLoss, memory_order_relaxed);
    pred += atomic_load_explicit(&t->workers[k].curPred, memory_order_relaxed);
  }
  p->epoch = e + 1;
  p->loss = pred>0 ? loss/(double)pred : NAN;
}

void w2v_train_cancel(W2vTrainer *t){
  atomic_store(&t->stop, 1);
}

static int all_finite(const float *a, int64_t n){
  int64_t i;
  for(i=0; i<n; i++) if( !isfinite(a[i]) ) return 0;
  return 1;
}

/* Rows ld floats apart back to dim apart, as w2v_train_input/output give
** them: row i moves down to i*dim, never onto a row still to move. */
static void compact_rows(float *a, int64_t nRow, int dim, int ld){
  int64_t i;
  if( ld==dim ) return;
  for(i=1; i<nRow; i++) memmove(a + i*dim, a + i*ld, sizeof(float)*(size_t)dim);
}

W2vTrainEnd w2v_train_join(W2vTrainer *t){
  int k, e, cancelled, diverged = 0;
  if( t->joined ) return t->result;
  for(k=0; k<t->nStarted; k++) pthread_join(t->tids[k], 0);
  t->joined = 1;
  cancelled = atomic_load(&t->stop);
  for(k=0; k<t->nStarted; k++) diverged |= t->workers[k].diverged;
  for(e=0; e<t->p.epochs; e++){
    W2vEpochStats *s = &t->stats[e];
    for(k=0; k<t->nStarted; k++){
      W2vEpochStats *w = &t->workers[k].stats[e];
      s->words += w->words;
      s->effective += w->effective;
      s->predictions += w->predictions;
      s->loss += w->loss;
      if( w->seconds>s->seconds ) s->seconds = w->seconds;
    }
    s->alpha = current_alpha(t, (int64_t)(e+1) * t->c.nIds);
  }
  if( !diverged && !cancelled ){
    diverged = !all_finite(t->in, t->nRow*t->loss.ld)
            || !all_finite(t->out, w2v_loss_out_rows(t->p.loss, t->nWord)*t->loss.ld)
            || (t->docv && !all_finite(t->docv, t->p.nDoc*t->p.dim));
  }
  compact_rows(t->in, t->nRow, t->p.dim, t->loss.ld);
  compact_rows(t->out, w2v_loss_out_rows(t->p.loss, t->nWord), t->p.dim, t->loss.ld);
  t->result = diverged ? W2V_TRAIN_DIVERGED : cancelled ? W2V_TRAIN_CANCELLED : W2V_TRAIN_FINISHED;
  return t->result;
}

const float *w2v_train_input(W2vTrainer *t){ return t->in; }
const float *w2v_train_output(W2vTrainer *t){ return t->out; }
const float *w2v_train_docs(W2vTrainer *t){ return t->docv; }
const W2vEpochStats *w2v_train_stats(W2vTrainer *t, int *pnEpoch){
  *pnEpoch = t->p.epochs;
  return t->stats;
}

void w2v_train_free(W2vTrainer *t){
  int k;
  if( t==0 ) return;
  if( t->nStarted && !t->joined ){ atomic_store(&t->stop, 1); w2v_train_join(t); }
  if( t->workers ){
    for(k=0; k<t->nWorker; k++){
      W2vWorker *wk = &t->workers[k];
      w2v_core_free(wk->h); w2v_core_free(wk->gh); w2v_core_free(wk->scratch); w2v_core_free(wk->ctx); w2v_core_free(wk->buf);
      w2v_core_free(wk->tgt); w2v_core_free(wk->work); w2v_core_free(wk->stats);
      w2v_core_free(wk->cs.sum); w2v_core_free(wk->cs.pos); w2v_core_free(wk->cs.word); w2v_core_free(wk->cs.useSum);
    }
  }
  w2v_core_free(t->workers); w2v_core_free(t->tids); w2v_core_free(t->stats); w2v_core_free(t->keep);
  w2v_core_free(t->in); w2v_core_free(t->out); w2v_core_free(t->docv);
  w2v_tree_free(&t->tree);
  w2v_sampler_free(&t->sampler);
  w2v_core_free(t);
}
