/*
** Model storage in shadow tables, and the per-connection cache of loaded
** models.
**
**   <model>_config  key/value: format version, options, sizes, generation
**   <model>_vocab   id (frequency rank, from 1), word, count
**   <model>_input   id, vector: the word vectors, dim little-endian float32
**   <model>_output  id, vector: output weights, one row per word (ns, softmax)
**                   or per inner node of the Huffman tree (hs); the tree
**                   itself is rebuilt from the counts, deterministically.
*/
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3
#include "w2vInt.h"
#include "vecmath.h"

static const char *azShadow[] = { "config", "vocab", "input", "output" };

/* float32 little-endian on disk, whatever the host */
static void to_le(float *dst, const float *src, int n){
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__==__ORDER_BIG_ENDIAN__
  int i;
  for(i=0; i<n; i++){ uint32_t u; memcpy(&u, &src[i], 4); u = __builtin_bswap32(u); memcpy(&dst[i], &u, 4); }
#else
  memcpy(dst, src, (size_t)n*sizeof(float));
#endif
}
#define from_le to_le

static int exec_fmt(sqlite3 *db, char **pzErr, const char *zFmt, ...){
  va_list ap;
  char *zSql;
  int rc;
  va_start(ap, zFmt);
  zSql = sqlite3_vmprintf(zFmt, ap);
  va_end(ap);
  if( zSql==0 ) return SQLITE_NOMEM;
  rc = sqlite3_exec(db, zSql, 0, 0, 0);
  sqlite3_free(zSql);
  if( rc!=SQLITE_OK && pzErr && *pzErr==0 ){
    *pzErr = sqlite3_mprintf("%s", sqlite3_errmsg(db));
  }
  return rc;
}

/* 0: no such name; 1: a w2v model; 2: the name is taken by something else */
int w2v_model_exists(sqlite3 *db, const char *zModel){
  sqlite3_stmt *p = 0;
  int r = 0;
  if( sqlite3_prepare_v2(db,
        "SELECT sql LIKE 'CREATE VIRTUAL TABLE%USING w2v%',"
        " (SELECT count(*) FROM main.sqlite_schema WHERE type='table' AND name=?1||'_config' COLLATE NOCASE)"
        " FROM main.sqlite_schema WHERE name=?1 COLLATE NOCASE", -1, &p, 0)!=SQLITE_OK ){
    return 2;
  }
  sqlite3_bind_text(p, 1, zModel, -1, SQLITE_STATIC);
  if( sqlite3_step(p)==SQLITE_ROW ){
    r = (sqlite3_column_int(p, 0) && sqlite3_column_int(p, 1)) ? 1 : 2;
  }
  sqlite3_finalize(p);
  return r;
}

int w2v_store_drop(sqlite3 *db, const char *zSchema, const char *zModel){
  int i, rc = SQLITE_OK;
  for(i=0; i<4 && rc==SQLITE_OK; i++){
    rc = exec_fmt(db, 0, "DROP TABLE IF EXISTS \"%w\".\"%w_%s\"", zSchema, zModel, azShadow[i]);
  }
  return rc;
}

static int write_vectors(sqlite3 *db, const char *zModel, const char *zWhich,
                         const float *a, sqlite3_int64 nRow, int dim, char **pzErr){
  sqlite3_stmt *p = 0;
  float *buf = sqlite3_malloc64((sqlite3_uint64)dim*sizeof(float));
  char *zSql = sqlite3_mprintf("INSERT INTO main.\"%w_%s\"(id, vector) VALUES(?1, ?2)", zModel, zWhich);
  sqlite3_int64 i;
  int rc = SQLITE_NOMEM;
  if( buf && zSql ) rc = sqlite3_prepare_v2(db, zSql, -1, &p, 0);
  for(i=0; i<nRow && rc==SQLITE_OK; i++){
    to_le(buf, a + i*dim, dim);
    sqlite3_bind_int64(p, 1, i+1);
    sqlite3_bind_blob(p, 2, buf, dim*(int)sizeof(float), SQLITE_STATIC);
    rc = sqlite3_step(p);
    rc = (rc==SQLITE_DONE) ? sqlite3_reset(p) : rc;
  }
  if( rc!=SQLITE_OK && *pzErr==0 ) *pzErr = sqlite3_mprintf("%s", sqlite3_errmsg(db));
  sqlite3_finalize(p);
  sqlite3_free(zSql);
  sqlite3_free(buf);
  return rc;
}

