/*
** Reading the training text: every row of table.column is one sentence,
** split into tokens by the model's tokenizer (text.c), each encoded to an id
** of a growing vocabulary.
** The table is read once, in one statement, so training sees one consistent
** snapshot; the ids are later remapped to the pruned, sorted vocabulary.
*/
#include <stdlib.h>
#include <string.h>
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3
#include "w2vInt.h"

void w2v_corpus_free(W2vCorpus *c){
  free(c->ids);
  free(c->ends);
  free(c->doc);
  w2v_vocab_free(&c->keys);
  memset(c, 0, sizeof(*c));
}

static int push_id(W2vCorpus *c, int32_t id){
  if( c->nIds>=c->nAlloc ){
    int64_t n = c->nAlloc ? c->nAlloc*2 : 65536;
    int32_t *p = realloc(c->ids, n*sizeof(int32_t));
    if( p==0 ) return -1;
    c->ids = p;
    c->nAlloc = n;
  }
  c->ids[c->nIds++] = id;
  return 0;
}

/* Ends a sentence; with documents (docs >= 0), of document docs. */
static int push_end(W2vCorpus *c, int64_t docs){
  if( c->nSent>=c->nSentAlloc ){
    int64_t n = c->nSentAlloc ? c->nSentAlloc*2 : 4096;
    int64_t *p = realloc(c->ends, n*sizeof(int64_t));
    if( p==0 ) return -1;
    c->ends = p;
    if( docs>=0 ){
      p = realloc(c->doc, n*sizeof(int64_t));
      if( p==0 ) return -1;
      c->doc = p;
    }
    c->nSentAlloc = n;
  }
  if( docs>=0 ) c->doc[c->nSent] = docs;
  c->ends[c->nSent++] = c->nIds;
  return 0;
}

/* Prepares SELECT table.column[, table.column2] FROM table, where table may be
** "schema.table".  The column is qualified because SQLite reads an unknown
** double-quoted name that is not qualified as a string literal (its
** double-quoted-string compatibility): a misspelt column would train on its
** own name.  (Switching SQLITE_DBCONFIG_DQS_DML off for the prepare instead
** would expire every statement of the connection, and the statement calling
** w2v_train would then fail with "abort due to ROLLBACK" when it opens its
** next table.) */
static int prepare_source(sqlite3 *db, const char *zFunc, const char *zTable, const char *zColumn,
                           const char *zColumn2, sqlite3_stmt **ppStmt, char **pzErr){
  const char *zDot = strchr(zTable, '.');
  const char *zName = zTable;   /* the table as the columns are qualified */
  char *zFrom = sqlite3_mprintf("\"%w\"", zTable);
  int rc = SQLITE_NOMEM, i;
  for(i=0; i<2 && zFrom; i++){
    char *zSql = zColumn2
      ? sqlite3_mprintf("SELECT \"%w\".\"%w\", \"%w\".\"%w\" FROM %s", zName, zColumn, zName, zColumn2, zFrom)
      : sqlite3_mprintf("SELECT \"%w\".\"%w\" FROM %s", zName, zColumn, zFrom);
    sqlite3_free(zFrom);
    zFrom = 0;
    if( zSql==0 ) return SQLITE_NOMEM;
    rc = sqlite3_prepare_v2(db, zSql, -1, ppStmt, 0);
    sqlite3_free(zSql);
    if( rc==SQLITE_OK || i==1 || zDot==0 || !strstr(sqlite3_errmsg(db), "no such table") ) break;
    /* "schema.table" */
    zName = zDot+1;
    zFrom = sqlite3_mprintf("\"%.*w\".\"%w\"", (int)(zDot - zTable), zTable, zDot+1);
  }
  sqlite3_free(zFrom);
  if( rc!=SQLITE_OK && rc!=SQLITE_NOMEM ){
    if( strncmp(sqlite3_errmsg(db), "no such column: ", 16)==0 ){
      const char *zCol = strrchr(sqlite3_errmsg(db), '.');
      *pzErr = sqlite3_mprintf("%s: no such column: %s", zFunc,
                               zCol && zColumn2 && strcmp(zCol+1, zColumn2)==0 ? zColumn2 : zColumn);
    }else{
      *pzErr = sqlite3_mprintf("%s: %s", zFunc, sqlite3_errmsg(db));
    }
  }
  return rc;
}

