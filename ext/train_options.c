/*
** The options of w2v_train: one descriptor row each (options.c does the
** rest).  Defaults that depend on the machine or on other options (threads,
** max_memory, alpha, min_alpha) are set after parsing.
*/
#include <math.h>
#include <stddef.h>
#include <string.h>
#include "port.h"
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3
#include "w2vInt.h"

static const W2vOptName aArch[] = { { "skipgram", W2V_SKIPGRAM }, { "cbow", W2V_CBOW },
                                    { "", -1 }, { "sg", W2V_SKIPGRAM }, { 0, 0 } };
static const W2vOptName aLoss[] = { { "ns", W2V_LOSS_NS }, { "hs", W2V_LOSS_HS },
                                    { "softmax", W2V_LOSS_SOFTMAX }, { "ova", W2V_LOSS_OVA }, { 0, 0 } };
static const W2vOptName aDocs[] = { { "none", W2V_DOCS_NONE }, { "dbow", W2V_DOCS_DBOW },
                                    { "dm", W2V_DOCS_DM }, { 0, 0 } };
const W2vOptName w2v_storage_names[] = { { "float32", W2V_STORE_F32 }, { "float16", W2V_STORE_F16 },
                                         { "int8", W2V_STORE_I8 }, { 0, 0 } };