int w2v_store_write(sqlite3 *db, const W2vOptions *o, const W2vVocab *v,
                    const float *in, const float *out, sqlite3_int64 nOut,
                    const char *zStats, char **pzErr){
  const char *zM = o->zModel;
  sqlite3_stmt *p = 0;
  sqlite3_int64 i, gen;
  char *zSql;
  int rc;

  if( w2v_model_exists(db, zM)==1 ){
    for(i=0, rc=SQLITE_OK; i<4 && rc==SQLITE_OK; i++){
      rc = exec_fmt(db, pzErr, "DELETE FROM main.\"%w_%s\"", zM, azShadow[i]);
    }
  }else{
    rc = exec_fmt(db, pzErr,
      "CREATE TABLE main.\"%w_config\"(key TEXT PRIMARY KEY, value) WITHOUT ROWID;"
      "CREATE TABLE main.\"%w_vocab\"(id INTEGER PRIMARY KEY, word TEXT NOT NULL UNIQUE, count INTEGER NOT NULL);"
      "CREATE TABLE main.\"%w_input\"(id INTEGER PRIMARY KEY, vector BLOB NOT NULL);"
      "CREATE TABLE main.\"%w_output\"(id INTEGER PRIMARY KEY, vector BLOB NOT NULL);",
      zM, zM, zM, zM);
  }
  if( rc!=SQLITE_OK ) return rc;

  /* config */
  sqlite3_randomness(sizeof(gen), &gen);
  gen &= 0x7fffffffffffffffLL;
  zSql = sqlite3_mprintf(
    "INSERT INTO main.\"%w_config\"(key, value) VALUES"
    "('format_version', %d), ('arch', %Q), ('loss', %Q), ('dim', %d), ('window', %d),"
    "('negative', %d), ('ns_exponent', %.17g), ('min_count', %lld), ('max_vocab', %lld),"
    "('sample', %.17g), ('alpha', %.17g), ('min_alpha', %.17g), ('epochs', %d),"
    "('threads', %d), ('seed', %lld), ('lower', %d), ('vocab_size', %lld),"
    "('generation', %lld), ('training', %Q)",
    zM, W2V_FORMAT_VERSION, w2v_arch_name(o->arch), w2v_loss_name(o->loss), o->dim,
    o->window, o->negative, o->nsExponent, o->minCount, o->maxVocab, o->sample,
    o->alpha, o->minAlpha, o->epochs, o->threads, (sqlite3_int64)o->seed, o->lower,
    (sqlite3_int64)v->n, gen, zStats);
  if( zSql==0 ) return SQLITE_NOMEM;
  rc = sqlite3_exec(db, zSql, 0, 0, 0);
  sqlite3_free(zSql);
  if( rc!=SQLITE_OK ){ *pzErr = sqlite3_mprintf("%s", sqlite3_errmsg(db)); return rc; }
  if( w2v_model_exists(db, zM)!=1 ){
    /* the module's xCreate checks that the config is there */
    rc = exec_fmt(db, pzErr, "CREATE VIRTUAL TABLE main.\"%w\" USING w2v", zM);
    if( rc!=SQLITE_OK ) return rc;
  }

  /* vocabulary */
  zSql = sqlite3_mprintf("INSERT INTO main.\"%w_vocab\"(id, word, count) VALUES(?1, ?2, ?3)", zM);
  if( zSql==0 ) return SQLITE_NOMEM;
  rc = sqlite3_prepare_v2(db, zSql, -1, &p, 0);
  sqlite3_free(zSql);
  for(i=0; i<v->n && rc==SQLITE_OK; i++){
    sqlite3_bind_int64(p, 1, i+1);
    sqlite3_bind_text(p, 2, w2v_vocab_word(v, i), (int)v->lens[i], SQLITE_STATIC);
    sqlite3_bind_int64(p, 3, v->counts[i]);
    rc = sqlite3_step(p);
    rc = (rc==SQLITE_DONE) ? sqlite3_reset(p) : rc;
  }
  if( rc!=SQLITE_OK ) *pzErr = sqlite3_mprintf("%s", sqlite3_errmsg(db));
  sqlite3_finalize(p);
  if( rc!=SQLITE_OK ) return rc;

  rc = write_vectors(db, zM, "input", in, v->n, o->dim, pzErr);
  if( rc==SQLITE_OK && out ) rc = write_vectors(db, zM, "output", out, nOut, o->dim, pzErr);
  return rc;
}

