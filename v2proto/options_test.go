package v2proto

import (
	"context"
	"testing"

	"github.com/registrytest/registrytest/failures"
)

func TestCallOptionsChecked(t *testing.T) {
	ctx := context.Background()
	f := newFakeRegistry(t, "none")
	f.route("GET /v2/ns/repo/tags/list", serveJSON(200, "", `{"name":"ns/repo","tags":["a"]}`))
	c := f.client(t)
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"two ExpectFailure", func() error {
			_, err := c.Tags(ctx, "ns/repo", ExpectFailure(failures.UnknownTag), ExpectFailure(failures.Unauthorized))
			return err
		}, "v2proto.Tags: option ExpectFailure given twice, want at most one"},
		{"two ExpectFailure on Ping", func() error {
			_, err := c.Ping(ctx, ExpectFailure(""), ExpectFailure(""))
			return err
		}, "v2proto.Ping: option ExpectFailure given twice, want at most one"},
		{"WithPageSize on Referrers", func() error {
			_, err := c.Referrers(ctx, "ns/repo", "sha256:abc", WithPageSize(1))
			return err
		}, "v2proto.Referrers: option WithPageSize is not read by Referrers (only by Tags, TagPages, Catalog, CatalogPages)"},
		{"WithArtifactType on Tags", func() error {
			_, err := c.Tags(ctx, "ns/repo", WithArtifactType("x"))
			return err
		}, "v2proto.Tags: option WithArtifactType is not read by Tags (only by Referrers)"},
		{"WithMaxPages on GetManifest", func() error {
			_, err := c.GetManifest(ctx, "ns/repo", "latest", WithMaxPages(2))
			return err
		}, "v2proto.GetManifest: option WithMaxPages is not read by GetManifest (only by Tags, TagPages, Catalog, CatalogPages, Referrers)"},
		{"WithReferrersMode on TagPages", func() error {
			for _, err := range c.TagPages(ctx, "ns/repo", WithReferrersMode(ReferrersAPIOnly)) {
				return err
			}
			return nil
		}, "v2proto.TagPages: option WithReferrersMode is not read by TagPages (only by Referrers)"},
	}
	for _, tt := range tests {
		f.requests = nil
		err := tt.call()
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: error %v, want %s", tt.name, err, tt.want)
		}
		if len(f.requests) != 0 {
			t.Errorf("%s: requests %q, want none (the options are checked first)", tt.name, f.requests)
		}
	}
	// An option every method but some reads (useExcept).
	cl := c.newCall("Token", []CallOption{func(cc *callConfig) { cc.useExcept("WithX", "Ping", "Token") }})
	if want := "v2proto.Token: option WithX is not read by Token (read by every method but Ping, Token)"; cl.optErr == nil || cl.optErr.Error() != want {
		t.Errorf("useExcept: optErr %v, want %s", cl.optErr, want)
	}
	if cl := c.newCall("Pull", []CallOption{func(cc *callConfig) { cc.useExcept("WithX", "Ping", "Token") }}); cl.optErr != nil {
		t.Errorf("useExcept on another method: optErr %v, want nil", cl.optErr)
	}
	// One ExpectFailure, and options a method reads, are fine.
	if _, err := c.Tags(ctx, "ns/repo", WithPageSize(5), WithLast("0"), WithMaxPages(3), ExpectFailure("")); err != nil {
		t.Errorf("Tags with its own options = %v, want no error", err)
	}
}
