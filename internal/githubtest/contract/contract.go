// Package contract holds the emulator (internal/githubtest) and every
// client that talks to it in a test to GitHub's published REST API
// description: the part app-token calls, for api.github.com, GHEC and the
// newest GitHub Enterprise Server, from @octokit/openapi (descriptions/,
// rebuilt by refresh.sh). Each request is checked for its operation, path
// and query parameters and body; each answer for a status the operation
// declares, its headers and its body (required fields, types, enums).
//
// It is test support: a test binary calls Main from its TestMain, and only
// test binaries link it, so the OpenAPI library reaches neither the action
// nor the emulator's command (TestNotInTheBinaries).
package contract

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/app-token/app-token/internal/githubtest"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

//go:embed descriptions/*.json descriptions/paths.txt
var files embed.FS

// description is one platform's published description, ready to match.
type description struct {
	name  string // "api.github.com", "ghec", "ghes-3.19"
	doc   *openapi3.T
	ops   []operation
	stale []string // corrections it no longer needs
}

type operation struct {
	method, template string
	segments         []string
	item             *openapi3.PathItem
	op               *openapi3.Operation
	// multi names the last segment's parameter when the description marks
	// it x-multi-segment (the contents API's {path}): it takes the rest of
	// the path, slashes and all.
	multi string
}

func (o operation) String() string {
	return o.method + " " + o.template + " (" + o.op.OperationID + ")"
}

// descriptions loads every embedded description once per process.
var descriptions = sync.OnceValues(func() (map[string]*description, error) {
	names, err := files.ReadDir("descriptions")
	if err != nil {
		return nil, err
	}
	out := map[string]*description{}
	for _, e := range names {
		name, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok {
			continue
		}
		b, err := files.ReadFile("descriptions/" + e.Name())
		if err != nil {
			return nil, err
		}
		doc, err := openapi3.NewLoader().LoadFromData(b)
		if err != nil {
			return nil, fmt.Errorf("contract: %s: %w", e.Name(), err)
		}
		d := &description{name: name, doc: doc}
		basicError := doc.Paths.Find("/app/installations/{installation_id}").Get.Responses.Status(http.StatusNotFound)
		if basicError == nil {
			return nil, fmt.Errorf("contract: %s: no basic-error answer (404 of GET /app/installations/{installation_id})", e.Name())
		}
		for tmpl, item := range doc.Paths.Map() {
			for method, op := range item.Operations() {
				addGenericErrors(op, basicError)
				segs := strings.Split(tmpl, "/")
				d.ops = append(d.ops, operation{method: method, template: tmpl,
					segments: segs, item: item, op: op, multi: multiSegment(segs[len(segs)-1], item, op)})
			}
		}
		d.stale = applyCorrections(d)
		out[name] = d
	}
	return out, nil
})

// addGenericErrors adds to op the error answers GitHub documents for every
// operation but most descriptions omit, as basic-error bodies: 401 (a bad
// or missing credential), 403 (rate limits, a permission the credential
// lacks), 404 (what does not exist or the credential cannot see), and for
// operations that take a body 400 (not JSON) and 422 (invalid fields).
// docs/api-contract.md cites GitHub's documentation for each.
func addGenericErrors(op *openapi3.Operation, basicError *openapi3.ResponseRef) {
	codes := []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound}
	if op.RequestBody != nil {
		codes = append(codes, http.StatusBadRequest, http.StatusUnprocessableEntity)
	}
	for _, code := range codes {
		if op.Responses.Status(code) == nil {
			op.Responses.Set(strconv.Itoa(code), basicError)
		}
	}
}

// multiSegment returns the name of the parameter that last (a template's
// last segment) is, when the description marks it x-multi-segment.
func multiSegment(last string, item *openapi3.PathItem, op *openapi3.Operation) string {
	name, ok := strings.CutPrefix(last, "{")
	if !ok {
		return ""
	}
	name = strings.TrimSuffix(name, "}")
	for _, p := range append(slices.Clone(item.Parameters), op.Parameters...) {
		if p.Value != nil && p.Value.In == openapi3.ParameterInPath && p.Value.Name == name && p.Value.Extensions["x-multi-segment"] == true {
			return name
		}
	}
	return ""
}

// Platforms names the descriptions held: api.github.com, ghec and the
// newest GHES (e.g. ghes-3.19), in that order.
func Platforms() []string {
	ds, err := descriptions()
	if err != nil {
		return nil
	}
	var ghes []string
	for n := range ds {
		if strings.HasPrefix(n, "ghes-") {
			ghes = append(ghes, n)
		}
	}
	slices.SortFunc(ghes, compareVersions)
	return append([]string{githubtest.PlatformDotcom, githubtest.PlatformGHEC}, ghes...)
}

// compareVersions orders "ghes-3.9" before "ghes-3.19".
func compareVersions(a, b string) int {
	pa, pb := strings.Split(strings.TrimPrefix(a, "ghes-"), "."), strings.Split(strings.TrimPrefix(b, "ghes-"), ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		if c := len(pa[i]) - len(pb[i]); c != 0 {
			return c
		}
		if c := strings.Compare(pa[i], pb[i]); c != 0 {
			return c
		}
	}
	return len(pa) - len(pb)
}

