package setting

import (
	"fmt"
	"strconv"
)

// ID identifies a setting whatever door it arrives through.
type ID uint8

// The settings, in the order action.yml, docs/inputs.md and All list them.
// The zero ID is "no setting".
const (
	_ ID = iota
	ClientID
	AppID
	PrivateKey
	JWT
	KMSKey
	AWSRole
	BrokerURL
	BrokerIdentity
	BrokerAudience
	Owner
	Repositories
	Permissions
	Enterprise
	InstallationID
	SkipRevoke
	APIURL
	CACertificates
	RetryAttempts
	RetrySeconds
	RequestTimeout
	TokenReady
	// The broker's (`app-token serve`): flags only.
	Listen
	Audience
	Issuer
	Hooks
	numIDs
)

// Spec is one setting's row: everything each door says about it. The
// action's inputs (config.Inputs, thence action.yml, native/action.yml and
// docs/inputs.md), the command line's flags, their help and environment
// variables (internal/cli), and the default and bounds config enforces
// are all read from here.
//
// A setting may exist at one door only: no Input (a flag-only setting,
// such as a broker's --listen), or no Flag (an input-only one, such as
// enterprise). A flag-only command's settings are a Group of their own
// (serve's flags would be one more Group, which only serve takes).
type Spec struct {
	// Input is the action's input name; "" when the action has none.
	Input string
	// Flag is the command-line flag that sets it, with its dashes; "" when
	// no single flag does.
	Flag string
	// Said is how the command line names it when no flag sets it: "the
	// private key" (two flags and a variable give it). Empty with no Flag:
	// the command line has no way to set it, and its input name is shown.
	Said string
	// Group is the set of commands whose flags include Flag (see Group).
	Group Group
	// Repeatable flags may be given more than once; the values are joined
	// with newlines, as a multi-line input holds a list. Any other flag
	// given twice is refused.
	Repeatable bool
	// Env is the environment variable the command line reads when no flag
	// gives the setting (APP_TOKEN_CLIENT_ID).
	Env string
	// Kind says how the value is read: text, true/false, a whole number.
	Kind Kind
	// Default is the value an unset setting takes, at both doors, and the
	// default action.yml declares (unless ActionDefault) and help shows.
	// For a Number it is a whole number from Min to Max.
	Default string
	// DefaultEnv is the environment variable read, at both doors, before
	// Default when the setting is unset (GITHUB_API_URL).
	DefaultEnv string
	// ActionDefault is the default action.yml declares when it is not
	// Default: an expression the runner evaluates.
	ActionDefault string
	// Min and Max bound a Number, and Unit ("seconds") follows them in
	// help: "1 to 600 seconds".
	Min, Max int
	Unit     string
	// Value is the placeholder for the value in the command line's help:
	// --request-timeout-seconds SECONDS.
	Value string
	// Help is the one description: action.yml's and docs/inputs.md's, and
	// the command line's help. Settings in it are named in each door's
	// words; Words gives what must differ otherwise (the runner, this
	// machine). A Number's range follows it.
	Help Text
}

// Kind is how a setting's value is read.
type Kind uint8

const (
	// Free text, checked by whoever reads it.
	Free Kind = iota
	// Bool: true or false (True, TRUE, False, FALSE).
	Bool
	// Number: a whole number from Min to Max.
	Number
)

// Group is a set of command-line flags that a command takes together or
// not at all: internal/cli registers a command's flags by the groups it
// names, so a new setting in an existing group needs no line in cli.
//
// Flags that set no setting live beside the command that reads them, in
// internal/cli: --json, --quiet and --token-env say how a command reads or
// prints; --private-key-file, --private-key-env and --jwt-env name where a
// secret is (a file, a variable), never the secret, which must not appear
// in a command line; dispatch's --repository, --event-type, --payload,
// --workflow, --ref and --inputs describe the event, which no other command
// sends. Their words are the command's (Said gives the words for the
// private key and the JWT they lead to).
type Group uint8

const (
	// NoFlag: the command line has no flag for the setting.
	NoFlag Group = iota
	// RetryFlags bound each call's tries: every command.
	RetryFlags
	// APIFlags say where GitHub is: every command that calls it.
	APIFlags
	// AppFlags say who the App is and where its key is: every command that
	// acts as the App.
	AppFlags
	// ScopeFlags say what a token reaches: token.
	ScopeFlags
	// InstallationFlags name the installation: the commands that mint.
	InstallationFlags
	// ReadyFlags bound the wait for a new token to work: the commands that
	// mint and use or print it.
	ReadyFlags
	// ServeFlags configure the token broker: serve.
	ServeFlags
	// BrokerFlags say which broker to ask instead of signing as the App:
	// the commands that mint (token, dispatch).
	BrokerFlags
)

