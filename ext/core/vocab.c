/*
** Vocabulary: distinct words with their counts, a hash index for lookup, and
** the word2vec pruning (min_count, max_vocab, sort by count).
*/
#include <stdlib.h>
#include <string.h>
#include "core.h"

static uint64_t hash_bytes(const char *z, uint32_t n){
  uint64_t h = 0xcbf29ce484222325ULL;   /* FNV-1a, then a final mix */
  uint32_t i;
  for(i=0; i<n; i++){ h ^= (unsigned char)z[i]; h *= 0x100000001b3ULL; }
  h ^= h >> 33; h *= 0xff51afd7ed558ccdULL; h ^= h >> 33;
  return h;
}

/* A slot holds the high 32 bits of the word's hash above its id, so that a
** probe compares words only when the hashes agree (the words themselves lie
** scattered in memory: each comparison is a cache miss). */
#define SLOT_EMPTY UINT64_MAX
#define SLOT_ID(x)  ((int64_t)(uint32_t)(x))
#define SLOT_TAG(h) ((h) & 0xffffffff00000000ULL)

int64_t w2v_vocab_bytes(const W2vVocab *v){
  return v->nAlloc*(int64_t)(sizeof(int64_t) + sizeof(uint64_t) + sizeof(uint32_t))
       + (int64_t)v->poolAlloc + (int64_t)v->nSlot*(int64_t)sizeof(uint64_t);
}

void w2v_vocab_init(W2vVocab *v){
  memset(v, 0, sizeof(*v));
}

void w2v_vocab_free(W2vVocab *v){
  w2v_core_free(v->counts); w2v_core_free(v->offs); w2v_core_free(v->lens); w2v_core_free(v->pool); w2v_core_free(v->slots);
  memset(v, 0, sizeof(*v));
}

static int word_is(const W2vVocab *v, int64_t id, const char *z, uint32_t n){
  return v->lens[id]==n && memcmp(v->pool + v->offs[id], z, n)==0;
}

/* The slot of word id among s[nSlot] (empty, or holding an equal word:
** *pSame set then), from its hash h. */
static uint64_t probe(const W2vVocab *v, const uint64_t *s, uint64_t nSlot, uint64_t h,
                      const char *z, uint32_t n, int *pSame){
  uint64_t i = h & (nSlot-1), tag = SLOT_TAG(h);
  *pSame = 0;
  while( s[i]!=SLOT_EMPTY ){
    if( SLOT_TAG(s[i])==tag && word_is(v, SLOT_ID(s[i]), z, n) ){ *pSame = 1; break; }
    i = (i+1) & (nSlot-1);
  }
  return i;
}

/* Indexes words [0, v->n) into the empty table s[nSlot].  The hashes are
** worked out a few words ahead and their slots prefetched: a big vocabulary's
** table is far larger than the caches, and loading a stored model of
** millions of words spends most of its time here otherwise.  *pRepeat: the
** first word equal to an earlier one (-1: none; NULL: not checked). */
#define AHEAD 16
static void fill_slots(const W2vVocab *v, uint64_t *s, uint64_t nSlot, int64_t *pRepeat){
  uint64_t ring[AHEAD];
  int64_t i;
  if( pRepeat ) *pRepeat = -1;
  for(i=0; i<v->n + AHEAD; i++){
    int64_t j = i - AHEAD;     /* ring[i % AHEAD] holds word j's hash until here */
    if( j>=0 ){
      uint64_t h = ring[j % AHEAD];
      int same;
      uint64_t at = probe(v, s, nSlot, h, v->pool + v->offs[j], v->lens[j], &same);
      if( same && pRepeat && *pRepeat<0 ) *pRepeat = j;
      if( !same ) s[at] = SLOT_TAG(h) | (uint64_t)j;
    }
    if( i<v->n ){
      uint64_t h = hash_bytes(v->pool + v->offs[i], v->lens[i]);
      ring[i % AHEAD] = h;
      __builtin_prefetch(&s[h & (nSlot-1)], 1);
    }
  }
}

