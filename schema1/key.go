package schema1

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"strings"
)

// RSA modulus sizes this package accepts, in bits, when it signs and when it
// verifies. Go's crypto/rsa refuses smaller keys; the upper bound (with the
// public exponent's, at most 65537) keeps a hostile document from making
// verification slow: one verification with a 16384-bit modulus and a 31-bit
// exponent takes 50 ms.
const (
	MinRSABits = 1024
	MaxRSABits = 8192
)

// Key is a private key that signs schema1 manifests the way libtrust does:
// ECDSA on P-256, P-384 or P-521 (ES256, ES384, ES512, chosen by the curve)
// or RSA (RS256, PKCS #1 v1.5 with SHA-256).
//
// ECDSA signatures are deterministic (RFC 6979) and so are RSA PKCS #1 v1.5
// signatures: the same key, payload and time always give the same bytes.
// A Key is safe for concurrent use.
type Key struct {
	signer crypto.Signer // *ecdsa.PrivateKey or *rsa.PrivateKey
	pub    *PublicKey
}

// NewKey wraps priv, which must be an *ecdsa.PrivateKey on P-256, P-384 or
// P-521, or an *rsa.PrivateKey of MinRSABits to MaxRSABits bits. It returns
// an error for any other key.
func NewKey(priv crypto.Signer) (*Key, error) {
	switch priv.(type) {
	case *ecdsa.PrivateKey, *rsa.PrivateKey:
	default:
		return nil, fmt.Errorf("schema1.NewKey: key type %T, want *ecdsa.PrivateKey or *rsa.PrivateKey", priv)
	}
	pub, err := NewPublicKey(priv.Public())
	if err != nil {
		return nil, fmt.Errorf("schema1.NewKey: %w", err)
	}
	return &Key{signer: priv, pub: pub}, nil
}

// ECKeyFromSeed derives an ECDSA key on curve (elliptic.P256(), P384() or
// P521()) from seed. The same curve and seed give the same key on every run,
// machine and Go version: the scalar is drawn from a ChaCha8 stream keyed by
// SHA-256 of the curve name and seed, and parsed with
// ecdsa.ParseRawPrivateKey. Any seed, including an empty one, is accepted.
// Keys made this way are for tests: anyone who knows the seed has the key.
func ECKeyFromSeed(curve elliptic.Curve, seed []byte) (*Key, error) {
	if curve == nil {
		return nil, errors.New("schema1.ECKeyFromSeed: curve is nil, want P-256, P-384 or P-521")
	}
	name := curve.Params().Name
	if ecAlgorithm(name) == "" {
		return nil, fmt.Errorf("schema1.ECKeyFromSeed: curve %s, want P-256, P-384 or P-521", name)
	}
	stream := seedStream("ec "+name, seed)
	bits := curve.Params().N.BitLen()
	buf := make([]byte, (bits+7)/8)
	// Rejection sampling: a scalar out of [1, N-1] is drawn again. For these
	// curves that happens with negligible probability, so the loop is short.
	for range 1000 {
		stream.Read(buf)
		if extra := len(buf)*8 - bits; extra > 0 {
			buf[0] &= 0xff >> extra
		}
		priv, err := ecdsa.ParseRawPrivateKey(curve, buf)
		if err != nil {
			continue
		}
		return NewKey(priv)
	}
	return nil, errors.New("schema1.ECKeyFromSeed: no valid scalar in 1000 draws") // unreachable in practice
}

