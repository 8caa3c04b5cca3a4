package schema1reg_test

// Cross-checks against docker/distribution v2.8.3's manifest/schema1 and
// docker/libtrust, the implementations registries and Docker use.

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	dschema1 "github.com/docker/distribution/manifest/schema1"
	"github.com/docker/libtrust"
	"github.com/google/go-cmp/cmp"
	"github.com/opencontainers/go-digest"

	"github.com/registrytest/registrytest/internal/schema1test"
	"github.com/registrytest/registrytest/schema1"
)

// distVerify parses raw with distribution and verifies it, returning the
// canonical payload and the signers' key IDs.
func distVerify(raw []byte) (canonical []byte, kids []string, err error) {
	var sm dschema1.SignedManifest
	if err := sm.UnmarshalJSON(raw); err != nil {
		return nil, nil, err
	}
	keys, err := dschema1.Verify(&sm)
	if err != nil {
		return nil, nil, err
	}
	for _, k := range keys {
		kids = append(kids, k.KeyID())
	}
	return sm.Canonical, kids, nil
}

func TestDistributionVerifiesOurs(t *testing.T) {
	pool := x509.NewCertPool()
	pool.AddCert(schema1test.TestChain().Root)
	for _, tc := range schema1test.BuilderCases() {
		t.Run(tc.Name, func(t *testing.T) {
			m := schema1test.MustBuild(t, tc.B)
			canonical, kids, err := distVerify(m.Raw)
			if err != nil {
				t.Fatalf("distribution schema1.Verify(ours) error: %v", err)
			}
			if !bytes.Equal(canonical, m.Payload) {
				t.Errorf("distribution Canonical = %q, want our Payload %q", canonical, m.Payload)
			}
			if got, want := digest.FromBytes(canonical), m.Digest(); got != want {
				t.Errorf("digest(Canonical) = %s, want %s", got, want)
			}
			if diff := cmp.Diff([]string{tc.B.Key.KeyID()}, kids); diff != "" {
				t.Errorf("distribution signer key IDs mismatch (-want +got):\n%s", diff)
			}
			// libtrust re-serialises our document to the same bytes.
			js, err := libtrust.ParsePrettySignature(m.Raw, "signatures")
			if err != nil {
				t.Fatalf("libtrust.ParsePrettySignature error: %v", err)
			}
			pretty, err := js.PrettySignature("signatures")
			if err != nil {
				t.Fatalf("PrettySignature error: %v", err)
			}
			if !bytes.Equal(pretty, m.Raw) {
				t.Errorf("libtrust PrettySignature(ours) differs from ours:\n got %s\nwant %s", pretty, m.Raw)
			}
			if len(tc.B.Chain) > 0 {
				var sm dschema1.SignedManifest
				if err := sm.UnmarshalJSON(m.Raw); err != nil {
					t.Fatal(err)
				}
				chains, err := dschema1.VerifyChains(&sm, pool)
				if err != nil || len(chains) == 0 {
					t.Errorf("distribution schema1.VerifyChains(ours) = %d chains, %v, want at least 1, nil", len(chains), err)
				}
				if _, err := m.VerifyChains(pool); err != nil {
					t.Errorf("VerifyChains(pool) error: %v", err)
				}
				if _, err := m.VerifyChains(x509.NewCertPool()); err == nil {
					t.Errorf("VerifyChains(empty pool) = nil, want an error")
				}
			}
		})
	}
}

// TestPayloadMatchesDistribution checks that our payload is what
// distribution's schema1.Sign would sign for the same manifest (when there
// is nothing to escape: distribution escapes <, > and & and leaves
// non-ASCII raw).
func TestPayloadMatchesDistribution(t *testing.T) {
	m := schema1test.MustBuild(t, schema1test.SampleBuilder(nil))
	dm := dschema1.Manifest{Name: m.Name, Tag: m.Tag, Architecture: m.Architecture}
	dm.SchemaVersion = 1
	for i := len(m.Layers) - 1; i >= 0; i-- {
		dm.FSLayers = append(dm.FSLayers, dschema1.FSLayer{BlobSum: m.Layers[i].BlobSum})
		dm.History = append(dm.History, dschema1.History{V1Compatibility: m.Layers[i].V1Compatibility})
	}
	want, err := json.MarshalIndent(&dm, "", "   ")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m.Payload, want) {
		t.Errorf("Payload =\n%s\nwant (distribution's MarshalIndent)\n%s", m.Payload, want)
	}
}

