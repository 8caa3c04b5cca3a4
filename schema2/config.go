package schema2

import (
	"encoding/json"
	"fmt"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// Config is an image config, Docker's (MediaTypeConfig) or OCI's
// (v1.MediaTypeImageConfig): the two share their structure. Times are kept
// as the strings the document holds (Quay does not enforce their format).
type Config struct {
	Created      string   // "created", RFC 3339, e.g. "2018-04-03T18:37:09.284840891Z"
	Author       string   // "author"
	Architecture string   // "architecture", e.g. "amd64"
	OS           string   // "os", e.g. "linux"
	OSVersion    string   // "os.version"
	OSFeatures   []string // "os.features"
	Variant      string   // "variant"
	// Config is the "config" member, the container config; nil leaves it
	// out.
	Config *ContainerConfig
	// RootFS is the "rootfs" member, always written.
	RootFS RootFS
	// History is the "history" member, written even when empty ([]).
	History []History
	// NoHistory leaves "history" out, making a config every parser here
	// and Quay rejects (Quay's broken-config scenario). Build honours it
	// without Options.Unvalidated; parsers never set it.
	NoHistory bool
	// Extra are other top-level members (Docker's "container",
	// "container_config", "docker_version", ...), written last in order.
	Extra []Field
}

// RootFS is the rootfs member of a Config.
type RootFS struct {
	Type    string          // "type", "layers"
	DiffIDs []digest.Digest // "diff_ids", written even when empty ([])
}

// History is one entry of a Config's history.
type History struct {
	Created    string // "created"
	CreatedBy  string // "created_by"
	Author     string // "author"
	Comment    string // "comment"
	EmptyLayer bool   // "empty_layer": the step made no layer
}

// ContainerConfig is the "config" member of an image config. The fields
// are image-spec's ImageConfig members, written in its order when not
// empty; Extra holds any other members (Quay's fixtures put "comment",
// "author", "foo" and the like here), written after them. ExposedPorts and
// Volumes are sets: their values are written as {}.
type ContainerConfig struct {
	User         string
	ExposedPorts map[string]struct{}
	Env          []string
	Entrypoint   []string
	Cmd          []string
	Volumes      map[string]struct{}
	WorkingDir   string
	Labels       map[string]string
	StopSignal   string
	Extra        []Field
}

var configMembers = newReserved("Config", nil, "created", "author", "architecture", "os",
	"os.version", "os.features", "variant", "config", "rootfs", "history")

var containerMembers = newReserved("ContainerConfig", nil, "User", "ExposedPorts", "Env",
	"Entrypoint", "Cmd", "Volumes", "WorkingDir", "Labels", "StopSignal")

// Validate reports the first rule c breaks, as ParseConfig would for its
// serialization, or nil.
func (c Config) Validate() error { return c.validate("schema2.Config.Validate", false) }

// validate checks: every diff_id a valid digest, Extra names free and
// unique in both objects, Extra values JSON. parsed says the model comes
// from a parser, which rejected repeated members already.
func (c Config) validate(fn string, parsed bool) error {
	for i, d := range c.RootFS.DiffIDs {
		if err := d.Validate(); err != nil {
			return &Error{fn, index("rootfs.diff_ids", i), quote(string(d)), "a digest (" + err.Error() + ")"}
		}
	}
	if c.Config != nil {
		if err := checkExtra(fn, "Config", c.Config.Extra, containerMembers, parsed); err != nil {
			return err
		}
	}
	return checkExtra(fn, "", c.Extra, configMembers, parsed)
}

func (c Config) object() object {
	obj := object{}
	add := func(name, v string) {
		if v != "" {
			obj = append(obj, member{name, v})
		}
	}
	add("created", c.Created)
	add("author", c.Author)
	add("architecture", c.Architecture)
	add("os", c.OS)
	add("os.version", c.OSVersion)
	if len(c.OSFeatures) > 0 {
		obj = append(obj, member{"os.features", c.OSFeatures})
	}
	add("variant", c.Variant)
	if c.Config != nil {
		obj = append(obj, member{"config", c.Config.object()})
	}
	diffIDs := c.RootFS.DiffIDs
	if diffIDs == nil {
		diffIDs = []digest.Digest{}
	}
	obj = append(obj, member{"rootfs", object{{"type", c.RootFS.Type}, {"diff_ids", diffIDs}}})
	if !c.NoHistory {
		history := make([]object, len(c.History))
		for i, h := range c.History {
			e := object{}
			if h.Created != "" {
				e = append(e, member{"created", h.Created})
			}
			if h.CreatedBy != "" {
				e = append(e, member{"created_by", h.CreatedBy})
			}
			if h.Author != "" {
				e = append(e, member{"author", h.Author})
			}
			if h.Comment != "" {
				e = append(e, member{"comment", h.Comment})
			}
			if h.EmptyLayer {
				e = append(e, member{"empty_layer", true})
			}
			history[i] = e
		}
		obj = append(obj, member{"history", history})
	}
	return obj.withExtra(c.Extra)
}

func (cc *ContainerConfig) object() object {
	obj := object{}
	if cc.User != "" {
		obj = append(obj, member{"User", cc.User})
	}
	if len(cc.ExposedPorts) > 0 {
		obj = append(obj, member{"ExposedPorts", cc.ExposedPorts})
	}
	if len(cc.Env) > 0 {
		obj = append(obj, member{"Env", cc.Env})
	}
	if len(cc.Entrypoint) > 0 {
		obj = append(obj, member{"Entrypoint", cc.Entrypoint})
	}
	if len(cc.Cmd) > 0 {
		obj = append(obj, member{"Cmd", cc.Cmd})
	}
	if len(cc.Volumes) > 0 {
		obj = append(obj, member{"Volumes", cc.Volumes})
	}
	if cc.WorkingDir != "" {
		obj = append(obj, member{"WorkingDir", cc.WorkingDir})
	}
	if len(cc.Labels) > 0 {
		obj = append(obj, member{"Labels", cc.Labels})
	}
	if cc.StopSignal != "" {
		obj = append(obj, member{"StopSignal", cc.StopSignal})
	}
	return obj.withExtra(cc.Extra)
}

// Build checks c (unless o.Unvalidated; NoHistory is always honoured) and
// serializes it with the media type of family f (Docker's or OCI's config
// type). Members are written in image-spec's order: created, author,
// architecture, os, os.version, os.features, variant (each when set),
// config (when not nil), rootfs, history, then Extra. Quay writes its
// configs without indent and with ensure_ascii as the push options say.
// Build does not require an OCI config's architecture and os (so tests can
// push configs without them); ValidateConfig does.
func (c Config) Build(f Family, o Options) (*Built, error) {
	const fn = "schema2.Config.Build"
	if err := o.check(fn); err != nil {
		return nil, err
	}
	mt := f.ConfigMediaType()
	if mt == "" {
		return nil, &Error{fn, "f", f.String(), "Docker or OCI"}
	}
	if !o.Unvalidated {
		if err := c.validate(fn, false); err != nil {
			return nil, err
		}
	} else {
		if err := checkExtra(fn, "", c.Extra, nil, false); err != nil {
			return nil, err
		}
		if c.Config != nil {
			if err := checkExtra(fn, "Config", c.Config.Extra, nil, false); err != nil {
				return nil, err
			}
		}
	}
	b, err := o.encode(fn, c.object())
	if err != nil {
		return nil, err
	}
	return newBuilt(b, mt, o, nil, nil), nil
}

// ParseConfig parses an image config of either family. Rules (Quay's
// DockerSchema2Config schema): one JSON object, each member once; "history"
// present, an array of objects whose created, created_by, author and
// comment are strings and empty_layer a boolean; "rootfs" present, an
// object whose "type" is a string, and whose diff_ids, if any, are valid
// digests; architecture, os and created are optional (their presence and
// created's format are not checked); "config", when not null, an object
// whose modelled members have their types (Env, Entrypoint, Cmd arrays of
// strings, Labels an object of strings, ExposedPorts and Volumes objects
// of objects). Unknown members of history entries and rootfs are ignored.
// Errors are *Error.
func ParseConfig(b []byte) (*Config, error) {
	return parseConfig("schema2.ParseConfig", b)
}

func parseConfig(fn string, b []byte) (*Config, error) {
	if err := checkBody(fn, b); err != nil {
		return nil, err
	}
	c := new(Config)
	var hasHistory, hasRootFS bool
	err := eachMember(fn, "", b, func(name string, v json.RawMessage) error {
		var err error
		switch name {
		case "created":
			c.Created, err = decOptString(fn, name, v)
		case "author":
			c.Author, err = decOptString(fn, name, v)
		case "architecture":
			c.Architecture, err = decOptString(fn, name, v)
		case "os":
			c.OS, err = decOptString(fn, name, v)
		case "os.version":
			c.OSVersion, err = decOptString(fn, name, v)
		case "os.features":
			c.OSFeatures, err = decStrings(fn, name, v)
		case "variant":
			c.Variant, err = decOptString(fn, name, v)
		case "config":
			if isNull(v) {
				return nil
			}
			c.Config, err = decodeContainerConfig(fn, name, v)
		case "rootfs":
			hasRootFS = true
			c.RootFS, err = decodeRootFS(fn, name, v)
		case "history":
			hasHistory = true
			c.History = []History{}
			err = eachElement(fn, name, v, "an array of history entries", func(i int, v json.RawMessage) error {
				h, err := decodeHistory(fn, index(name, i), v)
				c.History = append(c.History, h)
				return err
			})
		default:
			c.Extra = append(c.Extra, Field{name, compactRaw(v)})
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	switch {
	case !hasHistory:
		return nil, &Error{fn, "history", "", "an array of history entries"}
	case !hasRootFS:
		return nil, &Error{fn, "rootfs", "", "an object with a type"}
	}
	if err := c.validate(fn, true); err != nil {
		return nil, err
	}
	return c, nil
}

func decodeRootFS(fn, path string, v []byte) (RootFS, error) {
	var r RootFS
	hasType := false
	err := eachMember(fn, path, v, func(name string, v json.RawMessage) error {
		p := at(path, name)
		var err error
		switch name {
		case "type":
			hasType = true
			r.Type, err = decString(fn, p, v)
		case "diff_ids":
			var ss []string
			ss, err = decStrings(fn, p, v)
			for _, s := range ss {
				r.DiffIDs = append(r.DiffIDs, digest.Digest(s))
			}
		}
		return err
	})
	if err == nil && !hasType {
		err = &Error{fn, at(path, "type"), "", "a string"}
	}
	return r, err
}

func decodeHistory(fn, path string, v []byte) (History, error) {
	var h History
	err := eachMember(fn, path, v, func(name string, v json.RawMessage) error {
		p := at(path, name)
		var err error
		switch name {
		case "created":
			h.Created, err = decOptString(fn, p, v)
		case "created_by":
			h.CreatedBy, err = decOptString(fn, p, v)
		case "author":
			h.Author, err = decOptString(fn, p, v)
		case "comment":
			h.Comment, err = decOptString(fn, p, v)
		case "empty_layer":
			h.EmptyLayer, err = decBool(fn, p, v)
		}
		return err
	})
	return h, err
}

func decodeContainerConfig(fn, path string, v []byte) (*ContainerConfig, error) {
	cc := new(ContainerConfig)
	err := eachMember(fn, path, v, func(name string, v json.RawMessage) error {
		p := at(path, name)
		var err error
		switch name {
		case "User":
			cc.User, err = decOptString(fn, p, v)
		case "ExposedPorts":
			cc.ExposedPorts, err = decSet(fn, p, v)
		case "Env":
			cc.Env, err = decStrings(fn, p, v)
		case "Entrypoint":
			cc.Entrypoint, err = decStrings(fn, p, v)
		case "Cmd":
			cc.Cmd, err = decStrings(fn, p, v)
		case "Volumes":
			cc.Volumes, err = decSet(fn, p, v)
		case "WorkingDir":
			cc.WorkingDir, err = decOptString(fn, p, v)
		case "Labels":
			cc.Labels, err = decStringMap(fn, p, v)
		case "StopSignal":
			cc.StopSignal, err = decOptString(fn, p, v)
		default:
			cc.Extra = append(cc.Extra, Field{name, compactRaw(v)})
		}
		return err
	})
	return cc, err
}

// ValidateConfig checks config, the bytes of m's config blob, as Quay
// checks a pushed manifest's config (DockerSchema2Manifest.validate and
// its layer/history walk):
//
//   - m.Config.MediaType is Docker's or OCI's image config type;
//   - the bytes have m.Config's digest and size;
//   - they parse (ParseConfig);
//   - history has at least as many entries as m has layers ("Found less
//     history than layer blobs"), and no more non-empty entries (those
//     without empty_layer) than layers ("Missing history entry");
//   - an OCI config (v1.MediaTypeImageConfig) names its architecture and
//     os, which image-spec requires.
//
// Errors are *Error.
func ValidateConfig(m Manifest, config []byte) error {
	const fn = "schema2.ValidateConfig"
	mt := m.Config.MediaType
	if mt != MediaTypeConfig && mt != v1.MediaTypeImageConfig {
		return &Error{fn, "config.mediaType", quote(mt), "one of " + quoteList(MediaTypeConfig, v1.MediaTypeImageConfig)}
	}
	if err := m.Config.Digest.Validate(); err != nil {
		return &Error{fn, "config.digest", quote(string(m.Config.Digest)), "a digest (" + err.Error() + ")"}
	}
	if got := m.Config.Digest.Algorithm().FromBytes(config); got != m.Config.Digest {
		return &Error{fn, "digest(config blob)", string(got), string(m.Config.Digest) + " (config.digest)"}
	}
	if int64(len(config)) != m.Config.Size {
		return &Error{fn, "len(config blob)", fmt.Sprint(len(config)), fmt.Sprintf("%d (config.size)", m.Config.Size)}
	}
	c, err := parseConfig(fn, config)
	if err != nil {
		return err
	}
	layers := len(m.Layers)
	if len(c.History) < layers {
		return &Error{fn, "history", plural(len(c.History), "entry", "entries"), fmt.Sprintf("at least %d (one per layer)", layers)}
	}
	used := 0
	for i, h := range c.History {
		if h.EmptyLayer {
			continue
		}
		if used == layers {
			return &Error{fn, index("history", i), "a non-empty entry", fmt.Sprintf("empty_layer: true, as all %d layers have an entry before it", layers)}
		}
		used++
	}
	if mt == v1.MediaTypeImageConfig {
		if c.Architecture == "" {
			return &Error{fn, "architecture", "", "an architecture (image-spec requires it in an OCI config)"}
		}
		if c.OS == "" {
			return &Error{fn, "os", "", "an os (image-spec requires it in an OCI config)"}
		}
	}
	return nil
}

// plural returns "1 entry", "2 entries".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
