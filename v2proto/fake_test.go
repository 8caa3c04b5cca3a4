package v2proto

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/registrytest/registrytest/failures"
)

// fakeRegistry is a small registry for the client's unit tests: it
// authenticates as distribution does (none, Basic, or Bearer tokens from its
// own token server) and answers the routes a test registers.
type fakeRegistry struct {
	mode  string            // "none", "basic" or "bearer"
	users map[string]string // user -> password

	// tokenPrefix starts every token issued; tokenBody, when set, replaces
	// the token server's answer.
	tokenPrefix string
	expiresIn   any // the expires_in of token answers; nil: left out
	tokenBody   func(token string) string
	accessKey   string // "token" or "access_token"

	srv, tokenSrv *httptest.Server

	mu        sync.Mutex
	routes    map[string]http.HandlerFunc // "METHOD /path" -> handler
	tokens    map[string][]string         // issued token -> scopes
	tokenReqs []tokenRequest
	requests  []string // "METHOD path Authorization" of registry requests
	issued    int
}

type tokenRequest struct {
	Query url.Values
	User  string // Basic user, "" when none
}

func newFakeRegistry(t testing.TB, mode string) *fakeRegistry {
	f := &fakeRegistry{
		mode:        mode,
		users:       map[string]string{"alice": "s3cret"},
		tokenPrefix: "tok",
		expiresIn:   300,
		accessKey:   "token",
		routes:      map[string]http.HandlerFunc{},
		tokens:      map[string][]string{},
	}
	f.tokenSrv = httptest.NewServer(http.HandlerFunc(f.serveToken))
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	t.Cleanup(f.tokenSrv.Close)
	return f
}

func (f *fakeRegistry) route(methodPath string, h http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.routes[methodPath] = h
}

func writeErrors(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"errors":[{"code":%q,"message":%q,"detail":null}]}`, code, message)
}

func (f *fakeRegistry) serveToken(w http.ResponseWriter, r *http.Request) {
	user, pass, hasBasic := r.BasicAuth()
	f.mu.Lock()
	f.tokenReqs = append(f.tokenReqs, tokenRequest{Query: r.URL.Query(), User: user})
	f.mu.Unlock()
	if hasBasic && f.users[user] != pass {
		writeErrors(w, http.StatusUnauthorized, failures.CodeUnauthorized, "invalid credentials")
		return
	}
	f.mu.Lock()
	f.issued++
	tok := fmt.Sprintf("%s-%d", f.tokenPrefix, f.issued)
	f.tokens[tok] = r.URL.Query()["scope"]
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if f.tokenBody != nil {
		fmt.Fprint(w, f.tokenBody(tok))
		return
	}
	body := map[string]any{f.accessKey: tok}
	if f.expiresIn != nil {
		body["expires_in"] = f.expiresIn
	}
	json.NewEncoder(w).Encode(body)
}

// authorized reports whether r may do what it asks; it answers the refusal
// itself.
func (f *fakeRegistry) authorized(w http.ResponseWriter, r *http.Request) bool {
	switch f.mode {
	case "basic":
		user, pass, ok := r.BasicAuth()
		if ok && f.users[user] == pass && pass != "" {
			return true
		}
		w.Header().Set("WWW-Authenticate", `Basic realm="fake"`)
		writeErrors(w, http.StatusUnauthorized, failures.CodeUnauthorized, "authentication required")
		return false
	case "bearer":
		challenge := fmt.Sprintf(`Bearer realm="%s/token",service="fake-registry"`, f.tokenSrv.URL)
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		f.mu.Lock()
		scopes, known := f.tokens[tok]
		f.mu.Unlock()
		if !ok || !known {
			w.Header().Set("WWW-Authenticate", challenge)
			writeErrors(w, http.StatusUnauthorized, failures.CodeUnauthorized, "authentication required")
			return false
		}
		if r.URL.Path == "/v2/" {
			return true
		}
		// /v2/<name>/(manifests|blobs|tags)/...: the name is everything
		// before the last two components.
		parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/v2/"), "/")
		if len(parts) < 3 {
			return true
		}
		name := strings.Join(parts[:len(parts)-2], "/")
		if parts[len(parts)-3] == "blobs" && parts[len(parts)-2] == "uploads" {
			name = strings.Join(parts[:len(parts)-3], "/")
		}
		action := "pull"
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			action = "push"
		}
		for _, s := range scopes {
			if strings.HasPrefix(s, "repository:"+name+":") && strings.Contains(s[len("repository:"+name+":"):], action) {
				return true
			}
		}
		w.Header().Set("WWW-Authenticate", challenge+fmt.Sprintf(`,scope="repository:%s:%s",error="insufficient_scope"`, name, action))
		writeErrors(w, http.StatusUnauthorized, failures.CodeUnauthorized, "authentication required")
		return false
	}
	return true
}

func (f *fakeRegistry) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests = append(f.requests, r.Method+" "+r.URL.Path+" "+r.Header.Get("Authorization"))
	h := f.routes[r.Method+" "+r.URL.Path]
	f.mu.Unlock()
	w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
	if !f.authorized(w, r) {
		return
	}
	if h != nil {
		h(w, r)
		return
	}
	if r.URL.Path == "/v2/" {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, "{}")
		return
	}
	writeErrors(w, http.StatusNotFound, failures.CodeNameUnknown, "repository name not known to registry")
}

func (f *fakeRegistry) client(t testing.TB, opts ...Option) *Client {
	t.Helper()
	c, err := New(f.srv.URL, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
