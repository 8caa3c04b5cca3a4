package schema1_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/opencontainers/go-digest"

	"github.com/registrytest/registrytest/internal/schema1test"
	"github.com/registrytest/registrytest/schema1"
)

func TestBuildParseRoundTrip(t *testing.T) {
	cases := schema1test.BuilderCases()
	cases = append(cases, schema1test.BuilderCase{Name: "unsigned", B: schema1test.SampleBuilder(nil)})
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			m := schema1test.MustBuild(t, tc.B)
			got, err := schema1.Parse(m.Raw)
			if err != nil {
				t.Fatalf("Parse(Build().Raw) error: %v", err)
			}
			if diff := cmp.Diff(m, got); diff != "" {
				t.Errorf("Parse(Build().Raw) mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.B.Layers, got.Layers); diff != "" {
				t.Errorf("Layers mismatch with the builder's (-want +got):\n%s", diff)
			}
			if got, want := m.Digest(), digest.FromBytes(m.Payload); got != want {
				t.Errorf("Digest() = %s, want sha256(Payload) %s", got, want)
			}
			wantType := schema1.MediaTypeSignedManifest
			if tc.B.Key == nil {
				wantType = schema1.MediaTypeManifest
				if !bytes.Equal(m.Raw, m.Payload) {
					t.Errorf("unsigned: Raw != Payload")
				}
			}
			if m.MediaType() != wantType || m.Signed() != (tc.B.Key != nil) {
				t.Errorf("MediaType(), Signed() = %q, %v, want %q, %v", m.MediaType(), m.Signed(), wantType, tc.B.Key != nil)
			}
			// The wire order is leaf first.
			var wire struct {
				FSLayers []struct{ BlobSum string } `json:"fsLayers"`
				History  []struct{ V1Compatibility string }
			}
			if err := json.Unmarshal(m.Payload, &wire); err != nil {
				t.Fatal(err)
			}
			n := len(tc.B.Layers)
			if wire.FSLayers[0].BlobSum != string(tc.B.Layers[n-1].BlobSum) || wire.History[0].V1Compatibility != tc.B.Layers[n-1].V1Compatibility {
				t.Errorf("fsLayers[0]/history[0] = %s, want the leaf Layers[%d] %s", wire.FSLayers[0].BlobSum, n-1, tc.B.Layers[n-1].BlobSum)
			}
			if err := got.ValidateParentChain(); err != nil {
				t.Errorf("ValidateParentChain() = %v, want nil", err)
			}
		})
	}
}

func TestEnsureASCII(t *testing.T) {
	const comment = "Paweł 😱 <&>"
	b := schema1test.SampleBuilder(schema1test.ES256Key())
	b.Layers = schema1test.SampleLayers(2, comment)
	raw := schema1test.MustBuild(t, b)
	b.EnsureASCII = true
	ascii := schema1test.MustBuild(t, b)
	for i := range ascii.Raw {
		if ascii.Raw[i] >= utf8.RuneSelf {
			t.Fatalf("EnsureASCII: Raw has byte %#x at %d", ascii.Raw[i], i)
		}
	}
	for _, want := range []string{`Pawe\u0142 \ud83d\ude31`} {
		if !bytes.Contains(ascii.Payload, []byte(want)) {
			t.Errorf("EnsureASCII payload lacks %s:\n%s", want, ascii.Payload)
		}
	}
	if !bytes.Contains(raw.Payload, []byte(`Paweł 😱`)) {
		t.Errorf("raw payload lacks the raw text:\n%s", raw.Payload)
	}
	if raw.Digest() == ascii.Digest() {
		t.Errorf("digests equal (%s), want different bytes and digests", raw.Digest())
	}
	if diff := cmp.Diff(raw.Layers, ascii.Layers); diff != "" {
		t.Errorf("Layers differ between the encodings (-raw +ascii):\n%s", diff)
	}
}