#define OFF(f) offsetof(W2vOptions, f)
#define I32 W2V_OPT_INT32
#define ST  W2V_OPT_STORED
#define KEPT W2V_OPT_KEPT
static const W2vOptDesc aTrainOpt[] = {
  /* key            type          lo     hi              default  field              flags         */
  { "model",       W2V_OPT_TEXT, 0, 0,                  NAN,  OFF(zModel),     0 },
  { "arch",        W2V_OPT_NAME, 0, 0,                  W2V_SKIPGRAM, OFF(arch), KEPT, aArch },
  { "loss",        W2V_OPT_NAME, 0, 0,                  W2V_LOSS_NS, OFF(loss),  KEPT, aLoss },
  { "dim",         W2V_OPT_INT,  1, W2V_MAX_DIM,        100,  OFF(dim),        I32|KEPT },
  { "window",      W2V_OPT_INT,  1, 1000,               5,    OFF(window),     I32|ST },
  { "negative",    W2V_OPT_INT,  0, 1000,               5,    OFF(negative),   I32|ST },
  { "ns_exponent", W2V_OPT_REAL, -10, 10,               0.75, OFF(nsExponent), ST },
  { "min_count",   W2V_OPT_INT,  1, 9.0e18,             5,    OFF(minCount),   ST },
  { "max_vocab",   W2V_OPT_INT,  0, (double)W2V_MAX_WORDS, 0, OFF(maxVocab),   ST },
  { "sample",      W2V_OPT_REAL, 0, 1,                  1e-3, OFF(sample),     ST },
  { "alpha",       W2V_OPT_REAL, 1e-12, 10,             NAN,  OFF(alpha),      ST },
  { "min_alpha",   W2V_OPT_REAL, 0, 10,                 NAN,  OFF(minAlpha),   ST },
  { "epochs",      W2V_OPT_INT,  1, 100000,             5,    OFF(epochs),     I32|ST },
  { "threads",     W2V_OPT_INT,  1, 256,                NAN,  OFF(threads),    I32|ST },
  { "seed",        W2V_OPT_INT,  0, 9.0e18,             1,    OFF(seed),       ST },
  { "lower",       W2V_OPT_INT,  0, 1,                  0,    OFF(lower),      I32|KEPT },
  { "replace",     W2V_OPT_INT,  0, 1,                  0,    OFF(replace),    I32 },
  { "progress",    W2V_OPT_INT,  0, 1,                  0,    OFF(progress),   I32 },
  { "update",      W2V_OPT_INT,  0, 1,                  0,    OFF(update),     I32 },
  { "max_memory",  W2V_OPT_INT,  1, 1048576.0*1024,     NAN,  OFF(maxMemory),  0, 0, 0, 1048576.0 },
  { "storage",     W2V_OPT_NAME, 0, 0,                  W2V_STORE_F32, OFF(storage), KEPT, w2v_storage_names },
  { "output",      W2V_OPT_INT,  0, 1,                  1,    OFF(output),     I32|KEPT, 0, "0 or 1" },
  /* kept and stored by hand: its default is NULL (white space) */
  { "tokenize",    W2V_OPT_TEXT, 0, 0,                  NAN,  OFF(zTokenize),  0 },
  { "vocab",       W2V_OPT_TEXT, 0, 0,                  NAN,  OFF(zVocab),     0 },
  { "exclude",     W2V_OPT_TEXT, 0, 0,                  NAN,  OFF(zExclude),   0 },
  { "phrases",     W2V_OPT_INT,  0, W2V_MAX_PHRASE_PASSES, 0, OFF(phrases),   I32 },
  { "phrase_threshold", W2V_OPT_REAL, -1e30, 1e30,          100,  OFF(phraseThreshold), 0 },
  { "phrase_min_count", W2V_OPT_INT, 1, 9.0e18,         NAN,  OFF(phraseMinCount), 0 },
  { "phrase_delimiter", W2V_OPT_TEXT, 0, 0,             NAN,  OFF(zPhraseDelim), 0 },
  /* paragraph vectors: stored by hand (train_sql.c) for docs models only */
  { "docs",        W2V_OPT_NAME, 0, 0,                  W2V_DOCS_NONE, OFF(docs), 0, aDocs },
  { "doc_words",   W2V_OPT_INT,  0, 1,                  1,    OFF(docWords),   I32, 0, "0 or 1" },
  { "doc_key",     W2V_OPT_TEXT, 0, 0,                  NAN,  OFF(zDocKey),    0 },
  /* classifiers (clf_train.c): stored by it */
  { "label",       W2V_OPT_TEXT, 0, 0,                  NAN,  OFF(zLabel),     0 },
  { "word_ngrams", W2V_OPT_INT,  1, 100,                1,    OFF(wordNgrams), I32 },
  /* subwords: stored by hand (only a model that has them); bucket also a
  ** classifier's, for its word n-grams (0 allowed there: none) */
  { "minn",        W2V_OPT_INT,  0, W2V_MAX_NGRAM,      0,    OFF(minn),       I32|KEPT },
  { "maxn",        W2V_OPT_INT,  0, W2V_MAX_NGRAM,      0,    OFF(maxn),       I32|KEPT },
  { "bucket",      W2V_OPT_INT,  0, (double)W2V_MAX_BUCKET, 2000000, OFF(bucket), KEPT },
};
const W2vOptTable w2v_train_options = { aTrainOpt, (int)(sizeof(aTrainOpt)/sizeof(aTrainOpt[0])), 0 };

int w2v_train_given(const W2vOptions *o, const char *zKey){
  int i = w2v_options_index(&w2v_train_options, zKey);
  return i>=0 && (o->given & ((uint64_t)1<<i))!=0;
}

static int default_threads(void){
  long n = w2v_cpu_count();
  if( n<1 ) n = 1;
  if( n>256 ) n = 256;
  return (int)n;
}

void w2v_options_default_alpha(W2vOptions *o){
  if( !w2v_train_given(o, "alpha") ) o->alpha = o->arch==W2V_CBOW ? 0.05 : 0.025;
  if( !w2v_train_given(o, "min_alpha") ) o->minAlpha = o->alpha * 1e-4;
}

