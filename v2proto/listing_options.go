package v2proto

// listingOptions are the call options of the listing flows. Each field's zero value is the
// OCI spec's default behaviour.
type listingOptions struct{}
