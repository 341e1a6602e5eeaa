/*
** The word2vec vector files, in and out:
**
**   w2v_export(model, path [, format])   'text' (default) or 'binary'
**   w2v_import(path [, options])         model=NAME, format=auto|text|binary,
**                                        replace=0|1, max_memory=MiB, limit=N,
**                                        buffer=BYTES (a testing knob)
**
** Text: a header "V dim", then one line per word: the word and dim numbers,
** separated by spaces.  Binary (word2vec.c -binary 1, gensim binary=True):
** the same header, then per word the word, a space, dim little-endian float32
** and a newline.  A text file without the header is read as GloVe.
** Words holding white space cannot be written (the formats could not read
** them back): an error names the first one.  An imported model has word
** vectors only; its words get counts V, V-1, ... so that the file's order is
** the rank order.
**
** A path is never trusted.  What export does, by what the path names:
**   - nothing yet: a new file (mode 0666 minus the umask);
**   - a regular file: replaced whole: the vectors go to a temporary file
**     created exclusively next to it (O_EXCL: a planted file or symlink is
**     never opened), written, fsync'ed, renamed over it; its permission bits
**     are kept.  On any error the temporary is removed and the file is as
**     it was;
**   - a symlink: resolved; the file it names is replaced as above and the
**     link stays a link.  A dangling symlink is refused (as cp does);
**   - any file of the connection's databases, for every attached schema:
**     the database, its -journal, -wal and -shm (existing or not), by
**     device and inode, or by resolved name when absent: refused;
**   - a directory, a block device, a socket: refused;
**   - a character device or a FIFO (/dev/null, a terminal, a pipe): written
**     in place.  A FIFO with no reader is an error, not a wait; a reader
**     that goes away is an error (EPIPE), not a SIGPIPE that kills the host;
**   - /dev/stdout, /dev/stderr, /dev/fd/N, /proc/.../fd/N naming a regular
**     file (a shell redirection): appended to in place, never replaced.
** What import does: it reads through ext/stream.c (a bounded buffer, plain
** or gzip, opened without blocking: a FIFO with no writer reads as empty;
** directories, block devices and sockets refused; a regular file that
** changes size while read is an error), parses as it reads, and keeps the
** words and vectors within max_memory MiB (default: half the physical
** memory, as w2v_train); limit=N stops after N words.  The vectors are one
** w2v_core_malloc'd array (models may pass sqlite3_malloc's 2 GB): sized
** once when the header gives the count, else doubled as they come.  Both
** functions stop at sqlite3_interrupt() (checked every MiB read, every 4096
** lines or words read, every 1024 words written, every 100 ms of waiting
** for a FIFO's writer); an export blocked in write() on a pipe whose
** reader does not read waits for it.
*/
#ifdef _WIN32
/* The Windows build (make dll) leaves import and export out: their checks
** of what a path names (symlinks, FIFOs, devices, the database's own files
** by device and inode, SIGPIPE, atomic replace by rename) are POSIX.  Both
** functions exist and say so. */
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3
#include "w2vInt.h"
void w2v_fn_export(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  (void)argc; (void)argv;
  sqlite3_result_error(ctx, "w2v_export: not available in the Windows build", -1);
}
void w2v_fn_import(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  (void)argc; (void)argv;
  sqlite3_result_error(ctx, "w2v_import: not available in the Windows build", -1);
}
#else
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3
#include "w2vInt.h"

#ifndef O_CLOEXEC
# define O_CLOEXEC 0
#endif
#define MIB 1048576
#define FT_MAGIC 793712314          /* fastText's .bin starts with it */

/* y += x */
static void axpy_plain(float *y, const float *x, int n){
  int i;
  for(i=0; i<n; i++) y[i] += x[i];
}

static int is_space(char c){
  return c==' ' || c=='\t' || c=='\n' || c=='\r' || c=='\v' || c=='\f';
}

/* ---- paths ------------------------------------------------------------------ */

/* The resolved name of zPath, which need not exist: realpath() of it, or of
** its directory followed by its last component.  NULL with errno set when
** that cannot be resolved (ENOMEM: out of memory). */
static char *resolved_name(const char *zPath){
  const char *zBase = strrchr(zPath, '/');
  char zReal[PATH_MAX], *zDir, *z;   /* realpath into a buffer: no malloc'd result to free() */
  int e;
  if( realpath(zPath, zReal) ){
    z = sqlite3_mprintf("%s", zReal);
  }else if( errno!=ENOENT ){
    return 0;
  }else{
    zBase = zBase ? zBase+1 : zPath;
    if( zBase[0]==0 || !strcmp(zBase, ".") || !strcmp(zBase, "..") ){ errno = ENOENT; return 0; }
    if( zBase==zPath ) zDir = sqlite3_mprintf(".");
    else if( zBase==zPath+1 ) zDir = sqlite3_mprintf("/");
    else zDir = sqlite3_mprintf("%.*s", (int)(zBase-zPath-1), zPath);
    if( zDir==0 ){ errno = ENOMEM; return 0; }
    z = realpath(zDir, zReal);
    e = errno;
    sqlite3_free(zDir);
    if( z==0 ){ errno = e; return 0; }
    z = sqlite3_mprintf("%s%s%s", zReal, strcmp(zReal, "/") ? "/" : "", zBase);
  }
  if( z==0 ) errno = ENOMEM;
  return z;
}

/* 1 when zName is the target: the same device and inode when both exist
** (pTarget: the target's stat, NULL when it does not exist), the same
** resolved name when neither does.  -1: out of memory. */
static int same_file(const char *zName, const struct stat *pTarget, const char *zTargetReal){
  struct stat st;
  char *z;
  int r;
  if( stat(zName, &st)==0 ){
    return pTarget && st.st_dev==pTarget->st_dev && st.st_ino==pTarget->st_ino;
  }
  if( pTarget || zTargetReal==0 ) return 0;
  z = resolved_name(zName);
  if( z==0 ) return errno==ENOMEM ? -1 : 0;
#ifdef __APPLE__
  r = strcasecmp(z, zTargetReal)==0;     /* the default file systems ignore case */
#else
  r = strcmp(z, zTargetReal)==0;
#endif
  sqlite3_free(z);
  return r;
}

/* SQLITE_ERROR with *pzErr when the target is a file of one of the
** connection's databases (every schema of PRAGMA database_list): the
** database, or its rollback journal, WAL or shared-memory file, which need
** not exist yet. */
static int check_not_database(sqlite3 *db, const char *zPath, const struct stat *pTarget,
                              const char *zTargetReal, char **pzErr){
  static const char *const azSuffix[] = { "", "-journal", "-wal", "-shm" };
  static const char *const azWhat[] = { "database file", "rollback journal", "WAL file", "shared-memory file" };
  sqlite3_stmt *pList = 0;
  int rc = sqlite3_prepare_v2(db, "PRAGMA database_list", -1, &pList, 0), k;
  while( rc==SQLITE_OK && sqlite3_step(pList)==SQLITE_ROW ){
    const char *zSchema = (const char*)sqlite3_column_text(pList, 1);
    const char *zFile = (const char*)sqlite3_column_text(pList, 2);
    if( zFile==0 || zFile[0]==0 ) continue;                 /* in memory, or temp */
    for(k=0; rc==SQLITE_OK && k<4; k++){
      char *zName = sqlite3_mprintf("%s%s", zFile, azSuffix[k]);
      int same = zName ? same_file(zName, pTarget, zTargetReal) : -1;
      sqlite3_free(zName);
      if( same<0 ){
        rc = SQLITE_NOMEM;
      }else if( same ){
        *pzErr = sqlite3_mprintf("w2v_export: '%s' is the %s of schema '%s'", zPath, azWhat[k],
                                 zSchema ? zSchema : "?");
        rc = SQLITE_ERROR;
      }
    }
  }
  if( sqlite3_finalize(pList)!=SQLITE_OK && rc==SQLITE_OK ){
    *pzErr = sqlite3_mprintf("w2v_export: %s", sqlite3_errmsg(db));
    rc = SQLITE_ERROR;
  }
  return rc;
}

/* /dev/stdout and its kind name an open descriptor: what a shell redirected
** there is written in place, not replaced by a new file. */
static int names_descriptor(const char *z){
  if( !strcmp(z, "/dev/stdout") || !strcmp(z, "/dev/stderr") ) return 1;
  if( !strncmp(z, "/dev/fd/", 8) || !strncmp(z, "/proc/self/fd/", 14)
   || !strncmp(z, "/proc/thread-self/fd/", 21) ) return 1;
  if( !strncmp(z, "/proc/", 6) ){
    z += 6;
    if( *z<'0' || *z>'9' ) return 0;
    while( *z>='0' && *z<='9' ) z++;
    return !strncmp(z, "/fd/", 4);
  }
  return 0;
}

/* ---- export ----------------------------------------------------------------- */

