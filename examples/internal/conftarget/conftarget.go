// Package conftarget builds the conformance.Target of a registry started by
// internal/distv3, internal/dist28 or internal/debianreg with token auth, or
// by internal/ggcrreg or internal/cuereg (no auth, see New):
// users by role whose grants make the roles of the scenario catalogue, the
// capabilities measured on that implementation, the deviations from the spec
// measured on it, and a Control that sets the states such a registry can be
// put into (read-only by restarting it in its read-only maintenance mode;
// public repositories and anonymous access through the token issuer's
// grants).
//
// It imports no registry implementation (distribution v3 and v2.8 cannot
// share a binary): the caller starts the registry with Options and passes it
// to New. A registry in another process (see internal/conftarget/serve) is
// described by an Info and controlled through Serve and Remote.
package conftarget

import (
	"context"
	"crypto/rand"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/registrytest/registrytest/conformance"
	"github.com/registrytest/registrytest/examples/internal/testreg"
	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/fixtures"
	"github.com/registrytest/registrytest/v2proto"
)

// The namespaces of the roles. Scenarios create their repositories as
// <namespace>/<scenario>-<random>.
const (
	OwnerNamespace = "owner" // Owner, Reader (reads it) and Robot (writes it)
	OtherNamespace = "other" // Other
	OrgNamespace   = "org"   // OrgAdmin and Creator
)

// A role's account: name, password and the grants of the token issuer.
type account struct {
	role      conformance.Role
	name      string
	namespace string
	grants    []fixtures.TokenGrant
}

var catalogGrant = fixtures.TokenGrant{Type: "registry", Name: "catalog", Actions: []string{"*"}}

func all(ns string) fixtures.TokenGrant {
	return fixtures.TokenGrant{Name: ns + "/*", Actions: []string{"*"}}
}

func only(ns string, actions ...string) fixtures.TokenGrant {
	return fixtures.TokenGrant{Name: ns + "/*", Actions: actions}
}

// accounts are the users by role (Quay's devtable is the owner, public the
// other user, buynlarge the organization). The owner is a member of the
// organization who may read its repositories (as devtable is of buynlarge),
// so that cross-namespace mounts from it are allowed.
var accounts = []account{
	{conformance.Owner, "owner", OwnerNamespace, []fixtures.TokenGrant{
		all(OwnerNamespace), only(OrgNamespace, "pull"), catalogGrant,
		// Names without a namespace (and their library/ aliases), which
		// scenarios make as <owner namespace>-<scenario>-<random>.
		{Name: OwnerNamespace + "-*", Actions: []string{"*"}},
		{Name: "library/" + OwnerNamespace + "-*", Actions: []string{"*"}},
	}},
	{conformance.Reader, "reader", OwnerNamespace, []fixtures.TokenGrant{only(OwnerNamespace, "pull"), only(OrgNamespace, "pull")}},
	{conformance.Other, "other", OtherNamespace, []fixtures.TokenGrant{all(OtherNamespace)}},
	{conformance.OrgAdmin, "orgadmin", OrgNamespace, []fixtures.TokenGrant{all(OrgNamespace), catalogGrant}},
	{conformance.Creator, "creator", OrgNamespace, []fixtures.TokenGrant{only(OrgNamespace, "push", "pull")}},
	{conformance.Robot, "owner+robot", OwnerNamespace, []fixtures.TokenGrant{only(OwnerNamespace, "push", "pull")}},
}

// Password returns the password of the account called name: name +
// "-password".
func Password(name string) string { return name + "-password" }

// Users returns the token issuer's accounts, one per role but Anonymous
// (who is granted nothing):
//
//	owner        owner/*, owner-* and library/owner-* everything, org/* pull, the catalog
//	reader       owner/* and org/* pull
//	other        other/* everything
//	orgadmin     org/* everything, the catalog
//	creator      org/* push and pull
//	owner+robot  owner/* push and pull
//
// The password of each is Password(name).
func Users() []fixtures.TokenUser {
	var us []fixtures.TokenUser
	for _, a := range accounts {
		us = append(us, fixtures.TokenUser{Name: a.name, Password: Password(a.name), Grants: slices.Clone(a.grants)})
	}
	return us
}

