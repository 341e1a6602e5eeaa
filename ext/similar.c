/*
** w2v_similar(model, query [, k [, method]]): the k words nearest to a word,
** a float32 blob or an expression "a - b + c", best first.  Table-valued,
** eponymous.  An unknown word gives no rows; an unknown model is an error.
** Columns word, similarity, rank (1 = best), count; rowid is the word's
** frequency rank.  Filters on word, count and rowid are taken before the
** top k (w2v_filter_*); a similarity floor bounds the search.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3
#include "w2vInt.h"

/* ---- w2v_similar(model, query, k, method) ------------------------------ */

/* rank is the place in the result (1 = best); rowid the word's frequency
** rank, as in the model table. */
/* count is hidden and last: a table-valued function's arguments go to its
** hidden columns in order (model, query, k, method) */
enum { SIM_WORD, SIM_SIMILARITY, SIM_RANK, SIM_MODEL, SIM_QUERY, SIM_K, SIM_METHOD, SIM_COUNT };

static int sim_connect(sqlite3 *db, void *pAux, int argc, const char *const*argv,
                       sqlite3_vtab **ppVtab, char **pzErr){
  (void)argc; (void)argv; (void)pzErr;
  return w2v_ranked_connect(db, pAux,
    "CREATE TABLE x(word TEXT, similarity REAL, rank INTEGER,"
    " model HIDDEN, query HIDDEN, k HIDDEN, method HIDDEN, count INTEGER HIDDEN)", ppVtab);
}

/* The plan: model, query, k, method (W2V_ARG_*, in that order, those
** given), then a word constraint, similarity bounds and count and rowid
** bounds.  Every filter taken makes the plan cheaper. */
static int sim_best_index(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo){
  char zPlan[64];
  int i, n = 0, iHidden[4] = { -1, -1, -1, -1 }, iWord = -1, nFilter = 0;
  static const char azHidden[] = { W2V_ARG_MODEL, W2V_ARG_QUERY, W2V_ARG_K, W2V_ARG_METHOD };
  (void)pVtab;
  for(i=0; i<pInfo->nConstraint; i++){
    const struct sqlite3_index_constraint *c = &pInfo->aConstraint[i];
    if( c->iColumn>=SIM_MODEL && c->iColumn<=SIM_METHOD && c->op==SQLITE_INDEX_CONSTRAINT_EQ ){
      if( !c->usable ) return SQLITE_CONSTRAINT;   /* wait for a plan where it is */
      iHidden[c->iColumn - SIM_MODEL] = i;
    }
  }
  for(i=0; i<4; i++){
    if( iHidden[i]<0 ) continue;
    zPlan[n] = azHidden[i];
    pInfo->aConstraintUsage[iHidden[i]].argvIndex = ++n;
    pInfo->aConstraintUsage[iHidden[i]].omit = 1;
  }
  for(i=0; i<pInfo->nConstraint && n<(int)sizeof(zPlan)-1; i++){
    const struct sqlite3_index_constraint *c = &pInfo->aConstraint[i];
    int omit = 0;
    char t;
    if( !c->usable ) continue;
    if( c->iColumn==SIM_WORD && c->op==SQLITE_INDEX_CONSTRAINT_EQ && iWord<0 ){
      t = w2v_word_constraint(pInfo, i);
      if( t==0 ) continue;
      iWord = i;
      zPlan[n] = t;
      pInfo->aConstraintUsage[i].argvIndex = ++n;
      nFilter++;
    }else if( c->iColumn==SIM_SIMILARITY
           && (c->op==SQLITE_INDEX_CONSTRAINT_GE || c->op==SQLITE_INDEX_CONSTRAINT_GT) ){
      zPlan[n] = W2V_ARG_MINSIM;      /* SQLite still checks it (omit = 0) */
      pInfo->aConstraintUsage[i].argvIndex = ++n;
    }else if( (t = w2v_filter_constraint(pInfo, i, SIM_COUNT, &omit))!=0 ){
      zPlan[n] = t;
      pInfo->aConstraintUsage[i].argvIndex = ++n;
      pInfo->aConstraintUsage[i].omit = (unsigned char)omit;
      nFilter++;
    }
  }
  zPlan[n] = 0;
  if( w2v_plan_set(pInfo, zPlan) ) return SQLITE_NOMEM;
  if( pInfo->nOrderBy==1 && pInfo->aOrderBy[0].iColumn==SIM_RANK && !pInfo->aOrderBy[0].desc ){
    pInfo->orderByConsumed = 1;
  }
  if( pInfo->nOrderBy==1 && pInfo->aOrderBy[0].iColumn==SIM_SIMILARITY && pInfo->aOrderBy[0].desc ){
    pInfo->orderByConsumed = 1;
  }
  pInfo->estimatedCost = (iHidden[0]>=0 && iHidden[1]>=0) ? (iWord>=0 ? 10.0 : 1000.0)/(1 + nFilter) : 1e12;
  pInfo->estimatedRows = 10;
  return SQLITE_OK;
}

