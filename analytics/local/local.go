// Package local is the embedded engine: it reads Bedrock model invocation logs from a local
// folder or an s3://bucket/prefix, decodes them in parallel on all cores and aggregates them
// in process. Memory is bounded by the number of usage groups, not by the size of the input:
// each worker (one per core) streams one file at a time into its own analytics.Aggregator,
// and the aggregators are merged at the end. Fetching is a separate, bounded stage (16 S3
// GETs in flight by default; objects up to 1 MiB are read whole, larger ones streamed).
//
// Only the hour folders a query needs are read: in a folder tree that follows the Bedrock
// layout ({prefix}AWSLogs/{account}/BedrockModelInvocationLogs/{region}/YYYY/MM/DD/HH/), whole
// years, months, days, hours and regions outside the query are skipped without being opened;
// on S3 only the hour prefixes in range are listed. Files outside the layout (a single NDJSON
// file, a folder of them) are read and filtered by each record's own timestamp.
package local

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
)

// Engine is this engine's name (--engine local, analytics.Scan.Engine).
const Engine = "local"

// Source reads logs from a folder, a single file or an S3 prefix. It is safe for concurrent
// use; each Usage call reads the logs again.
type Source struct {
	root     string
	workers  int
	fetchers int
	lists    int
	progOut  io.Writer
	lister   lister
	// fetchBodies is the most offloaded response bodies a report reads (0: none).
	fetchBodies int
	// memLimit is the live heap, in bytes, past which a report stops (0: no limit).
	memLimit int64

	// S3 only.
	client S3API
	awsCfg *aws.Config
	s3Opts []func(*s3.Options)
}

var _ analytics.Source = (*Source)(nil)

// Option configures a Source.
type Option func(*Source)

// WithS3Client uses c for an s3:// root, as it is (its region is not changed).
func WithS3Client(c S3API) Option { return func(s *Source) { s.client = c } }

// WithAWSConfig builds the S3 client for an s3:// root from cfg (instead of the default
// credential chain) with optFns applied, in the bucket's own region.
func WithAWSConfig(cfg aws.Config, optFns ...func(*s3.Options)) Option {
	return func(s *Source) {
		s.awsCfg = &cfg
		s.s3Opts = optFns
	}
}

// WithWorkers sets the number of files decoded at once, each worker with its own
// aggregator; the default is runtime.GOMAXPROCS(0).
func WithWorkers(n int) Option {
	return func(s *Source) {
		if n > 0 {
			s.workers = n
		}
	}
}

// WithFetchers sets the number of S3 GETs in flight (default 16). Objects up to 1 MiB are
// read whole by the fetcher, larger ones are streamed into a decoder, so memory stays
// bounded by about fetchers × 1 MiB whatever the number of workers.
func WithFetchers(n int) Option {
	return func(s *Source) {
		if n > 0 {
			s.fetchers = n
		}
	}
}

// WithListers sets the number of S3 hour prefixes listed at once (default 16).
func WithListers(n int) Option {
	return func(s *Source) {
		if n > 0 {
			s.lists = n
		}
	}
}

// WithProgress writes a single updating progress line to w (files done and found, records,
// megabytes read and the read rate), at most ten times a second, ended by a newline.
// Without it nothing is written.
func WithProgress(w io.Writer) Option { return func(s *Source) { s.progOut = w } }

// WithMemoryLimit stops a report with a *MemoryError when the live heap passes bytes while
// it runs (bytes <= 0: no limit, the default), so that a period too large for the machine
// fails with a message instead of the process being killed.
func WithMemoryLimit(bytes int64) Option { return func(s *Source) { s.memLimit = bytes } }

// New returns a Source over a local folder, a single log file, or an "s3://bucket/prefix"
// URL. For S3, unless WithS3Client is given, it loads the default AWS configuration and
// looks up the bucket's region (one HeadBucket call).
func New(ctx context.Context, root string, opts ...Option) (*Source, error) {
	s := &Source{root: root, lists: 16}
	for _, o := range opts {
		o(s)
	}
	if s.workers == 0 {
		s.workers = runtime.GOMAXPROCS(0)
	}
	if bucket, prefix, ok := parseS3URL(root); ok {
		if bucket == "" {
			return nil, fmt.Errorf("local: %q: no bucket name", root)
		}
		if s.fetchers == 0 {
			s.fetchers = 16
		}
		if s.client == nil {
			c, err := newS3Client(ctx, bucket, s.awsCfg, s.s3Opts)
			if err != nil {
				return nil, fmt.Errorf("local: %s: %w", root, err)
			}
			s.client = c
		}
		s.lister = &s3Lister{client: s.client, bucket: bucket, prefix: prefix, conc: s.lists}
		return s, nil
	}
	if s.fetchers == 0 {
		s.fetchers = s.workers // opening a file is cheap: one opener per decoder
	}
	info, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("local: log source: %w", err)
	}
	fl := &folderLister{root: root, single: !info.IsDir()}
	if !fl.single {
		fl.fsys = os.DirFS(root)
	}
	s.lister = fl
	return s, nil
}

