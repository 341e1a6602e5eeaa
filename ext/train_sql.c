/*
** w2v_train(table, column, options): read the rows, build the vocabulary,
** train in worker threads while this thread watches for sqlite3_interrupt(),
** then write the model in one savepoint.  Nothing is written before
** training has succeeded, and the write re-checks that the model is still
** as it was when the call started, so an error, an interrupt or a race with
** another writer leaves the database as it was.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3
#include "w2vInt.h"

static double now_seconds(void){
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec*1e-9;
}

/* progress=1: one line on stderr, redrawn in place (\r). */
static void draw_progress(W2vTrainer *t, const W2vOptions *o, int final){
  W2vProgress p;
  double eta;
  w2v_train_snapshot(t, &p);
  eta = p.fraction>0 ? p.seconds*(1.0-p.fraction)/p.fraction : 0;
  fprintf(stderr, "\rw2v_train %s: %5.1f%%  epoch %d/%d  %.2f M words/s  loss %.4f  ETA %d:%02d ",
          o->zModel, 100.0*p.fraction, p.epoch>o->epochs ? o->epochs : p.epoch, o->epochs,
          p.wordsPerSecond/1e6, isnan(p.loss) ? 0.0 : p.loss, (int)eta/60, (int)eta%60);
  if( final ) fputc('\n', stderr);
  fflush(stderr);
}

/* Runs the trainer to the end, cancelling it on an interrupt. */
static int run_training(sqlite3 *db, W2vTrainer *t, const W2vOptions *o, char **pzErr){
  sqlite3_stmt *pProbe = w2v_probe_open(db);
  W2vTrainEnd r;
  int tick = 0;
  if( pProbe==0 ){
    /* no way to see an interrupt (out of memory): stop, write nothing */
    w2v_train_cancel(t);
    w2v_train_join(t);
    return SQLITE_NOMEM;
  }
  while( !w2v_train_done(t) ){
    struct timespec ts = { 0, 10*1000*1000 };
    nanosleep(&ts, 0);
    if( w2v_interrupted(pProbe) ){ w2v_train_cancel(t); break; }
    if( o->progress && ++tick%25==0 ) draw_progress(t, o, 0);   /* 4 times a second */
  }
  if( o->progress ) draw_progress(t, o, 1);
  sqlite3_finalize(pProbe);
  r = w2v_train_join(t);
  return w2v_train_end_error(r, pzErr);
}

/* The JSON summary returned by w2v_train (and kept in <model>_config). */
static char *summary_json(const W2vOptions *o, const W2vVocab *v, int64_t corpusWords,
                          W2vTrainer *t, double seconds, const W2vUpdate *u){
  sqlite3_str *s = sqlite3_str_new(0);
  int nEpoch, e;
  const W2vEpochStats *st = w2v_train_stats(t, &nEpoch);
  int64_t words = 0, pred = 0;
  double loss = 0;
  for(e=0; e<nEpoch; e++) words += st[e].words;
  if( nEpoch>0 ){ pred = st[nEpoch-1].predictions; loss = st[nEpoch-1].loss; }
  sqlite3_str_appendall(s, "{\"model\":");
  w2v_json_string(s, o->zModel);
  sqlite3_str_appendf(s,
    ",\"arch\":\"%s\",\"loss\":\"%s\",\"dim\":%d,\"vocab_size\":%lld,"
    "\"corpus_words\":%lld,\"words\":%lld,\"epochs\":%d,\"threads\":%d,"
    "\"seconds\":%.3f,\"words_per_second\":%.0f,\"final_loss\":%.6g,\"epoch_stats\":[",
    w2v_arch_name(o->arch), w2v_loss_name(o->loss), o->dim, (sqlite3_int64)v->n,
    (sqlite3_int64)corpusWords, (sqlite3_int64)words, o->epochs, o->threads, seconds,
    seconds>0 ? (double)words/seconds : 0.0, pred>0 ? loss/(double)pred : 0.0);
  for(e=0; e<nEpoch; e++){
    sqlite3_str_appendf(s,
      "%s{\"epoch\":%d,\"words\":%lld,\"effective_words\":%lld,\"alpha\":%.6g,"
      "\"loss\":%.6g,\"seconds\":%.3f}", e ? "," : "", e+1, (sqlite3_int64)st[e].words,
      (sqlite3_int64)st[e].effective, st[e].alpha,
      st[e].predictions>0 ? st[e].loss/(double)st[e].predictions : 0.0, st[e].seconds);
  }
  sqlite3_str_appendall(s, "]");
  if( u ) sqlite3_str_appendf(s, ",\"update\":true,\"previous_vocab_size\":%lld,\"new_words\":%lld",
                              (sqlite3_int64)u->nOld, (sqlite3_int64)u->nNew);
  sqlite3_str_appendall(s, "}");
  return sqlite3_str_finish(s);
}

