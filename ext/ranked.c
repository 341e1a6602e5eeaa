/*
** What the ranked table-valued functions share: a cursor over a list of
** (word id, score) best first, holding its model until it closes; the plan
** encoding of every w2v virtual table (idxStr: one W2V_ARG_* letter per
** xFilter argument); and the "word = ? / word IN (...)" constraint.
*/
#include <stdlib.h>
#include <string.h>
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3
#include "w2vInt.h"

int w2v_ranked_connect(sqlite3 *db, void *pAux, const char *zSchema, sqlite3_vtab **ppVtab){
  W2vRankedVtab *p;
  int rc = sqlite3_declare_vtab(db, zSchema);
  if( rc!=SQLITE_OK ) return rc;
  p = sqlite3_malloc(sizeof(*p));
  if( p==0 ) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->conn = pAux;
  *ppVtab = &p->base;
  return SQLITE_OK;
}

int w2v_ranked_disconnect(sqlite3_vtab *pVtab){
  sqlite3_free(pVtab);
  return SQLITE_OK;
}

int w2v_ranked_open(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCur){
  W2vRankedCursor *c = sqlite3_malloc(sizeof(*c));
  (void)pVtab;
  if( c==0 ) return SQLITE_NOMEM;
  memset(c, 0, sizeof(*c));
  *ppCur = &c->base;
  return SQLITE_OK;
}

void w2v_ranked_reset(W2vRankedCursor *c){
  sqlite3_free(c->a);
  c->a = 0;
  c->n = c->i = 0;
  w2v_model_release(c->m);
  c->m = 0;
}

int w2v_ranked_close(sqlite3_vtab_cursor *pCur){
  w2v_ranked_reset((W2vRankedCursor*)pCur);
  sqlite3_free(pCur);
  return SQLITE_OK;
}

int w2v_ranked_next(sqlite3_vtab_cursor *pCur){
  ((W2vRankedCursor*)pCur)->i++;
  return SQLITE_OK;
}

int w2v_ranked_eof(sqlite3_vtab_cursor *pCur){
  W2vRankedCursor *c = (W2vRankedCursor*)pCur;
  return c->i>=c->n;
}

int w2v_ranked_rowid(sqlite3_vtab_cursor *pCur, sqlite3_int64 *pRowid){
  *pRowid = ((W2vRankedCursor*)pCur)->i + 1;
  return SQLITE_OK;
}

void w2v_ranked_word(W2vRankedCursor *c, sqlite3_context *ctx){
  int32_t id = c->a[c->i].id;
  sqlite3_result_text(ctx, w2v_vocab_word(&c->m->vocab, id), (int)c->m->vocab.lens[id], SQLITE_TRANSIENT);
}

int w2v_plan_set(sqlite3_index_info *pInfo, const char *zPlan){
  pInfo->idxStr = sqlite3_mprintf("%s", zPlan);
  if( pInfo->idxStr==0 ) return SQLITE_NOMEM;
  pInfo->needToFreeIdxStr = 1;
  return SQLITE_OK;
}

/* IN lists are taken all at once (sqlite3_vtab_in, SQLite 3.38+); before
** 3.38 the constraint is left to SQLite, which then filters the top k. */
char w2v_word_constraint(sqlite3_index_info *pInfo, int i){
  if( sqlite3_libversion_number()<3038000 ) return 0;
  return sqlite3_vtab_in(pInfo, i, 1) ? W2V_ARG_WORDS : W2V_ARG_WORD;
}

static int cmp_id(const void *a, const void *b){
  int32_t x = *(const int32_t*)a, y = *(const int32_t*)b;
  return (x>y) - (x<y);
}

int w2v_word_candidates(const W2vModel *m, char kind, sqlite3_value *v,
                        int32_t **paId, int64_t *pnId){
  int32_t *a = 0;
  int64_t n = 0, nAlloc = 0, i, j;
  sqlite3_value *x = v;
  int rc = SQLITE_OK;
  if( kind==W2V_ARG_WORDS ) rc = sqlite3_vtab_in_first(v, &x);
  while( rc==SQLITE_OK && x ){
    int64_t id = w2v_model_find(m, (const char*)sqlite3_value_text(x), sqlite3_value_bytes(x));
    if( id>=0 ){
      if( n==nAlloc ){
        int32_t *p = sqlite3_realloc64(a, sizeof(int32_t)*(nAlloc = nAlloc ? nAlloc*2 : 16));
        if( p==0 ){ sqlite3_free(a); return SQLITE_NOMEM; }
        a = p;
      }
      a[n++] = (int32_t)id;
    }
    if( kind!=W2V_ARG_WORDS ) break;
    rc = sqlite3_vtab_in_next(v, &x);
  }
  if( rc!=SQLITE_OK && rc!=SQLITE_DONE ){ sqlite3_free(a); return rc; }
  if( n>1 ) qsort(a, (size_t)n, sizeof(int32_t), cmp_id);
  for(i=j=0; i<n; i++) if( j==0 || a[j-1]!=a[i] ) a[j++] = a[i];
  *paId = a;
  *pnId = j;
  return SQLITE_OK;
}
