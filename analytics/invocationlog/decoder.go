package invocationlog

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
)

// Decoder reads records from a gzipped or plain NDJSON stream. It never stops at a bad line:
// malformed lines and non-log records are counted in Skipped, and a stream that cannot be
// read to its end (corrupt or truncated gzip) counts as one unreadable file after the records
// before the fault have been returned.
type Decoder struct {
	name    string
	br      *bufio.Reader
	err     error
	line    int64
	records int64
	skipped Skipped
	bodies  bool
	started bool
	src     io.Reader
}

// DecoderOption configures a Decoder.
type DecoderOption func(*Decoder)

// WithBodies keeps inputBodyJson and outputBodyJson on decoded records.
func WithBodies() DecoderOption { return func(d *Decoder) { d.bodies = true } }

// NewDecoder returns a decoder over r; name is the file or object name used in skip reports.
// Gzip is detected by its magic bytes.
func NewDecoder(r io.Reader, name string, opts ...DecoderOption) *Decoder {
	d := &Decoder{name: name, src: r}
	for _, o := range opts {
		o(d)
	}
	return d
}

func (d *Decoder) start() {
	d.started = true
	br := bufio.NewReaderSize(d.src, 256<<10)
	magic, _ := br.Peek(2)
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			d.fail(err)
			return
		}
		d.br = bufio.NewReaderSize(zr, 256<<10)
		return
	}
	d.br = br
}

func (d *Decoder) fail(err error) {
	d.err = err
	d.skipped.Add(Skip{Reason: SkipUnreadableFile, File: d.name, Line: d.line + 1, Detail: err.Error()})
}

// Next decodes the next record into rec and reports whether there was one.
func (d *Decoder) Next(rec *Record) bool {
	if !d.started {
		d.start()
	}
	for d.err == nil {
		line, err := d.br.ReadBytes('\n')
		if len(line) > 0 && (err == nil || err == io.EOF) {
			d.line++
			if ok := d.decodeLine(line, rec); ok {
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
		if err != nil {
			d.fail(err)
			return false
		}
	}
	return false
}

func (d *Decoder) decodeLine(line []byte, rec *Record) bool {
	line = bytes.TrimSpace(line)
	if len(line) == 0 {
		return false
	}
	*rec = Record{}
	if err := json.Unmarshal(line, rec); err != nil {
		d.skipped.Add(Skip{Reason: SkipMalformedLine, File: d.name, Line: d.line, Detail: err.Error()})
		return false
	}
	if rec.SchemaType != SchemaType {
		d.skipped.Add(Skip{Reason: SkipOtherRecord, File: d.name, Line: d.line, Detail: fmt.Sprintf("schemaType %q", rec.SchemaType)})
		return false
	}
	if !d.bodies {
		rec.Input.InputBodyJSON = nil
		rec.Output.OutputBodyJSON = nil
	}
	d.records++
	return true
}

// Skipped is what the stream skipped so far.
func (d *Decoder) Skipped() Skipped { return d.skipped }

// Records is the number of records returned so far.
func (d *Decoder) Records() int64 { return d.records }

// Lines is the number of lines read so far.
func (d *Decoder) Lines() int64 { return d.line }
