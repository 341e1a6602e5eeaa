/*
** The model table, module "w2v": one row per vocabulary word.
**
**   word TEXT, count INTEGER, vector BLOB, distance HIDDEN, k HIDDEN
**
** rowid is the frequency rank.  Plans: word = ? and rowid = ? are lookups
** in the loaded vocabulary; vector MATCH ? AND k = N (or LIMIT N) is a
** nearest-neighbour search by cosine distance, as sqlite-vec spells it; a
** plain scan walks the vocabulary in rank order.  Bounds on count and rowid
** (and word IN lists for KNN) narrow the search or scan before the top k is
** taken (w2v_filter_*).  Read-only (no xUpdate).
** A KNN cursor holds its model (model.c) until it closes.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3
#include "w2vInt.h"

enum { COL_WORD, COL_COUNT, COL_VECTOR, COL_DISTANCE, COL_K };
enum { PLAN_SCAN = 0, PLAN_WORD = 1, PLAN_ROWID = 2, PLAN_KNN = 3 };

typedef struct ModelVtab {
  sqlite3_vtab base;
  sqlite3 *db;
  W2vConn *conn;
  char *zSchema;
  char *zName;
} ModelVtab;

/* Every plan reads the loaded model (which checks the stored values) and
** holds it until the cursor closes: a scan walks ids 0..n-1, a lookup has
** at most one id, KNN a list of hits. */
typedef struct ModelCursor {
  sqlite3_vtab_cursor base;
  int plan;
  int eof;
  W2vModel *m;
  W2vHit *aHit;             /* KNN and lookups; NULL for a scan */
  int64_t nHit, iHit;
  int k;
  W2vRows rows;             /* the vector column's rows, and the KNN's */
} ModelCursor;

static int model_connect(sqlite3 *db, void *pAux, int argc, const char *const*argv,
                         sqlite3_vtab **ppVtab, char **pzErr){
  ModelVtab *p;
  int rc;
  (void)argc;
  rc = sqlite3_declare_vtab(db,
    "CREATE TABLE x(word TEXT, count INTEGER, vector BLOB, distance HIDDEN, k HIDDEN)");
  if( rc!=SQLITE_OK ) return rc;
  p = sqlite3_malloc(sizeof(*p));
  if( p==0 ) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->db = db;
  p->conn = pAux;
  p->zSchema = sqlite3_mprintf("%s", argv[1]);
  p->zName = sqlite3_mprintf("%s", argv[2]);
  if( !p->zSchema || !p->zName ){
    sqlite3_free(p->zSchema); sqlite3_free(p->zName); sqlite3_free(p);
    return SQLITE_NOMEM;
  }
  (void)pzErr;
  *ppVtab = &p->base;
  return SQLITE_OK;
}

/* CREATE VIRTUAL TABLE by hand has no data to serve: only w2v_train (which
** makes the shadow tables first) may create a model table. */
static int model_create(sqlite3 *db, void *pAux, int argc, const char *const*argv,
                        sqlite3_vtab **ppVtab, char **pzErr){
  sqlite3_stmt *p = 0;
  char *zSql = sqlite3_mprintf("SELECT 1 FROM \"%w\".\"%w_config\" WHERE key='format_version'", argv[1], argv[2]);
  int ok = 0;
  if( zSql==0 ) return SQLITE_NOMEM;
  if( sqlite3_prepare_v2(db, zSql, -1, &p, 0)==SQLITE_OK && sqlite3_step(p)==SQLITE_ROW ) ok = 1;
  sqlite3_finalize(p);
  sqlite3_free(zSql);
  if( !ok ){
    *pzErr = sqlite3_mprintf("w2v: model tables are made by w2v_train(), not by CREATE VIRTUAL TABLE");
    return SQLITE_ERROR;
  }
  return model_connect(db, pAux, argc, argv, ppVtab, pzErr);
}

static int model_disconnect(sqlite3_vtab *pVtab){
  ModelVtab *p = (ModelVtab*)pVtab;
  sqlite3_free(p->zSchema);
  sqlite3_free(p->zName);
  sqlite3_free(p);
  return SQLITE_OK;
}

static int model_destroy(sqlite3_vtab *pVtab){
  ModelVtab *p = (ModelVtab*)pVtab;
  int rc;
  w2v_conn_pin(p->conn, p->zSchema, p->zName);
  rc = w2v_store_drop(p->db, p->zSchema, p->zName);
  if( rc!=SQLITE_OK ) return rc;
  w2v_conn_forget(p->conn, p->zSchema, p->zName);
  return model_disconnect(pVtab);
}