// platformName maps the emulator's platform to a description's name:
// githubtest.PlatformGHES is the newest GHES held.
func platformName(p string) string {
	if p == githubtest.PlatformGHES {
		ps := Platforms()
		return ps[len(ps)-1]
	}
	return p
}

// find returns the operation for method and p, and its path parameters.
func (d *description) find(method, p string) (*operation, map[string]string) {
	all := strings.Split(p, "/")
	for i := range d.ops {
		o := &d.ops[i]
		segs := all
		if o.multi != "" && len(all) > len(o.segments) {
			n := len(o.segments) - 1
			segs = append(all[:n:n], strings.Join(all[n:], "/"))
		}
		if o.method != method || len(o.segments) != len(segs) {
			continue
		}
		params := map[string]string{}
		for j, s := range o.segments {
			if name, ok := strings.CutPrefix(s, "{"); ok && segs[j] != "" {
				params[strings.TrimSuffix(name, "}")] = segs[j]
			} else if s != segs[j] {
				params = nil
				break
			}
		}
		if params != nil {
			return o, params
		}
	}
	return nil, nil
}

// Mismatch is an exchange that breaks the description: the platform, the
// operation, who broke it (the client's request or the emulator's answer)
// and which field.
type Mismatch struct {
	Platform, Operation, Side, Field string
}

func (m *Mismatch) Error() string {
	return fmt.Sprintf("contract %s: %s %s: %s", m.Platform, m.Operation, m.Side, m.Field)
}

// Checker holds exchanges to the descriptions and counts what it checked.
// Safe for concurrent use.
type Checker struct {
	mu         sync.Mutex
	counts     map[string]*Counts
	mismatches []string
}

// Counts is what a Checker did for one platform.
type Counts struct {
	Requests   int             // requests held to the description
	Answers    int             // answers held to it
	Operations map[string]bool // operations seen, "GET /app (apps/get-authenticated)"
	Absent     int             // answers (404) to an operation the platform lacks
	Unlike     int             // answers skipped: not GitHub's on purpose
	Off        int             // requests skipped: a test's, off contract on purpose
}

// NewChecker returns a Checker with nothing counted.
func NewChecker() *Checker { return &Checker{counts: map[string]*Counts{}} }

func (c *Checker) countsLocked(platform string) *Counts {
	n := c.counts[platform]
	if n == nil {
		n = &Counts{Operations: map[string]bool{}}
		c.counts[platform] = n
	}
	return n
}

// Counts returns a copy of what was checked per platform.
func (c *Checker) Counts() map[string]Counts {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]Counts{}
	for p, n := range c.counts {
		cp := *n
		cp.Operations = map[string]bool{}
		for k, v := range n.Operations {
			cp.Operations[k] = v
		}
		out[p] = cp
	}
	return out
}

// Mismatches returns every mismatch seen, in order.
func (c *Checker) Mismatches() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.mismatches)
}

// Check holds ex to its platform's description. It returns a *Mismatch
// (request and answer errors joined) or nil, and records both.
func (c *Checker) Check(ex githubtest.Exchange) error {
	err := c.check(ex, true)
	if err != nil {
		c.mu.Lock()
		c.mismatches = append(c.mismatches, err.Error())
		c.mu.Unlock()
	}
	return err
}

// CheckRequest holds one request a client sent to a test's own fake server
// (a handler that answers by hand, not the emulator) to the description of
// platform: only the request, as the fake's answers are the test's. An
// operation the platform lacks is held to the platform that has it.
func (c *Checker) CheckRequest(platform string, r *http.Request, body []byte) error {
	r = r.Clone(context.Background())
	r.URL.Path, _ = strings.CutPrefix(r.URL.Path, "/api/v3")
	r.URL.RawPath = ""
	ds, err := descriptions()
	if err != nil {
		return err
	}
	if name := platformName(platform); ds[name] != nil {
		if o, _ := ds[name].find(r.Method, r.URL.Path); o == nil {
			for _, other := range Platforms() {
				if o, _ := ds[other].find(r.Method, r.URL.Path); o != nil {
					platform = other
					break
				}
			}
		}
	}
	err = c.check(githubtest.Exchange{Platform: platform, Request: r, RequestBody: body}, false)
	if err != nil {
		c.mu.Lock()
		c.mismatches = append(c.mismatches, err.Error())
		c.mu.Unlock()
	}
	return err
}

