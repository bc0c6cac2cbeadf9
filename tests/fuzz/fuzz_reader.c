/*
 * fuzz_reader.c - a whole .etl file from memory: etl_trace_open_memory, every
 * event through etl_trace_next, each decoded by an etl_decoder over an empty
 * schema store (so in-trace TraceLogging metadata, EventSource manifest
 * chunks, KernelTraceControl EventInfo/EventMapInfo blobs, WinSat XML and
 * the built-in kernel classes are all reached) and written by the JSON Lines
 * sink.  Then the trace is rewound and must deliver the same events again.
 *
 * Input: the file.  Every byte the library hands out (payload, extended
 * items, header extensions, decoded JSON) is read here, so a pointer past
 * the input is reported by AddressSanitizer at once.
 */
#include "fuzz.h"

#define MAX_EVENTS 200000 /* bounds a run on inputs of many tiny records */

static void on_warning(void *ctx, const char *msg)
{
	++*(unsigned long *)ctx;
	fz_touch_str(msg);
}

static void touch_event(const etl_event *ev)
{
	fz_touch(ev->data, ev->size);
	fz_touch(ev->header_ext, ev->header_ext_size);
	for (size_t i = 0; i < ev->ext_count; i++)
		fz_touch(ev->ext[i].data, ev->ext[i].size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	if (!devnull && !(devnull = fopen("/dev/null", "w")))
		abort();

	unsigned long warnings = 0;
	etl_open_options opt = { on_warning, &warnings, 0 };
	etl_trace *t = NULL;
	char err[512];
	err[0] = 0;
	if (etl_trace_open_memory(data, size, "fuzz.etl", &opt, &t, err, sizeof err) != ETL_OK) {
		fz_check_msg(err, sizeof err);
		if (t)
			abort(); /* a failed open hands out no handle */
		return 0;
	}
	const etl_trace_info *info = etl_trace_info_get(t, 0);
	fz_touch_str(info->logger_name);
	fz_touch_str(info->log_file_name);
	fz_touch_str(info->time_zone.standard_name);
	fz_touch_str(info->time_zone.daylight_name);

	etl_schemas *s = NULL;
	etl_decoder *d = NULL;
	etl_sink *sink = NULL;
	if (etl_schemas_new(&s) != ETL_OK || etl_decoder_new(s, &d) != ETL_OK)
		goto out;
	if (etl_sink_open_stream("jsonl", devnull, ETL_SINK_RAW, t, &sink) != ETL_OK)
		goto out;

	const etl_event *ev;
	unsigned long first = 0;
	while (first < MAX_EVENTS && etl_trace_next(t, &ev) == ETL_OK) {
		first++;
		touch_event(ev);
		const etl_decoded *dc = NULL;
		if (etl_decoder_decode(d, ev, &dc) == ETL_OK) {
			fz_touch_decoded(dc);
			etl_sink_write(sink, ev, dc);
		}
	}
	/* a rewound trace delivers the same events again */
	if (first < MAX_EVENTS && etl_trace_rewind(t) == ETL_OK) {
		unsigned long again = 0;
		while (again <= first && etl_trace_next(t, &ev) == ETL_OK)
			again++;
		if (again != first) {
			fprintf(stderr, "fuzz_reader: %lu events, %lu after rewind\n", first, again);
			abort();
		}
	}
	fz_touch_str(etl_trace_errmsg(t));
out:
	etl_sink_close(sink);
	etl_decoder_free(d);
	etl_schemas_free(s);
	etl_trace_close(t);
	return 0;
}
