/*
** A file read through a bounded buffer, for w2v_import: plain or gzip
** (told by its first two bytes, 1f 8b, not by its name), from a regular
** file, a character device or a FIFO.
**
**   - The buffer holds `bufSize` bytes (1 MiB by default) and is refilled as
**     the reader consumes it; a record that does not fit (a long text line,
**     a binary record of a large dim) grows it, doubling, up to `maxBuf`.
**   - The file is opened without blocking (a FIFO with no writer would block
**     open() forever; it reads as empty).  A device or FIFO is read without
**     blocking too: waits of at most 100 ms, with sqlite3_interrupt() checked
**     after each, and after every MiB read.
**   - A regular file must keep its size while read: reading past the size it
**     had at the start, or an end before it, is an error.
**   - gzip goes through zlib's inflate (all members of a multi-member file);
**     a file that ends inside the compressed data, or whose data zlib
**     refuses (bad header, bad block, wrong checksum), is an error naming it.
**   - A UTF-8 byte order mark at the start is skipped.
*/
#ifndef _WIN32   /* used by wordfile.c only, which the Windows build leaves out */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3
#include "w2vInt.h"

#ifndef O_CLOEXEC
# define O_CLOEXEC 0
#endif
#define MIB 1048576

struct W2vStream {
  const char *zFunc, *zPath;       /* for messages (not owned) */
  int fd;
  int isFifo;
  int sized;                       /* a regular file of known size: checked */
  sqlite3_int64 size;              /* its size at the start */
  sqlite3_int64 nRaw;              /* bytes read from the file */
  sqlite3_int64 sinceCheck;        /* bytes read or inflated since the last interrupt check */
  sqlite3_stmt *pProbe;
  int rawEof;                      /* read() said end of file */
  int gzip;                        /* inflating */
  int zInit;                       /* z set up by inflateInit2 */
  int zEnd;                        /* a gzip member ended at z.next_in */
  z_stream z;
  unsigned char *raw;              /* gzip: compressed bytes, rawCap of them */
  size_t rawCap;
  char *buf;                       /* the bytes for the reader: [pos, end) unread */
  size_t cap, pos, end, maxCap;
  int eof;                         /* no byte will follow end */
};

const char *w2v_file_kind_name(unsigned m){
  if( S_ISDIR(m) ) return "a directory";
  if( S_ISBLK(m) ) return "a block device";
  if( S_ISSOCK(m) ) return "a socket";
  return "not a regular file, character device or FIFO";
}

/* Opens zPath for reading without blocking and refuses what is no file of
** bytes.  Returns the descriptor (O_NONBLOCK still set) and its stat, or -1
** with *pzErr. */
static int open_source(const char *zFunc, const char *zPath, struct stat *pSt, char **pzErr){
  int fd = open(zPath, O_RDONLY|O_NONBLOCK|O_CLOEXEC);
  if( fd<0 ){
    struct stat lst;
    int e = errno;
    if( e==ENOENT && lstat(zPath, &lst)==0 && S_ISLNK(lst.st_mode) ){
      *pzErr = sqlite3_mprintf("%s: cannot open '%s': a symbolic link to a missing file", zFunc, zPath);
    }else if( e==ENXIO && stat(zPath, &lst)==0 && S_ISSOCK(lst.st_mode) ){
      *pzErr = sqlite3_mprintf("%s: '%s' is a socket", zFunc, zPath);
    }else{
      *pzErr = sqlite3_mprintf("%s: cannot open '%s': %s", zFunc, zPath, strerror(e));
    }
    return -1;
  }
  if( fstat(fd, pSt)!=0 ){
    *pzErr = sqlite3_mprintf("%s: cannot read '%s': %s", zFunc, zPath, strerror(errno));
    close(fd);
    return -1;
  }
  if( !S_ISREG(pSt->st_mode) && !S_ISCHR(pSt->st_mode) && !S_ISFIFO(pSt->st_mode) ){
    *pzErr = sqlite3_mprintf("%s: '%s' is %s", zFunc, zPath, w2v_file_kind_name(pSt->st_mode));
    close(fd);
    return -1;
  }
  return fd;
}

