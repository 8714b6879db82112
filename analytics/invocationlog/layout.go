package invocationlog

import (
	"fmt"
	"strings"
	"time"
)

const logsDir = "BedrockModelInvocationLogs"

// The S3 layout Bedrock writes, as seen in real buckets (for example the key quoted in
// elastic/integrations issue 11808, "us-east-1/AWSLogs/891377031307/BedrockModelInvocationLogs/
// us-east-1/2024/11/20/16/20241120T164851056Z_9b86bf4994c4ab1c.json.gz", and inputBodyS3Path
// values such as "…/2026/04/20/00/data/f3ae32b1-ae22-48f1-ba9c-d8075737f52a_input.json.gz"):
//
//	{prefix}AWSLogs/{account}/BedrockModelInvocationLogs/{region}/YYYY/MM/DD/HH/{YYYYMMDD}T{HHMMSSmmm}Z_{16 hex}.json.gz
//	{prefix}AWSLogs/{account}/BedrockModelInvocationLogs/{region}/YYYY/MM/DD/HH/data/{requestId}_input.json.gz
//	{prefix}AWSLogs/{account}/BedrockModelInvocationLogs/{region}/YYYY/MM/DD/HH/data/{requestId}_output.json.gz
//
// The hour folder and the file name's instant are the delivery time (UTC), which is at or
// after the records' own timestamps. Each log file is gzipped NDJSON, one record per line.

// Location is what a log object's key tells: {prefix}AWSLogs/{account}/BedrockModelInvocationLogs/{region}/YYYY/MM/DD/HH/{name}.
type Location struct {
	Prefix  string
	Account string
	Region  string
	Hour    time.Time // the delivery hour folder, UTC
	// Body is true for objects under the hour's data/ folder: request or response bodies
	// over 100 KB, never log records.
	Body bool
	Name string
}

// RegionPrefix is the key prefix of a region's logs.
func RegionPrefix(prefix, account, region string) string {
	return prefix + "AWSLogs/" + account + "/" + logsDir + "/" + region + "/"
}

// HourPrefix is the key prefix of one delivery hour's folder.
func HourPrefix(prefix, account, region string, hour time.Time) string {
	return RegionPrefix(prefix, account, region) + hour.UTC().Format(HourFolderLayout) + "/"
}

// LogFileName is the name Bedrock gives a log file delivered at t: the delivery instant in
// UTC to the millisecond, an underscore, a random id (Bedrock uses 16 lower-case hex digits)
// and ".json.gz", e.g. "20241120T164851056Z_9b86bf4994c4ab1c.json.gz". The file belongs in
// the folder HourPrefix(…, t).
func LogFileName(t time.Time, id string) string {
	t = t.UTC()
	return fmt.Sprintf("%s%03dZ_%s.json.gz", t.Format("20060102T150405"), t.Nanosecond()/int(time.Millisecond), id)
}

// BodyObjectName is the name, under an hour folder's data/ sub-folder, of a request body
// (output false) or response body (output true) too large to be inlined in its record:
// "{requestId}_input.json.gz" or "{requestId}_output.json.gz".
func BodyObjectName(requestID string, output bool) string {
	if output {
		return requestID + "_output.json.gz"
	}
	return requestID + "_input.json.gz"
}

// ParseLocation reads a key or file path (either separator). ok is false when it is not a
// file under the layout: no AWSLogs/{account}/BedrockModelInvocationLogs/{region}/YYYY/MM/DD/HH/
// part with a valid UTC hour, or nothing after the hour folder.
func ParseLocation(key string) (Location, bool) {
	key = strings.ReplaceAll(key, "\\", "/")
	const marker = "AWSLogs/"
	for from := 0; ; {
		i := strings.Index(key[from:], marker)
		if i < 0 {
			return Location{}, false
		}
		i += from
		// AWSLogs must start the key or a path element.
		if i == 0 || key[i-1] == '/' {
			if loc, ok := parseAfterAWSLogs(key[i+len(marker):]); ok {
				loc.Prefix = key[:i]
				return loc, true
			}
		}
		from = i + len(marker)
	}
}