// TestGolden pins the bytes and digests of manifests built from fixed keys
// and a fixed time; run with -update to rewrite them after a deliberate
// change.
func TestGolden(t *testing.T) {
	unicode := schema1test.SampleBuilder(nil)
	unicode.Layers = schema1test.SampleLayers(2, "Paweł 😱")
	unicodeASCII := unicode
	unicodeASCII.EnsureASCII = true
	cases := []struct {
		name string
		b    schema1.Builder
	}{
		{"es256", schema1test.SampleBuilder(schema1test.ES256Key())},
		{"es384", schema1test.SampleBuilder(schema1test.ES384Key())},
		{"es512", schema1test.SampleBuilder(schema1test.ES512Key())},
		{"rs256", schema1test.SampleBuilder(schema1test.RS256Key())},
		{"unsigned", schema1test.SampleBuilder(nil)},
		{"unicode-raw", unicode},
		{"unicode-ascii", unicodeASCII},
	}
	var digests strings.Builder
	for _, tc := range cases {
		m := schema1test.MustBuild(t, tc.b)
		fmt.Fprintf(&digests, "%s %s\n", tc.name, m.Digest())
		path := filepath.Join("testdata", "golden", tc.name+".json")
		if *update {
			if err := os.WriteFile(path, m.Raw, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -run TestGolden -update to create it)", err)
		}
		if !bytes.Equal(m.Raw, want) {
			t.Errorf("%s: Build().Raw differs from %s:\n got %s\nwant %s", tc.name, path, m.Raw, want)
		}
		// The golden file parses back to the same manifest.
		got, err := schema1.Parse(want)
		if err != nil {
			t.Errorf("Parse(%s) error: %v", path, err)
		} else if diff := cmp.Diff(m, got); diff != "" {
			t.Errorf("Parse(%s) mismatch (-want +got):\n%s", path, diff)
		}
	}
	path := filepath.Join("testdata", "golden", "digests.txt")
	if *update {
		if err := os.WriteFile(path, []byte(digests.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), digests.String()); diff != "" {
		t.Errorf("digests mismatch with %s (-want +got):\n%s", path, diff)
	}
}

func TestKeysFromSeed(t *testing.T) {
	for _, curve := range []elliptic.Curve{elliptic.P256(), elliptic.P384(), elliptic.P521()} {
		a := schema1test.MustKey(schema1.ECKeyFromSeed(curve, []byte("seed")))
		b := schema1test.MustKey(schema1.ECKeyFromSeed(curve, []byte("seed")))
		c := schema1test.MustKey(schema1.ECKeyFromSeed(curve, []byte("seed2")))
		if a.KeyID() != b.KeyID() || a.KeyID() == c.KeyID() {
			t.Errorf("%s: KeyIDs %s %s %s, want the first two equal and the third different", curve.Params().Name, a.KeyID(), b.KeyID(), c.KeyID())
		}
		if got, want := a.Algorithm(), map[string]string{"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}[curve.Params().Name]; got != want {
			t.Errorf("%s: Algorithm() = %s, want %s", curve.Params().Name, got, want)
		}
	}
	if _, err := schema1.ECKeyFromSeed(elliptic.P224(), nil); err == nil {
		t.Errorf("ECKeyFromSeed(P224) = nil error, want an error")
	}
	r := schema1test.MustKey(schema1.RSAKeyFromSeed(2048, []byte("rs256")))
	if r.KeyID() != schema1test.RS256Key().KeyID() || r.Algorithm() != "RS256" {
		t.Errorf("RSAKeyFromSeed(2048, rs256) = %s %s, want %s RS256", r.KeyID(), r.Algorithm(), schema1test.RS256Key().KeyID())
	}
	if n := r.CryptoSigner().Public().(*rsa.PublicKey).N.BitLen(); n != 2048 {
		t.Errorf("RSA modulus of %d bits, want 2048", n)
	}
	if err := r.CryptoSigner().(*rsa.PrivateKey).Validate(); err != nil {
		t.Errorf("rsa.PrivateKey.Validate() = %v", err)
	}
	for _, bits := range []int{512, 1023, 9000} {
		if _, err := schema1.RSAKeyFromSeed(bits, nil); err == nil {
			t.Errorf("RSAKeyFromSeed(%d) = nil error, want an error", bits)
		}
	}
	// Key IDs follow libtrust's recipe.
	der, err := x509.MarshalPKIXPublicKey(schema1test.ES256Key().CryptoSigner().Public())
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(der)
	enc := strings.TrimRight(base32.StdEncoding.EncodeToString(sum[:30]), "=")
	var groups []string
	for i := 0; i < len(enc); i += 4 {
		groups = append(groups, enc[i:i+4])
	}
	if got, want := schema1test.ES256Key().KeyID(), strings.Join(groups, ":"); got != want || len(groups) != 12 {
		t.Errorf("KeyID() = %s, want %s", got, want)
	}
	_, edKey, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := schema1.NewKey(edKey); err == nil {
		t.Errorf("NewKey(ed25519) = nil error, want an error")
	}
}

func TestDeterministicSigning(t *testing.T) {
	for _, k := range []*schema1.Key{schema1test.ES256Key(), schema1test.ES512Key(), schema1test.RS256Key()} {
		a := schema1test.MustBuild(t, schema1test.SampleBuilder(k))
		b := schema1test.MustBuild(t, schema1test.SampleBuilder(k))
		if !bytes.Equal(a.Raw, b.Raw) {
			t.Errorf("%s: two builds differ", k)
		}
	}
}

func TestBuildErrors(t *testing.T) {
	good := schema1test.SampleBuilder(nil)
	tests := []struct {
		name string
		mod  func(b *schema1.Builder)
		want string
	}{
		{"empty name", func(b *schema1.Builder) { b.Name = "" }, "schema1.Builder.Build: name is empty, want a non-empty string"},
		{"empty tag", func(b *schema1.Builder) { b.Tag = "" }, "schema1.Builder.Build: tag is empty, want a non-empty string"},
		{"invalid utf-8", func(b *schema1.Builder) { b.Architecture = "a\xffb" }, `schema1.Builder.Build: architecture = "a\xffb", want valid UTF-8`},
		{"bad digest", func(b *schema1.Builder) { b.Layers[1].BlobSum = "sha256:zz" },
			`schema1.Builder.Build: Layers[1].BlobSum = "sha256:zz", want a digest: invalid checksum digest length`},
		{"v1 not JSON", func(b *schema1.Builder) { b.Layers[0].V1Compatibility = "nope" },
			"schema1.Builder.Build: Layers[0].V1Compatibility = nope, want a JSON object"},
		{"v1 without id", func(b *schema1.Builder) { b.Layers[0].V1Compatibility = `{"parent":"x"}` },
			`schema1.Builder.Build: Layers[0].V1Compatibility has no "id", want a JSON object with an id`},
		{"chain without key", func(b *schema1.Builder) { b.Chain = []*x509.Certificate{schema1test.TestChain().Leaf} },
			"schema1.Builder.Build: Chain is set without a Key"},
		{"chain of another key", func(b *schema1.Builder) {
			b.Key = schema1test.OtherEC()
			b.Chain = []*x509.Certificate{schema1test.TestChain().Leaf}
		},
			"schema1.Builder.Build: signers[0].Chain[0] certifies another key than " + schema1test.OtherEC().String()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := good
			b.Layers = append([]schema1.Layer(nil), good.Layers...)
			tt.mod(&b)
			m, err := b.Build()
			if err == nil || err.Error() != tt.want {
				t.Errorf("Build() = %v, %v, want nil, %q", m != nil, err, tt.want)
			}
		})
	}
}

