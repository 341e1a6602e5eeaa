/*
** w2v_train with label=COLUMN: a text classifier, fastText's supervised
** mode.  Every row with text and a label is an example: its words (known
** ones, after min_count) and, with word_ngrams=N > 1, the hash buckets of
** its word n-grams (fastText's Dictionary::addWordNgrams, FNV-1a hashes of
** every word, known or not) and, with maxn > 0, the buckets of every word's
** character n-grams (fastText's Dictionary::addSubwords: a known word is
** its row and its n-grams, an unknown one its n-grams alone; the same bucket
** space) are the input rows; the label value, split at
** white space, gives one or more labels.  Rows with a NULL or empty label or
** no text are skipped.  Only the buckets the examples touch get a row
** (fastText allocates all `bucket` of them): they are stored in
** <model>_ngrams(bucket, vector).  The core trains (supervised.c); the
** model is written in one savepoint, like any other (store.c), all or
** nothing.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3
#include "w2vInt.h"

static double clf_now(void){
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec*1e-9;
}

/* Growing arrays of int32 and int64. */
typedef struct I32s { int32_t *a; int64_t n, nAlloc; } I32s;
typedef struct I64s { int64_t *a; int64_t n, nAlloc; } I64s;
static int i32_push(I32s *v, int32_t x){
  if( v->n==v->nAlloc ){
    int64_t n = v->nAlloc ? v->nAlloc*2 : 4096;
    int32_t *p = realloc(v->a, (size_t)n*sizeof(int32_t));
    if( p==0 ) return -1;
    v->a = p; v->nAlloc = n;
  }
  v->a[v->n++] = x;
  return 0;
}
static int i64_push(I64s *v, int64_t x){
  if( v->n==v->nAlloc ){
    int64_t n = v->nAlloc ? v->nAlloc*2 : 1024;
    int64_t *p = realloc(v->a, (size_t)n*sizeof(int64_t));
    if( p==0 ) return -1;
    v->a = p; v->nAlloc = n;
  }
  v->a[v->n++] = x;
  return 0;
}
static int64_t i32_bytes(const I32s *v){ return v->nAlloc*(int64_t)sizeof(int32_t); }
static int64_t i64_bytes(const I64s *v){ return v->nAlloc*(int64_t)sizeof(int64_t); }

/* What the rows read give: each example's raw word ids and raw label ids. */
typedef struct ClfRead {
  W2vVocab raw, rawLabels;
  I32s tok, lab;
  I64s tokEnd, labEnd;
  int full;
  sqlite3_int64 nSkipped;
} ClfRead;

static int clf_add_token(void *pCtx, const char *z, int n, int iStart, int iEnd){
  ClfRead *r = pCtx;
  int64_t id = w2v_vocab_add(&r->raw, z, (uint32_t)n, 1);
  (void)iStart; (void)iEnd;
  if( id==W2V_ERR_FULL ){ r->full = 1; return SQLITE_TOOBIG; }
  if( id<0 || i32_push(&r->tok, (int32_t)id) ) return SQLITE_NOMEM;
  return SQLITE_OK;
}

/* bucket -> compact n-gram index (open addressing over int64 keys) */
typedef struct NgramMap {
  int64_t *key;        /* -1: empty */
  int32_t *val;
  uint64_t nSlot;
  I64s buckets;        /* compact index -> bucket */
} NgramMap;
static int64_t map_get(NgramMap *m, int64_t b){
  uint64_t i;
  if( m->buckets.n*2 >= (int64_t)m->nSlot ){
    uint64_t nNew = m->nSlot ? m->nSlot*2 : 4096, j;
    int64_t *k = malloc(nNew*sizeof(int64_t));
    int32_t *v = malloc(nNew*sizeof(int32_t));
    if( k==0 || v==0 ){ free(k); free(v); return -1; }
    memset(k, 0xff, nNew*sizeof(int64_t));
    for(j=0; j<m->nSlot; j++){
      if( m->key[j]<0 ) continue;
      for(i=((uint64_t)m->key[j]*0x9e3779b97f4a7c15ULL)&(nNew-1); k[i]>=0; i=(i+1)&(nNew-1)){}
      k[i] = m->key[j]; v[i] = m->val[j];
    }
    free(m->key); free(m->val);
    m->key = k; m->val = v; m->nSlot = nNew;
  }
  for(i=((uint64_t)b*0x9e3779b97f4a7c15ULL)&(m->nSlot-1); m->key[i]>=0; i=(i+1)&(m->nSlot-1)){
    if( m->key[i]==b ) return m->val[i];
  }
  if( m->buckets.n>=0x7fffffff || i64_push(&m->buckets, b) ) return -1;
  m->key[i] = b;
  m->val[i] = (int32_t)(m->buckets.n - 1);
  return m->val[i];
}

