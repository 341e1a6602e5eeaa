/*
** The scalar query functions: w2v_prob, w2v_score, w2v_vector,
** w2v_similarity, w2v_embed, w2v_version, w2v_info.  Each reads "arguments -> model ->
** core -> result"; an unknown word gives NULL, an unknown model an error
** that names it.  Each call holds its model until it returns.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3
#include "w2vInt.h"
#include "w2v.h"
#include "vecmath.h"

/* The model named by argv[0] (to release), or NULL after reporting the error. */
/* Reports why a word vector could not be read. */
static void rows_fail(sqlite3_context *ctx, W2vRows *rows){
  char *zErr;
  int rc = w2v_rows_error(rows, &zErr);
  w2v_result_error(ctx, zErr, rc);
}

/* Makes sure the output weights are loaded; non-zero after reporting an error. */
static int model_output(sqlite3_context *ctx, W2vModel *m, const char *zFunc){
  char *zErr = 0;
  int rc = w2v_model_output(sqlite3_context_db_handle(ctx), m, zFunc, &zErr);
  if( rc!=SQLITE_OK ) w2v_result_error(ctx, zErr, rc);
  return rc;
}

/* The id of the word v stands for under the model's tokenizer (-1: none);
** non-zero after reporting an error. */
static int value_word_id(sqlite3_context *ctx, W2vModel *m, const char *zFunc, sqlite3_value *v,
                         int64_t *pId){
  const char *z = (const char*)sqlite3_value_text(v);
  char *zErr = 0;
  int rc;
  *pId = -1;
  if( z==0 ) return 0;
  rc = w2v_model_word(sqlite3_context_db_handle(ctx), m, zFunc, z, sqlite3_value_bytes(v), pId, &zErr);
  if( rc!=SQLITE_OK ) w2v_result_error(ctx, zErr, rc);
  return rc;
}

/* P(output | input) under the model's loss, or the ns event probability. */
static void prob_or_score(sqlite3_context *ctx, W2vModel *m, sqlite3_value **argv, int isScore){
  const char *zFunc = isScore ? "w2v_score" : "w2v_prob";
  const char *zIn;
  W2vRows rows;
  int hid;
  float *h;
  int64_t o;
  /* a classifier: the same error whatever the words (model_output's) */
  if( m->clf ){ model_output(ctx, m, zFunc); return; }
  if( isScore && m->loss==W2V_LOSS_HS ){
    w2v_result_error(ctx, sqlite3_mprintf("w2v_score: model '%s' uses hierarchical softmax (loss=hs), "
                                          "which has no per-word output vectors; use w2v_prob", m->zName), SQLITE_ERROR);
    return;
  }
  if( value_word_id(ctx, m, zFunc, argv[2], &o) ) return;
  if( o<0 ) return;                       /* NULL */
  if( model_output(ctx, m, zFunc) ) return;
  zIn = (const char*)sqlite3_value_text(argv[1]);
  h = sqlite3_malloc64(sizeof(float)*m->dim);
  if( h==0 ){ sqlite3_result_error_nomem(ctx); return; }
  w2v_rows_init(&rows, sqlite3_context_db_handle(ctx), m, zFunc);
  hid = w2v_model_hidden(&rows, zIn, sqlite3_value_bytes(argv[1]), h);
  if( hid<0 ) rows_fail(ctx, &rows);
  w2v_rows_close(&rows);
  if( hid>0 ){
    if( isScore ){
      double f = w2v_dot_exact(h, m->out + o*m->dim, m->dim);
      sqlite3_result_double(ctx, 1.0/(1.0+exp(-f)));
    }else if( m->loss==W2V_LOSS_HS ){
      sqlite3_result_double(ctx, w2v_hs_prob(&m->lossFn, h, (int32_t)o));
    }else{
      /* softmax over the vocabulary; the log partition function of the last
      ** input is kept, so summing over all outputs costs O(V) not O(V^2). */
      if( m->zPartInput==0 || strcmp(m->zPartInput, zIn)!=0 ){
        sqlite3_free(m->zPartInput);
        m->partLog = w2v_log_partition(&m->lossFn, h);
        m->zPartInput = isnan(m->partLog) ? 0 : sqlite3_mprintf("%s", zIn);
      }
      if( m->zPartInput==0 ) sqlite3_result_error_nomem(ctx);
      else sqlite3_result_double(ctx, exp(w2v_dot_exact(h, m->out + o*m->dim, m->dim) - m->partLog));
    }
  }
  sqlite3_free(h);
}

