package v2proto

// A Schema is the manifest format a flow pushes or pulls, as the original's
// V2Protocol(schema=...) chose it.
type Schema string

// The schemas.
const (
	// Schema2 is the Docker image manifest v2, schema 2
	// (application/vnd.docker.distribution.manifest.v2+json), with manifest
	// lists (application/vnd.docker.distribution.manifest.list.v2+json).
	// It is the default.
	Schema2 Schema = "schema2"
	// Schema1 is the Docker schema 1 manifest, signed
	// (application/vnd.docker.distribution.manifest.v1+prettyjws).
	Schema1 Schema = "schema1"
	// OCI is the OCI image manifest (application/vnd.oci.image.manifest.v1+json)
	// with OCI indexes (application/vnd.oci.image.index.v1+json).
	OCI Schema = "oci"
)

// WithSchema makes Push, PushList and BuildManifest build, and Pull
// pull, manifests of schema s. The default is Schema2. Only those methods
// read it (the others take or return manifests of any schema).
func WithSchema(s Schema) CallOption {
	return func(cc *callConfig) {
		cc.use("WithSchema", "Push", "PushList", "Pull", "BuildManifest")
		cc.schema = s
	}
}

// schemaOr returns the call's schema, Schema2 by default.
func (cc *callConfig) schemaOrDefault() Schema {
	if cc.schema == "" {
		return Schema2
	}
	return cc.schema
}
