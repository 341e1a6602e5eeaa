/*
** w2v_project(model, dims [, options]): a model's words (or documents,
** docs=1) placed on the plane (dims=2: x, y) or in space (dims=3: x, y, z)
** by PCA of their unit vectors: each coordinate is the row's centred unit
** vector along one of the top principal axes, best first (core/pca.c:
** deterministic, each axis signed so that its largest coordinate in the
** model's space is positive).  Table-valued, eponymous; hidden column key
** (the word, or the document's key).  Computed once per xFilter on copies
** of the vectors (rowset.c); the cursor holds its model until it closes.
**
** Options: docs [0], words [a table or view with a column word],
** max_words [0: all], threads [cores].
*/
#include <math.h>
#include <stddef.h>
#include <string.h>
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3
#include "w2vInt.h"

#define FUNC "w2v_project"

enum { PJ_WORD, PJ_X, PJ_Y, PJ_Z, PJ_MODEL, PJ_DIMS, PJ_OPTIONS, PJ_KEY };

#define OFF(f) offsetof(W2vGroupOptions, f)
static const W2vOptDesc aPjOpt[] = {
  /* key           type          lo  hi       default field           flags */
  { "threads",    W2V_OPT_INT,  1,  W2V_MAX_PAR_THREADS, NAN, OFF(threads), W2V_OPT_INT32 },
  { "docs",       W2V_OPT_INT,  0,  1,       0,      OFF(docs),       W2V_OPT_INT32, 0, "0 or 1" },
  { "words",      W2V_OPT_TEXT, 0,  0,       NAN,    OFF(zWords),     0 },
  { "max_words",  W2V_OPT_INT,  0,  9.0e18,  0,      OFF(maxWords),   0 },
};
static const W2vOptTable pjOptions = { aPjOpt, (int)(sizeof(aPjOpt)/sizeof(aPjOpt[0])), 1 };

typedef struct PjCursor {
  sqlite3_vtab_cursor base;
  W2vModel *m;               /* held while the cursor is open */
  W2vRowSet rows;
  int dims;
  double *coords;            /* n x dims */
  int64_t i;
} PjCursor;

static int pj_connect(sqlite3 *db, void *pAux, int argc, const char *const*argv,
                      sqlite3_vtab **ppVtab, char **pzErr){
  int rc;
  (void)argc; (void)argv; (void)pzErr;
  rc = w2v_ranked_connect(db, pAux,
    "CREATE TABLE x(word TEXT, x REAL, y REAL, z REAL,"
    " model HIDDEN, dims HIDDEN, options HIDDEN, key HIDDEN)", ppVtab);
  /* words= reads a table its arguments name: not from triggers or views */
  if( rc==SQLITE_OK ) sqlite3_vtab_config(db, SQLITE_VTAB_DIRECTONLY);
  return rc;
}

static int pj_best_index(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo){
  static const char zArgs[] = { W2V_ARG_MODEL, W2V_ARG_K, W2V_ARG_METHOD, 0 };
  unsigned given;
  int rc = w2v_args_plan(pInfo, PJ_MODEL, zArgs, &given);
  (void)pVtab;
  if( rc!=SQLITE_OK ) return rc;
  pInfo->estimatedCost = (given & 3)==3 ? 1e6 : 1e12;
  pInfo->estimatedRows = 10000;
  return SQLITE_OK;
}

static int pj_open(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCur){
  PjCursor *c = sqlite3_malloc(sizeof(*c));
  (void)pVtab;
  if( c==0 ) return SQLITE_NOMEM;
  memset(c, 0, sizeof(*c));
  *ppCur = &c->base;
  return SQLITE_OK;
}

static void pj_reset(PjCursor *c){
  w2v_rowset_free(&c->rows);
  w2v_core_free(c->coords);
  w2v_model_release(c->m);
  c->coords = 0;
  c->m = 0;
  c->i = 0;
}

static int pj_close(sqlite3_vtab_cursor *pCur){
  pj_reset((PjCursor*)pCur);
  sqlite3_free(pCur);
  return SQLITE_OK;
}