typedef struct Target {
  char *zReal;      /* the resolved name, replaced by rename (0 when in place) */
  int inPlace;      /* device, FIFO, or a descriptor naming a regular file */
  int isFifo;
  int exists;       /* zReal exists: mode holds its permission bits */
  mode_t mode;
  dev_t dev;        /* in place: the file checked, which open() must find */
  ino_t ino;
} Target;

static int cannot_write(const char *zPath, int e, char **pzErr){
  *pzErr = sqlite3_mprintf("w2v_export: cannot write '%s': %s", zPath, strerror(e));
  return SQLITE_ERROR;
}

/* Decides where and how zPath is written (see the comment at the top). */
static int export_target(sqlite3 *db, const char *zPath, Target *t, char **pzErr){
  struct stat lst, st;
  int rc;
  if( lstat(zPath, &lst)!=0 ){
    if( errno!=ENOENT ) return cannot_write(zPath, errno, pzErr);
    t->zReal = resolved_name(zPath);                         /* a new file */
    if( t->zReal==0 ) return errno==ENOMEM ? SQLITE_NOMEM : cannot_write(zPath, errno, pzErr);
    return check_not_database(db, zPath, 0, t->zReal, pzErr);
  }
  if( stat(zPath, &st)!=0 ){
    if( S_ISLNK(lst.st_mode) && errno==ENOENT ){
      *pzErr = sqlite3_mprintf("w2v_export: '%s' is a symbolic link to a missing file; not writing through it", zPath);
      return SQLITE_ERROR;
    }
    return cannot_write(zPath, errno, pzErr);
  }
  rc = check_not_database(db, zPath, &st, 0, pzErr);
  if( rc ) return rc;
  if( S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode) || (S_ISREG(st.st_mode) && names_descriptor(zPath)) ){
    t->inPlace = 1;
    t->isFifo = S_ISFIFO(st.st_mode);
    t->dev = st.st_dev;
    t->ino = st.st_ino;
    return SQLITE_OK;
  }
  if( !S_ISREG(st.st_mode) ){
    *pzErr = sqlite3_mprintf("w2v_export: '%s' is %s", zPath, w2v_file_kind_name(st.st_mode));
    return SQLITE_ERROR;
  }
  t->zReal = resolved_name(zPath);
  if( t->zReal==0 ) return errno==ENOMEM ? SQLITE_NOMEM : cannot_write(zPath, errno, pzErr);
  t->exists = 1;
  t->mode = st.st_mode & 0777;
  return SQLITE_OK;
}

