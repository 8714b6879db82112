package invocationlog

import (
	"slices"
	"testing"
	"time"
)

func hour(s string) time.Time {
	t, err := time.Parse("2006-01-02T15", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestParseLocation(t *testing.T) {
	const base = "AWSLogs/111122223333/BedrockModelInvocationLogs/us-east-1/2024/11/20/16/"
	tests := []struct {
		name   string
		key    string
		want   Location
		wantOK bool
	}{
		{
			name:   "real key with a prefix",
			key:    "us-east-1/" + base + "20241120T164851056Z_9b86bf4994c4ab1c.json.gz",
			want:   Location{Prefix: "us-east-1/", Account: "111122223333", Region: "us-east-1", Hour: hour("2024-11-20T16"), Name: "20241120T164851056Z_9b86bf4994c4ab1c.json.gz"},
			wantOK: true,
		},
		{
			name:   "no prefix",
			key:    base + "a.json.gz",
			want:   Location{Account: "111122223333", Region: "us-east-1", Hour: hour("2024-11-20T16"), Name: "a.json.gz"},
			wantOK: true,
		},
		{
			name:   "nested prefix",
			key:    "bedrock-logs/team/x/" + base + "a.json.gz",
			want:   Location{Prefix: "bedrock-logs/team/x/", Account: "111122223333", Region: "us-east-1", Hour: hour("2024-11-20T16"), Name: "a.json.gz"},
			wantOK: true,
		},
		{
			name:   "prefix holding another AWSLogs folder",
			key:    "backup/AWSLogs/old/" + base + "a.json.gz",
			want:   Location{Prefix: "backup/AWSLogs/old/", Account: "111122223333", Region: "us-east-1", Hour: hour("2024-11-20T16"), Name: "a.json.gz"},
			wantOK: true,
		},
		{
			name:   "data body object",
			key:    "bedrock-logs/" + base + "data/f3ae32b1-ae22-48f1-ba9c-d8075737f52a_input.json.gz",
			want:   Location{Prefix: "bedrock-logs/", Account: "111122223333", Region: "us-east-1", Hour: hour("2024-11-20T16"), Body: true, Name: "f3ae32b1-ae22-48f1-ba9c-d8075737f52a_input.json.gz"},
			wantOK: true,
		},
		{
			name:   "local absolute path",
			key:    "/tmp/logs/" + base + "a.json.gz",
			want:   Location{Prefix: "/tmp/logs/", Account: "111122223333", Region: "us-east-1", Hour: hour("2024-11-20T16"), Name: "a.json.gz"},
			wantOK: true,
		},
		{
			name:   "Windows path",
			key:    `C:\logs\AWSLogs\111122223333\BedrockModelInvocationLogs\eu-central-1\2025\01\31\23\data\x_output.json.gz`,
			want:   Location{Prefix: "C:/logs/", Account: "111122223333", Region: "eu-central-1", Hour: hour("2025-01-31T23"), Body: true, Name: "x_output.json.gz"},
			wantOK: true,
		},
		{
			name:   "deeper name kept whole",
			key:    base + "extra/a.json.gz",
			want:   Location{Account: "111122223333", Region: "us-east-1", Hour: hour("2024-11-20T16"), Name: "extra/a.json.gz"},
			wantOK: true,
		},
		{name: "hour folder only", key: base},
		{name: "day folder", key: "AWSLogs/111122223333/BedrockModelInvocationLogs/us-east-1/2024/11/20/a.json.gz"},
		{name: "not Bedrock logs", key: "AWSLogs/111122223333/CloudTrail/us-east-1/2024/11/20/16/a.json.gz"},
		{name: "no AWSLogs", key: "logs/111122223333/BedrockModelInvocationLogs/us-east-1/2024/11/20/16/a.json.gz"},
		{name: "AWSLogs inside a name", key: "xAWSLogs/111122223333/BedrockModelInvocationLogs/us-east-1/2024/11/20/16/a.json.gz"},
		{name: "one-digit hour", key: "AWSLogs/1/BedrockModelInvocationLogs/us-east-1/2024/11/20/6/a.json.gz"},
		{name: "hour 24", key: "AWSLogs/1/BedrockModelInvocationLogs/us-east-1/2024/11/20/24/a.json.gz"},
		{name: "February 30", key: "AWSLogs/1/BedrockModelInvocationLogs/us-east-1/2024/02/30/10/a.json.gz"},
		{name: "month 13", key: "AWSLogs/1/BedrockModelInvocationLogs/us-east-1/2024/13/01/10/a.json.gz"},
		{name: "letters in the date", key: "AWSLogs/1/BedrockModelInvocationLogs/us-east-1/2024/1a/01/10/a.json.gz"},
		{name: "empty account", key: "AWSLogs//BedrockModelInvocationLogs/us-east-1/2024/11/20/16/a.json.gz"},
		{name: "empty region", key: "AWSLogs/1/BedrockModelInvocationLogs//2024/11/20/16/a.json.gz"},
		{name: "data folder only", key: base + "data/"},
		{name: "empty", key: ""},
		{name: "permission check object", key: "bedrock-logs/AWSLogs/111122223333/BedrockModelInvocationLogs/amazon-bedrock-logs-permission-check"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ParseLocation(tt.key)
			if ok != tt.wantOK || got != tt.want {
				t.Errorf("ParseLocation(%q)\n got %+v, %v\nwant %+v, %v", tt.key, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestPrefixesAndNames(t *testing.T) {
	h := time.Date(2024, 11, 20, 16, 48, 51, 56_789_000, time.FixedZone("x", 3600))
	tests := []struct {
		name, got, want string
	}{
		{"RegionPrefix", RegionPrefix("bedrock-logs/", "111122223333", "us-east-1"), "bedrock-logs/AWSLogs/111122223333/BedrockModelInvocationLogs/us-east-1/"},
		{"RegionPrefix without prefix", RegionPrefix("", "1", "eu-central-1"), "AWSLogs/1/BedrockModelInvocationLogs/eu-central-1/"},
		{"HourPrefix in UTC", HourPrefix("p/", "1", "us-west-2", h), "p/AWSLogs/1/BedrockModelInvocationLogs/us-west-2/2024/11/20/15/"},
		{"LogFileName", LogFileName(h, "9b86bf4994c4ab1c"), "20241120T154851056Z_9b86bf4994c4ab1c.json.gz"},
		{"LogFileName on the second", LogFileName(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), "0"), "20260102T030405000Z_0.json.gz"},
		{"BodyObjectName input", BodyObjectName("f3ae32b1", false), "f3ae32b1_input.json.gz"},
		{"BodyObjectName output", BodyObjectName("f3ae32b1", true), "f3ae32b1_output.json.gz"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
	// What the generator writes reads back.
	key := HourPrefix("bedrock-logs/", "111122223333", "ap-northeast-1", h) + LogFileName(h, "abc")
	loc, ok := ParseLocation(key)
	want := Location{Prefix: "bedrock-logs/", Account: "111122223333", Region: "ap-northeast-1", Hour: hour("2024-11-20T15"), Name: "20241120T154851056Z_abc.json.gz"}
	if !ok || loc != want || !IsLogFile(key) {
		t.Errorf("round trip of %q got %+v %v (IsLogFile %v), want %+v", key, loc, ok, IsLogFile(key), want)
	}
	body := HourPrefix("bedrock-logs/", "1", "us-east-1", h) + "data/" + BodyObjectName("r", true)
	if !IsBodyObject(body) || IsLogFile(body) {
		t.Errorf("%q: IsBodyObject %v, IsLogFile %v, want true, false", body, IsBodyObject(body), IsLogFile(body))
	}
}

func TestHours(t *testing.T) {
	at := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			panic(err)
		}
		return t
	}
	hs := func(ss ...string) []time.Time {
		var out []time.Time
		for _, s := range ss {
			out = append(out, hour(s))
		}
		return out
	}
	tests := []struct {
		name         string
		since, until string
		want         []time.Time
	}{
		{"inside one hour", "2025-03-04T10:15:00Z", "2025-03-04T10:45:00Z", hs("2025-03-04T10", "2025-03-04T11")},
		{"exact hours, half open", "2025-03-04T10:00:00Z", "2025-03-04T12:00:00Z", hs("2025-03-04T10", "2025-03-04T11", "2025-03-04T12")},
		{"one nanosecond past the hour", "2025-03-04T10:00:00Z", "2025-03-04T12:00:00.000000001Z", hs("2025-03-04T10", "2025-03-04T11", "2025-03-04T12", "2025-03-04T13")},
		{"one exact hour", "2025-03-04T10:00:00Z", "2025-03-04T11:00:00Z", hs("2025-03-04T10", "2025-03-04T11")},
		{"across midnight", "2025-03-04T23:30:00Z", "2025-03-05T00:30:00Z", hs("2025-03-04T23", "2025-03-05T00", "2025-03-05T01")},
		{"across a month end", "2025-02-28T23:00:00Z", "2025-03-01T00:00:00Z", hs("2025-02-28T23", "2025-03-01T00")},
		{"leap day", "2024-02-29T23:00:00Z", "2024-03-01T01:00:00Z", hs("2024-02-29T23", "2024-03-01T00", "2024-03-01T01")},
		{"across a year end", "2025-12-31T22:59:59Z", "2026-01-01T00:00:01Z", hs("2025-12-31T22", "2025-12-31T23", "2026-01-01T00", "2026-01-01T01")},
		{"offsets become UTC", "2025-03-04T19:00:00+09:00", "2025-03-04T20:00:00+09:00", hs("2025-03-04T10", "2025-03-04T11")},
		{"empty range", "2025-03-04T10:00:00Z", "2025-03-04T10:00:00Z", nil},
		{"reversed range", "2025-03-04T12:00:00Z", "2025-03-04T10:00:00Z", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Hours(at(tt.since), at(tt.until))
			if !slices.EqualFunc(got, tt.want, time.Time.Equal) {
				t.Errorf("Hours(%s, %s)\n got %v\nwant %v", tt.since, tt.until, got, tt.want)
			}
			for _, h := range got {
				if h.Location() != time.UTC {
					t.Errorf("hour %v is not UTC", h)
				}
			}
		})
	}
	// A week is 7*24 hours plus the delivery hour after it.
	if n := len(Hours(at("2025-03-01T00:00:00Z"), at("2025-03-08T00:00:00Z"))); n != 7*24+1 {
		t.Errorf("a week got %d hours, want %d", n, 7*24+1)
	}
}

func TestIsLogFileAndBodyObject(t *testing.T) {
	const base = "bedrock-logs/AWSLogs/1/BedrockModelInvocationLogs/us-east-1/2024/11/20/16/"
	tests := []struct {
		key      string
		wantLog  bool
		wantBody bool
	}{
		{base + "20241120T164851056Z_9b86bf4994c4ab1c.json.gz", true, false},
		{base + "data/abc_input.json.gz", false, true},
		{base + "data/abc_output.json.gz", false, true},
		{`C:\x\AWSLogs\1\BedrockModelInvocationLogs\us-east-1\2024\11\20\16\data\abc_output.json.gz`, false, true},
		{"local/data/x.json.gz", false, true},
		{"data/x.json.gz", false, true},
		{"metadata/x.json.gz", true, false},
		{"sample.ndjson", true, false},
		{"sample.NDJSON.GZ", true, false},
		{"sample.jsonl", true, false},
		{"sample.log", true, false},
		{"x.json", true, false},
		{"bedrock-logs/amazon-bedrock-logs-permission-check", false, false},
		{base, false, false},
		{"notes.txt", false, false},
		{"x.gz", false, false},
		{"dir/.json.gz", false, false},
		{".json", false, false},
	}
	for _, tt := range tests {
		if got := IsLogFile(tt.key); got != tt.wantLog {
			t.Errorf("IsLogFile(%q) got %v, want %v", tt.key, got, tt.wantLog)
		}
		if got := IsBodyObject(tt.key); got != tt.wantBody {
			t.Errorf("IsBodyObject(%q) got %v, want %v", tt.key, got, tt.wantBody)
		}
	}
}
