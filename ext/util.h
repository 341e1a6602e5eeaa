/*
** The bottom of the SQL layer: helpers with no dependency on the rest of
** w2v (only SQLite's API and the core's enums).  JSON text, error results,
** float32 little-endian conversion, ASCII case folding, arch/loss names.
*/
#ifndef W2V_UTIL_H
#define W2V_UTIL_H
#include "core.h"

/* Appends z to s as a JSON string literal, quoted and escaped. */
void w2v_json_string(sqlite3_str *s, const char *z);
/* Appends v with 6 decimals, or null when !ok or not finite. */
void w2v_json_number(sqlite3_str *s, double v, int ok);

/* Sets the error result of a function: zErr (sqlite3_malloc'd, freed here)
** with error code rc when it is not SQLITE_ERROR; NULL zErr means out of
** memory. */
void w2v_result_error(sqlite3_context *ctx, char *zErr, int rc);
/* The same for a virtual table: sets pVtab->zErrMsg from a printf format;
** returns SQLITE_ERROR, or SQLITE_NOMEM when the message cannot be made. */
int w2v_vtab_errorf(sqlite3_vtab *pVtab, const char *zFmt, ...);
/* Takes a sqlite3_malloc'd message (NULL: out of memory) for pVtab. */
int w2v_vtab_error(sqlite3_vtab *pVtab, char *zErr, int rc);

/* float32 little-endian on disk and in blobs, whatever the host. */
void w2v_floats_to_le(void *dst, const float *src, int n);
void w2v_floats_from_le(float *dst, const void *src, int n);

/* A-Z to a-z, other bytes as they are (UTF-8 stays valid). */
void w2v_fold_ascii(char *dst, const char *src, size_t n);

/* Names of the W2V_SKIPGRAM.. and W2V_LOSS_.. values, and back (-1: none). */
const char *w2v_arch_name(int arch);
const char *w2v_loss_name(int loss);
int w2v_arch_from_name(const char *z);
int w2v_loss_from_name(const char *z);

/* Interrupts: a statement whose step fails with SQLITE_INTERRUPT once
** sqlite3_interrupt() has been called (SQLite before 3.41 has no
** sqlite3_is_interrupted()); NULL when it cannot be made, then never
** interrupted. */
sqlite3_stmt *w2v_probe_open(sqlite3*);
int w2v_interrupted(sqlite3_stmt *pProbe);

/* max_memory's default: half the physical memory (4 GiB when unknown). */
sqlite3_int64 w2v_default_max_memory(void);

#endif /* W2V_UTIL_H */
