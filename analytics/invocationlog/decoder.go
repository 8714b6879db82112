package invocationlog

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/klauspost/compress/gzip"
)

// Decoder reads records from a gzipped or plain NDJSON stream. It never stops at a bad line:
// malformed lines and non-log records are counted in Skipped, and a stream that cannot be
// read to its end (corrupt or truncated gzip) counts as one unreadable file after the records
// before the fault have been returned.
//
// Decoding is done by a small validating scanner that reads only the fields reports need and
// steps over inputBodyJson and outputBodyJson without allocating them (unless WithBodies):
// several times faster than encoding/json. Lines may be of any length up to the
// WithMaxLineBytes limit (8 MiB by default: Bedrock moves bodies over about 100 KB to data/ objects, so a record line is far shorter). A line is malformed when it is not valid JSON
// (as encoding/json judges it), is not an object, has a known field of the wrong type,
// a token count that is not a non-negative whole number, or no parsable timestamp.
//
// Records filled by Next own all their memory: they stay valid after later calls.
// A Decoder is not safe for concurrent use; Reset lets one be reused for the next file.
type Decoder struct {
	name     string
	src      io.Reader
	srcBuf   *bufio.Reader // over src
	zr       *gzip.Reader
	lineBuf  *bufio.Reader // over zr for gzip streams
	lines    *bufio.Reader // srcBuf or lineBuf
	long     []byte        // accumulates a line longer than the buffer
	err      error         // io.EOF or the read error that ended the stream
	line     int64
	records  int64
	bytes    int64
	skipped  Skipped
	bodies   bool
	maxLine  int
	maxFile  int64
	started  bool
	sc       scanner
	intern   map[string]string
	fieldErr string
	hasTime  bool
	timeErr  string
	// comp and plain are the compressed and decompressed file of the whole-file inflater
	// (the libdeflate build), and whole reads plain.
	comp, plain []byte
	whole       bytes.Reader
}

// wholeGunzip, when set (the libdeflate build, see gunzip_libdeflate.go), decompresses a
// whole gzip file (every member) at once, appending to dst at most limit bytes, and says
// whether it could. A file it cannot (corrupt, truncated, larger) is read by the streaming
// Go inflater instead, from the same bytes, so every result is the streaming one.
var wholeGunzip func(dst, src []byte, limit int) ([]byte, bool)

// The whole-file inflater reads files of at most maxWholeCompressed bytes that inflate to at
// most maxWholePlain (Bedrock's log objects are kilobytes to a few megabytes); others are
// streamed, so a worker holds at most these two buffers whatever the files (a gzip bomb costs
// one maxWholePlain buffer before it is streamed and cut at the file limit).
const (
	maxWholeCompressed = 16 << 20
	maxWholePlain      = 16 << 20
)

// DefaultMaxLineBytes is the longest line a Decoder reads by default; longer lines are
// skipped as malformed. Bedrock moves bodies over 100 KB to data/ objects, so real lines are
// far shorter.
const DefaultMaxLineBytes = 8 << 20

// DefaultMaxFileBytes is the most uncompressed bytes a Decoder reads from one file by
// default (4 GiB; Bedrock's hour files are megabytes). The records before the cap are kept,
// and the file is counted as unreadable, with the reason.
const DefaultMaxFileBytes = 4 << 30

// WithMaxFileBytes sets the most uncompressed bytes read from one file
// (DefaultMaxFileBytes when n <= 0).
func WithMaxFileBytes(n int64) DecoderOption {
	return func(d *Decoder) {
		if n <= 0 {
			n = DefaultMaxFileBytes
		}
		d.maxFile = n
	}
}

const bufSize = 256 << 10

// DecoderOption configures a Decoder.
type DecoderOption func(*Decoder)

// WithBodies keeps inputBodyJson and outputBodyJson on decoded records.
func WithBodies() DecoderOption { return func(d *Decoder) { d.bodies = true } }

// WithMaxLineBytes sets the longest line read (DefaultMaxLineBytes when n <= 0); a longer
// line is read through and skipped as malformed, without holding it in memory.
func WithMaxLineBytes(n int) DecoderOption {
	return func(d *Decoder) {
		if n <= 0 {
			n = DefaultMaxLineBytes
		}
		d.maxLine = n
	}
}

// NewDecoder returns a decoder over r; name is the file or object name used in skip reports.
// Gzip is detected by its magic bytes.
func NewDecoder(r io.Reader, name string, opts ...DecoderOption) *Decoder {
	d := &Decoder{name: name, src: r, maxLine: DefaultMaxLineBytes, maxFile: DefaultMaxFileBytes}
	for _, o := range opts {
		o(d)
	}
	return d
}

