package conformance

import (
	"fmt"
	"html/template"
	"io"
	"net/url"
	"slices"
	"strings"
	"time"
)

// htmlStyle is the report's only styling: inline, no fonts, no images.
const htmlStyle = `
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222;max-width:80em}
h1{font-size:1.4em}h2{font-size:1.2em;border-bottom:1px solid #ccc;margin-top:1.6em}h3{font-size:1em;margin:0}
table{border-collapse:collapse;font-size:.9em}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.n{text-align:right}
.FAIL{background:#fdd;color:#900;font-weight:bold}.WARN{background:#ffe9b3;color:#704d00}.pass{background:#dfd;color:#060}
.skip{background:#eee;color:#555}.known{background:#e4ddff;color:#3b2a8a}
.o{padding:0 .4em;border-radius:3px;white-space:nowrap}
.result{border:1px solid #ccc;border-left:6px solid #999;padding:.6em;margin:.8em 0}
.result.FAIL{border-left-color:#c00;background:#fff;color:#222;font-weight:normal}
.result.WARN{border-left-color:#d90;background:#fff;color:#222}.result.known{border-left-color:#64c;background:#fff;color:#222}
blockquote{margin:.4em 0;padding:.2em .8em;border-left:3px solid #bbb;color:#444}
pre{white-space:pre-wrap;word-break:break-all;background:#f7f7f7;padding:.4em;font-size:.85em;margin:.3em 0}
details summary{cursor:pointer;color:#124}
dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dt{font-weight:bold}dd{margin:0}
.muted{color:#666}
`