// RSAKeyFromSeed derives an RSA key of bits bits (an even number from
// MinRSABits to MaxRSABits) with public exponent 65537 from seed. The same bits
// and seed give the same key on every run: the primes are drawn from a
// ChaCha8 stream keyed by SHA-256 of the size and seed and tested with
// big.Int.ProbablyPrime. (crypto/rsa.GenerateKey ignores its reader since
// Go 1.26, so it cannot be seeded.) Generating a 2048-bit key takes a
// fraction of a second; tests should make each key once. Keys made this
// way are for tests: anyone who knows the seed has the key.
func RSAKeyFromSeed(bits int, seed []byte) (*Key, error) {
	if bits < MinRSABits || bits > MaxRSABits || bits%2 != 0 {
		return nil, fmt.Errorf("schema1.RSAKeyFromSeed: bits = %d, want an even number from %d to %d", bits, MinRSABits, MaxRSABits)
	}
	const e = 65537
	stream := seedStream(fmt.Sprintf("rsa %d", bits), seed)
	one := big.NewInt(1)
	bigE := big.NewInt(e)
	for range 100 {
		p := seededPrime(stream, bits/2)
		q := seededPrime(stream, bits/2)
		if p.Cmp(q) == 0 {
			continue
		}
		pm1 := new(big.Int).Sub(p, one)
		qm1 := new(big.Int).Sub(q, one)
		if new(big.Int).Mod(pm1, bigE).Sign() == 0 || new(big.Int).Mod(qm1, bigE).Sign() == 0 {
			continue // e must be invertible modulo p-1 and q-1
		}
		n := new(big.Int).Mul(p, q)
		if n.BitLen() != bits {
			continue
		}
		phi := new(big.Int).Mul(pm1, qm1)
		d := new(big.Int).ModInverse(bigE, phi)
		if d == nil {
			continue
		}
		if p.Cmp(q) < 0 {
			p, q = q, p
		}
		priv := &rsa.PrivateKey{
			PublicKey: rsa.PublicKey{N: n, E: e},
			D:         d,
			Primes:    []*big.Int{p, q},
		}
		if err := priv.Validate(); err != nil {
			continue
		}
		priv.Precompute()
		return NewKey(priv)
	}
	return nil, errors.New("schema1.RSAKeyFromSeed: no valid key in 100 draws") // unreachable in practice
}

// seedStream returns a ChaCha8 stream keyed by SHA-256 of a domain label and
// the seed, so that keys of different kinds never share a stream.
func seedStream(label string, seed []byte) *rand.ChaCha8 {
	h := sha256.New()
	h.Write([]byte("registrytest/schema1 " + label + "\x00"))
	h.Write(seed)
	var k [32]byte
	copy(k[:], h.Sum(nil))
	return rand.NewChaCha8(k)
}

// seededPrime draws odd numbers of exactly bits bits with the top two bits
// set (so that the product of two has exactly 2*bits bits) until one is
// prime.
func seededPrime(stream *rand.ChaCha8, bits int) *big.Int {
	buf := make([]byte, (bits+7)/8)
	extra := len(buf)*8 - bits
	p := new(big.Int)
	for {
		stream.Read(buf)
		buf[0] &= 0xff >> extra
		p.SetBytes(buf)
		p.SetBit(p, bits-1, 1)
		p.SetBit(p, bits-2, 1)
		p.SetBit(p, 0, 1)
		if p.ProbablyPrime(20) {
			return p
		}
	}
}

// Public returns the public half of k.
func (k *Key) Public() *PublicKey { return k.pub }

// KeyID returns the libtrust key ID of k's public key; see PublicKey.KeyID.
func (k *Key) KeyID() string { return k.pub.kid }

// Algorithm returns the JWS algorithm k signs with: ES256, ES384 or ES512
// for ECDSA keys on P-256, P-384 and P-521, RS256 for RSA keys.
func (k *Key) Algorithm() string { return k.pub.alg }

// CryptoSigner returns the underlying *ecdsa.PrivateKey or *rsa.PrivateKey, for
// example to issue an x509 certificate for the key (see Builder.Chain).
func (k *Key) CryptoSigner() crypto.Signer { return k.signer }

// String returns a description such as "EC P-256 key ABCD:EFGH:…"; it
// never includes private material.
func (k *Key) String() string { return k.pub.String() }

// sign signs input with k and returns the JWS signature value: r||s, each
// left-padded to the curve's size, for ECDSA; the PKCS #1 v1.5 signature for
// RSA.
func (k *Key) sign(input []byte) ([]byte, error) {
	switch priv := k.signer.(type) {
	case *ecdsa.PrivateKey:
		h := ecHash(priv.Curve.Params().Name)
		hh := h.New()
		hh.Write(input)
		der, err := priv.Sign(nil, hh.Sum(nil), h) // nil reader: RFC 6979, deterministic
		if err != nil {
			return nil, err
		}
		r, s, err := parseECDSADER(der)
		if err != nil {
			return nil, err
		}
		size := (priv.Curve.Params().N.BitLen() + 7) / 8
		out := make([]byte, 2*size)
		r.FillBytes(out[:size])
		s.FillBytes(out[size:])
		return out, nil
	case *rsa.PrivateKey:
		sum := sha256.Sum256(input)
		return rsa.SignPKCS1v15(nil, priv, crypto.SHA256, sum[:])
	}
	return nil, fmt.Errorf("unsupported key type %T", k.signer)
}

