package faultreg

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// An Other is another host than the registry's: an HTTP server on its own
// 127.0.0.1 port, reachable under two host names, for redirects, upload
// Locations and token realms that leave the registry. It answers the
// handlers a test registers (Handle), the answers a Registry parked on it
// (Registry.ToOther), and 404 otherwise, and it records every request.
// Its methods are safe for concurrent use.
type Other struct {
	// URL is http://localhost:PORT: another host name than the registry's.
	URL string
	// SameHostnameURL is http://127.0.0.1:PORT: the registry's host name
	// with another port, which net/http's redirect policy treats as the same
	// host (it sends Authorization there).
	SameHostnameURL string

	srv *httptest.Server

	mu       sync.Mutex
	mux      *http.ServeMux
	parked   map[string]*Response
	requests []Request
}

func newOther() (*Other, error) {
	o := &Other{mux: http.NewServeMux(), parked: map[string]*Response{}}
	o.srv = httptest.NewServer(http.HandlerFunc(o.serve))
	o.SameHostnameURL = o.srv.URL
	port := o.srv.URL[strings.LastIndexByte(o.srv.URL, ':')+1:]
	o.URL = "http://localhost:" + port
	return o, nil
}

func (o *Other) close() {
	o.srv.CloseClientConnections()
	o.srv.Close()
}

// Handle registers h for the requests matching pattern (http.ServeMux
// syntax, such as "GET /token").
func (o *Other) Handle(pattern string, h http.Handler) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.mux.Handle(pattern, h)
}

// Requests returns the requests the server received, in order (Rule is
// -1, Steps nil).
func (o *Other) Requests() []Request {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.requests)
}

// park stores resp and returns the path and query at which the server
// answers it: /parked/<id>?sig=<random>, as a storage backend's signed
// URL.
func (o *Other) park(resp *Response) string {
	var b [8]byte
	rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	o.mu.Lock()
	o.parked[id] = resp
	o.mu.Unlock()
	rand.Read(b[:])
	return fmt.Sprintf("/parked/%s?sig=%s", id, hex.EncodeToString(b[:]))
}

func (o *Other) serve(w http.ResponseWriter, r *http.Request) {
	o.mu.Lock()
	o.requests = append(o.requests, Request{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery,
		Authorization: r.Header.Get("Authorization"), Rule: -1})
	parked := o.parked[strings.TrimPrefix(r.URL.Path, "/parked/")]
	mux := o.mux
	o.mu.Unlock()
	if parked != nil && strings.HasPrefix(r.URL.Path, "/parked/") {
		for k, vs := range parked.Header {
			w.Header()[k] = slices.Clone(vs)
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(parked.Body)))
		w.WriteHeader(parked.Status)
		if r.Method != http.MethodHead {
			w.Write(parked.Body)
		}
		return
	}
	mux.ServeHTTP(w, r)
}

// ToOther passes the request to the registry (with the client's
// credentials), parks the answer on o, and answers status (a redirect
// status) with a Location to it: o.URL (another host name), or
// o.SameHostnameURL when sameHostname is set. This is what a registry whose
// storage serves blobs from another host does.
func (o *Other) ToOther(status int, sameHostname bool) Fault {
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		resp, ok := capture(r, next)
		if !ok {
			http.Error(w, "faultreg: upstream body over MaxRewrite", http.StatusBadGateway)
			return
		}
		base := o.URL
		if sameHostname {
			base = o.SameHostnameURL
		}
		w.Header().Set("Location", base+o.park(resp))
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(status)
	}
}
