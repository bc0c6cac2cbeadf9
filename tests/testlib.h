/*
 * testlib.h - helpers shared by the unit tests: reading files, finding the
 * shared corpus, running the synthetic trace writer.
 */
#ifndef ETLKIT_TESTLIB_H
#define ETLKIT_TESTLIB_H

#include "etlkit.h"
#include <stdbool.h>
#include <stddef.h>

/* Whole file into memory (caller frees); NULL on error. */
unsigned char *tl_read_file(const char *path, size_t *size);
bool tl_write_file(const char *path, const void *p, size_t n);

/* The corpus directory, or NULL when absent.  When absent outside CI the
 * caller should skip; in CI (CI=true) a missing corpus is a failure, which
 * tl_corpus_dir reports by exiting 1 after a TAP bail-out. */
const char *tl_corpus_dir(void);

/* The corpus traces, by file name (tl_corpus_count of them). */
extern const char *const tl_corpus_traces[];
extern const size_t tl_corpus_count;

/* A schema store with the corpus manifests that decoding is measured with
 * (the CLR, HTTP Server and SystemEvents manifests and the windows/
 * directory); NULL, with a TAP diagnostic, when one does not load. */
etl_schemas *tl_corpus_schemas(const char *corpus_dir);

/* Runs tests/etlgen with the given arguments (after -o OUT); 0 on success. */
int tl_etlgen(const char *out, const char *args);

/* A fresh temporary directory for the test (removed by the OS's tmp cleaner;
 * tests remove their files themselves). */
const char *tl_tmpdir(void);

/* The next value of a xorshift64 generator whose state is *state (not 0):
 * reproducible pseudo-random test data. */
uint64_t tl_rand(uint64_t *state);

/* Reads all events; returns the count, or -1 when next() failed. */
long tl_count_events(etl_trace *t);

#endif
