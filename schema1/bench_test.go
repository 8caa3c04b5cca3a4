package schema1_test

import (
	"testing"

	"github.com/registrytest/registrytest/internal/schema1test"
	"github.com/registrytest/registrytest/schema1"
)

// BenchmarkBuild measures building and signing the three-layer sample
// manifest.
func BenchmarkBuild(b *testing.B) {
	for _, bc := range []struct {
		name string
		key  *schema1.Key
	}{{"unsigned", nil}, {"ES256", schema1test.ES256Key()}, {"ES512", schema1test.ES512Key()}, {"RS256", schema1test.RS256Key()}} {
		b.Run(bc.name, func(b *testing.B) {
			sb := schema1test.SampleBuilder(bc.key)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := sb.Build(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkParse measures parsing and verifying the three-layer sample
// manifest.
func BenchmarkParse(b *testing.B) {
	for _, bc := range []struct {
		name string
		key  *schema1.Key
	}{{"unsigned", nil}, {"ES256", schema1test.ES256Key()}, {"ES512", schema1test.ES512Key()}, {"RS256", schema1test.RS256Key()}} {
		b.Run(bc.name, func(b *testing.B) {
			raw := schema1test.MustBuild(b, schema1test.SampleBuilder(bc.key)).Raw
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := schema1.Parse(raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
