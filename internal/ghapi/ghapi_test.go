package ghapi

import (
	"net/http"
	"testing"
	"time"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status int
		msg    string
		want   Kind
	}{
		{401, "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued.", JWTTime},
		{401, "'Expiration time' claim ('exp') is too far in the future", JWTTime},
		{401, "A JSON web token could not be decoded", JWTUndecodable},
		{401, "Bad credentials", Other},
		{403, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", SecondaryLimit},
		{429, "You have triggered an abuse detection mechanism.", SecondaryLimit},
		{403, "This installation has been suspended", Suspended},
		{403, "Resource not accessible by integration", Other},
		{422, "There is at least one repository that does not exist or is not accessible to the parent installation.", RepositoriesUnreachable},
		{422, "The permissions requested are not granted to this installation.", PermissionsNotGranted},
		{404, "This installation has been suspended", Other}, // the status matters too
	}
	for _, tt := range tests {
		if got := Classify(tt.status, tt.msg); got != tt.want {
			t.Errorf("Classify(%d, %q) = %v, want %v", tt.status, tt.msg, got, tt.want)
		}
	}
}

func TestReadRateLimit(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	h := http.Header{}
	h.Set("Retry-After", "30")
	if rl := ReadRateLimit(h, now); !rl.HasRetryAfter || rl.RetryAfter != 30*time.Second || rl.Exhausted {
		t.Errorf("seconds: %+v", rl)
	}
	h.Set("Retry-After", now.Add(time.Minute).Format(http.TimeFormat))
	if rl := ReadRateLimit(h, now); rl.RetryAfter != time.Minute {
		t.Errorf("date: %+v", rl)
	}
	h = http.Header{}
	h.Set("X-Ratelimit-Remaining", "0")
	h.Set("X-Ratelimit-Reset", "1767272400")
	if rl := ReadRateLimit(h, now); !rl.Exhausted || rl.Reset.Unix() != 1767272400 || rl.HasRetryAfter {
		t.Errorf("exhausted: %+v", rl)
	}
	h.Set("X-Ratelimit-Remaining", "12")
	if rl := ReadRateLimit(h, now); rl.Exhausted {
		t.Errorf("remaining 12 read as exhausted")
	}
}

func TestRetryAfterForms(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		value  string
		want   time.Duration
		wantOK bool
	}{
		{"", 0, false},
		{"3", 3 * time.Second, true},
		{" 0 ", 0, true},
		{"-5", 0, false},
		{"soon", 0, false},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0, true},
	} {
		h := http.Header{}
		h.Set("Retry-After", tc.value)
		if rl := ReadRateLimit(h, now); rl.RetryAfter != tc.want || rl.HasRetryAfter != tc.wantOK {
			t.Errorf("Retry-After %q = %v, %v; want %v, %v", tc.value, rl.RetryAfter, rl.HasRetryAfter, tc.want, tc.wantOK)
		}
	}
}
