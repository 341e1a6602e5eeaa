/*
** Phrases: word2phrase.c's algorithm (Mikolov et al. 2013, the word2vec
** distribution) over a corpus of ids.
**
** word2phrase counts every word and every pair of adjacent words, then
** scores a pair (a, b) as
**
**     score = (count(ab) - min_count) / count(a) / count(b) * train_words
**
** in single precision (its `real` is float), where train_words is the number
** of words in the file.  A pair is a candidate when count(a), count(b) and
** count(ab) are all at least min_count and score > threshold.  Its output
** pass then reads each line left to right and joins a word to the one before
** it ("new york" -> "new_york") when the pair is a candidate and the word
** before was not itself just joined to its own predecessor (word2phrase sets
** pb = 0 after a join, so the next pair fails the min_count test).
**
** Here a sentence is a run of ids (W2vCorpusView: ids, exclusive ends), the
** pairs are id pairs counted in an open-addressing hash keyed on the 64-bit
** (a << 32 | b), and only pairs whose two words are frequent enough to be
** scored are counted at all.  Differences from word2phrase.c, all on
** purpose: a pair never spans two sentences (word2phrase's `start` flag is
** reset before it is tested, so it also counts the last word of a line
** followed by the first of the next; it never joins them); the counts are
** exact (no ReduceVocab pruning, which word2phrase does only past 350 M
** distinct unigrams and bigrams); pairs are ids, not the string "a_b", so a
** token that already holds the delimiter is never confused with a pair.
*/
#include <stdlib.h>
#include <string.h>
#include "core.h"

#define EMPTY_KEY UINT64_MAX           /* ids are < 2^31: no pair has this key */
#define INTERRUPT_EVERY (1<<20)        /* tokens between two interrupt checks */

static inline uint64_t pair_key(int32_t a, int32_t b){
  return ((uint64_t)(uint32_t)a << 32) | (uint32_t)b;
}
static inline uint64_t pair_hash(uint64_t k){
  k ^= k >> 31; k *= 0x9e3779b97f4a7c15ULL; k ^= k >> 29;
  return k;
}

/* ---- the pair counts ---------------------------------------------------- */
typedef struct PairSlot { uint64_t key; int64_t count; } PairSlot;
typedef struct PairTable {
  PairSlot *a;
  uint64_t nSlot;                      /* a power of two */
  int64_t n;                           /* pairs held */
  int64_t maxBytes;                    /* 0: no limit */
} PairTable;

static int pairs_resize(PairTable *t, uint64_t nSlot){
  PairSlot *a;
  uint64_t i, mask = nSlot - 1;
  if( t->maxBytes>0 && (double)nSlot*sizeof(PairSlot) > (double)t->maxBytes ) return W2V_ERR_LIMIT;
  if( nSlot > SIZE_MAX/sizeof(PairSlot) ) return W2V_ERR_NOMEM;
  a = w2v_core_malloc(nSlot*sizeof(PairSlot));
  if( a==0 ) return W2V_ERR_NOMEM;
  for(i=0; i<nSlot; i++) a[i].key = EMPTY_KEY;
  for(i=0; i<t->nSlot; i++){
    if( t->a[i].key!=EMPTY_KEY ){
      uint64_t h = pair_hash(t->a[i].key) & mask;
      while( a[h].key!=EMPTY_KEY ) h = (h+1) & mask;
      a[h] = t->a[i];
    }
  }
  w2v_core_free(t->a);
  t->a = a;
  t->nSlot = nSlot;
  return 0;
}

/* Adds one to the pair's count: 0 or a W2V_ERR_*. */
static inline int pairs_add(PairTable *t, uint64_t key){
  uint64_t mask = t->nSlot - 1, h = pair_hash(key) & mask;
  for(;;){
    uint64_t k = t->a[h].key;
    if( k==key ){ t->a[h].count++; return 0; }
    if( k==EMPTY_KEY ) break;
    h = (h+1) & mask;
  }
  if( (uint64_t)(t->n+1)*2 > t->nSlot ){   /* at most half full */
    int rc = pairs_resize(t, t->nSlot*2);
    if( rc ) return rc;
    mask = t->nSlot - 1;
    h = pair_hash(key) & mask;
    while( t->a[h].key!=EMPTY_KEY ) h = (h+1) & mask;
  }
  t->a[h].key = key;
  t->a[h].count = 1;
  t->n++;
  return 0;
}

