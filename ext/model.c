/*
** Loaded models and the per-connection cache.
**
** A model is read from its shadow tables once and kept while its generation
** (changed by every write) stays the same.  Lifetimes are reference counts:
** the cache holds one reference; w2v_model_acquire hands out another, which
** a scalar call drops when it returns and a cursor when it closes or filters
** again.  A model that is retrained, replaced, renamed or dropped leaves the
** cache at once but lives on until its last user lets go, so a statement
** that started with it keeps reading it, even when the change was made from
** inside that very statement.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3
#include "w2vInt.h"

W2vConn *w2v_conn_new(sqlite3 *db){
  W2vConn *c = sqlite3_malloc(sizeof(*c));
  if( c==0 ) return 0;
  memset(c, 0, sizeof(*c));
  c->db = db;
  c->nRef = 1;
  return c;
}

W2vConn *w2v_conn_ref(W2vConn *c){
  c->nRef++;
  return c;
}

void w2v_conn_release(void *p){
  W2vConn *c = p;
  if( c && --c->nRef==0 ){
    while( c->pModels ){
      W2vModel *m = c->pModels;
      c->pModels = m->pNext;
      m->pNext = 0;
      w2v_model_release(m);
    }
    sqlite3_free(c);
  }
}

static void clf_free(W2vClassifier *c){
  if( c==0 ) return;
  sqlite3_free(c->zLabelColumn);
  w2v_vocab_free(&c->labels);
  w2v_core_free(c->out);
  w2v_tree_free(&c->tree);
  w2v_core_free(c->aBucket);
  w2v_core_free(c->ngram);
  sqlite3_free(c);
}

static void model_free(W2vModel *m){
  clf_free(m->clf);
  sqlite3_free(m->zSchema);
  sqlite3_free(m->zName);
  w2v_vocab_free(&m->vocab);
  w2v_core_free(m->in);
  w2v_core_free(m->out);
  w2v_knn_free(&m->knn);
  w2v_tree_free(&m->tree);
  sqlite3_free(m->zPartInput);
  sqlite3_free(m->zTokenize);
  sqlite3_free(m->zPhraseDelim);
  w2v_vocab_free(&m->phrasePairs);
  w2v_vocab_free(&m->docKeys);
  w2v_core_free(m->docv);
  w2v_knn_free(&m->docKnn);
  sqlite3_free(m);
}

void w2v_model_release(W2vModel *m){
  if( m && --m->nRef==0 ) model_free(m);
}

const W2vKnn *w2v_model_knn(W2vModel *m){
  if( m->knn.q8==0 ){
    /* without a stored index the vectors were read when the model was */
    if( w2v_knn_build(&m->knn, m->in, m->vocab.n, m->dim) ) return 0;
  }
  return &m->knn;
}

int64_t w2v_model_find(const W2vModel *m, const char *z, int n){
  char buf[384], *zFold;
  size_t need;
  int64_t id;
  if( z==0 || n<0 ) return -1;
  if( m->fold==W2V_FOLD_NONE ) return w2v_vocab_find(&m->vocab, z, (uint32_t)n);
  /* the model saw folded text (lower=1): fold the query the same way */
  need = W2V_FOLD_MAX((size_t)n);
  zFold = need<=sizeof(buf) ? buf : sqlite3_malloc64(need);
  if( zFold==0 ) return -1;
  n = (int)w2v_text_fold(m->fold, zFold, z, (size_t)n);
  id = w2v_vocab_find(&m->vocab, zFold, (uint32_t)n);
  if( zFold!=buf ) sqlite3_free(zFold);
  return id;
}

/* The key of a phrase pair in phrasePairs: pass byte, left, NUL, right
** (tokens hold no NUL: white space splits at it, FTS5 tokens are text).
** Into buf when it fits, else a new allocation; NULL on OOM. */
static char *phrase_key(char *buf, size_t nBuf, int pass, const char *zL, int nL,
                        const char *zR, int nR, int *pn){
  size_t n = 2 + (size_t)nL + (size_t)nR;
  char *z = n<=nBuf ? buf : sqlite3_malloc64(n);
  if( z==0 ) return 0;
  z[0] = (char)pass;
  memcpy(z+1, zL, (size_t)nL);
  z[1+nL] = 0;
  memcpy(z+2+nL, zR, (size_t)nR);
  *pn = (int)n;
  return z;
}

void w2v_words_free(W2vWords *w){
  sqlite3_free(w->aId);
  sqlite3_free(w->aStart);
  sqlite3_free(w->aEnd);
  sqlite3_free(w->aOff);
  sqlite3_free(w->aLen);
  sqlite3_free(w->zTok);
  memset(w, 0, sizeof(*w));
}

/* Grows *pa (of nOld items of size sz) to nNew; 0 when out of memory. */
static int grow(void *pa, size_t sz, int nNew){
  void *p = sqlite3_realloc64(*(void**)pa, sz*(size_t)nNew);
  if( p==0 ) return 0;
  *(void**)pa = p;
  return 1;
}

typedef struct WordsCtx { const W2vVocab *v; W2vWords *w; } WordsCtx;

static int add_word(void *pCtx, const char *z, int n, int iStart, int iEnd){
  WordsCtx *c = (WordsCtx*)pCtx;
  W2vWords *w = c->w;
  if( w->n==w->nAlloc ){
    int nNew = w->nAlloc ? w->nAlloc*2 : 16;
    if( !grow(&w->aId, sizeof(int64_t), nNew) || !grow(&w->aStart, sizeof(int), nNew)
     || !grow(&w->aEnd, sizeof(int), nNew) || !grow(&w->aOff, sizeof(int), nNew)
     || !grow(&w->aLen, sizeof(int), nNew) ) return SQLITE_NOMEM;
    w->nAlloc = nNew;
  }
  if( w->nTok + (size_t)n > w->nTokAlloc ){
    size_t nNew = (w->nTokAlloc + (size_t)n)*2;
    char *p = sqlite3_realloc64(w->zTok, nNew);
    if( p==0 ) return SQLITE_NOMEM;
    w->zTok = p;
    w->nTokAlloc = nNew;
  }
  memcpy(w->zTok + w->nTok, z, (size_t)n);
  w->aOff[w->n] = (int)w->nTok;
  w->aLen[w->n] = n;
  w->nTok += (size_t)n;
  w->aId[w->n] = c->v ? w2v_vocab_find(c->v, z, (uint32_t)n) : -1;
  w->aStart[w->n] = iStart;
  w->aEnd[w->n] = iEnd;
  w->n++;
  return SQLITE_OK;
}