/* The ids of the words of one operand of an expression read by a model
** with a tokenizer or phrases: "New York," is new_york.  Appends to aId (room
** for nMax); 0 when every word is known, 1 if not, -1 with *pzErr. */
/* Unknown words of a model with subwords: their text (folded, as the model
** reads it), term i's at zTxt + aOff[i], aLen[i] bytes. */
typedef struct Unknowns { sqlite3_str *pTxt; int *aOff, *aLen; } Unknowns;

/* Keeps the text of unknown term i; 0, or SQLITE_NOMEM. */
static int unknown_add(Unknowns *u, int i, const char *z, int n){
  u->aOff[i] = sqlite3_str_length(u->pTxt);
  u->aLen[i] = n;
  sqlite3_str_append(u->pTxt, z, n);
  return sqlite3_str_errcode(u->pTxt) ? SQLITE_NOMEM : SQLITE_OK;
}

static int operand_words(sqlite3 *db, W2vModel *m, const char *z, int n, int sign,
                         int32_t *aId, int8_t *aSign, int *pnTerm, int nMax, Unknowns *u, char **pzErr){
  W2vWords w;
  int i, r = 0;
  memset(&w, 0, sizeof(w));
  if( w2v_model_words(db, m, "w2v_similar", z, n, &w, pzErr) ){
    w2v_words_free(&w);
    return -1;
  }
  if( w.n==0 ) r = 1;                 /* an operand of punctuation only: no word */
  if( *pnTerm + w.n > nMax ){
    *pzErr = sqlite3_mprintf("w2v_similar: the query has more words than bytes (its tokenizer's doing)");
    r = -1;
  }
  for(i=0; i<w.n && r==0; i++){
    if( w.aId[i]<0 ){
      if( m->maxn==0 ){ r = 1; break; }
      if( unknown_add(u, *pnTerm, w.zTok + w.aOff[i], w.aLen[i]) ){ *pzErr = 0; r = -1; break; }
    }
    aId[*pnTerm] = (int32_t)w.aId[i];
    aSign[(*pnTerm)++] = (int8_t)sign;
  }
  w2v_words_free(&w);
  return r;
}

