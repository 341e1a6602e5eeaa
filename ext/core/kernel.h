/*
** Run-time kernel dispatch, the internal side.  loss.c and knn.c (the hot
** loops of training and of nearest-neighbour search) are not compiled on
** their own: each kern_*.c includes both, for one instruction set, with
** W2V_ISA set to its name.  Then the macros below rename every function they
** define, w2v_loss_step becoming w2v_loss_step_avx2 and so on, and the file
** ends with a W2vKernel table of them.  dispatch.c defines the plain names,
** which call through the table it picked for the CPU (or W2V_KERNEL).
*/
#ifndef W2V_KERNEL_H
#define W2V_KERNEL_H

#ifdef W2V_ISA
#define W2V_ISA_CAT_(a, b) a##_##b
#define W2V_ISA_CAT(a, b) W2V_ISA_CAT_(a, b)
#define W2V_ISA_NAME(f) W2V_ISA_CAT(f, W2V_ISA)
#define w2v_loss_out_rows       W2V_ISA_NAME(w2v_loss_out_rows)
#define w2v_loss_step           W2V_ISA_NAME(w2v_loss_step)
#define w2v_loss_window_step    W2V_ISA_NAME(w2v_loss_window_step)
#define w2v_loss_cbow_step      W2V_ISA_NAME(w2v_loss_cbow_step)
#define w2v_loss_window_scratch W2V_ISA_NAME(w2v_loss_window_scratch)
#define w2v_loss_thread_begin   W2V_ISA_NAME(w2v_loss_thread_begin)
#define w2v_loss_thread_end     W2V_ISA_NAME(w2v_loss_thread_end)
#define w2v_loss_sub_step       W2V_ISA_NAME(w2v_loss_sub_step)
#define w2v_rows_sum            W2V_ISA_NAME(w2v_rows_sum)
#define w2v_rows_add            W2V_ISA_NAME(w2v_rows_add)
#define w2v_loss_slots_step     W2V_ISA_NAME(w2v_loss_slots_step)
#define w2v_knn_index_rows      W2V_ISA_NAME(w2v_knn_index_rows)
#define w2v_knn_alloc           W2V_ISA_NAME(w2v_knn_alloc)
#define w2v_knn_build           W2V_ISA_NAME(w2v_knn_build)
#define w2v_knn_free            W2V_ISA_NAME(w2v_knn_free)
#define w2v_knn_sim             W2V_ISA_NAME(w2v_knn_sim)
#define w2v_knn_pair            W2V_ISA_NAME(w2v_knn_pair)
#define w2v_knn_search          W2V_ISA_NAME(w2v_knn_search)
#define w2v_knn_cosmul          W2V_ISA_NAME(w2v_knn_cosmul)
#define w2v_kernel_table        W2V_ISA_NAME(w2v_kernel_table)
#endif

#include "core.h"

/* Instruction sets a kernel may need, tested by dispatch.c with cpuid. */
enum { W2V_NEEDS_NOTHING = 0, W2V_NEEDS_AVX2 = 1, W2V_NEEDS_AVX512 = 2 };

/* One compiled copy of loss.c and knn.c. */
typedef struct W2vKernel {
  const char *zName;
  int needs;                 /* W2V_NEEDS_* */
  int64_t (*loss_out_rows)(int, int64_t);
  float (*loss_step)(const W2vLoss*, const float*, float*, int32_t, float, uint64_t*, float*);
  float (*loss_window_step)(const W2vLoss*, float *const*, int, int32_t, float, uint64_t*, float*);
  float (*loss_cbow_step)(const W2vLoss*, float *const*, int, int32_t, float, uint64_t*, float*, float*, float*);
  size_t (*loss_window_scratch)(const W2vLoss*);
  void (*loss_thread_begin)(const W2vLoss*, float*);
  void (*loss_thread_end)(const W2vLoss*, float*);
  float (*loss_sub_step)(const W2vLoss*, float *const*, int, const int32_t*, int, float, uint64_t*, float*, float*);
  void (*rows_sum)(float*, const float*, const int32_t*, int, int, int);
  void (*rows_add)(float*, const int32_t*, int, int, int, const float*);
  float (*loss_slots_step)(const W2vLoss*, float *const*, float *const*, const int32_t*, int, int32_t, float, uint64_t*, float*, float*, float*);
  void (*knn_index_rows)(const float*, int64_t, int, int8_t*, float*, float*, float*);
  int (*knn_alloc)(W2vKnn*, int64_t, int);
  int (*knn_build)(W2vKnn*, const float*, int64_t, int);
  void (*knn_free)(W2vKnn*);
  float (*knn_sim)(const W2vKnn*, const float*, int64_t);
  float (*knn_pair)(const W2vKnn*, int64_t, int64_t);
  int64_t (*knn_search)(const W2vKnn*, const W2vKnnQuery*, W2vHit*);
  int64_t (*knn_cosmul)(const W2vKnn*, const W2vKnnQuery*, const int32_t*, int, const int32_t*, int, W2vHit*);
} W2vKernel;

/* The end of a kern_*.c file: its table, named w2v_kernel_table_<isa>. */
#define W2V_KERNEL_TABLE(zName, needs) \
  const W2vKernel w2v_kernel_table = { zName, needs, \
    w2v_loss_out_rows, w2v_loss_step, w2v_loss_window_step, w2v_loss_cbow_step, w2v_loss_window_scratch, \
    w2v_loss_thread_begin, w2v_loss_thread_end, w2v_loss_sub_step, \
    w2v_rows_sum, w2v_rows_add, w2v_loss_slots_step, \
    w2v_knn_index_rows, w2v_knn_alloc, w2v_knn_build, w2v_knn_free, w2v_knn_sim, \
    w2v_knn_pair, w2v_knn_search, w2v_knn_cosmul }

#endif /* W2V_KERNEL_H */