static int model_rename(sqlite3_vtab *pVtab, const char *zNew){
  ModelVtab *p = (ModelVtab*)pVtab;
  char *zName;
  int rc;
  if( w2v_name_reserved(zNew) ){
    return w2v_vtab_errorf(pVtab, "w2v: '%s' is the name of one of w2v's functions; choose another name", zNew);
  }
  zName = sqlite3_mprintf("%s", zNew);
  if( zName==0 ) return SQLITE_NOMEM;
  w2v_conn_pin(p->conn, p->zSchema, p->zName);
  rc = w2v_store_rename(p->db, p->zSchema, p->zName, zNew);
  if( rc!=SQLITE_OK ){ sqlite3_free(zName); return rc; }
  w2v_conn_forget(p->conn, p->zSchema, p->zName);
  sqlite3_free(p->zName);
  p->zName = zName;
  return SQLITE_OK;
}

/* The plan: idxNum says which (PLAN_*, shown by EXPLAIN QUERY PLAN), idxStr
** names the xFilter arguments (W2V_ARG_* letters in argv order): KNN takes
** the MATCH vector, the bound (k or LIMIT) if any, a word constraint if any
** and the count and rowid bounds; a lookup one word or rowid; a scan the
** count and rowid bounds.  Every bound taken makes the plan cheaper. */
static int model_best_index(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo){
  int i, iMatch = -1, iK = -1, iLimit = -1, iOffset = -1, iWord = -1, iRowid = -1, matchUnusable = 0;
  int n = 0, nFilter = 0;
  char *zPlan;
  (void)pVtab;
  for(i=0; i<pInfo->nConstraint; i++){
    const struct sqlite3_index_constraint *c = &pInfo->aConstraint[i];
    if( c->op==SQLITE_INDEX_CONSTRAINT_MATCH && c->iColumn==COL_VECTOR ){
      if( c->usable ) iMatch = i; else matchUnusable = 1;
    }
    if( !c->usable ) continue;
    if( c->op==SQLITE_INDEX_CONSTRAINT_EQ && c->iColumn==COL_K ) iK = i;
    if( c->op==SQLITE_INDEX_CONSTRAINT_LIMIT ) iLimit = i;
    if( c->op==SQLITE_INDEX_CONSTRAINT_OFFSET ) iOffset = i;
    if( c->op==SQLITE_INDEX_CONSTRAINT_EQ && c->iColumn==COL_WORD ) iWord = i;
    if( c->op==SQLITE_INDEX_CONSTRAINT_EQ && c->iColumn==-1 ) iRowid = i;
  }
  if( iMatch<0 && matchUnusable ) return SQLITE_CONSTRAINT;
  if( iMatch<0 && (iWord>=0 || iRowid>=0) ){
    int j = iWord>=0 ? iWord : iRowid;
    pInfo->idxNum = iWord>=0 ? PLAN_WORD : PLAN_ROWID;
    if( w2v_plan_set(pInfo, iWord>=0 ? "W" : "r") ) return SQLITE_NOMEM;
    pInfo->aConstraintUsage[j].argvIndex = 1;
    pInfo->aConstraintUsage[j].omit = 1;
    pInfo->estimatedCost = 1.0;
    pInfo->estimatedRows = 1;
    pInfo->idxFlags = SQLITE_INDEX_SCAN_UNIQUE;
    return SQLITE_OK;
  }
  zPlan = sqlite3_malloc64(pInfo->nConstraint + 4);
  if( zPlan==0 ) return SQLITE_NOMEM;
  if( iMatch>=0 ){
    pInfo->idxNum = PLAN_KNN;
    zPlan[n] = W2V_ARG_QUERY;
    pInfo->aConstraintUsage[iMatch].argvIndex = ++n;
    pInfo->aConstraintUsage[iMatch].omit = 1;
    if( iK>=0 ){
      zPlan[n] = W2V_ARG_K;
      pInfo->aConstraintUsage[iK].argvIndex = ++n;
      pInfo->aConstraintUsage[iK].omit = 1;
    }else if( iLimit>=0 ){
      zPlan[n] = W2V_ARG_LIMIT;
      pInfo->aConstraintUsage[iLimit].argvIndex = ++n;
      /* SQLite passes LIMIT and OFFSET only when the table takes both (and
      ** still applies them to the rows): the search finds LIMIT + OFFSET */
      if( iOffset>=0 ){
        zPlan[n] = W2V_ARG_OFFSET;
        pInfo->aConstraintUsage[iOffset].argvIndex = ++n;
      }
    }
    if( iWord>=0 && (zPlan[n] = w2v_word_constraint(pInfo, iWord))!=0 ){
      pInfo->aConstraintUsage[iWord].argvIndex = ++n;
      nFilter++;
    }
  }else{
    pInfo->idxNum = PLAN_SCAN;
  }
  for(i=0; i<pInfo->nConstraint; i++){
    int omit = 0;
    char t = w2v_filter_constraint(pInfo, i, COL_COUNT, &omit);
    if( t==0 ) continue;
    zPlan[n] = t;
    pInfo->aConstraintUsage[i].argvIndex = ++n;
    pInfo->aConstraintUsage[i].omit = (unsigned char)omit;
    nFilter++;
  }
  zPlan[n] = 0;
  i = w2v_plan_set(pInfo, zPlan);
  sqlite3_free(zPlan);
  if( i ) return SQLITE_NOMEM;
  if( iMatch>=0 ){
    if( pInfo->nOrderBy==1 && pInfo->aOrderBy[0].iColumn==COL_DISTANCE && !pInfo->aOrderBy[0].desc ){
      pInfo->orderByConsumed = 1;
    }
    pInfo->estimatedCost = 10.0 - 5.0*nFilter/(nFilter+1);
    pInfo->estimatedRows = 10;
    return SQLITE_OK;
  }
  /* a scan walks the ids (rowids) in order */
  if( pInfo->nOrderBy==1 && pInfo->aOrderBy[0].iColumn==-1 && !pInfo->aOrderBy[0].desc ){
    pInfo->orderByConsumed = 1;
  }
  pInfo->estimatedCost = 1e6/(1 + 3*nFilter);
  return SQLITE_OK;
}

