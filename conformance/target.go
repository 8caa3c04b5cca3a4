package conformance

import (
	"maps"
	"net/http"
	"path"
	"slices"

	"github.com/registrytest/registrytest/failures"
)

// A Target describes the registry under test: where it is, who may use it,
// how it answers failures, what it supports, and how a scenario can put it
// into a state.
type Target struct {
	// Name names the registry in reports, such as "distribution v3.1.2".
	Name string
	// URL is the registry's base URL, such as http://127.0.0.1:5000.
	URL string
	// HTTPClient sends the requests; nil means http.DefaultClient.
	HTTPClient *http.Client
	// Table says how the registry answers each failure at each step (see
	// package failures). Nil means failures.Distribution. Its name also
	// decides which registry's behaviour binds the target (see Source): a
	// table named as failures.Quay's makes Quay's behaviour binding, one
	// named as failures.Distribution's makes distribution's behaviour and
	// the Docker Registry HTTP API binding; elsewhere they only warn.
	Table *failures.Table
	// Users are the accounts by role. A role that is missing cannot be
	// played: scenarios that need it are skipped. Owner is required; the
	// Anonymous role needs no entry (it is always there, without
	// credentials) but may carry a namespace.
	Users map[Role]User
	// Capabilities lists what the registry supports (see Capability).
	// Scenarios that need a capability the list lacks are skipped, with the
	// reason; a few capabilities switch the expected outcome instead.
	Capabilities []Capability
	// Control, when not nil, is how scenarios put the registry into a state.
	// It implements one or more of the state interfaces of this package
	// (RegistryReadOnly, PublicRepos, ...; see AllStates); a scenario that
	// needs a state the Control does not implement is skipped, with the
	// reason. Run and Check say which states it can set before any
	// scenario runs, and report an error (see ControlStates) when a non-nil
	// Control implements none of them, or has a state method with the wrong
	// signature.
	Control any
	// Known lists the registry's known deviations from the spec, by
	// scenario name (ID, or ID/param; an ID covers all its parameters; a
	// key with wildcards is a path.Match pattern over ID/param, such as
	// "*/s2-oci"), each with a description. A listed scenario that fails is reported as
	// skipped, with the description and the error, so that a suite can be
	// green while the deviation stays on record; a listed scenario that
	// passes is reported as failed: the list is out of date.
	Known map[string]string
	// Logf, when not nil, receives one line per HTTP exchange (as
	// v2proto.WithLogf), for example t.Logf.
	Logf func(format string, args ...any)
}

// known returns the description of the known deviation of the scenario
// named id (with parameter param), and whether there is one.
func (t *Target) known(id, param string) (string, bool) {
	if param != "" {
		if d, ok := t.Known[id+"/"+param]; ok {
			return d, true
		}
	}
	if d, ok := t.Known[id]; ok {
		return d, true
	}
	name := id
	if param != "" {
		name += "/" + param
	}
	for _, k := range slices.Sorted(maps.Keys(t.Known)) {
		if ok, _ := path.Match(k, name); ok {
			return t.Known[k], true
		}
	}
	return "", false
}

// Has reports whether the target lists capability c. Untagged is the
// exception: every target has it, unless it lists HidesUntagged.
func (t *Target) Has(c Capability) bool {
	if c == Untagged {
		return !slices.Contains(t.Capabilities, HidesUntagged)
	}
	return slices.Contains(t.Capabilities, c)
}

// A Role is the part a user plays in a scenario.
type Role string

// The roles. Quay's fixed users of the original tests become roles of the
// target (devtable is Owner, public is Other, and so on).
const (
	// Owner owns its namespace: it may push, pull and delete there, and
	// list the catalog. Every scenario that pushes does so as Owner unless
	// it says otherwise.
	Owner Role = "owner"
	// Reader may pull the owner's repositories but not push to them.
	Reader Role = "reader"
	// Other is a user with no access to the owner's repositories.
	Other Role = "other"
	// OrgAdmin administers an organization namespace (Quay's buynlarge).
	OrgAdmin Role = "org-admin"
	// Creator is an organization member who may create repositories there.
	Creator Role = "creator"
	// Robot is a robot account with write access to the owner's namespace.
	Robot Role = "robot"
	// Anonymous sends no credentials.
	Anonymous Role = "anonymous"
)

// A User is the account that plays a role.
type User struct {
	// Name and Password are the credentials; an empty Name means
	// anonymous.
	Name, Password string
	// Namespace is where scenarios create the role's repositories, such as
	// "alice" for repositories "alice/<scenario>-<random>". Empty means the
	// Owner's namespace, or "conformance" when the Owner has none.
	Namespace string
}

