package conformance

import (
	"bytes"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite SCENARIOS.md at the repository root from Scenarios()")

// scenariosMD is where the catalogue lives, from this package's directory.
const scenariosMD = "../SCENARIOS.md"

// TestScenariosMD checks that SCENARIOS.md at the repository root is what
// Scenarios() and the documentation of the capabilities and states say;
// with -update it writes the file:
//
//	go test ./conformance -run TestScenariosMD -update
func TestScenariosMD(t *testing.T) {
	docs, err := parseDocs(".")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	for _, msg := range writeScenariosMD(&b, Scenarios(), docs) {
		t.Error(msg)
	}
	if *update {
		if err := os.WriteFile(scenariosMD, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(scenariosMD)
	if err != nil {
		t.Fatalf("%v (write it with: go test ./conformance -run TestScenariosMD -update)", err)
	}
	if diff := cmp.Diff(b.String(), string(got)); diff != "" {
		t.Errorf("SCENARIOS.md is out of date; rewrite it with: go test ./conformance -run TestScenariosMD -update\n(-want +got):\n%s", diff)
	}
}

// TestAllCapabilities checks that AllCapabilities lists every capability
// this package declares (except the deprecated Untagged), once, and that
// each has a doc comment for SCENARIOS.md.
func TestAllCapabilities(t *testing.T) {
	docs, err := parseDocs(".")
	if err != nil {
		t.Fatal(err)
	}
	var declared []string
	for c := range docs.caps {
		if c != string(Untagged) {
			declared = append(declared, c)
		}
	}
	var listed []string
	for _, c := range AllCapabilities() {
		listed = append(listed, string(c))
		if docs.caps[string(c)] == "" {
			t.Errorf("capability %s has no doc comment", c)
		}
	}
	slices.Sort(declared)
	sorted := slices.Sorted(slices.Values(listed))
	if diff := cmp.Diff(declared, sorted); diff != "" {
		t.Errorf("AllCapabilities() mismatch with the declared Capability constants (-declared +listed):\n%s", diff)
	}
}

// docs are the doc comments of the package's capabilities (by value) and
// types (by name), read from its source.
type docs struct {
	caps  map[string]string
	types map[string]string
}

// parseDocs reads the doc comments of the non-test Go files in dir.
func parseDocs(dir string) (*docs, error) {
	d := &docs{caps: map[string]string{}, types: map[string]string{}}
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok {
				continue
			}
			for _, spec := range gd.Specs {
				doc := firstDoc(spec, gd)
				if vs, ok := spec.(*ast.ValueSpec); ok && len(vs.Names) == 1 {
					// "Docker is a switch: ..." reads "a switch: ..." in a
					// table row named docker.
					doc = strings.TrimPrefix(doc, vs.Names[0].Name+" is ")
				}
				switch spec := spec.(type) {
				case *ast.TypeSpec:
					d.types[spec.Name.Name] = doc
				case *ast.ValueSpec:
					if id, ok := spec.Type.(*ast.Ident); !ok || id.Name != "Capability" || len(spec.Values) != 1 {
						continue
					}
					lit, ok := spec.Values[0].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						continue
					}
					v, err := strconv.Unquote(lit.Value)
					if err != nil {
						return nil, err
					}
					d.caps[v] = doc
				}
			}
		}
	}
	return d, nil
}

// firstDoc is a spec's doc comment, else its line comment, else (for a
// declaration of one spec) the declaration's doc comment, on one line.
func firstDoc(spec ast.Spec, gd *ast.GenDecl) string {
	var groups []*ast.CommentGroup
	switch spec := spec.(type) {
	case *ast.TypeSpec:
		groups = []*ast.CommentGroup{spec.Doc, spec.Comment}
	case *ast.ValueSpec:
		groups = []*ast.CommentGroup{spec.Doc, spec.Comment}
	}
	if len(gd.Specs) == 1 {
		groups = append(groups, gd.Doc)
	}
	for _, g := range groups {
		if g != nil {
			if s := strings.Join(strings.Fields(g.Text()), " "); s != "" {
				return s
			}
		}
	}
	return ""
}

