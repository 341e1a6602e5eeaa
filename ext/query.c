/*
** Query functions: w2v_similar (table-valued), w2v_prob, w2v_score,
** w2v_vector, w2v_similarity, w2v_version.  Unknown words give NULL (scalars)
** or no rows (w2v_similar); an unknown model is an error that names it.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3
#include "w2vInt.h"
#include "w2v.h"
#include "vecmath.h"

/* ---- w2v_similar(model, query, k, method) ------------------------------ */

enum { SIM_WORD, SIM_SIMILARITY, SIM_RANK, SIM_MODEL, SIM_QUERY, SIM_K, SIM_METHOD };

typedef struct SimCursor {
  sqlite3_vtab_cursor base;
  W2vModel *m;
  W2vHit *aHit;
  int64_t nHit, iHit;
} SimCursor;

typedef struct SimVtab {
  sqlite3_vtab base;
  W2vConn *conn;
} SimVtab;

static int sim_connect(sqlite3 *db, void *pAux, int argc, const char *const*argv,
                       sqlite3_vtab **ppVtab, char **pzErr){
  SimVtab *p;
  int rc;
  (void)argc; (void)argv; (void)pzErr;
  rc = sqlite3_declare_vtab(db,
    "CREATE TABLE x(word TEXT, similarity REAL, rank INTEGER,"
    " model HIDDEN, query HIDDEN, k HIDDEN, method HIDDEN)");
  if( rc!=SQLITE_OK ) return rc;
  p = sqlite3_malloc(sizeof(*p));
  if( p==0 ) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->conn = pAux;
  *ppVtab = &p->base;
  return SQLITE_OK;
}

static int sim_disconnect(sqlite3_vtab *pVtab){
  sqlite3_free(pVtab);
  return SQLITE_OK;
}

/* Shared with the model table's KNN plan: a usable "word = ?" or "word IN
** (...)" constraint on column iCol becomes the candidate set.  IN lists are
** taken all at once (sqlite3_vtab_in, SQLite 3.38+); before 3.38 the
** constraint is left to SQLite, which then filters the top k afterwards.
** Returns 'w' (IN list), 'W' (one value) or 0 (not used). */
char w2v_word_constraint(sqlite3_index_info *pInfo, int i){
  if( sqlite3_libversion_number()<3038000 ) return 0;
  return sqlite3_vtab_in(pInfo, i, 1) ? 'w' : 'W';
}