/* Creates "<zReal>.w2v-XXXXXXXX" (random letters) with O_EXCL, which never
** opens an existing file nor follows a planted symlink.  This is mkstemp()'s
** method, but with mode 0666 minus the umask instead of mkstemp's 0600
** (reading the umask is not thread-safe).  Returns the descriptor, or -1
** with errno set. */
static int create_temp(const char *zReal, char **pzTmp){
  static const char az[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  const char *zBase = strrchr(zReal, '/') + 1;            /* zReal is absolute */
  int tries;
  for(tries=0; tries<100; tries++){
    unsigned char r[8];
    char s[9], *z;
    int i, fd, e;
    sqlite3_randomness(8, r);
    for(i=0; i<8; i++) s[i] = az[r[i]%36];
    s[8] = 0;
    /* at most 200 bytes of the name: the temporary's must fit NAME_MAX */
    z = sqlite3_mprintf("%.*s%.200s.w2v-%s", (int)(zBase-zReal), zReal, zBase, s);
    if( z==0 ){ errno = ENOMEM; return -1; }
    fd = open(z, O_WRONLY|O_CREAT|O_EXCL|O_CLOEXEC, 0666);
    if( fd>=0 ){ *pzTmp = z; return fd; }
    e = errno;
    sqlite3_free(z);
    if( e!=EEXIST ){ errno = e; return -1; }
  }
  errno = EEXIST;
  return -1;
}

static void put_le_floats(FILE *f, const float *v, int n){
  unsigned char b[4*64];
  int i, k;
  for(i=0; i<n; i+=k){
    k = n-i<64 ? n-i : 64;
    w2v_floats_to_le(b, v+i, k);
    fwrite(b, 4, (size_t)k, f);
  }
}

/* What an export writes: the model, its format (0 text, 1 binary, 2
** fastText), and for fastText the connection that reads the n-gram rows. */
typedef struct Export {
  W2vModel *m;
  int format;
  sqlite3 *db;
  char *zErr;                /* fastText: why a row could not be read */
  int rc;
} Export;

static void put_i32(FILE *f, int32_t v){
  unsigned char b[4];
  int i;
  for(i=0; i<4; i++) b[i] = (unsigned char)((uint32_t)v >> (8*i));
  fwrite(b, 1, 4, f);
}
static void put_i64(FILE *f, int64_t v){
  unsigned char b[8];
  int i;
  for(i=0; i<8; i++) b[i] = (unsigned char)((uint64_t)v >> (8*i));
  fwrite(b, 1, 8, f);
}

/* The n-gram rows in bucket order, gaps (buckets no word uses) as zeros. */
typedef struct FtRows { FILE *f; int dim; int64_t next; sqlite3_stmt *pProbe; int interrupted; } FtRows;
static void put_zero_rows(FtRows *w, int64_t n){
  static const unsigned char zero[4*64] = { 0 };
  int64_t i;
  for(i=0; i<n && !ferror(w->f); i++){
    int d, k;
    for(d=0; d<w->dim; d+=k){
      k = w->dim-d<64 ? w->dim-d : 64;
      fwrite(zero, 4, (size_t)k, w->f);
    }
  }
}
static int ft_put_row(void *pCtx, sqlite3_int64 bucket, const float *v){
  FtRows *w = pCtx;
  if( bucket<w->next ) return SQLITE_CORRUPT;
  put_zero_rows(w, bucket - w->next);
  put_le_floats(w->f, v, w->dim);
  w->next = bucket + 1;
  if( (bucket & 4095)==4095 && w2v_interrupted(w->pProbe) ){ w->interrupted = 1; return SQLITE_INTERRUPT; }
  return ferror(w->f) ? SQLITE_IOERR : SQLITE_OK;
}

/* fastText's .bin (FastText::saveModel, version 12): what fastText's
** print-word-vectors and gensim's load_facebook_model read.  The input
** matrix is the words' own rows then bucket rows (a model without subwords:
** its word vectors, and no buckets); the output matrix the ns or softmax
** output vectors, zeros when the model has none (hs, imported, output=0). */
static int write_fasttext(FILE *f, Export *e, sqlite3_stmt *pProbe){
  W2vModel *m = e->m;
  int64_t i, total = 0, bucket = m->maxn>0 ? m->bucket : 0;
  int hasOut = (m->loss==W2V_LOSS_NS || m->loss==W2V_LOSS_SOFTMAX) && m->hasOutput;
  float *row = 0;
  sqlite3_stmt *pRow = 0;
  char *zWhat = 0;
  FtRows w;
  int rc = SQLITE_OK;
  if( hasOut && (rc = w2v_model_output(e->db, m, "w2v_export", &e->zErr))!=SQLITE_OK ) return rc;
  for(i=0; i<m->vocab.n; i++) total = w2v_sat_add(total, m->vocab.counts[i]);
  put_i32(f, FT_MAGIC); put_i32(f, 12);
  /* dim, ws, epoch, minCount, neg, wordNgrams, loss (hs 1, ns 2, softmax 3),
  ** model (cbow 1, sg 2), bucket, minn, maxn, lrUpdateRate, t */
  put_i32(f, m->dim); put_i32(f, 5); put_i32(f, 5); put_i32(f, 1); put_i32(f, 5); put_i32(f, 1);
  put_i32(f, m->loss==W2V_LOSS_HS ? 1 : m->loss==W2V_LOSS_SOFTMAX ? 3 : 2);
  put_i32(f, m->arch==W2V_CBOW ? 1 : 2);
  put_i32(f, (int32_t)bucket); put_i32(f, m->maxn>0 ? m->minn : 0); put_i32(f, m->maxn);
  put_i32(f, 100);
  { double t = 1e-4; unsigned char b[8]; uint64_t u; int k; memcpy(&u, &t, 8); for(k=0; k<8; k++) b[k] = (unsigned char)(u>>(8*k)); fwrite(b, 1, 8, f); }
  /* the dictionary: size, nwords, nlabels, ntokens, pruneidx_size (-1: none) */
  put_i32(f, (int32_t)m->vocab.n); put_i32(f, (int32_t)m->vocab.n); put_i32(f, 0);
  put_i64(f, total); put_i64(f, -1);
  for(i=0; i<m->vocab.n && !ferror(f); i++){
    fwrite(w2v_vocab_word(&m->vocab, i), 1, m->vocab.lens[i], f);
    fputc(0, f);
    put_i64(f, m->vocab.counts[i]);
    fputc(0, f);                                  /* entry_type word */
  }
  fputc(0, f);                                    /* not quantised */
  put_i64(f, m->vocab.n + bucket); put_i64(f, m->dim);
  if( m->maxn>0 ){
    row = sqlite3_malloc64(sizeof(float)*(size_t)m->dim);
    rc = row ? w2v_store_ngram_prepare(e->db, m->zSchema, m->zName, &pRow, &zWhat) : SQLITE_NOMEM;
  }
  for(i=0; i<m->vocab.n && rc==SQLITE_OK && !ferror(f); i++){
    if( (i & 1023)==1023 && w2v_interrupted(pProbe) ){ rc = SQLITE_INTERRUPT; break; }
    if( m->maxn>0 ){
      /* the word's own row, kept in <model>_ngrams under -1 - id */
      rc = w2v_store_ngram_read(e->db, pRow, m->zName, m->dim, -1-i, row, &zWhat);
      if( rc==SQLITE_DONE ){
        zWhat = sqlite3_mprintf("%s_ngrams has no row for word %lld", m->zName, (long long)i+1);
        rc = SQLITE_CORRUPT;
      }
      if( rc!=SQLITE_ROW ) break;
      rc = SQLITE_OK;
      put_le_floats(f, row, m->dim);
    }else{
      put_le_floats(f, m->in + i*m->dim, m->dim);
    }
  }
  sqlite3_finalize(pRow);
  sqlite3_free(row);
  if( rc==SQLITE_OK && bucket>0 ){
    w.f = f; w.dim = m->dim; w.next = 0; w.pProbe = pProbe; w.interrupted = 0;
    rc = w2v_store_ngrams_scan(e->db, m->zSchema, m->zName, m->dim, ft_put_row, &w, &zWhat);
    if( rc==SQLITE_CORRUPT && zWhat==0 ) zWhat = sqlite3_mprintf("%s_ngrams is not in bucket order", m->zName);
    if( rc==SQLITE_OK && w.next<=bucket ) put_zero_rows(&w, bucket - w.next);
    if( rc==SQLITE_OK && w.next>bucket ){
      zWhat = sqlite3_mprintf("%s_ngrams has a bucket over %lld", m->zName, (long long)bucket);
      rc = SQLITE_CORRUPT;
    }
    if( rc==SQLITE_IOERR ) return rc;
  }
  if( rc!=SQLITE_OK ){
    if( rc==SQLITE_CORRUPT ){
      e->zErr = sqlite3_mprintf("w2v_export: model '%s' is damaged: %s", m->zName, zWhat ? zWhat : "?");
    }else if( rc!=SQLITE_INTERRUPT && rc!=SQLITE_NOMEM ){
      e->zErr = sqlite3_mprintf("w2v_export: cannot read model '%s': %s", m->zName, zWhat ? zWhat : sqlite3_errstr(rc));
    }
    sqlite3_free(zWhat);
    return rc;
  }
  fputc(0, f);                                    /* qout */
  put_i64(f, m->vocab.n); put_i64(f, m->dim);
  for(i=0; i<m->vocab.n && !ferror(f); i++){
    if( hasOut ){
      put_le_floats(f, m->out + i*m->dim, m->dim);
    }else{
      w.f = f; w.dim = m->dim;
      put_zero_rows(&w, 1);
    }
  }
  return SQLITE_OK;
}

/* Writes the file and flushes it: SQLITE_OK, SQLITE_INTERRUPT, or
** SQLITE_IOERR with *pErrno (or another error with e->zErr). */
static int write_vectors(FILE *f, Export *e, sqlite3_stmt *pProbe, int *pErrno){
  W2vModel *m = e->m;
  int binary = e->format==1;
  int64_t i;
  errno = 0;
  if( e->format==2 ){
    int rc = write_fasttext(f, e, pProbe);
    if( rc!=SQLITE_OK && rc!=SQLITE_IOERR ) return rc;
    if( ferror(f) || fflush(f)!=0 ){
      *pErrno = errno ? errno : EIO;
      return SQLITE_IOERR;
    }
    return SQLITE_OK;
  }
  fprintf(f, "%lld %d\n", (long long)m->vocab.n, m->dim);
  for(i=0; i<m->vocab.n && !ferror(f); i++){
    const float *v = m->in + i*m->dim;
    int d;
    if( (i & 1023)==1023 && w2v_interrupted(pProbe) ) return SQLITE_INTERRUPT;
    fwrite(w2v_vocab_word(&m->vocab, i), 1, m->vocab.lens[i], f);
    if( binary ){
      fputc(' ', f);
      put_le_floats(f, v, m->dim);
    }else{
      for(d=0; d<m->dim; d++) fprintf(f, " %.9g", v[d]);   /* 9 digits: float32 round-trips */
    }
    fputc('\n', f);
  }
  if( ferror(f) || fflush(f)!=0 ){
    *pErrno = errno ? errno : EIO;
    return SQLITE_IOERR;
  }
  return SQLITE_OK;
}

/* Writing to a pipe whose reader has gone raises SIGPIPE, whose default
** action kills the host process.  While the guard is on, SIGPIPE is blocked
** in this thread (the write fails with EPIPE instead), and one that the
** writes raised is taken off before it is unblocked. */
typedef struct PipeGuard { sigset_t old; int wasPending; } PipeGuard;
static void pipe_guard_on(PipeGuard *g){
  sigset_t s, pending;
  sigemptyset(&s);
  sigaddset(&s, SIGPIPE);
  g->wasPending = sigpending(&pending)==0 && sigismember(&pending, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &s, &g->old);
}
static void pipe_guard_off(PipeGuard *g){
  sigset_t s, pending;
  int sig;
  sigemptyset(&s);
  sigaddset(&s, SIGPIPE);
  if( !g->wasPending && sigpending(&pending)==0 && sigismember(&pending, SIGPIPE) ) sigwait(&s, &sig);
  pthread_sigmask(SIG_SETMASK, &g->old, 0);
}

/* A device or FIFO, or a regular file named by a descriptor: written where
** it is.  A FIFO is opened without blocking, so that no reader is an error
** (ENXIO), not a wait. */
static int write_in_place(const char *zPath, const Target *t, Export *x,
                          sqlite3_stmt *pProbe, char **pzErr){
  int fd = open(zPath, O_WRONLY|O_NONBLOCK|O_CLOEXEC|(t->isFifo ? 0 : O_APPEND)), rc, e = 0;
  FILE *f;
  PipeGuard g;
  struct stat st;
  if( fd<0 ){
    if( errno==ENXIO && t->isFifo ){
      *pzErr = sqlite3_mprintf("w2v_export: cannot write '%s': no process is reading the FIFO", zPath);
      return SQLITE_ERROR;
    }
    return cannot_write(zPath, errno, pzErr);
  }
  if( fstat(fd, &st)!=0 || st.st_dev!=t->dev || st.st_ino!=t->ino ){
    close(fd);                         /* replaced since it was checked */
    *pzErr = sqlite3_mprintf("w2v_export: '%s' changed while being opened", zPath);
    return SQLITE_ERROR;
  }
  if( fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)!=0 || (f = fdopen(fd, "wb"))==0 ){
    e = errno;
    close(fd);
    return cannot_write(zPath, e, pzErr);
  }
  pipe_guard_on(&g);
  rc = write_vectors(f, x, pProbe, &e);
  if( fclose(f)!=0 && rc==SQLITE_OK ){ rc = SQLITE_IOERR; e = errno; }
  pipe_guard_off(&g);
  if( rc==SQLITE_IOERR ) return cannot_write(zPath, e, pzErr);
  return rc;
}

/* A new or regular file: a temporary next to it, fsync'ed before the rename
** so that a crash leaves the old file or the whole new one, never a short
** one; removed on any error. */
static int write_replace(const char *zPath, const Target *t, Export *x,
                         sqlite3_stmt *pProbe, char **pzErr){
  char *zTmp = 0;
  int fd = create_temp(t->zReal, &zTmp), rc = SQLITE_OK, e = 0;
  FILE *f = 0;
  if( fd<0 ) return errno==ENOMEM ? SQLITE_NOMEM : cannot_write(zPath, errno, pzErr);
  if( (t->exists && fchmod(fd, t->mode)!=0) || (f = fdopen(fd, "wb"))==0 ){
    e = errno;
    close(fd);
    rc = SQLITE_IOERR;
  }
  if( f ){
    rc = write_vectors(f, x, pProbe, &e);
    if( rc==SQLITE_OK && fsync(fileno(f))!=0 ){ rc = SQLITE_IOERR; e = errno; }
    if( fclose(f)!=0 && rc==SQLITE_OK ){ rc = SQLITE_IOERR; e = errno; }
  }
  if( rc==SQLITE_OK && rename(zTmp, t->zReal)!=0 ){ rc = SQLITE_IOERR; e = errno; }
  if( rc!=SQLITE_OK ) unlink(zTmp);
  sqlite3_free(zTmp);
  if( rc==SQLITE_IOERR ) return cannot_write(zPath, e, pzErr);
  return rc;
}

