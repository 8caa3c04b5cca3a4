package conftarget

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/registrytest/registrytest/conformance"
	"github.com/registrytest/registrytest/fixtures"
	"github.com/registrytest/registrytest/v2proto"
)

// ProbeOptions say which registry Probe measures and as whom.
type ProbeOptions struct {
	// URL is the registry's base URL.
	URL string
	// HTTPClient sends the requests; nil means http.DefaultClient.
	HTTPClient *http.Client
	// Owner is the account the probes push as (an empty Name: anonymous)
	// and the namespace of the repositories they create (empty:
	// "conformance").
	Owner conformance.User
}

// A Finding is what one probe measured: the capability it decides (empty
// for a finding that decides none), whether the registry has it, and how
// that was found (the requests sent and the answers).
type Finding struct {
	Capability conformance.Capability
	Has        bool
	How        string
}

// Probed is what Probe measured.
type Probed struct {
	// Challenge is the scheme of the ping's challenge ("Bearer", "Basic"),
	// or "" when the registry demands no credentials.
	Challenge string
	// Findings are the probes' results, in the order they ran.
	Findings []Finding
	// PushErr, when not nil, says why the owner could not push a blob:
	// then nothing that pushes can run, and the other probes did not run.
	// Its message says what to give.
	PushErr error
}

// Capabilities returns the capabilities the findings found.
func (p *Probed) Capabilities() []conformance.Capability {
	var cs []conformance.Capability
	for _, f := range p.Findings {
		if f.Has && f.Capability != "" && !slices.Contains(cs, f.Capability) {
			cs = append(cs, f.Capability)
		}
	}
	return cs
}

