/*
** What the ranked table-valued functions share: a cursor over a list of
** (word id, score) best first, holding its model until it closes; the plan
** encoding of every w2v virtual table (idxStr: one W2V_ARG_* letter per
** xFilter argument); and the "word = ? / word IN (...)" constraint.
*/
#include <math.h>
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

int w2v_args_plan(sqlite3_index_info *pInfo, int iFirst, const char *zLetters, unsigned *pGiven){
  char zPlan[16];
  int i, idx[16], nArg = (int)strlen(zLetters), n = 0;
  *pGiven = 0;
  for(i=0; i<nArg; i++) idx[i] = -1;
  for(i=0; i<pInfo->nConstraint; i++){
    const struct sqlite3_index_constraint *c = &pInfo->aConstraint[i];
    if( c->iColumn<iFirst || c->iColumn>=iFirst+nArg || c->op!=SQLITE_INDEX_CONSTRAINT_EQ ) continue;
    if( !c->usable ) return SQLITE_CONSTRAINT;
    idx[c->iColumn - iFirst] = i;
  }
  for(i=0; i<nArg; i++){
    if( idx[i]<0 ) continue;
    zPlan[n] = zLetters[i];
    pInfo->aConstraintUsage[idx[i]].argvIndex = ++n;
    pInfo->aConstraintUsage[idx[i]].omit = 1;
    *pGiven |= 1u<<i;
  }
  zPlan[n] = 0;
  return w2v_plan_set(pInfo, zPlan);
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

/* ---- filters on word, count and rowid ------------------------------------ */

char w2v_filter_constraint(sqlite3_index_info *pInfo, int i, int iCountCol, int *pOmit){
  const struct sqlite3_index_constraint *c = &pInfo->aConstraint[i];
  int isCount = c->iColumn==iCountCol;
  if( !c->usable || (!isCount && c->iColumn!=-1) ) return 0;
  *pOmit = 1;
  switch( c->op ){
    case SQLITE_INDEX_CONSTRAINT_GT: return isCount ? W2V_ARG_COUNT_GT : W2V_ARG_ROWID_GT;
    case SQLITE_INDEX_CONSTRAINT_GE: return isCount ? W2V_ARG_COUNT_GE : W2V_ARG_ROWID_GE;
    case SQLITE_INDEX_CONSTRAINT_LT: return isCount ? W2V_ARG_COUNT_LT : W2V_ARG_ROWID_LT;
    case SQLITE_INDEX_CONSTRAINT_LE: return isCount ? W2V_ARG_COUNT_LE : W2V_ARG_ROWID_LE;
    case SQLITE_INDEX_CONSTRAINT_EQ:
      /* "x IN (...)" reaches us as "x = ?": taken one value per xFilter call,
      ** each call would be a top k of its own.  sqlite3_vtab_in tells an IN
      ** (all at once) from an equality only below 32 constraints and on
      ** 3.38+; otherwise the constraint is left to SQLite. */
      if( sqlite3_libversion_number()<3038000 || i>=32 ) return 0;
      if( sqlite3_vtab_in(pInfo, i, 1) ) return isCount ? W2V_ARG_COUNTS : W2V_ARG_ROWIDS;
      *pOmit = 0;     /* exact too, but a row-value IN's slice looks like this */
      return isCount ? W2V_ARG_COUNT : W2V_ARG_ROWID;
  }
  return 0;
}

/* Narrows [*pLo, *pHi] to the integers x for which "x OP v" is true, where
** x is an INTEGER column: SQLite applies numeric affinity to v, then NULL
** compares to nothing, and every number is less than text and blobs.
** Integers compare with reals exactly.  Returns 1 when no integer is left. */
static int narrow(int op, sqlite3_value *v, int64_t *pLo, int64_t *pHi){
  int64_t lo = INT64_MIN, hi = INT64_MAX;
  int t = sqlite3_value_numeric_type(v);
  if( t==SQLITE_NULL ) return 1;
  if( t==SQLITE_TEXT || t==SQLITE_BLOB ){
    if( op==SQLITE_INDEX_CONSTRAINT_LT || op==SQLITE_INDEX_CONSTRAINT_LE ) return 0;
    return 1;
  }
  if( t==SQLITE_INTEGER ){
    int64_t i = sqlite3_value_int64(v);
    switch( op ){
      case SQLITE_INDEX_CONSTRAINT_EQ: lo = hi = i; break;
      case SQLITE_INDEX_CONSTRAINT_GE: lo = i; break;
      case SQLITE_INDEX_CONSTRAINT_GT: if( i==INT64_MAX ) return 1; lo = i+1; break;
      case SQLITE_INDEX_CONSTRAINT_LE: hi = i; break;
      case SQLITE_INDEX_CONSTRAINT_LT: if( i==INT64_MIN ) return 1; hi = i-1; break;
    }
  }else{
    /* 2^63 is the first double above every int64; -2^63 is INT64_MIN */
    double r = sqlite3_value_double(v), fl, ce;
    const double two63 = 9223372036854775808.0;
    int up = op==SQLITE_INDEX_CONSTRAINT_GE || op==SQLITE_INDEX_CONSTRAINT_GT;
    if( r!=r ) return 1;
    if( r>=two63 ) return op==SQLITE_INDEX_CONSTRAINT_EQ || up;
    if( r<-two63 ) return !up;
    fl = floor(r);
    ce = ceil(r);          /* both in [-2^63, 2^63): r is integral near 2^63 */
    switch( op ){
      case SQLITE_INDEX_CONSTRAINT_EQ: if( fl!=r ) return 1; lo = hi = (int64_t)r; break;
      case SQLITE_INDEX_CONSTRAINT_GE: lo = (int64_t)ce; break;
      case SQLITE_INDEX_CONSTRAINT_GT: lo = (int64_t)fl + 1; break;
      case SQLITE_INDEX_CONSTRAINT_LE: hi = (int64_t)fl; break;
      case SQLITE_INDEX_CONSTRAINT_LT: if( ce==-two63 ) return 1; hi = (int64_t)ce - 1; break;
    }
  }
  if( lo>*pLo ) *pLo = lo;
  if( hi<*pHi ) *pHi = hi;
  return *pLo>*pHi;
}

static int cmp_i64_desc(const void *a, const void *b){
  int64_t x = *(const int64_t*)a, y = *(const int64_t*)b;
  return (x<y) - (x>y);
}

/* Keeps in f's candidates only the ids also in a[0..n) (sorted, distinct);
** takes a over (sqlite3_malloc'd). */
static void filter_intersect(W2vFilter *f, int32_t *a, int64_t n){
  int64_t i = 0, j = 0, o = 0;
  if( !f->hasCand ){
    f->aCand = a;
    f->nCand = n;
    f->hasCand = 1;
    return;
  }
  while( i<f->nCand && j<n ){
    if( f->aCand[i]<a[j] ) i++;
    else if( f->aCand[i]>a[j] ) j++;
    else{ f->aCand[o++] = f->aCand[i]; i++; j++; }
  }
  f->nCand = o;
  sqlite3_free(a);
}

int w2v_filter_count_ids(const W2vModel *m, const int64_t *aVal, int64_t nVal,
                         int32_t **paId, int64_t *pnId){
  const int64_t n = m->vocab.n;
  int32_t *aId;
  int64_t nId = 0, i;
  *paId = 0;
  *pnId = 0;
  if( m->countsSorted ){
    /* the ids of each count follow those of the (greater) count before */
    int64_t total = 0, first, end;
    for(i=0; i<nVal; i++){ w2v_counts_span(m->vocab.counts, n, aVal[i], aVal[i], &first, &end); total += end-first; }
    aId = sqlite3_malloc64(sizeof(int32_t)*(size_t)(total ? total : 1));
    if( aId==0 ) return SQLITE_NOMEM;
    for(i=0; i<nVal; i++){
      w2v_counts_span(m->vocab.counts, n, aVal[i], aVal[i], &first, &end);
      while( first<end ) aId[nId++] = (int32_t)first++;
    }
  }else{
    aId = sqlite3_malloc64(sizeof(int32_t)*(size_t)(n ? n : 1));
    if( aId==0 ) return SQLITE_NOMEM;
    for(i=0; i<n; i++){
      int64_t c = m->vocab.counts[i];
      if( nVal>0 && bsearch(&c, aVal, (size_t)nVal, sizeof(int64_t), cmp_i64_desc) ) aId[nId++] = (int32_t)i;
    }
  }
  *paId = aId;
  *pnId = nId;
  return SQLITE_OK;
}

/* The ids of a "count IN (...)" or "rowid IN (...)" list (isCount), sorted
** and distinct, intersected into f's candidates. */
static int filter_in_list(W2vFilter *f, const W2vModel *m, int isCount, sqlite3_value *v){
  const int64_t n = m->vocab.n;
  int64_t *aVal = 0, nVal = 0, nAlloc = 0, i, j;
  int32_t *aId = 0;
  int64_t nId = 0;
  sqlite3_value *x = 0;
  int rc;
  for(rc=sqlite3_vtab_in_first(v, &x); rc==SQLITE_OK && x; rc=sqlite3_vtab_in_next(v, &x)){
    int64_t lo = INT64_MIN, hi = INT64_MAX;
    if( narrow(SQLITE_INDEX_CONSTRAINT_EQ, x, &lo, &hi) ) continue;   /* equals no integer */
    if( !isCount && (lo<1 || lo>n) ) continue;
    if( nVal==nAlloc ){
      int64_t *p = sqlite3_realloc64(aVal, sizeof(int64_t)*(size_t)(nAlloc = nAlloc ? nAlloc*2 : 16));
      if( p==0 ){ sqlite3_free(aVal); return SQLITE_NOMEM; }
      aVal = p;
    }
    aVal[nVal++] = lo;
  }
  if( rc!=SQLITE_OK && rc!=SQLITE_DONE ){ sqlite3_free(aVal); return rc; }
  /* descending, without repeats */
  if( nVal>1 ) qsort(aVal, (size_t)nVal, sizeof(int64_t), cmp_i64_desc);
  for(i=j=0; i<nVal; i++) if( j==0 || aVal[j-1]!=aVal[i] ) aVal[j++] = aVal[i];
  nVal = j;
  if( !isCount ){
    aId = sqlite3_malloc64(sizeof(int32_t)*(size_t)(nVal ? nVal : 1));
    if( aId==0 ){ sqlite3_free(aVal); return SQLITE_NOMEM; }
    for(i=nVal-1; i>=0; i--) aId[nId++] = (int32_t)(aVal[i]-1);
  }else if( w2v_filter_count_ids(m, aVal, nVal, &aId, &nId) ){
    sqlite3_free(aVal);
    return SQLITE_NOMEM;
  }
  sqlite3_free(aVal);
  filter_intersect(f, aId, nId);
  return SQLITE_OK;
}

void w2v_filter_free(W2vFilter *f){
  sqlite3_free(f->aCand);
  f->aCand = 0;
  f->nCand = 0;
}

int w2v_filter_args(W2vFilter *f, const W2vModel *m, const char *zPlan, int argc, sqlite3_value **argv){
  const int64_t n = m->vocab.n;
  int i, rc = SQLITE_OK;
  memset(f, 0, sizeof(*f));
  f->cLo = f->rLo = INT64_MIN;
  f->cHi = f->rHi = INT64_MAX;
  for(i=0; i<argc && zPlan && zPlan[i] && rc==SQLITE_OK; i++){
    int64_t *pLo = &f->cLo, *pHi = &f->cHi;
    int op;
    switch( zPlan[i] ){
      case W2V_ARG_WORDS: case W2V_ARG_WORD: {
        int32_t *a = 0;
        int64_t nId = 0;
        rc = w2v_word_candidates(m, zPlan[i], argv[i], &a, &nId);
        if( rc==SQLITE_OK ) filter_intersect(f, a, nId);
        continue;
      }
      case W2V_ARG_COUNTS: rc = filter_in_list(f, m, 1, argv[i]); continue;
      case W2V_ARG_ROWIDS: rc = filter_in_list(f, m, 0, argv[i]); continue;
      case W2V_ARG_COUNT:    op = SQLITE_INDEX_CONSTRAINT_EQ; break;
      case W2V_ARG_COUNT_GT: op = SQLITE_INDEX_CONSTRAINT_GT; break;
      case W2V_ARG_COUNT_GE: op = SQLITE_INDEX_CONSTRAINT_GE; break;
      case W2V_ARG_COUNT_LT: op = SQLITE_INDEX_CONSTRAINT_LT; break;
      case W2V_ARG_COUNT_LE: op = SQLITE_INDEX_CONSTRAINT_LE; break;
      case W2V_ARG_ROWID:    op = SQLITE_INDEX_CONSTRAINT_EQ; pLo = &f->rLo; pHi = &f->rHi; break;
      case W2V_ARG_ROWID_GT: op = SQLITE_INDEX_CONSTRAINT_GT; pLo = &f->rLo; pHi = &f->rHi; break;
      case W2V_ARG_ROWID_GE: op = SQLITE_INDEX_CONSTRAINT_GE; pLo = &f->rLo; pHi = &f->rHi; break;
      case W2V_ARG_ROWID_LT: op = SQLITE_INDEX_CONSTRAINT_LT; pLo = &f->rLo; pHi = &f->rHi; break;
      case W2V_ARG_ROWID_LE: op = SQLITE_INDEX_CONSTRAINT_LE; pLo = &f->rLo; pHi = &f->rHi; break;
      default: continue;
    }
    if( narrow(op, argv[i], pLo, pHi) ) f->none = 1;
  }
  if( rc!=SQLITE_OK ) return rc;
  /* rowids [rLo, rHi] are the ids [rLo-1, rHi) */
  f->lo = f->rLo<=1 ? 0 : f->rLo>n ? n : f->rLo-1;
  f->hi = f->rHi>=n ? n : f->rHi<0 ? 0 : f->rHi;
  if( !f->none && (f->cLo>INT64_MIN || f->cHi<INT64_MAX) ){
    if( m->countsSorted ){
      int64_t first, end;
      w2v_counts_span(m->vocab.counts, n, f->cLo, f->cHi, &first, &end);
      if( first>f->lo ) f->lo = first;
      if( end<f->hi ) f->hi = end;
    }else{
      /* counts in any order: a candidate list of the ids whose count fits */
      int64_t nId = 0, id;
      int32_t *a = f->lo<f->hi ? sqlite3_malloc64(sizeof(int32_t)*(size_t)(f->hi - f->lo)) : 0;
      if( a==0 && f->lo<f->hi ) return SQLITE_NOMEM;
      for(id=f->lo; id<f->hi; id++){
        if( m->vocab.counts[id]>=f->cLo && m->vocab.counts[id]<=f->cHi ) a[nId++] = (int32_t)id;
      }
      filter_intersect(f, a, nId);
    }
  }
  if( f->hasCand ){
    int64_t j, o = 0;
    for(j=0; j<f->nCand; j++) if( f->aCand[j]>=f->lo && f->aCand[j]<f->hi ) f->aCand[o++] = f->aCand[j];
    f->nCand = o;
    if( o==0 ){
      f->none = 1;
    }else if( f->aCand[o-1] - f->aCand[0] == o-1 ){
      /* consecutive ids (one count's words, say): a range, which the search
      ** reads without the indirection */
      f->lo = f->aCand[0];
      f->hi = (int64_t)f->aCand[o-1] + 1;
      w2v_filter_free(f);
      f->hasCand = 0;
    }
  }
  if( f->lo>=f->hi ) f->none = 1;
  return SQLITE_OK;
}

void w2v_filter_query(const W2vFilter *f, W2vKnnQuery *kq){
  kq->idLo = f->lo;
  kq->idHi = f->hi;
  if( f->hasCand ){
    kq->cand = f->aCand;
    kq->nCand = f->nCand;
  }
}
