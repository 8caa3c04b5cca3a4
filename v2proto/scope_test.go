package v2proto

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	digest "github.com/opencontainers/go-digest"

	"github.com/registrytest/registrytest/failures"
)

func TestDefaultScopes(t *testing.T) {
	in := []string{"repository:ns/repo:pull,delete", "repository:ns/repo:push,pull", "repository:a:b:pull,push,delete",
		"registry:catalog:*", "repository:ns/repo:*", "odd"}
	tests := []struct {
		g    ScopeGrammar
		want []string
	}{
		{ScopesDistribution, in},
		{ScopesQuay, []string{"repository:ns/repo:*", "repository:ns/repo:push,pull", "repository:a:b:push,pull,*", "repository:ns/repo:*", "odd"}},
	}
	for _, tt := range tests {
		c, _ := New("http://127.0.0.1:1", WithScopeGrammar(tt.g))
		if diff := cmp.Diff(tt.want, c.defaultScopes(in)); diff != "" {
			t.Errorf("defaultScopes with %v mismatch (-want +got):\n%s", tt.g, diff)
		}
	}
	// The default follows the table; the option wins.
	for _, tt := range []struct {
		opts []Option
		want ScopeGrammar
	}{
		{nil, ScopesDistribution},
		{[]Option{WithTable(failures.Quay)}, ScopesQuay},
		{[]Option{WithTable(failures.Quay), WithScopeGrammar(ScopesDistribution)}, ScopesDistribution},
		{[]Option{WithScopeGrammar(ScopesQuay)}, ScopesQuay},
	} {
		c, _ := New("http://127.0.0.1:1", tt.opts...)
		if c.scopeGrammar != tt.want {
			t.Errorf("New with %d options: grammar %v, want %v", len(tt.opts), c.scopeGrammar, tt.want)
		}
	}
	if got := ScopeGrammar(7).String(); got != "ScopeGrammar(7)" {
		t.Errorf("ScopeGrammar(7).String() = %q", got)
	}
}

// quayTokens makes f's token server refuse, as Quay's does with 400, any
// scope outside Quay's grammar: a resource type other than repository, or
// an action other than push, pull and *.
func quayTokens(f *fakeRegistry) {
	f.tokenSrv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, s := range r.URL.Query()["scope"] {
			typ, rest, _ := strings.Cut(s, ":")
			i := strings.LastIndexByte(rest, ':')
			ok := typ == "repository" && i >= 0
			if ok {
				for _, a := range strings.Split(rest[i+1:], ",") {
					ok = ok && (a == "push" || a == "pull" || a == "*")
				}
			}
			if !ok {
				writeErrors(w, http.StatusBadRequest, "", "Unable to parse scope "+s)
				return
			}
		}
		f.serveToken(w, r)
	})
}

func TestScopeGrammarQuay(t *testing.T) {
	ctx := context.Background()
	alice := WithCredentials("alice", "s3cret")
	d := digest.FromString("a blob")
	for _, g := range []ScopeGrammar{ScopesDistribution, ScopesQuay} {
		t.Run(g.String(), func(t *testing.T) {
			f := newFakeRegistry(t, "bearer")
			quayTokens(f)
			f.route("DELETE /v2/ns/repo/blobs/"+string(d), func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(202) })
			f.route("GET /v2/_catalog", serveJSON(200, "", `{"repositories":["ns/repo"]}`))
			c := f.client(t, WithScopeGrammar(g))
			delErr := c.DeleteBlob(ctx, "ns/repo", d, alice, WithoutDeleteCheck())
			_, catErr := c.Catalog(ctx, alice)
			var scopes [][]string
			for _, tr := range f.tokenReqs {
				scopes = append(scopes, tr.Query["scope"])
			}
			if g == ScopesQuay {
				if delErr != nil || catErr != nil {
					t.Fatalf("DeleteBlob = %v, Catalog = %v, want no errors", delErr, catErr)
				}
				// The fake does not read "*" and wants push for a DELETE:
				// its challenge names push, which the client then asks.
				want := [][]string{{"repository:ns/repo:*"}, {"repository:ns/repo:*", "repository:ns/repo:push"}, nil}
				if diff := cmp.Diff(want, scopes); diff != "" {
					t.Errorf("token request scopes mismatch (-want +got):\n%s", diff)
				}
				return
			}
			// Distribution's scopes, refused by a Quay token server: each
			// error says which scope was refused, at the auth step.
			for _, tc := range []struct {
				err   error
				scope string
			}{{delErr, "repository:ns/repo:pull,delete"}, {catErr, "registry:catalog:*"}} {
				var se *ScopeError
				if !errors.As(tc.err, &se) {
					t.Fatalf("error %v (%T), want a *ScopeError", tc.err, tc.err)
				}
				want := "v2proto: the token request for scope " + tc.scope + " was refused: GET " + f.tokenSrv.URL + "/token?"
				if !strings.HasPrefix(tc.err.Error(), want) || !strings.HasSuffix(tc.err.Error(), "= 400, want 200 (auth)") {
					t.Errorf("error %q, want %s... = 400, want 200 (auth)", tc.err, want)
				}
				if se.Err.Got != 400 || !cmp.Equal(se.Scopes, []string{tc.scope}) {
					t.Errorf("ScopeError = %+v, want scopes [%s], status 400", se, tc.scope)
				}
			}
		})
	}
}