// Options returns the options to start a registry with for the suite:
// token auth with Users, nothing granted to anonymous, and the layer URL of
// the suite's foreign layers (fixtures.RemoteURL, Quay's) allowed:
// distribution refuses every layer URL by default.
func Options() testreg.Options {
	return testreg.Options{
		Auth:             testreg.AuthToken,
		Users:            Users(),
		AllowForeignURLs: []string{`^http://some/url$`},
	}
}

// Info describes a registry started with Options, as far as the target
// needs: it is what a registry served by another process reports.
type Info struct {
	// Name is the implementation's name (testreg.Info.Name).
	Name string `json:"name"`
	// URL is the registry's base URL.
	URL string `json:"url"`
	// Schema1 reports whether schema1 is enabled.
	Schema1 bool `json:"schema1"`
}

// InfoOf returns the Info of a started registry.
func InfoOf(r *testreg.Registry) Info {
	return Info{Name: r.Name, URL: r.URL, Schema1: r.Schema1}
}

// New returns the target of r, after putting the content of the preloaded
// state into it. For a registry started with Options (distribution v3,
// v2.8, Debian's) that is FromInfo with the Control of NewControl. For
// go-containerregistry's and CUE's (internal/ggcrreg, internal/cuereg; no
// auth, no states but the preloaded one) it is NewOpen.
func New(ctx context.Context, r *testreg.Registry) (*conformance.Target, error) {
	if f := familyOf(r.Name); f == ggcr || f == cue {
		return NewOpen(ctx, r.Name, r.URL)
	}
	return FromInfo(ctx, InfoOf(r), NewControl(r))
}

// OpenOwner returns the Owner of a registry that demands no credentials,
// whose repositories are made in namespace: the user "owner" with no
// password. The name is never sent: v2proto sends credentials only where
// the registry's challenge asks for them, and such a registry has none
// (conformance.Env.User takes a user without a name for no user at all).
func OpenOwner(namespace string) conformance.User {
	return conformance.User{Name: "owner", Namespace: namespace}
}

// NewOpen returns the target of the registry called name (a
// testreg.Info.Name) at url, which demands no credentials: the Owner is
// OpenOwner(OwnerNamespace), the other roles are missing (so the scenarios
// that need them skip), the table is the spec's, the capabilities and known
// deviations are those of Capabilities and Deviations, and the Control is
// a *PreloadedOnly holding what PreloadRaw pushed.
func NewOpen(ctx context.Context, name, url string) (*conformance.Target, error) {
	t := &conformance.Target{
		Name:         name,
		URL:          url,
		Table:        failures.Spec,
		Users:        map[conformance.Role]conformance.User{conformance.Owner: OpenOwner(OwnerNamespace)},
		Capabilities: Capabilities(name, false),
		Known:        Deviations(name),
	}
	pc, err := PreloadRaw(ctx, t)
	if err != nil {
		return nil, err
	}
	t.Control = &PreloadedOnly{Content: pc}
	return t, nil
}

// PreloadedOnly is the Control of a registry that can be put into no state
// but the preloaded one: it implements conformance.Preloaded and nothing
// else, so that the scenarios that need another state skip.
type PreloadedOnly struct {
	// Content is what was put into the registry.
	Content conformance.PreloadedContent
}

var _ conformance.Preloaded = (*PreloadedOnly)(nil)

// Preloaded returns c.Content.
func (c *PreloadedOnly) Preloaded() conformance.PreloadedContent { return c.Content }