int w2v_source_prepare(sqlite3 *db, const char *zFunc, const char *zTable, const char *zColumn,
                       const char *zColumn2, sqlite3_stmt **ppStmt, char **pzErr){
  return prepare_source(db, zFunc, zTable, zColumn, zColumn2, ppStmt, pzErr);
}

int w2v_word_list_read(sqlite3 *db, const char *zOption, const char *zTable, W2vText *text,
                       const char *zJoin, int wantCount, W2vVocab *list, int *pHasCount, char **pzErr){
  sqlite3_stmt *p = 0;
  char *zErr = 0;
  sqlite3_int64 nRow = 0;
  int rc = SQLITE_ERROR;
  *pHasCount = 0;
  if( wantCount ){
    rc = prepare_source(db, "", zTable, "word", "count", &p, &zErr);
    if( rc==SQLITE_OK ) *pHasCount = 1;
    if( rc==SQLITE_ERROR && zErr && strcmp(zErr, ": no such column: count")==0 ){
      sqlite3_free(zErr);
      zErr = 0;
    }
  }
  if( !*pHasCount && zErr==0 && rc!=SQLITE_NOMEM ){
    rc = prepare_source(db, "", zTable, "word", 0, &p, &zErr);
  }
  if( rc!=SQLITE_OK ){
    *pzErr = zErr ? sqlite3_mprintf("w2v_train: %s=%s%s", zOption, zTable, zErr) : 0;
    sqlite3_free(zErr);
    return rc;
  }
  while( (rc = sqlite3_step(p))==SQLITE_ROW ){
    const char *z = (const char*)sqlite3_column_text(p, 0);
    const char *zWord;
    int n = sqlite3_column_bytes(p, 0), nWord;
    sqlite3_int64 count = 1;
    nRow++;
    if( z==0 ){
      if( sqlite3_column_type(p, 0)==SQLITE_NULL ) continue;
      rc = SQLITE_NOMEM; break;
    }
    if( *pHasCount ){
      if( sqlite3_column_type(p, 1)!=SQLITE_INTEGER || sqlite3_column_int64(p, 1)<0 ){
        *pzErr = sqlite3_mprintf("w2v_train: %s=%s: row %lld: count must be an integer >= 0",
                                 zOption, zTable, nRow);
        rc = SQLITE_ERROR; break;
      }
      count = sqlite3_column_int64(p, 1);
    }
    rc = w2v_text_word(text, z, n, zJoin, &zWord, &nWord);
    if( rc!=SQLITE_OK ){
      if( rc!=SQLITE_NOMEM ) *pzErr = sqlite3_mprintf("w2v_train: %s=%s: the tokenizer failed (error %d)", zOption, zTable, rc);
      break;
    }
    if( nWord==0 ) continue;
    if( w2v_vocab_add(list, zWord, (uint32_t)nWord, count)<0 ){ rc = SQLITE_NOMEM; break; }
  }
  if( rc==SQLITE_DONE ){
    rc = SQLITE_OK;
  }else if( rc!=SQLITE_NOMEM && *pzErr==0 ){
    *pzErr = sqlite3_mprintf("w2v_train: %s=%s: %s", zOption, zTable, sqlite3_errmsg(db));
  }
  sqlite3_finalize(p);
  return rc;
}

sqlite3_int64 w2v_corpus_bytes(const W2vCorpus *c){
  return c->nAlloc*(sqlite3_int64)sizeof(int32_t) + c->nSentAlloc*(sqlite3_int64)sizeof(int64_t)*(c->doc ? 2 : 1)
       + w2v_vocab_bytes(&c->keys);
}