func TestScopeRefused401(t *testing.T) {
	ctx := context.Background()
	f := newFakeRegistry(t, "bearer")
	// The token server refuses the catalog scope with 401 (as to a user
	// it does not grant it), and grants a token without scope.
	f.tokenSrv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Has("scope") {
			writeErrors(w, http.StatusUnauthorized, failures.CodeUnauthorized, "not for you")
			return
		}
		f.serveToken(w, r)
	})
	_, err := f.client(t).Catalog(ctx, WithCredentials("alice", "s3cret"))
	var se *ScopeError
	if !errors.As(err, &se) || !cmp.Equal(se.Scopes, []string{"registry:catalog:*"}) {
		t.Errorf("Catalog = %v, want a *ScopeError for registry:catalog:*", err)
	}
	// Wrong credentials: the token server refuses the scope-less request
	// too, so the scope is not to blame.
	_, err = f.client(t).Catalog(ctx, WithCredentials("alice", "wrong"))
	var st *StatusError
	if errors.As(err, &se) || !errors.As(err, &st) || st.Got != 401 || st.Step != "auth" {
		t.Errorf("Catalog with a wrong password = %v, want a *StatusError at auth (401), not a *ScopeError", err)
	}
}

func TestChallengeScope(t *testing.T) {
	ctx := context.Background()
	alice := WithCredentials("alice", "s3cret")
	d := digest.FromString("a blob")
	// The fake wants push for a DELETE and says so in its challenge:
	// scope="repository:ns/repo:push".
	f := newFakeRegistry(t, "bearer")
	f.route("DELETE /v2/ns/repo/blobs/"+string(d), func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(202) })
	if err := f.client(t).DeleteBlob(ctx, "ns/repo", d, alice, WithoutDeleteCheck()); err != nil {
		t.Fatalf("DeleteBlob = %v, want the challenge's scope asked and the DELETE sent again", err)
	}
	var scopes [][]string
	for _, tr := range f.tokenReqs {
		scopes = append(scopes, tr.Query["scope"])
	}
	want := [][]string{{"repository:ns/repo:pull,delete"}, {"repository:ns/repo:pull,delete", "repository:ns/repo:push"}}
	if diff := cmp.Diff(want, scopes); diff != "" {
		t.Errorf("token request scopes mismatch (-want +got):\n%s", diff)
	}
	var deletes int
	for _, r := range f.requests {
		if strings.HasPrefix(r, "DELETE ") {
			deletes++
		}
	}
	if deletes != 2 {
		t.Errorf("%d DELETE requests, want 2 (refused, then with the new token): %q", deletes, f.requests)
	}

	// WithScopes asks exactly what it names: the 401 stands.
	f.tokenReqs = nil
	err := f.client(t).DeleteBlob(ctx, "ns/repo", d, alice, WithoutDeleteCheck(), WithScopes("repository:ns/repo:pull"))
	var st *StatusError
	if !errors.As(err, &st) || st.Got != 401 || len(f.tokenReqs) != 1 {
		t.Errorf("DeleteBlob with WithScopes = %v after %d token requests, want a 401 *StatusError after 1", err, len(f.tokenReqs))
	}

	// A challenge of too many scopes is not followed.
	f.route("GET /v2/ns/repo/tags/list", func(w http.ResponseWriter, r *http.Request) {
		var many []string
		for i := range 9 {
			many = append(many, fmt.Sprintf("repository:ns/r%d:pull", i))
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="`+f.tokenSrv.URL+`/token",service="fake-registry",scope="`+strings.Join(many, " ")+`"`)
		writeErrors(w, 401, failures.CodeUnauthorized, "more")
	})
	f.tokenReqs = nil
	_, err = f.client(t).Tags(ctx, "ns/repo", alice)
	if !errors.As(err, &st) || st.Got != 401 || len(f.tokenReqs) != 1 {
		t.Errorf("Tags with a challenge of 9 scopes = %v after %d token requests, want the 401 after 1", err, len(f.tokenReqs))
	}

	// A challenge's scope the token server refuses is a *ScopeError.
	quayTokens(f)
	f.route("GET /v2/ns/repo/tags/list", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="`+f.tokenSrv.URL+`/token",service="fake-registry",scope="repository:ns/repo:delete"`)
		writeErrors(w, 401, failures.CodeUnauthorized, "more")
	})
	_, err = f.client(t, WithScopeGrammar(ScopesQuay)).Tags(ctx, "ns/repo", alice)
	var se *ScopeError
	if !errors.As(err, &se) || !cmp.Equal(se.Scopes, []string{"repository:ns/repo:pull", "repository:ns/repo:delete"}) {
		t.Errorf("Tags = %v, want a *ScopeError for the challenge's scope (the token server refused it)", err)
	}
	t.Logf("error: %v", err)
	// Met at the list-tags exchange, it comes as that exchange's
	// *RequestError, whose cause is the *ScopeError.
	wantErr := "GET /v2/ns/repo/tags/list: v2proto: the token request for scopes repository:ns/repo:pull repository:ns/repo:delete was refused: GET "
	if err == nil || !strings.HasPrefix(err.Error(), wantErr) || !strings.HasSuffix(err.Error(), " = 400, want 200 (auth) (list-tags)") {
		t.Errorf("Tags = %v\nwant %s... = 400, want 200 (auth) (list-tags)", err, wantErr)
	}
}

func TestCatalogScopes(t *testing.T) {
	for _, tt := range []struct {
		g    ScopeGrammar
		want []string
	}{{ScopesDistribution, []string{"registry:catalog:*"}}, {ScopesQuay, nil}} {
		c, err := New("http://127.0.0.1:1", WithScopeGrammar(tt.g))
		if err != nil {
			t.Fatal(err)
		}
		if got := c.CatalogScopes(); !slices.Equal(got, tt.want) {
			t.Errorf("CatalogScopes() with %v = %q, want %q", tt.g, got, tt.want)
		}
	}
}
