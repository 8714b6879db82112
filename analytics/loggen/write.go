package loggen

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
)

// opNames are the operations in the order of caller.ops.
var opNames = [4]string{
	invocationlog.OpInvokeModel,
	invocationlog.OpInvokeModelWithResponseStream,
	invocationlog.OpConverse,
	invocationlog.OpConverseStream,
}

var (
	callerOpsCum = func() [][]float64 {
		out := make([][]float64, len(callers))
		for i, c := range callers {
			out[i] = cumulative(c.ops[:])
		}
		return out
	}()
	errorCum = func() []float64 {
		ws := make([]float64, len(errorCodes))
		for i, e := range errorCodes {
			ws[i] = e.w
		}
		return cumulative(ws)
	}()
)

// cellWriter writes region-hours. Each worker has its own; it reuses its buffers and gzip
// writers from one file to the next.
type cellWriter struct {
	p   *plan
	cfg Config

	rng  *rand.Rand
	cell *cell
	st   Stats

	// Per cell: the callers active in the region and hour, their weights, and for each the
	// models released by then.
	callerIdx []int
	callerCum []float64
	modelIdx  [][]int
	modelCum  [][]float64
	appOK     map[string]bool
	pFail     float64

	offsets []int64
	rec     []byte // one record
	body    []byte // a body going to a data/ object
	gz      *gzip.Writer
	gzData  *gzip.Writer
	bw      *bufio.Writer
	bwData  *bufio.Writer
	created map[string]bool // folders made
}

func newCellWriter(p *plan) *cellWriter {
	g := &cellWriter{p: p, cfg: p.cfg, appOK: make(map[string]bool), created: make(map[string]bool)}
	g.gz, _ = gzip.NewWriterLevel(io.Discard, gzip.DefaultCompression)
	g.gzData, _ = gzip.NewWriterLevel(io.Discard, gzip.DefaultCompression)
	g.bw = bufio.NewWriterSize(nil, 256<<10)
	g.bwData = bufio.NewWriterSize(nil, 64<<10)
	return g
}

// setup prepares the per-cell tables.
func (g *cellWriter) setup(c *cell) {
	g.cell = c
	g.rng = newRNG(g.cfg.Seed, c.region.name, c.hour.Unix(), saltCell)
	g.st = Stats{}
	offset := utcOffset(c.region.name)
	business := businessHours(c.hour, offset)
	day := c.hour.Truncate(24 * time.Hour)

	g.callerIdx, g.modelIdx, g.modelCum = g.callerIdx[:0], g.modelIdx[:0], g.modelCum[:0]
	var cws []float64
	for i := range callers {
		cl := &callers[i]
		if cl.regions != nil && !slices.Contains(cl.regions, c.region.name) {
			continue
		}
		var mi []int
		var mw []float64
		for _, m := range cl.models {
			if !models[m.m].Released.After(day) {
				mi = append(mi, m.m)
				mw = append(mw, m.w)
			}
		}
		if len(mi) == 0 { // before every model of the caller: it calls an older one
			for _, m := range []int{m3Haiku, m35Sonnet, m3Sonnet} {
				if !models[m].Released.After(day) {
					mi, mw = append(mi, m), append(mw, 1)
				}
			}
			if len(mi) == 0 { // before Claude 3: the oldest model there is
				mi, mw = []int{m3Sonnet}, []float64{1}
			}
		}
		w := cl.weight
		if !business {
			w *= cl.night
		}
		g.callerIdx = append(g.callerIdx, i)
		cws = append(cws, w)
		g.modelIdx = append(g.modelIdx, mi)
		g.modelCum = append(g.modelCum, cumulative(mw))
	}
	g.callerCum = cumulative(cws)
	for name, af := range c.region.apps {
		g.appOK[name] = !models[af.model].Released.After(day)
	}
	g.pFail = 0.008 + 0.03*c.busy
}

