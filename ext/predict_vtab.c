/*
** w2v_predict(model, input, k): the k most probable output words for an
** input (one center word, or several words as a CBOW context), with the
** probabilities w2v_prob gives, best first.  Table-valued, eponymous.
*/
#include <string.h>
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3
#include "w2vInt.h"

enum { PR_WORD, PR_PROBABILITY, PR_RANK, PR_MODEL, PR_INPUT, PR_K };

typedef struct PredVtab {
  sqlite3_vtab base;
  W2vConn *conn;
} PredVtab;

typedef struct PredCursor {
  sqlite3_vtab_cursor base;
  W2vModel *m;
  W2vPrediction *a;
  int64_t n, i;
} PredCursor;

static int pred_connect(sqlite3 *db, void *pAux, int argc, const char *const*argv,
                        sqlite3_vtab **ppVtab, char **pzErr){
  PredVtab *p;
  int rc;
  (void)argc; (void)argv; (void)pzErr;
  rc = sqlite3_declare_vtab(db,
    "CREATE TABLE x(word TEXT, probability REAL, rank INTEGER,"
    " model HIDDEN, input HIDDEN, k HIDDEN)");
  if( rc!=SQLITE_OK ) return rc;
  p = sqlite3_malloc(sizeof(*p));
  if( p==0 ) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->conn = pAux;
  *ppVtab = &p->base;
  return SQLITE_OK;
}

static int pred_disconnect(sqlite3_vtab *pVtab){
  sqlite3_free(pVtab);
  return SQLITE_OK;
}

/* idxNum: bit i set when hidden column i (model, input, k) is given; the
** arguments come in that order. */
static int pred_best_index(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo){
  int i, idx[3] = { -1, -1, -1 }, n = 0, mask = 0;
  (void)pVtab;
  for(i=0; i<pInfo->nConstraint; i++){
    const struct sqlite3_index_constraint *c = &pInfo->aConstraint[i];
    if( c->iColumn<PR_MODEL || c->op!=SQLITE_INDEX_CONSTRAINT_EQ ) continue;
    if( !c->usable ) return SQLITE_CONSTRAINT;
    idx[c->iColumn - PR_MODEL] = i;
  }
  for(i=0; i<3; i++){
    if( idx[i]<0 ) continue;
    mask |= 1<<i;
    pInfo->aConstraintUsage[idx[i]].argvIndex = ++n;
    pInfo->aConstraintUsage[idx[i]].omit = 1;
  }
  pInfo->idxNum = mask;
  if( pInfo->nOrderBy==1 && ((pInfo->aOrderBy[0].iColumn==PR_RANK && !pInfo->aOrderBy[0].desc)
                          || (pInfo->aOrderBy[0].iColumn==PR_PROBABILITY && pInfo->aOrderBy[0].desc)) ){
    pInfo->orderByConsumed = 1;
  }
  pInfo->estimatedCost = (mask & 3)==3 ? 1000.0 : 1e12;
  pInfo->estimatedRows = 10;
  return SQLITE_OK;
}

static int pred_open(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCur){
  PredCursor *c = sqlite3_malloc(sizeof(*c));
  (void)pVtab;
  if( c==0 ) return SQLITE_NOMEM;
  memset(c, 0, sizeof(*c));
  *ppCur = &c->base;
  return SQLITE_OK;
}

static int pred_close(sqlite3_vtab_cursor *pCur){
  PredCursor *c = (PredCursor*)pCur;
  sqlite3_free(c->a);
  sqlite3_free(c);
  return SQLITE_OK;
}

static int pred_error(sqlite3_vtab *pVtab, char *zErr){
  sqlite3_free(pVtab->zErrMsg);
  pVtab->zErrMsg = zErr;
  return zErr ? SQLITE_ERROR : SQLITE_NOMEM;
}

static int pred_filter(sqlite3_vtab_cursor *pCur, int idxNum, const char *idxStr,
                       int argc, sqlite3_value **argv){
  PredCursor *c = (PredCursor*)pCur;
  PredVtab *p = (PredVtab*)pCur->pVtab;
  sqlite3_int64 k = 10;
  char *zErr = 0;
  float *h;
  int rc;
  (void)idxStr; (void)argc;
  sqlite3_free(c->a);
  c->a = 0;
  c->n = c->i = 0;
  if( (idxNum & 3)!=3 ){
    return pred_error(pCur->pVtab, sqlite3_mprintf("w2v_predict: needs (model, input[, k])"));
  }
  if( idxNum & 4 ){
    if( sqlite3_value_type(argv[2])!=SQLITE_INTEGER || sqlite3_value_int64(argv[2])<0 ){
      return pred_error(pCur->pVtab, sqlite3_mprintf("w2v_predict: k must be a non-negative integer"));
    }
    k = sqlite3_value_int64(argv[2]);
  }
  if( w2v_conn_model(p->conn, "w2v_predict", (const char*)sqlite3_value_text(argv[0]), &c->m, &zErr)
   || w2v_model_output(p->conn->db, c->m, "w2v_predict", &zErr) ){
    return pred_error(pCur->pVtab, zErr);
  }
  if( k>c->m->vocab.n ) k = c->m->vocab.n;
  if( k==0 ) return SQLITE_OK;
  h = sqlite3_malloc64(sizeof(float)*c->m->dim);
  c->a = sqlite3_malloc64(sizeof(W2vPrediction)*k);
  if( h==0 || c->a==0 ){ sqlite3_free(h); return SQLITE_NOMEM; }
  rc = SQLITE_OK;
  if( w2v_model_hidden(c->m, argv[1], h) ){   /* else an unknown word: no rows */
    c->n = w2v_predict_top(&c->m->lossFn, h, k, c->a);
    if( c->n<0 ){ c->n = 0; rc = SQLITE_NOMEM; }
  }
  sqlite3_free(h);
  return rc;
}

static int pred_next(sqlite3_vtab_cursor *pCur){
  ((PredCursor*)pCur)->i++;
  return SQLITE_OK;
}

static int pred_eof(sqlite3_vtab_cursor *pCur){
  PredCursor *c = (PredCursor*)pCur;
  return c->i>=c->n;
}

static int pred_column(sqlite3_vtab_cursor *pCur, sqlite3_context *ctx, int i){
  PredCursor *c = (PredCursor*)pCur;
  const W2vPrediction *r = &c->a[c->i];
  switch( i ){
    case PR_WORD:
      sqlite3_result_text(ctx, w2v_vocab_word(&c->m->vocab, r->id), (int)c->m->vocab.lens[r->id], SQLITE_TRANSIENT);
      break;
    case PR_PROBABILITY: sqlite3_result_double(ctx, r->prob); break;
    case PR_RANK: sqlite3_result_int64(ctx, c->i+1); break;
    default: break;
  }
  return SQLITE_OK;
}

static int pred_rowid(sqlite3_vtab_cursor *pCur, sqlite3_int64 *pRowid){
  *pRowid = ((PredCursor*)pCur)->i + 1;
  return SQLITE_OK;
}

static sqlite3_module predictModule = {
  0, 0, pred_connect, pred_best_index, pred_disconnect, 0,
  pred_open, pred_close, pred_filter, pred_next, pred_eof, pred_column, pred_rowid,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
};

int w2v_register_predict(sqlite3 *db, W2vConn *conn){
  conn->nRef++;
  return sqlite3_create_module_v2(db, "w2v_predict", &predictModule, conn, w2v_conn_release);
}