// libtrustKeys returns libtrust private keys: our seeded keys converted,
// and fresh random ones made by libtrust itself.
func libtrustKeys(t *testing.T) map[string]libtrust.PrivateKey {
	t.Helper()
	keys := map[string]libtrust.PrivateKey{}
	for name, k := range map[string]*schema1.Key{"seeded-ES256": schema1test.ES256Key(), "seeded-ES384": schema1test.ES384Key(), "seeded-ES512": schema1test.ES512Key(), "seeded-RS256": schema1test.RS256Key()} {
		lk, err := libtrust.FromCryptoPrivateKey(k.CryptoSigner())
		if err != nil {
			t.Fatal(err)
		}
		if lk.KeyID() != k.KeyID() {
			t.Errorf("%s: libtrust KeyID() = %s, ours = %s", name, lk.KeyID(), k.KeyID())
		}
		lj, err := json.Marshal(lk.PublicKey())
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(lj, k.Public().JWK()) {
			t.Errorf("%s: libtrust JWK = %s, ours = %s", name, lj, k.Public().JWK())
		}
		keys[name] = lk
	}
	for name, gen := range map[string]func() (libtrust.PrivateKey, error){
		"libtrust-P256": libtrust.GenerateECP256PrivateKey,
		"libtrust-P384": libtrust.GenerateECP384PrivateKey,
		"libtrust-P521": libtrust.GenerateECP521PrivateKey,
	} {
		k, err := gen()
		if err != nil {
			t.Fatal(err)
		}
		keys[name] = k
	}
	return keys
}

func distManifest() *dschema1.Manifest {
	m := &dschema1.Manifest{Name: "library/test", Tag: "latest", Architecture: "amd64"}
	m.SchemaVersion = 1
	for _, l := range schema1test.SampleLayers(2, "") {
		m.FSLayers = append([]dschema1.FSLayer{{BlobSum: l.BlobSum}}, m.FSLayers...)
		m.History = append([]dschema1.History{{V1Compatibility: l.V1Compatibility}}, m.History...)
	}
	return m
}

func TestOursVerifiesDistributionSigned(t *testing.T) {
	for name, lk := range libtrustKeys(t) {
		t.Run(name, func(t *testing.T) {
			sm, err := dschema1.Sign(distManifest(), lk)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := sm.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			m, err := schema1.Parse(raw)
			if err != nil {
				t.Fatalf("Parse(distribution-signed) error: %v\n%s", err, raw)
			}
			if got, want := m.Digest(), digest.FromBytes(sm.Canonical); got != want {
				t.Errorf("Digest() = %s, want %s", got, want)
			}
			if len(m.Signatures) != 1 || m.Signatures[0].Key.KeyID() != lk.KeyID() {
				t.Errorf("Signatures = %+v, want one by %s", m.Signatures, lk.KeyID())
			}
			if m.MediaType() != schema1.MediaTypeSignedManifest {
				t.Errorf("MediaType() = %q, want %q", m.MediaType(), schema1.MediaTypeSignedManifest)
			}
			if m.Layers[1].BlobSum != sm.FSLayers[0].BlobSum {
				t.Errorf("Layers[1].BlobSum = %s, want fsLayers[0].blobSum %s (the leaf)", m.Layers[1].BlobSum, sm.FSLayers[0].BlobSum)
			}
		})
	}
	t.Run("SignWithChain", func(t *testing.T) {
		lk, err := libtrust.FromCryptoPrivateKey(schema1test.ES256Key().CryptoSigner())
		if err != nil {
			t.Fatal(err)
		}
		ch := schema1test.TestChain()
		sm, err := dschema1.SignWithChain(distManifest(), lk, []*x509.Certificate{ch.Leaf, ch.Root})
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := sm.MarshalJSON()
		m, err := schema1.Parse(raw)
		if err != nil {
			t.Fatalf("Parse(SignWithChain output) error: %v", err)
		}
		s := m.Signatures[0]
		if len(s.Chain) != 2 || !bytes.Equal(s.Chain[0], ch.Leaf.Raw) || s.Key.KeyID() != schema1test.ES256Key().KeyID() {
			t.Errorf("Signatures[0] = %d certificates, key %s, want 2, %s", len(s.Chain), s.Key.KeyID(), schema1test.ES256Key().KeyID())
		}
		pool := x509.NewCertPool()
		pool.AddCert(ch.Root)
		if chains, err := m.VerifyChains(pool); err != nil || len(chains) != 1 {
			t.Errorf("VerifyChains(pool) = %d chains, %v, want 1, nil", len(chains), err)
		}
	})
}

