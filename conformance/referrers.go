package conformance

import (
	"fmt"
	"slices"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/registrytest/registrytest/fixtures"
	"github.com/registrytest/registrytest/v2proto"
)

const areaReferrers = "Referrers"

func referrersScenarios() []Scenario {
	return []Scenario{
		{
			ID: "ref-empty", Area: areaReferrers,
			Requires: []Requirement{reqReferrersNo404, reqReferrersEmptyList, reqReferrersContentType},
			Explain: "GET /v2/<repo>/referrers/<digest> for a digest without referrers (an unknown digest, a manifest not " +
				"in the repository) answers 200, Content-Type application/vnd.oci.image.index.v1+json, manifests: [] " +
				"(distribution-spec 1.1: listing referrers)",
			Origin: "O: empty/referrers; L41, L44",
			Needs:  []Capability{Referrers},
			Run:    runRefEmpty,
		},
		{
			ID: "ref-artifacts", Area: areaReferrers,
			Requires: []Requirement{reqOCISubjectHeader, reqReferrersAnnotations, reqReferrersArtifactType},
			Explain: "an image (tag image) and artifacts whose subject is the image, through W: each PUT with a subject " +
				"answers 201 with OCI-Subject: <subject digest>, and the image's referrers list them with digest, " +
				"mediaType, size, artifactType and the annotations pushed",
			Origin: "O: artifacts-with-subject/*; L42",
			Needs:  []Capability{Referrers},
			Run: func(e *Env) error {
				return e.workflowWith(fixtures.OCIArtifactsWithSubject(e.seed()), workflowOptions{afterPush: e.checkReferrers})
			},
		},
		{
			ID: "ref-filter", Area: areaReferrers,
			Requires: []Requirement{reqReferrersFilterShould, reqReferrersFiltersApplied},
			Explain: "?artifactType=<t> for each type, and for one that matches nothing, answers 200 with only the " +
				"matching descriptors and OCI-Filters-Applied: artifactType; without that header the filter is reported " +
				"unsupported (skip)",
			Origin: "O: artifacts-with-subject/referrers, index-with-subject/referrers (the filtered requests); L43",
			Needs:  []Capability{Referrers},
			Run: func(e *Env) error {
				return e.workflowWith(fixtures.OCIArtifactsWithSubject(e.seed()), workflowOptions{afterPush: e.checkReferrersFilter})
			},
		},
		{
			ID: "ref-index-subject", Area: areaReferrers,
			Requires: []Requirement{reqOCISubjectHeader, reqReferrersIndexArtifactType},
			Explain: "an artifact index (artifactType) with a subject, through W: 201 with OCI-Subject, listed among the " +
				"subject's referrers",
			Origin: "O: index-with-subject/*",
			Needs:  []Capability{Referrers},
			Run: func(e *Env) error {
				return e.workflowWith(fixtures.OCIIndexWithSubject(e.seed()), workflowOptions{afterPush: e.checkReferrers})
			},
		},
		{
			ID: "ref-missing-subject", Area: areaReferrers,
			Requires: []Requirement{reqOCISubjectHeader, reqSubjectMissingAccepted},
			Explain: "an artifact whose subject is not in the repository, through W: 201 with OCI-Subject, and the " +
				"referrers of the absent digest (200) list it",
			Origin: "O: missing-subject/*",
			Needs:  []Capability{Referrers},
			Run: func(e *Env) error {
				return e.workflowWith(fixtures.OCIMissingSubject(e.seed()), workflowOptions{afterPush: e.checkReferrers})
			},
		},
	}
}

// referrers lists the referrers of subject in repo through the API only.
func (e *Env) referrers(repo string, subject digest.Digest, opts ...v2proto.CallOption) (*v2proto.ReferrersResult, error) {
	o, err := e.as(Owner, append([]v2proto.CallOption{v2proto.WithReferrersMode(v2proto.ReferrersAPIOnly)}, opts...)...)
	if err != nil {
		return nil, err
	}
	return e.client.Referrers(e.Ctx, repo, subject, o...)
}

func runRefEmpty(e *Env) error {
	repo := e.Repo(Owner)
	pr, err := e.push(repo, []string{"latest"}, fixtures.Basic(), fmtOCI)
	if err != nil {
		return err
	}
	for _, d := range []digest.Digest{pr.Manifests[0].Digest, digest.FromString("no manifest: " + repo)} {
		rr, err := e.referrers(repo, d)
		if err != nil {
			return err
		}
		if len(rr.Manifests) != 0 {
			return e.Errorf("GET /v2/%s/referrers/%s = %d descriptors, want none", repo, d, len(rr.Manifests))
		}
	}
	return nil
}