// Probe measures what the registry at o.URL supports, by trying each
// optional part of the API once on fresh repositories of o.Owner's
// namespace (named <namespace>/probe-<random>...), with plain HTTP
// requests that depend on no optional header:
//
//   - auth: the ping (GET /v2/) answers 401 with a challenge; token: the
//     owner's Bearer token is a JWT whose access claim can be read;
//   - post-digest (POST ?digest= with the body answers 201), cancel (DELETE
//     of an upload session answers 2xx), sha512 (a sha512 blob is
//     accepted), range (Range: bytes=0-4 answers 206 with Content-Range);
//     chunked uploads (PATCH with Content-Range) are reported, they decide
//     no capability;
//   - hides-untagged (a manifest PUT by digest is not pullable by digest), nested-names
//     (a push to <namespace>/a/b/c), sparse (an OCI manifest whose layer was
//     never pushed is accepted), foreign-layers (an OCI manifest with a
//     non-distributable layer with urls, never pushed, is accepted);
//   - tag-paging (tags/list honours n and last, and sends Link rel="next"
//     on a truncated page), catalog (/v2/_catalog answers a JSON list,
//     honours n and sends Link on a truncated page), referrers
//     (GET /referrers/<digest> answers 200 with an image index), tag-param
//     (PUT /manifests/<digest>?tag= creates the tag);
//   - mount (POST ?mount=&from= answers 201), mount-auto (the same without
//     from), delete (DELETE /manifests/<digest>, then GET 404), tag-delete
//     (DELETE /manifests/<tag>), blob-delete (DELETE /blobs/<digest>).
//
// It does not probe what it cannot measure without judging the registry
// (roles, s1, s1u, convert, chunk-overlap, library-alias, the validates-*
// switches): those are off unless given. It returns an error only when the
// registry cannot be pinged; a registry that refuses the owner's push is
// reported in PushErr.
func Probe(ctx context.Context, o ProbeOptions) (*Probed, error) {
	r, p, err := newRaw(ctx, o)
	if err != nil {
		return nil, err
	}
	if p.Challenge != "" {
		p.add(conformance.Auth, true, "GET /v2/ without credentials = 401 with a %s challenge", p.Challenge)
	} else {
		p.add(conformance.Auth, false, "GET /v2/ without credentials = 200")
	}
	if p.Challenge != "" && o.Owner.Name == "" {
		p.PushErr = fmt.Errorf("the registry demands credentials (GET /v2/ = 401, %s challenge): give the owner's with -owner user:password", p.Challenge)
		return p, nil
	}
	ns := o.Owner.Namespace
	if ns == "" {
		ns = "conformance"
	}
	var rb [4]byte
	rand.Read(rb[:])
	base := fmt.Sprintf("%s/probe-%x", ns, rb)
	repo, other := base, base+"-b"

	if p.Challenge != "Bearer" {
		p.add(conformance.Token, false, "no Bearer challenge")
	}
	if p.Challenge == "Bearer" {
		tok, err := r.token(repo)
		switch {
		case err != nil:
			p.PushErr = fmt.Errorf("the owner's token for %s: %v (check -owner)", repo, err)
			return p, nil
		default:
			_, aerr := fixtures.TokenAccess(tok)
			if aerr != nil {
				p.add(conformance.Token, false, "the owner's Bearer token has no readable access claim: %v", aerr)
			} else {
				p.add(conformance.Token, true, "the owner's Bearer token is a JWT with an access claim")
			}
		}
	}

	config := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"probe":"` + hex.EncodeToString(rb[:]) + `"}`)
	layer := randomBytes(2048)
	how, err := r.pushBlob(repo, config)
	if err != nil {
		p.PushErr = pushAdvice(err, ns)
		return p, nil
	}
	p.add("", true, "push of a blob as the owner: %s", how)
	if _, err := r.pushBlob(repo, layer); err != nil {
		p.PushErr = pushAdvice(err, ns)
		return p, nil
	}

	// Uploads.
	{
		b := randomBytes(512)
		st, h, _, err := r.do(http.MethodPost, "/v2/"+repo+"/blobs/uploads/?digest="+sha256Of(b), nil, b, repo)
		p.add(conformance.PostDigest, err == nil && st == http.StatusCreated, "POST /v2/<name>/blobs/uploads/?digest= with the body = %s", answer(st, h, err, "Location"))
	}
	{
		st, h, _, err := r.do(http.MethodPost, "/v2/"+repo+"/blobs/uploads/", nil, nil, repo)
		if err == nil && st == http.StatusAccepted && h.Get("Location") != "" {
			loc := h.Get("Location")
			dst, _, _, derr := r.do(http.MethodDelete, loc, nil, nil, repo)
			p.add(conformance.Cancel, derr == nil && dst/100 == 2, "DELETE of an upload session = %s", answer(dst, nil, derr))
		} else {
			p.add(conformance.Cancel, false, "POST /v2/<name>/blobs/uploads/ = %s: no session to cancel", answer(st, h, err))
		}
	}
	{
		b := randomBytes(1024)
		sum := sha512.Sum512(b)
		d := "sha512:" + hex.EncodeToString(sum[:])
		how, err := r.pushBlobDigest(repo, b, d)
		if err == nil {
			// A registry may take the upload and keep it under its sha256.
			st, h, _, herr := r.do(http.MethodHead, "/v2/"+repo+"/blobs/"+d, nil, nil, repo)
			how += ", then HEAD /v2/<name>/blobs/sha512:... = " + answer(st, h, herr)
			if herr == nil && st != http.StatusOK {
				err = errors.New(how)
			}
		}
		p.add(conformance.SHA512, err == nil, "push of a sha512 blob: %s", errOr(how, err))
	}
	p.add("", true, "chunked upload (PATCH with Content-Range, then PUT ?digest=): %s", r.chunked(repo))
	{
		st, h, _, err := r.do(http.MethodGet, "/v2/"+repo+"/blobs/"+sha256Of(layer), map[string]string{"Range": "bytes=0-4"}, nil, repo)
		p.add(conformance.Range, err == nil && st == http.StatusPartialContent && h.Get("Content-Range") != "", "GET of a blob with Range: bytes=0-4 = %s", answer(st, h, err, "Content-Range"))
	}

	// Manifests.
	img := ociManifest(config, layer, "")
	for _, tag := range []string{"t1", "t2", "t3"} {
		if st, h, _, err := r.putManifest(repo, tag, ociManifestType, img); err != nil || st != http.StatusCreated {
			p.PushErr = fmt.Errorf("PUT /v2/%s/manifests/%s (an OCI image manifest) = %s, want 201: the owner cannot push manifests", repo, tag, answer(st, h, err))
			return p, nil
		}
	}
	p.add("", true, "PUT of an OCI image manifest under 3 tags = 201")
	untaggedImg := ociManifest(config, layer, "untagged")
	untaggedDigest := sha256Of(untaggedImg)
	{
		st, h, _, err := r.putManifest(repo, untaggedDigest, ociManifestType, untaggedImg)
		gst, gh, _, gerr := r.do(http.MethodGet, "/v2/"+repo+"/manifests/"+untaggedDigest, map[string]string{"Accept": ociManifestType}, nil, repo)
		// Pushed but not pullable by digest: the registry hides manifests
		// no tag points at (Quay).
		p.add(conformance.HidesUntagged, err == nil && st == http.StatusCreated && (gerr != nil || gst != http.StatusOK),
			"PUT /v2/<name>/manifests/<digest> = %s, then GET by digest = %s", answer(st, h, err), answer(gst, gh, gerr))
	}
	{
		nested := base + "/x/y"
		_, err := r.pushBlob(nested, config)
		if err == nil {
			_, err = r.pushBlob(nested, layer)
		}
		st, h := 0, http.Header(nil)
		if err == nil {
			st, h, _, err = r.putManifest(nested, "t1", ociManifestType, img)
		}
		p.add(conformance.NestedNames, err == nil && st == http.StatusCreated, "push to <namespace>/probe-<random>/x/y: %s", answer(st, h, err))
	}
	{
		absent := randomBytes(64)
		m := ociManifestWith(config, []descriptor{{MediaType: ociLayerType, Digest: sha256Of(absent), Size: 64}}, "")
		st, h, _, err := r.putManifest(repo, "sparse", ociManifestType, m)
		p.add(conformance.Sparse, err == nil && st/100 == 2, "PUT of an OCI image manifest whose layer was never pushed = %s", answer(st, h, err))
	}
	{
		absent := randomBytes(64)
		m := ociManifestWith(config, []descriptor{{MediaType: ociForeignType, Digest: sha256Of(absent), Size: 64, URLs: []string{fixtures.RemoteURL}}}, "")
		st, h, _, err := r.putManifest(repo, "foreign", ociManifestType, m)
		p.add(conformance.ForeignLayers, err == nil && st/100 == 2, "PUT of an OCI image manifest with a non-distributable layer with urls, never pushed = %s", answer(st, h, err))
	}

	// Listings.
	{
		st, h, body, err := r.do(http.MethodGet, "/v2/"+repo+"/tags/list?n=1", nil, nil, repo)
		var tl struct{ Tags []string }
		n := err == nil && st == http.StatusOK && json.Unmarshal(body, &tl) == nil && len(tl.Tags) == 1
		link := hasNext(r.base, h)
		st2, h2, body2, err2 := r.do(http.MethodGet, "/v2/"+repo+"/tags/list?n=1&last=t1", nil, nil, repo)
		var tl2 struct{ Tags []string }
		last := err2 == nil && st2 == http.StatusOK && json.Unmarshal(body2, &tl2) == nil && slices.Equal(tl2.Tags, []string{"t2"})
		p.add(conformance.TagPaging, n && last,
			"of the tags t1, t2, t3, foreign, sparse: GET tags/list?n=1 = %s %q (n honoured: %v); ?n=1&last=t1 = %s %q (last honoured: %v)",
			answer(st, h, err), tl.Tags, n, answer(st2, h2, err2), tl2.Tags, last)
		p.add(conformance.TagLink, n && link, "GET tags/list?n=1 of 5 tags: Link rel=\"next\": %v", link)
	}
	{
		// A second repository, so that the catalog has two.
		_, err := r.pushBlob(other, config)
		if err == nil {
			_, err = r.pushBlob(other, layer)
		}
		if err == nil {
			_, _, _, err = r.putManifest(other, "t1", ociManifestType, img)
		}
		st, h, body, cerr := r.do(http.MethodGet, "/v2/_catalog?n=1", nil, nil, "")
		var cl struct{ Repositories []string }
		ok := cerr == nil && st == http.StatusOK && json.Unmarshal(body, &cl) == nil && len(cl.Repositories) == 1
		link := hasNext(r.base, h)
		p.add(conformance.Catalog, err == nil && ok, "GET /v2/_catalog?n=1 = %s %q (a list of at most 1: %v)", answer(st, h, cerr), cl.Repositories, ok)
		p.add(conformance.CatalogLink, err == nil && ok && link, "GET /v2/_catalog?n=1 of 2 or more repositories: Link rel=\"next\": %v", link)
	}
	imgDigest := sha256Of(img)
	{
		st, h, body, err := r.do(http.MethodGet, "/v2/"+repo+"/referrers/"+imgDigest, nil, nil, repo)
		var idx struct {
			MediaType string `json:"mediaType"`
		}
		ok := err == nil && st == http.StatusOK && json.Unmarshal(body, &idx) == nil && idx.MediaType == ociIndexType
		p.add(conformance.Referrers, ok, "GET /v2/<name>/referrers/<digest> = %s (an image index: %v)", answer(st, h, err, "Content-Type"), ok)
	}
	{
		tpImg := ociManifest(config, layer, "tag-param")
		st, h, _, err := r.putManifest(repo, sha256Of(tpImg)+"?tag=tp", ociManifestType, tpImg)
		gst, gh, _, gerr := r.do(http.MethodGet, "/v2/"+repo+"/manifests/tp", map[string]string{"Accept": ociManifestType}, nil, repo)
		p.add(conformance.TagParam, err == nil && st == http.StatusCreated && gerr == nil && gst == http.StatusOK,
			"PUT /v2/<name>/manifests/<digest>?tag=tp = %s, then GET the tag tp = %s", answer(st, h, err), answer(gst, gh, gerr))
	}

	// Mounts.
	layerDigest := sha256Of(layer)
	{
		to := base + "-mount"
		st, h, _, err := r.do(http.MethodPost, "/v2/"+to+"/blobs/uploads/?mount="+layerDigest+"&from="+url.QueryEscape(repo), nil, nil, to+","+repo)
		p.add(conformance.Mount, err == nil && st == http.StatusCreated, "POST /v2/<other>/blobs/uploads/?mount=<digest>&from=<name> = %s", answer(st, h, err))
	}
	{
		to := base + "-mount-auto"
		st, h, _, err := r.do(http.MethodPost, "/v2/"+to+"/blobs/uploads/?mount="+layerDigest, nil, nil, to)
		p.add(conformance.MountAuto, err == nil && st == http.StatusCreated, "POST /v2/<other>/blobs/uploads/?mount=<digest> without from = %s", answer(st, h, err))
	}

	// Deletes, last.
	{
		st, h, _, err := r.do(http.MethodDelete, "/v2/"+repo+"/manifests/"+untaggedDigest, nil, nil, repo)
		gst, gh, _, gerr := r.do(http.MethodGet, "/v2/"+repo+"/manifests/"+untaggedDigest, map[string]string{"Accept": ociManifestType}, nil, repo)
		p.add(conformance.Delete, err == nil && st == http.StatusAccepted && gerr == nil && gst == http.StatusNotFound,
			"DELETE /v2/<name>/manifests/<digest> = %s, then GET by digest = %s", answer(st, h, err), answer(gst, gh, gerr))
	}
	{
		st, h, _, err := r.do(http.MethodDelete, "/v2/"+repo+"/manifests/t3", nil, nil, repo)
		gst, gh, _, gerr := r.do(http.MethodGet, "/v2/"+repo+"/manifests/t3", map[string]string{"Accept": ociManifestType}, nil, repo)
		p.add(conformance.TagDelete, err == nil && st == http.StatusAccepted && gerr == nil && gst == http.StatusNotFound,
			"DELETE /v2/<name>/manifests/t3 = %s, then GET the tag = %s", answer(st, h, err), answer(gst, gh, gerr))
	}
	{
		b := randomBytes(256)
		_, err := r.pushBlob(repo, b)
		st, h := 0, http.Header(nil)
		if err == nil {
			st, h, _, err = r.do(http.MethodDelete, "/v2/"+repo+"/blobs/"+sha256Of(b), nil, nil, repo)
		}
		p.add(conformance.BlobDelete, err == nil && st == http.StatusAccepted, "DELETE /v2/<name>/blobs/<digest> = %s", answer(st, h, err))
	}
	return p, nil
}

func (p *Probed) add(c conformance.Capability, has bool, format string, args ...any) {
	p.Findings = append(p.Findings, Finding{Capability: c, Has: has, How: fmt.Sprintf(format, args...)})
}

// pushAdvice turns the error of the owner's first push into what to give.
func pushAdvice(err error, ns string) error {
	var se *rawStatus
	if errors.As(err, &se) && (se.status == http.StatusUnauthorized || se.status == http.StatusForbidden) {
		return fmt.Errorf("%v: the owner may not push to namespace %q: give an account that may with -owner user:password, "+
			"and its namespace with -namespaces owner=NAMESPACE", err, ns)
	}
	return fmt.Errorf("%v: the owner cannot push a blob to namespace %q (give another with -namespaces owner=NAMESPACE, or credentials with -owner)", err, ns)
}

const (
	ociManifestType = "application/vnd.oci.image.manifest.v1+json"
	ociIndexType    = "application/vnd.oci.image.index.v1+json"
	ociConfigType   = "application/vnd.oci.image.config.v1+json"
	ociLayerType    = "application/vnd.oci.image.layer.v1.tar+gzip"
	ociForeignType  = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
	s2ManifestType  = "application/vnd.docker.distribution.manifest.v2+json"
	s2ConfigType    = "application/vnd.docker.container.image.v1+json"
	s2LayerType     = "application/vnd.docker.image.rootfs.diff.tar.gzip"
)

type descriptor struct {
	MediaType string   `json:"mediaType"`
	Digest    string   `json:"digest"`
	Size      int      `json:"size"`
	URLs      []string `json:"urls,omitempty"`
}

// ociManifest returns an OCI image manifest of config and layer, annotated
// with note (none when note is empty).
func ociManifest(config, layer []byte, note string) []byte {
	return ociManifestWith(config, []descriptor{{MediaType: ociLayerType, Digest: sha256Of(layer), Size: len(layer)}}, note)
}

// ociManifestWith returns an OCI image manifest of config and layers,
// annotated with note (none when note is empty).
func ociManifestWith(config []byte, layers []descriptor, note string) []byte {
	m := map[string]any{
		"schemaVersion": 2,
		"mediaType":     ociManifestType,
		"config":        descriptor{MediaType: ociConfigType, Digest: sha256Of(config), Size: len(config)},
		"layers":        layers,
	}
	if note != "" {
		m["annotations"] = map[string]string{"org.registrytest.probe": note}
	}
	b, _ := json.Marshal(m)
	return b
}

func s2Manifest(config, layer []byte) []byte {
	b, _ := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     s2ManifestType,
		"config":        descriptor{MediaType: s2ConfigType, Digest: sha256Of(config), Size: len(config)},
		"layers":        []descriptor{{MediaType: s2LayerType, Digest: sha256Of(layer), Size: len(layer)}},
	})
	return b
}

func sha256Of(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func hasNext(base *url.URL, h http.Header) bool {
	links, err := v2proto.ParseLink(base, h.Values("Link"))
	if err != nil {
		return false
	}
	for _, l := range links {
		if l.HasRel("next") {
			return true
		}
	}
	return false
}

// answer formats an answer as "201" or "202 (Location: /x)", or the error.
func answer(status int, h http.Header, err error, headers ...string) string {
	if err != nil {
		return err.Error()
	}
	s := fmt.Sprint(status)
	var hs []string
	for _, k := range headers {
		if v := h.Get(k); v != "" {
			hs = append(hs, k+": "+v)
		} else {
			hs = append(hs, "no "+k)
		}
	}
	if len(hs) > 0 {
		s += " (" + strings.Join(hs, ", ") + ")"
	}
	return s
}

func errOr(s string, err error) string {
	if err != nil {
		return err.Error()
	}
	return s
}

// raw sends plain requests, authenticated as the owner when the registry
// challenges (the auth step is v2proto's), and judges nothing.
type raw struct {
	ctx   context.Context
	base  *url.URL
	hc    *http.Client
	owner conformance.User
	c     *v2proto.Client
	basic bool
	bear  bool
}

// newRaw pings the registry and returns the client and a Probed with the
// challenge.
func newRaw(ctx context.Context, o ProbeOptions) (*raw, *Probed, error) {
	u, err := url.Parse(strings.TrimSuffix(o.URL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, nil, fmt.Errorf("probe: URL %q, want http://host[:port] or https://host[:port]", o.URL)
	}
	hc := o.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	r := &raw{ctx: ctx, base: u, hc: hc, owner: o.Owner}
	st, h, _, err := r.do(http.MethodGet, "/v2/", nil, nil, "")
	if err != nil {
		return nil, nil, fmt.Errorf("probe: GET /v2/: %v", err)
	}
	p := &Probed{}
	switch st {
	case http.StatusOK:
	case http.StatusUnauthorized:
		ch := strings.ToLower(h.Get("WWW-Authenticate"))
		switch {
		case strings.HasPrefix(ch, "bearer"):
			p.Challenge, r.bear = "Bearer", true
		case strings.HasPrefix(ch, "basic"):
			p.Challenge, r.basic = "Basic", true
		default:
			return nil, nil, fmt.Errorf("probe: GET /v2/ = 401 with WWW-Authenticate %q, want a Bearer or Basic challenge", h.Get("WWW-Authenticate"))
		}
		if r.c, err = v2proto.New(u.String(), v2proto.WithHTTPClient(hc)); err != nil {
			return nil, nil, err
		}
	default:
		return nil, nil, fmt.Errorf("probe: GET /v2/ = %d, want 200 or 401", st)
	}
	return r, p, nil
}

func (r *raw) token(repos ...string) (string, error) {
	var scopes []string
	for _, repo := range repos {
		if repo == "" {
			scopes = append(scopes, "registry:catalog:*")
		} else {
			scopes = append(scopes, "repository:"+repo+":pull,push,delete")
		}
	}
	return r.c.Token(r.ctx, scopes, v2proto.WithCredentials(r.owner.Name, r.owner.Password))
}

type rawStatus struct {
	what   string
	status int
	want   int
	body   string
}

func (e *rawStatus) Error() string {
	s := fmt.Sprintf("%s = %d, want %d", e.what, e.status, e.want)
	if e.body != "" {
		s += ": " + e.body
	}
	return s
}

// do sends one request to path (relative to the base, or absolute, as a
// Location) with scope (comma-separated repositories; "" for the catalog
// or none) and returns the status, headers and up to 64 KiB of body.
func (r *raw) do(method, path string, hdr map[string]string, body []byte, scope string) (int, http.Header, []byte, error) {
	ref, err := url.Parse(path)
	if err != nil {
		return 0, nil, nil, err
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(r.ctx, method, r.base.ResolveReference(ref).String(), rd)
	if err != nil {
		return 0, nil, nil, err
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	switch {
	case r.basic:
		req.SetBasicAuth(r.owner.Name, r.owner.Password)
	case r.bear && path != "/v2/":
		tok, err := r.token(strings.Split(scope, ",")...)
		if err != nil {
			return 0, nil, nil, err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := r.hc.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, resp.Header, b, nil
}

// pushBlob uploads b to repo with POST then PUT ?digest=.
func (r *raw) pushBlob(repo string, b []byte) (string, error) {
	return r.pushBlobDigest(repo, b, sha256Of(b))
}

func (r *raw) pushBlobDigest(repo string, b []byte, dgst string) (string, error) {
	st, h, body, err := r.do(http.MethodPost, "/v2/"+repo+"/blobs/uploads/", nil, nil, repo)
	if err != nil {
		return "", err
	}
	loc := h.Get("Location")
	if st != http.StatusAccepted || loc == "" {
		return "", &rawStatus{what: "POST /v2/" + repo + "/blobs/uploads/", status: st, want: http.StatusAccepted, body: clip(body)}
	}
	put, err := addQuery(loc, "digest", dgst)
	if err != nil {
		return "", err
	}
	st, h, body, err = r.do(http.MethodPut, put, map[string]string{"Content-Type": "application/octet-stream"}, b, repo)
	if err != nil {
		return "", err
	}
	if st != http.StatusCreated {
		return "", &rawStatus{what: "PUT <location>?digest=" + dgst, status: st, want: http.StatusCreated, body: clip(body)}
	}
	return "POST = 202, PUT ?digest= = " + answer(st, h, nil, "Location"), nil
}

// chunked uploads a blob in two PATCHes with Content-Range and closes it.
func (r *raw) chunked(repo string) string {
	b := randomBytes(2048)
	st, h, _, err := r.do(http.MethodPost, "/v2/"+repo+"/blobs/uploads/", nil, nil, repo)
	if err != nil || st != http.StatusAccepted || h.Get("Location") == "" {
		return "POST = " + answer(st, h, err, "Location")
	}
	min := h.Get("OCI-Chunk-Min-Length")
	loc := h.Get("Location")
	var steps []string
	for i, part := range [][]byte{b[:1024], b[1024:]} {
		st, h, _, err = r.do(http.MethodPatch, loc, map[string]string{
			"Content-Type":  "application/octet-stream",
			"Content-Range": fmt.Sprintf("%d-%d", i*1024, i*1024+len(part)-1),
		}, part, repo)
		steps = append(steps, "PATCH = "+answer(st, h, err, "Range"))
		if err != nil || st != http.StatusAccepted || h.Get("Location") == "" {
			return strings.Join(steps, ", ")
		}
		loc = h.Get("Location")
	}
	put, err := addQuery(loc, "digest", sha256Of(b))
	if err != nil {
		return err.Error()
	}
	st, h, _, err = r.do(http.MethodPut, put, nil, nil, repo)
	steps = append(steps, "PUT ?digest= = "+answer(st, h, err))
	if min != "" {
		steps = append(steps, "OCI-Chunk-Min-Length: "+min)
	}
	return strings.Join(steps, ", ")
}

func (r *raw) putManifest(repo, ref, mediaType string, body []byte) (int, http.Header, []byte, error) {
	return r.do(http.MethodPut, "/v2/"+repo+"/manifests/"+ref, map[string]string{"Content-Type": mediaType}, body, repo)
}

func addQuery(loc, k, v string) (string, error) {
	u, err := url.Parse(loc)
	if err != nil {
		return "", fmt.Errorf("Location %q: %v", loc, err)
	}
	q := u.Query()
	q.Set(k, v)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func clip(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// PreloadRaw pushes, as t's owner, the content of the preloaded state (as
// Preload does) with plain requests that depend on no optional header of
// the registry's answers: an OCI image manifest tagged "preloaded-oci" and
// a Docker schema2 manifest tagged "preloaded-s2", each with a config and
// a layer of its own, in a fresh repository of the owner's namespace. A
// registry that needs credentials gets the owner's (through its challenge).
func PreloadRaw(ctx context.Context, t *conformance.Target) (conformance.PreloadedContent, error) {
	var pc conformance.PreloadedContent
	owner := t.Users[conformance.Owner]
	r, _, err := newRaw(ctx, ProbeOptions{URL: t.URL, HTTPClient: t.HTTPClient, Owner: owner})
	if err != nil {
		return pc, fmt.Errorf("conftarget.PreloadRaw: %v", err)
	}
	ns := owner.Namespace
	if ns == "" {
		ns = "conformance"
	}
	var b [4]byte
	rand.Read(b[:])
	pc.Repository = fmt.Sprintf("%s/preloaded-%x", ns, b)
	for _, f := range []struct{ tag, mediaType string }{{"preloaded-oci", ociManifestType}, {"preloaded-s2", s2ManifestType}} {
		config := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"preloaded":"` + f.tag + `"}`)
		layer := randomBytes(1024)
		for _, bl := range [][]byte{config, layer} {
			if _, err := r.pushBlob(pc.Repository, bl); err != nil {
				return pc, fmt.Errorf("conftarget.PreloadRaw: %v", err)
			}
			pc.Blobs = append(pc.Blobs, sha256Of(bl))
		}
		m := ociManifest(config, layer, "")
		if f.mediaType == s2ManifestType {
			m = s2Manifest(config, layer)
		}
		st, h, body, err := r.putManifest(pc.Repository, f.tag, f.mediaType, m)
		if err == nil && st != http.StatusCreated {
			err = &rawStatus{what: "PUT /v2/" + pc.Repository + "/manifests/" + f.tag, status: st, want: http.StatusCreated, body: clip(body)}
		}
		if err != nil {
			return pc, fmt.Errorf("conftarget.PreloadRaw: %v (%s)", err, answer(st, h, nil, "Location"))
		}
		pc.Tags = append(pc.Tags, f.tag)
		pc.Manifests = append(pc.Manifests, sha256Of(m))
	}
	return pc, nil
}
