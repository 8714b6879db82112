package invocationlog

import (
	"path"
	"strings"
	"time"
)

// DefaultPrefix is the key prefix the bedrock-usage CDK app configures.
const DefaultPrefix = "bedrock-logs/"

const logsDir = "BedrockModelInvocationLogs"

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

// ParseLocation reads a key or file path. ok is false when it is not under the layout.
func ParseLocation(key string) (Location, bool) {
	key = strings.ReplaceAll(key, "\\", "/")
	i := strings.Index(key, "AWSLogs/")
	if i < 0 {
		return Location{}, false
	}
	loc := Location{Prefix: key[:i]}
	parts := strings.Split(key[i+len("AWSLogs/"):], "/")
	// account, BedrockModelInvocationLogs, region, YYYY, MM, DD, HH, [data,] name
	if len(parts) < 8 || parts[1] != logsDir {
		return Location{}, false
	}
	loc.Account, loc.Region = parts[0], parts[2]
	h, err := time.Parse(HourFolderLayout, strings.Join(parts[3:7], "/"))
	if err != nil {
		return Location{}, false
	}
	loc.Hour = h.UTC()
	rest := parts[7:]
	if rest[0] == "data" {
		loc.Body = true
		rest = rest[1:]
	}
	loc.Name = path.Join(rest...)
	return loc, true
}

// Hours lists the delivery hour folders that can hold records of [since, until): each hour
// from since's to the last one in range, and one more, because a file lands in the folder of
// its delivery hour, which can be the hour after its records'.
func Hours(since, until time.Time) []time.Time {
	start := since.UTC().Truncate(time.Hour)
	last := until.UTC().Add(-time.Nanosecond).Truncate(time.Hour)
	var hs []time.Time
	for h := start; !h.After(last.Add(time.Hour)); h = h.Add(time.Hour) {
		hs = append(hs, h)
	}
	return hs
}

// IsBodyObject reports whether a key is a large-body object under an hour's data/ folder.
func IsBodyObject(key string) bool {
	loc, ok := ParseLocation(key)
	if ok {
		return loc.Body
	}
	return strings.Contains(key, "/data/")
}

// IsLogFile reports whether a key or file name is a log file: *.json.gz or *.json (or
// .ndjson, .log), and not a body object.
func IsLogFile(key string) bool {
	if IsBodyObject(key) {
		return false
	}
	for _, ext := range []string{".json.gz", ".json", ".ndjson", ".ndjson.gz", ".log", ".log.gz"} {
		if strings.HasSuffix(key, ext) {
			return true
		}
	}
	return false
}
