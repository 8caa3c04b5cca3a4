package conftarget

// ggcrDeviations are the known deviations of go-containerregistry v0.22.1
// (see Deviations), each with the sentence of the spec it breaks.
var ggcrDeviations = map[string]string{}

// cueDeviations are the known deviations of CUE's ociregistry (see
// Deviations), each with the sentence of the spec it breaks.
var cueDeviations = map[string]string{}