/* vocab= and exclude= on the words read (raw, with their counts): a word
** not to be kept gets count 0, which min_count (>= 1) then drops; vocab=
** with a count column gives every listed word that count, read or not
** (word2vec.c's -read-vocab).  The excluded words go to *pExcluded. */
static int apply_word_lists(sqlite3 *db, const W2vOptions *o, W2vText *text, W2vVocab *raw,
                            W2vVocab *pExcluded, int *pVocabCounts, char **pzErr){
  int64_t i;
  int hasCount = 0, rc;
  /* with phrases, a listed "New York" is the phrase new_york */
  const char *zJoin = o->phrases ? o->zPhraseDelim : 0;
  *pVocabCounts = 0;
  if( o->zVocab ){
    W2vVocab keep;
    w2v_vocab_init(&keep);
    rc = w2v_word_list_read(db, "vocab", o->zVocab, text, zJoin, 1, &keep, &hasCount, pzErr);
    for(i=0; rc==SQLITE_OK && i<raw->n; i++){
      int64_t k = w2v_vocab_find(&keep, w2v_vocab_word(raw, i), raw->lens[i]);
      raw->counts[i] = k<0 ? 0 : hasCount ? keep.counts[k] : raw->counts[i];
    }
    for(i=0; rc==SQLITE_OK && hasCount && i<keep.n; i++){
      if( w2v_vocab_find(raw, w2v_vocab_word(&keep, i), keep.lens[i])<0
       && w2v_vocab_add(raw, w2v_vocab_word(&keep, i), keep.lens[i], keep.counts[i])<0 ) rc = SQLITE_NOMEM;
    }
    w2v_vocab_free(&keep);
    if( rc!=SQLITE_OK ) return rc;
    *pVocabCounts = hasCount;
  }
  if( o->zExclude ){
    rc = w2v_word_list_read(db, "exclude", o->zExclude, text, zJoin, 0, pExcluded, &hasCount, pzErr);
    if( rc!=SQLITE_OK ) return rc;
    for(i=0; i<pExcluded->n; i++){
      int64_t id = w2v_vocab_find(raw, w2v_vocab_word(pExcluded, i), pExcluded->lens[i]);
      if( id>=0 ) raw->counts[id] = 0;
    }
  }
  return SQLITE_OK;
}

