/*
** Paragraph vectors (Le & Mikolov 2014, "Distributed Representations of
** Sentences and Documents"; gensim's Doc2Vec): one vector per document,
** trained next to the word vectors by the same losses (loss.c).
**
**   PV-DBOW (docs=dbow): the document vector predicts each of the
**     document's words, as a skip-gram input would.  With words=1 (gensim's
**     dbow_words=1) each word is also predicted from the words of its shrunk
**     window, skip-gram as train.c does it; both go through one window step
**     (the document vector is one more input of the window).
**   PV-DM (docs=dm): the mean of the document vector and the window's word
**     vectors predicts the center word, as CBOW; the gradient goes to every
**     one of them.
**
** The training threads are train.c's: for a corpus with documents its
** workers hand each sentence (a document's words, sub-sampled) to
** w2v_docs_segment.  Inference (w2v_docs_infer) trains a fresh document
** vector against weights it only reads, so it needs its own gradient code:
** the training steps update the output rows in place.
*/
#include <math.h>
#include <string.h>
#include "core.h"
#include "vecmath.h"

float w2v_docs_segment(const W2vDocStep *s, const int32_t *buf, int64_t n, float alpha,
                       uint64_t *rng, int64_t *pPred){
  const W2vLoss *L = s->L;
  int dim = L->dim, ld = s->ld, window = s->window, k;
  float loss = 0;
  int64_t i, a, nPred = 0;
  for(i=0; i<n; i++){
    int nIn = 0;
    int64_t lo = i, hi = i;
    if( (i & 4095)==4095 && s->xTick && s->xTick(s->pTickCtx, i, &alpha) ) break;
    if( s->mode==W2V_DOCS_DM || s->words ){
      int b = (int)w2v_rng_below(rng, (uint32_t)window);
      lo = i - (window - b); hi = i + (window - b);
      if( lo<0 ) lo = 0;
      if( hi>n-1 ) hi = n-1;
    }
    if( s->mode==W2V_DOCS_DBOW ){
      if( s->words ){
        for(a=lo; a<=hi; a++) if( a!=i ) s->ctx[nIn++] = s->in + (int64_t)buf[a]*ld;
      }
      s->ctx[nIn++] = s->doc;
      if( L->kind!=W2V_LOSS_SOFTMAX ){
        loss += w2v_loss_window_step(L, s->ctx, nIn, buf[i], alpha, rng, s->scratch);
      }else{
        for(k=0; k<nIn; k++){
          memset(s->gh, 0, sizeof(float)*dim);
          loss += w2v_loss_step(L, s->ctx[k], s->gh, buf[i], alpha, rng, s->scratch);
          w2v_axpy(s->ctx[k], 1.0f, s->gh, dim);
        }
      }
      nPred += nIn;
    }else{
      s->ctx[nIn++] = s->doc;
      for(a=lo; a<=hi; a++) if( a!=i ) s->ctx[nIn++] = s->in + (int64_t)buf[a]*ld;
      loss += w2v_loss_cbow_step(L, s->ctx, nIn, buf[i], alpha, rng, s->h, s->gh, s->scratch);
      nPred++;
    }
  }
  *pPred += nPred;
  return loss;
}

/* ---- inference ------------------------------------------------------------ */

static float sigmoid(float x){
  if( x>30.0f ) return 1.0f;
  if( x<-30.0f ) return 0.0f;
  return 1.0f/(1.0f + expf(-x));
}