// table is the one place each setting is declared. Adding one: an ID above,
// a row here; then read it where it is used (config, through
// Source.Setting and, for a Number, readInt, which takes the bounds and
// default from here). See the package doc.
var table = [numIDs]Spec{
	ClientID: {
		Input: "client-id", Flag: "--client-id", Group: AppFlags, Env: "APP_TOKEN_CLIENT_ID", Value: "ID",
		Help: Sentence("The GitHub App's client ID (recommended, e.g. Iv23li...). Set this or %s.", AppID),
	},
	AppID: {
		Input: "app-id", Flag: "--app-id", Group: AppFlags, Env: "APP_TOKEN_APP_ID", Value: "ID",
		Help: Sentence("The GitHub App's numeric ID, for older GitHub Enterprise Server releases. Set this or %s; when both are set, %s wins.", ClientID, ClientID),
	},
	PrivateKey: {
		// On the command line: --private-key-file, or the variable
		// --private-key-env names (Env by default).
		Input: "private-key", Said: "the private key", Env: "APP_TOKEN_PRIVATE_KEY",
		Help: Sentence("The App's private key: the .pem file from the App's settings page. PKCS#1 or PKCS#8 PEM, also with literal \\n escapes, or base64 of the PEM. Set this, %s or %s.", JWT, KMSKey),
	},
	JWT: {
		Input: "jwt", Said: "the JWT from --jwt-env",
		Help: Sentence("Instead of %s: an App JWT signed elsewhere (Google Cloud KMS, Azure Key Vault, Vault transit, an HSM; see docs/keyless.md). RS256, at most ten minutes to live, its iss the %s or %s when given. Masked before use.", PrivateKey, ClientID, AppID),
	},
	KMSKey: {
		Input: "kms-key", Flag: "--kms-key", Group: AppFlags, Env: "APP_TOKEN_KMS_KEY", Value: "URI",
		Help: Sentence("Instead of %s: the App's key in AWS KMS, as awskms:///KEY where KEY is a key ID, alias/NAME, a key ARN or an alias ARN (awskms://ENDPOINT/KEY for a private endpoint). Each App JWT is signed with KMS Sign, so the key never reaches %s. Needs %s or %s; AWS credentials from the SDK's standard chain %s.",
			PrivateKey, Words{Action: "the runner", CLI: "this machine"}, ClientID, AppID,
			Words{Action: "(e.g. aws-actions/configure-aws-credentials) or aws-role-to-assume", CLI: "(AWS_PROFILE, AWS_ACCESS_KEY_ID, AWS_REGION ...)"}),
	},
	AWSRole: {
		Input: "aws-role-to-assume",
		Help:  Sentence("With %s: the ARN of an IAM role to assume with the job's OIDC token (needs `permissions: id-token: write`). Its temporary credentials stay inside this step: no output, environment variable or later step sees them.", KMSKey),
	},
	BrokerURL: {
		Input: "broker-url", Flag: "--broker-url", Group: BrokerFlags, Env: "APP_TOKEN_BROKER_URL", Value: "URL",
		Help: Sentence("Instead of %s, %s or %s: the base URL of a token broker (the serve command, or octo-sts) that holds the App's key and grants the token its trust policy allows, in exchange for %s (see docs/broker.md). https, or http to a loopback host. No %s or %s is needed then.",
			PrivateKey, JWT, KMSKey, Words{Action: "the job's OIDC token (needs `permissions: id-token: write`)", CLI: "an OIDC token (from the variable --oidc-token-env names; inside GitHub Actions, asked of GitHub)"}, ClientID, AppID),
	},
	BrokerIdentity: {
		Input: "broker-identity", Flag: "--broker-identity", Group: BrokerFlags, Env: "APP_TOKEN_BROKER_IDENTITY", Value: "POLICY",
		Help: Sentence("With %s: the trust policy's name, .github/chainguard/NAME.sts.yaml in the repository (or, for an owner's scope, in the owner's .github repository).", BrokerURL),
	},
	BrokerAudience: {
		Input: "broker-audience", Flag: "--broker-audience", Group: BrokerFlags, Env: "APP_TOKEN_BROKER_AUDIENCE", Value: "AUDIENCE",
		Help: Sentence("With %s: the audience the OIDC token is asked for. Defaults to the broker URL's host, as octo-sts expects.", BrokerURL),
	},
	Owner: {
		Input: "owner", Flag: "--owner", Group: ScopeFlags, Value: "OWNER",
		Help: Sentence("The account that installed the App. Defaults to %s. With %s and no %s, the token reaches every repository of the installation.",
			Words{Action: "the current repository's owner", CLI: "$GITHUB_REPOSITORY_OWNER"}, Owner, Repositories),
	},
	Repositories: {
		Input: "repositories", Flag: "--repositories", Group: ScopeFlags, Value: "REPOSITORIES",
		Help: Sentence("Repositories the token may reach, comma- or newline-separated, as name or owner/name. Defaults to %s when %s is empty too. At most 500.",
			Words{Action: "the current repository", CLI: "the repository $GITHUB_REPOSITORY names"}, Owner),
	},
	Permissions: {
		Input: "permissions", Flag: "--permissions", Group: ScopeFlags, Value: "PERMISSIONS",
		Help: Sentence("Permissions as in a workflow's permissions: block, %s. Omit %s to get everything the installation has.",
			Words{Action: "one `name: level` per line (e.g. `contents: write`). Merged with the permission-* inputs", CLI: "e.g. 'contents: write, issues: read'"},
			Words{Action: "all", CLI: "it"}),
	},
	Enterprise: {
		Input: "enterprise",
		Help:  Sentence("An enterprise's slug (as in https://github.com/enterprises/SLUG): mint for the App's installation on that enterprise account, for enterprise_* permissions. Not combinable with %s, %s or %s.", Owner, Repositories, InstallationID),
	},
	InstallationID: {
		Input: "installation-id", Flag: "--installation-id", Group: InstallationFlags, Value: "ID",
		Help: Sentence("The installation's numeric ID, instead of looking it up from %s or %s%s. Its account must be the one the token is for (%s, or %s): another account is refused before anything is minted.",
			Owner, Repositories, Words{CLI: " (see 'app-token installations')"}, Owner, Words{Action: "the current repository's owner", CLI: "the repositories' owner"}),
	},
	SkipRevoke: {
		Input: "skip-token-revoke", Kind: Bool, Default: "false",
		Help: Sentence("If true, the token is not revoked when the job ends (it still expires after an hour)."),
	},
	APIURL: {
		Input: "github-api-url", Flag: "--api-url", Group: APIFlags, Value: "URL",
		Default: "https://api.github.com", DefaultEnv: "GITHUB_API_URL", ActionDefault: "${{ github.api_url }}",
		Help: Sentence("The GitHub REST API URL. For GitHub Enterprise Server: https://HOST/api/v3 (or https://HOST)."),
	},
	CACertificates: {
		Input: "ca-certificates",
		Help:  Sentence("One or more PEM certificates (-----BEGIN CERTIFICATE-----) trusted for every call, in addition to the system's: for GitHub Enterprise Server behind a private CA. The container cannot see the runner host's trust store or NODE_EXTRA_CA_CERTS."),
	},
	RetryAttempts: {
		Input: "retry-attempts", Flag: "--retry-attempts", Group: RetryFlags, Value: "N",
		Kind: Number, Default: "4", Min: 1, Max: 10,
		Help: Sentence("Attempts per API call on transient failures (5xx, dropped connections, rate limits)."),
	},
	RetrySeconds: {
		Input: "retry-max-seconds", Flag: "--retry-max-seconds", Group: RetryFlags, Value: "SECONDS",
		Kind: Number, Default: "60", Min: 1, Max: 3600, Unit: "seconds",
		Help: Sentence("Time budget for one API call including retries and rate-limit waits."),
	},
	RequestTimeout: {
		Input: "request-timeout-seconds", Flag: "--request-timeout-seconds", Group: RetryFlags, Value: "SECONDS",
		Kind: Number, Default: "20", Min: 1, Max: 600, Unit: "seconds",
		Help: Sentence("Timeout for a single HTTP request to GitHub."),
	},
	TokenReady: {
		Input: "token-ready-seconds", Flag: "--token-ready-seconds", Group: ReadyFlags, Value: "SECONDS",
		// About twice the 5 s Octokit retries a new token's 401 for.
		Kind: Number, Default: "10", Min: 0, Max: 120, Unit: "seconds",
		Help: Sentence("For up to this many seconds, a new token that GitHub refuses (401, for a few seconds after minting) is checked again with one cheap call before it is %s; %s fails, and revokes it, if GitHub still refuses it (0 skips the check).",
			Words{Action: "handed over", CLI: "printed or used"}, Words{Action: "the step", CLI: "the command"}),
	},
	Listen: {
		// Cloud Run sets PORT; serve listens on :$PORT then.
		Flag: "--listen", Group: ServeFlags, Value: "ADDRESS", Default: ":8080", DefaultEnv: "PORT",
		Help: Sentence("The address the broker listens on, HOST:PORT or :PORT; a port number in $PORT (as Cloud Run sets it) means :PORT."),
	},
	Audience: {
		Flag: "--audience", Group: ServeFlags, Value: "AUDIENCE",
		Help: Sentence("Required: the audience (aud) every OIDC token presented to the broker must carry, such as the broker's URL."),
	},
	Issuer: {
		Flag: "--issuer", Group: ServeFlags, Value: "URL", Repeatable: true, Default: "https://token.actions.githubusercontent.com",
		Help: Sentence("An OIDC issuer whose tokens the broker accepts; repeat it for several. https only (plain http only to a loopback host)."),
	},
	Hooks: {
		Flag: "--hooks", Group: ServeFlags, Value: "FILE",
		Help: Sentence("A YAML file of webhooks the broker turns into repository_dispatch or workflow_dispatch events (docs/webhooks.md); each hook's secret is read from the variable it names."),
	},
}