int w2v_train_options_parse(const char *zFunc, const char *z, W2vOptions *o, char **pzErr){
  int rc;
  memset(o, 0, sizeof(*o));
  rc = w2v_options_parse(zFunc, z, &w2v_train_options, o, &o->given, pzErr);
  if( rc!=SQLITE_OK ) return rc;
  if( !w2v_train_given(o, "threads") ) o->threads = default_threads();
  o->fold = o->lower ? W2V_FOLD_UNICODE : W2V_FOLD_NONE;
  if( !w2v_train_given(o, "phrase_min_count") ) o->phraseMinCount = o->minCount;
  /* subwords: fastText's noise distribution, count^0.5 (much better word and
  ** n-gram vectors with subwords than word2vec's 0.75) */
  if( o->maxn>0 && !w2v_train_given(o, "ns_exponent") ) o->nsExponent = 0.5;
  if( o->zPhraseDelim==0 && (o->zPhraseDelim = sqlite3_mprintf("_"))==0 ){
    w2v_options_free(&w2v_train_options, o);
    *pzErr = sqlite3_mprintf("%s: out of memory", zFunc);
    return SQLITE_NOMEM;
  }
  if( o->zTokenize && w2v_text_is_whitespace(o->zTokenize) ){
    sqlite3_free(o->zTokenize);
    o->zTokenize = 0;
  }
  if( !w2v_train_given(o, "max_memory") ) o->maxMemory = w2v_default_max_memory();
  if( o->zLabel ){
    /* fastText's supervised defaults */
    if( !w2v_train_given(o, "loss") ) o->loss = W2V_LOSS_SOFTMAX;
    if( !w2v_train_given(o, "alpha") ) o->alpha = 0.1;
    if( !w2v_train_given(o, "min_alpha") ) o->minAlpha = 0;
    if( !w2v_train_given(o, "min_count") ) o->minCount = 1;
    if( !w2v_train_given(o, "ns_exponent") ) o->nsExponent = 0.5;
  }
  if( o->zModel==0 ){
    *pzErr = sqlite3_mprintf("%s: option 'model' is required (model=NAME)", zFunc);
  }else if( o->zLabel==0 && o->loss==W2V_LOSS_OVA ){
    *pzErr = sqlite3_mprintf("%s: loss=ova is for classifiers (label=COLUMN)", zFunc);
  }else if( o->zLabel==0 && w2v_train_given(o, "word_ngrams") ){
    *pzErr = sqlite3_mprintf("%s: word_ngrams= is for classifiers (label=COLUMN)", zFunc);
  }else if( o->zLabel && o->zLabel[0]==0 ){
    *pzErr = sqlite3_mprintf("%s: label= needs a column name", zFunc);
  }else if( o->zLabel && (o->update || o->phrases || o->zVocab || o->zExclude || !o->output
                          || w2v_train_given(o, "arch") || w2v_train_given(o, "window") || w2v_train_given(o, "sample")) ){
    const char *zWhat = o->update ? "update=1 (a classifier is trained again with replace=1)"
                      : o->phrases ? "phrases=" : o->zVocab ? "vocab=" : o->zExclude ? "exclude="
                      : !o->output ? "output=0 (a classifier needs its output weights)"
                      : w2v_train_given(o, "arch") ? "arch= (a classifier's hidden vector is the mean of its words)"
                      : w2v_train_given(o, "window") ? "window= (a classifier reads whole rows)"
                      : "sample= (a classifier keeps every word)";
    *pzErr = sqlite3_mprintf("%s: label= (a classifier) cannot be combined with %s", zFunc, zWhat);
  }else if( o->zLabel && o->docs ){
    *pzErr = sqlite3_mprintf("%s: label= (a classifier) cannot be combined with docs= (paragraph vectors)", zFunc);
  }else if( o->zLabel && o->bucket==0 && o->wordNgrams>1 ){
    *pzErr = sqlite3_mprintf("%s: word_ngrams=%d needs bucket >= 1", zFunc, o->wordNgrams);
  }else if( o->loss==W2V_LOSS_NS && o->negative<1 ){
    *pzErr = sqlite3_mprintf("%s: loss=ns needs negative >= 1", zFunc);
  }else if( o->update && o->phrases ){
    *pzErr = sqlite3_mprintf("%s: phrases= cannot be combined with update=1 (the model's phrases are applied to the new rows)", zFunc);
  }else if( o->update && o->zVocab ){
    *pzErr = sqlite3_mprintf("%s: vocab= cannot be combined with update=1 (the model keeps its words)", zFunc);
  }else if( !o->update && o->maxn>0 && (o->minn<1 || o->minn>o->maxn) ){
    /* update=1: given, they must be the model's (update.c) */
    *pzErr = sqlite3_mprintf("%s: maxn=%d needs minn between 1 and %d (fastText's are minn=3 maxn=6)", zFunc, o->maxn, o->maxn);
  }else if( !o->update && o->maxn==0 && (o->minn>0 || (w2v_train_given(o, "bucket") && !o->zLabel)) ){
    *pzErr = sqlite3_mprintf("%s: %s needs maxn >= minn >= 1 (subwords are off while maxn=0)%s", zFunc,
                             o->minn>0 ? "minn" : "bucket", o->minn>0 ? "" : ", or a classifier (label=COLUMN)");
  }else if( !o->update && o->maxn>0 && o->bucket<1 ){
    *pzErr = sqlite3_mprintf("%s: subwords need bucket >= 1", zFunc);
  }else if( o->maxn>0 && o->docs ){
    *pzErr = sqlite3_mprintf("%s: docs= (paragraph vectors) cannot be combined with subwords (minn, maxn)", zFunc);
  }else if( o->update && o->replace ){
    *pzErr = sqlite3_mprintf("%s: update=1 and replace=1 exclude each other", zFunc);
  }else if( o->docs==W2V_DOCS_NONE && w2v_train_given(o, "doc_key") ){
    *pzErr = sqlite3_mprintf("%s: doc_key= needs docs=dbow or docs=dm", zFunc);
  }else if( o->docs!=W2V_DOCS_DBOW && w2v_train_given(o, "doc_words") ){
    *pzErr = sqlite3_mprintf("%s: doc_words= applies to docs=dbow only", zFunc);
  }else if( o->docs && w2v_train_given(o, "arch") ){
    *pzErr = sqlite3_mprintf("%s: docs=%s sets the architecture (dbow: skip-gram-like, dm: CBOW-like); leave arch out",
                             zFunc, o->docs==W2V_DOCS_DBOW ? "dbow" : "dm");
  }else if( o->docs && o->update ){
    *pzErr = sqlite3_mprintf("%s: update=1 cannot train document vectors (docs=); train a new model, or replace=1", zFunc);
  }else{
    if( !o->zLabel ) w2v_options_default_alpha(o);
    if( o->docs ){
      /* gensim's Doc2Vec: alpha 0.025 for both */
      o->arch = o->docs==W2V_DOCS_DBOW ? W2V_SKIPGRAM : W2V_CBOW;
      if( !w2v_train_given(o, "alpha") ) o->alpha = 0.025;
      if( !w2v_train_given(o, "min_alpha") ) o->minAlpha = o->alpha * 1e-4;
    }
    if( o->minAlpha>o->alpha ){
      *pzErr = sqlite3_mprintf("%s: min_alpha (%g) must not exceed alpha (%g)", zFunc, o->minAlpha, o->alpha);
    }
  }
  if( *pzErr ){
    w2v_options_free(&w2v_train_options, o);
    return SQLITE_ERROR;
  }
  return SQLITE_OK;
}

int w2v_train_end_error(W2vTrainEnd r, char **pzErr){
  if( r==W2V_TRAIN_CANCELLED ){
    *pzErr = sqlite3_mprintf("w2v_train: interrupted");
    return SQLITE_INTERRUPT;
  }
  if( r==W2V_TRAIN_DIVERGED ){
    *pzErr = sqlite3_mprintf("w2v_train: training diverged (weights became NaN or infinite); use a smaller alpha");
    return SQLITE_ERROR;
  }
  return SQLITE_OK;
}
