/*
** update=1: continue training an existing model on new rows.
**
** The model keeps its arch, loss, dim and lower setting.  Counts add up; a
** word new to the model joins when its count in the new rows reaches
** min_count; every word keeps its vectors (new words start like a fresh
** training: random input, zero output).  The vocabulary is re-sorted by the
** new counts, so ranks may change.  hs models rebuild the Huffman tree from
** the new counts, which changes what each inner node stands for: their output
** weights start again from zero (the word vectors are kept).
**
** An imported model (w2v_import: word vectors only, arch and loss "none")
** is fine-tuned the same way, as gensim's intersect_word2vec_format + train
** and fastText's -pretrainedVectors do: input vectors from the file, output
** weights from zero, arch and loss from the options (their usual defaults
** when not given), dim and lower kept.  The file's counts are ranks, not
** occurrences: its words start from count 0, so that a word of the file
** that the rows never use is never drawn as noise and keeps its vector; it
** is stored with count 1 (the least a stored count may be), after the words
** the rows use, in the file's order.
**
** A model with subwords (minn/maxn, an imported fastText .bin too) keeps its
** minn, maxn and bucket.  Its word vectors are means, so training starts
** from the rows of <model>_ngrams instead: each old word's own row (key
** -1 - its old id) and every stored bucket a word of the merged vocabulary
** uses, read one index probe each while the trainer initialises its rows
** (w2v_update_init_row: no second copy of the weights).  New words' own
** rows and buckets the model has no row for start fresh.  The write keeps
** the stored buckets no word uses now (an imported model has all of them)
** and replaces the others.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3
#include "w2vInt.h"

/* The value of a config item as text, for messages. */
static char *item_text(const W2vConfigItem *it){
  if( it->type==SQLITE_TEXT ) return sqlite3_mprintf("%s", it->zValue);
  if( it->type==SQLITE_FLOAT ) return sqlite3_mprintf("%g", it->rValue);
  return sqlite3_mprintf("%lld", it->iValue);
}

/* An option the user gave that contradicts the model (W2V_OPT_KEPT): an error. */
static int check_kept(const W2vOptions *o, const W2vOptions *kept, char **pzErr){
  const W2vOptTable *t = &w2v_train_options;
  int i;
  for(i=0; i<t->n; i++){
    W2vConfigItem a, b;
    char *zA, *zB;
    if( !(t->a[i].flags & W2V_OPT_KEPT) || !(o->given & ((uint64_t)1<<i)) ) continue;
    if( w2v_options_equal(t, i, o, kept) ) continue;
    w2v_options_item(t, o, i, &a);
    w2v_options_item(t, kept, i, &b);
    zA = item_text(&a);
    zB = item_text(&b);
    if( zA && zB ){
      *pzErr = sqlite3_mprintf("w2v_train: update=1 continues model '%s', whose %s is %s, not %s",
                               o->zModel, t->a[i].zKey, zB, zA);
    }
    sqlite3_free(zA);
    sqlite3_free(zB);
    return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
  }
  return SQLITE_OK;
}