// subjects maps each subject digest of sb to the manifests referring to it.
func subjects(sb *setBuilder) map[digest.Digest][]*setManifest {
	m := map[digest.Digest][]*setManifest{}
	for _, sm := range sb.order {
		if sm.subject != "" {
			m[sm.subject] = append(m[sm.subject], sm)
		}
	}
	return m
}

// checkReferrers checks the OCI-Subject of the PUTs by digest of each
// referrer (the push's answers, puts) and that every subject lists its
// referrers with their descriptors' fields.
func (e *Env) checkReferrers(repo string, sb *setBuilder, puts digestPuts) error {
	for subject, refs := range subjects(sb) {
		for _, sm := range refs {
			if len(puts[sm.built.Digest]) == 0 {
				return fmt.Errorf("checkReferrers: no PUT by digest of %s among the push's answers", sm.built.Digest)
			}
			for _, mr := range puts[sm.built.Digest] {
				if mr.Subject != string(subject) {
					return e.Errorf("PUT /v2/%s/manifests/%s: OCI-Subject = %q, want %q", repo, sm.built.Digest, mr.Subject, subject)
				}
			}
		}
		rr, err := e.referrers(repo, subject)
		if err != nil {
			return err
		}
		for _, sm := range refs {
			i := slices.IndexFunc(rr.Manifests, func(d v1.Descriptor) bool { return d.Digest == sm.built.Digest })
			if i < 0 {
				return e.Errorf("GET /v2/%s/referrers/%s: %s missing, want it listed", repo, subject, sm.built.Digest)
			}
			d := rr.Manifests[i]
			if d.MediaType != sm.built.MediaType || d.Size != int64(len(sm.built.Bytes)) || d.ArtifactType != artifactTypeOf(sm) {
				return e.Errorf("GET /v2/%s/referrers/%s: %s listed as {mediaType %q, size %d, artifactType %q}, want {%q, %d, %q}",
					repo, subject, d.Digest, d.MediaType, d.Size, d.ArtifactType, sm.built.MediaType, len(sm.built.Bytes), artifactTypeOf(sm))
			}
			for k, v := range sm.m.Annotations {
				if d.Annotations[k] != v {
					return e.Errorf("GET /v2/%s/referrers/%s: %s annotation %q = %q, want %q", repo, subject, d.Digest, k, d.Annotations[k], v)
				}
			}
		}
	}
	return nil
}

// artifactTypeOf is the artifactType the referrers API lists for sm: its
// artifactType, or for an image the config's media type.
func artifactTypeOf(sm *setManifest) string {
	switch {
	case sm.m.Artifact != nil:
		return sm.m.Artifact.ArtifactType
	case sm.m.Index != nil:
		return sm.m.Index.ArtifactType
	}
	return "application/vnd.oci.image.config.v1+json"
}

func (e *Env) checkReferrersFilter(repo string, sb *setBuilder, _ digestPuts) error {
	for subject, refs := range subjects(sb) {
		types := []string{"application/vnd.example.no-such-type"}
		for _, sm := range refs {
			if t := artifactTypeOf(sm); !slices.Contains(types, t) {
				types = append(types, t)
			}
		}
		for _, t := range types {
			rr, err := e.referrers(repo, subject, v2proto.WithArtifactType(t))
			if err != nil {
				return err
			}
			if !rr.FilterApplied() {
				return e.Skip("GET /v2/%s/referrers/%s?artifactType=%s: no OCI-Filters-Applied: artifactType, the registry does not filter", repo, subject, t)
			}
			var want []digest.Digest
			for _, sm := range refs {
				if artifactTypeOf(sm) == t {
					want = append(want, sm.built.Digest)
				}
			}
			var got []digest.Digest
			for _, d := range rr.Manifests {
				got = append(got, d.Digest)
			}
			slices.Sort(want)
			slices.Sort(got)
			if !slices.Equal(got, want) {
				return e.Errorf("GET /v2/%s/referrers/%s?artifactType=%s = %q, want %q", repo, subject, t, got, want)
			}
		}
	}
	return nil
}
