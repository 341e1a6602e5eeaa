/*
** The documents of a model trained with docs=dbow or docs=dm (paragraph
** vectors, core/train_docs.c):
**   w2v_doc_vector(model, key)          a document's vector, float32 blob
**   w2v_similar_docs(model, query, k)   table-valued: key, similarity, rank
**   w2v_infer(model, text [, epochs])   a new text's vector, trained against
**                                       the frozen model (gensim's infer_vector)
** Each holds its model until it returns (the table-valued function until
** its cursor closes or filters again).
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3
#include "w2vInt.h"

/* The model of argv[0] with its documents read, or NULL after reporting. */
static W2vModel *docs_model(sqlite3_context *ctx, const char *zFunc, sqlite3_value *v, int needVectors){
  W2vModel *m = w2v_model_arg(ctx, zFunc, v);
  char *zErr = 0;
  int rc = SQLITE_OK;
  if( m==0 ) return 0;
  if( !needVectors && m->docMeta.docs==0 ){
    zErr = sqlite3_mprintf("%s: model '%s' has no document vectors (train it with docs=dbow or docs=dm)",
                           zFunc, m->zName);
    rc = SQLITE_ERROR;
  }
  if( rc==SQLITE_OK && needVectors ) rc = w2v_model_docs(sqlite3_context_db_handle(ctx), m, zFunc, &zErr);
  if( rc ){
    w2v_model_release(m);
    w2v_result_error(ctx, zErr, rc);
    return 0;
  }
  return m;
}

static void result_vector(sqlite3_context *ctx, const float *v, int dim){
  float *le = sqlite3_malloc64(sizeof(float)*(size_t)dim);
  if( le==0 ){ sqlite3_result_error_nomem(ctx); return; }
  w2v_floats_to_le(le, v, dim);
  sqlite3_result_blob(ctx, le, dim*(int)sizeof(float), sqlite3_free);
}

void w2v_fn_doc_vector(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  W2vModel *m = docs_model(ctx, "w2v_doc_vector", argv[0], 1);
  int64_t id;
  (void)argc;
  if( m==0 ) return;
  id = w2v_model_doc_find(m, argv[1]);
  if( id>=0 ) result_vector(ctx, m->docv + id*m->dim, m->dim);
  w2v_model_release(m);
}

/* ---- w2v_infer ------------------------------------------------------------ */

/* sqlite3_interrupt (and a progress handler) stops a long inference: the
** probe statement is prepared on the first check only */
typedef struct InferProbe { sqlite3 *db; sqlite3_stmt *p; } InferProbe;
static int infer_interrupted(void *pCtx){
  InferProbe *x = pCtx;
  if( x->p==0 ) x->p = w2v_probe_open(x->db);
  return w2v_interrupted(x->p);
}

