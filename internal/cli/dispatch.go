package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"strings"

	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/ghtext"
	"github.com/app-token/app-token/internal/mint"
	"github.com/app-token/app-token/internal/secret"
	"github.com/app-token/app-token/internal/setting"
)

// maxEventType is GitHub's limit on a repository_dispatch event type.
const maxEventType = 100

// runDispatch is the classic case in one command: mint a token for one
// repository with only the permission the event needs (contents: write for
// repository_dispatch, actions: write for workflow_dispatch), send the
// event, and revoke the token whatever happened. The token is never printed.
func runDispatch(ctx context.Context, c *command, args []string) error {
	fs := flag.NewFlagSet("dispatch", flag.ContinueOnError)
	app := newAppFlags(c, fs, setting.InstallationFlags, setting.ReadyFlags, setting.BrokerFlags)
	repository := fs.String("repository", "", "the repository to send the event to, as `OWNER/NAME`")
	eventType := fs.String("event-type", "", "send repository_dispatch with this event `TYPE`")
	payload := fs.String("payload", "", "repository_dispatch's client_payload, a `JSON` object")
	workflow := fs.String("workflow", "", "send workflow_dispatch to this `WORKFLOW` (file name like release.yml, or its ID)")
	ref := fs.String("ref", "", "workflow_dispatch: the branch or tag (`REF`) to run the workflow on")
	wfInputs := fs.String("inputs", "", "workflow_dispatch: the workflow's inputs, a `JSON` object")
	if err := c.parse(fs, args, "["+appSynopsis+"] ["+keySynopsis+"] --repository OWNER/NAME (--event-type TYPE [--payload JSON] | --workflow FILE --ref REF [--inputs JSON]) [--installation-id ID]"+appNote+brokerNote); err != nil {
		return err
	}
	ev, err := readEvent(*eventType, *payload, *workflow, *ref, *wfInputs)
	if err != nil {
		return err
	}
	app.in.values[setting.Repositories] = *repository
	app.in.values[setting.Permissions] = ev.Permission() + ": write"
	if err := app.load(c); err != nil {
		return err
	}
	// Checked once the key is known: a piece of it has a name's alphabet.
	// --repository stands in for --repositories: its refusals name it.
	if of := config.SecretPieceIn(app.in, *repository); of != 0 {
		return &usageError{config.SecretPieceError("--repository", of)}
	}
	if secret.Looks(*repository) {
		return &usageError{config.SecretShapeError("--repository", "--repository")}
	}
	if !ghtext.IsFullName(*repository) {
		return usagef("--repository must be owner/name, got %s", secret.Quote(*repository))
	}
	// What is sent lands in the event, which every run it starts shows:
	// never the App's key (known to the redactor from here on) or a
	// credential.
	// A JSON object is held only to the key and credential shapes: a
	// base64 blob in it is no sign of a key.
	for _, f := range []struct {
		name, v string
		json    bool
	}{{"--event-type", *eventType, false}, {"--payload", *payload, true}, {"--workflow", *workflow, false}, {"--ref", *ref, false}, {"--inputs", *wfInputs, true}} {
		if f.v != "" && (!f.json && secret.Looks(f.v) || c.redactor.Redact(f.v) != f.v) {
			return usagef("%s holds what looks like the App's key or a credential (not shown): the event would show it to every run it starts; remove it, and rotate the key if this log is public", f.name)
		}
	}
	cfg, err := c.readMintConfig(app.in)
	if err != nil {
		return err
	}
	m, err := c.minter(ctx, cfg)
	if err != nil {
		return err
	}
	ev.Owner, ev.Repo, ev.InstallationID = cfg.Owner, cfg.Repositories[0], cfg.InstallationID
	sent, err := m.Dispatch(ctx, *ev, func(w error) { c.warnf("%s", words(w)) })
	if err != nil {
		return err
	}
	revoked := "token revoked"
	if sent.Revoke != nil {
		c.warnf("%s", words(sent.Revoke))
		revoked = "token not revoked"
	}
	c.notef("sent %s to %s/%s; %s", ev.Describe(), ev.Owner, ev.Repo, revoked)
	return nil
}

// readEvent checks the event's flags, before any call to GitHub.
func readEvent(eventType, payload, workflow, ref, inputs string) (*mint.Event, error) {
	switch {
	case eventType != "" && workflow != "":
		return nil, usagef("--event-type and --workflow are both set: send repository_dispatch (--event-type) or workflow_dispatch (--workflow), one per command")
	case eventType != "":
		if ref != "" || inputs != "" {
			return nil, usagef("--ref and --inputs belong to workflow_dispatch (--workflow); repository_dispatch takes --payload")
		}
		if len(eventType) > maxEventType || strings.ContainsAny(eventType, "\r\n") {
			return nil, usagef("--event-type must be one line of at most %d characters", maxEventType)
		}
		body, err := jsonObject("--payload", payload)
		if err != nil {
			return nil, err
		}
		return &mint.Event{EventType: eventType, Payload: body}, nil
	case workflow != "":
		if payload != "" {
			return nil, usagef("--payload belongs to repository_dispatch (--event-type); workflow_dispatch takes --inputs")
		}
		if ref == "" {
			return nil, usagef("--ref is empty: name the branch or tag to run workflow %s on, e.g. --ref main", secret.Quote(workflow))
		}
		if strings.ContainsAny(workflow, "/\r\n") {
			return nil, usagef("--workflow must be the workflow's file name (like release.yml, without .github/workflows/) or its ID, got %s", secret.Quote(workflow))
		}
		body, err := jsonObject("--inputs", inputs)
		if err != nil {
			return nil, err
		}
		return &mint.Event{Workflow: workflow, Ref: ref, Payload: body}, nil
	}
	return nil, usagef("nothing to send: pass --event-type TYPE (repository_dispatch) or --workflow FILE --ref REF (workflow_dispatch)")
}

// jsonObject checks that raw, if set, is one JSON object, and returns it
// compacted; nil when unset.
func jsonObject(flagName, raw string) (json.RawMessage, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &obj); err != nil || obj == nil {
		return nil, usagef("%s must be a JSON object like '{\"key\": \"value\"}'", flagName)
	}
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(raw)); err != nil {
		return nil, usagef("%s must be a JSON object like '{\"key\": \"value\"}'", flagName)
	}
	return b.Bytes(), nil
}