static int model_open(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCur){
  ModelCursor *c = sqlite3_malloc(sizeof(*c));
  (void)pVtab;
  if( c==0 ) return SQLITE_NOMEM;
  memset(c, 0, sizeof(*c));
  *ppCur = &c->base;
  return SQLITE_OK;
}

static void cursor_reset(ModelCursor *c){
  w2v_rows_close(&c->rows);
  sqlite3_free(c->aHit);
  c->aHit = 0;
  c->nHit = c->iHit = 0;
  w2v_model_release(c->m);
  c->m = 0;
  c->eof = 1;
}

static int model_close(sqlite3_vtab_cursor *pCur){
  cursor_reset((ModelCursor*)pCur);
  sqlite3_free(pCur);
  return SQLITE_OK;
}

/* The arguments of a KNN plan: the MATCH vector, the bound, the filters. */
static int knn_filter(ModelCursor *c, ModelVtab *p, const char *zPlan, int argc, sqlite3_value **argv){
  sqlite3_value *vQuery = 0, *vBound = 0, *vOffset = 0;
  char *zErr = 0;
  W2vKnnQuery kq;
  W2vFilter f;
  const W2vKnn *knn;
  float *qv;
  int nq, k, rc = SQLITE_OK, i, d, isLimit = 0;
  for(i=0; i<argc && zPlan && zPlan[i]; i++){
    switch( zPlan[i] ){
      case W2V_ARG_QUERY: vQuery = argv[i]; break;
      case W2V_ARG_K: vBound = argv[i]; break;
      case W2V_ARG_LIMIT: vBound = argv[i]; isLimit = 1; break;
      case W2V_ARG_OFFSET: vOffset = argv[i]; break;
    }
  }
  rc = w2v_model_acquire(p->conn, p->zName, p->zSchema, p->zName, &c->m, &zErr);
  if( rc ) return w2v_vtab_error(&p->base, zErr, rc);
  w2v_rows_init(&c->rows, p->conn->db, c->m, c->m->zName);  /* p->zName goes with a rename */
  if( vQuery==0 || vBound==0 ){
    return w2v_vtab_errorf(&p->base, "%s: a KNN query needs 'k = N' (or LIMIT N, on SQLite 3.41 and later)", p->zName);
  }
  if( isLimit && sqlite3_value_type(vBound)==SQLITE_INTEGER && sqlite3_value_int64(vBound)<0 ){
    k = (int)c->m->vocab.n;      /* a negative LIMIT is no limit: every word, ranked */
  }else if( sqlite3_value_type(vBound)!=SQLITE_INTEGER || sqlite3_value_int64(vBound)<0 ){
    return w2v_vtab_errorf(&p->base, "%s: k must be a non-negative integer", p->zName);
  }else{
    k = sqlite3_value_int64(vBound)>W2V_MAX_WORDS ? (int)W2V_MAX_WORDS : sqlite3_value_int(vBound);
  }
  if( vOffset && sqlite3_value_type(vOffset)==SQLITE_INTEGER && sqlite3_value_int64(vOffset)>0 ){
    sqlite3_int64 o = sqlite3_value_int64(vOffset);
    k = o>=W2V_MAX_WORDS-k ? (int)W2V_MAX_WORDS : k+(int)o;   /* a negative OFFSET is 0 */
  }
  if( k>c->m->vocab.n ) k = (int)c->m->vocab.n;
  if( sqlite3_value_type(vQuery)==SQLITE_NULL ){ c->eof = 1; return SQLITE_OK; }
  nq = sqlite3_value_bytes(vQuery);
  if( sqlite3_value_type(vQuery)!=SQLITE_BLOB || nq!=c->m->dim*(int)sizeof(float) ){
    return w2v_vtab_errorf(&p->base, "%s: MATCH needs a float32 blob of %d bytes (dim %d)",
                           p->zName, c->m->dim*4, c->m->dim);
  }
  rc = w2v_filter_args(&f, c->m, zPlan, argc, argv);
  if( rc!=SQLITE_OK || f.none ){ w2v_filter_free(&f); c->eof = 1; return rc; }
  memset(&kq, 0, sizeof(kq));
  kq.k = k;
  kq.minSim = -INFINITY;
  w2v_filter_query(&f, &kq);
  kq.xRow = w2v_rows_xrow;
  kq.pRowCtx = &c->rows;
  c->k = k;
  knn = w2v_model_knn(c->m);
  c->aHit = sqlite3_malloc64(sizeof(W2vHit)*(k ? k : 1));
  qv = sqlite3_malloc64(nq);
  if( knn==0 || c->aHit==0 || qv==0 ){
    rc = SQLITE_NOMEM;
  }else{
    w2v_floats_from_le(qv, sqlite3_value_blob(vQuery), c->m->dim);
    for(d=0; d<c->m->dim && isfinite(qv[d]); d++){}
    if( d<c->m->dim ){
      rc = w2v_vtab_errorf(&p->base, "%s: the MATCH vector holds a non-finite value", p->zName);
    }else{
      kq.q = qv;
      c->nHit = w2v_knn_search(knn, &kq, c->aHit);
      if( c->nHit==-2 ){
        rc = w2v_rows_error(&c->rows, &zErr);
        rc = w2v_vtab_error(&p->base, zErr, rc);
      }else if( c->nHit<0 ){
        rc = SQLITE_NOMEM;
      }
      if( c->nHit<0 ) c->nHit = 0;
    }
  }
  sqlite3_free(qv);
  w2v_filter_free(&f);
  c->eof = c->nHit==0;
  return rc;
}