/* Waits up to 100 ms for a stream to have bytes (poll() does not take
** devices on some systems: then a 10 ms sleep). */
static void wait_readable(int fd){
  struct pollfd p;
  p.fd = fd;
  p.events = POLLIN;
  p.revents = 0;
  if( poll(&p, 1, 100)<0 || (p.revents & POLLNVAL) ){
    struct timespec ts = { 0, 10000000 };
    nanosleep(&ts, 0);
  }
}

static int changed_error(W2vStream *s, char **pzErr){
  struct stat now;
  if( fstat(s->fd, &now)!=0 ) now.st_size = -1;
  *pzErr = sqlite3_mprintf("%s: '%s' changed while being read (%lld bytes at the start, %lld at the end)",
                           s->zFunc, s->zPath, s->size, (long long)now.st_size);
  return SQLITE_ERROR;
}

/* Counts n bytes towards the next interrupt check (every MiB). */
static int count_bytes(W2vStream *s, size_t n){
  s->sinceCheck += n;
  if( s->sinceCheck<MIB ) return SQLITE_OK;
  s->sinceCheck = 0;
  return w2v_interrupted(s->pProbe) ? SQLITE_INTERRUPT : SQLITE_OK;
}

/* At most n bytes from the file into dst: *pGot of them, 0 at its end. */
static int read_raw(W2vStream *s, void *dst, size_t n, size_t *pGot, char **pzErr){
  for(;;){
    ssize_t got = read(s->fd, dst, n);
    if( got>0 ){
      s->nRaw += got;
      *pGot = (size_t)got;
      if( s->sized && s->nRaw>s->size ) return changed_error(s, pzErr);
      return count_bytes(s, (size_t)got);
    }
    if( got==0 ){
      struct stat now;
      s->rawEof = 1;
      *pGot = 0;
      if( s->sized && (s->nRaw!=s->size || fstat(s->fd, &now)!=0 || now.st_size!=s->size) ){
        return changed_error(s, pzErr);
      }
      return SQLITE_OK;
    }
    if( errno==EAGAIN || errno==EWOULDBLOCK ){
      wait_readable(s->fd);
      if( w2v_interrupted(s->pProbe) ) return SQLITE_INTERRUPT;
    }else if( errno!=EINTR ){
      *pzErr = sqlite3_mprintf("%s: cannot read '%s': %s", s->zFunc, s->zPath, strerror(errno));
      return SQLITE_ERROR;
    }
  }
}

static voidpf z_alloc(voidpf opaque, uInt n, uInt size){
  (void)opaque;
  return sqlite3_malloc64((sqlite3_uint64)n*size);
}
static void z_free(voidpf opaque, voidpf p){
  (void)opaque;
  sqlite3_free(p);
}

static int gzip_error(W2vStream *s, int zrc, char **pzErr){
  if( zrc==Z_MEM_ERROR ) return SQLITE_NOMEM;
  if( zrc==Z_BUF_ERROR ){
    *pzErr = sqlite3_mprintf("%s: '%s' is a truncated gzip file (it ends inside the compressed data)",
                             s->zFunc, s->zPath);
  }else{
    *pzErr = sqlite3_mprintf("%s: '%s' is a corrupt gzip file (%s)", s->zFunc, s->zPath,
                             s->z.msg ? s->z.msg : "bad data");
  }
  return SQLITE_ERROR;
}