// Reset makes d read a new stream, keeping its options and reusing its buffers. Counts and
// skips start again from zero.
func (d *Decoder) Reset(r io.Reader, name string) {
	d.name, d.src = name, r
	d.err, d.line, d.records, d.bytes, d.started = nil, 0, 0, 0, false
	d.skipped = Skipped{}
	if cap(d.long) > 4<<20 {
		d.long = nil
	}
}

func (d *Decoder) start() {
	d.started = true
	if d.srcBuf == nil {
		d.srcBuf = bufio.NewReaderSize(d.src, bufSize)
	} else {
		d.srcBuf.Reset(d.src)
	}
	if d.intern == nil {
		d.intern = make(map[string]string, 64)
	}
	d.lines = d.srcBuf
	magic, _ := d.srcBuf.Peek(2)
	if len(magic) < 2 || magic[0] != 0x1f || magic[1] != 0x8b {
		return
	}
	var src io.Reader = d.srcBuf
	if wholeGunzip != nil {
		var done bool
		if src, done = d.startWhole(); done {
			return
		}
	}
	var err error
	if d.zr == nil {
		d.zr, err = gzip.NewReader(src)
	} else {
		err = d.zr.Reset(src)
	}
	if err != nil {
		d.fail(fmt.Errorf("gzip: %w", err))
		return
	}
	d.setLines(d.zr)
}

// startWhole reads the compressed file whole and inflates it at once with wholeGunzip. When
// it cannot, it returns the reader the streaming inflater reads instead: the bytes already
// read, then the rest of the source (or the error that stopped reading it).
func (d *Decoder) startWhole() (io.Reader, bool) {
	if cap(d.comp) > 4<<20 || cap(d.plain) > 4<<20 {
		d.comp, d.plain = nil, nil // an odd large file's buffers are not kept
	}
	buf := bytes.NewBuffer(d.comp[:0]) // reuses the last file's buffer
	_, err := buf.ReadFrom(io.LimitReader(d.srcBuf, maxWholeCompressed+1))
	d.comp = buf.Bytes()
	switch {
	case err != nil: // the bytes read, then the error
		return io.MultiReader(bytes.NewReader(d.comp), errorReader{err}), false
	case len(d.comp) > maxWholeCompressed: // too large: stream it, the rest after the bytes read
		return io.MultiReader(bytes.NewReader(d.comp), d.srcBuf), false
	}
	out, ok := wholeGunzip(d.plain[:0], d.comp, int(min(d.maxFile+1, maxWholePlain)))
	d.plain = out
	if !ok {
		return bytes.NewReader(d.comp), false
	}
	d.whole.Reset(d.plain)
	d.setLines(&d.whole)
	return nil, true
}

// setLines makes d read lines from r through its line buffer.
func (d *Decoder) setLines(r io.Reader) {
	if d.lineBuf == nil {
		d.lineBuf = bufio.NewReaderSize(r, bufSize)
	} else {
		d.lineBuf.Reset(r)
	}
	d.lines = d.lineBuf
}

type errorReader struct{ err error }

func (e errorReader) Read([]byte) (int, error) { return 0, e.err }

func (d *Decoder) fail(err error) {
	d.err = err
	d.skipped.Add(Skip{Reason: SkipUnreadableFile, File: d.name, Line: d.line + 1, Detail: err.Error()})
}

func (d *Decoder) skip(reason SkipReason, detail string) {
	d.skipped.Add(Skip{Reason: reason, File: d.name, Line: d.line, Detail: detail})
}

// errLineTooLong is returned by readLine for a line over the limit (read through).
var errLineTooLong = errors.New("line too long")

// readLine returns the next line without its limits on length: short lines are slices of
// the buffer, long ones are gathered in d.long. err is nil, io.EOF (line is the last, maybe
// empty), errLineTooLong, or a read error.
func (d *Decoder) readLine() ([]byte, error) {
	b, err := d.lines.ReadSlice('\n')
	if err != bufio.ErrBufferFull {
		d.bytes += int64(len(b))
		return b, err
	}
	d.long = append(d.long[:0], b...)
	n := int64(len(b))
	tooLong := false
	for {
		b, err = d.lines.ReadSlice('\n')
		n += int64(len(b))
		if !tooLong {
			if len(d.long)+len(b) > d.maxLine {
				tooLong = true
				d.long = d.long[:0]
			} else {
				d.long = append(d.long, b...)
			}
		}
		if err != bufio.ErrBufferFull {
			break
		}
	}
	d.bytes += n
	if tooLong && (err == nil || err == io.EOF) {
		if err == io.EOF {
			d.err = io.EOF
		}
		return nil, errLineTooLong
	}
	return d.long, err
}

// Next decodes the next record into rec and reports whether there was one. When it reports
// false, the stream is done (see Skipped and Err) and rec is zeroed.
func (d *Decoder) Next(rec *Record) bool {
	if d.next(rec) {
		return true
	}
	*rec = Record{}
	return false
}