/* The word ids and signs of an expression "w1 + w2 - w3 ..." (words side
** by side add up: "w1 w2" is "w1 + w2").  Returns 0, 1 when a word is
** unknown or there is none (no rows), or -1 with *pzErr set.  aId has room
** for n+1 words. */
static int parse_expression(sqlite3 *db, W2vModel *m, const char *z, int n, int32_t *aId,
                            int8_t *aSign, int *pnTerm, Unknowns *u, char **pzErr){
  W2vTerm *a = sqlite3_malloc64(sizeof(W2vTerm)*(n/2+1));
  int nTerm = 0, i, r;
  *pnTerm = 0;
  if( a==0 ){ *pzErr = 0; return -1; }
  r = w2v_parse_terms(z, n, a, &nTerm);
  if( r!=W2V_TERMS_OK ){
    *pzErr = r==W2V_TERMS_TWO_OPERATORS ? sqlite3_mprintf("w2v_similar: two operators in a row in '%.*s'", n, z)
                                        : sqlite3_mprintf("w2v_similar: '%.*s' ends with an operator", n, z);
    sqlite3_free(a);
    return -1;
  }
  if( m->zTokenize || m->nPhrasePass ){
    /* each operand (the words between operators) as the model reads text;
    ** an operator written against its word ("-man") is the operator */
    int nOut = 0, j;
    for(i=0; i<nTerm; i++){
      char c = z[a[i].start];
      if( a[i].len>1 && (c=='+' || c=='-') ){
        if( a[i].afterOp ){
          *pzErr = sqlite3_mprintf("w2v_similar: two operators in a row in '%.*s'", n, z);
          sqlite3_free(a);
          return -1;
        }
        a[i].sign = c=='-' ? -1 : 1;
        a[i].afterOp = 1;
        a[i].start++;
        a[i].len--;
      }
    }
    r = 0;
    for(i=0; i<nTerm && r==0; i=j){
      for(j=i+1; j<nTerm && !a[j].afterOp; j++){}
      r = operand_words(db, m, z + a[i].start, a[j-1].start + a[j-1].len - a[i].start, a[i].sign,
                        aId, aSign, &nOut, n+1, u, pzErr);
    }
    sqlite3_free(a);
    if( r!=0 ) return r;
    *pnTerm = nOut;
    return nOut==0;
  }
  for(i=0; i<nTerm; i++){
    int64_t id = w2v_model_find(m, z + a[i].start, a[i].len);
    if( id<0 ){
      /* with subwords an unknown word has a vector too: keep its text */
      char *zFold;
      int nFold, bad;
      if( m->maxn==0 ) break;
      zFold = sqlite3_malloc64(W2V_FOLD_MAX((size_t)a[i].len));
      if( zFold==0 ){ sqlite3_free(a); *pzErr = 0; return -1; }
      nFold = (int)w2v_text_fold(m->fold, zFold, z + a[i].start, (size_t)a[i].len);
      bad = unknown_add(u, i, zFold, nFold);
      sqlite3_free(zFold);
      if( bad ){ sqlite3_free(a); *pzErr = 0; return -1; }
    }
    aId[i] = (int32_t)id;
    aSign[i] = (int8_t)a[i].sign;
  }
  sqlite3_free(a);
  if( i<nTerm || nTerm==0 ) return 1;
  *pnTerm = nTerm;
  return 0;
}

/* The arguments of one w2v_similar call, as xFilter received them. */
typedef struct SimArgs {
  sqlite3_value *model, *query, *k, *method;
  double minSim;
} SimArgs;

static void sim_args(const char *zPlan, int argc, sqlite3_value **argv, SimArgs *a){
  int i;
  memset(a, 0, sizeof(*a));
  a->minSim = -INFINITY;
  for(i=0; i<argc && zPlan && zPlan[i]; i++){
    switch( zPlan[i] ){
      case W2V_ARG_MODEL: a->model = argv[i]; break;
      case W2V_ARG_QUERY: a->query = argv[i]; break;
      case W2V_ARG_K: a->k = argv[i]; break;
      case W2V_ARG_METHOD: a->method = argv[i]; break;
      case W2V_ARG_MINSIM: {
        int t = sqlite3_value_numeric_type(argv[i]);
        if( t==SQLITE_INTEGER || t==SQLITE_FLOAT ){
          double v = sqlite3_value_double(argv[i]);
          if( v>a->minSim ) a->minSim = v;
        }else{
          a->minSim = INFINITY;        /* similarity >= NULL/text: nothing */
        }
        break;
      }
    }
  }
}

static void unknowns_free(Unknowns *u){
  sqlite3_free(sqlite3_str_finish(u->pTxt));
  sqlite3_free(u->aOff);
  sqlite3_free(u->aLen);
  memset(u, 0, sizeof(*u));
}