/* The trained model and the options kept with it, in one savepoint. */
static int save_model(sqlite3 *db, const W2vOptions *o, const W2vTarget *target, const W2vVocab *vocab,
                      W2vTrainer *t, const char *zJson, const W2vUpdate *u, const W2vLearntPhrases *learnt,
                      const W2vCorpus *corpus, const W2vSubwords *sub, const float *composed, char **pzErr){
  const W2vOptTable *ot = &w2v_train_options;
  W2vConfigItem aItem[40];
  W2vStoreModel s;
  int i;
  memset(&s, 0, sizeof(s));
  s.zSchema = target->zSchema;
  s.zModel = target->zName;
  s.arch = o->arch; s.loss = o->loss; s.dim = o->dim; s.lower = o->lower;
  s.fold = o->fold;
  s.zTokenize = o->zTokenize;
  if( u && u->m->nPhrasePass ){
    /* update=1 keeps the model's phrases */
    s.nPhrasePass = u->m->nPhrasePass;
    s.zPhraseDelim = u->m->zPhraseDelim;
    s.aPhrase = u->phrases.a;
    s.nPhrase = u->phrases.n;
  }else if( o->phrases ){
    s.nPhrasePass = o->phrases;
    s.zPhraseDelim = o->zPhraseDelim;
    s.aPhrase = learnt->a;
    s.nPhrase = learnt->n;
  }
  s.vocab = vocab;
  s.in = w2v_train_input(t);
  if( sub ){
    /* the words' vectors (their rows' means) go to <model>_input; their own
    ** rows and the n-gram rows to <model>_ngrams */
    s.in = composed;
    s.minn = o->minn; s.maxn = o->maxn; s.bucket = o->bucket;
    s.ngram = w2v_train_input(t);
    s.nNgram = vocab->n + sub->nBucket;
    s.nNgramOwn = vocab->n;
    s.ngramBucket = sub->bucket;
    /* update=1: stored buckets no word uses now (an imported fastText
    ** model keeps them all) stay; every row written replaces its own */
    s.ngramKeep = u!=0;
  }
  s.storage = o->storage;
  s.output = o->output;
  s.nOut = o->output ? w2v_loss_out_rows(o->loss, vocab->n) : 0;
  s.out = s.nOut>0 ? w2v_train_output(t) : 0;
  s.zStats = zJson;
  for(i=0; i<ot->n && s.nConfig<(int)(sizeof(aItem)/sizeof(aItem[0]))-4; i++){
    if( ot->a[i].flags & W2V_OPT_STORED ) w2v_options_item(ot, o, i, &aItem[s.nConfig++]);
  }
  if( o->docs ){
    /* documents: their vectors and keys, and config docs, doc_words,
    ** doc_key (the column, or rowid) and documents */
    W2vConfigItem *it;
    s.nDoc = corpus->keys.n;
    s.docv = w2v_train_docs(t);
    s.docKeys = &corpus->keys;
    s.docKeyText = corpus->keyText;
    it = &aItem[s.nConfig++]; memset(it, 0, sizeof(*it));
    it->zKey = "docs"; it->type = SQLITE_TEXT; it->zValue = o->docs==W2V_DOCS_DBOW ? "dbow" : "dm";
    it = &aItem[s.nConfig++]; memset(it, 0, sizeof(*it));
    it->zKey = "doc_words"; it->type = SQLITE_INTEGER; it->iValue = o->docs==W2V_DOCS_DBOW ? o->docWords : 1;
    it = &aItem[s.nConfig++]; memset(it, 0, sizeof(*it));
    it->zKey = "documents"; it->type = SQLITE_INTEGER; it->iValue = corpus->keys.n;
    it = &aItem[s.nConfig++]; memset(it, 0, sizeof(*it));
    it->zKey = "doc_key"; it->type = SQLITE_TEXT; it->zValue = o->zDocKey ? o->zDocKey : "rowid";
  }
  s.aConfig = aItem;
  return w2v_store_save(db, "w2v_train", &s, target->expectGen, pzErr);
}

