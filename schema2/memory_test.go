package schema2_test

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/registrytest/registrytest/schema2"
)

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestParseMemory bounds what ParseManifest allocates in all (garbage
// included), measured with runtime.ReadMemStats: a multiple of the input,
// for the 3.9 MB manifest and for hostile documents of about 1 MB. The
// worst is a document of tiny unknown members: each 10-byte member costs a
// Field (40 bytes), its name, a slot in the repeated-member check and the
// growth of the Extra slice, about 29 times its size (32 under -race).
// The limits leave room for the race detector and runtime changes.
func TestParseMemory(t *testing.T) {
	large := mustBuild(largeManifest(), schema2.Options{}).Bytes()
	var manyMembers bytes.Buffer
	manyMembers.WriteString(`{"schemaVersion":2,"config":{"mediaType":"a/b","size":1,"digest":"sha256:` + strings.Repeat("0", 64) + `"},"layers":[]`)
	for i := 0; manyMembers.Len() < 1<<20; i++ {
		fmt.Fprintf(&manyMembers, `,"m%d":0`, i)
	}
	manyMembers.WriteString("}")
	deep := []byte(`{"schemaVersion":2,"x":` + strings.Repeat("[", 9000) + strings.Repeat("]", 9000) + `,"config":{},"layers":[]}`)
	var manyLayers bytes.Buffer
	manyLayers.WriteString(`{"schemaVersion":2,"config":{"mediaType":"a/b","size":1,"digest":"sha256:` + strings.Repeat("0", 64) + `"},"layers":[`)
	for i := 0; manyLayers.Len() < 1<<20; i++ {
		if i > 0 {
			manyLayers.WriteString(",")
		}
		manyLayers.WriteString(`{"mediaType":"a/b","size":1,"digest":"sha256:` + strings.Repeat("0", 64) + `"}`)
	}
	manyLayers.WriteString("]}")
	tests := []struct {
		name   string
		b      []byte
		factor uint64
	}{
		{"3.9 MB manifest", large, 3},
		{"1 MB of members", manyMembers.Bytes(), 48},
		{"1 MB of layers", manyLayers.Bytes(), 16},
		{"deep nesting", deep, 24},
	}
	for _, tt := range tests {
		n := allocated(func() { schema2.ParseManifest(tt.b) })
		if limit := tt.factor*uint64(len(tt.b)) + 1<<16; n > limit {
			t.Errorf("ParseManifest(%s, %d bytes) allocated %d bytes, want at most %d", tt.name, len(tt.b), n, limit)
		}
		t.Logf("ParseManifest(%s, %d bytes) allocated %d bytes (%.1fx)", tt.name, len(tt.b), n, float64(n)/float64(len(tt.b)))
	}
}
