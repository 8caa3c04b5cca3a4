package v2proto

// pullOptions are the call options of the pull flows. Each field's zero value is the
// OCI spec's default behaviour.
type pullOptions struct{}