void w2v_fn_prob(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  W2vModel *m = w2v_model_arg(ctx, "w2v_prob", argv[0]);
  (void)argc;
  if( m ) prob_or_score(ctx, m, argv, 0);
  w2v_model_release(m);
}

void w2v_fn_score(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  W2vModel *m = w2v_model_arg(ctx, "w2v_score", argv[0]);
  (void)argc;
  if( m ) prob_or_score(ctx, m, argv, 1);
  w2v_model_release(m);
}

void w2v_fn_vector(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  W2vModel *m = w2v_model_arg(ctx, "w2v_vector", argv[0]);
  float *le;
  int64_t id;
  W2vRows rows;
  const float *v;
  (void)argc;
  if( m==0 ) return;
  /* a known word's row, or an unknown one's from its subwords */
  w2v_rows_init(&rows, sqlite3_context_db_handle(ctx), m, "w2v_vector");
  v = w2v_model_text_vector(&rows, (const char*)sqlite3_value_text(argv[1]), sqlite3_value_bytes(argv[1]), &id);
  if( v==0 && rows.rc ){
    rows_fail(ctx, &rows);
  }else if( v ){
    le = sqlite3_malloc64(sizeof(float)*m->dim);
    if( le==0 ){
      sqlite3_result_error_nomem(ctx);
    }else{
      w2v_floats_to_le(le, v, m->dim);
      sqlite3_result_blob(ctx, le, m->dim*(int)sizeof(float), sqlite3_free);
    }
  }
  w2v_rows_close(&rows);
  w2v_model_release(m);
}

/* An operand of w2v_similarity: a word's vector, or a float32 blob copied to
** buf.  1 with *pv set, 0 for a NULL result (NULL, unknown word), -1 after
** reporting an error. */
static int operand_vector(sqlite3_context *ctx, W2vRows *rows, sqlite3_value *v,
                          float *buf, const float **pv){
  W2vModel *m = rows->m;
  if( sqlite3_value_type(v)==SQLITE_BLOB ){
    int nb = sqlite3_value_bytes(v), d;
    if( nb!=m->dim*(int)sizeof(float) ){
      w2v_result_error(ctx, sqlite3_mprintf("w2v_similarity: a blob of %d bytes, model '%s' needs %d (dim %d float32)",
                                            nb, m->zName, m->dim*4, m->dim), SQLITE_ERROR);
      return -1;
    }
    w2v_floats_from_le(buf, sqlite3_value_blob(v), m->dim);
    for(d=0; d<m->dim; d++){
      if( !isfinite(buf[d]) ){
        sqlite3_result_error(ctx, "w2v_similarity: a vector holds a non-finite value", -1);
        return -1;
      }
    }
    *pv = buf;
    return 1;
  }else{
    int64_t id;
    const float *row = w2v_model_text_vector(rows, (const char*)sqlite3_value_text(v), sqlite3_value_bytes(v), &id);
    if( row==0 && rows->rc ){ rows_fail(ctx, rows); return -1; }
    if( row==0 ) return 0;
    memcpy(buf, row, sizeof(float)*m->dim);      /* the next row read reuses row */
    *pv = buf;
    return 1;
  }
}

/* Cosine of two words or vectors (0 when either is all zeros). */
void w2v_fn_similarity(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  W2vModel *m = w2v_model_arg(ctx, "w2v_similarity", argv[0]);
  const float *a, *b;
  float *buf;
  double na, nb;
  int ra, rb;
  W2vRows rows;
  (void)argc;
  if( m==0 ) return;
  w2v_rows_init(&rows, sqlite3_context_db_handle(ctx), m, "w2v_similarity");
  buf = sqlite3_malloc64(sizeof(float)*2*m->dim);
  if( buf==0 ){
    sqlite3_result_error_nomem(ctx);
  }else{
    ra = operand_vector(ctx, &rows, argv[1], buf, &a);
    rb = ra<0 ? -1 : operand_vector(ctx, &rows, argv[2], buf + m->dim, &b);
    if( ra>0 && rb>0 ){
      na = w2v_dot_exact(a, a, m->dim);
      nb = w2v_dot_exact(b, b, m->dim);
      sqlite3_result_double(ctx, na>0 && nb>0 ? w2v_dot_exact(a, b, m->dim)/sqrt(na*nb) : 0.0);
    }
  }
  sqlite3_free(buf);
  w2v_rows_close(&rows);
  w2v_model_release(m);
}

