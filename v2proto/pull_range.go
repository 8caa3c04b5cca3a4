package v2proto

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/opencontainers/go-digest"

	"github.com/registrytest/registrytest/failures"
)

// A RangeResult is a registry's answer to a ranged blob GET.
type RangeResult struct {
	// Status is 206 (the range), 416 (range not satisfiable) or 200 (the
	// registry ignored Range and sent the whole blob; Ignored is set).
	Status int
	// ContentRange is the Content-Range header as sent ("" when absent).
	ContentRange string
	// Start and End are the first and last byte positions of a 206's
	// Content-Range; Total is its complete length, -1 for "*". A 416's
	// "bytes */N" sets Total to N (and Start, End to -1); without it Total
	// is -1.
	Start, End, Total int64
	// Bytes is the body of a 206: exactly End-Start+1 bytes.
	Bytes []byte
	// Ignored reports a 200 answer: the registry does not support ranges.
	// The whole blob was read through a hash and had the digest asked for.
	Ignored bool
	// ShortBody reports a 416 whose body ended before its Content-Length
	// (Debian's docker-registry 2.8.2 announces the blob's length and sends
	// nothing).
	ShortBody bool
}

// GetBlobRange sends GET /v2/<name>/blobs/<dgst> with the header
// Range: rangeSpec (such as "bytes=500-1499", "bytes=500-", "bytes=-500";
// sent as is, so invalid ranges can be tried) on a call of its own (the
// get-blob step) and returns the answer, which must be one of:
//
//   - 206 with a Content-Range "bytes first-last/total" (total may be "*")
//     with first <= last < total, and a body of exactly last-first+1 bytes
//     (at most MaxRangeBody). When rangeSpec is one byte range and total is
//     known, Content-Range must be what the range asks for: first-last
//     clamped to total-1, or the last N bytes for a suffix range.
//   - 416, whose Content-Range, when present, must be "bytes */total".
//   - 200 with the whole blob (the registry ignores Range), which must have
//     digest dgst: Ignored is set.
//
// Which of these the test wanted is the caller's to judge (Status). Any
// other status is a *StatusError; an answer that breaks the rules above is
// a *ResponseError. The default scope is repository:<name>:pull. When the
// call's expected failure is met, GetBlobRange returns nil, nil.
func (c *Client) GetBlobRange(ctx context.Context, name string, dgst digest.Digest, rangeSpec string, opts ...CallOption) (res *RangeResult, err error) {
	cl := c.newCall("GetBlobRange", opts)
	defer func() {
		if err = cl.end(c, err); err != nil {
			res = nil
		}
	}()
	if err := checkBlobDigest("GetBlobRange", dgst); err != nil {
		return nil, err
	}
	if stop, err := c.begin(ctx, cl, []string{"repository:" + name + ":pull"}); err != nil || stop {
		return nil, err
	}
	req, err := c.newRequest(ctx, http.MethodGet, "/v2/"+name+"/blobs/"+string(dgst), nil)
	if err != nil {
		return nil, err
	}
	req.Header["Range"] = []string{rangeSpec}
	cl.setRemoteAddr(req)
	resp, stop, err := c.exchange(ctx, cl, failures.GetBlob, req, http.StatusPartialContent, http.StatusRequestedRangeNotSatisfiable)
	if err != nil || stop {
		return nil, err
	}
	defer resp.Body.Close()
	rerr := c.responseError(cl, failures.GetBlob, req, resp)
	res = &RangeResult{Status: resp.StatusCode, ContentRange: resp.Header.Get("Content-Range"), Start: -1, End: -1, Total: -1}
	switch resp.StatusCode {
	case http.StatusOK:
		res.Ignored = true
		if _, err := c.readBlob(cl, failures.GetBlob, req, resp, dgst, -1, nil); err != nil {
			return nil, err
		}
		return res, nil

	case http.StatusRequestedRangeNotSatisfiable:
		if res.ContentRange != "" {
			total, ok := parseUnsatisfiedRange(res.ContentRange)
			if !ok {
				return nil, rerr("Content-Range", strconv.Quote(clipText(res.ContentRange)), `"bytes */<length>"`)
			}
			res.Total = total
		}
		_, err := io.Copy(io.Discard, io.LimitReader(resp.Body, MaxErrorBody))
		res.ShortBody = err != nil
		return res, nil
	}

	// 206.
	cr, ok := parseContentRange(res.ContentRange)
	if !ok {
		return nil, rerr("Content-Range", strconv.Quote(clipText(res.ContentRange)), `"bytes <first>-<last>/<length or *>" with first <= last < length`)
	}
	res.Start, res.End, res.Total = cr.start, cr.end, cr.total
	if cr.total >= 0 {
		if want, ok := expectedRange(rangeSpec, cr.total); ok && (want.start != cr.start || want.end != cr.end) {
			return nil, rerr("Content-Range", strconv.Quote(res.ContentRange),
				fmt.Sprintf(`"bytes %d-%d/%d" (for Range %q)`, want.start, want.end, cr.total, rangeSpec))
		}
	}
	n := cr.end - cr.start + 1
	if n > MaxRangeBody {
		return nil, rerr("Content-Range", strconv.Quote(res.ContentRange), fmt.Sprintf("a range of at most %d bytes (MaxRangeBody)", MaxRangeBody))
	}
	if resp.ContentLength >= 0 && resp.ContentLength != n {
		return nil, rerr("Content-Length", fmt.Sprint(resp.ContentLength), fmt.Sprintf("%d (Content-Range %s)", n, res.ContentRange))
	}
	body, more, err := readAtMostErr(resp.Body, n)
	if err != nil {
		return nil, c.readError(cl, failures.GetBlob, req, err)
	}
	if more || int64(len(body)) != n {
		got := fmt.Sprintf("%d bytes", len(body))
		if more {
			got = fmt.Sprintf("more than %d bytes", n)
		}
		return nil, rerr("body", got, fmt.Sprintf("%d bytes (Content-Range %s)", n, res.ContentRange))
	}
	res.Bytes = body
	return res, nil
}