/* A new empty table of nSlot slots in place of the old one. */
static int new_slots(W2vVocab *v, uint64_t nSlot){
  uint64_t *s = w2v_core_malloc(nSlot * sizeof(uint64_t));
  if( s==0 ) return -1;
  memset(s, 0xff, nSlot * sizeof(uint64_t));
  w2v_core_free(v->slots);
  v->slots = s;
  v->nSlot = nSlot;
  return 0;
}

static int rehash(W2vVocab *v, uint64_t nSlot){
  if( new_slots(v, nSlot) ) return -1;
  fill_slots(v, v->slots, nSlot, 0);
  return 0;
}

static int64_t lookup_slot(const W2vVocab *v, const char *z, uint32_t n, uint64_t *pSlot){
  uint64_t h;
  int same;
  if( v->nSlot==0 ){ *pSlot = 0; return -1; }
  h = hash_bytes(z, n);
  *pSlot = probe(v, v->slots, v->nSlot, h, z, n, &same);
  return same ? SLOT_ID(v->slots[*pSlot]) : -1;
}

static int reserve(W2vVocab *v, int64_t n, size_t nPool, int withIndex){
  uint64_t nSlot = 4096;
  if( n<=v->nAlloc ) return 0;
  while( nSlot < (uint64_t)n*2 ) nSlot *= 2;
  if( withIndex && nSlot>v->nSlot && rehash(v, nSlot) ) return -1;
  if( nPool>v->poolAlloc ){
    char *p = w2v_core_realloc(v->pool, nPool);
    if( p==0 ) return -1;
    v->pool = p;
    v->poolAlloc = nPool;
  }
  {
    int64_t *c = w2v_core_realloc(v->counts, (size_t)n*sizeof(int64_t));
    uint64_t *o;
    uint32_t *l;
    if( c==0 ) return -1;
    v->counts = c;
    o = w2v_core_realloc(v->offs, (size_t)n*sizeof(uint64_t));
    if( o==0 ) return -1;
    v->offs = o;
    l = w2v_core_realloc(v->lens, (size_t)n*sizeof(uint32_t));
    if( l==0 ) return -1;
    v->lens = l;
    v->nAlloc = n;
  }
  return 0;
}

int w2v_vocab_reserve(W2vVocab *v, int64_t n, size_t nPool){ return reserve(v, n, nPool, 1); }
int w2v_vocab_reserve_append(W2vVocab *v, int64_t n, size_t nPool){ return reserve(v, n, nPool, 0); }

int64_t w2v_vocab_find(const W2vVocab *v, const char *z, uint32_t n){
  uint64_t slot;
  return lookup_slot(v, z, n, &slot);
}

/* Room for one more word in counts/offs/lens and n more bytes in the pool. */
static int grow_for(W2vVocab *v, uint32_t n){
  if( v->n>=v->nAlloc ){
    int64_t nNew = v->nAlloc ? v->nAlloc*2 : 1024;
    int64_t *c = w2v_core_realloc(v->counts, nNew*sizeof(int64_t));
    uint64_t *o;
    uint32_t *l;
    if( c==0 ) return -1;
    v->counts = c;
    o = w2v_core_realloc(v->offs, nNew*sizeof(uint64_t));
    if( o==0 ) return -1;
    v->offs = o;
    l = w2v_core_realloc(v->lens, nNew*sizeof(uint32_t));
    if( l==0 ) return -1;
    v->lens = l;
    v->nAlloc = nNew;
  }
  if( v->poolUsed + n + 1 > v->poolAlloc ){
    size_t nNew = v->poolAlloc ? v->poolAlloc*2 : 16384;
    char *p;
    while( nNew < v->poolUsed + n + 1 ) nNew *= 2;
    p = w2v_core_realloc(v->pool, nNew);
    if( p==0 ) return -1;
    v->pool = p;
    v->poolAlloc = nNew;
  }
  return 0;
}

/* Stores word z as the next id (no index). */
static int64_t push_word(W2vVocab *v, const char *z, uint32_t n, int64_t count){
  int64_t id = v->n++;
  memcpy(v->pool + v->poolUsed, z, n);
  v->pool[v->poolUsed + n] = 0;
  v->offs[id] = v->poolUsed;
  v->lens[id] = n;
  v->counts[id] = count;
  v->poolUsed += n + 1;
  return id;
}