/* Inflates into buf[end..cap): *pGot bytes (at least one), or 0 at the end
** of the last member. */
static int inflate_some(W2vStream *s, size_t *pGot, char **pzErr){
  size_t room = s->cap - s->end;
  int rc = SQLITE_OK;
  s->z.next_out = (Bytef*)(s->buf + s->end);
  s->z.avail_out = (uInt)(room<0x40000000 ? room : 0x40000000);
  room = s->z.avail_out;
  while( rc==SQLITE_OK && s->z.avail_out==room ){
    int zrc;
    if( s->z.avail_in==0 ){
      size_t got = 0;
      if( s->rawEof ){
        if( s->zEnd ) break;                                /* the end of the last member */
        return gzip_error(s, Z_BUF_ERROR, pzErr);
      }
      rc = read_raw(s, s->raw, s->rawCap, &got, pzErr);
      s->z.next_in = s->raw;
      s->z.avail_in = (uInt)got;
      continue;
    }
    if( s->zEnd ){                                          /* another member follows */
      zrc = inflateReset(&s->z);
      if( zrc!=Z_OK ) return gzip_error(s, zrc, pzErr);
      s->zEnd = 0;
    }
    zrc = inflate(&s->z, Z_NO_FLUSH);
    if( zrc==Z_STREAM_END ) s->zEnd = 1;
    else if( zrc!=Z_OK && zrc!=Z_BUF_ERROR ) return gzip_error(s, zrc, pzErr);
  }
  *pGot = room - s->z.avail_out;
  if( rc==SQLITE_OK && *pGot>0 ) rc = count_bytes(s, *pGot);
  return rc;
}

/* Appends the next bytes to buf[end..cap) (which must have room); sets eof
** when there are none. */
static int fill(W2vStream *s, char **pzErr){
  size_t got = 0;
  int rc = s->gzip ? inflate_some(s, &got, pzErr) : read_raw(s, s->buf + s->end, s->cap - s->end, &got, pzErr);
  if( rc!=SQLITE_OK ) return rc;
  s->end += got;
  if( got==0 ) s->eof = 1;
  return SQLITE_OK;
}

/* Moves the unread bytes to the front, and grows the buffer when they fill
** it and want more are wanted (up to maxCap): room for one more byte at
** least, else SQLITE_TOOBIG. */
static int make_room(W2vStream *s, size_t want){
  if( s->pos>0 ){
    memmove(s->buf, s->buf + s->pos, s->end - s->pos);
    s->end -= s->pos;
    s->pos = 0;
  }
  if( s->end>=s->cap || want>s->cap ){
    size_t c = s->cap*2 > want ? s->cap*2 : want;
    char *b;
    if( c>s->maxCap ) c = s->maxCap;
    if( c<=s->cap || c<=s->end ) return SQLITE_TOOBIG;
    b = sqlite3_realloc64(s->buf, c);
    if( b==0 ) return SQLITE_NOMEM;
    s->buf = b;
    s->cap = c;
  }
  return SQLITE_OK;
}

/* Makes at least n bytes readable from pos (fewer only at the end). */
static int need(W2vStream *s, size_t n, char **pzErr){
  while( s->end - s->pos < n && !s->eof ){
    int rc = make_room(s, n);
    if( rc==SQLITE_OK ) rc = fill(s, pzErr);
    if( rc!=SQLITE_OK ) return rc;
  }
  return SQLITE_OK;
}

int w2v_stream_open(const char *zFunc, const char *zPath, size_t bufSize, size_t maxBuf,
                    sqlite3_stmt *pProbe, W2vStream **pp, char **pzErr){
  struct stat st;
  W2vStream *s;
  int rc;
  *pp = 0;
  s = sqlite3_malloc64(sizeof(*s));
  if( s==0 ) return SQLITE_NOMEM;
  memset(s, 0, sizeof(*s));
  s->zFunc = zFunc;
  s->zPath = zPath;
  s->pProbe = pProbe;
  s->cap = bufSize;
  s->maxCap = maxBuf>bufSize ? maxBuf : bufSize;
  s->fd = open_source(zFunc, zPath, &st, pzErr);
  if( s->fd<0 ){ sqlite3_free(s); return SQLITE_ERROR; }
  *pp = s;
  s->isFifo = S_ISFIFO(st.st_mode);
  /* procfs and sysfs report size 0 for files that hold bytes: a stream */
  s->sized = S_ISREG(st.st_mode) && st.st_size>0;
  s->size = st.st_size;
  if( S_ISREG(st.st_mode) && fcntl(s->fd, F_SETFL, fcntl(s->fd, F_GETFL) & ~O_NONBLOCK)!=0 ){
    *pzErr = sqlite3_mprintf("%s: cannot read '%s': %s", zFunc, zPath, strerror(errno));
    return SQLITE_ERROR;
  }
  s->buf = sqlite3_malloc64(s->cap);
  if( s->buf==0 ) return SQLITE_NOMEM;
  rc = need(s, 2, pzErr);
  if( rc==SQLITE_OK && s->end>=2 && (unsigned char)s->buf[0]==0x1f && (unsigned char)s->buf[1]==0x8b ){
    /* gzip: what was read is the start of the compressed input */
    s->rawCap = s->cap;
    s->raw = sqlite3_malloc64(s->rawCap);
    if( s->raw==0 ) return SQLITE_NOMEM;
    memcpy(s->raw, s->buf, s->end);
    s->z.next_in = s->raw;
    s->z.avail_in = (uInt)s->end;
    s->z.zalloc = z_alloc;
    s->z.zfree = z_free;
    s->end = 0;
    s->eof = 0;
    if( inflateInit2(&s->z, 16 + MAX_WBITS)!=Z_OK ) return SQLITE_NOMEM;
    s->zInit = 1;
    s->gzip = 1;
  }
  if( rc==SQLITE_OK ) rc = need(s, 3, pzErr);
  if( rc==SQLITE_OK && s->end>=3 && memcmp(s->buf, "\xef\xbb\xbf", 3)==0 ) s->pos = 3;
  return rc;
}

