package v2proto

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/schema1"
	"github.com/registrytest/registrytest/schema2"
)

// MaxManifestBody is the largest manifest body the client reads: 4 MiB,
// the limit distribution puts on the manifests it accepts. A registry that
// sends more gets a *ResponseError, and the rest is not read.
const MaxManifestBody = 4 << 20

// Accept lists of the manifest GETs.
var (
	// allManifestTypes is every manifest type the client knows: the
	// default of GetManifest, HeadManifest and Delete, so that a registry
	// serves what it stores without converting it.
	allManifestTypes = []string{
		schema2.MediaTypeManifest, schema2.MediaTypeManifestList,
		v1.MediaTypeImageManifest, v1.MediaTypeImageIndex,
		schema1.MediaTypeSignedManifest, schema1.MediaTypeManifest,
	}
	// listTypes is the Accept of PullList: the Docker manifest list and
	// the OCI index (Quay's MANIFEST_LIST_TYPES).
	listTypes = []string{schema2.MediaTypeManifestList, v1.MediaTypeImageIndex}
)

// A RawManifest is a registry's answer to a manifest GET or HEAD, as
// received (nothing parsed).
type RawManifest struct {
	// Ref is the tag or digest asked for.
	Ref string
	// Bytes is the body, byte for byte; nil for a HEAD.
	Bytes []byte
	// ContentType is the Content-Type header, as sent.
	ContentType string
	// Digest is the Docker-Content-Digest header, "" when the registry
	// sent none.
	Digest digest.Digest
	// Size is len(Bytes) for a GET and the Content-Length header for a
	// HEAD (-1 when absent).
	Size int64
}

// isDigestRef reports whether ref is a digest rather than a tag (tags
// never hold ':').
func isDigestRef(ref string) bool { return strings.Contains(ref, ":") }

// refAlgorithm returns the algorithm of ref when it is a valid digest,
// else digest.Canonical: the algorithm a manifest's digest is computed in
// when the registry's answer names none.
func refAlgorithm(ref string) digest.Algorithm {
	if d := digest.Digest(ref); d.Validate() == nil {
		return d.Algorithm()
	}
	return digest.Canonical
}

// acceptOr returns the Accept types of a manifest request: WithAccept's
// when set, else def; send is false when no Accept header is to be sent
// (def nil and no WithAccept).
func (cl *call) acceptOr(def []string) (types []string, send bool) {
	if cl.acceptSet {
		return cl.accept, true
	}
	return def, def != nil
}

// setAccept sets the Accept header of req to types joined with ",", when
// send (an empty types sends an empty header).
func setAccept(req *http.Request, types []string, send bool) {
	if send {
		req.Header["Accept"] = []string{strings.Join(types, ",")}
	}
}

// setRemoteAddr adds the Headers.RemoteAddr header to req.
func (cl *call) setRemoteAddr(req *http.Request) {
	if cl.remoteAddr != "" {
		req.Header.Set(RemoteAddrHeader, cl.remoteAddr)
	}
}

// GetManifest sends GET /v2/<name>/manifests/<ref> (the get-manifest step)
// on a call of its own and returns the answer, checked to be a manifest.
// ref is a tag or a digest. The Accept header lists every manifest type
// the client knows (Docker schema2 manifest and list, OCI manifest and
// index, schema1 signed and unsigned), so that a registry serves what it
// stores; WithAccept replaces it. The default scope is
// repository:<name>:pull.
//
// The registry must answer 200 with a body of at most MaxManifestBody
// bytes. When the answer carries Docker-Content-Digest, it must be a digest
// that the body has: the digest of the bytes, or for a schema1 manifest of
// its canonical payload (whose signatures must then verify); for a ref that
// is a digest, it must equal ref, and so must the body's digest even when
// the header is absent. Whether the header is present is the caller's to
// judge (RawManifest.Digest is "" then).
//
// The body must be the JSON of a manifest: a JSON object, nested at most
// MaxManifestDepth deep, that is not an error document ({"errors": [...]}
// without schemaVersion): a 200 whose body is an error body, HTML or a
// million '[' is not taken for content. The check is one pass over the
// bytes; the body is not decoded further (its media type, fields and
// references are the caller's to judge, or Pull's). GetManifestRaw skips
// it, for a caller that wants whatever bytes the registry serves.
//
// Every breach is a *ResponseError at the get-manifest step (a
// *StatusError for another status). When the call's expected failure is
// met, GetManifest returns nil, nil.
func (c *Client) GetManifest(ctx context.Context, name, ref string, opts ...CallOption) (*RawManifest, error) {
	return c.manifestCall(ctx, "GetManifest", name, opts, func(cl *call, types []string, send bool) (*RawManifest, bool, error) {
		a, stop, err := c.getManifest(ctx, cl, failures.GetManifest, name, ref, types, send)
		if err != nil || stop {
			return nil, stop, err
		}
		if got, want, ok := checkManifestJSON(a.raw.Bytes); !ok {
			return nil, false, a.rerr("body", got, want)
		}
		return a.raw, false, nil
	})
}

