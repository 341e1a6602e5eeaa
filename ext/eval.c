/*
** Built-in evaluation, the way word2vec's compute-accuracy and gensim do it:
**
**   w2v_eval_analogy(model, table [, options])    questions a : b :: c : d
**   w2v_eval_similarity(model, table [, options]) pairs word1, word2, score
**
** Options: restrict=N (only the N most frequent words take part, default
** 30000, 0 = all) and lower=0|1 (default 1: compare case-folded words (Unicode); of
** the variants of a word the most frequent stands for it).
**
** Analogy (3CosAdd): a question counts as covered when all four words are in
** the restricted vocabulary.  The answer is the restricted word w, other than
** a, b and c, with the highest cos(w, b - a + c) over unit vectors (ties to
** the more frequent word); it is correct when it is d.
** Similarity: Spearman's rank correlation (average ranks for ties) between
** the given scores and the cosines of the covered pairs.
** Both return a JSON object; a column named `section` groups the results.
*/
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3
#include "w2vInt.h"
#include "vecmath.h"

typedef struct EvalVocab {
  W2vModel *m;
  const W2vKnn *knn;
  int64_t nRestrict;    /* words 0 .. nRestrict-1 take part */
  int lower;
  W2vVocab folded;      /* lower=1: folded word -> its first (most frequent) id */
  int32_t *firstId;     /* by id in folded */
  int32_t *canon;       /* by word id: the id that stands for its folded form */
} EvalVocab;

static void eval_vocab_free(EvalVocab *v){
  w2v_model_release(v->m);
  w2v_vocab_free(&v->folded);
  sqlite3_free(v->firstId);
  sqlite3_free(v->canon);
}

/* Takes over the caller's reference to m. */
static int eval_vocab_init(EvalVocab *v, W2vModel *m, int64_t nRestrict, int lower){
  int64_t i;
  memset(v, 0, sizeof(*v));
  w2v_vocab_init(&v->folded);
  v->m = m;
  v->lower = lower;
  v->nRestrict = (nRestrict<=0 || nRestrict>m->vocab.n) ? m->vocab.n : nRestrict;
  v->knn = w2v_model_knn(m);
  v->canon = sqlite3_malloc64(sizeof(int32_t)*(v->nRestrict+1));
  v->firstId = sqlite3_malloc64(sizeof(int32_t)*(v->nRestrict+1));
  if( !v->knn || !v->canon || !v->firstId ) return SQLITE_NOMEM;
  for(i=0; i<v->nRestrict; i++){
    v->canon[i] = (int32_t)i;
    if( lower ){
      uint32_t n = m->vocab.lens[i];
      char *z = sqlite3_malloc64(W2V_FOLD_MAX(n));
      int64_t f;
      if( z==0 ) return SQLITE_NOMEM;
      n = (uint32_t)w2v_fold_utf8(z, w2v_vocab_word(&m->vocab, i), n);
      f = w2v_vocab_add(&v->folded, z, n, 1);
      sqlite3_free(z);
      if( f<0 ) return SQLITE_NOMEM;
      if( f==v->folded.n-1 ) v->firstId[f] = (int32_t)i;   /* new: the most frequent */
      v->canon[i] = v->firstId[f];
    }
  }
  return SQLITE_OK;
}

/* The id standing for the word in v, or -1 (NULL, unknown, outside restrict). */
static int64_t eval_find(EvalVocab *v, sqlite3_value *x){
  const char *z = (const char*)sqlite3_value_text(x);
  int n = sqlite3_value_bytes(x);
  int64_t id;
  if( z==0 ) return -1;
  if( v->lower ){
    char buf[384], *zf = W2V_FOLD_MAX((size_t)n)<=sizeof(buf) ? buf : sqlite3_malloc64(W2V_FOLD_MAX((size_t)n));
    if( zf==0 ) return -1;
    n = (int)w2v_fold_utf8(zf, z, (size_t)n);
    id = w2v_vocab_find(&v->folded, zf, (uint32_t)n);
    if( zf!=buf ) sqlite3_free(zf);
    return id<0 ? -1 : v->firstId[id];
  }
  id = w2v_vocab_find(&v->m->vocab, z, (uint32_t)n);
  return id<v->nRestrict ? id : -1;
}

