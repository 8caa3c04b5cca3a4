package v2proto_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"

	"github.com/registrytest/registrytest/v2proto"
)

func ExampleClient_TagPages() {
	// A registry of 5 tags that serves 2 a page, with a Link to the next
	// page, as text/plain (the spec asks for a JSON body, not a type).
	tags := []string{"t1", "t2", "t3", "t4", "t5"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/" {
			return
		}
		i := 0
		if last := r.URL.Query().Get("last"); last != "" {
			i = slices.Index(tags, last) + 1
		}
		page := tags[i:min(i+2, len(tags))]
		if i+2 < len(tags) {
			w.Header().Set("Link", fmt.Sprintf(`</v2/ns/repo/tags/list?n=2&last=%s>; rel="next"`, page[1]))
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		body, _ := json.Marshal(map[string]any{"name": "ns/repo", "tags": page})
		w.Write(body)
	}))
	defer srv.Close()
	c, err := v2proto.New(srv.URL)
	if err != nil {
		fmt.Println(err)
		return
	}
	// Each page as it comes: the walk keeps nothing of the pages it has
	// yielded, however many the registry serves.
	for pg, err := range c.TagPages(context.Background(), "ns/repo") {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(pg.Path, pg.Tags, pg.Next)
	}
	// Output:
	// /v2/ns/repo/tags/list [t1 t2] true
	// /v2/ns/repo/tags/list?n=2&last=t2 [t3 t4] true
	// /v2/ns/repo/tags/list?n=2&last=t4 [t5] false
}