int w2v_update_begin(W2vConn *conn, W2vOptions *o, W2vUpdate *u, char **pzErr){
  W2vOptions kept;
  W2vModel *m = 0;
  int rc;
  memset(u, 0, sizeof(*u));
  rc = w2v_model_acquire(conn, "w2v_train", 0, o->zModel, &m, pzErr);
  if( rc!=SQLITE_OK ) return rc;
  u->m = m;
  if( m->clf ){
    *pzErr = sqlite3_mprintf("w2v_train: update=1 cannot continue model '%s', a classifier (train it again "
                             "with label=%s, replace=1)", o->zModel, m->clf->zLabelColumn);
    return SQLITE_ERROR;
  }
  if( m->maxn==0 && (w2v_train_given(o, "minn") || w2v_train_given(o, "maxn") || w2v_train_given(o, "bucket")) ){
    *pzErr = sqlite3_mprintf("w2v_train: update=1 continues model '%s', which has no subwords: minn, maxn and bucket "
                             "cannot be given (subwords are not added to a model; train it again with replace=1)",
                             o->zModel);
    return SQLITE_ERROR;
  }
  u->imported = m->loss==W2V_LOSS_NONE;
  u->db = conn->db;
  /* output weights continue from the model's, or start from zero when it has
  ** none (imported, or saved with output=0) */
  if( !u->imported && m->hasOutput ){
    rc = w2v_model_output(conn->db, m, "w2v_train", pzErr);
    if( rc!=SQLITE_OK ) return rc;
  }
  /* subwords: the rows start from <model>_ngrams (w2v_update_init_row), not
  ** from the word vectors, which are their means */
  if( m->maxn==0 ){
    rc = w2v_model_input(conn->db, m, "w2v_train", pzErr);
    if( rc!=SQLITE_OK ) return rc;
  }
  w2v_vocab_init(&u->phrases.parts);
  if( m->nPhrasePass ){
    char *zWhat = 0;
    rc = w2v_store_read_phrases(conn->db, m->zSchema, m->zName, m->nPhrasePass, m->zPhraseDelim,
                                w2v_learnt_add, &u->phrases, &zWhat);
    if( rc!=SQLITE_OK ){
      *pzErr = zWhat ? sqlite3_mprintf("w2v_train: model '%s': %s", m->zName, zWhat) : 0;
      sqlite3_free(zWhat);
      return rc;
    }
  }
  if( w2v_train_given(o, "max_vocab") ){
    *pzErr = sqlite3_mprintf("w2v_train: max_vocab cannot be combined with update=1 (the model keeps all its words)");
    return SQLITE_ERROR;
  }
  kept = *o;
  if( !u->imported ){           /* imported: the options' arch and loss */
    kept.arch = m->arch;
    kept.loss = m->loss;
  }
  kept.dim = m->dim;
  kept.lower = m->lower;
  kept.fold = m->fold;
  kept.storage = m->storage;
  kept.minn = m->minn;
  kept.maxn = m->maxn;
  kept.bucket = m->bucket;
  /* subwords: fastText's noise distribution, as when the model was trained */
  if( m->maxn>0 && !w2v_train_given(o, "ns_exponent") ) kept.nsExponent = 0.5;
  if( !u->imported ) kept.output = m->hasOutput;   /* imported: output=1 unless given */
  rc = check_kept(o, &kept, pzErr);
  if( rc!=SQLITE_OK ) return rc;
  /* the tokenizer too: given, it must be the model's; not given, it is */
  if( w2v_train_given(o, "tokenize")
   && !(o->zTokenize==0 ? m->zTokenize==0 : m->zTokenize && strcmp(o->zTokenize, m->zTokenize)==0) ){
    *pzErr = sqlite3_mprintf("w2v_train: update=1 continues model '%s', whose tokenize is %s, not %s",
                             o->zModel, m->zTokenize ? m->zTokenize : "whitespace",
                             o->zTokenize ? o->zTokenize : "whitespace");
    return SQLITE_ERROR;
  }
  kept.zTokenize = m->zTokenize ? sqlite3_mprintf("%s", m->zTokenize) : 0;
  if( m->zTokenize && kept.zTokenize==0 ) return SQLITE_NOMEM;
  sqlite3_free(o->zTokenize);
  *o = kept;
  w2v_options_default_alpha(o);
  if( o->loss==W2V_LOSS_NS && o->negative<1 ){
    *pzErr = sqlite3_mprintf("w2v_train: loss=ns needs negative >= 1");
    return SQLITE_ERROR;
  }
  return SQLITE_OK;
}

void w2v_update_end(W2vUpdate *u){
  sqlite3_finalize(u->pNgram);
  sqlite3_free(u->zErr);
  w2v_core_free(u->initFrom);
  w2v_learnt_free(&u->phrases);
  w2v_model_release(u->m);
  memset(u, 0, sizeof(*u));
}

int w2v_update_merge(W2vUpdate *u, const W2vOptions *o, const W2vVocab *raw,
                     W2vVocab *vocab, int32_t *remap, char **pzErr){
  W2vModel *m = u->m;
  W2vVocab comb;
  int32_t *combRemap = 0;
  int64_t i, nOld;
  int rc = SQLITE_OK;
  /* the model's words first (their ids stay 0..nOld-1), then new ones */
  w2v_vocab_init(&comb);
  nOld = m->vocab.n;
  for(i=0; i<nOld && rc==SQLITE_OK; i++){
    int64_t c = u->imported ? 0 : m->vocab.counts[i];      /* a file's counts are ranks */
    if( w2v_vocab_add(&comb, w2v_vocab_word(&m->vocab, i), m->vocab.lens[i], c)<0 ) rc = SQLITE_NOMEM;
  }
  for(i=0; i<raw->n && rc==SQLITE_OK; i++){
    const char *w = w2v_vocab_word(raw, i);
    int64_t id = w2v_vocab_find(&comb, w, raw->lens[i]);
    if( id>=0 ) comb.counts[id] = w2v_sat_add(comb.counts[id], raw->counts[i]);
    else if( raw->counts[i]>=o->minCount && w2v_vocab_add(&comb, w, raw->lens[i], raw->counts[i])<0 ) rc = SQLITE_NOMEM;
  }
  combRemap = w2v_core_malloc(sizeof(int32_t)*(size_t)(comb.n ? comb.n : 1));
  u->initFrom = w2v_core_malloc(sizeof(int32_t)*(size_t)(comb.n ? comb.n : 1));
  /* comb holds only words to keep: min count 0 keeps an imported model's
  ** words that the rows do not use */
  if( rc!=SQLITE_OK || !combRemap || !u->initFrom || w2v_vocab_prune(&comb, 0, 0, vocab, combRemap) ){
    rc = SQLITE_NOMEM;
    goto done;
  }
  for(i=0; i<raw->n; i++){
    int64_t id = w2v_vocab_find(&comb, w2v_vocab_word(raw, i), raw->lens[i]);
    remap[i] = id>=0 ? combRemap[id] : -1;
  }
  for(i=0; i<vocab->n; i++) u->initFrom[i] = -1;
  for(i=0; i<nOld; i++) if( combRemap[i]>=0 ) u->initFrom[combRemap[i]] = (int32_t)i;
  u->initIn = m->maxn>0 ? 0 : m->in;     /* subwords: w2v_update_init_row */
  u->initOut = m->loss==W2V_LOSS_HS ? 0 : m->out;
  u->nOld = nOld;
  u->nNew = vocab->n - nOld;
done:
  if( rc!=SQLITE_OK ){
    w2v_core_free(u->initFrom);
    u->initFrom = 0;
    if( rc==SQLITE_NOMEM ) *pzErr = sqlite3_mprintf("w2v_train: out of memory");
  }
  w2v_core_free(combRemap);
  w2v_vocab_free(&comb);
  return rc;
}