// byteRange is a range of byte positions, both inclusive; total is the
// complete length, -1 when unknown.
type byteRange struct {
	start, end, total int64
}

// parseContentRange parses the Content-Range of a 206:
// "bytes first-last/length" or "bytes first-last/*" (RFC 9110 14.4), with
// first <= last and, when the length is known, last < length.
func parseContentRange(s string) (byteRange, bool) {
	rest, ok := cutUnit(s)
	if !ok {
		return byteRange{}, false
	}
	span, length, ok := strings.Cut(rest, "/")
	if !ok {
		return byteRange{}, false
	}
	first, last, ok := strings.Cut(span, "-")
	if !ok {
		return byteRange{}, false
	}
	r := byteRange{total: -1}
	var ok1, ok2 bool
	r.start, ok1 = parsePos(first)
	r.end, ok2 = parsePos(last)
	if !ok1 || !ok2 || r.start > r.end {
		return byteRange{}, false
	}
	if length != "*" {
		t, ok := parsePos(length)
		if !ok || r.end >= t {
			return byteRange{}, false
		}
		r.total = t
	}
	return r, true
}

// parseUnsatisfiedRange parses the Content-Range of a 416,
// "bytes */length", and returns the length.
func parseUnsatisfiedRange(s string) (int64, bool) {
	rest, ok := cutUnit(s)
	if !ok {
		return 0, false
	}
	length, ok := strings.CutPrefix(rest, "*/")
	if !ok {
		return 0, false
	}
	return parsePos(length)
}

// cutUnit returns what follows "bytes " (the unit is case-insensitive).
func cutUnit(s string) (string, bool) {
	if len(s) < 6 || !strings.EqualFold(s[:6], "bytes ") {
		return "", false
	}
	return s[6:], true
}

// parsePos parses a non-negative decimal of at most 18 digits (no sign, no
// space).
func parsePos(s string) (int64, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// expectedRange returns the byte positions a Range header asks of a blob
// of total bytes when it is one satisfiable byte range ("bytes=a-b",
// "bytes=a-", "bytes=-n"); ok is false for anything else.
func expectedRange(spec string, total int64) (byteRange, bool) {
	rest, ok := strings.CutPrefix(spec, "bytes=")
	if !ok || strings.Contains(rest, ",") {
		return byteRange{}, false
	}
	first, last, ok := strings.Cut(strings.TrimSpace(rest), "-")
	if !ok {
		return byteRange{}, false
	}
	r := byteRange{total: total}
	if first == "" {
		n, ok := parsePos(last)
		if !ok || n == 0 || total == 0 {
			return byteRange{}, false
		}
		r.start, r.end = max(total-n, 0), total-1
		return r, true
	}
	a, ok := parsePos(first)
	if !ok || a >= total {
		return byteRange{}, false
	}
	r.start, r.end = a, total-1
	if last != "" {
		b, ok := parsePos(last)
		if !ok || b < a {
			return byteRange{}, false
		}
		r.end = min(b, total-1)
	}
	return r, true
}
