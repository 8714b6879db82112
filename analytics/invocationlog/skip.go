package invocationlog

import (
	"encoding/json"
	"fmt"
)

// SkipReason says why input was not counted.
type SkipReason string

const (
	// SkipMalformedLine is a line that is not a JSON object of the record's shape.
	SkipMalformedLine SkipReason = "malformed_line"
	// SkipUnreadableFile is a file or object that could not be read to its end: a corrupt
	// or truncated gzip stream, a failed GET. Records before the fault are kept.
	SkipUnreadableFile SkipReason = "unreadable_file"
	// SkipNonLogObject is an object under the log prefix that is not a log file: a data/
	// body object, a permission-check file, anything not named *.json.gz or *.json.
	SkipNonLogObject SkipReason = "non_log_object"
	// SkipOtherRecord is valid JSON whose schemaType is not ModelInvocationLog.
	SkipOtherRecord SkipReason = "other_record"
)

// Skip is one skipped line, file or object.
type Skip struct {
	Reason SkipReason `json:"reason"`
	File   string     `json:"file"`
	Line   int64      `json:"line,omitempty"` // 1-based; 0 for a whole file
	Detail string     `json:"detail"`
	// Hours is, for a listing that failed, how many hours of logs of the query's range it
	// held: none of them was read.
	Hours int64 `json:"hours,omitempty"`
}

func (s Skip) String() string {
	if s.Line > 0 {
		return fmt.Sprintf("%s:%d: %s: %s", s.File, s.Line, s.Reason, s.Detail)
	}
	return fmt.Sprintf("%s: %s: %s", s.File, s.Reason, s.Detail)
}

// MaxSamples is how many skips a Skipped keeps with their file and line.
const MaxSamples = 10

// Skipped counts what was skipped, by reason, and keeps the first MaxSamples of them. Files
// keeps every skipped file or object by name (an unreadable one with the line where reading
// stopped), however many: the JSON report lists them all, the human formats show the
// samples. Only the offloaded body objects under a data/ folder, which every hour with large
// calls holds and which are never log records, are counted without their names.
type Skipped struct {
	MalformedLines  int64 `json:"malformed_lines"`
	UnreadableFiles int64 `json:"unreadable_files"`
	NonLogObjects   int64 `json:"non_log_objects"`
	OtherRecords    int64 `json:"other_records"`
	// UnlistedHours are the hours of the range whose folder could not be listed.
	UnlistedHours int64  `json:"unlisted_hours"`
	Samples       []Skip `json:"samples"`
	Files         []Skip `json:"files"`
}

// MarshalJSON writes empty lists as [], never null.
func (s Skipped) MarshalJSON() ([]byte, error) {
	type plain Skipped
	p := plain(s)
	if p.Samples == nil {
		p.Samples = []Skip{}
	}
	if p.Files == nil {
		p.Files = []Skip{}
	}
	return json.Marshal(p)
}

// Add counts one skip.
func (s *Skipped) Add(k Skip) {
	switch k.Reason {
	case SkipMalformedLine:
		s.MalformedLines++
	case SkipUnreadableFile:
		s.UnreadableFiles++
	case SkipNonLogObject:
		s.NonLogObjects++
	default:
		s.OtherRecords++
	}
	s.UnlistedHours += k.Hours
	if len(s.Samples) < MaxSamples {
		s.Samples = append(s.Samples, k)
	}
	if k.Reason == SkipUnreadableFile || (k.Line == 0 && !(k.Reason == SkipNonLogObject && IsBodyObject(k.File))) {
		s.Files = append(s.Files, k)
	}
}

// Merge adds o's counts, samples and files to s.
func (s *Skipped) Merge(o Skipped) {
	s.MalformedLines += o.MalformedLines
	s.UnreadableFiles += o.UnreadableFiles
	s.NonLogObjects += o.NonLogObjects
	s.OtherRecords += o.OtherRecords
	s.UnlistedHours += o.UnlistedHours
	for _, k := range o.Samples {
		if len(s.Samples) >= MaxSamples {
			break
		}
		s.Samples = append(s.Samples, k)
	}
	s.Files = append(s.Files, o.Files...)
}

// Total is the number of skips of every reason.
func (s Skipped) Total() int64 {
	return s.MalformedLines + s.UnreadableFiles + s.NonLogObjects + s.OtherRecords
}

// Problems is the number of skips that point at bad data: everything but non-log objects,
// which are expected under a log prefix (data/ bodies). --strict fails on these.
func (s Skipped) Problems() int64 { return s.MalformedLines + s.UnreadableFiles + s.OtherRecords }