/* Every token of a row: its id in the growing vocabulary. */
typedef struct ReadCtx {
  W2vVocab *vocab;
  W2vCorpus *c;
  int full;                 /* the vocabulary cannot take another word */
} ReadCtx;

static int add_token(void *pCtx, const char *z, int n, int iStart, int iEnd){
  ReadCtx *r = (ReadCtx*)pCtx;
  int64_t id = w2v_vocab_add(r->vocab, z, (uint32_t)n, 1);
  (void)iStart; (void)iEnd;
  if( id==W2V_ERR_FULL ){ r->full = 1; return SQLITE_TOOBIG; }
  if( id<0 || push_id(r->c, (int32_t)id) ) return SQLITE_NOMEM;
  return SQLITE_OK;
}

/* A row through the model's tokenizer and its phrases (update=1 of a model
** with phrases): its tokens as add_token takes them. */
static int add_row_phrased(sqlite3 *db, const char *zFunc, W2vModel *m, const char *z, int n, ReadCtx *r,
                           char **pzErr){
  W2vWords w;
  int i, rc;
  memset(&w, 0, sizeof(w));
  rc = w2v_model_words(db, m, zFunc, z, n, &w, pzErr);
  for(i=0; i<w.n && rc==SQLITE_OK; i++) rc = add_token(r, w.zTok + w.aOff[i], w.aLen[i], 0, 0);
  w2v_words_free(&w);
  return rc;
}

/* docs=: the key of the current row (column 1) as document c->keys.n;
** SQLITE_OK or an error with *pzErr. */
static int add_doc_key(sqlite3_stmt *pStmt, const char *zFunc, const char *zTable, const char *zKey,
                       sqlite3_int64 iRow, W2vCorpus *c, char **pzErr){
  int t = sqlite3_column_type(pStmt, 1);
  const char *zCol = zKey ? zKey : "rowid";
  int64_t id;
  if( t==SQLITE_NULL && zKey==0 ){
    /* (a view's rowid is NULL up to SQLite 3.4x, "no such column" after) */
    *pzErr = sqlite3_mprintf("%s: %s has no rowid (a view?): name the documents' key column with doc_key=",
                             zFunc, zTable);
    return SQLITE_ERROR;
  }
  if( t==SQLITE_NULL ){
    *pzErr = sqlite3_mprintf("%s: doc_key %s is NULL in row %lld (every document needs a key)", zFunc, zCol, iRow);
    return SQLITE_ERROR;
  }
  if( t!=SQLITE_INTEGER && t!=SQLITE_TEXT ){
    *pzErr = sqlite3_mprintf("%s: doc_key %s must be an integer or text, not %s (row %lld)", zFunc, zCol,
                             t==SQLITE_FLOAT ? "a real" : "a blob", iRow);
    return SQLITE_ERROR;
  }
  if( c->keys.n==0 ) c->keyText = t==SQLITE_TEXT;
  if( (t==SQLITE_TEXT)!=c->keyText ){
    *pzErr = sqlite3_mprintf("%s: doc_key %s must be all integers or all text (row %lld is %s, the first was %s)",
                             zFunc, zCol, iRow, t==SQLITE_TEXT ? "text" : "an integer", c->keyText ? "text" : "an integer");
    return SQLITE_ERROR;
  }
  if( t==SQLITE_TEXT ){
    const char *z = (const char*)sqlite3_column_text(pStmt, 1);
    int n = sqlite3_column_bytes(pStmt, 1);
    if( z==0 ) return SQLITE_NOMEM;
    if( w2v_vocab_find(&c->keys, z, (uint32_t)n)>=0 ){
      *pzErr = sqlite3_mprintf("%s: doc_key %s: duplicate key '%.*s' (row %lld)", zFunc, zCol, n, z, iRow);
      return SQLITE_ERROR;
    }
    id = w2v_vocab_add(&c->keys, z, (uint32_t)n, 1);
  }else{
    sqlite3_int64 v = sqlite3_column_int64(pStmt, 1);
    if( w2v_vocab_find(&c->keys, (const char*)&v, sizeof(v))>=0 ){
      *pzErr = sqlite3_mprintf("%s: doc_key %s: duplicate key %lld (row %lld)", zFunc, zCol, v, iRow);
      return SQLITE_ERROR;
    }
    id = w2v_vocab_add(&c->keys, (const char*)&v, sizeof(v), 1);
  }
  if( id==W2V_ERR_FULL ){
    *pzErr = sqlite3_mprintf("%s: more than 2147483647 documents", zFunc);
    return SQLITE_TOOBIG;
  }
  return id<0 ? SQLITE_NOMEM : SQLITE_OK;
}

