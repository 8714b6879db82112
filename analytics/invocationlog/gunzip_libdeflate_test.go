//go:build libdeflate && cgo

package invocationlog

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// decoded is everything a decoder says about one file.
type decoded struct {
	Records []Record
	Count   int64
	Skipped Skipped
	Err     string
}

func decodeWith(whole func([]byte, []byte, int) ([]byte, bool), r io.Reader, opts ...DecoderOption) decoded {
	saved := wholeGunzip
	wholeGunzip = whole
	defer func() { wholeGunzip = saved }()
	recs, d := decodeAll(r, "f.json.gz", opts...)
	out := decoded{Records: recs, Count: d.Records(), Skipped: d.Skipped()}
	if d.Err() != nil {
		out.Err = d.Err().Error()
	}
	return out
}

// TestLibdeflateMatchesStreaming: the whole-file libdeflate path gives exactly what the
// streaming Go inflater gives — records, counts, skips and errors — on good files and on
// every kind of broken one, because whatever libdeflate refuses is streamed from the same bytes.
func TestLibdeflateMatchesStreaming(t *testing.T) {
	raw, gz, flip := gzippedFixture(t)
	// A file of many copies inflates to far more than its trailer's last member states,
	// which drives the output buffer's growth.
	many := bytes.Repeat(raw, 200)
	tests := []struct {
		name string
		data []byte
		read func([]byte) io.Reader
		opts []DecoderOption
	}{
		{name: "whole", data: gz},
		{name: "two members", data: append(bytes.Clone(gz), gz...)},
		{name: "big member then small", data: append(gzipBytes(t, many), gzipBytes(t, raw[:len(raw)/3])...)},
		{name: "truncated in the header", data: gz[:5]},
		{name: "truncated early", data: gz[:len(gz)/4]},
		{name: "truncated late", data: gz[:len(gz)-20]},
		{name: "truncated trailer", data: gz[:len(gz)-4]},
		{name: "corrupt checksum", data: flip(len(gz) - 6)},
		{name: "corrupt size", data: flip(len(gz) - 2)},
		{name: "corrupt data", data: flip(len(gz) / 2)},
		{name: "trailing garbage", data: append(bytes.Clone(gz), "garbage"...)},
		{name: "trailing zeros", data: append(bytes.Clone(gz), make([]byte, 64)...)},
		{name: "empty gzip", data: gzipBytes(t, nil)},
		{name: "over the file limit", data: gzipBytes(t, many), opts: []DecoderOption{WithMaxFileBytes(int64(len(raw)) * 3)}},
		{name: "read error", data: gz, read: func(b []byte) io.Reader {
			return &errReader{data: b[:len(b)/2], err: errors.New("connection reset")}
		}},
		{name: "one byte at a time", data: gz, read: func(b []byte) io.Reader { return &oneByteReader{b} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			read := tt.read
			if read == nil {
				read = func(b []byte) io.Reader { return bytes.NewReader(b) }
			}
			want := decodeWith(nil, read(tt.data), tt.opts...)
			got := decodeWith(libdeflateGunzip, read(tt.data), tt.opts...)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("libdeflate path differs from streaming (-want +got):\n%s", diff)
			}
		})
	}
}

type oneByteReader struct{ b []byte }

func (r *oneByteReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	p[0] = r.b[0]
	r.b = r.b[1:]
	return 1, nil
}

// TestLibdeflateGunzip checks the inflater itself against compress/gzip: it succeeds on good
// files of one or many members, whatever the starting buffer, and refuses what is over the
// limit or broken instead of returning part of it.
func TestLibdeflateGunzip(t *testing.T) {
	var plain []byte
	for i := range 20000 {
		plain = fmt.Appendf(plain, "line %d %s\n", i, strings.Repeat("ab", i%50))
	}
	members := append(gzipBytes(t, plain), gzipBytes(t, plain[:1000])...)
	tests := []struct {
		name   string
		src    []byte
		dst    []byte
		limit  int
		wantOK bool
	}{
		{name: "one member", src: gzipBytes(t, plain), limit: 1 << 30, wantOK: true},
		{name: "two members, last small", src: members, limit: 1 << 30, wantOK: true},
		{name: "reused small buffer", src: members, dst: make([]byte, 10, 100), limit: 1 << 30, wantOK: true},
		{name: "exactly at the limit", src: gzipBytes(t, plain), limit: len(plain), wantOK: true},
		{name: "one byte over the limit", src: gzipBytes(t, plain), limit: len(plain) - 1},
		{name: "broken", src: gzipBytes(t, plain)[:100], limit: 1 << 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := libdeflateGunzip(tt.dst, tt.src, tt.limit)
			if ok != tt.wantOK {
				t.Fatalf("ok got %v, want %v", ok, tt.wantOK)
			}
			if !ok {
				return
			}
			zr, err := gzip.NewReader(bytes.NewReader(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			want, err := io.ReadAll(zr)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("inflated %d bytes, want the %d compress/gzip gives", len(got), len(want))
			}
		})
	}
}
