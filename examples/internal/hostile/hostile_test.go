package hostile_test

// The hostile-registry tests: a real registry (in-process distribution v3)
// behind internal/faultreg, which makes it misbehave at one step, and a
// check that the client returns a clear error naming the step and what was
// wrong, in time, with bounded memory, without a panic and without a
// secret in any error or log line.

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	. "github.com/registrytest/registrytest/v2proto"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/registrytest/registrytest/examples/internal/distv3"
	"github.com/registrytest/registrytest/examples/internal/faultreg"
	"github.com/registrytest/registrytest/examples/internal/testreg"
	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/fixtures"
)

// The hostile tests' canary user, who may do everything.
const (
	hostileUser     = "canary"
	hostilePassword = "CANARY-hostile-pw-5e2a"
	hostileRepo     = "hostile/repo"
)

// hostileMaxHeap is how much the live heap (runtime.MemStats HeapAlloc
// after a collection, the registry's included) may grow during one
// hostile call. A client that read an endless or stalled body without
// bound would go far past it within the call's deadline.
const hostileMaxHeap = 64 << 20

// hostileDeadline is the context deadline of calls that meet a registry
// that never ends (a stall's deadline falls at the stall: atStall).
const hostileDeadline = time.Second

// A hostileEnv is a registry behind a fault-injecting front and a client of
// the front, whose every error and log line is checked for secrets when the
// test ends.
type hostileEnv struct {
	t     *testing.T
	reg   *testreg.Registry
	f     *faultreg.Registry
	c     *Client
	creds CallOption
	opts  []Option

	mu    sync.Mutex
	lines []string
	texts []string
}