/* SIF's A, from W2V_SIF_MIN to W2V_SIF_MAX: a smaller A makes the weights
** A/(A + p) (times 1/|v|, down to 1e-19 for the longest rows) underflow
** float32, so the sum comes out zero; above the largest every weight is 1 in
** float32, which is 'mean'. */
#define W2V_SIF_MIN 1e-9
#define W2V_SIF_MAX 1e9

/* z is a plain decimal number: digits with at most one '.', at least one
** digit, then optionally e or E, a sign and digits; nothing else (no sign,
** space, hex, inf or nan). */
static int is_plain_decimal(const char *z){
  int nDigit = 0;
  while( *z>='0' && *z<='9' ){ z++; nDigit++; }
  if( *z=='.' ){
    z++;
    while( *z>='0' && *z<='9' ){ z++; nDigit++; }
  }
  if( nDigit==0 ) return 0;
  if( *z=='e' || *z=='E' ){
    z++;
    if( *z=='+' || *z=='-' ) z++;
    if( !(*z>='0' && *z<='9') ) return 0;
    while( *z>='0' && *z<='9' ) z++;
  }
  return *z==0;
}

/* w2v_embed's weighting: 'mean' (a = 0: every word 1), or 'sif' / 'sif:A'
** (Arora et al. 2017: a word of frequency p weighs A/(A + p), A 1e-3 by
** default).  0 with *pA, or 1 after reporting the error. */
static int embed_weighting(sqlite3_context *ctx, sqlite3_value *v, double *pA){
  int t = sqlite3_value_type(v);       /* before the text conversion */
  const char *z = t==SQLITE_TEXT ? (const char*)sqlite3_value_text(v) : 0;
  *pA = 0;
  /* a NUL byte inside would cut the text short: 'sif:1e-3<NUL>junk' */
  if( z && (int)strlen(z)!=sqlite3_value_bytes(v) ){
    sqlite3_result_error(ctx, "w2v_embed: the weighting contains a NUL byte", -1);
    return 1;
  }
  if( z ){
    if( strcmp(z, "mean")==0 ) return 0;
    if( strcmp(z, "sif")==0 ){ *pA = 1e-3; return 0; }
    if( strncmp(z, "sif:", 4)==0 && is_plain_decimal(z+4) ){
      double a = strtod(z+4, 0);
      if( a>=W2V_SIF_MIN && a<=W2V_SIF_MAX ){ *pA = a; return 0; }
      w2v_result_error(ctx, sqlite3_mprintf("w2v_embed: in '%s', A must be from %g to %g (a smaller A makes every "
                                            "weight underflow; a larger one is 'mean')", z, W2V_SIF_MIN, W2V_SIF_MAX),
                       SQLITE_ERROR);
      return 1;
    }
  }
  w2v_result_error(ctx, sqlite3_mprintf("w2v_embed: the weighting must be 'mean', 'sif' or 'sif:A' with A a decimal"
                                        " number from %g to %g, no spaces (e.g. 'sif:1e-4'), not %s%s%s",
                                        W2V_SIF_MIN, W2V_SIF_MAX, z ? "'" : "",
                                        z ? z : t==SQLITE_NULL ? "NULL" : t==SQLITE_BLOB ? "a blob" : t==SQLITE_TEXT ? "text"
                                        : "a number", z ? "'" : ""), SQLITE_ERROR);
  return 1;
}

