package schema1

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// ErrInvalidSignature is wrapped by every error that reports a signature
// value that does not verify over the payload with its key (a tampered
// payload or protected header, a swapped key, a broken signature).
var ErrInvalidSignature = errors.New("invalid signature")

// Limits on a signed document, beyond which Parse refuses it (and Sign
// does not write it). Real manifests carry one signature and chains of a
// few certificates; the limits bound the work a hostile document can cause.
const (
	MaxSignatures = 16
	MaxChain      = 10
)

// Signer is one signature to add to a payload: Key signs, and Chain, when
// not empty, is an x509 chain, leaf first, whose leaf certifies Key's public
// key. With a Chain the signature header carries "x5c" (the certificates'
// DER in standard base64) instead of "jwk", as libtrust's SignWithChain
// writes it.
type Signer struct {
	Key   *Key
	Chain []*x509.Certificate
}

// Signature describes one signature of a parsed or built manifest. Every
// Signature that Parse returns has been verified.
type Signature struct {
	// Algorithm is the header's "alg": ES256, ES384, ES512, RS256, RS384
	// or RS512.
	Algorithm string
	// Key is the key that verifies the signature: the header's "jwk", or
	// the public key of the first "x5c" certificate when there is a chain.
	Key *PublicKey
	// Chain holds the DER of the header's "x5c" certificates, leaf first;
	// nil when the header carries a jwk only.
	Chain [][]byte
	// Time is the protected header's "time" as written (libtrust writes
	// RFC 3339 in UTC, to the second). Nothing checks it.
	Time string
}

// Sign signs payload, a JSON object such as a schema1 manifest payload,
// with each signer and returns the signed document exactly as libtrust's
// JSONSignature.Sign and PrettySignature("signatures") write it: the payload
// up to its last member, then a "signatures" member holding one signature
// per signer sorted by key ID, indented like the payload. Every signature's
// protected header is {"formatLength":N,"formatTail":…,"time":…} with t in
// UTC to the second; a zero t means the current time.
//
// Sign checks only what signing needs (a non-empty JSON object, signers
// with keys, chains that certify their keys), not that payload is a valid
// manifest: it can sign deliberately invalid manifests for tests. Parse
// recovers payload byte for byte from the result.
func Sign(payload []byte, t time.Time, signers ...Signer) ([]byte, error) {
	doc, _, err := sign(payload, t, signers)
	if err != nil {
		return nil, fmt.Errorf("schema1.Sign: %w", err)
	}
	return doc, nil
}

// The JSON forms of a signature, in libtrust's member order.
type wireHeader struct {
	JWK json.RawMessage `json:"jwk,omitempty"`
	Alg string          `json:"alg"`
	X5C []string        `json:"x5c,omitempty"`
}

type wireSignature struct {
	Header    wireHeader `json:"header"`
	Signature string     `json:"signature"`
	Protected string     `json:"protected,omitempty"`
}

// protectedHeader is written with its members in sorted order, as libtrust
// marshals it from a map.
type protectedHeader struct {
	FormatLength int    `json:"formatLength"`
	FormatTail   string `json:"formatTail"`
	Time         string `json:"time"`
}