/* The options of both evaluations. */
typedef struct EvalOptions { sqlite3_int64 nRestrict; int lower; } EvalOptions;
static const W2vOptDesc aEvalOpt[] = {
  { "restrict", W2V_OPT_INT, 0, 9.0e18, 30000, offsetof(EvalOptions, nRestrict), 0, 0, "a non-negative integer" },
  { "lower",    W2V_OPT_INT, 0, 1,      1,     offsetof(EvalOptions, lower), W2V_OPT_INT32, 0, "0 or 1" },
};
static const W2vOptTable evalOptions = { aEvalOpt, 2, 1 };

/* Prepares SELECT * FROM table and finds the wanted columns by name (else
** the first nWant columns in order), and a `section` column if any. */
static int open_table(sqlite3 *db, const char *zFunc, sqlite3_value *vTable,
                      const char *const *azWant, int nWant, int *aiCol, int *piSection,
                      sqlite3_stmt **ppStmt, char **pzErr){
  const char *zTable = (const char*)sqlite3_value_text(vTable);
  char *zSql;
  int i, j, nCol, rc, byName = 1;
  if( zTable==0 ){
    *pzErr = sqlite3_mprintf("%s: the table name is NULL", zFunc);
    return SQLITE_ERROR;
  }
  zSql = sqlite3_mprintf("SELECT * FROM \"%w\"", zTable);
  if( zSql==0 ) return SQLITE_NOMEM;
  rc = sqlite3_prepare_v2(db, zSql, -1, ppStmt, 0);
  sqlite3_free(zSql);
  if( rc!=SQLITE_OK ){
    *pzErr = sqlite3_mprintf("%s: cannot read table '%s': %s", zFunc, zTable, sqlite3_errmsg(db));
    return rc;
  }
  nCol = sqlite3_column_count(*ppStmt);
  *piSection = -1;
  for(j=0; j<nWant; j++) aiCol[j] = -1;
  for(i=0; i<nCol; i++){
    const char *zName = sqlite3_column_name(*ppStmt, i);
    if( zName && sqlite3_stricmp(zName, "section")==0 ) *piSection = i;
    for(j=0; j<nWant; j++) if( zName && sqlite3_stricmp(zName, azWant[j])==0 ) aiCol[j] = i;
  }
  for(j=0; j<nWant; j++) if( aiCol[j]<0 ) byName = 0;
  if( !byName ){
    int n = 0;
    for(i=0; i<nCol && n<nWant; i++) if( i!=*piSection ) aiCol[n++] = i;
    if( n<nWant ){
      *pzErr = sqlite3_mprintf("%s: table '%s' needs %d columns (%s%s%s%s%s%s%s)", zFunc, zTable, nWant,
                               azWant[0], nWant>1?", ":"", nWant>1?azWant[1]:"", nWant>2?", ":"",
                               nWant>2?azWant[2]:"", nWant>3?", ":"", nWant>3?azWant[3]:"");
      sqlite3_finalize(*ppStmt);
      *ppStmt = 0;
      return SQLITE_ERROR;
    }
  }
  return SQLITE_OK;
}

/* ---- sections: counts per distinct section value, in order of appearance */
typedef struct Section {
  char *zName;
  int64_t total, covered, correct;
  double *x, *y;       /* similarity: the covered pairs */
  int64_t n, nAlloc;
} Section;

typedef struct Sections {
  Section *a;
  int n, nAlloc;
} Sections;

static void sections_free(Sections *s){
  int i;
  for(i=0; i<s->n; i++){
    sqlite3_free(s->a[i].zName);
    sqlite3_free(s->a[i].x);
    sqlite3_free(s->a[i].y);
  }
  sqlite3_free(s->a);
}