func parseAfterAWSLogs(s string) (Location, bool) {
	// account, BedrockModelInvocationLogs, region, YYYY, MM, DD, HH, then [data/]name
	var parts [7]string
	for n := range parts {
		j := strings.IndexByte(s, '/')
		if j <= 0 {
			return Location{}, false
		}
		parts[n], s = s[:j], s[j+1:]
	}
	if parts[1] != logsDir {
		return Location{}, false
	}
	var num [4]int
	for n, want := range [4]int{4, 2, 2, 2} {
		p := parts[3+n]
		if len(p) != want {
			return Location{}, false
		}
		for k := 0; k < len(p); k++ {
			if p[k] < '0' || p[k] > '9' {
				return Location{}, false
			}
			num[n] = num[n]*10 + int(p[k]-'0')
		}
	}
	y, mo, d, h := num[0], num[1], num[2], num[3]
	hour := time.Date(y, time.Month(mo), d, h, 0, 0, 0, time.UTC)
	if mo < 1 || mo > 12 || h > 23 || hour.Day() != d || hour.Month() != time.Month(mo) {
		return Location{}, false
	}
	loc := Location{Account: parts[0], Region: parts[2], Hour: hour}
	if rest, ok := strings.CutPrefix(s, "data/"); ok {
		loc.Body = true
		s = rest
	}
	if s == "" || strings.HasSuffix(s, "/") {
		return Location{}, false
	}
	loc.Name = s
	return loc, true
}

// Hours lists the delivery hour folders that can hold records of the half-open range
// [since, until): each hour from since's to the last one in range, and one more, because a
// file lands in the folder of its delivery hour, which can be the hour after its records'.
// So [10:00, 12:00) needs 10, 11 and 12. An empty range needs none.
func Hours(since, until time.Time) []time.Time {
	start, last, ok := HourRange(since, until)
	if !ok {
		return nil
	}
	hs := make([]time.Time, 0, int(last.Sub(start)/time.Hour)+1)
	for h := start; !h.After(last); h = h.Add(time.Hour) {
		hs = append(hs, h)
	}
	return hs
}

// HourRange is the first and last delivery hour Hours lists, computed from the ends: a
// query over centuries costs nothing. ok is false for an empty range.
func HourRange(since, until time.Time) (first, last time.Time, ok bool) {
	if !until.After(since) {
		return time.Time{}, time.Time{}, false
	}
	return since.UTC().Truncate(time.Hour), until.UTC().Add(-time.Nanosecond).Truncate(time.Hour).Add(time.Hour), true
}

// IsBodyObject reports whether a key is a large-body object under an hour's data/ folder.
// Outside the layout, any key with a data/ path element counts.
func IsBodyObject(key string) bool {
	loc, ok := ParseLocation(key)
	if ok {
		return loc.Body
	}
	key = strings.ReplaceAll(key, "\\", "/")
	return strings.Contains(key, "/data/") || strings.HasPrefix(key, "data/")
}

// logExts are the file name endings read as log files (case-insensitive): Bedrock writes
// .json.gz; the others are for logs copied or produced by hand.
var logExts = []string{".json.gz", ".json", ".ndjson", ".ndjson.gz", ".jsonl", ".jsonl.gz", ".log", ".log.gz"}

// IsLogFile reports whether a key or file name is a log file: *.json.gz (also .json, .ndjson,
// .jsonl and .log, gzipped or not; any case), and not a body object.
func IsLogFile(key string) bool {
	if IsBodyObject(key) {
		return false
	}
	for _, ext := range logExts {
		if len(key) > len(ext) && strings.EqualFold(key[len(key)-len(ext):], ext) {
			c := key[len(key)-len(ext)-1]
			if c != '/' && c != '\\' {
				return true
			}
		}
	}
	return false
}
