/*
** w2v_tokens(model, text) and w2v_tokens(NULL, text [, tokenize [, lower]]):
** how a model (or a tokenizer) reads a text: one row per token, with its
** byte range in the text and, for a model, its rowid in the model table
** (NULL when the word is not in the vocabulary).  Table-valued, eponymous.
** The cursor keeps its own copy of the tokens: nothing it returns points
** into a model.
*/
#include <string.h>
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3
#include "w2vInt.h"

enum { TK_TOKEN, TK_START, TK_END, TK_ID, TK_MODEL, TK_TEXT, TK_TOKENIZE, TK_LOWER };

typedef struct TokensCursor {
  sqlite3_vtab_cursor base;
  W2vWords w;
  int i;
} TokensCursor;

static int tk_connect(sqlite3 *db, void *pAux, int argc, const char *const*argv,
                      sqlite3_vtab **ppVtab, char **pzErr){
  (void)argc; (void)argv; (void)pzErr;
  return w2v_ranked_connect(db, pAux,
    "CREATE TABLE x(token TEXT, start INTEGER, \"end\" INTEGER, id INTEGER,"
    " model HIDDEN, text HIDDEN, tokenize HIDDEN, lower HIDDEN)", ppVtab);
}

/* The plan: the hidden arguments given, in column order (W2V_ARG_* letters). */
static int tk_best_index(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo){
  static const char zArgs[] = { W2V_ARG_MODEL, W2V_ARG_QUERY, W2V_ARG_METHOD, W2V_ARG_LOWER, 0 };
  unsigned given;
  int rc = w2v_args_plan(pInfo, TK_MODEL, zArgs, &given);
  (void)pVtab;
  if( rc!=SQLITE_OK ) return rc;
  pInfo->estimatedCost = (given & 2) ? 10.0 : 1e12;
  pInfo->estimatedRows = 10;
  return SQLITE_OK;
}

static int tk_open(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCur){
  TokensCursor *c = sqlite3_malloc(sizeof(*c));
  (void)pVtab;
  if( c==0 ) return SQLITE_NOMEM;
  memset(c, 0, sizeof(*c));
  *ppCur = &c->base;
  return SQLITE_OK;
}

static int tk_close(sqlite3_vtab_cursor *pCur){
  TokensCursor *c = (TokensCursor*)pCur;
  w2v_words_free(&c->w);
  sqlite3_free(c);
  return SQLITE_OK;
}

static int tk_filter(sqlite3_vtab_cursor *pCur, int idxNum, const char *idxStr,
                     int argc, sqlite3_value **argv){
  TokensCursor *c = (TokensCursor*)pCur;
  W2vRankedVtab *p = (W2vRankedVtab*)pCur->pVtab;
  sqlite3_value *vModel = 0, *vText = 0, *vTok = 0, *vLower = 0;
  const char *zText;
  char *zErr = 0;
  int rc, i;
  (void)idxNum;
  c->w.n = 0;
  c->i = 0;
  for(i=0; i<argc && idxStr && idxStr[i]; i++){
    switch( idxStr[i] ){
      case W2V_ARG_MODEL: vModel = argv[i]; break;
      case W2V_ARG_QUERY: vText = argv[i]; break;
      case W2V_ARG_METHOD: vTok = argv[i]; break;
      case W2V_ARG_LOWER: vLower = argv[i]; break;
    }
  }
  if( vText==0 ){
    return w2v_vtab_errorf(pCur->pVtab, "w2v_tokens: needs (model, text) or (NULL, text[, tokenize[, lower]])");
  }
  zText = (const char*)sqlite3_value_text(vText);
  if( zText==0 && sqlite3_value_type(vText)!=SQLITE_NULL ) return SQLITE_NOMEM;
  if( vModel && sqlite3_value_type(vModel)!=SQLITE_NULL ){
    W2vModel *m = 0;
    if( (vTok && sqlite3_value_type(vTok)!=SQLITE_NULL) || (vLower && sqlite3_value_type(vLower)!=SQLITE_NULL) ){
      return w2v_vtab_errorf(pCur->pVtab, "w2v_tokens: a model tokenizes as it was trained: give a model "
                                           "or (NULL, text, tokenize, lower), not both");
    }
    if( w2v_text_has_nul(vModel) ) return w2v_vtab_errorf(pCur->pVtab, "w2v_tokens: the model name contains a NUL byte");
    rc = w2v_model_acquire(p->conn, "w2v_tokens", 0, (const char*)sqlite3_value_text(vModel), &m, &zErr);
    if( rc==SQLITE_OK ){
      rc = w2v_model_words(p->conn->db, m, "w2v_tokens", zText, sqlite3_value_bytes(vText), &c->w, &zErr);
    }
    w2v_model_release(m);
  }else{
    const char *zTok = vTok ? (const char*)sqlite3_value_text(vTok) : 0;
    int lower = 0;
    if( vTok && sqlite3_value_type(vTok)!=SQLITE_NULL && (sqlite3_value_type(vTok)!=SQLITE_TEXT || w2v_text_has_nul(vTok)) ){
      return w2v_vtab_errorf(pCur->pVtab, "w2v_tokens: tokenize must be text (an FTS5 tokenizer spec or 'whitespace')");
    }
    if( vLower && sqlite3_value_type(vLower)!=SQLITE_NULL ){
      if( sqlite3_value_type(vLower)!=SQLITE_INTEGER || (sqlite3_value_int64(vLower)!=0 && sqlite3_value_int64(vLower)!=1) ){
        return w2v_vtab_errorf(pCur->pVtab, "w2v_tokens: lower must be 0 or 1");
      }
      lower = sqlite3_value_int(vLower);
    }
    rc = w2v_words_split(p->conn->db, 0, "w2v_tokens", zTok, lower ? W2V_FOLD_UNICODE : W2V_FOLD_NONE, 0,
                         zText, sqlite3_value_bytes(vText), &c->w, &zErr);
  }
  if( rc!=SQLITE_OK ){
    c->w.n = 0;
    return w2v_vtab_error(pCur->pVtab, zErr, rc);
  }
  return SQLITE_OK;
}

static int tk_next(sqlite3_vtab_cursor *pCur){
  ((TokensCursor*)pCur)->i++;
  return SQLITE_OK;
}

static int tk_eof(sqlite3_vtab_cursor *pCur){
  TokensCursor *c = (TokensCursor*)pCur;
  return c->i>=c->w.n;
}

static int tk_column(sqlite3_vtab_cursor *pCur, sqlite3_context *ctx, int iCol){
  TokensCursor *c = (TokensCursor*)pCur;
  const W2vWords *w = &c->w;
  switch( iCol ){
    case TK_TOKEN: sqlite3_result_text(ctx, w->zTok + w->aOff[c->i], w->aLen[c->i], SQLITE_TRANSIENT); break;
    case TK_START: sqlite3_result_int(ctx, w->aStart[c->i]); break;
    case TK_END: sqlite3_result_int(ctx, w->aEnd[c->i]); break;
    case TK_ID: if( w->aId[c->i]>=0 ) sqlite3_result_int64(ctx, w->aId[c->i]+1); break;
    default: break;
  }
  return SQLITE_OK;
}

static int tk_rowid(sqlite3_vtab_cursor *pCur, sqlite3_int64 *pRowid){
  *pRowid = ((TokensCursor*)pCur)->i + 1;
  return SQLITE_OK;
}

const sqlite3_module w2v_tokens_module = {
  0, 0, tk_connect, tk_best_index, w2v_ranked_disconnect, 0,
  tk_open, tk_close, tk_filter, tk_next, tk_eof, tk_column, tk_rowid,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
};
