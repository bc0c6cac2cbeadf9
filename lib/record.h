/*
 * record.h - parsing of one trace record (private).
 */
#ifndef ETLKIT_RECORD_H
#define ETLKIT_RECORD_H

#ifndef ETLKIT_INTERNAL
#error "record.h is private to libetlkit"
#endif

#include "private.h"

/* Growable array for the extended items of one record. */
typedef struct etl_ext_vec {
	etl_ext_item *items;
	size_t cap;
} etl_ext_vec;

typedef enum etl_rec_result {
	ETL_REC_OK,       /* *ev filled; *size is the record size */
	ETL_REC_END,      /* end marker (0xFFFFFFFF or 0) or too few bytes left */
	ETL_REC_SKIP,     /* a record that is not an event (WNODE, TIMED, ERROR):
	                     skip *size bytes; why says what it was */
	ETL_REC_BAD,      /* damaged: the rest of the buffer is unusable; why says why */
	ETL_REC_NOMEM
} etl_rec_result;

/* Parses the record at p (avail bytes left in the record area).  Fills the
 * header-derived fields of *ev (not file, cpu, timestamp conversion or
 * location).  *has_time is false for WPP messages that carry no timestamp. */
etl_rec_result etl_record_parse(const uint8_t *p, size_t avail, etl_event *ev,
                                etl_ext_vec *ext, size_t *size, bool *has_time,
                                char *why, size_t why_size);

/* For scans that want few records: the size of the record at p when it is
 * an event with a typed header that etl_record_parse() would accept, with
 * its raw timestamp in *raw_time, so that the scan can step over it
 * unparsed; 0 for any other record (parse it). */
size_t etl_record_peek(const uint8_t *p, size_t avail, int64_t *raw_time);

void etl_ext_vec_free(etl_ext_vec *v);

#endif