// All returns every setting, in table order.
func All() []ID {
	ids := make([]ID, 0, numIDs-1)
	for id := ID(1); id < numIDs; id++ {
		ids = append(ids, id)
	}
	return ids
}

// Lookup finds the setting an action input name sets.
func Lookup(input string) (ID, bool) {
	for _, id := range All() {
		if input != "" && table[id].Input == input {
			return id, true
		}
	}
	return 0, false
}

// ByFlag finds the setting a command-line flag (with its dashes) sets.
func ByFlag(flag string) (ID, bool) {
	for _, id := range All() {
		if flag != "" && table[id].Flag == flag {
			return id, true
		}
	}
	return 0, false
}

// Spec returns id's row.
func (id ID) Spec() Spec {
	if id == 0 || id >= numIDs {
		return Spec{Input: fmt.Sprintf("setting(%d)", uint8(id))}
	}
	return table[id]
}

// Input is the action's input name for id; "" when the action has none.
func (id ID) Input() string { return id.Spec().Input }

// Flag is the command line's words for id: its flag, or a phrase when no
// one flag sets it ("the private key"); "" when it has none.
func (id ID) Flag() string { return id.Spec().cliWords() }

// String is the input name (the flag for a setting only the command line
// has): for debugging, and for %v in tests.
func (id ID) String() string { return id.Spec().bare(Action) }