// write generates one region-hour: its records, in timestamp order, in files per delivery
// window.
func (g *cellWriter) write(ctx context.Context, c *cell) (Stats, error) {
	g.setup(c)
	r := g.rng
	span := c.hi - c.lo
	g.offsets = g.offsets[:0]
	for range c.n {
		g.offsets = append(g.offsets, c.lo+r.Int64N(span))
	}
	slices.Sort(g.offsets)

	// Delivery windows tile [lo, hi). Bedrock flushes every few minutes; when the cell
	// reaches the end of its hour, its last window is short and ends on the hour, so that
	// file is delivered into the next hour's folder.
	hourEnd := c.hour.Unix() + 3600
	var cuts []int64
	last := c.hi
	if c.hi == hourEnd && span > 300 {
		last = c.hi - 60 - r.Int64N(120)
	}
	k := 5 + r.IntN(7)
	for range k - 1 {
		cuts = append(cuts, c.lo+r.Int64N(max(last-c.lo, 1)))
	}
	cuts = append(cuts, last)
	if last != c.hi {
		cuts = append(cuts, c.hi)
	}
	slices.Sort(cuts)
	cuts = slices.Compact(cuts)

	i := 0
	for _, end := range cuts {
		j := i
		for j < len(g.offsets) && g.offsets[j] < end {
			j++
		}
		// A file is delivered 5 to 90 seconds after its window closes; only the hour's last
		// window spills into the next hour's folder.
		delay := int64(90)
		if end < hourEnd {
			delay = min(delay, max(hourEnd-end-5, 6))
		}
		deliver := end + 5 + r.Int64N(delay-5)
		for chunk := i; chunk < j; chunk += maxRecordsPerFile {
			if err := ctx.Err(); err != nil {
				return g.st, err
			}
			if end < hourEnd && deliver >= hourEnd { // a busy window's later files
				deliver = hourEnd - 1
			}
			ms := r.Int64N(1000)
			at := time.Unix(deliver, ms*int64(time.Millisecond)).UTC()
			if err := g.writeFile(at, g.offsets[chunk:min(chunk+maxRecordsPerFile, j)]); err != nil {
				return g.st, err
			}
			deliver += 1 + r.Int64N(3)
		}
		i = j
	}
	return g.st, nil
}

// resetGzip points z at w with a fixed header (no name, zero modification time), so that the
// same records always give the same bytes.
func resetGzip(z *gzip.Writer, w io.Writer) {
	z.Reset(w)
	z.Header = gzip.Header{OS: 255}
}

// countWriter counts the bytes written through it.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func (g *cellWriter) mkdir(dir string) error {
	if g.created[dir] {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if len(g.created) > 4096 {
		clear(g.created)
	}
	g.created[dir] = true
	return nil
}