// newHostile starts distribution v3 with auth (AuthToken or AuthBasic, with
// the canary user) behind a faultreg front, and a client of the front.
func newHostile(t *testing.T, auth testreg.AuthMode, opts ...Option) *hostileEnv {
	t.Helper()
	users := []fixtures.TokenUser{{Name: hostileUser, Password: hostilePassword,
		Grants: []fixtures.TokenGrant{{Name: "*", Actions: []string{"*"}}}}}
	e := &hostileEnv{t: t, creds: WithCredentials(hostileUser, hostilePassword)}
	e.reg = distv3.Start(t, testreg.Options{Auth: auth, Users: users})
	e.f = faultreg.Front(t, e.reg)
	c, err := New(e.f.URL, append([]Option{WithLogf(e.logf)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	e.c = c
	e.opts = opts
	t.Cleanup(e.checkSecrets)
	return e
}

func (e *hostileEnv) logf(format string, args ...any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.lines = append(e.lines, fmt.Sprintf(format, args...))
}

// note records err's text and the texts of its fields for the secrets
// check.
func (e *hostileEnv) note(err error) {
	if err == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.texts = append(e.texts, err.Error())
	var se *StatusError
	if errors.As(err, &se) {
		e.texts = append(e.texts, se.Path, se.Body)
		e.texts = append(e.texts, se.Codes...)
		for _, re := range se.Errors {
			e.texts = append(e.texts, re.Code, re.Message, string(re.Detail))
		}
	}
	var re *ResponseError
	if errors.As(err, &re) {
		e.texts = append(e.texts, re.Path, re.Got, re.Want)
	}
	var qe *RequestError
	if errors.As(err, &qe) {
		e.texts = append(e.texts, qe.Path)
	}
}

// secrets returns what must never show: the canary's password and Basic
// credentials, and every Authorization value, token and _state value the
// front and the other host saw.
func (e *hostileEnv) secrets() []string {
	b64 := base64.StdEncoding.EncodeToString([]byte(hostileUser + ":" + hostilePassword))
	out := []string{hostilePassword, b64}
	reqs := append(e.f.Requests(), e.f.Other.Requests()...)
	for _, r := range reqs {
		if _, v, ok := strings.Cut(r.Authorization, " "); ok && len(v) >= 8 {
			out = append(out, v)
		}
		q, _ := url.ParseQuery(r.RawQuery)
		for _, k := range []string{"_state", "sig"} {
			for _, v := range q[k] {
				if len(v) >= 8 {
					out = append(out, v, url.QueryEscape(v))
				}
			}
		}
	}
	return out
}

func (e *hostileEnv) checkSecrets() {
	e.mu.Lock()
	all := append(slices.Clone(e.lines), e.texts...)
	e.mu.Unlock()
	for _, s := range e.secrets() {
		for _, text := range all {
			if strings.Contains(text, s) {
				e.t.Errorf("secret %q shows in: %s", s, text)
			}
		}
	}
}

// bounded runs call with a context that ends after d (0: no deadline),
// notes its error, and fails the test when call does not return within
// d + 10 s (a hang) or when the live heap grew by more than
// hostileMaxHeap meanwhile (sampled every 5 ms; a sample over the bound is
// taken again after a collection).
func (e *hostileEnv) bounded(t *testing.T, d time.Duration, call func(ctx context.Context) error) error {
	t.Helper()
	ctx, cancel := context.Background(), context.CancelFunc(func() {})
	if d > 0 {
		ctx, cancel = context.WithTimeout(ctx, d)
	}
	defer cancel()
	return e.measure(t, ctx, nil, d+10*time.Second, call)
}

// atStall runs call as bounded does, with a context whose deadline falls
// once one of rules has stalled (faultreg.Stall), after 50 ms: the deadline
// comes while the registry stalls, however long the steps before took on
// a busy machine. If no rule stalls, the deadline falls after 10 s.
func (e *hostileEnv) atStall(t *testing.T, rules []*faultreg.Active, call func(ctx context.Context) error) error {
	t.Helper()
	ctx := newLateDeadline()
	var since time.Time
	fire := func() bool {
		stalled := false
		for _, a := range rules {
			stalled = stalled || a.Stalls() > 0
		}
		switch {
		case stalled && since.IsZero():
			since = time.Now()
		case stalled && time.Since(since) >= 50*time.Millisecond:
			ctx.fall()
			return true
		}
		return false
	}
	stop := time.AfterFunc(10*time.Second, ctx.fall)
	defer stop.Stop()
	return e.measure(t, ctx, fire, 20*time.Second, call)
}

// measure runs call(ctx), calling fire every 5 ms until it returns true,
// and checks the call's time (hang) and heap growth.
func (e *hostileEnv) measure(t *testing.T, ctx context.Context, fire func() bool, hang time.Duration, call func(ctx context.Context) error) error {
	t.Helper()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapAlloc, ms.HeapAlloc
	errc := make(chan error, 1)
	go func() { errc <- call(ctx) }()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	timeout := time.After(hang)
	var err error
wait:
	for {
		select {
		case err = <-errc:
			break wait
		case <-tick.C:
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc-min(ms.HeapAlloc, base) > hostileMaxHeap {
				// Garbage or not? Only what survives a collection counts.
				runtime.GC()
				runtime.ReadMemStats(&ms)
			}
			peak = max(peak, ms.HeapAlloc)
			if fire != nil && fire() {
				fire = nil
			}
		case <-timeout:
			t.Fatalf("the call did not return within %v", hang)
		}
	}
	if grew := peak - base; grew > hostileMaxHeap {
		t.Errorf("the heap grew by %d bytes during the call, want at most %d", grew, hostileMaxHeap)
	}
	e.note(err)
	return err
}

// A lateDeadline is a context whose deadline falls when fall is called:
// its Done closes and its Err is context.DeadlineExceeded, as a deadline's.
type lateDeadline struct {
	context.Context
	done chan struct{}
	once sync.Once
}

func newLateDeadline() *lateDeadline {
	return &lateDeadline{Context: context.Background(), done: make(chan struct{})}
}

func (c *lateDeadline) fall() { c.once.Do(func() { close(c.done) }) }

func (c *lateDeadline) Done() <-chan struct{} { return c.done }

func (c *lateDeadline) Err() error {
	select {
	case <-c.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

// forgetTokens makes the client forget its tokens: it gets a new client of
// the front, with the same options.
func (e *hostileEnv) forgetTokens() {
	c, err := New(e.f.URL, append([]Option{WithLogf(e.logf)}, e.opts...)...)
	if err != nil {
		e.t.Fatal(err)
	}
	e.c = c
}

// scopes is the call option asking for pull and push on hostileRepo.
var hostileScopes = WithScopes("repository:" + hostileRepo + ":pull,push")

// pushBlob uploads b to hostileRepo (POST, then PUT with the bytes; no
// fault expected) and returns its digest.
func (e *hostileEnv) pushBlob(b []byte) string {
	e.t.Helper()
	blob := BytesBlob(b)
	if _, err := e.c.PushBlob(context.Background(), hostileRepo, blob, e.creds, hostileScopes,
		WithUpload(Upload{Style: UploadPostPut}), WithBlobChecks(BlobChecks{Head: HeadNone, SkipGet: true})); err != nil {
		e.t.Fatal(err)
	}
	return string(blob.Digest())
}

// drain reads what is left of body and closes it.
func drain(body io.ReadCloser) {
	io.Copy(io.Discard, io.LimitReader(body, 1<<20))
	body.Close()
}

// wantError checks that err is of the type of *target (a pointer to a
// *StatusError, *ResponseError, ...) and that its message matches want,
// in which "…" stands for any text.
func wantError[E error](t *testing.T, what string, err error, want string) E {
	t.Helper()
	var target E
	if !errors.As(err, &target) {
		t.Errorf("%s: error %T %v, want a %T", what, err, err, target)
		return target
	}
	if !matchText(err.Error(), want) {
		t.Errorf("%s: error\n  %s\nwant\n  %s", what, err, want)
	}
	return target
}

func matchText(got, want string) bool {
	parts := strings.Split(want, "…")
	for i := range parts {
		parts[i] = regexp.QuoteMeta(parts[i])
	}
	return regexp.MustCompile(`^(?s)` + strings.Join(parts, ".*") + `$`).MatchString(got)
}

func TestHostileChallenge(t *testing.T) {
	e := newHostile(t, testreg.AuthToken)
	long := `Bearer realm="` + strings.Repeat("a", 1<<20)
	tests := []struct {
		name, header string
		want         string
	}{
		{"unterminated", `Bearer realm="http://x`,
			`GET /v2/ = 401, WWW-Authenticate "Bearer realm=\"http://x", want challenges per RFC 7235 (v2proto.ParseChallenges: WWW-Authenticate "Bearer realm=\"http://x" at 22: unterminated quoted string) (ping)`},
		{"no scheme", `=realm`,
			`GET /v2/ = 401, WWW-Authenticate "=realm", want challenges per RFC 7235 (v2proto.ParseChallenges: WWW-Authenticate "=realm" at 0: want an auth scheme) (ping)`},
		{"other scheme", `Negotiate abc`,
			`GET /v2/ = 401, WWW-Authenticate "Negotiate abc", want a Bearer or Basic challenge (ping)`},
		{"none", "",
			`GET /v2/ = 401, WWW-Authenticate "", want a Bearer or Basic challenge (ping)`},
		{"ftp realm", `Bearer realm="ftp://x/token",service="s"`,
			`GET /v2/ = 401, WWW-Authenticate "Bearer realm=\"ftp://x/token\",service=\"s\"", want a Bearer challenge with an http or https realm (ping)`},
		{"no realm", `Bearer service="s"`,
			`GET /v2/ = 401, WWW-Authenticate "Bearer service=\"s\"", want a Bearer challenge with an http or https realm (ping)`},
		{"relative realm", `Bearer realm="/token"`,
			`GET /v2/ = 401, WWW-Authenticate "Bearer realm=\"/token\"", want a Bearer challenge with an http or https realm (ping)`},
		// Control characters: net/http's transport refuses the answer.
		{"control", "Bearer realm=\"a\x01b\"",
			`GET /v2/: net/http: HTTP/1.x transport connection broken: malformed MIME header line: "Www-Authenticate: Bearer realm=\"a\x01b\"" (ping)`},
		{"control 1 MiB", "Bearer realm=\"\x01" + strings.Repeat("a", 1<<20),
			`GET /v2/: net/http: HTTP/1.x transport connection broken: malformed MIME header line: "Www-Authenticate: Bearer realm=\"\x01aaa…aaa... (ping)`},
		{"1 MiB", long,
			`GET /v2/ = 401, WWW-Authenticate "Bearer realm=\"aaaa…aaa"..., want challenges per RFC 7235 (v2proto.ParseChallenges: WWW-Authenticate "Bearer realm=\"aaa…aaa"... at 1048590: unterminated quoted string) (ping)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.f.Reset()
			e.f.Add(faultreg.Rule{Step: failures.Ping, Fault: faultreg.SetHeader("WWW-Authenticate", tt.header)})
			err := e.bounded(t, 0, func(ctx context.Context) error {
				_, err := e.c.Ping(ctx)
				return err
			})
			if strings.HasPrefix(tt.want, "GET /v2/: ") {
				// net/http refuses the header itself.
				qe := wantError[*RequestError](t, "Ping", err, tt.want)
				if qe != nil && qe.Step != failures.Ping {
					t.Errorf("Ping: step %s, want ping", qe.Step)
				}
				if len(err.Error()) > 1200 {
					t.Errorf("Ping: the error holds %d bytes, want at most about 1 KiB", len(err.Error()))
				}
				return
			}
			re := wantError[*ResponseError](t, "Ping", err, tt.want)
			if re != nil && (re.Step != failures.Ping || re.What != "WWW-Authenticate") {
				t.Errorf("Ping: step %s, what %s, want ping, WWW-Authenticate", re.Step, re.What)
			}
			if len(err.Error()) > 1024 {
				t.Errorf("Ping: the error holds %d bytes, want at most 1 KiB", len(err.Error()))
			}
		})
	}
}

// TestHostileRealmHTTPS checks that an https registry whose Bearer realm is
// plain http is refused before any credentials are sent.
func TestHostileRealmHTTPS(t *testing.T) {
	var tokenRequests int
	var mu sync.Mutex
	tokenSrv := newPlainServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		tokenRequests++
		mu.Unlock()
		fmt.Fprint(w, `{"token":"t"}`)
	}))
	reg := newTLSServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
		w.Header().Set("WWW-Authenticate", `Bearer realm="`+tokenSrv+`/token"`)
		w.WriteHeader(401)
	}))
	c, err := New(reg.URL, WithHTTPClient(reg.Client()))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Token(context.Background(), nil, WithCredentials(hostileUser, hostilePassword))
	wantError[*ResponseError](t, "Token", err,
		`GET /v2/ = 401, WWW-Authenticate "Bearer realm=\"http://127.0.0.1:…/token\"", want a Bearer challenge with an https realm (the registry is https) (ping)`)
	if tokenRequests != 0 {
		t.Errorf("the http token server got %d requests, want none", tokenRequests)
	}
}

// hostileToken returns a call that asks the front for a token for
// hostileRepo as the canary.
func (e *hostileEnv) token(opts ...CallOption) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		_, err := e.c.Token(ctx, []string{"repository:" + hostileRepo + ":pull"}, append([]CallOption{e.creds}, opts...)...)
		return err
	}
}

func TestHostileTokenEndpoint(t *testing.T) {
	e := newHostile(t, testreg.AuthToken)
	jsonHeader := http.Header{"Content-Type": {"application/json"}}
	path := "GET " + faultreg.TokenPath + `?account=canary&scope=repository%3Ahostile%2Frepo%3Apull&service=registrytest`
	tests := []struct {
		name  string
		fault faultreg.Fault
		stall bool   // the deadline falls while the fault stalls
		want  string // a *ResponseError's message, unless it ends "(auth)" after a cause (":")
		check func(t *testing.T, err error)
	}{
		{name: "endless", fault: faultreg.Endless(200, jsonHeader, `{"token":"`),
			want: path + ` = 200, token response more than 1048576 bytes, want a token response (auth)`},
		{name: "huge", fault: faultreg.Respond(200, jsonHeader, `{"token":"`+strings.Repeat("t", 2<<20)+`"}`),
			want: path + ` = 200, token response more than 1048576 bytes, want a token response (auth)`},
		{name: "empty", fault: faultreg.Respond(200, jsonHeader, ``),
			want: path + ` = 200, token response that is not a JSON object, want {"token": "..."} (auth)`},
		{name: "html", fault: faultreg.Respond(200, http.Header{"Content-Type": {"text/html"}}, `<html>sign in</html>`),
			want: path + ` = 200, token response that is not a JSON object, want {"token": "..."} (auth)`},
		{name: "empty token", fault: faultreg.Respond(200, jsonHeader, `{"token":"","access_token":""}`),
			want: path + ` = 200, token response with no "token" or "access_token" string, want a token (auth)`},
		{name: "header injection", fault: faultreg.Respond(200, jsonHeader, `{"token":"abc\r\nX-Injected: 1"}`),
			want: path + ` = 200, token response with a token holding spaces or control characters, want a token fit for an Authorization header (auth)`},
		{name: "expires_in", fault: faultreg.Respond(200, jsonHeader, `{"token":"abc","expires_in":"never"}`),
			want: path + ` = 200, token response with expires_in a string, want a number of seconds (auth)`},
		{name: "500 endless", fault: faultreg.Endless(500, jsonHeader, `{"errors":[`),
			want: path + ` = 500, want 200 (auth)`,
			check: func(t *testing.T, err error) {
				var se *StatusError
				if errors.As(err, &se) && len(se.Body) > MaxBodyExcerpt+3 {
					t.Errorf("StatusError.Body holds %d bytes", len(se.Body))
				}
			}},
		{name: "200 error body", fault: faultreg.Respond(200, jsonHeader, `{"errors":[{"code":"DENIED","message":"no"}]}`),
			want: path + ` = 200, token response with no "token" or "access_token" string, want a token (auth)`},
		{name: "stall mid-body", fault: faultreg.Stall(10), stall: true,
			want: path + `: reading the token response: context deadline exceeded (auth)`,
			check: func(t *testing.T, err error) {
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("error does not wrap context.DeadlineExceeded: %v", err)
				}
			}},
		{name: "stall before headers", fault: faultreg.Stall(-1), stall: true,
			want: path + `: context deadline exceeded (auth)`},
		{name: "short body", fault: faultreg.ContentLength(100),
			want: path + `: reading the token response: unexpected EOF (auth)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.f.Reset()
			rule := e.f.Add(faultreg.Rule{Step: failures.Auth, Fault: tt.fault})
			var err error
			if tt.stall {
				err = e.atStall(t, []*faultreg.Active{rule}, e.token())
			} else {
				err = e.bounded(t, 0, e.token())
			}
			switch rest := strings.TrimPrefix(tt.want, path); {
			case strings.HasPrefix(rest, ": "): // no (complete) answer
				qe := wantError[*RequestError](t, "Token", err, tt.want)
				if qe != nil && qe.Step != failures.Auth {
					t.Errorf("step %s, want auth", qe.Step)
				}
			case strings.Contains(rest, "token response"):
				re := wantError[*ResponseError](t, "Token", err, tt.want)
				if re != nil && re.Step != failures.Auth {
					t.Errorf("step %s, want auth", re.Step)
				}
			default:
				se := wantError[*StatusError](t, "Token", err, tt.want)
				if se != nil && se.Step != failures.Auth {
					t.Errorf("step %s, want auth", se.Step)
				}
			}
			if tt.check != nil {
				tt.check(t, err)
			}
			if rule.Hits() != 1 {
				t.Errorf("the fault answered %d requests, want 1", rule.Hits())
			}
			// An endless answer: the client read a bounded part of it (what
			// the socket buffers took besides).
			if n := rule.Written(); n > MaxTokenBody+16<<20 {
				t.Errorf("the client took %d bytes of the answer, want about %d", n, MaxTokenBody)
			}
		})
	}
}

// TestHostileExpiredToken has the token endpoint hand out a token that
// expired an hour ago: the registry refuses it at the first step that uses
// it, which the client reports, and the next call asks for a new token
// instead of reusing the refused one.
func TestHostileExpiredToken(t *testing.T) {
	e := newHostile(t, testreg.AuthToken)
	iss := e.reg.Issuer
	e.f.Add(faultreg.Rule{Step: failures.Auth, Nth: 1, Fault: faultreg.Rewrite(func(r *http.Request, resp *faultreg.Response) {
		claims := iss.Claims(hostileUser, r.URL.Query()["scope"]...)
		past := time.Now().Add(-time.Hour).Unix()
		claims.IssuedAt, claims.NotBefore, claims.Expiry = past-300, past-300, past
		tok, err := iss.Sign(claims)
		if err != nil {
			t.Error(err)
		}
		resp.Body = fmt.Appendf(nil, `{"token":%q,"expires_in":300}`, tok)
	})})
	get := func(ctx context.Context) error {
		req, _ := http.NewRequest(http.MethodGet, "/v2/"+hostileRepo+"/tags/list", nil)
		resp, err := e.c.Exchange(ctx, failures.ListTags, req, e.creds, hostileScopes)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	err := e.bounded(t, 0, get)
	se := wantError[*StatusError](t, "Exchange with an expired token", err,
		`GET /v2/hostile/repo/tags/list = 401 UNAUTHORIZED, want 200 (list-tags)`)
	if se != nil && se.Step != failures.ListTags {
		t.Errorf("step %s, want list-tags", se.Step)
	}
	// The next call gets a fresh token and succeeds (404: no such
	// repository yet is the registry's answer to a good token).
	err = e.bounded(t, 0, get)
	wantError[*StatusError](t, "Exchange after the refusal", err,
		`GET /v2/hostile/repo/tags/list = 404 NAME_UNKNOWN, want 200 (list-tags)`)
	var auths int
	for _, r := range e.f.Requests() {
		if r.Path == faultreg.TokenPath {
			auths++
		}
	}
	if auths != 2 {
		t.Errorf("%d token requests, want 2 (the refused token is not reused)", auths)
	}
}

// TestHostileRealmOtherHost: a registry whose realm is on another host. The
// client follows it there, by design (token servers are usually elsewhere):
// the call's Basic credentials go to the realm, and the token comes back to
// the registry only. A realm that redirects to yet another host does not
// get the credentials forwarded.
func TestHostileRealmOtherHost(t *testing.T) {
	e := newHostile(t, testreg.AuthToken)
	e.f.Other.Handle("GET /token", e.reg.Issuer)
	e.f.Other.Handle("GET /moved", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Back to the registry's host name, on the front's port: net/http
		// alone would forward the Basic credentials.
		http.Redirect(w, r, e.f.TokenURL()+"?"+r.URL.RawQuery, http.StatusTemporaryRedirect)
	}))
	realm := func(u string) faultreg.Fault {
		return faultreg.EditHeader("WWW-Authenticate", func(_ *http.Request, vs []string) []string {
			return []string{strings.Replace(vs[0], e.f.TokenURL(), u, 1)}
		})
	}

	e.f.Add(faultreg.Rule{Step: failures.Ping, Fault: realm(e.f.Other.URL + "/token")})
	err := e.bounded(t, 0, func(ctx context.Context) error {
		req, _ := http.NewRequest(http.MethodGet, "/v2/"+hostileRepo+"/tags/list", nil)
		_, err := e.c.Exchange(ctx, failures.ListTags, req, e.creds, hostileScopes)
		return err
	})
	// The token worked: the registry knows no such repository.
	wantError[*StatusError](t, "Exchange with a realm on another host", err,
		`GET /v2/hostile/repo/tags/list = 404 NAME_UNKNOWN, want 200 (list-tags)`)
	others := e.f.Other.Requests()
	if len(others) != 1 || !strings.HasPrefix(others[0].Authorization, "Basic ") {
		t.Errorf("the realm on another host got %+v, want one token request with the Basic credentials", others)
	}
	for _, r := range e.f.Requests() {
		if r.Path == "/v2/"+hostileRepo+"/tags/list" && !strings.HasPrefix(r.Authorization, "Bearer ") {
			t.Errorf("the registry got %q, want the token", r.Authorization)
		}
	}

	e.f.Reset()
	e.f.Add(faultreg.Rule{Step: failures.Ping, Fault: realm(e.f.Other.SameHostnameURL + "/moved")})
	err = e.bounded(t, 0, e.token())
	if err != nil {
		t.Fatalf("Token through a redirected realm: %v", err)
	}
	for _, r := range e.f.Requests() {
		if r.Path == faultreg.TokenPath && r.Authorization != "" {
			t.Errorf("the token request redirected to another host carried %q, want no credentials", r.Authorization)
		}
	}
}

func TestHostileRedirects(t *testing.T) {
	e := newHostile(t, testreg.AuthToken)
	blob := []byte("a blob served from another host")
	dgst := e.pushBlob(blob)
	get := func(ctx context.Context) error {
		req, _ := http.NewRequest(http.MethodGet, "/v2/"+hostileRepo+"/blobs/"+dgst, nil)
		resp, err := e.c.Exchange(ctx, failures.GetBlob, req, e.creds, hostileScopes)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err != nil || !bytes.Equal(b, blob) {
			return fmt.Errorf("blob %q, %v, want %q", b, err, blob)
		}
		return nil
	}
	blobPath := "GET /v2/hostile/repo/blobs/" + dgst

	// A blob store on another host: followed without our credentials,
	// whether its host name differs or only its port.
	for _, same := range []bool{false, true} {
		e.f.Reset()
		e.f.Add(faultreg.Rule{Step: failures.GetBlob, Fault: e.f.Other.ToOther(http.StatusTemporaryRedirect, same)})
		before := len(e.f.Other.Requests())
		if err := e.bounded(t, 0, get); err != nil {
			t.Errorf("GET blob redirected to another host (same host name %v): %v", same, err)
		}
		others := e.f.Other.Requests()[before:]
		if len(others) != 1 || others[0].Authorization != "" {
			t.Errorf("the other host (same host name %v) got %+v, want one request without Authorization", same, others)
		}
	}

	tests := []struct {
		name  string
		fault faultreg.Fault
		want  string
	}{
		{"loop", faultreg.Redirect(http.StatusFound, func(r *http.Request) string { return r.URL.Path + "?_state=loop" + r.URL.RawQuery }),
			blobPath + `: stopped after 10 redirects (get-blob)`},
		{"ftp", faultreg.Redirect(http.StatusFound, func(r *http.Request) string { return "ftp://127.0.0.1/blob?sig=CANARY-sig-value" }),
			blobPath + `: unsupported protocol scheme "ftp" (get-blob)`},
		{"bad location", faultreg.Redirect(http.StatusFound, func(r *http.Request) string { return "http://[::1/blob?_state=CANARY-state-value" }),
			blobPath + `: failed to parse Location header "http://[::1/blob?_state=REDACTED": parse "http://[::1/blob?_state=REDACTED": missing ']' in host (get-blob)`},
		{"no location", faultreg.Respond(http.StatusFound, nil, ""),
			blobPath + ` = 302, want 200 (get-blob)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.f.Reset()
			e.f.Add(faultreg.Rule{Step: failures.GetBlob, Fault: tt.fault})
			err := e.bounded(t, 0, get)
			if strings.Contains(tt.want, " = ") {
				wantError[*StatusError](t, "GET blob", err, tt.want)
			} else {
				wantError[*RequestError](t, "GET blob", err, tt.want)
			}
			for _, s := range []string{"CANARY-sig-value", "CANARY-state-value", "loop?"} {
				if err != nil && strings.Contains(err.Error(), s) {
					t.Errorf("the error shows %q", s)
				}
			}
		})
	}
}

// TestHostileBasicRedirect: a Basic registry whose auth step (GET /v2/
// with the credentials) redirects to another port of its host: the
// credentials do not follow.
func TestHostileBasicRedirect(t *testing.T) {
	e := newHostile(t, testreg.AuthBasic)
	e.f.Other.Handle("GET /v2/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
		w.WriteHeader(http.StatusUnauthorized)
	}))
	e.f.Add(faultreg.Rule{Step: failures.Auth, Fault: faultreg.Redirect(http.StatusTemporaryRedirect, func(*http.Request) string {
		return e.f.Other.SameHostnameURL + "/v2/"
	})})
	err := e.bounded(t, 0, e.token())
	wantError[*StatusError](t, "Token", err, `GET /v2/ = 401, want 200 (auth)`)
	noCredentialsAt(t, e.f.Other)
}

// TestHostileUploadLocation: a start-upload answer whose Location leaves
// the registry. Another scheme is refused; another host is followed, but
// the upload's requests carry no credentials there.
func TestHostileUploadLocation(t *testing.T) {
	e := newHostile(t, testreg.AuthToken)
	start := func(loc func(string) string) (*url.URL, error) {
		e.f.Reset()
		e.f.Add(faultreg.Rule{Step: failures.StartUpload, Fault: faultreg.EditHeader("Location", func(_ *http.Request, vs []string) []string {
			return []string{loc(vs[0])}
		})})
		var u *url.URL
		err := e.bounded(t, 0, func(ctx context.Context) error {
			_, err := e.c.PushBlob(ctx, hostileRepo, BytesBlob([]byte("data")), e.creds, hostileScopes, WithBlobChecks(BlobChecks{Head: HeadNone, SkipGet: true}))
			return err
		})
		if reqs := e.f.Other.Requests(); len(reqs) > 0 {
			u, _ = url.Parse(e.f.Other.SameHostnameURL + reqs[0].Path)
		}
		return u, err
	}
	for _, tt := range []struct{ scheme, want string }{
		{"ftp", `an http or https URL`},
		{"file", `an http or https URL`},
		{"javascript", `an http or https URL`},
	} {
		_, err := start(func(loc string) string {
			u, _ := url.Parse(loc)
			u.Scheme = tt.scheme
			return u.String()
		})
		re := wantError[*ResponseError](t, "upload Location "+tt.scheme, err,
			`…POST /v2/hostile/repo/blobs/uploads/ = 202, Location "`+tt.scheme+`://127.0.0.1:…/v2/hostile/repo/blobs/uploads/…?_state=REDACTED", want `+tt.want+` (start-upload)`)
		if re != nil && re.Step != failures.StartUpload {
			t.Errorf("step %s, want start-upload", re.Step)
		}
	}

	// Another host, reached by its port only (the host name is the
	// registry's): the PATCH goes there, without the token.
	e.f.Other.Handle("PATCH /", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
	}))
	u, err := start(func(loc string) string {
		u, _ := url.Parse(loc)
		return e.f.Other.SameHostnameURL + u.RequestURI()
	})
	// The other host's 202 has no Location, so the push stops after the
	// PATCH; what matters is what reached the other host.
	if u == nil {
		t.Fatalf("upload to another host: nothing reached it (%v)", err)
	}
	others := e.f.Other.Requests()
	if len(others) != 1 || others[0].Method != "PATCH" || others[0].Authorization != "" || "http://"+u.Host != e.f.Other.SameHostnameURL {
		t.Errorf("the other host got %+v, want one PATCH without Authorization", others)
	}
}

