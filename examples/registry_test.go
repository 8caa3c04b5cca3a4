package examples_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/registrytest/registrytest/conformance"
	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/fixtures"
)

// To copy this file into your module, copy registry_helper_test.go with it:
// it starts the registry under test (startRegistry, newRegistry). Put your
// registry's handler there; nothing else here depends on distribution.

// The accounts of the conformance test: one per role it plays. Roles
// without an account (OrgAdmin, Creator, Robot) skip the scenarios that
// need them.
var confUsers = []fixtures.TokenUser{
	{Name: "owner", Password: "owner-pw", Grants: []fixtures.TokenGrant{
		{Name: "owner/*", Actions: []string{"*"}},
		{Name: "owner-*", Actions: []string{"*"}}, // names without a namespace: <owner namespace>-<scenario>-<random>
		{Name: "library/owner-*", Actions: []string{"*"}},
		{Type: "registry", Name: "catalog", Actions: []string{"*"}},
	}},
	{Name: "reader", Password: "reader-pw", Grants: []fixtures.TokenGrant{{Name: "owner/*", Actions: []string{"pull"}}}},
	{Name: "other", Password: "other-pw", Grants: []fixtures.TokenGrant{{Name: "other/*", Actions: []string{"*"}}}},
}

// TestRegistryConformance is what a registry project's integration test
// looks like: start the registry (here distribution v3 in-process with
// token auth, see registry_helper_test.go), describe it as a
// conformance.Target, and let conformance.Run add one subtest per
// scenario, selectable by ID:
//
//	go test ./examples -run 'TestRegistryConformance/blob-'
//
// The target lists what the registry supports (scenarios needing anything
// else are skipped, with the reason), the failures table that says how it
// answers refusals, and a Control through which scenarios make it read-only
// or make a repository public.
//
// A registry project passes no option and gets every scenario; this
// example runs three areas only, because internal/itest runs the whole
// suite against the same registry already.
func TestRegistryConformance(t *testing.T) {
	reg := startRegistry(t, confUsers) // stopped by t.Cleanup
	target := &conformance.Target{
		Name:  "distribution v3",
		URL:   reg.URL,
		Table: failures.Distribution,
		Users: map[conformance.Role]conformance.User{
			conformance.Owner:     {Name: "owner", Password: "owner-pw", Namespace: "owner"},
			conformance.Reader:    {Name: "reader", Password: "reader-pw", Namespace: "owner"},
			conformance.Other:     {Name: "other", Password: "other-pw", Namespace: "other"},
			conformance.Anonymous: {Namespace: "owner"},
		},
		// What distribution v3 supports, measured with the suite.
		Capabilities: []conformance.Capability{
			conformance.Auth, conformance.Token, conformance.Roles, conformance.Cancel, conformance.Range,
			conformance.Mount, conformance.Delete, conformance.BlobDelete, conformance.TagDelete,
			conformance.Catalog, conformance.CatalogLink, conformance.TagPaging, conformance.TagLink,
			conformance.NestedNames,
		},
		Control: &control{reg: reg, users: slices.Clone(confUsers)},
		Known: map[string]string{
			"name-repo-too-long": "a repository name component of 256 characters gets 500 (the filesystem storage cannot hold it)",
		},
	}
	conformance.Run(t, func(t *testing.T) *conformance.Target {
		tt := *target // one copy per subtest, logging to it
		tt.Logf = t.Logf
		return &tt
	}, conformance.WithScenarios(slices.DeleteFunc(conformance.Scenarios(), func(s conformance.Scenario) bool {
		return s.Area != "Auth & names" && s.Area != "Blob upload styles" && s.Area != "Registry/repository states"
	})))
}

// control puts the registry into the states scenarios ask for: read-only
// by restarting it in its read-only maintenance mode, a public repository
// and anonymous access through the grants of its token issuer.
type control struct {
	reg *registry

	mu     sync.Mutex
	users  []fixtures.TokenUser
	public []fixtures.TokenGrant
}

var (
	_ conformance.RegistryReadOnly = (*control)(nil)
	_ conformance.PublicRepos      = (*control)(nil)
	_ conformance.AnonymousAccess  = (*control)(nil)
)

func (c *control) SetRegistryReadOnly(ctx context.Context, readOnly bool) error {
	return c.reg.SetReadOnly(readOnly)
}

// MakePublic grants pull on repo to anonymous and to every user.
func (c *control) MakePublic(ctx context.Context, repo string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	g := fixtures.TokenGrant{Name: repo, Actions: []string{"pull"}}
	c.public = append(c.public, g)
	c.reg.Issuer.SetAnonymous(c.public...)
	for i := range c.users {
		c.users[i].Grants = append(c.users[i].Grants, g)
		c.reg.Issuer.SetUser(c.users[i])
	}
	return nil
}

func (c *control) SetAnonymousAccess(ctx context.Context, on bool) error {
	c.reg.Issuer.SetDenyAnonymous(!on)
	return nil
}
