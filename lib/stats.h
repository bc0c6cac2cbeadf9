/*
 * stats.h - what the statistics module (stats.c) shares with the HTML report
 * writer (report.c) inside libetlkit.
 */
#ifndef ETLKIT_STATS_H
#define ETLKIT_STATS_H

#ifndef ETLKIT_INTERNAL
#error "stats.h is private to libetlkit"
#endif

#include "private.h"
#include <stdio.h>

/* Writes s as one HTML page (report.c). */
etl_status etl_report_write_html(etl_stats *s, FILE *fp, const etl_stats_write_options *o);

/* Writes the JSON document of `etlkit stats --json` (stats.c); '<', '>' and
 * '&' are escaped so that the text can stand inside an HTML <script>. */
etl_status etl_stats_write_json(etl_stats *s, FILE *fp);

/* s as a JSON string with its quotes (HTML-safe, as above). */
void etl_stats_put_json_string(FILE *fp, const char *s);

/* "12.3 MB", "512 B": n bytes for people, into buf. */
const char *etl_stats_human_bytes(uint64_t n, char *buf, size_t size);

#endif
