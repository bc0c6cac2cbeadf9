/*
 * cmd_schema.c - `etlkit schema list|show`: which providers and events the
 * given manifests, MOF files and traces define, and one event's fields.
 *
 * Without trace files, `list` prints the store (manifests, MOF files; the
 * built-in kernel classes with --builtin or when nothing else is given).  With
 * trace files it prints the event types that occur in them, with the schema
 * each decoded with (also the ones the trace itself carries) and counts.
 */
#include "cli.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void schema_usage(FILE *fp)
{
	fprintf(fp,
	        "Usage: etlkit schema list [OPTIONS] [FILE...]\n"
	        "       etlkit schema show [OPTIONS] --provider NAME|GUID (--id N | --event NAME) [FILE...]\n"
	        "List the providers and events that manifests, MOF files and traces define, or\n"
	        "show one event's fields and types.  With trace files, the events that occur in\n"
	        "them are listed, each with the schema it decodes with.\n\n"
	        "  -m, --manifest PATH    instrumentation manifest file or directory (repeatable;\n"
	        "                         also ETLKIT_MANIFEST_PATH)\n"
	        "      --mof PATH         MOF file with classic event classes (repeatable)\n"
	        "      --builtin          also list the built-in kernel classes\n"
	        "      --provider P       show: provider (or kernel class) name or GUID\n"
	        "      --id N             show: event id, or event type (opcode) of classic events\n"
	        "      --event-version N  show: event version (default: the highest)\n"
	        "      --event NAME       show: event name instead of --id\n"
	        "      --json             JSON Lines output\n"
	        "  -q, --quiet            no warnings about damaged input\n"
	        "  -h, --help             this help\n");
}

struct entry {
	const etl_event_schema *schema; /* NULL: an event type without one */
	etl_guid provider;
	int classic;
	uint16_t id;
	uint8_t version;
	uint64_t count;
	char provider_name[128];
	char event_name[160];
	char source[16];
};

struct list {
	struct entry *v;
	size_t n, cap;
};

static struct entry *list_add(struct list *l)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		struct entry *p = realloc(l->v, cap * sizeof(*p));
		if (!p)
			return NULL;
		l->v = p;
		l->cap = cap;
	}
	memset(&l->v[l->n], 0, sizeof(l->v[0]));
	return &l->v[l->n++];
}

static void fill(struct entry *e, const etl_event_schema *sc)
{
	etl_event_schema_info in;
	etl_event_schema_describe(sc, &in);
	e->schema = sc;
	e->provider = in.provider;
	e->classic = in.classic;
	e->id = in.classic ? in.opcode : in.id;
	e->version = in.version;
	snprintf(e->provider_name, sizeof e->provider_name, "%s", in.provider_name ? in.provider_name : "");
	snprintf(e->event_name, sizeof e->event_name, "%s", in.event_name ? in.event_name : "");
	snprintf(e->source, sizeof e->source, "%s", in.source);
}

static int collect(void *ctx, const etl_event_schema *sc)
{
	struct entry *e = list_add(ctx);
	if (!e)
		return 1;
	fill(e, sc);
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = strcmp(x->provider_name, y->provider_name);
	if (c)
		return c;
	c = memcmp(&x->provider, &y->provider, sizeof x->provider);
	if (c)
		return c;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->version < y->version ? -1 : x->version > y->version;
}