void w2v_fn_infer(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  W2vModel *m;
  W2vWords w;
  W2vSampler sampler;
  W2vDocInfer p;
  W2vLoss L;
  InferProbe probe;
  int32_t *ids = 0;
  float *doc = 0;
  char *zErr = 0;
  const char *z;
  int epochs, i, n = 0, rc;
  uint64_t h = 0xcbf29ce484222325ULL;
  double total = 0;
  if( argc>=3 ){
    if( sqlite3_value_type(argv[2])!=SQLITE_INTEGER || sqlite3_value_int64(argv[2])<1
     || sqlite3_value_int64(argv[2])>100000 ){
      sqlite3_result_error(ctx, "w2v_infer: epochs must be an integer from 1 to 100000", -1);
      return;
    }
  }
  m = docs_model(ctx, "w2v_infer", argv[0], 0);
  if( m==0 ) return;
  memset(&w, 0, sizeof(w));
  memset(&sampler, 0, sizeof(sampler));
  probe.db = db; probe.p = 0;
  epochs = argc>=3 ? (int)sqlite3_value_int64(argv[2]) : m->docMeta.epochs;
  z = (const char*)sqlite3_value_text(argv[1]);
  if( z==0 ){
    if( sqlite3_value_type(argv[1])!=SQLITE_NULL ) sqlite3_result_error_nomem(ctx);
    goto done;
  }
  /* the output weights (and the tree of hs); dm reads the word vectors */
  rc = w2v_model_output(db, m, "w2v_infer", &zErr);
  if( rc==SQLITE_OK && m->docMeta.docs==W2V_DOCS_DM ) rc = w2v_model_input(db, m, "w2v_infer", &zErr);
  if( rc==SQLITE_OK ) rc = w2v_model_words(db, m, "w2v_infer", z, sqlite3_value_bytes(argv[1]), &w, &zErr);
  if( rc!=SQLITE_OK ){ w2v_result_error(ctx, zErr, rc); goto done; }
  ids = sqlite3_malloc64(sizeof(int32_t)*(size_t)(w.n ? w.n : 1));
  if( ids==0 ){ sqlite3_result_error_nomem(ctx); goto done; }
  for(i=0; i<w.n; i++){
    if( w.aId[i]<0 ) continue;
    ids[n++] = (int32_t)w.aId[i];
    h = (h ^ (uint64_t)w.aId[i]) * 0x100000001b3ULL;     /* FNV-1a over the ids */
  }
  if( n==0 ) goto done;                   /* no known word: NULL */
  for(i=0; i<m->vocab.n; i++) total += (double)m->vocab.counts[i];
  L = m->lossFn;
  L.negative = m->docMeta.negative;
  if( m->loss==W2V_LOSS_NS ){
    if( L.negative<1 ) L.negative = 5;
    if( w2v_sampler_build(m->vocab.counts, m->vocab.n, m->docMeta.nsExponent, &sampler) ){
      sqlite3_result_error_nomem(ctx);
      goto done;
    }
    L.sampler = &sampler;
  }
  memset(&p, 0, sizeof(p));
  p.mode = m->docMeta.docs;
  p.window = m->docMeta.window;
  p.epochs = epochs;
  p.alpha = m->docMeta.alpha;
  p.minAlpha = m->docMeta.minAlpha;
  p.sample = m->docMeta.sample;
  p.sampleTotal = total;
  p.counts = m->vocab.counts;
  p.in = m->in;
  p.L = &L;
  p.seed = (uint64_t)m->docMeta.seed ^ h;
  p.xInterrupt = infer_interrupted;
  p.pInterruptArg = &probe;
  doc = sqlite3_malloc64(sizeof(float)*(size_t)m->dim);
  rc = doc ? w2v_docs_infer(&p, ids, n, doc) : W2V_ERR_NOMEM;
  if( rc==W2V_ERR_INTERRUPT ){
    sqlite3_result_error(ctx, "w2v_infer: interrupted", -1);
    sqlite3_result_error_code(ctx, SQLITE_INTERRUPT);
    goto done;
  }
  if( rc ){
    sqlite3_result_error_nomem(ctx);
    goto done;
  }
  for(i=0; i<m->dim && isfinite(doc[i]); i++){}
  if( i<m->dim ){
    /* finite but extreme weights (a damaged table) can overflow it */
    w2v_result_error(ctx, sqlite3_mprintf("w2v_infer: the inferred vector became NaN or infinite (model '%s' has extreme weights)",
                                          m->zName), SQLITE_ERROR);
    goto done;
  }
  result_vector(ctx, doc, m->dim);
done:
  sqlite3_finalize(probe.p);
  sqlite3_free(doc);
  sqlite3_free(ids);
  w2v_sampler_free(&sampler);
  w2v_words_free(&w);
  w2v_model_release(m);
}

/* ---- w2v_similar_docs(model, query, k) -------------------------------------- */

enum { SD_KEY, SD_SIMILARITY, SD_RANK, SD_MODEL, SD_QUERY, SD_K };

static int sd_connect(sqlite3 *db, void *pAux, int argc, const char *const*argv,
                      sqlite3_vtab **ppVtab, char **pzErr){
  (void)argc; (void)argv; (void)pzErr;
  return w2v_ranked_connect(db, pAux,
    "CREATE TABLE x(key, similarity REAL, rank INTEGER, model HIDDEN, query HIDDEN, k HIDDEN)", ppVtab);
}

static int sd_best_index(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo){
  unsigned given = 0;
  int rc = w2v_args_plan(pInfo, SD_MODEL, "mqk", &given);
  (void)pVtab;
  if( rc!=SQLITE_OK ) return rc;
  if( pInfo->nOrderBy==1 && pInfo->aOrderBy[0].iColumn==SD_RANK && !pInfo->aOrderBy[0].desc ){
    pInfo->orderByConsumed = 1;
  }
  if( pInfo->nOrderBy==1 && pInfo->aOrderBy[0].iColumn==SD_SIMILARITY && pInfo->aOrderBy[0].desc ){
    pInfo->orderByConsumed = 1;
  }
  pInfo->estimatedCost = (given & 3)==3 ? 1000.0 : 1e12;
  pInfo->estimatedRows = 10;
  return SQLITE_OK;
}

