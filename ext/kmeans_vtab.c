/*
** w2v_kmeans(model, k [, options]): spherical k-means of a model's word
** vectors (word2vec.c's -classes, with cosine on unit vectors and k-means++
** seeding), or of its documents (docs=1).  One row per word (document):
** word, cluster (0..k-1), distance (1 - cos to the cluster's centroid);
** hidden: key (the word, or the document's key), centroid (float32 blob).
** Table-valued, eponymous.  The clustering is computed once per xFilter by
** the core (core/kmeans.c) on copies of the vectors (rowset.c); the cursor
** holds its model (for the words' spellings) until it closes.
**
** Options: seed [1], iterations [20], threads [cores], docs [0],
** words [a table or view with a column word], max_words [0: all].
*/
#include <math.h>
#include <stddef.h>
#include <string.h>
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3
#include "w2vInt.h"

#define FUNC "w2v_kmeans"

enum { KM_WORD, KM_CLUSTER, KM_DISTANCE, KM_MODEL, KM_K, KM_OPTIONS, KM_KEY, KM_CENTROID };

#define OFF(f) offsetof(W2vGroupOptions, f)
static const W2vOptDesc aKmOpt[] = {
  /* key           type          lo  hi       default field           flags */
  { "seed",       W2V_OPT_INT,  0,  9.0e18,  1,      OFF(seed),       0 },
  { "iterations", W2V_OPT_INT,  1,  1000000, 20,     OFF(iterations), W2V_OPT_INT32 },
  { "threads",    W2V_OPT_INT,  1,  W2V_MAX_PAR_THREADS, NAN, OFF(threads), W2V_OPT_INT32 },
  { "docs",       W2V_OPT_INT,  0,  1,       0,      OFF(docs),       W2V_OPT_INT32, 0, "0 or 1" },
  { "words",      W2V_OPT_TEXT, 0,  0,       NAN,    OFF(zWords),     0 },
  { "max_words",  W2V_OPT_INT,  0,  9.0e18,  0,      OFF(maxWords),   0 },
};
static const W2vOptTable kmOptions = { aKmOpt, (int)(sizeof(aKmOpt)/sizeof(aKmOpt[0])), 1 };

typedef struct KmCursor {
  sqlite3_vtab_cursor base;
  W2vModel *m;               /* held while the cursor is open */
  W2vRowSet rows;
  int32_t *assign;
  float *dist;
  float *centroids;          /* k x dim */
  int64_t i;
} KmCursor;

static int km_connect(sqlite3 *db, void *pAux, int argc, const char *const*argv,
                      sqlite3_vtab **ppVtab, char **pzErr){
  int rc;
  (void)argc; (void)argv; (void)pzErr;
  rc = w2v_ranked_connect(db, pAux,
    "CREATE TABLE x(word TEXT, cluster INTEGER, distance REAL,"
    " model HIDDEN, k HIDDEN, options HIDDEN, key HIDDEN, centroid BLOB HIDDEN)", ppVtab);
  /* words= reads a table its arguments name: not from triggers or views
  ** (as w2v_phrases) */
  if( rc==SQLITE_OK ) sqlite3_vtab_config(db, SQLITE_VTAB_DIRECTONLY);
  return rc;
}

static int km_best_index(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo){
  static const char zArgs[] = { W2V_ARG_MODEL, W2V_ARG_K, W2V_ARG_METHOD, 0 };
  unsigned given;
  int rc = w2v_args_plan(pInfo, KM_MODEL, zArgs, &given);
  (void)pVtab;
  if( rc!=SQLITE_OK ) return rc;
  pInfo->estimatedCost = (given & 3)==3 ? 1e6 : 1e12;
  pInfo->estimatedRows = 10000;
  return SQLITE_OK;
}

static int km_open(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCur){
  KmCursor *c = sqlite3_malloc(sizeof(*c));
  (void)pVtab;
  if( c==0 ) return SQLITE_NOMEM;
  memset(c, 0, sizeof(*c));
  *ppCur = &c->base;
  return SQLITE_OK;
}

static void km_reset(KmCursor *c){
  w2v_rowset_free(&c->rows);
  w2v_core_free(c->assign);
  w2v_core_free(c->dist);
  w2v_core_free(c->centroids);
  w2v_model_release(c->m);
  c->assign = 0;
  c->dist = c->centroids = 0;
  c->m = 0;
  c->i = 0;
}

static int km_close(sqlite3_vtab_cursor *pCur){
  km_reset((KmCursor*)pCur);
  sqlite3_free(pCur);
  return SQLITE_OK;
}