int w2v_words_split(sqlite3 *db, void **ppApi, const char *zFunc, const char *zTokenize, int fold,
                    const W2vVocab *v, const char *z, int n, W2vWords *w, char **pzErr){
  W2vText t;
  WordsCtx c;
  int rc;
  w->n = 0;
  w->nTok = 0;
  if( z==0 ) return SQLITE_OK;
  rc = w2v_text_open(db, ppApi, zFunc, zTokenize, fold, &t, pzErr);
  if( rc!=SQLITE_OK ) return rc;
  c.v = v; c.w = w;
  rc = w2v_text_split(&t, z, n, add_word, &c);
  w2v_text_close(&t);
  if( rc!=SQLITE_OK && rc!=SQLITE_NOMEM ){
    *pzErr = sqlite3_mprintf("%s: the tokenizer (%s) failed (error %d)", zFunc, zTokenize, rc);
  }
  return rc;
}

/* One pass of the model's phrases over w, as training joined them
** (word2phrase's greedy rule: left to right, a joined token is not joined
** again in the same pass). */
static int join_pass(const W2vModel *m, int pass, W2vWords *w){
  W2vWords out;
  WordsCtx c;
  char buf[256], *zKey = 0, *zJoin = 0;
  size_t nDelim = strlen(m->zPhraseDelim);
  int i = 0, rc = SQLITE_OK;
  memset(&out, 0, sizeof(out));
  c.v = 0; c.w = &out;
  while( i<w->n && rc==SQLITE_OK ){
    const char *zL = w->zTok + w->aOff[i];
    int nL = w->aLen[i], nKey;
    if( i+1<w->n ){
      const char *zR = w->zTok + w->aOff[i+1];
      int nR = w->aLen[i+1];
      zKey = phrase_key(buf, sizeof(buf), pass, zL, nL, zR, nR, &nKey);
      if( zKey==0 ){ rc = SQLITE_NOMEM; break; }
      if( w2v_vocab_find(&m->phrasePairs, zKey, (uint32_t)nKey)>=0 ){
        zJoin = sqlite3_malloc64((size_t)nL + nDelim + (size_t)nR);
        if( zJoin==0 ){ rc = SQLITE_NOMEM; break; }
        memcpy(zJoin, zL, (size_t)nL);
        memcpy(zJoin+nL, m->zPhraseDelim, nDelim);
        memcpy(zJoin+nL+nDelim, zR, (size_t)nR);
        rc = add_word(&c, zJoin, nL+(int)nDelim+nR, w->aStart[i], w->aEnd[i+1]);
        sqlite3_free(zJoin);
        zJoin = 0;
        if( zKey!=buf ) sqlite3_free(zKey);
        zKey = 0;
        i += 2;
        continue;
      }
      if( zKey!=buf ) sqlite3_free(zKey);
      zKey = 0;
    }
    rc = add_word(&c, zL, nL, w->aStart[i], w->aEnd[i]);
    i++;
  }
  if( zKey!=buf ) sqlite3_free(zKey);
  if( rc!=SQLITE_OK ){ w2v_words_free(&out); return rc; }
  w2v_words_free(w);
  *w = out;
  return SQLITE_OK;
}

int w2v_model_words(sqlite3 *db, W2vModel *m, const char *zFunc, const char *z, int n,
                    W2vWords *w, char **pzErr){
  /* with phrases the ids are looked up once, after the joins */
  int rc = w2v_words_split(db, &m->pFts5, zFunc, m->zTokenize, m->fold,
                           m->nPhrasePass ? 0 : &m->vocab, z, n, w, pzErr);
  int pass, i;
  for(pass=1; pass<=m->nPhrasePass && rc==SQLITE_OK && w->n>1; pass++) rc = join_pass(m, pass, w);
  if( m->nPhrasePass>0 && rc==SQLITE_OK ){
    for(i=0; i<w->n; i++) w->aId[i] = w2v_vocab_find(&m->vocab, w->zTok + w->aOff[i], (uint32_t)w->aLen[i]);
  }
  return rc;
}

int w2v_model_word(sqlite3 *db, W2vModel *m, const char *zFunc, const char *z, int n,
                   int64_t *pId, char **pzErr){
  W2vWords w;
  int rc;
  *pId = -1;
  if( z==0 ) return SQLITE_OK;
  if( m->zTokenize==0 ){
    /* white space: the text is the word, byte for byte (folded): a NUL or
    ** a space in it makes it no word, never the word before it -- unless
    ** its words make a learnt phrase ("new york" for new_york) */
    int i = 0, s, nTok = 0;
    *pId = w2v_model_find(m, z, n);
    if( *pId>=0 || m->nPhrasePass==0 ) return SQLITE_OK;
    while( nTok<2 && w2v_next_token(z, n, &i, &s)>0 ) nTok++;
    if( nTok<2 ) return SQLITE_OK;     /* one word padded with space is no word */
  }
  memset(&w, 0, sizeof(w));
  rc = w2v_model_words(db, m, zFunc, z, n, &w, pzErr);
  if( rc==SQLITE_OK && w.n==1 ) *pId = w.aId[0];
  w2v_words_free(&w);
  return rc;
}