/* A scan: every id in order, or those the count and rowid bounds leave. */
static int scan_filter(ModelCursor *c, const char *zPlan, int argc, sqlite3_value **argv){
  W2vFilter f;
  int64_t j;
  int rc = w2v_filter_args(&f, c->m, zPlan, argc, argv);
  if( rc==SQLITE_OK && !f.none ){
    if( f.hasCand ){
      c->aHit = sqlite3_malloc64(sizeof(W2vHit)*(size_t)f.nCand);
      if( c->aHit==0 ){
        rc = SQLITE_NOMEM;
      }else{
        for(j=0; j<f.nCand; j++){ c->aHit[j].id = f.aCand[j]; c->aHit[j].sim = 0; }
        c->nHit = f.nCand;
      }
    }else{
      c->iHit = f.lo;
      c->nHit = f.hi;
    }
  }
  w2v_filter_free(&f);
  c->eof = c->iHit>=c->nHit;
  return rc;
}

/* The id a lookup asks for, or -1: "word = ?" compares text exactly (as
** the column would, with no folding), "rowid = ?" integers. */
static int64_t lookup_id(const W2vModel *m, int plan, sqlite3_value *v){
  if( plan==PLAN_WORD ){
    int t = sqlite3_value_type(v);
    const char *z;
    if( t==SQLITE_NULL || t==SQLITE_BLOB ) return -1;
    z = (const char*)sqlite3_value_text(v);
    return z ? w2v_vocab_find(&m->vocab, z, (uint32_t)sqlite3_value_bytes(v)) : -1;
  }else{
    int t = sqlite3_value_numeric_type(v);
    double r = sqlite3_value_double(v);
    sqlite3_int64 id = sqlite3_value_int64(v);
    if( t==SQLITE_FLOAT && (r!=(double)(sqlite3_int64)r || r<1 || r>(double)m->vocab.n) ) return -1;
    if( t!=SQLITE_INTEGER && t!=SQLITE_FLOAT ) return -1;
    if( t==SQLITE_FLOAT ) id = (sqlite3_int64)r;
    return id>=1 && id<=m->vocab.n ? id-1 : -1;
  }
}

