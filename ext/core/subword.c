/*
** Subwords (fastText's idea, Bojanowski et al. 2017): a word is "<word>"
** cut into its character n-grams of minn..maxn characters, each hashed
** into one of `bucket` rows; the word's vector is the mean of its own row
** and its n-gram rows.
**
** Exactly as fastText's Dictionary::computeSubwords and Dictionary::hash
** (src/dictionary.cc): the text is UTF-8 bytes; an n-gram starts at a byte
** that is not a continuation byte (10xxxxxx) and takes whole characters
** (a lead byte and the continuation bytes after it), so it never splits a
** character; n counts characters; the one-character n-grams "<" and ">"
** are left out, the whole "<word>" is not (when it has at most maxn
** characters).  The hash is 32-bit FNV-1a over the bytes, each byte
** sign-extended first (fastText xors uint32_t(int8_t(c))), modulo bucket.
** A repeated n-gram (or two that share a bucket) is listed each time, as
** fastText lists it.  (The hash is hash.c's w2v_fasttext_hash, worked out
** here a character at a time, as the n-grams from one start grow.)
*/
#include <stdlib.h>
#include <string.h>
#include "core.h"

/* Byte p of "<" z[0..n) ">". */
static inline unsigned char wrapped(const char *z, size_t n, size_t p){
  return p==0 ? '<' : p==n+1 ? '>' : (unsigned char)z[p-1];
}

int64_t w2v_subword_buckets(const char *z, size_t n, int minn, int maxn, uint32_t bucket,
                            int64_t *out, int64_t nMax){
  size_t size = n + 2, i, j;
  int64_t cnt = 0;
  if( maxn<1 || minn<1 || minn>maxn || bucket<1 ) return 0;
  for(i=0; i<size; i++){
    uint32_t h = 2166136261u;
    int nc;
    if( (wrapped(z, n, i) & 0xC0)==0x80 ) continue;
    for(j=i, nc=1; j<size && nc<=maxn; nc++){
      /* one character more: its lead byte, then its continuation bytes */
      h = (h ^ (uint32_t)(int32_t)(int8_t)wrapped(z, n, j)) * 16777619u;
      j++;
      while( j<size && (wrapped(z, n, j) & 0xC0)==0x80 ){
        h = (h ^ (uint32_t)(int32_t)(int8_t)wrapped(z, n, j)) * 16777619u;
        j++;
      }
      if( nc>=minn && !(nc==1 && (i==0 || j==size)) ){
        if( cnt<nMax ) out[cnt] = (int64_t)(h % bucket);
        cnt++;
      }
    }
  }
  return cnt;
}

void w2v_subwords_free(W2vSubwords *s){
  w2v_core_free(s->start);
  w2v_core_free(s->rows);
  w2v_core_free(s->bucket);
  memset(s, 0, sizeof(*s));
}

/* fastText gives "</s>" (its end of line, a word of every model it
** writes) no n-grams (Dictionary::initNgrams): its own row alone. */
static int64_t word_buckets(const W2vVocab *v, int64_t w, int minn, int maxn, int64_t bucket,
                            int64_t *out, int64_t nMax){
  const char *z = w2v_vocab_word(v, w);
  if( v->lens[w]==4 && memcmp(z, "</s>", 4)==0 ) return 0;
  return w2v_subword_buckets(z, v->lens[w], minn, maxn, (uint32_t)bucket, out, nMax);
}