int w2v_model_hidden(W2vRows *r, const char *z, int n, float *h){
  W2vModel *m = r->m;
  W2vWords w;
  int i, d, rc, ret = 1;
  if( z==0 ) return 0;
  memset(&w, 0, sizeof(w));
  rc = w2v_model_words(r->db, m, r->zFunc, z, n, &w, &r->zErr);
  if( rc!=SQLITE_OK ){
    r->rc = rc;
    w2v_words_free(&w);
    return -1;
  }
  memset(h, 0, sizeof(float)*m->dim);
  for(i=0; i<w.n && ret>0; i++){
    const float *v = w2v_rows_word(r, w.aId[i], w.zTok + w.aOff[i], w.aLen[i]);
    if( v==0 ){ ret = r->rc ? -1 : 0; break; }
    for(d=0; d<m->dim; d++) h[d] += v[d];
  }
  if( ret>0 && w.n==0 ) ret = 0;
  if( ret>0 ) for(d=0; d<m->dim; d++) h[d] /= (float)w.n;
  w2v_words_free(&w);
  return ret;
}

/* All the word vectors into m->in (and the search index's vec). */
static int read_input(sqlite3 *db, W2vModel *m, char **pzWhat){
  float *in = w2v_core_malloc((size_t)(m->vocab.n ? m->vocab.n : 1)*(size_t)m->dim*sizeof(float));
  int rc = in ? w2v_store_read_vectors(db, m->zSchema, m->zName, "input", m->storage, m->dim, in,
                                       m->vocab.n, pzWhat)
              : SQLITE_NOMEM;
  if( rc!=SQLITE_OK ){
    w2v_core_free(in);
    return rc;
  }
  m->in = in;
  if( m->knn.q8 ) m->knn.vec = in;
  return SQLITE_OK;
}

static int add_phrase(void *pCtx, const W2vPhraseRow *r){
  W2vModel *m = (W2vModel*)pCtx;
  char buf[256], *z;
  int n, rc = SQLITE_OK;
  z = phrase_key(buf, sizeof(buf), r->pass, r->zLeft, r->nLeft, r->zRight, r->nRight, &n);
  if( z==0 || w2v_vocab_add(&m->phrasePairs, z, (uint32_t)n, 1)<0 ) rc = SQLITE_NOMEM;
  if( z!=buf ) sqlite3_free(z);
  return rc;
}

/* The search index's arrays touched ahead of the reading (w2v_prefault). */
static void prefault_index(void *p){
  W2vKnn *x = p;
  w2v_prefault(x->q8, (size_t)x->n * (size_t)x->stride);
  w2v_prefault(x->scale, sizeof(float)*(size_t)x->n);
  w2v_prefault(x->err, sizeof(float)*(size_t)x->n);
  w2v_prefault(x->invNorm, sizeof(float)*(size_t)x->n);
}

typedef struct VocabIndexing { W2vVocab *v; int64_t repeat; } VocabIndexing;
static void fill_vocab_index(void *p){
  VocabIndexing *vi = p;
  w2v_vocab_index_fill(vi->v, &vi->repeat);
}

/* The vocabulary, then the search index when the model has one (the word
** vectors are read when something needs them all; the search reads the rows
** it re-scores: w2v_rows_get), else the word vectors.  A model of millions
** of words spends its load in three parts that overlap on two threads: the
** kernel's first touch of the index memory runs while the words are read,
** and the words are indexed while the search index is read. */
static int read_words_and_index(sqlite3 *db, W2vModel *m, const W2vStoredMeta *meta, char **pzWhat){
  const char *zSchema = m->zSchema, *zModel = m->zName;
  W2vTask task;
  VocabIndexing vi;
  int rc, haveIndex = meta->index;
  if( haveIndex ){
    if( w2v_knn_alloc(&m->knn, meta->nVocab, m->dim) ) return SQLITE_NOMEM;
    w2v_task_start(&task, prefault_index, &m->knn);
  }
  rc = w2v_store_read_vocab(db, zSchema, zModel, meta->nVocab, &m->vocab, pzWhat);
  if( haveIndex ) w2v_task_join(&task);
  if( rc==SQLITE_OK && w2v_vocab_index_alloc(&m->vocab) ) rc = SQLITE_NOMEM;
  if( rc!=SQLITE_OK ) return rc;
  vi.v = &m->vocab;
  vi.repeat = -1;
  w2v_task_start(&task, fill_vocab_index, &vi);
  rc = haveIndex ? w2v_store_read_index(db, zSchema, zModel, meta->nVocab, &m->knn, pzWhat) : SQLITE_OK;
  w2v_task_join(&task);
  if( rc==SQLITE_OK && vi.repeat>=0 ){
    *pzWhat = sqlite3_mprintf("%s_vocab repeats the word '%s'", zModel, w2v_vocab_word(&m->vocab, vi.repeat));
    rc = SQLITE_CORRUPT;
  }
  if( rc==SQLITE_OK && !haveIndex ) rc = read_input(db, m, pzWhat);
  return rc;
}

