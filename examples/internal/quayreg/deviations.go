package quayreg

// Deviations returns Quay's known deviations from the spec, by scenario
// name or pattern, each quoting the sentence it breaks.
func Deviations() map[string]string {
	return map[string]string{}
}