// writeFile writes one log file delivered at `at` holding records at the given timestamps.
func (g *cellWriter) writeFile(at time.Time, stamps []int64) error {
	key := invocationlog.HourPrefix(g.cfg.Prefix, g.cfg.Account, g.cell.region.name, at) + invocationlog.LogFileName(at, fmt.Sprintf("%016x", g.rng.Uint64()))
	path := filepath.Join(g.cfg.Out, filepath.FromSlash(key))
	if err := g.mkdir(filepath.Dir(path)); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	cw := &countWriter{w: f}
	g.bw.Reset(cw)
	resetGzip(g.gz, g.bw)
	for _, ts := range stamps {
		if err := g.record(ts); err != nil {
			f.Close()
			return err
		}
		if _, err := g.gz.Write(g.rec); err != nil {
			f.Close()
			return err
		}
	}
	err = g.gz.Close()
	if err == nil {
		err = g.bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	g.st.Files++
	g.st.Bytes += cw.n
	return nil
}

// writeBody writes g.body as the data/ object of a request or response and returns its s3:// path.
func (g *cellWriter) writeBody(requestID string, output bool) (string, error) {
	key := invocationlog.HourPrefix(g.cfg.Prefix, g.cfg.Account, g.cell.region.name, g.cell.hour) + "data/" + invocationlog.BodyObjectName(requestID, output)
	path := filepath.Join(g.cfg.Out, filepath.FromSlash(key))
	if err := g.mkdir(filepath.Dir(path)); err != nil {
		return "", err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return "", err
	}
	cw := &countWriter{w: f}
	g.bwData.Reset(cw)
	resetGzip(g.gzData, g.bwData)
	_, err = g.gzData.Write(g.body)
	if err == nil {
		err = g.gzData.Close()
	}
	if err == nil {
		err = g.bwData.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	g.st.BodyObjects++
	g.st.Bytes += cw.n
	return "s3://" + g.cell.region.bucket + "/" + key, nil
}

// call is one generated invocation before it is written.
type call struct {
	cl        *caller
	modelID   string
	model     int // index in models; -1 for UnknownModelID
	geo       string
	op        int
	errCode   string
	in, out   int64
	cacheR    int64
	cacheW    int64
	maxTokens int64
	long      bool
	bigOut    bool
	stop      string
	latency   int64
	requestID string
}

// record generates the record at Unix second ts into g.rec.
func (g *cellWriter) record(ts int64) error {
	r := g.rng
	c := g.cell
	ci := pick(r, g.callerCum)
	cl := &callers[g.callerIdx[ci]]
	k := call{cl: cl, model: -1}

	switch {
	case cl.unkP > 0 && r.Float64() < cl.unkP:
		k.modelID = UnknownModelID
	case cl.app != "" && g.appOK[cl.app] && r.Float64() < cl.appP:
		af := c.region.apps[cl.app]
		k.modelID, k.model, k.geo = af.arn, af.model, af.geo
	default:
		k.model = g.modelIdx[ci][pick(r, g.modelCum[ci])]
		f := c.region.forms[k.model][pick(r, c.region.formCum[k.model])]
		k.modelID, k.geo = f.id, f.geo
	}
	k.op = pick(r, callerOpsCum[g.callerIdx[ci]])
	if k.model < 0 && k.op < 2 { // the unknown model is called through Converse
		k.op += 2
	}
	var inputSeen = true
	if r.Float64() < g.pFail {
		e := errorCodes[pick(r, errorCum)]
		k.errCode, inputSeen = e.code, e.input
	}
	g.tokens(&k, inputSeen)
	k.requestID = uuid(r)

	b := g.rec[:0]
	b = append(b, `{"schemaType":"ModelInvocationLog","schemaVersion":"1.0","timestamp":"`...)
	b = time.Unix(ts, 0).UTC().AppendFormat(b, "2006-01-02T15:04:05Z")
	b = append(b, `","accountId":"`...)
	b = append(b, g.cfg.Account...)
	b = append(b, `","identity":{"arn":`...)
	if g.cfg.SessionPerCall && cl.kind == kindRole {
		b = appendJSONString(b, "arn:aws:sts::"+g.cfg.Account+":assumed-role/"+cl.role+"/"+generatedSession(r))
	} else {
		b = appendJSONString(b, cl.arn(g.cfg.Account))
	}
	b = append(b, '}')
	b = appendStr(b, "region", c.region.name)
	b = appendStr(b, "requestId", k.requestID)
	b = appendStr(b, "operation", opNames[k.op])
	b = appendStr(b, "modelId", k.modelID)

	// Input.
	b = append(b, `,"input":{"inputContentType":"application/json"`...)
	if k.long {
		g.body = g.inputBody(g.body[:0], &k)
		p, err := g.writeBody(k.requestID, false)
		if err != nil {
			return err
		}
		b = appendStr(b, "inputBodyS3Path", p)
	} else {
		b = append(b, `,"inputBodyJson":`...)
		b = g.inputBody(b, &k)
	}
	b = appendInt(b, "inputTokenCount", k.in)
	if k.model >= 0 && models[k.model].Cache {
		b = appendInt(b, "cacheReadInputTokenCount", k.cacheR)
		b = appendInt(b, "cacheWriteInputTokenCount", k.cacheW)
	}
	b = append(b, '}')

	// Output.
	if k.errCode != "" {
		b = append(b, `,"output":{"outputTokenCount":0}`...)
	} else {
		b = append(b, `,"output":{"outputContentType":"application/json"`...)
		if k.bigOut {
			g.body = g.outputBody(g.body[:0], &k)
			p, err := g.writeBody(k.requestID, true)
			if err != nil {
				return err
			}
			b = appendStr(b, "outputBodyS3Path", p)
		} else {
			b = append(b, `,"outputBodyJson":`...)
			b = g.outputBody(b, &k)
		}
		b = appendInt(b, "outputTokenCount", k.out)
		b = append(b, '}')
	}
	if k.geo != "" {
		b = appendStr(b, "inferenceRegion", g.inferenceRegion(k.geo))
	}
	if k.errCode != "" {
		b = appendStr(b, "errorCode", k.errCode)
		g.st.FailedCalls++
	}
	if k.op >= 2 && len(cl.meta) > 0 && r.Float64() < cl.metaP {
		b = append(b, `,"requestMetadata":{`...)
		// Keys in sorted order, a fixed subset per call.
		keys := make([]metaSpec, 0, len(cl.meta))
		for i, m := range cl.meta {
			if i == 0 || r.IntN(4) != 0 {
				keys = append(keys, m)
			}
		}
		slices.SortFunc(keys, func(a, b metaSpec) int { return strings.Compare(a.key, b.key) })
		for i, m := range keys {
			b = appendKey(b, m.key, i == 0)
			b = appendJSONString(b, m.values[r.IntN(len(m.values))])
		}
		b = append(b, '}')
	}
	b = append(b, '}', '\n')
	g.rec = b
	g.st.Records++
	return nil
}

// tokens draws the token counts, cache use, long context and stop reason of a call.
func (g *cellWriter) tokens(k *call, inputSeen bool) {
	r := g.rng
	cl := k.cl
	maxOut := int64(4096)
	var m *Model
	if k.model >= 0 {
		m = &models[k.model]
		maxOut = m.MaxOutput
	}
	k.in = max(3, int64(logNormal(r, cl.inMed, 0.9)))
	k.out = max(1, int64(logNormal(r, cl.outMed, 0.8)))
	k.maxTokens = min(maxOut, []int64{1024, 2048, 4096, 8192}[r.IntN(4)])
	if m != nil && m.Cache && r.Float64() < cl.cacheP {
		prefix := max(1024, int64(logNormal(r, 2500, 0.6)))
		switch u := r.Float64(); {
		case u < 0.72:
			k.cacheR = prefix
		case u < 0.95:
			k.cacheW = prefix
		default:
			k.cacheR, k.cacheW = prefix, 1+int64(logNormal(r, 800, 0.5))
		}
	}
	switch {
	case m != nil && m.LongContext && cl.longP > 0 && r.Float64() < cl.longP:
		k.long = true
		total := invocationlog.LongContextThreshold + 1 + r.Int64N(600_000)
		if k.cacheR > 0 {
			k.cacheR = total * int64(50+r.IntN(40)) / 100
		}
		k.in = max(1, total-k.cacheR-k.cacheW)
	case k.in+k.cacheR+k.cacheW > invocationlog.LongContextThreshold:
		// The 200K context window.
		k.in = max(1, invocationlog.LongContextThreshold-k.cacheR-k.cacheW-r.Int64N(5000))
	}
	if m != nil && maxOut >= 32000 && cl.bigOutP > 0 && r.Float64() < cl.bigOutP {
		k.bigOut = true
		k.maxTokens = maxOut
		k.out = 26_000 + r.Int64N(maxOut-26_000)
	}
	k.stop = "end_turn"
	if k.out >= k.maxTokens {
		k.out, k.stop = k.maxTokens, "max_tokens"
	}
	k.latency = 250 + k.out*(8+r.Int64N(20)) + r.Int64N(400)
	if k.errCode != "" {
		k.out, k.bigOut = 0, false
		if !inputSeen {
			k.in, k.cacheR, k.cacheW = 0, 0, 0
		}
	}
}

// inferenceRegion is where a profile call ran: usually the calling region when the profile
// covers it.
func (g *cellWriter) inferenceRegion(geo string) string {
	dests := destinations[geo]
	if len(dests) == 0 {
		return g.cell.region.name
	}
	if slices.Contains(dests, g.cell.region.name) && g.rng.IntN(2) == 0 {
		return g.cell.region.name
	}
	return dests[g.rng.IntN(len(dests))]
}

// textLen is how many bytes of text a body gets for a token count: bodies are shortened so
// that generating millions of records stays fast; only long-context and long-output calls get
// bodies of their real order of size, in data/ objects.
func textLen(r *rand.Rand, tokens int64, limit int) int {
	n := int(min(tokens*4, int64(limit)))
	return max(24, n/2+r.IntN(n/2+1))
}

func (g *cellWriter) inputBody(b []byte, k *call) []byte {
	r := g.rng
	userLen := textLen(r, k.in, g.cfg.BodyText)
	if k.long {
		userLen = 100_000 + r.IntN(60_000)
	}
	cached := k.cacheR > 0 || k.cacheW > 0
	temp := strconv.FormatFloat(float64(r.IntN(11))/10, 'f', 1, 64)
	if k.op < 2 { // Anthropic Messages API
		b = append(b, `{"anthropic_version":"bedrock-2023-05-31"`...)
		b = appendInt(b, "max_tokens", k.maxTokens)
		b = append(b, `,"system":`...)
		if cached {
			b = append(b, `[{"type":"text","text":"`...)
			b = appendText(b, r, 120+r.IntN(200))
			b = append(b, `","cache_control":{"type":"ephemeral"}}]`...)
		} else {
			b = append(b, '"')
			b = appendText(b, r, 60+r.IntN(120))
			b = append(b, '"')
		}
		b = append(b, `,"messages":[{"role":"user","content":[{"type":"text","text":"`...)
		b = appendText(b, r, userLen)
		b = append(b, `"}]}],"temperature":`...)
		b = append(b, temp...)
		return append(b, '}')
	}
	// Converse API.
	b = append(b, `{"messages":[{"role":"user","content":[{"text":"`...)
	b = appendText(b, r, userLen)
	b = append(b, `"}]}],"system":[{"text":"`...)
	b = appendText(b, r, 60+r.IntN(200))
	b = append(b, `"}`...)
	if cached {
		b = append(b, `,{"cachePoint":{"type":"default"}}`...)
	}
	b = append(b, `],"inferenceConfig":{"maxTokens":`...)
	b = strconv.AppendInt(b, k.maxTokens, 10)
	b = append(b, `,"temperature":`...)
	b = append(b, temp...)
	return append(b, `}}`...)
}

// apiModel is the Anthropic API model name of a Bedrock model id, as it appears in
// InvokeModel responses: claude-sonnet-4-5-20250929.
func apiModel(id string) string {
	id = strings.TrimPrefix(id, "anthropic.")
	if i := strings.LastIndex(id, "-v"); i > 0 {
		id = id[:i]
	}
	return id
}

func (g *cellWriter) outputBody(b []byte, k *call) []byte {
	r := g.rng
	n := textLen(r, k.out, g.cfg.BodyText*5/6)
	if k.bigOut {
		n = 104_000 + r.IntN(50_000)
	}
	switch k.op {
	case 0: // InvokeModel: an Anthropic message
		b = append(b, `{"id":"`...)
		b = appendMsgID(b, r)
		b = append(b, `","type":"message","role":"assistant","model":"`...)
		b = append(b, apiModel(models[k.model].ID)...)
		b = append(b, `","content":[{"type":"text","text":"`...)
		b = appendText(b, r, n)
		b = append(b, `"}],"stop_reason":"`...)
		b = append(b, k.stop...)
		b = append(b, `","stop_sequence":null,"usage":`...)
		b = g.anthropicUsage(b, k, k.out)
		return append(b, '}')
	case 1: // InvokeModelWithResponseStream: the stream events
		b = append(b, `[{"type":"message_start","message":{"id":"`...)
		b = appendMsgID(b, r)
		b = append(b, `","type":"message","role":"assistant","model":"`...)
		b = append(b, apiModel(models[k.model].ID)...)
		b = append(b, `","content":[],"stop_reason":null,"stop_sequence":null,"usage":`...)
		b = g.anthropicUsage(b, k, 1)
		b = append(b, `}},{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`...)
		parts := 2 + r.IntN(5)
		for range parts {
			b = append(b, `,{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"`...)
			b = appendText(b, r, n/parts)
			b = append(b, `"}}`...)
		}
		b = append(b, `,{"type":"content_block_stop","index":0},{"type":"message_delta","delta":{"stop_reason":"`...)
		b = append(b, k.stop...)
		b = append(b, `","stop_sequence":null},"usage":{"output_tokens":`...)
		b = strconv.AppendInt(b, k.out, 10)
		b = append(b, `}},{"type":"message_stop","amazon-bedrock-invocationMetrics":{"inputTokenCount":`...)
		b = strconv.AppendInt(b, k.in, 10)
		b = appendInt(b, "outputTokenCount", k.out)
		b = appendInt(b, "invocationLatency", k.latency)
		b = appendInt(b, "firstByteLatency", 150+r.Int64N(600))
		if k.cacheR > 0 || k.cacheW > 0 {
			b = appendInt(b, "cacheReadInputTokenCount", k.cacheR)
			b = appendInt(b, "cacheWriteInputTokenCount", k.cacheW)
		}
		b = append(b, `}}`...)
		if r.IntN(3) == 0 {
			b = append(b, `,"[DONE]"`...)
		}
		return append(b, ']')
	}
	// Converse and ConverseStream: the Converse response.
	b = append(b, `{"output":{"message":{"role":"assistant","content":[{"text":"`...)
	b = appendText(b, r, n)
	b = append(b, `"}]}},"stopReason":"`...)
	b = append(b, k.stop...)
	b = append(b, `","metrics":{"latencyMs":`...)
	b = strconv.AppendInt(b, k.latency, 10)
	b = append(b, `},"usage":{"inputTokens":`...)
	b = strconv.AppendInt(b, k.in, 10)
	b = appendInt(b, "outputTokens", k.out)
	b = appendInt(b, "totalTokens", k.in+k.out+k.cacheR+k.cacheW)
	if k.cacheR > 0 || k.cacheW > 0 {
		b = appendInt(b, "cacheReadInputTokens", k.cacheR)
		b = appendInt(b, "cacheWriteInputTokens", k.cacheW)
	}
	return append(b, `}}`...)
}

func (g *cellWriter) anthropicUsage(b []byte, k *call, out int64) []byte {
	b = append(b, `{"input_tokens":`...)
	b = strconv.AppendInt(b, k.in, 10)
	if models[k.model].Cache {
		b = appendInt(b, "cache_creation_input_tokens", k.cacheW)
		b = appendInt(b, "cache_read_input_tokens", k.cacheR)
	}
	b = appendInt(b, "output_tokens", out)
	return append(b, '}')
}

// uuid is a random (version 4) UUID from r.
// generatedSession is a role session name of the shapes that tools generate, one per call.
func generatedSession(r *rand.Rand) string {
	const hex = "0123456789abcdef"
	hexN := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = hex[r.IntN(16)]
		}
		return string(b)
	}
	switch r.IntN(5) {
	case 0:
		return "botocore-session-" + strconv.FormatInt(1_700_000_000+r.Int64N(100_000_000), 10)
	case 1:
		return "aws-go-sdk-" + strconv.FormatInt(1_700_000_000_000_000_000+r.Int64N(100_000_000_000_000_000), 10)
	case 2:
		return "i-0" + hexN(16)
	case 3:
		return uuid(r)
	default:
		return hexN(32) // an ECS task id
	}
}

func uuid(r *rand.Rand) string {
	var u [16]byte
	a, b := r.Uint64(), r.Uint64()
	for i := range 8 {
		u[i], u[8+i] = byte(a>>(8*i)), byte(b>>(8*i))
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	const hex = "0123456789abcdef"
	var s [36]byte
	j := 0
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			s[j] = '-'
			j++
		}
		s[j], s[j+1] = hex[c>>4], hex[c&0xf]
		j += 2
	}
	return string(s[:])
}

// appendMsgID appends an Anthropic message id as Bedrock returns it: msg_bdrk_01…
func appendMsgID(b []byte, r *rand.Rand) []byte {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b = append(b, "msg_bdrk_01"...)
	for range 24 {
		b = append(b, alphabet[r.IntN(len(alphabet))])
	}
	return b
}
