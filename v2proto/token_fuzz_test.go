package v2proto

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// FuzzParseTokenAnswer checks the parser of token servers' answers: it
// never panics; an answer it takes has a token fit for an Authorization
// header and a lifetime within (0, a year]; every token string of the
// answer is among the secrets, whatever else was wrong; and the part of an
// error text taken from the answer holds none of them.
func FuzzParseTokenAnswer(f *testing.F) {
	for _, s := range []string{
		`{"token":"abc","expires_in":300}`,
		`{"access_token":"abc","refresh_token":"r","expires_in":0}`,
		`{"token":"","access_token":"x y"}`,
		`{"token":"abc","expires_in":"abc"}`,
		`{"token":"12","expires_in":-12}`,
		`{"token":"t","expires_in":1e400}`,
		`{"token":"t","expires_in":1e300}`,
		`{"token":"t","expires_in":null,"issued_at":"2020-01-01T00:00:00Z"}`,
		`{"token":["a"],"access_token":{"b":1}}`,
		`{"errors":[{"code":"DENIED"}]}`,
		`not json`,
		``,
		`null`,
		`{"token":"\u0000"}`,
		"{\"token\":\"a\xffb\"}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ta, got, want, ok := parseTokenAnswer(body)
		var members map[string]json.RawMessage
		if json.Unmarshal(body, &members) == nil {
			for _, k := range []string{"token", "access_token", "refresh_token"} {
				var s string
				if json.Unmarshal(members[k], &s) == nil && s != "" && !contains(ta.secrets, s) {
					t.Errorf("parseTokenAnswer(%q): %s %q is not among the secrets %q", body, k, s, ta.secrets)
				}
			}
		}
		if ok {
			if ta.token == "" || strings.ContainsFunc(ta.token, func(r rune) bool { return r < 0x21 || r == 0x7f }) {
				t.Errorf("parseTokenAnswer(%q) took the token %q", body, ta.token)
			}
			if !contains(ta.secrets, ta.token) {
				t.Errorf("parseTokenAnswer(%q): the token is not among the secrets", body)
			}
			if ta.lifetime <= 0 || ta.lifetime > maxTokenLifetime {
				t.Errorf("parseTokenAnswer(%q): lifetime %v", body, ta.lifetime)
			}
			return
		}
		if got == "" || want == "" || len(got) > 100 {
			t.Errorf("parseTokenAnswer(%q) = got %q, want %q", body, got, want)
		}
		if shown, isNum := strings.CutPrefix(got, `with expires_in "`); isNum {
			for _, s := range ta.secrets {
				if strings.Contains(shown, s) {
					t.Errorf("parseTokenAnswer(%q): got %q shows the secret %q", body, got, s)
				}
			}
		}
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// FuzzRedactURL checks redactURL, which shows URLs a registry chose
// (Locations, Links, redirects) in errors and logs: the result is at most
// 1 KiB (and "..."), has no user info, and when it is whole, every query
// parameter but the safe ones shows REDACTED as its value.
func FuzzRedactURL(f *testing.F) {
	for _, s := range []string{
		"/v2/ns/repo/blobs/uploads/u?_state=abc&digest=sha256:aa",
		"http://user:pass@other:5000/x?sig=s&n=1&last=b",
		"https://storage.example/blob?X-Amz-Signature=s%20t&X-Amz-Credential=c",
		"/v2/_catalog?n=10&last=repo&%zz=1&k&=v&last=x",
		"/v2/x?" + strings.Repeat("a=b&", 400),
		"//evil/%2F..%2F?q",
		"?",
	} {
		f.Add(s)
	}
	c, err := New("http://reg.example:5000")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, ref string) {
		u, err := url.Parse(ref)
		if err != nil {
			return
		}
		u = c.base.ResolveReference(u)
		out := c.redactURL(u)
		if len(out) > maxPathShown+3 {
			t.Fatalf("redactURL(%q) has %d bytes", ref, len(out))
		}
		if u.User != nil && !c.sameHost(u) {
			if authority, _, _ := strings.Cut(strings.TrimPrefix(out, u.Scheme+"://"), "/"); strings.Contains(authority, "@") {
				t.Errorf("redactURL(%q) = %q shows user info", ref, out)
			}
		}
		if strings.HasSuffix(out, "...") {
			return
		}
		_, query, _ := strings.Cut(out, "?")
		for _, part := range strings.Split(query, "&") {
			k, v, hasValue := strings.Cut(part, "=")
			name, err := url.QueryUnescape(k)
			if err != nil {
				name = k
			}
			if part == "" || safeQuery[name] {
				continue
			}
			if hasValue && v != "REDACTED" || !hasValue && part != "REDACTED" {
				t.Errorf("redactURL(%q) = %q shows %q", ref, out, part)
			}
		}
	})
}
