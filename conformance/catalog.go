package conformance

import (
	"errors"
	"slices"

	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/fixtures"
	"github.com/registrytest/registrytest/v2proto"
)

const areaCatalog = "Catalog paging"

func catalogScenarios() []Scenario {
	return []Scenario{
		{
			ID: "cat-paging", Area: areaCatalog,
			Requires: []Requirement{reqDockerCatalogContents},
			Explain: "authenticated /v2/_catalog?n= for n in 1, 2, 10, 50, 100: every page holds at most n names, the " +
				"pages are walked by Link (with catalog-link) or by last, and the result holds the repositories the user " +
				"pushed, without duplicates; params: public catalog off / on (Docker Registry HTTP API V2: listing " +
				"repositories)",
			Origin: "Q: test_catalog[(False, devtable), (True, devtable) × 5 sizes]",
			Needs:  []Capability{Catalog},
			Params: []string{"private-catalog", "public-catalog"},
			Run:    runCatPaging,
		},
		{
			ID: "cat-anonymous-private", Area: areaCatalog,
			Requires: []Requirement{quayCatAnonymousPrivate},
			Explain: "an anonymous catalog listing, with the catalog not public, shows no private repository: 200 without " +
				"them (Quay: no repositories), or a 4xx refusal: the table's unauthorized at catalog when it has one " +
				"(distribution: 401 without a registry:catalog:* token)",
			Origin: "Q: test_catalog[(False, None) × 5], test_private_catalog_no_access (visible part)",
			Needs:  []Capability{Catalog, Auth},
			Run:    runCatAnonymousPrivate,
		},
		{
			ID: "cat-anonymous-public", Area: areaCatalog,
			Requires: []Requirement{quayCatAnonymousPublic},
			Explain:  "with the catalog public, an anonymous listing contains the public repositories, and only those",
			Origin:   "Q: test_catalog[(True, None) × 5]",
			Needs:    []Capability{Catalog},
			States:   []State{StateCatalogVisibility, StateMakePublic},
			Alone:    true,
			Run:      runCatAnonymousPublic,
		},
	}
}

func runCatPaging(e *Env) error {
	if e.Param == "public-catalog" {
		c, ok := e.Target.Control.(CatalogVisibility)
		if !ok {
			return e.Skip("the target's Control cannot set state %s", StateCatalogVisibility)
		}
		if err := c.SetPublicCatalog(e.Ctx, true); err != nil {
			return err
		}
		defer c.SetPublicCatalog(e.Ctx, false)
	}
	repos := []string{e.Repo(Owner), e.Repo(Owner)}
	for _, r := range repos {
		if _, err := e.push(r, []string{"latest"}, fixtures.Basic(), fmtS2); err != nil {
			return err
		}
	}
	for _, n := range pageSizes {
		var names, dups []string
		if e.Has(CatalogLink) {
			o, err := e.as(Owner, v2proto.WithPageSize(n))
			if err != nil {
				return err
			}
			cr, err := e.client.Catalog(e.Ctx, o...)
			if err != nil {
				return err
			}
			names, dups = cr.Repositories, cr.Duplicates
		} else {
			// Link is not promised: the pages are walked with last.
			all, err := e.walkByLast(Owner, failures.Catalog, "/v2/_catalog", "repositories", n, "", e.client.CatalogScopes()...)
			if err != nil {
				return skipIfLastIgnored(e, err)
			}
			names, dups = all, duplicates(all)
		}
		if len(dups) > 0 {
			return e.Errorf("GET /v2/_catalog?n=%d (all pages): %q listed more than once", n, dups)
		}
		for _, r := range repos {
			if !slices.Contains(names, r) {
				return e.Errorf("GET /v2/_catalog?n=%d (all pages, %d names): %s missing, want every repository the owner pushed", n, len(names), r)
			}
		}
	}
	return nil
}

func runCatAnonymousPrivate(e *Env) error {
	repo := e.Repo(Owner)
	if _, err := e.push(repo, []string{"latest"}, fixtures.Basic(), fmtS2); err != nil {
		return err
	}
	for _, n := range pageSizes {
		cr, err := e.client.Catalog(e.Ctx, v2proto.WithPageSize(n))
		var se *v2proto.StatusError
		if errors.As(err, &se) && (se.Step == failures.Catalog || se.Step == failures.Auth) && se.Got >= 400 && se.Got < 500 {
			if want, ok := e.client.Table().Lookup(failures.Catalog, failures.Unauthorized); !ok || want.Matches(se.Got, se.Codes) {
				continue // refused (as the table says, if it says): nothing listed
			}
		}
		if err != nil {
			return err
		}
		if slices.Contains(cr.Repositories, repo) {
			return e.Errorf("GET /v2/_catalog?n=%d (anonymous) lists the private repository %s", n, repo)
		}
	}
	return nil
}

func runCatAnonymousPublic(e *Env) error {
	c := e.Target.Control.(CatalogVisibility)
	if err := c.SetPublicCatalog(e.Ctx, true); err != nil {
		return err
	}
	defer c.SetPublicCatalog(e.Ctx, false)
	public, private := e.Repo(Owner), e.Repo(Owner)
	for _, r := range []string{public, private} {
		if _, err := e.push(r, []string{"latest"}, fixtures.Basic(), fmtS2); err != nil {
			return err
		}
	}
	if err := e.makePublic(public); err != nil {
		return err
	}
	for _, n := range pageSizes {
		cr, err := e.client.Catalog(e.Ctx, v2proto.WithPageSize(n))
		if err != nil {
			return err
		}
		if !slices.Contains(cr.Repositories, public) || slices.Contains(cr.Repositories, private) {
			return e.Errorf("GET /v2/_catalog?n=%d (anonymous, public catalog) = %d names, want %s and not %s", n, len(cr.Repositories), public, private)
		}
	}
	return nil
}