const htmlReport = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>registrytest conformance: {{.Target}}</title>
<style>{{.Style}}</style>
</head>
<body>
<h1>registrytest conformance: {{.Target}}</h1>
<p class="verdict"><span class="o {{if .Failed}}FAIL{{else}}pass{{end}}">{{if .Failed}}FAILED{{else}}PASSED{{end}}</span> {{.Closing}}</p>
<dl>
<dt>Target</dt><dd>{{.Target}}</dd>
<dt>URL</dt><dd><code>{{.URL}}</code></dd>
<dt>Failures table</dt><dd>{{.Table}}</dd>
<dt>Strict</dt><dd>{{if .Strict}}yes: a broken SHOULD fails{{else}}no: a broken SHOULD warns{{end}}</dd>
<dt>Control</dt><dd>{{.Control}}</dd>
<dt>Started</dt><dd>{{.Start}}</dd>
<dt>Duration</dt><dd>{{.Duration}}</dd>
</dl>
{{if .TargetErr}}<div class="result FAIL" id="target"><h3><span class="o FAIL">FAIL</span> target</h3><pre>{{.TargetErr}}</pre></div>{{end}}
<h2 id="capabilities">Capabilities</h2>
{{if .Caps}}<table><tr><th>Capability</th><th>How it was found</th></tr>
{{range .Caps}}<tr><td><code>{{.Name}}</code></td><td>{{.Note}}</td></tr>
{{end}}</table>{{else}}<p>The target lists none.</p>{{end}}
<h2 id="summary">Summary</h2>
<table><tr><th>Area</th><th>failed</th><th>warnings</th><th>passed</th><th>skipped</th><th>known deviations</th></tr>
{{range .Areas}}<tr><td>{{.Name}}</td><td class="n{{if .Failed}} FAIL{{end}}">{{.Failed}}</td><td class="n{{if .Warned}} WARN{{end}}">{{.Warned}}</td><td class="n">{{.Passed}}</td><td class="n">{{.Skipped}}</td><td class="n">{{.Known}}</td></tr>
{{end}}</table>
{{if .Levels}}<p>By the level of the requirement broken:</p>
<table><tr><th>Level</th><th>failed</th><th>warnings</th><th>known deviations</th><th>skipped (optional)</th></tr>
{{range .Levels}}<tr><td>{{.Name}}</td><td class="n{{if .Failed}} FAIL{{end}}">{{.Failed}}</td><td class="n{{if .Warned}} WARN{{end}}">{{.Warned}}</td><td class="n">{{.Known}}</td><td class="n">{{.Skipped}}</td></tr>
{{end}}</table>{{end}}
{{define "detail"}}<div class="result {{.Class}}" id="r-{{.Anchor}}">
<h3><span class="o {{.Class}}">{{.Label}}</span> <code>{{.Name}}</code> <span class="muted">({{.Area}}, {{.Time}})</span></h3>
{{if .Known}}<p>Known deviation: {{.Known}}</p>{{end}}
{{with .Req}}<p><b>{{.Level}}</b> ({{.Source}}{{if .Section}}, {{if .URL}}<a href="{{.URL}}">{{.Section}}</a>{{else}}{{.Section}}{{end}}{{else if .URL}}, <a href="{{.URL}}">link</a>{{end}})</p>
{{if .Text}}<blockquote>{{.Text}}</blockquote>{{end}}{{end}}
<pre class="err">{{.Detail}}</pre>
{{if .Transcript}}<details{{if .Open}} open{{end}}><summary>Transcript: {{.Exchanges}} exchanges{{if .Dropped}} (the last {{.Exchanges}}; {{.Dropped}} earlier not kept){{end}}</summary>
<pre>{{.Transcript}}</pre></details>{{end}}
</div>
{{end}}
{{if .Failures}}<h2 id="failures">Failures ({{len .Failures}})</h2>
{{range .Failures}}{{template "detail" .}}{{end}}{{end}}
{{if .Warnings}}<h2 id="warnings">Warnings ({{len .Warnings}})</h2>
{{range .Warnings}}{{template "detail" .}}{{end}}{{end}}
{{if .Knowns}}<h2 id="known">Known deviations ({{len .Knowns}})</h2>
{{range .Knowns}}{{template "detail" .}}{{end}}{{end}}
<h2 id="scenarios">Every scenario ({{len .Rows}})</h2>
<table><tr><th>Scenario</th><th>Result</th><th>Time</th><th>Requirement</th><th>Detail</th></tr>
{{range .Rows}}<tr><td>{{if .Linked}}<a href="#r-{{.Anchor}}"><code>{{.Name}}</code></a>{{else}}<code>{{.Name}}</code>{{end}}</td><td><span class="o {{.Class}}">{{.Label}}</span></td><td class="n">{{.Time}}</td><td>{{with .Req}}{{if .URL}}<a href="{{.URL}}" title="{{.Text}}">{{call $.Where .}}</a>{{else}}<span title="{{.Text}}">{{call $.Where .}}</span>{{end}}{{else}}-{{end}}</td><td>{{.Short}}</td></tr>
{{end}}</table>
<p class="muted">Written by registrytest (package conformance) at {{.Written}}. Transcripts keep each scenario's last {{.MaxTranscript}} exchanges, {{.MaxLine}} bytes a field, with secrets redacted.</p>
</body>
</html>
`

var reportTemplate = template.Must(template.New("report").Parse(htmlReport))

type htmlCap struct{ Name, Note string }

type htmlCount struct {
	Name                                   string
	Failed, Warned, Passed, Skipped, Known int
}

type htmlResult struct {
	Name, Anchor, Area, Class, Label, Time, Detail, Short, Known string
	Req                                                          *Requirement
	Linked                                                       bool
	Open                                                         bool // the first failure's transcript is open
	Transcript                                                   string
	Exchanges, Dropped                                           int
}

type htmlData struct {
	Style                                template.CSS
	Target, URL, Table, Control, Closing string
	Start, Duration, Written             string
	Failed, Strict                       bool
	TargetErr                            string
	Caps                                 []htmlCap
	Areas, Levels                        []htmlCount
	Failures, Warnings, Knowns, Rows     []htmlResult
	MaxTranscript, MaxLine               int
	Where                                func(*Requirement) string
}

// WriteHTML writes the report as one self-contained HTML page, meant to be
// read in a browser or attached to an issue: inline CSS, no script, no
// font, no image, nothing it loads from the network (its only URLs are the
// links to the requirements' sources), readable without JavaScript.
//
// It shows the target (name, URL without user info and with query values
// redacted, failures table, states the Control can set, time), the
// capabilities it listed with how they were found (CapabilityNotes), the
// summary by area and outcome and by the level of the requirement broken,
// then one section per failure, per warning and per known deviation with
// its requirement (level, source, section linked to its URL, the quoted
// sentence), the whole error, and its transcript in a <details> element
// (TranscriptLines; the first failure's is open, the others closed), and
// last a table of every result. Every text is escaped (html/template).
func (r *Report) WriteHTML(w io.Writer) error {
	d := htmlData{
		Style: template.CSS(htmlStyle), Target: r.Target, URL: redactedURL(r.URL), Table: orDash(r.Table),
		Control: describeStates(r.States), Closing: r.closingLine(), Failed: r.Failed(), Strict: r.Strict,
		Start: r.Start.UTC().Format(time.RFC3339), Duration: r.Duration.Round(time.Millisecond).String(),
		Written: time.Now().UTC().Format(time.RFC3339), MaxTranscript: MaxTranscript, MaxLine: MaxTranscriptLine,
		Where: func(r *Requirement) string { return r.where() },
	}
	if r.Err != nil {
		d.TargetErr = r.Err.Error()
	}
	for _, c := range r.Capabilities {
		note := r.CapabilityNotes[c]
		if note == "" {
			note = "listed by the target"
		}
		d.Caps = append(d.Caps, htmlCap{string(c), note})
	}
	areas := map[string]*htmlCount{}
	levels := map[Level]*htmlCount{}
	var areaOrder []string
	anchors := map[string]int{}
	share := transcriptShare(r.Results)
	for _, res := range r.Results {
		a := areas[res.Area]
		if a == nil {
			a = &htmlCount{Name: res.Area}
			areas[res.Area] = a
			areaOrder = append(areaOrder, res.Area)
		}
		level := res.Requirement.Level
		if level == "" {
			level = Must
		}
		lc := levels[level]
		if lc == nil {
			lc = &htmlCount{Name: string(level)}
			levels[level] = lc
		}
		h := htmlResult{
			Name: res.Name(), Area: res.Area, Time: res.Duration.Round(time.Millisecond).String(),
			Detail: res.Detail, Short: oneLine(res.Detail), Known: res.Known,
			Class: string(res.Outcome), Label: string(res.Outcome),
		}
		if h.Class == string(Passed) || h.Class == string(Skipped) {
			h.Class = strings.ToLower(h.Class)
		}
		// Anchors are unique even for names that sanitize alike.
		h.Anchor = sanitize(res.Name())
		if n := anchors[h.Anchor]; n > 0 {
			h.Anchor += fmt.Sprintf("-%d", n)
		}
		anchors[sanitize(res.Name())]++
		if res.Requirement != (Requirement{}) {
			req := res.Requirement
			h.Req = &req
		}
		if lines := TranscriptLines(res); len(lines) > 0 && (res.Outcome == Failed || res.Outcome == Warned || res.Known != "") {
			h.Transcript = strings.Join(fitTranscript(lines, share), "\n")
			h.Exchanges, h.Dropped = len(res.Transcript), res.TranscriptDropped
		}
		switch {
		case res.Outcome == Failed:
			a.Failed++
			lc.Failed++
			h.Linked, h.Open = true, len(d.Failures) == 0
			d.Failures = append(d.Failures, h)
		case res.Outcome == Warned:
			a.Warned++
			a.Passed++
			lc.Warned++
			h.Linked = true
			d.Warnings = append(d.Warnings, h)
		case res.Known != "":
			a.Known++
			a.Skipped++
			lc.Known++
			h.Class, h.Label, h.Linked = "known", "known", true
			d.Knowns = append(d.Knowns, h)
		case res.Outcome == Passed:
			a.Passed++
		case res.Outcome == Skipped:
			a.Skipped++
			if res.Err != nil {
				lc.Skipped++
			}
		}
		d.Rows = append(d.Rows, h)
	}
	total := htmlCount{Name: "all"}
	for _, name := range areaOrder {
		a := areas[name]
		d.Areas = append(d.Areas, *a)
		total.Failed += a.Failed
		total.Warned += a.Warned
		total.Passed += a.Passed
		total.Skipped += a.Skipped
		total.Known += a.Known
	}
	d.Areas = append(d.Areas, total)
	for _, l := range []Level{Must, MustNot, Should, ShouldNot, May} {
		if lc := levels[l]; lc != nil && lc.Failed+lc.Warned+lc.Known+lc.Skipped > 0 {
			d.Levels = append(d.Levels, *lc)
		}
	}
	for _, l := range slices.Sorted(func(yield func(Level) bool) {
		for l := range levels {
			if !slices.Contains([]Level{Must, MustNot, Should, ShouldNot, May}, l) && !yield(l) {
				return
			}
		}
	}) {
		if lc := levels[l]; lc.Failed+lc.Warned+lc.Known+lc.Skipped > 0 {
			d.Levels = append(d.Levels, *lc)
		}
	}
	return reportTemplate.Execute(w, d)
}

// HTMLTranscriptBudget is about how many bytes of transcripts WriteHTML
// writes in all: when the transcripts of the results it shows are longer
// together, each keeps its last lines, up to an equal share of the budget,
// so that the page stays small enough to attach to an issue.
const HTMLTranscriptBudget = 1 << 20

// transcriptShare returns how many bytes of transcript each shown result
// may keep in WriteHTML: no limit (0) when all fit in
// HTMLTranscriptBudget, an equal share of it otherwise.
func transcriptShare(results []Result) int {
	total, n := 0, 0
	for _, res := range results {
		if res.Outcome != Failed && res.Outcome != Warned && res.Known == "" {
			continue
		}
		lines := TranscriptLines(res)
		if len(lines) == 0 {
			continue
		}
		n++
		for _, l := range lines {
			total += len(l) + 1
		}
	}
	if total <= HTMLTranscriptBudget {
		return 0
	}
	return HTMLTranscriptBudget / n
}

// fitTranscript returns the last lines of lines that fit in max bytes
// (all of them when max is 0), after a line saying how many were cut.
func fitTranscript(lines []string, max int) []string {
	if max == 0 {
		return lines
	}
	size, i := 0, len(lines)
	for i > 0 && size+len(lines[i-1])+1 <= max {
		size += len(lines[i-1]) + 1
		i--
	}
	if i == 0 {
		return lines
	}
	return append([]string{fmt.Sprintf("(%d earlier lines cut to keep the page small)", i)}, lines[i:]...)
}

// redactedURL returns u without user info and with the value of every
// query parameter replaced by REDACTED: what a report may show of a URL.
func redactedURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		// Show what cannot hold a secret: nothing after a '@' or a '?'.
		if i := strings.LastIndexByte(u, '@'); i >= 0 {
			u = u[i+1:]
		}
		if i := strings.IndexAny(u, "?#"); i >= 0 {
			u = u[:i]
		}
		return u
	}
	p.User = nil
	p.Fragment, p.RawFragment = "", ""
	if p.RawQuery != "" {
		q := p.Query()
		for k := range q {
			q[k] = []string{"REDACTED"}
		}
		p.RawQuery = q.Encode()
	}
	return p.String()
}