func TestHostileErrorBodies(t *testing.T) {
	e := newHostile(t, testreg.AuthToken)
	jsonHeader := http.Header{"Content-Type": {"application/json"}}
	manyCodes := `{"errors":[` + strings.Repeat(`{"code":"DENIED"},`, 3000) + `{"code":"LAST"}]}`
	longCode := `{"errors":[{"code":"` + strings.Repeat("X", 4000) + "\\n" + `"}]}`
	get := "GET /v2/hostile/repo/manifests/latest"
	tests := []struct {
		name  string
		fault faultreg.Fault
		stall bool
		want  string
	}{
		{"endless", faultreg.Endless(500, jsonHeader, `{"errors":[{"code":"`), false,
			get + ` = 500, want 200 (get-manifest)`},
		{"not json", faultreg.Respond(400, http.Header{"Content-Type": {"text/html"}}, "<html>\x1b[31mno</html>"), false,
			get + ` = 400, want 200 (get-manifest)`},
		{"many codes", faultreg.Respond(400, jsonHeader, manyCodes), false,
			get + ` = 400 DENIED DENIED DENIED DENIED DENIED DENIED DENIED DENIED (and 2993 more codes), want 200 (get-manifest)`},
		{"long code", faultreg.Respond(400, jsonHeader, longCode), false,
			get + ` = 400 "XXX…XXX"..., want 200 (get-manifest)`},
		{"wrong types", faultreg.Respond(404, jsonHeader, `{"errors":[{"code":7,"message":{"a":1},"detail":"d"},"x",null]}`), false,
			get + ` = 404, want 200 (get-manifest)`},
		{"stall", faultreg.Stall(5), true,
			get + ` = 404, want 200 (get-manifest)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.f.Reset()
			rule := e.f.Add(faultreg.Rule{Step: failures.GetManifest, Fault: tt.fault})
			call := func(ctx context.Context) error {
				req, _ := http.NewRequest(http.MethodGet, "/v2/"+hostileRepo+"/manifests/latest", nil)
				_, err := e.c.Exchange(ctx, failures.GetManifest, req, e.creds, hostileScopes)
				return err
			}
			var err error
			if tt.stall {
				err = e.atStall(t, []*faultreg.Active{rule}, call)
			} else {
				err = e.bounded(t, 0, call)
			}
			se := wantError[*StatusError](t, "Exchange", err, tt.want)
			if se != nil {
				if se.Step != failures.GetManifest {
					t.Errorf("step %s, want get-manifest", se.Step)
				}
				if len(se.Body) > MaxBodyExcerpt+3 || len(err.Error()) > 1024 {
					t.Errorf("Body holds %d bytes, the message %d", len(se.Body), len(err.Error()))
				}
			}
			if n := rule.Written(); n > MaxErrorBody+16<<20 {
				t.Errorf("the client took %d bytes of the answer, want about %d", n, MaxErrorBody)
			}
		})
	}
}

// TestHostileEchoedSecrets has the registry echo the request's
// Authorization value, the token and the upload's _state in every field of
// an error body and in a header; the secrets check of the env finds them
// nowhere in errors or logs.
func TestHostileEchoedSecrets(t *testing.T) {
	for _, auth := range []testreg.AuthMode{testreg.AuthToken, testreg.AuthBasic} {
		t.Run(auth.String(), func(t *testing.T) {
			e := newHostile(t, auth)
			echo := faultreg.Fault(func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
				a := r.Header.Get("Authorization")
				_, v, _ := strings.Cut(a, " ")
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("X-Echo", a)
				w.WriteHeader(http.StatusForbidden)
				fmt.Fprintf(w, `{"errors":[{"code":%q,"message":"you sent %s with %s","detail":{"auth":%q}}]}`, v, a, r.URL.RawQuery, a)
			})
			e.f.Add(faultreg.Rule{Step: failures.UploadChunk, Fault: echo})
			e.f.Add(faultreg.Rule{Step: failures.GetManifest, Fault: echo})
			err := e.bounded(t, 0, func(ctx context.Context) error {
				req, _ := http.NewRequest(http.MethodGet, "/v2/"+hostileRepo+"/manifests/latest", nil)
				_, err := e.c.Exchange(ctx, failures.GetManifest, req, e.creds, hostileScopes)
				return err
			})
			wantError[*StatusError](t, "GET manifest", err, `GET /v2/hostile/repo/manifests/latest = 403 REDACTED, want 200 (get-manifest)`)
			err = e.bounded(t, 0, func(ctx context.Context) error {
				_, err := e.c.PushBlob(ctx, hostileRepo, BytesBlob([]byte("data")), e.creds, hostileScopes, WithBlobChecks(BlobChecks{Head: HeadNone, SkipGet: true}))
				return err
			})
			wantError[*StatusError](t, "PATCH", err, `…PATCH /v2/hostile/repo/blobs/uploads/…?_state=REDACTED = 403 REDACTED, want 202 (upload-chunk)`)
			// The check at the end has the secrets to look for.
			var states int
			for _, r := range e.f.Requests() {
				if strings.Contains(r.RawQuery, "_state=") && r.Authorization != "" {
					states++
				}
			}
			if states == 0 {
				t.Errorf("no request with a _state and credentials reached the registry")
			}
		})
	}
}

// TestHostileStalls: a registry that stalls before its headers or in the
// middle of a body; every read honours the call's context.
func TestHostileStalls(t *testing.T) {
	e := newHostile(t, testreg.AuthToken)
	blob := bytes.Repeat([]byte("stall"), 1000)
	dgst := e.pushBlob(blob)
	path := "GET /v2/hostile/repo/blobs/" + dgst
	get := func(ctx context.Context) error {
		req, _ := http.NewRequest(http.MethodGet, "/v2/"+hostileRepo+"/blobs/"+dgst, nil)
		resp, err := e.c.Exchange(ctx, failures.GetBlob, req, e.creds, hostileScopes)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
	rule := e.f.Add(faultreg.Rule{Step: failures.GetBlob, Nth: 1, Fault: faultreg.Stall(-1)})
	err := e.atStall(t, []*faultreg.Active{rule}, get)
	qe := wantError[*RequestError](t, "GET blob stalled before its headers", err, path+`: context deadline exceeded (get-blob)`)
	if qe != nil && (qe.Step != failures.GetBlob || !errors.Is(err, context.DeadlineExceeded)) {
		t.Errorf("step %s, cause %v, want get-blob and the deadline", qe.Step, qe.Err)
	}
	e.f.Reset()
	rule = e.f.Add(faultreg.Rule{Step: failures.GetBlob, Fault: faultreg.Stall(100)})
	err = e.atStall(t, []*faultreg.Active{rule}, get)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("GET blob stalled mid-body: reading the body: %v, want the deadline", err)
	}
	// The ping and the token request stall: the same.
	for _, step := range []failures.Step{failures.Ping, failures.Auth} {
		e.forgetTokens()
		e.f.Reset()
		rule := e.f.Add(faultreg.Rule{Step: step, Fault: faultreg.Stall(-1)})
		err = e.atStall(t, []*faultreg.Active{rule}, get)
		qe := wantError[*RequestError](t, "GET blob, stalled at "+string(step), err, `GET …: context deadline exceeded (`+string(step)+`)`)
		if qe != nil && qe.Step != step {
			t.Errorf("step %s, want %s", qe.Step, step)
		}
	}
}

// TestHostileHangupMidUpload: the registry closes the connection in the
// middle of a PATCH.
func TestHostileHangupMidUpload(t *testing.T) {
	e := newHostile(t, testreg.AuthToken)
	e.f.Add(faultreg.Rule{Step: failures.UploadChunk, Fault: faultreg.Hangup(64 << 10)})
	err := e.bounded(t, 0, func(ctx context.Context) error {
		_, err := e.c.PushBlob(ctx, hostileRepo, BytesBlob(bytes.Repeat([]byte("hangup"), 8<<20/6)), e.creds, hostileScopes, WithBlobChecks(BlobChecks{Head: HeadNone, SkipGet: true}))
		return err
	})
	qe := wantError[*RequestError](t, "PATCH cut off", err, `…PATCH /v2/hostile/repo/blobs/uploads/…?_state=REDACTED: … (upload-chunk)`)
	if qe != nil && qe.Step != failures.UploadChunk {
		t.Errorf("step %s, want upload-chunk", qe.Step)
	}
}

// newTLSServer starts an https test server on 127.0.0.1, closed when the
// test ends.
func newTLSServer(t *testing.T, h http.Handler) *httptest.Server {
	s := httptest.NewTLSServer(h)
	t.Cleanup(s.Close)
	return s
}

// newPlainServer starts an http test server and returns its URL.
func newPlainServer(t *testing.T, h http.Handler) string {
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s.URL
}