func (d *Decoder) next(rec *Record) bool {
	if !d.started {
		d.start()
	}
	for d.err == nil {
		if d.bytes > d.maxFile {
			// A real hour file is megabytes: this is a gzip bomb or not a log.
			d.fail(fmt.Errorf("more than %d bytes of log lines in one file: the rest is not read (a gzip bomb, or not an hour of logs)", d.maxFile))
			return false
		}
		line, err := d.readLine()
		if err == errLineTooLong {
			d.line++
			d.skip(SkipMalformedLine, fmt.Sprintf("line longer than %d bytes", d.maxLine))
			continue
		}
		if err != nil && err != io.EOF {
			// The partial line at the fault is not counted: the file is.
			d.fail(err)
			return false
		}
		if len(line) == 1 && line[0] == '\n' && err == nil {
			// An empty line: skip the run of empty lines after it at once (a gzip of a GiB
			// of newlines is a megabyte; one line at a time it cost half a minute).
			d.line++
			d.skipNewlines()
			continue
		}
		if len(line) > 0 {
			d.line++
			if d.line == 1 {
				line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf")) // UTF-8 byte order mark
			}
			if d.decodeLine(line, rec) {
				if err == io.EOF {
					d.err = io.EOF
				}
				return true
			}
		}
		if err == io.EOF {
			d.err = io.EOF
			return false
		}
	}
	return false
}

// skipNewlines discards the newline bytes at the read position, counting each as a line.
func (d *Decoder) skipNewlines() {
	for {
		n := d.lines.Buffered()
		if n == 0 {
			if _, err := d.lines.Peek(1); err != nil {
				return // the next read reports it
			}
			n = d.lines.Buffered()
		}
		buf, _ := d.lines.Peek(n)
		i := 0
		for i < len(buf) && buf[i] == '\n' {
			i++
		}
		d.lines.Discard(i)
		d.line += int64(i)
		d.bytes += int64(i)
		if i < len(buf) || d.bytes > d.maxFile {
			return
		}
	}
}

// isBlank reports whether a line has only JSON white space.
func isBlank(line []byte) bool {
	for _, c := range line {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return false
		}
	}
	return true
}

// decodeLine decodes one line into rec, or counts it as skipped. Blank lines are neither.
func (d *Decoder) decodeLine(line []byte, rec *Record) bool {
	line = bytes.TrimRight(line, " \t\r\n")
	if len(line) == 0 {
		return false
	}
	reason, detail := d.parse(line, rec)
	if reason != "" {
		d.skip(reason, detail)
		return false
	}
	d.records++
	return true
}

// parse fills rec from one JSON text, or says why it is skipped.
func (d *Decoder) parse(line []byte, rec *Record) (SkipReason, string) {
	*rec = Record{}
	d.sc = scanner{b: line, stack: d.sc.stack}
	d.fieldErr, d.hasTime, d.timeErr = "", false, ""
	s := &d.sc
	hasSchema := false
	if s.ws(); s.peek() != '{' {
		s.skipValue()
		if s.err == nil {
			if s.ws(); s.i < len(s.b) {
				s.syntaxError("after top-level value")
			}
		}
		if s.err != nil {
			return SkipMalformedLine, s.err.Error()
		}
		return SkipMalformedLine, "not a JSON object"
	}
	s.object(func(key []byte) {
		switch string(key) {
		case "schemaType":
			hasSchema = true
			rec.SchemaType = d.stringField("schemaType", true)
		case "schemaVersion":
			rec.SchemaVersion = d.stringField("schemaVersion", true)
		case "timestamp":
			d.timestamp(rec)
		case "accountId":
			rec.AccountID = d.stringField("accountId", true)
		case "identity":
			rec.Identity = Identity{} // the last of repeated keys wins, as in encoding/json maps
			d.objectField("identity", func(key []byte) {
				if string(key) == "arn" {
					rec.Identity.ARN = d.stringField("identity.arn", true)
				} else {
					s.skipValue()
				}
			})
		case "region":
			rec.Region = d.stringField("region", true)
		case "requestId":
			rec.RequestID = d.stringField("requestId", false)
		case "operation":
			rec.Operation = d.stringField("operation", true)
		case "modelId":
			rec.ModelID = d.stringField("modelId", true)
		case "input":
			rec.Input = Input{}
			d.objectField("input", func(key []byte) { d.input(key, &rec.Input) })
		case "output":
			rec.Output = Output{}
			d.objectField("output", func(key []byte) { d.output(key, &rec.Output) })
		case "errorCode":
			rec.ErrorCode = d.stringField("errorCode", true)
		case "inferenceRegion":
			rec.InferenceRegion = d.stringField("inferenceRegion", true)
		case "requestMetadata":
			rec.RequestMetadata = nil
			d.metadata(rec)
		default:
			s.skipValue()
		}
	})
	if s.err == nil {
		if s.ws(); s.i < len(s.b) {
			s.syntaxError("after top-level value")
		}
	}
	switch {
	case s.err != nil:
		return SkipMalformedLine, s.err.Error()
	case rec.SchemaType != SchemaType:
		if !hasSchema {
			return SkipOtherRecord, "no schemaType"
		}
		return SkipOtherRecord, fmt.Sprintf("schemaType %q", rec.SchemaType)
	case d.fieldErr != "":
		return SkipMalformedLine, d.fieldErr
	case d.timeErr != "":
		return SkipMalformedLine, d.timeErr
	case !d.hasTime:
		return SkipMalformedLine, "no timestamp"
	}
	return "", ""
}

