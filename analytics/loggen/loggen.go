// Package loggen writes synthetic Amazon Bedrock model invocation logs, laid out, named and
// compressed as Bedrock writes them to S3, for demos, tests and benchmarks.
//
// The logs model the original system's scenarios: four role-based applications with several
// sessions each, user-agent style applications calling as IAM users, Identity Center users,
// six regions, every Claude model from Claude 3 Haiku to Claude Opus 4.5 through every
// modelId form (bare ids, geographic and global inference profiles, inference-profile ARNs,
// foundation-model ARNs, application inference profiles), the four operations with their body
// shapes, prompt caching, long-context calls, requestMetadata, failed calls, a daily and
// weekly rhythm, large bodies offloaded to data/ objects, and files delivered into the next
// hour's folder.
//
// Output is deterministic: the same Config writes the same bytes, whatever the number of CPUs
// or workers. Generation streams: memory does not grow with the number of records.
package loggen

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/bedrock-usage/bedrock-usage/deployment"
)

// Config says what to generate.
type Config struct {
	// Out is the folder; files go under Out/{Prefix}AWSLogs/{Account}/BedrockModelInvocationLogs/{region}/YYYY/MM/DD/HH/.
	Out string
	// Prefix is the key prefix, default deployment.LogPrefix ("bedrock-logs/"). A
	// missing trailing slash is added; "/" means no prefix (logs at the bucket root).
	Prefix string
	// Account is the AWS account id, default "123456789012".
	Account string
	// Since and Until are the half-open UTC range [Since, Until) of record timestamps.
	Since, Until time.Time
	// Seed makes the logs: the same Config writes the same bytes.
	Seed int64
	// Records is the exact number of log records to write (default 20000).
	Records int
	// Regions are the regions that get logs (default DefaultRegions).
	Regions []string
	// Bucket is the bucket name written into inputBodyS3Path and outputBodyS3Path of records
	// whose bodies went to data/ objects; "{account}" and "{region}" are replaced. Default
	// "bedrock-logs-{account}-{region}", the bucket the bedrock-usage CDK app creates.
	Bucket string
	// Workers is the number of hours written at once (default GOMAXPROCS). It changes speed,
	// never the output.
	Workers int
	// BodyText is the most bytes of text a prompt gets in a logged body (default 600; a
	// reply gets five sixths of it). Bodies are short by default so that generating millions
	// of records stays fast; a few thousand gives records of the size real traffic logs
	// (about 5 KB each), which is what the scale benchmark reads.
	BodyText int
	// SessionPerCall gives every call of an application role its own generated role
	// session name, in the shapes SDK defaults, Lambda workers and ECS tasks produce
	// (botocore-session-1700000000, aws-go-sdk-…, instance ids, UUIDs, task ids): one user
	// per call, the worst case for per-user grouping.
	SessionPerCall bool
	// Progress, when set, is called with the running totals after each region-hour is written.
	// Calls are serialized.
	Progress func(Stats)
}

// Stats counts what Generate wrote.
type Stats struct {
	Records     int64 // log records
	Files       int64 // log files (*.json.gz)
	BodyObjects int64 // data/ body objects
	FailedCalls int64 // records with an errorCode
	Bytes       int64 // gzip bytes written: log files and body objects
}

func (s *Stats) add(o Stats) {
	s.Records += o.Records
	s.Files += o.Files
	s.BodyObjects += o.BodyObjects
	s.FailedCalls += o.FailedCalls
	s.Bytes += o.Bytes
}

// Defaults.
const (
	DefaultAccount = "123456789012"
	DefaultRecords = 20000
	DefaultBucket  = "bedrock-logs-{account}-{region}"
)

// PermissionCheckName is the zero-byte object Bedrock writes at the key prefix when logging is
// set up. It is not a log file.
const PermissionCheckName = "amazon-bedrock-logs-permission-check"

// maxRecordsPerFile caps the records of one log file; a busier delivery window is split.
const maxRecordsPerFile = 500

func (c Config) withDefaults() Config {
	switch {
	case c.Prefix == "":
		c.Prefix = deployment.LogPrefix
	case c.Prefix == "/":
		c.Prefix = ""
	case !strings.HasSuffix(c.Prefix, "/"):
		c.Prefix += "/"
	}
	if c.Account == "" {
		c.Account = DefaultAccount
	}
	if c.Records == 0 {
		c.Records = DefaultRecords
	}
	if len(c.Regions) == 0 {
		c.Regions = DefaultRegions
	}
	// Sorted and unique, so the order regions are given in changes nothing.
	c.Regions = slices.Compact(slices.Sorted(slices.Values(c.Regions)))
	if c.Bucket == "" {
		c.Bucket = DefaultBucket
	}
	if c.BodyText <= 0 {
		c.BodyText = 600
	}
	if c.Workers <= 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	c.Since, c.Until = c.Since.UTC(), c.Until.UTC()
	return c
}

