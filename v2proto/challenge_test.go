package v2proto

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseChallenges(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		want   []Challenge
	}{
		{
			name:   "distribution token",
			values: []string{`Bearer realm="http://127.0.0.1:5100/token",service="realreg-registry"`},
			want:   []Challenge{{Scheme: "Bearer", Params: map[string]string{"realm": "http://127.0.0.1:5100/token", "service": "realreg-registry"}}},
		},
		{
			name:   "scope with commas and error",
			values: []string{`Bearer realm="https://a/t",service="s",scope="repository:foo/bar:pull,push",error="insufficient_scope"`},
			want: []Challenge{{Scheme: "Bearer", Params: map[string]string{
				"realm": "https://a/t", "service": "s", "scope": "repository:foo/bar:pull,push", "error": "insufficient_scope"}}},
		},
		{
			name:   "basic",
			values: []string{`Basic realm="realreg-basic"`},
			want:   []Challenge{{Scheme: "Basic", Params: map[string]string{"realm": "realreg-basic"}}},
		},
		{
			name:   "RFC 7235 example: two challenges in one value",
			values: []string{`Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple"`},
			want: []Challenge{
				{Scheme: "Newauth", Params: map[string]string{"realm": "apps", "type": "1", "title": `Login to "apps"`}},
				{Scheme: "Basic", Params: map[string]string{"realm": "simple"}},
			},
		},
		{
			name:   "several values, case-insensitive names, white space, empty elements",
			values: []string{`  ,bearer  REALM = "r" ,, Service=svc ,`, `Basic`},
			want: []Challenge{
				{Scheme: "bearer", Params: map[string]string{"realm": "r", "service": "svc"}},
				{Scheme: "Basic"},
			},
		},
		{
			name:   "token68",
			values: []string{`Negotiate abc+/def==, Basic realm=x`},
			want: []Challenge{
				{Scheme: "Negotiate", Token68: "abc+/def=="},
				{Scheme: "Basic", Params: map[string]string{"realm": "x"}},
			},
		},
		{
			name:   "scheme only, then another",
			values: []string{`Foo, Bearer realm="r"`},
			want:   []Challenge{{Scheme: "Foo"}, {Scheme: "Bearer", Params: map[string]string{"realm": "r"}}},
		},
		{
			name:   "duplicate param keeps the first",
			values: []string{`Bearer realm="a", realm="b"`},
			want:   []Challenge{{Scheme: "Bearer", Params: map[string]string{"realm": "a"}}},
		},
		{
			name:   "escaped backslash and empty quoted string",
			values: []string{`Bearer realm="a\\b", service=""`},
			want:   []Challenge{{Scheme: "Bearer", Params: map[string]string{"realm": `a\b`, "service": ""}}},
		},
		{name: "empty", values: []string{"", " , "}, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseChallenges(tt.values)
			if err != nil {
				t.Fatalf("ParseChallenges(%q): %v", tt.values, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseChallenges(%q) mismatch (-want +got):\n%s", tt.values, diff)
			}
		})
	}
}

