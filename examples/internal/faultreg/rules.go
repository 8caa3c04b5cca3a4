package faultreg

import (
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/registrytest/registrytest/failures"
)

// A Rule says which requests a fault answers. Every field that is set must
// match; the zero value of a field matches every request.
type Rule struct {
	// Step matches a request whose Classify steps include it.
	Step failures.Step
	// Method matches the request's method exactly ("PATCH").
	Method string
	// Path is a regular expression (regexp syntax) that must match
	// somewhere in the request's path; anchor it with ^ and $ as needed.
	// Add panics on an invalid one.
	Path string
	// Nth, when not 0, makes the rule fire for the Nth request it matches
	// only (1 is the first); 0 fires for every request it matches. A
	// matched request for which the rule does not fire goes on to the next
	// rules.
	Nth int
	// Fault answers the requests the rule fires for. It must not be nil.
	Fault Fault
}

// fires reports whether a fires for req, counting the match. It is called
// with the Registry's lock held.
func (a *Active) fires(req *http.Request, steps []failures.Step) bool {
	if a.Step != "" && !slices.Contains(steps, a.Step) {
		return false
	}
	if a.Method != "" && a.Method != req.Method {
		return false
	}
	if a.path != nil && !a.path.MatchString(req.URL.Path) {
		return false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.matched++
	if a.Nth != 0 && a.matched != a.Nth {
		return false
	}
	a.hits++
	return true
}

var (
	reUpload    = regexp.MustCompile(`^/v2/(.+)/blobs/uploads/(.*)$`)
	reBlob      = regexp.MustCompile(`^/v2/(.+)/blobs/([^/]+)$`)
	reManifest  = regexp.MustCompile(`^/v2/(.+)/manifests/([^/]*)$`)
	reTags      = regexp.MustCompile(`^/v2/(.+)/tags/list$`)
	reReferrers = regexp.MustCompile(`^/v2/(.+)/referrers/([^/]+)$`)
)

// listTypes are the media types of manifest lists and image indexes.
var listTypes = []string{
	"application/vnd.docker.distribution.manifest.list.v2+json",
	"application/vnd.oci.image.index.v1+json",
}

// Classify returns the protocol steps a request to a registry (or to the
// front's TokenPath) can be, from its method, path, query and headers,
// or nil when it is none:
//
//   - GET /v2/ without Authorization is ping; with it, auth (the Basic
//     auth step); a request to TokenPath is auth (the Bearer token request).
//   - POST .../blobs/uploads/ is mount-blob with a mount parameter, else
//     start-upload; PATCH, PUT, GET and DELETE of an upload URL are
//     upload-chunk, finish-upload, upload-status and cancel-upload.
//   - HEAD of a blob is both blob-head-check and head-blob (only the flow
//     knows which it means); GET is get-blob, DELETE delete-blob.
//   - PUT of a manifest is put-manifest-list when its Content-Type is a
//     manifest list or an image index, else put-manifest; GET is both
//     get-manifest and get-manifest-list; HEAD is head-manifest, DELETE
//     delete-manifest.
//   - GET .../tags/list is list-tags, GET /v2/_catalog catalog, GET
//     .../referrers/<digest> referrers.
func Classify(r *http.Request) []failures.Step {
	p := r.URL.Path
	one := func(s failures.Step) []failures.Step { return []failures.Step{s} }
	switch {
	case p == TokenPath:
		return one(failures.Auth)
	case p == "/v2/" || p == "/v2":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			return nil
		}
		if r.Header.Get("Authorization") == "" {
			return one(failures.Ping)
		}
		return one(failures.Auth)
	case p == "/v2/_catalog":
		if r.Method == http.MethodGet {
			return one(failures.Catalog)
		}
	case reUpload.MatchString(p):
		m := reUpload.FindStringSubmatch(p)
		if m[2] == "" {
			if r.Method != http.MethodPost {
				return nil
			}
			if r.URL.Query().Has("mount") {
				return one(failures.MountBlob)
			}
			return one(failures.StartUpload)
		}
		switch r.Method {
		case http.MethodPatch:
			return one(failures.UploadChunk)
		case http.MethodPut:
			return one(failures.FinishUpload)
		case http.MethodGet:
			return one(failures.UploadStatus)
		case http.MethodDelete:
			return one(failures.CancelUpload)
		}
	case reBlob.MatchString(p):
		switch r.Method {
		case http.MethodHead:
			return []failures.Step{failures.BlobHeadCheck, failures.HeadBlob}
		case http.MethodGet:
			return one(failures.GetBlob)
		case http.MethodDelete:
			return one(failures.DeleteBlob)
		}
	case reManifest.MatchString(p):
		switch r.Method {
		case http.MethodPut:
			ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
			if slices.Contains(listTypes, strings.TrimSpace(ct)) {
				return one(failures.PutManifestList)
			}
			return one(failures.PutManifest)
		case http.MethodGet:
			return []failures.Step{failures.GetManifest, failures.GetManifestList}
		case http.MethodHead:
			return one(failures.HeadManifest)
		case http.MethodDelete:
			return one(failures.DeleteManifest)
		}
	case reTags.MatchString(p):
		if r.Method == http.MethodGet {
			return one(failures.ListTags)
		}
	case reReferrers.MatchString(p):
		if r.Method == http.MethodGet {
			return one(failures.Referrers)
		}
	}
	return nil
}