// TestMultipleSignatures signs one payload with several keys (one with a
// chain) and checks that libtrust writes the same document and that both
// sides verify every signature.
func TestMultipleSignatures(t *testing.T) {
	m := schema1test.MustBuild(t, schema1test.SampleBuilder(nil))
	raw, err := schema1.Sign(m.Payload, schema1test.SignTime,
		schema1.Signer{Key: schema1test.RS256Key()},
		schema1.Signer{Key: schema1test.ES256Key(), Chain: []*x509.Certificate{schema1test.TestChain().Leaf}},
		schema1.Signer{Key: schema1test.ES512Key()},
	)
	if err != nil {
		t.Fatal(err)
	}
	got, err := schema1.Parse(raw)
	if err != nil {
		t.Fatalf("Parse error: %v", err)
	}
	if got.Digest() != m.Digest() || len(got.Signatures) != 3 {
		t.Fatalf("Parse = digest %s, %d signatures, want %s, 3", got.Digest(), len(got.Signatures), m.Digest())
	}
	for i := 1; i < 3; i++ {
		if a, b := got.Signatures[i-1].Key.KeyID(), got.Signatures[i].Key.KeyID(); a > b {
			t.Errorf("signatures not sorted by key ID: %s before %s", a, b)
		}
	}
	canonical, kids, err := distVerify(raw)
	if err != nil {
		t.Fatalf("distribution Verify error: %v", err)
	}
	if !bytes.Equal(canonical, m.Payload) || len(kids) != 3 {
		t.Errorf("distribution: canonical equal = %v, %d keys, want true, 3", bytes.Equal(canonical, m.Payload), len(kids))
	}
	// libtrust cannot sort several x5c-only signatures (it panics on the
	// missing jwk), so compare its output for the jwk-only variant.
	raw2, err := schema1.Sign(m.Payload, schema1test.SignTime, schema1.Signer{Key: schema1test.RS256Key()}, schema1.Signer{Key: schema1test.ES256Key()}, schema1.Signer{Key: schema1test.ES512Key()})
	if err != nil {
		t.Fatal(err)
	}
	js, err := libtrust.ParsePrettySignature(raw2, "signatures")
	if err != nil {
		t.Fatal(err)
	}
	pretty, _ := js.PrettySignature("signatures")
	if !bytes.Equal(pretty, raw2) {
		t.Errorf("libtrust PrettySignature differs:\n got %s\nwant %s", pretty, raw2)
	}
}

// TestSignCompactPayload signs a payload without indentation: libtrust's
// compact form.
func TestSignCompactPayload(t *testing.T) {
	m := schema1test.MustBuild(t, schema1test.SampleBuilder(nil))
	var buf bytes.Buffer
	if err := json.Compact(&buf, m.Payload); err != nil {
		t.Fatal(err)
	}
	raw, err := schema1.Sign(buf.Bytes(), schema1test.SignTime, schema1.Signer{Key: schema1test.ES256Key()})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(raw, buf.Bytes()[:buf.Len()-1]) || !bytes.Contains(raw, []byte(`,"signatures":[{"header":`)) {
		t.Errorf("Sign(compact) = %s, want the compact form", raw)
	}
	js, err := libtrust.ParsePrettySignature(raw, "signatures")
	if err != nil {
		t.Fatal(err)
	}
	pretty, _ := js.PrettySignature("signatures")
	if !bytes.Equal(pretty, raw) {
		t.Errorf("libtrust PrettySignature differs:\n got %s\nwant %s", pretty, raw)
	}
	got, err := schema1.Parse(raw)
	if err != nil || !bytes.Equal(got.Payload, buf.Bytes()) {
		t.Errorf("Parse(compact signed) = %v, payload equal %v; want nil, true", err, err == nil && bytes.Equal(got.Payload, buf.Bytes()))
	}
}