// writeScenariosMD writes the catalogue of list to w and returns what is
// missing from the documentation it is made of.
func writeScenariosMD(w io.Writer, list []Scenario, d *docs) (problems []string) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("# Conformance scenarios\n\n")
	p("<!-- Generated from conformance.Scenarios() by `go test ./conformance -run TestScenariosMD -update`. Do not edit. -->\n\n")
	p("The %d scenarios of package `conformance`, by area: what each checks, the requirements it enforces (quoted, with\n", len(list))
	p("their level and source), the capabilities and states it needs, and the original tests it comes from (`Q:` Quay's\n")
	p("`test/registry/registry_tests.py`, `O:` the OCI distribution-spec conformance program). Run one with\n")
	p("`go test -run 'TestYourSuite/<ID>'` under `conformance.Run`, or `conformance.Match` under `conformance.Check`.\n\n")

	p("## How a scenario is judged\n\n")
	p("A scenario that returns an error is judged by the requirement the error names (a `*conformance.Violation`), else by\n")
	p("the scenario's first requirement:\n\n")
	p("| level | outcome |\n|---|---|\n")
	p("| MUST, MUST NOT | failed |\n")
	p("| SHOULD, SHOULD NOT | passed with a warning (`WARN`), reported with the sentence; failed under `conformance.Strict()` |\n")
	p("| MAY | skipped: what the spec leaves to the registry is a capability the target declares |\n\n")
	p("A requirement's source decides whom it binds. The OCI specifications and RFCs bind every registry. %s binds a\n", DockerAPI)
	p("target that lists capability `docker` or is judged by `failures.Distribution`; %s's behaviour, a target judged by\n", QuayBehaviour)
	p("`failures.Quay`; %s's behaviour, a target judged by `failures.Distribution`. Elsewhere a violation of those is a\n", DistributionBehaviour)
	p("warning, strict mode or not. A scenario listed in `Target.Known` that fails is skipped with the deviation; one that\n")
	p("passes fails (the list is out of date).\n\n")
	var counts []string
	byLevel := map[Level]int{}
	none := 0
	for _, s := range list {
		if len(s.Requires) == 0 {
			none++
			continue
		}
		byLevel[s.Requires[0].Level]++
	}
	for _, l := range []Level{Must, MustNot, Should, ShouldNot, May} {
		if byLevel[l] > 0 {
			counts = append(counts, fmt.Sprintf("%s %d", l, byLevel[l]))
		}
	}
	if none > 0 {
		counts = append(counts, fmt.Sprintf("no requirement yet (judged as MUST) %d", none))
	}
	p("Scenarios by their first requirement's level: %s.\n\n", strings.Join(counts, ", "))

	p("## Flows\n\n")
	p("The explanations below name three flows of package `v2proto`:\n\n")
	p("- **P** (push): ping, authenticate with the repository's push and pull scope, upload each blob, then PUT the\n")
	p("  manifest (by tag, or by digest).\n")
	p("- **R** (pull): GET the manifest by tag or digest with the Accept of the scenario's format, check its type and\n")
	p("  digest, then GET each blob it references and check its bytes.\n")
	p("- **W** (the OCI workflow): over a set of manifests that refer to each other, one push (`PushContent`): upload\n")
	p("  the blobs (each HEADed first, skipped when present), PUT each manifest after those it references, by digest\n")
	p("  and then at its tag; read each back from the Location of its PUT by digest, list the tags, HEAD and GET every\n")
	p("  manifest and blob, check the referrers, then delete the tags, the manifests and the blobs.\n\n")
	p("Parameters: `s1`, `s2`, `oci` are the manifest formats (Docker schema1 signed, Docker schema2, OCI image); a\n")
	p("scenario with parameters runs once per parameter, as the subtest `ID/param`.\n\n")

	p("## Capabilities\n\n")
	p("A target lists the capabilities its registry has. A scenario that needs one the target lacks is skipped, with\n")
	p("the reason; a switch never skips: it changes the outcome a scenario expects.\n\n")
	p("| capability | what it means |\n|---|---|\n")
	for _, c := range AllCapabilities() {
		doc := d.caps[string(c)]
		if doc == "" {
			problems = append(problems, fmt.Sprintf("capability %s has no doc comment", c))
		}
		p("| `%s` | %s |\n", c, cell(doc))
	}
	p("\n## States\n\n")
	p("A scenario that needs a state asks the target's Control, which implements the state's interface; it is skipped,\n")
	p("with the reason, when the Control does not.\n\n")
	p("| state | interface | what it means |\n|---|---|---|\n")
	for _, s := range AllStates() {
		name := s.iface().Name()
		doc := d.types[name]
		if doc == "" {
			problems = append(problems, fmt.Sprintf("interface %s of state %s has no doc comment", name, s))
		}
		p("| `%s` | `%s` | %s |\n", s, name, cell(doc))
	}

	p("\n## Areas\n\n")
	// The areas of the catalogue that have scenarios in list, in order.
	areas := slices.DeleteFunc(Areas(), func(a string) bool {
		return !slices.ContainsFunc(list, func(s Scenario) bool { return s.Area == a })
	})
	for _, a := range areas {
		n := 0
		for _, s := range list {
			if s.Area == a {
				n++
			}
		}
		title := fmt.Sprintf("%s (%d)", a, n)
		p("- [%s](#%s)\n", md(title), anchor(title))
	}
	for _, a := range areas {
		var in []Scenario
		for _, s := range list {
			if s.Area == a {
				in = append(in, s)
			}
		}
		p("\n## %s (%d)\n", md(a), len(in))
		for _, s := range in {
			p("\n### `%s`\n\n", s.ID)
			p("%s.\n\n", md(capitalize(strings.TrimSuffix(s.Explain, "."))))
			if len(s.Requires) == 0 {
				p("- Requires: no requirement named yet (an error is judged as a MUST).\n")
			} else {
				p("- Requires:\n")
				for _, r := range s.Requires {
					p("  - %s\n", requirementMD(r))
				}
			}
			if len(s.Needs) > 0 {
				p("- Needs: %s\n", codeList(s.Needs))
			}
			if len(s.States) > 0 {
				p("- States: %s\n", codeList(s.States))
			}
			if len(s.Params) > 0 {
				p("- Parameters: %s\n", codeList(s.Params))
			}
			if s.Alone {
				p("- Runs alone: it changes the registry for every other scenario.\n")
			}
			p("- Origin: %s\n", md(s.Origin))
		}
	}
	return problems
}

