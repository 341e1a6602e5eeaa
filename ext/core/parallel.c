/*
** A parallel loop for the core's batch computations (k-means, PCA): the
** range [0, n) in chunks taken in turn by up to `threads` threads, the
** calling thread among them.  Only the calling thread asks xInterrupt (a
** SQLite probe is not for other threads); when it says stop, the others
** stop at their next chunk.  What each index computes must not depend on
** which thread runs it: then the result does not depend on the number of
** threads either.
*/
#include <pthread.h>
#include <stdatomic.h>
#include "core.h"

typedef struct ParLoop {
  void (*x)(void*, int64_t, int64_t);
  void *ctx;
  int64_t n, chunk;
  _Atomic int64_t next;
  _Atomic int stop;
} ParLoop;

/* Runs chunks until none is left or stop is set; the caller's thread
** (pInt given) asks xInterrupt after each chunk. */
static void par_run(ParLoop *p, int (*xInterrupt)(void*), void *pArg){
  for(;;){
    int64_t lo;
    if( atomic_load_explicit(&p->stop, memory_order_relaxed) ) break;
    lo = atomic_fetch_add_explicit(&p->next, p->chunk, memory_order_relaxed);
    if( lo>=p->n ) break;
    p->x(p->ctx, lo, lo + p->chunk < p->n ? lo + p->chunk : p->n);
    if( xInterrupt && xInterrupt(pArg) ) atomic_store(&p->stop, 1);
  }
}

static void *par_main(void *pArg){
  par_run((ParLoop*)pArg, 0, 0);
  return 0;
}

int w2v_parallel_for(int64_t n, int64_t chunk, int threads, void (*x)(void*, int64_t, int64_t), void *ctx,
                     int (*xInterrupt)(void*), void *pInterruptArg){
  pthread_t aTid[W2V_MAX_PAR_THREADS];
  ParLoop p;
  int nStarted = 0, k;
  if( n<=0 ) return 0;
  if( chunk<1 ) chunk = 1;
  p.x = x;
  p.ctx = ctx;
  p.n = n;
  p.chunk = chunk;
  atomic_init(&p.next, 0);
  atomic_init(&p.stop, 0);
  if( threads>W2V_MAX_PAR_THREADS ) threads = W2V_MAX_PAR_THREADS;
  if( (n + chunk - 1)/chunk < threads ) threads = (int)((n + chunk - 1)/chunk);
  /* a thread that cannot start leaves its share to the others */
  for(k=1; k<threads; k++){
    if( pthread_create(&aTid[nStarted], 0, par_main, &p)==0 ) nStarted++;
  }
  par_run(&p, xInterrupt, pInterruptArg);
  for(k=0; k<nStarted; k++) pthread_join(aTid[k], 0);
  return atomic_load(&p.stop) ? W2V_ERR_INTERRUPT : 0;
}
