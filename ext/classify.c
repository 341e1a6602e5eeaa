/*
** A classifier's queries (models trained with label=, clf_train.c):
**
**   w2v_classify(model, text [, k [, threshold]])   table-valued: label,
**       probability, rank: the k most probable labels of the text (k
**       default 1, -1: every label) whose probability reaches threshold
**       (default 0), best first; fastText's predict-prob.
**   w2v_eval_classifier(model, table, text_column, label_column [, k])
**       JSON: precision@k and recall@k over the rows, and per label, as
**       fastText's test and test-label compute them (its Meter).
**
** A text is read as training read its rows: the model's tokenizer and
** folding, its known words' rows, and with word_ngrams=N the hash buckets of
** its word n-grams (every word hashed, known or not: fastText's
** addWordNgrams), and with minn/maxn every word's character n-grams (known
** word or not: fastText's addSubwords, so a typo or an unseen inflection
** still has rows).  A bucket training never touched counts as a zero row in
** the mean (fastText's untouched rows are small random values).  A text
** with no known word, no n-gram and no subword has no prediction: no rows.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3
#include "w2vInt.h"
#include "vecmath.h"

/* The model as a classifier, or an error naming zFunc. */
static int clf_check(const W2vModel *m, const char *zFunc, char **pzErr){
  if( m->clf ) return SQLITE_OK;
  *pzErr = sqlite3_mprintf("%s: model '%s' is not a classifier (train one with w2v_train(..., 'label=COLUMN, ...'))",
                           zFunc, m->zName);
  return SQLITE_ERROR;
}

/* Per-call buffers, reused across rows (w2v_eval_classifier). */
typedef struct ClfBuf {
  W2vWords w;
  float *h;
  double *prob, *scratch;
  uint32_t *aHash;
  int64_t *aNg;
  int nAlloc;               /* tokens aHash and aNg have room for */
  int64_t *aSub;            /* subwords: one word's n-gram buckets */
  int64_t nSubAlloc;
  W2vPrediction *top;
} ClfBuf;

static void clf_buf_free(ClfBuf *b){
  w2v_words_free(&b->w);
  sqlite3_free(b->h);
  sqlite3_free(b->prob);
  sqlite3_free(b->scratch);
  sqlite3_free(b->aHash);
  sqlite3_free(b->aNg);
  sqlite3_free(b->aSub);
  sqlite3_free(b->top);
  memset(b, 0, sizeof(*b));
}

static int clf_buf_init(ClfBuf *b, const W2vModel *m){
  int64_t nL = m->clf->labels.n;
  memset(b, 0, sizeof(*b));
  b->h = sqlite3_malloc64(sizeof(float)*(size_t)m->dim);
  b->prob = sqlite3_malloc64(sizeof(double)*(size_t)nL);
  b->scratch = sqlite3_malloc64(sizeof(double)*(size_t)nL);
  b->top = sqlite3_malloc64(sizeof(W2vPrediction)*(size_t)nL);
  return b->h && b->prob && b->scratch && b->top ? SQLITE_OK : SQLITE_NOMEM;
}

/* The hidden vector of z[0..n) into b->h: returns the number of input rows
** (0: none, h undefined) or -1 with *pzErr / *pRc. */
/* Adds the row of bucket k (a zero row if training never touched it). */
static void clf_add_bucket(const W2vClassifier *c, int dim, int64_t k, float *h){
  int64_t lo = 0, hi = c->nNgram;
  while( lo<hi ){ int64_t mid = (lo+hi)/2; if( c->aBucket[mid]<k ) lo = mid+1; else hi = mid; }
  if( lo<c->nNgram && c->aBucket[lo]==k ) w2v_axpy(h, 1.0f, c->ngram + lo*dim, dim);
}