/* ---- the candidates: a list and a lookup hash over it ------------------- */

int64_t w2v_phrases_find(const W2vPhraseSet *s, int32_t a, int32_t b){
  uint64_t key = pair_key(a, b), mask, h;
  if( s->nSlot==0 ) return -1;
  mask = s->nSlot - 1;
  h = pair_hash(key) & mask;
  for(;;){
    uint64_t k = s->slots[h].key;
    if( k==key ) return s->slots[h].idx;
    if( k==EMPTY_KEY ) return -1;
    h = (h+1) & mask;
  }
}

void w2v_phrases_free(W2vPhraseSet *s){
  w2v_core_free(s->a);
  w2v_core_free(s->slots);
  memset(s, 0, sizeof(*s));
}

int64_t w2v_phrases_bytes(const W2vPhraseSet *s){
  return s->n*(int64_t)sizeof(W2vPhrase) + (int64_t)s->nSlot*(int64_t)sizeof(s->slots[0]);
}

/* Best first: score, then count, then the ids. */
static int by_score(const void *x, const void *y){
  const W2vPhrase *p = x, *q = y;
  if( p->score!=q->score ) return p->score > q->score ? -1 : 1;
  if( p->count!=q->count ) return p->count > q->count ? -1 : 1;
  if( p->a!=q->a ) return p->a < q->a ? -1 : 1;
  return p->b < q->b ? -1 : (p->b > q->b);
}

/* word2phrase.c's expression, operation by operation in float:
** (pab - min_count) / (real)pa / (real)pb * (real)train_words */
float w2v_phrase_score(int64_t pab, int64_t pa, int64_t pb, int64_t minCount, int64_t totalWords){
  float s = (float)(pab - minCount);
  s = s / (float)pa;
  s = s / (float)pb;
  s = s * (float)totalWords;
  return s;
}

/* The lookup hash over s->a, at most half full: 0 or W2V_ERR_NOMEM;
** W2V_ERR_INVALID when a pair is there twice or has a negative id. */
static int set_index(W2vPhraseSet *s){
  uint64_t nSlot = 16, mask, j;
  int64_t i;
  while( nSlot < (uint64_t)s->n*2 ) nSlot *= 2;
  s->slots = w2v_core_malloc(nSlot*sizeof(s->slots[0]));
  if( s->slots==0 ) return W2V_ERR_NOMEM;
  s->nSlot = nSlot;
  mask = nSlot - 1;
  for(j=0; j<nSlot; j++) s->slots[j].key = EMPTY_KEY;
  for(i=0; i<s->n; i++){
    uint64_t key, h;
    if( s->a[i].a<0 || s->a[i].b<0 ) return W2V_ERR_INVALID;
    key = pair_key(s->a[i].a, s->a[i].b);
    h = pair_hash(key) & mask;
    while( s->slots[h].key!=EMPTY_KEY ){
      if( s->slots[h].key==key ) return W2V_ERR_INVALID;
      h = (h+1) & mask;
    }
    s->slots[h].key = key;
    s->slots[h].idx = i;
  }
  return 0;
}

int w2v_phrases_set_build(const W2vPhrase *a, int64_t n, W2vPhraseSet *out){
  int rc;
  memset(out, 0, sizeof(*out));
  if( n<0 || (n>0 && a==0) || (uint64_t)n > SIZE_MAX/4/sizeof(W2vPhrase) ) return W2V_ERR_INVALID;
  out->a = w2v_core_malloc((size_t)(n ? n : 1)*sizeof(W2vPhrase));
  if( out->a==0 ) return W2V_ERR_NOMEM;
  if( n ) memcpy(out->a, a, (size_t)n*sizeof(W2vPhrase));
  out->n = n;
  rc = set_index(out);
  if( rc ) w2v_phrases_free(out);
  return rc;
}

int64_t w2v_phrases_apply(const W2vPhraseSet *s, const int32_t *in, int64_t n, int32_t *out){
  int64_t i = 0, o = 0, k;
  while( i<n ){
    if( i+1<n && (k = w2v_phrases_find(s, in[i], in[i+1]))>=0 && s->a[k].id>=0 ){
      out[o++] = s->a[k].id;
      i += 2;
    }else{
      out[o++] = in[i++];
    }
  }
  return o;
}

