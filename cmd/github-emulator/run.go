package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"regexp"
	"time"

	"github.com/app-token/app-token/internal/githubtest"
)

type options struct {
	addr       string
	keyOut     string
	infoOut    string
	longTokens bool
	tokenLag   time.Duration
	role       string
	files      string
}

// roleARN is the shape IAM gives role ARNs; it also keeps the info file
// free of characters a shell would need quoted.
var roleARN = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$`)

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("github-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:0", "address to listen on (port 0 picks a free one)")
	fs.StringVar(&o.keyOut, "key-out", "", "write the App's generated private key here (PKCS#1 PEM, mode 0600)")
	fs.StringVar(&o.infoOut, "info-out", "", "once listening, write EMULATOR_URL, EMULATOR_APP_ID and EMULATOR_CLIENT_ID here (shell-sourceable)")
	fs.BoolVar(&o.longTokens, "long-tokens", false, "issue the newer stateless installation tokens (520 characters of [A-Za-z0-9._]); a mint's "+githubtest.StatelessHeader+" header (enabled|disabled) still forces either form")
	fs.DurationVar(&o.tokenLag, "token-lag", 0, "answer 401 Bad credentials to a new token for this long after minting, as GitHub's replication lag does (e.g. 2s)")
	fs.StringVar(&o.files, "files", "", "serve the files under this folder through the contents API: DIR/OWNER/REPO/PATH is OWNER/REPO's PATH on main; installations that select repositories also select those")
	fs.StringVar(&o.role, "role", defaultRole, "the IAM role ARN the emulated STS admits (AssumeRoleWithWebIdentity, for OIDC tokens of the emulated runner with audience sts.amazonaws.com)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if !roleARN.MatchString(o.role) {
		return o, fmt.Errorf("-role %q is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)", o.role)
	}
	return o, nil
}

// run serves the emulator until ctx ends. The info file is written only
// after the listener is up, and the "listening on" line on stdout after
// that, so either tells a waiting script the server is ready.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	key, keyPEM, err := githubtest.NewAppKey()
	if err != nil {
		return err
	}
	if o.keyOut != "" {
		if err := writeFileAtomic(o.keyOut, []byte(keyPEM), 0o600); err != nil {
			return fmt.Errorf("write the App key: %w", err)
		}
	}
	cfg := githubtest.DefaultConfig(&key.PublicKey)
	cfg.LongTokens = o.longTokens
	cfg.TokenLag = o.tokenLag
	if o.files != "" {
		if cfg.Files, err = loadFiles(o.files); err != nil {
			return err
		}
		selectFileRepos(&cfg)
	}
	issuer, err := githubtest.NewIssuer(githubtest.IssuerConfig{Path: issuerPath})
	if err != nil {
		return err
	}
	w := newWorld(githubtest.New(cfg), o.role, issuer)

	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", o.addr, err)
	}
	url := "http://" + dialable(ln.Addr())
	issuer.SetBaseURL(url)
	srv := &http.Server{
		Handler:           logRequests(log.New(stderr, "", log.LstdFlags), w),
		ReadHeaderTimeout: 10 * time.Second,
		// Requests end with the server, so a fault's delay cannot hold up shutdown.
		BaseContext: func(net.Listener) context.Context { return ctx },
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	if o.infoOut != "" {
		if err := writeFileAtomic(o.infoOut, infoFile(url, cfg.App, o.role), 0o644); err != nil {
			_ = srv.Close()
			return fmt.Errorf("write the info file: %w", err)
		}
	}
	fmt.Fprintf(stdout, "github-emulator: listening on %s (App %d, client ID %s)\n", url, cfg.App.ID, cfg.App.ClientID)

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("shut down: %w", err)
	}
	return nil
}

// dialable turns a listener address into one a client can dial: an
// unspecified host (0.0.0.0, ::) becomes loopback.
func dialable(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return a.String()
	}
	return net.JoinHostPort("127.0.0.1", fmt.Sprint(tcp.Port))
}
