package analytics

import (
	"strings"
	"testing"
	"time"
)

func TestParseRange(t *testing.T) {
	now := time.Date(2025, 11, 20, 15, 30, 0, 0, time.UTC)
	day := func(d int) time.Time { return time.Date(2025, 11, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		name, since, until string
		wantSince          time.Time
		wantUntil          time.Time
		wantErr            string
	}{
		{"defaults: last 7 days", "", "", now.Add(-7 * 24 * time.Hour), now, ""},
		{"dates are inclusive days", "2025-11-01", "2025-11-03", day(1), day(4), ""},
		{"one day", "2025-11-10", "2025-11-10", day(10), day(11), ""},
		{"instants are exact", "2025-11-01T09:00:00Z", "2025-11-01T17:00:00+02:00", day(1).Add(9 * time.Hour), day(1).Add(15 * time.Hour), ""},
		{"days back", "7d", "", now.Add(-7 * 24 * time.Hour), now, ""},
		{"hours back", "24h", "", now.Add(-24 * time.Hour), now, ""},
		{"since only date", "2025-11-18", "", day(18), now, ""},
		{"until only: 7 days before it", "", "2025-11-10", day(4), day(11), ""},
		{"garbage", "last tuesday", "", time.Time{}, time.Time{}, "is not a date"},
		{"zero days", "0d", "", time.Time{}, time.Time{}, "is not a date"},
		{"negative", "-3h", "", time.Time{}, time.Time{}, "is not a date"},
		{"reversed", "2025-11-05", "2025-11-01", time.Time{}, time.Time{}, "is not before"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, u, err := ParseRange(tt.since, tt.until, now)
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
