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

/* ---- top-k over unit vectors ------------------------------------------ */

/* a ranks below b: lower similarity, or equal and less frequent */
static int hit_worse(const W2vHit *a, const W2vHit *b){
  return a->sim < b->sim || (a->sim==b->sim && a->id > b->id);
}

static void sift_down(W2vHit *h, int n, int i){
  for(;;){
    int l = 2*i+1, r = l+1, w = i;
    W2vHit t;
    if( l<n && hit_worse(&h[l], &h[w]) ) w = l;
    if( r<n && hit_worse(&h[r], &h[w]) ) w = r;
    if( w==i ) return;
    t = h[i]; h[i] = h[w]; h[w] = t;
    i = w;
  }
}

int w2v_top_k(W2vModel *m, const float *q, int k, const int32_t *exclude,
              int nExclude, W2vHit *aHit){
  const float *unit = w2v_model_unit(m);
  float *qu;
  double norm;
  int64_t i;
  int n = 0, d, e;
  if( unit==0 ) return -1;
  if( k<=0 ) return 0;
  qu = sqlite3_malloc64(sizeof(float)*m->dim);
  if( qu==0 ) return -1;
  norm = sqrt(w2v_dot_exact(q, q, m->dim));
  for(d=0; d<m->dim; d++) qu[d] = norm>0 ? (float)(q[d]/norm) : 0.0f;
  /* aHit is a min-heap of the best k so far, its worst at the top */
  for(i=0; i<m->vocab.n; i++){
    W2vHit h;
    for(e=0; e<nExclude && exclude[e]!=i; e++){}
    if( e<nExclude ) continue;
    h.id = (int32_t)i;
    h.sim = w2v_dot(qu, unit + i*m->dim, m->dim);
    if( n<k ){
      int j = n++;
      aHit[j] = h;
      while( j>0 && hit_worse(&aHit[j], &aHit[(j-1)/2]) ){
        W2vHit t = aHit[j]; aHit[j] = aHit[(j-1)/2]; aHit[(j-1)/2] = t;
        j = (j-1)/2;
      }
    }else if( hit_worse(&aHit[0], &h) ){
      aHit[0] = h;
      sift_down(aHit, n, 0);
    }
  }
  sqlite3_free(qu);
  /* heap sort: repeatedly move the worst to the end, best first remains */
  for(d=n-1; d>0; d--){
    W2vHit t = aHit[0]; aHit[0] = aHit[d]; aHit[d] = t;
    sift_down(aHit, d, 0);
  }
  return n;
}

/* ---- w2v_similar(model, query, k) ------------------------------------ */

enum { SIM_WORD, SIM_SIMILARITY, SIM_RANK, SIM_MODEL, SIM_QUERY, SIM_K };

typedef struct SimCursor {
  sqlite3_vtab_cursor base;
  W2vModel *m;
  W2vHit *aHit;
  int nHit, iHit;
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
    " model HIDDEN, query HIDDEN, k HIDDEN)");
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

