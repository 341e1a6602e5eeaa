/*
** The entry point: one table of everything w2v registers on a connection.
** Each registration holds a reference to the connection's state (model.c),
** dropped by SQLite when the function or module goes away.  (The names of
** the eponymous table-valued functions are reserved for them: model.c.)
*/
#include <string.h>
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT1
#include "w2vInt.h"
#include "w2v.h"

#define WRITES  (SQLITE_UTF8|SQLITE_DIRECTONLY)   /* writes tables or files, or reads a whole table */
#define READS   SQLITE_UTF8
#define PURE    (SQLITE_UTF8|SQLITE_DETERMINISTIC|SQLITE_INNOCUOUS)

typedef struct Registration {
  const char *zName;
  const sqlite3_module *pModule;   /* a module, or else a function: */
  int nArg, flags;
  void (*xFunc)(sqlite3_context*, int, sqlite3_value**);
} Registration;

static const Registration aReg[] = {
  { "w2v",                 &w2v_model_module },
  { "w2v_similar",         &w2v_similar_module },
  { "w2v_predict",         &w2v_predict_module },
  { "w2v_tokens",          &w2v_tokens_module },
  { "w2v_phrases",         &w2v_phrases_module },
  { "w2v_similar_docs",    &w2v_similar_docs_module },
  { "w2v_kmeans",          &w2v_kmeans_module },
  { "w2v_project",         &w2v_project_module },
  { "w2v_classify",        &w2v_classify_module },
  { "w2v_train",           0, 3, WRITES, w2v_fn_train },
  { "w2v_prob",            0, 3, READS,  w2v_fn_prob },
  { "w2v_score",           0, 3, READS,  w2v_fn_score },
  { "w2v_vector",          0, 2, READS,  w2v_fn_vector },
  { "w2v_similarity",      0, 3, READS,  w2v_fn_similarity },
  { "w2v_embed",           0, 2, READS,  w2v_fn_embed },
  { "w2v_embed",           0, 3, READS,  w2v_fn_embed },
  { "w2v_doc_vector",      0, 2, READS,  w2v_fn_doc_vector },
  { "w2v_infer",           0, 2, READS,  w2v_fn_infer },
  { "w2v_infer",           0, 3, READS,  w2v_fn_infer },
  { "w2v_version",         0, 0, PURE,   w2v_fn_version },
  { "w2v_info",            0, 0, READS,  w2v_fn_info },
  { "w2v_eval_analogy",    0, 2, WRITES, w2v_fn_eval_analogy },
  { "w2v_eval_analogy",    0, 3, WRITES, w2v_fn_eval_analogy },
  { "w2v_eval_similarity", 0, 2, WRITES, w2v_fn_eval_similarity },
  { "w2v_eval_similarity", 0, 3, WRITES, w2v_fn_eval_similarity },
  { "w2v_export",          0, 2, WRITES, w2v_fn_export },
  { "w2v_export",          0, 3, WRITES, w2v_fn_export },
  { "w2v_import",          0, 1, WRITES, w2v_fn_import },
  { "w2v_import",          0, 2, WRITES, w2v_fn_import },
  { "w2v_eval_classifier", 0, 4, WRITES, w2v_fn_eval_classifier },
  { "w2v_eval_classifier", 0, 5, WRITES, w2v_fn_eval_classifier },
};

/* The library exports its entry points only (it is built with hidden
** visibility): another extension's sqlite3_api or w2v_* names never bind
** to ours, nor ours to theirs. */
#if defined(_WIN32)
# define W2V_EXPORT __declspec(dllexport)
#else
# define W2V_EXPORT __attribute__((visibility("default")))
#endif

W2V_EXPORT int sqlite3_w2v_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi){
  W2vConn *conn;
  size_t i;
  int rc = SQLITE_OK;
  SQLITE_EXTENSION_INIT2(pApi);
  if( w2v_kernel_error() ){
    /* W2V_KERNEL names a kernel this build or CPU lacks: say so, rather
    ** than run another one than asked */
    if( pzErrMsg ) *pzErrMsg = sqlite3_mprintf("w2v: %s", w2v_kernel_error());
    return SQLITE_ERROR;
  }
  conn = w2v_conn_new(db);            /* this function's reference */
  if( conn==0 ) return SQLITE_NOMEM;
  for(i=0; rc==SQLITE_OK && i<sizeof(aReg)/sizeof(aReg[0]); i++){
    const Registration *r = &aReg[i];
    if( r->pModule ){
      rc = sqlite3_create_module_v2(db, r->zName, r->pModule, w2v_conn_ref(conn), w2v_conn_release);
    }else{
      rc = sqlite3_create_function_v2(db, r->zName, r->nArg, r->flags, w2v_conn_ref(conn),
                                      r->xFunc, 0, 0, w2v_conn_release);
    }
  }
  w2v_conn_release(conn);
  if( rc!=SQLITE_OK && pzErrMsg ){
    *pzErrMsg = sqlite3_mprintf("w2v: cannot register functions: %s", sqlite3_errstr(rc));
  }
  return rc;
}

W2V_EXPORT int sqlite3_wv_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi){
  return sqlite3_w2v_init(db, pzErrMsg, pApi);
}
