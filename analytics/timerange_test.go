package analytics

import (
	"strings"
	"testing"
	"time"
)

func TestParseRange(t *testing.T) {
	now := time.Date(2025, 11, 20, 15, 30, 0, 0, time.UTC)
	day := func(d int) time.Time { return time.Date(2025, 11, d, 0, 0, 0, 0, time.UTC) }
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatalf("no time zone database: %v", err)
	}
	oct := func(d int) time.Time { return time.Date(2025, 10, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		name, since, until string
		wantSince          time.Time
		wantUntil          time.Time
		wantErr            string
		loc                *time.Location
	}{
		{"defaults: last 7 days", "", "", now.Add(-7 * 24 * time.Hour), now, "", nil},
		{"dates are inclusive days", "2025-11-01", "2025-11-03", day(1), day(4), "", nil},
		{"one day", "2025-11-10", "2025-11-10", day(10), day(11), "", nil},
		{"instants are exact", "2025-11-01T09:00:00Z", "2025-11-01T17:00:00+02:00", day(1).Add(9 * time.Hour), day(1).Add(15 * time.Hour), "", nil},
		{"days back", "7d", "", now.Add(-7 * 24 * time.Hour), now, "", nil},
		{"hours back", "24h", "", now.Add(-24 * time.Hour), now, "", nil},
		{"since only date", "2025-11-18", "", day(18), now, "", nil},
		{"until only: 7 days before it", "", "2025-11-10", day(4), day(11), "", nil},
		{"garbage", "last tuesday", "", time.Time{}, time.Time{}, "is not a period", nil},
		{"zero days", "0d", "", time.Time{}, time.Time{}, "is not a period", nil},
		{"negative", "-3h", "", time.Time{}, time.Time{}, "is not a period", nil},
		{"reversed", "2025-11-05", "2025-11-01", time.Time{}, time.Time{}, "is not before", nil},
		// Calendar periods; 2025-11-20 is a Thursday.
		{"yesterday alone is that day", "yesterday", "", day(19), day(20), "", nil},
		{"today alone ends now", "today", "", day(20), now, "", nil},
		{"this week from Monday", "this-week", "", day(17), now, "", nil},
		{"last week, Monday to Monday", "last-week", "", day(10), day(17), "", nil},
		{"month to date", "mtd", "", day(1), now, "", nil},
		{"this month is month to date", "this-month", "", day(1), now, "", nil},
		{"last month", "last-month", "", oct(1), day(1), "", nil},
		{"a month", "2025-10", "", oct(1), day(1), "", nil},
		{"a month as until includes it", "2025-09-15", "2025-10", time.Date(2025, 9, 15, 0, 0, 0, 0, time.UTC), day(1), "", nil},
		{"an ISO week", "2025-W45", "", day(3), day(10), "", nil},
		{"ISO week 1 starts in December", "2026-W01", "2026-W01", time.Date(2025, 12, 29, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC), "", nil},
		{"week 53 of a 52-week year", "2025-W53", "", time.Time{}, time.Time{}, "is not a period", nil},
		{"month 13", "2025-13", "", time.Time{}, time.Time{}, "is not a period", nil},
		{"a future period alone is empty", "2026-W01", "", time.Time{}, time.Time{}, "is not before", nil},
		{"yesterday in Berlin", "yesterday", "", time.Date(2025, 11, 18, 23, 0, 0, 0, time.UTC), time.Date(2025, 11, 19, 23, 0, 0, 0, time.UTC), "", berlin},
		{"a date in Berlin", "2025-11-01", "2025-11-01", time.Date(2025, 10, 31, 23, 0, 0, 0, time.UTC), time.Date(2025, 11, 1, 23, 0, 0, 0, time.UTC), "", berlin},
		{"instants ignore the zone", "2025-11-01T09:00:00Z", "2025-11-01T10:00:00Z", day(1).Add(9 * time.Hour), day(1).Add(10 * time.Hour), "", berlin},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, u, err := ParseRange(tt.since, tt.until, now, tt.loc)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !s.Equal(tt.wantSince) || !u.Equal(tt.wantUntil) {
				t.Errorf("got [%s, %s), want [%s, %s)", s, u, tt.wantSince, tt.wantUntil)
			}
			if s.Location() != time.UTC || u.Location() != time.UTC {
				t.Errorf("got locations %v and %v, want UTC", s.Location(), u.Location())
			}
		})
	}
}
