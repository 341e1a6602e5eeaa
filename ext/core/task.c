/*
** A function run on a second thread while the caller goes on (core.h).
*/
#include "core.h"

static void *task_main(void *p){
  W2vTask *t = p;
  t->fn(t->arg);
  return 0;
}

void w2v_task_start(W2vTask *t, void (*fn)(void*), void *arg){
  t->fn = fn;
  t->arg = arg;
  t->started = pthread_create(&t->tid, 0, task_main, t)==0;
  if( !t->started ) fn(arg);
}

void w2v_task_join(W2vTask *t){
  if( t->started ) pthread_join(t->tid, 0);
  t->started = 0;
}

void w2v_prefault(void *p, size_t n){
  volatile char *c = p;
  size_t i;
  for(i=0; i<n; i+=4096) c[i] = 0;
}
