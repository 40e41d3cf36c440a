package config

import (
	"time"

	"github.com/app-token/app-token/internal/setting"
)

// Retry holds the retry settings: each a row of internal/setting's table,
// read below.
type Retry struct {
	Attempts       int
	Budget         time.Duration
	RequestTimeout time.Duration
	// TokenReady bounds the wait for a new token to work (GitHub's
	// replication lag); 0 skips the check.
	TokenReady time.Duration
}

// readRetry reads the retry settings; their defaults and bounds are the
// table's (internal/setting), the ones action.yml and the help show.
func readRetry(s Source, bad *problems) Retry {
	return Retry{
		Attempts:       readInt(s, setting.RetryAttempts, bad),
		Budget:         seconds(readInt(s, setting.RetrySeconds, bad)),
		RequestTimeout: seconds(readInt(s, setting.RequestTimeout, bad)),
		TokenReady:     seconds(readInt(s, setting.TokenReady, bad)),
	}
}

func seconds(n int) time.Duration { return time.Duration(n) * time.Second }