/* The query vector: a float32 blob as given, or the sum of the unit vectors
** of the expression's words with their signs (their ids go to aId, to be
** left out of the results).  0: go on; -1: no rows; else an error code. */
static int query_vector(sqlite3_vtab *pVtab, W2vRows *rows, const W2vKnn *knn,
                        sqlite3_value *vq, float *q, int32_t *aId, int8_t *aSign, int *pnTerm){
  W2vModel *m = rows->m;
  char *zErr = 0;
  double *acc;
  int i, d, r, nq;
  Unknowns u;
  const char *zTxt;
  *pnTerm = 0;
  memset(&u, 0, sizeof(u));
  if( sqlite3_value_type(vq)==SQLITE_BLOB ){
    int nb = sqlite3_value_bytes(vq);
    if( nb!=m->dim*(int)sizeof(float) ){
      return w2v_vtab_errorf(pVtab, "w2v_similar: query blob has %d bytes, model '%s' needs %d (dim %d float32)",
                             nb, m->zName, m->dim*4, m->dim);
    }
    w2v_floats_from_le(q, sqlite3_value_blob(vq), m->dim);
    for(d=0; d<m->dim; d++){
      if( !isfinite(q[d]) ) return w2v_vtab_errorf(pVtab, "w2v_similar: the query vector holds a non-finite value");
    }
    return 0;
  }
  nq = sqlite3_value_bytes(vq);
  u.pTxt = sqlite3_str_new(0);
  u.aOff = sqlite3_malloc64(sizeof(int)*(size_t)(nq+1));
  u.aLen = sqlite3_malloc64(sizeof(int)*(size_t)(nq+1));
  if( u.aOff==0 || u.aLen==0 ){ unknowns_free(&u); return SQLITE_NOMEM; }
  r = parse_expression(rows->db, m, (const char*)sqlite3_value_text(vq), nq, aId, aSign, pnTerm, &u, &zErr);
  if( r<0 ){ unknowns_free(&u); return zErr ? w2v_vtab_error(pVtab, zErr, SQLITE_ERROR) : SQLITE_NOMEM; }
  if( r>0 ){ unknowns_free(&u); return -1; }  /* an unknown word: no rows */
  zTxt = sqlite3_str_value(u.pTxt);
  /* each distinct word once, with the sum of its signs, in double: "a - a"
  ** or "a + b - a - b" is exactly the zero vector (similarity 0), not
  ** rounding noise that the normalisation would blow up */
  acc = sqlite3_malloc64(sizeof(double)*m->dim);
  if( acc==0 ){ unknowns_free(&u); return SQLITE_NOMEM; }
  memset(acc, 0, sizeof(double)*m->dim);
  for(i=0; i<*pnTerm; i++){
    const float *v;
    int j, coef = 0;
    if( aId[i]<0 ){
      /* an unknown word: its vector from its subwords (none known: no rows) */
      double nn;
      v = w2v_rows_word(rows, -1, zTxt + u.aOff[i], u.aLen[i]);
      if( v==0 ){
        sqlite3_free(acc);
        unknowns_free(&u);
        if( rows->rc==0 ) return -1;
        r = w2v_rows_error(rows, &zErr);
        return w2v_vtab_error(pVtab, zErr, r);
      }
      nn = w2v_dot_exact(v, v, m->dim);
      for(d=0; d<m->dim && nn>0; d++) acc[d] += (double)aSign[i]*v[d]/sqrt(nn);
      continue;
    }
    for(j=0; j<i && aId[j]!=aId[i]; j++){}
    if( j<i ) continue;                       /* counted with its first occurrence */
    for(j=i; j<*pnTerm; j++) if( aId[j]==aId[i] ) coef += aSign[j];
    if( coef==0 ) continue;
    if( (v = w2v_rows_get(rows, aId[i]))==0 ){
      sqlite3_free(acc);
      unknowns_free(&u);
      r = w2v_rows_error(rows, &zErr);
      return w2v_vtab_error(pVtab, zErr, r);
    }
    for(d=0; d<m->dim; d++) acc[d] += (double)coef*knn->invNorm[aId[i]]*v[d];
  }
  for(d=0; d<m->dim; d++) q[d] = (float)acc[d];
  sqlite3_free(acc);
  unknowns_free(&u);
  return 0;
}