static int km_filter(sqlite3_vtab_cursor *pCur, int idxNum, const char *idxStr,
                     int argc, sqlite3_value **argv){
  KmCursor *c = (KmCursor*)pCur;
  W2vRankedVtab *p = (W2vRankedVtab*)pCur->pVtab;
  sqlite3_vtab *pVtab = pCur->pVtab;
  sqlite3_value *vModel = 0, *vK = 0, *vOpt = 0;
  W2vGroupOptions o;
  W2vKmeansParams kp;
  sqlite3_stmt *pProbe = 0;
  sqlite3_int64 k;
  char *zErr = 0;
  int rc, i, r;
  (void)idxNum;
  km_reset(c);
  memset(&o, 0, sizeof(o));
  for(i=0; i<argc && idxStr && idxStr[i]; i++){
    switch( idxStr[i] ){
      case W2V_ARG_MODEL: vModel = argv[i]; break;
      case W2V_ARG_K: vK = argv[i]; break;
      case W2V_ARG_METHOD: vOpt = argv[i]; break;
    }
  }
  if( vModel==0 || vK==0 ) return w2v_vtab_errorf(pVtab, FUNC ": needs (model, k[, options])");
  if( sqlite3_value_type(vK)!=SQLITE_INTEGER || sqlite3_value_int64(vK)<1 ){
    return w2v_vtab_errorf(pVtab, FUNC ": k must be a positive integer (the number of clusters)");
  }
  k = sqlite3_value_int64(vK);
  if( vOpt && sqlite3_value_type(vOpt)!=SQLITE_NULL && sqlite3_value_type(vOpt)!=SQLITE_TEXT ){
    return w2v_vtab_errorf(pVtab, FUNC ": the options must be text (\"key=value, ...\")");
  }
  if( w2v_text_has_nul(vModel) ) return w2v_vtab_errorf(pVtab, FUNC ": the model name contains a NUL byte");
  if( vOpt && w2v_text_has_nul(vOpt) ) return w2v_vtab_errorf(pVtab, FUNC ": the options contain a NUL byte");
  rc = w2v_options_parse(FUNC, vOpt && sqlite3_value_type(vOpt)==SQLITE_TEXT ? (const char*)sqlite3_value_text(vOpt) : "", &kmOptions, &o, &o.given, &zErr);
  if( rc!=SQLITE_OK ) return w2v_vtab_error(pVtab, zErr, rc);
  if( !(o.given & ((uint64_t)1<<w2v_options_index(&kmOptions, "threads"))) ) o.threads = w2v_rowset_default_threads();

  rc = w2v_model_acquire(p->conn, FUNC, 0, (const char*)sqlite3_value_text(vModel), &c->m, &zErr);
  if( rc==SQLITE_OK ) rc = w2v_rowset_read(p->conn->db, c->m, FUNC, &o, &c->rows, &zErr);
  if( rc!=SQLITE_OK ){ rc = w2v_vtab_error(pVtab, zErr, rc); goto done; }
  if( k>c->rows.n ){
    rc = w2v_vtab_errorf(pVtab, FUNC ": k=%lld is more than the %lld %s to cluster", k, (sqlite3_int64)c->rows.n,
                         o.docs ? "documents" : "words");
    goto done;
  }
  c->assign = w2v_core_malloc(sizeof(int32_t)*(size_t)c->rows.n);
  c->dist = w2v_core_malloc(sizeof(float)*(size_t)c->rows.n);
  c->centroids = w2v_core_malloc(sizeof(float)*(size_t)k*c->rows.dim);
  if( !c->assign || !c->dist || !c->centroids ){ rc = SQLITE_NOMEM; goto done; }
  memset(&kp, 0, sizeof(kp));
  kp.k = k;
  kp.iterations = o.iterations;
  kp.threads = o.threads;
  kp.seed = (uint64_t)o.seed;
  pProbe = w2v_probe_open(p->conn->db);
  kp.xInterrupt = pProbe ? w2v_interrupted_cb : 0;
  kp.pInterruptArg = pProbe;
  r = w2v_kmeans(c->rows.unit, c->rows.n, c->rows.dim, &kp, c->assign, c->dist, c->centroids);
  if( r==W2V_ERR_NOMEM ) rc = SQLITE_NOMEM;
  else if( r==W2V_ERR_INTERRUPT ) rc = w2v_vtab_error(pVtab, sqlite3_mprintf(FUNC ": interrupted"), SQLITE_INTERRUPT);
  else if( r<0 ) rc = w2v_vtab_errorf(pVtab, FUNC ": k=%lld does not fit the %lld rows", k, (sqlite3_int64)c->rows.n);
  else rc = SQLITE_OK;

done:
  sqlite3_finalize(pProbe);
  w2v_options_free(&kmOptions, &o);
  if( rc!=SQLITE_OK ) km_reset(c);
  return rc;
}

static int km_next(sqlite3_vtab_cursor *pCur){
  ((KmCursor*)pCur)->i++;
  return SQLITE_OK;
}

static int km_eof(sqlite3_vtab_cursor *pCur){
  KmCursor *c = (KmCursor*)pCur;
  return c->assign==0 || c->i>=c->rows.n;
}

static int km_column(sqlite3_vtab_cursor *pCur, sqlite3_context *ctx, int iCol){
  KmCursor *c = (KmCursor*)pCur;
  switch( iCol ){
    case KM_WORD: if( c->rows.aWord ) w2v_rowset_result_key(&c->rows, c->m, c->i, ctx); break;
    case KM_KEY: w2v_rowset_result_key(&c->rows, c->m, c->i, ctx); break;
    case KM_CLUSTER: sqlite3_result_int(ctx, c->assign[c->i]); break;
    case KM_DISTANCE: sqlite3_result_double(ctx, c->dist[c->i]); break;
    case KM_CENTROID: {
      int dim = c->rows.dim;
      void *b = sqlite3_malloc64(sizeof(float)*(size_t)dim);
      if( b==0 ){ sqlite3_result_error_nomem(ctx); break; }
      w2v_floats_to_le(b, c->centroids + (int64_t)c->assign[c->i]*dim, dim);
      sqlite3_result_blob(ctx, b, dim*(int)sizeof(float), sqlite3_free);
      break;
    }
    default: break;
  }
  return SQLITE_OK;
}

static int km_rowid(sqlite3_vtab_cursor *pCur, sqlite3_int64 *pRowid){
  KmCursor *c = (KmCursor*)pCur;
  *pRowid = w2v_rowset_rowid(&c->rows, c->i);
  return SQLITE_OK;
}

const sqlite3_module w2v_kmeans_module = {
  0, 0, km_connect, km_best_index, w2v_ranked_disconnect, 0,
  km_open, km_close, km_filter, km_next, km_eof, km_column, km_rowid,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
};
