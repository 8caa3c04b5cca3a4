package conformance

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
)

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

// AllStates lists every state, in the order of SCENARIOS.md.
func AllStates() []State {
	return []State{
		StateRegistryReadOnly, StateMakePublic, StateAnonymousOff, StateLibraryOff, StateNamespaceDisabled,
		StateAppRepo, StateGeoBlock, StateRepoState, StateCatalogVisibility, StatePreloaded,
	}
}

// iface returns the interface a Control implements to set s, or nil for a
// state this package does not define.
func (s State) iface() reflect.Type {
	switch s {
	case StateRegistryReadOnly:
		return reflect.TypeFor[RegistryReadOnly]()
	case StateMakePublic:
		return reflect.TypeFor[PublicRepos]()
	case StateAnonymousOff:
		return reflect.TypeFor[AnonymousAccess]()
	case StateLibraryOff:
		return reflect.TypeFor[LibraryNamespace]()
	case StateNamespaceDisabled:
		return reflect.TypeFor[Namespaces]()
	case StateAppRepo:
		return reflect.TypeFor[AppRepos]()
	case StateGeoBlock:
		return reflect.TypeFor[GeoBlocking]()
	case StateRepoState:
		return reflect.TypeFor[RepoStates]()
	case StateCatalogVisibility:
		return reflect.TypeFor[CatalogVisibility]()
	case StatePreloaded:
		return reflect.TypeFor[Preloaded]()
	}
	return nil
}

// settableBy reports whether control implements the interface of s.
func (s State) settableBy(control any) bool {
	it := s.iface()
	return control != nil && it != nil && reflect.TypeOf(control).Implements(it)
}

// nearMiss returns why control, which does not implement the interface of
// s, looks as if it meant to: it has one of the interface's methods with
// another signature, or with a pointer receiver while control is not a
// pointer. It returns "" when control has none of the methods.
func (s State) nearMiss(control any) string {
	it := s.iface()
	if control == nil || it == nil || s.settableBy(control) {
		return ""
	}
	v := reflect.ValueOf(control)
	var why []string
	for i := range it.NumMethod() {
		want := it.Method(i)
		got := v.MethodByName(want.Name)
		switch {
		case got.IsValid() && got.Type() != want.Type:
			why = append(why, fmt.Sprintf("its method %s is %s, want %s", want.Name, got.Type(), want.Type))
		case !got.IsValid() && v.Kind() != reflect.Pointer:
			if _, ok := reflect.PointerTo(v.Type()).MethodByName(want.Name); ok {
				why = append(why, fmt.Sprintf("its method %s has a pointer receiver: set Control to a *%s", want.Name, v.Type()))
			}
		}
	}
	if len(why) == 0 {
		return ""
	}
	return fmt.Sprintf("Control %T does not implement %s (state %s): %s", control, it, s, strings.Join(why, "; "))
}

// ControlStates returns the states t's Control can set, in the order of
// AllStates (none when Control is nil), and an error when the Control is
// not nil and yet cannot set any state, or when it has a method of a state
// interface with another signature (or with a pointer receiver on a Control
// that is not a pointer): a Control that was meant to set a state and
// silently sets none would skip every scenario that needs it. Run and
// Check call it before any scenario; the scenarios run either way, and
// those that need a state the Control cannot set are skipped, with the
// reason.
func (t *Target) ControlStates() ([]State, error) {
	if t.Control == nil {
		return nil, nil
	}
	var states []State
	var problems []string
	for _, s := range AllStates() {
		if s.settableBy(t.Control) {
			states = append(states, s)
		} else if why := s.nearMiss(t.Control); why != "" {
			problems = append(problems, why)
		}
	}
	if len(states) == 0 {
		var names []string
		for _, s := range AllStates() {
			names = append(names, s.iface().Name())
		}
		problems = append([]string{fmt.Sprintf("Control %T implements none of the state interfaces (%s)",
			t.Control, strings.Join(names, ", "))}, problems...)
	}
	if len(problems) > 0 {
		return states, errors.New(strings.Join(problems, "\n"))
	}
	return states, nil
}

// describeStates says which states a Control can set, with the interface
// of each: "sets registry-readonly (RegistryReadOnly), preloaded
// (Preloaded)", or "sets no state".
func describeStates(states []State) string {
	if len(states) == 0 {
		return "sets no state"
	}
	var parts []string
	for _, s := range states {
		if it := s.iface(); it != nil {
			parts = append(parts, fmt.Sprintf("%s (%s)", s, it.Name()))
		} else {
			parts = append(parts, string(s))
		}
	}
	return "sets " + strings.Join(parts, ", ")
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