static int64_t clf_hidden(sqlite3 *db, W2vModel *m, const char *zFunc, const char *z, int n, ClfBuf *b,
                          int *pRc, char **pzErr){
  const W2vClassifier *c = m->clf;
  int dim = m->dim, i;
  int64_t count = 0, j;
  float *h = b->h;
  *pRc = w2v_model_words(db, m, zFunc, z, n, &b->w, pzErr);
  if( *pRc!=SQLITE_OK ) return -1;
  memset(h, 0, sizeof(float)*dim);
  for(i=0; i<b->w.n; i++){
    if( b->w.aId[i]<0 ) continue;
    w2v_axpy(h, 1.0f, m->in + b->w.aId[i]*dim, dim);
    count++;
  }
  if( c->maxn>0 && c->bucket>0 ){
    /* every word's character n-grams, known word or not (fastText's addSubwords) */
    for(i=0; i<b->w.n; i++){
      const char *zw = b->w.zTok + b->w.aOff[i];
      size_t nw = (size_t)b->w.aLen[i];
      int64_t nb = w2v_subword_buckets(zw, nw, c->minn, c->maxn, (uint32_t)c->bucket, 0, 0);
      if( nb>b->nSubAlloc ){
        int64_t *a = sqlite3_realloc64(b->aSub, sizeof(int64_t)*(size_t)nb);
        if( a==0 ){ *pRc = SQLITE_NOMEM; return -1; }
        b->aSub = a;
        b->nSubAlloc = nb;
      }
      w2v_subword_buckets(zw, nw, c->minn, c->maxn, (uint32_t)c->bucket, b->aSub, nb);
      for(j=0; j<nb; j++) clf_add_bucket(c, dim, b->aSub[j], h);
      count += nb;
    }
  }
  if( c->wordNgrams>1 && b->w.n>1 && c->bucket>0 ){
    int64_t nNg;
    if( b->w.n>b->nAlloc ){
      int nNew = b->w.n*2;
      uint32_t *ah = sqlite3_realloc64(b->aHash, sizeof(uint32_t)*(size_t)nNew);
      int64_t *an;
      if( ah ) b->aHash = ah;
      an = ah ? sqlite3_realloc64(b->aNg, sizeof(int64_t)*(size_t)nNew*(size_t)(c->wordNgrams-1)) : 0;
      if( an==0 ){ *pRc = SQLITE_NOMEM; return -1; }
      b->aNg = an;
      b->nAlloc = nNew;
    }
    for(i=0; i<b->w.n; i++) b->aHash[i] = w2v_fasttext_hash(b->w.zTok + b->w.aOff[i], (size_t)b->w.aLen[i]);
    nNg = w2v_sup_ngrams(b->aHash, b->w.n, c->wordNgrams, c->bucket, b->aNg);
    for(j=0; j<nNg; j++){
      clf_add_bucket(c, dim, b->aNg[j], h);
      count++;
    }
  }
  if( count>0 ){
    float inv = 1.0f/(float)count;
    for(i=0; i<dim; i++) h[i] *= inv;
  }
  return count;
}

static int cmp_pred(const void *a, const void *b){
  const W2vPrediction *x = a, *y = b;
  if( x->prob!=y->prob ) return x->prob > y->prob ? -1 : 1;
  return (x->id>y->id) - (x->id<y->id);
}

/* The labels of b->h, best first: at most k (k < 0: all) with probability
** >= threshold, into b->top; their number. */
static int64_t clf_predict(const W2vModel *m, ClfBuf *b, int64_t k, double threshold){
  const W2vClassifier *c = m->clf;
  int64_t nL = c->labels.n, l, n = 0;
  w2v_sup_probs(c->loss, c->out, &c->tree, nL, m->dim, b->h, b->prob, b->scratch);
  if( k<0 || k>nL ) k = nL;
  if( k<=8 ){
    /* a few: insertion into the top k */
    for(l=0; l<nL; l++){
      int64_t i;
      double p = b->prob[l];
      if( !(p>=threshold) ) continue;
      if( n==k && !(p>b->top[n-1].prob) ) continue;
      i = n<k ? n++ : n-1;
      while( i>0 && b->top[i-1].prob<p ){ b->top[i] = b->top[i-1]; i--; }
      b->top[i].id = (int32_t)l;
      b->top[i].prob = p;
    }
    return n;
  }
  for(l=0; l<nL; l++){
    if( !(b->prob[l]>=threshold) ) continue;
    b->top[n].id = (int32_t)l;
    b->top[n++].prob = b->prob[l];
  }
  qsort(b->top, (size_t)n, sizeof(W2vPrediction), cmp_pred);
  return n<k ? n : k;
}

/* k: a positive integer, or -1 (every label). */
/* k of w2v_classify (allowZero: a top-k table, where k = 0 gives no rows, as
** in every table-valued function) or of w2v_eval_classifier (P@k needs k >= 1);
** -1 is every label in both. */
static int clf_k(sqlite3_value *v, int allowZero, sqlite3_int64 *pk){
  if( sqlite3_value_type(v)!=SQLITE_INTEGER ) return 0;
  *pk = sqlite3_value_int64(v);
  return *pk>=1 || *pk==-1 || (allowZero && *pk==0);
}

/* ---- w2v_classify ------------------------------------------------------- */