static int pj_filter(sqlite3_vtab_cursor *pCur, int idxNum, const char *idxStr,
                     int argc, sqlite3_value **argv){
  PjCursor *c = (PjCursor*)pCur;
  W2vRankedVtab *p = (W2vRankedVtab*)pCur->pVtab;
  sqlite3_vtab *pVtab = pCur->pVtab;
  sqlite3_value *vModel = 0, *vDims = 0, *vOpt = 0;
  W2vGroupOptions o;
  W2vPcaParams pp;
  sqlite3_stmt *pProbe = 0;
  double *mean = 0, *axes = 0;
  char *zErr = 0;
  int rc, i, r;
  (void)idxNum;
  pj_reset(c);
  memset(&o, 0, sizeof(o));
  for(i=0; i<argc && idxStr && idxStr[i]; i++){
    switch( idxStr[i] ){
      case W2V_ARG_MODEL: vModel = argv[i]; break;
      case W2V_ARG_K: vDims = argv[i]; break;
      case W2V_ARG_METHOD: vOpt = argv[i]; break;
    }
  }
  if( vModel==0 || vDims==0 ) return w2v_vtab_errorf(pVtab, FUNC ": needs (model, dims[, options])");
  if( sqlite3_value_type(vDims)!=SQLITE_INTEGER || (sqlite3_value_int64(vDims)!=2 && sqlite3_value_int64(vDims)!=3) ){
    return w2v_vtab_errorf(pVtab, FUNC ": dims must be 2 (x, y) or 3 (x, y, z)");
  }
  c->dims = sqlite3_value_int(vDims);
  if( vOpt && sqlite3_value_type(vOpt)!=SQLITE_NULL && sqlite3_value_type(vOpt)!=SQLITE_TEXT ){
    return w2v_vtab_errorf(pVtab, FUNC ": the options must be text (\"key=value, ...\")");
  }
  if( w2v_text_has_nul(vModel) ) return w2v_vtab_errorf(pVtab, FUNC ": the model name contains a NUL byte");
  if( vOpt && w2v_text_has_nul(vOpt) ) return w2v_vtab_errorf(pVtab, FUNC ": the options contain a NUL byte");
  rc = w2v_options_parse(FUNC, vOpt && sqlite3_value_type(vOpt)==SQLITE_TEXT ? (const char*)sqlite3_value_text(vOpt) : "",
                         &pjOptions, &o, &o.given, &zErr);
  if( rc!=SQLITE_OK ) return w2v_vtab_error(pVtab, zErr, rc);
  if( !(o.given & ((uint64_t)1<<w2v_options_index(&pjOptions, "threads"))) ) o.threads = w2v_rowset_default_threads();

  rc = w2v_model_acquire(p->conn, FUNC, 0, (const char*)sqlite3_value_text(vModel), &c->m, &zErr);
  if( rc==SQLITE_OK ) rc = w2v_rowset_read(p->conn->db, c->m, FUNC, &o, &c->rows, &zErr);
  if( rc!=SQLITE_OK ){ rc = w2v_vtab_error(pVtab, zErr, rc); goto done; }
  if( c->rows.n==0 ) goto done;       /* nothing to place: no rows */
  c->coords = w2v_core_malloc(sizeof(double)*(size_t)c->rows.n*c->dims);
  mean = w2v_core_malloc(sizeof(double)*(size_t)c->rows.dim);
  axes = w2v_core_malloc(sizeof(double)*(size_t)c->rows.dim*c->dims);
  if( !c->coords || !mean || !axes ){ rc = SQLITE_NOMEM; goto done; }
  memset(&pp, 0, sizeof(pp));
  pp.dims = c->dims;
  pp.threads = o.threads;
  pProbe = w2v_probe_open(p->conn->db);
  pp.xInterrupt = pProbe ? w2v_interrupted_cb : 0;
  pp.pInterruptArg = pProbe;
  r = w2v_pca(c->rows.unit, c->rows.n, c->rows.dim, &pp, mean, axes, c->coords);
  if( r==W2V_ERR_NOMEM ) rc = SQLITE_NOMEM;
  else if( r==W2V_ERR_INTERRUPT ) rc = w2v_vtab_error(pVtab, sqlite3_mprintf(FUNC ": interrupted"), SQLITE_INTERRUPT);
  else if( r<0 ) rc = w2v_vtab_errorf(pVtab, FUNC ": cannot project %lld rows", (sqlite3_int64)c->rows.n);
  else rc = SQLITE_OK;

done:
  sqlite3_finalize(pProbe);
  w2v_core_free(mean);
  w2v_core_free(axes);
  w2v_options_free(&pjOptions, &o);
  if( rc!=SQLITE_OK ) pj_reset(c);
  return rc;
}

static int pj_next(sqlite3_vtab_cursor *pCur){
  ((PjCursor*)pCur)->i++;
  return SQLITE_OK;
}

static int pj_eof(sqlite3_vtab_cursor *pCur){
  PjCursor *c = (PjCursor*)pCur;
  return c->coords==0 || c->i>=c->rows.n;
}

static int pj_column(sqlite3_vtab_cursor *pCur, sqlite3_context *ctx, int iCol){
  PjCursor *c = (PjCursor*)pCur;
  switch( iCol ){
    case PJ_WORD: if( c->rows.aWord ) w2v_rowset_result_key(&c->rows, c->m, c->i, ctx); break;
    case PJ_KEY: w2v_rowset_result_key(&c->rows, c->m, c->i, ctx); break;
    case PJ_X: case PJ_Y: case PJ_Z:
      if( iCol - PJ_X < c->dims ) sqlite3_result_double(ctx, c->coords[c->i*c->dims + (iCol - PJ_X)]);
      break;
    default: break;
  }
  return SQLITE_OK;
}

static int pj_rowid(sqlite3_vtab_cursor *pCur, sqlite3_int64 *pRowid){
  PjCursor *c = (PjCursor*)pCur;
  *pRowid = w2v_rowset_rowid(&c->rows, c->i);
  return SQLITE_OK;
}

const sqlite3_module w2v_project_module = {
  0, 0, pj_connect, pj_best_index, w2v_ranked_disconnect, 0,
  pj_open, pj_close, pj_filter, pj_next, pj_eof, pj_column, pj_rowid,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
};