// GetManifestRaw is GetManifest without the check of the body's JSON: it
// returns the bytes of a 200 answer whatever they are (an error document
// or HTML included), within MaxManifestBody and with the same checks of
// Docker-Content-Digest and of a digest ref. It is for a caller that
// judges the bytes itself, such as a test of what a registry serves for
// content it stored as it was pushed.
func (c *Client) GetManifestRaw(ctx context.Context, name, ref string, opts ...CallOption) (*RawManifest, error) {
	return c.manifestCall(ctx, "GetManifestRaw", name, opts, func(cl *call, types []string, send bool) (*RawManifest, bool, error) {
		a, stop, err := c.getManifest(ctx, cl, failures.GetManifest, name, ref, types, send)
		if err != nil || stop {
			return nil, stop, err
		}
		return a.raw, false, nil
	})
}

// HeadManifest sends HEAD /v2/<name>/manifests/<ref> (the head-manifest
// step) on a call of its own, with the Accept header of GetManifest
// (WithAccept replaces it), and returns the answer's headers: Bytes is nil,
// Size the Content-Length. The registry must answer 200; when ref is a
// digest and the answer carries Docker-Content-Digest, it must equal ref,
// and a Docker-Content-Digest, when present, must be a digest. The default
// scope is repository:<name>:pull. When the call's expected failure is
// met, HeadManifest returns nil, nil.
func (c *Client) HeadManifest(ctx context.Context, name, ref string, opts ...CallOption) (*RawManifest, error) {
	return c.manifestCall(ctx, "HeadManifest", name, opts, func(cl *call, types []string, send bool) (*RawManifest, bool, error) {
		return c.headManifest(ctx, cl, name, ref, types, send)
	})
}

// manifestCall runs a manifest read on a call of its own named fn: the
// ping and authentication with the default scope repository:<name>:pull,
// then read with the call's Accept types (every manifest type unless
// WithAccept set them; send says whether to send the header). It returns
// nil, nil where the call's expected failure is met, and nil with the error
// otherwise.
func (c *Client) manifestCall(ctx context.Context, fn, name string, opts []CallOption, read func(cl *call, types []string, send bool) (*RawManifest, bool, error)) (m *RawManifest, err error) {
	cl := c.newCall(fn, opts)
	defer func() {
		if err = cl.end(c, err); err != nil {
			m = nil
		}
	}()
	if stop, err := c.begin(ctx, cl, []string{"repository:" + name + ":pull"}); err != nil || stop {
		return nil, err
	}
	types, send := cl.acceptOr(allManifestTypes)
	m, stop, err := read(cl, types, send)
	if err != nil || stop {
		return nil, err
	}
	return m, nil
}

// headManifest runs one head-manifest exchange.
func (c *Client) headManifest(ctx context.Context, cl *call, name, ref string, types []string, send bool) (*RawManifest, bool, error) {
	req, err := c.newRequest(ctx, http.MethodHead, "/v2/"+name+"/manifests/"+ref, nil)
	if err != nil {
		return nil, false, err
	}
	setAccept(req, types, send)
	cl.setRemoteAddr(req)
	resp, stop, err := c.exchange(ctx, cl, failures.HeadManifest, req)
	if err != nil || stop {
		return nil, stop, err
	}
	drain(resp.Body)
	m := &RawManifest{Ref: ref, ContentType: resp.Header.Get("Content-Type"),
		Digest: digest.Digest(resp.Header.Get("Docker-Content-Digest")), Size: resp.ContentLength}
	rerr := c.responseError(cl, failures.HeadManifest, req, resp)
	if m.Digest != "" {
		if m.Digest.Validate() != nil {
			return nil, false, rerr("Docker-Content-Digest", fmt.Sprintf("%q", clipText(string(m.Digest))), "a digest")
		}
		if isDigestRef(ref) && string(m.Digest) != ref {
			return nil, false, rerr("Docker-Content-Digest", string(m.Digest), ref)
		}
	}
	return m, false, nil
}

// getManifest runs one manifest GET exchange of step and checks the
// answer as GetManifest documents.
// manifestAnswer is a checked manifest GET: the manifest, the schema1
// manifest when checking the digest parsed it, and a maker of
// *ResponseErrors about the answer.
type manifestAnswer struct {
	raw  *RawManifest
	s1   *schema1.Manifest
	rerr func(what, got, want string) error
}