// setFieldErr keeps the first field error of a line.
func (d *Decoder) setFieldErr(format string, args ...any) {
	if d.fieldErr == "" {
		d.fieldErr = fmt.Sprintf(format, args...)
	}
}

// stringField reads a string value (null is empty). Other types are a field error. Values of
// low-cardinality fields are interned so that a file's records share them.
func (d *Decoder) stringField(name string, intern bool) string {
	s := &d.sc
	switch s.peek() {
	case '"':
	case 'n':
		s.literal("null")
		return ""
	default:
		d.setFieldErr("%s: want a string, got %s", name, s.kind())
		s.skipValue()
		return ""
	}
	raw, esc := s.str()
	if s.err != nil {
		return ""
	}
	if esc || !utf8.Valid(raw) {
		return unescape(raw)
	}
	if !intern {
		return string(raw)
	}
	if v, ok := d.intern[string(raw)]; ok {
		return v
	}
	v := string(raw)
	if len(d.intern) < 4096 && len(v) <= 512 {
		d.intern[v] = v
	}
	return v
}

// objectField walks an object value (null is an empty object). Other types are a field error.
func (d *Decoder) objectField(name string, member func(key []byte)) {
	s := &d.sc
	if !s.object(member) {
		d.setFieldErr("%s: want an object, got %s", name, s.kind())
		s.skipValue()
	}
}

// count reads a token count (null is zero).
// MaxCount is the largest token count a record may carry (10^12: a thousand times the
// longest context any model has). A record with a larger one is a malformed line, so no
// forged or corrupt count can push a sum near the int64 limit: 9 million such records
// would be needed to wrap one.
const MaxCount = 1_000_000_000_000

func (d *Decoder) count(name string) int64 {
	s := &d.sc
	switch c := s.peek(); {
	case c == 'n':
		s.literal("null")
		return 0
	case c == '-' || (c >= '0' && c <= '9'):
		num := s.number()
		if s.err != nil {
			return 0
		}
		n, err := parseCount(num)
		switch {
		case err != nil:
			d.setFieldErr("%s: %v", name, err)
		case n > MaxCount:
			d.setFieldErr("%s: %d is above the ceiling of %d tokens a record may count", name, n, int64(MaxCount))
		}
		return n
	default:
		d.setFieldErr("%s: want a number, got %s", name, s.kind())
		s.skipValue()
		return 0
	}
}

// body skips a body value, or keeps a copy of its text WithBodies.
func (d *Decoder) body() json.RawMessage {
	s := &d.sc
	start := s.i
	s.skipValue()
	if !d.bodies || s.err != nil {
		return nil
	}
	return bytes.Clone(s.b[start:s.i])
}

// The cache-TTL split of a response body (CacheTTL) is the first member, in document order
// and at any depth, that states one in the exact shape Bedrock writes:
//
//   - "cacheDetails": an array of at most two objects, each with exactly the members "ttl"
//     ("1h" or "5m") and "inputTokens" (a whole number written in digits), no TTL twice;
//     the empty array states no writes;
//   - "cache_creation": an object with "ephemeral_5m_input_tokens",
//     "ephemeral_1h_input_tokens" or both (whole numbers in digits) and nothing else.
//
// Member names match case-insensitively (as the Glue table's SerDe matches them). A member
// of that name whose value has another shape is passed over and looked into, as any other
// value is. This rule is written so that a regular expression over the body's JSON text
// finds the same split: the Athena engine's SQL (athena.cacheSplitPattern) applies it to
// the body as the Glue table renders it, and the DuckDB equivalence tests hold the two to
// the same answers.
var (
	keyCacheDetails  = []byte("cacheDetails")
	keyCacheCreation = []byte("cache_creation")
	keyTTL           = []byte("ttl")
	keyInputTokens   = []byte("inputTokens")
	keyEphemeral5m   = []byte("ephemeral_5m_input_tokens")
	keyEphemeral1h   = []byte("ephemeral_1h_input_tokens")
)