/* An error if a word cannot be written: white space or empty. */
static int check_words(W2vModel *m, char **pzErr){
  int64_t i;
  for(i=0; i<m->vocab.n; i++){
    const char *w = w2v_vocab_word(&m->vocab, i);
    uint32_t j, n = m->vocab.lens[i];
    for(j=0; j<n && !is_space(w[j]); j++){}
    if( j<n || n==0 ){
      *pzErr = sqlite3_mprintf("w2v_export: word %lld ('%s') %s; the word2vec formats cannot hold it",
                               (long long)i+1, w, n ? "contains white space" : "is empty");
      return SQLITE_ERROR;
    }
  }
  return SQLITE_OK;
}

void w2v_fn_export(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  W2vConn *conn = sqlite3_user_data(ctx);
  const char *zPath = (const char*)sqlite3_value_text(argv[1]);
  const char *zFormat = argc>2 ? (const char*)sqlite3_value_text(argv[2]) : 0;
  W2vModel *m = 0;
  char *zErr = 0;
  int binary = 0, rc;
  Target t;
  Export x;
  memset(&t, 0, sizeof(t));
  memset(&x, 0, sizeof(x));
  static const char *const azWhat[] = { "model name", "path", "format", 0 };
  if( w2v_args_have_nul(ctx, "w2v_export", argc, argv, azWhat) ) return;
  if( zFormat==0 || sqlite3_stricmp(zFormat, "text")==0 ) binary = 0;
  else if( sqlite3_stricmp(zFormat, "binary")==0 ) binary = 1;
  else if( sqlite3_stricmp(zFormat, "fasttext")==0 ) binary = 2;
  else{
    w2v_result_error(ctx, sqlite3_mprintf("w2v_export: format must be 'text', 'binary' or 'fasttext', not '%s'", zFormat), SQLITE_ERROR);
    return;
  }
  if( zPath==0 || zPath[0]==0 ){
    sqlite3_result_error(ctx, "w2v_export: the path is NULL or empty", -1);
    return;
  }
  rc = w2v_model_acquire(conn, "w2v_export", 0, (const char*)sqlite3_value_text(argv[0]), &m, &zErr);
  if( rc ){
    w2v_result_error(ctx, zErr, rc);
    return;
  }
  rc = check_words(m, &zErr);
  if( rc==SQLITE_OK ) rc = w2v_model_input(db, m, "w2v_export", &zErr);
  if( rc==SQLITE_OK ) rc = export_target(db, zPath, &t, &zErr);
  if( rc==SQLITE_OK ){
    sqlite3_stmt *pProbe = w2v_probe_open(db);
    if( pProbe==0 ) rc = SQLITE_NOMEM;      /* write nothing it could not interrupt */
    else{
      x.m = m; x.format = binary; x.db = db;
      rc = t.inPlace ? write_in_place(zPath, &t, &x, pProbe, &zErr)
                     : write_replace(zPath, &t, &x, pProbe, &zErr);
      if( x.zErr ){
        if( zErr==0 ) zErr = x.zErr;
        else sqlite3_free(x.zErr);
      }
    }
    sqlite3_finalize(pProbe);
  }
  if( rc==SQLITE_INTERRUPT && zErr==0 ) zErr = sqlite3_mprintf("w2v_export: interrupted");
  if( rc==SQLITE_OK ) sqlite3_result_int64(ctx, m->vocab.n);
  else w2v_result_error(ctx, zErr, rc);
  sqlite3_free(t.zReal);
  w2v_model_release(m);
}

/* ---- import: reading the file ------------------------------------------------ */

#define DEFAULT_BUFFER MIB          /* the read buffer */
#define MAX_LINE (64*(size_t)MIB)   /* the longest line (or binary record) read */

typedef struct Reader {
  W2vStream *s;
  const char *zPath;
  int64_t line;      /* lines read, text formats */
  size_t maxLine;    /* MAX_LINE, or max_memory when less */
  sqlite3_stmt *pProbe;
} Reader;

static char *too_long(Reader *r, const char *zWhat, int64_t i){
  return sqlite3_mprintf("w2v_import: %s %lld of '%s' is longer than %lld MiB (the longest read: 64 MiB, "
                         "or max_memory when that is less)", zWhat, (long long)i, r->zPath,
                         (long long)(r->maxLine/MIB));
}

/* The next line as [*pz, *pz + *pn), without "\r\n" / "\n": SQLITE_ROW, or
** SQLITE_DONE at the end, or an error with *pzErr. */
static int next_line(Reader *r, const char **pz, size_t *pn, char **pzErr){
  int rc = w2v_stream_until(r->s, '\n', r->maxLine, pz, pn, pzErr);
  if( rc==SQLITE_DONE && *pn>0 ) rc = SQLITE_ROW;          /* the last line, without '\n' */
  if( rc==SQLITE_ROW ){
    r->line++;
    if( *pn>0 && (*pz)[*pn-1]=='\r' ) (*pn)--;
  }else if( rc==SQLITE_TOOBIG ){
    *pzErr = too_long(r, "line", r->line+1);
    rc = SQLITE_ERROR;
  }
  return rc;
}

/* Puts the line just read back, to be read again. */
static void unread_line(Reader *r, const char *z){
  w2v_stream_unread(r->s, z);
  r->line--;
}

/* Splits a line into fields at spaces and tabs (runs count once, trailing
** ones ignored).  aStart/aEnd get at most nMax fields; returns the count. */
static int split_fields(const char *z, size_t n, size_t *aStart, size_t *aEnd, int nMax){
  size_t i = 0;
  int k = 0;
  while( i<n ){
    while( i<n && (z[i]==' ' || z[i]=='\t') ) i++;
    if( i>=n ) break;
    if( k<nMax ) aStart[k] = i;
    while( i<n && z[i]!=' ' && z[i]!='\t' ) i++;
    if( k<nMax ) aEnd[k] = i;
    k++;
  }
  return k;
}

/* What the file's words and vectors take, as max_memory counts it. */
typedef struct Vectors {
  W2vVocab vocab;
  float *v;                  /* w2v_core_malloc'd: nAlloc x dim */
  int64_t nAlloc;
  int64_t nMax;              /* limit=N, else no limit */
  int dim;
  sqlite3_int64 maxMemory;
  const char *zPath;
} Vectors;

static sqlite3_int64 row_bytes(const Vectors *x){ return (sqlite3_int64)sizeof(float)*x->dim; }

static char *over_memory(const Vectors *x){
  return sqlite3_mprintf("w2v_import: the vectors of '%s' need more than max_memory=%lld MiB "
                         "(%lld words of dim %d read so far); raise max_memory, or read fewer with limit=N",
                         x->zPath, x->maxMemory/MIB, (long long)x->vocab.n, x->dim);
}

/* Room for exactly n vectors (the header's count, or limit): one allocation. */
static int reserve_vectors(Vectors *x, int64_t n, char **pzErr){
  if( n > (x->maxMemory - w2v_vocab_bytes(&x->vocab)) / row_bytes(x) ){
    *pzErr = sqlite3_mprintf("w2v_import: '%s' holds %lld vectors of dim %d, %lld MiB, over max_memory=%lld MiB; "
                             "raise max_memory, or read fewer with limit=N", x->zPath, (long long)n, x->dim,
                             (long long)(n/MIB*row_bytes(x) + n%MIB*row_bytes(x)/MIB), x->maxMemory/MIB);
    return SQLITE_ERROR;
  }
  x->v = w2v_core_malloc((size_t)(n*row_bytes(x)));
  if( x->v==0 ){
    /* SQLITE_ERROR, so that the message, which gives the size, reaches the user */
    *pzErr = sqlite3_mprintf("w2v_import: out of memory for %lld vectors of dim %d", (long long)n, x->dim);
    return SQLITE_ERROR;
  }
  x->nAlloc = n;
  return SQLITE_OK;
}

/* The row for the next word's vector: x->v grows (doubling, within
** max_memory and limit) when it is full.  NULL with *pzErr. */
static float *next_row(Vectors *x, char **pzErr){
  int64_t n = x->vocab.n;
  if( (n & 4095)==4095 && w2v_vocab_bytes(&x->vocab) + x->nAlloc*row_bytes(x) > x->maxMemory ){
    *pzErr = over_memory(x);
    return 0;
  }
  if( n>=x->nAlloc ){
    int64_t nNew = x->nAlloc ? x->nAlloc*2 : 1024;
    int64_t fit = (x->maxMemory - w2v_vocab_bytes(&x->vocab)) / row_bytes(x);
    float *v;
    if( nNew>x->nMax ) nNew = x->nMax;
    if( nNew>fit ) nNew = fit;
    if( nNew<=n ){ *pzErr = over_memory(x); return 0; }
    v = w2v_core_realloc(x->v, (size_t)(nNew*row_bytes(x)));
    if( v==0 ){ *pzErr = sqlite3_mprintf("w2v_import: out of memory"); return 0; }
    x->v = v;
    x->nAlloc = nNew;
  }
  return x->v + n*x->dim;
}