func TestSignErrors(t *testing.T) {
	for _, tt := range []struct {
		payload string
		signers []schema1.Signer
		want    string
	}{
		{`{}`, []schema1.Signer{{Key: schema1test.ES256Key()}}, "schema1.Sign: payload is an empty JSON object, want at least one member"},
		{`[1]`, []schema1.Signer{{Key: schema1test.ES256Key()}}, "schema1.Sign: payload is not a JSON object"},
		{`{"a":`, []schema1.Signer{{Key: schema1test.ES256Key()}}, "schema1.Sign: payload is not valid JSON"},
		{`{"a":1}`, nil, "schema1.Sign: no signers"},
		{`{"a":1}`, []schema1.Signer{{}}, "schema1.Sign: signers[0].Key is nil"},
	} {
		_, err := schema1.Sign([]byte(tt.payload), schema1test.SignTime, tt.signers...)
		if err == nil || err.Error() != tt.want {
			t.Errorf("Sign(%s, %d signers) = %v, want %q", tt.payload, len(tt.signers), err, tt.want)
		}
	}
}

// unsignedDoc returns a minimal valid unsigned manifest, changed by mod.
func unsignedDoc(mod func(m map[string]any)) []byte {
	m := map[string]any{
		"schemaVersion": 1,
		"name":          "a/b",
		"tag":           "t",
		"architecture":  "amd64",
		"fsLayers":      []any{map[string]any{"blobSum": string(digest.FromString("x"))}},
		"history":       []any{map[string]any{"v1Compatibility": `{"id":"x"}`}},
	}
	if mod != nil {
		mod(m)
	}
	b, err := json.MarshalIndent(m, "", "   ")
	if err != nil {
		panic(err)
	}
	return b
}

func setLayer(key, member string, v any) func(m map[string]any) {
	return func(m map[string]any) { m[key].([]any)[0].(map[string]any)[member] = v }
}