/* gh += alpha * the gradient wrt h of log P(target | h); the output rows
** are only read.  score: nWord floats (softmax). */
static void frozen_grad(const W2vLoss *L, const float *h, float *gh, int32_t target, float alpha,
                        uint64_t *rng, float *score){
  int dim = L->dim, ld = L->ld, j;
  if( L->kind==W2V_LOSS_HS ){
    const W2vTree *t = L->tree;
    int64_t k;
    for(k=t->start[target]; k<t->start[target+1]; k++){
      const float *u = L->out + (int64_t)t->point[k]*ld;
      float g = ((float)(1 - t->code[k]) - sigmoid(w2v_dot(h, u, dim))) * alpha;
      w2v_axpy(gh, g, u, dim);
    }
  }else if( L->kind==W2V_LOSS_NS ){
    const float *u = L->out + (int64_t)target*ld;
    w2v_axpy(gh, (1.0f - sigmoid(w2v_dot(h, u, dim))) * alpha, u, dim);
    for(j=0; j<L->negative; j++){
      int32_t w = w2v_sampler_draw(L->sampler, w2v_rng_next(rng));
      if( w==target ) continue;
      u = L->out + (int64_t)w*ld;
      w2v_axpy(gh, -sigmoid(w2v_dot(h, u, dim)) * alpha, u, dim);
    }
  }else{
    int64_t w, n = L->nWord;
    float mx = -INFINITY, sum = 0;
    for(w=0; w<n; w++){
      score[w] = w2v_dot(h, L->out + w*ld, dim);
      if( score[w]>mx ) mx = score[w];
    }
    for(w=0; w<n; w++){ score[w] = expf(score[w]-mx); sum += score[w]; }
    for(w=0; w<n; w++){
      float g = ((w==target ? 1.0f : 0.0f) - score[w]/sum) * alpha;
      w2v_axpy(gh, g, L->out + w*ld, dim);
    }
  }
}

int w2v_docs_infer(const W2vDocInfer *p, const int32_t *ids, int64_t n, float *doc){
  const W2vLoss *L = p->L;
  int dim = L->dim, window = p->window > 0 ? p->window : 1, e, d;
  uint64_t rng = p->seed;
  int64_t i, a, done = 0, total = (int64_t)p->epochs * n + 1, steps = 0;
  double thr = p->sample * p->sampleTotal;
  float *h = w2v_core_malloc(sizeof(float)*(size_t)dim*2);
  float *score = L->kind==W2V_LOSS_SOFTMAX ? w2v_core_malloc(sizeof(float)*(size_t)(L->nWord ? L->nWord : 1)) : 0;
  int32_t *buf = w2v_core_malloc(sizeof(int32_t)*(size_t)(n ? n : 1));
  float *gh;
  if( h==0 || buf==0 || (L->kind==W2V_LOSS_SOFTMAX && score==0) ){
    w2v_core_free(h); w2v_core_free(score); w2v_core_free(buf);
    return W2V_ERR_NOMEM;
  }
  gh = h + dim;
  for(d=0; d<dim; d++) doc[d] = (float)(((w2v_rng_next(&rng) >> 11) * 0x1.0p-53 - 0.5) / dim);
  for(e=0; e<p->epochs; e++){
    int64_t m = 0;
    /* sub-sampling, word2vec's formula, as training drew it */
    for(i=0; i<n; i++){
      int64_t c = p->counts[ids[i]];
      if( p->sample>0 && c>0 && thr>0 ){
        double keep = (sqrt((double)c / thr) + 1.0) * thr / (double)c;
        if( keep<1.0 && (double)(uint32_t)w2v_rng_next(&rng) >= keep*4294967296.0 ) continue;
      }
      buf[m++] = ids[i];
    }
    for(i=0; i<m; i++){
      double al;
      if( p->xInterrupt && (++steps & 16383)==0 && p->xInterrupt(p->pInterruptArg) ){
        w2v_core_free(h); w2v_core_free(score); w2v_core_free(buf);
        return W2V_ERR_INTERRUPT;
      }
      al = p->alpha - (p->alpha - p->minAlpha) * ((double)(done + (n*i)/(m ? m : 1)) / (double)total);
      float alpha = (float)(al < p->minAlpha ? p->minAlpha : al);
      memset(gh, 0, sizeof(float)*dim);
      if( p->mode==W2V_DOCS_DM ){
        int b = (int)w2v_rng_below(&rng, (uint32_t)window), cnt = 1;
        int64_t lo = i - (window - b), hi = i + (window - b);
        if( lo<0 ) lo = 0;
        if( hi>m-1 ) hi = m-1;
        memcpy(h, doc, sizeof(float)*dim);
        for(a=lo; a<=hi; a++){
          if( a==i ) continue;
          w2v_axpy(h, 1.0f, p->in + (int64_t)buf[a]*dim, dim);
          cnt++;
        }
        for(d=0; d<dim; d++) h[d] /= (float)cnt;
        frozen_grad(L, h, gh, buf[i], alpha, &rng, score);
      }else{
        frozen_grad(L, doc, gh, buf[i], alpha, &rng, score);
      }
      w2v_axpy(doc, 1.0f, gh, dim);
    }
    done += n;
  }
  w2v_core_free(h); w2v_core_free(score); w2v_core_free(buf);
  return 0;
}
