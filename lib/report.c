/*
 * report.c - `etlkit report`: the statistics of stats.c as one self-contained
 * HTML page that any browser opens offline.
 *
 * Everything is inline: CSS, the charts as SVG drawn here (so the page shows
 * its content with scripts disabled), the statistics as the JSON document of
 * `etlkit stats --json` in a <script type="application/json"> block (what
 * tests and other tools read), and a small script that only adds sorting of
 * tables and a readout over the timeline.  No network reference of any kind.
 *
 * Size stays bounded on any trace: charts draw the fixed timeline buckets of
 * stats.c (at most ETL_STATS_BUCKETS), the top rows of each table, and at most
 * TREE_MAX rows of the process tree; the JSON holds at most max_keys rows per
 * table.
 */
#define ETLKIT_INTERNAL
#include "stats.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

#define SECOND 10000000LL
#define TREE_MAX 400           /* rows of the process tree */
#define SERIES_SHOWN 8         /* providers of the timeline, the rest as "other" */
#define BARS 20                /* bars of a bar chart */
#define CHART_W 1100

static const char *const palette[] = {
	"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
	"#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#86bcb6",
};
#define OTHER_COLOR "#bab0ac"

/* ---- small helpers ----------------------------------------------------------------------- */

static void esc(FILE *fp, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", fp); break;
		case '<': fputs("&lt;", fp); break;
		case '>': fputs("&gt;", fp); break;
		case '"': fputs("&quot;", fp); break;
		case '\'': fputs("&#39;", fp); break;
		default:
			if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
				fputc(' ', fp);
			else
				fputc(*s, fp);
		}
	}
}

/* s cut to at most `chars` characters (UTF-8), with an ellipsis. */
static void esc_cut(FILE *fp, const char *s, size_t chars)
{
	if (!s)
		return;
	size_t n = 0, i = 0;
	for (; s[i]; i++) {
		if (((unsigned char)s[i] & 0xC0) == 0x80)
			continue;
		if (n == chars)
			break;
		n++;
	}
	if (!s[i]) {
		esc(fp, s);
		return;
	}
	/* back to the start of the last whole character kept, less one for … */
	size_t keep = i;
	do
		keep--;
	while (keep > 0 && ((unsigned char)s[keep] & 0xC0) == 0x80);
	char *t = malloc(keep + 1);
	if (!t)
		return;
	memcpy(t, s, keep);
	t[keep] = 0;
	esc(fp, t);
	fputs("\xE2\x80\xA6", fp);
	free(t);
}