// keyIs reports whether a member name is name, ignoring ASCII case.
func keyIs(key, name []byte) bool { return len(key) == len(name) && bytes.EqualFold(key, name) }

// bodyFacts are what a response body walk looks for.
type bodyFacts struct {
	split     CacheTTL
	tier      string
	guardrail GuardrailUnits
	// bad marks a guardrail field with a count that does not fit an int64 (or a sum that
	// overflows): its sum for the call is 0, as the SQL's try() makes it.
	bad [NGuardrailPolicies]bool
}

// readBody walks a response body (validating it, as skipValue does) for everything it
// states: the first cache-TTL split (see keyCacheDetails), the service tier (see
// keyServiceTier) and the guardrail units (see GuardrailPolicies). A body of another shape
// states nothing, never an error. depth is the nesting depth of the value in the line.
func (d *Decoder) readBody(depth int) bodyFacts {
	var f bodyFacts
	d.walkBody(depth, &f)
	if d.sc.err != nil {
		return bodyFacts{}
	}
	for i, bad := range f.bad {
		if bad {
			f.guardrail[i] = 0
		}
	}
	return f
}

func (d *Decoder) walkBody(depth int, f *bodyFacts) {
	s := &d.sc
	// Values skipped here count the containers this walk has opened above them, so that the
	// nesting limit is the one a body skipped whole (inputBodyJson) gets.
	saved := s.base
	s.base = depth
	defer func() { s.base = saved }()
	skipChild := func() {
		s.base = depth + 1
		s.skipValue()
		s.base = depth
	}
	s.ws()
	c := s.peek()
	if (c == '{' || c == '[') && depth >= maxDepth {
		s.skipValue() // fails as a skipped body would: nesting deeper than the limit
		return
	}
	switch c {
	case '{':
		s.object(func(key []byte) {
			s.ws()
			if p := s.peek(); p == '-' || (p >= '0' && p <= '9') {
				if i := guardrailField(key); i >= 0 {
					d.guardrailCount(f, i)
					return
				}
			}
			start := s.i
			switch {
			case depth+3 >= maxDepth:
				// Too near the nesting limit for a split: the walk below fails the line.
			case !f.split.Known && keyIs(key, keyCacheDetails) && s.peek() == '[':
				if split := d.cacheDetails(depth + 1); split.Known || s.err != nil {
					f.split = split
					return
				}
			case !f.split.Known && keyIs(key, keyCacheCreation) && s.peek() == '{':
				if split := d.cacheCreation(depth + 1); split.Known || s.err != nil {
					f.split = split
					return
				}
			case f.tier == "" && keyIs(key, keyServiceTier) && s.peek() == '{':
				if tier := d.serviceTier(depth + 1); tier != "" || s.err != nil {
					f.tier = tier
					return
				}
			}
			if s.i != start {
				s.i = start // not what was looked for: look into the value like any other
			}
			if p := s.peek(); p == '{' || p == '[' {
				d.walkBody(depth+1, f)
			} else {
				skipChild()
			}
		})
	case '[':
		s.array(func() {
			if p := s.peek(); p == '{' || p == '[' {
				d.walkBody(depth+1, f)
			} else {
				skipChild()
			}
		})
	default:
		s.skipValue()
	}
}

// Guardrail usage. A response of a call with a guardrail and its trace enabled carries, for
// each assessment (the input's, each output's), invocationMetrics.usage with the policy
// units the guardrail billed: Converse under trace.guardrail, InvokeModel under
// amazon-bedrock-trace.guardrail. The rule (the same in SQL, athena's guardrailSQL): every
// member of the body named as one of GuardrailPolicies' fields (in any case) whose value is
// a whole number written in digits is summed into that policy's units; a count that does
// not fit an int64, or a sum that overflows, makes that policy's units 0 for the call.

// NGuardrailPolicies is the number of guardrail policy unit kinds.
const NGuardrailPolicies = 8

// GuardrailUnits are a call's guardrail units, by GuardrailPolicies index.
type GuardrailUnits [NGuardrailPolicies]int64

// GuardrailPolicy is one kind of guardrail units: the GuardrailUsage field that counts it.
type GuardrailPolicy struct {
	Field string // contentPolicyUnits
	Name  string // content: the measure guardrail_content_units and the price book's policy
}

// GuardrailPolicies are the GuardrailUsage fields (Bedrock Runtime API reference), in order.
var GuardrailPolicies = [NGuardrailPolicies]GuardrailPolicy{
	{"contentPolicyUnits", "content"},
	{"contentPolicyImageUnits", "content_image"},
	{"topicPolicyUnits", "topic"},
	{"wordPolicyUnits", "word"},
	{"sensitiveInformationPolicyUnits", "pii"},
	{"sensitiveInformationPolicyFreeUnits", "pii_free"},
	{"contextualGroundingPolicyUnits", "grounding"},
	{"automatedReasoningPolicyUnits", "automated_reasoning"},
}

