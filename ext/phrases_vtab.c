/*
** w2v_phrases(table, column [, options]): the phrases word2phrase.c would
** make of table.column, one row per phrase: phrase, count, score.
** Table-valued, eponymous, read-only.  Every row of the column is one
** sentence; the rows are read once, in xFilter, into ids (corpus.c), and
** the pairs are scored and joined by the core (core/phrases.c); the cursor
** then holds its own result, so nothing it lists depends on the table after
** xFilter (a table changed or dropped while the cursor is open changes
** nothing that cursor returns).
**
** Which pairs are listed: those the greedy pass joins at least once, i.e.
** the phrases word2phrase *writes*.  A pair can score above the threshold and
** never be joined, when its left word is always taken by a better-placed
** pair before it ("new york times": york_times is scored but york is always
** joined to new first); all=1 lists those too (joins = 0).
**
** Options: min_count [5], threshold [100], delimiter ['_'], lower [0],
** tokenize [whitespace], passes [1], all [0], cross_rows [0], max_memory
** [half the RAM, MiB].  cross_rows=1 counts word2phrase.c's pairs across
** lines too (the last word of a row and the first of the next, in the order
** the rows are read), to compare with it: never joined across rows.
** passes=N runs N word2phrase passes, each over the previous one's output
** (so pass 2 can join "new_york" and "times"): the rows of pass p have the
** hidden column pass = p.  Hidden columns joins (times the pass joined the
** pair), left and right (its two words) say more about each row.
*/
#include <math.h>
#include <stddef.h>
#include <string.h>
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3
#include "w2vInt.h"

#define FUNC "w2v_phrases"

enum { PH_PHRASE, PH_COUNT, PH_SCORE, PH_TABLE, PH_COLUMN, PH_OPTIONS, PH_PASS, PH_JOINS, PH_LEFT, PH_RIGHT };

/* ---- options --------------------------------------------------------- */
typedef struct PhOptions {
  sqlite3_int64 minCount;
  double threshold;
  char *zDelim;
  int lower;
  char *zTokenize;
  int passes;
  int all;
  int crossRows;
  sqlite3_int64 maxMemory;
  uint64_t given;
} PhOptions;

#define OFF(f) offsetof(PhOptions, f)
static const W2vOptDesc aPhOpt[] = {
  /* key           type          lo       hi       default field            flags */
  { "min_count",  W2V_OPT_INT,  1,       9.0e18,  5,      OFF(minCount),   0 },
  { "threshold",  W2V_OPT_REAL, -3.4e38, 3.4e38,  100,    OFF(threshold),  0 },
  { "delimiter",  W2V_OPT_TEXT, 0, 0,             NAN,    OFF(zDelim),     0 },
  { "lower",      W2V_OPT_INT,  0,       1,       0,      OFF(lower),      W2V_OPT_INT32, 0, "0 or 1" },
  { "tokenize",   W2V_OPT_TEXT, 0, 0,             NAN,    OFF(zTokenize),  0 },
  { "passes",     W2V_OPT_INT,  1,       16,      1,      OFF(passes),     W2V_OPT_INT32 },
  { "all",        W2V_OPT_INT,  0,       1,       0,      OFF(all),        W2V_OPT_INT32, 0, "0 or 1" },
  { "cross_rows", W2V_OPT_INT,  0,       1,       0,      OFF(crossRows),  W2V_OPT_INT32, 0, "0 or 1" },
  { "max_memory", W2V_OPT_INT,  1,       1048576.0*1024, NAN, OFF(maxMemory), 0, 0, 0, 1048576.0 },
};
static const W2vOptTable phOptions = { aPhOpt, (int)(sizeof(aPhOpt)/sizeof(aPhOpt[0])), 1 };

static int ph_given(const PhOptions *o, const char *zKey){
  int i = w2v_options_index(&phOptions, zKey);
  return i>=0 && (o->given & ((uint64_t)1<<i))!=0;
}

/* ---- the table, the cursor and its result ------------------------------ */
typedef struct PhRow {
  int pass;
  W2vPhrase p;
} PhRow;

typedef struct PhCursor {
  sqlite3_vtab_cursor base;
  W2vVocab vocab;            /* every word and phrase the rows name */
  char *zDelim;
  int nDelim;
  PhRow *a;
  sqlite3_int64 n, i;
} PhCursor;

typedef struct PhVtab {
  sqlite3_vtab base;
  sqlite3 *db;
} PhVtab;