static int read_corpus(sqlite3 *db, const char *zFunc, const char *zTable, const char *zColumn,
                       int docs, const char *zKey, W2vText *text, W2vModel *pPhrases, sqlite3_int64 maxBytes,
                       W2vVocab *vocab, W2vCorpus *c, char **pzErr){
  sqlite3_int64 nRow = 0, iRow = 0;
  sqlite3_stmt *pStmt = 0;
  ReadCtx r;
  int rc;
  memset(c, 0, sizeof(*c));
  w2v_vocab_init(&c->keys);
  r.vocab = vocab; r.c = c; r.full = 0;
  rc = prepare_source(db, zFunc, zTable, zColumn, docs ? (zKey ? zKey : "rowid") : 0, &pStmt, pzErr);
  if( rc!=SQLITE_OK ){
    if( docs && zKey==0 && *pzErr && strstr(*pzErr, "no such column: rowid") ){
      sqlite3_free(*pzErr);
      *pzErr = sqlite3_mprintf("%s: %s has no rowid (a view?): name the documents' key column with doc_key=",
                               zFunc, zTable);
    }
    return rc;
  }
  if( docs && (c->doc = malloc(sizeof(int64_t)))==0 ) goto oom;   /* grows with ends */
  while( (rc = sqlite3_step(pStmt))==SQLITE_ROW ){
    const char *z;
    int n;
    int64_t nBefore = c->nIds;
    iRow++;
    if( sqlite3_column_type(pStmt, 0)==SQLITE_NULL ) continue;
    if( docs ){
      rc = add_doc_key(pStmt, zFunc, zTable, zKey, iRow, c, pzErr);
      if( rc==SQLITE_NOMEM && *pzErr==0 ) goto oom;
      if( rc!=SQLITE_OK ) goto done;
    }
    z = (const char*)sqlite3_column_text(pStmt, 0);
    n = sqlite3_column_bytes(pStmt, 0);
    if( z==0 ) goto oom;
    if( pPhrases && pPhrases->nPhrasePass ){
      rc = add_row_phrased(db, zFunc, pPhrases, z, n, &r, pzErr);
      if( *pzErr ) goto done;
    }else{
      rc = w2v_text_split(text, z, n, add_token, &r);
    }
    if( r.full ){
      *pzErr = sqlite3_mprintf("%s: more than 2147483647 distinct words", zFunc);
      goto done;
    }
    if( rc==SQLITE_NOMEM ) goto oom;
    if( rc!=SQLITE_OK ){
      *pzErr = sqlite3_mprintf("%s: the tokenizer failed on a row of %s.%s (error %d)",
                               zFunc, zTable, zColumn, rc);
      goto done;
    }
    if( c->nIds>nBefore && push_end(c, docs ? c->keys.n-1 : -1) ) goto oom;
    nRow++;
    if( w2v_corpus_bytes(c) + w2v_vocab_bytes(vocab) > maxBytes ){
      *pzErr = sqlite3_mprintf("%s: reading %s.%s needs more than max_memory=%lld MiB "
                               "(%lld rows, %lld tokens, %lld distinct words so far); raise max_memory",
                               zFunc, zTable, zColumn, maxBytes>>20, nRow, (sqlite3_int64)c->nIds, (sqlite3_int64)vocab->n);
      rc = SQLITE_TOOBIG;
      goto done;
    }
  }
  if( rc==SQLITE_DONE ){
    rc = SQLITE_OK;
  }else{
    *pzErr = sqlite3_mprintf("%s: reading %s.%s: %s", zFunc, zTable, zColumn, sqlite3_errmsg(db));
  }
  goto done;

oom:
  rc = SQLITE_NOMEM;
  *pzErr = sqlite3_mprintf("%s: out of memory reading the corpus", zFunc);
done:
  sqlite3_finalize(pStmt);
  if( rc!=SQLITE_OK ) w2v_corpus_free(c);
  return rc;
}

