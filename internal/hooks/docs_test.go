package hooks

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

const docsPage = "../../docs/webhooks.md"

func readDocs(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(docsPage)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// recipeEnv holds each recipe's secret, each long enough.
var recipeEnv = map[string]string{
	"CONTENTFUL_SIGNING_SECRET": "qlfkupAwYA4ZkNnmBzmNypFqSRWOwhpGRFwQFn5iPNAGHSYdvwed1C77n0Eiaz19",
	"SANITY_WEBHOOK_SECRET":     "sanity-secret-of-enough-length",
	"STRAPI_WEBHOOK_TOKEN":      "strapi-token-of-enough-length-0123",
	"GHOST_WEBHOOK_SECRET":      "ghost-hook-secret-for-tests",
	"STORYBLOK_WEBHOOK_SECRET":  "storyblok-secret-of-enough-length",
	"WP_WEBHOOKS_SECRET":        "wp-webhooks-trigger-secret",
	"RELEASE_HOOK_SECRET":       "release-hook-secret-of-enough-length",
}

// sent is a delivery as a product sends it.
type sent struct {
	header map[string]string
	body   string
}

// recipes builds, per recipe, the delivery its product sends (headers and
// body of the shape its documentation gives), signed with secret at now.
var recipes = map[string]func(secret string, now time.Time) sent{
	"contentful": func(secret string, now time.Time) sent {
		body := `{"metadata":{"tags":[]},"sys":{"type":"Entry","id":"5KsDBWseXY6QegucYAoacS","space":{"sys":{"type":"Link","linkType":"Space","id":"yadj1kx9rmg0"}},"revision":1},"fields":{"title":{"en-US":"Hello, World!"}}}`
		h := map[string]string{
			"Content-Type":                 "application/vnd.contentful.management.v1+json",
			"X-Contentful-Topic":           "ContentManagement.Entry.publish",
			"X-Contentful-Webhook-Name":    "Rebuild the docs",
			"X-Contentful-Idempotency-Key": "5c2a0f8d8b1e4e1cbf0a3f8c7d6e5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a",
		}
		signContentful(secret, "POST", "/hooks/contentful-publish", body, h, []string{"content-type", "x-contentful-topic", "x-contentful-webhook-name"}, now)
		return sent{h, body}
	},
	"sanity": func(secret string, now time.Time) sent {
		body := `{"_id":"post-1","_type":"post","slug":"hello-world"}`
		return sent{map[string]string{"Content-Type": "application/json", "Sanity-Webhook-Signature": signSanity(secret, body, now)}, body}
	},
	"strapi": func(secret string, now time.Time) sent {
		body := `{"event":"entry.publish","createdAt":"2025-12-11T05:48:20.000Z","model":"article","uid":"api::article.article","entry":{"id":1,"title":"Hello","publishedAt":"2025-12-11T05:48:20.000Z"}}`
		return sent{map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + secret}, body}
	},
	"ghost": func(secret string, now time.Time) sent {
		body := `{"post":{"current":{"id":"67447438e61fb200012f48e0","slug":"test","status":"published"},"previous":{"status":"draft"}}}`
		return sent{map[string]string{"Content-Type": "application/json", "Content-Version": "v5.0", "X-Ghost-Signature": signGhost(secret, body, now)}, body}
	},
	"storyblok": func(secret string, now time.Time) sent {
		body := `{"text":"The user test@domain.com published the Story XYZ (xyz)","action":"published","space_id":123,"story_id":123,"full_slug":"xyz"}`
		return sent{map[string]string{"Content-Type": "application/json", "Webhook-Signature": signStoryblok(secret, body)}, body}
	},
	"wordpress": func(secret string, now time.Time) sent {
		body := `{"post_id":823,"post":{"ID":823,"post_title":"Post Test","post_status":"publish"},"post_permalink":"https://wp.test/post-test/"}`
		return sent{map[string]string{"Content-Type": "application/json; charset=UTF-8", "X-WP-Webhook-Source": "https://wp.test/", "X-WP-Webhook-Signature": signWP(secret, body)}, body}
	},
	"generic": func(secret string, now time.Time) sent {
		body := `{"version":"1.2.0"}`
		return sent{map[string]string{"Content-Type": "application/json", "X-Hub-Signature-256": signHub(secret, body), "X-Delivery-Id": "0f6c1f9e-3a52-4d1b-9a57-2f0f6b3c9d11"}, body}
	},
}