/* A classifier's labels, output weights (and hs tree) and n-gram rows,
** all read at once: w2v_classify needs them on every call. */
static int clf_load(sqlite3 *db, W2vModel *m, W2vStoredMeta *meta, char **pzWhat){
  W2vClassifier *c = sqlite3_malloc64(sizeof(W2vClassifier));
  int64_t nOut;
  int rc = SQLITE_OK;
  if( c==0 ) return SQLITE_NOMEM;
  memset(c, 0, sizeof(*c));
  w2v_vocab_init(&c->labels);
  m->clf = c;
  c->loss = meta->loss;
  c->wordNgrams = meta->wordNgrams;
  c->bucket = meta->bucket;
  c->zLabelColumn = meta->zLabel;    /* the classifier's now */
  meta->zLabel = 0;
  c->nNgram = meta->nNgram;
  c->minn = meta->minn;
  c->maxn = meta->maxn;
  m->minn = m->maxn = 0;
  if( c->loss!=W2V_LOSS_SOFTMAX && c->loss!=W2V_LOSS_NS && c->loss!=W2V_LOSS_HS && c->loss!=W2V_LOSS_OVA ){
    *pzWhat = sqlite3_mprintf("a classifier's loss must be softmax, ns, hs or ova");
    return SQLITE_CORRUPT;
  }
  rc = w2v_store_read_labels(db, m->zSchema, m->zName, meta->nLabel, &c->labels, pzWhat);
  if( rc!=SQLITE_OK ) return rc;
  nOut = w2v_sup_out_rows(c->loss, c->labels.n);
  c->out = w2v_core_malloc((size_t)(nOut ? nOut : 1)*(size_t)m->dim*sizeof(float));
  if( c->out==0 ) return SQLITE_NOMEM;
  rc = w2v_store_read_vectors(db, m->zSchema, m->zName, "output", m->storage, m->dim, c->out, nOut, pzWhat);
  if( rc==SQLITE_OK && c->loss==W2V_LOSS_HS ){
    int t = w2v_tree_build(c->labels.counts, c->labels.n, &c->tree);
    if( t==W2V_ERR_INVALID ){
      rc = SQLITE_CORRUPT;
      *pzWhat = sqlite3_mprintf("the label counts in %s_labels cannot make a Huffman tree", m->zName);
    }else if( t ){
      rc = SQLITE_NOMEM;
    }
  }
  if( rc==SQLITE_OK ){
    /* (with no rows too: a table of rows the config does not count is damage) */
    c->aBucket = w2v_core_malloc(sizeof(int64_t)*(size_t)(c->nNgram ? c->nNgram : 1));
    c->ngram = w2v_core_malloc(sizeof(float)*(size_t)(c->nNgram ? c->nNgram : 1)*(size_t)m->dim);
    rc = c->aBucket && c->ngram ? w2v_store_read_ngrams(db, m->zSchema, m->zName, m->storage, m->dim, c->nNgram,
                                                         c->bucket, c->aBucket, c->ngram, pzWhat)
                                : SQLITE_NOMEM;
  }
  return rc;
}

/* Reads config, vocabulary and word vectors (or the search index) into a
** new model (one reference). */
static int load_model(sqlite3 *db, const char *zSchema, const char *zModel, sqlite3_int64 gen,
                      W2vModel **pp, char **pzWhat){
  W2vModel *m = sqlite3_malloc64(sizeof(W2vModel));
  W2vStoredMeta meta;
  int rc;
  *pp = 0;
  memset(&meta, 0, sizeof(meta));
  if( m==0 ) return SQLITE_NOMEM;
  memset(m, 0, sizeof(*m));
  w2v_vocab_init(&m->vocab);
  w2v_vocab_init(&m->phrasePairs);
  w2v_vocab_init(&m->docKeys);
  m->nRef = 1;
  m->generation = gen;
  m->zSchema = sqlite3_mprintf("%s", zSchema);
  m->zName = sqlite3_mprintf("%s", zModel);
  rc = (m->zSchema && m->zName) ? SQLITE_OK : SQLITE_NOMEM;
  if( rc==SQLITE_OK ) rc = w2v_store_read_config(db, zSchema, zModel, &meta, pzWhat);
  if( rc==SQLITE_OK ){
    m->arch = meta.arch;
    m->loss = meta.loss;
    m->dim = meta.dim;
    m->lower = meta.lower;
    m->fold = meta.fold;
    m->zTokenize = meta.zTokenize;   /* the model's now */
    m->nPhrasePass = meta.nPhrasePass;
    m->zPhraseDelim = meta.zPhraseDelim;
    meta.zTokenize = meta.zPhraseDelim = 0;
    m->storage = meta.storage;
    m->hasOutput = meta.output;
    m->minn = meta.minn;
    m->maxn = meta.maxn;
    m->bucket = meta.bucket;
    rc = read_words_and_index(db, m, &meta, pzWhat);
    m->countsSorted = w2v_counts_sorted(m->vocab.counts, m->vocab.n);
    if( rc==SQLITE_OK && m->nPhrasePass>0 ){
      rc = w2v_store_read_phrases(db, zSchema, zModel, m->nPhrasePass, m->zPhraseDelim, add_phrase, m, pzWhat);
    }
  }
  if( rc==SQLITE_OK ) rc = w2v_store_read_doc_meta(db, zSchema, zModel, &m->docMeta, pzWhat);
  if( rc==SQLITE_OK && meta.arch==W2V_SUPERVISED ){
    /* a classifier reads its word vectors whole: every query needs them */
    rc = clf_load(db, m, &meta, pzWhat);
    if( rc==SQLITE_OK && m->in==0 ) rc = read_input(db, m, pzWhat);
  }
  w2v_store_meta_free(&meta);
  if( rc!=SQLITE_OK ){
    model_free(m);
    return rc;
  }
  *pp = m;
  return SQLITE_OK;
}

/* A load error as the caller's message: damage (SQLITE_CORRUPT), or what
** stopped the reading (an authorizer, a limit, I/O). */
static char *load_error(const char *zFunc, const char *zModel, int rc, char *zWhat){
  char *z = 0;
  if( rc==SQLITE_INTERRUPT ){
    z = sqlite3_mprintf("%s: interrupted", zFunc);
  }else if( rc==SQLITE_CORRUPT ){
    z = sqlite3_mprintf("%s: model '%s' is damaged: %s", zFunc, zModel, zWhat ? zWhat : sqlite3_errstr(rc));
  }else if( rc!=SQLITE_NOMEM ){
    z = sqlite3_mprintf("%s: cannot read model '%s': %s", zFunc, zModel, zWhat ? zWhat : sqlite3_errstr(rc));
  }
  sqlite3_free(zWhat);
  return z;
}