func (c *Client) getManifest(ctx context.Context, cl *call, step failures.Step, name, ref string, types []string, send bool) (*manifestAnswer, bool, error) {
	req, err := c.newRequest(ctx, http.MethodGet, "/v2/"+name+"/manifests/"+ref, nil)
	if err != nil {
		return nil, false, err
	}
	setAccept(req, types, send)
	cl.setRemoteAddr(req)
	resp, stop, err := c.exchange(ctx, cl, step, req)
	if err != nil || stop {
		return nil, stop, err
	}
	defer resp.Body.Close()
	rerr := c.responseError(cl, step, req, resp)
	if resp.ContentLength > MaxManifestBody {
		return nil, false, rerr("Content-Length", fmt.Sprint(resp.ContentLength), fmt.Sprintf("at most %d (MaxManifestBody)", MaxManifestBody))
	}
	body, more, rdErr := readAtMostErr(resp.Body, MaxManifestBody)
	if rdErr != nil {
		return nil, false, c.readError(cl, step, req, rdErr)
	}
	if more {
		return nil, false, rerr("body", fmt.Sprintf("more than %d bytes", MaxManifestBody), fmt.Sprintf("a manifest of at most %d bytes (MaxManifestBody)", MaxManifestBody))
	}
	m := &RawManifest{Ref: ref, Bytes: body, ContentType: resp.Header.Get("Content-Type"),
		Digest: digest.Digest(resp.Header.Get("Docker-Content-Digest")), Size: int64(len(body))}
	s1, err := checkManifestDigest(m, rerr)
	if err != nil {
		return nil, false, err
	}
	return &manifestAnswer{raw: m, s1: s1, rerr: rerr}, false, nil
}

// checkManifestDigest checks m's Docker-Content-Digest (when present) and,
// for a ref that is a digest, that the header and the body have it. It
// parses a schema1 body when that is needed to find its digest and returns
// it.
func checkManifestDigest(m *RawManifest, rerr func(what, got, want string) error) (*schema1.Manifest, error) {
	var want digest.Digest
	if m.Digest != "" {
		if m.Digest.Validate() != nil {
			return nil, rerr("Docker-Content-Digest", fmt.Sprintf("%q", clipText(string(m.Digest))), "a digest")
		}
		if isDigestRef(m.Ref) && string(m.Digest) != m.Ref {
			return nil, rerr("Docker-Content-Digest", string(m.Digest), m.Ref)
		}
		want = m.Digest
	} else if isDigestRef(m.Ref) {
		want = digest.Digest(m.Ref)
		if want.Validate() != nil {
			// The registry served a ref that is no digest (the test's
			// choice); there is nothing to compare with.
			return nil, nil
		}
	} else {
		return nil, nil
	}
	got := want.Algorithm().FromBytes(m.Bytes)
	if got == want {
		return nil, nil
	}
	what := "Docker-Content-Digest"
	if m.Digest == "" {
		what = "body digest"
	}
	// A schema1 manifest's digest is over its canonical payload.
	if k, err := schema2.Detect(m.ContentType, m.Bytes); err == nil && (k == schema2.KindSchema1Signed || k == schema2.KindSchema1) {
		s1, err := schema1.Parse(m.Bytes)
		if err != nil {
			return nil, rerr("body", fmt.Sprintf("%q", clipText(err.Error())), "a schema1 manifest whose signatures verify")
		}
		if p := want.Algorithm().FromBytes(s1.Payload); p == want {
			return s1, nil
		} else if m.Digest == "" {
			got = p
		} else {
			return nil, rerr(what, string(want), string(p)+" (the schema1 payload's)")
		}
	}
	if m.Digest == "" {
		return nil, rerr(what, string(got), string(want))
	}
	return nil, rerr(what, string(want), string(got)+" (the body's)")
}

// readError reports a body that could not be read to the end as a
// *RequestError (which unwraps to the cause, such as context.Canceled).
func (c *Client) readError(cl *call, step failures.Step, req *http.Request, err error) error {
	return &RequestError{Step: step, Method: req.Method, Path: c.redactURL(req.URL), Err: err,
		msg: "reading the body: " + c.redactText(cl, causeText(err))}
}

// readAtMostErr is readAtMost that reports a read error other than EOF.
func readAtMostErr(r io.Reader, max int64) ([]byte, bool, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, false, err
	}
	if int64(len(b)) > max {
		return b[:max], true, nil
	}
	return b, false, nil
}

// clipText cuts s to 200 bytes for an error text.
func clipText(s string) string {
	const n = 200
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && s[cut]&0xc0 == 0x80 {
		cut--
	}
	return s[:cut] + "..."
}

// manifestAccept returns the default Accept of a Pull of schema s: the
// schema's manifest and list types; nil (no Accept header) for schema1, as
// the original client sent.
func manifestAccept(s Schema) []string {
	switch s {
	case Schema1:
		return nil
	case OCI:
		return []string{v1.MediaTypeImageManifest, v1.MediaTypeImageIndex}
	default:
		return []string{schema2.MediaTypeManifest, schema2.MediaTypeManifestList}
	}
}

// childAccept returns the Accept of a PullList child GET: the list types
// and the child's own media type.
func childAccept(mediaType string) []string {
	types := slices.Clone(listTypes)
	if mediaType != "" && !slices.Contains(types, mediaType) {
		types = append(types, mediaType)
	}
	return types
}
