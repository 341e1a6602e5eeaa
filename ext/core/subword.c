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
** fastText lists it.
*/
#include <stdlib.h>
#include <string.h>
#include "core.h"

uint32_t w2v_subword_hash(const char *z, size_t n){
  uint32_t h = 2166136261u;
  size_t i;
  for(i=0; i<n; i++){
    h = h ^ (uint32_t)(int32_t)(int8_t)z[i];
    h = h * 16777619u;
  }
  return h;
}

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

static int cmp_i32(const void *a, const void *b){
  int32_t x = *(const int32_t*)a, y = *(const int32_t*)b;
  return x<y ? -1 : x>y;
}

void w2v_subwords_free(W2vSubwords *s){
  w2v_core_free(s->start);
  w2v_core_free(s->rows);
  w2v_core_free(s->bucket);
  memset(s, 0, sizeof(*s));
}

int w2v_subwords_build(const W2vVocab *v, int minn, int maxn, int64_t bucket, W2vSubwords *s){
  int64_t w, total = 0, k, nB = 0, scratchMax = 0;
  int64_t *tmp = 0;
  int32_t *sorted = 0;
  memset(s, 0, sizeof(*s));
  if( bucket<1 || bucket>0x7fffffffLL ) return W2V_ERR_INVALID;
  s->nWord = v->n;
  s->start = w2v_core_malloc(sizeof(int64_t)*(size_t)(v->n+1));
  if( s->start==0 ) goto oom;
  /* the counts first, for one allocation of the rows */
  for(w=0; w<v->n; w++){
    int64_t c = w2v_subword_buckets(w2v_vocab_word(v, w), v->lens[w], minn, maxn, (uint32_t)bucket, 0, 0);
    s->start[w] = total;
    total += 1 + c;
    if( c>scratchMax ) scratchMax = c;
    if( 1+c>s->maxRows ) s->maxRows = (int)(1+c);
  }
  s->start[v->n] = total;
  s->rows = w2v_core_malloc(sizeof(int32_t)*(size_t)(total ? total : 1));
  tmp = w2v_core_malloc(sizeof(int64_t)*(size_t)(scratchMax ? scratchMax : 1));
  sorted = w2v_core_malloc(sizeof(int32_t)*(size_t)(total - v->n + 1));
  if( s->rows==0 || tmp==0 || sorted==0 ) goto oom;
  /* each word's own row, then its buckets (for now), also gathered in sorted */
  for(w=0, k=0; w<v->n; w++){
    int64_t c = w2v_subword_buckets(w2v_vocab_word(v, w), v->lens[w], minn, maxn, (uint32_t)bucket, tmp, scratchMax), i;
    int64_t at = s->start[w];
    s->rows[at] = (int32_t)w;
    for(i=0; i<c; i++){
      s->rows[at+1+i] = (int32_t)tmp[i];
      sorted[k++] = (int32_t)tmp[i];
    }
  }
  /* the buckets some word uses, each once: n-gram row j is bucket[j] */
  qsort(sorted, (size_t)k, sizeof(int32_t), cmp_i32);
  for(w=0; w<k; w++){
    if( nB==0 || sorted[nB-1]!=sorted[w] ) sorted[nB++] = sorted[w];
  }
  if( v->n + nB > 0x7fffffffLL ){
    w2v_core_free(tmp); w2v_core_free(sorted); w2v_subwords_free(s);
    return W2V_ERR_INVALID;
  }
  s->nBucket = nB;
  s->bucket = w2v_core_malloc(sizeof(int64_t)*(size_t)(nB ? nB : 1));
  if( s->bucket==0 ) goto oom;
  for(w=0; w<nB; w++) s->bucket[w] = sorted[w];
  /* bucket numbers to row numbers: the word rows come first */
  for(w=0; w<v->n; w++){
    int64_t i;
    for(i=s->start[w]+1; i<s->start[w+1]; i++){
      int32_t b = s->rows[i];
      int64_t lo = 0, hi = nB;
      while( lo<hi ){ int64_t m = (lo+hi)/2; if( sorted[m]<b ) lo = m+1; else hi = m; }
      s->rows[i] = (int32_t)(v->n + lo);
    }
  }
  w2v_core_free(tmp);
  w2v_core_free(sorted);
  return 0;
oom:
  w2v_core_free(tmp);
  w2v_core_free(sorted);
  w2v_subwords_free(s);
  return W2V_ERR_NOMEM;
}

int64_t w2v_subwords_bytes(int64_t nWord, int64_t nEntry){
  return (nWord+1)*(int64_t)sizeof(int64_t) + nEntry*(int64_t)sizeof(int32_t)
       + nEntry*(int64_t)sizeof(int32_t) + nEntry*(int64_t)sizeof(int64_t);
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