/* The event types that occur in a trace, with the schema each decoded with. */
static int collect_trace(char **files, size_t n, struct cli_common *c, etl_schemas *schemas,
                         struct list *l, etl_decoder **dec_out, etl_trace **t_out)
{
	etl_trace *t = cli_open_trace(files, n, c, 0);
	if (!t)
		return EXIT_ERROR;
	etl_decoder *dec = NULL;
	if (etl_decoder_new(schemas, &dec) != ETL_OK || etl_decoder_prescan(dec, t) != ETL_OK) {
		cli_error("%s", dec ? etl_trace_errmsg(t) : "out of memory");
		etl_decoder_free(dec);
		etl_trace_close(t);
		return EXIT_ERROR;
	}
	const etl_event *ev;
	etl_status st;
	while ((st = etl_trace_next(t, &ev)) == ETL_OK) {
		const etl_decoded *d = NULL;
		etl_decoder_decode(dec, ev, &d);
		const etl_event_schema *sc = etl_decoded_event_schema(d);
		bool classic = ev->header != ETL_HDR_EVENT32 && ev->header != ETL_HDR_EVENT64 &&
		               ev->header != ETL_HDR_MESSAGE;
		uint16_t id = classic ? ev->opcode : ev->id;
		struct entry *hit = NULL;
		/* few distinct types: a linear scan from the most recent is enough */
		for (size_t i = l->n; i-- > 0;) {
			struct entry *e = &l->v[i];
			if (e->id == id && e->version == ev->version && e->classic == classic &&
			    etl_guid_equal(&e->provider, &ev->provider) &&
			    (!sc || e->schema == sc || !e->schema)) {
				hit = e;
				break;
			}
		}
		if (!hit) {
			if (!(hit = list_add(l))) {
				st = ETL_ERR_NOMEM;
				break;
			}
			hit->provider = ev->provider;
			hit->classic = classic;
			hit->id = id;
			hit->version = ev->version;
			hit->schema = sc;
			const char *pn = etl_decoded_provider_name(d), *en = etl_decoded_event_name(d);
			snprintf(hit->provider_name, sizeof hit->provider_name, "%s", pn ? pn : "");
			snprintf(hit->event_name, sizeof hit->event_name, "%s", en ? en : "");
			snprintf(hit->source, sizeof hit->source, "%s", etl_decoded_schema(d));
		}
		hit->count++;
	}
	if (st != ETL_EOF) {
		cli_error("%s", st == ETL_ERR_NOMEM ? "out of memory" : etl_trace_errmsg(t));
		etl_decoder_free(dec);
		etl_trace_close(t);
		return EXIT_ERROR;
	}
	*dec_out = dec;
	*t_out = t;
	return EXIT_OK;
}

static void print_list(const struct list *l, bool json, bool counts)
{
	char g[ETL_GUID_STRLEN];
	if (!json)
		printf("%-40s %-38s %-6s %3s %-12s %s%s\n", "PROVIDER", "GUID", "ID/OP", "VER",
		       "SOURCE", counts ? "EVENTS  " : "", "EVENT");
	for (size_t i = 0; i < l->n; i++) {
		const struct entry *e = &l->v[i];
		etl_guid_format(&e->provider, g);
		if (json) {
			printf("{\"provider\":\"%s\",\"provider_name\":", g);
			cli_put_json(stdout, e->provider_name);
			printf(",\"%s\":%u,\"version\":%u,\"source\":\"%s\",\"event_name\":",
			       e->classic ? "opcode" : "id", e->id, e->version, e->source);
			cli_put_json(stdout, e->event_name);
			if (counts)
				printf(",\"events\":%" PRIu64, e->count);
			printf("}\n");
			continue;
		}
		char idtxt[16];
		snprintf(idtxt, sizeof idtxt, "%s%u", e->classic ? "op" : "", e->id);
		printf("%-40s %-38s %-6s %3u %-12s ", e->provider_name[0] ? e->provider_name : "-", g,
		       idtxt, e->version, e->source);
		if (counts)
			printf("%-7" PRIu64 " ", e->count);
		printf("%s\n", e->event_name[0] ? e->event_name : "-");
	}
}

static int show(const etl_event_schema *sc)
{
	etl_event_schema_info in;
	etl_event_schema_describe(sc, &in);
	char g[ETL_GUID_STRLEN];
	etl_guid_format(&in.provider, g);
	printf("Provider:  %s {%s}\n", in.provider_name ? in.provider_name : "-", g);
	printf("Event:     %s\n", in.event_name ? in.event_name : "-");
	if (in.classic)
		printf("Key:       event type (opcode) %u, version %u\n", in.opcode, in.version);
	else
		printf("Key:       id %u, version %u\n", in.id, in.version);
	printf("Source:    %s\n", in.source);
	if (in.task_name)
		printf("Task:      %s (%u)\n", in.task_name, in.task);
	if (in.opcode_name)
		printf("Opcode:    %s (%u)\n", in.opcode_name, in.opcode);
	if (in.level_name)
		printf("Level:     %s (%u)\n", in.level_name, in.level);
	if (in.keywords_name)
		printf("Keywords:  %s (0x%" PRIx64 ")\n", in.keywords_name, in.keywords);
	if (in.message)
		printf("Message:   %s\n", in.message);
	printf("\n%-36s %-24s %-22s %-14s %-10s %s\n", "FIELD", "IN-TYPE", "OUT-TYPE", "COUNT",
	       "LENGTH", "MAP");
	etl_field_info f;
	for (size_t i = 0; etl_event_schema_field(sc, i, &f); i++) {
		char name[128];
		snprintf(name, sizeof name, "%*s%s", (int)(2 * f.depth), "", f.name);
		printf("%-36s %-24s %-22s %-14s %-10s %s\n", name, f.in_type,
		       f.out_type[0] ? f.out_type : "-", f.count[0] ? f.count : "-",
		       f.length[0] ? f.length : "-", f.map ? f.map : "-");
	}
	return EXIT_OK;
}

