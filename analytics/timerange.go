package analytics

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DefaultWindow is the report range when no --since is given: the last 7 days.
const DefaultWindow = 7 * 24 * time.Hour

// ParseRange turns --since and --until into a half-open UTC range [since, until).
//
// Each accepts a date (2025-11-01: a whole day, so --until 2025-11-30 includes the 30th), an
// RFC 3339 instant (2025-11-01T09:00:00Z), or a duration back from now (7d, 24h, 90m). An empty
// until means now; an empty since means DefaultWindow before until.
func ParseRange(since, until string, now time.Time) (time.Time, time.Time, error) {
	now = now.UTC()
	end := now
	if until != "" {
		t, day, err := parseWhen(until, now)
		if err != nil {
			return time.Time{}, time.Time{}, fmt.Errorf("--until: %w", err)
		}
		end = t
		if day {
			end = t.AddDate(0, 0, 1) // inclusive day
		}
	}
	start := end.Add(-DefaultWindow)
	if since != "" {
		t, _, err := parseWhen(since, now)
		if err != nil {
			return time.Time{}, time.Time{}, fmt.Errorf("--since: %w", err)
		}
		start = t
	}
	if !start.Before(end) {
		return time.Time{}, time.Time{}, fmt.Errorf("the range is empty: --since %s (%s) is not before the end of --until %s (%s, exclusive)",
			orDefault(since, "default"), start.Format(time.RFC3339), orDefault(until, "now"), end.Format(time.RFC3339))
	}
	return start, end, nil
}

// parseWhen parses one bound; day reports a bare date.
func parseWhen(s string, now time.Time) (t time.Time, day bool, err error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.UTC(), true, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), false, nil
	}
	if d, ok := parseAgo(s); ok {
		return now.Add(-d), false, nil
	}
	return time.Time{}, false, fmt.Errorf("%q is not a date (2025-11-01), an RFC 3339 time (2025-11-01T09:00:00Z) or a duration (7d, 24h, 30m)", s)
}

// parseAgo parses 7d, 24h, 90m (and any Go duration).
func parseAgo(s string) (time.Duration, bool) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		v, err := strconv.Atoi(n)
		if err != nil || v <= 0 {
			return 0, false
		}
		return time.Duration(v) * 24 * time.Hour, true
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, false
	}
	return d, true
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