enum { CL_LABEL, CL_PROBABILITY, CL_RANK, CL_MODEL, CL_TEXT, CL_K, CL_THRESHOLD };

static int cl_connect(sqlite3 *db, void *pAux, int argc, const char *const*argv,
                      sqlite3_vtab **ppVtab, char **pzErr){
  (void)argc; (void)argv; (void)pzErr;
  return w2v_ranked_connect(db, pAux,
    "CREATE TABLE x(label TEXT, probability REAL, rank INTEGER,"
    " model HIDDEN, text HIDDEN, k HIDDEN, threshold HIDDEN)", ppVtab);
}

static int cl_best_index(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo){
  static const char zArgs[] = { W2V_ARG_MODEL, W2V_ARG_QUERY, W2V_ARG_K, W2V_ARG_MINSIM, 0 };
  unsigned given;
  int rc = w2v_args_plan(pInfo, CL_MODEL, zArgs, &given);
  (void)pVtab;
  if( rc!=SQLITE_OK ) return rc;
  if( pInfo->nOrderBy==1 && ((pInfo->aOrderBy[0].iColumn==CL_RANK && !pInfo->aOrderBy[0].desc)
                          || (pInfo->aOrderBy[0].iColumn==CL_PROBABILITY && pInfo->aOrderBy[0].desc)) ){
    pInfo->orderByConsumed = 1;
  }
  pInfo->estimatedCost = (given & 3)==3 ? 100.0 : 1e12;
  pInfo->estimatedRows = 1;
  return SQLITE_OK;
}

static int cl_filter(sqlite3_vtab_cursor *pCur, int idxNum, const char *idxStr,
                     int argc, sqlite3_value **argv){
  W2vRankedCursor *c = (W2vRankedCursor*)pCur;
  W2vRankedVtab *p = (W2vRankedVtab*)pCur->pVtab;
  sqlite3_value *vModel = 0, *vText = 0, *vK = 0, *vThr = 0;
  sqlite3_int64 k = 1;
  double threshold = 0;
  char *zErr = 0;
  int rc = SQLITE_OK, i;
  int64_t nIn;
  ClfBuf b;
  (void)idxNum;
  w2v_ranked_reset(c);
  for(i=0; i<argc && idxStr && idxStr[i]; i++){
    if( idxStr[i]==W2V_ARG_MODEL ) vModel = argv[i];
    else if( idxStr[i]==W2V_ARG_QUERY ) vText = argv[i];
    else if( idxStr[i]==W2V_ARG_K ) vK = argv[i];
    else if( idxStr[i]==W2V_ARG_MINSIM ) vThr = argv[i];
  }
  if( vModel==0 || vText==0 ){
    return w2v_vtab_errorf(pCur->pVtab, "w2v_classify: needs (model, text[, k[, threshold]])");
  }
  if( vK && !clf_k(vK, 1, &k) ){
    return w2v_vtab_errorf(pCur->pVtab, "w2v_classify: k must be a non-negative integer, or -1 for every label");
  }
  if( vThr ){
    int t = sqlite3_value_type(vThr);
    threshold = sqlite3_value_double(vThr);
    if( (t!=SQLITE_INTEGER && t!=SQLITE_FLOAT) || !(threshold>=0 && threshold<=1) ){
      return w2v_vtab_errorf(pCur->pVtab, "w2v_classify: threshold must be a number from 0 to 1");
    }
  }
  if( w2v_text_has_nul(vModel) ) return w2v_vtab_errorf(pCur->pVtab, "w2v_classify: the model name contains a NUL byte");
  rc = w2v_model_acquire(p->conn, "w2v_classify", 0, (const char*)sqlite3_value_text(vModel), &c->m, &zErr);
  if( rc==SQLITE_OK ) rc = clf_check(c->m, "w2v_classify", &zErr);
  if( rc!=SQLITE_OK ) return w2v_vtab_error(pCur->pVtab, zErr, rc);
  if( k==0 || sqlite3_value_type(vText)==SQLITE_NULL ) return SQLITE_OK;
  rc = clf_buf_init(&b, c->m);
  if( rc==SQLITE_OK ){
    const char *z = (const char*)sqlite3_value_text(vText);
    if( z==0 ) rc = SQLITE_NOMEM;
    else{
      nIn = clf_hidden(p->conn->db, c->m, "w2v_classify", z, sqlite3_value_bytes(vText), &b, &rc, &zErr);
      if( nIn>0 ){
        c->n = clf_predict(c->m, &b, k, threshold);
        c->a = b.top;      /* the cursor's now */
        b.top = 0;
      }
    }
  }
  clf_buf_free(&b);
  if( rc!=SQLITE_OK ) return w2v_vtab_error(pCur->pVtab, zErr, rc);
  return SQLITE_OK;
}

