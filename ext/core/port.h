/*
** The two facts about the machine that POSIX and Windows ask for
** differently: the number of online CPUs and the physical memory.  Inline,
** header only: it adds no symbol, so util.c keeps no w2v dependency.
*/
#ifndef W2V_PORT_H
#define W2V_PORT_H

#ifdef _WIN32
#include <windows.h>
#else
#include <unistd.h>
#endif

/* Online CPUs (at least 1). */
static inline long w2v_cpu_count(void){
#ifdef _WIN32
  SYSTEM_INFO si;
  GetSystemInfo(&si);
  return si.dwNumberOfProcessors>0 ? (long)si.dwNumberOfProcessors : 1;
#else
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n>0 ? n : 1;
#endif
}

/* Physical memory in bytes, or 0 when unknown. */
static inline long long w2v_phys_bytes(void){
#ifdef _WIN32
  MEMORYSTATUSEX ms;
  ms.dwLength = sizeof(ms);
  return GlobalMemoryStatusEx(&ms) ? (long long)ms.ullTotalPhys : 0;
#else
  long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
  return pages>0 && size>0 ? (long long)pages * size : 0;
#endif
}

#endif /* W2V_PORT_H */