static int ph_connect(sqlite3 *db, void *pAux, int argc, const char *const*argv,
                      sqlite3_vtab **ppVtab, char **pzErr){
  PhVtab *p;
  int rc;
  (void)pAux; (void)argc; (void)argv; (void)pzErr;
  rc = sqlite3_declare_vtab(db,
    "CREATE TABLE x(phrase TEXT, count INTEGER, score REAL,"
    " tbl HIDDEN, col HIDDEN, options HIDDEN,"
    " pass INTEGER HIDDEN, joins INTEGER HIDDEN, \"left\" TEXT HIDDEN, \"right\" TEXT HIDDEN)");
  if( rc!=SQLITE_OK ) return rc;
  /* it reads a whole table that its arguments name: not from a trigger or a
  ** view of a schema that someone else may have written (as w2v_train) */
  sqlite3_vtab_config(db, SQLITE_VTAB_DIRECTONLY);
  p = sqlite3_malloc(sizeof(*p));
  if( p==0 ) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->db = db;
  *ppVtab = &p->base;
  return SQLITE_OK;
}

static int ph_disconnect(sqlite3_vtab *pVtab){
  sqlite3_free(pVtab);
  return SQLITE_OK;
}

/* The plan: table, column, options (W2V_ARG_*-style letters, those given). */
static int ph_best_index(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo){
  static const char azArg[] = { 't', 'c', 'o' };
  char zPlan[4];
  int i, idx[3] = { -1, -1, -1 }, n = 0;
  (void)pVtab;
  for(i=0; i<pInfo->nConstraint; i++){
    const struct sqlite3_index_constraint *c = &pInfo->aConstraint[i];
    if( c->iColumn<PH_TABLE || c->iColumn>PH_OPTIONS || c->op!=SQLITE_INDEX_CONSTRAINT_EQ ) continue;
    if( !c->usable ) return SQLITE_CONSTRAINT;
    idx[c->iColumn - PH_TABLE] = i;
  }
  for(i=0; i<3; i++){
    if( idx[i]<0 ) continue;
    zPlan[n] = azArg[i];
    pInfo->aConstraintUsage[idx[i]].argvIndex = ++n;
    pInfo->aConstraintUsage[idx[i]].omit = 1;
  }
  zPlan[n] = 0;
  if( w2v_plan_set(pInfo, zPlan) ) return SQLITE_NOMEM;
  pInfo->estimatedCost = (idx[0]>=0 && idx[1]>=0) ? 1e6 : 1e12;
  pInfo->estimatedRows = 1000;
  return SQLITE_OK;
}

static int ph_open(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCur){
  PhCursor *c = sqlite3_malloc(sizeof(*c));
  (void)pVtab;
  if( c==0 ) return SQLITE_NOMEM;
  memset(c, 0, sizeof(*c));
  w2v_vocab_init(&c->vocab);
  *ppCur = &c->base;
  return SQLITE_OK;
}

static void ph_reset(PhCursor *c){
  w2v_vocab_free(&c->vocab);
  sqlite3_free(c->a);
  sqlite3_free(c->zDelim);
  c->a = 0;
  c->zDelim = 0;
  c->n = c->i = 0;
}

static int ph_close(sqlite3_vtab_cursor *pCur){
  ph_reset((PhCursor*)pCur);
  sqlite3_free(pCur);
  return SQLITE_OK;
}

/* The message of a core error code. */
static int ph_core_error(sqlite3_vtab *pVtab, int64_t rc, const PhOptions *o, int pass){
  switch( rc ){
    case W2V_ERR_NOMEM: return SQLITE_NOMEM;
    case W2V_ERR_INTERRUPT: return w2v_vtab_error(pVtab, sqlite3_mprintf(FUNC ": interrupted"), SQLITE_INTERRUPT);
    case W2V_ERR_LIMIT:
      return w2v_vtab_error(pVtab, sqlite3_mprintf(FUNC ": counting the word pairs of pass %d needs more than "
                                                  "max_memory=%lld MiB; raise max_memory", pass, o->maxMemory>>20),
                            SQLITE_TOOBIG);
    default:
      /* W2V_ERR_FULL (= W2V_ERR_INVALID): ids come from the reader, so only
      ** a full vocabulary or a phrase over 4 GB can get here */
      return w2v_vtab_error(pVtab, sqlite3_mprintf(FUNC ": pass %d: more than 2147483647 distinct words "
                                                  "and phrases, or a phrase over 4 GB", pass), SQLITE_TOOBIG);
  }
}

