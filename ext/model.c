/*
** Loaded models and the per-connection cache.
**
** A model is read from its shadow tables once and kept while its generation
** (changed by every write) stays the same.  Lifetimes are reference counts:
** the cache holds one reference; w2v_model_acquire hands out another, which
** a scalar call drops when it returns and a cursor when it closes or filters
** again.  A model that is retrained, replaced, renamed or dropped leaves the
** cache at once but lives on until its last user lets go, so a statement
** that started with it keeps reading it, even when the change was made from
** inside that very statement.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3
#include "w2vInt.h"

W2vConn *w2v_conn_new(sqlite3 *db){
  W2vConn *c = sqlite3_malloc(sizeof(*c));
  if( c==0 ) return 0;
  memset(c, 0, sizeof(*c));
  c->db = db;
  c->nRef = 1;
  return c;
}

W2vConn *w2v_conn_ref(W2vConn *c){
  c->nRef++;
  return c;
}

void w2v_conn_release(void *p){
  W2vConn *c = p;
  if( c && --c->nRef==0 ){
    while( c->pModels ){
      W2vModel *m = c->pModels;
      c->pModels = m->pNext;
      m->pNext = 0;
      w2v_model_release(m);
    }
    sqlite3_free(c);
  }
}

static void model_free(W2vModel *m){
  sqlite3_free(m->zSchema);
  sqlite3_free(m->zName);
  w2v_vocab_free(&m->vocab);
  sqlite3_free(m->in);
  sqlite3_free(m->out);
  w2v_knn_free(&m->knn);
  w2v_tree_free(&m->tree);
  sqlite3_free(m->zPartInput);
  sqlite3_free(m);
}

void w2v_model_release(W2vModel *m){
  if( m && --m->nRef==0 ) model_free(m);
}

const W2vKnn *w2v_model_knn(W2vModel *m){
  if( m->knn.q8==0 ){
    if( w2v_knn_build(&m->knn, m->in, m->vocab.n, m->dim) ) return 0;
  }
  return &m->knn;
}

int64_t w2v_model_find(const W2vModel *m, const char *z, int n){
  char buf[256], *zFold;
  int64_t id;
  if( z==0 || n<0 ) return -1;
  if( !m->lower ) return w2v_vocab_find(&m->vocab, z, (uint32_t)n);
  /* the model saw text with A-Z folded (lower=1): fold the query the same way */
  zFold = n<=(int)sizeof(buf) ? buf : sqlite3_malloc(n);
  if( zFold==0 ) return -1;
  w2v_fold_ascii(zFold, z, (size_t)n);
  id = w2v_vocab_find(&m->vocab, zFold, (uint32_t)n);
  if( zFold!=buf ) sqlite3_free(zFold);
  return id;
}

