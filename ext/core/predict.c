/*
** The k most probable output words for a hidden vector (w2v_predict).
**
** ns and softmax models: p(w) = exp(u_w.h) / sum_v exp(u_v.h), so the top k
** are the top k scores, and one pass gives the log partition function.
**
** hs models: a leaf's probability is the product of the branch probabilities
** on its path, each at most 1, so a node's path probability bounds every leaf
** below it.  Best-first search (always expand the most probable open node)
** therefore meets the leaves in order of probability: the k best cost about
** k * depth node evaluations instead of the V-1 of scoring every leaf.
*/
#include <math.h>
#include <stdlib.h>
#include "core.h"

typedef struct Open { double logp; int32_t node; } Open;

/* max-heap of open nodes by path log-probability */
static void open_push(Open *h, int64_t *pn, Open o){
  int64_t i = (*pn)++;
  h[i] = o;
  while( i>0 && h[(i-1)/2].logp < h[i].logp ){
    Open t = h[i]; h[i] = h[(i-1)/2]; h[(i-1)/2] = t;
    i = (i-1)/2;
  }
}

static Open open_pop(Open *h, int64_t *pn){
  Open top = h[0];
  int64_t i = 0, n = --(*pn);
  h[0] = h[n];
  for(;;){
    int64_t l = 2*i+1, r = l+1, w = i;
    Open t;
    if( l<n && h[l].logp > h[w].logp ) w = l;
    if( r<n && h[r].logp > h[w].logp ) w = r;
    if( w==i ) break;
    t = h[i]; h[i] = h[w]; h[w] = t;
    i = w;
  }
  return top;
}

static int pred_better(const W2vPrediction *a, const W2vPrediction *b){
  return a->prob > b->prob || (a->prob==b->prob && a->id < b->id);
}

static int cmp_pred(const void *a, const void *b){
  const W2vPrediction *x = a, *y = b;
  return pred_better(x, y) ? -1 : pred_better(y, x) ? 1 : 0;
}

static int64_t predict_hs(const W2vLoss *L, const float *h, int64_t k, W2vPrediction *out){
  const W2vTree *t = L->tree;
  int64_t nOpen = 0, nLeaf = 0, i;
  double kth = INFINITY;
  Open *heap;
  W2vPrediction *leaf;
  if( L->nWord==1 ){ out[0].id = 0; out[0].prob = 1.0; return 1; }
  /* the tree has 2V-1 nodes, each pushed at most once */
  heap = w2v_core_malloc(sizeof(Open)*(size_t)(2*L->nWord));
  leaf = w2v_core_malloc(sizeof(W2vPrediction)*(size_t)L->nWord);
  if( heap==0 || leaf==0 ){ w2v_core_free(heap); w2v_core_free(leaf); return -1; }
  open_push(heap, &nOpen, (Open){ 0.0, (int32_t)(L->nWord-2) });
  /* after k leaves, keep going while the best open node ties the k-th leaf,
  ** so that equal probabilities are ranked by id like the other losses */
  while( nOpen>0 && (nLeaf<k || heap[0].logp>=kth) ){
    Open o = open_pop(heap, &nOpen);
    double f;
    int b;
    if( o.node<0 ){
      leaf[nLeaf].id = ~o.node;
      leaf[nLeaf++].prob = o.logp;          /* log for now */
      if( nLeaf==k ) kth = o.logp;
      continue;
    }
    f = w2v_dot_exact(h, L->out + (int64_t)o.node*L->ld, L->dim);
    for(b=0; b<2; b++){
      Open c = { o.logp + w2v_log_sigmoid(b ? -f : f), t->child[2*(int64_t)o.node + b] };
      open_push(heap, &nOpen, c);
    }
  }
  w2v_core_free(heap);
  for(i=0; i<nLeaf; i++) leaf[i].prob = exp(leaf[i].prob);
  qsort(leaf, (size_t)nLeaf, sizeof(W2vPrediction), cmp_pred);
  if( nLeaf>k ) nLeaf = k;
  for(i=0; i<nLeaf; i++) out[i] = leaf[i];
  w2v_core_free(leaf);
  return nLeaf;
}

static int64_t predict_softmax(const W2vLoss *L, const float *h, int64_t k, W2vPrediction *out){
  double *score = w2v_core_malloc(sizeof(double)*(size_t)L->nWord), logZ;
  W2vPrediction *all;
  int64_t w;
  if( score==0 ) return -1;
  w2v_output_scores(L, h, score);
  logZ = w2v_log_sum_exp(score, L->nWord);
  all = w2v_core_malloc(sizeof(W2vPrediction)*(size_t)L->nWord);
  if( all==0 ){ w2v_core_free(score); return -1; }
  for(w=0; w<L->nWord; w++){ all[w].id = (int32_t)w; all[w].prob = exp(score[w]-logZ); }
  w2v_core_free(score);
  qsort(all, (size_t)L->nWord, sizeof(W2vPrediction), cmp_pred);
  for(w=0; w<k; w++) out[w] = all[w];
  w2v_core_free(all);
  return k;
}

int64_t w2v_predict_top(const W2vLoss *L, const float *h, int64_t k, W2vPrediction *out){
  if( k>L->nWord ) k = L->nWord;
  if( k<=0 ) return 0;
  return L->kind==W2V_LOSS_HS ? predict_hs(L, h, k, out) : predict_softmax(L, h, k, out);
}