func TestParseChallengesErrors(t *testing.T) {
	tests := []struct {
		value string
		want  string
	}{
		{`Bearer realm="x`, `v2proto.ParseChallenges: WWW-Authenticate "Bearer realm=\"x" at 15: unterminated quoted string`},
		{`Bearer realm="x\`, `v2proto.ParseChallenges: WWW-Authenticate "Bearer realm=\"x\\" at 16: unterminated quoted string`},
		{`Bearer realm=, x=y`, `v2proto.ParseChallenges: WWW-Authenticate "Bearer realm=, x=y" at 16: want a space after the auth scheme`},
		{`Bearer realm="a" service="b"`, `v2proto.ParseChallenges: WWW-Authenticate "Bearer realm=\"a\" service=\"b\"" at 17: want a comma after the auth-param realm`},
		{`Bearer realm=@`, `v2proto.ParseChallenges: WWW-Authenticate "Bearer realm=@" at 13: want a token or a quoted string`},
		{`"Bearer"`, `v2proto.ParseChallenges: WWW-Authenticate "\"Bearer\"" at 0: want an auth scheme`},
		{"Bearer realm=\"a\x01\"", `v2proto.ParseChallenges: WWW-Authenticate "Bearer realm=\"a\x01\"" at 15: control character 0x1 in a quoted string`},
		{`Bearer a=b c`, `v2proto.ParseChallenges: WWW-Authenticate "Bearer a=b c" at 11: want a comma after the auth-param a`},
		{`Bearer x y`, `v2proto.ParseChallenges: WWW-Authenticate "Bearer x y" at 9: want '=' after the auth-param name`},
	}
	for _, tt := range tests {
		got, err := ParseChallenges([]string{`Basic realm="first"`, tt.value})
		if err == nil || err.Error() != tt.want {
			t.Errorf("ParseChallenges(%q) error = %v, want %s", tt.value, err, tt.want)
		}
		if len(got) == 0 || !got[0].Is("basic") {
			t.Errorf("ParseChallenges(%q) = %v, want the challenges before the error", tt.value, got)
		}
	}
}

func TestChallengeString(t *testing.T) {
	ch := Challenge{Scheme: "Bearer", Params: map[string]string{"zz": "1", "realm": `a"b\c`, "service": "s", "error": "e", "aa": ""}}
	want := `Bearer realm="a\"b\\c", service="s", error="e", aa="", zz="1"`
	if got := ch.String(); got != want {
		t.Errorf("String() = %s, want %s", got, want)
	}
	back, err := ParseChallenges([]string{ch.String()})
	if err != nil || len(back) != 1 {
		t.Fatalf("ParseChallenges(String()) = %v, %v", back, err)
	}
	if diff := cmp.Diff(ch, back[0]); diff != "" {
		t.Errorf("round trip mismatch (-want +got):\n%s", diff)
	}
	if got := back[0].Param("REALM"); got != `a"b\c` {
		t.Errorf(`Param("REALM") = %q, want %q`, got, `a"b\c`)
	}
}

func FuzzParseChallenges(f *testing.F) {
	for _, s := range []string{
		`Bearer realm="http://127.0.0.1:5100/token",service="realreg-registry"`,
		`Bearer realm="https://a/t",service="s",scope="repository:foo/bar:pull,push",error="insufficient_scope"`,
		`Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple"`,
		`Negotiate abc+/def==, Basic realm=x`,
		`  ,bearer  REALM = "r" ,, Service=svc ,`,
		`Bearer realm="x\`,
		`Bearer abc= def`,
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		chs, err := ParseChallenges([]string{s})
		if err != nil {
			return
		}
		// Every challenge with auth-params formats to text that parses back
		// to it.
		for _, ch := range chs {
			if ch.Token68 != "" {
				continue
			}
			back, err := ParseChallenges([]string{ch.String()})
			if err != nil || len(back) != 1 {
				t.Fatalf("ParseChallenges(%q) = %v, %v, want one challenge", ch.String(), back, err)
			}
			if diff := cmp.Diff(ch, back[0]); diff != "" {
				t.Fatalf("round trip of %q mismatch (-want +got):\n%s", ch.String(), diff)
			}
		}
	})
}

func ExampleParseChallenges() {
	chs, err := ParseChallenges([]string{
		`Bearer realm="https://auth.example/token",service="registry.example",scope="repository:ns/repo:pull"`,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, ch := range chs {
		fmt.Println(ch.Scheme, ch.Param("realm"), ch.Param("service"), ch.Param("scope"))
	}
	// Output:
	// Bearer https://auth.example/token registry.example repository:ns/repo:pull
}

func BenchmarkParseChallenges(b *testing.B) {
	v := []string{`Bearer realm="https://auth.example/token",service="registry.example",scope="repository:ns/repo:pull,push",error="insufficient_scope"`}
	for b.Loop() {
		if _, err := ParseChallenges(v); err != nil {
			b.Fatal(err)
		}
	}
}