/* The section named z (NULL: the unnamed one), created on first sight. */
static Section *section_get(Sections *s, const char *z){
  int i;
  if( z==0 ) z = "";
  if( s->n>0 && strcmp(s->a[s->n-1].zName, z)==0 ) return &s->a[s->n-1];
  for(i=0; i<s->n; i++) if( strcmp(s->a[i].zName, z)==0 ) return &s->a[i];
  if( s->n==s->nAlloc ){
    int nNew = s->nAlloc ? s->nAlloc*2 : 8;
    Section *a = sqlite3_realloc64(s->a, sizeof(Section)*nNew);
    if( a==0 ) return 0;
    s->a = a;
    s->nAlloc = nNew;
  }
  memset(&s->a[s->n], 0, sizeof(Section));
  s->a[s->n].zName = sqlite3_mprintf("%s", z);
  if( s->a[s->n].zName==0 ) return 0;
  return &s->a[s->n++];
}

static int section_add_pair(Section *sec, double x, double y){
  if( sec->n==sec->nAlloc ){
    int64_t nNew = sec->nAlloc ? sec->nAlloc*2 : 64;
    double *a = sqlite3_realloc64(sec->x, sizeof(double)*nNew);
    double *b;
    if( a==0 ) return SQLITE_NOMEM;
    sec->x = a;
    b = sqlite3_realloc64(sec->y, sizeof(double)*nNew);
    if( b==0 ) return SQLITE_NOMEM;
    sec->y = b;
    sec->nAlloc = nNew;
  }
  sec->x[sec->n] = x;
  sec->y[sec->n++] = y;
  return SQLITE_OK;
}

/* The common start of both evaluations: options, model, table, vocabulary. */
static int eval_begin(sqlite3_context *ctx, const char *zFunc, int argc, sqlite3_value **argv,
                      const char *const *azCol, int nCol, int *aiCol, int *piSection,
                      EvalVocab *ev, sqlite3_stmt **ppStmt, char **pzErr){
  W2vConn *conn = sqlite3_user_data(ctx);
  W2vModel *m = 0;
  EvalOptions eo;
  int rc;
  static const char *const azWhat[] = { "model name", "table name", "options", 0 };
  if( w2v_args_have_nul(ctx, zFunc, argc, argv, azWhat) ) return SQLITE_ERROR;
  rc = w2v_options_parse(zFunc, argc>2 ? (const char*)sqlite3_value_text(argv[2]) : 0, &evalOptions, &eo, 0, pzErr);
  if( rc==SQLITE_OK ) rc = w2v_model_acquire(conn, zFunc, 0, (const char*)sqlite3_value_text(argv[0]), &m, pzErr);
  /* every question scores every word exactly: all the vectors */
  if( rc==SQLITE_OK ) rc = w2v_model_input(conn->db, m, zFunc, pzErr);
  if( rc==SQLITE_OK ) rc = open_table(conn->db, zFunc, argv[1], azCol, nCol, aiCol, piSection, ppStmt, pzErr);
  if( rc==SQLITE_OK ) return eval_vocab_init(ev, m, eo.nRestrict, eo.lower);   /* ev holds m now */
  w2v_model_release(m);
  return rc;
}

/* Closes the JSON object in out and makes it the result; the error code
** when out ran out of memory (rc stands when it is already an error). */
static int result_json(sqlite3_context *ctx, sqlite3_str *out, int rc){
  sqlite3_str_appendall(out, "}");
  if( rc==SQLITE_OK ) rc = sqlite3_str_errcode(out);
  if( rc==SQLITE_OK ) sqlite3_result_text(ctx, sqlite3_str_finish(out), -1, sqlite3_free);
  else sqlite3_free(sqlite3_str_finish(out));
  return rc;
}

static void report(sqlite3_context *ctx, const char *zFunc, char *zErr, int rc){
  if( zErr ){ sqlite3_result_error(ctx, zErr, -1); sqlite3_free(zErr); }
  else if( rc==SQLITE_NOMEM ) sqlite3_result_error_nomem(ctx);
  else{
    char *z = sqlite3_mprintf("%s: %s", zFunc, sqlite3_errstr(rc));
    sqlite3_result_error(ctx, z ? z : zFunc, -1);
    sqlite3_free(z);
  }
}