/* The sentence bounds are sound: ends never decrease and stay within nIds. */
static int view_sound(const W2vCorpusView *c){
  int64_t s, prev = 0;
  if( c->nIds<0 || c->nSent<0 || (c->nIds>0 && c->ids==0) || (c->nSent>0 && c->ends==0) ) return 0;
  for(s=0; s<c->nSent; s++){
    if( c->ends[s]<prev || c->ends[s]>c->nIds ) return 0;
    prev = c->ends[s];
  }
  return 1;
}

int w2v_phrases_score(const W2vCorpusView *c, const int64_t *counts, int64_t nWord,
                      const W2vPhraseParams *p, W2vPhraseSet *out){
  PairTable t;
  uint8_t *ok = 0;
  int64_t s, i, begin = 0, nKeep = 0, sinceCheck = 0;
  int32_t last = -1;                       /* crossSentences: the previous sentence's last id */
  float threshold = (float)p->threshold;   /* word2phrase reads it into a float */
  uint64_t j;
  int rc = 0;
  memset(out, 0, sizeof(*out));
  memset(&t, 0, sizeof(t));
  if( !view_sound(c) || nWord<0 || nWord>W2V_MAX_WORDS || (nWord>0 && counts==0) ) return W2V_ERR_INVALID;
  out->totalWords = c->nIds;
  /* ok[w]: w may start or end a pair (count(w) >= min_count) */
  ok = w2v_core_malloc((size_t)(nWord ? nWord : 1));
  if( ok==0 ) return W2V_ERR_NOMEM;
  for(i=0; i<nWord; i++) ok[i] = counts[i]>=p->minCount && counts[i]>0;
  t.maxBytes = p->maxBytes;
  rc = pairs_resize(&t, 1<<16);
  if( rc ) goto done;

  for(s=0; s<c->nSent; s++){
    int64_t end = c->ends[s];
    const int32_t *ids = c->ids;
    if( end>begin ){
      uint32_t prev = (uint32_t)ids[begin];
      if( prev>=(uint64_t)nWord ){ rc = W2V_ERR_INVALID; goto done; }
      if( p->crossSentences && last>=0 && ok[last] && ok[prev] ){
        rc = pairs_add(&t, ((uint64_t)last << 32) | prev);
        if( rc ) goto done;
      }
      last = ids[end-1];
      if( (uint32_t)last>=(uint64_t)nWord ){ rc = W2V_ERR_INVALID; goto done; }
      for(i=begin+1; i<end; i++){
        uint32_t cur = (uint32_t)ids[i];
        if( cur>=(uint64_t)nWord ){ rc = W2V_ERR_INVALID; goto done; }
        if( ok[prev] && ok[cur] ){
          rc = pairs_add(&t, ((uint64_t)prev << 32) | cur);
          if( rc ) goto done;
        }
        prev = cur;
      }
    }
    sinceCheck += end - begin + 1;
    begin = end;
    if( sinceCheck>=INTERRUPT_EVERY ){
      sinceCheck = 0;
      if( p->xInterrupt && p->xInterrupt(p->pInterruptArg) ){ rc = W2V_ERR_INTERRUPT; goto done; }
    }
  }

  /* the candidates: counted first, then copied into a list of their own
  ** (they are few next to the pairs), and the count table freed */
  for(j=0; j<t.nSlot; j++){
    const PairSlot *e = &t.a[j];
    if( e->key!=EMPTY_KEY && e->count>=p->minCount ){
      int32_t a = (int32_t)(e->key>>32), b = (int32_t)(uint32_t)e->key;
      if( w2v_phrase_score(e->count, counts[a], counts[b], p->minCount, c->nIds) > threshold ) nKeep++;
    }
  }
  out->a = w2v_core_malloc((size_t)(nKeep ? nKeep : 1)*sizeof(W2vPhrase));
  if( out->a==0 ){ rc = W2V_ERR_NOMEM; goto done; }
  for(j=0; j<t.nSlot; j++){
    const PairSlot *e = &t.a[j];
    if( e->key!=EMPTY_KEY && e->count>=p->minCount ){
      int32_t a = (int32_t)(e->key>>32), b = (int32_t)(uint32_t)e->key;
      float sc = w2v_phrase_score(e->count, counts[a], counts[b], p->minCount, c->nIds);
      if( sc > threshold ){
        W2vPhrase *q = &out->a[out->n++];
        q->a = a; q->b = b; q->id = -1;
        q->score = sc; q->count = e->count; q->joins = 0;
      }
    }
  }
  w2v_core_free(t.a);
  t.a = 0;
  qsort(out->a, (size_t)out->n, sizeof(W2vPhrase), by_score);

  rc = set_index(out);

done:
  w2v_core_free(t.a);
  w2v_core_free(ok);
  if( rc ) w2v_phrases_free(out);
  return rc;
}

