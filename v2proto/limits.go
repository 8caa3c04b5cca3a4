package v2proto

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/registrytest/registrytest/schema2"
)

// DefaultMaxConfigSize is the largest image config a pull reads unless
// Limits.MaxConfigSize sets another cap: 16 MiB, four times the largest
// manifest distribution accepts (a config holds the image's history and
// environment, not its content). A manifest whose config descriptor
// declares more is refused before the config is requested, so that a
// config declared as 1 TiB is not read until the deadline.
const DefaultMaxConfigSize = 16 << 20

// DefaultConcurrency is how many blobs a call transfers at once unless
// Limits.Concurrency says otherwise: the uploads of Push, PushList,
// PushContent and PushBlobs, the blob GETs of Pull.
const DefaultConcurrency = 4

// MaxManifestDepth is how deeply the JSON of a manifest that GetManifest
// accepts may nest (objects and arrays). Manifests nest a few levels; a
// body that nests deeper (a million '[') is refused in one pass over its
// bytes, before it is decoded.
const MaxManifestDepth = 64

// Limits bound what a call reads and how much it does at once
// (WithLimits). A field left at zero (or set negative) keeps its default.
// Going past a limit is an error of the call that names the field.
type Limits struct {
	// MaxPages is how many pages a listing call (Tags, TagPages, Catalog,
	// CatalogPages, Referrers) requests at most: a registry whose Link
	// leads further is reported as an error. Default DefaultMaxPages.
	MaxPages int
	// MaxPageBody is how many bytes of one page's body (or of the
	// referrers tag-schema index) a listing call reads at most: a longer
	// body is reported as an error. Default DefaultMaxPageBody.
	MaxPageBody int64
	// MaxTotalBody is how many bytes of page bodies a listing call reads at
	// most over all its pages. Default DefaultMaxTotalBody.
	MaxTotalBody int64
	// MaxEntries is how many entries (tags, repositories, descriptors) a
	// listing call collects at most over all its pages. Default
	// DefaultMaxEntries.
	MaxEntries int
	// MaxConfigSize makes Pull refuse a manifest whose config descriptor
	// declares more bytes, before requesting the config: a
	// *ResponseError at the get-manifest step naming config.size. Default
	// DefaultMaxConfigSize.
	MaxConfigSize int64
	// Concurrency is how many blobs Push, PushList, PushContent and
	// PushBlobs upload at once, and how many blob GETs Pull keeps in
	// flight. A push that expects a failure uploads one blob at a time
	// whatever it is, so that the failure is met at the first step that
	// shows it. Default DefaultConcurrency.
	Concurrency int
}

// WithLimits sets the call's limits (see Limits; each field left zero
// keeps its default). Each field is read by the methods its doc names:
// the listing fields by Tags, TagPages, Catalog, CatalogPages and
// Referrers, MaxConfigSize by Pull, Concurrency by Push, PushList,
// PushContent, PushBlobs and Pull; a field set on a call of another
// method is an error. A call takes at most one WithLimits.
func WithLimits(l Limits) CallOption {
	return func(cc *callConfig) {
		cc.useOnce("WithLimits", union(listingAll, []string{"Pull"}, transferers)...)
		cc.useField(l.MaxPages != 0, "Limits.MaxPages", listingAll...)
		cc.useField(l.MaxPageBody != 0, "Limits.MaxPageBody", listingAll...)
		cc.useField(l.MaxTotalBody != 0, "Limits.MaxTotalBody", listingAll...)
		cc.useField(l.MaxEntries != 0, "Limits.MaxEntries", listingAll...)
		cc.useField(l.MaxConfigSize != 0, "Limits.MaxConfigSize", "Pull")
		cc.useField(l.Concurrency != 0, "Limits.Concurrency", transferers...)
		cc.listing.maxPages = l.MaxPages
		cc.listing.maxPageBody = l.MaxPageBody
		cc.listing.maxTotalBody = l.MaxTotalBody
		cc.listing.maxEntries = l.MaxEntries
		cc.limits.maxConfig = l.MaxConfigSize
		cc.limits.concurrency = l.Concurrency
	}
}