/* ---- analogies ------------------------------------------------------------ */

#define BATCH 256

typedef struct Question {
  int32_t a, b, c, d;   /* canonical ids */
  int iSec;             /* index in Sections.a (section_get may move the array) */
} Question;

/* Answers questions q[0..n): 3CosAdd over the restricted vocabulary. */
static void answer_batch(EvalVocab *v, Question *q, int n, float *qv, float *best, int32_t *arg){
  const W2vKnn *x = v->knn;
  int dim = v->m->dim, j, d;
  int64_t i;
  for(j=0; j<n; j++){
    float *t = qv + (int64_t)j*dim;
    const int32_t w[3] = { q[j].a, q[j].b, q[j].c };
    const float f[3] = { -1.0f, 1.0f, 1.0f };
    memset(t, 0, sizeof(float)*dim);
    for(d=0; d<3; d++) w2v_axpy(t, f[d]*x->invNorm[w[d]], x->vec + (int64_t)w[d]*dim, dim);
    best[j] = -INFINITY;
    arg[j] = -1;
  }
  for(i=0; i<v->nRestrict; i++){
    const float *row = x->vec + i*dim;
    float inv = x->invNorm[i];
    int32_t ci = v->canon[i];
    for(j=0; j<n; j++){
      float s = w2v_dot(qv + (int64_t)j*dim, row, dim)*inv;
      if( s>best[j] && ci!=q[j].a && ci!=q[j].b && ci!=q[j].c ){ best[j] = s; arg[j] = ci; }
    }
  }
}

void w2v_fn_eval_analogy(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  static const char *const azCol[4] = { "a", "b", "c", "d" };
  const char *zFunc = "w2v_eval_analogy";
  W2vConn *conn = sqlite3_user_data(ctx);
  W2vModel *m;
  EvalVocab ev;
  Sections secs;
  sqlite3_stmt *pStmt = 0;
  Question *aQ = 0;
  float *qv = 0, *best = 0;
  int32_t *arg = 0;
  int aiCol[4], iSection, rc, nQ = 0, j;
  char *zErr = 0;
  sqlite3_str *out;
  int64_t total = 0, covered = 0, correct = 0;
  memset(&ev, 0, sizeof(ev));
  memset(&secs, 0, sizeof(secs));
  rc = eval_begin(ctx, zFunc, argc, argv, azCol, 4, aiCol, &iSection, &ev, &pStmt, &zErr);
  if( rc!=SQLITE_OK ) goto done;
  m = ev.m;
  aQ = sqlite3_malloc64(sizeof(Question)*BATCH);
  qv = sqlite3_malloc64(sizeof(float)*BATCH*m->dim);
  best = sqlite3_malloc64(sizeof(float)*BATCH);
  arg = sqlite3_malloc64(sizeof(int32_t)*BATCH);
  if( !aQ || !qv || !best || !arg ){ rc = SQLITE_NOMEM; goto done; }
  for(;;){
    int step = sqlite3_step(pStmt);
    if( step==SQLITE_ROW ){
      Section *sec = section_get(&secs, iSection>=0 ? (const char*)sqlite3_column_text(pStmt, iSection) : 0);
      int64_t id[4];
      if( sec==0 ){ rc = SQLITE_NOMEM; goto done; }
      sec->total++;
      total++;
      for(j=0; j<4; j++) id[j] = eval_find(&ev, sqlite3_column_value(pStmt, aiCol[j]));
      if( id[0]<0 || id[1]<0 || id[2]<0 || id[3]<0 ) continue;
      sec->covered++;
      covered++;
      aQ[nQ].a = (int32_t)id[0]; aQ[nQ].b = (int32_t)id[1];
      aQ[nQ].c = (int32_t)id[2]; aQ[nQ].d = (int32_t)id[3];
      aQ[nQ++].iSec = (int)(sec - secs.a);
    }else if( step!=SQLITE_DONE ){
      zErr = sqlite3_mprintf("%s: %s", zFunc, sqlite3_errmsg(conn->db));
      rc = step;
      goto done;
    }
    if( nQ==BATCH || (step==SQLITE_DONE && nQ>0) ){
      answer_batch(&ev, aQ, nQ, qv, best, arg);
      for(j=0; j<nQ; j++) if( arg[j]==aQ[j].d ){ secs.a[aQ[j].iSec].correct++; correct++; }
      nQ = 0;
    }
    if( step==SQLITE_DONE ) break;
  }
  out = sqlite3_str_new(0);
  sqlite3_str_appendall(out, "{\"accuracy\":");
  w2v_json_number(out, covered ? (double)correct/covered : 0, covered>0);
  sqlite3_str_appendf(out, ",\"correct\":%lld,\"covered\":%lld,\"total\":%lld",
                      (long long)correct, (long long)covered, (long long)total);
  if( iSection>=0 ){
    sqlite3_str_appendall(out, ",\"sections\":[");
    for(j=0; j<secs.n; j++){
      Section *s = &secs.a[j];
      sqlite3_str_appendall(out, j ? ",{\"section\":" : "{\"section\":");
      w2v_json_string(out, s->zName);
      sqlite3_str_appendall(out, ",\"accuracy\":");
      w2v_json_number(out, s->covered ? (double)s->correct/s->covered : 0, s->covered>0);
      sqlite3_str_appendf(out, ",\"correct\":%lld,\"covered\":%lld,\"total\":%lld}",
                          (long long)s->correct, (long long)s->covered, (long long)s->total);
    }
    sqlite3_str_appendall(out, "]");
  }
  rc = result_json(ctx, out, SQLITE_OK);
done:
  if( rc!=SQLITE_OK ) report(ctx, zFunc, zErr, rc);
  sqlite3_finalize(pStmt);
  eval_vocab_free(&ev);
  sections_free(&secs);
  sqlite3_free(aQ); sqlite3_free(qv); sqlite3_free(best); sqlite3_free(arg);
}