int w2v_corpus_read(sqlite3 *db, const char *zFunc, const char *zTable, const char *zColumn,
                    W2vText *text, W2vModel *pPhrases, sqlite3_int64 maxBytes, W2vVocab *vocab, W2vCorpus *c,
                    char **pzErr){
  return read_corpus(db, zFunc, zTable, zColumn, 0, 0, text, pPhrases, maxBytes, vocab, c, pzErr);
}

int w2v_corpus_read_docs(sqlite3 *db, const char *zFunc, const char *zTable, const char *zColumn,
                         const char *zKey, W2vText *text, W2vModel *pPhrases, sqlite3_int64 maxBytes,
                         W2vVocab *vocab, W2vCorpus *c, char **pzErr){
  return read_corpus(db, zFunc, zTable, zColumn, 1, zKey, text, pPhrases, maxBytes, vocab, c, pzErr);
}

void w2v_corpus_remap(W2vCorpus *c, const int32_t *remap){
  int64_t s, i, out = 0, begin = 0, nSent = 0;
  for(s=0; s<c->nSent; s++){
    int64_t start = out;
    for(i=begin; i<c->ends[s]; i++){
      int32_t id = remap[c->ids[i]];
      if( id>=0 ) c->ids[out++] = id;
    }
    begin = c->ends[s];
    if( out>start ){
      if( c->doc ) c->doc[nSent] = c->doc[s];   /* the document of each sentence left */
      c->ends[nSent++] = out;
    }
  }
  c->nIds = out;
  c->nSent = nSent;
}

/* ---- phrases=N ---------------------------------------------------------- */

int w2v_learnt_add(void *pCtx, const W2vPhraseRow *row){
  W2vLearntPhrases *o = (W2vLearntPhrases*)pCtx;
  int64_t l, r;
  if( o->n==o->nAlloc ){
    sqlite3_int64 nNew = o->nAlloc ? o->nAlloc*2 : 256;
    W2vPhraseRow *a = sqlite3_realloc64(o->a, sizeof(*a)*(size_t)nNew);
    int32_t *al, *ar;
    if( a==0 ) return SQLITE_NOMEM;
    o->a = a;
    al = sqlite3_realloc64(o->aLeft, sizeof(int32_t)*(size_t)nNew);
    if( al==0 ) return SQLITE_NOMEM;
    o->aLeft = al;
    ar = sqlite3_realloc64(o->aRight, sizeof(int32_t)*(size_t)nNew);
    if( ar==0 ) return SQLITE_NOMEM;
    o->aRight = ar;
    o->nAlloc = nNew;
  }
  l = w2v_vocab_add(&o->parts, row->zLeft, (uint32_t)row->nLeft, 0);
  r = w2v_vocab_add(&o->parts, row->zRight, (uint32_t)row->nRight, 0);
  if( l<0 || r<0 ) return SQLITE_NOMEM;
  o->a[o->n] = *row;
  o->a[o->n].zLeft = o->a[o->n].zRight = 0;    /* the parts' pool may move: w2v_learnt_rows */
  o->aLeft[o->n] = (int32_t)l;
  o->aRight[o->n] = (int32_t)r;
  o->n++;
  return SQLITE_OK;
}