/* idxStr names the xFilter arguments in order, one letter each: m model,
** q query, k, t method, w word IN list, W word = value, s similarity bound. */
static int sim_best_index(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo){
  char zPlan[16];
  int i, n = 0, iHidden[4] = { -1, -1, -1, -1 }, iWord = -1;
  static const char azHidden[] = "mqkt";
  (void)pVtab;
  for(i=0; i<pInfo->nConstraint; i++){
    const struct sqlite3_index_constraint *c = &pInfo->aConstraint[i];
    if( c->iColumn>=SIM_MODEL && c->op==SQLITE_INDEX_CONSTRAINT_EQ ){
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
  for(i=0; i<pInfo->nConstraint && n<14; i++){
    const struct sqlite3_index_constraint *c = &pInfo->aConstraint[i];
    if( !c->usable ) continue;
    if( c->iColumn==SIM_WORD && c->op==SQLITE_INDEX_CONSTRAINT_EQ && iWord<0 ){
      char t = w2v_word_constraint(pInfo, i);
      if( t==0 ) continue;
      iWord = i;
      zPlan[n] = t;
      pInfo->aConstraintUsage[i].argvIndex = ++n;
    }else if( c->iColumn==SIM_SIMILARITY
           && (c->op==SQLITE_INDEX_CONSTRAINT_GE || c->op==SQLITE_INDEX_CONSTRAINT_GT) ){
      zPlan[n] = 's';                 /* SQLite still checks it (omit = 0) */
      pInfo->aConstraintUsage[i].argvIndex = ++n;
    }
  }
  zPlan[n] = 0;
  pInfo->idxStr = sqlite3_mprintf("%s", zPlan);
  if( pInfo->idxStr==0 ) return SQLITE_NOMEM;
  pInfo->needToFreeIdxStr = 1;
  if( pInfo->nOrderBy==1 && pInfo->aOrderBy[0].iColumn==SIM_RANK && !pInfo->aOrderBy[0].desc ){
    pInfo->orderByConsumed = 1;
  }
  if( pInfo->nOrderBy==1 && pInfo->aOrderBy[0].iColumn==SIM_SIMILARITY && pInfo->aOrderBy[0].desc ){
    pInfo->orderByConsumed = 1;
  }
  pInfo->estimatedCost = (iHidden[0]>=0 && iHidden[1]>=0) ? (iWord>=0 ? 10.0 : 1000.0) : 1e12;
  pInfo->estimatedRows = 10;
  return SQLITE_OK;
}

static int sim_open(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCur){
  SimCursor *c = sqlite3_malloc(sizeof(*c));
  (void)pVtab;
  if( c==0 ) return SQLITE_NOMEM;
  memset(c, 0, sizeof(*c));
  *ppCur = &c->base;
  return SQLITE_OK;
}

static int sim_close(sqlite3_vtab_cursor *pCur){
  SimCursor *c = (SimCursor*)pCur;
  sqlite3_free(c->aHit);
  sqlite3_free(c);
  return SQLITE_OK;
}

static int vtab_error(sqlite3_vtab *pVtab, char *zErr){
  sqlite3_free(pVtab->zErrMsg);
  pVtab->zErrMsg = zErr;
  return zErr ? SQLITE_ERROR : SQLITE_NOMEM;
}

static int cmp_id(const void *a, const void *b){
  int32_t x = *(const int32_t*)a, y = *(const int32_t*)b;
  return (x>y) - (x<y);
}

/* The ids of the known words in a 'w' (IN list) or 'W' (one value)
** argument, sorted and without repeats, in *paId (sqlite3_malloc'd). */
int w2v_word_candidates(W2vModel *m, char kind, sqlite3_value *v,
                        int32_t **paId, int64_t *pnId){
  int32_t *a = 0;
  int64_t n = 0, nAlloc = 0, i, j;
  sqlite3_value *x = v;
  int rc = SQLITE_OK;
  if( kind=='w' ) rc = sqlite3_vtab_in_first(v, &x);
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
    if( kind!='w' ) break;
    rc = sqlite3_vtab_in_next(v, &x);
  }
  if( rc!=SQLITE_OK && rc!=SQLITE_DONE ){ sqlite3_free(a); return rc; }
  if( n>1 ) qsort(a, (size_t)n, sizeof(int32_t), cmp_id);
  for(i=j=0; i<n; i++) if( j==0 || a[j-1]!=a[i] ) a[j++] = a[i];
  *paId = a;
  *pnId = j;
  return SQLITE_OK;
}

/* Splits "w1 + w2 - w3 ..." into word ids and signs.  Returns 0, 1 when a
** word is unknown or there is none (no rows), or -1 with *pzErr set. */
static int parse_expression(W2vModel *m, const char *z, int n, int32_t *aId,
                            int8_t *aSign, int *pnTerm, char **pzErr){
  int i = 0, s, len, sign = 1, pendingOp = 0;
  *pnTerm = 0;
  while( (len = w2v_next_token(z, n, &i, &s))>0 ){
    int64_t id;
    if( len==1 && (z[s]=='+' || z[s]=='-') ){
      if( pendingOp ){
        *pzErr = sqlite3_mprintf("w2v_similar: two operators in a row in '%.*s'", n, z);
        return -1;
      }
      sign = z[s]=='-' ? -1 : 1;
      pendingOp = 1;
      continue;
    }
    id = w2v_model_find(m, z+s, len);
    if( id<0 ) return 1;
    aId[*pnTerm] = (int32_t)id;
    aSign[(*pnTerm)++] = (int8_t)sign;
    sign = 1;
    pendingOp = 0;
  }
  if( pendingOp ){
    *pzErr = sqlite3_mprintf("w2v_similar: '%.*s' ends with an operator", n, z);
    return -1;
  }
  return *pnTerm==0 ? 1 : 0;
}

/* The arguments of one w2v_similar call, as xFilter received them. */
typedef struct SimArgs {
  sqlite3_value *model, *query, *k, *method, *words;
  char wordKind;
  double minSim;
} SimArgs;

static void sim_args(const char *zPlan, int argc, sqlite3_value **argv, SimArgs *a){
  int i;
  memset(a, 0, sizeof(*a));
  a->minSim = -INFINITY;
  for(i=0; i<argc && zPlan && zPlan[i]; i++){
    switch( zPlan[i] ){
      case 'm': a->model = argv[i]; break;
      case 'q': a->query = argv[i]; break;
      case 'k': a->k = argv[i]; break;
      case 't': a->method = argv[i]; break;
      case 'w': case 'W': a->words = argv[i]; a->wordKind = zPlan[i]; break;
      case 's': {
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

static int sim_filter(sqlite3_vtab_cursor *pCur, int idxNum, const char *idxStr,
                      int argc, sqlite3_value **argv){
  SimCursor *c = (SimCursor*)pCur;
  SimVtab *p = (SimVtab*)pCur->pVtab;
  SimArgs a;
  W2vKnnQuery kq;
  const W2vKnn *knn;
  sqlite3_int64 k = 10;
  char *zErr = 0;
  float *q = 0;
  int32_t *aId = 0, *aCand = 0;
  int8_t *aSign = 0;
  int nTerm = 0, isMul = 0, rc = SQLITE_OK, i;
  (void)idxNum;
  sqlite3_free(c->aHit);
  c->aHit = 0;
  c->nHit = c->iHit = 0;
  sim_args(idxStr, argc, argv, &a);
  if( a.model==0 || a.query==0 ){
    return vtab_error(pCur->pVtab, sqlite3_mprintf("w2v_similar: needs (model, query[, k[, method]])"));
  }
  if( a.k ){
    if( sqlite3_value_type(a.k)!=SQLITE_INTEGER || sqlite3_value_int64(a.k)<0 ){
      return vtab_error(pCur->pVtab, sqlite3_mprintf("w2v_similar: k must be a non-negative integer"));
    }
    k = sqlite3_value_int64(a.k);
  }
  if( a.method && sqlite3_value_type(a.method)!=SQLITE_NULL ){
    const char *z = (const char*)sqlite3_value_text(a.method);
    if( z && sqlite3_stricmp(z, "mul")==0 ) isMul = 1;
    else if( z==0 || sqlite3_stricmp(z, "add")!=0 ){
      return vtab_error(pCur->pVtab, sqlite3_mprintf("w2v_similar: method must be 'add' or 'mul', not '%s'", z ? z : ""));
    }
  }
  if( w2v_conn_model(p->conn, "w2v_similar", (const char*)sqlite3_value_text(a.model), &c->m, &zErr) ){
    return vtab_error(pCur->pVtab, zErr);
  }
  /* a similarity bound without k asks for every word above it */
  if( a.k==0 && a.minSim>-INFINITY ) k = c->m->vocab.n;
  if( k>c->m->vocab.n ) k = c->m->vocab.n;
  if( sqlite3_value_type(a.query)==SQLITE_NULL || k==0 || a.minSim==INFINITY ) return SQLITE_OK;
  if( isMul && sqlite3_value_type(a.query)==SQLITE_BLOB ){
    return vtab_error(pCur->pVtab, sqlite3_mprintf("w2v_similar: method 'mul' needs words (\"a - b + c\"), not a vector"));
  }
  knn = w2v_model_knn(c->m);
  q = sqlite3_malloc64(sizeof(float)*c->m->dim);
  if( knn==0 || q==0 ){ rc = SQLITE_NOMEM; goto done; }
  memset(&kq, 0, sizeof(kq));
  kq.q = q;
  kq.k = k;
  kq.minSim = a.minSim;
  if( a.words ){
    rc = w2v_word_candidates(c->m, a.wordKind, a.words, &aCand, &kq.nCand);
    if( rc!=SQLITE_OK || kq.nCand==0 ) goto done;
    kq.cand = aCand;
  }
  if( sqlite3_value_type(a.query)==SQLITE_BLOB ){
    int nb = sqlite3_value_bytes(a.query);
    if( nb!=c->m->dim*(int)sizeof(float) ){
      rc = vtab_error(pCur->pVtab, sqlite3_mprintf(
        "w2v_similar: query blob has %d bytes, model '%s' needs %d (dim %d float32)",
        nb, c->m->zName, c->m->dim*4, c->m->dim));
      goto done;
    }
    memcpy(q, sqlite3_value_blob(a.query), nb);
  }else{
    const char *z = (const char*)sqlite3_value_text(a.query);
    int n = sqlite3_value_bytes(a.query), r, d;
    aId = sqlite3_malloc64(sizeof(int32_t)*(n/2+1));
    aSign = sqlite3_malloc64(n/2+1);
    if( z==0 || aId==0 || aSign==0 ){ rc = SQLITE_NOMEM; goto done; }
    r = parse_expression(c->m, z, n, aId, aSign, &nTerm, &zErr);
    if( r<0 ){ rc = vtab_error(pCur->pVtab, zErr); goto done; }
    if( r>0 ) goto done;   /* an unknown word: no rows */
    memset(q, 0, sizeof(float)*c->m->dim);
    for(i=0; i<nTerm; i++){
      const float *v = knn->vec + (int64_t)aId[i]*c->m->dim;
      float f = aSign[i]*knn->invNorm[aId[i]];
      for(d=0; d<c->m->dim; d++) q[d] += f*v[d];
    }
    kq.exclude = aId;
    kq.nExclude = nTerm;
  }
  c->aHit = sqlite3_malloc64(sizeof(W2vHit)*(k ? k : 1));
  if( c->aHit==0 ){ rc = SQLITE_NOMEM; goto done; }
  if( isMul ){
    /* split the terms: positives first, then negatives, in place */
    int32_t *aPos = sqlite3_malloc64(sizeof(int32_t)*(nTerm+1)*2), *aNeg;
    int nPos = 0, nNeg = 0;
    if( aPos==0 ){ rc = SQLITE_NOMEM; goto done; }
    aNeg = aPos + nTerm + 1;
    for(i=0; i<nTerm; i++){
      if( aSign[i]>0 ) aPos[nPos++] = aId[i]; else aNeg[nNeg++] = aId[i];
    }
    c->nHit = w2v_knn_cosmul(knn, &kq, aPos, nPos, aNeg, nNeg, c->aHit);
    sqlite3_free(aPos);
  }else{
    c->nHit = w2v_knn_search(knn, &kq, c->aHit);
  }
  if( c->nHit<0 ){ c->nHit = 0; rc = SQLITE_NOMEM; }
done:
  sqlite3_free(q);
  sqlite3_free(aId);
  sqlite3_free(aSign);
  sqlite3_free(aCand);
  return rc;
}

static int sim_next(sqlite3_vtab_cursor *pCur){
  ((SimCursor*)pCur)->iHit++;
  return SQLITE_OK;
}

static int sim_eof(sqlite3_vtab_cursor *pCur){
  SimCursor *c = (SimCursor*)pCur;
  return c->iHit>=c->nHit;
}

static int sim_column(sqlite3_vtab_cursor *pCur, sqlite3_context *ctx, int i){
  SimCursor *c = (SimCursor*)pCur;
  const W2vHit *h = &c->aHit[c->iHit];
  switch( i ){
    case SIM_WORD:
      sqlite3_result_text(ctx, w2v_vocab_word(&c->m->vocab, h->id), (int)c->m->vocab.lens[h->id], SQLITE_TRANSIENT);
      break;
    case SIM_SIMILARITY: sqlite3_result_double(ctx, h->sim); break;
    case SIM_RANK: sqlite3_result_int64(ctx, c->iHit+1); break;
    default: break;
  }
  return SQLITE_OK;
}

static int sim_rowid(sqlite3_vtab_cursor *pCur, sqlite3_int64 *pRowid){
  *pRowid = ((SimCursor*)pCur)->iHit + 1;
  return SQLITE_OK;
}

static sqlite3_module similarModule = {
  0, 0, sim_connect, sim_best_index, sim_disconnect, 0,
  sim_open, sim_close, sim_filter, sim_next, sim_eof, sim_column, sim_rowid,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
};

/* ---- scalar functions --------------------------------------------------- */

/* The model named by argv[0], or NULL after reporting the error. */
static W2vModel *ctx_model(sqlite3_context *ctx, const char *zFunc, sqlite3_value *v){
  W2vConn *conn = sqlite3_user_data(ctx);
  W2vModel *m = 0;
  char *zErr = 0;
  if( w2v_conn_model(conn, zFunc, (const char*)sqlite3_value_text(v), &m, &zErr) ){
    if( zErr ){ sqlite3_result_error(ctx, zErr, -1); sqlite3_free(zErr); }
    else sqlite3_result_error_nomem(ctx);
    return 0;
  }
  return m;
}

/* Makes sure the output weights are loaded; non-zero after reporting an error. */
static int model_output(sqlite3_context *ctx, W2vModel *m, const char *zFunc){
  W2vConn *conn = sqlite3_user_data(ctx);
  char *zErr = 0;
  int rc = w2v_model_output(conn->db, m, zFunc, &zErr);
  if( rc!=SQLITE_OK ){
    if( zErr ){ sqlite3_result_error(ctx, zErr, -1); sqlite3_free(zErr); }
    else sqlite3_result_error_nomem(ctx);
  }
  return rc;
}

static int64_t value_word_id(W2vModel *m, sqlite3_value *v){
  const char *z = (const char*)sqlite3_value_text(v);
  if( z==0 ) return -1;
  return w2v_model_find(m, z, sqlite3_value_bytes(v));
}

int w2v_model_hidden(W2vModel *m, sqlite3_value *v, float *h){
  const char *z = (const char*)sqlite3_value_text(v);
  int n = sqlite3_value_bytes(v), i = 0, s, len, cnt = 0, d;
  if( z==0 ) return 0;
  memset(h, 0, sizeof(float)*m->dim);
  while( (len = w2v_next_token(z, n, &i, &s))>0 ){
    int64_t id = w2v_model_find(m, z+s, len);
    if( id<0 ) return 0;
    for(d=0; d<m->dim; d++) h[d] += m->in[id*m->dim + d];
    cnt++;
  }
  if( cnt==0 ) return 0;
  for(d=0; d<m->dim; d++) h[d] /= (float)cnt;
  return 1;
}

static void fn_prob_or_score(sqlite3_context *ctx, sqlite3_value **argv, int isScore){
  const char *zFunc = isScore ? "w2v_score" : "w2v_prob";
  W2vModel *m = ctx_model(ctx, zFunc, argv[0]);
  float *h;
  int64_t o;
  if( m==0 ) return;
  if( isScore && m->loss==W2V_LOSS_HS ){
    char *z = sqlite3_mprintf("w2v_score: model '%s' uses hierarchical softmax (loss=hs), which has no per-word output vectors; use w2v_prob", m->zName);
    sqlite3_result_error(ctx, z, -1);
    sqlite3_free(z);
    return;
  }
  o = value_word_id(m, argv[2]);
  if( o<0 ) return;                       /* NULL */
  if( model_output(ctx, m, zFunc) ) return;
  h = sqlite3_malloc64(sizeof(float)*m->dim);
  if( h==0 ){ sqlite3_result_error_nomem(ctx); return; }
  if( w2v_model_hidden(m, argv[1], h) ){
    if( isScore ){
      double f = w2v_dot_exact(h, m->out + o*m->dim, m->dim);
      sqlite3_result_double(ctx, 1.0/(1.0+exp(-f)));
    }else if( m->loss==W2V_LOSS_HS ){
      sqlite3_result_double(ctx, w2v_hs_prob(&m->lossFn, h, (int32_t)o));
    }else{
      /* softmax over the vocabulary; the log partition function of the last
      ** input is kept, so summing over all outputs costs O(V) not O(V^2). */
      const char *zIn = (const char*)sqlite3_value_text(argv[1]);
      if( m->zPartInput==0 || strcmp(m->zPartInput, zIn)!=0 ){
        sqlite3_free(m->zPartInput);
        m->zPartInput = sqlite3_mprintf("%s", zIn);
        m->partLog = w2v_log_partition(&m->lossFn, h);
      }
      if( m->zPartInput==0 ){ sqlite3_free(h); sqlite3_result_error_nomem(ctx); return; }
      sqlite3_result_double(ctx, exp(w2v_dot_exact(h, m->out + o*m->dim, m->dim) - m->partLog));
    }
  }
  sqlite3_free(h);
}

static void fn_prob(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  (void)argc;
  fn_prob_or_score(ctx, argv, 0);
}

static void fn_score(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  (void)argc;
  fn_prob_or_score(ctx, argv, 1);
}

static void fn_vector(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  W2vModel *m = ctx_model(ctx, "w2v_vector", argv[0]);
  int64_t id;
  (void)argc;
  if( m==0 ) return;
  id = value_word_id(m, argv[1]);
  if( id<0 ) return;
  sqlite3_result_blob(ctx, m->in + id*m->dim, m->dim*(int)sizeof(float), SQLITE_TRANSIENT);
}

/* An operand of w2v_similarity: a word's vector, or a float32 blob copied to
** buf.  1 with *pv set, 0 for a NULL result (NULL, unknown word), -1 after
** reporting an error. */
static int operand_vector(sqlite3_context *ctx, W2vModel *m, sqlite3_value *v,
                          float *buf, const float **pv){
  if( sqlite3_value_type(v)==SQLITE_BLOB ){
    int nb = sqlite3_value_bytes(v);
    if( nb!=m->dim*(int)sizeof(float) ){
      char *z = sqlite3_mprintf("w2v_similarity: a blob of %d bytes, model '%s' needs %d (dim %d float32)",
                                nb, m->zName, m->dim*4, m->dim);
      sqlite3_result_error(ctx, z ? z : "w2v_similarity: out of memory", -1);
      sqlite3_free(z);
      return -1;
    }
    memcpy(buf, sqlite3_value_blob(v), nb);
    *pv = buf;
    return 1;
  }else{
    int64_t id = value_word_id(m, v);
    if( id<0 ) return 0;
    *pv = m->in + id*m->dim;
    return 1;
  }
}

/* Cosine of two words or vectors (0 when either is all zeros). */
static void fn_similarity(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  W2vModel *m = ctx_model(ctx, "w2v_similarity", argv[0]);
  const float *a, *b;
  float *buf;
  double na, nb;
  int ra, rb;
  (void)argc;
  if( m==0 ) return;
  buf = sqlite3_malloc64(sizeof(float)*2*m->dim);
  if( buf==0 ){ sqlite3_result_error_nomem(ctx); return; }
  ra = operand_vector(ctx, m, argv[1], buf, &a);
  rb = ra<0 ? -1 : operand_vector(ctx, m, argv[2], buf + m->dim, &b);
  if( ra>0 && rb>0 ){
    na = w2v_dot_exact(a, a, m->dim);
    nb = w2v_dot_exact(b, b, m->dim);
    sqlite3_result_double(ctx, na>0 && nb>0 ? w2v_dot_exact(a, b, m->dim)/sqrt(na*nb) : 0.0);
  }
  sqlite3_free(buf);
}

/* w2v_embed(model, text): the mean of the unit vectors of the known words,
** as a float32 blob; NULL when no word is known. */
static void fn_embed(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  W2vModel *m = ctx_model(ctx, "w2v_embed", argv[0]);
  const W2vKnn *knn;
  const char *z;
  float *e;
  int n, i = 0, s, len, cnt = 0, d;
  (void)argc;
  if( m==0 ) return;
  z = (const char*)sqlite3_value_text(argv[1]);
  n = sqlite3_value_bytes(argv[1]);
  if( z==0 ) return;
  knn = w2v_model_knn(m);
  e = sqlite3_malloc64(sizeof(float)*m->dim);
  if( knn==0 || e==0 ){ sqlite3_free(e); sqlite3_result_error_nomem(ctx); return; }
  memset(e, 0, sizeof(float)*m->dim);
  while( (len = w2v_next_token(z, n, &i, &s))>0 ){
    int64_t id = w2v_model_find(m, z+s, len);
    if( id<0 ) continue;
    w2v_axpy(e, knn->invNorm[id], m->in + id*m->dim, m->dim);
    cnt++;
  }
  if( cnt==0 ){ sqlite3_free(e); return; }
  for(d=0; d<m->dim; d++) e[d] /= (float)cnt;
  sqlite3_result_blob(ctx, e, m->dim*(int)sizeof(float), sqlite3_free);
}

static void fn_version(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  (void)argc; (void)argv;
  sqlite3_result_text(ctx, W2V_VERSION, -1, SQLITE_STATIC);
}

int w2v_register_queries(sqlite3 *db, W2vConn *conn){
  static const struct { const char *zName; int nArg; void (*xFunc)(sqlite3_context*,int,sqlite3_value**); } aFunc[] = {
    { "w2v_prob",       3, fn_prob },
    { "w2v_score",      3, fn_score },
    { "w2v_vector",     2, fn_vector },
    { "w2v_similarity", 3, fn_similarity },
    { "w2v_embed",      2, fn_embed },
  };
  int i, rc;
  conn->nRef++;
  rc = sqlite3_create_module_v2(db, "w2v_similar", &similarModule, conn, w2v_conn_release);
  for(i=0; rc==SQLITE_OK && i<(int)(sizeof(aFunc)/sizeof(aFunc[0])); i++){
    conn->nRef++;
    rc = sqlite3_create_function_v2(db, aFunc[i].zName, aFunc[i].nArg, SQLITE_UTF8, conn,
                                    aFunc[i].xFunc, 0, 0, w2v_conn_release);
  }
  if( rc==SQLITE_OK ) rc = sqlite3_create_function(db, "w2v_version", 0,
        SQLITE_UTF8|SQLITE_DETERMINISTIC|SQLITE_INNOCUOUS, 0, fn_version, 0, 0);
  return rc;
}
