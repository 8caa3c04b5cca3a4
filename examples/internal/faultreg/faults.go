package faultreg

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// A Fault answers a request in place of the registry. next is the
// registry (or its token endpoint): a fault may pass the request on and
// distort the answer, or answer alone. The request's context ends when the
// client goes away or the front is closed; a fault that waits must wait on
// it.
type Fault func(w http.ResponseWriter, r *http.Request, next http.Handler)

// Status answers status with a distribution error body holding one entry
// per code ({"errors":[{"code":...}]}, Content-Type application/json), or
// with no body when no code is given.
func Status(status int, codes ...string) Fault {
	return func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
		w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
		if len(codes) == 0 {
			w.Header().Set("Content-Length", "0")
			w.WriteHeader(status)
			return
		}
		body := errorBody(codes)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		w.Write(body)
	}
}

// Respond answers status with header and body (Content-Length set to the
// body's length unless header has one).
func Respond(status int, header http.Header, body string) Fault {
	return func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
		for k, vs := range header {
			w.Header()[k] = slices.Clone(vs)
		}
		if header.Get("Content-Length") == "" {
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// A Response is the registry's answer as a Rewrite fault edits it.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Rewrite passes the request to the registry, holds its answer (at most
// MaxRewrite bytes of body; a larger one is answered 502), lets edit change
// it, and sends the result. Content-Length is set to the edited body's
// length, except in answers to HEAD, whose headers are sent as edit left
// them.
func Rewrite(edit func(r *http.Request, resp *Response)) Fault {
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		resp, ok := capture(r, next)
		if !ok {
			http.Error(w, "faultreg: upstream body over MaxRewrite", http.StatusBadGateway)
			return
		}
		edit(r, resp)
		h := w.Header()
		for k, vs := range resp.Header {
			h[k] = vs
		}
		if r.Method != http.MethodHead {
			h.Set("Content-Length", strconv.Itoa(len(resp.Body)))
		}
		w.WriteHeader(resp.Status)
		w.Write(resp.Body)
	}
}

// SetHeader passes the request to the registry and sends its answer with
// the header name set to value; an empty value removes the header.
func SetHeader(name, value string) Fault {
	return Rewrite(func(_ *http.Request, resp *Response) {
		if value == "" {
			resp.Header.Del(name)
			return
		}
		resp.Header.Set(name, value)
	})
}

// EditHeader passes the request to the registry and sends its answer with
// the values of header name replaced by what edit returns for them (nil:
// removed). edit sees nil when the answer had no such header.
func EditHeader(name string, edit func(r *http.Request, values []string) []string) Fault {
	return Rewrite(func(r *http.Request, resp *Response) {
		vs := edit(r, resp.Header.Values(name))
		resp.Header.Del(name)
		for _, v := range vs {
			resp.Header.Add(name, v)
		}
	})
}

// Corrupt passes the request to the registry and sends its answer with one
// byte of the body changed and everything else (length, headers) kept: the
// case of the last ASCII letter is swapped (so that JSON stays JSON), or,
// when the body has no letter, its last byte is inverted. An empty body is
// sent unchanged.
func Corrupt() Fault {
	return Rewrite(func(_ *http.Request, resp *Response) {
		b := resp.Body
		for i := len(b) - 1; i >= 0; i-- {
			if c := b[i]; 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' {
				b[i] ^= 0x20
				return
			}
		}
		if len(b) > 0 {
			b[len(b)-1] ^= 0xff
		}
	})
}

// ContentLength passes the request to the registry and sends its whole
// answer on the raw connection with a Content-Length delta bytes off the
// body's real length, then closes the connection: with delta > 0 the body
// is shorter than announced, with delta < 0 longer (the bytes past the
// announced length are sent too). A Content-Length below 0 is sent as 0.
func ContentLength(delta int64) Fault {
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		resp, ok := capture(r, next)
		if !ok {
			http.Error(w, "faultreg: upstream body over MaxRewrite", http.StatusBadGateway)
			return
		}
		resp.Header.Set("Content-Length", strconv.FormatInt(max(0, int64(len(resp.Body))+delta), 10))
		resp.Header.Set("Connection", "close")
		resp.Header.Del("Transfer-Encoding")
		writeRaw(w, resp)
	}
}

// Truncate passes the request to the registry and sends its answer with
// its real Content-Length but only the first keep bytes of the body, then
// closes the connection: a body shorter than its Content-Length.
func Truncate(keep int64) Fault {
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		resp, ok := capture(r, next)
		if !ok {
			http.Error(w, "faultreg: upstream body over MaxRewrite", http.StatusBadGateway)
			return
		}
		resp.Header.Set("Content-Length", strconv.Itoa(len(resp.Body)))
		resp.Header.Set("Connection", "close")
		resp.Header.Del("Transfer-Encoding")
		resp.Body = resp.Body[:min(keep, int64(len(resp.Body)))]
		writeRaw(w, resp)
	}
}