// parseS3URL splits s3://bucket/prefix.
func parseS3URL(u string) (bucket, prefix string, ok bool) {
	rest, ok := strings.CutPrefix(u, "s3://")
	if !ok {
		return "", "", false
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	return bucket, prefix, true
}

// object is one file or S3 object to decode.
type object struct {
	name string // path or s3:// URL, for skip reports
	open func(ctx context.Context) (io.ReadCloser, error)
	// small is true for an object worth reading whole while it waits for a decoder (an S3
	// object up to smallObject bytes): it frees the connection and hides the GET latency.
	small bool
}

// smallObject is the largest S3 object a fetcher reads whole.
const smallObject = 1 << 20

// opened is an object ready to decode: its stream, or why it could not be opened.
type opened struct {
	name string
	r    io.Reader
	c    io.Closer
	err  error
}

// sink receives what a lister finds.
type sink struct {
	ctx  context.Context
	jobs chan<- object
	st   *counters

	mu       sync.Mutex
	nonLog   invocationlog.Skipped // non-log objects (expected; merged last)
	problems invocationlog.Skipped // listing problems (unreadable folders or prefixes)
}

// file queues a log file; it fails only when the run is cancelled.
func (k *sink) file(o object) error {
	k.st.found.Add(1) // before the send, so the progress line never shows done > found
	select {
	case k.jobs <- o:
		return nil
	case <-k.ctx.Done():
		k.st.found.Add(-1)
		return k.ctx.Err()
	}
}

// skip counts an object that is not a log file, or a part that could not be listed.
func (k *sink) skip(s invocationlog.Skip) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if s.Reason == invocationlog.SkipNonLogObject {
		k.nonLog.Add(s)
	} else {
		k.problems.Add(s)
	}
}

// lister finds the files a query needs.
type lister interface {
	list(ctx context.Context, q analytics.Query, k *sink) error
}

// counters are shared by the workers and read by the progress line.
type counters struct {
	found, done, records, bytes atomic.Int64
	listed                      atomic.Bool
	// openFailed counts objects that could not be opened at all; listOK and listFailed the
	// folder listings that succeeded and failed (S3). A source of which nothing could be
	// read fails the run rather than reporting zero.
	openFailed, listOK, listFailed atomic.Int64
}

// worker decodes files into its own aggregator.
type worker struct {
	dec     *invocationlog.Decoder
	agg     *analytics.Aggregator
	skipped invocationlog.Skipped
	files   int64
	records int64
	st      *counters
	// bodies is set when offloaded bodies are fetched: calls that need theirs wait in
	// pending instead of going into agg.
	bodies  *bodyFetch
	base    string // layoutBase of the file being decoded (folder sources)
	pending []pendingBody
	// q and dedup drop a record of the range whose hour and requestId were counted already
	// (from another source of a Multi).
	q     analytics.Query
	dedup *Dedup
}

// Usage reads every log file the query needs and returns its usage rows.
func (s *Source) Usage(ctx context.Context, q analytics.Query) (*analytics.Result, error) {
	return s.usage(ctx, q, nil)
}

