/*
 * test_roundtrip.c - what the synthetic writer wrote is what the reader
 * reads: for traces of every header kind, both pointer sizes, every clock
 * type, compressed buffers, several CPUs, lost events and damaged buffers,
 * the events must come out in the writer's order with the same time,
 * provider, header kind, descriptor, ids, CPU, payload (by hash), extended
 * item types and stack frames (tests/etlgen --expect-out).
 */
#include "tap.h"
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

/* Renders the columns of an expectations line that the reader determines. */
static void render(const etl_event *ev, char *out, size_t size)
{
	char g[ETL_GUID_STRLEN], pid[16], tid[16], ext[512] = "-", stack[4096] = "-";
	etl_guid_format(&ev->provider, g);
	if (ev->pid == ETL_NO_ID)
		strcpy(pid, "null");
	else
		snprintf(pid, sizeof pid, "%u", ev->pid);
	if (ev->tid == ETL_NO_ID)
		strcpy(tid, "null");
	else
		snprintf(tid, sizeof tid, "%u", ev->tid);
	size_t o = 0;
	for (size_t i = 0; i < ev->ext_count && o + 8 < sizeof ext; i++)
		o += (size_t)snprintf(ext + o, sizeof ext - o, "%s%u", i ? "," : "", ev->ext[i].type);
	o = 0;
	for (size_t i = 0; i < ev->ext_count; i++) {
		const etl_ext_item *it = &ev->ext[i];
		if (it->type != 5 && it->type != 6)
			continue;
		unsigned w = it->type == 6 ? 8 : 4;
		for (size_t k = 8; k + w <= it->size && o + 24 < sizeof stack; k += w) {
			uint64_t a = 0;
			for (unsigned b = 0; b < w; b++)
				a |= (uint64_t)it->data[k + b] << (8 * b);
			o += (size_t)snprintf(stack + o, sizeof stack - o, "%s0x%llx", o ? "," : "",
			                      (unsigned long long)a);
		}
		break;
	}
	snprintf(out, size, "%lld\t%s\t%s\t%u\t%u\t%u\t%u\t%u\t%u\t0x%llx\t%s\t%s\t%u\t%zu\t%016llx\t%s\t%s",
	         (long long)ev->timestamp, g, etl_header_kind_name(ev->header), ev->id, ev->version,
	         ev->channel, ev->level, ev->opcode, ev->task, (unsigned long long)ev->keywords, pid,
	         tid, ev->cpu, ev->size, (unsigned long long)fnv1a(ev->data, ev->size), ext, stack);
}

/* The first 17 tab-separated columns of an expectations line. */
static void first_columns(char *line)
{
	int tabs = 0;
	for (char *p = line; *p; p++) {
		if (*p == '\t' && ++tabs == 17) {
			*p = 0;
			return;
		}
		if (*p == '\n') {
			*p = 0;
			return;
		}
	}
}

static void quiet(void *ctx, const char *msg)
{
	(void)msg;
	++*(unsigned long *)ctx;
}

