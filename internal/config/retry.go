package config

import (
	"time"

	"github.com/app-token/app-token/internal/setting"
)

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
