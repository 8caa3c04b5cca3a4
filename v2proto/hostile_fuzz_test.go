package v2proto

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/registrytest/registrytest/failures"
)

// FuzzHostileRegistry lets the fuzzer choose what a registry and its token
// server answer (statuses, challenge, token body, error body, Location) and
// checks that the client's calls return in time, without panicking, with
// nil or one of the package's error types, whose text is one line of at
// most 4 KiB.
func FuzzHostileRegistry(f *testing.F) {
	f.Add(uint16(401), `Bearer realm="SELF/token",service="x"`, `{"token":"t","expires_in":5}`, uint16(404), `{"errors":[{"code":"MANIFEST_UNKNOWN"}]}`, "/v2/x/blobs/uploads/u?_state=s")
	f.Add(uint16(401), `Basic realm="r"`, ``, uint16(202), `{}`, "http://[::1")
	f.Add(uint16(200), ``, ``, uint16(500), `{"errors":[{"code":1}]}`, "")
	f.Add(uint16(401), `Bearer realm="SELF/token", Basic realm=x`, `{"access_token":"a\u0000b"}`, uint16(401), "\xff\xfe", "%zz")
	f.Add(uint16(401), `Bearer realm="ftp://SELF"`, `{"token":"t","expires_in":1e309}`, uint16(200), `null`, "//evil/x")
	f.Fuzz(func(t *testing.T, pingStatus uint16, challenge, tokenBody string, status uint16, body, location string) {
		st := func(s uint16) int { return 200 + int(s)%400 }
		var srv *httptest.Server
		srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
			switch {
			case r.URL.Path == "/token":
				w.WriteHeader(st(status) / 100 * 100) // 200, 300, 400 or 500
				fmt.Fprint(w, tokenBody)
			case r.URL.Path == "/v2/" && r.Header.Get("Authorization") == "":
				w.Header().Set("WWW-Authenticate", strings.ReplaceAll(challenge, "SELF", srv.URL))
				w.WriteHeader(st(pingStatus))
			case r.URL.Path == "/v2/":
			default:
				w.Header().Set("Location", location)
				w.WriteHeader(st(status))
				fmt.Fprint(w, body)
			}
		}))
		defer srv.Close()
		c, err := New(srv.URL, WithLogf(func(string, ...any) {}))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		check := func(err error) {
			if err == nil {
				return
			}
			var (
				se *StatusError
				re *ResponseError
				qe *RequestError
				me *MissedFailureError
			)
			if !errors.As(err, &se) && !errors.As(err, &re) && !errors.As(err, &qe) && !errors.As(err, &me) && !strings.HasPrefix(err.Error(), "v2proto") {
				t.Errorf("error %T %v is none of the package's", err, err)
			}
			// One line, of bounded length, whatever the registry sent.
			if msg := err.Error(); strings.ContainsAny(msg, "\r\n") || len(msg) > 4<<10 {
				t.Errorf("error text of %d bytes, or on several lines: %q", len(msg), msg)
			}
		}
		_, err = c.Ping(ctx)
		check(err)
		_, err = c.Token(ctx, []string{"repository:x:pull"}, WithCredentials("u", "p"))
		check(err)
		for _, fail := range []failures.Failure{"", failures.UnknownTag, failures.UnauthorizedForMount} {
			req, _ := http.NewRequest(http.MethodPost, "/v2/x/blobs/uploads/", nil)
			resp, err := c.Exchange(ctx, failures.MountBlob, req, WithCredentials("u", "p"), ExpectFailure(fail))
			check(err)
			if err == nil && resp != nil {
				cl := c.newCall("Fuzz", nil)
				_, lerr := c.location(cl, failures.MountBlob, resp)
				check(lerr)
				resp.Body.Close()
			}
		}
		if ctx.Err() != nil {
			t.Errorf("calls took longer than 10 s")
		}
	})
}