static int model_filter(sqlite3_vtab_cursor *pCur, int idxNum, const char *idxStr,
                        int argc, sqlite3_value **argv){
  ModelCursor *c = (ModelCursor*)pCur;
  ModelVtab *p = (ModelVtab*)pCur->pVtab;
  char *zErr = 0;
  int64_t id;
  int rc;
  cursor_reset(c);
  c->plan = idxNum;
  if( c->plan==PLAN_KNN ) return knn_filter(c, p, idxStr, argc, argv);
  rc = w2v_model_acquire(p->conn, p->zName, p->zSchema, p->zName, &c->m, &zErr);
  if( rc ) return w2v_vtab_error(&p->base, zErr, rc);
  w2v_rows_init(&c->rows, p->conn->db, c->m, c->m->zName);  /* p->zName goes with a rename */
  if( c->plan==PLAN_SCAN ){
    return scan_filter(c, idxStr, argc, argv);
  }else if( argc>=1 && (id = lookup_id(c->m, c->plan, argv[0]))>=0 ){
    c->aHit = sqlite3_malloc(sizeof(W2vHit));
    if( c->aHit==0 ) return SQLITE_NOMEM;
    c->aHit[0].id = (int32_t)id;
    c->aHit[0].sim = 0;
    c->nHit = 1;
  }
  c->eof = c->nHit==0;
  return SQLITE_OK;
}

static int model_next(sqlite3_vtab_cursor *pCur){
  ModelCursor *c = (ModelCursor*)pCur;
  c->iHit++;
  c->eof = c->iHit>=c->nHit;
  return SQLITE_OK;
}

static int model_eof(sqlite3_vtab_cursor *pCur){
  return ((ModelCursor*)pCur)->eof;
}

static int32_t current_id(const ModelCursor *c){
  return c->aHit ? c->aHit[c->iHit].id : (int32_t)c->iHit;
}

static int model_column(sqlite3_vtab_cursor *pCur, sqlite3_context *ctx, int i){
  ModelCursor *c = (ModelCursor*)pCur;
  W2vModel *m = c->m;
  int32_t id = current_id(c);
  switch( i ){
    case COL_WORD:
      sqlite3_result_text(ctx, w2v_vocab_word(&m->vocab, id), (int)m->vocab.lens[id], SQLITE_TRANSIENT);
      break;
    case COL_COUNT: sqlite3_result_int64(ctx, m->vocab.counts[id]); break;
    case COL_VECTOR: {
      const float *v = w2v_rows_get(&c->rows, id);
      float *le;
      if( v==0 ){
        char *zErr;
        int rc = w2v_rows_error(&c->rows, &zErr);
        return w2v_vtab_error(pCur->pVtab, zErr, rc);
      }
      le = sqlite3_malloc64(sizeof(float)*m->dim);
      if( le==0 ) return SQLITE_NOMEM;
      w2v_floats_to_le(le, v, m->dim);
      sqlite3_result_blob(ctx, le, m->dim*(int)sizeof(float), sqlite3_free);
      break;
    }
    case COL_DISTANCE:
      if( c->plan==PLAN_KNN ) sqlite3_result_double(ctx, 1.0 - (double)c->aHit[c->iHit].sim);
      break;
    case COL_K:
      if( c->plan==PLAN_KNN ) sqlite3_result_int(ctx, c->k);
      break;
  }
  return SQLITE_OK;
}

static int model_rowid(sqlite3_vtab_cursor *pCur, sqlite3_int64 *pRowid){
  *pRowid = current_id((ModelCursor*)pCur) + 1;
  return SQLITE_OK;
}

const sqlite3_module w2v_model_module = {
  /* iVersion    */ 3,
  /* xCreate     */ model_create,
  /* xConnect    */ model_connect,
  /* xBestIndex  */ model_best_index,
  /* xDisconnect */ model_disconnect,
  /* xDestroy    */ model_destroy,
  /* xOpen       */ model_open,
  /* xClose      */ model_close,
  /* xFilter     */ model_filter,
  /* xNext       */ model_next,
  /* xEof        */ model_eof,
  /* xColumn     */ model_column,
  /* xRowid      */ model_rowid,
  /* xUpdate     */ 0,
  /* xBegin      */ 0,
  /* xSync       */ 0,
  /* xCommit     */ 0,
  /* xRollback   */ 0,
  /* xFindMethod */ 0,
  /* xRename     */ model_rename,
  /* xSavepoint  */ 0,
  /* xRelease    */ 0,
  /* xRollbackTo */ 0,
  /* xShadowName */ w2v_store_is_shadow,
};
