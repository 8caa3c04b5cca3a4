package v2proto

// pushOptions are the call options of the push flows. Each field's zero value is the
// OCI spec's default behaviour.
type pushOptions struct{}