int w2v_model_hidden(const W2vModel *m, const char *z, int n, float *h){
  int i = 0, s, len, cnt = 0, d;
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

/* Reads config, vocabulary and word vectors into a new model (one reference). */
static int load_model(sqlite3 *db, const char *zSchema, const char *zModel, sqlite3_int64 gen,
                      W2vModel **pp, char **pzWhat){
  W2vModel *m = sqlite3_malloc64(sizeof(W2vModel));
  W2vStoredMeta meta;
  int rc;
  *pp = 0;
  if( m==0 ) return SQLITE_NOMEM;
  memset(m, 0, sizeof(*m));
  w2v_vocab_init(&m->vocab);
  m->nRef = 1;
  m->generation = gen;
  m->zSchema = sqlite3_mprintf("%s", zSchema);
  m->zName = sqlite3_mprintf("%s", zModel);
  rc = (m->zSchema && m->zName) ? SQLITE_OK : SQLITE_NOMEM;
  if( rc==SQLITE_OK ) rc = w2v_store_read_config(db, zSchema, zModel, &meta, pzWhat);
  if( rc==SQLITE_OK ){
    m->arch = meta.arch;
    m->loss = meta.loss;
    m->dim = meta.dim;
    m->lower = meta.lower;
    rc = w2v_store_read_vocab(db, zSchema, zModel, meta.nVocab, &m->vocab, pzWhat);
    m->countsSorted = w2v_counts_sorted(m->vocab.counts, m->vocab.n);
  }
  if( rc==SQLITE_OK ){
    m->in = sqlite3_malloc64((sqlite3_uint64)(meta.nVocab ? meta.nVocab : 1)*m->dim*sizeof(float));
    rc = m->in ? w2v_store_read_vectors(db, zSchema, zModel, "input", m->dim, m->in, meta.nVocab, pzWhat)
               : SQLITE_NOMEM;
  }
  if( rc!=SQLITE_OK ){
    model_free(m);
    return rc;
  }
  *pp = m;
  return SQLITE_OK;
}

/* A load error as the caller's message: damage (SQLITE_CORRUPT), or what
** stopped the reading (an authorizer, a limit, I/O). */
static char *load_error(const char *zFunc, const char *zModel, int rc, char *zWhat){
  char *z = 0;
  if( rc==SQLITE_CORRUPT ){
    z = sqlite3_mprintf("%s: model '%s' is damaged: %s", zFunc, zModel, zWhat ? zWhat : sqlite3_errstr(rc));
  }else if( rc!=SQLITE_NOMEM ){
    z = sqlite3_mprintf("%s: cannot read model '%s': %s", zFunc, zModel, zWhat ? zWhat : sqlite3_errstr(rc));
  }
  sqlite3_free(zWhat);
  return z;
}

/* The output weights (and the tree of hs) are read on first use: similarity
** queries never need them, and they are as large as the word vectors.  They
** are read into locals and published whole: reading runs SQL, which may run
** user code (a shadow table replaced by a view) that uses this very model. */
int w2v_model_output(sqlite3 *db, W2vModel *m, const char *zFunc, char **pzErr){
  sqlite3_int64 nOut;
  char *zWhat = 0;
  float *out;
  W2vTree tree;
  int rc;
  if( m->out ) return SQLITE_OK;
  if( m->loss==W2V_LOSS_NONE ){
    *pzErr = sqlite3_mprintf("%s: model '%s' has word vectors only (imported from a file), no output weights",
                             zFunc, m->zName);
    return SQLITE_ERROR;
  }
  /* the tables must still hold the model the word vectors came from */
  if( w2v_store_generation(db, m->zSchema, m->zName)!=m->generation ){
    *pzErr = sqlite3_mprintf("%s: model '%s' was changed while this statement used it; run the query again",
                             zFunc, m->zName);
    return SQLITE_ERROR;
  }
  memset(&tree, 0, sizeof(tree));
  nOut = w2v_loss_out_rows(m->loss, m->vocab.n);
  out = sqlite3_malloc64((sqlite3_uint64)(nOut ? nOut : 1)*m->dim*sizeof(float));
  rc = out ? w2v_store_read_vectors(db, m->zSchema, m->zName, "output", m->dim, out, nOut, &zWhat)
           : SQLITE_NOMEM;
  if( rc==SQLITE_OK && m->out ){
    /* loaded meanwhile, from inside the read: keep that one */
    sqlite3_free(out);
    return SQLITE_OK;
  }
  if( rc==SQLITE_OK && m->loss==W2V_LOSS_HS ){
    int t = w2v_tree_build(m->vocab.counts, m->vocab.n, &tree);
    if( t==W2V_ERR_INVALID ){
      rc = SQLITE_CORRUPT;
      zWhat = sqlite3_mprintf("the word counts in %s_vocab cannot make a Huffman tree", m->zName);
    }else if( t ){
      rc = SQLITE_NOMEM;
    }
  }
  if( rc!=SQLITE_OK ){
    sqlite3_free(out);
    w2v_tree_free(&tree);
    *pzErr = load_error(zFunc, m->zName, rc, zWhat);
    return rc;
  }
  m->out = out;
  m->tree = tree;
  m->lossFn.kind = m->loss;
  m->lossFn.dim = m->dim;
  m->lossFn.nWord = m->vocab.n;
  m->lossFn.out = m->out;
  m->lossFn.tree = m->loss==W2V_LOSS_HS ? &m->tree : 0;
  return SQLITE_OK;
}

void w2v_conn_forget(W2vConn *c, const char *zSchema, const char *zModel){
  W2vModel **pp = &c->pModels;
  if( zSchema==0 ) zSchema = "main";
  while( *pp ){
    W2vModel *m = *pp;
    if( sqlite3_stricmp(m->zName, zModel)==0 && sqlite3_stricmp(m->zSchema, zSchema)==0 ){
      *pp = m->pNext;
      m->pNext = 0;
      w2v_model_release(m);
    }else{
      pp = &m->pNext;
    }
  }
}

int w2v_model_acquire(W2vConn *c, const char *zFunc, const char *zSchema, const char *zModel,
                      W2vModel **pp, char **pzErr){
  sqlite3_int64 gen;
  W2vModel *m;
  char *zWhat = 0;
  int rc;
  *pp = 0;
  if( zSchema==0 ) zSchema = "main";
  if( zModel==0 ){
    *pzErr = sqlite3_mprintf("%s: the model name is NULL", zFunc);
    return SQLITE_ERROR;
  }
  gen = w2v_store_generation(c->db, zSchema, zModel);
  if( gen==W2V_GEN_ERROR ){
    *pzErr = sqlite3_mprintf("%s: model '%s': %s", zFunc, zModel, sqlite3_errmsg(c->db));
    return sqlite3_errcode(c->db)==SQLITE_OK ? SQLITE_ERROR : sqlite3_errcode(c->db);
  }
  if( gen==W2V_GEN_DAMAGED ){
    w2v_conn_forget(c, zSchema, zModel);
    *pzErr = sqlite3_mprintf("%s: model '%s' is damaged: no generation in %s_config", zFunc, zModel, zModel);
    return SQLITE_CORRUPT;
  }
  if( gen==W2V_GEN_NONE ){
    w2v_conn_forget(c, zSchema, zModel);
    *pzErr = sqlite3_mprintf("%s: no such model '%s'", zFunc, zModel);
    return SQLITE_ERROR;
  }
  for(m=c->pModels; m; m=m->pNext){
    if( sqlite3_stricmp(m->zName, zModel)==0 && sqlite3_stricmp(m->zSchema, zSchema)==0 && m->generation==gen ){
      m->nRef++;
      *pp = m;
      return SQLITE_OK;
    }
  }
  w2v_conn_forget(c, zSchema, zModel);
  rc = load_model(c->db, zSchema, zModel, gen, &m, &zWhat);
  if( rc!=SQLITE_OK ){
    *pzErr = load_error(zFunc, zModel, rc, zWhat);
    return rc;
  }
  m->pNext = c->pModels;
  c->pModels = m;
  m->nRef++;          /* one for the cache, one for the caller */
  *pp = m;
  return SQLITE_OK;
}

/* The eponymous table-valued functions (registered in w2v.c): a table of
** the same name in a database file would hide them there. */
int w2v_name_reserved(const char *zName){
  static const char *const az[] = { "w2v_similar", "w2v_predict" };
  size_t i;
  for(i=0; i<sizeof(az)/sizeof(az[0]); i++) if( zName && sqlite3_stricmp(zName, az[i])==0 ) return 1;
  return 0;
}
