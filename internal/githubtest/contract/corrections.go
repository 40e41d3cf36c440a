package contract

import (
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"
)

// A correction is a place where GitHub's published description is known
// to be wrong or to lag what GitHub answers, applied to the loaded
// description before any check. Each names its evidence (docs/api-contract.md
// has the longer story); TestCorrectionsStillApply fails once a refreshed
// description no longer needs one, so none outlives its reason.
type correction struct {
	name, evidence string
	// apply changes d and reports whether it found what it corrects.
	apply func(d *description) bool
}

var corrections = []correction{
	{
		name: "list-installations: an installation's account is a user OR an enterprise",
		evidence: "GET /app/installations describes each account as allOf [Simple User, Enterprise] " +
			"(both a login and a slug required), while every other answer holding the same installation " +
			"schema (GET /app/installations/{installation_id}, the repository, organisation, user and " +
			"enterprise lookups) says anyOf; GitHub shows an organisation's or user's account without slug",
		apply: func(d *description) bool {
			list := schemaOf(d.doc.Paths.Find("/app/installations").Get, 200)
			if list == nil || list.Items == nil || list.Items.Value.Properties["account"] == nil {
				return false
			}
			acct := list.Items.Value.Properties["account"].Value
			if len(acct.AllOf) != 2 {
				return false
			}
			acct.AnyOf, acct.AllOf = acct.AllOf, nil
			return true
		},
	},
}

// applyCorrections applies every correction to d, or says which no longer
// finds what it corrects.
func applyCorrections(d *description) []string {
	var stale []string
	for _, c := range corrections {
		if !c.apply(d) {
			stale = append(stale, fmt.Sprintf("%s: %s no longer needs it", c.name, d.name))
		}
	}
	return stale
}

// schemaOf is the JSON schema of op's answer status, for corrections.
func schemaOf(op *openapi3.Operation, status int) *openapi3.Schema {
	r := op.Responses.Status(status)
	if r == nil || r.Value == nil {
		return nil
	}
	mt := r.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return nil
	}
	return mt.Schema.Value
}