void w2v_fn_train(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  W2vConn *conn = sqlite3_user_data(ctx);
  const char *zTable = (const char*)sqlite3_value_text(argv[0]);
  const char *zColumn = (const char*)sqlite3_value_text(argv[1]);
  W2vOptions o;
  W2vVocab raw, vocab;
  W2vCorpus corpus;
  W2vTrainer *t = 0;
  W2vUpdate upd;
  int32_t *remap = 0;
  char *zErr = 0, *zJson = 0;
  int rc;
  W2vTarget target;
  W2vText text;
  W2vVocab excluded;
  W2vLearntPhrases learnt;
  W2vSubwords sub;
  float *composed = 0;
  int vocabCounts = 0;             /* vocab= gave the counts */
  double t0 = now_seconds();

  memset(&corpus, 0, sizeof(corpus));
  memset(&upd, 0, sizeof(upd));
  memset(&sub, 0, sizeof(sub));
  w2v_vocab_init(&raw);
  w2v_vocab_init(&vocab);
  w2v_vocab_init(&excluded);
  memset(&learnt, 0, sizeof(learnt));
  w2v_vocab_init(&learnt.parts);
  static const char *const azWhat[] = { "table name", "column name", "options", 0 };
  if( w2v_args_have_nul(ctx, "w2v_train", argc, argv, azWhat) ) return;
  if( zTable==0 || zColumn==0 ){
    sqlite3_result_error(ctx, "w2v_train: table and column must not be NULL", -1);
    return;
  }
  rc = w2v_train_options_parse("w2v_train", (const char*)sqlite3_value_text(argv[2]), &o, &zErr);
  if( rc!=SQLITE_OK ){ w2v_result_error(ctx, zErr, rc); return; }
  if( o.zLabel ){
    /* label=: a classifier (clf_train.c) */
    w2v_clf_train(ctx, zTable, zColumn, &o);
    w2v_options_free(&w2v_train_options, &o);
    return;
  }

  rc = w2v_target_open(db, "w2v_train", o.zModel, o.replace || o.update,
                       "(replace=1 retrains it, update=1 continues it)", &target, &zErr);
  if( rc!=SQLITE_OK ) goto done;
  if( target.state!=W2V_NAME_MODEL && o.update ){
    zErr = sqlite3_mprintf("w2v_train: update=1 needs an existing model '%s'", o.zModel);
    rc = SQLITE_ERROR; goto done;
  }

  if( o.update ){
    rc = w2v_update_begin(conn, &o, &upd, &zErr);
    if( rc!=SQLITE_OK ) goto done;
    if( upd.m->docMeta.docs ){
      zErr = sqlite3_mprintf("w2v_train: update=1 cannot continue model '%s': it has document vectors (docs=%s), "
                             "which update=1 does not train; retrain it with replace=1", o.zModel,
                             upd.m->docMeta.docs==W2V_DOCS_DBOW ? "dbow" : "dm");
      rc = SQLITE_ERROR; goto done;
    }
  }
  rc = w2v_text_open(db, 0, "w2v_train", o.zTokenize, o.fold, &text, &zErr);
  if( rc!=SQLITE_OK ) goto done;
  if( o.docs ){
    rc = w2v_corpus_read_docs(db, "w2v_train", zTable, zColumn, o.zDocKey, &text, 0, o.maxMemory, &raw, &corpus, &zErr);
  }else{
    rc = w2v_corpus_read(db, "w2v_train", zTable, zColumn, &text, o.update ? upd.m : 0, o.maxMemory, &raw, &corpus, &zErr);
  }
  if( rc==SQLITE_OK && o.phrases ){
    rc = w2v_corpus_phrases(db, &corpus, &raw, o.phrases, o.phraseMinCount, o.phraseThreshold, o.zPhraseDelim,
                            o.maxMemory - w2v_corpus_bytes(&corpus) - w2v_vocab_bytes(&raw), &learnt, &zErr);
  }
  if( rc==SQLITE_OK ) rc = apply_word_lists(db, &o, &text, &raw, &excluded, &vocabCounts, &zErr);
  w2v_text_close(&text);
  if( rc!=SQLITE_OK ) goto done;
  remap = malloc((raw.n ? raw.n : 1) * sizeof(int32_t));
  if( remap==0 ){ rc = SQLITE_NOMEM; goto done; }
  if( o.update ){
    int64_t i;
    rc = w2v_update_merge(&upd, &o, &raw, &vocab, remap, &zErr);
    if( rc!=SQLITE_OK ) goto done;
    /* an excluded word the model already has stays in it, untrained here */
    for(i=0; i<excluded.n; i++){
      int64_t id = w2v_vocab_find(&raw, w2v_vocab_word(&excluded, i), excluded.lens[i]);
      if( id>=0 ) remap[id] = -1;
    }
  }else if( w2v_vocab_prune(&raw, o.minCount, o.maxVocab, &vocab, remap) ){
    rc = SQLITE_NOMEM; goto done;
  }
  if( vocab.n==0 ){
    zErr = sqlite3_mprintf("w2v_train: no word of %s.%s occurs min_count=%lld times or more "
                           "(%lld distinct words, %lld tokens)", zTable, zColumn,
                           o.minCount, (sqlite3_int64)raw.n, (sqlite3_int64)corpus.nIds);
    rc = SQLITE_ERROR; goto done;
  }
  w2v_corpus_remap(&corpus, remap);
  free(remap); remap = 0;
  if( o.update && corpus.nIds==0 ){
    zErr = sqlite3_mprintf("w2v_train: update=1 found no words in %s.%s to train on; model '%s' left as it was",
                           zTable, zColumn, o.zModel);
    rc = SQLITE_ERROR; goto done;
  }
  w2v_vocab_free(&raw);
  if( o.maxn>0 ){
    /* every word's n-gram rows, once */
    int r = w2v_subwords_build(&vocab, o.minn, o.maxn, o.bucket, &sub);
    if( r==W2V_ERR_INVALID ){
      zErr = sqlite3_mprintf("w2v_train: the words and their n-grams need more than 2^31-1 rows; use a smaller bucket or maxn");
      rc = SQLITE_TOOBIG; goto done;
    }
    if( r ){ rc = SQLITE_NOMEM; goto done; }
    if( o.update ){
      rc = w2v_update_subwords(&upd, &sub, &zErr);
      if( rc!=SQLITE_OK ) goto done;
    }
  }

  {
    W2vTrainParams p;
    W2vCorpusView view;
    char *zTErr = 0;
    memset(&p, 0, sizeof(p));
    p.arch = o.arch; p.loss = o.loss; p.dim = o.dim; p.window = o.window;
    p.negative = o.negative; p.epochs = o.epochs; p.threads = o.threads;
    p.nsExponent = o.nsExponent; p.sample = o.sample; p.alpha = o.alpha;
    p.minAlpha = o.minAlpha; p.seed = o.seed;
    p.sub = o.maxn>0 ? &sub : 0;
    p.initFrom = upd.initFrom; p.initIn = upd.initIn; p.initOut = upd.initOut;
    if( o.update && o.maxn>0 ){
      /* the model's rows, from <model>_ngrams */
      p.xInitRow = w2v_update_init_row;
      p.pInitCtx = &upd;
    }
    p.docs = o.docs; p.docWords = o.docWords; p.nDoc = corpus.keys.n;
    if( vocabCounts ){
      /* the table's counts are the model's: sub-sample against their sum */
      int64_t i;
      for(i=0; i<vocab.n; i++) p.sampleTotal += (double)vocab.counts[i];
    }
    view.ids = corpus.ids; view.nIds = corpus.nIds;
    view.ends = corpus.ends; view.nSent = corpus.nSent;
    view.doc = corpus.doc;
    if( o.docs && corpus.keys.n==0 ){
      zErr = sqlite3_mprintf("w2v_train: docs=%s found no documents in %s.%s (every row is NULL)",
                             o.docs==W2V_DOCS_DBOW ? "dbow" : "dm", zTable, zColumn);
      rc = SQLITE_ERROR; goto done;
    }
    {
      /* refuse before allocating, rather than be killed half way */
      int64_t s, longest = 0, prev = 0, need;
      for(s=0; s<corpus.nSent; s++){ if( corpus.ends[s]-prev>longest ) longest = corpus.ends[s]-prev; prev = corpus.ends[s]; }
      need = w2v_train_bytes(&p, vocab.n, corpus.nIds, longest) + w2v_corpus_bytes(&corpus) + w2v_vocab_bytes(&vocab);
      /* subwords: the rows of every word, and their means for storage */
      if( p.sub ) need += w2v_subwords_bytes(vocab.n, sub.start[vocab.n]) + vocab.n*(int64_t)o.dim*(int64_t)sizeof(float);
      if( need>o.maxMemory ){
        zErr = sqlite3_mprintf("w2v_train: training needs about %lld MiB (weights %lld MiB for %lld words x dim %d), "
                               "over max_memory=%lld MiB; lower dim or max_vocab, or raise max_memory",
                               (sqlite3_int64)(need>>20), (sqlite3_int64)(w2v_train_bytes(&p, vocab.n, 0, 0)>>20),
                               (sqlite3_int64)vocab.n, o.dim, o.maxMemory>>20);
        rc = SQLITE_TOOBIG; goto done;
      }
    }
    t = w2v_train_start(&p, &view, vocab.counts, vocab.n, &zTErr);
    if( t==0 && upd.rc ){
      /* reading the model's rows failed: its reason */
      w2v_core_free(zTErr);
      rc = upd.rc;
      zErr = upd.zErr;
      upd.zErr = 0;
      goto done;
    }
    if( t==0 ){
      zErr = sqlite3_mprintf("w2v_train: %s", zTErr ? zTErr : "out of memory");
      w2v_core_free(zTErr);   /* the core allocated it */
      rc = SQLITE_NOMEM; goto done;
    }
  }
  rc = run_training(db, t, &o, &zErr);
  if( rc!=SQLITE_OK ) goto done;

  zJson = summary_json(&o, &vocab, corpus.nIds, t, now_seconds() - t0, o.update ? &upd : 0);
  if( zJson && o.docs ){
    /* documents: the summary says how many ("docs" and "documents") */
    char *z = sqlite3_mprintf("%.*s,\"docs\":\"%s\",\"documents\":%lld}", (int)strlen(zJson)-1, zJson,
                              o.docs==W2V_DOCS_DBOW ? "dbow" : "dm", (sqlite3_int64)corpus.keys.n);
    sqlite3_free(zJson);
    zJson = z;
  }
  if( zJson==0 ){ rc = SQLITE_NOMEM; goto done; }
  if( (sqlite3_int64)strlen(zJson) > sqlite3_limit(db, SQLITE_LIMIT_LENGTH, -1) ){
    /* the result could not be returned: refuse before writing anything */
    zErr = sqlite3_mprintf("w2v_train: the summary (%lld bytes) is over this connection's length limit (%d); "
                           "nothing was written", (sqlite3_int64)strlen(zJson), sqlite3_limit(db, SQLITE_LIMIT_LENGTH, -1));
    rc = SQLITE_TOOBIG; goto done;
  }

  if( o.update ) w2v_update_stored_counts(&upd, &vocab);
  if( o.maxn>0 ){
    int64_t w;
    composed = w2v_core_malloc(sizeof(float)*(size_t)vocab.n*(size_t)o.dim);
    if( composed==0 ){ rc = SQLITE_NOMEM; goto done; }
    for(w=0; w<vocab.n; w++) w2v_subwords_compose(&sub, w2v_train_input(t), o.dim, w, composed + w*o.dim);
  }
  w2v_conn_pin(conn, target.zSchema, target.zName);
  w2v_learnt_rows(&learnt);
  w2v_learnt_rows(&upd.phrases);
  rc = save_model(db, &o, &target, &vocab, t, zJson, o.update ? &upd : 0, &learnt, &corpus,
                  o.maxn>0 ? &sub : 0, composed, &zErr);
  if( rc!=SQLITE_OK ) goto done;
  w2v_conn_forget(conn, target.zSchema, target.zName);
  /* handed over, not copied: nothing may fail once the model is written */
  sqlite3_result_text(ctx, zJson, -1, sqlite3_free);
  zJson = 0;

done:
  if( rc!=SQLITE_OK ){
    if( zErr==0 && rc==SQLITE_NOMEM ) zErr = sqlite3_mprintf("w2v_train: out of memory");
    w2v_result_error(ctx, zErr, rc);
  }
  sqlite3_free(zJson);
  w2v_train_free(t);
  w2v_core_free(composed);
  w2v_subwords_free(&sub);
  w2v_update_end(&upd);
  free(remap);
  w2v_corpus_free(&corpus);
  w2v_vocab_free(&raw);
  w2v_vocab_free(&vocab);
  w2v_vocab_free(&excluded);
  w2v_learnt_free(&learnt);
  w2v_options_free(&w2v_train_options, &o);
}