/* ---- word similarity ---------------------------------------------------- */

/* Ranks of x[0..n) (1-based), ties get the mean of their ranks. */
static int ranks(const double *x, int64_t n, double *r){
  int64_t *ix = sqlite3_malloc64(sizeof(int64_t)*(n+1)), i, j, a, b;
  if( ix==0 ) return SQLITE_NOMEM;
  for(i=0; i<n; i++) ix[i] = i;
  /* insertion sort by value is too slow for big sets: shell sort */
  for(a=n/2; a>0; a/=2){
    for(i=a; i<n; i++){
      int64_t t = ix[i];
      for(j=i; j>=a && x[ix[j-a]]>x[t]; j-=a) ix[j] = ix[j-a];
      ix[j] = t;
    }
  }
  for(i=0; i<n; i=b){
    for(b=i+1; b<n && x[ix[b]]==x[ix[i]]; b++){}
    for(a=i; a<b; a++) r[ix[a]] = (double)(i+1+b)/2.0;   /* mean of ranks i+1..b */
  }
  sqlite3_free(ix);
  return SQLITE_OK;
}

static double pearson(const double *x, const double *y, int64_t n){
  double mx = 0, my = 0, sxy = 0, sxx = 0, syy = 0;
  int64_t i;
  for(i=0; i<n; i++){ mx += x[i]; my += y[i]; }
  mx /= n; my /= n;
  for(i=0; i<n; i++){
    sxy += (x[i]-mx)*(y[i]-my);
    sxx += (x[i]-mx)*(x[i]-mx);
    syy += (y[i]-my)*(y[i]-my);
  }
  return sxy/sqrt(sxx*syy);
}

