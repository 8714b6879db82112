//go:build libdeflate && cgo

package invocationlog

// The libdeflate build (go build -tags libdeflate; Debian: apt-get install libdeflate-dev):
// gzip files are inflated whole by libdeflate, about four times faster than Go's streaming
// inflater, which half of a scan's CPU time goes to. The default build never needs cgo.

/*
#cgo LDFLAGS: -ldeflate
#include <libdeflate.h>
*/
import "C"

import "unsafe"

func init() { wholeGunzip = libdeflateGunzip }

// libdeflateGunzip inflates every gzip member of src, appending to dst, at most limit bytes.
func libdeflateGunzip(dst, src []byte, limit int) ([]byte, bool) {
	dec := C.libdeflate_alloc_decompressor()
	if dec == nil {
		return dst, false
	}
	defer C.libdeflate_free_decompressor(dec)
	out := dst[:0]
	// The last member's trailer states its size (mod 2^32): most files are one member.
	want := len(src) * 4
	if n := len(src); n >= 18 {
		want = max(want, int(uint32(src[n-4])|uint32(src[n-3])<<8|uint32(src[n-2])<<16|uint32(src[n-1])<<24))
	}
	for len(src) > 0 {
		for {
			if cap(out)-len(out) < 1 || cap(out) < min(want, limit) {
				size := min(max(2*cap(out), want, 64<<10), limit)
				if size <= cap(out) {
					return dst, false // over the limit: the streaming inflater reads it, and says so
				}
				grown := make([]byte, len(out), size)
				copy(grown, out)
				out = grown
			}
			free := out[len(out):cap(out)]
			var in, n C.size_t
			r := C.libdeflate_gzip_decompress_ex(dec, unsafe.Pointer(&src[0]), C.size_t(len(src)),
				unsafe.Pointer(&free[0]), C.size_t(len(free)), &in, &n)
			if r == C.LIBDEFLATE_SUCCESS {
				out = out[:len(out)+int(n)]
				src = src[int(in):]
				break
			}
			if r != C.LIBDEFLATE_INSUFFICIENT_SPACE || cap(out) >= limit {
				return dst, false
			}
			want = 2 * cap(out)
		}
	}
	return out, true
}
