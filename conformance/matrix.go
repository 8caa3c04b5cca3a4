package conformance

import (
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"
	"time"
)

// A Matrix compares the reports of several registries, scenario by
// scenario: one row per result name (ID, or ID/param), one column per
// report.
type Matrix struct {
	// Title heads the page; "" means "registrytest conformance matrix".
	Title string
	// Command is the command that made the reports, shown under the title
	// ("" shows none).
	Command string
	// Reports are the reports compared, one column each, in this order.
	Reports []*Report
}

// A MatrixCell is the outcome of one scenario on one registry.
type MatrixCell struct {
	// Label is "pass", "FAIL", "WARN", "skip", "known" (a known deviation,
	// Result.Known) or "" when the report has no such result.
	Label string
	// Reason is the error or the reason of the skip, on one line (see
	// Result.Detail), "" when it passed.
	Reason string
	// Requirement is the requirement that judged the result.
	Requirement Requirement
}

// A MatrixRow is one scenario (or parameter of one) across the reports.
type MatrixRow struct {
	Name, Area string
	// Requirement is the requirement of the first cell that failed or
	// warned, else of the first cell that names one.
	Requirement Requirement
	Cells       []MatrixCell
	// Same reports whether every report has the result with the same
	// label.
	Same bool
}

// cellLabel is the label of res in a matrix.
func cellLabel(res Result) string {
	if res.Known != "" {
		return "known"
	}
	return string(res.Outcome)
}

// Rows returns the rows of the matrix: every result name of every report,
// in the order of the first report that has it (the catalogue's), names
// that only later reports have after those of earlier ones.
func (m *Matrix) Rows() []MatrixRow {
	var rows []MatrixRow
	index := map[string]int{}
	for col, rep := range m.Reports {
		for _, res := range rep.Results {
			i, ok := index[res.Name()]
			if !ok {
				i = len(rows)
				index[res.Name()] = i
				rows = append(rows, MatrixRow{Name: res.Name(), Area: res.Area, Cells: make([]MatrixCell, len(m.Reports))})
			}
			rows[i].Cells[col] = MatrixCell{Label: cellLabel(res), Reason: oneLine(res.Detail), Requirement: res.Requirement}
		}
	}
	for i := range rows {
		r := &rows[i]
		r.Same = true
		for _, c := range r.Cells {
			if c.Label != r.Cells[0].Label {
				r.Same = false
			}
			if r.Requirement == (Requirement{}) && c.Requirement != (Requirement{}) {
				r.Requirement = c.Requirement
			}
		}
		for _, c := range r.Cells {
			if c.Label == string(Failed) || c.Label == string(Warned) {
				r.Requirement = c.Requirement
				break
			}
		}
	}
	return rows
}

func (m *Matrix) title() string {
	if m.Title == "" {
		return "registrytest conformance matrix"
	}
	return m.Title
}

// A matrixColumn summarizes one report.
type matrixColumn struct {
	Target, Table, Closing, Duration string
	Failed                           bool
	Passed, Fails, Warned, Skipped   int
	Known                            int
}

func (m *Matrix) columns() []matrixColumn {
	var cols []matrixColumn
	for _, rep := range m.Reports {
		p, f, s := rep.Counts()
		c := matrixColumn{Target: rep.Target, Table: rep.Table, Closing: rep.closingLine(), Failed: rep.Failed(),
			Duration: rep.Duration.Round(time.Second).String(), Passed: p, Fails: f, Warned: rep.Warnings(), Skipped: s}
		for _, res := range rep.Results {
			if res.Known != "" {
				c.Known++
			}
		}
		cols = append(cols, c)
	}
	return cols
}