func (c Config) validate() error {
	if c.Out == "" {
		return errors.New("no output folder")
	}
	if c.Records < 0 {
		return fmt.Errorf("records %d is negative", c.Records)
	}
	if c.Since.IsZero() || c.Until.IsZero() {
		return errors.New("since and until are required")
	}
	if !c.Since.Before(c.Until) {
		return fmt.Errorf("since %s is not before until %s", c.Since.Format(time.RFC3339), c.Until.Format(time.RFC3339))
	}
	if ceilSec(c.Since) >= ceilSec(c.Until) {
		return fmt.Errorf("range %s to %s holds no whole second", c.Since.Format(time.RFC3339Nano), c.Until.Format(time.RFC3339Nano))
	}
	if len(c.Account) != 12 || strings.Trim(c.Account, "0123456789") != "" {
		return fmt.Errorf("account %q is not a 12-digit AWS account id", c.Account)
	}
	for _, r := range c.Regions {
		if r == "" || strings.ContainsAny(r, "/\\ ") {
			return fmt.Errorf("region %q is not a region name", r)
		}
	}
	if strings.Contains(c.Prefix, "..") || strings.HasPrefix(c.Prefix, "/") {
		return fmt.Errorf("prefix %q must be a relative key prefix", c.Prefix)
	}
	return nil
}

// ceilSec is t's Unix time in seconds, rounded up.
func ceilSec(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

// Generate writes cfg.Records log records under cfg.Out and returns what it wrote. Files are
// written by cfg.Workers goroutines, one region-hour each; the output does not depend on it.
func Generate(ctx context.Context, cfg Config) (Stats, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return Stats{}, fmt.Errorf("loggen: %w", err)
	}
	p := newPlan(cfg)
	root := filepath.Join(cfg.Out, filepath.FromSlash(cfg.Prefix))
	if err := os.MkdirAll(root, 0o755); err != nil {
		return Stats{}, fmt.Errorf("loggen: %w", err)
	}
	if err := os.WriteFile(filepath.Join(root, PermissionCheckName), nil, 0o644); err != nil {
		return Stats{}, fmt.Errorf("loggen: %w", err)
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu      sync.Mutex
		total   Stats
		firstEr error
		wg      sync.WaitGroup
	)
	next := make(chan int)
	for w := 0; w < min(cfg.Workers, max(len(p.cells), 1)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g := newCellWriter(p)
			for i := range next {
				st, err := g.write(ctx, &p.cells[i])
				mu.Lock()
				total.add(st)
				if err != nil && firstEr == nil {
					firstEr = err
					cancel()
				}
				if err == nil && cfg.Progress != nil {
					cfg.Progress(total)
				}
				mu.Unlock()
			}
		}()
	}
dispatch:
	for i := range p.cells {
		if p.cells[i].n == 0 {
			continue
		}
		select {
		case next <- i:
		case <-ctx.Done():
			break dispatch
		}
	}
	close(next)
	wg.Wait()
	if firstEr == nil && ctx.Err() != nil {
		firstEr = ctx.Err()
	}
	if firstEr != nil {
		return total, fmt.Errorf("loggen: %w", firstEr)
	}
	return total, nil
}

// plan is the fixed part of a run: the region-hour cells and their record counts, and the
// per-region tables of modelId forms.
type plan struct {
	cfg     Config
	regions []*regionPlan
	cells   []cell
}

// cell is one region-hour.
type cell struct {
	region *regionPlan
	hour   time.Time // UTC hour start
	lo, hi int64     // Unix seconds of record timestamps: [lo, hi)
	w      float64   // traffic weight
	busy   float64   // rhythm factor 0..1 (throttling goes up with it)
	n      int       // records
}

type regionPlan struct {
	name   string
	bucket string
	// forms[m] are the ways model m is called from this region; formCum[m] their
	// cumulative weights.
	forms   [][]form
	formCum [][]float64
	// apps are the region's application inference profiles, by template name.
	apps map[string]appForm
}

// form is one modelId as logged, with the profile geography it routes through ("" for
// in-region calls).
type form struct {
	id  string
	geo string
	w   float64
}

type appForm struct {
	arn   string
	model int
	geo   string
}

func newPlan(cfg Config) *plan {
	p := &plan{cfg: cfg}
	for _, r := range cfg.Regions {
		p.regions = append(p.regions, newRegionPlan(cfg, r))
	}
	start := cfg.Since.Truncate(time.Hour)
	lo, hi := ceilSec(cfg.Since), ceilSec(cfg.Until)
	for _, rp := range p.regions {
		share, ok := regionShare[rp.name]
		if !ok {
			share = 0.1
		}
		for h := start; h.Before(cfg.Until); h = h.Add(time.Hour) {
			c := cell{region: rp, hour: h, lo: max(lo, h.Unix()), hi: min(hi, h.Unix()+3600)}
			if c.hi <= c.lo {
				continue
			}
			rng := newRNG(cfg.Seed, rp.name, h.Unix(), saltPlan)
			c.busy = rhythm(h, utcOffset(rp.name))
			noise := 0.8 + 0.4*rng.Float64()
			c.w = share * c.busy * noise * float64(c.hi-c.lo) / 3600
			p.cells = append(p.cells, c)
		}
	}
	allocate(p.cells, cfg.Records)
	return p
}

