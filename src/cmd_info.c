/*
 * cmd_info.c - `etlkit info`: the logfile header of each file and what the
 * trace contains (events per provider and header kind, time span, loss).
 */
#include "cli.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

struct pcount {
	etl_guid guid;
	int header;
	uint64_t n;
	int used;
};

struct counts {
	struct pcount *slots;
	size_t cap, used;
	uint64_t per_header[ETL_HDR_KIND_COUNT];
	uint64_t total;
	int64_t first, last;
};

static size_t guid_hash(const etl_guid *g, int header)
{
	uint64_t h = g->data1 ^ ((uint64_t)g->data2 << 32) ^ ((uint64_t)g->data3 << 48);
	uint64_t d4;
	memcpy(&d4, g->data4, 8);
	h ^= d4 * 0x9E3779B97F4A7C15ull;
	h ^= (uint64_t)header * 0xC2B2AE3D27D4EB4Full;
	return (size_t)(h ^ h >> 29);
}

static int count_event(struct counts *c, const etl_event *ev)
{
	if (c->used * 2 >= c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 64;
		struct pcount *ns = calloc(ncap, sizeof(*ns));
		if (!ns)
			return -1;
		for (size_t i = 0; i < c->cap; i++) {
			if (!c->slots[i].used)
				continue;
			size_t j = guid_hash(&c->slots[i].guid, c->slots[i].header) & (ncap - 1);
			while (ns[j].used)
				j = (j + 1) & (ncap - 1);
			ns[j] = c->slots[i];
		}
		free(c->slots);
		c->slots = ns;
		c->cap = ncap;
	}
	int hk = ev->header;
	size_t j = guid_hash(&ev->provider, hk) & (c->cap - 1);
	while (c->slots[j].used &&
	       !(c->slots[j].header == hk && etl_guid_equal(&c->slots[j].guid, &ev->provider)))
		j = (j + 1) & (c->cap - 1);
	if (!c->slots[j].used) {
		c->slots[j].used = 1;
		c->slots[j].guid = ev->provider;
		c->slots[j].header = hk;
		c->used++;
	}
	c->slots[j].n++;
	c->per_header[hk]++;
	if (c->total == 0)
		c->first = ev->timestamp;
	c->last = ev->timestamp;
	c->total++;
	return 0;
}

static int cmp_count(const void *a, const void *b)
{
	const struct pcount *x = a, *y = b;
	if (x->n != y->n)
		return x->n < y->n ? 1 : -1;
	return x->header - y->header;
}

/* A readable name for a provider or kernel class GUID, when known. */
static const char *known_name(const etl_guid *g)
{
	for (unsigned grp = 0; grp < 64; grp++) {
		const char *name;
		const etl_guid *k = etl_kernel_group_guid(grp, &name);
		if (!k)
			break;
		if (etl_guid_equal(k, g))
			return name;
	}
	return NULL;
}

static const char *clock_name(uint32_t c)
{
	switch (c) {
	case 1: return "QPC";
	case 2: return "system time";
	case 3: return "CPU cycle counter";
	default: return "unknown";
	}
}

static void print_text(const etl_trace *t, struct counts *c, struct pcount *sorted)
{
	char ts[ETL_TIME_STRLEN];
	for (size_t i = 0; i < etl_trace_file_count(t); i++) {
		const etl_trace_info *in = etl_trace_info_get(t, i);
		printf("File:               %s\n", in->path);
		printf("Size:               %" PRIu64 " bytes\n", in->file_size);
		printf("Logger:             %s\n", in->logger_name);
		printf("Log file name:      %s\n", in->log_file_name);
		printf("OS version:         %u.%u build %u (log layout %u.%u)\n", in->os_major,
		       in->os_minor, in->provider_version, in->layout_major, in->layout_minor);
		printf("Pointer size:       %u\n", in->pointer_size);
		printf("Processors:         %u (%u MHz)\n", in->number_of_processors, in->cpu_speed_mhz);
		printf("Buffer size:        %u\n", in->buffer_size);
		printf("Log file mode:      0x%08x\n", in->log_file_mode);
		printf("Clock:              %s (type %u), frequency %" PRId64 " Hz\n",
		       clock_name(in->clock_type), in->clock_type, in->perf_freq);
		printf("Timer resolution:   %u x 100 ns\n", in->timer_resolution);
		etl_filetime_format(in->start_time, ts, sizeof ts);
		printf("Start time:         %s\n", ts);
		etl_filetime_format(in->end_time, ts, sizeof ts);
		printf("End time:           %s\n", ts);
		etl_filetime_format(in->boot_time, ts, sizeof ts);
		printf("Boot time:          %s\n", ts);
		printf("Time zone:          %s (bias %d min)\n", in->time_zone.standard_name,
		       in->time_zone.bias);
		printf("Buffers:            %" PRIu64 " (header says %u written), %" PRIu64 " compressed\n",
		       in->buffers, in->buffers_written, in->compressed_buffers);
		printf("Events:             %" PRIu64 "\n", in->events);
		printf("Events lost:        %u\n", in->events_lost);
		printf("Buffers lost:       %u (%" PRIu64 " buffers flagged with loss)\n",
		       in->buffers_lost, in->lost_buffer_flags);
		printf("Damaged:            %" PRIu64 " buffers, %" PRIu64 " records skipped\n\n",
		       in->damaged_buffers, in->damaged_records);
	}
	printf("Events in total:    %" PRIu64 "\n", c->total);
	if (c->total) {
		etl_filetime_format(c->first, ts, sizeof ts);
		printf("First event:        %s\n", ts);
		etl_filetime_format(c->last, ts, sizeof ts);
		printf("Last event:         %s\n", ts);
	}
	printf("\nBy header kind:\n");
	for (int k = 1; k < ETL_HDR_KIND_COUNT; k++)
		if (c->per_header[k])
			printf("  %-12s %10" PRIu64 "\n", etl_header_kind_name(k), c->per_header[k]);
	printf("\nBy provider or class (and header kind):\n");
	for (size_t i = 0; i < c->used; i++) {
		char g[ETL_GUID_STRLEN];
		etl_guid_format(&sorted[i].guid, g);
		const char *name = known_name(&sorted[i].guid);
		printf("  %10" PRIu64 "  %s  %-10s %s\n", sorted[i].n, g,
		       etl_header_kind_name(sorted[i].header), name ? name : "");
	}
}