/* Reads every row of table.(column, label). */
static int clf_read(sqlite3 *db, const char *zTable, const char *zColumn, const W2vOptions *o, W2vText *text,
                    ClfRead *r, char **pzErr){
  sqlite3_stmt *p = 0;
  sqlite3_int64 nRow = 0;
  int32_t aRowLab[64];
  int rc = w2v_source_prepare(db, "w2v_train", zTable, zColumn, o->zLabel, &p, pzErr);
  if( rc!=SQLITE_OK ) return rc;
  while( (rc = sqlite3_step(p))==SQLITE_ROW ){
    const char *zLab, *z;
    int nLab, n, i = 0, s, len, nRowLab = 0, k;
    int64_t tok0 = r->tok.n;
    nRow++;
    if( sqlite3_column_type(p, 1)==SQLITE_NULL || sqlite3_column_type(p, 0)==SQLITE_NULL ){ r->nSkipped++; continue; }
    zLab = (const char*)sqlite3_column_text(p, 1);
    nLab = sqlite3_column_bytes(p, 1);
    if( zLab==0 ){ rc = SQLITE_NOMEM; break; }
    /* the labels: white-space separated, as written (no folding) */
    while( rc==SQLITE_ROW && (len = w2v_next_token(zLab, nLab, &i, &s))>0 ){
      int64_t id = w2v_vocab_add(&r->rawLabels, zLab+s, (uint32_t)len, 0);
      if( id<0 ){ rc = id==W2V_ERR_FULL ? SQLITE_TOOBIG : SQLITE_NOMEM; break; }
      for(k=0; k<nRowLab && aRowLab[k]!=(int32_t)id; k++){}
      if( k<nRowLab ) continue;
      if( nRowLab==(int)(sizeof(aRowLab)/sizeof(aRowLab[0])) ){
        *pzErr = sqlite3_mprintf("w2v_train: row %lld of %s has more than 64 labels in %s", nRow, zTable, o->zLabel);
        rc = SQLITE_ERROR;
        break;
      }
      aRowLab[nRowLab++] = (int32_t)id;
    }
    if( rc!=SQLITE_ROW ) break;
    if( nRowLab==0 ){ r->nSkipped++; continue; }
    z = (const char*)sqlite3_column_text(p, 0);
    n = sqlite3_column_bytes(p, 0);
    if( z==0 ){ rc = SQLITE_NOMEM; break; }
    rc = w2v_text_split(text, z, n, clf_add_token, r);
    if( r->full ){
      *pzErr = sqlite3_mprintf("w2v_train: more than 2147483647 distinct words");
      rc = SQLITE_TOOBIG;
      break;
    }
    if( rc==SQLITE_NOMEM ) break;
    if( rc!=SQLITE_OK ){
      *pzErr = sqlite3_mprintf("w2v_train: the tokenizer failed on a row of %s.%s (error %d)", zTable, zColumn, rc);
      break;
    }
    rc = SQLITE_ROW;
    if( r->tok.n==tok0 ){ r->nSkipped++; continue; }
    for(k=0; k<nRowLab && rc==SQLITE_ROW; k++){
      r->rawLabels.counts[aRowLab[k]]++;
      if( i32_push(&r->lab, aRowLab[k]) ) rc = SQLITE_NOMEM;
    }
    if( rc==SQLITE_ROW && (i64_push(&r->tokEnd, r->tok.n) || i64_push(&r->labEnd, r->lab.n)) ) rc = SQLITE_NOMEM;
    if( rc!=SQLITE_ROW ) break;
    if( i32_bytes(&r->tok) + i32_bytes(&r->lab) + i64_bytes(&r->tokEnd) + i64_bytes(&r->labEnd)
        + w2v_vocab_bytes(&r->raw) + w2v_vocab_bytes(&r->rawLabels) > o->maxMemory ){
      *pzErr = sqlite3_mprintf("w2v_train: reading %s.%s needs more than max_memory=%lld MiB (%lld rows so far); "
                               "raise max_memory", zTable, zColumn, o->maxMemory>>20, nRow);
      rc = SQLITE_TOOBIG;
      break;
    }
  }
  if( rc==SQLITE_DONE ){
    rc = SQLITE_OK;
  }else if( rc==SQLITE_ROW ){
    rc = SQLITE_ERROR;
  }else if( *pzErr==0 && rc!=SQLITE_NOMEM ){
    *pzErr = sqlite3_mprintf("w2v_train: reading %s.%s: %s", zTable, zColumn, sqlite3_errmsg(db));
  }
  sqlite3_finalize(p);
  return rc;
}