// handSigned writes a document whose first fl bytes are prefix's, with one
// ES256 signature whose protected header is protected (formatLength,
// formatTail as given) and which signs payload (which need not be
// prefix[:fl]+tail: the caller decides what to break).
func handSigned(t *testing.T, prefix []byte, fl int, protected map[string]any, payload []byte) []byte {
	t.Helper()
	pj, err := json.Marshal(protected)
	if err != nil {
		t.Fatal(err)
	}
	p := base64.RawURLEncoding.EncodeToString(pj)
	input := p + "." + base64.RawURLEncoding.EncodeToString(payload)
	sum := sha256.Sum256([]byte(input))
	priv := schema1test.ES256Key().CryptoSigner().(*ecdsa.PrivateKey)
	der, err := priv.Sign(nil, sum[:], crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	var rs struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(der, &rs); err != nil {
		t.Fatal(err)
	}
	r, s := rs.R, rs.S
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	doc := fmt.Sprintf(`,"signatures":[{"header":{"jwk":%s,"alg":"ES256"},"signature":%q,"protected":%q}]}`,
		schema1test.ES256Key().Public().JWK(), base64.RawURLEncoding.EncodeToString(sig), p)
	return append(append([]byte{}, prefix[:fl]...), doc...)
}

func TestParseRejects(t *testing.T) {
	signed := schema1test.MustBuild(t, schema1test.SampleBuilder(schema1test.ES256Key()))
	raw := string(signed.Raw)
	fl := bytes.LastIndex(signed.Payload, []byte("\n}"))
	payload := signed.Payload
	twoSigs, err := schema1.Sign(payload, schema1test.SignTime, schema1.Signer{Key: schema1test.ES256Key()}, schema1.Signer{Key: schema1test.OtherEC()})
	if err != nil {
		t.Fatal(err)
	}
	// replaceProtected swaps the protected header of the signature at
	// index i (in document order) of doc for one with the given members.
	replaceProtected := func(doc string, i int, members map[string]any) []byte {
		pj, _ := json.Marshal(members)
		parts := strings.Split(doc, `"protected": "`)
		end := strings.IndexByte(parts[i+1], '"')
		parts[i+1] = base64.RawURLEncoding.EncodeToString(pj) + parts[i+1][end:]
		return []byte(strings.Join(parts, `"protected": "`))
	}
	std := func(fl any, tail any) map[string]any {
		return map[string]any{"formatLength": fl, "formatTail": tail, "time": "2020-06-05T12:00:00Z"}
	}
	cn0 := base64.RawURLEncoding.EncodeToString([]byte("\n}"))
	// A JWK whose x coordinate is off the curve (same length, kid kept).
	offCurve := func() []byte {
		x := sigMember(raw, `"x": "`)
		xb, _ := base64.RawURLEncoding.DecodeString(x)
		xb[len(xb)-1] ^= 1
		return []byte(strings.Replace(raw, x, base64.RawURLEncoding.EncodeToString(xb), 1))
	}()

	tests := []struct {
		name string
		doc  []byte
		want string // ending in "…": a prefix of the error
	}{
		{"empty", nil, "schema1.Parse: invalid JSON: unexpected end of JSON input"},
		{"truncated", []byte(`{"name":`), "schema1.Parse: invalid JSON: unexpected end of JSON input"},
		{"array", []byte(`[]`), "schema1.Parse: document = [], want a JSON object"},
		{"no name", unsignedDoc(func(m map[string]any) { delete(m, "name") }), "schema1.Parse: name missing"},
		{"empty name", unsignedDoc(func(m map[string]any) { m["name"] = "" }), `schema1.Parse: name = "", want a non-empty string`},
		{"no tag", unsignedDoc(func(m map[string]any) { delete(m, "tag") }), "schema1.Parse: tag missing"},
		{"tag number", unsignedDoc(func(m map[string]any) { m["tag"] = 5 }), "schema1.Parse: tag = 5, want a string"},
		{"schemaVersion 2", unsignedDoc(func(m map[string]any) { m["schemaVersion"] = 2 }), "schema1.Parse: schemaVersion = 2, want 1"},
		{"architecture null", unsignedDoc(func(m map[string]any) { m["architecture"] = nil }), "schema1.Parse: architecture = null, want a string"},
		{"no fsLayers", unsignedDoc(func(m map[string]any) { delete(m, "fsLayers") }), "schema1.Parse: fsLayers missing"},
		{"no history", unsignedDoc(func(m map[string]any) { delete(m, "history") }), "schema1.Parse: history missing"},
		{"history object", unsignedDoc(func(m map[string]any) { m["history"] = map[string]any{} }), "schema1.Parse: history = {}, want an array"},
		{"fsLayers null", unsignedDoc(func(m map[string]any) { m["fsLayers"] = nil }), "schema1.Parse: fsLayers = null, want an array"},
		{"count mismatch", unsignedDoc(func(m map[string]any) {
			m["history"] = append(m["history"].([]any), map[string]any{"v1Compatibility": `{"id":"y"}`})
		}), "schema1.Parse: len(fsLayers) = 1, len(history) = 2, want equal"},
		{"fsLayer string", unsignedDoc(func(m map[string]any) { m["fsLayers"] = []any{"x"} }), `schema1.Parse: fsLayers[0] = "x", want a JSON object`},
		{"no blobSum", unsignedDoc(setLayer("fsLayers", "blobSum", nil)), "schema1.Parse: fsLayers[0].blobSum = null, want a string"},
		{"bad blobSum", unsignedDoc(setLayer("fsLayers", "blobSum", "sha256:zz")),
			`schema1.Parse: fsLayers[0].blobSum = "sha256:zz", want a digest: invalid checksum digest length`},
		{"short blobSum", unsignedDoc(setLayer("fsLayers", "blobSum", "sha256:abcde")),
			`schema1.Parse: fsLayers[0].blobSum = "sha256:abcde", want a digest: invalid checksum digest length`},
		{"unknown algorithm", unsignedDoc(setLayer("fsLayers", "blobSum", "md5:d41d8cd98f00b204e9800998ecf8427e")),
			`schema1.Parse: fsLayers[0].blobSum = "md5:d41d8cd98f00b204e9800998ecf8427e", want a digest: unsupported digest algorithm`},
		{"v1 not JSON", unsignedDoc(setLayer("history", "v1Compatibility", "not json")),
			"schema1.Parse: history[0].v1Compatibility = not json, want a JSON object"},
		{"v1 without id", unsignedDoc(setLayer("history", "v1Compatibility", `{"parent":"x"}`)),
			`schema1.Parse: history[0].v1Compatibility has no "id", want a JSON object with an id`},
		{"v1 id number", unsignedDoc(setLayer("history", "v1Compatibility", `{"id":5}`)),
			"schema1.Parse: history[0].v1Compatibility.id = 5, want a string"},
		{"no v1Compatibility", unsignedDoc(func(m map[string]any) { m["history"] = []any{map[string]any{}} }),
			"schema1.Parse: history[0].v1Compatibility missing"},

		{"mediaType number", unsignedDoc(func(m map[string]any) { m["mediaType"] = 5 }), "schema1.Parse: mediaType = 5, want a string"},
		{"name in another case", unsignedDoc(func(m map[string]any) { m["NAME"] = "other" }),
			`schema1.Parse: manifest member "NAME", want "name": names that differ only in case are read differently by different registries`},
		{"schemaVersion with a long s", unsignedDoc(func(m map[string]any) { m["\u017fchemaVersion"] = 2 }),
			`schema1.Parse: manifest member "ſchemaVersion", want "schemaVersion": names that differ only in case are read differently by different registries`},
		{"blobSum in another case", unsignedDoc(setLayer("fsLayers", "BlobSum", "x")),
			`schema1.Parse: fsLayers[0] member "BlobSum", want "blobSum": names that differ only in case are read differently by different registries`},
		{"signature member in another case", []byte(strings.Replace(raw, `"protected"`, `"Protected": "x", "protected"`, 1)),
			`schema1.Parse: signatures[0] member "Protected", want "protected": names that differ only in case are read differently by different registries`},
		{"header member in another case", []byte(strings.Replace(raw, `"alg"`, `"Alg": "ES384", "alg"`, 1)),
			`schema1.Parse: signatures[0].header member "Alg", want "alg": names that differ only in case are read differently by different registries`},
		{"signatures empty", unsignedDoc(func(m map[string]any) { m["signatures"] = []any{} }),
			`schema1.Parse: signatures = [], want at least one signature (or no "signatures" member for an unsigned manifest)`},
		{"signatures null", unsignedDoc(func(m map[string]any) { m["signatures"] = nil }), "schema1.Parse: signatures = null, want an array"},
		{"signature string", unsignedDoc(func(m map[string]any) { m["signatures"] = []any{"x"} }), `schema1.Parse: signatures[0] = "x", want a JSON object`},
		{"too many signatures", unsignedDoc(func(m map[string]any) { m["signatures"] = make([]any, schema1.MaxSignatures+1) }),
			fmt.Sprintf("schema1.Parse: len(signatures) = %d, want at most %d", schema1.MaxSignatures+1, schema1.MaxSignatures)},
		{"no header", []byte(strings.Replace(raw, `"header"`, `"hdr"`, 1)), "schema1.Parse: signatures[0].header missing"},
		{"no key", []byte(strings.Replace(raw, `"jwk"`, `"key"`, 1)), `schema1.Parse: signatures[0].header has neither "jwk" nor "x5c", want a key`},
		{"no alg", []byte(strings.Replace(raw, `"alg"`, `"algo"`, 1)), "schema1.Parse: signatures[0].header.alg missing"},
		{"alg mismatch", []byte(strings.Replace(raw, `"alg": "ES256"`, `"alg": "ES384"`, 1)),
			`schema1.Parse: signatures[0].header: alg = "ES384", want "ES256" for an EC P-256 key`},
		{"wrong kid", []byte(strings.Replace(raw, `"kid": "`+schema1test.ES256Key().KeyID(), `"kid": "`+schema1test.OtherEC().KeyID(), 1)),
			fmt.Sprintf("schema1.Parse: signatures[0].header.jwk.kid = %q, want %q (the key's libtrust ID)", schema1test.OtherEC().KeyID(), schema1test.ES256Key().KeyID())},
		{"private jwk", []byte(strings.Replace(raw, `"crv": "P-256",`, `"crv": "P-256", "d": "AAAA",`, 1)),
			"schema1.Parse: signatures[0].header.jwk.d present, want a public key (no private members)"},
		{"bad crv", []byte(strings.Replace(raw, `"crv": "P-256"`, `"crv": "P-224"`, 1)),
			`schema1.Parse: signatures[0].header.jwk.crv = "P-224", want P-256, P-384 or P-521`},
		{"point off curve", offCurve, "schema1.Parse: signatures[0].header.jwk: the point (x, y) is not on P-256"},
		{"small RSA key", unsignedDoc(func(m map[string]any) {
			m["signatures"] = []any{map[string]any{
				"header":    map[string]any{"alg": "RS256", "jwk": map[string]any{"kty": "RSA", "e": "AQAB", "n": base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{0xff}, 64))}},
				"signature": "AAAA", "protected": "e30",
			}}
		}), "schema1.Parse: signatures[0].header.jwk: RSA modulus of 512 bits, want 1024 to 8192"},
		{"RSA key too large", unsignedDoc(func(m map[string]any) {
			// Found by FuzzParse: 16 signatures by 16384-bit keys with
			// 31-bit exponents took seconds to verify.
			m["signatures"] = []any{map[string]any{
				"header":    map[string]any{"alg": "RS256", "jwk": map[string]any{"kty": "RSA", "e": "f____w", "n": base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{0xff}, 2048))}},
				"signature": "AAAA", "protected": "e30",
			}}
		}), "schema1.Parse: signatures[0].header.jwk: RSA modulus of 16384 bits, want 1024 to 8192"},
		{"RSA exponent too large", unsignedDoc(func(m map[string]any) {
			m["signatures"] = []any{map[string]any{
				"header":    map[string]any{"alg": "RS256", "jwk": map[string]any{"kty": "RSA", "e": "AQAD", "n": base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{0xff}, 256))}},
				"signature": "AAAA", "protected": "e30",
			}}
		}), "schema1.Parse: signatures[0].header.jwk: RSA exponent 65539, want an odd number from 3 to 65537"},
		{"x5c garbage", unsignedDoc(func(m map[string]any) {
			m["signatures"] = []any{map[string]any{"header": map[string]any{"alg": "ES256", "x5c": []any{"!!"}}, "signature": "AAAA", "protected": "e30"}}
		}), `schema1.Parse: signatures[0].header.x5c[0] = "!!", want standard base64`},
		{"x5c not a certificate", unsignedDoc(func(m map[string]any) {
			m["signatures"] = []any{map[string]any{"header": map[string]any{"alg": "ES256", "x5c": []any{"AAAA"}}, "signature": "AAAA", "protected": "e30"}}
		}), "schema1.Parse: signatures[0].header.x5c[0]: x509: malformed certificate"},
		{"x5c of another key than jwk", []byte(strings.Replace(string(schema1test.MustBuild(t, withChain(schema1test.SampleBuilder(schema1test.ES256Key()))).Raw),
			`"alg": "ES256"`, `"jwk": `+string(schema1test.OtherEC().Public().JWK())+`, "alg": "ES256"`, 1)),
			fmt.Sprintf("schema1.Parse: signatures[0].header.jwk is %s, want the key of x5c[0], %s", schema1test.OtherEC().Public(), schema1test.ES256Key().Public())},
		{"no protected", []byte(strings.Replace(raw, `"protected"`, `"prot"`, 1)), "schema1.Parse: signatures[0].protected missing"},
		{"protected not base64", []byte(strings.Replace(raw, `"protected": "`, `"protected": "*`, 1)), `schema1.Parse: signatures[0].protected = "*…`},
		{"formatLength beyond", replaceProtected(raw, 0, std(len(raw)+1, cn0)),
			fmt.Sprintf("schema1.Parse: signatures[0].protected.formatLength = %d, want an integer from 0 to %d (the document's length)", len(raw)+1, len(raw))},
		{"formatLength negative", replaceProtected(raw, 0, std(-1, cn0)),
			"schema1.Parse: signatures[0].protected.formatLength = -1, want an integer from 0 to …"},
		{"formatLength fraction", replaceProtected(raw, 0, std(1.5, cn0)),
			"schema1.Parse: signatures[0].protected.formatLength = 1.5, want an integer from 0 to …"},
		{"no formatLength", replaceProtected(raw, 0, map[string]any{"formatTail": cn0}), "schema1.Parse: signatures[0].protected.formatLength missing"},
		{"no formatTail", replaceProtected(raw, 0, map[string]any{"formatLength": fl}), "schema1.Parse: signatures[0].protected.formatTail missing"},
		{"time number", replaceProtected(raw, 0, map[string]any{"formatLength": fl, "formatTail": cn0, "time": 5}),
			"schema1.Parse: signatures[0].protected.time = 5, want a string"},
		{"formatLength conflict", replaceProtected(string(twoSigs), 1, std(fl-1, cn0)),
			fmt.Sprintf("schema1.Parse: signatures[1].protected.formatLength = %d, want %d as in signatures[0]", fl-1, fl)},
		{"formatTail conflict", replaceProtected(string(twoSigs), 1, std(fl, base64.RawURLEncoding.EncodeToString([]byte("\n }")))),
			`schema1.Parse: signatures[1].protected.formatTail = "\n }", want "\n}" as in signatures[0]`},
		{"stale protected header", replaceProtected(raw, 0, map[string]any{"formatLength": fl, "formatTail": cn0, "time": "2021-01-01T00:00:00Z"}), "schema1.Parse: signatures[0]: invalid signature"},
		{"payload differs from document", func() []byte {
			// The tail adds a member: the signature is valid over the
			// payload, but the payload's tag is not the document's.
			tail := []byte(",\n   \"tag\": \"evil\"\n}")
			p := append(append([]byte{}, payload[:fl]...), tail...)
			return handSigned(t, payload, fl, std(fl, base64.RawURLEncoding.EncodeToString(tail)), p)
		}(), `schema1.Parse: document member "tag" = "latest", want "evil" as in the signed payload`},
		{"payload has signatures", func() []byte {
			tail := []byte(",\"signatures\":1}")
			p := append(append([]byte{}, payload[:fl]...), tail...)
			return handSigned(t, payload, fl, std(fl, base64.RawURLEncoding.EncodeToString(tail)), p)
		}(), `schema1.Parse: payload has a "signatures" member, want it only in the document`},
		{"payload lacks a member", func() []byte {
			// formatLength cuts the history off: the payload is still an
			// object but the document has more.
			cut := bytes.Index(payload, []byte(",\n   \"history\""))
			p := append(append([]byte{}, payload[:cut]...), "\n}"...)
			return handSigned(t, payload, fl, std(cut, cn0), p)
		}(), `schema1.Parse: document member "history" is not in the signed payload`},
		{"payload not an object", func() []byte {
			tail := []byte("]")
			p := append(append([]byte{}, payload[:fl]...), tail...)
			return handSigned(t, payload, fl, std(fl, base64.RawURLEncoding.EncodeToString(tail)), p)
		}(), "schema1.Parse: payload = …"},
		{"signed but invalid manifest", func() []byte {
			b, err := schema1.Sign(unsignedDoc(func(m map[string]any) { m["schemaVersion"] = 2 }), schema1test.SignTime, schema1.Signer{Key: schema1test.ES256Key()})
			if err != nil {
				t.Fatal(err)
			}
			return b
		}(), "schema1.Parse: schemaVersion = 2, want 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := schema1.Parse(tt.doc)
			if err == nil {
				t.Fatalf("Parse(%s) = %+v, nil, want error %q", tt.doc, m, tt.want)
			}
			prefix, isPrefix := strings.CutSuffix(tt.want, "…")
			if got := err.Error(); got != tt.want && !(isPrefix && strings.HasPrefix(got, prefix)) {
				t.Errorf("Parse error = %q, want %q", got, tt.want)
			}
		})
	}
}