/* w2v_embed(model, text [, weighting]): the mean of the unit vectors of the
** known words, each weighted as embed_weighting says (sifA > 0), as a
** float32 blob; NULL when no word is known. */
static void embed(sqlite3_context *ctx, W2vModel *m, sqlite3_value *v, double sifA){
  const char *z = (const char*)sqlite3_value_text(v);
  int n = sqlite3_value_bytes(v), i, cnt = 0, d, rc;
  const W2vKnn *knn;
  W2vRows rows;
  W2vWords w;
  char *zErr = 0;
  float *e;
  if( z==0 ) return;
  memset(&w, 0, sizeof(w));
  rc = w2v_model_words(sqlite3_context_db_handle(ctx), m, "w2v_embed", z, n, &w, &zErr);
  if( rc!=SQLITE_OK ){ w2v_words_free(&w); w2v_result_error(ctx, zErr, rc); return; }
  knn = w2v_model_knn(m);
  e = sqlite3_malloc64(sizeof(float)*m->dim);
  if( knn==0 || e==0 ){ sqlite3_free(e); w2v_words_free(&w); sqlite3_result_error_nomem(ctx); return; }
  memset(e, 0, sizeof(float)*m->dim);
  w2v_rows_init(&rows, sqlite3_context_db_handle(ctx), m, "w2v_embed");
  for(i=0; i<w.n; i++){
    int64_t id = w.aId[i];
    const float *v = w2v_rows_word(&rows, id, w.zTok + w.aOff[i], w.aLen[i]);
    double weight;
    if( v==0 ){
      if( rows.rc ){ cnt = -1; break; }
      continue;                  /* unknown, and no n-gram of it known */
    }
    if( id>=0 ){
      weight = knn->invNorm[id];
    }else{
      /* an unknown word's vector, composed from its subwords */
      double nn = w2v_dot_exact(v, v, m->dim);
      weight = nn>0 ? 1.0/sqrt(nn) : 0.0;
    }
    if( sifA>0 ){
      /* p(w) = count / the sum of the counts (an unknown word: 0) */
      double p = id>=0 && m->countTotal>0 ? (double)m->vocab.counts[id] / m->countTotal : 0;
      weight *= sifA / (sifA + p);
    }
    if( weight>0 ){
      w2v_axpy(e, (float)weight, v, m->dim);
    }
    cnt++;
  }
  w2v_words_free(&w);
  if( cnt<0 ) rows_fail(ctx, &rows);
  w2v_rows_close(&rows);
  if( cnt<=0 ){ sqlite3_free(e); return; }
  for(d=0; d<m->dim; d++) e[d] /= (float)cnt;
  w2v_floats_to_le(e, e, m->dim);
  sqlite3_result_blob(ctx, e, m->dim*(int)sizeof(float), sqlite3_free);
}

void w2v_fn_embed(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  W2vModel *m;
  double sifA = 0;
  if( argc>=3 && embed_weighting(ctx, argv[2], &sifA) ) return;
  m = w2v_model_arg(ctx, "w2v_embed", argv[0]);
  if( m && sifA>0 && m->countTotal<=0 ){
    int64_t i;
    double total = 0;
    for(i=0; i<m->vocab.n; i++) total += (double)m->vocab.counts[i];
    m->countTotal = total;
  }
  if( m ) embed(ctx, m, argv[1], sifA);
  w2v_model_release(m);
}

void w2v_fn_version(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  (void)argc; (void)argv;
  sqlite3_result_text(ctx, W2V_VERSION, -1, SQLITE_STATIC);
}

/* {"version":..., "kernel":..., "kernels_available":[...], "sqlite":...}:
** which compiled kernel this process runs (ext/core/dispatch.c), for bug
** reports and tests. */
void w2v_fn_info(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  const char *az[16];
  int i, n = w2v_kernel_list(az, 16);
  sqlite3_str *s = sqlite3_str_new(sqlite3_context_db_handle(ctx));
  char *z;
  (void)argc; (void)argv;
  sqlite3_str_appendall(s, "{\"version\":");
  w2v_json_string(s, W2V_VERSION);
  sqlite3_str_appendall(s, ",\"kernel\":");
  w2v_json_string(s, w2v_kernel_name());
  sqlite3_str_appendall(s, ",\"kernels_available\":[");
  for(i=0; i<n; i++){
    if( i ) sqlite3_str_appendchar(s, 1, ',');
    w2v_json_string(s, az[i]);
  }
  sqlite3_str_appendall(s, "],\"sqlite\":");
  w2v_json_string(s, sqlite3_libversion());
  sqlite3_str_appendchar(s, 1, '}');
  n = sqlite3_str_length(s);
  z = sqlite3_str_finish(s);
  if( z==0 ){ sqlite3_result_error_nomem(ctx); return; }
  sqlite3_result_text(ctx, z, n, sqlite3_free);
}
