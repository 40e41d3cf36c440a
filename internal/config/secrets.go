package config

import (
	"encoding/base64"
	"slices"

	"github.com/app-token/app-token/internal/secret"
	"github.com/app-token/app-token/internal/setting"
)

// hideSecrets refuses, without showing it, a value shaped like a key or
// token in any setting but the private key (a key pasted into the wrong
// field), or holding a piece of the run's own key or JWT (a key line typed
// where the client ID belongs has the alphabet of one), and reads that
// setting as empty from then on, so no later problem quotes it, and
// nothing sends or prints it.
func hideSecrets(s Source, bad *problems) Source {
	hidden := map[setting.ID]bool{}
	pieces := &secretPieces{src: s}
	for _, id := range setting.All() {
		v := s.Setting(id)
		if slices.Contains(secretSettings[:], id) || v == "" {
			continue
		}
		if secret.Looks(v) && !(id == setting.CACertificates && onlyCertificates(v)) {
			*bad = append(*bad, secretIn(id))
		} else if of := pieces.in(v); of != 0 {
			*bad = append(*bad, SecretPieceError(setting.Input(id), of))
		} else {
			continue
		}
		hidden[id] = true
	}
	if len(hidden) == 0 {
		return s
	}
	return hidingSource{s, hidden}
}

// secretIn refuses setting id for holding what looks like a key or token,
// without showing it.
func secretIn(id setting.ID) *setting.Error { return SecretShapeError(setting.Input(id), id) }

// SecretShapeError refuses what name names (setting.Input(id), or a door's
// own flag) for holding what looks like a private key or token, without
// showing it; short names it again (id, or the flag).
func SecretShapeError(name, short any) *setting.Error {
	return setting.Errorf("%s holds what looks like a private key or token (not shown): the App's key belongs in %s only; remove it from %s and rotate the key if this log is public",
		name, setting.PrivateKey, short)
}

// secretSettings hold the secrets of a run. No other setting may hold a
// piece of one: each other setting, a new one included (the broker's
// identity), is checked against them without being listed anywhere; a new
// secret setting joins this list and secretPieces.in.
var secretSettings = [...]setting.ID{setting.PrivateKey, setting.JWT}

// SecretPieceIn returns the setting of s whose secret v holds a piece of
// (secret.Pieces: MinFragment characters or more, so no short honest value
// can match), or 0.
func SecretPieceIn(s Source, v string) setting.ID {
	return (&secretPieces{src: s}).in(v)
}

// secretPieces finds pieces of a run's secrets in its other settings.
type secretPieces struct {
	src Source
	jwt *secret.Pieces // learnt once, for every setting
}

// in is SecretPieceIn. The key is looked for the other way round, v's
// pieces in the key's text, so that a run learns a few windows of a short
// value rather than thousands of the key's (a tenth of the time and the
// memory): in the key as given (PEM, \n-escaped, base64 of the PEM, where
// v is also found base64-encoded: a line of the PEM it encodes) and in
// base64 of it as written (`base64 app.pem`). Not so for the JWT: it holds
// its own iss base64-encoded, and iss is the client ID.
func (p *secretPieces) in(v string) setting.ID {
	if len(v) < secret.MinFragment {
		return 0 // cannot hold a piece: nothing to learn
	}
	if key := p.src.Setting(setting.PrivateKey); key != "" {
		of := secret.NewPieces(v)
		if of.In(key) || of.In(base64.StdEncoding.EncodeToString([]byte(key))) {
			return setting.PrivateKey
		}
	}
	if jwt := p.src.Setting(setting.JWT); jwt != "" {
		if p.jwt == nil {
			p.jwt = secret.NewPieces(jwt)
		}
		if p.jwt.In(v) {
			return setting.JWT
		}
	}
	return 0
}

// SecretPieceError refuses what name names (setting.Input(id), or a
// door's own flag) for holding a piece of the secret setting of, without
// showing it.
func SecretPieceError(name any, of setting.ID) *setting.Error {
	rotate := setting.Errorf(", and rotate the key if this log is public")
	if of == setting.JWT {
		rotate = setting.Errorf("")
	}
	return setting.Errorf("%s holds a piece of %s (not shown): remove it%s", name, setting.Input(of), rotate)
}

// hidingSource reads the settings hideSecrets refused as empty.
type hidingSource struct {
	Source
	hidden map[setting.ID]bool
}

func (h hidingSource) Setting(id setting.ID) string {
	if h.hidden[id] {
		return ""
	}
	return h.Source.Setting(id)
}
