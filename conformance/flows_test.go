package conformance

import (
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/registrytest/registrytest/schema2"
	"github.com/registrytest/registrytest/v2proto"
)

// TestCheckPulledConversion checks that a schema1 client's pull of a
// schema2 manifest accepts a signed down-conversion always, an unsigned one
// unless the target says its conversions are signed, and never a manifest
// that is not schema1.
func TestCheckPulledConversion(t *testing.T) {
	pushed := &v2proto.PushResult{Manifests: []*v2proto.PushedManifest{{
		BuiltManifest: v2proto.BuiltManifest{Tag: "latest", MediaType: schema2.MediaTypeManifest, Digest: digest.Digest("sha256:" + strings.Repeat("a", 64))},
	}}}
	pulled := func(ct string, k schema2.Kind) *v2proto.PullResult {
		return &v2proto.PullResult{Manifests: []*v2proto.PulledManifest{{
			RawManifest: v2proto.RawManifest{Ref: "latest", ContentType: ct, Digest: digest.Digest("sha256:" + strings.Repeat("b", 64))},
			Kind:        k,
		}}}
	}
	for _, tt := range []struct {
		name    string
		ct      string
		kind    schema2.Kind
		signed  bool
		wantErr string
	}{
		{"signed", schema2.MediaTypeSchema1Signed, schema2.KindSchema1Signed, false, ""},
		{"signed, signed-conversion", schema2.MediaTypeSchema1Signed, schema2.KindSchema1Signed, true, ""},
		{"unsigned", schema2.MediaTypeSchema1, schema2.KindSchema1, false, ""},
		{"unsigned, signed-conversion", schema2.MediaTypeSchema1, schema2.KindSchema1, true, "want a signed schema1 down-conversion"},
		{"schema2", schema2.MediaTypeManifest, schema2.KindDockerManifest, false, "want a schema1 down-conversion, signed or unsigned"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := checkPulled(pushed, pulled(tt.ct, tt.kind), "latest", fmtS2, fmtS1, tt.signed)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("checkPulled(%s as s1, signed=%v) = %v, want nil", tt.ct, tt.signed, err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("checkPulled(%s as s1, signed=%v) = %v, want an error with %q", tt.ct, tt.signed, err, tt.wantErr)
			}
		})
	}
}