int w2v_store_save(sqlite3 *db, const char *zFunc, const W2vOptions *o, const W2vVocab *v,
                   const float *in, const float *out, sqlite3_int64 nOut,
                   const char *zStats, char **pzErr){
  char *zWErr = 0;
  int rc = sqlite3_exec(db, "SAVEPOINT w2v_store", 0, 0, 0);
  if( rc!=SQLITE_OK ){
    *pzErr = sqlite3_mprintf("%s: %s", zFunc, sqlite3_errmsg(db));
    return rc;
  }
  rc = w2v_store_write(db, o, v, in, out, nOut, zStats, &zWErr);
  if( rc==SQLITE_OK ){
    rc = sqlite3_exec(db, "RELEASE w2v_store", 0, 0, 0);
    if( rc!=SQLITE_OK ) zWErr = sqlite3_mprintf("%s", sqlite3_errmsg(db));
  }
  if( rc!=SQLITE_OK ){
    *pzErr = sqlite3_mprintf("%s: writing model '%s': %s", zFunc, o->zModel, zWErr ? zWErr : "out of memory");
    sqlite3_free(zWErr);
    sqlite3_exec(db, "ROLLBACK TO w2v_store; RELEASE w2v_store", 0, 0, 0);
  }
  return rc;
}

/* ---- loading ----------------------------------------------------------- */

void w2v_model_free(W2vModel *m){
  if( m==0 ) return;
  sqlite3_free(m->zName);
  w2v_vocab_free(&m->vocab);
  sqlite3_free(m->in);
  sqlite3_free(m->out);
  w2v_knn_free(&m->knn);
  w2v_tree_free(&m->tree);
  sqlite3_free(m->zPartInput);
  sqlite3_free(m);
}

const W2vKnn *w2v_model_knn(W2vModel *m){
  if( m->knn.q8==0 ){
    if( w2v_knn_build(&m->knn, m->in, m->vocab.n, m->dim) ) return 0;
  }
  return &m->knn;
}

int64_t w2v_model_find(const W2vModel *m, const char *z, int n){
  char buf[256] = { 0 }, *zFold;
  int64_t id;
  int i;
  if( z==0 || n<0 ) return -1;
  if( !m->lower ) return w2v_vocab_find(&m->vocab, z, (uint32_t)n);
  /* the model saw text with A-Z folded (lower=1): fold the query the same way */
  zFold = n<=(int)sizeof(buf) ? buf : sqlite3_malloc(n);
  if( zFold==0 ) return -1;
  for(i=0; i<n; i++) zFold[i] = (z[i]>='A' && z[i]<='Z') ? z[i]+32 : z[i];
  id = w2v_vocab_find(&m->vocab, zFold, (uint32_t)n);
  if( zFold!=buf ) sqlite3_free(zFold);
  return id;
}