// FromInfo returns the target of the registry info describes, started with
// Options, with control (a *Control or a *Remote) as its Control, after
// putting the content of the preloaded state into it (see Preload).
func FromInfo(ctx context.Context, info Info, control preloader) (*conformance.Target, error) {
	users := map[conformance.Role]conformance.User{}
	for _, a := range accounts {
		users[a.role] = conformance.User{Name: a.name, Password: Password(a.name), Namespace: a.namespace}
	}
	users[conformance.Anonymous] = conformance.User{Namespace: OwnerNamespace}
	t := &conformance.Target{
		Name:         info.Name,
		URL:          info.URL,
		Table:        failures.Distribution,
		Users:        users,
		Capabilities: Capabilities(info.Name, info.Schema1),
		Known:        Deviations(info.Name),
		Control:      control,
	}
	pc, err := Preload(ctx, t)
	if err != nil {
		return nil, err
	}
	control.setPreloaded(pc)
	return t, nil
}

// A preloader is a Control that serves the preloaded state's content.
type preloader interface {
	conformance.Preloaded
	setPreloaded(conformance.PreloadedContent)
}

// Preload pushes, as t's owner, the content the suite's state-preloaded
// scenario reads without pushing (OCI's read-only data set): an OCI image
// and a schema2 image of different layers, tagged "preloaded-oci" and
// "preloaded-s2" in a fresh repository of the owner's namespace. It returns
// what it pushed.
func Preload(ctx context.Context, t *conformance.Target) (conformance.PreloadedContent, error) {
	var pc conformance.PreloadedContent
	c, err := v2proto.New(t.URL, v2proto.WithTable(t.Table), v2proto.WithHTTPClient(t.HTTPClient))
	if err != nil {
		return pc, err
	}
	owner := t.Users[conformance.Owner]
	var b [4]byte
	rand.Read(b[:])
	pc.Repository = fmt.Sprintf("%s/preloaded-%x", owner.Namespace, b)
	for i, f := range []struct {
		tag    string
		schema v2proto.Schema
	}{{"preloaded-oci", v2proto.OCI}, {"preloaded-s2", v2proto.Schema2}} {
		pr, err := c.Push(ctx, pc.Repository, []string{f.tag}, fixtures.Chain(uint64(1000+i), 2),
			v2proto.WithCredentials(owner.Name, owner.Password), v2proto.WithSchema(f.schema))
		if err != nil {
			return pc, fmt.Errorf("conftarget.Preload: %w", err)
		}
		m := pr.Manifests[0]
		pc.Tags = append(pc.Tags, f.tag)
		pc.Manifests = append(pc.Manifests, string(m.Digest))
		for _, bl := range m.Blobs {
			pc.Blobs = append(pc.Blobs, string(bl.Digest()))
		}
	}
	return pc, nil
}

// family is the implementation family of a registry name.
type family int

const (
	unknown family = iota
	v3             // distribution v3
	v28            // docker/distribution 2.8.x, Debian's docker-registry 2.8.2
	ggcr           // go-containerregistry's pkg/registry
	cue            // CUE's ociregistry (ociserver over ocimem)
)

func familyOf(name string) family {
	switch {
	case strings.HasPrefix(name, "distribution-v3"):
		return v3
	case strings.HasPrefix(name, "docker-distribution-v2.8"), strings.HasPrefix(name, "debian-docker-registry-2.8"):
		return v28
	case strings.HasPrefix(name, "go-containerregistry-"):
		return ggcr
	case strings.HasPrefix(name, "cue-ociregistry-"):
		return cue
	}
	return unknown
}

