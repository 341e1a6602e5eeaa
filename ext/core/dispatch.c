/*
** Run-time kernel dispatch (kernel.h): the kern_*.c files compile loss.c and
** knn.c once per instruction set; this file picks one table of them for the
** process, on first use, and defines the w2v_loss_* and w2v_knn_* functions
** the rest of the code calls, each one call through that table.
**
** The choice: W2V_KERNEL=name if set (an unknown name, or an instruction
** set the CPU lacks, is reported by w2v_kernel_error(), and the SQL entry
** point then refuses to load), else the last kernel of the list below that
** the CPU runs: AVX-512 needs avx512f, AVX2 needs avx2 and fma (cpuid, through
** __builtin_cpu_supports, which also checks that the OS saves the registers).
*/
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernel.h"

#if defined(__x86_64__) && !defined(W2V_NATIVE) && defined(__GNUC__)
#define W2V_X86_KERNELS 1
#define W2V_AVX512_KERNEL 1
#endif

extern const W2vKernel w2v_kernel_table_scalar;
#ifdef W2V_NATIVE
extern const W2vKernel w2v_kernel_table_native;
#else
extern const W2vKernel w2v_kernel_table_base;
#endif
#ifdef W2V_X86_KERNELS
extern const W2vKernel w2v_kernel_table_avx2;
#ifdef W2V_AVX512_KERNEL
extern const W2vKernel w2v_kernel_table_avx512;
#endif
#endif

/* Slowest first: without W2V_KERNEL the last one the CPU runs is used. */
static const W2vKernel *const aKernel[] = {
  &w2v_kernel_table_scalar,
#ifdef W2V_NATIVE
  &w2v_kernel_table_native,
#else
  &w2v_kernel_table_base,
#endif
#ifdef W2V_X86_KERNELS
  &w2v_kernel_table_avx2,
#ifdef W2V_AVX512_KERNEL
  &w2v_kernel_table_avx512,
#endif
#endif
};
#define N_KERNEL ((int)(sizeof(aKernel)/sizeof(aKernel[0])))

static int cpu_runs(const W2vKernel *k){
#ifdef W2V_X86_KERNELS
  __builtin_cpu_init();
  switch( k->needs ){
    case W2V_NEEDS_AVX2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case W2V_NEEDS_AVX512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2")
          && __builtin_cpu_supports("fma");
  }
#endif
  return k->needs==W2V_NEEDS_NOTHING;
}

static _Atomic(const W2vKernel*) current;
static pthread_once_t chooseOnce = PTHREAD_ONCE_INIT;
static char zError[200];

static void choose(void){
  const char *zWant = getenv("W2V_KERNEL");
  const W2vKernel *best = aKernel[0];
  int i, found = 0;
  for(i=0; i<N_KERNEL; i++){
    if( cpu_runs(aKernel[i]) ) best = aKernel[i];
  }
  if( zWant && zWant[0] ){
    for(i=0; i<N_KERNEL; i++){
      if( strcmp(zWant, aKernel[i]->zName)==0 ){
        found = 1;
        if( cpu_runs(aKernel[i]) ) best = aKernel[i];
        else snprintf(zError, sizeof(zError), "W2V_KERNEL=%.40s: this CPU cannot run it", zWant);
      }
    }
    if( !found ){
      const char *az[8];
      int n = w2v_kernel_list(az, 8), j, len;
      len = snprintf(zError, sizeof(zError), "W2V_KERNEL=%.40s: no such kernel (this CPU runs:", zWant);
      for(j=0; j<n && len>0 && (size_t)len<sizeof(zError); j++){
        len += snprintf(zError+len, sizeof(zError)-(size_t)len, " %s", az[j]);
      }
      if( len>0 && (size_t)len<sizeof(zError) ) snprintf(zError+len, sizeof(zError)-(size_t)len, ")");
    }
  }
  atomic_store_explicit(&current, best, memory_order_release);
}

static const W2vKernel *kernel(void){
  const W2vKernel *k = atomic_load_explicit(&current, memory_order_acquire);
  if( k ) return k;
  pthread_once(&chooseOnce, choose);
  return atomic_load_explicit(&current, memory_order_acquire);
}

const char *w2v_kernel_name(void){ return kernel()->zName; }

const char *w2v_kernel_error(void){
  kernel();
  return zError[0] ? zError : 0;
}