// requirementMD formats r as "**MUST** ([source, section](url)): sentence".
func requirementMD(r Requirement) string {
	where := string(r.Source)
	if r.Section != "" {
		where += ", " + r.Section
	}
	where = md(where)
	if r.URL != "" {
		where = "[" + where + "](" + r.URL + ")"
	}
	s := fmt.Sprintf("**%s** (%s)", r.Level, where)
	if r.Text != "" {
		s += ": " + md(strings.Join(strings.Fields(r.Text), " "))
	}
	return s
}

// capitalize upper-cases the first letter of s.
func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func codeList[T ~string](xs []T) string {
	var parts []string
	for _, x := range xs {
		parts = append(parts, "`"+string(x)+"`")
	}
	return strings.Join(parts, ", ")
}

// md escapes s for Markdown text outside its code spans (between
// backquotes), which it leaves as they are.
func md(s string) string {
	parts := strings.Split(s, "`")
	if len(parts)%2 == 0 {
		// An unmatched backquote: no code spans.
		return strings.ReplaceAll(escapeMD(s), "`", "\\`")
	}
	for i := 0; i < len(parts); i += 2 {
		parts[i] = escapeMD(parts[i])
	}
	return strings.Join(parts, "`")
}

var mdEscaper = strings.NewReplacer(`\`, `\\`, "<", "&lt;", ">", "&gt;", "*", `\*`, "|", `\|`)

// escapeMD escapes what Markdown would read as markup: backslashes, angle
// brackets (HTML), stars, table bars, and underscores that do not stand
// between two letters or digits (GitHub reads those as text).
func escapeMD(s string) string {
	s = mdEscaper.Replace(s)
	var b strings.Builder
	for i, r := range s {
		if r == '_' && !(i > 0 && isAlnum(s[i-1]) && i+1 < len(s) && isAlnum(s[i+1])) {
			b.WriteString(`\_`)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// cell is md(s) for a table cell.
func cell(s string) string { return md(s) }

// anchor is GitHub's anchor of a heading: lower case, spaces become
// hyphens, and punctuation other than hyphens and underscores goes.
func anchor(title string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(title) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TestScenariosMDEntry checks how one scenario is written.
func TestScenariosMDEntry(t *testing.T) {
	list := []Scenario{{
		ID: "blob-x", Area: areaBlobs, Explain: "POST `/v2/<name>/blobs/uploads/`, then PUT <location>: 201 for push,pull,*",
		Origin:   "Q: test_push_reponame[x_]; O: blobs/post",
		Requires: []Requirement{reqMust, {Level: Must, Source: QuayBehaviour, Section: "test_push"}},
		Needs:    []Capability{PostDigest}, States: []State{StateRegistryReadOnly}, Params: []string{"s2", "oci"}, Alone: true,
	}}
	var b bytes.Buffer
	writeScenariosMD(&b, list, &docs{caps: map[string]string{}, types: map[string]string{}})
	want := "### `blob-x`\n\n" +
		"POST `/v2/<name>/blobs/uploads/`, then PUT &lt;location&gt;: 201 for push,pull,\\*.\n\n" +
		"- Requires:\n" +
		"  - **MUST** ([OCI distribution-spec v1.1, Pushing blobs](https://example.com/spec#pushing-blobs)): The registry MUST answer 201.\n" +
		"  - **MUST** (Quay, test_push)\n" +
		"- Needs: `post-digest`\n" +
		"- States: `registry-readonly`\n" +
		"- Parameters: `s2`, `oci`\n" +
		"- Runs alone: it changes the registry for every other scenario.\n" +
		"- Origin: Q: test_push_reponame[x\\_]; O: blobs/post\n"
	got := b.String()
	if i := strings.Index(got, "### `blob-x`"); i >= 0 {
		got = got[i:]
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("writeScenariosMD entry mismatch (-want +got):\n%s", diff)
	}
	if !strings.Contains(b.String(), "Scenarios by their first requirement's level: MUST 1.") {
		t.Errorf("writeScenariosMD does not count the scenario's level:\n%s", b.String())
	}
}