/* Reads every row of zTable.zColumn into vocab and c, through the
** tokenizer and folding the options name (as w2v_train reads them). */
static int ph_read_rows(sqlite3 *db, const PhOptions *o, const char *zTable, const char *zColumn,
                        W2vVocab *vocab, W2vCorpus *c, char **pzErr){
  W2vText t;
  int rc = w2v_text_open(db, 0, FUNC, o->zTokenize, o->lower ? W2V_FOLD_UNICODE : W2V_FOLD_NONE, &t, pzErr);
  if( rc!=SQLITE_OK ) return rc;
  rc = w2v_corpus_read(db, FUNC, zTable, zColumn, &t, 0, o->maxMemory, vocab, c, pzErr);
  w2v_text_close(&t);
  return rc;
}

static int ph_filter(sqlite3_vtab_cursor *pCur, int idxNum, const char *idxStr,
                     int argc, sqlite3_value **argv){
  PhCursor *c = (PhCursor*)pCur;
  sqlite3_vtab *pVtab = pCur->pVtab;
  sqlite3 *db;
  sqlite3_value *vTable = 0, *vColumn = 0, *vOptions = 0;
  const char *zTable, *zColumn;
  PhOptions o;
  W2vCorpus corpus;
  W2vPhraseSet set;
  sqlite3_stmt *pProbe = 0;
  char *zErr = 0;
  sqlite3_int64 nAlloc = 0;
  int rc, i, pass;
  (void)idxNum;
  ph_reset(c);
  memset(&o, 0, sizeof(o));
  memset(&corpus, 0, sizeof(corpus));
  memset(&set, 0, sizeof(set));
  for(i=0; i<argc && idxStr && idxStr[i]; i++){
    if( idxStr[i]=='t' ) vTable = argv[i];
    else if( idxStr[i]=='c' ) vColumn = argv[i];
    else if( idxStr[i]=='o' ) vOptions = argv[i];
  }
  if( vTable==0 || vColumn==0 ){
    return w2v_vtab_errorf(pVtab, FUNC ": needs (table, column[, options])");
  }
  if( sqlite3_value_type(vTable)!=SQLITE_TEXT || sqlite3_value_type(vColumn)!=SQLITE_TEXT ){
    return w2v_vtab_errorf(pVtab, FUNC ": the table and column names must be text");
  }
  if( vOptions && sqlite3_value_type(vOptions)!=SQLITE_NULL && sqlite3_value_type(vOptions)!=SQLITE_TEXT ){
    return w2v_vtab_errorf(pVtab, FUNC ": the options must be text (\"key=value, ...\")");
  }
  if( w2v_text_has_nul(vTable) ) return w2v_vtab_errorf(pVtab, FUNC ": the table name contains a NUL byte");
  if( w2v_text_has_nul(vColumn) ) return w2v_vtab_errorf(pVtab, FUNC ": the column name contains a NUL byte");
  if( vOptions && w2v_text_has_nul(vOptions) ) return w2v_vtab_errorf(pVtab, FUNC ": the options contain a NUL byte");
  zTable = (const char*)sqlite3_value_text(vTable);
  zColumn = (const char*)sqlite3_value_text(vColumn);
  if( zTable==0 || zColumn==0 ) return SQLITE_NOMEM;
  rc = w2v_options_parse(FUNC, vOptions ? (const char*)sqlite3_value_text(vOptions) : "", &phOptions, &o, &o.given, &zErr);
  if( rc!=SQLITE_OK ) return w2v_vtab_error(pVtab, zErr, rc);
  if( !ph_given(&o, "max_memory") ) o.maxMemory = w2v_default_max_memory();
  c->zDelim = sqlite3_mprintf("%s", o.zDelim ? o.zDelim : "_");
  if( c->zDelim==0 ){ rc = SQLITE_NOMEM; goto done; }
  c->nDelim = (int)strlen(c->zDelim);
  db = ((PhVtab*)pVtab)->db;

  rc = ph_read_rows(db, &o, zTable, zColumn, &c->vocab, &corpus, &zErr);
  if( rc!=SQLITE_OK ){
    rc = w2v_vtab_error(pVtab, zErr, rc);
    goto done;
  }

  pProbe = w2v_probe_open(db);
  for(pass=1; pass<=o.passes; pass++){
    W2vPhraseParams p;
    W2vCorpusView view;
    int64_t r, k, nList = 0, used;
    memset(&p, 0, sizeof(p));
    p.minCount = o.minCount;
    p.threshold = o.threshold;
    p.crossSentences = o.crossRows;
    used = w2v_corpus_bytes(&corpus) + w2v_vocab_bytes(&c->vocab);
    p.maxBytes = o.maxMemory>used + (1<<20) ? o.maxMemory - used : (1<<20);
    p.xInterrupt = pProbe ? w2v_interrupted_cb : 0;
    p.pInterruptArg = pProbe;
    view.ids = corpus.ids; view.nIds = corpus.nIds; view.ends = corpus.ends; view.nSent = corpus.nSent;
    r = w2v_phrases_score(&view, c->vocab.counts, c->vocab.n, &p, &set);
    if( r ){ rc = ph_core_error(pVtab, r, &o, pass); goto done; }
    if( pass<o.passes ){
      r = w2v_phrases_join(corpus.ids, &corpus.nIds, corpus.ends, corpus.nSent, &c->vocab, &set,
                           c->zDelim, (uint32_t)c->nDelim);
      if( r<0 ){ rc = ph_core_error(pVtab, r, &o, pass); goto done; }
    }else{
      w2v_phrases_plan(&view, &set);
    }
    for(k=0; k<set.n; k++) if( o.all || set.a[k].joins>0 ) nList++;
    if( c->n + nList > nAlloc ){
      sqlite3_int64 nNew = c->n + nList + 64;
      PhRow *a = sqlite3_realloc64(c->a, (sqlite3_uint64)nNew*sizeof(PhRow));
      if( a==0 ){ rc = SQLITE_NOMEM; goto done; }
      c->a = a;
      nAlloc = nNew;
    }
    for(k=0; k<set.n; k++){
      if( o.all || set.a[k].joins>0 ){
        c->a[c->n].pass = pass;
        c->a[c->n++].p = set.a[k];
      }
    }
    w2v_phrases_free(&set);
    if( pProbe && w2v_interrupted(pProbe) ){
      rc = w2v_vtab_error(pVtab, sqlite3_mprintf(FUNC ": interrupted"), SQLITE_INTERRUPT);
      goto done;
    }
  }
  rc = SQLITE_OK;

done:
  sqlite3_finalize(pProbe);
  w2v_phrases_free(&set);
  w2v_corpus_free(&corpus);
  w2v_options_free(&phOptions, &o);
  if( rc!=SQLITE_OK ) ph_reset(c);
  return rc;
}

