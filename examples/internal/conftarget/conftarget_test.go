package conftarget_test

import (
	"io"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/registrytest/registrytest/conformance"
	"github.com/registrytest/registrytest/examples/internal/conftarget"
	"github.com/registrytest/registrytest/examples/internal/distv3"
)

// TestRemote drives a registry's Control through the line protocol (Serve
// on one side of two pipes, Dial on the other), as examples/conformance
// drives serve28, and checks each command's effect on the registry and on
// its token issuer.
func TestRemote(t *testing.T) {
	reg := distv3.Start(t, conftarget.Options())
	ctl := conftarget.NewControl(reg)
	cmdR, cmdW := io.Pipe()
	ansR, ansW := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- conftarget.Serve(t.Context(), conftarget.InfoOf(reg), ctl, cmdR, ansW); ansW.Close() }()
	info, rm, err := conftarget.Dial(cmdW, ansR)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(conftarget.InfoOf(reg), info); diff != "" {
		t.Errorf("Dial: Info mismatch (-want +got):\n%s", diff)
	}

	if err := rm.SetRegistryReadOnly(t.Context(), true); err != nil {
		t.Fatalf("SetRegistryReadOnly(true) = %v", err)
	}
	if !reg.ReadOnly() {
		t.Errorf("after SetRegistryReadOnly(true): ReadOnly() = false, want true")
	}
	if err := rm.SetRegistryReadOnly(t.Context(), false); err != nil || reg.ReadOnly() {
		t.Errorf("SetRegistryReadOnly(false) = %v, ReadOnly() = %v, want nil, false", err, reg.ReadOnly())
	}

	repo := "owner/public-one"
	before := reg.Issuer.Claims("", "repository:"+repo+":pull").Access
	if err := rm.MakePublic(t.Context(), repo); err != nil {
		t.Fatalf("MakePublic = %v", err)
	}
	for _, account := range []string{"", "other"} {
		got := reg.Issuer.Claims(account, "repository:"+repo+":pull").Access
		if len(got) != 1 || !slices.Equal(got[0].Actions, []string{"pull"}) {
			t.Errorf("after MakePublic(%s): %q is granted %v, want pull (before: %v)", repo, account, got, before)
		}
	}

	if err := rm.SetAnonymousAccess(t.Context(), false); err != nil {
		t.Fatalf("SetAnonymousAccess(false) = %v", err)
	}
	if err := rm.SetAnonymousAccess(t.Context(), true); err != nil {
		t.Fatalf("SetAnonymousAccess(true) = %v", err)
	}
	if err := rm.MakePublic(t.Context(), "has space"); err == nil {
		t.Errorf("MakePublic(%q) = nil, want an error", "has space")
	}

	cmdW.Close()
	if err := <-done; err != nil {
		t.Errorf("Serve = %v after its input ended, want nil", err)
	}
	if err := rm.SetAnonymousAccess(t.Context(), true); err == nil {
		t.Errorf("SetAnonymousAccess after the process ended = nil, want an error")
	}
}

// TestNew checks the target of a registry: its roles, the capabilities of
// its implementation, and the preloaded content, which must be there.
func TestNew(t *testing.T) {
	reg := distv3.Start(t, conftarget.Options())
	target, err := conftarget.New(t.Context(), reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []conformance.Role{conformance.Owner, conformance.Reader, conformance.Other, conformance.OrgAdmin, conformance.Creator, conformance.Robot} {
		if u := target.Users[r]; u.Name == "" || u.Password != conftarget.Password(u.Name) || u.Namespace == "" {
			t.Errorf("Users[%s] = %+v, want a user with its password and namespace", r, u)
		}
	}
	if !target.Has(conformance.TagDelete) || target.Has(conformance.S1) {
		t.Errorf("Capabilities of %s = %v, want tag-delete and no s1", target.Name, target.Capabilities)
	}
	pc := target.Control.(conformance.Preloaded).Preloaded()
	if pc.Repository == "" || len(pc.Tags) != 2 || len(pc.Manifests) != 2 || len(pc.Blobs) == 0 {
		t.Fatalf("Preloaded() = %+v, want a repository with 2 tags, 2 manifests and their blobs", pc)
	}
	rep := conformance.Check(t.Context(), target, conformance.WithScenarios(only("state-preloaded")))
	if _, f, _ := rep.Counts(); f > 0 || rep.Results[0].Outcome != conformance.Passed {
		t.Errorf("state-preloaded = %s %s, want pass", rep.Results[0].Outcome, rep.Results[0].Detail)
	}
}

func only(id string) []conformance.Scenario {
	s, ok := conformance.Lookup(id)
	if !ok {
		panic("no scenario " + id)
	}
	return []conformance.Scenario{s}
}