// check holds ex's request, and its answer when answered, to the
// description of its platform.
func (c *Checker) check(ex githubtest.Exchange, answered bool) error {
	platform := platformName(ex.Platform)
	ds, err := descriptions()
	if err != nil {
		return err
	}
	d := ds[platform]
	if d == nil {
		return fmt.Errorf("contract: no description for platform %q", ex.Platform)
	}
	method, p := ex.Request.Method, ex.Request.URL.Path
	op, params := d.find(method, p)
	c.mu.Lock()
	n := c.countsLocked(platform)
	switch {
	case ex.OffContract != "":
		n.Off++
	case op != nil:
		n.Requests++
	}
	if op != nil {
		n.Operations[op.String()] = true
	}
	c.mu.Unlock()
	if op == nil {
		if ex.OffContract != "" {
			return nil
		}
		return c.absent(ds, d, ex)
	}

	opts := &openapi3filter.Options{
		AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
		IncludeResponseStatus: true,
		MultiError:            true,
	}
	req := ex.Request.Clone(context.Background())
	req.Body = io.NopCloser(bytes.NewReader(ex.RequestBody))
	in := &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Options: opts,
		Route: &routers.Route{Spec: d.doc, Path: op.template, PathItem: op.item, Method: method, Operation: op.op},
	}
	var errs []error
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil && ex.OffContract == "" {
		errs = append(errs, &Mismatch{Platform: d.name, Operation: op.String(), Side: "request", Field: describe(err)})
	}
	switch {
	case !answered:
	case ex.Unlike != "":
		c.mu.Lock()
		n.Unlike++
		c.mu.Unlock()
	case ex.Status == 0:
		errs = append(errs, &Mismatch{Platform: d.name, Operation: op.String(), Side: "answer",
			Field: "none was given, and no fault says why"})
	default:
		c.mu.Lock()
		n.Answers++
		c.mu.Unlock()
		out := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: in, Status: ex.Status, Header: ex.Header,
			Body: io.NopCloser(bytes.NewReader(ex.Body)), Options: opts,
		}
		if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
			errs = append(errs, &Mismatch{Platform: d.name, Operation: op.String(),
				Side: fmt.Sprintf("answer %d", ex.Status), Field: describe(err)})
		}
	}
	return errors.Join(errs...)
}

// absent checks an exchange whose operation the platform's description
// lacks: GitHub answers such a request 404 when another platform has the
// operation (GHES and the enterprise endpoint); a request no description
// has is the client's (or a test's) mistake.
func (c *Checker) absent(ds map[string]*description, d *description, ex githubtest.Exchange) error {
	method, p := ex.Request.Method, ex.Request.URL.Path
	var elsewhere []string
	var op *operation
	for _, name := range Platforms() {
		if o, _ := ds[name].find(method, p); o != nil && name != d.name {
			elsewhere, op = append(elsewhere, name), o
		}
	}
	if op == nil {
		return &Mismatch{Platform: d.name, Operation: method + " " + p, Side: "request",
			Field: "no operation of any description held has this method and path (descriptions/paths.txt)"}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.countsLocked(d.name)
	switch {
	case ex.Unlike != "":
		n.Unlike++
	case ex.Status == http.StatusNotFound:
		n.Absent++
	default:
		return &Mismatch{Platform: d.name, Operation: op.String(), Side: fmt.Sprintf("answer %d", ex.Status),
			Field: fmt.Sprintf("the %s description lacks this operation (found only in: %s), so GitHub answers 404", d.name, strings.Join(elsewhere, ", "))}
	}
	return nil
}

// describe renders a validation error as the fields that failed and why,
// one line each, never the value (it may be a token).
func describe(err error) string {
	var lines []string
	var walk func(prefix string, err error)
	walk = func(prefix string, err error) {
		var multi openapi3.MultiError
		var reqErr *openapi3filter.RequestError
		var respErr *openapi3filter.ResponseError
		var schemaErr *openapi3.SchemaError
		switch {
		case errors.As(err, &multi):
			for _, e := range multi {
				walk(prefix, e)
			}
		case errors.As(err, &reqErr):
			switch {
			case reqErr.Parameter != nil:
				prefix += fmt.Sprintf("%s parameter %q: ", reqErr.Parameter.In, reqErr.Parameter.Name)
			case reqErr.RequestBody != nil:
				prefix += "body: "
			}
			if reqErr.Err == nil {
				lines = append(lines, prefix+reqErr.Reason)
				return
			}
			if reqErr.Reason != "" && !errors.As(reqErr.Err, &schemaErr) && !errors.As(reqErr.Err, &multi) {
				prefix += reqErr.Reason + ": "
			}
			walk(prefix, reqErr.Err)
		case errors.As(err, &respErr):
			if respErr.Err == nil {
				lines = append(lines, prefix+respErr.Reason)
				return
			}
			walk(prefix, respErr.Err)
		case errors.As(err, &schemaErr):
			field := "/" + path.Join(schemaErr.JSONPointer()...)
			line := fmt.Sprintf("%sfield %s: %s", prefix, field, schemaErr.Reason)
			if schemaErr.Origin != nil {
				var inner []string
				sub := lines
				lines = nil
				walk("", schemaErr.Origin)
				inner, lines = lines, sub
				if len(inner) > 0 {
					line += " (" + strings.Join(inner, "; ") + ")"
				}
			}
			lines = append(lines, line)
		default:
			first, _, _ := strings.Cut(err.Error(), "\n")
			lines = append(lines, prefix+first)
		}
	}
	walk("", err)
	sort.Strings(lines)
	return strings.Join(slices.Compact(lines), "; ")
}