/* 1234567 -> "1,234,567" */
static const char *num(uint64_t v, char *buf, size_t size)
{
	char t[32];
	int n = snprintf(t, sizeof t, "%" PRIu64, v);
	size_t o = 0;
	for (int i = 0; i < n && o + 2 < size; i++) {
		if (i && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = t[i];
	}
	buf[o] = 0;
	return buf;
}

static double pct(uint64_t a, uint64_t b)
{
	return b ? 100.0 * (double)a / (double)b : 0;
}

/* A step of 1, 2 or 5 times a power of ten giving about `ticks` ticks. */
static double nice_step(double max, int ticks)
{
	if (max <= 0)
		return 1;
	double raw = max / ticks, p = pow(10, floor(log10(raw))), f = raw / p;
	return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

static void fmt_rate(double v, char *buf, size_t size)
{
	if (v >= 1e6)
		snprintf(buf, size, "%.3gM", v / 1e6);
	else if (v >= 1e3)
		snprintf(buf, size, "%.3gk", v / 1e3);
	else
		snprintf(buf, size, "%.3g", v);
}

/* seconds from the start, in the unit that suits the span */
static void fmt_offset(double sec, double span, char *buf, size_t size)
{
	if (span >= 7200)
		snprintf(buf, size, "+%.4gh", sec / 3600);
	else if (span >= 300)
		snprintf(buf, size, "+%.4gmin", sec / 60);
	else
		snprintf(buf, size, "+%.4gs", sec);
}

static void fmt_duration(double sec, char *buf, size_t size)
{
	if (sec >= 7200)
		snprintf(buf, size, "%.2f h", sec / 3600);
	else if (sec >= 120)
		snprintf(buf, size, "%.1f min", sec / 60);
	else
		snprintf(buf, size, "%.3f s", sec);
}

/* "Microsoft-Windows-DotNETRuntime" -> "DotNETRuntime", for labels */
static const char *short_provider(const char *name)
{
	static const char prefix[] = "Microsoft-Windows-";
	if (!name)
		return "?";
	if (!strncmp(name, prefix, sizeof prefix - 1) && name[sizeof prefix - 1])
		return name + sizeof prefix - 1;
	return name;
}

/* "DotNETRuntime: GarbageCollection/GCAllocationTick"; a kernel class's
 * events without the class twice: "Windows Kernel/PerfInfo/SampleProf" */
static void type_label(const etl_stats_event_type *t, char *buf, size_t size)
{
	const char *pn = short_provider(t->provider_name), *nm = t->name ? t->name : "?";
	size_t tl = t->task_name ? strlen(t->task_name) : 0, pl = strlen(pn);
	if (t->classic && tl && pl > tl && pn[pl - tl - 1] == '/' && !strcmp(pn + pl - tl, t->task_name) &&
	    !strncmp(nm, t->task_name, tl) && nm[tl] == '/')
		snprintf(buf, size, "%.120s%.120s", pn, nm + tl);
	else
		snprintf(buf, size, "%.120s: %.120s", pn, nm);
}

static const char *proc_label(const etl_stats_process *p, char *buf, size_t size)
{
	if (p->other)
		snprintf(buf, size, "other processes");
	else if (p->pid == ETL_NO_ID)
		snprintf(buf, size, "unknown process");
	else
		snprintf(buf, size, "%.200s (%" PRIu32 ")", p->image ? p->image : "?", p->pid);
	return buf;
}

/* ---- the page ------------------------------------------------------------------------------ */

static const char css[] =
	":root{--fg:#1d232b;--muted:#5b6675;--line:#dde2e8;--bg:#f6f7f9;--card:#fff;--accent:#4e79a7}"
	"*{box-sizing:border-box}"
	"body{margin:0;font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',"
	"Arial,sans-serif;color:var(--fg);background:var(--bg)}"
	"header{background:#1d2b3a;color:#fff;padding:18px 28px}"
	"header h1{margin:0;font-size:22px;font-weight:600}"
	"header p{margin:4px 0 0;color:#c7d1dc}"
	"nav{padding:8px 28px;background:#e9edf2;border-bottom:1px solid var(--line);font-size:13px}"
	"nav a{margin-right:14px;color:#2c5282;text-decoration:none}"
	"main{max-width:1180px;margin:0 auto;padding:8px 20px 40px}"
	"section{background:var(--card);border:1px solid var(--line);border-radius:8px;"
	"margin:18px 0;padding:14px 18px}"
	"h2{font-size:17px;margin:2px 0 10px}"
	"p.note{color:var(--muted);margin:6px 0;font-size:13px}"
	".cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(165px,1fr));gap:10px}"
	".card{border:1px solid var(--line);border-radius:6px;padding:10px 12px;background:#fbfcfd}"
	".card b{display:block;font-size:20px;font-weight:600}"
	".card span{color:var(--muted);font-size:12px}"
	".card.warn b{color:#c0392b}"
	"table{border-collapse:collapse;width:100%;font-size:13px}"
	"th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top}"
	"th{background:#f0f3f6;font-weight:600;white-space:nowrap}"
	"table.sortable th{cursor:pointer}"
	"td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
	"td.g{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;color:var(--muted)}"
	"tr:nth-child(even) td{background:#fafbfc}"
	"svg{display:block;width:100%;height:auto;font-size:11px}"
	"svg text{fill:#33404d}"
	".legend{display:flex;flex-wrap:wrap;gap:4px 16px;margin:8px 0 0;font-size:12px}"
	".legend i{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:5px;"
	"vertical-align:-1px}"
	"#readout{font-size:12px;color:var(--muted);min-height:1.2em;margin:4px 0}"
	"footer{color:var(--muted);font-size:12px;text-align:center;padding:10px}";

/* Sorting of tables by a click on a header, a readout over the timeline, and
 * a mark that the script ran (tests look for data-rendered="ok"). */
static const char script[] =
	"(function(){'use strict';"
	"var st=document.getElementById('etlkit-status');"
	"var d=JSON.parse(document.getElementById('etlkit-stats').textContent);"
	"function num(t){var v=parseFloat(String(t).replace(/,/g,''));return isNaN(v)?null:v;}"
	"Array.prototype.forEach.call(document.querySelectorAll('table.sortable'),function(tb){"
	"Array.prototype.forEach.call(tb.tHead.rows[0].cells,function(th,i){"
	"th.title='sort';th.addEventListener('click',function(){"
	"var rows=Array.prototype.slice.call(tb.tBodies[0].rows),asc=th.getAttribute('data-asc')!=='1';"
	"rows.sort(function(a,b){var x=a.cells[i].textContent,y=b.cells[i].textContent,"
	"p=num(x),q=num(y),c=(p!==null&&q!==null)?p-q:x.localeCompare(y);return asc?c:-c;});"
	"th.setAttribute('data-asc',asc?'1':'0');"
	"rows.forEach(function(r){tb.tBodies[0].appendChild(r);});});});});"
	"var tl=document.getElementById('timeline-svg'),ro=document.getElementById('readout');"
	"if(tl&&ro&&d.timeline){var t=d.timeline,x0=+tl.getAttribute('data-x0'),"
	"w=+tl.getAttribute('data-w'),n=t.buckets;"
	"tl.addEventListener('mousemove',function(e){var r=tl.getBoundingClientRect(),"
	"x=(e.clientX-r.left)*(" "1100" "/r.width),i=Math.floor((x-x0)/w*n);"
	"if(i<0||i>=n){return;}var s=(i*t.bucket_seconds).toFixed(3),parts=[];"
	"t.series.forEach(function(se){if(se.events[i]){parts.push(se.name+' '+se.events[i]);}});"
	"ro.textContent='+'+s+' s: '+t.events[i]+' events'+(parts.length?' ('+parts.join(', ')+')':'')"
	"+(t.marks[i]?'; loss or damage found here':'');});}"
	"st.setAttribute('data-rendered','ok');st.setAttribute('data-events',String(d.events));"
	"st.textContent='Tables sort by a click on a header.';"
	"})();";

/* ---- charts -------------------------------------------------------------------------------- */

struct bar {
	char label[256];
	const char *title;        /* tooltip (NULL: the label) */
	uint64_t v[3];            /* stacked segments */
	char value[192];          /* text after the bar */
};

/* Horizontal bars, one row each, segments stacked. */
static void hbars(FILE *fp, const struct bar *b, size_t n, int nseg, const char *const *colors,
                  const char *aria)
{
	if (!n)
		return;
	const int row = 22, lx = 400, bx = 410, bw = CHART_W - bx - 240;
	uint64_t max = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t t = 0;
		for (int k = 0; k < nseg; k++)
			t += b[i].v[k];
		if (t > max)
			max = t;
	}
	fprintf(fp, "<svg viewBox=\"0 0 %d %zu\" role=\"img\" aria-label=\"", CHART_W, n * row + 6);
	esc(fp, aria);
	fputs("\">", fp);
	for (size_t i = 0; i < n; i++) {
		int y = (int)i * row + 3;
		fputs("<g><title>", fp);
		esc(fp, b[i].title ? b[i].title : b[i].label);
		fputs(": ", fp);
		esc(fp, b[i].value);
		fprintf(fp, "</title><text x=\"%d\" y=\"%d\" text-anchor=\"end\">", lx, y + 15);
		esc_cut(fp, b[i].label, 60);
		fputs("</text>", fp);
		double x = bx;
		for (int k = 0; k < nseg; k++) {
			double w = max ? (double)b[i].v[k] * bw / (double)max : 0;
			if (w <= 0)
				continue;
			fprintf(fp, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>", x,
			        y + 3, w < 1 ? 1 : w, row - 6, colors[k]);
			x += w;
		}
		fprintf(fp, "<text x=\"%.1f\" y=\"%d\">", x + 6, y + 15);
		esc(fp, b[i].value);
		fputs("</text></g>", fp);
	}
	fputs("</svg>\n", fp);
}

static void legend(FILE *fp, const char *const *names, const char *const *colors, size_t n)
{
	fputs("<div class=\"legend\">", fp);
	for (size_t i = 0; i < n; i++) {
		fprintf(fp, "<span><i style=\"background:%s\"></i>", colors[i]);
		esc(fp, names[i]);
		fputs("</span>", fp);
	}
	fputs("</div>\n", fp);
}

/* Events per second over time, stacked by provider, with loss markers. */
static void timeline(FILE *fp, etl_stats *s, const etl_stats_summary *m)
{
	size_t nb;
	const uint64_t *total = etl_stats_timeline(s, ETL_STATS_TIMELINE_EVENTS, &nb);
	const uint64_t *marks = etl_stats_timeline(s, ETL_STATS_TIMELINE_MARKS, NULL);
	const etl_stats_provider *prov;
	size_t np = etl_stats_providers(s, &prov);
	if (!m->events || !nb) {
		fputs("<p class=\"note\">No events.</p>\n", fp);
		return;
	}
	/* the series: the busiest providers that have one, then the rest */
	const uint64_t *series[SERIES_SHOWN + 1];
	const char *names[SERIES_SHOWN + 1];
	const char *colors[SERIES_SHOWN + 1];
	char gbuf[SERIES_SHOWN][ETL_GUID_STRLEN];
	size_t ns = 0;
	uint64_t *rest = calloc(nb, sizeof(*rest));
	double *cum = calloc(nb, sizeof(*cum));
	double *prev = calloc(nb, sizeof(*prev));
	if (!rest || !cum || !prev) {
		free(rest);
		free(cum);
		free(prev);
		return;
	}
	memcpy(rest, total, nb * sizeof(*rest));
	for (size_t i = 0; i < np && ns < SERIES_SHOWN; i++) {
		if (prov[i].other || !prov[i].timeline)
			continue;
		series[ns] = prov[i].timeline;
		if (prov[i].name) {
			names[ns] = prov[i].name;
		} else {
			etl_guid_format(&prov[i].guid, gbuf[ns]);
			names[ns] = gbuf[ns];
		}
		colors[ns] = palette[ns % 10];
		for (size_t b = 0; b < nb; b++)
			rest[b] -= prov[i].timeline[b];
		ns++;
	}
	bool any_rest = false;
	for (size_t b = 0; b < nb; b++)
		any_rest |= rest[b] != 0;
	if (any_rest) {
		series[ns] = rest;
		names[ns] = "other providers";
		colors[ns] = OTHER_COLOR;
		ns++;
	}
	double bsec = (double)m->bucket_width / SECOND;
	double max = 0;
	for (size_t b = 0; b < nb; b++)
		if ((double)total[b] / bsec > max)
			max = (double)total[b] / bsec;
	const int x0 = 70, x1 = CHART_W - 20, y0 = 24, y1 = 284, H = 320;
	/* bursts (rundowns, a flush of buffered events) would flatten the rest:
	 * when the busiest bucket is far above the 95th percentile, the scale
	 * is cut and the buckets above it are marked */
	double cut = max;
	{
		double *r = malloc(nb * sizeof(*r));
		size_t nz = 0;
		for (size_t b = 0; r && b < nb; b++)
			if (total[b])
				r[nz++] = (double)total[b] / bsec;
		if (r && nz >= 20) {
			for (size_t i = 1; i < nz; i++) /* nb <= ETL_STATS_BUCKETS */
				for (size_t j = i; j > 0 && r[j] < r[j - 1]; j--) {
					double x = r[j];
					r[j] = r[j - 1];
					r[j - 1] = x;
				}
			double p95 = r[(size_t)(0.95 * (double)(nz - 1))];
			if (p95 > 0 && max > 4 * p95)
				cut = 2 * p95;
		}
		free(r);
	}
	double step = nice_step(cut, 5), top = ceil(cut / step) * step;
	if (top <= 0)
		top = 1;
	bool clipped = top < max;
	double bw = (double)(x1 - x0) / (double)nb;
	fprintf(fp,
	        "<svg id=\"timeline-svg\" data-x0=\"%d\" data-w=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\""
	        " aria-label=\"events per second over time, stacked by provider\">",
	        x0, x1 - x0, CHART_W, H);
	/* grid and y axis */
	char t[64];
	for (double v = 0; v <= top + step / 2; v += step) {
		double y = y1 - v / top * (y1 - y0);
		fmt_rate(v, t, sizeof t);
		fprintf(fp,
		        "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#e3e7ec\"/>"
		        "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>",
		        x0, x1, y, y, x0 - 6, y + 4, t);
	}
	fprintf(fp, "<text x=\"14\" y=\"%d\" transform=\"rotate(-90 14 %d)\" text-anchor=\"middle\">"
	            "events/s</text>", (y0 + y1) / 2, (y0 + y1) / 2);
	/* x axis: offsets from the first bucket */
	double span = bsec * (double)nb, xs = nice_step(span, 10);
	for (double v = 0; v <= span + xs / 1000; v += xs) {
		double x = x0 + v / span * (x1 - x0);
		fmt_offset(v, span, t, sizeof t);
		fprintf(fp,
		        "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#9aa5b1\"/>"
		        "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>",
		        x, x, y1, y1 + 5, x, y1 + 18, t);
	}
	/* stacked step areas: each series between the sum of those below it
	 * and that sum plus itself */
	for (size_t k = 0; k < ns; k++) {
		for (size_t b = 0; b < nb; b++) {
			prev[b] = cum[b];
			cum[b] += (double)series[k][b] / bsec;
		}
		fprintf(fp, "<path fill=\"%s\" d=\"M%d %d", colors[k], x0, y1);
		double last = -1;
		for (size_t b = 0; b < nb; b++) {
			double y = y1 - (cum[b] < top ? cum[b] : top) / top * (y1 - y0);
			if (y != last) {
				fprintf(fp, "V%.1fH%.1f", y, x0 + bw * (double)(b + 1));
				last = y;
			} else {
				fprintf(fp, "H%.1f", x0 + bw * (double)(b + 1));
			}
		}
		last = -1;
		for (size_t b = nb; b-- > 0;) {
			double y = y1 - (prev[b] < top ? prev[b] : top) / top * (y1 - y0);
			if (y != last) {
				fprintf(fp, "V%.1fH%.1f", y, x0 + bw * (double)b);
				last = y;
			} else {
				fprintf(fp, "H%.1f", x0 + bw * (double)b);
			}
		}
		fputs("Z\"><title>", fp);
		esc(fp, names[k]);
		fputs("</title></path>", fp);
	}
	fprintf(fp, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#9aa5b1\"/>", x0, x1, y1, y1);
	/* buckets off the scale */
	size_t nclipped = 0;
	for (size_t b = 0; clipped && b < nb; b++) {
		double v = (double)total[b] / bsec;
		if (v <= top)
			continue;
		nclipped++;
		double x = x0 + bw * ((double)b + 0.5);
		fmt_rate(v, t, sizeof t);
		fprintf(fp,
		        "<g><title>%s events/s: off the scale</title>"
		        "<path d=\"M%.1f %dL%.1f %dL%.1f %dZ\" fill=\"#1d232b\"/></g>",
		        t, x - 4, y0 - 1, x + 4, y0 - 1, x, y0 - 8);
	}
	/* loss and damage markers above the plot */
	size_t nmarks = 0;
	for (size_t b = 0; b < nb; b++) {
		if (!marks[b])
			continue;
		nmarks++;
		double x = x0 + bw * ((double)b + 0.5);
		fprintf(fp,
		        "<g><title>loss or damage found here: %" PRIu64 "</title>"
		        "<path d=\"M%.1f %dL%.1f %dL%.1f %dZ\" fill=\"#c0392b\"/>"
		        "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#c0392b\""
		        " stroke-dasharray=\"2 3\"/></g>",
		        marks[b], x - 5, y0 - 20, x + 5, y0 - 20, x, y0 - 10, x, x, y0 - 10, y1);
	}
	fputs("</svg>\n", fp);
	legend(fp, names, colors, ns);
	fprintf(fp, "<p id=\"readout\"></p><p class=\"note\">%zu buckets of ", nb);
	fmt_duration(bsec, t, sizeof t);
	fprintf(fp, "%s from the first event; each shows its events per second.", t);
	if (clipped) {
		char a[32], b[32];
		fmt_rate(top, a, sizeof a);
		fmt_rate(max, b, sizeof b);
		fprintf(fp, " The scale stops at %s/s: %zu buckets go higher, up to %s/s"
		            " (bursts such as rundowns), marked \xE2\x96\xB2 above the plot.", a, nclipped, b);
	}
	if (nmarks)
		fprintf(fp, " Red markers: %zu buckets where lost events or damaged input were found.", nmarks);
	fputs("</p>\n", fp);
	free(rest);
	free(cum);
	free(prev);
}

/* Events per CPU, vertical bars with the CPU samples over them. */
static void cpu_chart(FILE *fp, const etl_stats_cpu *c, size_t n)
{
	if (!n)
		return;
	uint64_t max = 0;
	for (size_t i = 0; i < n; i++)
		if (c[i].events > max)
			max = c[i].events;
	const int x0 = 70, x1 = CHART_W - 20, y0 = 12, y1 = 182, H = 210;
	double step = nice_step((double)max, 4), top = ceil((double)max / step) * step;
	if (top <= 0)
		top = 1;
	double w = (double)(x1 - x0) / (double)n;
	fprintf(fp, "<svg viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"events per CPU\">", CHART_W, H);
	char t[64];
	for (double v = 0; v <= top + step / 2; v += step) {
		double y = y1 - v / top * (y1 - y0);
		fmt_rate(v, t, sizeof t);
		fprintf(fp,
		        "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#e3e7ec\"/>"
		        "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>",
		        x0, x1, y, y, x0 - 6, y + 4, t);
	}
	for (size_t i = 0; i < n; i++) {
		double h = (double)c[i].events / top * (y1 - y0), hs = (double)c[i].cpu_samples / top * (y1 - y0);
		double x = x0 + w * (double)i, bw = w * 0.8;
		char label[16];
		if (c[i].other)
			snprintf(label, sizeof label, "other");
		else
			snprintf(label, sizeof label, "%" PRIu32, c[i].cpu);
		fprintf(fp,
		        "<g><title>CPU %s: %" PRIu64 " events, %" PRIu64 " CPU samples</title>"
		        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>"
		        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>",
		        label, c[i].events, c[i].cpu_samples, x + w * 0.1, y1 - h, bw, h, palette[0],
		        x + w * 0.1, y1 - hs, bw, hs, palette[1]);
		if (n <= 64)
			fprintf(fp, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>", x + w / 2,
			        y1 + 14, label);
		fputs("</g>", fp);
	}
	fprintf(fp, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#9aa5b1\"/></svg>\n", x0,
	        x1, y1, y1);
	const char *names[] = { "events", "of which CPU samples" };
	const char *colors[] = { palette[0], palette[1] };
	legend(fp, names, colors, 2);
}

/* ---- the process tree -------------------------------------------------------------------------- */

struct tree {
	const etl_stats_process *p;
	size_t n;
	size_t *first_child, *next_sibling; /* linked lists of rows, (size_t)-1 ends */
	size_t *order;                       /* rows in tree order */
	unsigned *depth;
	size_t norder;
};

static bool in_tree(const etl_stats_process *p)
{
	return p->described && !p->other && p->pid != ETL_NO_ID;
}

static int64_t sort_start(const etl_stats_process *p)
{
	return p->start_ts ? p->start_ts : INT64_MIN;
}

/* Inserts child c into the sorted sibling list at *head (by start, pid). */
static void add_child(struct tree *t, size_t *head, size_t c)
{
	const etl_stats_process *p = t->p;
	size_t *at = head;
	while (*at != (size_t)-1) {
		const etl_stats_process *x = &p[*at], *y = &p[c];
		if (sort_start(y) < sort_start(x) || (sort_start(y) == sort_start(x) && y->pid < x->pid))
			break;
		at = &t->next_sibling[*at];
	}
	t->next_sibling[c] = *at;
	*at = c;
}

static bool build_tree(struct tree *t, const etl_stats_process *p, size_t n)
{
	memset(t, 0, sizeof(*t));
	t->p = p;
	t->n = n;
	t->first_child = malloc((n + 1) * sizeof(size_t));
	t->next_sibling = malloc((n + 1) * sizeof(size_t));
	t->order = malloc((n + 1) * sizeof(size_t));
	t->depth = malloc((n + 1) * sizeof(unsigned));
	bool *seen = calloc(n + 1, 1);
	size_t *stack = malloc((n + 1) * sizeof(size_t));
	unsigned *sdepth = malloc((n + 1) * sizeof(unsigned));
	if (!t->first_child || !t->next_sibling || !t->order || !t->depth || !seen || !stack ||
	    !sdepth) {
		free(seen);
		free(stack);
		free(sdepth);
		return false;
	}
	/* row n is the root of every process whose parent is not in the tree */
	for (size_t i = 0; i <= n; i++)
		t->first_child[i] = t->next_sibling[i] = (size_t)-1;
	for (size_t i = 0; i < n; i++) {
		if (!in_tree(&p[i]))
			continue;
		size_t par = p[i].parent;
		if (par == (size_t)-1 || par >= n || !in_tree(&p[par]) || par == i)
			par = n;
		add_child(t, &t->first_child[par], i);
	}
	/* depth-first from the root; a cycle (pid reuse gone wrong) cannot
	 * loop: every row is visited once */
	size_t sp = 0;
	/* push the root's children in reverse order */
	size_t cnt = 0;
	for (size_t c = t->first_child[n]; c != (size_t)-1; c = t->next_sibling[c])
		cnt++;
	size_t *tmp = malloc((cnt + 1) * sizeof(size_t));
	if (!tmp) {
		free(seen);
		free(stack);
		free(sdepth);
		return false;
	}
	size_t k = 0;
	for (size_t c = t->first_child[n]; c != (size_t)-1; c = t->next_sibling[c])
		tmp[k++] = c;
	while (k > 0) {
		stack[sp] = tmp[--k];
		sdepth[sp++] = 0;
	}
	free(tmp);
	while (sp > 0) {
		size_t r = stack[--sp];
		unsigned dep = sdepth[sp];
		if (seen[r])
			continue;
		seen[r] = true;
		t->order[t->norder] = r;
		t->depth[t->norder++] = dep;
		/* children, reversed onto the stack */
		size_t m = 0;
		for (size_t c = t->first_child[r]; c != (size_t)-1; c = t->next_sibling[c])
			m++;
		size_t at = sp + m;
		for (size_t c = t->first_child[r]; c != (size_t)-1; c = t->next_sibling[c]) {
			at--;
			stack[at] = c;
			sdepth[at] = dep + 1;
		}
		sp += m;
	}
	/* processes on a cycle were never reached from the root: add them */
	for (size_t i = 0; i < n; i++)
		if (in_tree(&p[i]) && !seen[i]) {
			t->order[t->norder] = i;
			t->depth[t->norder++] = 0;
		}
	free(seen);
	free(stack);
	free(sdepth);
	return true;
}

static void free_tree(struct tree *t)
{
	free(t->first_child);
	free(t->next_sibling);
	free(t->order);
	free(t->depth);
}

static void process_tree(FILE *fp, const etl_stats_process *p, size_t n, const etl_stats_summary *m)
{
	struct tree t;
	if (!build_tree(&t, p, n)) {
		free_tree(&t);
		return;
	}
	if (!t.norder) {
		fputs("<p class=\"note\">The trace has no process events (kernel Process or"
		      " Microsoft-Windows-Kernel-Process), so there is no process tree.</p>\n", fp);
		free_tree(&t);
		return;
	}
	int64_t t0 = m->first_ts, t1 = m->last_ts;
	for (size_t i = 0; i < t.norder; i++) {
		const etl_stats_process *q = &p[t.order[i]];
		if (q->start_ts && q->start_ts < t0)
			t0 = q->start_ts;
		if (q->end_ts && q->end_ts > t1)
			t1 = q->end_ts;
	}
	if (t1 <= t0)
		t1 = t0 + 1;
	size_t rows = t.norder < TREE_MAX ? t.norder : TREE_MAX;
	const int row = 18, lx = 8, gx0 = 420, gx1 = CHART_W - 20, top = 26;
	fprintf(fp, "<svg viewBox=\"0 0 %d %zu\" role=\"img\" aria-label=\"process tree with lifetimes\">",
	        CHART_W, rows * row + top + 6);
	/* time axis */
	double T0 = (double)t0, T1 = (double)t1;
	double span = (T1 - T0) / SECOND, xs = nice_step(span, 8);
	char tb[64];
	for (double v = 0; v <= span + xs / 1000; v += xs) {
		double x = gx0 + v / span * (gx1 - gx0);
		fmt_offset(v, span, tb, sizeof tb);
		fprintf(fp,
		        "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%zu\" stroke=\"#eef1f4\"/>"
		        "<text x=\"%.1f\" y=\"14\" text-anchor=\"middle\">%s</text>",
		        x, x, top - 4, rows * row + top, x, tb);
	}
	for (size_t i = 0; i < rows; i++) {
		const etl_stats_process *q = &p[t.order[i]];
		int y = top + (int)i * row;
		unsigned dep = t.depth[i] > 24 ? 24 : t.depth[i];
		double a = q->start_ts ? ((double)q->start_ts - T0) / (T1 - T0) : 0;
		double b = q->end_ts ? ((double)q->end_ts - T0) / (T1 - T0) : 1;
		double xa = gx0 + a * (gx1 - gx0), xb = gx0 + b * (gx1 - gx0);
		if (xb - xa < 2)
			xb = xa + 2;
		const char *color = q->start_ts && q->end_ts ? palette[6] : q->start_ts ? palette[4]
		                    : q->end_ts ? palette[2] : palette[0];
		char label[300], ev[32], sm[32];
		proc_label(q, label, sizeof label);
		fputs("<g><title>", fp);
		esc(fp, label);
		if (q->parent_pid != ETL_NO_ID)
			fprintf(fp, ", parent %" PRIu32, q->parent_pid);
		fprintf(fp, "\n%s events, %s CPU samples", num(q->events, ev, sizeof ev),
		        num(q->cpu_samples, sm, sizeof sm));
		char ts[ETL_TIME_STRLEN];
		if (q->start_ts && etl_filetime_format(q->start_ts, ts, sizeof ts))
			fprintf(fp, "\nstarted %s", ts);
		else
			fputs("\nalready running when the trace began", fp);
		if (q->end_ts && etl_filetime_format(q->end_ts, ts, sizeof ts))
			fprintf(fp, "\nended %s", ts);
		if (q->command_line) {
			fputc('\n', fp);
			esc_cut(fp, q->command_line, 400);
		} else if (q->image_path) {
			fputc('\n', fp);
			esc(fp, q->image_path);
		}
		fprintf(fp, "</title><text x=\"%u\" y=\"%d\">", lx + dep * 14, y + 13);
		if (dep)
			fputs("\xE2\x94\x94 ", fp); /* └ */
		esc_cut(fp, label, 54 - dep * 2);
		fprintf(fp,
		        "</text><rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" rx=\"2\" fill=\"%s\"/>",
		        xa, y + 4, xb - xa, row - 7, color);
		if (q->start_ts)
			fprintf(fp, "<rect x=\"%.1f\" y=\"%d\" width=\"2\" height=\"%d\" fill=\"#1d232b\"/>", xa,
			        y + 2, row - 3);
		if (q->end_ts)
			fprintf(fp, "<rect x=\"%.1f\" y=\"%d\" width=\"2\" height=\"%d\" fill=\"#1d232b\"/>",
			        xb - 2, y + 2, row - 3);
		fputs("</g>", fp);
	}
	fputs("</svg>\n", fp);
	const char *names[] = { "running throughout", "started in the trace", "ended in the trace",
		                "started and ended" };
	const char *colors[] = { palette[0], palette[4], palette[2], palette[6] };
	legend(fp, names, colors, 4);
	if (rows < t.norder)
		fprintf(fp, "<p class=\"note\">%zu more processes not drawn (the JSON below has them"
		            " all).</p>\n", t.norder - rows);
	free_tree(&t);
}

/* ---- tables -------------------------------------------------------------------------------------- */

static void th(FILE *fp, const char *const *cols)
{
	fputs("<thead><tr>", fp);
	for (const char *const *c = cols; *c; c++) {
		if (**c == '#')
			fprintf(fp, "<th class=\"n\">%s</th>", *c + 1);
		else
			fprintf(fp, "<th>%s</th>", *c);
	}
	fputs("</tr></thead><tbody>\n", fp);
}

static void td_num(FILE *fp, uint64_t v)
{
	char b[32];
	fprintf(fp, "<td class=\"n\">%s</td>", num(v, b, sizeof b));
}

static void td_pct(FILE *fp, double v)
{
	fprintf(fp, "<td class=\"n\">%.1f%%</td>", v);
}

static void td_bytes(FILE *fp, uint64_t v)
{
	char b[32];
	fprintf(fp, "<td class=\"n\">%s</td>", v ? etl_stats_human_bytes(v, b, sizeof b) : "-");
}

static void td(FILE *fp, const char *s)
{
	fputs("<td>", fp);
	esc(fp, s ? s : "-");
	fputs("</td>", fp);
}

static void more_rows(FILE *fp, size_t shown, size_t n, const char *what)
{
	if (shown < n)
		fprintf(fp, "<p class=\"note\">The top %zu of %zu %s; the JSON below has them all.</p>\n",
		        shown, n, what);
}

static void card(FILE *fp, const char *value, const char *label, bool warn)
{
	fprintf(fp, "<div class=\"card%s\"><b>", warn ? " warn" : "");
	esc(fp, value);
	fputs("</b><span>", fp);
	esc(fp, label);
	fputs("</span></div>", fp);
}

static void header_table(FILE *fp, etl_stats *s, const etl_stats_summary *m)
{
	size_t nf = m->files < 8 ? m->files : 8;
	if (!nf) {
		fputs("<p class=\"note\">No file header.</p>\n", fp);
		return;
	}
	static const char *const clocks[] = { "raw", "QPC", "system time", "CPU cycle counter" };
	fputs("<table><tbody>\n", fp);
	char b[64], ts[ETL_TIME_STRLEN];
#define ROW(label, fmt_stmt)                                          \
	do {                                                              \
		fprintf(fp, "<tr><th>%s</th>", label);                        \
		for (size_t i = 0; i < nf; i++) {                             \
			const etl_trace_info *in = etl_stats_file(s, i);          \
			fputs("<td>", fp);                                        \
			fmt_stmt;                                                 \
			fputs("</td>", fp);                                       \
		}                                                             \
		fputs("</tr>\n", fp);                                         \
	} while (0)
	ROW("File", esc(fp, in->path));
	ROW("Size", fputs(etl_stats_human_bytes(in->file_size, b, sizeof b), fp));
	ROW("Logger", esc(fp, in->logger_name));
	ROW("Log file name", esc(fp, in->log_file_name));
	ROW("Windows", fprintf(fp, "%u.%u build %u", in->os_major, in->os_minor, in->provider_version));
	ROW("Processors", fprintf(fp, "%u (%u MHz), %u-bit", in->number_of_processors,
	                          in->cpu_speed_mhz, in->pointer_size * 8));
	ROW("Clock", fprintf(fp, "%s, %" PRId64 " Hz", in->clock_type < 4 ? clocks[in->clock_type] : "?",
	                     in->perf_freq));
	ROW("Start time", fputs(in->start_time && etl_filetime_format(in->start_time, ts, sizeof ts)
	                            ? ts : "-", fp));
	ROW("End time", fputs(in->end_time && etl_filetime_format(in->end_time, ts, sizeof ts)
	                          ? ts : "-", fp));
	ROW("Buffers", fprintf(fp, "%s of %u bytes", num(in->buffers, b, sizeof b), in->buffer_size));
	ROW("Events", fputs(num(in->events, b, sizeof b), fp));
	ROW("Events lost", fprintf(fp, "%u (%u buffers lost, %" PRIu64 " flagged)", in->events_lost,
	                           in->buffers_lost, in->lost_buffer_flags));
	ROW("Damaged", fprintf(fp, "%" PRIu64 " buffers, %" PRIu64 " records", in->damaged_buffers,
	                       in->damaged_records));
#undef ROW
	fputs("</tbody></table>\n", fp);
	if (nf < m->files)
		fprintf(fp, "<p class=\"note\">%zu more files not shown.</p>\n", m->files - nf);
}

/* ---- the page ------------------------------------------------------------------------------------------ */

etl_status etl_report_write_html(etl_stats *s, FILE *fp, const etl_stats_write_options *o)
{
	etl_stats_summary m;
	etl_stats_get_summary(s, &m);
	size_t top = o && (o->flags & ETL_STATS_WRITE_ALL_ROWS) ? SIZE_MAX : o && o->top ? o->top : 25;
	const etl_stats_provider *prov;
	const etl_stats_event_type *types;
	const etl_stats_process *procs;
	const etl_stats_cpu *cpus;
	size_t np = etl_stats_providers(s, &prov), nt = etl_stats_event_types(s, &types),
	       npr = etl_stats_processes(s, &procs), nc = etl_stats_cpus(s, &cpus);
	if ((np && !prov) || (nt && !types) || (npr && !procs) || (nc && !cpus))
		return ETL_ERR_NOMEM;
	const char *title = o && o->title ? o->title : NULL;
	const etl_trace_info *f0 = etl_stats_file(s, 0);
	char tbuf[512];
	if (!title) {
		if (f0) {
			const char *b = f0->path;
			for (const char *p = f0->path; *p; p++)
				if (*p == '/' || *p == '\\')
					b = p + 1;
			if (m.files > 1)
				snprintf(tbuf, sizeof tbuf, "%.400s and %zu more", b, m.files - 1);
			else
				snprintf(tbuf, sizeof tbuf, "%.400s", b);
			title = tbuf;
		} else {
			title = "trace";
		}
	}
	char b1[64], b2[64], b3[64];
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	      "<meta name=\"generator\" content=\"etlkit ", fp);
	esc(fp, etl_version());
	fputs("\"><title>Trace report: ", fp);
	esc(fp, title);
	fprintf(fp, "</title><style>%s</style></head><body>\n<header><h1>Trace report: ", css);
	esc(fp, title);
	fprintf(fp, "</h1><p>%s events in %zu file%s%s, made by etlkit %s</p></header>\n",
	        num(m.events, b1, sizeof b1), m.files, m.files == 1 ? "" : "s",
	        m.database ? " (from an etlkit database)" : "", etl_version());
	fputs("<nav><a href=\"#summary\">Summary</a><a href=\"#timeline\">Timeline</a>"
	      "<a href=\"#event-types\">Event types</a><a href=\"#providers\">Providers</a>"
	      "<a href=\"#processes\">Processes</a><a href=\"#process-tree\">Process tree</a>", fp);
	if (m.cpu_samples)
		fputs("<a href=\"#cpu-samples\">CPU samples</a>", fp);
	if (m.disk_reads || m.disk_writes)
		fputs("<a href=\"#disk-io\">Disk I/O</a>", fp);
	if (m.file_reads || m.file_writes || m.file_other)
		fputs("<a href=\"#file-io\">File I/O</a>", fp);
	fputs("<a href=\"#cpus\">CPUs</a><a href=\"#undecoded\">Not decoded</a>"
	      "<a href=\"#loss\">Loss and damage</a></nav>\n<main>\n", fp);

	/* summary */
	fputs("<section id=\"summary\"><h2>Summary</h2><div class=\"cards\">", fp);
	card(fp, num(m.events, b1, sizeof b1), "events", false);
	fmt_duration(m.events ? ((double)m.last_ts - (double)m.first_ts) / SECOND : 0, b1, sizeof b1);
	card(fp, b1, "from the first event to the last", false);
	snprintf(b1, sizeof b1, "%.0f/s", m.average_rate);
	card(fp, b1, "events per second on average", false);
	snprintf(b1, sizeof b1, "%.0f/s", m.peak_rate);
	card(fp, b1, m.bucket_width > SECOND ? "at the peak (busiest bucket)" : "in the busiest second", false);
	card(fp, num(m.providers, b1, sizeof b1), "providers and kernel classes", false);
	card(fp, num(m.event_types, b1, sizeof b1), "event types", false);
	card(fp, num(m.processes, b1, sizeof b1), "processes", false);
	snprintf(b1, sizeof b1, "%.1f%%", pct(m.decoded, m.events));
	card(fp, b1, "decoded completely", pct(m.decoded, m.events) < 95);
	if (m.cpu_samples)
		card(fp, num(m.cpu_samples, b1, sizeof b1), "CPU samples", false);
	if (m.disk_reads || m.disk_writes) {
		etl_stats_human_bytes(m.disk_read_bytes + m.disk_write_bytes, b1, sizeof b1);
		card(fp, b1, "disk I/O", false);
	}
	snprintf(b1, sizeof b1, "%" PRIu64, m.events_lost + m.lost_event_records);
	card(fp, b1, "events lost", m.events_lost + m.lost_event_records > 0);
	snprintf(b1, sizeof b1, "%" PRIu64, m.damaged_buffers + m.damaged_records);
	card(fp, b1, "damaged buffers and records", m.damaged_buffers + m.damaged_records > 0);
	fputs("</div><p class=\"note\" id=\"etlkit-status\" data-rendered=\"static\">"
	      "Charts are drawn without scripts; with scripts, tables also sort.</p></section>\n", fp);

	fputs("<section id=\"header\"><h2>Trace header</h2>", fp);
	header_table(fp, s, &m);
	fputs("</section>\n", fp);

	fputs("<section id=\"timeline\"><h2>Events per second, by provider</h2>", fp);
	timeline(fp, s, &m);
	fputs("</section>\n", fp);

	/* event types */
	fputs("<section id=\"event-types\"><h2>Top event types</h2>", fp);
	size_t nbars = nt < BARS ? nt : BARS;
	struct bar *bars = calloc(BARS + 1, sizeof(*bars));
	if (!bars)
		return ETL_ERR_NOMEM;
	static const char *const one[] = { "#4e79a7" };
	for (size_t i = 0; i < nbars; i++) {
		const etl_stats_event_type *t = &types[i];
		if (t->other)
			snprintf(bars[i].label, sizeof bars[i].label, "other event types");
		else
			type_label(t, bars[i].label, sizeof bars[i].label);
		bars[i].v[0] = t->events;
		snprintf(bars[i].value, sizeof bars[i].value, "%s (%.1f%%)", num(t->events, b1, sizeof b1),
		         pct(t->events, m.events));
	}
	hbars(fp, bars, nbars, 1, one, "top event types by events");
	static const char *const type_cols[] = { "#Events", "#%", "Provider", "Event", "#Id",
		                                 "#Opcode", "#Version", "Schema", "#Decoded", NULL };
	fputs("<table class=\"sortable\">", fp);
	th(fp, type_cols);
	size_t shown = nt < top ? nt : top;
	for (size_t i = 0; i < shown; i++) {
		const etl_stats_event_type *t = &types[i];
		fputs("<tr>", fp);
		td_num(fp, t->events);
		td_pct(fp, pct(t->events, m.events));
		td(fp, t->other ? "(other)" : t->provider_name);
		td(fp, t->name);
		td_num(fp, t->id);
		td_num(fp, t->opcode);
		td_num(fp, t->version);
		td(fp, t->schema);
		td_pct(fp, pct(t->decoded, t->events));
		fputs("</tr>\n", fp);
	}
	fputs("</tbody></table>", fp);
	more_rows(fp, shown, nt, "event types");
	fputs("</section>\n", fp);

	/* providers */
	fputs("<section id=\"providers\"><h2>Providers</h2>", fp);
	static const char *const prov_cols[] = { "#Events", "#%", "Name", "GUID", "#Decoded",
		                                 "#Partly", "#No schema", "#Payload", NULL };
	fputs("<table class=\"sortable\">", fp);
	th(fp, prov_cols);
	shown = np < top ? np : top;
	for (size_t i = 0; i < shown; i++) {
		const etl_stats_provider *p = &prov[i];
		char g[ETL_GUID_STRLEN] = "";
		if (!p->other)
			etl_guid_format(&p->guid, g);
		fputs("<tr>", fp);
		td_num(fp, p->events);
		td_pct(fp, pct(p->events, m.events));
		td(fp, p->other ? "other providers" : p->name);
		fprintf(fp, "<td class=\"g\">%s</td>", g);
		td_num(fp, p->decoded);
		td_num(fp, p->partial);
		td_num(fp, p->undecoded);
		td_bytes(fp, p->payload_bytes);
		fputs("</tr>\n", fp);
	}
	fputs("</tbody></table>", fp);
	more_rows(fp, shown, np, "providers");
	fputs("</section>\n", fp);

	/* processes */
	fputs("<section id=\"processes\"><h2>Top processes</h2>", fp);
	nbars = npr < BARS ? npr : BARS;
	for (size_t i = 0; i < nbars; i++) {
		proc_label(&procs[i], bars[i].label, sizeof bars[i].label);
		bars[i].title = NULL;
		bars[i].v[0] = procs[i].events;
		snprintf(bars[i].value, sizeof bars[i].value, "%s (%.1f%%)",
		         num(procs[i].events, b1, sizeof b1), pct(procs[i].events, m.events));
	}
	hbars(fp, bars, nbars, 1, one, "top processes by events");
	static const char *const proc_cols[] = { "#Events", "#%", "Image", "#PID", "#Parent",
		                                 "Started", "Ended", "#CPU samples", "#Disk I/O",
		                                 "#File ops", NULL };
	fputs("<table class=\"sortable\">", fp);
	th(fp, proc_cols);
	shown = npr < top ? npr : top;
	for (size_t i = 0; i < shown; i++) {
		const etl_stats_process *p = &procs[i];
		char ts[ETL_TIME_STRLEN];
		fputs("<tr>", fp);
		td_num(fp, p->events);
		td_pct(fp, pct(p->events, m.events));
		td(fp, p->other ? "(other processes)" : p->pid == ETL_NO_ID ? "(unknown process)" : p->image);
		if (p->pid == ETL_NO_ID)
			td(fp, NULL);
		else
			td_num(fp, p->pid);
		if (p->parent_pid == ETL_NO_ID)
			td(fp, NULL);
		else
			td_num(fp, p->parent_pid);
		td(fp, p->start_ts && etl_filetime_format(p->start_ts, ts, sizeof ts) ? ts : NULL);
		td(fp, p->end_ts && etl_filetime_format(p->end_ts, ts, sizeof ts) ? ts : NULL);
		td_num(fp, p->cpu_samples);
		td_bytes(fp, p->disk_read_bytes + p->disk_write_bytes);
		td_num(fp, p->file_reads + p->file_writes + p->file_other);
		fputs("</tr>\n", fp);
	}
	fputs("</tbody></table>", fp);
	more_rows(fp, shown, npr, "processes");
	fputs("</section>\n", fp);

	fputs("<section id=\"process-tree\"><h2>Process tree and lifetimes</h2>"
	      "<p class=\"note\">From the trace's own process events: parent, start and end."
	      " A bar that touches an edge was running before the trace began or after it"
	      " ended.</p>", fp);
	process_tree(fp, procs, npr, &m);
	fputs("</section>\n", fp);

	/* sorted copies for the per-process work charts */
	const etl_stats_process **by = malloc((npr ? npr : 1) * sizeof(*by));
	if (!by) {
		free(bars);
		return ETL_ERR_NOMEM;
	}
	if (m.cpu_samples) {
		fputs("<section id=\"cpu-samples\"><h2>CPU samples per process</h2>", fp);
		size_t k = 0;
		for (size_t i = 0; i < npr; i++)
			if (procs[i].cpu_samples)
				by[k++] = &procs[i];
		/* a few dozen rows at most: insertion sort by samples */
		for (size_t i = 1; i < k; i++)
			for (size_t j = i; j > 0 && by[j]->cpu_samples > by[j - 1]->cpu_samples; j--) {
				const etl_stats_process *x = by[j];
				by[j] = by[j - 1];
				by[j - 1] = x;
			}
		nbars = k < BARS ? k : BARS;
		for (size_t i = 0; i < nbars; i++) {
			proc_label(by[i], bars[i].label, sizeof bars[i].label);
			bars[i].v[0] = by[i]->cpu_samples;
			snprintf(bars[i].value, sizeof bars[i].value, "%s (%.1f%%)",
			         num(by[i]->cpu_samples, b1, sizeof b1), pct(by[i]->cpu_samples, m.cpu_samples));
		}
		static const char *const orange[] = { "#f28e2b" };
		hbars(fp, bars, nbars, 1, orange, "CPU samples per process");
		fprintf(fp, "<p class=\"note\">%s PerfInfo SampleProf events; each sample's process is"
		            " the one its thread belonged to.</p>", num(m.cpu_samples, b1, sizeof b1));
		fputs("</section>\n", fp);
	}
	if (m.disk_reads || m.disk_writes) {
		fputs("<section id=\"disk-io\"><h2>Disk I/O per process</h2>", fp);
		size_t k = 0;
		for (size_t i = 0; i < npr; i++)
			if (procs[i].disk_reads || procs[i].disk_writes)
				by[k++] = &procs[i];
		for (size_t i = 1; i < k; i++)
			for (size_t j = i; j > 0 && by[j]->disk_read_bytes + by[j]->disk_write_bytes >
			                                by[j - 1]->disk_read_bytes + by[j - 1]->disk_write_bytes;
			     j--) {
				const etl_stats_process *x = by[j];
				by[j] = by[j - 1];
				by[j - 1] = x;
			}
		nbars = k < BARS ? k : BARS;
		for (size_t i = 0; i < nbars; i++) {
			proc_label(by[i], bars[i].label, sizeof bars[i].label);
			bars[i].v[0] = by[i]->disk_read_bytes;
			bars[i].v[1] = by[i]->disk_write_bytes;
			etl_stats_human_bytes(by[i]->disk_read_bytes, b1, sizeof b1);
			etl_stats_human_bytes(by[i]->disk_write_bytes, b2, sizeof b2);
			if (by[i]->disk_writes && by[i]->disk_reads)
				snprintf(bars[i].value, sizeof bars[i].value, "%s read, %s written", b1, b2);
			else if (by[i]->disk_writes)
				snprintf(bars[i].value, sizeof bars[i].value, "%s written (%" PRIu64 ")", b2,
				         by[i]->disk_writes);
			else
				snprintf(bars[i].value, sizeof bars[i].value, "%s read (%" PRIu64 ")", b1,
				         by[i]->disk_reads);
			bars[i].v[2] = 0;
		}
		static const char *const rw[] = { "#4e79a7", "#e15759" };
		hbars(fp, bars, nbars, 2, rw, "disk bytes read and written per process");
		const char *names[] = { "read", "written" };
		legend(fp, names, rw, 2);
		fprintf(fp, "<p class=\"note\">DiskIo Read/Write TransferSize: %s read in %s I/Os, %s written in"
		            " %" PRIu64 " I/Os.</p>",
		        etl_stats_human_bytes(m.disk_read_bytes, b1, sizeof b1),
		        num(m.disk_reads, b3, sizeof b3),
		        etl_stats_human_bytes(m.disk_write_bytes, b2, sizeof b2), m.disk_writes);
		fputs("</section>\n", fp);
		for (size_t i = 0; i < nbars; i++)
			bars[i].v[1] = 0;
	}
	if (m.file_reads || m.file_writes || m.file_other) {
		fputs("<section id=\"file-io\"><h2>File I/O per process</h2>", fp);
		size_t k = 0;
		for (size_t i = 0; i < npr; i++)
			if (procs[i].file_reads || procs[i].file_writes || procs[i].file_other)
				by[k++] = &procs[i];
#define OPS(p) ((p)->file_reads + (p)->file_writes + (p)->file_other)
		for (size_t i = 1; i < k; i++)
			for (size_t j = i; j > 0 && OPS(by[j]) > OPS(by[j - 1]); j--) {
				const etl_stats_process *x = by[j];
				by[j] = by[j - 1];
				by[j - 1] = x;
			}
		nbars = k < BARS ? k : BARS;
		for (size_t i = 0; i < nbars; i++) {
			proc_label(by[i], bars[i].label, sizeof bars[i].label);
			bars[i].v[0] = by[i]->file_reads;
			bars[i].v[1] = by[i]->file_writes;
			bars[i].v[2] = by[i]->file_other;
			if (by[i]->file_read_bytes || by[i]->file_write_bytes)
				snprintf(bars[i].value, sizeof bars[i].value, "%s ops; %s read, %s written",
				         num(OPS(by[i]), b3, sizeof b3),
				         etl_stats_human_bytes(by[i]->file_read_bytes, b1, sizeof b1),
				         etl_stats_human_bytes(by[i]->file_write_bytes, b2, sizeof b2));
			else
				snprintf(bars[i].value, sizeof bars[i].value, "%s operations",
				         num(OPS(by[i]), b3, sizeof b3));
		}
#undef OPS
		static const char *const fo[] = { "#4e79a7", "#e15759", "#76b7b2" };
		hbars(fp, bars, nbars, 3, fo, "file operations per process");
		const char *names[] = { "reads", "writes", "other operations (create, close, ...)" };
		legend(fp, names, fo, 3);
		fprintf(fp, "<p class=\"note\">FileIo and Microsoft-Windows-Kernel-File operations: %" PRIu64
		            " reads (%s), %" PRIu64 " writes (%s), %s other operations.</p>",
		        m.file_reads, etl_stats_human_bytes(m.file_read_bytes, b1, sizeof b1), m.file_writes,
		        etl_stats_human_bytes(m.file_write_bytes, b2, sizeof b2),
		        num(m.file_other, b3, sizeof b3));
		fputs("</section>\n", fp);
	}
	free(by);
	free(bars);

	fputs("<section id=\"cpus\"><h2>Events per CPU</h2>", fp);
	cpu_chart(fp, cpus, nc);
	fputs("</section>\n", fp);

	/* what did not decode */
	fputs("<section id=\"undecoded\"><h2>Not decoded</h2>", fp);
	fprintf(fp, "<p class=\"note\">%s events without a schema, %s whose payload did not match"
	            " their schema. Give manifests with -m for providers without one.</p>",
	        num(m.undecoded, b1, sizeof b1), num(m.partial, b2, sizeof b2));
	if (m.undecoded + m.partial) {
		static const char *const und_cols[] = { "#Events", "Provider", "GUID", "Event", "#Id",
			                                "#Opcode", "#Version", "Reason", NULL };
		fputs("<table class=\"sortable\">", fp);
		th(fp, und_cols);
		size_t rows = 0, all = 0;
		for (size_t i = 0; i < nt; i++)
			for (int k = 0; k < 2; k++) {
				uint64_t c = k ? types[i].undecoded : types[i].partial;
				if (!c)
					continue;
				all++;
				if (rows >= top)
					continue;
				rows++;
				char g[ETL_GUID_STRLEN] = "";
				if (!types[i].other)
					etl_guid_format(&types[i].provider, g);
				fputs("<tr>", fp);
				td_num(fp, c);
				td(fp, types[i].provider_name);
				fprintf(fp, "<td class=\"g\">%s</td>", g);
				td(fp, types[i].name);
				td_num(fp, types[i].id);
				td_num(fp, types[i].opcode);
				td_num(fp, types[i].version);
				td(fp, k ? "no schema" : "payload did not match its schema");
				fputs("</tr>\n", fp);
			}
		fputs("</tbody></table>", fp);
		more_rows(fp, rows, all, "event types not decoded");
	}
	fputs("</section>\n", fp);

	fputs("<section id=\"loss\"><h2>Loss and damage</h2><table><tbody>", fp);
	fprintf(fp,
	        "<tr><th>Events lost (logfile header)</th><td class=\"n\">%" PRIu64 "</td></tr>"
	        "<tr><th>Buffers lost (logfile header)</th><td class=\"n\">%" PRIu64 "</td></tr>"
	        "<tr><th>Buffers flagged as having lost events</th><td class=\"n\">%" PRIu64 "</td></tr>"
	        "<tr><th>Lost-event records (RTLostEvent, RTLostBuffer, RTLostFile)</th>"
	        "<td class=\"n\">%" PRIu64 "</td></tr>"
	        "<tr><th>Damaged buffers skipped</th><td class=\"n\">%" PRIu64 "</td></tr>"
	        "<tr><th>Damaged records skipped</th><td class=\"n\">%" PRIu64 "</td></tr>",
	        m.events_lost, m.buffers_lost, m.lost_buffer_flags, m.lost_event_records,
	        m.damaged_buffers, m.damaged_records);
	fputs("</tbody></table><p class=\"note\">Where in time loss or damage was found is marked in red"
	      " on the timeline (when read from trace files; a database keeps only the totals).</p>"
	      "</section>\n", fp);

	fputs("</main>\n<footer>The numbers of this page, as <code>etlkit stats --json</code> prints them,"
	      " are in the element <code>#etlkit-stats</code>.</footer>\n"
	      "<script type=\"application/json\" id=\"etlkit-stats\">", fp);
	etl_status e = etl_stats_write_json(s, fp);
	if (e != ETL_OK)
		return e;
	fprintf(fp, "</script>\n<script>%s</script>\n</body></html>\n", script);
	(void)b3;
	return ETL_OK;
}