int64_t w2v_vocab_add(W2vVocab *v, const char *z, uint32_t n, int64_t count){
  uint64_t slot;
  int64_t id = lookup_slot(v, z, n, &slot);
  if( id>=0 ){
    v->counts[id] = w2v_sat_add(v->counts[id], count);
    return id;
  }
  if( v->n>=W2V_MAX_WORDS ) return W2V_ERR_FULL;
  if( grow_for(v, n) ) return -1;
  /* keep the table at most half full */
  if( (uint64_t)(v->n+1)*2 > v->nSlot ){
    if( rehash(v, v->nSlot ? v->nSlot*2 : 4096) ) return -1;
    lookup_slot(v, z, n, &slot);
  }
  id = push_word(v, z, n, count);
  v->slots[slot] = SLOT_TAG(hash_bytes(z, n)) | (uint64_t)id;
  return id;
}

int64_t w2v_vocab_append(W2vVocab *v, const char *z, uint32_t n, int64_t count){
  if( v->n>=W2V_MAX_WORDS ) return W2V_ERR_FULL;
  if( grow_for(v, n) ) return -1;
  if( v->slots ){ w2v_core_free(v->slots); v->slots = 0; v->nSlot = 0; }
  return push_word(v, z, n, count);
}

int w2v_vocab_index_alloc(W2vVocab *v){
  uint64_t nSlot = 4096;
  while( nSlot < (uint64_t)v->n*2 ) nSlot *= 2;
  return new_slots(v, nSlot);
}

void w2v_vocab_index_fill(W2vVocab *v, int64_t *pRepeat){
  fill_slots(v, v->slots, v->nSlot, pRepeat);
}

/* A word to keep with its count, so that the comparator needs no context. */
typedef struct Ranked { int64_t count; int32_t id; } Ranked;
static int by_count_desc(const void *a, const void *b){
  const Ranked *x = a, *y = b;
  if( x->count!=y->count ) return x->count > y->count ? -1 : 1;
  return x->id<y->id ? -1 : (x->id>y->id);
}

int w2v_vocab_prune(const W2vVocab *src, int64_t minCount, int64_t maxVocab,
                    W2vVocab *dst, int32_t *remap){
  Ranked *order;
  int64_t i, nKeep = 0;
  w2v_vocab_init(dst);
  for(i=0; i<src->n; i++) remap[i] = -1;
  order = w2v_core_malloc((size_t)(src->n ? src->n : 1) * sizeof(Ranked));
  if( order==0 ) return -1;
  for(i=0; i<src->n; i++){
    if( src->counts[i]>=minCount ){ order[nKeep].count = src->counts[i]; order[nKeep++].id = (int32_t)i; }
  }
  qsort(order, (size_t)nKeep, sizeof(Ranked), by_count_desc);
  if( maxVocab>0 && nKeep>maxVocab ) nKeep = maxVocab;
  for(i=0; i<nKeep; i++){
    int32_t o = order[i].id;
    int64_t id = w2v_vocab_add(dst, src->pool + src->offs[o], src->lens[o], src->counts[o]);
    if( id<0 ){ w2v_core_free(order); w2v_vocab_free(dst); return -1; }
    remap[o] = (int32_t)id;
  }
  w2v_core_free(order);
  return 0;
}

int w2v_counts_sorted(const int64_t *counts, int64_t n){
  int64_t i;
  for(i=1; i<n; i++) if( counts[i]>counts[i-1] ) return 0;
  return 1;
}

/* The first id in [0, n) whose count is below c (counts never increase). */
static int64_t first_below(const int64_t *counts, int64_t n, int64_t c){
  int64_t a = 0, b = n;
  while( a<b ){
    int64_t mid = a + (b-a)/2;
    if( counts[mid]<c ) b = mid; else a = mid+1;
  }
  return a;
}

void w2v_counts_span(const int64_t *counts, int64_t n, int64_t lo, int64_t hi,
                     int64_t *pFirst, int64_t *pEnd){
  /* count <= hi from the first id with count < hi+1 on; count >= lo up to
  ** the first id with count < lo */
  int64_t first = hi==INT64_MAX ? 0 : first_below(counts, n, hi+1);
  int64_t end = lo==INT64_MIN ? n : first_below(counts, n, lo);
  if( lo>hi || end<first ) end = first;
  *pFirst = first;
  *pEnd = end;
}
