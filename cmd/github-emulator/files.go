package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/app-token/app-token/internal/githubtest"
)

// infoFile is what -info-out holds: KEY=value lines that a shell can source
// and docker --env-file can read (values need no quoting). The runner's
// request token is not among them: GET /_emulator/secrets has it.
func infoFile(url string, app githubtest.App, role string) []byte {
	return fmt.Appendf(nil, "EMULATOR_URL=%s\nEMULATOR_APP_ID=%d\nEMULATOR_CLIENT_ID=%s\nEMULATOR_APP_SLUG=%s\n"+
		"EMULATOR_ID_TOKEN_URL=%s\nEMULATOR_STS_URL=%s\nEMULATOR_ROLE_ARN=%s\n"+
		"EMULATOR_OIDC_ISSUER=%s\nEMULATOR_OIDC_MINT_URL=%s\n",
		url, app.ID, app.ClientID, app.Slug, url+idTokenPath+"?api-version=2.0", url+stsPath, role,
		url+issuerPath, url+mintPath)
}

// writeFileAtomic writes data to a temporary file beside path and renames it
// into place, so a script polling for path never reads it half-written and a
// key file is never readable by others, even for a moment.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".github-emulator-*")
	if err != nil {
		return fmt.Errorf("create a file beside %s: %w", path, err)
	}
	defer os.Remove(f.Name()) // after a successful rename this finds nothing
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", f.Name(), err)
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return fmt.Errorf("chmod %s: %w", f.Name(), err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", f.Name(), err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("rename into %s: %w", path, err)
	}
	return nil
}