// usage is Usage; dedup, when not nil, drops a record whose hour and requestId it has seen
// (the sources of one Multi call share one).
func (s *Source) usage(ctx context.Context, q analytics.Query, dedup *Dedup) (*analytics.Result, error) {
	if err := q.Validate(); err != nil {
		return nil, fmt.Errorf("local: %w", err)
	}
	runCtx, cancelCause := context.WithCancelCause(ctx)
	cancel := func() { cancelCause(context.Canceled) }
	defer cancel()

	st := new(counters)
	stopWatch := watchMemory(cancelCause, s.memLimit, 100*time.Millisecond, st)
	defer stopWatch()
	jobs := make(chan object, s.workers*4)
	k := &sink{ctx: runCtx, jobs: jobs, st: st}

	var stopProgress func()
	if s.progOut != nil {
		stopProgress = startProgress(s.progOut, st, time.Now())
	}

	var listErr error
	listDone := make(chan struct{})
	go func() {
		defer close(listDone)
		defer close(jobs)
		if err := s.lister.list(runCtx, q, k); err != nil {
			listErr = err
			cancel()
		}
		st.listed.Store(true)
	}()

	// Fetchers open objects (and read small S3 objects whole); workers decode them.
	ready := make(chan opened, s.workers)
	var fetchWG sync.WaitGroup
	for range s.fetchers {
		fetchWG.Go(func() {
			for o := range jobs {
				if runCtx.Err() != nil {
					continue // drain
				}
				op := fetch(runCtx, o, &st.bytes)
				select {
				case ready <- op:
				case <-runCtx.Done():
					if op.c != nil {
						op.c.Close()
					}
				}
			}
		})
	}
	go func() {
		fetchWG.Wait()
		close(ready)
	}()

	var bodies *bodyFetch
	if s.fetchBodies > 0 {
		bodies = &bodyFetch{max: s.fetchBodies}
	}
	workers := make([]*worker, s.workers)
	var wg sync.WaitGroup
	for i := range workers {
		w := &worker{agg: analytics.NewAggregator(q), st: st, bodies: bodies, q: q, dedup: dedup}
		workers[i] = w
		wg.Go(func() {
			for op := range ready {
				if runCtx.Err() == nil {
					w.decode(runCtx, op)
				}
				if op.c != nil {
					op.c.Close()
				}
				st.done.Add(1)
			}
		})
	}
	wg.Wait()
	<-listDone
	if stopProgress != nil {
		stopProgress()
	}
	stopWatch()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var memErr *MemoryError
	if errors.As(context.Cause(runCtx), &memErr) {
		return nil, fmt.Errorf("local: %s: %w", s.root, memErr)
	}
	if listErr != nil {
		return nil, fmt.Errorf("local: %w", listErr)
	}

	// Merge into the largest aggregator, dropping each other one once merged.
	big := slices.MaxFunc(workers, func(a, b *worker) int { return cmp.Compare(a.agg.Len(), b.agg.Len()) })
	total := big.agg
	res := &analytics.Result{}
	var files, records int64
	var pending []pendingBody
	for _, w := range workers {
		if w != big {
			total.Merge(w.agg)
			w.agg = nil
		}
		res.Skipped.Merge(w.skipped)
		files += w.files
		records += w.records
		pending = append(pending, w.pending...)
		w.pending = nil
	}
	var bodyFigures []analytics.Figure
	var bodyFailures []invocationlog.Skip
	if bodies != nil {
		bodyFigures, bodyFailures = s.resolveBodies(ctx, pending, total, bodies.overMax.Load())
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	if err := checkMemory(s.memLimit, st); err != nil {
		return nil, fmt.Errorf("local: %s: %w", s.root, err)
	}
	res.Skipped.Merge(k.problems)
	res.Skipped.Merge(k.nonLog)
	slices.SortStableFunc(res.Skipped.Samples, func(a, b invocationlog.Skip) int {
		return cmp.Or(strings.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line))
	})
	if err := total.Err(); err != nil {
		return nil, fmt.Errorf("local: %w", err)
	}
	if err := nothingRead(st, res.Skipped); err != nil {
		return nil, fmt.Errorf("local: %s: %w", s.root, err)
	}
	res.SetGroups(total)
	res.Candidates = total.Candidates()
	res.Scan = analytics.Scan{
		Engine:  Engine,
		Summary: analytics.FilesSummary,
		Figures: []analytics.Figure{
			{Name: "files", N: files},
			{Name: "bytes", Kind: analytics.FigureBytes, N: st.bytes.Load()},
			{Name: "records", N: records},
			{Name: "out_of_range", N: total.OutOfRange},
		},
		NoInput: files == 0,
	}
	if bodies != nil {
		res.Scan.Figures = append(res.Scan.Figures, bodyFigures...)
		res.Scan.Summary += "; {bodies_fetched} offloaded bodies read: {bodies_resolved} resolved the cache-write TTL, {bodies_unresolved} did not, {bodies_failed} failed, {bodies_over_limit} over the limit"
		if len(bodyFailures) > 0 {
			f := bodyFailures[0]
			res.Scan.Summary += " (first failure: " + strings.NewReplacer("{", "(", "}", ")").Replace(f.File+": "+f.Detail) + ")"
		}
	}
	return res, nil
}

