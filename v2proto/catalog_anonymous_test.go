package v2proto

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// TestCatalogAnonymousQuayGrammar checks that an anonymous catalog listing
// in Quay's scope grammar, which has no scope for the catalog, asks no
// token (Quay answers an anonymous token request without scope 401) and
// sends GET /v2/_catalog without Authorization, as Quay's own client does;
// in distribution's grammar it asks a token for registry:catalog:*.
func TestCatalogAnonymousQuayGrammar(t *testing.T) {
	for _, tt := range []struct {
		grammar    ScopeGrammar
		wantTokens int32
	}{{ScopesQuay, 0}, {ScopesDistribution, 1}} {
		var tokens atomic.Int32
		var srv *httptest.Server
		srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/v2/":
				w.Header().Set("WWW-Authenticate", `Bearer realm="`+srv.URL+`/token",service="test"`)
				w.WriteHeader(http.StatusUnauthorized)
			case "/token":
				tokens.Add(1)
				if r.URL.Query().Get("scope") == "" {
					w.WriteHeader(http.StatusUnauthorized)
					return
				}
				w.Write([]byte(`{"token":"t"}`))
			case "/v2/_catalog":
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(`{"repositories":["a/b"]}`))
			default:
				http.NotFound(w, r)
			}
		}))
		c, err := New(srv.URL, WithScopeGrammar(tt.grammar))
		if err != nil {
			t.Fatal(err)
		}
		res, err := c.Catalog(context.Background())
		srv.Close()
		if err != nil {
			t.Errorf("Catalog() with grammar %v = %v, want the listing", tt.grammar, err)
			continue
		}
		if len(res.Repositories) != 1 || tokens.Load() != tt.wantTokens {
			t.Errorf("Catalog() with grammar %v: %q after %d token requests, want [a/b] after %d", tt.grammar, res.Repositories, tokens.Load(), tt.wantTokens)
		}
	}
}