/* The tables must still hold the model m was read from (a running query
** reads rows lazily; SQL run inside it may have replaced the model). */
static int check_current(sqlite3 *db, W2vModel *m, const char *zFunc, char **pzErr){
  sqlite3_int64 gen = w2v_store_generation(db, m->zSchema, m->zName);
  if( gen==m->generation ) return SQLITE_OK;
  if( gen==W2V_GEN_NOMEM ) return SQLITE_NOMEM;
  *pzErr = sqlite3_mprintf("%s: model '%s' was changed while this statement used it; run the query again",
                           zFunc, m->zName);
  return SQLITE_ERROR;
}

int w2v_model_input(sqlite3 *db, W2vModel *m, const char *zFunc, char **pzErr){
  char *zWhat = 0;
  int rc;
  if( m->in ) return SQLITE_OK;
  rc = check_current(db, m, zFunc, pzErr);
  if( rc==SQLITE_OK ) rc = read_input(db, m, &zWhat);
  if( rc!=SQLITE_OK && *pzErr==0 ) *pzErr = load_error(zFunc, m->zName, rc, zWhat);
  else sqlite3_free(zWhat);
  return rc;
}

void w2v_rows_init(W2vRows *r, sqlite3 *db, W2vModel *m, const char *zFunc){
  memset(r, 0, sizeof(*r));
  r->db = db;
  r->m = m;
  r->zFunc = zFunc;
  r->nChanges = sqlite3_total_changes64(db);
}

/* Before a lazy read: only this connection can change what its running
** statement reads; while it has changed nothing, the generation checked
** still holds.  0, or the error in r. */
static int rows_current(W2vRows *r){
  if( sqlite3_total_changes64(r->db)!=r->nChanges ){
    r->nChanges = sqlite3_total_changes64(r->db);
    r->rc = check_current(r->db, r->m, r->zFunc, &r->zErr);
  }
  return r->rc;
}

const float *w2v_rows_get(W2vRows *r, int64_t id){
  W2vModel *m = r->m;
  char *zWhat = 0;
  if( id<0 || id>=m->vocab.n ) return 0;
  if( m->in ) return m->in + id*m->dim;
  if( r->rc ) return 0;
  if( rows_current(r) ) return 0;
  if( r->p==0 ){
    r->buf = w2v_core_malloc(sizeof(float)*(size_t)m->dim);
    r->rc = r->buf ? w2v_store_row_prepare(r->db, m->zSchema, m->zName, &r->p, &zWhat) : SQLITE_NOMEM;
  }
  if( r->rc==SQLITE_OK ) r->rc = w2v_store_row_read(r->db, r->p, m->zName, m->storage, m->dim, id, r->buf, &zWhat);
  if( r->rc ){
    r->zErr = load_error(r->zFunc, m->zName, r->rc, zWhat);
    return 0;
  }
  return r->buf;
}

const float *w2v_rows_xrow(void *pRows, int64_t id){
  return w2v_rows_get((W2vRows*)pRows, id);
}

int w2v_rows_error(W2vRows *r, char **pzErr){
  int rc = r->rc ? r->rc : SQLITE_ERROR;
  *pzErr = r->zErr;
  r->zErr = 0;
  return rc;
}

/* Why fastText's rows are looked up one by one rather than loaded: a model
** without subwords has no table and pays nothing; one with them holds a
** row per bucket its vocabulary uses (millions for a large corpus, 2M x dim
** for an imported fastText model), while a query needs the 10 to 40 rows
** of the few unknown words it meets: an index probe each. */
const float *w2v_rows_word(W2vRows *r, int64_t id, const char *z, int n){
  W2vModel *m = r->m;
  char *zWhat = 0;
  int64_t nb, k, cnt = 0;
  int d;
  if( id>=0 ) return w2v_rows_get(r, id);
  if( m->maxn==0 || z==0 || n<=0 || r->rc ) return 0;
  nb = w2v_subword_buckets(z, (size_t)n, m->minn, m->maxn, (uint32_t)m->bucket, 0, 0);
  if( nb==0 ) return 0;
  if( nb>r->nBucketAlloc ){
    int64_t *a = sqlite3_realloc64(r->aBucket, sizeof(int64_t)*(size_t)nb);
    if( a==0 ){ r->rc = SQLITE_NOMEM; return 0; }
    r->aBucket = a;
    r->nBucketAlloc = nb;
  }
  w2v_subword_buckets(z, (size_t)n, m->minn, m->maxn, (uint32_t)m->bucket, r->aBucket, nb);
  if( rows_current(r) ) return 0;
  if( r->pNgram==0 ){
    if( r->sub==0 ) r->sub = sqlite3_malloc64(sizeof(float)*2*(size_t)m->dim);
    r->rc = r->sub ? w2v_store_ngram_prepare(r->db, m->zSchema, m->zName, &r->pNgram, &zWhat) : SQLITE_NOMEM;
    r->subRow = r->sub ? r->sub + m->dim : 0;
  }
  if( r->rc==SQLITE_OK ) memset(r->sub, 0, sizeof(float)*(size_t)m->dim);
  for(k=0; k<nb && r->rc==SQLITE_OK; k++){
    int rc = w2v_store_ngram_read(r->db, r->pNgram, m->zName, m->dim, r->aBucket[k], r->subRow, &zWhat);
    if( rc==SQLITE_ROW ){
      for(d=0; d<m->dim; d++) r->sub[d] += r->subRow[d];
      cnt++;
    }else if( rc!=SQLITE_DONE ){
      r->rc = rc;
    }
  }
  if( r->rc ){
    r->zErr = load_error(r->zFunc, m->zName, r->rc, zWhat);
    return 0;
  }
  sqlite3_free(zWhat);
  if( cnt==0 ) return 0;
  {
    float inv = 1.0f / (float)cnt;
    for(d=0; d<m->dim; d++) r->sub[d] *= inv;
  }
  return r->sub;
}