func sign(payload []byte, t time.Time, signers []Signer) ([]byte, []Signature, error) {
	if len(signers) == 0 {
		return nil, nil, errors.New("no signers")
	}
	if len(signers) > MaxSignatures {
		return nil, nil, fmt.Errorf("%d signers, want at most %d", len(signers), MaxSignatures)
	}
	fl, err := formatLength(payload)
	if err != nil {
		return nil, nil, err
	}
	if t.IsZero() {
		t = time.Now()
	}
	ts := t.UTC().Format(time.RFC3339)
	pj, err := json.Marshal(protectedHeader{FormatLength: fl, FormatTail: b64url(payload[fl:]), Time: ts})
	if err != nil {
		return nil, nil, err
	}
	protected := b64url(pj)
	input := signingInput(protected, payload)

	type entry struct {
		kid  string
		wire wireSignature
		info Signature
	}
	entries := make([]entry, len(signers))
	for i, s := range signers {
		if s.Key == nil {
			return nil, nil, fmt.Errorf("signers[%d].Key is nil", i)
		}
		v, err := s.Key.sign(input)
		if err != nil {
			return nil, nil, fmt.Errorf("signers[%d]: %w", i, err)
		}
		e := entry{
			kid:  s.Key.KeyID(),
			wire: wireSignature{Header: wireHeader{Alg: s.Key.Algorithm()}, Signature: b64url(v), Protected: protected},
			info: Signature{Algorithm: s.Key.Algorithm(), Key: s.Key.Public(), Time: ts},
		}
		if len(s.Chain) > MaxChain {
			return nil, nil, fmt.Errorf("signers[%d]: chain of %d certificates, want at most %d", i, len(s.Chain), MaxChain)
		}
		if len(s.Chain) > 0 {
			for j, c := range s.Chain {
				if c == nil {
					return nil, nil, fmt.Errorf("signers[%d].Chain[%d] is nil", i, j)
				}
				e.wire.Header.X5C = append(e.wire.Header.X5C, base64.StdEncoding.EncodeToString(c.Raw))
				e.info.Chain = append(e.info.Chain, bytes.Clone(c.Raw))
			}
			leaf, err := NewPublicKey(s.Chain[0].PublicKey)
			if err != nil || !leaf.Equal(s.Key.Public()) {
				return nil, nil, fmt.Errorf("signers[%d].Chain[0] certifies another key than %s", i, s.Key)
			}
		} else {
			e.wire.Header.JWK = s.Key.Public().JWK()
		}
		entries[i] = e
	}
	// libtrust sorts by key ID, then by signature value.
	sort.SliceStable(entries, func(i, j int) bool {
		if entries[i].kid != entries[j].kid {
			return entries[i].kid < entries[j].kid
		}
		return entries[i].wire.Signature < entries[j].wire.Signature
	})
	wires := make([]wireSignature, len(entries))
	infos := make([]Signature, len(entries))
	for i, e := range entries {
		wires[i], infos[i] = e.wire, e.info
	}

	indent := detectIndent(payload)
	var sj []byte
	if indent != "" {
		sj, err = json.MarshalIndent(wires, indent, indent)
	} else {
		sj, err = json.Marshal(wires)
	}
	if err != nil {
		return nil, nil, err
	}
	doc := make([]byte, 0, fl+len(sj)+len(indent)+20)
	doc = append(doc, payload[:fl]...)
	doc = append(doc, ',')
	if indent != "" {
		doc = append(doc, '\n')
		doc = append(doc, indent...)
		doc = append(doc, `"signatures": `...)
		doc = append(doc, sj...)
		doc = append(doc, '\n')
	} else {
		doc = append(doc, `"signatures":`...)
		doc = append(doc, sj...)
	}
	doc = append(doc, '}')
	return doc, infos, nil
}

// formatLength finds where libtrust cuts a payload: just after the last
// non-space character before the closing brace. The payload must be a
// non-empty JSON object (libtrust would write invalid JSON for "{}").
func formatLength(payload []byte) (int, error) {
	if !json.Valid(payload) {
		return 0, errors.New("payload is not valid JSON")
	}
	notSpace := func(r rune) bool { return !unicode.IsSpace(r) }
	closeIndex := bytes.LastIndexFunc(payload, notSpace)
	if closeIndex < 0 || payload[closeIndex] != '}' {
		return 0, errors.New("payload is not a JSON object")
	}
	last := bytes.LastIndexFunc(payload[:closeIndex], notSpace)
	if last < 0 || payload[last] == '{' || payload[last] == ',' {
		return 0, errors.New("payload is an empty JSON object, want at least one member")
	}
	return last + 1, nil
}

// detectIndent returns the indent libtrust detects in a payload: the bytes
// between "{\n" and the first quote.
func detectIndent(payload []byte) string {
	if len(payload) > 2 && payload[0] == '{' && payload[1] == '\n' {
		if q := bytes.IndexByte(payload[1:], '"'); q > 0 {
			return string(payload[2 : q+1])
		}
	}
	return ""
}

func signingInput(protected string, payload []byte) []byte {
	enc := base64.RawURLEncoding
	in := make([]byte, 0, len(protected)+1+enc.EncodedLen(len(payload)))
	in = append(in, protected...)
	in = append(in, '.')
	return enc.AppendEncode(in, payload)
}