func withChain(b schema1.Builder) schema1.Builder {
	b.Chain = []*x509.Certificate{schema1test.TestChain().Leaf}
	return b
}

func TestParseAccepts(t *testing.T) {
	// No schemaVersion or architecture: Quay accepts them.
	doc := unsignedDoc(func(m map[string]any) { delete(m, "schemaVersion"); delete(m, "architecture") })
	m, err := schema1.Parse(doc)
	if err != nil {
		t.Fatalf("Parse(minimal unsigned) error: %v", err)
	}
	want := &schema1.Manifest{
		Name: "a/b", Tag: "t",
		Layers: []schema1.Layer{{BlobSum: digest.FromString("x"), V1Compatibility: `{"id":"x"}`}},
		Raw:    doc, Payload: doc,
	}
	if diff := cmp.Diff(want, m); diff != "" {
		t.Errorf("Parse mismatch (-want +got):\n%s", diff)
	}
	if m.Signed() || m.MediaType() != schema1.MediaTypeManifest || m.Digest() != digest.FromBytes(doc) {
		t.Errorf("Signed(), MediaType(), Digest() = %v, %s, %s, want false, %s, %s", m.Signed(), m.MediaType(), m.Digest(), schema1.MediaTypeManifest, digest.FromBytes(doc))
	}
	// Parse copies its input.
	doc[0] = ' '
	if m.Raw[0] != '{' {
		t.Errorf("Parse kept a reference to its input")
	}

	// Padded base64url is accepted, as libtrust does.
	signed := schema1test.MustBuild(t, schema1test.SampleBuilder(schema1test.ES256Key()))
	sv := sigMember(string(signed.Raw), `"signature": "`)
	padded := strings.Replace(string(signed.Raw), sv, sv+"==", 1)
	if len(sv)%4 != 2 {
		t.Fatalf("ES256 signature needs no padding")
	}
	if _, err := schema1.Parse([]byte(padded)); err != nil {
		t.Errorf("Parse(padded signature) error: %v", err)
	}
	// White space around the document and around a v1Compatibility object
	// is allowed, as JSON allows it.
	spaced := unsignedDoc(setLayer("history", "v1Compatibility", " \n{\"id\":\"x\"}\n"))
	spaced = append(append([]byte("\n "), spaced...), "\n"...)
	if m, err := schema1.Parse(spaced); err != nil {
		t.Errorf("Parse(white space around objects) error: %v", err)
	} else if id, _, _ := m.Layers[0].IDs(); id != "x" {
		t.Errorf("Layers[0].IDs() id = %q, want x", id)
	}
	// An empty manifest (no layers) parses.
	empty := schema1test.SampleBuilder(schema1test.ES256Key())
	empty.Layers = nil
	if m := schema1test.MustBuild(t, empty); !bytes.Contains(m.Payload, []byte(`"fsLayers": [],`)) {
		t.Errorf("empty manifest payload = %s, want fsLayers []", m.Payload)
	} else if _, err := schema1.Parse(m.Raw); err != nil {
		t.Errorf("Parse(no layers) error: %v", err)
	}
}

