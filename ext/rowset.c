/*
** The rows w2v_kmeans and w2v_project work on (see w2vInt.h): a model's
** words or its documents, copied as unit vectors, so that what a cursor
** computes from them never points into storage.
*/
#include <math.h>
#include <string.h>
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3
#include "w2vInt.h"
#include "port.h"

int w2v_rowset_default_threads(void){
  long n = w2v_cpu_count();
  return n>W2V_MAX_PAR_THREADS ? W2V_MAX_PAR_THREADS : (int)n;
}

void w2v_rowset_free(W2vRowSet *r){
  w2v_core_free(r->unit);
  sqlite3_free(r->aWord);
  memset(r, 0, sizeof(*r));
}

/* v / |v| into u (a zero vector stays zero). */
static void unit_of(const float *v, int dim, float *u){
  double s = 0;
  int d;
  for(d=0; d<dim; d++) s += (double)v[d]*v[d];
  s = s>0 ? 1.0/sqrt(s) : 0.0;
  for(d=0; d<dim; d++) u[d] = (float)(v[d]*s);
}

/* ---- documents ----------------------------------------------------------- */
/* The model's documents (w2v_model_docs reads them once per loaded model). */
static int read_docs(sqlite3 *db, W2vModel *m, const char *zFunc, W2vRowSet *r, char **pzErr){
  int64_t i;
  int rc = w2v_model_docs(db, m, zFunc, pzErr);
  if( rc!=SQLITE_OK ) return rc;
  r->docs = 1;
  r->n = m->docMeta.nDoc;
  r->unit = w2v_core_malloc(sizeof(float)*(size_t)(r->n ? r->n : 1)*r->dim);
  if( r->unit==0 ) return SQLITE_NOMEM;
  for(i=0; i<r->n; i++) unit_of(m->docv + i*r->dim, r->dim, r->unit + i*r->dim);
  return SQLITE_OK;
}

/* ---- words ------------------------------------------------------------- */

/* The words of zTable's column word that the model knows, in the table's
** order, each once: their ids into r->aWord. */
static int read_word_table(sqlite3 *db, W2vModel *m, const char *zFunc, const char *zTable,
                           sqlite3_int64 maxWords, W2vRowSet *r, char **pzErr){
  sqlite3_stmt *p = 0;
  unsigned char *seen = 0;
  char *zWhere = sqlite3_mprintf("%s: words=%s", zFunc, zTable);
  int64_t nAlloc = 0;
  int rc;
  if( zWhere==0 ) return SQLITE_NOMEM;
  rc = w2v_source_prepare(db, zWhere, zTable, "word", 0, &p, pzErr);
  if( rc!=SQLITE_OK ){ sqlite3_free(zWhere); return rc; }
  seen = sqlite3_malloc64(m->vocab.n ? (size_t)m->vocab.n : 1);
  if( seen==0 ) rc = SQLITE_NOMEM;
  else memset(seen, 0, m->vocab.n ? (size_t)m->vocab.n : 1);
  while( rc==SQLITE_OK && (rc = sqlite3_step(p))==SQLITE_ROW ){
    const char *z = (const char*)sqlite3_column_text(p, 0);
    int64_t id = -1;
    rc = SQLITE_OK;
    if( z==0 ){
      if( sqlite3_column_type(p, 0)!=SQLITE_NULL ) rc = SQLITE_NOMEM;
      continue;
    }
    rc = w2v_model_word(db, m, zFunc, z, sqlite3_column_bytes(p, 0), &id, pzErr);
    if( rc!=SQLITE_OK || id<0 || seen[id] || (maxWords>0 && id>=maxWords) ) continue;
    seen[id] = 1;
    if( r->n>=nAlloc ){
      int64_t nNew = nAlloc ? nAlloc*2 : 256;
      int32_t *a = sqlite3_realloc64(r->aWord, sizeof(int32_t)*(size_t)nNew);
      if( a==0 ){ rc = SQLITE_NOMEM; break; }
      r->aWord = a;
      nAlloc = nNew;
    }
    r->aWord[r->n++] = (int32_t)id;
  }
  if( rc==SQLITE_DONE ) rc = SQLITE_OK;
  if( rc!=SQLITE_OK && rc!=SQLITE_NOMEM && *pzErr==0 ){
    *pzErr = sqlite3_mprintf("%s: %s", zWhere, sqlite3_errmsg(db));
  }
  sqlite3_finalize(p);
  sqlite3_free(seen);
  sqlite3_free(zWhere);
  return rc;
}

int w2v_rowset_read(sqlite3 *db, W2vModel *m, const char *zFunc, const W2vGroupOptions *o,
                    W2vRowSet *r, char **pzErr){
  int64_t i;
  int rc;
  memset(r, 0, sizeof(*r));
  r->dim = m->dim;
  if( o->docs ){
    if( o->zWords || o->maxWords>0 ){
      *pzErr = sqlite3_mprintf("%s: words= and max_words= choose words: they do not go with docs=1", zFunc);
      return SQLITE_ERROR;
    }
    rc = read_docs(db, m, zFunc, r, pzErr);
    if( rc!=SQLITE_OK ) w2v_rowset_free(r);
    return rc;
  }
  rc = w2v_model_input(db, m, zFunc, pzErr);
  if( rc!=SQLITE_OK ) return rc;
  if( o->zWords ){
    rc = read_word_table(db, m, zFunc, o->zWords, o->maxWords, r, pzErr);
  }else{
    r->n = o->maxWords>0 && o->maxWords<m->vocab.n ? o->maxWords : m->vocab.n;
    r->aWord = sqlite3_malloc64(sizeof(int32_t)*(size_t)(r->n ? r->n : 1));
    if( r->aWord==0 ) rc = SQLITE_NOMEM;
    for(i=0; rc==SQLITE_OK && i<r->n; i++) r->aWord[i] = (int32_t)i;
  }
  if( rc==SQLITE_OK ){
    r->unit = w2v_core_malloc(sizeof(float)*(size_t)(r->n ? r->n : 1)*r->dim);
    if( r->unit==0 ) rc = SQLITE_NOMEM;
    for(i=0; rc==SQLITE_OK && i<r->n; i++){
      unit_of(m->in + (int64_t)r->aWord[i]*r->dim, r->dim, r->unit + i*r->dim);
    }
  }
  if( rc!=SQLITE_OK ) w2v_rowset_free(r);
  return rc;
}

void w2v_rowset_result_key(const W2vRowSet *r, const W2vModel *m, int64_t i, sqlite3_context *ctx){
  if( r->docs ){
    w2v_model_doc_key(m, i, ctx);
  }else{
    int32_t id = r->aWord[i];
    sqlite3_result_text(ctx, w2v_vocab_word(&m->vocab, id), (int)m->vocab.lens[id], SQLITE_TRANSIENT);
  }
}

sqlite3_int64 w2v_rowset_rowid(const W2vRowSet *r, int64_t i){
  return r->docs ? i + 1 : (sqlite3_int64)r->aWord[i] + 1;
}