/* The ranked hits for the query, into c->a. */
static int search(W2vRankedCursor *c, const W2vKnn *knn, W2vKnnQuery *kq, int isMul,
                  const int32_t *aId, const int8_t *aSign, int nTerm){
  W2vHit *aHit = sqlite3_malloc64(sizeof(W2vHit)*(kq->k ? kq->k : 1));
  int32_t *aPos = sqlite3_malloc64(sizeof(int32_t)*(nTerm+1)*2), *aNeg;
  int64_t n = -1, i;
  int nPos = 0, nNeg = 0;
  c->a = sqlite3_malloc64(sizeof(W2vPrediction)*(kq->k ? kq->k : 1));
  if( aHit && aPos && c->a ){
    if( isMul ){
      aNeg = aPos + nTerm + 1;
      for(i=0; i<nTerm; i++){
        if( aSign[i]>0 ) aPos[nPos++] = aId[i]; else aNeg[nNeg++] = aId[i];
      }
      n = w2v_knn_cosmul(knn, kq, aPos, nPos, aNeg, nNeg, aHit);
    }else{
      n = w2v_knn_search(knn, kq, aHit);
    }
  }
  for(i=0; i<n; i++){ c->a[i].id = aHit[i].id; c->a[i].prob = aHit[i].sim; }
  c->n = n<0 ? 0 : n;
  sqlite3_free(aHit);
  sqlite3_free(aPos);
  /* -2: a vector could not be read (the caller has the reason) */
  return n==-2 ? SQLITE_ERROR : n<0 ? SQLITE_NOMEM : SQLITE_OK;
}