// sigMember returns the string value that follows the first marker in
// doc.
func sigMember(doc, marker string) string {
	i := strings.Index(doc, marker) + len(marker)
	return doc[i : i+strings.IndexByte(doc[i:], '"')]
}

func TestValidateParentChain(t *testing.T) {
	l := func(id, parent string) schema1.Layer {
		v := map[string]any{"id": id}
		if parent != "" {
			v["parent"] = parent
		}
		b, _ := json.Marshal(v)
		return schema1.Layer{BlobSum: digest.FromString(id), V1Compatibility: string(b)}
	}
	tests := []struct {
		name   string
		layers []schema1.Layer
		want   string
	}{
		{"sound", []schema1.Layer{l("a", ""), l("b", "a"), l("c", "b")}, ""},
		{"null parent", []schema1.Layer{{BlobSum: digest.FromString("a"), V1Compatibility: `{"id":"a","parent":null}`}, l("b", "a")}, ""},
		{"empty", nil, ""},
		{"unknown parent", []schema1.Layer{l("a", ""), l("b", "zz")},
			`schema1.Manifest.ValidateParentChain: history[0] (leaf): parent = "zz", want the id of a layer below it`},
		{"wrong order", []schema1.Layer{l("b", "a"), l("a", "")},
			`schema1.Manifest.ValidateParentChain: history[1]: parent = "a", want the id of a layer below it`},
		{"self parent", []schema1.Layer{l("a", "a")},
			`schema1.Manifest.ValidateParentChain: history[0] (leaf): parent = "a", want the id of a layer below it`},
		{"parent number", []schema1.Layer{{BlobSum: digest.FromString("a"), V1Compatibility: `{"id":"a","parent":5}`}},
			"schema1.Manifest.ValidateParentChain: history[0] (leaf): v1Compatibility parent = 5, want a string or null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := schema1test.SampleBuilder(schema1test.ES256Key())
			b.Layers = tt.layers
			m := schema1test.MustBuild(t, b) // Build does not check the chain
			pm, err := schema1.Parse(m.Raw)
			if err != nil {
				t.Fatalf("Parse error: %v", err)
			}
			err = pm.ValidateParentChain()
			if got := fmt.Sprint(err); (tt.want == "" && err != nil) || (tt.want != "" && got != tt.want) {
				t.Errorf("ValidateParentChain() = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestLayerIDs(t *testing.T) {
	id, parent, err := schema1.Layer{V1Compatibility: `{"id":"b","parent":"a"}`}.IDs()
	if id != "b" || parent != "a" || err != nil {
		t.Errorf("IDs() = %q, %q, %v, want b, a, nil", id, parent, err)
	}
	if _, _, err := (schema1.Layer{V1Compatibility: `[]`}).IDs(); err == nil {
		t.Errorf("IDs() of [] = nil error, want an error")
	}
}

// TestParseMemory checks that Parse's allocations stay a small multiple of
// its input on a large manifest.
func TestParseMemory(t *testing.T) {
	b := schema1test.SampleBuilder(schema1test.ES256Key())
	big := strings.Repeat("x", 1<<20)
	b.Layers = schema1test.SampleLayers(2, big)
	m := schema1test.MustBuild(t, b)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := schema1.Parse(m.Raw); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if got, limit := after.TotalAlloc-before.TotalAlloc, uint64(20*len(m.Raw)); got > limit {
		t.Errorf("Parse of %d bytes allocated %d bytes, want at most %d", len(m.Raw), got, limit)
	}
}