/* Adds the word whose vector is in its row (next_row).  SQLITE_OK, or an
** error with *pzErr. */
static int add_word(Vectors *x, const char *z, size_t n, int64_t line, char **pzErr){
  int64_t id, nBefore = x->vocab.n;
  if( n==0 || n>(size_t)W2V_MAX_WORDS ){
    *pzErr = sqlite3_mprintf("w2v_import: line %lld: an empty word", (long long)line);
    return SQLITE_ERROR;
  }
  id = w2v_vocab_add(&x->vocab, z, (uint32_t)n, 1);
  if( id<0 ){ *pzErr = sqlite3_mprintf("w2v_import: out of memory"); return SQLITE_NOMEM; }
  if( x->vocab.n==nBefore ){
    *pzErr = sqlite3_mprintf("w2v_import: line %lld: the word '%.*s' appears twice", (long long)line, (int)n, z);
    return SQLITE_ERROR;
  }
  return SQLITE_OK;
}

/* The common line: a word without spaces, then exactly dim numbers.  Parses
** the numbers into v and returns 1 with the word in [*pw0, *pw1); 0 for any
** other line (read_line_fields then decides, with its messages). */
static int parse_plain_line(const char *z, size_t n, int dim, float *v, size_t *pw0, size_t *pw1){
  size_t i = 0;
  int d;
  while( i<n && (z[i]==' ' || z[i]=='\t') ) i++;
  *pw0 = i;
  while( i<n && z[i]!=' ' && z[i]!='\t' ) i++;
  *pw1 = i;
  for(d=0; d<dim; d++){
    size_t len;
    if( i>=n || (z[i]!=' ' && z[i]!='\t') ) return 0;
    while( i<n && (z[i]==' ' || z[i]=='\t') ) i++;
    len = w2v_parse_float_field(z+i, n-i, &v[d]);
    if( len==0 ) return 0;
    i += len;
  }
  while( i<n && (z[i]==' ' || z[i]=='\t') ) i++;
  return i==n && *pw1>*pw0;
}

/* Any line: the last dim fields are the numbers, the rest is the word
** (which may hold spaces).  s and e have room for dim fields. */
static int read_line_fields(Reader *r, const char *z, size_t n, int dim, float *v, size_t *s, size_t *e,
                            size_t *pw0, size_t *pw1, char **pzErr){
  int k = split_fields(z, n, 0, 0, 0), d;
  size_t i = n, w0 = 0, w1;
  if( k<dim+1 ){
    *pzErr = sqlite3_mprintf("w2v_import: line %lld has %d values, expected %d", (long long)r->line, k-1, dim);
    return SQLITE_ERROR;
  }
  for(d=dim-1; d>=0; d--){
    while( i>0 && (z[i-1]==' ' || z[i-1]=='\t') ) i--;
    e[d] = i;
    while( i>0 && z[i-1]!=' ' && z[i-1]!='\t' ) i--;
    s[d] = i;
  }
  w1 = i;
  while( w1>0 && (z[w1-1]==' ' || z[w1-1]=='\t') ) w1--;
  while( w0<w1 && (z[w0]==' ' || z[w0]=='\t') ) w0++;
  *pw0 = w0;
  *pw1 = w1;
  for(d=0; d<dim; d++){
    if( w2v_parse_float_field(z+s[d], e[d]-s[d], &v[d])!=e[d]-s[d] ){
      *pzErr = sqlite3_mprintf("w2v_import: line %lld: '%.*s' is not a finite float32 number",
                               (long long)r->line, (int)(e[d]-s[d] > 40 ? 40 : e[d]-s[d]), z+s[d]);
      return SQLITE_ERROR;
    }
  }
  return SQLITE_OK;
}

/* A GloVe file's first line gives dim: its fields but one. */
static int glove_dim(Reader *r, const char *z, size_t n, Vectors *x, char **pzErr){
  int k = split_fields(z, n, 0, 0, 0);
  x->dim = k-1;
  if( k<2 || x->dim>W2V_MAX_DIM ){
    *pzErr = sqlite3_mprintf("w2v_import: line %lld has %d values (1 to %d needed)", (long long)r->line, k-1, W2V_MAX_DIM);
    return SQLITE_ERROR;
  }
  return SQLITE_OK;
}

/* Text lines after the header (or all lines, GloVe), up to limit words. */
static int read_text(Reader *r, Vectors *x, int64_t nHeader, char **pzErr){
  const char *z;
  size_t n, *s = 0, *e = 0;
  int rc = SQLITE_OK;
  while( rc==SQLITE_OK && x->vocab.n<x->nMax && (rc = next_line(r, &z, &n, pzErr))==SQLITE_ROW ){
    size_t w0, w1, i = 0;
    float *v;
    rc = SQLITE_OK;
    if( (r->line & 4095)==0 && w2v_interrupted(r->pProbe) ){ rc = SQLITE_INTERRUPT; break; }
    while( i<n && (z[i]==' ' || z[i]=='\t') ) i++;
    if( i==n ) continue;                                        /* blank line */
    if( x->dim==0 ) rc = glove_dim(r, z, n, x, pzErr);        /* GloVe: the first line says */
    if( rc==SQLITE_OK && (v = next_row(x, pzErr))==0 ) rc = SQLITE_ERROR;
    if( rc==SQLITE_OK && !parse_plain_line(z, n, x->dim, v, &w0, &w1) ){
      if( s==0 ){
        s = sqlite3_malloc64(sizeof(size_t)*x->dim);
        e = sqlite3_malloc64(sizeof(size_t)*x->dim);
        if( !s || !e ){ rc = SQLITE_NOMEM; break; }
      }
      rc = read_line_fields(r, z, n, x->dim, v, s, e, &w0, &w1, pzErr);
    }
    if( rc==SQLITE_OK ) rc = add_word(x, z+w0, w1-w0, r->line, pzErr);
  }
  if( rc==SQLITE_DONE ) rc = SQLITE_OK;
  sqlite3_free(s);
  sqlite3_free(e);
  if( rc==SQLITE_OK && x->vocab.n<x->nMax && nHeader>=0 && nHeader!=x->vocab.n ){
    *pzErr = sqlite3_mprintf("w2v_import: the header says %lld words, the file has %lld",
                             (long long)nHeader, (long long)x->vocab.n);
    rc = SQLITE_ERROR;
  }
  return rc;
}

static char *ends_inside(int64_t i, int64_t nWord){
  return sqlite3_mprintf("w2v_import: the file ends inside word %lld of %lld (binary format)", (long long)i, (long long)nWord);
}

/* One binary record: word, ' ', dim float32 LE (the '\n' before the next
** word is skipped as white space). */
static int read_record(Reader *r, Vectors *x, int64_t i, int64_t nWord, char **pzErr){
  const char *zWord, *p;
  size_t nWordLen, d;
  float *v;
  int rc = w2v_stream_skip_space(r->s, pzErr);
  if( rc==SQLITE_ROW ) rc = w2v_stream_until(r->s, ' ', r->maxLine, &zWord, &nWordLen, pzErr);
  if( rc==SQLITE_TOOBIG ){ *pzErr = too_long(r, "word", i+1); return SQLITE_ERROR; }
  if( rc==SQLITE_DONE ){ *pzErr = ends_inside(i+1, nWord); return SQLITE_ERROR; }
  if( rc!=SQLITE_ROW ) return rc;
  if( (v = next_row(x, pzErr))==0 ) return SQLITE_ERROR;
  rc = add_word(x, zWord, nWordLen, i+2, pzErr);          /* before take(): zWord stays valid */
  if( rc==SQLITE_OK ) rc = w2v_stream_take(r->s, 4*(size_t)x->dim, &p, pzErr);
  if( rc==SQLITE_DONE ){ *pzErr = ends_inside(i+1, nWord); return SQLITE_ERROR; }
  if( rc!=SQLITE_ROW ) return rc;
  w2v_floats_from_le(v, p, x->dim);
  for(d=0; d<(size_t)x->dim; d++){
    if( !isfinite(v[d]) ){
      *pzErr = sqlite3_mprintf("w2v_import: word %lld has a non-finite value", (long long)i+1);
      return SQLITE_ERROR;
    }
  }
  return SQLITE_OK;
}

/* Binary records after the header, up to limit words; with all of them
** read, nothing but white space may follow. */
static int read_binary(Reader *r, Vectors *x, int64_t nWord, char **pzErr){
  int64_t i, n = nWord<x->nMax ? nWord : x->nMax;
  int rc = SQLITE_OK;
  for(i=0; i<n && rc==SQLITE_OK; i++){
    if( (i & 4095)==4095 && w2v_interrupted(r->pProbe) ) return SQLITE_INTERRUPT;
    rc = read_record(r, x, i, nWord, pzErr);
  }
  if( rc==SQLITE_OK && n==nWord ){
    rc = w2v_stream_skip_space(r->s, pzErr);
    if( rc==SQLITE_ROW ){
      *pzErr = sqlite3_mprintf("w2v_import: the header says %lld words, the file has more (binary format)", (long long)nWord);
      return SQLITE_ERROR;
    }
    if( rc==SQLITE_DONE ) rc = SQLITE_OK;
  }
  return rc;
}