const float *w2v_model_text_vector(W2vRows *r, const char *z, int n, int64_t *pId){
  W2vModel *m = r->m;
  W2vWords w;
  const float *v = 0;
  int rc;
  *pId = -1;
  if( z==0 || r->rc ) return 0;
  if( m->maxn==0 ){
    rc = w2v_model_word(r->db, m, r->zFunc, z, n, pId, &r->zErr);
    if( rc ){ r->rc = rc; return 0; }
    return *pId>=0 ? w2v_rows_get(r, *pId) : 0;
  }
  if( m->zTokenize==0 && m->nPhrasePass==0 ){
    /* white space: the text is the word, byte for byte (folded) */
    int i = 0, s = 0, len;
    char buf[256], *zFold;
    size_t need;
    *pId = w2v_model_find(m, z, n);
    if( *pId>=0 ) return w2v_rows_get(r, *pId);
    len = w2v_next_token(z, n, &i, &s);
    if( len!=n || s!=0 ) return 0;         /* white space or NUL inside: no one word */
    if( m->fold==W2V_FOLD_NONE ) return w2v_rows_word(r, -1, z, n);
    need = W2V_FOLD_MAX((size_t)n);
    zFold = need<=sizeof(buf) ? buf : sqlite3_malloc64(need);
    if( zFold==0 ){ r->rc = SQLITE_NOMEM; return 0; }
    len = (int)w2v_text_fold(m->fold, zFold, z, (size_t)n);
    v = w2v_rows_word(r, -1, zFold, len);
    if( zFold!=buf ) sqlite3_free(zFold);
    return v;
  }
  memset(&w, 0, sizeof(w));
  rc = w2v_model_words(r->db, m, r->zFunc, z, n, &w, &r->zErr);
  if( rc ){ r->rc = rc; w2v_words_free(&w); return 0; }
  if( w.n==1 ){
    *pId = w.aId[0];
    v = w2v_rows_word(r, w.aId[0], w.zTok + w.aOff[0], w.aLen[0]);
  }
  w2v_words_free(&w);
  return v;
}

void w2v_rows_close(W2vRows *r){
  sqlite3_finalize(r->pNgram);
  sqlite3_free(r->sub);
  sqlite3_free(r->aBucket);
  sqlite3_finalize(r->p);
  w2v_core_free(r->buf);
  sqlite3_free(r->zErr);
  memset(r, 0, sizeof(*r));
}

/* The output weights (and the tree of hs) are read on first use: similarity
** queries never need them, and they are as large as the word vectors.  They
** are read into locals and published whole: reading runs SQL, which may run
** user code (a shadow table replaced by a view) that uses this very model. */
int w2v_model_output(sqlite3 *db, W2vModel *m, const char *zFunc, char **pzErr){
  sqlite3_int64 nOut;
  char *zWhat = 0;
  float *out;
  W2vTree tree;
  int rc;
  if( m->out ) return SQLITE_OK;
  if( m->clf ){
    *pzErr = sqlite3_mprintf("%s: model '%s' is a classifier (trained with label=%s): it predicts labels, "
                             "not words; use w2v_classify", zFunc, m->zName, m->clf->zLabelColumn);
    return SQLITE_ERROR;
  }
  if( m->loss==W2V_LOSS_NONE ){
    *pzErr = sqlite3_mprintf("%s: model '%s' has word vectors only (imported from a file), no output weights",
                             zFunc, m->zName);
    return SQLITE_ERROR;
  }
  if( !m->hasOutput ){
    *pzErr = sqlite3_mprintf("%s: model '%s' was saved with output=0: it has word vectors only, no output weights",
                             zFunc, m->zName);
    return SQLITE_ERROR;
  }
  /* the tables must still hold the model the word vectors came from */
  rc = check_current(db, m, zFunc, pzErr);
  if( rc!=SQLITE_OK ) return rc;
  memset(&tree, 0, sizeof(tree));
  nOut = w2v_loss_out_rows(m->loss, m->vocab.n);
  out = w2v_core_malloc((size_t)(nOut ? nOut : 1)*(size_t)m->dim*sizeof(float));
  rc = out ? w2v_store_read_vectors(db, m->zSchema, m->zName, "output", m->storage, m->dim, out, nOut, &zWhat)
           : SQLITE_NOMEM;
  if( rc==SQLITE_OK && m->out ){
    /* loaded meanwhile, from inside the read: keep that one */
    w2v_core_free(out);
    return SQLITE_OK;
  }
  if( rc==SQLITE_OK && m->loss==W2V_LOSS_HS ){
    int t = w2v_tree_build(m->vocab.counts, m->vocab.n, &tree);
    if( t==W2V_ERR_INVALID ){
      rc = SQLITE_CORRUPT;
      zWhat = sqlite3_mprintf("the word counts in %s_vocab cannot make a Huffman tree", m->zName);
    }else if( t ){
      rc = SQLITE_NOMEM;
    }
  }
  if( rc!=SQLITE_OK ){
    w2v_core_free(out);
    w2v_tree_free(&tree);
    *pzErr = load_error(zFunc, m->zName, rc, zWhat);
    return rc;
  }
  m->out = out;
  m->tree = tree;
  m->lossFn.kind = m->loss;
  m->lossFn.dim = m->dim;
  m->lossFn.ld = m->dim;      /* the stored rows are dense */
  m->lossFn.nWord = m->vocab.n;
  m->lossFn.out = m->out;
  m->lossFn.tree = m->loss==W2V_LOSS_HS ? &m->tree : 0;
  return SQLITE_OK;
}