/* Reads <model>_<which> into a[0 .. nRow*dim), checking ids and sizes. */
static int load_vectors(sqlite3 *db, W2vModel *m, const char *zWhich, float *a,
                        sqlite3_int64 nRow, char **pzWhat){
  sqlite3_stmt *p = 0;
  char *zSql = sqlite3_mprintf("SELECT id, vector FROM main.\"%w_%s\" ORDER BY id", m->zName, zWhich);
  sqlite3_int64 i = 0;
  int rc;
  if( zSql==0 ) return SQLITE_NOMEM;
  rc = sqlite3_prepare_v2(db, zSql, -1, &p, 0);
  sqlite3_free(zSql);
  if( rc!=SQLITE_OK ){ *pzWhat = sqlite3_mprintf("%s", sqlite3_errmsg(db)); return rc; }
  while( (rc = sqlite3_step(p))==SQLITE_ROW ){
    const void *b = sqlite3_column_blob(p, 1);
    int nb = sqlite3_column_bytes(p, 1);
    if( i>=nRow || sqlite3_column_int64(p, 0)!=i+1 ){
      *pzWhat = sqlite3_mprintf("%s_%s has unexpected row id %lld", m->zName, zWhich, sqlite3_column_int64(p, 0));
      break;
    }
    if( nb!=m->dim*(int)sizeof(float) || b==0 ){
      *pzWhat = sqlite3_mprintf("%s_%s row %lld holds %d bytes, expected %d", m->zName, zWhich, i+1, nb, m->dim*4);
      break;
    }
    from_le(a + i*m->dim, b, m->dim);
    i++;
  }
  sqlite3_finalize(p);
  if( *pzWhat ) return SQLITE_CORRUPT;
  if( rc!=SQLITE_DONE ){ *pzWhat = sqlite3_mprintf("%s", sqlite3_errmsg(db)); return rc; }
  if( i!=nRow ){
    *pzWhat = sqlite3_mprintf("%s_%s has %lld rows, expected %lld", m->zName, zWhich, i, nRow);
    return SQLITE_CORRUPT;
  }
  for(i=0; i<nRow*m->dim; i++){
    if( !isfinite(a[i]) ){
      *pzWhat = sqlite3_mprintf("%s_%s holds a non-finite value", m->zName, zWhich);
      return SQLITE_CORRUPT;
    }
  }
  return SQLITE_OK;
}