/* 1 when z[0..n) holds no control byte but tab, CR, VT and FF. */
static int no_control_bytes(const char *z, size_t n){
  size_t i;
  for(i=0; i<n; i++){
    unsigned char c = (unsigned char)z[i];
    if( c<0x20 && c!='\t' && c!='\r' && c!='\v' && c!='\f' ) return 0;
  }
  return 1;
}

/* Text or binary, for format=auto: the first record after the header has
** at least dim+1 fields and no NUL byte.  (A binary record is a word and
** 4*dim raw bytes: dim spaces or tabs among them do not happen.)  Looks at
** the next line and puts it back; a line longer than 64*dim+4096 bytes (a
** binary record is far shorter) is text when that much of it holds no
** control byte, as raw floats do. */
static int looks_like_text(Reader *r, int dim, int *pText, char **pzErr){
  const char *z;
  size_t n, limit = 64*(size_t)dim + 4096;
  int rc = w2v_stream_until(r->s, '\n', limit<r->maxLine ? limit : r->maxLine, &z, &n, pzErr);
  if( rc==SQLITE_TOOBIG ) *pText = no_control_bytes(z, n);
  else if( rc==SQLITE_ROW || rc==SQLITE_DONE ) *pText = n==0 || (memchr(z, 0, n)==0 && split_fields(z, n, 0, 0, 0)>=dim+1);
  else return rc;
  w2v_stream_unread(r->s, z);
  return SQLITE_OK;
}

/* ---- fastText's .bin (FastText::saveModel, version 12; gensim's
** save_facebook_model writes the same): a header of its options, the
** dictionary, then the input matrix (nwords + bucket rows: the words' own
** rows, then the n-gram buckets') and the output matrix, all little-endian.
** Quantised models (.ftz) and classifiers are refused. */
typedef struct FtFile {
  int32_t dim, model, bucket, minn, maxn, nwords;
  float *mat;                /* (nwords + bucket) x dim, w2v_core_malloc'd */
  int64_t nRow;
} FtFile;

static char *ft_truncated(Reader *r, const char *zWhat){
  return sqlite3_mprintf("w2v_import: '%s' ends inside the fastText %s (a truncated file?)", r->zPath, zWhat);
}

/* n bytes of the file: SQLITE_ROW, else an error with *pzErr. */
static int ft_take(Reader *r, size_t n, const char **pp, const char *zWhat, char **pzErr){
  int rc = w2v_stream_take(r->s, n, pp, pzErr);
  if( rc==SQLITE_DONE ){ *pzErr = ft_truncated(r, zWhat); rc = SQLITE_ERROR; }
  return rc;
}
static int64_t ft_i64(const char *p){
  uint64_t v = 0;
  int i;
  for(i=7; i>=0; i--) v = (v<<8) | (unsigned char)p[i];
  return (int64_t)v;
}
static int32_t ft_i32(const char *p){
  uint32_t v = (uint32_t)(unsigned char)p[0] | (uint32_t)(unsigned char)p[1]<<8
             | (uint32_t)(unsigned char)p[2]<<16 | (uint32_t)(unsigned char)p[3]<<24;
  return (int32_t)v;
}

/* 1 when the file starts with fastText's magic number (nothing consumed). */
static int ft_is_bin(Reader *r, char **pzErr, int *pIs){
  const char *p;
  int rc = w2v_stream_take(r->s, 4, &p, pzErr);
  *pIs = 0;
  if( rc==SQLITE_ROW ){
    *pIs = ft_i32(p)==FT_MAGIC;
    w2v_stream_unread(r->s, p);
    rc = SQLITE_OK;
  }else if( rc==SQLITE_DONE ){
    rc = SQLITE_OK;
  }
  return rc;
}

/* Reads a whole .bin: the words (with their counts) into x->vocab, the
** input matrix into f->mat; the output matrix is read past, to check the
** file is whole. */
static int ft_read(Reader *r, Vectors *x, FtFile *f, char **pzErr){
  const char *p;
  int32_t a[12], nlabels, size, i;
  int64_t ntokens, prune, m, n, k, prevCount = INT64_MAX, nMat;
  int rc, sorted = 1;
  rc = ft_take(r, 8, &p, "header", pzErr);
  if( rc!=SQLITE_ROW ) return rc;
  if( ft_i32(p)!=FT_MAGIC ){
    *pzErr = sqlite3_mprintf("w2v_import: '%s' is not a fastText .bin model (no magic number)", r->zPath);
    return SQLITE_ERROR;
  }
  if( ft_i32(p+4)<11 || ft_i32(p+4)>12 ){
    *pzErr = sqlite3_mprintf("w2v_import: '%s' is fastText format version %d; this build reads 11 and 12",
                             r->zPath, ft_i32(p+4));
    return SQLITE_ERROR;
  }
  rc = ft_take(r, 12*4 + 8, &p, "header", pzErr);
  if( rc!=SQLITE_ROW ) return rc;
  for(i=0; i<12; i++) a[i] = ft_i32(p + 4*i);
  f->dim = a[0]; f->model = a[7]; f->bucket = a[8]; f->minn = a[9]; f->maxn = a[10];
  if( f->model==3 ){
    *pzErr = sqlite3_mprintf("w2v_import: '%s' is a fastText classifier (supervised); w2v_import reads word "
                             "vector models (skipgram, cbow)", r->zPath);
    return SQLITE_ERROR;
  }
  if( f->dim<1 || f->dim>W2V_MAX_DIM || f->model<1 || f->model>3 || f->bucket<0 || f->maxn<0
   || f->maxn>W2V_MAX_NGRAM || f->minn<0 || (f->maxn>0 && (f->minn<1 || f->minn>f->maxn || f->bucket<1)) ){
    *pzErr = sqlite3_mprintf("w2v_import: '%s' has a fastText header out of range (dim %d, model %d, bucket %d, "
                             "minn %d, maxn %d): not a fastText model, or a damaged one", r->zPath,
                             f->dim, f->model, f->bucket, f->minn, f->maxn);
    return SQLITE_ERROR;
  }
  x->dim = f->dim;
  rc = ft_take(r, 3*4 + 2*8, &p, "dictionary", pzErr);
  if( rc!=SQLITE_ROW ) return rc;
  size = ft_i32(p); f->nwords = ft_i32(p+4); nlabels = ft_i32(p+8);
  ntokens = ft_i64(p+12); prune = ft_i64(p+20);
  (void)ntokens;
  if( nlabels>0 ){
    *pzErr = sqlite3_mprintf("w2v_import: '%s' is a fastText classifier (it has %d labels)", r->zPath, nlabels);
    return SQLITE_ERROR;
  }
  if( size<0 || f->nwords<0 || nlabels<0 || size!=f->nwords+nlabels ){
    *pzErr = sqlite3_mprintf("w2v_import: '%s' has a damaged fastText dictionary header", r->zPath);
    return SQLITE_ERROR;
  }
  if( prune>=0 ){
    *pzErr = sqlite3_mprintf("w2v_import: '%s' is a pruned (quantised, .ftz) fastText model, which w2v_import "
                             "does not read; use the .bin", r->zPath);
    return SQLITE_ERROR;
  }
  if( f->nwords<1 || f->nwords>x->nMax ){
    if( f->nwords<1 ){
      *pzErr = sqlite3_mprintf("w2v_import: '%s' holds no vectors", r->zPath);
      return SQLITE_ERROR;
    }
  }
  if( (int64_t)f->nwords*2 + f->bucket > (x->maxMemory / ((int64_t)sizeof(float)*f->dim)) ){
    *pzErr = sqlite3_mprintf("w2v_import: '%s' holds %d words and %d n-gram buckets of dim %d, over "
                             "max_memory=%lld MiB; raise max_memory", r->zPath, f->nwords, f->bucket, f->dim,
                             x->maxMemory/MIB);
    return SQLITE_ERROR;
  }
  for(i=0; i<size; i++){
    const char *zWord;
    size_t nWord;
    int64_t cnt;
    if( (i & 4095)==4095 && w2v_interrupted(r->pProbe) ) return SQLITE_INTERRUPT;
    rc = w2v_stream_until(r->s, 0, r->maxLine, &zWord, &nWord, pzErr);
    if( rc==SQLITE_DONE ){ *pzErr = ft_truncated(r, "dictionary"); return SQLITE_ERROR; }
    if( rc==SQLITE_TOOBIG ){ *pzErr = too_long(r, "word", i+1); return SQLITE_ERROR; }
    if( rc!=SQLITE_ROW ) return rc;
    rc = add_word(x, zWord, nWord, i+1, pzErr);
    if( rc ) return rc;
    rc = ft_take(r, 9, &p, "dictionary", pzErr);
    if( rc!=SQLITE_ROW ) return rc;
    cnt = ft_i64(p);
    if( p[8]!=0 ){
      *pzErr = sqlite3_mprintf("w2v_import: '%s': word %d of the fastText dictionary is not a word (type %d)",
                               r->zPath, i+1, (int)p[8]);
      return SQLITE_ERROR;
    }
    if( cnt<1 || cnt>prevCount ) sorted = 0;
    prevCount = cnt;
    x->vocab.counts[x->vocab.n-1] = cnt;
  }
  /* counts that are not a rank order become one (V, V-1, ...) */
  for(k=0; !sorted && k<x->vocab.n; k++) x->vocab.counts[k] = x->vocab.n - k;
  rc = ft_take(r, 1 + 16, &p, "input matrix", pzErr);
  if( rc!=SQLITE_ROW ) return rc;
  if( p[0]!=0 ){
    *pzErr = sqlite3_mprintf("w2v_import: '%s' is a quantised fastText model (.ftz), which w2v_import does "
                             "not read; use the .bin", r->zPath);
    return SQLITE_ERROR;
  }
  m = ft_i64(p+1); n = ft_i64(p+9);
  nMat = (int64_t)f->nwords + f->bucket;
  if( m!=nMat || n!=f->dim ){
    *pzErr = sqlite3_mprintf("w2v_import: '%s': the fastText input matrix is %lld x %lld, expected %lld x %d",
                             r->zPath, (long long)m, (long long)n, (long long)nMat, f->dim);
    return SQLITE_ERROR;
  }
  f->nRow = nMat;
  f->mat = w2v_core_malloc(sizeof(float)*(size_t)nMat*(size_t)f->dim);
  if( f->mat==0 ){
    *pzErr = sqlite3_mprintf("w2v_import: out of memory for %lld rows of dim %d", (long long)nMat, f->dim);
    return SQLITE_ERROR;
  }
  for(k=0; k<nMat; k++){
    float *v = f->mat + k*f->dim;
    int d;
    if( (k & 4095)==4095 && w2v_interrupted(r->pProbe) ) return SQLITE_INTERRUPT;
    rc = ft_take(r, 4*(size_t)f->dim, &p, "input matrix", pzErr);
    if( rc!=SQLITE_ROW ) return rc;
    w2v_floats_from_le(v, p, f->dim);
    for(d=0; d<f->dim; d++){
      if( !isfinite(v[d]) ){
        *pzErr = sqlite3_mprintf("w2v_import: '%s': row %lld of the fastText input matrix has a non-finite value",
                                 r->zPath, (long long)k+1);
        return SQLITE_ERROR;
      }
    }
    if( w2v_norm_over(v, f->dim) ){
      *pzErr = sqlite3_mprintf("w2v_import: '%s': row %lld of the fastText input matrix has length %g, over the limit of %g",
                               r->zPath, (long long)k+1, w2v_norm_exact(v, f->dim), W2V_MAX_NORM);
      return SQLITE_ERROR;
    }
  }
  /* the output matrix: not kept, but the file must hold it whole */
  rc = ft_take(r, 1 + 16, &p, "output matrix", pzErr);
  if( rc!=SQLITE_ROW ) return rc;
  m = ft_i64(p+1); n = ft_i64(p+9);
  if( p[0]!=0 || m<0 || n!=f->dim ){
    *pzErr = sqlite3_mprintf("w2v_import: '%s': the fastText output matrix is damaged or quantised", r->zPath);
    return SQLITE_ERROR;
  }
  for(k=0; k<m; k++){
    if( (k & 4095)==4095 && w2v_interrupted(r->pProbe) ) return SQLITE_INTERRUPT;
    rc = ft_take(r, 4*(size_t)f->dim, &p, "output matrix", pzErr);
    if( rc!=SQLITE_ROW ) return rc;
  }
  rc = w2v_stream_take(r->s, 1, &p, pzErr);
  if( rc==SQLITE_ROW ){
    *pzErr = sqlite3_mprintf("w2v_import: '%s' has bytes after the fastText model", r->zPath);
    return SQLITE_ERROR;
  }
  if( rc!=SQLITE_DONE ) return rc;
  /* the words' vectors: fastText's getWordVector, the mean of the own row
  ** and the n-gram rows ("</s>", the end of line, has no n-grams) */
  rc = reserve_vectors(x, x->vocab.n, pzErr);
  if( rc ) return rc;
  {
    int64_t *aB = 0, nB = 0;
    for(k=0; k<x->vocab.n; k++){
      const char *zW = w2v_vocab_word(&x->vocab, k);
      uint32_t nW = x->vocab.lens[k];
      float *v = x->v + k*f->dim;
      int64_t c = 0, j;
      int d;
      memcpy(v, f->mat + k*f->dim, sizeof(float)*(size_t)f->dim);
      if( f->maxn>0 && !(nW==4 && memcmp(zW, "</s>", 4)==0) ){
        c = w2v_subword_buckets(zW, nW, f->minn, f->maxn, (uint32_t)f->bucket, 0, 0);
        if( c>nB ){
          int64_t *aNew = sqlite3_realloc64(aB, sizeof(int64_t)*(size_t)c);
          if( aNew==0 ){ sqlite3_free(aB); return SQLITE_NOMEM; }
          aB = aNew; nB = c;
        }
        w2v_subword_buckets(zW, nW, f->minn, f->maxn, (uint32_t)f->bucket, aB, c);
        for(j=0; j<c; j++) axpy_plain(v, f->mat + ((int64_t)f->nwords + aB[j])*f->dim, f->dim);
      }
      for(d=0; d<f->dim; d++) v[d] *= 1.0f/(float)(1+c);
    }
    sqlite3_free(aB);
  }
  return SQLITE_OK;
}