void w2v_conn_forget(W2vConn *c, const char *zSchema, const char *zModel){
  W2vModel **pp = &c->pModels;
  if( zSchema==0 ) zSchema = "main";
  while( *pp ){
    W2vModel *m = *pp;
    if( sqlite3_stricmp(m->zName, zModel)==0 && sqlite3_stricmp(m->zSchema, zSchema)==0 ){
      *pp = m->pNext;
      m->pNext = 0;
      w2v_model_release(m);
    }else{
      pp = &m->pNext;
    }
  }
}

/* 1 when zSchema[0..n) names a database of the connection ("main",
** "temp" or an attached one). */
static int is_schema(sqlite3 *db, const char *zSchema, int n){
  char buf[128];
  if( n<=0 || n>=(int)sizeof(buf) ) return 0;
  memcpy(buf, zSchema, n);
  buf[n] = 0;
  return sqlite3_stricmp(buf, "temp")==0 || sqlite3_db_filename(db, buf)!=0;
}

const char *w2v_model_split(sqlite3 *db, const char *zModel, char *zSchema, int nSchema){
  const char *zDot = zModel ? strchr(zModel, '.') : 0;
  int n = zDot ? (int)(zDot - zModel) : 0;
  if( zDot && n<nSchema && is_schema(db, zModel, n) ){
    memcpy(zSchema, zModel, n);
    zSchema[n] = 0;
    return zDot + 1;
  }
  sqlite3_snprintf(nSchema, zSchema, "main");
  return zModel;
}

void w2v_conn_pin(W2vConn *c, const char *zSchema, const char *zModel){
  W2vModel *m;
  if( zSchema==0 ) zSchema = "main";
  for(m=c->pModels; m; m=m->pNext){
    if( m->nRef>1 && m->in==0 && sqlite3_stricmp(m->zName, zModel)==0 && sqlite3_stricmp(m->zSchema, zSchema)==0 ){
      /* what this connection reads now is what the running statement read
      ** (one snapshot), and it cannot check the generation from inside a
      ** schema change (DROP, RENAME); on failure the readers stop with an
      ** error when they next read a row */
      char *zWhat = 0;
      read_input(c->db, m, &zWhat);
      sqlite3_free(zWhat);
    }
  }
}

int w2v_model_acquire(W2vConn *c, const char *zFunc, const char *zSchema, const char *zModel,
                      W2vModel **pp, char **pzErr){
  sqlite3_int64 gen;
  W2vModel *m;
  char *zWhat = 0, zSplit[W2V_SCHEMA_NAME_MAX];
  int rc;
  *pp = 0;
  if( zModel==0 ){
    *pzErr = sqlite3_mprintf("%s: the model name is NULL", zFunc);
    return SQLITE_ERROR;
  }
  if( zSchema==0 ){
    zModel = w2v_model_split(c->db, zModel, zSplit, sizeof(zSplit));
    zSchema = zSplit;
  }
  gen = w2v_store_generation(c->db, zSchema, zModel);
  if( gen==W2V_GEN_NOMEM ) return SQLITE_NOMEM;
  if( gen==W2V_GEN_ERROR ){
    *pzErr = sqlite3_mprintf("%s: model '%s': %s", zFunc, zModel, sqlite3_errmsg(c->db));
    return sqlite3_errcode(c->db)==SQLITE_OK ? SQLITE_ERROR : sqlite3_errcode(c->db);
  }
  if( gen==W2V_GEN_DAMAGED ){
    w2v_conn_forget(c, zSchema, zModel);
    *pzErr = sqlite3_mprintf("%s: model '%s' is damaged: no generation in %s_config", zFunc, zModel, zModel);
    return SQLITE_CORRUPT;
  }
  if( gen==W2V_GEN_NONE ){
    w2v_conn_forget(c, zSchema, zModel);
    *pzErr = sqlite3_mprintf("%s: no such model '%s'", zFunc, zModel);
    return SQLITE_ERROR;
  }
  for(m=c->pModels; m; m=m->pNext){
    if( sqlite3_stricmp(m->zName, zModel)==0 && sqlite3_stricmp(m->zSchema, zSchema)==0 && m->generation==gen ){
      m->nRef++;
      *pp = m;
      return SQLITE_OK;
    }
  }
  w2v_conn_forget(c, zSchema, zModel);
  rc = load_model(c->db, zSchema, zModel, gen, &m, &zWhat);
  if( rc!=SQLITE_OK ){
    *pzErr = load_error(zFunc, zModel, rc, zWhat);
    return rc;
  }
  m->pNext = c->pModels;
  c->pModels = m;
  m->nRef++;          /* one for the cache, one for the caller */
  *pp = m;
  return SQLITE_OK;
}

/* The eponymous table-valued functions (registered in w2v.c): a table of
** the same name in a database file would hide them there. */
int w2v_name_reserved(const char *zName){
  static const char *const az[] = { "w2v_similar", "w2v_predict", "w2v_tokens", "w2v_phrases",
                                    "w2v_similar_docs", "w2v_kmeans", "w2v_project", "w2v_classify" };
  size_t i;
  for(i=0; i<sizeof(az)/sizeof(az[0]); i++) if( zName && sqlite3_stricmp(zName, az[i])==0 ) return 1;
  return 0;
}

