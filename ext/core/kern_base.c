/*
** The baseline kernel: loss.c and knn.c with the 4-float vector kernels of
** vecmath.h, compiled for what every CPU of the target has: "sse2" on
** x86-64, "neon" on arm64 (both part of the base instruction set), "generic"
** elsewhere.  Under make NATIVE=1 it is "native", compiled with
** -march=native (the AVX2 kernels where the CPU has them), and the only other
** kernel is scalar (kernel.h).
*/
#ifdef W2V_NATIVE
#define W2V_ISA native
#define W2V_BASE_NAME "native"
#else
#define W2V_ISA base
#if defined(__x86_64__)
#define W2V_BASE_NAME "sse2"
#elif defined(__aarch64__)
#define W2V_BASE_NAME "neon"
#else
#define W2V_BASE_NAME "generic"
#endif
#endif
#include "kernel.h"
#include "loss.c"
#include "knn.c"
W2V_KERNEL_TABLE(W2V_BASE_NAME, W2V_NEEDS_NOTHING);