// Bounds returns a Number's default and range; ok is false for any other
// setting.
func (id ID) Bounds() (def, lo, hi int, ok bool) {
	s := id.Spec()
	def, err := strconv.Atoi(s.Default)
	if s.Kind != Number || err != nil {
		return 0, 0, 0, false
	}
	return def, s.Min, s.Max, true
}

// Range writes a Number's bounds as help shows them, "1 to 600 seconds";
// "" for any other setting.
func (s Spec) Range() string {
	if s.Kind != Number {
		return ""
	}
	r := strconv.Itoa(s.Min) + " to " + strconv.Itoa(s.Max)
	if s.Unit != "" {
		r += " " + s.Unit
	}
	return r
}

// Describe is the setting's help in door d's words: Help, then a Number's
// range ("Timeout for a single HTTP request to GitHub. 1 to 600 seconds.").
// Defaults are each door's to show (action.yml has a field for them).
func (s Spec) Describe(d Door) string {
	out := s.Help.Render(d)
	if r := s.Range(); r != "" {
		out += " " + r + "."
	}
	return out
}

// cliWords is what the command line calls s: its flag, or its phrase.
func (s Spec) cliWords() string {
	if s.Flag != "" {
		return s.Flag
	}
	return s.Said
}

// bare is how d names s inside a sentence: "owner" or "--owner". A
// setting one door lacks is named by the other's words.
func (s Spec) bare(d Door) string {
	if (d == CLI || s.Input == "") && s.cliWords() != "" {
		return s.cliWords()
	}
	return s.Input
}

// named is how d names s as the subject of a sentence: "input owner" or
// "--owner".
func (s Spec) named(d Door) string {
	if (d == CLI || s.Input == "") && s.cliWords() != "" {
		return s.cliWords()
	}
	return "input " + s.Input
}