// Trailing passes the request to the registry and sends its answer, with
// its real Content-Length, followed on the connection by extra (bytes past
// the body, which a client must not take for a part of it), then closes
// the connection.
func Trailing(extra string) Fault {
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		resp, ok := capture(r, next)
		if !ok {
			http.Error(w, "faultreg: upstream body over MaxRewrite", http.StatusBadGateway)
			return
		}
		resp.Header.Set("Content-Length", strconv.Itoa(len(resp.Body)))
		resp.Header.Set("Connection", "close")
		resp.Header.Del("Transfer-Encoding")
		resp.Body = append(resp.Body, extra...)
		writeRaw(w, resp)
	}
}

// Endless answers status with header and a body that never ends: prefix,
// then 'a' bytes until the client goes away (no Content-Length; the body is
// chunked).
func Endless(status int, header http.Header, prefix string) Fault {
	return func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
		for k, vs := range header {
			w.Header()[k] = slices.Clone(vs)
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(status)
		io.WriteString(w, prefix)
		fill := bytes.Repeat([]byte{'a'}, 32<<10)
		for r.Context().Err() == nil {
			if _, err := w.Write(fill); err != nil {
				return
			}
		}
	}
}

// Stall passes the request to the registry, then sends the headers of its
// answer (Content-Length included) and the first after bytes of its body,
// and waits, sending nothing more, until the client goes away or the front
// is closed (Active.Stalls counts it). A negative after stalls before the
// headers.
func Stall(after int64) Fault {
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if after < 0 {
			stalled(r)
			<-r.Context().Done()
			panic(http.ErrAbortHandler) // no answer, ever
		}
		resp, ok := capture(r, next)
		if !ok {
			http.Error(w, "faultreg: upstream body over MaxRewrite", http.StatusBadGateway)
			return
		}
		for k, vs := range resp.Header {
			w.Header()[k] = vs
		}
		w.WriteHeader(resp.Status)
		w.Write(resp.Body[:min(after, int64(len(resp.Body)))])
		http.NewResponseController(w).Flush()
		stalled(r)
		<-r.Context().Done()
		panic(http.ErrAbortHandler) // the rest of the body, never
	}
}

// stalled counts a stall of the rule answering r.
func stalled(r *http.Request) {
	if a, ok := r.Context().Value(activeKey{}).(*Active); ok {
		a.stalls.Add(1)
	}
}

// Hangup reads the first after bytes of the request's body (fewer when it
// has fewer), then closes the connection without an answer: a registry
// that fails mid-upload.
func Hangup(after int64) Fault {
	return func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
		io.CopyN(io.Discard, r.Body, after)
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(http.ErrAbortHandler) // closes the connection too
		}
		conn.Close()
	}
}

// Redirect answers status (301, 302, 303, 307 or 308) with a Location
// that to returns for the request.
func Redirect(status int, to func(r *http.Request) string) Fault {
	return func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
		w.Header().Set("Location", to(r))
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(status)
	}
}

// Delay waits d (or until the client goes away), then passes the request
// on to f.
func Delay(d time.Duration, f Fault) Fault {
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			f(w, r, next)
		case <-r.Context().Done():
		}
	}
}

// Pass passes the request to the registry unchanged: a rule with it counts
// requests (Active.Hits) without changing them.
func Pass() Fault {
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) { next.ServeHTTP(w, r) }
}

// capture runs next for r and holds its answer; it reports false when the
// body is larger than MaxRewrite.
func capture(r *http.Request, next http.Handler) (*Response, bool) {
	cw := &captureWriter{header: http.Header{}}
	next.ServeHTTP(cw, r)
	if cw.status == 0 {
		cw.status = http.StatusOK
	}
	return &Response{Status: cw.status, Header: cw.header, Body: cw.body.Bytes()}, !cw.over
}

type captureWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
	over   bool
}

func (c *captureWriter) Header() http.Header { return c.header }

func (c *captureWriter) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
	}
}

func (c *captureWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	if c.body.Len()+len(b) > MaxRewrite {
		c.over = true
		return 0, fmt.Errorf("faultreg: body over %d bytes", MaxRewrite)
	}
	return c.body.Write(b)
}

func (c *captureWriter) Flush() {}

// writeRaw writes resp on w's hijacked connection as an HTTP/1.1 answer,
// headers as they are, then closes the connection.
func writeRaw(w http.ResponseWriter, resp *Response) {
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	defer conn.Close()
	bw := bufio.NewWriter(conn)
	_ = brw
	fmt.Fprintf(bw, "HTTP/1.1 %d %s\r\n", resp.Status, http.StatusText(resp.Status))
	resp.Header.Write(bw)
	bw.WriteString("\r\n")
	n, _ := bw.Write(resp.Body)
	bw.Flush()
	if cw, ok := w.(*countingWriter); ok {
		cw.n.Add(int64(n))
	}
}
