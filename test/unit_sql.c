/*
** Unit tests of the SQL layer's pure parts, with the extension's files
** compiled in (-DSQLITE_CORE): the options parser (ext/options.c) driven by
** w2v_train's descriptor table.  Prints "checks N failures F".
*/
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "sqlite3ext.h"
#include "w2vInt.h"

static int nCheck, nFail;
#define CHECK(cond, ...) do{ nCheck++; if( !(cond) ){ nFail++; printf("FAIL " __VA_ARGS__); printf("\n"); } }while(0)

/* Parses z; returns the error message (or "") in buf. */
static const char *parse(const char *z, W2vOptions *o, char *buf, size_t nBuf){
  char *zErr = 0;
  int rc = w2v_train_options_parse("t", z, o, &zErr);
  snprintf(buf, nBuf, "%s", rc==SQLITE_OK ? "" : zErr ? zErr : "(no message)");
  sqlite3_free(zErr);
  return buf;
}

static void check_error(const char *z, const char *zWant){
  W2vOptions o;
  char buf[256];
  parse(z, &o, buf, sizeof(buf));
  CHECK(strcmp(buf, zWant)==0, "options '%s': '%s', expected '%s'", z, buf, zWant);
}

int main(void){
  W2vOptions o;
  W2vConfigItem it;
  char buf[256];
  int i;

  parse("model=m", &o, buf, sizeof(buf));
  CHECK(buf[0]==0 && strcmp(o.zModel, "m")==0 && o.dim==100 && o.arch==W2V_SKIPGRAM && o.loss==W2V_LOSS_NS
        && o.window==5 && o.minCount==5 && o.epochs==5 && o.threads>=1 && o.maxMemory>0,
        "defaults: %s", buf);
  CHECK(o.alpha==0.025 && fabs(o.minAlpha-0.025e-4)<1e-15, "skip-gram alpha %g %g", o.alpha, o.minAlpha);
  CHECK(w2v_train_given(&o, "model") && !w2v_train_given(&o, "dim"), "given bits");
  w2v_options_free(&w2v_train_options, &o);

  parse("model = 'a b,c''d' ,arch=cbow loss=hs,dim=8 max_memory=3", &o, buf, sizeof(buf));
  CHECK(buf[0]==0 && strcmp(o.zModel, "a b,c'd")==0 && o.arch==W2V_CBOW && o.loss==W2V_LOSS_HS && o.dim==8
        && o.maxMemory==3*1048576, "quoted, separators, scale: '%s' '%s'", buf, o.zModel ? o.zModel : "");
  CHECK(o.alpha==0.05, "cbow alpha %g", o.alpha);
  i = w2v_options_index(&w2v_train_options, "arch");
  w2v_options_item(&w2v_train_options, &o, i, &it);
  CHECK(it.type==SQLITE_TEXT && strcmp(it.zValue, "cbow")==0, "arch as stored");
  i = w2v_options_index(&w2v_train_options, "dim");
  w2v_options_item(&w2v_train_options, &o, i, &it);
  CHECK(it.type==SQLITE_INTEGER && it.iValue==8, "dim as stored");
  {
    W2vOptions b = o;
    b.dim = 9;
    CHECK(!w2v_options_equal(&w2v_train_options, i, &o, &b) && w2v_options_equal(&w2v_train_options, i, &o, &o), "equal");
  }
  w2v_options_free(&w2v_train_options, &o);

  parse("model=\"x\", arch=sg, alpha=0.1, min_alpha=0", &o, buf, sizeof(buf));
  CHECK(buf[0]==0 && o.arch==W2V_SKIPGRAM && o.alpha==0.1 && o.minAlpha==0, "alias sg, given alpha: %s", buf);
  w2v_options_free(&w2v_train_options, &o);

  check_error("dim=10", "t: option 'model' is required (model=NAME)");
  check_error("model=m, dims=10", "t: unknown option 'dims'");
  check_error("model=m, dim=1, dim=2", "t: option 'dim' given twice");
  check_error("model=m, dim=0", "t: option 'dim' must be between 1 and 10000, not '0'");
  check_error("model=m, dim=1e3", "t: option 'dim' must be an integer, not '1e3'");
  check_error("model=m, alpha=nan", "t: option 'alpha' must be a number, not 'nan'");
  check_error("model=m, min_count=0", "t: option 'min_count' must be at least 1, not '0'");
  check_error("model=m, arch=bow", "t: arch must be skipgram or cbow, not 'bow'");
  check_error("model=m, loss=x", "t: loss must be ns, hs or softmax, not 'x'");
  check_error("model='m", "t: unterminated quoted value in options");
  check_error("model=m, dim", "t: option 'dim' needs a value (key=value)");
  check_error("model=", "t: option 'model' is empty");
  check_error("model=m, loss=ns, negative=0", "t: loss=ns needs negative >= 1");
  check_error("model=m, update=1, replace=1", "t: update=1 and replace=1 exclude each other");
  check_error("model=m, alpha=0.01, min_alpha=0.02", "t: min_alpha (0.02) must not exceed alpha (0.01)");
  printf("checks %d failures %d\n", nCheck, nFail);
  return nFail>0;
}