static int sim_best_index(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo){
  int i, idx[3] = { -1, -1, -1 }, n = 0, mask = 0;
  (void)pVtab;
  for(i=0; i<pInfo->nConstraint; i++){
    const struct sqlite3_index_constraint *c = &pInfo->aConstraint[i];
    if( c->iColumn<SIM_MODEL || c->op!=SQLITE_INDEX_CONSTRAINT_EQ ) continue;
    if( !c->usable ) return SQLITE_CONSTRAINT;   /* wait for a plan where it is */
    idx[c->iColumn - SIM_MODEL] = i;
  }
  for(i=0; i<3; i++){
    if( idx[i]<0 ) continue;
    mask |= 1<<i;
    pInfo->aConstraintUsage[idx[i]].argvIndex = ++n;
    pInfo->aConstraintUsage[idx[i]].omit = 1;
  }
  pInfo->idxNum = mask;
  if( pInfo->nOrderBy==1 && pInfo->aOrderBy[0].iColumn==SIM_RANK && !pInfo->aOrderBy[0].desc ){
    pInfo->orderByConsumed = 1;
  }
  if( pInfo->nOrderBy==1 && pInfo->aOrderBy[0].iColumn==SIM_SIMILARITY && pInfo->aOrderBy[0].desc ){
    pInfo->orderByConsumed = 1;
  }
  pInfo->estimatedCost = (mask & 3)==3 ? 1000.0 : 1e12;
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

/* Builds the query vector from "w1 + w2 - w3 ...": the sum of the words'
** unit vectors, signed.  Returns 0 and the words used in aEx, 1 when a word
** is unknown (no rows), or an error message. */
static int parse_expression(W2vModel *m, const char *z, int n, float *q,
                            int32_t *aEx, int *pnEx, char **pzErr){
  const float *unit = w2v_model_unit(m);
  int i = 0, s, len, nTerm = 0, d;
  float sign = 1.0f;
  int pendingOp = 0;
  if( unit==0 ){ *pzErr = sqlite3_mprintf("w2v_similar: out of memory"); return -1; }
  memset(q, 0, sizeof(float)*m->dim);
  *pnEx = 0;
  while( (len = w2v_next_token(z, n, &i, &s))>0 ){
    int64_t id;
    if( len==1 && (z[s]=='+' || z[s]=='-') ){
      if( pendingOp ){
        *pzErr = sqlite3_mprintf("w2v_similar: two operators in a row in '%.*s'", n, z);
        return -1;
      }
      sign = z[s]=='-' ? -1.0f : 1.0f;
      pendingOp = 1;
      continue;
    }
    id = w2v_vocab_find(&m->vocab, z+s, (uint32_t)len);
    if( id<0 ) return 1;
    for(d=0; d<m->dim; d++) q[d] += sign * unit[id*m->dim + d];
    aEx[(*pnEx)++] = (int32_t)id;
    sign = 1.0f;
    pendingOp = 0;
    nTerm++;
  }
  if( pendingOp ){
    *pzErr = sqlite3_mprintf("w2v_similar: '%.*s' ends with an operator", n, z);
    return -1;
  }
  return nTerm==0 ? 1 : 0;
}

static int sim_filter(sqlite3_vtab_cursor *pCur, int idxNum, const char *idxStr,
                      int argc, sqlite3_value **argv){
  SimCursor *c = (SimCursor*)pCur;
  SimVtab *p = (SimVtab*)pCur->pVtab;
  sqlite3_value *vModel, *vQuery, *vK = 0;
  sqlite3_int64 k = 10;
  char *zErr = 0;
  float *q = 0;
  int32_t *aEx = 0;
  int nEx = 0, rc = SQLITE_OK;
  (void)idxStr; (void)argc;
  sqlite3_free(c->aHit);
  c->aHit = 0;
  c->nHit = c->iHit = 0;
  if( (idxNum & 3)!=3 ){
    return vtab_error(pCur->pVtab, sqlite3_mprintf("w2v_similar: needs (model, query[, k])"));
  }
  vModel = argv[0];
  vQuery = argv[1];
  if( idxNum & 4 ) vK = argv[2];
  if( vK ){
    if( sqlite3_value_type(vK)!=SQLITE_INTEGER || sqlite3_value_int64(vK)<0 ){
      return vtab_error(pCur->pVtab, sqlite3_mprintf("w2v_similar: k must be a non-negative integer"));
    }
    k = sqlite3_value_int64(vK);
  }
  if( w2v_conn_model(p->conn, "w2v_similar", (const char*)sqlite3_value_text(vModel), &c->m, &zErr) ){
    return vtab_error(pCur->pVtab, zErr);
  }
  if( k>c->m->vocab.n ) k = c->m->vocab.n;
  if( sqlite3_value_type(vQuery)==SQLITE_NULL || k==0 ) return SQLITE_OK;
  q = sqlite3_malloc64(sizeof(float)*c->m->dim);
  if( q==0 ) return SQLITE_NOMEM;
  if( sqlite3_value_type(vQuery)==SQLITE_BLOB ){
    int nb = sqlite3_value_bytes(vQuery);
    if( nb!=c->m->dim*(int)sizeof(float) ){
      sqlite3_free(q);
      return vtab_error(pCur->pVtab, sqlite3_mprintf(
        "w2v_similar: query blob has %d bytes, model '%s' needs %d (dim %d float32)",
        nb, c->m->zName, c->m->dim*4, c->m->dim));
    }
    memcpy(q, sqlite3_value_blob(vQuery), nb);
  }else{
    const char *z = (const char*)sqlite3_value_text(vQuery);
    int n = sqlite3_value_bytes(vQuery);
    int r;
    aEx = sqlite3_malloc64(sizeof(int32_t)*(n/2+1));
    if( z==0 || aEx==0 ){ rc = SQLITE_NOMEM; goto done; }
    r = parse_expression(c->m, z, n, q, aEx, &nEx, &zErr);
    if( r<0 ){ rc = vtab_error(pCur->pVtab, zErr); goto done; }
    if( r>0 ) goto done;   /* an unknown word: no rows */
  }
  c->aHit = sqlite3_malloc64(sizeof(W2vHit)*(k ? k : 1));
  if( c->aHit==0 ){ rc = SQLITE_NOMEM; goto done; }
  c->nHit = w2v_top_k(c->m, q, (int)k, aEx, nEx, c->aHit);
  if( c->nHit<0 ){ c->nHit = 0; rc = SQLITE_NOMEM; }
done:
  sqlite3_free(q);
  sqlite3_free(aEx);
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
    case SIM_RANK: sqlite3_result_int(ctx, c->iHit+1); break;
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

static int64_t value_word_id(W2vModel *m, sqlite3_value *v){
  const char *z = (const char*)sqlite3_value_text(v);
  if( z==0 ) return -1;
  return w2v_vocab_find(&m->vocab, z, (uint32_t)sqlite3_value_bytes(v));
}

/* h = mean of the input vectors of the space-separated words in v.
** 1 if every word is known (and there is at least one), else 0. */
static int hidden_vector(W2vModel *m, sqlite3_value *v, float *h){
  const char *z = (const char*)sqlite3_value_text(v);
  int n = sqlite3_value_bytes(v), i = 0, s, len, cnt = 0, d;
  if( z==0 ) return 0;
  memset(h, 0, sizeof(float)*m->dim);
  while( (len = w2v_next_token(z, n, &i, &s))>0 ){
    int64_t id = w2v_vocab_find(&m->vocab, z+s, (uint32_t)len);
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
  h = sqlite3_malloc64(sizeof(float)*m->dim);
  if( h==0 ){ sqlite3_result_error_nomem(ctx); return; }
  if( hidden_vector(m, argv[1], h) ){
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

static void fn_similarity(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  W2vModel *m = ctx_model(ctx, "w2v_similarity", argv[0]);
  const float *unit;
  int64_t a, b;
  (void)argc;
  if( m==0 ) return;
  a = value_word_id(m, argv[1]);
  b = value_word_id(m, argv[2]);
  if( a<0 || b<0 ) return;
  unit = w2v_model_unit(m);
  if( unit==0 ){ sqlite3_result_error_nomem(ctx); return; }
  sqlite3_result_double(ctx, w2v_dot_exact(unit + a*m->dim, unit + b*m->dim, m->dim));
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