void w2v_update_stored_counts(const W2vUpdate *u, W2vVocab *vocab){
  int64_t i;
  if( !u->imported ) return;
  for(i=0; i<vocab->n; i++) if( vocab->counts[i]<1 ) vocab->counts[i] = 1;
}

/* SQLITE_OK while the stored model is still the one u->m was read from
** (the rows' source, a view, may have retrained it): else the error a
** write that lost the race gives. */
static int still_current(W2vUpdate *u, char **pzErr){
  sqlite3_int64 gen = w2v_store_generation(u->db, u->m->zSchema, u->m->zName);
  if( gen==u->m->generation ) return SQLITE_OK;
  if( gen==W2V_GEN_NOMEM ) return SQLITE_NOMEM;
  *pzErr = sqlite3_mprintf("w2v_train: model '%s' was %s by another connection while training (or by SQL run "
                           "inside this statement); nothing was written, run it again", u->m->zName,
                           gen==W2V_GEN_NONE ? "dropped" : "changed");
  return SQLITE_BUSY;
}

int w2v_update_subwords(W2vUpdate *u, const W2vSubwords *sub, char **pzErr){
  char *zWhat = 0;
  int rc = still_current(u, pzErr);
  if( rc!=SQLITE_OK ) return rc;
  rc = w2v_store_ngram_prepare(u->db, u->m->zSchema, u->m->zName, &u->pNgram, &zWhat);
  u->sub = sub;
  if( rc!=SQLITE_OK && rc!=SQLITE_NOMEM ){
    *pzErr = sqlite3_mprintf("w2v_train: model '%s': %s", u->m->zName, zWhat ? zWhat : "cannot read its n-grams");
  }
  sqlite3_free(zWhat);
  return rc;
}

int w2v_update_init_row(void *pUpdate, int64_t row, float *v){
  W2vUpdate *u = pUpdate;
  W2vModel *m = u->m;
  sqlite3_int64 key;
  char *zWhat = 0;
  int rc;
  if( row < u->sub->nWord ){
    int32_t f = u->initFrom[row];
    if( f<0 ) return 0;                    /* a new word: a fresh row */
    key = -1 - (sqlite3_int64)f;           /* the model's word f */
  }else{
    key = u->sub->bucket[row - u->sub->nWord];
  }
  rc = w2v_store_ngram_read(u->db, u->pNgram, m->zName, m->dim, key, v, &zWhat);
  if( rc==SQLITE_ROW ) return 0;
  if( rc==SQLITE_DONE ){
    if( key>=0 ) return 0;                 /* a bucket the model has no row for: fresh */
    zWhat = sqlite3_mprintf("%s_ngrams has no row for word %lld", m->zName, -key);
    rc = zWhat ? SQLITE_CORRUPT : SQLITE_NOMEM;
  }
  u->rc = rc;
  if( rc==SQLITE_CORRUPT && still_current(u, &u->zErr)!=SQLITE_OK ){
    /* not damage: another connection changed the model between two reads */
    u->rc = u->zErr ? SQLITE_BUSY : SQLITE_NOMEM;
  }else if( rc==SQLITE_INTERRUPT ){
    u->zErr = sqlite3_mprintf("w2v_train: interrupted");
  }else if( zWhat ){
    u->zErr = sqlite3_mprintf("w2v_train: model '%s': %s", m->zName, zWhat);
  }
  sqlite3_free(zWhat);
  return 1;
}