// Capabilities returns what the implementation called name (a
// testreg.Info.Name) supports when started with Options, as measured by
// the suite (a capability it lacks makes the scenarios that need it skip;
// see the README of package conformance for the measurements):
//
//   - distribution (v3, 2.8, Debian's 2.8.2): auth, token, roles, cancel, range, mount, delete,
//     blob-delete, catalog, catalog-link, nested-names, foreign-layers (with
//     the allowed URLs of Options).
//   - distribution v3: tag-delete, tag-paging, tag-link.
//   - 2.8: s1 and convert when schema1 is enabled (convert: 2.8 answers a
//     by-tag GET whose Accept lacks the stored schema2 type with a schema1
//     down-conversion).
//
// None has post-digest (a POST ?digest= with a body opens a session and
// ignores the body), s1u (2.8 refuses unsigned schema1), referrers,
// tag-param, sha512, mount-auto, chunk-overlap, sparse, library-alias or the
// validates-* checks.
//
// go-containerregistry v0.22.1 (pkg/registry, referrers on) and CUE's
// ociregistry (ociserver over ocimem) have no auth, hence no token or roles,
// no cancel (DELETE of an upload session: 400 and 405), no tag-param (a
// PUT ?tag= creates no tag), no mount-auto, no s1 (a signed schema1 manifest
// is kept as opaque bytes) and no library-alias; both have
// post-digest, range, delete, tag-delete, blob-delete, referrers and
// nested-names, and:
//
//   - go-containerregistry: sha512, sparse and foreign-layers (it checks no
//     reference of an image manifest), tag-paging and catalog (n and last
//     are honoured); no mount (202: a new session), no tag-link and no
//     catalog-link (no Link is sent on a truncated page).
//   - CUE: mount, tag-paging, tag-link, catalog, catalog-link; no sha512 (a sha512
//     digest is refused: 400 DIGEST_INVALID), no sparse and no
//     foreign-layers (an OCI manifest whose layer is absent gets 500).
//
// Probe measures every one of these; its test checks that it agrees.
func Capabilities(name string, schema1 bool) []conformance.Capability {
	open := []conformance.Capability{
		conformance.PostDigest, conformance.Range, conformance.Delete, conformance.TagDelete,
		conformance.BlobDelete, conformance.Referrers, conformance.NestedNames,
	}
	switch familyOf(name) {
	case ggcr:
		return append(open, conformance.SHA512, conformance.Sparse, conformance.ForeignLayers, conformance.TagPaging,
			conformance.Catalog)
	case cue:
		return append(open, conformance.Mount, conformance.TagPaging, conformance.TagLink, conformance.Catalog,
			conformance.CatalogLink)
	}
	cs := []conformance.Capability{
		conformance.Auth, conformance.Token, conformance.Roles,
		conformance.Cancel, conformance.Range, conformance.Mount, conformance.Delete,
		conformance.BlobDelete, conformance.Catalog, conformance.CatalogLink, conformance.NestedNames,
		conformance.ForeignLayers,
	}
	switch familyOf(name) {
	case v3:
		cs = append(cs, conformance.TagDelete, conformance.TagPaging, conformance.TagLink)
	case v28:
		if schema1 {
			cs = append(cs, conformance.S1, conformance.Convert)
		}
	}
	return cs
}

// Deviations returns the known deviations from the spec (and from the
// behaviour the catalogue expects where the spec is silent) of the
// implementation called name, by scenario name or pattern, as the target's
// Known list: a listed scenario that fails is reported as skipped with the
// deviation, one that passes as failed (the list is out of date). Each was
// measured with the suite; the README of package conformance has them too.
// Those of go-containerregistry and CUE quote the sentence of the OCI
// distribution spec (v1.1.1) they break.
func Deviations(name string) map[string]string {
	switch familyOf(name) {
	case ggcr:
		return maps.Clone(ggcrDeviations)
	case cue:
		return maps.Clone(cueDeviations)
	}
	d := map[string]string{
		"name-repo-too-long": "a repository name component of 256 characters gets 500 (the filesystem storage cannot " +
			"hold it): a refusal or an acceptance is the registry's choice, but a 5xx is none of the endpoint's " +
			"answers, and failures.Distribution maps invalid-repository (Quay answers 400)",
		"valid-content-type-mismatch/oci-type": "a schema1 body PUT with the OCI manifest Content-Type gets 500 UNKNOWN, " +
			"where a client error (400 MANIFEST_INVALID or 415) is due",
	}
	if familyOf(name) != v28 {
		return d
	}
	for k, v := range map[string]string{
		"chunk-gap-416": "2.8 ignores the Content-Range of a PATCH and appends the bytes (202), where the spec " +
			"requires 416 for a chunk that does not start at the end of the bytes received",
		"chunk-overlap-416": "2.8 ignores the Content-Range of a PATCH and appends the bytes (202), where the spec " +
			"requires 416 for a chunk that does not start at the end of the bytes received",
		"tags-list": "2.8 lists tags in storage (directory) order, where the spec wants lexical order",
		"valid-digest-malformed": "2.8 answers 500 UNKNOWN to a manifest PUT or GET by a malformed digest, where the " +
			"spec wants 400 (DIGEST_INVALID) or 404",
		"*/s2-oci": "2.8 answers a schema2 manifest's tag GET whose Accept lacks the schema2 type (here: the OCI " +
			"types only) with a schema1 down-conversion, a type the client did not accept",
		"uni-*/s2-oci-*": "2.8 answers a schema2 manifest's tag GET whose Accept lacks the schema2 type (here: the OCI " +
			"types only) with a schema1 down-conversion, a type the client did not accept",
		"manifest-foreign-layers/s2": "2.8 down-converts a schema2 manifest with a foreign layer to schema1 for a " +
			"schema1 client (200), where Quay answers 404 (schema1 cannot carry the layer's urls)",
	} {
		d[k] = v
	}
	if strings.HasPrefix(name, "debian-") {
		d["read-range-invalid"] = "the Debian build answers a 416 with Content-Length 2048 and no body (the client " +
			"reads an unexpected EOF); the in-process 2.8.3 sends a body as long as its Content-Length"
	}
	return d
}

