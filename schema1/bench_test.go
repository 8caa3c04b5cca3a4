package schema1_test

import (
	"testing"

	"github.com/registrytest/registrytest/schema1"
)

// BenchmarkBuild measures building and signing the three-layer sample
// manifest.
func BenchmarkBuild(b *testing.B) {
	for _, bc := range []struct {
		name string
		key  *schema1.Key
	}{{"unsigned", nil}, {"ES256", es256Key()}, {"ES512", es512Key()}, {"RS256", rs256Key()}} {
		b.Run(bc.name, func(b *testing.B) {
			sb := sampleBuilder(bc.key)
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
	}{{"unsigned", nil}, {"ES256", es256Key()}, {"ES512", es512Key()}, {"RS256", rs256Key()}} {
		b.Run(bc.name, func(b *testing.B) {
			raw := mustBuild(b, sampleBuilder(bc.key)).Raw
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
