package v2proto

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// linkView is a Link in comparable form.
type linkView struct {
	Target, URL string
	Rel         []string
	Params      []LinkParam
}

func viewLinks(links []Link) []linkView {
	var out []linkView
	for _, l := range links {
		v := linkView{Target: l.Target, Rel: l.Rel, Params: l.Params}
		if l.URL != nil {
			v.URL = l.URL.String()
		}
		out = append(out, v)
	}
	return out
}

func rel(v string) LinkParam { return LinkParam{Name: "rel", Value: v, HasValue: true} }

func TestParseLink(t *testing.T) {
	base := "http://reg.example:5000/v2/ns/repo/tags/list?n=2"
	tests := []struct {
		name   string
		base   string // "" for a nil base
		values []string
		want   []linkView
	}{
		{"none", base, nil, nil},
		{"empty value", base, []string{""}, nil},
		{"relative path", base, []string{`</v2/ns/repo/tags/list?last=b&n=2>; rel="next"`},
			[]linkView{{"/v2/ns/repo/tags/list?last=b&n=2", "http://reg.example:5000/v2/ns/repo/tags/list?last=b&n=2", []string{"next"}, []LinkParam{rel("next")}}}},
		{"relative to the request's directory", base, []string{`<list?last=c>;rel=next`},
			[]linkView{{"list?last=c", "http://reg.example:5000/v2/ns/repo/tags/list?last=c", []string{"next"}, []LinkParam{rel("next")}}}},
		{"query only", base, []string{`<?last=d&n=2>; rel=next`},
			[]linkView{{"?last=d&n=2", "http://reg.example:5000/v2/ns/repo/tags/list?last=d&n=2", []string{"next"}, []LinkParam{rel("next")}}}},
		{"absolute", base, []string{`<https://other.example/v2/_catalog?n=1&last=a%2Fb>; rel="next"`},
			[]linkView{{"https://other.example/v2/_catalog?n=1&last=a%2Fb", "https://other.example/v2/_catalog?n=1&last=a%2Fb", []string{"next"}, []LinkParam{rel("next")}}}},
		{"scheme-relative", base, []string{`<//cdn.example/x>; rel=next`},
			[]linkView{{"//cdn.example/x", "http://cdn.example/x", []string{"next"}, []LinkParam{rel("next")}}}},
		{"no base", "", []string{`</v2/_catalog?last=x>; rel="next"`},
			[]linkView{{"/v2/_catalog?last=x", "/v2/_catalog?last=x", []string{"next"}, []LinkParam{rel("next")}}}},
		{"several links in one value", base, []string{`</a>; rel="prev", </b>; rel="next"`},
			[]linkView{
				{"/a", "http://reg.example:5000/a", []string{"prev"}, []LinkParam{rel("prev")}},
				{"/b", "http://reg.example:5000/b", []string{"next"}, []LinkParam{rel("next")}},
			}},
		{"several values", base, []string{`</a>; rel=first`, `</b>; rel=next`},
			[]linkView{
				{"/a", "http://reg.example:5000/a", []string{"first"}, []LinkParam{rel("first")}},
				{"/b", "http://reg.example:5000/b", []string{"next"}, []LinkParam{rel("next")}},
			}},
		{"rel with several types", base, []string{"</c>; rel=\"next  last\tx\""},
			[]linkView{{"/c", "http://reg.example:5000/c", []string{"next", "last", "x"}, []LinkParam{rel("next  last\tx")}}}},
		{"quoting", base, []string{`</d>; title="a, \"b\"; c\\"; rel=next`},
			[]linkView{{"/d", "http://reg.example:5000/d", []string{"next"}, []LinkParam{{"title", `a, "b"; c\`, true}, rel("next")}}}},
		{"bare parameter and white space", base, []string{" </e> \t;\tcrossorigin ; rel = next ; type=\"text/plain\" "},
			[]linkView{{"/e", "http://reg.example:5000/e", []string{"next"}, []LinkParam{{"crossorigin", "", false}, rel("next"), {"type", "text/plain", true}}}}},
		{"only the first rel counts", base, []string{`</f>; rel=prev; rel=next`},
			[]linkView{{"/f", "http://reg.example:5000/f", []string{"prev"}, []LinkParam{rel("prev"), rel("next")}}}},
		{"case-insensitive names", base, []string{`</g>; REL="Next"; Title*=UTF-8''x`},
			[]linkView{{"/g", "http://reg.example:5000/g", []string{"Next"}, []LinkParam{{"rel", "Next", true}, {"title*", "UTF-8''x", true}}}}},
		{"empty elements and parameters", base, []string{` , ,</h>;; rel=next;,, </i>;`},
			[]linkView{
				{"/h", "http://reg.example:5000/h", []string{"next"}, []LinkParam{rel("next")}},
				{"/i", "http://reg.example:5000/i", nil, nil},
			}},
		{"comma and semicolon in the target", base, []string{`</j?a=1,2;3>; rel=next`},
			[]linkView{{"/j?a=1,2;3", "http://reg.example:5000/j?a=1,2;3", []string{"next"}, []LinkParam{rel("next")}}}},
		{"no rel", base, []string{`</k>; anchor="#x"`},
			[]linkView{{"/k", "http://reg.example:5000/k", nil, []LinkParam{{"anchor", "#x", true}}}}},
		{"empty target", base, []string{`<>; rel=self`},
			[]linkView{{"", base, []string{"self"}, []LinkParam{rel("self")}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b *url.URL
			if tt.base != "" {
				b = mustURL(t, tt.base)
			}
			links, err := ParseLink(b, tt.values)
			if err != nil {
				t.Fatalf("ParseLink(%q) error: %v", tt.values, err)
			}
			if diff := cmp.Diff(tt.want, viewLinks(links)); diff != "" {
				t.Errorf("ParseLink(%q) mismatch (-want +got):\n%s", tt.values, diff)
			}
		})
	}
}

func TestParseLinkErrors(t *testing.T) {
	base := mustURL(t, "http://reg.example/v2/x/tags/list")
	tests := []struct {
		value   string
		wantErr string
		parsed  int // links returned with the error
	}{
		{`rel="next"`, `v2proto.ParseLink: Link "rel=\"next\"" at 0: want '<' to start a link`, 0},
		{`</a`, `v2proto.ParseLink: Link "</a" at 3: want '>' to end the target URI`, 0},
		{`</a b>; rel=next`, `v2proto.ParseLink: Link "</a b>; rel=next" at 3: white space or control character 0x20 in the target URI`, 0},
		{"</a\x00>", `v2proto.ParseLink: Link "</a\x00>" at 3: white space or control character 0x0 in the target URI`, 0},
		{`</a>; rel="next`, `v2proto.ParseLink: Link "</a>; rel=\"next" at 15: unterminated quoted string`, 0},
		{`</a>; rel="x\`, `v2proto.ParseLink: Link "</a>; rel=\"x\\" at 13: unterminated quoted string`, 0},
		{"</a>; rel=\"x\x01\"", `v2proto.ParseLink: Link "</a>; rel=\"x\x01\"" at 12: control character 0x1 in a quoted string`, 0},
		{`</a> rel=next`, `v2proto.ParseLink: Link "</a> rel=next" at 5: want ';' or ',' after the link`, 1},
		{`</a>; =x`, `v2proto.ParseLink: Link "</a>; =x" at 6: want a parameter name`, 0},
		{`</a>; rel=`, `v2proto.ParseLink: Link "</a>; rel=" at 10: want a token or a quoted string after '='`, 0},
		{`</a>; rel x`, `v2proto.ParseLink: Link "</a>; rel x" at 10: want '=' or ';' or ',' after the parameter name`, 0},
		{`</%zz>; rel=next`, `v2proto.ParseLink: Link "</%zz>; rel=next" at 1: the target is not a URI reference (invalid URL escape "%zz")`, 0},
		{`</a>; rel=next, junk`, `v2proto.ParseLink: Link "</a>; rel=next, junk" at 16: want '<' to start a link`, 1},
		{`</a>; rel=next, </b>; rel="x`, `v2proto.ParseLink: Link "</a>; rel=next, </b>; rel=\"x" at 28: unterminated quoted string`, 1},
	}
	for _, tt := range tests {
		links, err := ParseLink(base, []string{tt.value})
		if err == nil || err.Error() != tt.wantErr {
			t.Errorf("ParseLink(%q) error = %v, want %s", tt.value, err, tt.wantErr)
		}
		if len(links) != tt.parsed {
			t.Errorf("ParseLink(%q) returned %d links with the error, want %d", tt.value, len(links), tt.parsed)
		}
	}
	long := strings.Repeat("</x>; rel=next, ", MaxLinkHeader/16+1)
	if _, err := ParseLink(base, []string{long}); err == nil || !strings.Contains(err.Error(), "want at most 65536") {
		t.Errorf("ParseLink of %d bytes: error %v, want one about MaxLinkHeader", len(long), err)
	}
	// Long values are clipped in the message.
	_, err := ParseLink(base, []string{"<" + strings.Repeat("a", 500)})
	if err == nil || len(err.Error()) > 250 {
		t.Errorf("ParseLink of an unterminated 500-byte target: error %q, want one clipped", err)
	}
}

func TestLinkHasRelParam(t *testing.T) {
	links, err := ParseLink(nil, []string{`</x>; Rel="NEXT prev"; Type=a; type=b`})
	if err != nil || len(links) != 1 {
		t.Fatalf("ParseLink = %v, %v", links, err)
	}
	l := links[0]
	for _, r := range []string{"next", "Next", "PREV"} {
		if !l.HasRel(r) {
			t.Errorf("HasRel(%q) = false, want true", r)
		}
	}
	if l.HasRel("last") {
		t.Errorf(`HasRel("last") = true, want false`)
	}
	if v, ok := l.Param("TYPE"); v != "a" || !ok {
		t.Errorf(`Param("TYPE") = %q, %v, want "a", true`, v, ok)
	}
	if v, ok := l.Param("title"); v != "" || ok {
		t.Errorf(`Param("title") = %q, %v, want "", false`, v, ok)
	}
}

// formatLink writes l back as a link-value, every parameter value quoted.
func formatLink(l Link) string {
	var b strings.Builder
	b.WriteString("<" + l.Target + ">")
	for _, p := range l.Params {
		b.WriteString("; " + p.Name)
		if p.HasValue {
			b.WriteString("=" + quote(p.Value))
		}
	}
	return b.String()
}

func FuzzParseLink(f *testing.F) {
	for _, s := range []string{
		`</v2/ns/repo/tags/list?last=b&n=2>; rel="next"`,
		`<https://other.example/v2/_catalog?n=1>; rel=next, </b>; rel="prev"`,
		`</d>; title="a, \"b\"; c"; rel="next last"`,
		` , ,</h>;; rel=next;,, </i>;`,
		`</a b>; rel=next`,
		`</%zz>; rel=next`,
		"</a>; rel=\"x\x01\"",
		`<>; REL=Next; title*=UTF-8''%e2%82%ac`,
		`<//host/x>; anchor="#a"`,
	} {
		f.Add(s)
	}
	base, _ := url.Parse("http://reg.example:5000/v2/ns/repo/tags/list?n=2")
	f.Fuzz(func(t *testing.T, value string) {
		links, err := ParseLink(base, []string{value})
		for _, l := range links {
			if l.URL == nil {
				t.Fatalf("ParseLink(%q): a link with a nil URL", value)
			}
			var firstRel *LinkParam
			for i := range l.Params {
				if l.Params[i].Name != strings.ToLower(l.Params[i].Name) {
					t.Errorf("ParseLink(%q): parameter name %q not lower-cased", value, l.Params[i].Name)
				}
				if l.Params[i].Name == "rel" && firstRel == nil {
					firstRel = &l.Params[i]
				}
			}
			if firstRel == nil && l.Rel != nil || firstRel != nil && !cmp.Equal(l.Rel, strings.Fields(firstRel.Value)) {
				t.Errorf("ParseLink(%q): Rel = %q, want the fields of the first rel parameter", value, l.Rel)
			}
		}
		if err != nil {
			if !strings.HasPrefix(err.Error(), "v2proto.ParseLink: ") {
				t.Errorf("ParseLink(%q) error %q, want the package's form", value, err)
			}
			return
		}
		// What parsed formats back into the same links.
		var parts []string
		for _, l := range links {
			parts = append(parts, formatLink(l))
		}
		again, err := ParseLink(base, []string{strings.Join(parts, ", ")})
		if err != nil {
			t.Fatalf("ParseLink(%q) = %q, but its formatted form does not parse: %v", value, parts, err)
		}
		if diff := cmp.Diff(viewLinks(links), viewLinks(again)); diff != "" {
			t.Errorf("ParseLink(%q) round trip mismatch (-first +second):\n%s", value, diff)
		}
	})
}

func BenchmarkParseLink(b *testing.B) {
	base, _ := url.Parse("http://127.0.0.1:5000/v2/ns/repo/tags/list?n=100")
	values := []string{`</v2/ns/repo/tags/list?last=t099&n=100>; rel="next", </v2/ns/repo/tags/list?n=100>; rel="first"; title="page \"one\""`}
	for b.Loop() {
		if _, err := ParseLink(base, values); err != nil {
			b.Fatal(err)
		}
	}
}

func ExampleParseLink() {
	req, _ := url.Parse("http://127.0.0.1:5000/v2/_catalog?n=2")
	links, err := ParseLink(req, []string{`</v2/_catalog?last=pg%2Fbeta&n=2>; rel="next"`})
	if err != nil {
		panic(err)
	}
	for _, l := range links {
		fmt.Println(l.HasRel("next"), l.URL)
	}
	// Output:
	// true http://127.0.0.1:5000/v2/_catalog?last=pg%2Fbeta&n=2
}