// guardrailField is the GuardrailPolicies index of a member name, or -1.
func guardrailField(key []byte) int {
	if len(key) < len("wordPolicyUnits") || (key[len(key)-1]|0x20) != 's' {
		return -1
	}
	for i := range GuardrailPolicies {
		if f := GuardrailPolicies[i].Field; len(key) == len(f) && bytes.EqualFold(key, []byte(f)) {
			return i
		}
	}
	return -1
}

// guardrailCount reads a number at s.i into policy i's units.
func (d *Decoder) guardrailCount(f *bodyFacts, i int) {
	s := &d.sc
	num := s.number()
	if s.err != nil || !allDigits(num) {
		return // not a count in digits: not counted
	}
	n, err := strconv.ParseInt(string(num), 10, 64)
	if err != nil || f.guardrail[i] > math.MaxInt64-n {
		f.bad[i] = true
		return
	}
	f.guardrail[i] += n
}

// mayStateFacts reports whether a body's text may hold a member the body walk reads: a
// quote followed by cacheDetails, cache_creation or serviceTier, or preceded by Units (the
// guardrail fields), in any case. It may say yes for a body that states nothing, and no
// only for one that states nothing, but for a member name written with \u escapes, which
// the local engine does not read. (Athena's SerDe renders the body back to JSON, which may
// unescape such a name: a known difference; Bedrock writes member names plainly.)
func mayStateFacts(b []byte) bool {
	for i := 0; ; {
		j := bytes.IndexByte(b[i:], '"')
		if j < 0 {
			break
		}
		q := i + j
		if rest := b[q+1:]; len(rest) >= len("serviceTier") {
			switch rest[0] | 0x20 {
			case 'c':
				if keyIs(rest[:len(keyCacheDetails)], keyCacheDetails) || (len(rest) >= len(keyCacheCreation) && keyIs(rest[:len(keyCacheCreation)], keyCacheCreation)) {
					return true
				}
			case 's':
				if keyIs(rest[:len(keyServiceTier)], keyServiceTier) {
					return true
				}
			}
		}
		if q >= 5 && b[q-1]|0x20 == 's' && keyIs(b[q-5:q], keyUnits) {
			return true
		}
		i = q + 1
	}
	return false
}

// keyServiceTier: a response's service tier is the first member named "serviceTier" (in
// any case) whose value is an object with the one member "type" whose value is "priority",
// "default", "flex" or "reserved" (the Converse and ConverseStream shape; InvokeModel
// states its tier in a response header, which is not logged). Like the cache-TTL split,
// the rule is one a regular expression over the body's text applies the same way
// (athena.serviceTierPattern).
var (
	keyUnits       = []byte("units")
	keyServiceTier = []byte("serviceTier")
	keyType        = []byte("type")
)

// Service tiers a body may state (Record.Output.ServiceTier); "default" is standard.
const (
	TierPriority = "priority"
	TierDefault  = "default"
	TierFlex     = "flex"
	TierReserved = "reserved"
)

// ServiceTiers are the tiers a body may state.
var ServiceTiers = []string{TierPriority, TierDefault, TierFlex, TierReserved}

// serviceTier reads a "serviceTier" object at s.i: its tier when it has the exact shape,
// else "". It consumes the value either way.
func (d *Decoder) serviceTier(depth int) string {
	s := &d.sc
	defer func(saved int) { s.base = saved }(s.base)
	tier, n, ok := "", 0, true
	s.object(func(key []byte) {
		n++
		if keyIs(key, keyType) && s.peek() == '"' {
			raw, esc := s.str()
			if esc {
				raw = []byte(unescape(raw))
			}
			tier = ""
			for _, t := range ServiceTiers {
				if string(raw) == t {
					tier = t
				}
			}
			return
		}
		ok = false
		s.base = depth + 1
		s.skipValue()
	})
	if !ok || n != 1 || s.err != nil {
		return ""
	}
	return tier
}

// BodyCacheTTL reads the cache-TTL split of a response body on its own: the content of an
// offloaded body object (outputBodyS3Path). It applies the rule of a logged body's split
// (see keyCacheDetails); a body that is not valid JSON is an error.
func BodyCacheTTL(body []byte) (CacheTTL, error) {
	d := &Decoder{}
	d.sc = scanner{b: body}
	c := d.readBody(0).split
	d.sc.ws()
	if d.sc.err == nil && d.sc.i != len(body) {
		d.sc.syntaxError("after the body")
	}
	if d.sc.err != nil {
		return CacheTTL{}, fmt.Errorf("response body: %w", d.sc.err)
	}
	return c, nil
}