int w2v_kernel_list(const char **az, int nMax){
  int i, n = 0;
  for(i=0; i<N_KERNEL; i++){
    if( cpu_runs(aKernel[i]) && n<nMax ) az[n++] = aKernel[i]->zName;
  }
  return n;
}

int w2v_kernel_use(const char *zName){
  int i;
  kernel();
  for(i=0; i<N_KERNEL; i++){
    if( strcmp(zName, aKernel[i]->zName)==0 && cpu_runs(aKernel[i]) ){
      atomic_store_explicit(&current, aKernel[i], memory_order_release);
      return 0;
    }
  }
  return -1;
}

/* ---- the plain names, through the table ----------------------------------- */
int64_t w2v_loss_out_rows(int kind, int64_t nWord){
  return kernel()->loss_out_rows(kind, nWord);
}
float w2v_loss_step(const W2vLoss *L, const float *h, float *gh, int32_t target,
                    float alpha, uint64_t *rng, float *scratch){
  return kernel()->loss_step(L, h, gh, target, alpha, rng, scratch);
}
float w2v_loss_window_step(const W2vLoss *L, float *const *in, int nIn, int32_t target,
                           float alpha, uint64_t *rng, float *scratch){
  return kernel()->loss_window_step(L, in, nIn, target, alpha, rng, scratch);
}
float w2v_loss_cbow_step(const W2vLoss *L, float *const *in, int nIn, int32_t target,
                         float alpha, uint64_t *rng, float *h, float *gh, float *scratch){
  return kernel()->loss_cbow_step(L, in, nIn, target, alpha, rng, h, gh, scratch);
}
size_t w2v_loss_window_scratch(const W2vLoss *L){
  return kernel()->loss_window_scratch(L);
}
void w2v_loss_thread_begin(const W2vLoss *L, float *scratch){
  kernel()->loss_thread_begin(L, scratch);
}
void w2v_loss_thread_end(const W2vLoss *L, float *scratch){
  kernel()->loss_thread_end(L, scratch);
}
float w2v_loss_sub_step(const W2vLoss *L, float *const *in, int nIn, const int32_t *target, int nTarget,
                        float alpha, uint64_t *rng, float *work, float *scratch){
  return kernel()->loss_sub_step(L, in, nIn, target, nTarget, alpha, rng, work, scratch);
}
void w2v_rows_sum(float *sum, const float *base, const int32_t *idx, int n, int ld, int dim){
  kernel()->rows_sum(sum, base, idx, n, ld, dim);
}
void w2v_rows_add(float *base, const int32_t *idx, int n, int ld, int dim, const float *g){
  kernel()->rows_add(base, idx, n, ld, dim, g);
}
float w2v_loss_slots_step(const W2vLoss *L, float *const *sum, float *const *pend, const int32_t *cnt,
                          int nUse, int32_t target, float alpha, uint64_t *rng, float *h, float *gh,
                          float *scratch){
  return kernel()->loss_slots_step(L, sum, pend, cnt, nUse, target, alpha, rng, h, gh, scratch);
}
void w2v_knn_index_rows(const float *vec, int64_t n, int dim, int8_t *q8, float *scale, float *err,
                        float *invNorm){
  kernel()->knn_index_rows(vec, n, dim, q8, scale, err, invNorm);
}
int w2v_knn_alloc(W2vKnn *x, int64_t n, int dim){ return kernel()->knn_alloc(x, n, dim); }
int w2v_knn_build(W2vKnn *x, const float *vec, int64_t n, int dim){
  return kernel()->knn_build(x, vec, n, dim);
}
void w2v_knn_free(W2vKnn *x){ kernel()->knn_free(x); }
float w2v_knn_sim(const W2vKnn *x, const float *qu, int64_t id){ return kernel()->knn_sim(x, qu, id); }
float w2v_knn_pair(const W2vKnn *x, int64_t a, int64_t b){ return kernel()->knn_pair(x, a, b); }
int64_t w2v_knn_search(const W2vKnn *x, const W2vKnnQuery *q, W2vHit *aHit){
  return kernel()->knn_search(x, q, aHit);
}
int64_t w2v_knn_cosmul(const W2vKnn *x, const W2vKnnQuery *q, const int32_t *aPos,
                       int nPos, const int32_t *aNeg, int nNeg, W2vHit *aHit){
  return kernel()->knn_cosmul(x, q, aPos, nPos, aNeg, nNeg, aHit);
}