// Every recipe of docs/webhooks.md works as written: its hook parses, the
// delivery its product sends fires one dispatch of that body, and the same
// delivery with its proof broken fires none.
func TestRecipes(t *testing.T) {
	doc := readDocs(t)
	found := regexp.MustCompile("(?s)<!-- recipe: ([a-z]+) -->\n```yaml\n(.*?)```").FindAllStringSubmatch(doc, -1)
	var names []string
	for _, m := range found {
		names = append(names, m[1])
	}
	sort.Strings(names)
	var want []string
	for n := range recipes {
		want = append(want, n)
	}
	sort.Strings(want)
	if fmt.Sprint(names) != fmt.Sprint(want) {
		t.Fatalf("the page's recipes %v; the test's %v", names, want)
	}
	for _, m := range found {
		name, file := m[1], m[2]
		t.Run(name, func(t *testing.T) {
			w := newWorld(t, file, recipeEnv, Options{})
			set, _ := Parse([]byte(file), getenv(recipeEnv))
			hookName := set.Names()[0]
			h, _ := set.Lookup(hookName)
			d := recipes[name](recipeEnv[h.SecretEnv], w.clock.Now())
			r := w.post("/hooks/"+hookName, d.header, d.body)
			if r.status != 202 {
				t.Fatalf("%d %s", r.status, r.raw)
			}
			calls := w.rec.calls()
			if len(calls) != 1 || calls[0].Owner != h.Owner || calls[0].Repo != h.Repo || calls[0].EventType != h.EventType {
				t.Fatalf("%+v", calls)
			}
			var want, got any
			_ = json.Unmarshal([]byte(d.body), &want)
			_ = json.Unmarshal(calls[0].Payload, &got)
			if fmt.Sprint(want) != fmt.Sprint(got) {
				t.Errorf("payload %s; the body was %s", calls[0].Payload, d.body)
			}
			// The same delivery, its proof made by another secret.
			w2 := newWorld(t, file, recipeEnv, Options{})
			d = recipes[name]("another-secret-of-enough-length", w2.clock.Now())
			if r := w2.post("/hooks/"+hookName, d.header, d.body); r.status != 401 {
				t.Errorf("a wrong secret: %d %s", r.status, r.raw)
			}
			w2.noDispatch()
		})
	}
}

// What the page promises in figures is what the package does.
func TestDocsAgree(t *testing.T) {
	doc := readDocs(t)
	for _, promise := range []string{
		fmt.Sprintf("at most **%d KiB**, read no further", MaxBody>>10),
		fmt.Sprintf("at most\n  **%d** top-level properties", MaxClientPayload),
		fmt.Sprintf("at most **%d** on github.com", MaxInputsGitHub),
		fmt.Sprintf("**%d** on GitHub Enterprise Server", MaxInputsGHES),
		fmt.Sprintf("at most **%d minutes** from the broker's clock", int(ReplayWindow.Minutes())),
		fmt.Sprintf("per hook, for **%d minutes**", int(dedupeWindow.Minutes())),
		fmt.Sprintf("%d,%03d deliveries", DefaultDedupeEntries/1000, DefaultDedupeEntries%1000),
		fmt.Sprintf("%d to %d characters (a shorter secret", MinSecret, MaxSecret),
		fmt.Sprintf("(1 to %d printable characters)", MaxDeliveryID),
		fmt.Sprintf("at most %d KiB and %d hooks", MaxFileBytes>>10, MaxHooks),
		"the dispatch's deadline, a minute",
	} {
		if !strings.Contains(doc, promise) {
			t.Errorf("docs/webhooks.md does not say %q", promise)
		}
	}
	if DefaultDispatchTimeout != time.Minute {
		t.Error("the page says a dispatch's deadline is a minute")
	}
	// The page's example file is the issue's hook, and parses.
	m := regexp.MustCompile("(?s)## The hook file\n\n```yaml\n(.*?)```").FindStringSubmatch(doc)
	if m == nil {
		t.Fatal("no example file")
	}
	if _, err := Parse([]byte(m[1]), getenv(fileEnv)); err != nil {
		t.Errorf("the example: %v", err)
	}
	// The page's error example is what the package says.
	m = regexp.MustCompile("(?s)naming the hook and the field:\n\n```\n(.*?)\n```").FindStringSubmatch(doc)
	_, err := Parse([]byte(issueExample), getenv(nil))
	if m == nil || err == nil || err.Error() != m[1] {
		t.Errorf("the page's message %q; the package's %v", m, err)
	}
	// The page's audit line is TestAuditLine's.
	m = regexp.MustCompile("(?s)## The audit\n\n.*?```json\n(.*?)\n```").FindStringSubmatch(doc)
	w := newHandlerWorld(t, Options{})
	w.rec.result = func(int) error { w.clock.Add(1500 * time.Millisecond); return nil }
	w.post("/hooks/cms-publish", signed(`{}`, "8a5c-0001"), `{}`)
	if m == nil || strings.TrimSpace(w.audit.String()) != m[1] {
		t.Errorf("the page's audit line %q; the handler's %s", m, w.audit.String())
	}
}