static void clf_read_free(ClfRead *r){
  w2v_vocab_free(&r->raw);
  w2v_vocab_free(&r->rawLabels);
  free(r->tok.a); free(r->lab.a); free(r->tokEnd.a); free(r->labEnd.a);
  memset(r, 0, sizeof(*r));
}

/* Runs the trainer to the end, cancelling it on an interrupt. */
static int clf_run(sqlite3 *db, W2vSupTrainer *t, const W2vOptions *o, char **pzErr){
  sqlite3_stmt *pProbe = w2v_probe_open(db);
  W2vTrainEnd r;
  int tick = 0;
  if( pProbe==0 ){
    w2v_sup_cancel(t);
    w2v_sup_join(t);
    return SQLITE_NOMEM;
  }
  while( !w2v_sup_done(t) ){
    struct timespec ts = { 0, 2*1000*1000 };
    nanosleep(&ts, 0);
    if( w2v_interrupted(pProbe) ){ w2v_sup_cancel(t); break; }
    if( o->progress && ++tick%125==0 ){
      fprintf(stderr, "\rw2v_train %s: %5.1f%% ", o->zModel, 100.0*w2v_sup_progress(t));
      fflush(stderr);
    }
  }
  if( o->progress ) fprintf(stderr, "\rw2v_train %s: %5.1f%%\n", o->zModel, 100.0*w2v_sup_progress(t));
  sqlite3_finalize(pProbe);
  r = w2v_sup_join(t);
  return w2v_train_end_error(r, pzErr);
}

