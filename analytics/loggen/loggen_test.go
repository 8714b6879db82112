package loggen

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
	"github.com/bedrock-usage/bedrock-usage/deployment"
	"github.com/bedrock-usage/bedrock-usage/internal/golden"
)

// logName is Bedrock's log file name: delivery time to the millisecond and a random id.
var logName = regexp.MustCompile(`^(\d{8}T\d{6})\d{3}Z_[0-9a-f]{16}\.json\.gz$`)

var (
	dec1  = time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)
	dec31 = time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)
)

// tree reads every file under dir: relative slash path → sha256 of its bytes.
func tree(t *testing.T, dir string) map[string][32]byte {
	t.Helper()
	out := make(map[string][32]byte)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = sha256.Sum256(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestGenerateIsDeterministic(t *testing.T) {
	base := Config{Since: dec1, Until: dec1.Add(36 * time.Hour), Seed: 7, Records: 2000}
	gen := func(seed int64, workers int) (map[string][32]byte, Stats) {
		cfg := base
		cfg.Seed, cfg.Workers, cfg.Out = seed, workers, t.TempDir()
		st, err := Generate(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		return tree(t, cfg.Out), st
	}
	a, sa := gen(7, 1)
	b, sb := gen(7, 4)
	if len(a) != len(b) {
		t.Fatalf("same seed, 1 and 4 workers: got %d and %d files, want the same", len(a), len(b))
	}
	for p, h := range a {
		if hb, ok := b[p]; !ok || hb != h {
			t.Fatalf("same seed, 1 and 4 workers: %s differs or is missing", p)
		}
	}
	if sa != sb {
		t.Errorf("same seed: stats %+v and %+v, want equal", sa, sb)
	}
	c, sc := gen(8, 2)
	if sc.Records != sa.Records {
		t.Errorf("seed 8: got %d records, want %d", sc.Records, sa.Records)
	}
	same := 0
	for p, h := range c {
		if a[p] == h {
			same++
		}
	}
	// Only the empty permission-check object may be shared.
	if same > 1 {
		t.Errorf("seeds 7 and 8 share %d identical files, want at most 1", same)
	}
}

// decoded is what a generated tree holds, read back with the invocationlog decoder.
type decoded struct {
	records    []invocationlog.Record
	folder     []time.Time // delivery hour folder of each record
	files      int64
	bodies     map[string]bool // data/ object keys
	bytes      int64
	filesByHr  map[string]int
	maxPerFile int
	skipped    invocationlog.Skipped
	other      []string // neither a log file nor a body object
}

func decodeTree(t *testing.T, dir string) decoded {
	t.Helper()
	d := decoded{bodies: make(map[string]bool), filesByHr: make(map[string]int)}
	err := filepath.WalkDir(dir, func(p string, de fs.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		info, err := de.Info()
		if err != nil {
			return err
		}
		switch {
		case invocationlog.IsBodyObject(rel):
			d.bodies[rel] = true
			d.bytes += info.Size()
			return nil
		case !invocationlog.IsLogFile(rel):
			d.other = append(d.other, rel)
			return nil
		}
		loc, ok := invocationlog.ParseLocation(rel)
		if !ok {
			t.Errorf("%s: not under the Bedrock key layout", rel)
			return nil
		}
		if m := logName.FindStringSubmatch(loc.Name); m == nil {
			t.Errorf("%s: file name is not Bedrock's {delivery time}Z_{16 hex}.json.gz", rel)
		} else if at, err := time.Parse("20060102T150405", m[1]); err != nil || !at.Truncate(time.Hour).Equal(loc.Hour) {
			t.Errorf("%s: delivery time %s is not in the folder's hour %s", rel, m[1], loc.Hour)
		}
		d.files++
		d.bytes += info.Size()
		d.filesByHr[loc.Region+" "+loc.Hour.Format(time.RFC3339)]++
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		dec := invocationlog.NewDecoder(f, rel, invocationlog.WithBodies())
		n := 0
		for {
			var r invocationlog.Record
			if !dec.Next(&r) {
				break
			}
			d.records = append(d.records, r)
			d.folder = append(d.folder, loc.Hour)
			n++
		}
		d.maxPerFile = max(d.maxPerFile, n)
		d.skipped.Merge(dec.Skipped())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

var (
	coverOnce sync.Once
	coverCfg  Config
	coverSt   Stats
	coverDec  decoded
	coverErr  error
)

// coverage generates and decodes the default 20k-record month once for the tests below.
func coverage(t *testing.T) (Config, Stats, decoded) {
	t.Helper()
	coverOnce.Do(func() {
		dir, err := os.MkdirTemp("", "loggen-test-")
		if err != nil {
			coverErr = err
			return
		}
		coverCfg = Config{Out: dir, Since: dec1, Until: dec31, Seed: 42}.withDefaults()
		coverSt, coverErr = Generate(context.Background(), coverCfg)
		if coverErr == nil {
			coverDec = decodeTree(t, dir)
		}
	})
	if coverErr != nil {
		t.Fatal(coverErr)
	}
	return coverCfg, coverSt, coverDec
}

func TestMain(m *testing.M) {
	code := m.Run()
	if coverCfg.Out != "" {
		os.RemoveAll(coverCfg.Out)
	}
	os.Exit(code)
}

func TestGenerateWritesWhatItCounts(t *testing.T) {
	cfg, st, d := coverage(t)
	if got, want := len(d.records), DefaultRecords; got != want {
		t.Errorf("decoded %d records, want %d", got, want)
	}
	if st.Records != int64(len(d.records)) {
		t.Errorf("stats say %d records, decoded %d", st.Records, len(d.records))
	}
	if d.skipped.Total() != 0 {
		t.Errorf("decoder skipped %+v, want nothing", d.skipped)
	}
	if st.Files != d.files {
		t.Errorf("stats say %d files, found %d", st.Files, d.files)
	}
	if st.BodyObjects != int64(len(d.bodies)) {
		t.Errorf("stats say %d body objects, found %d", st.BodyObjects, len(d.bodies))
	}
	if st.Bytes != d.bytes {
		t.Errorf("stats say %d bytes, files hold %d", st.Bytes, d.bytes)
	}
	var failed int64
	for _, r := range d.records {
		if r.Failed() {
			failed++
		}
	}
	if st.FailedCalls != failed {
		t.Errorf("stats say %d failed calls, decoded %d", st.FailedCalls, failed)
	}
	wantOther := []string{cfg.Prefix + PermissionCheckName}
	if cfg.Prefix == "" {
		wantOther = []string{deployment.LogPrefix + PermissionCheckName}
	}
	if !slices.Equal(d.other, wantOther) {
		t.Errorf("non-log objects %q, want %q", d.other, wantOther)
	}
}

func TestGenerateTimestampsAndDelivery(t *testing.T) {
	cfg, _, d := coverage(t)
	late := 0
	for i, r := range d.records {
		if r.Timestamp.Before(cfg.Since) || !r.Timestamp.Before(cfg.Until) {
			t.Fatalf("record %s at %s, outside [%s, %s)", r.RequestID, r.Timestamp, cfg.Since, cfg.Until)
		}
		own := r.Timestamp.Truncate(time.Hour)
		switch d.folder[i].Sub(own) {
		case 0:
		case time.Hour:
			late++
			if m := r.Timestamp.Minute(); m < 50 {
				t.Errorf("record at %s delivered into the next hour's folder, want only records near the hour's end", r.Timestamp)
			}
		default:
			t.Fatalf("record at %s in folder %s, want its own hour or the next", r.Timestamp, d.folder[i])
		}
	}
	if late == 0 || late > len(d.records)/10 {
		t.Errorf("%d of %d records delivered into the next hour's folder, want a few", late, len(d.records))
	}
	busiest := 0
	for _, n := range d.filesByHr {
		busiest = max(busiest, n)
	}
	if busiest < 3 {
		t.Errorf("at most %d files in an hour folder, want several", busiest)
	}
	if d.maxPerFile < 2 {
		t.Errorf("at most %d records in a file, want several", d.maxPerFile)
	}
}

func TestGenerateRhythm(t *testing.T) {
	_, _, d := coverage(t)
	// us-east-1 is UTC-5: 15:00 UTC is 10:00 local, 08:00 UTC is 03:00 local.
	var peak, night, weekday, weekend int
	for _, r := range d.records {
		if r.Region != "us-east-1" {
			continue
		}
		local := r.Timestamp.Add(-5 * time.Hour)
		we := local.Weekday() == time.Saturday || local.Weekday() == time.Sunday
		if !we {
			weekday++
			switch local.Hour() {
			case 10:
				peak++
			case 3:
				night++
			}
		} else {
			weekend++
		}
	}
	if peak < 5*night {
		t.Errorf("us-east-1 weekdays: %d records at 10:00 local, %d at 03:00, want the peak over 5 times the night", peak, night)
	}
	// December 2025 has 21 weekdays and 9 weekend days in the range (1st to 30th, local).
	perWeekday, perWeekendDay := float64(weekday)/21, float64(weekend)/9
	if perWeekendDay > perWeekday/2 {
		t.Errorf("us-east-1: %.0f records per weekend day, %.0f per weekday, want weekends quieter", perWeekendDay, perWeekday)
	}
}

func TestGenerateScenarioCoverage(t *testing.T) {
	cfg, _, d := coverage(t)
	apps := ApplicationProfiles(cfg)
	long := map[string]bool{"anthropic.claude-sonnet-4-20250514-v1:0": true, "anthropic.claude-sonnet-4-5-20250929-v1:0": true}

	seen := map[string]bool{}
	mark := func(k string) { seen[k] = true }
	for _, r := range d.records {
		ref := invocationlog.ParseModelID(r.ModelID)
		base := ref.Base
		if ref.Kind == invocationlog.ModelAppProfileARN {
			b, ok := apps[r.ModelID]
			if !ok {
				t.Errorf("application profile %s is not in ApplicationProfiles", r.ModelID)
			}
			base = b
		}
		mark("model " + base)
		mark("kind " + string(ref.Kind))
		if ref.Prefix != "" {
			mark("prefix " + ref.Prefix)
			if r.InferenceRegion == "" {
				t.Errorf("%s: cross-region call via %s without inferenceRegion", r.RequestID, r.ModelID)
			}
		}
		if ref.Kind == invocationlog.ModelBare && ref.Prefix == "" && r.InferenceRegion != "" {
			t.Errorf("%s: in-region call to %s with inferenceRegion %s", r.RequestID, r.ModelID, r.InferenceRegion)
		}
		mark("op " + r.Operation)
		mark("region " + r.Region)
		c := invocationlog.ParseARN(r.Identity.ARN)
		mark("caller " + string(c.Kind))
		if c.App() != "" {
			mark("app " + c.App())
		}
		if c.Kind == invocationlog.CallerIAMUser {
			mark("user " + c.Name)
		}
		if r.Failed() {
			mark("error " + r.ErrorCode)
			if r.Output.OutputTokenCount != 0 {
				t.Errorf("%s: failed call with %d output tokens, want 0", r.RequestID, r.Output.OutputTokenCount)
			}
		}
		if r.Input.CacheReadInputTokenCount > 0 {
			mark("cache read")
		}
		if r.Input.CacheWriteInputTokenCount > 0 {
			mark("cache write")
		}
		if analytics.MeasuresOf(&r).OverLongContext() {
			mark("long context")
			if !long[base] {
				t.Errorf("%s: %d input tokens on %s, want long context only on Sonnet 4 and 4.5", r.RequestID, analytics.MeasuresOf(&r).ContextInputTokens(), base)
			}
		}
		for k := range r.RequestMetadata {
			mark("metadata " + k)
		}
		if r.AccountID != cfg.Account || c.Account != cfg.Account {
			t.Errorf("%s: account %s, caller account %s, want %s", r.RequestID, r.AccountID, c.Account, cfg.Account)
		}
	}
	want := []string{
		"kind " + string(invocationlog.ModelBare), "kind " + string(invocationlog.ModelProfile),
		"kind " + string(invocationlog.ModelProfileARN), "kind " + string(invocationlog.ModelFoundationARN),
		"kind " + string(invocationlog.ModelAppProfileARN),
		"prefix us", "prefix eu", "prefix apac", "prefix jp", "prefix global",
		"op InvokeModel", "op InvokeModelWithResponseStream", "op Converse", "op ConverseStream",
		"caller assumed-role", "caller iam-user", "caller identity-center",
		"app CustomerServiceApp-BedrockRole", "app DataAnalysisApp-BedrockRole", "app ChatbotApp-BedrockRole", "app DocumentProcessorApp-BedrockRole",
		"user MobileApp", "user WebPortal", "user BackendAPI", "user ReportingService",
		"error ThrottlingException", "error ValidationException",
		"cache read", "cache write", "long context",
		"metadata tenant_id", "metadata team", "metadata cost_center", "metadata environment",
		"model " + UnknownModelID,
	}
	for _, m := range Models() {
		want = append(want, "model "+m.ID)
	}
	for _, r := range DefaultRegions {
		want = append(want, "region "+r)
	}
	for _, w := range want {
		if !seen[w] {
			t.Errorf("no record with %s in %d records", w, len(d.records))
		}
	}
}

// TestGenerateBodies checks the body shapes of each operation and the data/ objects.
func TestGenerateBodies(t *testing.T) {
	cfg, _, d := coverage(t)
	done, inputS3, outputS3 := 0, 0, 0
	for _, r := range d.records {
		if r.Input.InputBodyS3Path != "" {
			inputS3++
			if len(r.Input.InputBodyJSON) != 0 {
				t.Errorf("%s: both inputBodyJson and inputBodyS3Path", r.RequestID)
			}
			checkBodyObject(t, cfg, r, r.Input.InputBodyS3Path, d.bodies)
		} else if !json.Valid(r.Input.InputBodyJSON) {
			t.Errorf("%s: inputBodyJson is not JSON", r.RequestID)
		}
		if r.Output.OutputBodyS3Path != "" {
			outputS3++
			checkBodyObject(t, cfg, r, r.Output.OutputBodyS3Path, d.bodies)
			continue
		}
		if r.Failed() {
			if len(r.Output.OutputBodyJSON) != 0 {
				t.Errorf("%s: failed call with an output body", r.RequestID)
			}
			continue
		}
		switch r.Operation {
		case invocationlog.OpInvokeModelWithResponseStream:
			var events []any
			if err := json.Unmarshal(r.Output.OutputBodyJSON, &events); err != nil {
				t.Fatalf("%s: stream output is not an array: %v", r.RequestID, err)
			}
			first, _ := events[0].(map[string]any)
			if first["type"] != "message_start" {
				t.Errorf("%s: stream starts with %v, want message_start", r.RequestID, events[0])
			}
			if s, ok := events[len(events)-1].(string); ok {
				if s != "[DONE]" {
					t.Errorf("%s: stream ends with string %q", r.RequestID, s)
				}
				done++
			}
		case invocationlog.OpInvokeModel:
			var m struct {
				Type  string
				Usage struct {
					InputTokens  int64 `json:"input_tokens"`
					OutputTokens int64 `json:"output_tokens"`
				}
			}
			if err := json.Unmarshal(r.Output.OutputBodyJSON, &m); err != nil || m.Type != "message" {
				t.Fatalf("%s: InvokeModel output %s is not an Anthropic message (%v)", r.RequestID, r.Output.OutputBodyJSON, err)
			}
			if m.Usage.InputTokens != r.Input.InputTokenCount || m.Usage.OutputTokens != r.Output.OutputTokenCount {
				t.Errorf("%s: body usage %d/%d, record %d/%d", r.RequestID, m.Usage.InputTokens, m.Usage.OutputTokens, r.Input.InputTokenCount, r.Output.OutputTokenCount)
			}
		default:
			var c struct {
				Output struct {
					Message struct{ Role string }
				}
				Usage struct{ InputTokens, OutputTokens int64 }
			}
			if err := json.Unmarshal(r.Output.OutputBodyJSON, &c); err != nil || c.Output.Message.Role != "assistant" {
				t.Fatalf("%s: %s output %s has no output.message (%v)", r.RequestID, r.Operation, r.Output.OutputBodyJSON, err)
			}
			if c.Usage.InputTokens != r.Input.InputTokenCount || c.Usage.OutputTokens != r.Output.OutputTokenCount {
				t.Errorf("%s: body usage %d/%d, record %d/%d", r.RequestID, c.Usage.InputTokens, c.Usage.OutputTokens, r.Input.InputTokenCount, r.Output.OutputTokenCount)
			}
		}
	}
	if done == 0 {
		t.Error("no stream ends with \"[DONE]\"")
	}
	if inputS3 == 0 || outputS3 == 0 {
		t.Errorf("%d input and %d output bodies in data/ objects, want some of each", inputS3, outputS3)
	}
	if inputS3+outputS3 != len(d.bodies) {
		t.Errorf("%d records point at data/ objects, %d objects exist", inputS3+outputS3, len(d.bodies))
	}
}

// checkBodyObject checks that an s3:// body path names a data/ object of the record's hour
// holding over 100 KB of JSON.
func checkBodyObject(t *testing.T, cfg Config, r invocationlog.Record, s3path string, bodies map[string]bool) {
	t.Helper()
	bucket := "bedrock-logs-" + cfg.Account + "-" + r.Region
	key, ok := strings.CutPrefix(s3path, "s3://"+bucket+"/")
	if !ok {
		t.Errorf("%s: body path %s is not in bucket %s", r.RequestID, s3path, bucket)
		return
	}
	loc, ok := invocationlog.ParseLocation(key)
	if !ok || !loc.Body || !loc.Hour.Equal(r.Timestamp.Truncate(time.Hour)) || !strings.HasPrefix(loc.Name, r.RequestID+"_") {
		t.Errorf("%s: body key %s is not a data/ object of the record's hour", r.RequestID, key)
	}
	if !bodies[key] {
		t.Errorf("%s: body object %s does not exist", r.RequestID, key)
		return
	}
	f, err := os.Open(filepath.Join(cfg.Out, filepath.FromSlash(key)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	if len(b) < 100_000 || !json.Valid(b) {
		t.Errorf("%s: %d bytes, valid JSON %v; want over 100 KB of JSON", key, len(b), json.Valid(b))
	}
}

func TestGenerateExactCountsAndRanges(t *testing.T) {
	tests := []struct {
		name         string
		since, until time.Time
		records      int
		regions      []string
	}{
		{"one record", dec1, dec1.Add(time.Hour), 1, []string{"us-east-1"}},
		{"partial hours with fractional bounds", dec1.Add(17*time.Minute + 300*time.Millisecond), dec1.Add(2*time.Hour + 3*time.Minute + 500*time.Millisecond), 997, nil},
		{"an unlisted region", dec1, dec1.Add(6 * time.Hour), 500, []string{"sa-east-1", "ap-southeast-2"}},
		{"one minute", dec1.Add(59 * time.Minute), dec1.Add(time.Hour), 50, []string{"eu-central-1"}},
		{"before any Claude 4 model", time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 7, 3, 0, 0, 0, 0, time.UTC), 400, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Config{Out: t.TempDir(), Since: tt.since, Until: tt.until, Records: tt.records, Regions: tt.regions, Seed: 3}
			st, err := Generate(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			d := decodeTree(t, cfg.Out)
			if got := len(d.records); got != tt.records || st.Records != int64(tt.records) {
				t.Errorf("got %d records (stats %d), want %d", got, st.Records, tt.records)
			}
			if d.skipped.Total() != 0 {
				t.Errorf("decoder skipped %+v", d.skipped)
			}
			regions := tt.regions
			if regions == nil {
				regions = DefaultRegions
			}
			for _, r := range d.records {
				if r.Timestamp.Before(tt.since) || !r.Timestamp.Before(tt.until) {
					t.Fatalf("record at %s outside [%s, %s)", r.Timestamp, tt.since, tt.until)
				}
				if !slices.Contains(regions, r.Region) {
					t.Fatalf("record in region %s, want one of %v", r.Region, regions)
				}
				if base := invocationlog.BaseModelID(r.ModelID); base != "" {
					for _, m := range models {
						if m.ID == base && m.Released.After(r.Timestamp) {
							t.Errorf("call to %s on %s, before its release on %s", base, r.Timestamp.Format(time.DateOnly), m.Released.Format(time.DateOnly))
						}
					}
				}
			}
		})
	}
}

func TestGenerateRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no folder", Config{Since: dec1, Until: dec31}, "no output folder"},
		{"empty range", Config{Out: "x", Since: dec1, Until: dec1}, "is not before"},
		{"no since", Config{Out: "x", Until: dec1}, "required"},
		{"sub-second range", Config{Out: "x", Since: dec1.Add(100 * time.Millisecond), Until: dec1.Add(900 * time.Millisecond)}, "no whole second"},
		{"bad account", Config{Out: "x", Since: dec1, Until: dec31, Account: "12345"}, "12-digit"},
		{"negative records", Config{Out: "x", Since: dec1, Until: dec31, Records: -1}, "negative"},
		{"bad region", Config{Out: "x", Since: dec1, Until: dec31, Regions: []string{"us-east-1/x"}}, "not a region"},
		{"escaping prefix", Config{Out: "x", Since: dec1, Until: dec31, Prefix: "../up/"}, "relative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Generate(context.Background(), tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestGenerateStopsWhenCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Generate(ctx, Config{Out: t.TempDir(), Since: dec1, Until: dec31, Records: 5000})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

func TestPrefix(t *testing.T) {
	tests := []struct{ prefix, wantDir string }{
		{"", "bedrock-logs/AWSLogs"},
		{"logs", "logs/AWSLogs"},
		{"a/b/", "a/b/AWSLogs"},
		{"/", "AWSLogs"},
	}
	for _, tt := range tests {
		t.Run(tt.prefix, func(t *testing.T) {
			out := t.TempDir()
			if _, err := Generate(context.Background(), Config{Out: out, Prefix: tt.prefix, Since: dec1, Until: dec1.Add(time.Hour), Records: 3}); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(tt.wantDir))); err != nil {
				t.Errorf("prefix %q: %v", tt.prefix, err)
			}
		})
	}
}

func TestAllocateIsExact(t *testing.T) {
	tests := []struct {
		name    string
		weights []float64
		n       int
	}{
		{"even", []float64{1, 1, 1}, 10},
		{"fewer records than cells", []float64{0.3, 0.2, 0.9, 0.1}, 2},
		{"uneven", []float64{1e-9, 0.5, 123.4, 7}, 1_000_003},
		{"one cell", []float64{0.01}, 99},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cells := make([]cell, len(tt.weights))
			for i, w := range tt.weights {
				cells[i].w = w
			}
			allocate(cells, tt.n)
			sum := 0
			for _, c := range cells {
				if c.n < 0 {
					t.Errorf("negative count %d", c.n)
				}
				sum += c.n
			}
			if sum != tt.n {
				t.Errorf("got %d records, want %d", sum, tt.n)
			}
		})
	}
}

func TestApplicationProfiles(t *testing.T) {
	cfg := Config{Account: "111122223333", Regions: []string{"us-east-1", "ap-southeast-1"}}
	ids := map[string]bool{}
	for _, m := range Models() {
		ids[m.ID] = true
	}
	got := ApplicationProfiles(cfg)
	if len(got) != 2*len(appTemplates) {
		t.Errorf("got %d profiles, want %d", len(got), 2*len(appTemplates))
	}
	for arn, base := range got {
		ref := invocationlog.ParseModelID(arn)
		if ref.Kind != invocationlog.ModelAppProfileARN || ref.Account != "111122223333" || len(ref.Resource) != 12 {
			t.Errorf("%s parses as %+v, want an application profile ARN of account 111122223333 with a 12-character id", arn, ref)
		}
		if !ids[base] {
			t.Errorf("%s maps to %s, not a generated model", arn, base)
		}
	}
}

// TestGolden pins the record format: the decompressed files of a small run.
func TestGolden(t *testing.T) {
	out := t.TempDir()
	cfg := Config{Out: out, Since: time.Date(2025, 12, 2, 9, 55, 0, 0, time.UTC), Until: time.Date(2025, 12, 2, 10, 5, 0, 0, time.UTC),
		Records: 12, Regions: []string{"ap-northeast-1"}, Seed: 1}
	if _, err := Generate(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	var paths []string
	filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			paths = append(paths, p)
		}
		return err
	})
	slices.Sort(paths)
	for _, p := range paths {
		rel, _ := filepath.Rel(out, p)
		got.WriteString("== " + filepath.ToSlash(rel) + "\n")
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		if zr, err := gzip.NewReader(f); err == nil {
			io.Copy(&got, zr)
		}
		f.Close()
	}
	golden.Assert(t, filepath.Join("testdata", "golden.txt"), got.Bytes())
}

// BenchmarkGenerate writes 100,000 records a run over a week and reports records/s.
func BenchmarkGenerate(b *testing.B) {
	const n = 100_000
	for b.Loop() {
		out := b.TempDir()
		st, err := Generate(context.Background(), Config{Out: out, Since: dec1, Until: dec1.Add(7 * 24 * time.Hour), Records: n})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(st.Bytes)/n, "gzB/record")
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// TestGenerateSessionPerCall: with SessionPerCall every call through an application role
// ({App}-BedrockRole) has a session name of its own in one of the generated shapes, while the
// default keeps the few named sessions the reports group by.
func TestGenerateSessionPerCall(t *testing.T) {
	shape := regexp.MustCompile(`^(botocore-session-\d{10}|aws-go-sdk-\d{19}|i-0[0-9a-f]{16}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})$`)
	sessions := func(perCall bool) (calls int, distinct map[string]bool, odd []string) {
		cfg := Config{Out: t.TempDir(), Since: dec1, Until: dec1.Add(24 * time.Hour), Seed: 3, Records: 3000, SessionPerCall: perCall}
		if _, err := Generate(context.Background(), cfg); err != nil {
			t.Fatal(err)
		}
		distinct = make(map[string]bool)
		for _, r := range decodeTree(t, cfg.Out).records {
			_, rest, ok := strings.Cut(r.Identity.ARN, ":assumed-role/")
			if !ok {
				continue
			}
			role, s, _ := strings.Cut(rest, "/")
			if !strings.HasSuffix(role, "-BedrockRole") {
				continue // people through SSO roles keep their names
			}
			calls++
			distinct[s] = true
			if !shape.MatchString(s) {
				odd = append(odd, s)
			}
		}
		return calls, distinct, odd
	}
	calls, distinct, odd := sessions(true)
	if calls < 1000 || len(distinct) != calls {
		t.Errorf("SessionPerCall: %d role calls with %d distinct sessions, want one session per call (and over 1000 calls)", calls, len(distinct))
	}
	if len(odd) > 0 {
		t.Errorf("SessionPerCall: sessions %q are not of a generated shape", odd[:min(len(odd), 5)])
	}
	calls, distinct, odd = sessions(false)
	if len(distinct) > 50 || len(odd) == 0 {
		t.Errorf("default: %d role calls with %d distinct sessions (%d of generated shape), want a few named sessions", calls, len(distinct), calls-len(odd))
	}
}