// verifySignatures reads the "signatures" member (raw) of document b,
// rebuilds the payload from the protected headers and verifies every
// signature over it. Errors name the offending member, without a prefix.
func verifySignatures(b []byte, raw json.RawMessage) ([]byte, []Signature, error) {
	if len(raw) == 0 || raw[0] != '[' {
		return nil, nil, fmt.Errorf("signatures = %s, want an array", excerpt(raw))
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, nil, fmt.Errorf("signatures: %v", err)
	}
	if len(list) == 0 {
		return nil, nil, errors.New(`signatures = [], want at least one signature (or no "signatures" member for an unsigned manifest)`)
	}
	if len(list) > MaxSignatures {
		return nil, nil, fmt.Errorf("len(signatures) = %d, want at most %d", len(list), MaxSignatures)
	}
	type parsed struct {
		protected string
		value     []byte
	}
	sigs := make([]Signature, len(list))
	ps := make([]parsed, len(list))
	fl := -1
	var tail []byte
	for i, item := range list {
		where := fmt.Sprintf("signatures[%d]", i)
		m, err := object(item)
		if err != nil {
			return nil, nil, fmt.Errorf("%s %v", where, err)
		}
		if err := checkFold(m, where, signatureMembers); err != nil {
			return nil, nil, err
		}
		hraw, ok := m["header"]
		if !ok {
			return nil, nil, fmt.Errorf("%s.header missing", where)
		}
		hdr, err := object(hraw)
		if err != nil {
			return nil, nil, fmt.Errorf("%s.header %v", where, err)
		}
		if err := checkFold(hdr, where+".header", headerMembers); err != nil {
			return nil, nil, err
		}
		alg, err := stringMember(hdr, "alg", where+".header")
		if err != nil {
			return nil, nil, err
		}
		var jwkKey *PublicKey
		if j, ok := hdr["jwk"]; ok {
			if jwkKey, err = parseJWK(j); err != nil {
				return nil, nil, at(where+".header.jwk", err)
			}
		}
		if x, ok := hdr["x5c"]; ok {
			chain, leaf, err := parseChain(x)
			if err != nil {
				return nil, nil, at(where+".header.x5c", err)
			}
			if jwkKey != nil && !jwkKey.Equal(leaf) {
				return nil, nil, fmt.Errorf("%s.header.jwk is %s, want the key of x5c[0], %s", where, jwkKey, leaf)
			}
			sigs[i].Chain = chain
			sigs[i].Key = leaf
		} else if jwkKey != nil {
			sigs[i].Key = jwkKey
		} else {
			return nil, nil, fmt.Errorf(`%s.header has neither "jwk" nor "x5c", want a key`, where)
		}
		sigs[i].Algorithm = alg

		sv, err := stringMember(m, "signature", where)
		if err != nil {
			return nil, nil, err
		}
		if ps[i].value, err = b64urlDecode(sv); err != nil {
			return nil, nil, fmt.Errorf("%s.signature = %q, want base64url", where, clip(sv))
		}
		pv, err := stringMember(m, "protected", where)
		if err != nil {
			return nil, nil, err
		}
		ps[i].protected = pv
		pj, err := b64urlDecode(pv)
		if err != nil {
			return nil, nil, fmt.Errorf("%s.protected = %q, want base64url", where, clip(pv))
		}
		ph, err := object(pj)
		if err != nil {
			return nil, nil, fmt.Errorf("%s.protected %v", where, err)
		}
		var n int
		flRaw, ok := ph["formatLength"]
		if !ok {
			return nil, nil, fmt.Errorf("%s.protected.formatLength missing", where)
		}
		if err := json.Unmarshal(flRaw, &n); err != nil || flRaw[0] == 'n' || n < 0 || n > len(b) {
			return nil, nil, fmt.Errorf("%s.protected.formatLength = %s, want an integer from 0 to %d (the document's length)", where, excerpt(flRaw), len(b))
		}
		ts, err := stringMember(ph, "formatTail", where+".protected")
		if err != nil {
			return nil, nil, err
		}
		t, err := b64urlDecode(ts)
		if err != nil {
			return nil, nil, fmt.Errorf("%s.protected.formatTail = %q, want base64url", where, clip(ts))
		}
		if fl < 0 {
			fl, tail = n, t
		} else if n != fl {
			return nil, nil, fmt.Errorf("%s.protected.formatLength = %d, want %d as in signatures[0]", where, n, fl)
		} else if !bytes.Equal(t, tail) {
			return nil, nil, fmt.Errorf("%s.protected.formatTail = %q, want %q as in signatures[0]", where, clip(string(t)), clip(string(tail)))
		}
		if tr, ok := ph["time"]; ok {
			s, ok := decodeString(tr)
			if !ok {
				return nil, nil, fmt.Errorf("%s.protected.time = %s, want a string", where, excerpt(tr))
			}
			sigs[i].Time = s
		}
	}
	payload := make([]byte, 0, fl+len(tail))
	payload = append(payload, b[:fl]...)
	payload = append(payload, tail...)
	for i := range sigs {
		input := signingInput(ps[i].protected, payload)
		if err := sigs[i].Key.verify(sigs[i].Algorithm, input, ps[i].value); err != nil {
			if errors.Is(err, ErrInvalidSignature) {
				return nil, nil, fmt.Errorf("signatures[%d]: %w", i, ErrInvalidSignature)
			}
			return nil, nil, fmt.Errorf("signatures[%d].header: %v", i, err)
		}
	}
	return payload, sigs, nil
}