const htmlMatrix = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>{{.Style}}
td.c{text-align:center;white-space:nowrap}tr.same td.c{opacity:.75}
</style>
</head>
<body>
<h1>{{.Title}}</h1>
{{if .Command}}<p>Made by <code>{{.Command}}</code>.</p>{{end}}
<table><tr><th>Registry</th><th>Failures table</th><th>Result</th><th>passed</th><th>failed</th><th>warnings</th><th>skipped</th><th>known deviations</th><th>time</th></tr>
{{range .Columns}}<tr><td>{{.Target}}</td><td>{{.Table}}</td><td><span class="o {{if .Failed}}FAIL{{else}}pass{{end}}">{{if .Failed}}FAILED{{else}}PASSED{{end}}</span></td><td class="n">{{.Passed}}</td><td class="n">{{.Fails}}</td><td class="n">{{.Warned}}</td><td class="n">{{.Skipped}}</td><td class="n">{{.Known}}</td><td class="n">{{.Duration}}</td></tr>
{{end}}</table>
<p class="muted">Each cell is the outcome of the scenario on the registry; hover it for the reason and the requirement that judged it. A known deviation is a failure the registry's target lists as such (Target.Known).</p>
<table><tr><th>Scenario</th><th>Requirement</th>{{range .Columns}}<th>{{.Target}}</th>{{end}}</tr>
{{range .Rows}}{{if .Area}}<tr><th colspan="{{$.Span}}">{{.Area}}</th></tr>
{{end}}<tr{{if .Same}} class="same"{{end}}><td><code>{{.Name}}</code></td><td>{{with .Req}}{{if .URL}}<a href="{{.URL}}" title="{{.Text}}">{{.Where}}</a>{{else}}<span title="{{.Text}}">{{.Where}}</span>{{end}}{{else}}-{{end}}</td>{{range .Cells}}<td class="c {{.Class}}" title="{{.Title}}">{{if .Label}}{{.Label}}{{else}}-{{end}}</td>{{end}}</tr>
{{end}}</table>
<p class="muted">Written by registrytest (package conformance) at {{.Written}}.</p>
</body>
</html>
`

var matrixTemplate = template.Must(template.New("matrix").Parse(htmlMatrix))

type htmlMatrixReq struct{ URL, Text, Where string }

type htmlMatrixCell struct{ Label, Class, Title string }

type htmlMatrixRow struct {
	Name, Area string
	Req        *htmlMatrixReq
	Cells      []htmlMatrixCell
	Same       bool
}

// WriteHTML writes the matrix as one self-contained HTML page (inline CSS,
// no script, nothing loaded from the network): a summary of each report,
// then a table with a row per scenario, grouped by area, a column for the
// requirement of the row (linked to its source) and one per report, each
// cell the outcome with, in its title (a tooltip), the reason and the
// requirement that judged it. Every text is escaped.
func (m *Matrix) WriteHTML(w io.Writer) error {
	d := struct {
		Title, Command, Written string
		Style                   template.CSS
		Columns                 []matrixColumn
		Rows                    []htmlMatrixRow
		Span                    int
	}{Title: m.title(), Command: m.Command, Written: time.Now().UTC().Format(time.RFC3339),
		Style: template.CSS(htmlStyle), Columns: m.columns(), Span: len(m.Reports) + 2}
	area := ""
	for _, r := range m.Rows() {
		hr := htmlMatrixRow{Name: r.Name, Same: r.Same}
		if r.Area != area {
			hr.Area, area = r.Area, r.Area
		}
		if r.Requirement != (Requirement{}) {
			hr.Req = &htmlMatrixReq{URL: r.Requirement.URL, Text: r.Requirement.Text, Where: r.Requirement.where()}
		}
		for _, c := range r.Cells {
			class := c.Label
			if class == string(Passed) || class == string(Skipped) {
				class = strings.ToLower(class)
			}
			title := c.Reason
			if c.Requirement != (Requirement{}) && c.Label != string(Passed) {
				if title != "" {
					title += "\n"
				}
				title += c.Requirement.String()
			}
			hr.Cells = append(hr.Cells, htmlMatrixCell{Label: c.Label, Class: class, Title: title})
		}
		d.Rows = append(d.Rows, hr)
	}
	return matrixTemplate.Execute(w, d)
}

// WriteMarkdown writes the matrix as Markdown for a README: a table with a
// row per report (result, counts, time); a line counting the scenarios
// that pass on every report and those that some report skips (for a
// capability or a state it lacks: the HTML page has them); then a table of
// the scenarios that fail, warn or are a known deviation on some report, a
// column per report, each cell the outcome ("FAIL (MUST)" and "WARN
// (SHOULD)" name the level of the requirement that judged it).
func (m *Matrix) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	b.WriteString("| Registry | Result | passed | failed | warnings | skipped | known deviations | time |\n")
	b.WriteString("|---|---|--:|--:|--:|--:|--:|--:|\n")
	for _, c := range m.columns() {
		result := "passed"
		if c.Failed {
			result = "**FAILED**"
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %d | %d | %d | %d | %s |\n", mdCell(c.Target), result, c.Passed, c.Fails, c.Warned, c.Skipped, c.Known, c.Duration)
	}
	rows := m.Rows()
	var notable []MatrixRow
	passAll, skipSome := 0, 0
	for _, r := range rows {
		all, bad := true, false
		for _, c := range r.Cells {
			switch c.Label {
			case string(Passed):
			case string(Failed), string(Warned), "known":
				all, bad = false, true
			default:
				all = false
			}
		}
		switch {
		case bad:
			notable = append(notable, r)
		case all:
			passAll++
		default:
			skipSome++
		}
	}
	fmt.Fprintf(&b, "\nOf %d scenarios, %d pass on every registry and %d are skipped on some (a capability or state it lacks); %d fail, warn or are a known deviation on some:\n\n",
		len(rows), passAll, skipSome, len(notable))
	b.WriteString("| Scenario |")
	sep := "|---|"
	for _, c := range m.columns() {
		b.WriteString(" " + mdCell(c.Target) + " |")
		sep += ":-:|"
	}
	b.WriteString("\n" + sep + "\n")
	for _, r := range notable {
		fmt.Fprintf(&b, "| `%s` |", strings.ReplaceAll(r.Name, "`", "'"))
		for _, c := range r.Cells {
			label := c.Label
			switch {
			case label == "":
				label = "-"
			case (label == string(Failed) || label == string(Warned)) && c.Requirement.Level != "":
				label += " (" + string(c.Requirement.Level) + ")"
			case label == string(Failed) || label == string(Warned):
				label += " (" + string(Must) + ")"
			}
			b.WriteString(" " + label + " |")
		}
		b.WriteString("\n")
	}
	m.writeDeviations(&b)
	_, err := io.WriteString(w, b.String())
	return err
}

