/*
** w2v_predict(model, input, k): the k most probable output words for an
** input (one center word, or several words as a CBOW context), with the
** probabilities w2v_prob gives, best first.  Table-valued, eponymous; the
** cursor is the ranked one (ranked.c) and holds its model until it closes.
*/
#include <string.h>
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3
#include "w2vInt.h"

enum { PR_WORD, PR_PROBABILITY, PR_RANK, PR_MODEL, PR_INPUT, PR_K };

static int pred_connect(sqlite3 *db, void *pAux, int argc, const char *const*argv,
                        sqlite3_vtab **ppVtab, char **pzErr){
  (void)argc; (void)argv; (void)pzErr;
  return w2v_ranked_connect(db, pAux,
    "CREATE TABLE x(word TEXT, probability REAL, rank INTEGER,"
    " model HIDDEN, input HIDDEN, k HIDDEN)", ppVtab);
}

/* The plan: model, input, k (W2V_ARG_*, in that order, those given). */
static int pred_best_index(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo){
  static const char zArgs[] = { W2V_ARG_MODEL, W2V_ARG_QUERY, W2V_ARG_K, 0 };
  unsigned given;
  int rc = w2v_args_plan(pInfo, PR_MODEL, zArgs, &given);
  (void)pVtab;
  if( rc!=SQLITE_OK ) return rc;
  if( pInfo->nOrderBy==1 && ((pInfo->aOrderBy[0].iColumn==PR_RANK && !pInfo->aOrderBy[0].desc)
                          || (pInfo->aOrderBy[0].iColumn==PR_PROBABILITY && pInfo->aOrderBy[0].desc)) ){
    pInfo->orderByConsumed = 1;
  }
  pInfo->estimatedCost = (given & 3)==3 ? 1000.0 : 1e12;
  pInfo->estimatedRows = 10;
  return SQLITE_OK;
}

static int pred_filter(sqlite3_vtab_cursor *pCur, int idxNum, const char *idxStr,
                       int argc, sqlite3_value **argv){
  W2vRankedCursor *c = (W2vRankedCursor*)pCur;
  W2vRankedVtab *p = (W2vRankedVtab*)pCur->pVtab;
  sqlite3_value *vModel = 0, *vInput = 0, *vK = 0;
  sqlite3_int64 k = 10;
  char *zErr = 0;
  float *h;
  int rc, i, hid;
  W2vRows rows;
  (void)idxNum;
  w2v_ranked_reset(c);
  for(i=0; i<argc && idxStr && idxStr[i]; i++){
    if( idxStr[i]==W2V_ARG_MODEL ) vModel = argv[i];
    else if( idxStr[i]==W2V_ARG_QUERY ) vInput = argv[i];
    else if( idxStr[i]==W2V_ARG_K ) vK = argv[i];
  }
  if( vModel==0 || vInput==0 ){
    return w2v_vtab_errorf(pCur->pVtab, "w2v_predict: needs (model, input[, k])");
  }
  if( vK ){
    if( sqlite3_value_type(vK)!=SQLITE_INTEGER || sqlite3_value_int64(vK)<0 ){
      return w2v_vtab_errorf(pCur->pVtab, "w2v_predict: k must be a non-negative integer");
    }
    k = sqlite3_value_int64(vK);
  }
  if( w2v_text_has_nul(vModel) ) return w2v_vtab_errorf(pCur->pVtab, "w2v_predict: the model name contains a NUL byte");
  rc = w2v_model_acquire(p->conn, "w2v_predict", 0, (const char*)sqlite3_value_text(vModel), &c->m, &zErr);
  if( rc==SQLITE_OK ) rc = w2v_model_output(p->conn->db, c->m, "w2v_predict", &zErr);
  if( rc!=SQLITE_OK ) return w2v_vtab_error(pCur->pVtab, zErr, rc);
  if( k>c->m->vocab.n ) k = c->m->vocab.n;
  if( k==0 ) return SQLITE_OK;
  h = sqlite3_malloc64(sizeof(float)*c->m->dim);
  c->a = sqlite3_malloc64(sizeof(W2vPrediction)*k);
  if( h==0 || c->a==0 ){ sqlite3_free(h); return SQLITE_NOMEM; }
  rc = SQLITE_OK;
  w2v_rows_init(&rows, p->conn->db, c->m, "w2v_predict");
  hid = w2v_model_hidden(&rows, (const char*)sqlite3_value_text(vInput), sqlite3_value_bytes(vInput), h);
  if( hid>0 ){
    c->n = w2v_predict_top(&c->m->lossFn, h, k, c->a);   /* 0: an unknown word, no rows */
    if( c->n<0 ){ c->n = 0; rc = SQLITE_NOMEM; }
  }else if( hid<0 ){
    rc = w2v_rows_error(&rows, &zErr);
    rc = w2v_vtab_error(pCur->pVtab, zErr, rc);
  }
  w2v_rows_close(&rows);
  sqlite3_free(h);
  return rc;
}

static int pred_column(sqlite3_vtab_cursor *pCur, sqlite3_context *ctx, int i){
  W2vRankedCursor *c = (W2vRankedCursor*)pCur;
  switch( i ){
    case PR_WORD: w2v_ranked_word(c, ctx); break;
    case PR_PROBABILITY: sqlite3_result_double(ctx, c->a[c->i].prob); break;
    case PR_RANK: sqlite3_result_int64(ctx, c->i+1); break;
    default: break;
  }
  return SQLITE_OK;
}

const sqlite3_module w2v_predict_module = {
  0, 0, pred_connect, pred_best_index, w2v_ranked_disconnect, 0,
  w2v_ranked_open, w2v_ranked_close, pred_filter, w2v_ranked_next, w2v_ranked_eof, pred_column, w2v_ranked_rowid,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
};