// cacheDetails reads a "cacheDetails" array at s.i: Known when it has the exact shape (see
// keyCacheDetails). It consumes the value either way.
func (d *Decoder) cacheDetails(depth int) CacheTTL {
	s := &d.sc
	defer func(saved int) { s.base = saved }(s.base)
	c := CacheTTL{Known: true}
	var seen1h, seen5m bool
	n := 0
	s.array(func() {
		n++
		if s.peek() != '{' {
			c.Known = false
			s.base = depth + 1
			s.skipValue()
			return
		}
		var ttl []byte
		tokens := int64(-1)
		var hasTTL, hasTokens, other bool
		s.object(func(key []byte) {
			switch {
			case keyIs(key, keyTTL) && !hasTTL && s.peek() == '"':
				raw, esc := s.str()
				if esc {
					raw = []byte(unescape(raw))
				}
				ttl, hasTTL = raw, true
			case keyIs(key, keyInputTokens) && !hasTokens:
				tokens, hasTokens = d.bodyCount(), true
			default:
				other = true
				s.base = depth + 2
				s.skipValue()
			}
		})
		switch {
		case other || !hasTTL || !hasTokens || tokens < 0:
			c.Known = false
		case string(ttl) == "1h" && !seen1h:
			seen1h, c.OneHour = true, tokens
		case string(ttl) == "5m" && !seen5m:
			seen5m, c.FiveMinutes = true, tokens
		default:
			c.Known = false
		}
	})
	if !c.Known || n > 2 || s.err != nil {
		return CacheTTL{}
	}
	return c
}

// cacheCreation reads a "cache_creation" object at s.i: Known when it has the exact shape
// (see keyCacheDetails). It consumes the value either way.
func (d *Decoder) cacheCreation(depth int) CacheTTL {
	s := &d.sc
	defer func(saved int) { s.base = saved }(s.base)
	c := CacheTTL{}
	var has5m, has1h, other bool
	s.object(func(key []byte) {
		switch {
		case keyIs(key, keyEphemeral5m) && !has5m:
			c.FiveMinutes, has5m = d.bodyCount(), true
		case keyIs(key, keyEphemeral1h) && !has1h:
			c.OneHour, has1h = d.bodyCount(), true
		default:
			other = true
			s.base = depth + 1
			s.skipValue()
		}
	})
	if other || !(has5m || has1h) || c.FiveMinutes < 0 || c.OneHour < 0 || s.err != nil {
		return CacheTTL{}
	}
	c.Known = true
	return c
}

// bodyCount reads a token count in a body: -1 unless it is a whole non-negative number
// written in digits that fits an int64 (the body's split is then unknown; the record
// itself is not malformed).
func (d *Decoder) bodyCount() int64 {
	s := &d.sc
	if c := s.peek(); c == '-' || (c >= '0' && c <= '9') {
		num := s.number()
		if s.err != nil || !allDigits(num) {
			return -1
		}
		n, err := strconv.ParseInt(string(num), 10, 64)
		if err != nil {
			return -1
		}
		return n
	}
	s.skipValue()
	return -1
}

func (d *Decoder) input(key []byte, in *Input) {
	switch string(key) {
	case "inputContentType":
		in.InputContentType = d.stringField("input.inputContentType", true)
	case "inputBodyJson":
		in.InputBodyJSON = d.body()
	case "inputTokenCount":
		in.InputTokenCount = d.count("input.inputTokenCount")
	case "cacheReadInputTokenCount":
		in.CacheReadInputTokenCount = d.count("input.cacheReadInputTokenCount")
	case "cacheWriteInputTokenCount":
		in.CacheWriteInputTokenCount = d.count("input.cacheWriteInputTokenCount")
	case "inputBodyS3Path":
		in.InputBodyS3Path = d.stringField("input.inputBodyS3Path", false)
	default:
		d.sc.skipValue()
	}
}

func (d *Decoder) output(key []byte, out *Output) {
	switch string(key) {
	case "outputContentType":
		out.OutputContentType = d.stringField("output.outputContentType", true)
	case "outputBodyJson":
		// Skipping validates the body fast; only a body that may state something is walked.
		d.sc.ws()
		start := d.sc.i
		d.sc.skipValue()
		if d.sc.err == nil && mayStateFacts(d.sc.b[start:d.sc.i]) {
			end := d.sc.i
			d.sc.i = start
			f := d.readBody(0)
			out.CacheTTL, out.ServiceTier, out.Guardrail = f.split, f.tier, f.guardrail
			if d.sc.err == nil && d.sc.i != end {
				d.setFieldErr("output.outputBodyJson: the body walk ended at byte %d, the skip at %d", d.sc.i, end)
			}
		}
		if d.bodies && d.sc.err == nil {
			out.OutputBodyJSON = bytes.Clone(d.sc.b[start:d.sc.i])
		}
	case "outputTokenCount":
		out.OutputTokenCount = d.count("output.outputTokenCount")
	case "outputBodyS3Path":
		out.OutputBodyS3Path = d.stringField("output.outputBodyS3Path", false)
	default:
		d.sc.skipValue()
	}
}