// allocate splits n records over the cells in proportion to their weights, exactly (largest
// remainder).
func allocate(cells []cell, n int) {
	if len(cells) == 0 || n == 0 {
		return
	}
	var sum float64
	for _, c := range cells {
		sum += c.w
	}
	type rem struct {
		i int
		f float64
	}
	rems := make([]rem, len(cells))
	left := n
	for i := range cells {
		q := float64(n) * cells[i].w / sum
		f := math.Floor(q)
		cells[i].n = int(f)
		left -= cells[i].n
		rems[i] = rem{i, q - f}
	}
	slices.SortStableFunc(rems, func(a, b rem) int {
		switch {
		case a.f > b.f:
			return -1
		case a.f < b.f:
			return 1
		}
		return 0
	})
	for k := 0; left > 0; k = (k + 1) % len(rems) {
		cells[rems[k].i].n++
		left--
	}
	for left < 0 { // float rounding gave too many: take them back from the largest cells
		i := 0
		for j := range cells {
			if cells[j].n > cells[i].n {
				i = j
			}
		}
		cells[i].n--
		left++
	}
}

// hourWeights is the traffic of a local hour of a working day, 1 at the peak.
var hourWeights = [24]float64{
	0.05, 0.04, 0.04, 0.04, 0.05, 0.07, 0.12, 0.3, 0.6, 0.95, 1, 1,
	0.8, 0.95, 1, 1, 0.9, 0.7, 0.45, 0.3, 0.22, 0.16, 0.1, 0.07,
}

// rhythm is the traffic weight of a UTC hour in a region with the given UTC offset: weekday
// business-hours peaks, quiet nights and weekends.
func rhythm(hourUTC time.Time, offset int) float64 {
	local := hourUTC.Add(time.Duration(offset) * time.Hour)
	w := hourWeights[local.Hour()]
	if wd := local.Weekday(); wd == time.Saturday || wd == time.Sunday {
		w *= 0.22
	}
	return w
}

// businessHours reports whether a UTC hour is a local working-day business hour.
func businessHours(hourUTC time.Time, offset int) bool {
	local := hourUTC.Add(time.Duration(offset) * time.Hour)
	wd := local.Weekday()
	return wd != time.Saturday && wd != time.Sunday && local.Hour() >= 8 && local.Hour() < 19
}

func newRegionPlan(cfg Config, region string) *regionPlan {
	rp := &regionPlan{
		name:   region,
		bucket: strings.NewReplacer("{account}", cfg.Account, "{region}", region).Replace(cfg.Bucket),
		forms:  make([][]form, len(models)),
		apps:   make(map[string]appForm),
	}
	geos := regionGeos(region)
	for i, m := range models {
		var fs []form
		if slices.Contains(m.BareRegions, region) {
			fs = append(fs,
				form{id: m.ID, w: 3},
				form{id: "arn:aws:bedrock:" + region + "::foundation-model/" + m.ID, w: 0.2})
		}
		for gi, g := range geos {
			if !slices.Contains(m.Geos, g) {
				continue
			}
			w := 4.0
			if gi > 0 { // jp or au beside apac
				w = 2
			}
			fs = append(fs,
				form{id: g + "." + m.ID, geo: g, w: w},
				form{id: "arn:aws:bedrock:" + region + ":" + cfg.Account + ":inference-profile/" + g + "." + m.ID, geo: g, w: 0.4})
		}
		if slices.Contains(m.Geos, "global") {
			fs = append(fs,
				form{id: "global." + m.ID, geo: "global", w: 1.5},
				form{id: "arn:aws:bedrock:" + region + ":" + cfg.Account + ":inference-profile/global." + m.ID, geo: "global", w: 0.15})
		}
		if len(fs) == 0 {
			// Not offered here: the caller still tries the bare id (Bedrock would refuse some
			// of these calls; the logs keep them simple).
			fs = append(fs, form{id: m.ID, w: 1})
		}
		rp.forms[i] = fs
		ws := make([]float64, len(fs))
		for j, f := range fs {
			ws[j] = f.w
		}
		rp.formCum = append(rp.formCum, cumulative(ws))
	}
	for _, t := range appTemplates {
		ap := newAppProfile(cfg.Account, region, t)
		geo, _, _ := strings.Cut(ap.Source, ".")
		if ap.Source == models[t.model].ID {
			geo = ""
		}
		rp.apps[t.name] = appForm{arn: ap.ARN, model: t.model, geo: geo}
	}
	return rp
}