static void print_json(const etl_trace *t, struct counts *c, struct pcount *sorted)
{
	char ts[ETL_TIME_STRLEN];
	printf("{\"files\":[");
	for (size_t i = 0; i < etl_trace_file_count(t); i++) {
		const etl_trace_info *in = etl_trace_info_get(t, i);
		printf("%s{\"path\":", i ? "," : "");
		cli_put_json(stdout, in->path);
		printf(",\"file_size\":%" PRIu64 ",\"buffer_size\":%u,\"os_version\":\"%u.%u\","
		       "\"log_layout\":\"%u.%u\",\"build\":%u,\"number_of_processors\":%u,"
		       "\"end_time\":%" PRId64 ",\"timer_resolution\":%u,\"maximum_file_size\":%u,"
		       "\"log_file_mode\":%u,\"buffers_written\":%u,\"start_buffers\":%u,"
		       "\"pointer_size\":%u,\"events_lost\":%u,\"cpu_speed_mhz\":%u,"
		       "\"boot_time\":%" PRId64 ",\"perf_freq\":%" PRId64 ",\"start_time\":%" PRId64 ","
		       "\"clock_type\":%u,\"buffers_lost\":%u,\"logger_name\":",
		       in->file_size, in->buffer_size, in->os_major, in->os_minor, in->layout_major,
		       in->layout_minor, in->provider_version, in->number_of_processors,
		       in->end_time, in->timer_resolution, in->maximum_file_size,
		       in->log_file_mode, in->buffers_written, in->start_buffers,
		       in->pointer_size, in->events_lost, in->cpu_speed_mhz, in->boot_time,
		       in->perf_freq, in->start_time, in->clock_type, in->buffers_lost);
		cli_put_json(stdout, in->logger_name);
		printf(",\"log_file_name\":");
		cli_put_json(stdout, in->log_file_name);
		printf(",\"time_zone\":{\"bias\":%d,\"standard_name\":", in->time_zone.bias);
		cli_put_json(stdout, in->time_zone.standard_name);
		printf(",\"standard_bias\":%d,\"daylight_name\":", in->time_zone.standard_bias);
		cli_put_json(stdout, in->time_zone.daylight_name);
		printf(",\"daylight_bias\":%d}", in->time_zone.daylight_bias);
		etl_filetime_format(in->start_time, ts, sizeof ts);
		printf(",\"start_time_iso\":\"%s\"", ts);
		etl_filetime_format(in->end_time, ts, sizeof ts);
		printf(",\"end_time_iso\":\"%s\"", ts);
		printf(",\"buffers\":%" PRIu64 ",\"compressed_buffers\":%" PRIu64
		       ",\"damaged_buffers\":%" PRIu64 ",\"damaged_records\":%" PRIu64
		       ",\"lost_buffer_flags\":%" PRIu64 ",\"events\":%" PRIu64 "}",
		       in->buffers, in->compressed_buffers, in->damaged_buffers,
		       in->damaged_records, in->lost_buffer_flags, in->events);
	}
	printf("],\"events\":%" PRIu64, c->total);
	if (c->total) {
		etl_filetime_format(c->first, ts, sizeof ts);
		printf(",\"first_event\":%" PRId64 ",\"first_event_iso\":\"%s\"", c->first, ts);
		etl_filetime_format(c->last, ts, sizeof ts);
		printf(",\"last_event\":%" PRId64 ",\"last_event_iso\":\"%s\"", c->last, ts);
	}
	printf(",\"header_kinds\":{");
	int first = 1;
	for (int k = 1; k < ETL_HDR_KIND_COUNT; k++) {
		if (!c->per_header[k])
			continue;
		printf("%s\"%s\":%" PRIu64, first ? "" : ",", etl_header_kind_name(k), c->per_header[k]);
		first = 0;
	}
	printf("},\"providers\":[");
	for (size_t i = 0; i < c->used; i++) {
		char g[ETL_GUID_STRLEN];
		etl_guid_format(&sorted[i].guid, g);
		const char *name = known_name(&sorted[i].guid);
		printf("%s{\"guid\":\"%s\",\"header\":\"%s\",\"name\":", i ? "," : "", g,
		       etl_header_kind_name(sorted[i].header));
		if (name)
			cli_put_json(stdout, name);
		else
			printf("null");
		printf(",\"events\":%" PRIu64 "}", sorted[i].n);
	}
	printf("]}\n");
}