// metadata reads requestMetadata: string values as they are, null values as absent, and
// other values (numbers, booleans, objects, arrays) as their JSON text.
func (d *Decoder) metadata(rec *Record) {
	s := &d.sc
	d.objectField("requestMetadata", func(key []byte) {
		k := d.internBytes(key)
		switch s.peek() {
		case '"':
			raw, esc := s.str()
			if s.err != nil {
				return
			}
			if rec.RequestMetadata == nil {
				rec.RequestMetadata = make(map[string]string)
			}
			if esc || !utf8.Valid(raw) {
				rec.RequestMetadata[k] = unescape(raw)
			} else {
				rec.RequestMetadata[k] = string(raw)
			}
		case 'n':
			s.literal("null")
			if rec.RequestMetadata != nil {
				delete(rec.RequestMetadata, k)
			}
		default:
			start := s.i
			s.skipValue()
			if s.err != nil {
				return
			}
			if rec.RequestMetadata == nil {
				rec.RequestMetadata = make(map[string]string)
			}
			rec.RequestMetadata[k] = string(s.b[start:s.i])
		}
	})
}

func (d *Decoder) internBytes(b []byte) string {
	if v, ok := d.intern[string(b)]; ok {
		return v
	}
	v := string(b)
	if len(d.intern) < 4096 && len(v) <= 512 {
		d.intern[v] = v
	}
	return v
}

// timestamp reads the record's timestamp: an ISO 8601 / RFC 3339 instant with a zone
// ("Z" or an offset), with or without fractional seconds.
func (d *Decoder) timestamp(rec *Record) {
	s := &d.sc
	if s.peek() != '"' {
		d.timeErr = fmt.Sprintf("timestamp: want a string, got %s", s.kind())
		d.hasTime = false
		s.skipValue()
		return
	}
	raw, esc := s.str()
	if s.err != nil {
		return
	}
	var ok bool
	if esc || !utf8.Valid(raw) {
		rec.Timestamp, ok = parseTime([]byte(unescape(raw)))
	} else {
		rec.Timestamp, ok = parseTime(raw)
	}
	d.hasTime = ok
	d.timeErr = ""
	if !ok {
		d.timeErr = fmt.Sprintf("timestamp %q is not an ISO 8601 time with a zone", raw)
	}
}

// parseTime parses "YYYY-MM-DDTHH:MM:SS[.fraction]Z" without allocating, and any other
// RFC 3339 form (offsets) through time.Parse. The result is UTC.
func parseTime(b []byte) (time.Time, bool) {
	if len(b) >= 20 && b[4] == '-' && b[7] == '-' && b[10] == 'T' && b[13] == ':' && b[16] == ':' && b[len(b)-1] == 'Z' {
		y, ok1 := digits(b[0:4])
		mo, ok2 := digits(b[5:7])
		dd, ok3 := digits(b[8:10])
		h, ok4 := digits(b[11:13])
		mi, ok5 := digits(b[14:16])
		sec, ok6 := digits(b[17:19])
		ns := 0
		ok7 := true
		if frac := b[19 : len(b)-1]; len(frac) > 0 {
			ok7 = frac[0] == '.' && len(frac) >= 2 && len(frac) <= 10
			if ok7 {
				f, ok := digits(frac[1:])
				ok7 = ok
				for k := len(frac) - 1; k < 9; k++ {
					f *= 10
				}
				ns = f
			}
		}
		if ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7 && mo >= 1 && mo <= 12 && h < 24 && mi < 60 && sec < 60 {
			t := time.Date(y, time.Month(mo), dd, h, mi, sec, ns, time.UTC)
			if t.Day() == dd {
				return t, true
			}
			return time.Time{}, false
		}
	}
	t, err := time.Parse(time.RFC3339Nano, string(b))
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, len(b) > 0
}

// Skipped is what the stream skipped so far.
func (d *Decoder) Skipped() Skipped { return d.skipped }

// Records is the number of records returned so far.
func (d *Decoder) Records() int64 { return d.records }

// Lines is the number of lines read so far.
func (d *Decoder) Lines() int64 { return d.line }

// Bytes is the number of (uncompressed) bytes read so far.
func (d *Decoder) Bytes() int64 { return d.bytes }

// Err is the read error that ended the stream (it is also counted in Skipped as an
// unreadable file), or nil.
func (d *Decoder) Err() error {
	if d.err == io.EOF {
		return nil
	}
	return d.err
}