// writeDeviations writes, for each report, its known deviations, failures
// and warnings, one line per reason (a known deviation's description, a
// failure's or warning's requirement) with the scenarios it covers.
func (m *Matrix) writeDeviations(b *strings.Builder) {
	b.WriteString("\nWhy, by registry (known deviations are the target's Known list, each with the sentence it breaks;\n" +
		"failures and warnings name their requirement):\n")
	for _, rep := range m.Reports {
		type reason struct {
			label, text string
			names       []string
		}
		var reasons []*reason
		byKey := map[string]*reason{}
		for _, r := range rep.Results {
			var label, text string
			switch {
			case r.Known != "":
				label, text = "known", r.Known
			case r.Outcome == Failed || r.Outcome == Warned:
				label, text = string(r.Outcome), r.Requirement.String()
				if text == "" {
					text = oneLine(r.Detail)
				}
			default:
				continue
			}
			key := label + "\x00" + text
			if byKey[key] == nil {
				byKey[key] = &reason{label: label, text: text}
				reasons = append(reasons, byKey[key])
			}
			byKey[key].names = append(byKey[key].names, r.Name())
		}
		fmt.Fprintf(b, "\n**%s**", mdCell(rep.Target))
		if len(reasons) == 0 {
			b.WriteString(": none.\n")
			continue
		}
		b.WriteString("\n\n")
		for _, rs := range reasons {
			names := rs.names
			if len(names) > 6 {
				names = append(slices.Clip(names[:6]), fmt.Sprintf("and %d more", len(rs.names)-6))
			}
			fmt.Fprintf(b, "- %s `%s`: %s\n", rs.label, strings.Join(names, "`, `"), mdCell(rs.text))
		}
	}
}

// mdCell makes s safe in a Markdown table cell.
func mdCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ").Replace(s)
}