// parseChain reads an "x5c" member: 1 to MaxChain certificates in standard
// base64 DER, leaf first. It returns the DER and the leaf's key. Errors are
// meant for at.
func parseChain(raw json.RawMessage) ([][]byte, *PublicKey, error) {
	var list []json.RawMessage
	if len(raw) == 0 || raw[0] != '[' || json.Unmarshal(raw, &list) != nil {
		return nil, nil, fmt.Errorf("= %s, want an array of certificates", excerpt(raw))
	}
	if len(list) == 0 || len(list) > MaxChain {
		return nil, nil, fmt.Errorf("has %d certificates, want 1 to %d", len(list), MaxChain)
	}
	chain := make([][]byte, len(list))
	var leaf *PublicKey
	for i, item := range list {
		s, ok := decodeString(item)
		if !ok {
			return nil, nil, fmt.Errorf("[%d] = %s, want a string", i, excerpt(item))
		}
		der, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, nil, fmt.Errorf("[%d] = %q, want standard base64", i, clip(s))
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, nil, fmt.Errorf("[%d]: %v", i, err)
		}
		if i == 0 {
			if leaf, err = NewPublicKey(cert.PublicKey); err != nil {
				return nil, nil, fmt.Errorf("[0]: certificate key: %v", err)
			}
		}
		chain[i] = der
	}
	return chain, leaf, nil
}

// VerifyChains verifies the x5c chain of every signature of m that has one
// against roots (nil means the system roots), at the current time and for
// any extended key usage, and returns the verified chains. Signatures
// without a chain are not checked, as with libtrust's VerifyChains; the
// signatures themselves were verified by Parse or Build.
func (m *Manifest) VerifyChains(roots *x509.CertPool) ([][]*x509.Certificate, error) {
	var out [][]*x509.Certificate
	for i, s := range m.Signatures {
		if len(s.Chain) == 0 {
			continue
		}
		certs := make([]*x509.Certificate, len(s.Chain))
		for j, der := range s.Chain {
			c, err := x509.ParseCertificate(der)
			if err != nil {
				return nil, fmt.Errorf("schema1.Manifest.VerifyChains: signatures[%d].header.x5c[%d]: %v", i, j, err)
			}
			certs[j] = c
		}
		inter := x509.NewCertPool()
		for _, c := range certs[1:] {
			inter.AddCert(c)
		}
		chains, err := certs[0].Verify(x509.VerifyOptions{
			Roots:         roots,
			Intermediates: inter,
			KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
		})
		if err != nil {
			return nil, fmt.Errorf("schema1.Manifest.VerifyChains: signatures[%d]: %w", i, err)
		}
		out = append(out, chains...)
	}
	return out, nil
}

// object decodes raw as a JSON object (white space around it allowed). Its
// error starts with "= …".
func object(raw []byte) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	t := bytes.TrimLeft(raw, " \t\r\n")
	if len(t) == 0 || t[0] != '{' || json.Unmarshal(raw, &m) != nil {
		return nil, fmt.Errorf("= %s, want a JSON object", excerpt(raw))
	}
	return m, nil
}

// stringMember returns the string member name of m; where names m in the
// error.
func stringMember(m map[string]json.RawMessage, name, where string) (string, error) {
	v, ok := m[name]
	if !ok {
		return "", fmt.Errorf("%s.%s missing", where, name)
	}
	s, ok := decodeString(v)
	if !ok {
		return "", fmt.Errorf("%s.%s = %s, want a string", where, name, excerpt(v))
	}
	return s, nil
}

// decodeString decodes a JSON string (not null, not another type).
func decodeString(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 || raw[0] != '"' {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

const clipLen = 64

// excerpt returns raw JSON for an error message, cut to clipLen bytes.
func excerpt(raw []byte) string {
	if len(raw) == 0 {
		return "(nothing)"
	}
	return clip(string(raw))
}

// clip cuts s to clipLen bytes (on a rune boundary) and marks the cut.
func clip(s string) string {
	if len(s) <= clipLen {
		return s
	}
	i := clipLen
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return strings.ToValidUTF8(s[:i], "\uFFFD") + "…"
}