static void info_usage(FILE *fp)
{
	fprintf(fp,
	        "Usage: etlkit info [OPTIONS] FILE...\n"
	        "Show the logfile header of each file and what the trace contains:\n"
	        "events per provider or kernel class and header kind, time span, lost\n"
	        "events and damaged buffers.  Several files are read as one merged trace.\n\n"
	        "      --json     machine-readable output\n"
	        "  -m, --manifest PATH  manifest file or directory, for filters by name\n"
	        "  -q, --quiet    no warnings about damaged input\n"
	        "  -h, --help     this help\n"
	        CLI_FILTER_HELP);
}

int cmd_info(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ "manifest", required_argument, NULL, 'm' },
		{ "quiet", no_argument, NULL, 'q' },
		CLI_FILTER_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct cli_common c = { 0 };
	bool json = false;
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "hm:q", opts, NULL)) != -1) {
		switch (opt) {
		case 'h': info_usage(stdout); cli_common_free(&c); return EXIT_OK;
		case 'j': json = true; break;
		case 'm': cli_add_path(&c.manifests, &c.nmanifests, optarg); break;
		case 'q': c.quiet = true; break;
		default: {
			int r = cli_filter_option(&c, opt, optarg, "info");
			if (r > 0)
				break;
			if (r == 0)
				info_usage(stderr);
			cli_common_free(&c);
			return EXIT_USAGE;
		}
		}
	}
	if (optind >= argc) {
		cli_usage_error("info", "no input files");
		cli_common_free(&c);
		return EXIT_USAGE;
	}
	etl_schemas *schemas = NULL;
	etl_decoder *dec = NULL;
	etl_trace *t = cli_open_trace(argv + optind, (size_t)(argc - optind), &c, 0);
	if (!t) {
		cli_common_free(&c);
		return EXIT_ERROR;
	}
	if (!cli_filter_ready(&c, t, "info")) {
		etl_trace_close(t);
		cli_common_free(&c);
		return EXIT_USAGE;
	}
	if (etl_filter_needs_decoding(c.filter)) {
		if (!cli_add_manifest_env(&c) || !(schemas = cli_load_schemas(&c)) ||
		    etl_decoder_new(schemas, &dec) != ETL_OK || etl_decoder_prescan(dec, t) != ETL_OK) {
			etl_schemas_free(schemas);
			etl_decoder_free(dec);
			etl_trace_close(t);
			cli_common_free(&c);
			return EXIT_ERROR;
		}
	}
	struct counts cnt = { 0 };
	const etl_event *ev;
	etl_status st;
	while ((st = etl_trace_next(t, &ev)) == ETL_OK) {
		if (c.filter) {
			const etl_decoded *d = NULL;
			if (dec)
				etl_decoder_decode(dec, ev, &d);
			if (!etl_filter_match(c.filter, ev, d))
				continue;
		}
		if (count_event(&cnt, ev) != 0) {
			st = ETL_ERR_NOMEM;
			break;
		}
	}
	int rc = EXIT_OK;
	if (st != ETL_EOF) {
		cli_error("%s", st == ETL_ERR_NOMEM ? "out of memory" : etl_trace_errmsg(t));
		rc = EXIT_ERROR;
	} else {
		struct pcount *sorted = malloc((cnt.used ? cnt.used : 1) * sizeof(*sorted));
		if (!sorted) {
			cli_error("out of memory");
			rc = EXIT_ERROR;
		} else {
			size_t k = 0;
			for (size_t i = 0; i < cnt.cap; i++)
				if (cnt.slots[i].used)
					sorted[k++] = cnt.slots[i];
			qsort(sorted, k, sizeof(*sorted), cmp_count);
			if (json)
				print_json(t, &cnt, sorted);
			else
				print_text(t, &cnt, sorted);
			free(sorted);
			if (fflush(stdout) != 0) {
				cli_error("writing the output failed");
				rc = EXIT_ERROR;
			} else if (cli_damage(t)) {
				rc = EXIT_DAMAGED;
			}
		}
	}
	free(cnt.slots);
	etl_decoder_free(dec);
	etl_schemas_free(schemas);
	etl_trace_close(t);
	cli_common_free(&c);
	return rc;
}