int w2v_corpus_phrases(sqlite3 *db, W2vCorpus *c, W2vVocab *raw, int nPass, sqlite3_int64 minCount,
                       double threshold, const char *zDelim, sqlite3_int64 maxBytes,
                       W2vLearntPhrases *out, char **pzErr){
  int pass, rc = SQLITE_OK;
  sqlite3_stmt *pProbe = w2v_probe_open(db);   /* sqlite3_interrupt stops the counting */
  for(pass=1; pass<=nPass && rc==SQLITE_OK; pass++){
    W2vPhraseSet set;
    W2vPhraseParams p;
    W2vCorpusView view;
    int64_t i, r;
    memset(&set, 0, sizeof(set));
    memset(&p, 0, sizeof(p));
    p.minCount = minCount;
    p.threshold = threshold;
    p.maxBytes = maxBytes;
    p.xInterrupt = pProbe ? w2v_interrupted_cb : 0;
    p.pInterruptArg = pProbe;
    view.ids = c->ids; view.nIds = c->nIds; view.ends = c->ends; view.nSent = c->nSent;
    r = w2v_phrases_score(&view, raw->counts, raw->n, &p, &set);
    if( r==W2V_ERR_LIMIT ){
      *pzErr = sqlite3_mprintf("w2v_train: counting the word pairs of phrases pass %d needs more than "
                               "max_memory=%lld MiB; raise max_memory", pass, maxBytes>>20);
      rc = SQLITE_TOOBIG;
    }else if( r==W2V_ERR_INTERRUPT ){
      *pzErr = sqlite3_mprintf("w2v_train: interrupted");
      rc = SQLITE_INTERRUPT;
    }else if( r<0 ){
      rc = SQLITE_NOMEM;
    }
    for(i=0; i<set.n && rc==SQLITE_OK; i++){
      W2vPhraseRow row;
      row.pass = pass;
      row.zLeft = w2v_vocab_word(raw, set.a[i].a);
      row.nLeft = (int)raw->lens[set.a[i].a];
      row.zRight = w2v_vocab_word(raw, set.a[i].b);
      row.nRight = (int)raw->lens[set.a[i].b];
      row.count = set.a[i].count;
      row.score = set.a[i].score;
      rc = w2v_learnt_add(out, &row);
    }
    if( rc==SQLITE_OK && set.n>0 ){
      r = w2v_phrases_join(c->ids, &c->nIds, c->ends, c->nSent, raw, &set, zDelim, (uint32_t)strlen(zDelim));
      if( r==W2V_ERR_FULL ){
        *pzErr = sqlite3_mprintf("w2v_train: more than 2147483647 distinct words with phrases");
        rc = SQLITE_TOOBIG;
      }else if( r<0 ){
        rc = SQLITE_NOMEM;
      }
    }
    w2v_phrases_free(&set);
  }
  sqlite3_finalize(pProbe);
  return rc;
}

void w2v_learnt_rows(W2vLearntPhrases *o){
  sqlite3_int64 i;
  for(i=0; i<o->n; i++){
    o->a[i].zLeft = w2v_vocab_word(&o->parts, o->aLeft[i]);
    o->a[i].nLeft = (int)o->parts.lens[o->aLeft[i]];
    o->a[i].zRight = w2v_vocab_word(&o->parts, o->aRight[i]);
    o->a[i].nRight = (int)o->parts.lens[o->aRight[i]];
  }
}

void w2v_learnt_free(W2vLearntPhrases *o){
  w2v_vocab_free(&o->parts);
  sqlite3_free(o->a);
  sqlite3_free(o->aLeft);
  sqlite3_free(o->aRight);
  memset(o, 0, sizeof(*o));
}