// parseECDSADER reads the two INTEGERs of an ASN.1 ECDSA-Sig-Value, as
// crypto/ecdsa writes it (short or long form lengths, positive values).
func parseECDSADER(der []byte) (r, s *big.Int, err error) {
	bad := errors.New("malformed ECDSA signature")
	seq, rest, ok := derElement(der, 0x30)
	if !ok || len(rest) != 0 {
		return nil, nil, bad
	}
	rb, seq, ok := derElement(seq, 0x02)
	if !ok {
		return nil, nil, bad
	}
	sb, seq, ok := derElement(seq, 0x02)
	if !ok || len(seq) != 0 {
		return nil, nil, bad
	}
	return new(big.Int).SetBytes(rb), new(big.Int).SetBytes(sb), nil
}

// derElement splits off one DER element with the given tag.
func derElement(b []byte, tag byte) (content, rest []byte, ok bool) {
	if len(b) < 2 || b[0] != tag {
		return nil, nil, false
	}
	n := int(b[1])
	b = b[2:]
	if n&0x80 != 0 {
		k := n & 0x7f
		if k == 0 || k > 2 || len(b) < k {
			return nil, nil, false
		}
		n = 0
		for _, c := range b[:k] {
			n = n<<8 | int(c)
		}
		b = b[k:]
	}
	if n > len(b) {
		return nil, nil, false
	}
	return b[:n], b[n:], true
}

// PublicKey is a public key that verifies schema1 signatures: ECDSA on
// P-256, P-384 or P-521, or RSA of MinRSABits to MaxRSABits bits. It is
// immutable and safe for concurrent use.
type PublicKey struct {
	key crypto.PublicKey // *ecdsa.PublicKey or *rsa.PublicKey
	kid string
	alg string // the algorithm the key signs with (RS256 for RSA)
	jwk []byte
}

// NewPublicKey wraps pub, which must be an *ecdsa.PublicKey on P-256, P-384
// or P-521, or an *rsa.PublicKey of MinRSABits to MaxRSABits bits with an
// odd public exponent from 3 to 65537.
func NewPublicKey(pub crypto.PublicKey) (*PublicKey, error) {
	p := &PublicKey{key: pub}
	jwk := map[string]string{}
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if k == nil || k.Curve == nil {
			return nil, errors.New("nil ECDSA key")
		}
		name := k.Curve.Params().Name
		p.alg = ecAlgorithm(name)
		if p.alg == "" {
			return nil, fmt.Errorf("ECDSA curve %s, want P-256, P-384 or P-521", name)
		}
		size := (k.Curve.Params().BitSize + 7) / 8
		pt, err := k.Bytes() // validates the point
		if err != nil || len(pt) != 1+2*size {
			return nil, fmt.Errorf("invalid ECDSA public key on %s", name)
		}
		jwk["kty"] = "EC"
		jwk["crv"] = name
		jwk["x"] = b64url(pt[1 : 1+size])
		jwk["y"] = b64url(pt[1+size:])
	case *rsa.PublicKey:
		if k == nil || k.N == nil {
			return nil, errors.New("nil RSA key")
		}
		if n := k.N.BitLen(); n < MinRSABits || n > MaxRSABits {
			return nil, fmt.Errorf("RSA modulus of %d bits, want %d to %d", n, MinRSABits, MaxRSABits)
		}
		if k.E < 3 || k.E > 65537 || k.E%2 == 0 {
			return nil, fmt.Errorf("RSA exponent %d, want an odd number from 3 to 65537", k.E)
		}
		p.alg = "RS256"
		jwk["kty"] = "RSA"
		jwk["n"] = b64url(k.N.Bytes())
		jwk["e"] = b64url(big.NewInt(int64(k.E)).Bytes())
	default:
		return nil, fmt.Errorf("key type %T, want *ecdsa.PublicKey or *rsa.PublicKey", pub)
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	p.kid = keyID(der)
	jwk["kid"] = p.kid
	p.jwk, err = json.Marshal(jwk) // sorted keys, compact: as libtrust writes a JWK
	if err != nil {
		return nil, err
	}
	return p, nil
}