// tamperings returns documents derived from a valid signed manifest that
// must fail verification.
func tamperings(t *testing.T, m *schema1.Manifest) map[string][]byte {
	t.Helper()
	raw := string(m.Raw)
	out := map[string][]byte{}
	// The payload: same length, so formatLength still fits.
	if !strings.Contains(raw, `"architecture": "amd64"`) {
		t.Fatalf("no architecture in %s", raw)
	}
	out["tampered payload"] = []byte(strings.Replace(raw, `"architecture": "amd64"`, `"architecture": "arm64"`, 1))
	// A swapped key: another key's JWK, with its own (correct) kid. (Not
	// for x5c signatures, whose key is in the certificate.)
	if m.Signatures[0].Chain == nil {
		ours := string(indentJWK(t, m.Signatures[0].Key.JWK()))
		if !strings.Contains(raw, ours) {
			t.Fatalf("JWK %s not found in %s", ours, raw)
		}
		other := string(indentJWK(t, schema1test.OtherKey(m.Signatures[0].Key).Public().JWK()))
		out["swapped key"] = []byte(strings.Replace(raw, ours, other, 1))
	}
	// A broken signature: one base64url character changed.
	const marker = `"signature": "`
	i := strings.Index(raw, marker) + len(marker) + 10
	c := byte('A')
	if raw[i] == 'A' {
		c = 'B'
	}
	out["broken signature"] = []byte(raw[:i] + string(c) + raw[i+1:])
	for name, b := range out {
		if bytes.Equal(b, m.Raw) {
			t.Fatalf("%s: document unchanged", name)
		}
	}
	return out
}

// indentJWK returns jwk as it appears, indented, in a signed document.
func indentJWK(t *testing.T, jwk []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, jwk, "            ", "   "); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestTamperingRejected(t *testing.T) {
	for _, key := range []*schema1.Key{schema1test.ES256Key(), schema1test.RS256Key()} {
		m := schema1test.MustBuild(t, schema1test.SampleBuilder(key))
		for name, doc := range tamperings(t, m) {
			t.Run(key.Algorithm()+"/"+name, func(t *testing.T) {
				_, err := schema1.Parse(doc)
				if !errors.Is(err, schema1.ErrInvalidSignature) {
					t.Errorf("Parse = %v, want an error wrapping ErrInvalidSignature", err)
				}
				if want := "schema1.Parse: signatures[0]: invalid signature"; err != nil && err.Error() != want {
					t.Errorf("Parse error = %q, want %q", err, want)
				}
				if _, _, err := distVerify(doc); err == nil {
					t.Errorf("distribution schema1.Verify = nil, want an error")
				}
			})
		}
	}
}

// TestTamperingRejectedByDistribution is the other direction: tampering
// with a distribution-signed manifest is caught by us.
func TestTamperingRejectedByDistribution(t *testing.T) {
	lk, err := libtrust.FromCryptoPrivateKey(crypto.Signer(mustECDSA(t)))
	if err != nil {
		t.Fatal(err)
	}
	sm, err := dschema1.Sign(distManifest(), lk)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := sm.MarshalJSON()
	m, err := schema1.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	for name, doc := range tamperings(t, m) {
		if _, err := schema1.Parse(doc); !errors.Is(err, schema1.ErrInvalidSignature) {
			t.Errorf("%s: Parse = %v, want ErrInvalidSignature", name, err)
		}
	}
}

func mustECDSA(t *testing.T) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestTimeIgnored checks that the protected time is recorded but plays no
// part in the digest.
func TestTimeIgnored(t *testing.T) {
	b := schema1test.SampleBuilder(schema1test.ES256Key())
	m1 := schema1test.MustBuild(t, b)
	b.Time = schema1test.SignTime.Add(time.Hour)
	m2 := schema1test.MustBuild(t, b)
	if bytes.Equal(m1.Raw, m2.Raw) || m1.Digest() != m2.Digest() {
		t.Errorf("Raw equal = %v, digests %s %s; want different bytes, same digest", bytes.Equal(m1.Raw, m2.Raw), m1.Digest(), m2.Digest())
	}
	if got, want := m2.Signatures[0].Time, "2020-06-05T13:00:00Z"; got != want {
		t.Errorf("Signatures[0].Time = %q, want %q", got, want)
	}
}

// dschema1Sign signs distManifest() with distribution's schema1.Sign and
// returns the document.
func dschema1Sign(lk libtrust.PrivateKey) ([]byte, error) {
	sm, err := dschema1.Sign(distManifest(), lk)
	if err != nil {
		return nil, err
	}
	return sm.MarshalJSON()
}
