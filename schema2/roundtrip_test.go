package schema2_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/opencontainers/go-digest"

	"github.com/registrytest/registrytest/schema2"
)

var update = flag.Bool("update", false, "rewrite testdata/golden and testdata/fuzz from the current code")

const goldenDigests = "testdata/golden/digests.txt"

// parseBuilt parses built with the parser of its kind and returns the model.
func parseBuilt(t *testing.T, doc buildable, built *schema2.Built) any {
	t.Helper()
	switch doc.(type) {
	case configOf:
		c, err := schema2.ParseConfig(built.Bytes())
		if err != nil {
			t.Fatalf("ParseConfig(built) error: %v", err)
		}
		return *c
	default:
		d, err := schema2.Parse(built.MediaType(), built.Bytes())
		if err != nil {
			t.Fatalf("Parse(%q, built) error: %v", built.MediaType(), err)
		}
		switch d := d.(type) {
		case *schema2.Manifest:
			return *d
		case *schema2.Index:
			return *d
		}
		t.Fatalf("Parse returned %T, want *Manifest or *Index", d)
		return nil
	}
}

func model(doc buildable) any {
	if c, ok := doc.(configOf); ok {
		return c.c
	}
	return doc
}

// TestRoundTrip builds every case, parses the bytes back and compares the
// models; then it rebuilds the parsed model and wants the same bytes.
func TestRoundTrip(t *testing.T) {
	for _, tc := range buildCases() {
		t.Run(tc.name, func(t *testing.T) {
			built, err := tc.doc.Build(tc.o)
			if err != nil {
				t.Fatalf("Build error: %v", err)
			}
			alg := tc.o.Algorithm
			if alg == "" {
				alg = digest.SHA256
			}
			if got, want := built.Digest(), alg.FromBytes(built.Bytes()); got != want {
				t.Errorf("Digest() = %s, want %s", got, want)
			}
			if got, want := built.Size(), int64(len(built.Bytes())); got != want {
				t.Errorf("Size() = %d, want %d", got, want)
			}
			if d := built.Descriptor(); d.MediaType != built.MediaType() || d.Digest != built.Digest() || d.Size != built.Size() {
				t.Errorf("Descriptor() = %+v, want the media type, digest and size of the document", d)
			}
			if tc.o.EnsureASCII {
				for i, c := range built.Bytes() {
					if c >= 0x80 {
						t.Fatalf("Bytes()[%d] = %#x with EnsureASCII, want ASCII only", i, c)
					}
				}
			}
			got := parseBuilt(t, tc.doc, built)
			if diff := cmp.Diff(model(tc.doc), got, cmpOpts); diff != "" {
				t.Errorf("parse(Build()) mismatch (-want +got):\n%s", diff)
			}
			var again buildable
			switch g := got.(type) {
			case schema2.Config:
				again = configOf{g, tc.doc.(configOf).f}
			case schema2.Manifest:
				again = g
			case schema2.Index:
				again = g
			}
			rebuilt, err := again.Build(tc.o)
			if err != nil {
				t.Fatalf("Build(parse(Build())) error: %v", err)
			}
			if !bytes.Equal(rebuilt.Bytes(), built.Bytes()) {
				t.Errorf("Build(parse(Build())) =\n%s\nwant\n%s", clipped(rebuilt.Bytes()), clipped(built.Bytes()))
			}
		})
	}
}

func clipped(b []byte) string {
	if len(b) > 2000 {
		return string(b[:2000]) + "…"
	}
	return string(b)
}

// TestGolden checks that every case builds to the digest recorded in
// testdata/golden/digests.txt, and the cases marked golden to the recorded
// bytes: the builders are deterministic across runs and versions. Run with
// -update to record new ones after an intended change.
func TestGolden(t *testing.T) {
	var lines []string
	for _, tc := range buildCases() {
		built, err := tc.doc.Build(tc.o)
		if err != nil {
			t.Fatalf("%s: Build error: %v", tc.name, err)
		}
		lines = append(lines, fmt.Sprintf("%s %s %d %s", tc.name, built.Digest(), built.Size(), built.MediaType()))
		file := filepath.Join("testdata/golden", tc.name+".json")
		if !tc.golden {
			continue
		}
		if *update {
			if err := os.WriteFile(file, built.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("%s: %v (run go test -update to create it)", tc.name, err)
		}
		if !bytes.Equal(built.Bytes(), want) {
			t.Errorf("%s: Build() =\n%s\nwant (%s)\n%s", tc.name, built.Bytes(), file, want)
		}
	}
	sort.Strings(lines)
	got := strings.Join(lines, "\n") + "\n"
	if *update {
		if err := os.WriteFile(goldenDigests, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(goldenDigests)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(strings.Split(string(want), "\n"), strings.Split(got, "\n")); diff != "" {
		t.Errorf("digests differ from %s (-want +got):\n%s", goldenDigests, diff)
	}
}

// TestGoldenFilesParse parses every golden file with Parse/ParseConfig:
// the recorded bytes stay valid whatever the builders become.
func TestGoldenFilesParse(t *testing.T) {
	files, err := filepath.Glob("testdata/golden/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("Glob(testdata/golden/*.json) = %d files, %v, want some", len(files), err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(filepath.Base(f), "config-") {
			if _, err := schema2.ParseConfig(b); err != nil {
				t.Errorf("ParseConfig(%s) error: %v", f, err)
			}
			continue
		}
		if _, err := schema2.Parse("", b); err != nil {
			t.Errorf("Parse(%s) error: %v", f, err)
		}
	}
}