/* The n-gram rows are numbered in the order words first use them, words
** taken by frequency: the rows of the frequent words, which training reads
** all the time, sit together in memory (numbered by bucket, every lookup
** was a cache miss in 400 MB). */
int w2v_subwords_build(const W2vVocab *v, int minn, int maxn, int64_t bucket, W2vSubwords *s){
  int64_t w, total = 0, nB = 0, scratchMax = 0;
  int64_t *tmp = 0;
  int32_t *slot = 0;          /* open addressing: bucket -> n-gram row, -1 empty */
  uint64_t nSlot = 16, mask;
  memset(s, 0, sizeof(*s));
  if( bucket<1 || bucket>W2V_MAX_BUCKET ) return W2V_ERR_INVALID;
  s->nWord = v->n;
  s->start = w2v_core_malloc(sizeof(int64_t)*(size_t)(v->n+1));
  if( s->start==0 ) goto oom;
  /* the counts first, for one allocation of the rows */
  for(w=0; w<v->n; w++){
    int64_t c = word_buckets(v, w, minn, maxn, bucket, 0, 0);
    s->start[w] = total;
    total += 1 + c;
    if( c>scratchMax ) scratchMax = c;
    if( 1+c>s->maxRows ) s->maxRows = (int)(1+c);
  }
  s->start[v->n] = total;
  while( nSlot < 2*(uint64_t)(total - v->n) + 16 ) nSlot *= 2;
  mask = nSlot - 1;
  s->rows = w2v_core_malloc(sizeof(int32_t)*(size_t)(total ? total : 1));
  tmp = w2v_core_malloc(sizeof(int64_t)*(size_t)(scratchMax ? scratchMax : 1));
  slot = w2v_core_malloc(sizeof(int32_t)*(size_t)nSlot);
  /* at most one n-gram row per entry: bucket[] sized for that, trimmed below */
  s->bucket = w2v_core_malloc(sizeof(int64_t)*(size_t)(total - v->n + 1));
  if( s->rows==0 || tmp==0 || slot==0 || s->bucket==0 ) goto oom;
  memset(slot, 0xff, sizeof(int32_t)*(size_t)nSlot);
  for(w=0; w<v->n; w++){
    int64_t c = word_buckets(v, w, minn, maxn, bucket, tmp, scratchMax), i;
    int64_t at = s->start[w];
    s->rows[at] = (int32_t)w;
    for(i=0; i<c; i++){
      uint64_t h = ((uint64_t)tmp[i] * 0x9E3779B97F4A7C15ULL) >> 20;
      for(;;){
        int32_t r = slot[h & mask];
        if( r<0 ){
          if( v->n + nB >= 0x7fffffffLL ){
            w2v_core_free(tmp); w2v_core_free(slot); w2v_subwords_free(s);
            return W2V_ERR_INVALID;
          }
          slot[h & mask] = (int32_t)nB;
          s->bucket[nB] = tmp[i];
          r = (int32_t)nB++;
        }else if( s->bucket[r]!=tmp[i] ){
          h++;
          continue;
        }
        s->rows[at+1+i] = (int32_t)(v->n + r);
        break;
      }
    }
  }
  s->nBucket = nB;
  w2v_core_free(tmp);
  w2v_core_free(slot);
  return 0;
oom:
  w2v_core_free(tmp);
  w2v_core_free(slot);
  w2v_subwords_free(s);
  return W2V_ERR_NOMEM;
}

int64_t w2v_subwords_bytes(int64_t nWord, int64_t nEntry){
  int64_t nSlot = 16;
  while( nSlot < 2*(nEntry - nWord) + 16 ) nSlot *= 2;
  return (nWord+1)*(int64_t)sizeof(int64_t) + nEntry*(int64_t)sizeof(int32_t)
       + nEntry*(int64_t)sizeof(int64_t) + nSlot*(int64_t)sizeof(int32_t) + (nEntry - nWord + 1)*(int64_t)sizeof(int64_t);
}

void w2v_subwords_compose(const W2vSubwords *s, const float *in, int dim, int64_t w, float *out){
  int64_t i, a = s->start[w], b = s->start[w+1];
  int d;
  float inv = 1.0f / (float)(b - a);
  memset(out, 0, sizeof(float)*(size_t)dim);
  for(i=a; i<b; i++){
    const float *r = in + (int64_t)s->rows[i]*dim;
    for(d=0; d<dim; d++) out[d] += r[d];
  }
  for(d=0; d<dim; d++) out[d] *= inv;
}