static int load_model(sqlite3 *db, const char *zModel, sqlite3_int64 gen,
                      W2vModel **pp, char **pzWhat){
  W2vModel *m = sqlite3_malloc64(sizeof(W2vModel));
  sqlite3_stmt *p = 0;
  sqlite3_int64 nVocab = -1, version = -1;
  char *zSql;
  int rc;
  *pp = 0;
  if( m==0 ) return SQLITE_NOMEM;
  memset(m, 0, sizeof(*m));
  w2v_vocab_init(&m->vocab);
  m->generation = gen;
  m->arch = -1; m->loss = -1;
  m->zName = sqlite3_mprintf("%s", zModel);
  if( m->zName==0 ){ rc = SQLITE_NOMEM; goto fail; }

  zSql = sqlite3_mprintf("SELECT key, value FROM main.\"%w_config\"", zModel);
  if( zSql==0 ){ rc = SQLITE_NOMEM; goto fail; }
  rc = sqlite3_prepare_v2(db, zSql, -1, &p, 0);
  sqlite3_free(zSql);
  if( rc!=SQLITE_OK ) goto sqlfail;
  while( sqlite3_step(p)==SQLITE_ROW ){
    const char *k = (const char*)sqlite3_column_text(p, 0);
    const char *v = (const char*)sqlite3_column_text(p, 1);
    if( k==0 || v==0 ) continue;
    if( !strcmp(k, "format_version") ) version = sqlite3_column_int64(p, 1);
    else if( !strcmp(k, "lower") ) m->lower = sqlite3_column_int(p, 1)!=0;
    else if( !strcmp(k, "dim") ) m->dim = sqlite3_column_int(p, 1);
    else if( !strcmp(k, "vocab_size") ) nVocab = sqlite3_column_int64(p, 1);
    else if( !strcmp(k, "arch") ) m->arch = !strcmp(v, "cbow") ? W2V_CBOW : !strcmp(v, "skipgram") ? W2V_SKIPGRAM
                                          : !strcmp(v, "none") ? W2V_ARCH_NONE : -1;
    else if( !strcmp(k, "loss") ) m->loss = !strcmp(v, "ns") ? W2V_LOSS_NS : !strcmp(v, "hs") ? W2V_LOSS_HS
                                          : !strcmp(v, "softmax") ? W2V_LOSS_SOFTMAX : !strcmp(v, "none") ? W2V_LOSS_NONE : -1;
  }
  rc = sqlite3_finalize(p);
  p = 0;
  if( rc!=SQLITE_OK ) goto sqlfail;
  if( version!=W2V_FORMAT_VERSION ){
    *pzWhat = sqlite3_mprintf("format version %lld, this build reads %d", version, W2V_FORMAT_VERSION);
    rc = SQLITE_CORRUPT; goto fail;
  }
  if( m->dim<1 || m->dim>10000 || nVocab<0 || nVocab>0x7fffffff || m->arch<0 || m->loss<0 ){
    *pzWhat = sqlite3_mprintf("bad dim, vocab_size, arch or loss in %s_config", zModel);
    rc = SQLITE_CORRUPT; goto fail;
  }

  /* vocabulary: ids 1..n in order */
  zSql = sqlite3_mprintf("SELECT id, word, count FROM main.\"%w_vocab\" ORDER BY id", zModel);
  if( zSql==0 ){ rc = SQLITE_NOMEM; goto fail; }
  rc = sqlite3_prepare_v2(db, zSql, -1, &p, 0);
  sqlite3_free(zSql);
  if( rc!=SQLITE_OK ) goto sqlfail;
  while( (rc = sqlite3_step(p))==SQLITE_ROW ){
    const char *w = (const char*)sqlite3_column_text(p, 1);
    int n = sqlite3_column_bytes(p, 1);
    int64_t id;
    if( sqlite3_column_int64(p, 0)!=m->vocab.n+1 || w==0 ){
      *pzWhat = sqlite3_mprintf("%s_vocab ids are not 1..vocab_size", zModel);
      rc = SQLITE_CORRUPT; goto fail;
    }
    id = w2v_vocab_add(&m->vocab, w, (uint32_t)n, sqlite3_column_int64(p, 2));
    if( id<0 ){ rc = SQLITE_NOMEM; goto fail; }
    if( id!=m->vocab.n-1 ){
      *pzWhat = sqlite3_mprintf("%s_vocab repeats the word '%s'", zModel, w);
      rc = SQLITE_CORRUPT; goto fail;
    }
  }
  sqlite3_finalize(p);
  p = 0;
  if( rc!=SQLITE_DONE ) goto sqlfail;
  if( m->vocab.n!=nVocab ){
    *pzWhat = sqlite3_mprintf("%s_vocab has %lld words, expected %lld", zModel, (sqlite3_int64)m->vocab.n, nVocab);
    rc = SQLITE_CORRUPT; goto fail;
  }

  m->in = sqlite3_malloc64((sqlite3_uint64)(nVocab ? nVocab : 1)*m->dim*sizeof(float));
  if( !m->in ){ rc = SQLITE_NOMEM; goto fail; }
  rc = load_vectors(db, m, "input", m->in, nVocab, pzWhat);
  if( rc!=SQLITE_OK ) goto fail;
  *pp = m;
  return SQLITE_OK;

sqlfail:
  if( *pzWhat==0 ) *pzWhat = sqlite3_mprintf("%s", sqlite3_errmsg(db));
fail:
  sqlite3_finalize(p);
  w2v_model_free(m);
  return rc;
}

/* The output weights (and the tree of hs) are read on first use: similarity
** queries never need them, and they are as large as the word vectors. */
int w2v_model_output(sqlite3 *db, W2vModel *m, const char *zFunc, char **pzErr){
  sqlite3_int64 nOut;
  char *zWhat = 0;
  int rc;
  if( m->out ) return SQLITE_OK;
  if( m->loss==W2V_LOSS_NONE ){
    *pzErr = sqlite3_mprintf("%s: model '%s' has word vectors only (imported from a file), no output weights",
                             zFunc, m->zName);
    return SQLITE_ERROR;
  }
  nOut = w2v_loss_out_rows(m->loss, m->vocab.n);
  m->out = sqlite3_malloc64((sqlite3_uint64)(nOut ? nOut : 1)*m->dim*sizeof(float));
  if( m->out==0 ) goto nomem;
  rc = load_vectors(db, m, "output", m->out, nOut, &zWhat);
  if( rc==SQLITE_OK && m->loss==W2V_LOSS_HS && w2v_tree_build(m->vocab.counts, m->vocab.n, &m->tree) ){
    rc = SQLITE_NOMEM;
  }
  if( rc!=SQLITE_OK ){
    sqlite3_free(m->out);
    m->out = 0;
    w2v_tree_free(&m->tree);
    if( rc==SQLITE_NOMEM ){ sqlite3_free(zWhat); goto nomem; }
    *pzErr = sqlite3_mprintf("%s: model '%s' is damaged: %s", zFunc, m->zName, zWhat ? zWhat : "unreadable");
    sqlite3_free(zWhat);
    return rc;
  }
  m->lossFn.kind = m->loss;
  m->lossFn.dim = m->dim;
  m->lossFn.nWord = m->vocab.n;
  m->lossFn.out = m->out;
  m->lossFn.tree = m->loss==W2V_LOSS_HS ? &m->tree : 0;
  return SQLITE_OK;
nomem:
  *pzErr = sqlite3_mprintf("%s: out of memory loading model '%s'", zFunc, m->zName);
  return SQLITE_NOMEM;
}