int w2v_stream_until(W2vStream *s, int delim, size_t limit, const char **pz, size_t *pn, char **pzErr){
  size_t scanned = 0;           /* bytes from pos known to hold no delim */
  for(;;){
    size_t avail = s->end - s->pos, look = avail<limit ? avail : limit;
    char *p = look>scanned ? memchr(s->buf + s->pos + scanned, delim, look - scanned) : 0;
    int rc;
    if( p ){
      *pz = s->buf + s->pos;
      *pn = (size_t)(p - *pz);
      s->pos += *pn + 1;
      return SQLITE_ROW;
    }
    if( avail>=limit || s->eof ){
      *pz = s->buf + s->pos;
      *pn = look;
      if( avail>=limit ) return SQLITE_TOOBIG;
      s->pos = s->end;
      return SQLITE_DONE;
    }
    scanned = look;
    rc = make_room(s, avail+1);
    if( rc==SQLITE_TOOBIG ){
      *pz = s->buf + s->pos;
      *pn = avail;
      return rc;
    }
    if( rc==SQLITE_OK ) rc = fill(s, pzErr);
    if( rc!=SQLITE_OK ) return rc;
  }
}

void w2v_stream_unread(W2vStream *s, const char *z){
  s->pos = (size_t)(z - s->buf);
}

int w2v_stream_skip_space(W2vStream *s, char **pzErr){
  for(;;){
    while( s->pos<s->end ){
      char c = s->buf[s->pos];
      if( c!=' ' && c!='\t' && c!='\n' && c!='\r' && c!='\v' && c!='\f' ) return SQLITE_ROW;
      s->pos++;
    }
    if( s->eof ) return SQLITE_DONE;
    s->pos = s->end = 0;
    {
      int rc = fill(s, pzErr);
      if( rc!=SQLITE_OK ) return rc;
    }
  }
}

int w2v_stream_take(W2vStream *s, size_t n, const char **pz, char **pzErr){
  int rc = need(s, n, pzErr);
  if( rc!=SQLITE_OK ) return rc;
  if( s->end - s->pos < n ) return SQLITE_DONE;
  *pz = s->buf + s->pos;
  s->pos += n;
  return SQLITE_ROW;
}

int w2v_stream_unchanged(W2vStream *s, char **pzErr){
  struct stat now;
  if( s->sized && (fstat(s->fd, &now)!=0 || now.st_size!=s->size) ) return changed_error(s, pzErr);
  return SQLITE_OK;
}

int w2v_stream_is_gzip(const W2vStream *s){ return s->gzip; }
int w2v_stream_empty_fifo(const W2vStream *s){ return s->isFifo && s->nRaw==0; }

void w2v_stream_close(W2vStream *s){
  if( s==0 ) return;
  if( s->zInit ) inflateEnd(&s->z);
  if( s->fd>=0 ) close(s->fd);
  sqlite3_free(s->raw);
  sqlite3_free(s->buf);
  sqlite3_free(s);
}
#endif /* _WIN32 */