int w2v_target_open(sqlite3 *db, const char *zFunc, const char *zModel, int mayExist, const char *zHint,
                    W2vTarget *t, char **pzErr){
  const char *zDot;
  char *zTaken = 0;
  int rc = SQLITE_ERROR;
  memset(t, 0, sizeof(*t));
  t->expectGen = W2V_GEN_NONE;
  if( zModel==0 || zModel[0]==0 ){
    *pzErr = sqlite3_mprintf("%s: the options need model=NAME", zFunc);
    return SQLITE_ERROR;
  }
  t->zName = w2v_model_split(db, zModel, t->zSchema, sizeof(t->zSchema));
  zDot = strchr(t->zName, '.');
  if( zDot ){
    *pzErr = sqlite3_mprintf("%s: model name '%s': no database '%.*s' is attached (model=SCHEMA.NAME writes into "
                             "an attached database; a model name has no dot)", zFunc, zModel,
                             (int)(zDot - t->zName), t->zName);
    return SQLITE_ERROR;
  }
  if( t->zName[0]==0 ){
    *pzErr = sqlite3_mprintf("%s: model name '%s' has no name after the schema", zFunc, zModel);
    return SQLITE_ERROR;
  }
  if( w2v_name_reserved(t->zName) ){
    *pzErr = sqlite3_mprintf("%s: '%s' is the name of one of w2v's functions; choose another model name", zFunc, t->zName);
    return SQLITE_ERROR;
  }
  t->state = w2v_store_state(db, t->zSchema, t->zName, &zTaken);
  if( t->state==W2V_NAME_ERROR ){
    rc = zTaken ? SQLITE_ERROR : SQLITE_NOMEM;
    *pzErr = sqlite3_mprintf("%s: %s", zFunc, zTaken ? zTaken : "out of memory");
  }else if( t->state==W2V_NAME_MODEL && !mayExist ){
    *pzErr = sqlite3_mprintf("%s: model '%s' already exists %s", zFunc, zModel, zHint);
  }else if( t->state==W2V_NAME_TAKEN && zTaken && sqlite3_stricmp(zTaken, t->zName)!=0 ){
    *pzErr = sqlite3_mprintf("%s: model '%s' needs the table name '%s', which is taken", zFunc, zModel, zTaken);
  }else if( t->state==W2V_NAME_TAKEN ){
    *pzErr = sqlite3_mprintf("%s: '%s' already exists and is not a w2v model", zFunc, zModel);
  }else{
    rc = SQLITE_OK;
    /* what the write will check is still there */
    if( t->state==W2V_NAME_MODEL ){
      t->expectGen = w2v_store_generation(db, t->zSchema, t->zName);
      if( t->expectGen==W2V_GEN_NOMEM ) rc = SQLITE_NOMEM;
    }
  }
  sqlite3_free(zTaken);
  return rc;
}

/* ---- documents (docs=dbow|dm) -------------------------------------------- */

int w2v_model_docs(sqlite3 *db, W2vModel *m, const char *zFunc, char **pzErr){
  W2vVocab keys;
  float *docv;
  char *zWhat = 0;
  int rc, keyText = 0;
  if( m->docv ) return SQLITE_OK;
  if( m->docMeta.docs==0 ){
    *pzErr = sqlite3_mprintf("%s: model '%s' has no document vectors (train it with docs=dbow or docs=dm)",
                             zFunc, m->zName);
    return SQLITE_ERROR;
  }
  /* the tables must still hold the model m was read from */
  rc = check_current(db, m, zFunc, pzErr);
  if( rc!=SQLITE_OK ) return rc;
  w2v_vocab_init(&keys);
  rc = w2v_store_read_docs(db, m->zSchema, m->zName, m->docMeta.nDoc, m->dim, &keys, &keyText, &docv, &zWhat);
  if( rc==SQLITE_OK && m->docv ){
    /* read meanwhile, from inside the read (user SQL): keep that one */
    w2v_core_free(docv);
    w2v_vocab_free(&keys);
    return SQLITE_OK;
  }
  if( rc!=SQLITE_OK ){
    w2v_core_free(docv);
    w2v_vocab_free(&keys);
    *pzErr = load_error(zFunc, m->zName, rc, zWhat);
    return rc;
  }
  m->docKeys = keys;
  m->docKeyText = keyText;
  m->docv = docv;
  return SQLITE_OK;
}

const W2vKnn *w2v_model_doc_knn(W2vModel *m){
  if( m->docKnn.q8==0 ){
    if( w2v_knn_build(&m->docKnn, m->docv, m->docMeta.nDoc, m->dim) ) return 0;
  }
  return &m->docKnn;
}

int64_t w2v_model_doc_find(const W2vModel *m, sqlite3_value *v){
  if( m->docKeyText ){
    const char *z = (const char*)sqlite3_value_text(v);
    if( z==0 || sqlite3_value_type(v)==SQLITE_NULL ) return -1;
    return w2v_vocab_find(&m->docKeys, z, (uint32_t)sqlite3_value_bytes(v));
  }else{
    sqlite3_int64 iv;
    int t = sqlite3_value_numeric_type(v);
    if( t==SQLITE_FLOAT ){
      double r = sqlite3_value_double(v);
      if( !(r>=-9.2e18 && r<=9.2e18) || r!=floor(r) ) return -1;
      iv = (sqlite3_int64)r;
    }else if( t==SQLITE_INTEGER ){
      iv = sqlite3_value_int64(v);
    }else{
      return -1;
    }
    return w2v_vocab_find(&m->docKeys, (const char*)&iv, sizeof(iv));
  }
}

void w2v_model_doc_key(const W2vModel *m, int64_t id, sqlite3_context *ctx){
  const char *z = w2v_vocab_word(&m->docKeys, id);
  if( m->docKeyText ){
    sqlite3_result_text(ctx, z, (int)m->docKeys.lens[id], SQLITE_TRANSIENT);
  }else{
    sqlite3_int64 iv;
    memcpy(&iv, z, sizeof(iv));
    sqlite3_result_int64(ctx, iv);
  }
}

W2vModel *w2v_model_arg(sqlite3_context *ctx, const char *zFunc, sqlite3_value *v){
  W2vModel *m = 0;
  const char *zModel;
  char *zErr = 0;
  int rc;
  if( w2v_text_arg(ctx, zFunc, "model name", v, &zModel) ) return 0;
  rc = w2v_model_acquire(sqlite3_user_data(ctx), zFunc, 0, zModel, &m, &zErr);
  if( rc ){ w2v_result_error(ctx, zErr, rc); return 0; }
  return m;
}