static int sim_filter(sqlite3_vtab_cursor *pCur, int idxNum, const char *idxStr,
                      int argc, sqlite3_value **argv){
  W2vRankedCursor *c = (W2vRankedCursor*)pCur;
  W2vRankedVtab *p = (W2vRankedVtab*)pCur->pVtab;
  SimArgs a;
  W2vRows rows;
  W2vFilter f;
  W2vKnnQuery kq;
  const W2vKnn *knn;
  sqlite3_int64 k = 10;
  char *zErr = 0;
  float *q = 0;
  int32_t *aId = 0;
  int8_t *aSign = 0;
  int nTerm = 0, isMul = 0, rc = SQLITE_OK, nq;
  (void)idxNum;
  w2v_ranked_reset(c);
  sim_args(idxStr, argc, argv, &a);
  if( a.model==0 || a.query==0 ){
    return w2v_vtab_errorf(pCur->pVtab, "w2v_similar: needs (model, query[, k[, method]])");
  }
  if( a.k ){
    if( sqlite3_value_type(a.k)!=SQLITE_INTEGER || sqlite3_value_int64(a.k)<0 ){
      return w2v_vtab_errorf(pCur->pVtab, "w2v_similar: k must be a non-negative integer");
    }
    k = sqlite3_value_int64(a.k);
  }
  if( a.method && sqlite3_value_type(a.method)!=SQLITE_NULL ){
    const char *z = (const char*)sqlite3_value_text(a.method);
    if( z && sqlite3_stricmp(z, "mul")==0 ) isMul = 1;
    else if( z==0 || sqlite3_stricmp(z, "add")!=0 ){
      return w2v_vtab_errorf(pCur->pVtab, "w2v_similar: method must be 'add' or 'mul', not '%s'", z ? z : "");
    }
  }
  if( w2v_text_has_nul(a.model) ) return w2v_vtab_errorf(pCur->pVtab, "w2v_similar: the model name contains a NUL byte");
  rc = w2v_model_acquire(p->conn, "w2v_similar", 0, (const char*)sqlite3_value_text(a.model), &c->m, &zErr);
  if( rc ) return w2v_vtab_error(pCur->pVtab, zErr, rc);
  /* 3CosMul scores every row exactly: it needs all the vectors */
  if( isMul && (rc = w2v_model_input(p->conn->db, c->m, "w2v_similar", &zErr))!=SQLITE_OK ){
    return w2v_vtab_error(pCur->pVtab, zErr, rc);
  }
  w2v_rows_init(&rows, p->conn->db, c->m, "w2v_similar");
  memset(&f, 0, sizeof(f));
  /* a similarity bound without k asks for every word above it */
  if( a.k==0 && a.minSim>-INFINITY ) k = c->m->vocab.n;
  if( k>c->m->vocab.n ) k = c->m->vocab.n;
  /* k = 0 gives no rows, but only after the query is checked (search() takes
  ** k = 0): a bad blob or expression is an error whatever k is */
  if( sqlite3_value_type(a.query)==SQLITE_NULL || a.minSim==INFINITY ) goto done;
  if( isMul && sqlite3_value_type(a.query)==SQLITE_BLOB ){
    rc = w2v_vtab_errorf(pCur->pVtab, "w2v_similar: method 'mul' needs words (\"a - b + c\"), not a vector");
    goto done;
  }
  knn = w2v_model_knn(c->m);
  nq = sqlite3_value_type(a.query)==SQLITE_BLOB ? 0 : sqlite3_value_bytes(a.query);
  q = sqlite3_malloc64(sizeof(float)*c->m->dim);
  aId = sqlite3_malloc64(sizeof(int32_t)*(nq+1));
  aSign = sqlite3_malloc64(nq+1);
  if( knn==0 || q==0 || aId==0 || aSign==0 ){ rc = SQLITE_NOMEM; goto done; }
  memset(&kq, 0, sizeof(kq));
  kq.q = q;
  kq.k = k;
  kq.minSim = a.minSim;
  /* word, count and rowid filters: the top k is taken among the words left */
  rc = w2v_filter_args(&f, c->m, idxStr, argc, argv);
  if( rc!=SQLITE_OK || f.none ) goto done;
  w2v_filter_query(&f, &kq);
  kq.xRow = w2v_rows_xrow;
  kq.pRowCtx = &rows;
  rc = query_vector(pCur->pVtab, &rows, knn, a.query, q, aId, aSign, &nTerm);
  if( rc!=SQLITE_OK ){ if( rc<0 ) rc = SQLITE_OK; goto done; }
  if( isMul ){
    /* 3CosMul scores against the words' rows: an unknown word has none */
    int i;
    for(i=0; i<nTerm && aId[i]>=0; i++){}
    if( i<nTerm ) goto done;
  }
  kq.exclude = aId;
  kq.nExclude = nTerm;
  rc = search(c, knn, &kq, isMul, aId, aSign, nTerm);
  if( rc==SQLITE_ERROR ){
    rc = w2v_rows_error(&rows, &zErr);
    rc = w2v_vtab_error(pCur->pVtab, zErr, rc);
  }
done:
  w2v_rows_close(&rows);
  sqlite3_free(q);
  sqlite3_free(aId);
  sqlite3_free(aSign);
  w2v_filter_free(&f);
  return rc;
}

static int sim_column(sqlite3_vtab_cursor *pCur, sqlite3_context *ctx, int i){
  W2vRankedCursor *c = (W2vRankedCursor*)pCur;
  switch( i ){
    case SIM_WORD: w2v_ranked_word(c, ctx); break;
    case SIM_SIMILARITY: sqlite3_result_double(ctx, (float)c->a[c->i].prob); break;
    case SIM_RANK: sqlite3_result_int64(ctx, c->i+1); break;
    case SIM_COUNT: sqlite3_result_int64(ctx, c->m->vocab.counts[c->a[c->i].id]); break;
    default: break;
  }
  return SQLITE_OK;
}

/* The word's frequency rank, its rowid in the model table. */
static int sim_rowid(sqlite3_vtab_cursor *pCur, sqlite3_int64 *pRowid){
  W2vRankedCursor *c = (W2vRankedCursor*)pCur;
  *pRowid = (sqlite3_int64)c->a[c->i].id + 1;
  return SQLITE_OK;
}

const sqlite3_module w2v_similar_module = {
  0, 0, sim_connect, sim_best_index, w2v_ranked_disconnect, 0,
  w2v_ranked_open, w2v_ranked_close, sim_filter, w2v_ranked_next, w2v_ranked_eof, sim_column, sim_rowid,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
};