typedef struct ImportOptions {
  char *zModel;
  int format, replace, storage;
  sqlite3_int64 maxMemory, limit, buffer;
} ImportOptions;
static const W2vOptName aFormat[] = { { "auto", 0 }, { "text", 1 }, { "binary", 2 }, { "fasttext", 3 }, { 0, 0 } };
static const W2vOptDesc aImportOpt[] = {
  { "model",      W2V_OPT_TEXT, 0, 0,       NAN, offsetof(ImportOptions, zModel) },
  { "format",     W2V_OPT_NAME, 0, 0,       0,   offsetof(ImportOptions, format), 0, aFormat },
  { "replace",    W2V_OPT_INT,  0, 1,       0,   offsetof(ImportOptions, replace), W2V_OPT_INT32, 0, "0 or 1" },
  { "max_memory", W2V_OPT_INT,  1, 1048576, NAN, offsetof(ImportOptions, maxMemory), 0, 0, 0, 1048576.0 },
  { "limit",      W2V_OPT_INT,  1, 9e18,    9e18, offsetof(ImportOptions, limit), 0, 0, "a whole number of words, 1 or more" },
  { "buffer",     W2V_OPT_INT,  16, 67108864, DEFAULT_BUFFER, offsetof(ImportOptions, buffer) },
  { "storage",    W2V_OPT_NAME, 0, 0,       W2V_STORE_F32, offsetof(ImportOptions, storage), 0, w2v_storage_names },
};
static const W2vOptTable importOptions = { aImportOpt, 7, 1 };

/* The options, and where the model goes (free, or replace=1 given). */
static int import_begin(sqlite3 *db, const char *zOpt, ImportOptions *io, W2vTarget *target, char **pzErr){
  uint64_t given = 0;
  int rc = w2v_options_parse("w2v_import", zOpt, &importOptions, io, &given, pzErr);
  if( rc!=SQLITE_OK ) return rc;
  if( !(given & 8) ) io->maxMemory = w2v_default_max_memory();
  return w2v_target_open(db, "w2v_import", io->zModel, io->replace, "(replace=1 overwrites it)", target, pzErr);
}

/* Reads the header line: *pnHeader the word count (-1: none, GloVe), x->dim,
** and the vectors reserved when the count is known; *pFormat resolved
** (1 text, 2 binary). */
static int read_header(Reader *r, Vectors *x, int64_t *pnHeader, int *pFormat, char **pzErr){
  const char *z = 0;
  size_t n = 0;
  int64_t dim = 0;
  W2vHeaderResult h = W2V_HEADER_NONE;
  int rc = next_line(r, &z, &n, pzErr), text = 1;
  if( rc==SQLITE_ROW ) h = w2v_parse_vector_header(z, n, pnHeader, &dim);
  else if( rc!=SQLITE_DONE ) return rc;
  if( h!=W2V_HEADER_OK ) *pnHeader = -1;
  if( h==W2V_HEADER_BAD ){
    *pzErr = sqlite3_mprintf("w2v_import: the first line of '%s' ('%.*s') is not a \"words dim\" header of two "
                             "whole numbers", r->zPath, (int)(n>60 ? 60 : n), z);
    return SQLITE_ERROR;
  }
  if( h==W2V_HEADER_NONE ){
    if( rc==SQLITE_ROW ) unread_line(r, z);                  /* no header: GloVe text */
    if( *pFormat==2 ){
      *pzErr = sqlite3_mprintf("w2v_import: '%s' has no \"words dim\" header, which the binary format needs", r->zPath);
      return SQLITE_ERROR;
    }
    *pFormat = 1;
    return SQLITE_OK;
  }
  if( dim>W2V_MAX_DIM ){
    *pzErr = sqlite3_mprintf("w2v_import: dim %lld is over %d", (long long)dim, W2V_MAX_DIM);
    return SQLITE_ERROR;
  }
  x->dim = (int)dim;
  rc = reserve_vectors(x, *pnHeader<x->nMax ? *pnHeader : x->nMax, pzErr);
  if( rc==SQLITE_OK && *pFormat==0 ){
    rc = looks_like_text(r, x->dim, &text, pzErr);
    *pFormat = text ? 1 : 2;
  }
  return rc;
}