// keyID computes the libtrust fingerprint of a DER-encoded PKIX public key:
// the first 240 bits of its SHA-256, in unpadded base32, as twelve groups of
// four characters joined by colons.
func keyID(der []byte) string {
	sum := sha256.Sum256(der)
	s := base32.StdEncoding.EncodeToString(sum[:30]) // 48 characters, no padding
	var b strings.Builder
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(s[i : i+4])
	}
	return b.String()
}

// KeyID returns the libtrust key ID ("kid") of p: SHA-256 of the key's
// DER-encoded PKIX form, truncated to 240 bits, base32-encoded as twelve
// colon-separated groups of four, e.g. "RETV:YYXT:2OC5:…:GNLL".
func (p *PublicKey) KeyID() string { return p.kid }

// Algorithm returns the JWS algorithm of signatures made with p's private
// key: ES256, ES384 or ES512 for ECDSA keys on P-256, P-384 and P-521,
// RS256 for RSA keys (whose signatures may also be RS384 or RS512).
func (p *PublicKey) Algorithm() string { return p.alg }

// CryptoPublicKey returns the underlying *ecdsa.PublicKey or *rsa.PublicKey.
func (p *PublicKey) CryptoPublicKey() crypto.PublicKey { return p.key }

// JWK returns p as a compact JSON Web Key in libtrust's form: members in
// sorted order, with its kid; {"crv","kid","kty":"EC","x","y"} with x and y
// padded to the curve's size, or {"e","kid","kty":"RSA","n"} with e in the
// fewest bytes (65537 is "AQAB"). The caller must not modify the result.
func (p *PublicKey) JWK() []byte { return p.jwk }

// MarshalJSON returns p.JWK().
func (p *PublicKey) MarshalJSON() ([]byte, error) { return p.jwk, nil }

// Equal reports whether p and q are the same key. Two nil keys are equal.
func (p *PublicKey) Equal(q *PublicKey) bool {
	if p == nil || q == nil {
		return p == q
	}
	return bytes.Equal(p.jwk, q.jwk)
}

// String returns a description such as "EC P-256 key ABCD:EFGH:…".
func (p *PublicKey) String() string {
	switch k := p.key.(type) {
	case *ecdsa.PublicKey:
		return fmt.Sprintf("EC %s key %s", k.Curve.Params().Name, p.kid)
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA %d key %s", k.N.BitLen(), p.kid)
	}
	return "invalid key"
}

// verify checks sig, a JWS signature value made with algorithm alg, over
// input.
func (p *PublicKey) verify(alg string, input, sig []byte) error {
	switch k := p.key.(type) {
	case *ecdsa.PublicKey:
		if alg != p.alg {
			return fmt.Errorf("alg = %q, want %q for an EC %s key", alg, p.alg, k.Curve.Params().Name)
		}
		size := (k.Curve.Params().N.BitLen() + 7) / 8
		if len(sig) != 2*size {
			return fmt.Errorf("signature of %d bytes, want %d for %s: %w", len(sig), 2*size, alg, ErrInvalidSignature)
		}
		h := ecHash(k.Curve.Params().Name).New()
		h.Write(input)
		r := new(big.Int).SetBytes(sig[:size])
		s := new(big.Int).SetBytes(sig[size:])
		if !ecdsa.Verify(k, h.Sum(nil), r, s) {
			return ErrInvalidSignature
		}
		return nil
	case *rsa.PublicKey:
		var h crypto.Hash
		switch alg {
		case "RS256":
			h = crypto.SHA256
		case "RS384":
			h = crypto.SHA384
		case "RS512":
			h = crypto.SHA512
		default:
			return fmt.Errorf("alg = %q, want RS256, RS384 or RS512 for an RSA key", alg)
		}
		hh := h.New()
		hh.Write(input)
		if err := rsa.VerifyPKCS1v15(k, h, hh.Sum(nil), sig); err != nil {
			return ErrInvalidSignature
		}
		return nil
	}
	return errors.New("invalid key")
}

