/*
** The core's allocator: the system allocator (models may exceed what
** sqlite3_malloc allows), behind one door so that make test-oom can make the
** N-th allocation fail.
*/
#include <stdlib.h>
#include "core.h"

int (*w2v_core_alloc_hook)(size_t) = 0;

#ifdef _WIN32
/* Windows has no posix_memalign, and what _aligned_malloc returns must go
** to _aligned_free: every block of the core is allocated that way. */
#include <malloc.h>
#include <string.h>
void *w2v_core_malloc(size_t n){
  if( w2v_core_alloc_hook && !w2v_core_alloc_hook(n) ) return 0;
  return _aligned_malloc(n ? n : 1, 64);
}
void *w2v_core_calloc(size_t n, size_t size){
  void *p;
  size_t total;
  if( size && n > (size_t)-1/size ) return 0;
  total = n*size;
  if( w2v_core_alloc_hook && !w2v_core_alloc_hook(total) ) return 0;
  p = _aligned_malloc(total>0 ? total : 1, 64);
  if( p ) memset(p, 0, total);
  return p;
}
void *w2v_core_realloc(void *p, size_t n){
  if( w2v_core_alloc_hook && !w2v_core_alloc_hook(n) ) return 0;
  return _aligned_realloc(p, n ? n : 1, 64);
}
void *w2v_core_aligned(size_t n){ return w2v_core_malloc(n); }
void w2v_core_free(void *p){ _aligned_free(p); }
#else

void *w2v_core_malloc(size_t n){
  if( w2v_core_alloc_hook && !w2v_core_alloc_hook(n) ) return 0;
  return malloc(n ? n : 1);
}
void *w2v_core_calloc(size_t n, size_t size){
  if( w2v_core_alloc_hook && !w2v_core_alloc_hook(n*size) ) return 0;
  return calloc(n ? n : 1, size ? size : 1);
}
void *w2v_core_realloc(void *p, size_t n){
  if( w2v_core_alloc_hook && !w2v_core_alloc_hook(n) ) return 0;
  return realloc(p, n ? n : 1);
}
/* 64-byte aligned, for the kernels' vector loads; freed by w2v_core_free */
void *w2v_core_aligned(size_t n){
  void *p = 0;
  if( w2v_core_alloc_hook && !w2v_core_alloc_hook(n) ) return 0;
  if( posix_memalign(&p, 64, n ? n : 1) ) return 0;
  return p;
}
void w2v_core_free(void *p){
  free(p);
}
#endif
