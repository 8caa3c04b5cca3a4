package v2proto

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/fixtures"
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
		{"WithLimits on GetManifest", func() error {
			_, err := c.GetManifest(ctx, "ns/repo", "latest", WithLimits(Limits{MaxPages: 2}))
			return err
		}, "v2proto.GetManifest: option WithLimits is not read by GetManifest (only by Push, PushList, PushBlobs, PushContent, Pull, Tags, TagPages, Catalog, CatalogPages, Referrers)"},
		{"Limits.MaxConfigSize on Tags", func() error {
			_, err := c.Tags(ctx, "ns/repo", WithLimits(Limits{MaxPages: 2, MaxConfigSize: 10}))
			return err
		}, "v2proto.Tags: option Limits.MaxConfigSize is not read by Tags (only by Pull)"},
		{"two WithLimits", func() error {
			_, err := c.Tags(ctx, "ns/repo", WithLimits(Limits{MaxPages: 2}), WithLimits(Limits{MaxEntries: 2}))
			return err
		}, "v2proto.Tags: option WithLimits given twice, want at most one"},
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
	if _, err := c.Tags(ctx, "ns/repo", WithPageSize(5), WithLast("0"), WithLimits(Limits{MaxPages: 3}), ExpectFailure("")); err != nil {
		t.Errorf("Tags with its own options = %v, want no error", err)
	}
}

// TestEveryOptionHasReaders: every exported CallOption of the package is
// read by at least one method and refused by at least one other, with an
// error that names it, before anything is sent.
func TestEveryOptionHasReaders(t *testing.T) {
	// For each option: the option (its struct fields set, so that the
	// fields' readers are checked too), a method that reads it, a method
	// that does not, and the name the refusal gives.
	tests := map[string]struct {
		opt            CallOption
		accept, refuse string
		name           string
	}{
		"WithCredentials":         {WithCredentials("u", "p"), "Token", "Ping", "WithCredentials"},
		"WithScopes":              {WithScopes("repository:r:pull"), "Pull", "Token", "WithScopes"},
		"ExpectFailure":           {ExpectFailure(failures.UnknownTag), "Ping", "BuildManifest", "ExpectFailure"},
		"WithSchema":              {WithSchema(OCI), "BuildManifest", "GetManifest", "WithSchema"},
		"WithAccept":              {WithAccept("a/b"), "PushBlob", "GetBlob", "WithAccept"},
		"WithPageSize":            {WithPageSize(2), "CatalogPages", "Referrers", "WithPageSize"},
		"WithLast":                {WithLast("a"), "Tags", "Referrers", "WithLast"},
		"WithArtifactType":        {WithArtifactType("t"), "Referrers", "Tags", "WithArtifactType"},
		"WithReferrersMode":       {WithReferrersMode(ReferrersAPIOnly), "Referrers", "Pull", "WithReferrersMode"},
		"WithLimits":              {WithLimits(Limits{MaxConfigSize: 1}), "Pull", "Tags", "Limits.MaxConfigSize"},
		"WithUpload":              {WithUpload(Upload{Cancel: true}), "PushBlob", "PushManifest", "WithUpload"},
		"WithBlobChecks":          {WithBlobChecks(BlobChecks{Head: HeadNone}), "PushContent", "Pull", "WithBlobChecks"},
		"WithBuild":               {WithBuild(Build{ChildSchemas: []Schema{Schema1}}), "PushList", "Push", "Build.ChildSchemas"},
		"WithPushByDigest":        {WithPushByDigest(), "PushContent", "PushManifest", "WithPushByDigest"},
		"WithTagParams":           {WithTagParams("a"), "PushManifest", "Push", "WithTagParams"},
		"WithHeaders":             {WithHeaders(Headers{ManifestContentType: "a/b"}), "PushManifest", "Pull", "Headers.ManifestContentType"},
		"WithRequireMatchingType": {WithRequireMatchingType(), "Pull", "PullList", "WithRequireMatchingType"},
		"WithPullWithoutToken":    {WithPullWithoutToken(), "Pull", "GetManifest", "WithPullWithoutToken"},
		"WithDeleteByTag":         {WithDeleteByTag(), "Delete", "DeleteBlob", "WithDeleteByTag"},
		"WithoutDeleteCheck":      {WithoutDeleteCheck(), "DeleteBlob", "Pull", "WithoutDeleteCheck"},
	}
	if diff := cmp.Diff(exportedCallOptions(t), slices.Sorted(func(yield func(string) bool) {
		for k := range tests {
			if !yield(k) {
				return
			}
		}
	})); diff != "" {
		t.Errorf("options in the table (-exported +table):\n%s", diff)
	}
	for name, tt := range tests {
		var cc callConfig
		if err := cc.apply(tt.accept, []CallOption{tt.opt}); err != nil {
			t.Errorf("%s on %s: %v, want no error", name, tt.accept, err)
		}
		if len(cc.used) == 0 {
			t.Errorf("%s declares no readers (callConfig.use)", name)
		}
		for _, u := range cc.used {
			for _, m := range append(slices.Clone(u.readers), u.except...) {
				if !slices.Contains(callMethods, m) {
					t.Errorf("%s: reader %q of %s is not a method in callMethods", name, m, u.name)
				}
			}
		}
		var refused callConfig
		err := refused.apply(tt.refuse, []CallOption{tt.opt})
		want := "v2proto." + tt.refuse + ": option " + tt.name + " is not read by " + tt.refuse
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s on %s: %v, want %s (...)", name, tt.refuse, err, want)
		}
	}
}

// TestCallMethods: callMethods lists exactly the Client methods that take
// CallOptions, and BuildManifest.
func TestCallMethods(t *testing.T) {
	optsType := reflect.TypeFor[[]CallOption]()
	var got []string
	ct := reflect.TypeFor[*Client]()
	for i := range ct.NumMethod() {
		m := ct.Method(i)
		if m.Type.IsVariadic() && m.Type.In(m.Type.NumIn()-1) == optsType {
			got = append(got, m.Name)
		}
	}
	got = append(got, "BuildManifest")
	slices.Sort(got)
	want := slices.Sorted(slices.Values(callMethods))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("methods that take CallOptions (-callMethods +Client):\n%s", diff)
	}
}

// TestOptionsOnBuildManifest: BuildManifest reads WithSchema and
// WithBuild, and refuses the options of calls.
func TestOptionsOnBuildManifest(t *testing.T) {
	if _, err := BuildManifest("r", "t", fixtures.Basic(), WithSchema(OCI), WithBuild(Build{EnsureASCII: true})); err != nil {
		t.Errorf("BuildManifest(WithSchema, WithBuild) = %v, want no error", err)
	}
	_, err := BuildManifest("r", "t", fixtures.Basic(), ExpectFailure(failures.InvalidBlob))
	if want := "v2proto.BuildManifest: option ExpectFailure is not read by BuildManifest (read by every method but BuildManifest)"; err == nil || err.Error() != want {
		t.Errorf("BuildManifest(ExpectFailure) = %v, want %s", err, want)
	}
}

// exportedCallOptions returns the names of the package's exported
// functions that return a CallOption, sorted.
func exportedCallOptions(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var names []string
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv != nil || !fd.Name.IsExported() || fd.Type.Results == nil || len(fd.Type.Results.List) != 1 {
				continue
			}
			if id, ok := fd.Type.Results.List[0].Type.(*ast.Ident); ok && id.Name == "CallOption" {
				names = append(names, fd.Name.Name)
			}
		}
	}
	slices.Sort(names)
	return names
}