static bool provider_matches(const struct entry *e, const char *want, const etl_guid *wg, bool is_guid)
{
	if (is_guid)
		return etl_guid_equal(&e->provider, wg);
	return !strcasecmp(e->provider_name, want);
}

int cmd_schema(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "builtin", no_argument, NULL, 'b' },
		{ "event", required_argument, NULL, 'e' },
		{ "event-version", required_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ "id", required_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' },
		{ "manifest", required_argument, NULL, 'm' },
		{ "mof", required_argument, NULL, 'M' },
		{ "provider", required_argument, NULL, 'p' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_common c = { 0 };
	bool builtin = false, json = false;
	const char *provider = NULL, *event = NULL;
	long id = -1, version = -1;
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "hm:q", opts, NULL)) != -1) {
		char *end;
		switch (opt) {
		case 'b': builtin = true; break;
		case 'e': event = optarg; break;
		case 'h': schema_usage(stdout); cli_common_free(&c); return EXIT_OK;
		case 'i':
		case 'V': {
			long v = strtol(optarg, &end, 0);
			if (*end || v < 0 || v > 65535) {
				cli_usage_error("schema", "'%s' is not a number from 0 to 65535", optarg);
				cli_common_free(&c);
				return EXIT_USAGE;
			}
			if (opt == 'i')
				id = v;
			else
				version = v;
			break;
		}
		case 'j': json = true; break;
		case 'm': cli_add_path(&c.manifests, &c.nmanifests, optarg); break;
		case 'M': cli_add_path(&c.mofs, &c.nmofs, optarg); break;
		case 'p': provider = optarg; break;
		case 'q': c.quiet = true; break;
		default: schema_usage(stderr); cli_common_free(&c); return EXIT_USAGE;
		}
	}
	const char *sub = optind < argc ? argv[optind++] : NULL;
	bool is_show = sub && !strcmp(sub, "show");
	if (!sub || (!is_show && strcmp(sub, "list") != 0)) {
		cli_usage_error("schema", "expected 'list' or 'show'");
		cli_common_free(&c);
		return EXIT_USAGE;
	}
	if (is_show && (!provider || (id < 0 && !event))) {
		cli_usage_error("schema", "show needs --provider and --id or --event");
		cli_common_free(&c);
		return EXIT_USAGE;
	}
	int rc = EXIT_ERROR;
	etl_schemas *schemas = NULL;
	etl_decoder *dec = NULL;
	etl_trace *t = NULL;
	struct list l = { 0 };
	if (!cli_add_manifest_env(&c) || !(schemas = cli_load_schemas(&c)))
		goto out;
	size_t nfiles = (size_t)(argc - optind);
	bool counts = false;
	if (nfiles) {
		rc = collect_trace(argv + optind, nfiles, &c, schemas, &l, &dec, &t);
		if (rc != EXIT_OK)
			goto out;
		counts = true;
		rc = EXIT_ERROR;
	} else {
		unsigned flags = builtin || (!c.nmanifests && !c.nmofs) || is_show ? ETL_SCHEMAS_BUILTIN : 0;
		if (etl_schemas_foreach(schemas, flags, collect, &l) != 0) {
			cli_error("out of memory");
			goto out;
		}
	}
	qsort(l.v, l.n, sizeof(*l.v), cmp_entry);
	if (!is_show) {
		print_list(&l, json, counts);
		rc = EXIT_OK;
	} else {
		etl_guid wg;
		bool is_guid = etl_guid_parse(provider, &wg) == 0;
		const struct entry *best = NULL;
		for (size_t i = 0; i < l.n; i++) {
			const struct entry *e = &l.v[i];
			if (!e->schema || !provider_matches(e, provider, &wg, is_guid))
				continue;
			if (event ? strcasecmp(e->event_name, event) != 0 : e->id != id)
				continue;
			if (version >= 0 && e->version != version)
				continue;
			if (!best || e->version > best->version)
				best = e;
		}
		if (!best) {
			if (event)
				cli_error("no schema for provider '%s' and event '%s'", provider, event);
			else
				cli_error("no schema for provider '%s' and id %ld%s", provider, id,
				          version >= 0 ? " at that version" : "");
			goto out;
		}
		rc = show(best->schema);
	}
	if (fflush(stdout) != 0) {
		cli_error("writing the output failed");
		rc = EXIT_ERROR;
	} else if (rc == EXIT_OK && t && cli_damage(t)) {
		rc = EXIT_DAMAGED;
	}
out:
	free(l.v);
	etl_decoder_free(dec);
	etl_trace_close(t);
	etl_schemas_free(schemas);
	cli_common_free(&c);
	return rc;
}