void w2v_clf_train(sqlite3_context *ctx, const char *zTable, const char *zColumn, W2vOptions *o){
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  W2vConn *conn = sqlite3_user_data(ctx);
  W2vTarget target;
  W2vText text;
  ClfRead r;
  W2vVocab vocab, labels;
  NgramMap map;
  I32s rows, labs;
  I64s rowEnd, labEnd;
  int32_t *remap = 0, *lremap = 0;
  uint32_t *aHash = 0, *aTokHash = 0;
  int64_t *aNg = 0, maxTok = 0, e;
  int64_t *subStart = 0;          /* subwords: raw word i's n-gram rows are */
  int32_t *subRows = 0;           /* subRows[subStart[i]..subStart[i+1]) */
  W2vSupTrainer *t = 0;
  char *zErr = 0, *zJson = 0;
  int rc, textOpen = 0;
  double t0 = clf_now();

  memset(&r, 0, sizeof(r));
  memset(&map, 0, sizeof(map));
  memset(&rows, 0, sizeof(rows)); memset(&labs, 0, sizeof(labs));
  memset(&rowEnd, 0, sizeof(rowEnd)); memset(&labEnd, 0, sizeof(labEnd));
  w2v_vocab_init(&r.raw);
  w2v_vocab_init(&r.rawLabels);
  w2v_vocab_init(&vocab);
  w2v_vocab_init(&labels);

  rc = w2v_target_open(db, "w2v_train", o->zModel, o->replace, "(replace=1 trains it again)", &target, &zErr);
  if( rc!=SQLITE_OK ) goto done;
  rc = w2v_text_open(db, 0, "w2v_train", o->zTokenize, o->fold, &text, &zErr);
  if( rc!=SQLITE_OK ) goto done;
  textOpen = 1;
  rc = clf_read(db, zTable, zColumn, o, &text, &r, &zErr);
  w2v_text_close(&text);
  textOpen = 0;
  if( rc!=SQLITE_OK ) goto done;
  if( r.tokEnd.n==0 ){
    zErr = sqlite3_mprintf("w2v_train: no row of %s has both text in %s and a label in %s (%lld rows skipped)",
                           zTable, zColumn, o->zLabel, r.nSkipped);
    rc = SQLITE_ERROR; goto done;
  }
  remap = malloc((size_t)r.raw.n*sizeof(int32_t) + 1);
  lremap = malloc((size_t)r.rawLabels.n*sizeof(int32_t) + 1);
  if( remap==0 || lremap==0 ){ rc = SQLITE_NOMEM; goto done; }
  if( w2v_vocab_prune(&r.raw, o->minCount, o->maxVocab, &vocab, remap)
   || w2v_vocab_prune(&r.rawLabels, 1, 0, &labels, lremap) ){ rc = SQLITE_NOMEM; goto done; }
  if( vocab.n==0 ){
    zErr = sqlite3_mprintf("w2v_train: no word of %s.%s occurs min_count=%lld times or more", zTable, zColumn, o->minCount);
    rc = SQLITE_ERROR; goto done;
  }
  if( o->maxn>0 ){
    /* subwords: every word's character n-gram rows, known or not (fastText's
    ** Dictionary::addSubwords: an unknown word is its n-grams only), each
    ** word once; the same bucket space and map as the word n-grams */
    int64_t i, k, nMax = 0, tot = 0, c;
    int64_t *aB = 0;
    subStart = malloc((size_t)(r.raw.n+1)*sizeof(int64_t));
    if( subStart==0 ){ rc = SQLITE_NOMEM; goto done; }
    for(i=0; i<r.raw.n; i++){
      c = w2v_subword_buckets(w2v_vocab_word(&r.raw, i), r.raw.lens[i], o->minn, o->maxn, (uint32_t)o->bucket, 0, 0);
      subStart[i] = tot;
      tot += c;
      if( c>nMax ) nMax = c;
    }
    subStart[r.raw.n] = tot;
    if( (int64_t)sizeof(int32_t)*tot + (int64_t)sizeof(int64_t)*(r.raw.n+1) > o->maxMemory ){
      zErr = sqlite3_mprintf("w2v_train: the subwords of %lld words need more than max_memory=%lld MiB; raise max_memory",
                             (sqlite3_int64)r.raw.n, o->maxMemory>>20);
      rc = SQLITE_TOOBIG; goto done;
    }
    subRows = malloc((size_t)tot*sizeof(int32_t) + 1);
    aB = malloc((size_t)nMax*sizeof(int64_t) + 1);
    if( subRows==0 || aB==0 ){ free(aB); rc = SQLITE_NOMEM; goto done; }
    for(i=0; i<r.raw.n && rc==SQLITE_OK; i++){
      c = w2v_subword_buckets(w2v_vocab_word(&r.raw, i), r.raw.lens[i], o->minn, o->maxn, (uint32_t)o->bucket, aB, nMax);
      for(k=0; k<c; k++){
        int64_t idx = map_get(&map, aB[k]);
        if( idx<0 || vocab.n + idx > 0x7fffffffLL ){ rc = SQLITE_NOMEM; break; }
        subRows[subStart[i]+k] = (int32_t)(vocab.n + idx);
      }
    }
    free(aB);
    if( rc!=SQLITE_OK ) goto done;
  }
  if( o->wordNgrams>1 ){
    int64_t i;
    aHash = malloc((size_t)r.raw.n*sizeof(uint32_t) + 1);
    if( aHash==0 ){ rc = SQLITE_NOMEM; goto done; }
    for(i=0; i<r.raw.n; i++) aHash[i] = w2v_fasttext_hash(w2v_vocab_word(&r.raw, i), r.raw.lens[i]);
    for(e=0; e<r.tokEnd.n; e++){
      int64_t n = r.tokEnd.a[e] - (e ? r.tokEnd.a[e-1] : 0);
      if( n>maxTok ) maxTok = n;
    }
    aTokHash = malloc((size_t)maxTok*sizeof(uint32_t) + 1);
    aNg = malloc((size_t)maxTok*(size_t)(o->wordNgrams-1)*sizeof(int64_t) + 1);
    if( aTokHash==0 || aNg==0 ){ rc = SQLITE_NOMEM; goto done; }
  }
  /* the examples: word rows, then n-gram rows (vocab.n + compact index) */
  for(e=0; e<r.tokEnd.n && rc==SQLITE_OK; e++){
    int64_t a = e ? r.tokEnd.a[e-1] : 0, b = r.tokEnd.a[e], j, r0 = rows.n;
    for(j=a; j<b && rc==SQLITE_OK; j++){
      int32_t id = remap[r.tok.a[j]];
      if( id>=0 && i32_push(&rows, id) ) rc = SQLITE_NOMEM;
      if( subRows ){
        int64_t k;
        for(k=subStart[r.tok.a[j]]; k<subStart[r.tok.a[j]+1] && rc==SQLITE_OK; k++){
          if( i32_push(&rows, subRows[k]) ) rc = SQLITE_NOMEM;
        }
      }
    }
    if( o->wordNgrams>1 && rc==SQLITE_OK ){
      int64_t nNg, k;
      for(j=a; j<b; j++) aTokHash[j-a] = aHash[r.tok.a[j]];
      nNg = w2v_sup_ngrams(aTokHash, b-a, o->wordNgrams, o->bucket, aNg);
      for(k=0; k<nNg && rc==SQLITE_OK; k++){
        int64_t idx = map_get(&map, aNg[k]);
        if( idx<0 || vocab.n + idx > 0x7fffffffLL ) rc = SQLITE_NOMEM;
        else if( i32_push(&rows, (int32_t)(vocab.n + idx)) ) rc = SQLITE_NOMEM;
      }
    }
    if( rc!=SQLITE_OK ) break;
    if( rows.n==r0 ) continue;      /* no known word, no n-gram, no subword */
    for(j=e ? r.labEnd.a[e-1] : 0; j<r.labEnd.a[e] && rc==SQLITE_OK; j++){
      if( i32_push(&labs, lremap[r.lab.a[j]]) ) rc = SQLITE_NOMEM;
    }
    if( rc==SQLITE_OK && (i64_push(&rowEnd, rows.n) || i64_push(&labEnd, labs.n)) ) rc = SQLITE_NOMEM;
  }
  if( rc!=SQLITE_OK ) goto done;
  free(aHash); aHash = 0;
  free(aTokHash); aTokHash = 0;
  free(aNg); aNg = 0;
  free(subStart); subStart = 0;
  free(subRows); subRows = 0;
  free(map.key); free(map.val); map.key = 0; map.val = 0;
  free(r.tok.a); r.tok.a = 0;
  if( rowEnd.n==0 ){
    zErr = sqlite3_mprintf("w2v_train: no row of %s has a word that occurs min_count=%lld times or more", zTable, o->minCount);
    rc = SQLITE_ERROR; goto done;
  }

  {
    W2vSupParams p;
    W2vSupData d;
    int64_t nInput = vocab.n + map.buckets.n, need;
    char *zTErr = 0;
    memset(&p, 0, sizeof(p));
    p.loss = o->loss; p.dim = o->dim; p.epochs = o->epochs; p.threads = o->threads;
    p.negative = o->negative; p.alpha = o->alpha; p.minAlpha = o->minAlpha;
    p.nsExponent = o->nsExponent; p.seed = (uint64_t)o->seed;
    d.rows = rows.a; d.rowEnds = rowEnd.a; d.labels = labs.a; d.labelEnds = labEnd.a; d.nEx = rowEnd.n;
    need = w2v_sup_bytes(&p, nInput, labels.n, d.nEx) + i32_bytes(&rows) + i32_bytes(&labs)
         + i64_bytes(&rowEnd) + i64_bytes(&labEnd) + w2v_vocab_bytes(&vocab);
    if( need>o->maxMemory ){
      zErr = sqlite3_mprintf("w2v_train: training needs about %lld MiB (%lld words and %lld n-gram rows x dim %d), "
                             "over max_memory=%lld MiB; lower dim or bucket, or raise max_memory",
                             (sqlite3_int64)(need>>20), (sqlite3_int64)vocab.n, (sqlite3_int64)map.buckets.n,
                             o->dim, o->maxMemory>>20);
      rc = SQLITE_TOOBIG; goto done;
    }
    t = w2v_sup_start(&p, &d, nInput, labels.counts, labels.n, &zTErr);
    if( t==0 ){
      zErr = sqlite3_mprintf("w2v_train: %s", zTErr ? zTErr : "out of memory");
      w2v_core_free(zTErr);
      rc = SQLITE_NOMEM; goto done;
    }
  }
  rc = clf_run(db, t, o, &zErr);
  if( rc!=SQLITE_OK ) goto done;

  {
    sqlite3_str *s = sqlite3_str_new(0);
    double secs = clf_now() - t0;
    int64_t nEx = w2v_sup_examples(t);
    sqlite3_str_appendall(s, "{\"model\":");
    w2v_json_string(s, o->zModel);
    sqlite3_str_appendf(s, ",\"arch\":\"supervised\",\"loss\":\"%s\",\"label\":", w2v_loss_name(o->loss));
    w2v_json_string(s, o->zLabel);
    sqlite3_str_appendf(s, ",\"dim\":%d,\"vocab_size\":%lld,\"labels\":%lld,\"word_ngrams\":%d,\"minn\":%d,\"maxn\":%d,\"bucket\":%lld,"
                        "\"ngram_rows\":%lld,\"examples\":%lld,\"rows_skipped\":%lld,\"epochs\":%d,\"threads\":%d,"
                        "\"seconds\":%.3f,\"examples_per_second\":%.0f,\"final_loss\":%.6g}",
                        o->dim, (sqlite3_int64)vocab.n, (sqlite3_int64)labels.n, o->wordNgrams,
                        o->maxn>0 ? o->minn : 0, o->maxn, o->bucket,
                        (sqlite3_int64)map.buckets.n, (sqlite3_int64)rowEnd.n,
                        r.nSkipped + (sqlite3_int64)(r.tokEnd.n - rowEnd.n), o->epochs, o->threads, secs,
                        secs>0 ? (double)nEx/secs : 0.0, w2v_sup_final_loss(t));
    zJson = sqlite3_str_finish(s);
    if( zJson==0 ){ rc = SQLITE_NOMEM; goto done; }
  }
  if( (sqlite3_int64)strlen(zJson) > sqlite3_limit(db, SQLITE_LIMIT_LENGTH, -1) ){
    zErr = sqlite3_mprintf("w2v_train: the summary is over this connection's length limit; nothing was written");
    rc = SQLITE_TOOBIG; goto done;
  }
  {
    static const char *const azKey[] = { "negative", "ns_exponent", "min_count", "max_vocab", "alpha", "min_alpha",
                                         "epochs", "threads", "seed", "label", "word_ngrams", "bucket",
                                         "minn", "maxn" };
    W2vConfigItem aItem[sizeof(azKey)/sizeof(azKey[0])];
    /* minn and maxn (the last two) only with subwords: the store writes its
    ** own minn/maxn/bucket keys for word models only (sm.maxn stays 0) */
    int nKey = (int)(sizeof(azKey)/sizeof(azKey[0])) - (o->maxn>0 ? 0 : 2);
    W2vStoreModel sm;
    const float *in = w2v_sup_input(t);
    size_t i;
    memset(&sm, 0, sizeof(sm));
    for(i=0; i<(size_t)nKey; i++){
      w2v_options_item(&w2v_train_options, o, w2v_options_index(&w2v_train_options, azKey[i]), &aItem[i]);
    }
    sm.zSchema = target.zSchema;
    sm.zModel = target.zName;
    sm.arch = W2V_SUPERVISED; sm.loss = o->loss; sm.dim = o->dim; sm.lower = o->lower; sm.fold = o->fold;
    sm.zTokenize = o->zTokenize;
    sm.vocab = &vocab;
    sm.in = in;
    sm.storage = o->storage;
    sm.output = 1;
    sm.nOut = w2v_sup_out_rows(o->loss, labels.n);
    sm.out = sm.nOut>0 ? w2v_sup_output(t) : 0;
    sm.zStats = zJson;
    sm.aConfig = aItem;
    sm.nConfig = nKey;
    sm.nLabel = labels.n;
    sm.labels = &labels;
    sm.nNgram = map.buckets.n;
    sm.ngramBucket = map.buckets.a;
    sm.ngram = in + vocab.n*o->dim;
    w2v_conn_pin(conn, target.zSchema, target.zName);
    rc = w2v_store_save(db, "w2v_train", &sm, target.expectGen, &zErr);
    if( rc!=SQLITE_OK ) goto done;
    w2v_conn_forget(conn, target.zSchema, target.zName);
  }
  sqlite3_result_text(ctx, zJson, -1, sqlite3_free);
  zJson = 0;

done:
  if( rc!=SQLITE_OK ){
    if( zErr==0 && rc==SQLITE_NOMEM ) zErr = sqlite3_mprintf("w2v_train: out of memory");
    w2v_result_error(ctx, zErr, rc);
  }
  if( textOpen ) w2v_text_close(&text);
  sqlite3_free(zJson);
  w2v_sup_free(t);
  clf_read_free(&r);
  w2v_vocab_free(&vocab);
  w2v_vocab_free(&labels);
  free(remap); free(lremap); free(aHash); free(aTokHash); free(aNg); free(subStart); free(subRows);
  free(map.key); free(map.val); free(map.buckets.a);
  free(rows.a); free(labs.a); free(rowEnd.a); free(labEnd.a);
}
