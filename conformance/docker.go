package conformance

import (
	"net/http"

	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/fixtures"
	"github.com/registrytest/registrytest/v2proto"
)

const areaDocker = "Docker compatibility"

// dockerScenarios check the headers and types the Docker Registry HTTP API
// V2 gives every answer and the OCI spec leaves optional ("These headers
// are OPTIONAL and clients SHOULD NOT depend on them."): the flows go on
// without them, so these scenarios are where they are checked. A
// DockerAPI requirement binds only for a target that declares Docker
// compatibility or is judged by failures.Distribution; for any other
// target a missing header is a warning.
func dockerScenarios() []Scenario {
	return []Scenario{
		{
			ID: "docker-api-version", Area: areaDocker,
			Requires: []Requirement{reqDockerAPIVersionHeader, reqLegacyHeadersOptional},
			Explain: "GET /v2/ without credentials answers 200 or 401 with Docker-Distribution-API-Version: registry/2.0 " +
				"(Docker Registry HTTP API V2: API Version Check)",
			Origin: "docker/distribution docs/spec/api.md",
			Run:    runDockerAPIVersion,
		},
		{
			ID: "docker-upload-uuid", Area: areaDocker,
			Requires: []Requirement{reqDockerUploadUUID, reqLegacyHeadersOptional},
			Explain: "POST /v2/<name>/blobs/uploads/ answers 202 with a Docker-Upload-UUID header (Docker Registry HTTP " +
				"API V2: Initiate Resumable Blob Upload)",
			Origin: "docker/distribution docs/spec/api.md",
			Run:    runDockerUploadUUID,
		},
		{
			ID: "docker-content-digest", Area: areaDocker,
			Requires: []Requirement{reqDockerManifestDigest, reqDockerBlobDigest, reqLegacyHeadersOptional},
			Explain: "the 201 of a manifest PUT, the 200 of its HEAD and GET by tag, and the 200 of a blob GET carry " +
				"Docker-Content-Digest with the digest of the content (Docker Registry HTTP API V2: PUT Manifest, GET " +
				"Manifest, Fetch Blob)",
			Origin: "docker/distribution docs/spec/api.md",
			Run:    runDockerContentDigest,
		},
		{
			ID: "docker-list-content-type", Area: areaDocker,
			Requires: []Requirement{reqDockerTagsJSON, reqDockerCatalogJSON, reqTagsJSON},
			Explain: "GET /v2/<name>/tags/list (and /v2/_catalog, with catalog) answers Content-Type: application/json " +
				"(parameters such as charset allowed; Docker Registry HTTP API V2: Listing Image Tags, Listing " +
				"Repositories); the OCI spec asks for a JSON body only",
			Origin: "docker/distribution docs/spec/api.md",
			Run:    runDockerListContentType,
		},
	}
}

func runDockerAPIVersion(e *Env) error {
	resp, err := e.anonGet("/v2/")
	if err != nil {
		return e.Errorf("GET /v2/: %v", err)
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusUnauthorized {
		return e.Violates(reqPing200, e.Errorf("GET /v2/ = %d, want 200 or 401", resp.StatusCode))
	}
	if got := resp.Header.Get("Docker-Distribution-API-Version"); got != "registry/2.0" {
		return e.Errorf("GET /v2/ = %d with Docker-Distribution-API-Version %q, want %q", resp.StatusCode, got, "registry/2.0")
	}
	return nil
}

func runDockerUploadUUID(e *Env) error {
	repo := e.Repo(Owner)
	path := "/v2/" + repo + "/blobs/uploads/"
	resp, _, err := e.exchange(failures.StartUpload, http.MethodPost, path, nil, nil, pushScope(repo))
	if err != nil {
		return err
	}
	if resp.Header.Get("Docker-Upload-UUID") == "" {
		return e.Errorf("POST %s = %d without Docker-Upload-UUID, want the upload's UUID", path, resp.StatusCode)
	}
	return nil
}

func runDockerContentDigest(e *Env) error {
	repo := e.Repo(Owner)
	bm, _, err := e.pushBlobsOf(repo, fixtures.Basic(), v2proto.Schema2)
	if err != nil {
		return err
	}
	mpath := "/v2/" + repo + "/manifests/latest"
	resp, _, err := e.exchange(failures.PutManifest, http.MethodPut, mpath, bm.Bytes,
		http.Header{"Content-Type": {bm.MediaType}}, pushScope(repo))
	if err != nil {
		return err
	}
	if got := resp.Header.Get("Docker-Content-Digest"); got != string(bm.Digest) {
		return e.Errorf("PUT %s = %d with Docker-Content-Digest %q, want %q", mpath, resp.StatusCode, got, bm.Digest)
	}
	accept := http.Header{"Accept": {bm.MediaType}}
	for _, x := range []struct {
		step   failures.Step
		method string
	}{{failures.HeadManifest, http.MethodHead}, {failures.GetManifest, http.MethodGet}} {
		resp, _, err := e.exchange(x.step, x.method, mpath, nil, accept, pullScope(repo))
		if err != nil {
			return err
		}
		if got := resp.Header.Get("Docker-Content-Digest"); got != string(bm.Digest) {
			return e.Errorf("%s %s = %d with Docker-Content-Digest %q, want %q", x.method, mpath, resp.StatusCode, got, bm.Digest)
		}
	}
	for _, b := range bm.Blobs {
		bpath := "/v2/" + repo + "/blobs/" + string(b.Digest())
		resp, _, err := e.exchange(failures.GetBlob, http.MethodGet, bpath, nil, nil, pullScope(repo))
		if err != nil {
			return err
		}
		if got := resp.Header.Get("Docker-Content-Digest"); got != string(b.Digest()) {
			return e.Violates(reqDockerBlobDigest, e.Errorf("GET %s = %d with Docker-Content-Digest %q, want %q", bpath, resp.StatusCode, got, b.Digest()))
		}
	}
	return nil
}

func runDockerListContentType(e *Env) error {
	repo := e.Repo(Owner)
	if _, err := e.push(repo, []string{"latest"}, fixtures.Basic(), fmtS2); err != nil {
		return err
	}
	path := "/v2/" + repo + "/tags/list"
	resp, _, err := e.exchange(failures.ListTags, http.MethodGet, path, nil, nil, pullScope(repo))
	if err != nil {
		return err
	}
	if got := resp.Header.Get("Content-Type"); mediaType(got) != "application/json" {
		return e.Errorf("GET %s = %d with Content-Type %q, want application/json", path, resp.StatusCode, got)
	}
	if !e.Has(Catalog) {
		return nil
	}
	resp, _, err = e.exchange(failures.Catalog, http.MethodGet, "/v2/_catalog", nil, nil, e.client.CatalogScopes()...)
	if err != nil {
		return err
	}
	if got := resp.Header.Get("Content-Type"); mediaType(got) != "application/json" {
		return e.Violates(reqDockerCatalogJSON, e.Errorf("GET /v2/_catalog = %d with Content-Type %q, want application/json", resp.StatusCode, got))
	}
	return nil
}