// fetch opens an object; a small one is read whole (a read error after some bytes keeps
// them, and the decoder then sees the error after them).
func fetch(ctx context.Context, o object, shared *atomic.Int64) opened {
	rc, err := o.open(ctx)
	if err != nil {
		return opened{name: o.name, err: err}
	}
	cr := &countingReader{ctx: ctx, r: rc, shared: shared}
	if !o.small {
		return opened{name: o.name, r: cr, c: rc}
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(cr, smallObject+1))
	r := io.Reader(bytes.NewReader(data))
	switch {
	case err != nil:
		r = io.MultiReader(r, errReader{err})
	case len(data) > smallObject:
		// Larger than listed: not worth the surprise, read the rest as a stream.
		return opened{name: o.name, r: io.MultiReader(r, cr), c: rc}
	}
	return opened{name: o.name, r: &countingReader{ctx: ctx, r: r}}
}

// errReader fails every read with err.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// decode streams one opened file into the worker's aggregator.
func (w *worker) decode(ctx context.Context, op opened) {
	if op.err != nil {
		if ctx.Err() == nil {
			w.st.openFailed.Add(1)
			w.skipped.Add(invocationlog.Skip{Reason: invocationlog.SkipUnreadableFile, File: op.name, Detail: op.err.Error()})
		}
		return
	}
	if w.dec == nil {
		w.dec = invocationlog.NewDecoder(op.r, op.name)
	} else {
		w.dec.Reset(op.r, op.name) // reuses its buffers: files are often only kilobytes
	}
	dec := w.dec
	if w.bodies != nil {
		w.base = layoutBase(op.name)
	}
	var rec invocationlog.Record
	var n int64
	for dec.Next(&rec) {
		if w.dedup != nil && rec.RequestID != "" && w.q.InRange(rec.Timestamp) && !w.dedup.first(hourOf(rec.Timestamp), rec.RequestID) {
			if n++; n%1024 == 0 {
				w.st.records.Add(1024)
			}
			continue
		}
		if w.bodies == nil {
			w.agg.Add(&rec)
		} else if row, ok := w.agg.RowOf(&rec); ok {
			if wantsBody(&rec, row) && w.bodies.claim() {
				w.pending = append(w.pending, pendingBody{row: row, url: rec.Output.OutputBodyS3Path, base: w.base})
			} else {
				w.agg.AddRow(row)
			}
		}
		if n++; n%1024 == 0 {
			w.st.records.Add(1024)
		}
	}
	w.st.records.Add(n % 1024)
	w.files++
	w.records += dec.Records()
	w.skipped.Merge(dec.Skipped())
}

// hourOf is t's hour since the Unix epoch.
func hourOf(t time.Time) int32 {
	s := t.Unix()
	h := s / 3600
	if s%3600 < 0 {
		h--
	}
	return int32(h)
}

// countingReader counts bytes as stored (in shared, when set) and stops when ctx is done.
type countingReader struct {
	ctx    context.Context
	r      io.Reader
	shared *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.r.Read(p)
	if c.shared != nil {
		c.shared.Add(int64(n))
	}
	return n, err
}

// ErrNothingReadable is the error of a source of which every object, or every listing,
// failed: a report of zero would hide it (expired credentials fail every GET alike).
var ErrNothingReadable = errors.New("nothing could be read")

// nothingRead is ErrNothingReadable, with the first failure, when every object found failed
// to open, or no object was found because every listing failed.
func nothingRead(st *counters, sk invocationlog.Skipped) error {
	first := ""
	for _, f := range sk.Files {
		if f.Reason == invocationlog.SkipUnreadableFile {
			first = f.File + ": " + f.Detail
			break
		}
	}
	switch found, failed := st.found.Load(), st.openFailed.Load(); {
	case found > 0 && failed == found:
		return fmt.Errorf("%w: all %d log objects failed to open; the first: %s", ErrNothingReadable, found, first)
	case found == 0 && st.listFailed.Load() > 0 && st.listOK.Load() == 0:
		return fmt.Errorf("%w: all %d listings failed (%s of logs); the first: %s", ErrNothingReadable, st.listFailed.Load(), hoursText(sk.UnlistedHours), first)
	}
	return nil
}