// parseJWK reads a public JSON Web Key as libtrust does, more strictly
// (its errors are meant for at):
// kty EC (crv P-256, P-384 or P-521; x and y of exactly the curve's size; a
// point on the curve) or RSA (n and e, e in at most 4 bytes); a kid, when
// present, must be the key's libtrust ID; private members ("d") are refused.
func parseJWK(raw json.RawMessage) (*PublicKey, error) {
	var m map[string]json.RawMessage
	if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &m) != nil {
		return nil, fmt.Errorf("= %s, want a JSON object", excerpt(raw))
	}
	str := func(name string) (string, error) {
		v, ok := m[name]
		if !ok {
			return "", fmt.Errorf(".%s missing", name)
		}
		s, ok := decodeString(v)
		if !ok {
			return "", fmt.Errorf(".%s = %s, want a string", name, excerpt(v))
		}
		return s, nil
	}
	if _, ok := m["d"]; ok {
		return nil, errors.New(".d present, want a public key (no private members)")
	}
	kty, err := str("kty")
	if err != nil {
		return nil, err
	}
	var pub crypto.PublicKey
	switch kty {
	case "EC":
		crv, err := str("crv")
		if err != nil {
			return nil, err
		}
		curve := curveByName(crv)
		if curve == nil {
			return nil, fmt.Errorf(".crv = %q, want P-256, P-384 or P-521", crv)
		}
		size := (curve.Params().BitSize + 7) / 8
		pt := make([]byte, 1, 1+2*size)
		pt[0] = 4
		for _, c := range []string{"x", "y"} {
			s, err := str(c)
			if err != nil {
				return nil, err
			}
			b, err := b64urlDecode(s)
			if err != nil || len(b) != size {
				return nil, fmt.Errorf(".%s = %q, want %d bytes in base64url", c, clip(s), size)
			}
			pt = append(pt, b...)
		}
		k, err := ecdsa.ParseUncompressedPublicKey(curve, pt)
		if err != nil {
			return nil, fmt.Errorf(": the point (x, y) is not on %s", crv)
		}
		pub = k
	case "RSA":
		ns, err := str("n")
		if err != nil {
			return nil, err
		}
		nb, err := b64urlDecode(ns)
		if err != nil {
			return nil, fmt.Errorf(".n = %q, want base64url", clip(ns))
		}
		es, err := str("e")
		if err != nil {
			return nil, err
		}
		eb, err := b64urlDecode(es)
		if err != nil || len(eb) == 0 || len(eb) > 4 {
			return nil, fmt.Errorf(".e = %q, want 1 to 4 bytes in base64url", clip(es))
		}
		e := new(big.Int).SetBytes(eb).Int64()
		pub = &rsa.PublicKey{N: new(big.Int).SetBytes(nb), E: int(e)}
	default:
		return nil, fmt.Errorf(".kty = %q, want \"EC\" or \"RSA\"", kty)
	}
	p, err := NewPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf(": %v", err)
	}
	if _, ok := m["kid"]; ok {
		kid, err := str("kid")
		if err != nil {
			return nil, err
		}
		if kid != p.kid {
			return nil, fmt.Errorf(".kid = %q, want %q (the key's libtrust ID)", clip(kid), p.kid)
		}
	}
	return p, nil
}

func ecAlgorithm(curve string) string {
	switch curve {
	case "P-256":
		return "ES256"
	case "P-384":
		return "ES384"
	case "P-521":
		return "ES512"
	}
	return ""
}

func ecHash(curve string) crypto.Hash {
	switch curve {
	case "P-384":
		return crypto.SHA384
	case "P-521":
		return crypto.SHA512
	}
	return crypto.SHA256
}

func curveByName(name string) elliptic.Curve {
	switch name {
	case "P-256":
		return elliptic.P256()
	case "P-384":
		return elliptic.P384()
	case "P-521":
		return elliptic.P521()
	}
	return nil
}

// b64url encodes b in unpadded base64url, as JWS does.
func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// b64urlDecode decodes base64url with or without '=' padding (libtrust
// accepts both).
func b64urlDecode(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}