int64_t w2v_phrases_plan(const W2vCorpusView *c, W2vPhraseSet *s){
  int64_t k, sent, begin = 0, nJoin = 0;
  for(k=0; k<s->n; k++) s->a[k].joins = 0;
  if( s->n==0 || !view_sound(c) ) return 0;
  for(sent=0; sent<c->nSent; sent++){
    int64_t i = begin, end = c->ends[sent];
    while( i+1<end ){
      k = w2v_phrases_find(s, c->ids[i], c->ids[i+1]);
      if( k>=0 ){ s->a[k].joins++; nJoin++; i += 2; }
      else i++;
    }
    begin = end;
  }
  return nJoin;
}

int64_t w2v_phrases_join(int32_t *ids, int64_t *pnIds, int64_t *ends, int64_t nSent,
                         W2vVocab *v, W2vPhraseSet *s, const char *zDelim, uint32_t nDelim){
  W2vCorpusView view;
  int64_t k, sent, begin = 0, out = 0, nJoin;
  char *zBuf = 0;
  size_t nBuf = 0;
  view.ids = ids; view.nIds = *pnIds; view.ends = ends; view.nSent = nSent;
  if( !view_sound(&view) ) return W2V_ERR_INVALID;
  for(k=0; k<s->n; k++){
    if( s->a[k].a<0 || s->a[k].a>=v->n || s->a[k].b<0 || s->a[k].b>=v->n ) return W2V_ERR_INVALID;
  }
  nJoin = w2v_phrases_plan(&view, s);
  if( nJoin==0 ) return 0;

  /* every phrase joined at least once becomes a word "a<delim>b" (count 0
  ** for now: a word of that spelling may exist and keeps its count) */
  for(k=0; k<s->n; k++){
    W2vPhrase *q = &s->a[k];
    size_t nA, nB, n;
    int64_t id;
    q->id = -1;
    if( q->joins==0 ) continue;
    nA = v->lens[q->a]; nB = v->lens[q->b];
    n = nA + nDelim + nB;
    if( n>UINT32_MAX-1 ){ w2v_core_free(zBuf); return W2V_ERR_FULL; }
    if( n>nBuf ){
      char *z = w2v_core_realloc(zBuf, n);
      if( z==0 ){ w2v_core_free(zBuf); return W2V_ERR_NOMEM; }
      zBuf = z;
      nBuf = n;
    }
    memcpy(zBuf, w2v_vocab_word(v, q->a), nA);
    if( nDelim ) memcpy(zBuf + nA, zDelim, nDelim);
    memcpy(zBuf + nA + nDelim, w2v_vocab_word(v, q->b), nB);
    id = w2v_vocab_add(v, zBuf, (uint32_t)n, 0);
    if( id<0 ){ w2v_core_free(zBuf); return id; }
    q->id = (int32_t)id;
  }
  w2v_core_free(zBuf);

  /* the rewrite: the same greedy walk, writing behind the reading point;
  ** then the counts, from the joins the plan counted */
  for(sent=0; sent<nSent; sent++){
    int64_t end = ends[sent];
    out += w2v_phrases_apply(s, ids + begin, end - begin, ids + out);
    begin = end;
    ends[sent] = out;
  }
  for(k=0; k<s->n; k++){
    const W2vPhrase *q = &s->a[k];
    if( q->joins==0 ) continue;
    v->counts[q->a] -= q->joins;
    v->counts[q->b] -= q->joins;
    v->counts[q->id] += q->joins;
  }
  *pnIds = out;
  return nJoin;
}
