package schema1_test

import "flag"

var update = flag.Bool("update", false, "rewrite the golden files and the fuzz seed corpus under testdata")