// Control sets the states of a registry started with Options (token auth):
// it implements conformance.RegistryReadOnly (restarting the registry in or
// out of its read-only maintenance mode: testreg.Registry.SetReadOnly),
// conformance.PublicRepos and conformance.AnonymousAccess (through the grants
// of the registry's token issuer), and conformance.Preloaded (the content
// Preload pushed). It is safe for concurrent use.
type Control struct {
	reg    *testreg.Registry
	issuer *fixtures.TokenIssuer

	mu        sync.Mutex
	users     []fixtures.TokenUser
	public    []string
	preloaded conformance.PreloadedContent
}

// NewControl returns the Control of r, a registry started with Options.
func NewControl(r *testreg.Registry) *Control {
	return &Control{reg: r, issuer: r.Issuer, users: Users()}
}

var (
	_ conformance.RegistryReadOnly = (*Control)(nil)
	_ conformance.PublicRepos      = (*Control)(nil)
	_ conformance.AnonymousAccess  = (*Control)(nil)
	_ conformance.Preloaded        = (*Control)(nil)
)

// Preloaded returns the content Preload put into the registry.
func (c *Control) Preloaded() conformance.PreloadedContent {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.preloaded
}

func (c *Control) setPreloaded(pc conformance.PreloadedContent) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.preloaded = pc
}

// SetRegistryReadOnly restarts the registry in its read-only maintenance
// mode (storage.maintenance.readonly) or out of it, on the same URL and
// storage.
func (c *Control) SetRegistryReadOnly(ctx context.Context, readOnly bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return c.reg.SetReadOnly(readOnly)
}

// MakePublic grants pull on repo to anonymous and to every user.
func (c *Control) MakePublic(ctx context.Context, repo string) error {
	if c.issuer == nil {
		return fmt.Errorf("conftarget: MakePublic(%q): the registry has no token issuer", repo)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if slices.Contains(c.public, repo) {
		return nil
	}
	c.public = append(c.public, repo)
	g := fixtures.TokenGrant{Name: repo, Actions: []string{"pull"}}
	var anon []fixtures.TokenGrant
	for _, p := range c.public {
		anon = append(anon, fixtures.TokenGrant{Name: p, Actions: []string{"pull"}})
	}
	c.issuer.SetAnonymous(anon...)
	for i := range c.users {
		c.users[i].Grants = append(c.users[i].Grants, g)
		c.issuer.SetUser(c.users[i])
	}
	return nil
}

// SetAnonymousAccess makes the token issuer refuse (on false) or serve (on
// true) requests without credentials.
func (c *Control) SetAnonymousAccess(ctx context.Context, on bool) error {
	if c.issuer == nil {
		return fmt.Errorf("conftarget: SetAnonymousAccess(%v): the registry has no token issuer", on)
	}
	c.issuer.SetDenyAnonymous(!on)
	return nil
}