static int sd_filter(sqlite3_vtab_cursor *pCur, int idxNum, const char *idxStr,
                     int argc, sqlite3_value **argv){
  W2vRankedCursor *c = (W2vRankedCursor*)pCur;
  W2vRankedVtab *p = (W2vRankedVtab*)pCur->pVtab;
  sqlite3_value *vModel = 0, *vQuery = 0, *vK = 0;
  const W2vKnn *knn;
  W2vKnnQuery kq;
  W2vHit *aHit = 0;
  sqlite3_int64 k = 10;
  int32_t self = -1;
  float *q = 0;
  char *zErr = 0;
  int i, rc = SQLITE_OK;
  int64_t n;
  (void)idxNum;
  w2v_ranked_reset(c);
  for(i=0; i<argc && idxStr && idxStr[i]; i++){
    switch( idxStr[i] ){
      case W2V_ARG_MODEL: vModel = argv[i]; break;
      case W2V_ARG_QUERY: vQuery = argv[i]; break;
      case W2V_ARG_K: vK = argv[i]; break;
    }
  }
  if( vModel==0 || vQuery==0 ){
    return w2v_vtab_errorf(pCur->pVtab, "w2v_similar_docs: needs (model, query[, k])");
  }
  if( vK ){
    if( sqlite3_value_type(vK)!=SQLITE_INTEGER || sqlite3_value_int64(vK)<0 ){
      return w2v_vtab_errorf(pCur->pVtab, "w2v_similar_docs: k must be a non-negative integer");
    }
    k = sqlite3_value_int64(vK);
  }
  if( w2v_text_has_nul(vModel) ) return w2v_vtab_errorf(pCur->pVtab, "w2v_similar_docs: the model name contains a NUL byte");
  rc = w2v_model_acquire(p->conn, "w2v_similar_docs", 0, (const char*)sqlite3_value_text(vModel), &c->m, &zErr);
  if( rc==SQLITE_OK ) rc = w2v_model_docs(p->conn->db, c->m, "w2v_similar_docs", &zErr);
  if( rc ) return w2v_vtab_error(pCur->pVtab, zErr, rc);
  if( k>c->m->docMeta.nDoc ) k = c->m->docMeta.nDoc;
  q = sqlite3_malloc64(sizeof(float)*(size_t)c->m->dim);
  if( q==0 ) return SQLITE_NOMEM;
  if( sqlite3_value_type(vQuery)==SQLITE_BLOB ){
    int nb = sqlite3_value_bytes(vQuery), d;
    if( nb!=c->m->dim*(int)sizeof(float) ){
      rc = w2v_vtab_errorf(pCur->pVtab, "w2v_similar_docs: query blob has %d bytes, model '%s' needs %d (dim %d float32)",
                           nb, c->m->zName, c->m->dim*4, c->m->dim);
      goto done;
    }
    w2v_floats_from_le(q, sqlite3_value_blob(vQuery), c->m->dim);
    for(d=0; d<c->m->dim; d++){
      if( !isfinite(q[d]) ){
        rc = w2v_vtab_errorf(pCur->pVtab, "w2v_similar_docs: the query vector holds a non-finite value");
        goto done;
      }
    }
  }else{
    /* a key: that document's vector, itself left out; unknown: no rows */
    int64_t id = sqlite3_value_type(vQuery)==SQLITE_NULL ? -1 : w2v_model_doc_find(c->m, vQuery);
    if( id<0 ) goto done;
    self = (int32_t)id;
    memcpy(q, c->m->docv + id*c->m->dim, sizeof(float)*(size_t)c->m->dim);
  }
  knn = w2v_model_doc_knn(c->m);
  aHit = sqlite3_malloc64(sizeof(W2vHit)*(size_t)(k ? k : 1));
  c->a = sqlite3_malloc64(sizeof(W2vPrediction)*(size_t)(k ? k : 1));
  if( knn==0 || aHit==0 || c->a==0 ){ rc = SQLITE_NOMEM; goto done; }
  memset(&kq, 0, sizeof(kq));
  kq.q = q;
  kq.k = k;
  kq.minSim = -INFINITY;
  if( self>=0 ){ kq.exclude = &self; kq.nExclude = 1; }
  n = w2v_knn_search(knn, &kq, aHit);
  if( n<0 ){ rc = SQLITE_NOMEM; goto done; }
  for(i=0; i<n; i++){ c->a[i].id = aHit[i].id; c->a[i].prob = aHit[i].sim; }
  c->n = n;
done:
  sqlite3_free(aHit);
  sqlite3_free(q);
  return rc;
}

static int sd_column(sqlite3_vtab_cursor *pCur, sqlite3_context *ctx, int i){
  W2vRankedCursor *c = (W2vRankedCursor*)pCur;
  switch( i ){
    case SD_KEY: w2v_model_doc_key(c->m, c->a[c->i].id, ctx); break;
    case SD_SIMILARITY: sqlite3_result_double(ctx, (float)c->a[c->i].prob); break;
    case SD_RANK: sqlite3_result_int64(ctx, c->i+1); break;
    default: break;
  }
  return SQLITE_OK;
}

const sqlite3_module w2v_similar_docs_module = {
  0, 0, sd_connect, sd_best_index, w2v_ranked_disconnect, 0,
  w2v_ranked_open, w2v_ranked_close, sd_filter, w2v_ranked_next, w2v_ranked_eof, sd_column, w2v_ranked_rowid,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
};