static int ph_next(sqlite3_vtab_cursor *pCur){
  ((PhCursor*)pCur)->i++;
  return SQLITE_OK;
}

static int ph_eof(sqlite3_vtab_cursor *pCur){
  PhCursor *c = (PhCursor*)pCur;
  return c->i>=c->n;
}

static int ph_rowid(sqlite3_vtab_cursor *pCur, sqlite3_int64 *pRowid){
  *pRowid = ((PhCursor*)pCur)->i + 1;
  return SQLITE_OK;
}

static void ph_word(PhCursor *c, sqlite3_context *ctx, int32_t id){
  sqlite3_result_text(ctx, w2v_vocab_word(&c->vocab, id), (int)c->vocab.lens[id], SQLITE_TRANSIENT);
}

static int ph_column(sqlite3_vtab_cursor *pCur, sqlite3_context *ctx, int i){
  PhCursor *c = (PhCursor*)pCur;
  const PhRow *r = &c->a[c->i];
  switch( i ){
    case PH_PHRASE: {
      sqlite3_uint64 nA = c->vocab.lens[r->p.a], nB = c->vocab.lens[r->p.b], n = nA + c->nDelim + nB;
      char *z;
      if( n > (sqlite3_uint64)sqlite3_limit(sqlite3_context_db_handle(ctx), SQLITE_LIMIT_LENGTH, -1) ){
        sqlite3_result_error_toobig(ctx);
        break;
      }
      z = sqlite3_malloc64(n ? n : 1);
      if( z==0 ){ sqlite3_result_error_nomem(ctx); break; }
      memcpy(z, w2v_vocab_word(&c->vocab, r->p.a), nA);
      memcpy(z + nA, c->zDelim, c->nDelim);
      memcpy(z + nA + c->nDelim, w2v_vocab_word(&c->vocab, r->p.b), nB);
      sqlite3_result_text64(ctx, z, n, sqlite3_free, SQLITE_UTF8);
      break;
    }
    case PH_COUNT: sqlite3_result_int64(ctx, r->p.count); break;
    case PH_SCORE: sqlite3_result_double(ctx, (double)r->p.score); break;
    case PH_PASS:  sqlite3_result_int(ctx, r->pass); break;
    case PH_JOINS: sqlite3_result_int64(ctx, r->p.joins); break;
    case PH_LEFT:  ph_word(c, ctx, r->p.a); break;
    case PH_RIGHT: ph_word(c, ctx, r->p.b); break;
    default: break;
  }
  return SQLITE_OK;
}

const sqlite3_module w2v_phrases_module = {
  0, 0, ph_connect, ph_best_index, ph_disconnect, 0,
  ph_open, ph_close, ph_filter, ph_next, ph_eof, ph_column, ph_rowid,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
};