// limitOptions are the call options that cap what a call reads.
type limitOptions struct {
	// maxConfig caps a config's declared size; 0 means
	// DefaultMaxConfigSize.
	maxConfig int64
	// concurrency bounds the blobs transferred at once; 0 means
	// DefaultConcurrency.
	concurrency int
}

// concurrencyLimit returns how many blobs the call transfers at once.
func (cl *call) concurrencyLimit() int {
	if cl.limits.concurrency <= 0 {
		return DefaultConcurrency
	}
	return cl.limits.concurrency
}

// configLimit returns the call's cap on a config's declared size.
func (cl *call) configLimit() int64 {
	if cl.limits.maxConfig <= 0 {
		return DefaultMaxConfigSize
	}
	return cl.limits.maxConfig
}

// checkConfigSize returns an error made by rerr (the manifest answer's
// *ResponseError maker) when pm is an image manifest whose config
// descriptor declares more bytes than the call's cap (Limits.MaxConfigSize),
// or a negative size; nil otherwise. A pull calls it before it requests the
// config.
func (cl *call) checkConfigSize(pm *PulledManifest, rerr func(what, got, want string) error) error {
	m, ok := pm.Document.(*schema2.Manifest)
	if !ok {
		return nil
	}
	switch size := m.Config.Size; {
	case size < 0:
		return rerr("config.size", strconv.FormatInt(size, 10), "a size of at least 0")
	case size > cl.configLimit():
		return rerr("config.size", strconv.FormatInt(size, 10), fmt.Sprintf("at most %d (Limits.MaxConfigSize)", cl.configLimit()))
	}
	return nil
}

// checkManifestJSON checks that body is the JSON of a manifest, as
// GetManifest wants it: a JSON object, nested at most MaxManifestDepth
// deep, that is not an error document (an object with an errors member
// and no schemaVersion, which every manifest and index has: image spec
// "schemaVersion ... This REQUIRED property", and Docker's schema1 and
// schema2). The check is linear in len(body). When body is not such JSON,
// it returns what GetManifest's *ResponseError says.
func checkManifestJSON(body []byte) (got, want string, ok bool) {
	const wantText = "the JSON object of a manifest"
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return "that is not a JSON object (" + startOf(trimmed) + ")", wantText, false
	}
	if d := jsonDepth(trimmed, MaxManifestDepth); d > MaxManifestDepth {
		return fmt.Sprintf("nested more than %d deep", MaxManifestDepth), wantText + fmt.Sprintf(" (at most %d deep, MaxManifestDepth)", MaxManifestDepth), false
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(trimmed, &top) != nil {
		return "that is not a JSON object (" + startOf(trimmed) + ")", wantText, false
	}
	if _, ok := top["schemaVersion"]; !ok {
		if raw, isErr := top["errors"]; isErr {
			var errs []struct {
				Code string `json:"code"`
			}
			json.Unmarshal(raw, &errs)
			var codes []string
			for i, e := range errs {
				if i == maxCodesShown {
					break
				}
				codes = append(codes, strconv.Quote(clipText(e.Code)))
			}
			what := "that is an error document"
			if len(codes) > 0 {
				what += " (codes " + strings.Join(codes, ", ") + ")"
			}
			return what, wantText, false
		}
	}
	return "", "", true
}

// startOf describes the start of a body that is not JSON, for an error:
// "empty" or its first bytes, quoted and cut at 16.
func startOf(b []byte) string {
	if len(b) == 0 {
		return "empty"
	}
	if len(b) > 16 {
		return "starting " + strconv.Quote(string(b[:16])) + "..."
	}
	return strconv.Quote(string(b))
}

// jsonDepth returns the deepest nesting of objects and arrays in b, or
// max+1 as soon as it goes past max. It skips strings (and their escapes)
// and does not otherwise check the JSON: one pass, no allocation.
func jsonDepth(b []byte, max int) int {
	depth, deepest := 0, 0
	inString, escaped := false, false
	for _, ch := range b {
		if inString {
			switch {
			case escaped:
				escaped = false
			case ch == '\\':
				escaped = true
			case ch == '"':
				inString = false
			}
			continue
		}
		switch ch {
		case '"':
			inString = true
		case '{', '[':
			depth++
			if depth > deepest {
				deepest = depth
				if deepest > max {
					return max + 1
				}
			}
		case '}', ']':
			depth--
		}
	}
	return deepest
}