static int cl_column(sqlite3_vtab_cursor *pCur, sqlite3_context *ctx, int i){
  W2vRankedCursor *c = (W2vRankedCursor*)pCur;
  const W2vVocab *v = &c->m->clf->labels;
  int32_t id = c->a[c->i].id;
  switch( i ){
    case CL_LABEL: sqlite3_result_text(ctx, w2v_vocab_word(v, id), (int)v->lens[id], SQLITE_TRANSIENT); break;
    case CL_PROBABILITY: sqlite3_result_double(ctx, c->a[c->i].prob); break;
    case CL_RANK: sqlite3_result_int64(ctx, c->i+1); break;
    default: break;
  }
  return SQLITE_OK;
}

const sqlite3_module w2v_classify_module = {
  0, 0, cl_connect, cl_best_index, w2v_ranked_disconnect, 0,
  w2v_ranked_open, w2v_ranked_close, cl_filter, w2v_ranked_next, w2v_ranked_eof, cl_column, w2v_ranked_rowid,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
};

/* ---- w2v_eval_classifier ------------------------------------------------ */

typedef struct LabelMeter { sqlite3_int64 gold, predicted, correct; } LabelMeter;

void w2v_fn_eval_classifier(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  static const char *const azWhat[] = { "model name", "table name", "text column name", "label column name", 0 };
  static const char zFunc[] = "w2v_eval_classifier";
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  W2vConn *conn = sqlite3_user_data(ctx);
  W2vModel *m = 0;
  sqlite3_stmt *p = 0;
  LabelMeter *meter = 0;
  ClfBuf b;
  int32_t *aGold = 0;        /* a row's known gold labels, once each */
  unsigned char *isGold = 0; /* per label: in aGold */
  sqlite3_int64 k = 1, nEx = 0, nGold = 0, nPred = 0, nCorrect = 0;
  char *zErr = 0;
  int rc, i;
  memset(&b, 0, sizeof(b));
  if( w2v_args_have_nul(ctx, zFunc, argc, argv, azWhat) ) return;
  for(i=0; i<4; i++){
    if( sqlite3_value_type(argv[i])==SQLITE_NULL ){
      sqlite3_result_error(ctx, "w2v_eval_classifier: model, table, text column and label column must not be NULL", -1);
      return;
    }
  }
  if( argc>4 && !clf_k(argv[4], 0, &k) ){
    sqlite3_result_error(ctx, "w2v_eval_classifier: k must be a positive integer, or -1 for every label", -1);
    return;
  }
  rc = w2v_model_acquire(conn, zFunc, 0, (const char*)sqlite3_value_text(argv[0]), &m, &zErr);
  if( rc==SQLITE_OK ) rc = clf_check(m, zFunc, &zErr);
  if( rc==SQLITE_OK ) rc = clf_buf_init(&b, m);
  if( rc==SQLITE_OK ){
    meter = sqlite3_malloc64(sizeof(LabelMeter)*(size_t)m->clf->labels.n);
    aGold = sqlite3_malloc64(sizeof(int32_t)*(size_t)m->clf->labels.n);
    isGold = sqlite3_malloc64((size_t)m->clf->labels.n);
    if( meter==0 || aGold==0 || isGold==0 ) rc = SQLITE_NOMEM;
    else{
      memset(meter, 0, sizeof(LabelMeter)*(size_t)m->clf->labels.n);
      memset(isGold, 0, (size_t)m->clf->labels.n);
    }
  }
  if( rc==SQLITE_OK ){
    rc = w2v_source_prepare(db, zFunc, (const char*)sqlite3_value_text(argv[1]), (const char*)sqlite3_value_text(argv[2]),
                            (const char*)sqlite3_value_text(argv[3]), &p, &zErr);
  }
  while( rc==SQLITE_OK && (rc = sqlite3_step(p))==SQLITE_ROW ){
    const char *zLab, *z;
    int nLab, len, s, nG = 0, j, pos = 0;
    int64_t nIn, nTop, t;
    rc = SQLITE_OK;
    if( sqlite3_column_type(p, 0)==SQLITE_NULL || sqlite3_column_type(p, 1)==SQLITE_NULL ) continue;
    zLab = (const char*)sqlite3_column_text(p, 1);
    nLab = sqlite3_column_bytes(p, 1);
    if( zLab==0 ){ rc = SQLITE_NOMEM; break; }
    /* gold labels the model knows (fastText drops the others), once each */
    while( (len = w2v_next_token(zLab, nLab, &pos, &s))>0 ){
      int64_t id = w2v_vocab_find(&m->clf->labels, zLab+s, (uint32_t)len);
      if( id<0 || isGold[id] ) continue;
      isGold[id] = 1;
      aGold[nG++] = (int32_t)id;
    }
    if( nG==0 ) continue;
    z = (const char*)sqlite3_column_text(p, 0);
    if( z==0 ){ rc = SQLITE_NOMEM; break; }
    nIn = clf_hidden(db, m, zFunc, z, sqlite3_column_bytes(p, 0), &b, &rc, &zErr);
    if( nIn<=0 ){
      for(j=0; j<nG; j++) isGold[aGold[j]] = 0;
      if( nIn<0 ) break;
      continue;
    }
    nTop = clf_predict(m, &b, k, 0.0);
    nEx++;
    nGold += nG;
    nPred += nTop;
    for(t=0; t<nTop; t++){
      int32_t id = b.top[t].id;
      meter[id].predicted++;
      if( isGold[id] ){ meter[id].correct++; nCorrect++; }
    }
    for(j=0; j<nG; j++){ meter[aGold[j]].gold++; isGold[aGold[j]] = 0; }
  }
  if( rc==SQLITE_DONE ) rc = SQLITE_OK;
  else if( rc!=SQLITE_OK && zErr==0 && rc!=SQLITE_NOMEM ){
    zErr = sqlite3_mprintf("%s: reading %s: %s", zFunc, sqlite3_value_text(argv[1]), sqlite3_errmsg(db));
  }
  sqlite3_finalize(p);
  if( rc==SQLITE_OK ){
    sqlite3_str *s = sqlite3_str_new(db);
    double P = nPred ? (double)nCorrect/(double)nPred : NAN, R = nGold ? (double)nCorrect/(double)nGold : NAN;
    int64_t l;
    char *zJson;
    sqlite3_str_appendf(s, "{\"n\":%lld,\"k\":%lld,\"precision\":", nEx, k);
    w2v_json_number(s, P, nPred>0);
    sqlite3_str_appendall(s, ",\"recall\":");
    w2v_json_number(s, R, nGold>0);
    sqlite3_str_appendall(s, ",\"f1\":");
    w2v_json_number(s, 2*P*R/(P+R), nPred>0 && nGold>0 && P+R>0);
    sqlite3_str_appendf(s, ",\"gold\":%lld,\"predicted\":%lld,\"correct\":%lld,\"labels\":[", nGold, nPred, nCorrect);
    for(l=0; l<m->clf->labels.n; l++){
      const LabelMeter *x = &meter[l];
      sqlite3_str_appendall(s, l ? ",{\"label\":" : "{\"label\":");
      w2v_json_string(s, w2v_vocab_word(&m->clf->labels, l));
      sqlite3_str_appendall(s, ",\"precision\":");
      w2v_json_number(s, x->predicted ? (double)x->correct/(double)x->predicted : 0, x->predicted>0);
      sqlite3_str_appendall(s, ",\"recall\":");
      w2v_json_number(s, x->gold ? (double)x->correct/(double)x->gold : 0, x->gold>0);
      sqlite3_str_appendall(s, ",\"f1\":");
      w2v_json_number(s, 2.0*(double)x->correct/(double)(x->predicted + x->gold + (x->predicted+x->gold==0)),
                      x->predicted + x->gold > 0);
      sqlite3_str_appendf(s, ",\"gold\":%lld,\"predicted\":%lld,\"correct\":%lld}", x->gold, x->predicted, x->correct);
    }
    sqlite3_str_appendall(s, "]}");
    rc = sqlite3_str_errcode(s);
    zJson = sqlite3_str_finish(s);
    if( rc==SQLITE_OK && zJson ) sqlite3_result_text(ctx, zJson, -1, sqlite3_free);
    else{ sqlite3_free(zJson); rc = rc ? rc : SQLITE_NOMEM; }
  }
  if( rc!=SQLITE_OK ){
    if( zErr==0 && rc==SQLITE_NOMEM ) zErr = sqlite3_mprintf("%s: out of memory", zFunc);
    w2v_result_error(ctx, zErr, rc);
  }else{
    sqlite3_free(zErr);
  }
  clf_buf_free(&b);
  sqlite3_free(meter);
  sqlite3_free(aGold);
  sqlite3_free(isGold);
  w2v_model_release(m);
}
