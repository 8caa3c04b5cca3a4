package conformance

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func matrixReports() []*Report {
	a := &Report{Target: "alpha", Table: "distribution", Duration: 61 * time.Second, Results: []Result{
		{ID: "ok", Area: "A", Outcome: Passed, Requirement: reqMust},
		{ID: "must", Area: "A", Outcome: Failed, Requirement: reqMust, Detail: "PUT = 202,\nwant 201"},
		{ID: "p", Param: "x", Area: "B", Outcome: Warned, Requirement: reqShould, Detail: "no digest"},
	}}
	b := &Report{Target: "be|ta", Table: "oci", Duration: 2 * time.Second, Results: []Result{
		{ID: "ok", Area: "A", Outcome: Passed, Requirement: reqMust},
		{ID: "must", Area: "A", Outcome: Skipped, Requirement: reqMust, Known: "old", Detail: "known deviation: old: PUT = 202"},
		{ID: "p", Param: "x", Area: "B", Outcome: Passed, Requirement: reqShould},
		{ID: "only-b", Area: "B", Outcome: Skipped, Detail: "the target lacks capability referrers"},
	}}
	return []*Report{a, b}
}

func TestMatrixRows(t *testing.T) {
	m := &Matrix{Reports: matrixReports()}
	want := []MatrixRow{
		{Name: "ok", Area: "A", Requirement: reqMust, Same: true, Cells: []MatrixCell{{"pass", "", reqMust}, {"pass", "", reqMust}}},
		{Name: "must", Area: "A", Requirement: reqMust, Cells: []MatrixCell{{"FAIL", "PUT = 202, want 201", reqMust}, {"known", "known deviation: old: PUT = 202", reqMust}}},
		{Name: "p/x", Area: "B", Requirement: reqShould, Cells: []MatrixCell{{"WARN", "no digest", reqShould}, {"pass", "", reqShould}}},
		{Name: "only-b", Area: "B", Cells: []MatrixCell{{}, {"skip", "the target lacks capability referrers", Requirement{}}}},
	}
	if diff := cmp.Diff(want, m.Rows()); diff != "" {
		t.Errorf("Rows() (-want +got):\n%s", diff)
	}
}

func TestMatrixMarkdown(t *testing.T) {
	var b bytes.Buffer
	if err := (&Matrix{Reports: matrixReports()}).WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	want := "| Registry | Result | passed | failed | warnings | skipped | known deviations | time |\n" +
		"|---|---|--:|--:|--:|--:|--:|--:|\n" +
		"| alpha | **FAILED** | 2 | 1 | 1 | 0 | 0 | 1m1s |\n" +
		"| be\\|ta | passed | 2 | 0 | 0 | 2 | 1 | 2s |\n" +
		"\nOf 4 scenarios, 1 pass on every registry and 1 are skipped on some (a capability or state it lacks); 2 fail, warn or are a known deviation on some:\n\n" +
		"| Scenario | alpha | be\\|ta |\n" +
		"|---|:-:|:-:|\n" +
		"| `must` | FAIL (MUST) | known |\n" +
		"| `p/x` | WARN (SHOULD) | pass |\n" +
		"\nWhy, by registry (known deviations are the target's Known list, each with the sentence it breaks;\n" +
		"failures and warnings name their requirement):\n" +
		"\n**alpha**\n\n" +
		"- FAIL `must`: MUST (OCI distribution-spec v1.1, Pushing blobs): The registry MUST answer 201.\n" +
		"- WARN `p/x`: SHOULD (OCI distribution-spec v1.1, Pulling blobs): A response SHOULD carry Docker-Content-Digest.\n" +
		"\n**be\\|ta**\n\n" +
		"- known `must`: old\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("WriteMarkdown (-want +got):\n%s", diff)
	}
}

func TestMatrixHTML(t *testing.T) {
	var b bytes.Buffer
	m := &Matrix{Command: "go run ./examples/matrix", Reports: matrixReports()}
	if err := m.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, bad := range []string{"<script", "<link", "<img", " src=", "url("} {
		if strings.Contains(page, bad) {
			t.Errorf("Matrix.WriteHTML output holds %q", bad)
		}
	}
	for _, s := range []string{
		"<title>registrytest conformance matrix</title>",
		"<code>go run ./examples/matrix</code>",
		"<th>alpha</th><th>be|ta</th>",
		`<td class="c FAIL" title="PUT = 202, want 201` + "\n" + `MUST (OCI distribution-spec v1.1, Pushing blobs): The registry MUST answer 201.">FAIL</td>`,
		`<td class="c known" title="known deviation: old: PUT = 202` + "\n",
		`<td class="c " title="">-</td>`,
		`<a href="https://example.com/spec#pushing-blobs" title="The registry MUST answer 201.">MUST (OCI distribution-spec v1.1, Pushing blobs)</a>`,
		`<tr><th colspan="4">B</th></tr>`,
	} {
		if !strings.Contains(page, s) {
			t.Errorf("Matrix.WriteHTML output holds no %q:\n%s", s, page)
		}
	}
}
