package githubtest

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// paginate picks the slice [lo, hi) of n items that the request's page and
// per_page ask for (GitHub's defaults: page 1, 30 per page, at most 100) and
// sets GitHub's Link header so clients that follow rel="next" see every item.
func paginate(w http.ResponseWriter, r *http.Request, n int) (lo, hi int) {
	q := r.URL.Query()
	per := queryInt(q, "per_page", 30)
	if per > 100 {
		per = 100
	}
	page := queryInt(q, "page", 1)
	last := max((n+per-1)/per, 1)
	lo = min((page-1)*per, n)
	hi = min(lo+per, n)

	link := func(p int, rel string) string {
		q.Set("page", strconv.Itoa(p))
		q.Set("per_page", strconv.Itoa(per))
		return "<" + apiBase(r) + r.URL.Path + "?" + q.Encode() + `>; rel="` + rel + `"`
	}
	var links []string
	if page < last {
		links = append(links, link(page+1, "next"), link(last, "last"))
	}
	if page > 1 {
		links = append(links, link(1, "first"), link(min(page-1, last), "prev"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	return lo, hi
}

func queryInt(q url.Values, key string, def int) int {
	v, err := strconv.Atoi(q.Get(key))
	if err != nil || v < 1 {
		return def
	}
	return v
}
