package conformance

import "context"

// A State is a condition a scenario puts the registry into through the
// target's Control. A scenario that needs a state the Control cannot set is
// skipped, with the reason.
type State string

// The states, each set through the interface named beside it.
const (
	StateRegistryReadOnly  State = "registry-readonly"  // RegistryReadOnly
	StateMakePublic        State = "make-public"        // PublicRepos
	StateAnonymousOff      State = "anonymous-off"      // AnonymousAccess
	StateLibraryOff        State = "library-off"        // LibraryNamespace
	StateNamespaceDisabled State = "ns-disabled"        // Namespaces
	StateAppRepo           State = "app-repo"           // AppRepos
	StateGeoBlock          State = "geo-block"          // GeoBlocking
	StateRepoState         State = "repo-state"         // RepoStates
	StateCatalogVisibility State = "catalog-visibility" // CatalogVisibility
	StatePreloaded         State = "preloaded"          // Preloaded
)

// settableBy reports whether control implements the interface of s.
func (s State) settableBy(control any) bool {
	var ok bool
	switch s {
	case StateRegistryReadOnly:
		_, ok = control.(RegistryReadOnly)
	case StateMakePublic:
		_, ok = control.(PublicRepos)
	case StateAnonymousOff:
		_, ok = control.(AnonymousAccess)
	case StateLibraryOff:
		_, ok = control.(LibraryNamespace)
	case StateNamespaceDisabled:
		_, ok = control.(Namespaces)
	case StateAppRepo:
		_, ok = control.(AppRepos)
	case StateGeoBlock:
		_, ok = control.(GeoBlocking)
	case StateRepoState:
		_, ok = control.(RepoStates)
	case StateCatalogVisibility:
		_, ok = control.(CatalogVisibility)
	case StatePreloaded:
		_, ok = control.(Preloaded)
	}
	return ok
}

// RegistryReadOnly is implemented by a Control that can make the whole
// registry read-only (distribution: storage.maintenance.readonly; Quay:
// REGISTRY_STATE=readonly) and writable again. Scenarios that use it run
// alone, never beside another scenario of the same Run.
type RegistryReadOnly interface {
	SetRegistryReadOnly(ctx context.Context, readOnly bool) error
}

// PublicRepos is implemented by a Control that can make a repository
// readable by anyone, anonymous included.
type PublicRepos interface {
	MakePublic(ctx context.Context, repo string) error
}

// AnonymousAccess is implemented by a Control that can turn anonymous
// access off registry-wide (Quay: FEATURE_ANONYMOUS_ACCESS) and on again.
type AnonymousAccess interface {
	SetAnonymousAccess(ctx context.Context, on bool) error
}

// LibraryNamespace is implemented by a Control that can turn off the
// implicit library namespace (Quay: FEATURE_LIBRARY_SUPPORT), so that a
// repository name without a namespace is refused, and on again.
type LibraryNamespace interface {
	SetLibrarySupport(ctx context.Context, on bool) error
}

// Namespaces is implemented by a Control that can disable a namespace (its
// repositories can no longer be pushed, pulled or listed) and enable it
// again.
type Namespaces interface {
	SetNamespaceEnabled(ctx context.Context, namespace string, enabled bool) error
}

// AppRepos is implemented by a Control that can create an "application"
// repository (Quay's kind that is not a container repository).
type AppRepos interface {
	CreateAppRepository(ctx context.Context, repo string) error
}

// GeoBlocking is implemented by a Control that can block a namespace for
// clients of a country. BlockedAddress is a client address in that country;
// scenarios send it in the X-Override-Remote-Addr-For-Testing header.
type GeoBlocking interface {
	GeoBlock(ctx context.Context, namespace, country string) error
	BlockedAddress() string
}

// A RepoState is the state of a repository (Quay's NORMAL, READ_ONLY,
// MIRROR).
type RepoState string

// The repository states.
const (
	RepoNormal   RepoState = "NORMAL"
	RepoReadOnly RepoState = "READ_ONLY"
	RepoMirror   RepoState = "MIRROR"
)

// RepoStates is implemented by a Control that can set a repository's
// state. With RepoMirror, mirrorConfig says whether the repository gets a
// mirror configuration, and the Robot role is the mirror's robot.
type RepoStates interface {
	SetRepoState(ctx context.Context, repo string, state RepoState, mirrorConfig bool) error
}

// CatalogVisibility is implemented by a Control that can make the catalog
// public (listed to anonymous users, showing public repositories) or
// private.
type CatalogVisibility interface {
	SetPublicCatalog(ctx context.Context, public bool) error
}

// Preloaded is implemented by a Control whose registry holds content put
// there beforehand, which scenarios read without pushing (OCI's read-only
// data set).
type Preloaded interface {
	Preloaded() PreloadedContent
}

// PreloadedContent names content that is in the registry already.
type PreloadedContent struct {
	// Repository holds everything below.
	Repository string
	// Tags, Manifests (digests) and Blobs (digests) that must answer 200.
	Tags, Manifests, Blobs []string
	// Referrers maps a manifest digest to the digests of its referrers.
	Referrers map[string][]string
}