/* The model's generation; -1 when there is no w2v model of that name, -2
** when there is one but its config has no generation. */
static sqlite3_int64 model_generation(sqlite3 *db, const char *zModel){
  sqlite3_stmt *p = 0;
  sqlite3_int64 g = -1;
  char *zSql = sqlite3_mprintf(
    "SELECT (SELECT value FROM main.\"%w_config\" WHERE key='generation')"
    " FROM main.sqlite_schema WHERE name=?1 COLLATE NOCASE"
    " AND sql LIKE 'CREATE VIRTUAL TABLE%%USING w2v%%'", zModel);
  if( zSql==0 ) return -1;
  if( sqlite3_prepare_v2(db, zSql, -1, &p, 0)==SQLITE_OK ){
    sqlite3_bind_text(p, 1, zModel, -1, SQLITE_STATIC);
    if( sqlite3_step(p)==SQLITE_ROW ){
      g = sqlite3_column_type(p, 0)==SQLITE_INTEGER ? sqlite3_column_int64(p, 0) : -2;
    }
  }
  sqlite3_finalize(p);
  sqlite3_free(zSql);
  return g;
}

void w2v_conn_forget(W2vConn *c, const char *zModel){
  W2vModel **pp = &c->pModels;
  while( *pp ){
    if( sqlite3_stricmp((*pp)->zName, zModel)==0 ){
      W2vModel *m = *pp;
      *pp = m->pNext;
      w2v_model_free(m);
    }else{
      pp = &(*pp)->pNext;
    }
  }
}

int w2v_conn_model(W2vConn *c, const char *zFunc, const char *zModel,
                   W2vModel **pp, char **pzErr){
  sqlite3_int64 gen;
  W2vModel *m;
  char *zWhat = 0;
  int rc;
  *pp = 0;
  if( zModel==0 ){
    *pzErr = sqlite3_mprintf("%s: the model name is NULL", zFunc);
    return SQLITE_ERROR;
  }
  gen = model_generation(c->db, zModel);
  if( gen==-2 ){
    w2v_conn_forget(c, zModel);
    *pzErr = sqlite3_mprintf("%s: model '%s' is damaged: no generation in %s_config", zFunc, zModel, zModel);
    return SQLITE_CORRUPT;
  }
  if( gen<0 ){
    w2v_conn_forget(c, zModel);
    *pzErr = sqlite3_mprintf("%s: no such model '%s'", zFunc, zModel);
    return SQLITE_ERROR;
  }
  for(m=c->pModels; m; m=m->pNext){
    if( sqlite3_stricmp(m->zName, zModel)==0 && m->generation==gen ){ *pp = m; return SQLITE_OK; }
  }
  w2v_conn_forget(c, zModel);
  rc = load_model(c->db, zModel, gen, &m, &zWhat);
  if( rc!=SQLITE_OK ){
    if( rc==SQLITE_NOMEM ) *pzErr = sqlite3_mprintf("%s: out of memory loading model '%s'", zFunc, zModel);
    else *pzErr = sqlite3_mprintf("%s: model '%s' is damaged: %s", zFunc, zModel, zWhat ? zWhat : "unreadable");
    sqlite3_free(zWhat);
    return rc;
  }
  m->pNext = c->pModels;
  c->pModels = m;
  *pp = m;
  return SQLITE_OK;
}