// A Capability is something a registry may or may not support: mostly what
// a spec leaves to the registry (MAY), and a few behaviours of a registry
// family. Each scenario lists the capabilities it needs; SCENARIOS.md lists
// them all.
type Capability string

// The capabilities. Those marked "switch" never cause a skip: they change the
// outcome a scenario expects. A target lists what its registry does; where
// the spec says what a registry does, the spec's behaviour is the default
// and a switch names the departure (HidesUntagged).
const (
	Auth              Capability = "auth"               // the registry demands credentials
	Token             Capability = "token"              // Bearer tokens whose JWT access claim can be read
	Roles             Capability = "roles"              // the target provides users by role
	S1                Capability = "s1"                 // Docker schema1 signed manifests
	S1U               Capability = "s1u"                // unsigned schema1 manifests as list children
	Convert           Capability = "convert"            // by-tag GETs are down-converted when Accept lacks the stored type
	SignedConversion  Capability = "signed-conversion"  // switch: a schema1 down-conversion is signed (v1+prettyjws); by default an unsigned v1+json one counts too (Quay)
	HidesUntagged     Capability = "hides-untagged"     // switch: a manifest pushed by digest only cannot be pulled (Quay); by default it is, as the spec says
	PostDigest        Capability = "post-digest"        // single-POST monolithic uploads
	Cancel            Capability = "cancel"             // DELETE of an upload session
	Range             Capability = "range"              // Range GETs of blobs
	Mount             Capability = "mount"              // cross-repository blob mount
	MountAuto         Capability = "mount-auto"         // switch: mount without from finds the blob
	ChunkOverlap      Capability = "chunk-overlap"      // switch: an overlapping chunk is accepted, the overlap skipped (Quay)
	Delete            Capability = "delete"             // manifest delete by digest
	TagDelete         Capability = "tag-delete"         // manifest delete by tag
	BlobDelete        Capability = "blob-delete"        // blob delete
	TagPaging         Capability = "tag-paging"         // tags/list honours n and last (Link: TagLink)
	Catalog           Capability = "catalog"            // /v2/_catalog
	Referrers         Capability = "referrers"          // the OCI 1.1 referrers API
	TagParam          Capability = "tag-param"          // PUT /manifests/<digest>?tag=
	SHA512            Capability = "sha512"             // sha512 digests
	Sparse            Capability = "sparse"             // switch: valid-missing-blob-ref/oci-sparse runs the whole push and pull
	ForeignLayers     Capability = "foreign-layers"     // layers with urls that were never uploaded are accepted
	NestedNames       Capability = "nested-names"       // switch: repository names of 3 or more components
	LibraryAlias      Capability = "library-alias"      // x and library/x are one repository
	ValidatesConfig   Capability = "validates-config"   // switch: image configs the registry cannot use are refused
	ValidatesV1Chain  Capability = "validates-v1-chain" // the schema1 v1 parent chain is checked
	ValidatesPlatform Capability = "validates-platform" // a list entry's platform is checked against its child
	// TagLink: tags/list pages carry Link: <...>; rel="next" while more
	// tags remain (a MAY of the spec). Without it, tag paging (with
	// tag-paging) is walked with n and last alone.
	TagLink Capability = "tag-link"
	// CatalogLink: /v2/_catalog pages carry Link: <...>; rel="next" while
	// more names remain. Without it, catalog paging (with catalog) is
	// walked with n and last alone.
	CatalogLink Capability = "catalog-link"
)

// Docker is a switch: the registry claims compatibility with the Docker
// Registry HTTP API V2, so that API's requirements (Docker-* headers, its
// statuses and bodies) fail the target, where for other targets they only
// warn. A target judged by failures.Distribution is held to them without
// listing Docker.
const Docker Capability = "docker"

// Untagged is what the spec says of a manifest pushed by digest only: it
// stays pullable by digest. Every target has it (Target.Has reports true)
// unless it lists HidesUntagged; listing it changes nothing.
//
// Deprecated: the spec's behaviour is the default; list HidesUntagged for
// a registry that hides untagged manifests.
const Untagged Capability = "untagged"

// AllCapabilities lists every capability, in the order of SCENARIOS.md.
func AllCapabilities() []Capability {
	return []Capability{
		Auth, Token, Roles, S1, S1U, Convert, SignedConversion, HidesUntagged, PostDigest, Cancel, Range, Mount, MountAuto,
		ChunkOverlap, Delete, TagDelete, BlobDelete, TagPaging, Catalog, Referrers, TagParam, SHA512,
		Sparse, ForeignLayers, NestedNames, LibraryAlias, ValidatesConfig, ValidatesV1Chain, ValidatesPlatform,
		TagLink, CatalogLink, Docker,
	}
}