static void roundtrip(const char *args, bool damaged)
{
	char etl[512], exp[512], cmd[2048];
	snprintf(etl, sizeof etl, "%s/rt.etl", tl_tmpdir());
	snprintf(exp, sizeof exp, "%s/rt.expect", tl_tmpdir());
	snprintf(cmd, sizeof cmd, "%s --expect-out '%s'", args, exp);
	if (!tap_ok(tl_etlgen(etl, cmd) == 0, "etlgen %s", args))
		return;
	FILE *fp = fopen(exp, "r");
	unsigned long warnings = 0;
	etl_open_options opt = { quiet, &warnings, 0 };
	etl_trace *t = NULL;
	char err[512];
	const char *p = etl;
	if (!tap_ok(fp && etl_trace_open(&p, 1, &opt, &t, err, sizeof err) == ETL_OK, "%s: opens", args)) {
		if (fp)
			fclose(fp);
		return;
	}
	char line[65536], got[8192];
	long n = 0, mismatches = 0, kinds[ETL_HDR_KIND_COUNT] = { 0 };
	long exp_damaged = -1, exp_lost = -1;
	const etl_event *ev;
	bool more = true;
	while (fgets(line, sizeof line, fp)) {
		if (line[0] == '#') {
			char *d = strstr(line, "damaged_buffers=");
			char *l = strstr(line, "events_lost=");
			if (d)
				exp_damaged = atol(d + 16);
			if (l)
				exp_lost = atol(l + 12);
			continue;
		}
		first_columns(line);
		if (!more || etl_trace_next(t, &ev) != ETL_OK) {
			more = false;
			mismatches++;
			continue;
		}
		render(ev, got, sizeof got);
		kinds[ev->header]++;
		if (strcmp(got, line) != 0 && mismatches++ < 3)
			tap_diag("event %ld\n#  expected %s\n#  got      %s", n, line, got);
		n++;
	}
	fclose(fp);
	tap_ok(more && etl_trace_next(t, &ev) == ETL_EOF, "%s: no events beyond the expected", args);
	tap_ok(mismatches == 0 && n > 0, "%s: %ld events as written (%ld mismatches)", args, n, mismatches);
	const etl_trace_info *in = etl_trace_info_get(t, 0);
	if (exp_lost >= 0)
		tap_ok(in->events_lost == (uint32_t)exp_lost, "%s: events lost %u", args, in->events_lost);
	if (damaged)
		tap_ok(exp_damaged > 0 && in->damaged_buffers == (uint64_t)exp_damaged && warnings > 0,
		       "%s: %llu damaged buffers reported (expected %ld)", args,
		       (unsigned long long)in->damaged_buffers, exp_damaged);
	else
		tap_ok(in->damaged_buffers == 0 && warnings == 0, "%s: no damage reported", args);
	if (strstr(args, "--mix") == NULL && strstr(args, "--events 5000")) {
		bool all = true;
		bool is64 = strstr(args, "--pointer-size 4") == NULL;
		int kinds_wanted[] = { is64 ? ETL_HDR_SYSTEM64 : ETL_HDR_SYSTEM32,
			               is64 ? ETL_HDR_COMPACT64 : ETL_HDR_COMPACT32,
			               is64 ? ETL_HDR_PERFINFO64 : ETL_HDR_PERFINFO32,
			               is64 ? ETL_HDR_FULL64 : ETL_HDR_FULL32,
			               is64 ? ETL_HDR_INSTANCE64 : ETL_HDR_INSTANCE32,
			               is64 ? ETL_HDR_EVENT64 : ETL_HDR_EVENT32, ETL_HDR_MESSAGE };
		for (size_t k = 0; k < sizeof kinds_wanted / sizeof kinds_wanted[0]; k++)
			if (!kinds[kinds_wanted[k]]) {
				tap_diag("no %s records", etl_header_kind_name(kinds_wanted[k]));
				all = false;
			}
		tap_ok(all, "%s: every header kind present", args);
	}
	etl_trace_close(t);
	unlink(etl);
	unlink(exp);
}

int main(void)
{
	roundtrip("--events 5000 --cpus 4 --seed 1", false);
	roundtrip("--events 5000 --cpus 4 --seed 2 --pointer-size 4", false);
	roundtrip("--events 5000 --cpus 3 --seed 3 --compress", false);
	roundtrip("--events 5000 --cpus 2 --seed 4 --clock system", false);
	roundtrip("--events 5000 --cpus 8 --seed 5 --clock cycle --pointer-size 4 --compress", false);
	roundtrip("--events 3000 --cpus 1 --seed 6 --buffer-size 1024", false);
	roundtrip("--events 3000 --cpus 4 --seed 7 --lost 17", false);
	roundtrip("--events 4000 --cpus 4 --seed 8 --damage 3", true);
	roundtrip("--events 4000 --cpus 4 --seed 9 --damage 2 --compress", true);
	rmdir(tl_tmpdir());
	return tap_done();
}
