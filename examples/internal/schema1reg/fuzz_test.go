package schema1reg_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/registrytest/registrytest/internal/schema1test"
	"github.com/registrytest/registrytest/schema1"
)

var update = flag.Bool("update", false, "rewrite the fuzz seeds of schema1's FuzzParse that need docker/distribution or a registry")

// seedDir is the seed corpus of the library's schema1 FuzzParse.
var seedDir = filepath.Join("..", "..", "..", "schema1", "testdata", "fuzz", "FuzzParse")

// writeSeed writes b as a FuzzParse corpus entry named name in the
// library's schema1 package.
func writeSeed(t *testing.T, name string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(seedDir, 0o755); err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)
	if err := os.WriteFile(filepath.Join(seedDir, name), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestWriteFuzzSeeds writes a manifest signed by docker/distribution's
// schema1.Sign to schema1's FuzzParse corpus when run with -update. (The
// registries' re-signed answers are written by the registry tests.)
func TestWriteFuzzSeeds(t *testing.T) {
	if !*update {
		t.Skip("run with -update to rewrite the seed corpus")
	}
	sm, err := dschema1Sign(libtrustKeys(t)["seeded-ES256"])
	if err != nil {
		t.Fatal(err)
	}
	writeSeed(t, "distribution-signed", sm)
}

// FuzzParseDistribution checks that Parse is at least as strict as the
// registry: a signed manifest Parse accepts is accepted by
// docker/distribution's schema1.Verify, with the same canonical payload and
// as many signers. Its seeds are schema1's FuzzParse corpus and ours.
func FuzzParseDistribution(f *testing.F) {
	f.Add(schema1test.MustBuild(f, schema1test.SampleBuilder(schema1test.ES256Key())).Raw)
	f.Add(schema1test.MustBuild(f, schema1test.SampleBuilder(schema1test.RS256Key())).Raw)
	entries, _ := os.ReadDir(seedDir)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(seedDir, e.Name()))
		if err != nil {
			f.Fatal(err)
		}
		// go test fuzz v1 / []byte("...")
		_, lit, ok := strings.Cut(string(b), "[]byte(")
		if !ok {
			continue
		}
		var s string
		if _, err := fmt.Sscanf(strings.TrimSuffix(strings.TrimSpace(lit), ")"), "%q", &s); err == nil {
			f.Add([]byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := schema1.Parse(b)
		if err != nil || !m.Signed() {
			return
		}
		canonical, kids, err := distVerify(b)
		if err != nil {
			t.Fatalf("Parse accepts, distribution's schema1.Verify refuses: %v", err)
		}
		if !bytes.Equal(canonical, m.Payload) {
			t.Fatalf("distribution Canonical = %q, Payload = %q", canonical, m.Payload)
		}
		if len(kids) != len(m.Signatures) {
			t.Fatalf("distribution verified %d keys, we %d", len(kids), len(m.Signatures))
		}
	})
}