/* Spearman of a section: Pearson of the ranks.  NAN when undefined. */
static int spearman(const Section *s, double *pRho){
  double *rx, *ry;
  int rc;
  *pRho = NAN;
  if( s->n<2 ) return SQLITE_OK;
  rx = sqlite3_malloc64(sizeof(double)*s->n);
  ry = sqlite3_malloc64(sizeof(double)*s->n);
  rc = (rx && ry) ? ranks(s->x, s->n, rx) : SQLITE_NOMEM;
  if( rc==SQLITE_OK ) rc = ranks(s->y, s->n, ry);
  if( rc==SQLITE_OK ) *pRho = pearson(rx, ry, s->n);
  sqlite3_free(rx);
  sqlite3_free(ry);
  return rc;
}

void w2v_fn_eval_similarity(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  static const char *const azCol[3] = { "word1", "word2", "score" };
  const char *zFunc = "w2v_eval_similarity";
  W2vConn *conn = sqlite3_user_data(ctx);
  EvalVocab ev;
  Sections secs;
  Section all;
  sqlite3_stmt *pStmt = 0;
  int aiCol[3], iSection, rc, j;
  char *zErr = 0;
  sqlite3_str *out;
  double rho;
  memset(&ev, 0, sizeof(ev));
  memset(&secs, 0, sizeof(secs));
  memset(&all, 0, sizeof(all));
  rc = eval_begin(ctx, zFunc, argc, argv, azCol, 3, aiCol, &iSection, &ev, &pStmt, &zErr);
  if( rc!=SQLITE_OK ) goto done;
  while( (rc = sqlite3_step(pStmt))==SQLITE_ROW ){
    Section *sec = section_get(&secs, iSection>=0 ? (const char*)sqlite3_column_text(pStmt, iSection) : 0);
    int64_t a, b;
    int t = sqlite3_column_type(pStmt, aiCol[2]);
    double cosv;
    if( sec==0 ){ rc = SQLITE_NOMEM; goto done; }
    sec->total++;
    all.total++;
    a = eval_find(&ev, sqlite3_column_value(pStmt, aiCol[0]));
    b = eval_find(&ev, sqlite3_column_value(pStmt, aiCol[1]));
    if( a<0 || b<0 || (t!=SQLITE_INTEGER && t!=SQLITE_FLOAT) ) continue;
    cosv = w2v_knn_pair(ev.knn, a, b);
    sec->covered++;
    all.covered++;
    rc = section_add_pair(sec, sqlite3_column_double(pStmt, aiCol[2]), cosv);
    if( rc==SQLITE_OK ) rc = section_add_pair(&all, sqlite3_column_double(pStmt, aiCol[2]), cosv);
    if( rc!=SQLITE_OK ) goto done;
  }
  if( rc!=SQLITE_DONE ){
    zErr = sqlite3_mprintf("%s: %s", zFunc, sqlite3_errmsg(conn->db));
    goto done;
  }
  rc = spearman(&all, &rho);
  if( rc!=SQLITE_OK ) goto done;
  out = sqlite3_str_new(0);
  sqlite3_str_appendall(out, "{\"spearman\":");
  w2v_json_number(out, rho, 1);
  sqlite3_str_appendf(out, ",\"covered\":%lld,\"total\":%lld", (long long)all.covered, (long long)all.total);
  if( iSection>=0 ){
    sqlite3_str_appendall(out, ",\"sections\":[");
    for(j=0; j<secs.n && rc==SQLITE_OK; j++){
      Section *s = &secs.a[j];
      rc = spearman(s, &rho);
      sqlite3_str_appendall(out, j ? ",{\"section\":" : "{\"section\":");
      w2v_json_string(out, s->zName);
      sqlite3_str_appendall(out, ",\"spearman\":");
      w2v_json_number(out, rho, 1);
      sqlite3_str_appendf(out, ",\"covered\":%lld,\"total\":%lld}", (long long)s->covered, (long long)s->total);
    }
    sqlite3_str_appendall(out, "]");
  }
  rc = result_json(ctx, out, rc);
done:
  if( rc!=SQLITE_OK ) report(ctx, zFunc, zErr, rc);
  sqlite3_finalize(pStmt);
  eval_vocab_free(&ev);
  sections_free(&secs);
  sqlite3_free(all.x);
  sqlite3_free(all.y);
}
