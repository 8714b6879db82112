package analytics

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// DefaultWindow is the report range when no --since is given: the last 7 days.
const DefaultWindow = 7 * 24 * time.Hour

// ParseRange turns --since and --until into a half-open UTC range [since, until).
//
// Each accepts a calendar period (today, yesterday, this-week, last-week, mtd or this-month,
// last-month, a month 2025-11, an ISO week 2025-W45, a date 2025-11-01), an RFC 3339
// instant (2025-11-01T09:00:00Z), or a duration back from now (7d, 24h, 90m). Periods begin
// at midnight in loc (nil: UTC); weeks begin on Monday. As --since a period gives its
// start, as --until its end, so --until 2025-11-30 includes the 30th. A named period given
// as --since alone (--since yesterday, --since last-month, --since 2025-W45) is that period:
// the range ends with it, or now for one still running (today, this-week, mtd). An empty
// until means now otherwise; an empty since means DefaultWindow before until.
func ParseRange(since, until string, now time.Time, loc *time.Location) (time.Time, time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	now = now.UTC()
	end := now
	if until != "" {
		w, err := parseWhen(until, now, loc)
		if err != nil {
			return time.Time{}, time.Time{}, fmt.Errorf("--until: %w", err)
		}
		end = w.end
	}
	start := end.Add(-DefaultWindow)
	if since != "" {
		w, err := parseWhen(since, now, loc)
		if err != nil {
			return time.Time{}, time.Time{}, fmt.Errorf("--since: %w", err)
		}
		start = w.start
		if until == "" && w.named {
			end = w.end
			if end.After(now) {
				end = now
			}
		}
	}
	if !start.Before(end) {
		return time.Time{}, time.Time{}, fmt.Errorf("the range is empty: --since %s (%s) is not before the end of --until %s (%s, exclusive)",
			orDefault(since, "default"), start.Format(time.RFC3339), orDefault(until, "now"), end.Format(time.RFC3339))
	}
	return start.UTC(), end.UTC(), nil
}

// when is one parsed bound: the span it names ([start, end); start == end for an instant)
// and whether it is a named period (not a date, an instant or a duration).
type when struct {
	start, end time.Time
	named      bool
}

var (
	monthRE = regexp.MustCompile(`^(\d{4})-(\d{2})$`)
	weekRE  = regexp.MustCompile(`^(\d{4})-W(\d{2})$`)
)

// PeriodNames are the calendar periods --since and --until accept by name.
var PeriodNames = []string{"today", "yesterday", "this-week", "last-week", "mtd", "this-month", "last-month"}

// parseWhen parses one bound.
func parseWhen(s string, now time.Time, loc *time.Location) (when, error) {
	s = strings.TrimSpace(s)
	local := now.In(loc)
	day := func(t time.Time, days int) time.Time {
		return time.Date(t.Year(), t.Month(), t.Day()+days, 0, 0, 0, 0, loc)
	}
	monday := func(t time.Time) time.Time { return day(t, -((int(t.Weekday()) + 6) % 7)) }
	month := func(y int, m time.Month) time.Time { return time.Date(y, m, 1, 0, 0, 0, 0, loc) }
	span := func(a, b time.Time) when { return when{start: a, end: b, named: true} }
	switch strings.ToLower(s) {
	case "today":
		return span(day(local, 0), day(local, 1)), nil
	case "yesterday":
		return span(day(local, -1), day(local, 0)), nil
	case "this-week":
		m := monday(local)
		return span(m, m.AddDate(0, 0, 7)), nil
	case "last-week":
		m := monday(local)
		return span(m.AddDate(0, 0, -7), m), nil
	case "mtd", "this-month":
		m := month(local.Year(), local.Month())
		return span(m, m.AddDate(0, 1, 0)), nil
	case "last-month":
		m := month(local.Year(), local.Month())
		return span(m.AddDate(0, -1, 0), m), nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, loc); err == nil {
		return when{start: t, end: t.AddDate(0, 0, 1)}, nil
	}
	if m := monthRE.FindStringSubmatch(s); m != nil {
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		if mo >= 1 && mo <= 12 {
			t := month(y, time.Month(mo))
			return span(t, t.AddDate(0, 1, 0)), nil
		}
	}
	if m := weekRE.FindStringSubmatch(s); m != nil {
		y, _ := strconv.Atoi(m[1])
		w, _ := strconv.Atoi(m[2])
		// ISO week 1 is the week with January 4th in it.
		w1 := monday(time.Date(y, 1, 4, 0, 0, 0, 0, loc))
		t := w1.AddDate(0, 0, 7*(w-1))
		if yy, ww := t.ISOWeek(); w >= 1 && yy == y && ww == w {
			return span(t, t.AddDate(0, 0, 7)), nil
		}
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return when{start: t, end: t}, nil
	}
	if d, ok := parseAgo(s); ok {
		t := now.Add(-d)
		return when{start: t, end: t}, nil
	}
	return when{}, fmt.Errorf("%q is not a period (%s, 2025-11, 2025-W45), a date (2025-11-01), an RFC 3339 time (2025-11-01T09:00:00Z) or a duration (7d, 24h, 30m)", s, strings.Join(PeriodNames, ", "))
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