/* Stores the vectors as a model (word vectors only; counts V..1 keep the
** file's order as the rank order) and returns its JSON summary. */
static int import_save(sqlite3 *db, const ImportOptions *io, const W2vTarget *target, const char *zPath,
                       int format, int64_t nHeader, int gzip, Vectors *x, const FtFile *ft,
                       char **pzJson, char **pzErr){
  W2vStoreModel sm;
  sqlite3_str *js;
  int64_t k, *aKey = 0;
  int rc;
  memset(&sm, 0, sizeof(sm));
  /* fastText's counts are the file's (a rank order already) */
  for(k=0; format!=3 && k<x->vocab.n; k++) x->vocab.counts[k] = x->vocab.n - k;
  js = sqlite3_str_new(0);
  sqlite3_str_appendall(js, "{\"model\":");
  w2v_json_string(js, io->zModel);
  sqlite3_str_appendall(js, ",\"imported_from\":");
  w2v_json_string(js, zPath);
  sqlite3_str_appendf(js, ",\"format\":\"%s\",%s\"vocab_size\":%lld,\"dim\":%d",
                      format==3 ? "fasttext" : format==2 ? "binary" : nHeader<0 ? "glove" : "text",
                      gzip ? "\"gzip\":true," : "", (long long)x->vocab.n, x->dim);
  if( format==3 && ft->maxn>0 ){
    sqlite3_str_appendf(js, ",\"minn\":%d,\"maxn\":%d,\"bucket\":%d", ft->minn, ft->maxn, ft->bucket);
  }
  sqlite3_str_appendall(js, "}");
  *pzJson = sqlite3_str_finish(js);
  if( *pzJson==0 ) return SQLITE_NOMEM;
  sm.zSchema = target->zSchema;
  sm.zModel = target->zName;
  sm.arch = W2V_ARCH_NONE;
  sm.loss = W2V_LOSS_NONE;
  sm.dim = x->dim;
  sm.storage = io->storage;
  sm.vocab = &x->vocab;
  sm.in = x->v;
  sm.zStats = *pzJson;
  if( format==3 && ft->maxn>0 ){
    /* every bucket's row is kept: fastText averages them all */
    aKey = w2v_core_malloc(sizeof(int64_t)*(size_t)(ft->bucket ? ft->bucket : 1));
    if( aKey==0 ) return SQLITE_NOMEM;
    for(k=0; k<ft->bucket; k++) aKey[k] = k;
    sm.minn = ft->minn; sm.maxn = ft->maxn; sm.bucket = ft->bucket;
    sm.ngram = ft->mat;
    sm.nNgram = ft->nRow;
    sm.ngramBucket = aKey;
    sm.nNgramOwn = x->vocab.n;
  }
  rc = w2v_store_save(db, "w2v_import", &sm, target->expectGen, pzErr);
  w2v_core_free(aKey);
  return rc;
}

/* Every word vector must be at most W2V_MAX_NORM long (see core.h): a
** longer one would overflow the float32 similarity arithmetic. */
static int check_lengths(const Reader *r, const Vectors *x, char **pzErr){
  int64_t i;
  for(i=0; i<x->vocab.n; i++){
    if( w2v_norm_over(x->v + i*x->dim, x->dim) ){
      double len = w2v_norm_exact(x->v + i*x->dim, x->dim);
      *pzErr = sqlite3_mprintf("w2v_import: '%s': the vector of word '%s' (word %lld) has length %g, "
                               "over the limit of %g", r->zPath, w2v_vocab_word(&x->vocab, i),
                               (long long)i+1, len, W2V_MAX_NORM);
      return SQLITE_ERROR;
    }
  }
  return SQLITE_OK;
}

/* Opens the file and reads every vector (up to limit) into x. */
static int import_read(Reader *r, const ImportOptions *io, Vectors *x, int *pFormat, int64_t *pnHeader,
                       FtFile *ft, char **pzErr){
  int rc = w2v_stream_open("w2v_import", r->zPath, (size_t)io->buffer, r->maxLine, r->pProbe, &r->s, pzErr);
  if( rc==SQLITE_OK && *pFormat==0 ){
    int isBin = 0;
    rc = ft_is_bin(r, pzErr, &isBin);
    if( isBin ) *pFormat = 3;
  }
  if( rc==SQLITE_OK && *pFormat==3 ){
    if( io->limit<9e18 ){
      *pzErr = sqlite3_mprintf("w2v_import: limit= does not apply to a fastText model (its n-grams need every word)");
      return SQLITE_ERROR;
    }
    rc = ft_read(r, x, ft, pzErr);
    return rc==SQLITE_OK ? check_lengths(r, x, pzErr) : rc;
  }
  if( rc==SQLITE_OK ) rc = read_header(r, x, pnHeader, pFormat, pzErr);
  if( rc==SQLITE_OK ){
    rc = *pFormat==1 ? read_text(r, x, *pnHeader, pzErr) : read_binary(r, x, *pnHeader, pzErr);
  }
  /* stopped by limit: the rest is not read, but the file must not have changed */
  if( rc==SQLITE_OK && x->vocab.n==x->nMax ) rc = w2v_stream_unchanged(r->s, pzErr);
  if( rc==SQLITE_OK && x->vocab.n==0 ){
    *pzErr = sqlite3_mprintf("w2v_import: '%s' holds no vectors%s", r->zPath, w2v_stream_empty_fifo(r->s) ?
                             " (nothing was read: a FIFO with no process writing to it reads as empty)" : "");
    rc = SQLITE_ERROR;
  }
  if( rc==SQLITE_OK ) rc = check_lengths(r, x, pzErr);
  return rc;
}

void w2v_fn_import(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  W2vConn *conn = sqlite3_user_data(ctx);
  const char *zPath = (const char*)sqlite3_value_text(argv[0]);
  const char *zOpt = argc>1 ? (const char*)sqlite3_value_text(argv[1]) : 0;
  char *zErr = 0, *zJson = 0;
  int format = 0, rc;                   /* format: 0 auto, 1 text, 2 binary */
  int64_t nHeader = -1;
  W2vTarget target;
  ImportOptions io;
  Reader rd;
  Vectors x;
  FtFile ft;
  memset(&ft, 0, sizeof(ft));
  memset(&rd, 0, sizeof(rd));
  memset(&x, 0, sizeof(x));
  memset(&io, 0, sizeof(io));
  w2v_vocab_init(&x.vocab);
  static const char *const azWhat[] = { "path", "options", 0 };
  if( w2v_args_have_nul(ctx, "w2v_import", argc, argv, azWhat) ) return;
  if( zPath==0 || zPath[0]==0 ){
    sqlite3_result_error(ctx, "w2v_import: the path is NULL or empty", -1);
    return;
  }
  rc = import_begin(db, zOpt, &io, &target, &zErr);
  if( rc==SQLITE_OK ){
    format = io.format;
    rd.zPath = x.zPath = zPath;
    rd.maxLine = (size_t)(io.maxMemory<(sqlite3_int64)MAX_LINE ? io.maxMemory : (sqlite3_int64)MAX_LINE);
    x.maxMemory = io.maxMemory;
    x.nMax = io.limit;
    rd.pProbe = w2v_probe_open(db);
    rc = rd.pProbe ? import_read(&rd, &io, &x, &format, &nHeader, &ft, &zErr) : SQLITE_NOMEM;
  }
  if( rc==SQLITE_OK ){
    w2v_conn_pin(conn, target.zSchema, target.zName);
    rc = import_save(db, &io, &target, zPath, format, nHeader, w2v_stream_is_gzip(rd.s), &x, &ft, &zJson, &zErr);
  }
  if( rc==SQLITE_OK ){
    w2v_conn_forget(conn, target.zSchema, target.zName);
    sqlite3_result_text(ctx, zJson, -1, sqlite3_free);   /* handed over: nothing may fail now */
    zJson = 0;
  }
  if( rc==SQLITE_INTERRUPT && zErr==0 ) zErr = sqlite3_mprintf("w2v_import: interrupted");
  if( rc!=SQLITE_OK ){
    if( zErr ) w2v_result_error(ctx, zErr, rc);
    else sqlite3_result_error_code(ctx, rc);
  }
  w2v_stream_close(rd.s);
  sqlite3_finalize(rd.pProbe);
  sqlite3_free(zJson);
  w2v_options_free(&importOptions, &io);
  w2v_core_free(x.v);
  w2v_core_free(ft.mat);
  w2v_vocab_free(&x.vocab);
}
#endif /* _WIN32 */
