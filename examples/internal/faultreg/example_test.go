package faultreg_test

import (
	"fmt"
	"io"
	"net/http"

	"github.com/registrytest/registrytest/examples/internal/faultreg"
	"github.com/registrytest/registrytest/failures"
)

// A front over a registry (here a stand-in handler; in tests,
// faultreg.Front(t, distv3.Start(t, opts))) that refuses the second
// manifest GET.
func ExampleRegistry_Add() {
	upstream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "the registry's answer")
	})
	f, err := faultreg.New(upstream, faultreg.Options{})
	if err != nil {
		panic(err)
	}
	defer f.Close()
	rule := f.Add(faultreg.Rule{Step: failures.GetManifest, Nth: 2, Fault: faultreg.Status(404, failures.CodeManifestUnknown)})
	for i := 0; i < 3; i++ {
		resp, err := http.Get(f.URL + "/v2/ns/repo/manifests/latest")
		if err != nil {
			panic(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(resp.StatusCode, string(b))
	}
	fmt.Println("hits:", rule.Hits())
	// Output:
	// 200 the registry's answer
	// 404 {"errors":[{"code":"MANIFEST_UNKNOWN","message":"faultreg: manifest_unknown","detail":null}]}
	// 200 the registry's answer
	// hits: 1
}
